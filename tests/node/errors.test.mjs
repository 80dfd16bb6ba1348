// Every error class: thrown where it should be, an instance of each of its bases, its fields set,
// and the API key nowhere in its message, stack or inspection.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';

import * as argos from 'argos-addon';

import { jpeg, startMock, SUBMISSION, vectors } from './support/fixtures.mjs';

const SENTINEL = 'SENTINELnodeKeyDoNotLeak0123456789abcdef';

// The declared tree (written by `make surface` from the core): each class and its parent.
const SURFACE = vectors('surface.json');
const PARENT = Object.fromEntries(SURFACE.errors.map((e) => [e.name, e.parent]));
PARENT[SURFACE.base_error] = 'Error';
// Node's own: the rejection of a call aborted by its AbortSignal (named 'AbortError', as fetch's).
const NODE_ONLY = { APIUserAbortError: SURFACE.base_error };

/** `name` and every class above it, up to `Error`. */
const ancestry = (name) => (name === 'Error' ? [] : [PARENT[name], ...ancestry(PARENT[name])]);
const classOf = (name) => (name === 'Error' ? Error : argos[name]);

test('the tree: exactly the declared classes, each extending its declared parent', () => {
  assert.deepEqual(
    Object.keys(argos).filter((k) => k.endsWith('Error')).sort(),
    Object.keys({ ...PARENT, ...NODE_ONLY }).sort(),
  );
  for (const [name, parent] of Object.entries(NODE_ONLY)) {
    assert.equal(Object.getPrototypeOf(argos[name]), argos[parent], `${name} extends ${parent}`);
    assert.equal(new argos[name]('text').name, 'AbortError');
  }
  assert.ok(argos.QuotaExceededError.prototype instanceof argos.RateLimitError);
  assert.ok(argos.APITimeoutError.prototype instanceof argos.APIConnectionError);
  for (const [name, parent] of Object.entries(PARENT)) {
    assert.equal(Object.getPrototypeOf(argos[name]), classOf(parent), `${name} extends ${parent}`);
  }
});

test('the tree: every class exported, named, and a subclass of its bases', () => {
  for (const name of Object.keys(PARENT)) {
    const cls = argos[name];
    assert.equal(typeof cls, 'function', name);
    const err = new cls('text', { status: 418 });
    assert.equal(err.name, name);
    assert.equal(err.message, 'text');
    assert.equal(err.status, 418);
    assert.ok(err instanceof Error && err instanceof cls, name);
    for (const base of ancestry(name)) assert.ok(err instanceof classOf(base), `${name} extends ${base}`);
    assert.match(err.stack, new RegExp(`^${name}: text`));
    assert.ok(!Object.keys(err).includes('name'), 'name lives on the prototype');
  }
});

/** For each class but the base, a way to make the package throw it. */
function throwers(mock) {
  const client = mock.client({ maxRetries: 0, timeout: 500 });
  const status = (code, body, headers = {}) => () => {
    mock.failNext(code, body, { headers });
    return client.faceAuth.get('secret-auth-id');
  };
  return {
    ConfigurationError: () => new argos.Client({ apiKey: SENTINEL, baseUrl: 'http://x/v3' }),
    ValidationError: () => client.faceAuth.get('  '),
    WebhookError: () => argos.decryptQuery('AAAAAAAAAAAAAAAAAAAAAA==', SENTINEL),
    APIConnectionError: () => {
      mock.dropNext();
      return client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
    },
    APITimeoutError: () => {
      mock.delayNext(3000);
      return client.faceAuth.get('secret-auth-id');
    },
    APIStatusError: status(404, '{"message":"Not Found"}'),
    BadRequestError: status(400, '{"errorCode":"required_field_missing","message":"Required field is missing"}'),
    NotFoundError: status(400, '{"errorCode":"Cannot find submission. Please check input data."}'),
    AuthenticationError: () => mock.client({ apiKey: `${SENTINEL}x` }).faceAuth.get('a'),
    IPNotAllowedError: async () => {
      mock.setDeny(true);
      try {
        return await client.faceAuth.get('a');
      } finally {
        mock.setDeny(false);
      }
    },
    PayloadTooLargeError: status(413, '{"message":"Request Entity Too Large"}'),
    RateLimitError: status(429, '{"message":"Too Many Requests"}', { 'Retry-After': '120' }),
    QuotaExceededError: status(429, '{"message":"Limit Exceeded"}'),
    ServerError: status(503, 'down'),
    InternalServerError: status(500, '{}'),
    BadGatewayError: () => {
      mock.badGatewayNext();
      return client.faceAuth.image('secret-auth-id');
    },
  };
}

