// Wrong values never escape as foreign exceptions (sdk.md, Transport safety).
//
// Every parameter of every public function and constructor gets random values of its accepted
// types, values the addon cannot take as they are (NaN, Infinity, -1 or 2**64 where napi would
// wrap an integer, BigInts, lone surrogates, over-long strings) and wrong types. Only an
// ArgosError (or, for a wrong type, a TypeError) may come out: never a RangeError, a napi error
// or an aborted process. Calls that pass validation go to an in-process mock, never the network.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';

import fc from 'fast-check';

import { ArgosError, Client, ConfigurationError, decryptQuery, encryptQuery, parseWebhook, ValidationError } from 'argos-addon';
import { MockServer } from 'argos-addon/testing';

import { jpeg, SUBMISSION } from './support/fixtures.mjs';

// The private addon, for its test hooks only (the package does not export it).
const { addon, call, rethrown } = createRequire(import.meta.url)('../../node/native.js');

const RUNS = { numRuns: 150 };

const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\0', '\ud800', 'a\udcff', 'é'.repeat(600), 'x'.repeat(1025), 'x'.repeat(5000), '2024-01-01'),
);
const numbers = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, 2000, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, -(2 ** 63), 1e-300, 1e308),
);
const wrong = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, new Date(Number.NaN), new ArrayBuffer(4), Symbol('s'), () => 1),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 8 }),
);
const dates = fc.oneof(fc.date(), texts);

let served;
let poked;
let client;

before(async () => {
  served = await MockServer.start();
  served.addSubmission(SUBMISSION, { selfie: jpeg(1) });
  client = served.client({ maxRetries: 0 });
  // Its own methods are fuzzed (faults, quotas, delays); no client talks to it.
  poked = await MockServer.start();
});
after(async () => {
  await served.stop();
  await poked.stop();
});

/** Runs `fn`: a result, an ArgosError or a TypeError are fine; anything else fails the test. */
async function allowed(fn) {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ArgosError || err instanceof TypeError) return;
    throw err;
  }
}

/** Valid values (`spec[name][1]`, undefined leaves it out) but for one, drawn from its arbitrary. */
function oneBad(spec) {
  const valid = Object.fromEntries(Object.entries(spec).map(([name, [, value]]) => [name, value]));
  return fc
    .constantFrom(...Object.keys(spec))
    .chain((name) => spec[name][0].map((value) => ({ ...valid, [name]: value })));
}

/** Checks `fn(args)` for every `args` from `arbitrary`. */
function check(arbitrary, fn, runs = RUNS) {
  return fc.assert(fc.asyncProperty(arbitrary, (args) => allowed(() => fn(args))), runs);
}

const any = (...more) => fc.oneof(texts, numbers, wrong, ...more);
/** `name: [any(), undefined]` for each of `names`: parameters that may be left out. */
const optional = (...names) => Object.fromEntries(names.map((name) => [name, [any(), undefined]]));

test('new Client() options', () =>
  check(
    oneBad({
      apiKey: [any(), 'fake-key-0001'],
      baseUrl: [any(fc.constant('https://example.test/v3')), undefined],
      timeout: [any(), 5000],
      connectTimeout: [any(), 5000],
      maxRetries: [any(), 0],
      caCert: [any(fc.uint8Array({ maxLength: 40 })), undefined],
      rateLimit: [any(), undefined],
      maxUploadBytes: [any(), 1024],
      maxResponseBytes: [any(), 1024],
      dailyQuota: [any(), undefined],
      budgetUrl: [any(fc.constant('redis://127.0.0.1:1')), undefined],
      budgetFailure: [any(fc.constantFrom('local', 'open', 'closed')), undefined],
    }),
    (options) => new Client(options),
    { numRuns: 80 },
  ));

