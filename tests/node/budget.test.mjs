// The fleet budget from Node (sdk.md, "Fleet budget"): options checked before any I/O, the daily
// quota and rate of one client, and the same budget shared by clients of one key through a real
// Redis and a real Redis Cluster (support/redis.mjs), against the mock.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

import {
  APIConnectionError,
  APIStatusError,
  ArgosError,
  BudgetUnavailableError,
  Client,
  ConfigurationError,
  QuotaExceededError,
  RateLimitError,
} from 'argos-addon';

import { runNode, startMock } from './support/fixtures.mjs';
import { startRedisCluster, startRedisServer } from './support/redis.mjs';

const DAY_MS = 86_400_000;
const PASSWORD = 's3cret';

/** One cheap keyed request: `GET /faceauth`. */
const call = (client) => client.faceAuth.listPage({ count: 1 });
const sent = (mock) => mock.requestCount('GET', '/faceauth');

/** `n` calls one after the other, each of which must succeed. */
async function succeed(client, n = 1) {
  for (let i = 0; i < n; i++) await call(client);
}

/** The store's key prefix for `apiKey`: `argos:{<first 16 hex of SHA-256(key)>}:`. */
const prefixOf = (apiKey) => `argos:{${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}}:`;

/** A client of `mock` on the budget store `budgetUrl`, without retries. */
const budgeted = (mock, budgetUrl, options = {}) => mock.client({ budgetUrl, maxRetries: 0, ...options });

/** Asserts `promise` rejects with a `local_quota` QuotaExceededError (no status) and returns it. */
async function refusedForQuota(promise) {
  const err = await promise.then(
    () => assert.fail('the daily quota let the call through'),
    (e) => e,
  );
  assert.ok(err instanceof QuotaExceededError, `${err}`);
  assert.ok(err instanceof RateLimitError && err instanceof APIStatusError && err instanceof ArgosError);
  assert.equal(err.name, 'QuotaExceededError');
  assert.equal(err.code, 'local_quota');
  assert.equal(err.status, null);
  assert.equal(err.body, null);
  return err;
}

/** The error `fn` throws (it must throw). */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('did not throw');
}

/** A TCP server on loopback that records connections; `silent` ones are accepted and never answered. */
async function listener(t) {
  const sockets = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port: server.address().port, connections: () => sockets.length };
}

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Checks every field of a BudgetStatus and its type, and that it resets at the next 00:00 UTC. */
function assertStatusShape(status) {
  assert.deepEqual(Object.keys(status).sort(), [
    'dailyQuota',
    'healthy',
    'rateLimit',
    'remainingToday',
    'resetsAt',
    'store',
    'usedToday',
  ]);
  assert.ok(status.rateLimit === null || typeof status.rateLimit === 'number');
  assert.ok(status.dailyQuota === null || Number.isSafeInteger(status.dailyQuota));
  assert.ok(Number.isSafeInteger(status.usedToday) && status.usedToday >= 0);
  assert.ok(status.remainingToday === null || (Number.isSafeInteger(status.remainingToday) && status.remainingToday >= 0));
  assert.ok(['redis', 'local'].includes(status.store), status.store);
  assert.equal(typeof status.healthy, 'boolean');
  assert.ok(status.resetsAt instanceof Date, inspect(status.resetsAt));
  const at = status.resetsAt.getTime();
  assert.equal(at % DAY_MS, 0, `resetsAt ${status.resetsAt.toISOString()} is 00:00 UTC`);
}

// ---- options, checked before any I/O ------------------------------------------------------------

