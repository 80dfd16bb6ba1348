// Retries counted at the mock, timeouts, dropped connections, untrusted certificates, http://.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';

import * as argos from 'argos-addon';

import { jpeg, startMock, SUBMISSION } from './support/fixtures.mjs';

const THROTTLED = '{"message":"Too Many Requests"}';
const submitSelfie = (client) => client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });

test('throttling is retried, even for submit', async (t) => {
  const mock = await startMock(t);
  mock.failNext(429, THROTTLED, { headers: { 'Retry-After': '0' }, times: 2 });
  assert.equal((await submitSelfie(mock.client())).approved, true);
  assert.equal(mock.requestCount('POST', '/faceauth'), 3);
});

test('server errors are retried for reads only', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  mock.badGatewayNext({ method: 'GET', path: '/faceauth' });
  mock.failNext(503, 'busy', { method: 'GET', path: '/faceauth' });
  await assert.rejects(client.faceAuth.get('x'), argos.NotFoundError);
  assert.equal(mock.requestCount('GET', '/faceauth'), 3);
  mock.failNext(500, '{}', { method: 'DELETE', path: '/faceauth' });
  await assert.rejects(client.faceAuth.delete('x'), argos.NotFoundError);
  assert.equal(mock.requestCount('DELETE', '/faceauth'), 2);
  mock.failNext(502, '', { method: 'POST', path: '/faceauth' });
  await assert.rejects(submitSelfie(client), argos.BadGatewayError);
  assert.equal(mock.requestCount('POST', '/faceauth'), 1);
});

test('the quota and other client errors are not retried', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  mock.setDailyQuota(0);
  await assert.rejects(client.faceAuth.get('x'), argos.QuotaExceededError);
  mock.setDailyQuota(null);
  mock.failNext(400, '{"errorCode":"invalid_data_format"}');
  await assert.rejects(client.faceAuth.get('x'), argos.BadRequestError);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
});

test('maxRetries, and a Retry-After too long to wait for', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ maxRetries: 1 });
  mock.failNext(429, THROTTLED, { headers: { 'Retry-After': '0' }, times: 5 });
  await assert.rejects(client.faceAuth.get('x'), argos.RateLimitError);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
  mock.clearFaults();
  mock.failNext(429, THROTTLED, { headers: { 'Retry-After': '3600' } });
  const started = performance.now();
  await assert.rejects(client.faceAuth.get('x'), (err) => err instanceof argos.RateLimitError && err.retryAfter === 3600);
  assert.ok(performance.now() - started < 5000);
});

test('timeouts: a read is retried, a submit is not', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ timeout: 300, maxRetries: 1 });
  mock.delayNext(2000, { method: 'GET', path: '/faceauth' });
  await assert.rejects(client.faceAuth.get('x'), argos.NotFoundError, 'the retry succeeds');
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
  mock.delayNext(2000, { method: 'POST', path: '/faceauth' });
  const started = performance.now();
  await assert.rejects(submitSelfie(client), argos.APITimeoutError);
  assert.ok(performance.now() - started < 1500, 'the timeout is in milliseconds');
  assert.equal(mock.requestCount('POST', '/faceauth'), 1);
});

test('a dropped connection: a read is retried, a submit is not', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  mock.dropNext({ method: 'GET', path: '/faceauth' });
  await assert.rejects(client.faceAuth.get('x'), argos.NotFoundError);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
  mock.dropNext({ method: 'POST', path: '/faceauth' });
  await assert.rejects(submitSelfie(client), (err) => {
    assert.ok(err instanceof argos.APIConnectionError && !(err instanceof argos.APITimeoutError));
    assert.ok(err.cause instanceof Error);
    return true;
  });
  assert.equal(mock.requestCount('POST', '/faceauth'), 1);
});

test('an untrusted certificate is an APIConnectionError, and nothing reaches the mock', async (t) => {
  const mock = await startMock(t);
  const client = new argos.Client({ apiKey: mock.apiKey, baseUrl: mock.baseUrl });
  await assert.rejects(client.faceAuth.get('x'), (err) => {
    assert.ok(err instanceof argos.APIConnectionError);
    assert.match(`${err.message} ${err.cause?.message}`, /certificate/i);
    return true;
  });
  assert.equal(mock.requestCount(), 0);
  // Not retried: one connection reached the server, and its handshake never completed.
  assert.deepEqual([mock.connectionCount(), mock.handshakeCount()], [1, 0]);
});

test('an http:// base URL is refused before any request', async (t) => {
  const mock = await startMock(t);
  assert.throws(() => mock.client({ baseUrl: mock.baseUrl.replace('https:', 'http:') }), argos.ConfigurationError);
  assert.equal(mock.requestCount(), 0);
});

test('connect failures are retried, even for submit', async (t) => {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const client = new argos.Client({ apiKey: 'fake-key-0001', baseUrl: `https://127.0.0.1:${server.address().port}/v3` });
  await assert.rejects(submitSelfie(client), argos.APIConnectionError);
  assert.equal(accepted, 3);
});
