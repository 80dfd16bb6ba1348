// Every operation against the mock over TLS: results, upload types, pagination, both GET shapes.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';

import { Client, decryptQuery, NotFoundError } from 'argos-addon';

import { jpeg, png, startMock, SUBMISSION } from './support/fixtures.mjs';

const lastRequest = (mock) => mock.requests().at(-1);
const formOf = (request) => Object.fromEntries(request.form.map((part) => [part.name, part]));

test('submitting the same face is approved', async (t) => {
  const mock = await startMock(t);
  const result = await mock
    .client()
    .faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1), userId: 'user-42', cf1: 'a', cf2: 'b', cf3: 'c' });
  assert.equal(result.approved, true);
  assert.equal(result.authStatus, 'approved');
  assert.ok(result.score.faceSimilarityScore >= 99);
  assert.equal(result.score.occludedScore, null);
  assert.deepEqual([result.failCodes, result.rejectedComments], [[], []]);
  assert.ok(result.createTime instanceof Date && !Number.isNaN(result.createTime.getTime()));
  assert.equal(result.raw.authentication_id, result.authenticationId);
  const request = lastRequest(mock);
  const form = formOf(request);
  assert.equal(form.submissionId.text, SUBMISSION);
  assert.equal(form.userId.text, 'user-42');
  assert.equal(form.cf1.text, 'a');
  assert.equal(form.cf3.text, 'c');
  assert.equal(form.faceImage.contentType, 'image/jpeg');
  const headers = Object.fromEntries(request.headers);
  assert.match(headers['user-agent'], /^argos-addon\/\S+ node\/\d+\./);
  assert.equal(headers['x-api-key'], '<redacted>');
});

test('another face is a rejected result, not an error', async (t) => {
  const mock = await startMock(t);
  const result = await mock.client().faceAuth.submit({ submissionId: SUBMISSION, faceImage: png(7) });
  assert.equal(result.approved, false);
  assert.equal(result.authStatus, 'rejected');
  assert.deepEqual(result.failCodes, ['face_compare_underscore']);
  assert.deepEqual(result.rejectedComments, ['Face compare similarity score is lower than the threshold']);
  assert.ok(result.score.faceSimilarityScore < 85);
});

test('forced failure codes keep their case', async (t) => {
  const mock = await startMock(t);
  mock.forceNextVerdict({ failCodes: ['Face_Occluded_fail', 'Head_cover_fail', 'Brand_new_code'] });
  const result = await mock.client().faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  assert.equal(result.authStatus, 'rejected');
  assert.deepEqual(result.failCodes, ['Face_Occluded_fail', 'Head_cover_fail', 'Brand_new_code']);
  assert.deepEqual(result.rejectedComments.slice(0, 2), ['Face is occluded', 'Protection equipment is not found on Head']);
  assert.equal(typeof result.score.occludedScore, 'number');
  assert.equal(typeof result.score.headCoverScore, 'number');
});

test('faceImage as a path, a Buffer or a Uint8Array', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const path = join(mkdtempSync(join(tmpdir(), 'argos-')), 'selfie.jpg');
  writeFileSync(path, jpeg(1));
  const bytes = jpeg(1);
  // A view into a larger buffer: only its own bytes may be sent.
  const padded = new Uint8Array(bytes.length + 8);
  padded.set(bytes, 4);
  const images = [
    ['path', path, 'selfie.jpg'],
    ['Buffer', jpeg(1), 'face.jpg'],
    ['Uint8Array', new Uint8Array(bytes), 'face.jpg'],
    ['Uint8Array view', padded.subarray(4, 4 + bytes.length), 'face.jpg'],
  ];
  for (const [kind, faceImage, fileName] of images) {
    const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage });
    assert.equal(result.approved, true, kind);
    const part = formOf(lastRequest(mock)).faceImage;
    assert.equal(part.len, bytes.length, kind);
    assert.equal(part.fileName, fileName, kind);
  }
});

