// The shared vectors of tests/conformance, through the Node API. They name fields in snake_case;
// the Node names are the same in camelCase.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as argos from 'argos-addon';

import { startMock, vectors } from './support/fixtures.mjs';

const ERRORS = vectors('errors.json').cases;
const CRYPTO = vectors('crypto.json');
const WEBHOOKS = vectors('webhooks.json');

const camel = (name) => name.replace(/_(\w)/g, (_, letter) => letter.toUpperCase());

test('errors: every answer maps to its class and fields', async (t) => {
  const mock = await startMock(t);
  const client = mock.client({ maxRetries: 0 });
  for (const { name, status, headers, body, expect } of ERRORS) {
    mock.failNext(status, body, { headers, method: 'GET', path: '/faceauth' });
    const err = await client.faceAuth.get('some-auth-id').then(
      () => assert.fail(`${name}: no error`),
      (caught) => caught,
    );
    assert.ok(err instanceof argos.APIStatusError, name);
    assert.ok(err instanceof argos[expect.error], name);
    assert.equal(err.name, expect.error, name);
    for (const field of ['status', 'code', 'message', 'trace_id', 'request_id', 'retry_after']) {
      assert.equal(err[camel(field)], expect[field], `${name}: ${field}`);
    }
    if ('body_length' in expect) assert.equal(Buffer.byteLength(err.body), expect.body_length, name);
    else assert.equal(err.body, body, name);
    assert.doesNotMatch(err.message, /<html/i, name);
  }
});

/** `call` throws exactly the class the vector names. */
function throwsClassOf(vector, call) {
  assert.throws(call, (err) => {
    assert.ok(err instanceof argos.ArgosError, vector.name);
    assert.equal(err.constructor.name, vector.error, vector.name);
    return true;
  });
}

test('encryptQuery and decryptQuery: the vectors, keys in order', () => {
  for (const { name, params, ciphertext, plaintext } of CRYPTO.encrypt) {
    assert.equal(argos.encryptQuery(params, CRYPTO.api_key), ciphertext, name);
    // What was encrypted: the params as compact JSON, keys in order (the Rust suite checks the
    // ciphertext is the vector's encryption of `plaintext`, byte for byte).
    assert.equal(JSON.stringify(params), plaintext, name);
    const decrypted = argos.decryptQuery(ciphertext, CRYPTO.api_key);
    assert.deepEqual(decrypted, params, name);
    assert.deepEqual(Object.keys(decrypted), Object.keys(params), name);
  }
  for (const { name, ciphertext, params, plaintext } of CRYPTO.decrypt) {
    assert.deepEqual(argos.decryptQuery(ciphertext, CRYPTO.api_key), params, name);
    // The params are those the plaintext holds, in either form the query may take.
    const held = plaintext.startsWith('{') ? JSON.parse(plaintext) : Object.fromEntries(new URLSearchParams(plaintext));
    assert.deepEqual(held, params, name);
  }
});

test('decryptQuery: a wrong key or corrupt input throws the class of the vector', () => {
  for (const vector of CRYPTO.decrypt_errors) {
    throwsClassOf(vector, () => argos.decryptQuery(vector.ciphertext, vector.api_key));
  }
});

function faceAuthUrl(vector) {
  const client = new argos.Client({ apiKey: CRYPTO.api_key });
  const params = Object.fromEntries(
    ['project_id', 'submission_id', 'user_id', 'cf1', 'cf2', 'cf3', 'token']
      .filter((field) => field in vector)
      .map((field) => [camel(field), vector[field]]),
  );
  return client.faceAuthUrl(params);
}

test('faceAuthUrl: the vectors', () => {
  for (const vector of CRYPTO.face_auth_url) assert.equal(faceAuthUrl(vector), vector.url, vector.name);
  for (const vector of CRYPTO.face_auth_url_invalid) {
    assert.throws(() => faceAuthUrl(vector), argos[vector.error], vector.name);
  }
});

test('parseWebhook: every version, from a string and from a Buffer', () => {
  for (const { name, body, api_key: apiKey, expect } of WEBHOOKS.cases) {
    for (const given of [body, Buffer.from(body), new Uint8Array(Buffer.from(body))]) {
      const hook = argos.parseWebhook(given, { apiKey });
      for (const [field, want] of Object.entries(expect)) {
        const got = hook[camel(field)];
        if (field === 'create_time') assert.equal(got?.toISOString() ?? null, want, `${name}: ${field}`);
        else if (field === 'reference' && want !== null) {
          assert.deepEqual(got, Object.fromEntries(Object.entries(want).map(([k, v]) => [camel(k), v])), name);
        } else assert.deepEqual(got, want, `${name}: ${field}`);
      }
      assert.equal(typeof hook.raw, 'object', name);
    }
  }
  for (const vector of WEBHOOKS.errors) {
    throwsClassOf(vector, () => argos.parseWebhook(vector.body, { apiKey: vector.api_key }));
  }
});
