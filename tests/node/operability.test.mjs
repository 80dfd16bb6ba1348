// Per-call options (withOptions), defaultHeaders, the response of every answer, withResponse, and
// the package without OpenTelemetry: not installed, or installed with no provider set. The spans
// and the metric themselves are in telemetry.test.mjs, which sets global providers.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { context, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { APIConnectionError, APITimeoutError, Client, ConfigurationError } from 'argos-addon';

import { jpeg, runNode, startMock, SUBMISSION } from './support/fixtures.mjs';

const RESERVED = ['x-api-key', 'content-type', 'content-length', 'host', 'traceparent', 'tracestate'];

/** The headers of each request the mock received, as objects. */
const headersOf = (mock) => mock.requests().map((request) => Object.fromEntries(request.headers));

/** A `GET /faceauth` answer of one record, as ARGOS words it. */
const pageBody = (authId) => {
  const record = { auth_id: authId, auth_status: 'approved', create_time: '2024-05-01T00:00:00Z' };
  return JSON.stringify([{ faceAuth_projectId: 'p', data: [record] }]);
};

test('withOptions shares the connection pool with its client', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const copy = client.withOptions({ timeout: 5_000, maxRetries: 0, extraHeaders: { 'x-team': 'kyc' } });
  assert.ok(copy instanceof Client);
  assert.equal(copy.baseUrl, client.baseUrl);
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  await copy.faceAuth.get(result.authenticationId);
  await client.faceAuth.get(result.authenticationId);
  await copy.withOptions({ timeout: 1_000 }).faceAuth.listPage();
  assert.equal(mock.requestCount(), 4);
  assert.equal(mock.connectionCount(), 1, 'one connection for the client and its copies');
});

test("a copy's timeout and retries apply to its calls only", async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ maxRetries: 0 });
  const hasty = client.withOptions({ timeout: 200 });
  mock.delayNext(1_500, { method: 'GET', path: '/faceauth', times: 2 });
  const started = performance.now();
  await assert.rejects(hasty.faceAuth.listPage(), APITimeoutError);
  assert.ok(performance.now() - started < 1_400, 'the copy gave up after its own timeout');
  // The parent keeps its 60 s and waits the delay out.
  assert.equal((await client.faceAuth.listPage()).response.status, 200);

  mock.resetCounts();
  mock.failNext(503, 'busy', { method: 'GET', path: '/faceauth', times: 2 });
  const persistent = client.withOptions({ maxRetries: 2 });
  assert.equal((await persistent.faceAuth.listPage()).response.attempts, 3);
  assert.equal(mock.requestCount('GET', '/faceauth'), 3, 'the parent sends once, the copy retries');
});

test('defaultHeaders and extraHeaders reach the server; a copy replaces a header by name', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ defaultHeaders: { 'X-Team': 'kyc', 'x-env': 'test' } });
  const copy = client.withOptions({ extraHeaders: { 'x-env': 'canary', 'x-request-tag': 'r-1' } });
  await client.faceAuth.listPage();
  await copy.faceAuth.listPage();
  await copy.withOptions({ extraHeaders: { 'x-request-tag': 'r-2' } }).faceAuth.listPage();
  const [parent, first, second] = headersOf(mock);
  assert.equal(parent['x-team'], 'kyc');
  assert.equal(parent['x-env'], 'test');
  assert.equal(parent['x-request-tag'], undefined, "the copy's headers are its own");
  assert.deepEqual([first['x-team'], first['x-env'], first['x-request-tag']], ['kyc', 'canary', 'r-1']);
  assert.deepEqual([second['x-env'], second['x-request-tag']], ['canary', 'r-2']);
  assert.equal(parent['x-api-key'], '<redacted>', 'the key is still sent');
});

test('bad per-call options and headers are a ConfigurationError before any request', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const bad = [];
  for (const name of RESERVED) {
    const shouted = name.toUpperCase();
    bad.push(() => mock.client({ defaultHeaders: { [name]: 'x' } }));
    bad.push(() => mock.client({ defaultHeaders: { [shouted]: 'x' } }));
    bad.push(() => client.withOptions({ extraHeaders: { [name]: 'x' } }));
    bad.push(() => client.withOptions({ extraHeaders: { [shouted]: 'x' } }));
  }
  bad.push(
    () => mock.client({ defaultHeaders: { 'x-split': 'a\r\nx-injected: 1' } }),
    () => mock.client({ defaultHeaders: { 'bad name': 'x' } }),
    () => mock.client({ defaultHeaders: { 'x-count': 1 } }),
    () => mock.client({ defaultHeaders: ['x-team', 'kyc'] }),
    () => mock.client({ defaultHeaders: new Map([['x-team', 'kyc']]) }),
    () => mock.client({ defaultHeaders: 'x-team: kyc' }),
    () => client.withOptions({ extraHeaders: { 'x-split': 'a\nb' } }),
    () => client.withOptions({ timeout: 0 }),
    () => client.withOptions({ timeout: '5s' }),
    () => client.withOptions({ maxRetries: -1 }),
    () => client.withOptions({ maxRetries: 1.5 }),
    () => client.withOptions({ connectTimeout: 100 }),
    () => client.withOptions({ max_retries: 1 }),
    () => client.withOptions('fast'),
  );
  for (const make of bad) assert.throws(make, ConfigurationError, make.toString());
  assert.match(
    (() => {
      try {
        client.withOptions({ extraHeaders: { Traceparent: 'x' } });
      } catch (err) {
        return err.message;
      }
    })(),
    /cannot set traceparent/,
  );
  assert.equal(mock.requestCount(), 0);
});