test('a listing in the bare shape is one page, without a cursor', async (t) => {
  // The older documented shape: a bare array of records, with no nextPage_key to go on with.
  const mock = await startMock(t);
  const ids = [1, 2, 3, 4, 5].map((day) => mock.addRecord({ createTime: new Date(Date.UTC(2024, 0, day)) }));
  mock.setListShape('bare');
  const client = mock.client();
  const page = await client.faceAuth.listPage({ count: 2 });
  assert.deepEqual(page.records.map((r) => r.authId), [ids[4], ids[3]]);
  assert.equal(page.nextKey, null);
  mock.resetCounts();
  const listed = [];
  for await (const record of client.faceAuth.list({ pageSize: 2 })) listed.push(record.authId);
  assert.deepEqual(listed, [ids[4], ids[3]]);
  assert.equal(mock.requestCount('GET', '/faceauth'), 1);
});

for (const shape of ['wrapper', 'bare']) {
  test(`get reads the ${shape} shape`, async (t) => {
    const mock = await startMock(t);
    const client = mock.client();
    const submitted = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
    mock.setListShape(shape);
    const record = await client.faceAuth.get(submitted.authenticationId);
    assert.equal(record.authId, submitted.authenticationId);
    assert.equal(record.approved, true);
    assert.equal(record.deleted, false);
    assert.equal(record.kycSubmissionId, SUBMISSION);
    assert.equal(record.submitType, 'api');
    assert.equal(record.createTime.getTime(), submitted.createTime.getTime());
    assert.equal(record.policy.faceSimilarityThreshold, 85);
    assert.equal(record.policy.occludedThreshold, false);
    assert.equal(record.raw.auth_id, record.authId);
  });
}

test('get of an unknown id is NotFoundError with code NOT_FOUND', async (t) => {
  const mock = await startMock(t);
  await assert.rejects(mock.client().faceAuth.get('no-such-auth'), (err) => {
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.code, 'NOT_FOUND');
    return true;
  });
});

/** `n` records, 7 hours apart from 2024-03-01T00:00Z, named rec0000 (oldest) upwards. */
function seed(mock, n) {
  const start = Date.UTC(2024, 2, 1);
  for (let i = 0; i < n; i++) {
    mock.addRecord({ authId: `rec${String(i).padStart(4, '0')}`, createTime: new Date(start + i * 7 * 3600_000) });
  }
}

const ids = (records) => records.map((r) => r.authId);
const newestFirst = (n) => Array.from({ length: n }, (_, i) => `rec${String(n - 1 - i).padStart(4, '0')}`);

test('list follows the pages lazily', async (t) => {
  const mock = await startMock(t);
  seed(mock, 11);
  mock.resetCounts();
  const records = mock.client().faceAuth.list({ pageSize: 4 });
  assert.equal(typeof records[Symbol.asyncIterator], 'function');
  assert.equal(mock.requestCount('GET', '/faceauth'), 0, 'nothing is fetched before iterating');
  const first = await records.next();
  assert.equal(first.value.authId, 'rec0010');
  assert.equal(mock.requestCount('GET', '/faceauth'), 1);
  const rest = [];
  for await (const record of records) rest.push(record);
  assert.deepEqual(ids(rest), newestFirst(10));
  assert.equal(mock.requestCount('GET', '/faceauth'), 3);
});

test('breaking out of list stops fetching', async (t) => {
  const mock = await startMock(t);
  seed(mock, 11);
  mock.resetCounts();
  for await (const record of mock.client().faceAuth.list({ pageSize: 2 })) {
    if (record.authId === 'rec0009') break;
  }
  assert.equal(mock.requestCount('GET', '/faceauth'), 1);
});

test('listPage and nextKey', async (t) => {
  const mock = await startMock(t);
  seed(mock, 5);
  const client = mock.client();
  const first = await client.faceAuth.listPage({ count: 2 });
  assert.deepEqual(ids(first.records), ['rec0004', 'rec0003']);
  assert.equal(typeof first.nextKey, 'string');
  const second = await client.faceAuth.listPage({ count: 2, nextKey: first.nextKey });
  assert.deepEqual(ids(second.records), ['rec0002', 'rec0001']);
  const last = await client.faceAuth.listPage({ count: 2, nextKey: second.nextKey });
  assert.deepEqual(ids(last.records), ['rec0000']);
  assert.equal(last.nextKey, null);
});