test('budgetUrl must be redis:// or rediss://, checked at construction', async (t) => {
  for (const budgetUrl of ['http://x', 'https://h:6379', 'redis://', 'not a url', 'redis://h:1/x']) {
    const err = thrown(() => new Client({ apiKey: 'k', budgetUrl }));
    assert.ok(err instanceof ConfigurationError, `${JSON.stringify(budgetUrl)}: ${err}`);
    assert.match(err.message, /budget_?url/i, budgetUrl);
  }
  assert.match(thrown(() => new Client({ apiKey: 'k', budgetUrl: 'http://x' })).message, /redis:\/\//);
  // Not a string at all.
  for (const budgetUrl of [6379, true, ['redis://h:1'], {}]) {
    assert.ok(thrown(() => new Client({ apiKey: 'k', budgetUrl })) instanceof ConfigurationError, inspect(budgetUrl));
  }
  // Good URLs: one Redis (with or without a password and a database), TLS, a cluster.
  for (const budgetUrl of [
    'redis://127.0.0.1:6379',
    `redis://user:${PASSWORD}@h:1/3`,
    'rediss://h:6380',
    'redis://a:1,redis://b:2,redis://c:3',
  ]) {
    assert.ok(new Client({ apiKey: 'k', budgetUrl }), budgetUrl);
  }
  // A valid store is not contacted by the constructor: its first call does that.
  const store = await listener(t);
  const client = new Client({ apiKey: 'k', budgetUrl: `redis://127.0.0.1:${store.port}` });
  await sleep(100);
  assert.equal(store.connections(), 0, 'constructing a client opened no connection to the store');
  assert.ok(client);
});

test("a cluster's bad node is named by its position, never with a password", async (t) => {
  const store = await listener(t);
  const cases = [
    [`redis://user:${PASSWORD}@127.0.0.1:${store.port},http://user:${PASSWORD}@h:2`, 'node 2'],
    [`redis://user:${PASSWORD}@127.0.0.1:${store.port},redis://user:${PASSWORD}@h:2/x`, 'node 2'],
    [`redis://user:${PASSWORD}@127.0.0.1:${store.port},redis://h:2,ftp://user:${PASSWORD}@h:3`, 'node 3'],
  ];
  for (const [budgetUrl, node] of cases) {
    const err = thrown(() => new Client({ apiKey: 'k', budgetUrl }));
    assert.ok(err instanceof ConfigurationError, `${err}`);
    assert.ok(err.message.includes(node), err.message);
    for (const text of [err.message, String(err), err.stack, inspect(err, { depth: 5, showHidden: true })]) {
      assert.ok(!text.includes(PASSWORD), text);
    }
  }
  // The first node was good, yet nothing connected to it: the URL is checked whole, before I/O.
  await sleep(100);
  assert.equal(store.connections(), 0);
});

test('dailyQuota is a whole number of at least 1, or null', () => {
  for (const dailyQuota of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5', true, [5]]) {
    const err = thrown(() => new Client({ apiKey: 'k', dailyQuota }));
    assert.ok(err instanceof ConfigurationError, `${inspect(dailyQuota)}: ${err}`);
    assert.match(err.message, /daily_?quota/i);
  }
  for (const dailyQuota of [1, 200_000, Number.MAX_SAFE_INTEGER, null, undefined]) {
    assert.ok(new Client({ apiKey: 'k', dailyQuota }), inspect(dailyQuota));
  }
});

test("budgetFailure is 'local', 'open' or 'closed'", () => {
  for (const budgetFailure of ['sometimes', 'LOCAL', 'Closed', '', 1, true]) {
    const err = thrown(() => new Client({ apiKey: 'k', budgetFailure }));
    assert.ok(err instanceof ConfigurationError, `${inspect(budgetFailure)}: ${err}`);
    assert.match(err.message, /budget_?failure/i);
  }
  const err = thrown(() => new Client({ apiKey: 'k', budgetFailure: 'sometimes' }));
  for (const name of ['local', 'open', 'closed']) assert.ok(err.message.includes(name), err.message);
  for (const budgetFailure of ['local', 'open', 'closed']) assert.ok(new Client({ apiKey: 'k', budgetFailure }));
});

test('util.inspect and JSON of a client never show the store password', () => {
  const client = new Client({
    apiKey: 'k',
    budgetUrl: `redis://user:${PASSWORD}@h:1,redis://user:${PASSWORD}@h:2`,
    dailyQuota: 5,
    budgetFailure: 'closed',
  });
  const views = [
    inspect(client),
    inspect(client, { showHidden: true, depth: Infinity, getters: true }),
    String(client),
    JSON.stringify(client),
    `${Object.getOwnPropertyNames(client).map((name) => inspect(client[name], { showHidden: true, depth: 4 }))}`,
  ];
  for (const view of views) {
    assert.ok(!view.includes(PASSWORD), view);
    assert.ok(!view.includes('user:'), view);
  }
  assert.match(views[0], /^Client \{/);
});

test('ARGOS_BUDGET_URL is the default budgetUrl', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const saved = process.env.ARGOS_BUDGET_URL;
  let fromEnv;
  try {
    process.env.ARGOS_BUDGET_URL = 'http://x';
    // The environment's URL is checked like an option's.
    assert.ok(thrown(() => mock.client()) instanceof ConfigurationError);
    // An explicit budgetUrl wins over the environment.
    const explicit = budgeted(mock, redis.url);
    assert.equal((await explicit.budgetStatus()).store, 'redis');
    process.env.ARGOS_BUDGET_URL = redis.url;
    fromEnv = mock.client({ maxRetries: 0, dailyQuota: 2 });
  } finally {
    if (saved === undefined) delete process.env.ARGOS_BUDGET_URL;
    else process.env.ARGOS_BUDGET_URL = saved;
  }
  // Without the variable (restored above), a client has no store.
  assert.equal((await mock.client().budgetStatus()).store, 'local');
  await succeed(fromEnv, 2);
  await refusedForQuota(call(fromEnv));
  const status = await fromEnv.budgetStatus();
  assert.deepEqual([status.store, status.healthy, status.usedToday, status.remainingToday], ['redis', true, 2, 0]);
  // The count is in the environment's Redis, under this key's prefix.
  assert.equal(await redis.command('HGET', `${prefixOf(mock.apiKey)}budget`, 'used'), '2');
  assert.equal(sent(mock), 2);
});

// ---- one client's budget, without a store -------------------------------------------------------

test('without a store, dailyQuota lets exactly N requests through, then local_quota unsent', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ dailyQuota: 3 });
  const before = await client.budgetStatus();
  assertStatusShape(before);
  assert.deepEqual(
    [before.store, before.healthy, before.dailyQuota, before.usedToday, before.remainingToday],
    ['local', true, 3, 0, 3],
  );
  await succeed(client, 3);
  assert.equal(sent(mock), 3);
  const err = await refusedForQuota(call(client));
  assert.match(err.message, /resets/);
  assert.match(err.message, /nothing was sent/);
  // Other operations are refused too, and none of them reaches the mock.
  await refusedForQuota(client.faceAuth.get('some-auth-id'));
  await refusedForQuota(client.faceAuth.delete('some-auth-id'));
  assert.equal(mock.requestCount(), 3, 'only the three granted requests reached the mock');
  const after = await client.budgetStatus();
  assertStatusShape(after);
  assert.deepEqual([after.usedToday, after.remainingToday], [3, 0]);
  assert.equal(after.resetsAt.getTime(), before.resetsAt.getTime());
  // Without a store the quota is this client's: another client of the key still has its own.
  const other = mock.client({ dailyQuota: 3 });
  await succeed(other, 1);
  assert.equal(sent(mock), 4);
});

