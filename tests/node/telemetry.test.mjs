// OpenTelemetry through the application's @opentelemetry/api: a CLIENT span per operation (and
// per page of list()), the W3C trace context on every attempt, and the request duration
// histogram. Providers are global, so this file (a process of its own under node --test) sets
// them once, here; operability.test.mjs covers the package without them.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  context,
  createTraceState,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { APIConnectionError, AuthenticationError, Client, InternalServerError, NotFoundError, VERSION } from 'argos-addon';

import { jpeg, startMock, SUBMISSION } from './support/fixtures.mjs';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
trace.setGlobalTracerProvider(tracerProvider);
// So that the caller's active span follows its awaits.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const measurements = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
// Exported on demand only (forceFlush).
const reader = new PeriodicExportingMetricReader({ exporter: measurements, exportIntervalMillis: 3_600_000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** The finished spans of calls to `mock` (each test has its own, on its own port), oldest first. */
const spansOf = (mock) => spans.getFinishedSpans().filter((span) => span.attributes['server.port'] === mock.port);

/** The trace context each request `mock` received carried. */
const sentContexts = (mock) =>
  mock.requests().map(({ headers }) => {
    const named = Object.fromEntries(headers);
    return { traceparent: named.traceparent, tracestate: named.tracestate };
  });

const traceparentOf = (span) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

/** The histogram's data points for calls to `port`. */
async function durations(port) {
  await reader.forceFlush();
  const latest = measurements.getMetrics().at(-1);
  const metric = latest.scopeMetrics
    .filter((scope) => scope.scope.name === 'argos-addon')
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === 'http.client.request.duration');
  assert.equal(metric.descriptor.unit, 's');
  return metric.dataPoints.filter((point) => point.attributes['server.port'] === port);
}

test('every operation records one CLIENT span with the HTTP client attributes', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: jpeg(1) });
  const id = result.authenticationId;
  const record = await client.faceAuth.get(id);
  const page = await client.faceAuth.listPage({ count: 10 });
  const image = await client.faceAuth.withResponse.image(id);
  await client.faceAuth.image(id);
  const deleted = await client.withOptions({ maxRetries: 1 }).faceAuth.withResponse.delete(id);
  await client.faceAuth.delete(id);

  const expected = [
    ['submit', 'POST', '/v3/faceauth', result.response],
    ['get', 'GET', '/v3/faceauth', record.response],
    ['list_page', 'GET', '/v3/faceauth', page.response],
    ['image', 'GET', '/v3/faceauth/image', image.response],
    ['image', 'GET', '/v3/faceauth/image', null],
    ['delete', 'DELETE', '/v3/faceauth', deleted.response],
    ['delete', 'DELETE', '/v3/faceauth', null],
  ];
  const finished = spansOf(mock);
  assert.equal(finished.length, expected.length);
  const sent = sentContexts(mock);
  for (const [i, [operation, method, template, response]] of expected.entries()) {
    const span = finished[i];
    assert.equal(span.name, `argos.face_auth.${operation}`);
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.deepEqual([span.instrumentationScope.name, span.instrumentationScope.version], ['argos-addon', VERSION]);
    assert.deepEqual(span.events, []);
    const requestId = span.attributes['argos.request_id'];
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    if (response !== null) assert.equal(requestId, response.requestId);
    assert.deepEqual(span.attributes, {
      'http.request.method': method,
      'url.template': template,
      'server.address': '127.0.0.1',
      'server.port': mock.port,
      'http.response.status_code': 200,
      'argos.request_id': requestId,
    });
    assert.deepEqual(sent[i], { traceparent: traceparentOf(span), tracestate: undefined }, operation);
  }
});

