// The examples run, so they cannot rot: every `js` snippet of README.md and the quickstart.
// Snippets are written for the real API (the client reads ARGOS_API_KEY / ARGOS_BASE_URL); here
// those point at a mock seeded with `sub0000000001` and `examples/selfie.jpg`, trusted through
// SSL_CERT_FILE.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { MockServer } from 'argos-addon/testing';

import { ROOT, runNode } from './support/fixtures.mjs';

const snippets = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^```js\n(.*?)^```/gms)].map((m) => m[1]);

test('the README has Node snippets', () => {
  assert.ok(snippets.length >= 2);
});

snippets.forEach((snippet, index) => {
  test(`README js snippet ${index}`, async (t) => {
    const mock = await MockServer.start();
    t.after(() => mock.stop());
    mock.addSubmission('sub0000000001', { selfie: join(ROOT, 'examples', 'selfie.jpg') });
    const ca = join(mkdtempSync(join(tmpdir(), 'argos-')), 'ca.pem');
    writeFileSync(ca, mock.caCertPem);
    const run = await runNode(snippet, {
      env: { ARGOS_API_KEY: mock.apiKey, ARGOS_BASE_URL: mock.baseUrl, SSL_CERT_FILE: ca },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});

test('examples/quickstart.mjs walks the API on its own mock', async (t) => {
  // Set, these would send the quickstart to the real API (billed calls) through a proxy: a child
  // never gets them (runNode scrubs its environment).
  const caller = { ARGOS_API_KEY: 'a-real-looking-key-0123456789', ARGOS_SUBMISSION_ID: 'real-submission', HTTPS_PROXY: 'http://127.0.0.1:9' };
  const saved = Object.fromEntries(Object.keys(caller).map((name) => [name, process.env[name]]));
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  Object.assign(process.env, caller);
  const run = await runNode(`import ${JSON.stringify(join(ROOT, 'examples', 'quickstart.mjs'))};`);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /submit same face {3}-> approved/);
  assert.match(run.stdout, /submit other face {2}-> rejected: face_compare_underscore/);
  assert.match(run.stdout, /wrong key {10}-> AuthenticationError/);
  assert.match(run.stdout, /decrypted {8}-> \{"sid":"sub0000000001","authUserId":"user-42","token":"tok_abcdefgh"\}/);
  assert.match(run.stdout, /webhook encrypted {2}-> v3 auth auth000000001 approved/);
});