test('a call refused by validation does not spend the daily quota', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ dailyQuota: 1 });
  await assert.rejects(client.faceAuth.listPage({ count: 0 }), { name: 'ValidationError' });
  await assert.rejects(client.faceAuth.get('   '), { name: 'ValidationError' });
  assert.equal((await client.budgetStatus()).usedToday, 0);
  await succeed(client, 1);
  await refusedForQuota(call(client));
  assert.equal(sent(mock), 1);
});

test('a slot beyond the timeout is a local_rate_limit RateLimitError, unsent and not waited for', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ rateLimit: 1, timeout: 300 });
  await succeed(client, 1);
  const started = performance.now();
  const err = await call(client).then(
    () => assert.fail('the rate limit let the call through'),
    (e) => e,
  );
  const elapsed = performance.now() - started;
  assert.ok(err instanceof RateLimitError, `${err}`);
  assert.ok(!(err instanceof QuotaExceededError));
  assert.equal(err.name, 'RateLimitError');
  assert.equal(err.code, 'local_rate_limit');
  assert.equal(err.status, null);
  assert.match(err.message, /nothing was sent/);
  assert.ok(elapsed < 250, `refused at once, not after the timeout (${elapsed.toFixed(0)} ms)`);
  assert.equal(sent(mock), 1);
  // Refused calls took no slot: once the second has passed, one call goes through.
  await sleep(1050);
  await succeed(client, 1);
  assert.equal(sent(mock), 2);
});

test('a call waiting ~1 s for its slot does not block the event loop', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ rateLimit: 1, timeout: 5000 });
  await succeed(client, 1);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const started = performance.now();
    await succeed(client, 1);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 800, `the call waited for its slot (${elapsed.toFixed(0)} ms)`);
    // ~95 ticks in that second if the loop stayed free; a blocked loop would give ~0.
    assert.ok(ticks >= 40, `the interval ticked ${ticks} times while the call waited`);
  } finally {
    clearInterval(timer);
  }
  assert.equal(sent(mock), 2);
});

