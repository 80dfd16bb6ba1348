// Bad input and configuration: typed errors before any I/O, and nothing sent.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { APIStatusError, Client, ConfigurationError, encryptQuery, parseWebhook, ValidationError } from 'argos-addon';

import { jpeg, startMock, SUBMISSION } from './support/fixtures.mjs';

const dir = mkdtempSync(join(tmpdir(), 'argos-'));
const submit = (faceImage, more) => (fa) => fa.submit({ submissionId: SUBMISSION, faceImage, ...more });
const listAll = (params) => async (fa) => {
  for await (const record of fa.list(params)) return record;
};

const INVALID = [
  [(fa) => fa.submit({ submissionId: '', faceImage: jpeg(1) }), /submission_id is empty/],
  [(fa) => fa.submit({ submissionId: '   ', faceImage: jpeg(1) }), /submission_id is blank/],
  [(fa) => fa.submit({ faceImage: jpeg(1) }), /needs submissionId/],
  [(fa) => fa.submit({ submissionId: SUBMISSION }), /needs faceImage/],
  [(fa) => fa.submit(), /needs submissionId/],
  [(fa) => fa.submit(SUBMISSION, jpeg(1)), /takes an object of options, not string/],
  [(fa) => fa.submit({ submissionId: SUBMISSION, faceImage: jpeg(1), userID: 'u' }), /no option "userID"/],
  [(fa) => fa.submit({ submissionId: 42, faceImage: jpeg(1) }), /submissionId must be a string, not number/],
  [submit(Buffer.alloc(0)), /empty/],
  [submit(Buffer.from('GIF89a\0\0\0\0\0\0\0\0')), /not a JPEG or PNG/],
  [submit(jpeg(1, 200)), /max_upload_bytes/],
  [submit(join(dir, 'missing.jpg')), /does not exist/],
  [submit(dir), /not a regular file/],
  [submit(12345), /faceImage must be a path string, a Buffer or a Uint8Array, not number/],
  [submit(new ArrayBuffer(8)), /faceImage must be/],
  [submit(jpeg(1), { userId: 7 }), /userId must be a string/],
  [(fa) => fa.get(''), /auth_id is empty/],
  [(fa) => fa.get(undefined), /authId must be a string, not undefined/],
  [(fa) => fa.image(' '), /auth_id is blank/],
  [(fa) => fa.delete('\t'), /auth_id is blank/],
  [(fa) => fa.listPage({ count: 0 }), /count must be between 1 and 2000/],
  [(fa) => fa.listPage({ count: 2001 }), /count must be between 1 and 2000/],
  [(fa) => fa.listPage({ count: 1.5 }), /count must be an integer/],
  [(fa) => fa.listPage({ startDate: '2024-01-01' }), /together/],
  [(fa) => fa.listPage({ endDate: new Date() }), /together/],
  [(fa) => fa.listPage({ startDate: '2024-02-01', endDate: '2024-01-01' }), /after/],
  [(fa) => fa.listPage({ startDate: '2024-02-30', endDate: '2024-03-01' }), /YYYY-MM-DD/],
  [(fa) => fa.listPage({ startDate: '01/02/2024', endDate: '2024-03-01' }), /YYYY-MM-DD/],
  [(fa) => fa.listPage({ startDate: 20240101, endDate: '2024-03-01' }), /startDate must be a Date or "YYYY-MM-DD"/],
  [(fa) => fa.listPage({ startDate: new Date('nope'), endDate: new Date() }), /startDate is an invalid Date/],
  [(fa) => fa.listPage({ nextKey: 'garbage' }), /next_key/],
  [listAll({ pageSize: 0 }), /count must be between 1 and 2000/],
  [listAll({ startDate: '2024-01-01' }), /together/],
];

