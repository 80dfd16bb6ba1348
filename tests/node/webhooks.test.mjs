// argos-addon/webhooks against the real frameworks (devDependencies): every webhook vector, plain
// and encrypted, posted over HTTP to an Express app (argosWebhook) and a Fastify app
// (fastifyArgosWebhook), each listening on a free port; and the failures a webhook route meets in
// practice: a body parsed too early, an oversized body, garbage.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import * as argos from 'argos-addon';
import {
  argosWebhook,
  DEFAULT_MAX_BYTES,
  DEFAULT_SEEN_MAX_ENTRIES,
  DEFAULT_SEEN_TTL_MS,
  fastifyArgosWebhook,
  readWebhook,
  SeenWebhooks,
} from 'argos-addon/webhooks';
import express from 'express';
import Fastify from 'fastify';

import { runNode, vectors } from './support/fixtures.mjs';
import { startRedisCluster, startRedisServer } from './support/redis.mjs';

const WEBHOOKS = vectors('webhooks.json');
const KEY = WEBHOOKS.cases.find((c) => c.api_key).api_key;

const camel = (name) => name.replace(/_(\w)/g, (_, letter) => letter.toUpperCase());

// The vectors encrypt only a v3 body; the same scheme as encryptQuery makes an encrypted twin of
// every plain one, so each version comes both ways.
const CASES = [
  ...WEBHOOKS.cases,
  ...WEBHOOKS.cases
    .filter((c) => c.api_key === undefined)
    .map((c) => ({
      ...c,
      name: `${c.name}, encrypted`,
      api_key: KEY,
      body: JSON.stringify({ data: argos.encryptQuery(JSON.parse(c.body), KEY) }),
    })),
];

test('the cases cover versions 1-3, plain and encrypted', () => {
  const kinds = new Set(CASES.map((c) => `${c.expect.version}${c.api_key ? ' encrypted' : ''}`));
  assert.deepEqual([...kinds].sort(), ['1', '1 encrypted', '2', '2 encrypted', '3', '3 encrypted']);
});

/** Asserts `hook` (a parsed webhook, or its JSON as a server sent it back) is what `expect` says. */
function assertHook(hook, expect, name) {
  for (const [field, want] of Object.entries(expect)) {
    const got = hook[camel(field)];
    if (field === 'create_time') {
      assert.equal(got instanceof Date ? got.toISOString() : got, want, `${name}: ${field}`);
    } else if (field === 'reference' && want !== null) {
      assert.deepEqual(got, Object.fromEntries(Object.entries(want).map(([k, v]) => [camel(k), v])), name);
    } else assert.deepEqual(got, want, `${name}: ${field}`);
  }
  assert.equal(typeof hook.raw, 'object', name);
}