test('budgetStatus: fields, types and defaults', async (t) => {
  const mock = await startMock(t);
  const plain = await mock.client().budgetStatus();
  assertStatusShape(plain);
  assert.deepEqual(
    [plain.rateLimit, plain.dailyQuota, plain.usedToday, plain.remainingToday, plain.store, plain.healthy],
    [5000, null, 0, null, 'local', true],
  );
  const now = Date.now();
  assert.ok(plain.resetsAt.getTime() > now && plain.resetsAt.getTime() <= now + DAY_MS, plain.resetsAt.toISOString());
  assert.equal(plain.resetsAt.getTime(), Math.floor(now / DAY_MS) * DAY_MS + DAY_MS, 'the next 00:00 UTC');
  const unlimited = await mock.client({ rateLimit: null, dailyQuota: 10 }).budgetStatus();
  assert.deepEqual([unlimited.rateLimit, unlimited.dailyQuota, unlimited.remainingToday], [null, 10, 10]);
  const fractional = await mock.client({ rateLimit: 2.5 }).budgetStatus();
  assert.equal(fractional.rateLimit, 2.5);
  // Each call returns a fresh object.
  const client = mock.client();
  assert.notEqual(await client.budgetStatus(), await client.budgetStatus());
});

// ---- shared through Redis ---------------------------------------------------------------------

test('two clients of one key share the daily quota through Redis; another key does not', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const a = budgeted(mock, redis.url, { dailyQuota: 4 });
  const b = budgeted(mock, redis.url, { dailyQuota: 4 });
  await succeed(a, 2);
  await succeed(b, 2);
  await refusedForQuota(call(a));
  await refusedForQuota(call(b));
  assert.equal(sent(mock), 4, 'four requests in all reached the API');
  for (const client of [a, b]) {
    const status = await client.budgetStatus();
    assertStatusShape(status);
    assert.deepEqual(
      [status.store, status.healthy, status.dailyQuota, status.usedToday, status.remainingToday],
      ['redis', true, 4, 4, 0],
    );
  }
  // A client joining later sees the fleet's count at once.
  const late = budgeted(mock, redis.url, { dailyQuota: 4 });
  assert.equal((await late.budgetStatus()).usedToday, 4);
  await refusedForQuota(call(late));
  assert.equal(sent(mock), 4);
  // Another key (another mock) on the same Redis has a budget of its own.
  const otherMock = await startMock(t);
  const other = budgeted(otherMock, redis.url, { dailyQuota: 4 });
  await succeed(other, 4);
  await refusedForQuota(call(other));
  assert.equal(sent(otherMock), 4);
  const prefixes = new Set((await redis.keys()).map((key) => key.slice(0, prefixOf('x').length)));
  assert.deepEqual([...prefixes].sort(), [prefixOf(mock.apiKey), prefixOf(otherMock.apiKey)].sort());
});

test('concurrent calls of three clients never overshoot the shared quota', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const clients = [0, 1, 2].map(() => budgeted(mock, redis.url, { dailyQuota: 10, rateLimit: null }));
  const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => call(clients[i % 3])));
  const granted = outcomes.filter((o) => o.status === 'fulfilled').length;
  const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason.code === 'local_quota').length;
  assert.deepEqual([granted, refused], [10, 20], inspect(outcomes.filter((o) => o.status === 'rejected')[0]));
  assert.equal(sent(mock), 10);
  assert.equal((await clients[2].budgetStatus()).usedToday, 10);
  // Without a store, one client's concurrent calls keep to its quota too.
  const alone = mock.client({ dailyQuota: 5, rateLimit: null });
  const local = await Promise.allSettled(Array.from({ length: 12 }, () => call(alone)));
  assert.equal(local.filter((o) => o.status === 'fulfilled').length, 5);
  assert.equal(sent(mock), 15);
});