const ids = [any(), 'no-such-auth-id'];
const OPERATIONS = {
  submit: [
    {
      submissionId: [any(), SUBMISSION],
      faceImage: [any(fc.uint8Array({ maxLength: 20 })), jpeg(1)],
      ...optional('userId', 'cf1', 'cf2', 'cf3'),
    },
    (p) => client.faceAuth.submit(p),
  ],
  get: [{ authId: ids }, (p) => client.faceAuth.get(p.authId)],
  image: [{ authId: ids }, (p) => client.faceAuth.image(p.authId)],
  delete: [{ authId: ids }, (p) => client.faceAuth.delete(p.authId)],
  listPage: [
    { startDate: [any(dates), undefined], endDate: [any(dates), undefined], count: [any(), undefined], nextKey: [any(), undefined] },
    (p) => client.faceAuth.listPage(p),
  ],
  list: [
    { startDate: [any(dates), undefined], endDate: [any(dates), undefined], pageSize: [any(), undefined] },
    async (p) => {
      for await (const record of client.faceAuth.list(p)) return record;
      return null;
    },
  ],
  faceAuthUrl: [
    {
      projectId: [any(), 'pid0000001'],
      submissionId: [any(), SUBMISSION],
      ...optional('userId', 'cf1', 'cf2', 'cf3', 'token'),
    },
    (p) => client.faceAuthUrl(p),
  ],
};

for (const [name, [spec, fn]] of Object.entries(OPERATIONS)) {
  test(`client operation ${name}`, async () => {
    await check(oneBad(spec), fn);
    // The whole argument of the wrong shape too.
    await check(fc.anything(), fn, { numRuns: 50 });
  });
}

test('encryptQuery, decryptQuery and parseWebhook', async () => {
  const params = fc.oneof(fc.dictionary(texts, fc.jsonValue({ maxDepth: 3 })), fc.anything({ withBigInt: true, withDate: true, withMap: true }));
  await check(oneBad({ params: [params, { sid: 's' }], apiKey: [any(), 'fake-key-0001'] }), (p) => encryptQuery(p.params, p.apiKey));
  await check(
    oneBad({ ciphertext: [any(), 'JOP0xTzaaCJRD3x++XOWYLKgEvCAXqH3g5IGXsxGUQo='], apiKey: [any(), 'TESTKEY000000000000000000000000000000000'] }),
    (p) => decryptQuery(p.ciphertext, p.apiKey),
  );
  await check(
    oneBad({ body: [any(fc.uint8Array({ maxLength: 60 }), fc.constant('{"data": "AAAA"}')), '{"auth_id": "a"}'], opts: [any(fc.record({ apiKey: any() })), undefined] }),
    (p) => parseWebhook(p.body, p.opts),
  );
});

test('MockServer.start() options', () =>
  check(
    oneBad({
      // Only ports that cannot be bound: a valid one would start a server there.
      port: [fc.oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), wrong), undefined],
      ...optional('apiKey', 'projectId', 'maxBodyBytes', 'rateLimit', 'dailyQuota', 'similarityThreshold', 'gatewayLimit'),
    }),
    async (options) => (await MockServer.start(options)).stop(),
    { numRuns: 60 },
  ));