test("response: the answer's status, request id, headers, attempts and time", async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  const record = await client.faceAuth.get(result.authenticationId);
  const page = await client.faceAuth.listPage();
  for (const { response } of [result, record, page]) {
    assert.deepEqual(Object.keys(response), ['status', 'requestId', 'headers', 'attempts', 'elapsedMs']);
    assert.equal(response.status, 200);
    assert.equal(response.attempts, 1);
    assert.ok(response.elapsedMs > 0 && response.elapsedMs < 10_000, String(response.elapsedMs));
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(response.requestId, response.headers['x-amzn-requestid']);
    for (const name of Object.keys(response.headers)) assert.equal(name, name.toLowerCase());
  }
  assert.notEqual(result.response.requestId, record.response.requestId);
  assert.equal(page.records[0].response, page.response, "a page's records share its response");

  mock.failNext(200, pageBody('auth-fixed'), {
    method: 'GET',
    path: '/faceauth',
    headers: { 'x-amzn-RequestId': 'fixed-request-id-0001', 'X-Extra': 'one' },
  });
  const fixed = await client.faceAuth.get('auth-fixed');
  assert.equal(fixed.authId, 'auth-fixed');
  assert.equal(fixed.response.requestId, 'fixed-request-id-0001');
  assert.equal(fixed.response.headers['x-extra'], 'one');
});

test('a retried GET has attempts 2', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const authId = mock.addRecord();
  mock.failNext(503, 'busy', { method: 'GET', path: '/faceauth' });
  const record = await client.faceAuth.get(authId);
  assert.equal(record.response.attempts, 2);
  assert.equal(record.response.status, 200);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
});

test('withResponse.image and withResponse.delete return the value and the response', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const authId = mock.addRecord({ image: jpeg(3) });

  const image = await client.faceAuth.withResponse.image(authId);
  assert.deepEqual(Object.keys(image), ['value', 'response']);
  assert.ok(Buffer.isBuffer(image.value));
  assert.deepEqual(image.value, jpeg(3));
  assert.equal(image.response.status, 200);
  assert.equal(image.response.requestId, image.response.headers['x-amzn-requestid']);
  assert.deepEqual(await client.faceAuth.image(authId), jpeg(3), 'image() still returns the Buffer');

  const deleted = await client.withOptions({ maxRetries: 0 }).faceAuth.withResponse.delete(authId);
  assert.deepEqual(Object.keys(deleted), ['value', 'response']);
  assert.equal(deleted.value, undefined);
  assert.equal(deleted.response.status, 200);
  assert.equal(deleted.response.attempts, 1);
  assert.equal(await client.faceAuth.delete(authId), undefined, 'delete() still returns nothing');
  assert.equal((await client.faceAuth.get(authId)).deleted, true);
});

test('closing a copy ends its calls only', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const copy = client.withOptions({ timeout: 5_000 });
  await copy.faceAuth.listPage();
  copy.close();
  await assert.rejects(copy.faceAuth.listPage(), APIConnectionError);
  assert.throws(() => copy.withOptions({}), APIConnectionError);
  await client.faceAuth.listPage();
  const other = client.withOptions({});
  client.close();
  await assert.rejects(client.faceAuth.listPage(), APIConnectionError);
  // A copy holds its share of the pool, which stays open for it.
  await other.faceAuth.listPage();
  assert.equal(mock.connectionCount(), 1);
});

test('with @opentelemetry/api but no provider set, no trace context is sent', async (t) => {
  const unset = new ProxyTracerProvider().getDelegate();
  assert.equal(trace.getTracerProvider().getDelegate(), unset, 'no tracer provider');
  // A propagator and a context manager alone turn nothing on.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  t.after(() => {
    propagation.disable();
    context.disable();
  });
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  await client.faceAuth.get(result.authenticationId);
  for await (const record of client.faceAuth.list({ pageSize: 1 })) assert.ok(record.authId);
  await client.faceAuth.image(result.authenticationId);
  await client.faceAuth.delete(result.authenticationId);
  for (const headers of headersOf(mock)) {
    assert.equal(headers.traceparent, undefined);
    assert.equal(headers.tracestate, undefined);
  }
});

test('the package works where @opentelemetry/api cannot be loaded', async () => {
  // The child's require throws for the API as it does where it is not installed.
  const { code, stdout, stderr } = await runNode(`
    import Module, { createRequire } from 'node:module';
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request.startsWith('@opentelemetry/')) {
        throw Object.assign(new Error(\`Cannot find module '\${request}'\`), { code: 'MODULE_NOT_FOUND' });
      }
      return resolve.call(this, request, ...rest);
    };
    const require = createRequire(process.cwd() + '/');
    try {
      require('@opentelemetry/api');
      throw new Error('the API loaded');
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
    }
    const { MockServer } = await import('argos-addon/testing');
    const mock = await MockServer.start();
    const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]);
    mock.addSubmission('sub-1', { selfie: image });
    const client = mock.client();
    const result = await client.faceAuth.submit({ submissionId: 'sub-1', faceImage: image });
    const record = await client.withOptions({ maxRetries: 0 }).faceAuth.get(result.authenticationId);
    let records = 0;
    for await (const each of client.faceAuth.list()) records += 1;
    const { value } = await client.faceAuth.withResponse.image(record.authId);
    await client.faceAuth.delete(record.authId);
    const traced = mock.requests().filter((r) => r.headers.some(([name]) => name === 'traceparent'));
    console.log(JSON.stringify({ approved: result.approved, records, image: value.length, traced: traced.length }));
    await mock.stop();
  `);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), { approved: true, records: 1, image: 64, traced: 0 });
});