test('the next UTC day by the store clock starts a fresh count', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const client = budgeted(mock, redis.url, { dailyQuota: 2 });
  await succeed(client, 2);
  await refusedForQuota(call(client));
  const before = await client.budgetStatus();
  assert.deepEqual([before.usedToday, before.remainingToday], [2, 0]);
  const prefix = prefixOf(mock.apiKey);
  assert.ok((await redis.keys()).includes(`${prefix}budget`), 'the prefix is argos:{<16 hex of sha256(key)>}:');
  // The budget script adds this offset (microseconds) to Redis TIME: the store is a day ahead.
  assert.equal(await redis.command('SET', `${prefix}clock`, '86400000000'), 'OK');
  const next = await client.budgetStatus();
  assert.deepEqual([next.usedToday, next.remainingToday], [0, 2]);
  assert.equal(next.resetsAt.getTime() - before.resetsAt.getTime(), DAY_MS);
  await succeed(client, 2);
  const err = await refusedForQuota(call(client));
  assert.ok(err.message.includes(new Date(next.resetsAt).toISOString().slice(0, 10)), err.message);
  const after = await client.budgetStatus();
  assertStatusShape(after);
  assert.equal(after.resetsAt.getTime() - before.resetsAt.getTime(), DAY_MS);
  assert.equal(sent(mock), 4);
});

test('the fleet shares one rate: a second client waits for the slot, without blocking the loop', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const a = budgeted(mock, redis.url, { rateLimit: 1, timeout: 5000 });
  const b = budgeted(mock, redis.url, { rateLimit: 1, timeout: 5000 });
  const impatient = budgeted(mock, redis.url, { rateLimit: 1, timeout: 300 });
  await succeed(a, 1);
  // The fleet's next slot is ~1 s away: a call that may wait 300 ms is refused at once.
  const started = performance.now();
  const err = await call(impatient).then(assert.fail, (e) => e);
  assert.ok(performance.now() - started < 250);
  assert.ok(err instanceof RateLimitError && !(err instanceof QuotaExceededError), `${err}`);
  assert.deepEqual([err.code, err.status], ['local_rate_limit', null]);
  assert.equal(sent(mock), 1);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const waited = performance.now();
    await succeed(b, 1);
    const elapsed = performance.now() - waited;
    assert.ok(elapsed >= 800, `b waited for the fleet's slot (${elapsed.toFixed(0)} ms)`);
    assert.ok(ticks >= 40, `the interval ticked ${ticks} times while b waited`);
  } finally {
    clearInterval(timer);
  }
  assert.equal(sent(mock), 2);
});

test('a 429 with Retry-After seen by one client holds every client of the key', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const a = budgeted(mock, redis.url);
  const b = budgeted(mock, redis.url);
  await succeed(b, 1);
  mock.failNext(429, '{"message":"Too Many Requests"}', { headers: { 'Retry-After': '1' } });
  const err = await call(a).then(assert.fail, (e) => e);
  assert.ok(err instanceof RateLimitError && !(err instanceof QuotaExceededError), `${err}`);
  assert.equal(err.status, 429);
  const started = performance.now();
  await succeed(b, 1);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 800, `b waited for the fleet's hold (${elapsed.toFixed(0)} ms)`);
  assert.equal(sent(mock), 3);
});

test('a 429 Limit Exceeded seen by one client spends the day for the fleet', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const a = budgeted(mock, redis.url);
  const b = budgeted(mock, redis.url, { dailyQuota: 1000 });
  const c = budgeted(mock, redis.url);
  mock.setDailyQuota(0);
  const err = await call(a).then(assert.fail, (e) => e);
  assert.ok(err instanceof QuotaExceededError, `${err}`);
  assert.equal(err.status, 429);
  mock.setDailyQuota(null);
  const count = sent(mock);
  await refusedForQuota(call(b));
  await refusedForQuota(call(c));
  assert.equal(sent(mock), count, 'b and c sent nothing');
  const status = await b.budgetStatus();
  assert.equal(status.remainingToday, 0);
  assert.equal(status.store, 'redis');
});