test('every class is thrown where it should be, and never shows the key', async (t) => {
  const mock = await startMock(t, { apiKey: SENTINEL });
  const client = mock.client();
  assert.doesNotMatch(inspect(client, { showHidden: true, depth: 5 }), new RegExp(SENTINEL));
  for (const [name, raise] of Object.entries(throwers(mock))) {
    const err = await (async () => raise())().then(
      () => assert.fail(`${name}: nothing was thrown`),
      (caught) => caught,
    );
    assert.equal(err.constructor, argos[name], `${name}: got ${err.stack}`);
    for (const base of ancestry(name)) assert.ok(err instanceof classOf(base), `${name} is a ${base}`);
    const texts = [err.message, err.stack, inspect(err, { showHidden: true, depth: 5 }), String(err), JSON.stringify(err)];
    for (const text of texts) {
      assert.doesNotMatch(text, new RegExp(SENTINEL), name);
      assert.doesNotMatch(text, /authId=/, `${name}: no query string`);
    }
    const isStatus = err instanceof argos.APIStatusError;
    assert.equal(typeof err.status, isStatus ? 'number' : 'object', `${name}: status`);
    assert.equal(typeof err.body, isStatus ? 'string' : 'object', `${name}: body`);
  }
});

test('status errors carry every field; transport errors their cause', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ maxRetries: 0 });
  mock.failNext(429, '{"message":"Too Many Requests"}', { headers: { 'Retry-After': '120', 'x-amzn-RequestId': 'rid-1' } });
  const err = await client.faceAuth.get('a').catch((caught) => caught);
  assert.ok(err instanceof argos.RateLimitError);
  assert.deepEqual(
    [err.status, err.message, err.retryAfter, err.requestId, err.code, err.traceId, err.body],
    [429, 'Too Many Requests', 120, 'rid-1', null, null, '{"message":"Too Many Requests"}'],
  );
  assert.equal(err.cause, undefined);
  assert.match(inspect(err), /requestId: 'rid-1'/);

  mock.dropNext();
  const dropped = await client.faceAuth.get('a').catch((caught) => caught);
  assert.ok(dropped instanceof argos.APIConnectionError && !(dropped instanceof argos.APITimeoutError));
  assert.ok(dropped.cause instanceof Error);
  assert.match(dropped.cause.message, /close_notify|connection|closed/i);
  assert.equal(dropped.status, null);
});

test('an HTML gateway page never becomes the message', async (t) => {
  const mock = await startMock(t);
  mock.badGatewayNext();
  const err = await mock.client({ maxRetries: 0 }).faceAuth.get('a').catch((caught) => caught);
  assert.ok(err instanceof argos.BadGatewayError);
  assert.equal(err.message, 'Bad Gateway');
  assert.match(err.body, /<html/);
  assert.doesNotMatch(err.stack, /<html/);
});

test("an API error's stack starts at the caller's await, not inside the package", async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ apiKey: 'wrong-key-0123456789' });
  async function lookUpTheRecord() {
    await client.faceAuth.get('no-such-auth-id');
  }
  async function walkTheRecords() {
    for await (const record of client.faceAuth.list()) assert.fail(`got ${record.authId}`);
  }
  for (const caller of [lookUpTheRecord, walkTheRecords]) {
    const err = await caller().then(() => assert.fail('no error'), (e) => e);
    assert.ok(err instanceof argos.AuthenticationError, err.stack);
    assert.match(err.stack, new RegExp(`^AuthenticationError: .*\\n\\s+at async ${caller.name} `), err.stack);
  }
});

test('an unreadable 2xx body is an APIStatusError with code invalid_response', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ maxRetries: 0 });
  const cases = [
    ['/faceauth', '<html>oops</html>', () => client.faceAuth.get('a')],
    ['/faceauth', '{"data": 5}', () => client.faceAuth.listPage()],
    ['/faceauth/image', 'not base64 !!', () => client.faceAuth.image('a')],
  ];
  for (const [path, body, call] of cases) {
    mock.failNext(200, body, { method: 'GET', path });
    await assert.rejects(call(), (err) => {
      assert.equal(err.constructor, argos.APIStatusError, err.stack);
      assert.deepEqual([err.status, err.code, err.body], [200, 'invalid_response', body]);
      return true;
    });
  }
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
  assert.equal(mock.requestCount('GET', '/faceauth/image'), 1);
});