for (const [kind, start, end] of [
  ['strings', '2024-03-02', '2024-03-02'],
  ['Dates', new Date(Date.UTC(2024, 2, 2)), new Date(Date.UTC(2024, 2, 2, 23, 59))],
]) {
  test(`list and listPage by dates given as ${kind}`, async (t) => {
    const mock = await startMock(t);
    seed(mock, 11);
    const client = mock.client();
    const page = await client.faceAuth.listPage({ startDate: start, endDate: end });
    assert.deepEqual(ids(page.records), ['rec0006', 'rec0005', 'rec0004']);
    const query = Object.fromEntries(lastRequest(mock).query);
    assert.equal(query.startDate, '2024-03-02');
    assert.equal(query.endDate, '2024-03-02');
    const all = [];
    for await (const record of client.faceAuth.list({ startDate: start, endDate: end })) all.push(record);
    assert.deepEqual(ids(all), ['rec0006', 'rec0005', 'rec0004']);
  });
}

for (const encoding of ['raw', 'json', 'data_uri']) {
  test(`image decodes the ${encoding} encoding to a Buffer`, async (t) => {
    const mock = await startMock(t);
    const client = mock.client();
    const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
    mock.setImageEncoding(encoding);
    const image = await client.faceAuth.image(result.authenticationId);
    assert.ok(Buffer.isBuffer(image));
    assert.deepEqual(image, jpeg(1));
  });
}

test('delete keeps the record, marked deleted, and drops its image', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  assert.equal(await client.faceAuth.delete(result.authenticationId), undefined);
  const record = await client.faceAuth.get(result.authenticationId);
  assert.equal(record.deleted, true);
  assert.equal(record.authStatus, 'approved');
  await assert.rejects(client.faceAuth.image(result.authenticationId), NotFoundError);
  await assert.rejects(client.faceAuth.delete('never-existed'), NotFoundError);
});

test('faceAuthUrl round-trips through decryptQuery', async (t) => {
  const mock = await startMock(t);
  const url = new URL(
    mock.client().faceAuthUrl({ projectId: mock.projectId, submissionId: SUBMISSION, userId: 'user-42', token: 'tok_abcdefgh' }),
  );
  assert.equal(`${url.origin}${url.pathname}`, 'https://form.argosidentity.com/face-auth');
  assert.equal(url.searchParams.get('pid'), mock.projectId);
  const params = decryptQuery(url.searchParams.get('encrypted'), mock.apiKey);
  assert.deepEqual(params, { sid: SUBMISSION, authUserId: 'user-42', token: 'tok_abcdefgh' });
  assert.deepEqual(Object.keys(params), ['sid', 'authUserId', 'token']);
});

test('results are plain objects that print readably', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  const page = await client.faceAuth.listPage();
  for (const value of [result, result.score, page, page.records[0], page.records[0].policy]) {
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  }
  assert.match(inspect(result), /authenticationId: '\w+'/);
  assert.match(inspect(page, { depth: 4 }), /faceSimilarityThreshold: 85/);
  assert.deepEqual(JSON.parse(JSON.stringify(page.records[0])).authId, result.authenticationId);
});

test('a closed client rejects further calls', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  client.close();
  await assert.rejects(client.faceAuth.get('x'), { name: 'APIConnectionError', message: /closed/ });
});

test('environment variables and the default base URL', async (t) => {
  const mock = await startMock(t);
  const saved = { key: process.env.ARGOS_API_KEY, url: process.env.ARGOS_BASE_URL };
  t.after(() => {
    for (const [name, value] of [['ARGOS_API_KEY', saved.key], ['ARGOS_BASE_URL', saved.url]]) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  delete process.env.ARGOS_API_KEY;
  delete process.env.ARGOS_BASE_URL;
  assert.throws(() => new Client(), { name: 'ConfigurationError', message: /ARGOS_API_KEY/ });
  assert.equal(new Client({ apiKey: 'k-1' }).baseUrl, 'https://rest-api.argosidentity.com/v3');
  process.env.ARGOS_API_KEY = mock.apiKey;
  process.env.ARGOS_BASE_URL = mock.baseUrl;
  const client = new Client({ caCert: Buffer.from(mock.caCertPem) });
  assert.equal(client.baseUrl, mock.baseUrl);
  assert.equal((await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) })).approved, true);
});