test('the store holds no trace of the API key', async (t) => {
  const redis = await startRedisServer(t);
  const apiKey = 'SENTINELbudgetKey0123456789abcdefABCDEF';
  const mock = await startMock(t, { apiKey });
  const client = budgeted(mock, redis.url, { dailyQuota: 100, rateLimit: 50 });
  await succeed(client, 3);
  mock.failNext(429, '{"message":"Too Many Requests"}', { headers: { 'Retry-After': '0' } });
  await call(client).catch(() => {});
  await client.budgetStatus();
  const keys = await redis.keys();
  assert.ok(keys.length >= 1, `${keys}`);
  const prefix = prefixOf(apiKey);
  assert.match(prefix, /^argos:\{[0-9a-f]{16}\}:$/);
  const sha = createHash('sha256').update(apiKey).digest('hex');
  for (const key of keys) {
    assert.ok(key.startsWith(prefix), key);
    assert.ok(!key.includes(apiKey) && !key.includes('SENTINEL'), key);
    const dump = await redis.commandBuffer('DUMP', key);
    assert.ok(dump.length > 0, `DUMP ${key}`);
    for (const needle of [apiKey, 'SENTINEL', sha]) {
      assert.equal(dump.indexOf(Buffer.from(needle)), -1, `${key} holds ${needle}`);
    }
  }
  // Nor do the server's other places: the script cache holds only the script.
  const info = await redis.command('INFO', 'keyspace');
  assert.ok(!info.includes(apiKey));
});

test('Redis stopped mid-run: closed refuses fast and unsent, local and open serve, all recover', async (t) => {
  const redis = await startRedisServer(t);
  const mock = await startMock(t);
  const closed = budgeted(mock, redis.url, { budgetFailure: 'closed' });
  const local = budgeted(mock, redis.url, { budgetFailure: 'local' });
  const open = budgeted(mock, redis.url, { budgetFailure: 'open' });
  for (const client of [closed, local, open]) await succeed(client, 1);
  await redis.stop();
  const before = sent(mock);

  const started = performance.now();
  const err = await call(closed).then(
    () => assert.fail('closed sent a call without its store'),
    (e) => e,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 300, `BudgetUnavailableError within 300 ms (${elapsed.toFixed(0)} ms)`);
  assert.ok(err instanceof BudgetUnavailableError, `${err}`);
  assert.ok(err instanceof ArgosError);
  assert.ok(!(err instanceof APIConnectionError) && !(err instanceof APIStatusError));
  assert.equal(err.name, 'BudgetUnavailableError');
  assert.equal(err.code, 'budget_unavailable');
  assert.equal(err.status, null);
  // Again, while the store is still down (and skipped for a second).
  await assert.rejects(call(closed), BudgetUnavailableError);
  assert.equal(sent(mock), before, 'closed sent nothing');

  await succeed(local, 3);
  await succeed(open, 3);
  assert.equal(sent(mock), before + 6);
  const down = await local.budgetStatus();
  assertStatusShape(down);
  assert.deepEqual([down.store, down.healthy], ['redis', false]);

  await redis.startAgain();
  await sleep(1100);
  for (const client of [closed, local, open]) {
    await succeed(client, 1);
    const status = await client.budgetStatus();
    assert.deepEqual([status.store, status.healthy], ['redis', true]);
  }
  assert.equal(sent(mock), before + 9);
  // Back on the store: the restarted (empty) Redis counts the calls made since.
  assert.equal(await redis.command('HGET', `${prefixOf(mock.apiKey)}budget`, 'used'), '3');
});

test('a store that never answers counts as unreachable after 250 ms', async (t) => {
  const mock = await startMock(t);
  const silent = await listener(t);
  const refused = await closedPort();
  for (const budgetUrl of [`redis://127.0.0.1:${silent.port}`, `redis://user:${PASSWORD}@127.0.0.1:${refused}`]) {
    const closed = budgeted(mock, budgetUrl, { budgetFailure: 'closed' });
    const started = performance.now();
    const err = await call(closed).then(assert.fail, (e) => e);
    const elapsed = performance.now() - started;
    assert.ok(err instanceof BudgetUnavailableError, `${err}`);
    assert.ok(elapsed < 600, `${budgetUrl}: refused after ${elapsed.toFixed(0)} ms`);
    for (const text of [err.message, err.stack, inspect(err)]) assert.ok(!text.includes(PASSWORD), text);
    const status = await closed.budgetStatus();
    assert.deepEqual([status.store, status.healthy], ['redis', false]);
    // 'local' falls back to this client's own budget, here its daily quota.
    const local = budgeted(mock, budgetUrl, { budgetFailure: 'local', dailyQuota: 1 });
    await succeed(local, 1);
    await refusedForQuota(call(local));
  }
  assert.ok(silent.connections() >= 1, 'the silent store was tried');
  assert.equal(sent(mock), 2);
});

