// Cancellation with an AbortSignal: every operation takes { signal } last; aborting rejects with
// APIUserAbortError (name 'AbortError'), drops the request in the core and leaves the client usable.

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { APIUserAbortError, ArgosError, ValidationError } from 'argos-addon';

import { jpeg, startMock, SUBMISSION } from './support/fixtures.mjs';

/** Resolves once the mock has received `n` requests for `method` `path`. */
async function received(mock, method, path, n = 1) {
  for (let waited = 0; mock.requestCount(method, path) < n; waited += 5) {
    if (waited > 10_000) throw new Error(`the mock never received ${method} ${path}`);
    await sleep(5);
  }
}

function isAbort(err) {
  assert.ok(err instanceof APIUserAbortError, `${err?.constructor?.name}: ${err?.message}`);
  assert.ok(err instanceof ArgosError);
  assert.equal(err.name, 'AbortError');
  return true;
}

test('aborting a call in flight rejects at once, drops its connection and leaves the client usable', async (t) => {
  const mock = await startMock(t);
  const authId = mock.addRecord();
  const client = mock.client();
  mock.delayNext(5_000, { method: 'GET', path: '/faceauth' });
  const controller = new AbortController();
  const call = client.faceAuth.get(authId, { signal: controller.signal });
  await received(mock, 'GET', '/faceauth');
  const aborted = performance.now();
  controller.abort();
  await assert.rejects(call, isAbort);
  assert.ok(performance.now() - aborted < 1_000, 'rejected long before the answer was due');
  assert.equal(mock.connectionCount(), 1);
  // The aborted request's connection was dropped, not returned to the pool: the next call opens another.
  const record = await client.faceAuth.get(authId);
  assert.equal(record.authId, authId);
  assert.equal(mock.connectionCount(), 2);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the listener is removed');
});

test('an abort during a retry wait starts no further attempt', async (t) => {
  const mock = await startMock(t);
  const authId = mock.addRecord();
  mock.failNext(503, '{"message":"busy"}', { headers: { 'Retry-After': '1' }, method: 'GET', path: '/faceauth' });
  const controller = new AbortController();
  const call = mock.client().faceAuth.get(authId, { signal: controller.signal });
  await received(mock, 'GET', '/faceauth');
  controller.abort();
  await assert.rejects(call, isAbort);
  await sleep(1_500); // past the Retry-After the retry would have waited for
  assert.equal(mock.requestCount('GET', '/faceauth'), 1);
});

test('an already aborted signal sends nothing, for every operation', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const signal = AbortSignal.abort();
  const calls = {
    submit: () => client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) }, { signal }),
    get: () => client.faceAuth.get('auth-1', { signal }),
    listPage: () => client.faceAuth.listPage({}, { signal }),
    list: () => client.faceAuth.list({}, { signal }).next(),
    image: () => client.faceAuth.image('auth-1', { signal }),
    delete: () => client.faceAuth.delete('auth-1', { signal }),
    'withResponse.image': () => client.faceAuth.withResponse.image('auth-1', { signal }),
    'withResponse.delete': () => client.faceAuth.withResponse.delete('auth-1', { signal }),
  };
  for (const [name, call] of Object.entries(calls)) {
    await assert.rejects(call(), isAbort, name);
  }
  assert.equal(mock.requestCount(), 0);
  assert.equal(mock.connectionCount(), 0);
});

test('a signal that never fires changes nothing', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const { signal } = new AbortController();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) }, { signal });
  assert.equal(result.authStatus, 'approved');
  const { value, response } = await client.faceAuth.withResponse.image(result.authenticationId, { signal });
  assert.ok(value.length > 0 && response.status === 200);
  const records = [];
  for await (const record of client.faceAuth.list({ pageSize: 1 }, { signal })) records.push(record);
  assert.equal(records.length, 1);
  assert.equal(getEventListeners(signal, 'abort').length, 0);
});

test('list: an abort ends the iteration at the page fetch in flight', async (t) => {
  const mock = await startMock(t);
  for (let i = 0; i < 3; i++) mock.addRecord();
  const controller = new AbortController();
  const records = mock.client().faceAuth.list({ pageSize: 1 }, { signal: controller.signal });
  assert.ok((await records.next()).value);
  mock.delayNext(5_000, { method: 'GET', path: '/faceauth' });
  const next = records.next();
  await received(mock, 'GET', '/faceauth', 2);
  controller.abort();
  await assert.rejects(next, isAbort);
  assert.equal(mock.requestCount('GET', '/faceauth'), 2);
});

test('options that are not { signal } are refused before any request', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  await assert.rejects(client.faceAuth.get('auth-1', { signal: 'now' }), ValidationError);
  await assert.rejects(client.faceAuth.get('auth-1', { timeout: 1 }), /has no option "timeout"; known: signal/);
  await assert.rejects(client.faceAuth.get('auth-1', 5), ValidationError);
  assert.equal(mock.requestCount(), 0);
});