const NOT_RAW =
  /already parsed.*Express: .*before app\.use\(express\.json\(\)\).*express\.raw\(\{ type: '\*\/\*' \}\).*Fastify: .*removeContentTypeParser\('application\/json'\).*addContentTypeParser\('application\/json', \{ parseAs: 'buffer' \}/s;

test('readWebhook: every case from a string, a Buffer and a Uint8Array', () => {
  for (const { name, body, api_key: apiKey, expect } of CASES) {
    for (const given of [body, Buffer.from(body), new Uint8Array(Buffer.from(body))]) {
      assertHook(readWebhook(given, { apiKey }), expect, name);
    }
  }
  for (const { name, body, api_key: apiKey } of WEBHOOKS.errors) {
    assert.throws(
      () => readWebhook(body, { apiKey }),
      (err) => err instanceof argos.WebhookError && err.status === 400,
      name,
    );
  }
});

test('readWebhook: a parsed body says how to fix it in Express and Fastify', () => {
  for (const parsed of [JSON.parse(CASES[0].body), [1, 2], 42, true]) {
    assert.throws(
      () => readWebhook(parsed),
      (err) => {
        assert.ok(err instanceof argos.WebhookError);
        assert.equal(err.status, 500);
        assert.equal(err.code, 'webhook_body_not_raw');
        assert.match(err.message, NOT_RAW);
        assert.match(err.message, /argosWebhook\(\)|fastifyArgosWebhook/);
        return true;
      },
    );
  }
  assert.throws(() => readWebhook(undefined), /got no body \(undefined\)/);
  assert.throws(() => readWebhook(null), /got no body \(null\)/);
});

test('readWebhook: maxBytes, 1 MiB by default', () => {
  assert.equal(DEFAULT_MAX_BYTES, 1024 * 1024);
  const body = CASES[0].body;
  const bytes = Buffer.byteLength(body);
  assert.equal(readWebhook(body, { maxBytes: bytes }).authId, 'auth000000001');
  for (const given of [body, Buffer.from(body)]) {
    assert.throws(
      () => readWebhook(given, { maxBytes: bytes - 1 }),
      (err) => err instanceof argos.WebhookError && err.status === 413 && /larger than maxBytes/.test(err.message),
    );
  }
  const big = body.replace('"user-42"', JSON.stringify('x'.repeat(DEFAULT_MAX_BYTES)));
  assert.throws(() => readWebhook(big), (err) => err.status === 413);
  assert.equal(readWebhook(big, { maxBytes: 2 * DEFAULT_MAX_BYTES }).userId.length, DEFAULT_MAX_BYTES);
});

test('bad options are refused when the helper is made, not on the first webhook', () => {
  for (const bad of [{ apiKEY: 'k' }, { maxBytes: 0 }, { maxBytes: 1.5 }, { maxBytes: '1mb' }, { apiKey: 1 }, 'k']) {
    assert.throws(() => readWebhook('{}', bad), argos.ValidationError, JSON.stringify(bad));
    assert.throws(() => argosWebhook(bad), argos.ConfigurationError, JSON.stringify(bad));
  }
});

test('loading argos-addon/webhooks loads neither express nor fastify', async () => {
  const run = await runNode(
    "import { createRequire } from 'node:module'; await import('argos-addon/webhooks');" +
      "const require = createRequire(process.cwd() + '/');" +
      "const loaded = Object.keys(require.cache).filter((p) => /node_modules\\/(express|fastify)\\//.test(p));" +
      'if (loaded.length) { console.error(loaded); process.exit(1); }',
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
});

// ---- Express ----------------------------------------------------------------------------------

async function listen(t, app) {
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve(s)));
  });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}`;
}

const post = (url, body, headers = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) });

/** A body sent chunked (no Content-Length) in `chunks` pieces of `size` bytes. */
function chunked(chunks, size) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
}

/** The webhook as a JSON answer. */
const echo = (req, res) => res.json(req.argosWebhook);

/** One route per api_key of the vectors (and none), so each vector is sent with its own key. */
function keyRoutes() {
  const keys = [...new Set([...CASES, ...WEBHOOKS.errors].map((c) => c.api_key))];
  return { keys, path: (apiKey) => `/hook/${keys.indexOf(apiKey)}` };
}

function expressApp() {
  const app = express();
  app.set('env', 'test'); // Express's default error handler logs no stack
  const { keys, path } = keyRoutes();
  for (const apiKey of keys) app.post(path(apiKey), argosWebhook({ apiKey }), echo);
  app.post('/raw', express.raw({ type: '*/*' }), argosWebhook({ apiKey: KEY }), echo);
  app.post('/text', express.text({ type: '*/*' }), argosWebhook({ apiKey: KEY }), echo);
  app.post('/small', argosWebhook({ apiKey: KEY, maxBytes: 1024 }), echo);
  // Express 4's body-parser leaves `{}` when the content type is not its own, unread.
  app.post('/placeholder', (req, res, next) => ((req.body = {}), next()), argosWebhook({ apiKey: KEY }), echo);
  // The classic mistake: a JSON parser for the whole app, ahead of the webhook route.
  const early = express.Router();
  early.use(express.json());
  early.post('/middleware', argosWebhook({ apiKey: KEY }), echo);
  early.post('/read', (req, res) => res.json(readWebhook(req.body, { apiKey: KEY })));
  app.use('/early', early);
  return { app, path };
}

/** An error handler answering the error's status and fields as JSON. */
function jsonErrors(app) {
  app.use((err, req, res, next) => {
    res.status(err.status ?? 500).json({ name: err.name, status: err.status, code: err.code, message: err.message });
  });
}

test('Express: argosWebhook parses every vector, plain and encrypted', async (t) => {
  const { app, path } = expressApp();
  jsonErrors(app);
  const base = await listen(t, app);
  for (const { name, body, api_key: apiKey, expect } of CASES) {
    for (const route of [path(apiKey), ...(apiKey === KEY ? ['/raw', '/text', '/placeholder'] : [])]) {
      for (const contentType of ['application/json', 'text/plain']) {
        const res = await post(base + route, body, { 'content-type': contentType });
        assert.equal(res.status, 200, `${name} ${route} ${contentType}: ${await res.clone().text()}`);
        assertHook(await res.json(), expect, `${name} ${route}`);
      }
    }
    const streamed = await post(base + path(apiKey), new Blob([body]).stream());
    assert.equal(streamed.status, 200, `${name} chunked`);
    assertHook(await streamed.json(), expect, `${name} chunked`);
  }
  for (const { name, body, api_key: apiKey } of WEBHOOKS.errors) {
    const res = await post(base + path(apiKey), body);
    assert.equal(res.status, 400, name);
    const err = await res.json();
    assert.equal(err.name, 'WebhookError', name);
  }
});

test('Express: a body parsed too early, oversized, or garbage', async (t) => {
  const { app } = expressApp();
  jsonErrors(app);
  const base = await listen(t, app);
  const body = CASES[0].body;

  for (const [route, sent] of [['/early/middleware', body], ['/early/middleware', '{}'], ['/early/read', body]]) {
    const res = await post(base + route, sent);
    assert.equal(res.status, 500, route);
    const err = await res.json();
    assert.equal(err.name, 'WebhookError', route);
    assert.equal(err.code, 'webhook_body_not_raw', route);
    assert.match(err.message, NOT_RAW, route);
  }

  const small = await post(`${base}/small`, body.padEnd(1025, ' '));
  assert.equal(small.status, 413);
  assert.match((await small.json()).message, /larger than maxBytes \(1024 bytes\)/);
  const { path } = keyRoutes();
  const huge = await post(base + path(KEY), Buffer.alloc(DEFAULT_MAX_BYTES + 1, 0x20));
  assert.equal(huge.status, 413);
  // Without a Content-Length the limit holds while reading.
  const stream = await post(base + path(KEY), chunked(40, 64 * 1024));
  assert.equal(stream.status, 413);
  assert.equal((await post(`${base}/small`, chunked(2, 1000))).status, 413);
  // The connection still serves the next webhook.
  assert.equal((await post(`${base}/small`, body)).status, 200);

  for (const garbage of ['<html>nope</html>', '', '{"data": 1}', Buffer.from([0xff, 0xfe, 0x00])]) {
    const res = await post(base + path(KEY), garbage);
    assert.equal(res.status, 400, String(garbage));
    assert.equal((await res.json()).name, 'WebhookError');
  }
});

test("Express: the default error handler answers each error's status", async (t) => {
  const { app, path } = expressApp();
  const base = await listen(t, app);
  assert.equal((await post(`${base}/early/middleware`, CASES[0].body)).status, 500);
  assert.equal((await post(`${base}/small`, ' '.repeat(2048))).status, 413);
  assert.equal((await post(base + path(KEY), 'garbage')).status, 400);
});

// ---- Fastify ----------------------------------------------------------------------------------

async function fastifyApp(t) {
  const app = Fastify();
  t.after(() => app.close());
  const { keys, path } = keyRoutes();
  const handler = async (request) => request.argosWebhook;
  for (const apiKey of keys) await app.register(fastifyArgosWebhook, { url: path(apiKey), apiKey, handler });
  await app.register(fastifyArgosWebhook, { prefix: '/prefixed', url: '/hook', apiKey: KEY, handler });
  await app.register(fastifyArgosWebhook, { url: '/small', apiKey: KEY, maxBytes: 1024, handler });
  // A callback-style handler, as fastify allows.
  await app.register(fastifyArgosWebhook, {
    url: '/callback',
    apiKey: KEY,
    handler(request, reply) {
      setImmediate(() => reply.send({ authId: request.argosWebhook.authId }));
    },
  });
  // The rest of the app keeps Fastify's JSON parser; readWebhook there says what to change.
  app.post('/json', async (request) => ({ parsed: request.body }));
  app.post('/early', async (request) => readWebhook(request.body, { apiKey: KEY }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base: address, path };
}

test('Fastify: fastifyArgosWebhook parses every vector, plain and encrypted', async (t) => {
  const { base, path } = await fastifyApp(t);
  for (const { name, body, api_key: apiKey, expect } of CASES) {
    for (const route of [path(apiKey), ...(apiKey === KEY ? ['/prefixed/hook'] : [])]) {
      for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, {}]) {
        const res = await post(base + route, Buffer.from(body), headers);
        assert.equal(res.status, 200, `${name} ${route} ${JSON.stringify(headers)}: ${await res.clone().text()}`);
        assertHook(await res.json(), expect, `${name} ${route}`);
      }
    }
    const streamed = await post(base + path(apiKey), new Blob([body]).stream());
    assert.equal(streamed.status, 200, `${name} chunked`);
    assertHook(await streamed.json(), expect, `${name} chunked`);
  }
  const callback = await post(`${base}/callback`, CASES[0].body);
  assert.deepEqual(await callback.json(), { authId: 'auth000000001' });
  for (const { name, body, api_key: apiKey } of WEBHOOKS.errors) {
    const res = await post(base + path(apiKey), body);
    assert.equal(res.status, 400, name);
    assert.match((await res.json()).message, /./, name);
  }
});

test('Fastify: encapsulated, a body parsed too early, oversized, or garbage', async (t) => {
  const { base, path } = await fastifyApp(t);
  const body = CASES[0].body;

  // The plugin's raw parser stays inside it.
  const json = await post(`${base}/json`, '{"a": 1}');
  assert.deepEqual(await json.json(), { parsed: { a: 1 } });

  const early = await post(`${base}/early`, body);
  assert.equal(early.status, 500);
  const err = await early.json();
  assert.equal(err.code, 'webhook_body_not_raw');
  assert.match(err.message, NOT_RAW);

  const small = await post(`${base}/small`, body.padEnd(1025, ' '));
  assert.equal(small.status, 413);
  assert.equal((await small.json()).code, 'FST_ERR_CTP_BODY_TOO_LARGE');
  assert.equal((await post(base + path(KEY), Buffer.alloc(DEFAULT_MAX_BYTES + 1, 0x20))).status, 413);
  assert.equal((await post(base + path(KEY), chunked(40, 64 * 1024))).status, 413);
  assert.equal((await post(`${base}/small`, body)).status, 200);

  for (const garbage of ['<html>nope</html>', '', '{"data": 1}', Buffer.from([0xff, 0xfe, 0x00])]) {
    const res = await post(base + path(KEY), garbage);
    assert.equal(res.status, 400, String(garbage));
  }
});

test('Fastify: bad plugin options fail the registration', async () => {
  for (const bad of [{ apiKey: KEY }, { url: '/x', handler: 'no' }, { url: '/x', handler() {}, maxBytes: -1 }, { url: '/x', handler() {}, typo: 1 }]) {
    const app = Fastify();
    app.register(fastifyArgosWebhook, bad);
    await assert.rejects(app.ready(), argos.ConfigurationError, JSON.stringify(bad));
    await app.close();
  }
});

test('the fixes the parsed-too-early message gives work', async (t) => {
  const body = CASES.find((c) => c.api_key === KEY).body;
  const want = CASES.find((c) => c.api_key === KEY).expect;

  // Express: the webhook routes declared before app.use(express.json()).
  const app = express();
  app.set('env', 'test');
  app.post('/middleware', argosWebhook({ apiKey: KEY }), echo);
  app.post('/raw', express.raw({ type: '*/*' }), (req, res) => res.json(readWebhook(req.body, { apiKey: KEY })));
  app.use(express.json());
  app.post('/json', (req, res) => res.json({ parsed: req.body }));
  jsonErrors(app);
  const base = await listen(t, app);
  for (const route of ['/middleware', '/raw']) {
    const res = await post(base + route, body);
    assert.equal(res.status, 200, route);
    assertHook(await res.json(), want, route);
  }
  assert.deepEqual(await (await post(`${base}/json`, '{"a": 1}')).json(), { parsed: { a: 1 } });

  // Fastify: a buffer parser for application/json in the plugin holding the route.
  const fastify = Fastify();
  t.after(() => fastify.close());
  await fastify.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => done(null, raw));
    scope.post('/hook', async (request) => readWebhook(request.body, { apiKey: KEY }));
  });
  fastify.post('/json', async (request) => ({ parsed: request.body }));
  const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
  const res = await post(`${address}/hook`, body);
  assert.equal(res.status, 200);
  assertHook(await res.json(), want, 'fastify buffer parser');
  assert.deepEqual(await (await post(`${address}/json`, '{"a": 1}')).json(), { parsed: { a: 1 } });
});

test('require and import give the same argos-addon/webhooks', async () => {
  const cjs = createRequire(import.meta.url)('argos-addon/webhooks');
  const esm = await import('argos-addon/webhooks');
  assert.deepEqual(Object.keys(cjs).sort(), [
    'DEFAULT_MAX_BYTES',
    'DEFAULT_SEEN_MAX_ENTRIES',
    'DEFAULT_SEEN_TTL_MS',
    'SeenWebhooks',
    'argosWebhook',
    'fastifyArgosWebhook',
    'readWebhook',
  ]);
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], name);
});

test('argosWebhook keeps at most maxBytes of a body in memory', async (t) => {
  // A stream longer than the largest Buffer: only a reader that drops what is over the limit can
  // get through it; one that kept it all would fail to concatenate it.
  const { constants } = await import('node:buffer');
  const { Readable } = await import('node:stream');
  if (constants.MAX_LENGTH > 2 ** 33) {
    t.skip('Buffers may be larger than 8 GiB here');
    return;
  }
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const chunks = Math.ceil(constants.MAX_LENGTH / chunk.length) + 1;
  const req = Readable.from(
    (function* () {
      for (let i = 0; i < chunks; i++) yield chunk;
    })(),
  );
  req.headers = {};
  const err = await new Promise((resolve) => argosWebhook({ maxBytes: 1024 })(req, {}, resolve));
  assert.ok(err instanceof argos.WebhookError);
  assert.equal(err.status, 413);
});

// SeenWebhooks: duplicate deliveries, in memory and through a real redis-server and cluster.

const hookOf = (authId, authStatus = 'approved', version = 3) => {
  const fields = authStatus === null ? {} : { auth_status: authStatus };
  const body =
    version === 1
      ? { webhook_trigger: 'faceAuth', auth_id: authId, ...fields }
      : version === 2
        ? { webhook_trigger: 'faceAuth', Authentication_id: authId, data: fields }
        : { webhook_trigger: 'faceAuth', data: { authentication_id: authId, ...fields } };
  const hook = argos.parseWebhook(JSON.stringify(body));
  assert.equal(hook.version, version);
  return hook;
};

const seenKey = (authId, version, status) =>
  'argos:webhook:' +
  createHash('sha256').update(`${authId}\0${version}\0${status}`).digest('hex').slice(0, 32);

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

test('SeenWebhooks in memory: first, repeat, another status or version, ttl, maxEntries', async () => {
  assert.equal(DEFAULT_SEEN_TTL_MS, 86_400_000);
  assert.equal(DEFAULT_SEEN_MAX_ENTRIES, 100_000);
  const seen = new SeenWebhooks();
  assert.equal(seen.ttlMs, DEFAULT_SEEN_TTL_MS);
  assert.equal(await seen.firstDelivery(hookOf('a1')), true);
  assert.equal(await seen.firstDelivery(hookOf('a1')), false);
  assert.equal(await seen.firstDelivery(hookOf('a1', 'rejected')), true);
  assert.equal(await seen.firstDelivery(hookOf('a1', 'approved', 1)), true);
  assert.equal(await seen.firstDelivery(hookOf('a1', 'approved', 1)), false);
  assert.equal(await seen.firstDelivery(hookOf('a3', null)), true);
  assert.equal(await seen.firstDelivery(hookOf('a3', null)), false);

  const short = new SeenWebhooks({ ttlMs: 100, maxEntries: 2 });
  assert.equal(await short.firstDelivery(hookOf('a')), true);
  assert.equal(await short.firstDelivery(hookOf('a')), false);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(await short.firstDelivery(hookOf('a')), true);
  assert.equal(await short.firstDelivery(hookOf('b')), true);
  assert.equal(await short.firstDelivery(hookOf('c')), true); // forgets "a", the oldest
  assert.equal(await short.firstDelivery(hookOf('c')), false);
  assert.equal(await short.firstDelivery(hookOf('a')), true);
});

test('SeenWebhooks refuses bad options and arguments, never quoting the URL', async () => {
  const PASSWORD = 's3cret';
  for (const options of [
    { ttlMs: 0 },
    { ttlMs: -1 },
    { ttlMs: Number.NaN },
    { ttlMs: '1d' },
    { maxEntries: 0 },
    { maxEntries: 1.5 },
    { redisUrl: 6379 },
    { redisUrl: `http://user:${PASSWORD}@h:1` },
    { redisUrl: `redis://user:${PASSWORD}@h:1,ftp://${PASSWORD}@h` },
    { budgetUrl: 'redis://h:1' },
  ]) {
    assert.throws(
      () => new SeenWebhooks(options),
      (err) => err instanceof argos.ConfigurationError && !err.message.includes(PASSWORD),
      JSON.stringify(options),
    );
  }
  const seen = new SeenWebhooks();
  await assert.rejects(seen.firstDelivery({}), argos.ValidationError);
  await assert.rejects(seen.firstDelivery(null), argos.ValidationError);
});