test('a Redis user with a password: the right one shares the budget, a wrong one is unreachable', async (t) => {
  const redis = await startRedisServer(t);
  // User argos may run the script; the default user (no password) may not.
  assert.equal(await redis.command('ACL', 'SETUSER', 'argos', 'on', `>${PASSWORD}`, '~*', '+@all'), 'OK');
  assert.equal(await redis.command('ACL', 'SETUSER', 'default', '-@scripting'), 'OK');
  const mock = await startMock(t);
  const url = `redis://argos:${PASSWORD}@127.0.0.1:${redis.port}`;
  const a = budgeted(mock, url, { dailyQuota: 2, budgetFailure: 'closed' });
  const b = budgeted(mock, url, { dailyQuota: 2, budgetFailure: 'closed' });
  await succeed(a, 1);
  await succeed(b, 1);
  await refusedForQuota(call(a));
  const status = await b.budgetStatus();
  assert.deepEqual([status.healthy, status.usedToday], [true, 2]);
  const refusals = [
    budgeted(mock, `redis://argos:wrong-${PASSWORD}@127.0.0.1:${redis.port}`, { budgetFailure: 'closed' }),
    budgeted(mock, redis.url, { budgetFailure: 'closed' }),
  ];
  for (const client of refusals) {
    const err = await call(client).then(assert.fail, (e) => e);
    assert.ok(err instanceof BudgetUnavailableError, `${err}`);
    for (const text of [err.message, err.stack, inspect(err)]) assert.ok(!text.includes(PASSWORD), text);
    assert.equal((await client.budgetStatus()).healthy, false);
  }
  assert.equal(sent(mock), 2);
});

test("'local' warns once in the log while the store is down, without secrets", async (t) => {
  const apiKey = 'SENTINELlogBudgetKey000000000000000000';
  const mock = await startMock(t, { apiKey });
  const port = await closedPort();
  const child = await runNode(
    `import { Client } from 'argos-addon';
     const client = new Client({ caCert: process.env.MOCK_CA, budgetUrl: process.env.BUDGET, maxRetries: 0 });
     for (let i = 0; i < 5; i++) await client.faceAuth.listPage({ count: 1 });
     console.log(JSON.stringify(await client.budgetStatus()));`,
    {
      env: {
        ARGOS_API_KEY: apiKey,
        ARGOS_BASE_URL: mock.baseUrl,
        MOCK_CA: mock.caCertPem,
        BUDGET: `redis://user:${PASSWORD}@127.0.0.1:${port}`,
        ARGOS_LOG: 'info',
      },
      timeoutMs: 15_000,
    },
  );
  assert.equal(child.code, 0, child.stderr);
  const status = JSON.parse(child.stdout);
  assert.deepEqual([status.store, status.healthy, status.usedToday], ['redis', false, 5]);
  const warnings = child.stderr.split('\n').filter((line) => /budget store is unreachable/.test(line));
  assert.equal(warnings.length, 1, child.stderr);
  assert.doesNotMatch(child.stderr, new RegExp(`${PASSWORD}|SENTINEL`));
  assert.equal(sent(mock), 5);
});

test('a Redis Cluster shares the daily quota in one hash slot', async (t) => {
  const cluster = await startRedisCluster(t);
  const mock = await startMock(t);
  const a = budgeted(mock, cluster.urls, { dailyQuota: 3 });
  const b = budgeted(mock, cluster.urls, { dailyQuota: 3 });
  await succeed(a, 2);
  await succeed(b, 1);
  await refusedForQuota(call(a));
  await refusedForQuota(call(b));
  assert.equal(sent(mock), 3);
  const status = await b.budgetStatus();
  assertStatusShape(status);
  assert.deepEqual([status.store, status.healthy, status.usedToday, status.remainingToday], ['redis', true, 3, 0]);
  const prefix = prefixOf(mock.apiKey);
  const keys = await cluster.keysEverywhere();
  assert.ok(keys.length >= 1 && keys.every((key) => key.startsWith(prefix)), `${keys}`);
  const perNode = await Promise.all([0, 1, 2].map((i) => cluster.nodeKeys(i)));
  assert.equal(perNode.filter((nodeKeys) => nodeKeys.length > 0).length, 1, 'every key on one node (one slot)');
  // The day moves on the cluster's clock too.
  assert.equal(await cluster.command('SET', `${prefix}clock`, '86400000000'), 'OK');
  await succeed(b, 1);
  assert.equal((await a.budgetStatus()).usedToday, 1);
});