test('invalid input is a ValidationError and sends nothing', async (t) => {
  const mock = await startMock(t);
  const faceAuth = mock.client({ maxUploadBytes: 100 }).faceAuth;
  mock.resetCounts();
  for (const [call, message] of INVALID) {
    await assert.rejects(async () => call(faceAuth), (err) => {
      assert.ok(err instanceof ValidationError, `${message}: ${err.stack}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.equal(mock.requestCount(), 0);
});

test('list checks its parameters when called, before iterating', async (t) => {
  const mock = await startMock(t);
  assert.throws(() => mock.client().faceAuth.list({ pageSize: 0 }), ValidationError);
});

const CONFIG = [
  [{ apiKey: '' }, /api_key is empty/],
  [{ apiKey: 'with space' }, /visible ASCII/],
  [{ apiKey: 12345 }, /apiKey must be a string, not number/],
  [{ baseUrl: 'http://127.0.0.1/v3' }, /https:\/\//],
  [{ baseUrl: 'not a url' }, /not a valid URL/],
  [{ timeout: 0 }, /timeout must be a positive, finite number of milliseconds/],
  [{ timeout: -1.5 }, /timeout/],
  [{ timeout: '100' }, /timeout must be a number, not string/],
  [{ connectTimeout: Number.NaN }, /connectTimeout/],
  [{ maxRetries: -1 }, /max_?retries/i],
  [{ maxRetries: 1.5 }, /maxRetries must be a whole number/],
  [{ rateLimit: 0 }, /rate_limit/],
  [{ rateLimit: '5' }, /rateLimit must be a number/],
  [{ maxUploadBytes: 0 }, /max_?upload_?bytes/i],
  [{ maxResponseBytes: 0 }, /maxResponseBytes must be at least 1, got 0/],
  [{ maxResponseBytes: -1 }, /maxResponseBytes must be at least 1/],
  [{ maxResponseBytes: 2 ** 64 }, /maxResponseBytes must be a whole number of at most 2\^53 - 1 in size/],
  [{ maxResponseBytes: 1.5 }, /maxResponseBytes must be a whole number/],
  [{ maxResponseBytes: '1024' }, /maxResponseBytes must be a number, not string/],
  [{ caCert: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n' }, /ca_cert/],
  [{ caCert: Buffer.from('not a pem') }, /holds no certificate/],
  [{ caCert: 5 }, /caCert must be PEM text, a PEM file.s path or a Buffer/],
  [{ timout: 5 }, /no option "timout"/],
  [{ timout: undefined }, /no option "timout"/],
  [{ apiKey: null }, /apiKey must be a string, not null/],
  [{ timeout: null }, /timeout must be a number, not null/],
];

test('bad options are a ConfigurationError before any I/O', async (t) => {
  const mock = await startMock(t);
  for (const [options, message] of CONFIG) {
    const full = { apiKey: 'fake-key-0001', baseUrl: mock.baseUrl, caCert: mock.caCertPem, ...options };
    assert.throws(() => new Client(full), (err) => {
      assert.ok(err instanceof ConfigurationError, `${message}: ${err.stack}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.throws(() => new Client('key'), ConfigurationError);
  assert.equal(mock.requestCount(), 0);
});

test('maxResponseBytes caps a successful answer', async (t) => {
  const mock = await startMock(t);
  const authId = mock.addRecord();
  await assert.rejects(mock.client({ maxResponseBytes: 64 }).faceAuth.get(authId), (err) => {
    assert.ok(err instanceof APIStatusError, err.stack);
    assert.equal(err.code, 'response_too_large');
    assert.match(err.message, /max_response_bytes \(64 bytes\)/);
    return true;
  });
  assert.equal((await mock.client({ maxResponseBytes: 32 * 1024 * 1024 }).faceAuth.get(authId)).authId, authId);
});

test('rateLimit null turns the client-side limit off; a bad base URL sends nothing', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ rateLimit: null, maxRetries: 0 });
  assert.equal((await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) })).approved, true);
  assert.throws(() => mock.client({ baseUrl: mock.baseUrl.replace('https://', 'http://') }), ConfigurationError);
  assert.equal(mock.requestCount(), 1);
});

test('the synchronous helpers check their arguments', () => {
  assert.throws(() => encryptQuery('sid=1', 'key'), { name: 'ValidationError', message: /params must be an object/ });
  assert.throws(() => encryptQuery({ big: 1n }, 'key'), { name: 'ValidationError', message: /JSON/ });
  assert.throws(() => encryptQuery({ sid: 's' }), { name: 'ValidationError', message: /apiKey must be a string/ });
  assert.throws(() => parseWebhook({ webhook_trigger: 'faceAuth' }), { name: 'ValidationError', message: /raw request body/ });
  assert.throws(() => parseWebhook('{}', { apikey: 'k' }), { name: 'ValidationError', message: /no option "apikey"/ });
});

test('the documented upload limit, 10 MiB, holds by default, for a path and for bytes', async (t) => {
  const mock = await startMock(t);
  const client = new Client({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, caCert: mock.caCertPem });
  const MIB = 1024 * 1024;
  // 10 MiB of image data and the JPEG header: over the limit.
  const over = join(dir, 'over.jpg');
  writeFileSync(over, jpeg(1, 10 * MIB));
  for (const faceImage of [over, jpeg(1, 10 * MIB)]) {
    await assert.rejects(client.faceAuth.submit({ submissionId: SUBMISSION, faceImage }), (err) => {
      assert.ok(err instanceof ValidationError, err.stack);
      assert.match(err.message, /max_?upload_?bytes/i);
      return true;
    });
  }
  assert.equal(mock.requestCount(), 0);
  // Exactly 10 MiB is sent (whatever the mock then answers).
  const atLimit = jpeg(1, 10 * MIB - jpeg(1, 0).length);
  await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: atLimit }).catch((err) => {
    if (!(err instanceof APIStatusError)) throw err;
  });
  assert.equal(mock.requestCount('POST', '/faceauth'), 1);
});
