// Checked by `tsc --strict` (types.test.mjs), never run: the ESM typings accept what the
// package accepts, refuse what it refuses, and describe what it returns.

import {
  APIConnectionError,
  APIUserAbortError,
  APIStatusError,
  APITimeoutError,
  ArgosError,
  BadRequestError,
  BudgetUnavailableError,
  Client,
  ConfigurationError,
  decryptQuery,
  encryptQuery,
  NotFoundError,
  parseWebhook,
  QuotaExceededError,
  RateLimitError,
  VERSION,
  type BudgetStatus,
  type CallOptions,
  type ClientOptions,
  type FaceAuthPage,
  type FaceAuthRecord,
  type FaceAuthResult,
  type FaceAuthWebhook,
  type Policy,
  type RequestOptions,
  type ResponseInfo,
  type Score,
  type WithResponse,
} from 'argos-addon';
import { MockServer, type RecordedRequest, type RequestLog, type SecondCount } from 'argos-addon/testing';
import {
  argosWebhook,
  DEFAULT_MAX_BYTES,
  fastifyArgosWebhook,
  readWebhook,
  SeenWebhooks,
  type FastifyWebhookOptions,
  type WebhookMiddleware,
  type WebhookOptions,
} from 'argos-addon/webhooks';
import express from 'express';
import Fastify from 'fastify';

const version: string = VERSION;

const options: ClientOptions = {
  apiKey: 'k',
  baseUrl: 'https://example.test/v3',
  timeout: 30_000,
  connectTimeout: 5_000,
  maxRetries: 0,
  caCert: Buffer.from('pem'),
  rateLimit: null,
  maxUploadBytes: 1024,
  maxResponseBytes: 1024 * 1024,
};
const client = new Client(options);
new Client();
new Client({ caCert: 'PEM text', rateLimit: 10 });
// @ts-expect-error timeouts are milliseconds, as numbers
new Client({ timeout: '30s' });
// @ts-expect-error an unknown option
new Client({ apiKEY: 'k' });

const baseUrl: string = client.baseUrl;
const result: FaceAuthResult = await client.faceAuth.submit({ submissionId: 's', faceImage: 'selfie.jpg', userId: 'u' });
await client.faceAuth.submit({ submissionId: 's', faceImage: Buffer.alloc(4) });
await client.faceAuth.submit({ submissionId: 's', faceImage: new Uint8Array(4), cf1: 'a', cf2: 'b', cf3: 'c' });
// @ts-expect-error faceImage is required
await client.faceAuth.submit({ submissionId: 's' });
// @ts-expect-error positional arguments are the Python way
await client.faceAuth.submit('s', 'selfie.jpg');
// @ts-expect-error not an image source
await client.faceAuth.submit({ submissionId: 's', faceImage: 42 });

const id: string = result.authenticationId;
const approved: boolean = result.approved;
const status: 'approved' | 'rejected' | string = result.authStatus;
const score: Score = result.score;
const similarity: number | null = score.faceSimilarityScore;
const created: Date | null = result.createTime;
const codes: string[] = [...result.failCodes, ...result.rejectedComments];
const raw: Record<string, unknown> = result.raw;

const record: FaceAuthRecord = await client.faceAuth.get(id);
const cancellable: RequestOptions = { signal: AbortSignal.timeout(1_000) };
await client.faceAuth.get(id, cancellable);
await client.faceAuth.withResponse.delete(id, { signal: new AbortController().signal });
for await (const listed of client.faceAuth.list({ pageSize: 5 }, cancellable)) listed.authId;
// @ts-expect-error a signal, not a timeout
await client.faceAuth.get(id, { timeout: 5 });
const aborted: ArgosError = new APIUserAbortError('gave up');
const policy: Policy | null = record.policy;
const occluded: boolean | null | undefined = policy?.occludedThreshold;
const deleted: boolean = record.deleted;
const submission: string | null = record.kycSubmissionId;

const page: FaceAuthPage = await client.faceAuth.listPage({ startDate: new Date(), endDate: '2030-01-01', count: 10 });
const next: string | null = page.nextKey;
if (next !== null) await client.faceAuth.listPage({ nextKey: next });
await client.faceAuth.listPage();
// @ts-expect-error count is a number
await client.faceAuth.listPage({ count: '10' });

for await (const each of client.faceAuth.list({ pageSize: 100 })) {
  const authId: string = each.authId;
}
for await (const each of client.faceAuth.list()) {
  const when: Date | null = each.createTime;
}
const image: Buffer = await client.faceAuth.image(id);
const nothing: void = await client.faceAuth.delete(id);

const url: string = client.faceAuthUrl({ projectId: 'p', submissionId: 's', token: 'tok_abcdefgh' });
// @ts-expect-error projectId is required
client.faceAuthUrl({ submissionId: 's' });
client.close();

