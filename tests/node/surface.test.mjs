// The built package against the core's declared surface (tests/conformance/surface.json, written
// by `make surface`): each result object has exactly the declared keys, in the declared order, and
// `new Client()` knows exactly the declared options. The error tree is checked in errors.test.mjs.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Client, parseWebhook } from 'argos-addon';

import { jpeg, startMock, SUBMISSION, vectors } from './support/fixtures.mjs';

const SURFACE = vectors('surface.json');
const KEYS = Object.fromEntries(SURFACE.models.map((m) => [m.name, m.node]));

test('every result object has the declared keys in order', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  const record = await client.faceAuth.get(result.authenticationId);
  const page = await client.faceAuth.listPage({ count: 1 });
  const webhook = parseWebhook(vectors('webhooks.json').cases[0].body);
  const status = await client.budgetStatus();
  const seen = {
    BudgetStatus: status,
    FaceAuthResult: result,
    Score: result.score,
    FaceAuthRecord: record,
    Policy: record.policy,
    FaceAuthPage: page,
    FaceAuthWebhook: webhook,
    WebhookReference: webhook.reference,
  };
  assert.deepEqual(Object.keys(seen).sort(), Object.keys(KEYS).sort(), 'a case for every model');
  for (const [name, object] of Object.entries(seen)) {
    assert.ok(object, `${name} was returned`);
    assert.deepEqual(Object.keys(object), KEYS[name], name);
  }
});

test('new Client() names exactly the declared options when given an unknown one', () => {
  assert.throws(
    () => new Client({ apiKey: 'k', noSuchOption: 1 }),
    (err) => {
      const known = err.message.split('known: ')[1];
      assert.deepEqual(known.split(', '), SURFACE.client_options.map((o) => o.node));
      return err.name === 'ConfigurationError';
    },
  );
});