test('SeenWebhooks through Redis: shared, and no auth id in clear', async (t) => {
  const redis = await startRedisServer(t);
  const one = new SeenWebhooks({ redisUrl: redis.url });
  const two = new SeenWebhooks({ redisUrl: redis.url });
  assert.equal(await one.firstDelivery(hookOf('secret-auth-id')), true);
  assert.equal(await two.firstDelivery(hookOf('secret-auth-id')), false);
  assert.equal(await one.firstDelivery(hookOf('secret-auth-id')), false);
  assert.equal(await two.firstDelivery(hookOf('secret-auth-id', 'rejected')), true);
  const results = await Promise.all(Array.from({ length: 10 }, () => one.firstDelivery(hookOf('burst'))));
  assert.deepEqual(results.sort(), [...Array(9).fill(false), true]);
  const keys = [...(await redis.keys())].sort();
  assert.deepEqual(
    keys,
    [
      seenKey('secret-auth-id', 3, 'approved'),
      seenKey('secret-auth-id', 3, 'rejected'),
      seenKey('burst', 3, 'approved'),
    ].sort(),
  );
  assert.ok(keys.every((k) => !k.includes('secret')));
  const ttl = Number(await redis.command('PTTL', keys[0]));
  assert.ok(ttl > 86_000_000 && ttl <= 86_400_000, String(ttl));
});