const ciphertext: string = encryptQuery({ sid: 's', nested: { a: [1, null] } }, 'key');
const params: Record<string, unknown> = decryptQuery(ciphertext, 'key');
const hook: FaceAuthWebhook = parseWebhook('{}', { apiKey: 'key' });
parseWebhook(Buffer.from('{}'));
const hookVersion: 1 | 2 | 3 = hook.version;
const email: string | null | undefined = hook.reference?.email;
// @ts-expect-error the raw body, not a parsed object
parseWebhook({ webhook_trigger: 'faceAuth' });

try {
  await client.faceAuth.get(id);
} catch (err) {
  if (err instanceof NotFoundError) {
    const code: string | null = err.code;
    const httpStatus: number = err.status;
    const body: string = err.body;
    const asBase: BadRequestError = err;
  } else if (err instanceof QuotaExceededError) {
    const limited: RateLimitError = err;
    const retryAfter: number | null = limited.retryAfter;
  } else if (err instanceof APITimeoutError) {
    const connection: APIConnectionError = err;
    const cause: Error | undefined = connection.cause;
  } else if (err instanceof APIStatusError || err instanceof ConfigurationError) {
    const base: ArgosError = err;
    const fields: [string, string | null, string | null] = [base.name, base.requestId, base.traceId];
  }
}
// The fleet budget: its options, budgetStatus() and BudgetUnavailableError.
const budgetOptions: ClientOptions = {
  apiKey: 'k',
  budgetUrl: 'redis://127.0.0.1:6379,redis://127.0.0.1:6380',
  dailyQuota: 200_000,
  budgetFailure: 'closed',
};
new Client(budgetOptions);
new Client({ dailyQuota: null, budgetFailure: 'local' });
new Client({ budgetFailure: 'open', rateLimit: 100 });
// @ts-expect-error only 'local', 'open' or 'closed'
new Client({ budgetFailure: 'sometimes' });
// @ts-expect-error the quota is a number
new Client({ dailyQuota: '200000' });
// @ts-expect-error one URL string (a cluster's nodes comma-separated), not a list
new Client({ budgetUrl: ['redis://a:1', 'redis://b:2'] });
// @ts-expect-error budgetFailure is spelt in camelCase in Node
new Client({ budget_failure: 'closed' });
const failureMode: 'local' | 'open' | 'closed' | undefined = budgetOptions.budgetFailure;

const budgetPromise: Promise<BudgetStatus> = client.budgetStatus();
const budget: BudgetStatus = await budgetPromise;
const fleetRate: number | null = budget.rateLimit;
const dailyCap: number | null = budget.dailyQuota;
const usedToday: number = budget.usedToday;
const remainingToday: number | null = budget.remainingToday;
const resetsAt: Date = budget.resetsAt;
const resetsAtMs: number = budget.resetsAt.getTime();
const storeKind: string = budget.store;
const healthy: boolean = budget.healthy;
// @ts-expect-error usedToday is always a number
const usedOrNull: null = budget.usedToday;
// @ts-expect-error remainingToday may be null (no dailyQuota)
const remainingNumber: number = budget.remainingToday;
// @ts-expect-error resetsAt is a Date, not an ISO string
const resetsAtText: string = budget.resetsAt;
// @ts-expect-error budgetStatus takes no arguments
client.budgetStatus('today');

try {
  await client.faceAuth.listPage();
} catch (err) {
  if (err instanceof BudgetUnavailableError) {
    const argos: ArgosError = err;
    const budgetCode: string | null = err.code;
    const noStatus: number | null = err.status;
  } else if (err instanceof QuotaExceededError) {
    // local_quota: no status, nothing sent.
    const localStatus: number | null = err.status;
    const localBody: string | null = err.body;
  }
}
const unavailable = new BudgetUnavailableError('store down', { code: 'budget_unavailable' });
const unavailableBase: ArgosError = unavailable;

const made = new RateLimitError('slow down', { status: 429, retryAfter: 2 });
const isArgos: ArgosError = made;

const mock: MockServer = await MockServer.start({ rateLimit: null, dailyQuota: 10, port: 0, gatewayLimit: 100 });
const mockClient: Client = mock.client({ maxRetries: 0 });
mock.addSubmission('s', { selfie: 'selfie.jpg' });
mock.addSubmission('s2', { status: 'rejected', selfie: Buffer.alloc(4) });
const seeded: string = mock.addRecord({ createTime: new Date(), authStatus: 'rejected' });
mock.forceNextVerdict({ failCodes: ['Face_Occluded_fail'], score: 12 });
mock.failNext(429, '{"message":"Too Many Requests"}', { headers: { 'Retry-After': '1' }, times: 2, method: 'GET', path: '/faceauth' });
mock.badGatewayNext({ method: 'POST' });
mock.delayNext(1500);
mock.dropNext();
mock.clearFaults();
mock.setDeny();
mock.setDailyQuota(null);
mock.setRateLimit(100);
mock.setGatewayLimit(null);
// @ts-expect-error a number or null
mock.setGatewayLimit();
const perSecond: SecondCount[] = mock.perSecondCounts();
const firstWindow: { second: number; requests: number; throttled: number } | undefined = perSecond[0];
mock.setListShape('bare');
mock.setImageEncoding('data_uri');
// @ts-expect-error not a list shape
mock.setListShape('flat');
const total: number = mock.requestCount();
const gets: number = mock.requestCount('GET', '/faceauth');
// @ts-expect-error both or neither
mock.requestCount('GET');
const requests: RecordedRequest[] = mock.requests();
const log: RequestLog = mock.requests();
const dropped: number = log.dropped + mock.droppedRequests();
await MockServer.start({ requestLogLimit: 5 });
const firstHeader: [string, string] | undefined = requests[0]?.headers[0];
const fields: [string, string, string, number] = [mock.baseUrl, mock.caCertPem, mock.apiKey, mock.port];
mock.resetCounts();
await mock.stop();
// @ts-expect-error use MockServer.start()
new MockServer();

