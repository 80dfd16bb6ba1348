// argos-addon/testing: the mock's gateway limit in whole UTC seconds, its per-second counts, its
// connection and handshake counts, and its bounded request log.

import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { ValidationError } from 'argos-addon';

import { startMock } from './support/fixtures.mjs';

const LIMIT = 3;
const BURST = 10;

/** A keyed `GET /faceauth` (with `query`), straight over HTTPS: status, headers and body. */
function get(mock, query = '') {
  return new Promise((resolve, reject) => {
    const req = request(`${mock.baseUrl}/faceauth${query}`, { ca: mock.caCertPem, headers: { 'x-api-key': mock.apiKey } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Fires `n` requests at once; returns the refused ones, checking that the rest passed. */
async function burst(mock, n) {
  const answers = await Promise.all(Array.from({ length: n }, () => get(mock)));
  for (const { status, headers } of answers.filter((a) => a.status !== 429)) {
    assert.equal(status, 200);
    assert.equal(headers['retry-after'], undefined);
  }
  return answers.filter((a) => a.status === 429);
}

const sum = (counts, field) => counts.reduce((total, c) => total + c[field], 0);

test('gatewayLimit refuses the rest of each second and perSecondCounts counts it', async (t) => {
  const mock = await startMock(t, { gatewayLimit: LIMIT });
  assert.deepEqual(mock.perSecondCounts(), []);
  // Into a fresh second, so that the burst most likely fits in one window.
  await sleep(1005 - (Date.now() % 1000));
  const refused = await burst(mock, BURST);
  for (const { headers, body } of refused) {
    assert.equal(headers['retry-after'], '1');
    assert.equal(headers['x-amzn-errortype'], 'TooManyRequestsException');
    assert.deepEqual(JSON.parse(body), { message: 'Too Many Requests' });
  }
  const counts = mock.perSecondCounts();
  assert.equal(sum(counts, 'requests'), BURST);
  assert.equal(sum(counts, 'throttled'), refused.length);
  assert.ok(refused.length >= BURST - 2 * LIMIT, JSON.stringify(counts));
  for (const count of counts) {
    assert.deepEqual(Object.keys(count).sort(), ['requests', 'second', 'throttled']);
    assert.equal(count.throttled, Math.max(0, count.requests - LIMIT));
    assert.ok(Math.abs(count.second - Date.now() / 1000) < 10, String(count.second));
  }

  mock.setGatewayLimit(null);
  assert.deepEqual(await burst(mock, BURST), []);
  assert.equal(sum(mock.perSecondCounts(), 'requests'), 2 * BURST);
  mock.setGatewayLimit(0);
  assert.equal((await burst(mock, 2)).length, 2);
  mock.resetCounts();
  assert.deepEqual(mock.perSecondCounts(), []);
});

test('gateway limits must be whole non-negative numbers or null', async (t) => {
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
    await assert.rejects(startMock(t, { gatewayLimit: bad }), ValidationError, String(bad));
  }
  const mock = await startMock(t);
  for (const bad of [-1, 0.5, Infinity]) {
    assert.throws(() => mock.setGatewayLimit(bad), ValidationError, String(bad));
  }
  assert.deepEqual(await burst(mock, 2), [], 'off by default');
});

/** Two keyed `GET /faceauth` through `agent`, one after the other, each read to the end. */
async function getTwice(mock, agent) {
  for (let i = 0; i < 2; i++) {
    const status = await new Promise((resolve, reject) => {
      const req = request(`${mock.baseUrl}/faceauth`, { agent, headers: { 'x-api-key': mock.apiKey } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  }
}

test('connectionCount and handshakeCount count connections, not requests', async (t) => {
  const mock = await startMock(t);
  // One socket at most: the second request waits for the first one's socket and reuses it.
  const agent = (ca) => new Agent({ ca, keepAlive: true, maxSockets: 1 });
  const counts = () => [mock.connectionCount(), mock.handshakeCount()];
  assert.deepEqual(counts(), [0, 0]);
  // The server counts a connection before it answers on it, so no waiting is needed.
  const first = agent(mock.caCertPem);
  t.after(() => first.destroy());
  await getTwice(mock, first);
  assert.equal(mock.requestCount(), 2);
  assert.deepEqual(counts(), [1, 1]);
  const second = agent(mock.caCertPem);
  t.after(() => second.destroy());
  await getTwice(mock, second);
  assert.deepEqual(counts(), [2, 2]);

  // A client that trusts another CA connects, but completes no handshake.
  const stranger = await startMock(t);
  const distrusting = agent(stranger.caCertPem);
  t.after(() => distrusting.destroy());
  // (OpenSSL says CERT_SIGNATURE_FAILURE: both CAs have the same name.)
  await assert.rejects(getTwice(mock, distrusting), (err) => /CERT/.test(err.code));
  assert.deepEqual(counts(), [3, 2]);

  mock.resetCounts();
  assert.deepEqual(counts(), [0, 0]);
});

test('the request log keeps the last requestLogLimit requests and counts the dropped ones', async (t) => {
  const mock = await startMock(t, { requestLogLimit: 5 });
  for (let n = 0; n < 12; n++) await get(mock, `?n=${n}`);
  const log = mock.requests();
  assert.ok(Array.isArray(log));
  assert.deepEqual(log.map((r) => r.query), ['7', '8', '9', '10', '11'].map((n) => [['n', n]]));
  assert.equal(log.dropped, 7);
  assert.equal(mock.droppedRequests(), 7);
  assert.deepEqual(Object.keys(log), ['0', '1', '2', '3', '4'], '`dropped` is not enumerable');
  assert.equal(mock.requestCount(), 12, 'counts are not bounded');
  mock.resetCounts();
  assert.deepEqual(mock.requests(), []);
  assert.equal(mock.requests().dropped, 0);

  const none = await startMock(t, { requestLogLimit: 0 });
  await get(none);
  assert.deepEqual(none.requests(), []);
  assert.equal(none.requests().dropped, 1);
  await assert.rejects(startMock(t, { requestLogLimit: -1 }), ValidationError);
});

test('the request log keeps 10,000 requests by default', async (t) => {
  const mock = await startMock(t);
  const agent = new Agent({ ca: mock.caCertPem, keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());
  // Keyless, so that the rate limit does not slow them down: refused requests are logged too.
  const refused = () =>
    new Promise((resolve, reject) => {
      const req = request(`${mock.baseUrl}/faceauth`, { agent }, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end();
    });
  await Promise.all(Array.from({ length: 10_001 }, refused));
  const log = mock.requests();
  assert.equal(log.length, 10_000);
  assert.equal(log.dropped, 1);
});