const scope = { times: [any(), undefined], method: [any(), 'GET'], path: [any(), '/nowhere'] };
const MOCK_METHODS = {
  addSubmission: [
    { id: [any(), 'sub-1'], status: [any(), 'approved'], selfie: [any(), undefined] },
    (p) => poked.addSubmission(p.id, { status: p.status, selfie: p.selfie }),
  ],
  addRecord: [
    { authStatus: [any(), 'approved'], createTime: [any(fc.date()), undefined], submissionId: [any(), 'sub-1'], authId: [any(), undefined], image: [any(), undefined] },
    (p) => poked.addRecord(p),
  ],
  forceNextVerdict: [
    { status: [any(), undefined], score: [any(), undefined], failCodes: [any(fc.array(texts, { maxLength: 3 })), []] },
    (p) => poked.forceNextVerdict(p),
  ],
  failNext: [
    { status: [any(), 500], body: [any(), ''], headers: [any(fc.dictionary(texts, texts, { maxKeys: 2 })), {}], ...scope },
    ({ status, body, ...rest }) => poked.failNext(status, body, rest),
  ],
  badGatewayNext: [scope, (p) => poked.badGatewayNext(p)],
  delayNext: [{ ms: [any(), 1000], ...scope }, ({ ms, ...rest }) => poked.delayNext(ms, rest)],
  dropNext: [scope, (p) => poked.dropNext(p)],
  setDeny: [{ deny: [any(fc.boolean()), false] }, (p) => poked.setDeny(p.deny)],
  setDailyQuota: [{ quota: [any(), null] }, (p) => poked.setDailyQuota(p.quota)],
  setRateLimit: [{ rate: [any(), null] }, (p) => poked.setRateLimit(p.rate)],
  setGatewayLimit: [{ perSecond: [any(), null] }, (p) => poked.setGatewayLimit(p.perSecond)],
  setListShape: [{ shape: [any(fc.constantFrom('wrapper', 'bare')), 'wrapper'] }, (p) => poked.setListShape(p.shape)],
  setImageEncoding: [{ encoding: [any(fc.constantFrom('raw', 'json')), 'raw'] }, (p) => poked.setImageEncoding(p.encoding)],
  requestCount: [{ method: [any(), 'GET'], path: [any(), '/faceauth'] }, (p) => poked.requestCount(p.method, p.path)],
};

for (const [name, [spec, fn]] of Object.entries(MOCK_METHODS)) {
  test(`MockServer ${name}`, () => check(oneBad(spec), fn));
}

// --- the defects that were, by example ----------------------------------------------------

test('values the addon cannot take as they are are ArgosErrors', async () => {
  served.resetCounts();
  const fa = client.faceAuth;
  const deep = [];
  let inner = deep;
  for (let i = 0; i < 200; i += 1) inner = inner[0] = [];
  const cycle = {};
  cycle.self = cycle;
  const invalid = [
    () => encryptQuery({ a: Number.NaN }, 'k'),
    () => encryptQuery({ a: Infinity }, 'k'),
    () => encryptQuery({ a: '\ud800' }, 'k'),
    () => encryptQuery({ '\udc00': 1 }, 'k'),
    () => encryptQuery({ a: 10n }, 'k'),
    () => encryptQuery({ a: deep }, 'k'),
    () => encryptQuery(cycle, 'k'),
    () => fa.get('\ud800'),
    () => fa.get('x'.repeat(10 * 1024 * 1024)),
    () => fa.listPage({ count: 2 ** 64 }),
    () => fa.submit({ submissionId: SUBMISSION, faceImage: jpeg(1), cf1: 'x'.repeat(1025) }),
    () => decryptQuery('\ud800', 'k'),
    () => parseWebhook('\ud800'),
    () => served.delayNext(-1),
    () => served.failNext(70_000),
    () => served.dropNext({ times: 2 ** 32 }),
  ];
  for (const fn of invalid) {
    await assert.rejects(async () => fn(), ValidationError, String(fn));
  }
  for (const options of [{ maxRetries: 2 ** 64 }, { maxResponseBytes: Number.NaN }, { apiKey: '\ud800' }, { timeout: Infinity }]) {
    assert.throws(() => new Client({ apiKey: 'fake-key-0001', ...options }), ConfigurationError, JSON.stringify(options));
  }
  assert.equal(served.requestCount(), 0);
});

test('a Rust panic is an ArgosError, not an aborted process', async () => {
  // The hooks panic inside the guard every synchronous entry point uses, and inside a task on
  // the runtime settled through a client's bridge; unguarded, the first would abort Node.
  assert.throws(() => call(() => addon._panicForTests('boom')), {
    name: 'ArgosError',
    message: 'internal error in argos-addon (_panicForTests): boom; please report it',
  });
  const native = new addon.NativeClient({ apiKey: 'fake-key-0001' }, 'test');
  await assert.rejects(
    native._panicForTests('boom').catch((err) => {
      throw rethrown(err, native._panicForTests);
    }),
    { name: 'ArgosError', message: /\(_panicForTests\): boom; please report it$/ },
  );
});