test('each page of list() is one list_page span with its own trace context', async (t) => {
  const mock = await startMock(t);
  for (let i = 0; i < 3; i++) mock.addRecord();
  const records = [];
  for await (const record of mock.client().faceAuth.list({ pageSize: 2 })) records.push(record);
  assert.equal(records.length, 3);
  const finished = spansOf(mock);
  assert.equal(finished.length, mock.requestCount('GET', '/faceauth'));
  assert.ok(finished.length >= 2);
  for (const span of finished) assert.equal(span.name, 'argos.face_auth.list_page');
  assert.equal(new Set(finished.map((span) => span.spanContext().spanId)).size, finished.length);
  assert.deepEqual(
    sentContexts(mock).map((c) => c.traceparent),
    finished.map(traceparentOf),
  );
});

test('a retried GET: resend count 1, the same trace context on both attempts', async (t) => {
  const mock = await startMock(t);
  const authId = mock.addRecord();
  mock.failNext(503, 'busy', { method: 'GET', path: '/faceauth' });
  const record = await mock.client().faceAuth.get(authId);
  const [span] = spansOf(mock);
  assert.equal(record.response.attempts, 2);
  assert.equal(span.attributes['http.request.resend_count'], 1);
  assert.equal(span.attributes['http.response.status_code'], 200);
  const sent = sentContexts(mock).map((c) => c.traceparent);
  assert.deepEqual(sent, [traceparentOf(span), traceparentOf(span)]);
});

test('a call that failed after retries: its resend count beside error.type', async (t) => {
  const mock = await startMock(t);
  mock.failNext(500, '{}', { method: 'GET', path: '/faceauth', times: 3 });
  await assert.rejects(mock.client({ maxRetries: 2 }).faceAuth.get('auth-1'), InternalServerError);
  const [span] = spansOf(mock);
  assert.equal(span.attributes['http.request.resend_count'], 2);
  assert.equal(span.attributes['error.type'], 'InternalServerError');
  assert.equal(mock.requestCount('GET', '/faceauth'), 3);
});

test('a failed call: error.type and an ERROR status named by the class, no exception event', async (t) => {
  const mock = await startMock(t);
  const wrongKey = mock.client({ apiKey: 'wrong-key-0123456789' });
  const denied = await wrongKey.faceAuth.get('auth-1').then(assert.fail, (err) => err);
  assert.ok(denied instanceof AuthenticationError);
  const missing = await mock.client().faceAuth.get('no-such-auth').then(assert.fail, (err) => err);
  assert.ok(missing instanceof NotFoundError);
  for (const [span, err] of spansOf(mock).map((s, i) => [s, [denied, missing][i]])) {
    assert.equal(span.attributes['error.type'], err.name);
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: err.name });
    assert.equal(span.attributes['http.response.status_code'], err.status);
    assert.equal(span.attributes['argos.request_id'], err.requestId ?? undefined);
    assert.deepEqual(span.events, []);
  }
  assert.equal(spansOf(mock).length, 2);

  // No answer at all: no status code.
  const unreachable = new Client({ apiKey: 'fake-key-0001', baseUrl: 'https://127.0.0.1:1/v3', maxRetries: 0 });
  await assert.rejects(unreachable.faceAuth.listPage(), APIConnectionError);
  const [refused] = spans.getFinishedSpans().filter((span) => span.attributes['server.port'] === 1);
  assert.equal(refused.attributes['error.type'], 'APIConnectionError');
  assert.equal(refused.attributes['http.response.status_code'], undefined);
  assert.equal(refused.status.code, SpanStatusCode.ERROR);
});