test('SeenWebhooks through a Redis Cluster', async (t) => {
  const cluster = await startRedisCluster(t);
  const one = new SeenWebhooks({ redisUrl: cluster.urls });
  const two = new SeenWebhooks({ redisUrl: cluster.urls });
  // Opening a cluster's connections may outlast one call's 250 ms on a loaded machine; that call
  // rejects, as it should, and the opening goes on in the background.
  for (const seen of [one, two]) {
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        await seen.firstDelivery(hookOf('warm-up'));
        break;
      } catch (err) {
        assert.ok(err instanceof argos.APIConnectionError && performance.now() < deadline, String(err));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
    assert.equal(await one.firstDelivery(hookOf(id)), true);
    assert.equal(await two.firstDelivery(hookOf(id)), false);
  }
});

test('SeenWebhooks: an unreachable Redis rejects with APIConnectionError within ~250 ms', async () => {
  const seen = new SeenWebhooks({ redisUrl: `redis://user:s3cret@127.0.0.1:${await freePort()}` });
  const started = performance.now();
  await assert.rejects(
    seen.firstDelivery(hookOf('a')),
    (err) =>
      err instanceof argos.APIConnectionError &&
      /webhook store is unreachable/.test(err.message) &&
      /nothing was recorded/.test(err.message) &&
      !err.message.includes('s3cret'),
  );
  const took = performance.now() - started;
  assert.ok(took < 400, `${took} ms`);
});
