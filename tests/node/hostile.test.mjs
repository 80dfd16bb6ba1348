// The transport-safety matrix of core/tests/hostile.rs and hostile_memory.rs, through Node.
//
// Every misbehaviour of the `argos-hostile` server (tests/hostile, built by `make hostile`, found
// through $ARGOS_HOSTILE_BIN) ends in the documented error within `timeout` + 1 s, the key never
// leaves its origin, the same client keeps working, and the server sees every connection let go.
// A 1 GiB answer grows a fresh process's peak RSS by less than 64 MiB.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

import {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  ArgosError,
  Client,
  InternalServerError,
} from 'argos-addon';

import { childEnv, jpeg, ROOT, runNode, scrubbed } from './support/fixtures.mjs';

const TIMEOUT_MS = 2000;
const WITHIN_MS = TIMEOUT_MS + 1000;
const API_KEY = 'hostile-test-key';
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MEMORY_BOUND = 64 * 1024 * 1024;


// Read at load, before the file's `before` hook takes ARGOS_* out of the environment.
const HOSTILE_BIN = process.env.ARGOS_HOSTILE_BIN || join(ROOT, 'target', 'debug', 'argos-hostile');

function hostileBin() {
  const path = HOSTILE_BIN;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    assert.fail(
      `the hostile server binary ${path} is missing: run \`make hostile\` and export ` +
        'ARGOS_HOSTILE_BIN=<repo>/target/debug/argos-hostile (make test-node does both)',
    );
  }
  return path;
}

/** One `argos-hostile` process: its URLs, its CA, and its counters through `stats()`. */
class Hostile {
  static async start() {
    const hostile = new Hostile();
    try {
      const info = {};
      for (;;) {
        const line = await hostile.#line(10_000);
        if (line === 'ready') break;
        const at = line.indexOf('=');
        info[line.slice(0, at)] = line.slice(at + 1);
      }
      hostile.baseUrl = info.base_url;
      hostile.silentBaseUrl = info.silent_base_url;
      hostile.caCertPath = info.ca_cert;
      hostile.caCert = readFileSync(info.ca_cert, 'utf8');
      return hostile;
    } catch (err) {
      await hostile.stop();
      throw err;
    }
  }

  #buffer = '';
  #waiting = null;
  #exited = null;
  #queue = Promise.resolve();