test('no id, custom field, key or message is put on a span or a measurement', async (t) => {
  const secrets = ['sub-secret-0001', 'user-secret-0002', 'cf1-secret', 'cf2-secret', 'cf3-secret'];
  secrets.push('apikey-secret-0003');
  const mock = await startMock(t, { apiKey: secrets[5] });
  mock.addSubmission(secrets[0], { selfie: jpeg(1) });
  const client = mock.client();
  const result = await client.faceAuth.submit({
    submissionId: secrets[0],
    faceImage: jpeg(1),
    userId: secrets[1],
    cf1: secrets[2],
    cf2: secrets[3],
    cf3: secrets[4],
  });
  const authId = result.authenticationId;
  secrets.push(authId);
  await client.faceAuth.get(authId);
  await client.faceAuth.image(authId);
  await client.faceAuth.delete(authId);
  for await (const record of client.faceAuth.list()) assert.ok(record.authId);
  // A failure whose message names the id.
  const failure = await client.faceAuth.get('auth-secret-0004').then(assert.fail, (err) => err);
  assert.match(failure.message, /auth-secret-0004/);
  secrets.push('auth-secret-0004', failure.message);

  const recorded = spansOf(mock);
  assert.equal(recorded.length, 6);
  const texts = recorded.flatMap((span) => [
    span.name,
    span.status.message ?? '',
    ...Object.values(span.attributes).map(String),
    ...span.events.map((event) => JSON.stringify(event)),
  ]);
  for (const point of await durations(mock.port)) texts.push(...Object.values(point.attributes).map(String));
  for (const text of texts) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${JSON.stringify(text)} holds ${secret}`);
  }
});

test("the caller's span is the parent, and its trace state is sent", async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const authId = mock.addRecord();
  const tracer = trace.getTracer('test');
  const parent = await tracer.startActiveSpan('checkout', async (span) => {
    // Concurrent calls: one span and one trace context each.
    await Promise.all([client.faceAuth.get(authId), client.faceAuth.listPage(), client.faceAuth.get(authId)]);
    span.end();
    return span;
  });
  const children = spansOf(mock);
  assert.equal(children.length, 3);
  for (const child of children) {
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(child.parentSpanContext.spanId, parent.spanContext().spanId);
  }
  assert.deepEqual(
    sentContexts(mock).map((c) => c.traceparent).sort(),
    children.map(traceparentOf).sort(),
  );

  // A remote parent (as an incoming request's) with a vendor's trace state.
  mock.resetCounts();
  const remote = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=opaque-1'),
  };
  await context.with(trace.setSpanContext(context.active(), remote), () => client.faceAuth.get(authId));
  const child = spansOf(mock).at(-1);
  assert.equal(child.parentSpanContext.spanId, remote.spanId);
  assert.deepEqual(sentContexts(mock), [
    { traceparent: `00-${remote.traceId}-${child.spanContext().spanId}-01`, tracestate: 'vendor=opaque-1' },
  ]);
});

test('http.client.request.duration: one measurement per call, in seconds', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  const authId = mock.addRecord();
  await client.faceAuth.get(authId);
  await client.faceAuth.get(authId);
  await client.faceAuth.image(authId).then(assert.fail, (err) => assert.ok(err instanceof NotFoundError));
  const points = await durations(mock.port);
  const base = { 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': mock.port };
  const ok = points.find((p) => p.attributes['url.template'] === '/v3/faceauth');
  assert.deepEqual(ok.attributes, { ...base, 'url.template': '/v3/faceauth', 'http.response.status_code': 200 });
  assert.equal(ok.value.count, 2);
  assert.ok(ok.value.sum > 0 && ok.value.sum < 20, `${ok.value.sum} s`);
  const failed = points.find((p) => p.attributes['url.template'] === '/v3/faceauth/image');
  assert.deepEqual(failed.attributes, {
    ...base,
    'url.template': '/v3/faceauth/image',
    'http.response.status_code': 400,
    'error.type': 'NotFoundError',
  });
  assert.equal(failed.value.count, 1);
});

test('a provider removed and set again is followed from the next call', async (t) => {
  const mock = await startMock(t);
  const client = mock.client();
  trace.disable();
  await client.faceAuth.listPage();
  assert.equal(spansOf(mock).length, 0, 'no tracer provider: no span');
  assert.equal(sentContexts(mock)[0].traceparent, undefined, 'and no trace context');
  assert.equal((await durations(mock.port))[0].value.count, 1, 'the meter provider still measures');
  trace.setGlobalTracerProvider(tracerProvider);
  await client.faceAuth.listPage();
  assert.equal(spansOf(mock).length, 1);
  assert.equal(sentContexts(mock)[1].traceparent, traceparentOf(spansOf(mock)[0]));
});