// Per-call options, default headers and the response of every answer.
new Client({ defaultHeaders: { 'x-team': 'kyc' } });
new Client({ defaultHeaders: null });
// @ts-expect-error header values are strings
new Client({ defaultHeaders: { 'x-retries': 3 } });
const callOptions: CallOptions = { timeout: 5_000, maxRetries: 0, extraHeaders: { 'x-request-tag': 'a' } };
const copy: Client = client.withOptions(callOptions);
copy.withOptions({ timeout: 100 }).close();
// @ts-expect-error milliseconds, as a number
client.withOptions({ timeout: '5s' });
// @ts-expect-error only the per-call options
client.withOptions({ apiKey: 'k' });
// @ts-expect-error camelCase in Node
client.withOptions({ max_retries: 1 });

const info: ResponseInfo = result.response;
const infoFields: [number, string | null, number, number] = [info.status, info.requestId, info.attempts, info.elapsedMs];
const contentType: string | undefined = info.headers['content-type'];
const recordInfo: ResponseInfo = record.response;
const pageInfo: ResponseInfo = page.response;
// @ts-expect-error Node says status, not status_code
info.status_code;

const withImage: WithResponse<Buffer> = await copy.faceAuth.withResponse.image(id);
const imageBytes: Buffer = withImage.value;
const imageInfo: ResponseInfo = withImage.response;
const { value: gone, response: deleteInfo }: { value: undefined; response: ResponseInfo } =
  await client.faceAuth.withResponse.delete(id);
// @ts-expect-error only image and delete: the other results carry their response
client.faceAuth.withResponse.get(id);

// argos-addon/webhooks: the raw body, Express middleware and the Fastify plugin.
const webhookOptions: WebhookOptions = { apiKey: 'k', maxBytes: DEFAULT_MAX_BYTES };
const readHook: FaceAuthWebhook = readWebhook(Buffer.from('{}'), webhookOptions);
readWebhook('{}');
readWebhook(new Uint8Array(2), { maxBytes: 1024 });
// Whatever the framework gave: a parsed object is refused at run time, saying what to change.
const frameworkBody: unknown = Buffer.from('{}');
readWebhook(frameworkBody, { apiKey: 'k' });
// @ts-expect-error maxBytes is a number of bytes
readWebhook('{}', { maxBytes: '1mb' });
const middleware: WebhookMiddleware = argosWebhook({ apiKey: 'k' });
const app = express();
app.post('/argos/webhook', argosWebhook({ apiKey: 'k', maxBytes: 64 * 1024 }), (req, res) => {
  const expressHook: FaceAuthWebhook | undefined = req.argosWebhook;
  res.sendStatus(expressHook ? 200 : 500);
});
app.post('/raw', express.raw({ type: '*/*' }), middleware);
// @ts-expect-error an unknown option
argosWebhook({ key: 'k' });
const fastify = Fastify();
await fastify.register(fastifyArgosWebhook, {
  url: '/argos/webhook',
  apiKey: 'k',
  handler: async (request, reply) => {
    const fastifyHook: FaceAuthWebhook = request.argosWebhook;
    return { ok: fastifyHook.authId };
  },
});
const pluginOptions: FastifyWebhookOptions = { url: '/hook', method: 'PUT', maxBytes: 1024, handler: () => undefined };
await fastify.register(fastifyArgosWebhook, { ...pluginOptions, prefix: '/argos' });
// @ts-expect-error url and handler are required
await fastify.register(fastifyArgosWebhook, { apiKey: 'k' });
const seenHooks = new SeenWebhooks({ redisUrl: 'redis://127.0.0.1:6379', ttlMs: 60_000, maxEntries: 10 });
const firstTime: boolean = await new SeenWebhooks().firstDelivery(readHook);
const seenTtl: number = seenHooks.ttlMs;
// @ts-expect-error ttlMs is a number of milliseconds
new SeenWebhooks({ ttlMs: '1d' });