  constructor() {
    this.child = spawn(hostileBin(), [], { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv() });
    this.exit = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.#exited = { code, signal };
        resolve(this.#exited);
        this.#wake();
      });
    });
    this.child.on('error', (err) => {
      this.#exited = { error: err };
      this.#wake();
    });
    this.child.stdin.on('error', () => {}); // a write after exit: reported by #line instead
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.#buffer += chunk;
      this.#wake();
    });
  }

  #wake() {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.();
  }

  async #line(timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    while (!this.#buffer.includes('\n')) {
      if (this.#exited) assert.fail(`argos-hostile exited: ${inspect(this.#exited)}`);
      const left = deadline - performance.now();
      if (left <= 0) assert.fail(`argos-hostile said nothing for ${timeoutMs} ms`);
      const timer = new Promise((resolve) => {
        const id = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(id);
          resolve();
        };
      });
      await timer;
    }
    const at = this.#buffer.indexOf('\n');
    const line = this.#buffer.slice(0, at).trim();
    this.#buffer = this.#buffer.slice(at + 1);
    return line;
  }

  /** `{ requests, open_connections, other_origin_requests, other_origin_keys, plain_connections }` */
  stats() {
    const asked = this.#queue.then(async () => {
      this.child.stdin.write('stats\n');
      return JSON.parse(await this.#line(5000));
    });
    this.#queue = asked.catch(() => {});
    return asked;
  }

  /** A base URL whose every request plays `scenario`: `https://host:port/<scenario>/v3`. */
  scenarioUrl(scenario) {
    const url = new URL(this.baseUrl);
    url.pathname = `/${scenario}${url.pathname}`;
    return url.href;
  }

  client(baseUrl = this.baseUrl) {
    return new Client({ apiKey: API_KEY, baseUrl, caCert: this.caCert, timeout: TIMEOUT_MS, maxRetries: 0 });
  }

  async waitForNoOpenConnections(label = '') {
    const deadline = performance.now() + 3000;
    for (;;) {
      const stats = await this.stats();
      if (stats.open_connections === 0) return;
      assert.ok(performance.now() < deadline, `${label}: connections left open: ${JSON.stringify(stats)}`);
      await sleep(20);
    }
  }

  /** Ends the process however it behaves: end of stdin, then a kill after 5 s. */
  async stop() {
    if (this.#exited) return;
    this.child.stdin.end();
    const timer = sleep(5000).then(() => 'timeout');
    if ((await Promise.race([this.exit, timer])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exit;
    }
  }
}

let hostile;
const savedEnv = {};

before(async () => {
  for (const [name, value] of Object.entries(process.env)) {
    if (!scrubbed(name)) continue;
    savedEnv[name] = value;
    delete process.env[name];
  }
  hostile = await Hostile.start();
});

after(async () => {
  await hostile?.stop();
  Object.assign(process.env, savedEnv);
});

const delta = (before, after) => ({
  requests: after.requests - before.requests,
  other_origin_requests: after.other_origin_requests - before.other_origin_requests,
  other_origin_keys: after.other_origin_keys - before.other_origin_keys,
  plain_connections: after.plain_connections - before.plain_connections,
});

/** The same client makes a normal call, and the server sees no connection left open. */
async function stillHealthy(client, label) {
  const record = await client.faceAuth.get('ok');
  assert.equal(record.authId, 'ok', label);
  await hostile.waitForNoOpenConnections(label);
}

/** {@link stillHealthy} on a new client of the hostile origin, closed afterwards. */
async function freshClientStillHealthy(label) {
  const client = hostile.client();
  try {
    await stillHealthy(client, label);
  } finally {
    client.close();
  }
}

/** Runs `call`, which must reject with exactly `cls` (and `code`) within timeout + 1 s. */
async function rejectsWithin(label, call, cls, code = null) {
  const started = performance.now();
  let err;
  try {
    await call();
  } catch (caught) {
    err = caught;
  }
  const ms = performance.now() - started;
  assert.ok(err !== undefined, `${label}: resolved instead of rejecting`);
  assert.ok(ms < WITHIN_MS, `${label} took ${Math.round(ms)} ms: ${err}`);
  assert.ok(err instanceof ArgosError, `${label}: a foreign error: ${inspect(err)}`);
  assert.equal(err.constructor, cls, `${label}: ${err.name}: ${err.message}`);
  assert.equal(err.name, cls.name);
  assert.equal(err.code, code, `${label}: ${err.message}`);
  return err;
}

/** Plays `scenario` through `get`, checks the error, then that the same client still works. */
async function failsWith(scenario, cls, code = null) {
  const client = hostile.client();
  try {
    const err = await rejectsWithin(scenario, () => client.faceAuth.get(scenario), cls, code);
    await stillHealthy(client, scenario);
    return err;
  } finally {
    client.close();
  }
}

test('a cross-origin redirect is an error and the key stays home', async () => {
  const before = await hostile.stats();
  const err = await failsWith('redirect-cross-origin', APIStatusError, 'redirect');
  assert.equal(err.status, 302);
  assert.ok(err.message.includes('https://127.0.0.1:'), err.message);
  for (const text of [err.message, err.stack, inspect(err), JSON.stringify(err)]) {
    assert.ok(!text.includes('secret'), `the Location's query is left out: ${text}`);
  }
  const moved = delta(before, await hostile.stats());
  assert.deepEqual([moved.other_origin_requests, moved.other_origin_keys], [0, 0], inspect(moved));
});

test('a redirected submit sends nothing to the other origin', async () => {
  const client = hostile.client(hostile.scenarioUrl('redirect-cross-origin'));
  try {
    const before = await hostile.stats();
    const err = await rejectsWithin(
      'submit',
      () => client.faceAuth.submit({ submissionId: 'sub-1', faceImage: jpeg(1, 8) }),
      APIStatusError,
      'redirect',
    );
    assert.equal(err.status, 302);
    const moved = delta(before, await hostile.stats());
    assert.deepEqual([moved.requests, moved.other_origin_requests, moved.other_origin_keys], [1, 0, 0], inspect(moved));
  } finally {
    client.close();
  }
  await freshClientStillHealthy('after the submit');
});

test('no request reaches another origin or plain http', async () => {
  const client = hostile.client();
  try {
    const before = await hostile.stats();
    for (const scenario of ['redirect-cross-origin', 'redirect-http', 'redirect-same-origin']) {
      await rejectsWithin(scenario, () => client.faceAuth.get(scenario), APIStatusError, 'redirect');
    }
    const moved = delta(before, await hostile.stats());
    assert.equal(moved.requests, 3, `each redirect answered once, none followed: ${inspect(moved)}`);
    assert.equal(moved.other_origin_requests + moved.other_origin_keys, 0, inspect(moved));
    assert.equal(moved.plain_connections, 0, inspect(moved));
  } finally {
    client.close();
  }
});

test('redirects to http and to the same origin are not followed either', async () => {
  const before = await hostile.stats();
  let err = await failsWith('redirect-http', APIStatusError, 'redirect');
  assert.ok(err.message.includes('http://127.0.0.1:'), err.message);
  assert.equal(delta(before, await hostile.stats()).plain_connections, 0);
  err = await failsWith('redirect-same-origin', APIStatusError, 'redirect');
  assert.equal(err.status, 307);
  const moved = delta(before, await hostile.stats());
  // Two redirects and the two checking calls: none followed.
  assert.equal(moved.requests, 4, inspect(moved));
  assert.equal(moved.plain_connections, 0, inspect(moved));
});

for (const scenario of ['huge-body', 'huge-body-chunked', 'huge-close-delimited']) {
  test(`a huge 2xx body stops at the cap: ${scenario}`, async () => {
    const err = await failsWith(scenario, APIStatusError, 'response_too_large');
    assert.equal(err.status, 200);
    assert.ok(err.message.includes('max_response_bytes'), err.message);
  });
}

for (const scenario of ['huge-error', 'huge-error-chunked']) {
  test(`a huge error body is read only in part: ${scenario}`, async () => {
    const err = await failsWith(scenario, InternalServerError);
    assert.equal(err.status, 500);
    assert.ok(Buffer.byteLength(err.body ?? '') <= MAX_ERROR_BODY_BYTES, `${err.body?.length}`);
  });
}

for (const scenario of ['slow-drip', 'endless-chunked', 'stalled-tls', 'no-answer', 'header-drip']) {
  test(`a server that never finishes times out: ${scenario}`, async () => {
    await failsWith(scenario, APITimeoutError);
  });
}

test('a port that never handshakes times out', async () => {
  const silent = hostile.client(hostile.silentBaseUrl);
  try {
    await rejectsWithin('silent port', () => silent.faceAuth.get('ok'), APITimeoutError);
  } finally {
    silent.close();
  }
  await freshClientStillHealthy('after the silent port');
});

for (const scenario of ['header-flood', 'malformed-status-line', 'long-content-length', 'closed-mid-body']) {
  test(`a broken answer is a connection error: ${scenario}`, async () => {
    const err = await failsWith(scenario, APIConnectionError);
    assert.ok(!(err instanceof APITimeoutError));
  });
}

test('a short Content-Length leaves an unreadable body', async () => {
  await failsWith('short-content-length', APIStatusError, 'invalid_response');
});

test('an HTTP/1.0 close-delimited body is read', async () => {
  const client = hostile.client();
  try {
    const started = performance.now();
    const record = await client.faceAuth.get('http10-close-delimited');
    assert.ok(performance.now() - started < WITHIN_MS);
    assert.equal(record.authId, 'ok');
    await stillHealthy(client, 'http10-close-delimited');
  } finally {
    client.close();
  }
});

// Peak memory, each huge answer in a fresh Node process (hostile_memory.rs).

const MEMORY_CHILD = `
import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'argos-addon';

const { HOSTILE_BASE_URL: baseUrl, HOSTILE_CA: caPath, HOSTILE_SCENARIO: scenario } = process.env;
const kib = (field) =>
  Number(readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith(field)).split(/\\s+/)[1]);
const client = new Client({
  apiKey: 'hostile-test-key', baseUrl, caCert: readFileSync(caPath, 'utf8'), timeout: 10000, maxRetries: 0,
});
// Warm the pool, TLS and the allocator so that the measure is of the body alone.
if ((await client.faceAuth.get('ok')).authId !== 'ok') throw new Error('warm-up failed');
writeFileSync('/proc/self/clear_refs', '5');
const before = kib('VmRSS:') * 1024;
let error = null, code = null, status = null;
try {
  await client.faceAuth.get(scenario);
} catch (err) {
  ({ name: error, code, status } = err);
}
const peak = kib('VmHWM:') * 1024;
client.close();
console.log(JSON.stringify({ error, code, status, before, peak }));
`;

const HUGE = [
  ['huge-body', 'APIStatusError', 'response_too_large'],
  ['huge-body-chunked', 'APIStatusError', 'response_too_large'],
  ['huge-close-delimited', 'APIStatusError', 'response_too_large'],
  ['huge-error', 'InternalServerError', null],
  ['huge-error-chunked', 'InternalServerError', null],
];

for (const [scenario, error, code] of HUGE) {
  test(`a 1 GiB answer grows memory by less than 64 MiB: ${scenario}`, async (t) => {
    const env = { HOSTILE_BASE_URL: hostile.baseUrl, HOSTILE_CA: hostile.caCertPath, HOSTILE_SCENARIO: scenario };
    // runNode passes this process's environment on, which the `before` hook has scrubbed.
    const run = await runNode(MEMORY_CHILD, { env, timeoutMs: 60_000 });
    assert.equal(run.signal, null, `${scenario}: child killed\n${run.stderr}`);
    assert.equal(run.code, 0, `${scenario}: child failed\n${run.stdout}\n${run.stderr}`);
    const measure = JSON.parse(run.stdout.trim().split('\n').at(-1));
    assert.deepEqual([measure.error, measure.code], [error, code], inspect(measure));
    const growth = Math.max(0, measure.peak - measure.before);
    t.diagnostic(`[node memory] ${scenario}: peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(growth < MEMORY_BOUND, `${scenario}: peak RSS grew by ${Math.round(growth / 2 ** 20)} MiB`);
    await hostile.waitForNoOpenConnections(scenario);
  });
}
