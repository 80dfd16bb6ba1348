// The addon under Node: concurrency, process exit, worker threads, logging, and no leaks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { jpeg, runNode, startMock, SUBMISSION } from './support/fixtures.mjs';

/** The environment a child needs to reach `mock` (through ARGOS_API_KEY / ARGOS_BASE_URL). */
const reach = (mock) => ({ ARGOS_API_KEY: mock.apiKey, ARGOS_BASE_URL: mock.baseUrl, MOCK_CA: mock.caCertPem });

test('1,000 concurrent promises on one client', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const { authenticationId } = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  const records = await Promise.all(Array.from({ length: 1000 }, () => client.faceAuth.get(authenticationId)));
  assert.equal(records.length, 1000);
  assert.ok(records.every((r) => r.authId === authenticationId));
  assert.equal(mock.requestCount('GET', '/faceauth'), 1000);
});

test('a process exits by itself after its last request', async (t) => {
  const mock = await startMock(t);
  // The answer comes late, so an early exit would lose it: the pending call holds the loop.
  mock.delayNext(1000);
  const child = await runNode(
    `import { Client } from 'argos-addon';
     const client = new Client({ caCert: process.env.MOCK_CA });
     const page = await client.faceAuth.listPage();
     console.log('records', page.records.length);`,
    { env: reach(mock), timeoutMs: 5000 },
  );
  assert.equal(child.signal, null, `killed after ${Math.round(child.ms)} ms: ${child.stderr}`);
  assert.equal(child.code, 0, child.stderr);
  assert.match(child.stdout, /records 0/);
  assert.ok(child.ms < 5000);
});

test('a process that started and stopped a mock exits by itself', async () => {
  const child = await runNode(
    `import { MockServer } from 'argos-addon/testing';
     const mock = await MockServer.start();
     mock.addSubmission('s-1', { selfie: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]) });
     const result = await mock.client().faceAuth.submit({ submissionId: 's-1', faceImage: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]) });
     await mock.stop();
     console.log(result.authStatus);`,
    { timeoutMs: 5000 },
  );
  assert.equal(child.code, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'approved');
});

/** Runs `code` (CommonJS) in a worker thread; resolves with its messages once it has exited. */
function inWorker(code, workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData });
    const messages = [];
    worker.on('message', (message) => messages.push(message));
    worker.on('error', reject);
    worker.on('exit', (exitCode) => resolve({ exitCode, messages }));
  });
}

test('worker threads load the addon and call it, while the main thread does too', async (t) => {
  const mock = await startMock(t);
  const options = { apiKey: mock.apiKey, baseUrl: mock.baseUrl, caCert: mock.caCertPem };
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Client, NotFoundError } = require(${JSON.stringify(new URL('../../node/index.js', import.meta.url).pathname)});
    new Client(workerData).faceAuth.get('nope').catch((err) => {
      parentPort.postMessage(err instanceof NotFoundError ? err.name : String(err));
    });`;
  const main = mock.client();
  const [first, second] = await Promise.all([inWorker(code, options), inWorker(code, options), main.faceAuth.listPage()]);
  for (const worker of [first, second]) assert.deepEqual(worker, { exitCode: 0, messages: ['NotFoundError'] });
  // The addon still works here after its worker environments are gone, and in a new worker.
  assert.deepEqual((await main.faceAuth.listPage()).records, []);
  assert.deepEqual(await inWorker(code, options), { exitCode: 0, messages: ['NotFoundError'] });
});

test('workers alone: the addon starts again after the last environment using it has gone', async () => {
  const child = await runNode(
    `import { Worker } from 'node:worker_threads';
     const code = \`
       const { parentPort } = require('node:worker_threads');
       const { MockServer } = require(\${JSON.stringify(process.env.TESTING)});
       MockServer.start().then(async (mock) => {
         const page = await mock.client().faceAuth.listPage();
         await mock.stop();
         parentPort.postMessage(page.records.length);
       });\`;
     for (let i = 0; i < 3; i++) {
       // Not this process's --input-type=module: the worker's code is CommonJS.
       const worker = new Worker(code, { eval: true, execArgv: [] });
       worker.on('message', (records) => console.log('records', records));
       await new Promise((resolve) => worker.on('exit', resolve));
     }`,
    { env: { TESTING: new URL('../../node/testing.js', import.meta.url).pathname }, timeoutMs: 10_000 },
  );
  assert.equal(child.code, 0, child.stderr);
  assert.equal(child.stdout, 'records 0\n'.repeat(3));
});

test('ARGOS_LOG=debug prints attempts to stderr, without the key or ids', async (t) => {
  const key = 'SENTINELlogKeyDoNotLeak000000000000000000';
  const mock = await startMock(t, { apiKey: key });
  mock.failNext(503, 'busy', { headers: { 'Retry-After': '0' } });
  const child = await runNode(
    `import { Client, NotFoundError } from 'argos-addon';
     await new Client({ caCert: process.env.MOCK_CA }).faceAuth.get('hidden-auth-id').catch((err) => {
       if (!(err instanceof NotFoundError)) throw err;
     });`,
    { env: { ...reach(mock), ARGOS_LOG: 'debug' } },
  );
  assert.equal(child.code, 0, child.stderr);
  assert.match(child.stderr, /GET \/v3\/faceauth -> 503 ServerError \(attempt 1/);
  assert.match(child.stderr, /GET \/v3\/faceauth -> 200 \(attempt 2/);
  assert.match(child.stderr, /retrying in/);
  assert.doesNotMatch(child.stderr, /SENTINEL|hidden-auth-id/);
  const quiet = await runNode(`import { Client } from 'argos-addon'; await new Client({ caCert: process.env.MOCK_CA }).faceAuth.listPage();`, {
    env: { ...reach(mock), ARGOS_LOG: '' },
  });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});
