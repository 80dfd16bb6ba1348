'use strict';
// OpenTelemetry for argos-addon, through the application's own `@opentelemetry/api` (an optional
// peer dependency): one CLIENT span per operation with the HTTP client attributes, the W3C trace
// context sent on every attempt, and the `http.client.request.duration` histogram. Without the
// API, or with no provider set, a call costs a few property reads and sends nothing more.
// Private to the package.

const { addon, fromNative, payloadOf } = require('./native.js');

/** The API, or `null` when the application does not have it (checked once, here). */
const api = (() => {
  try {
    const found = require('@opentelemetry/api');
    // Before 1.3 it had no metrics: as if absent, rather than a failure on every call.
    return typeof found.createNoopMeter === 'function' ? found : null;
  } catch {
    return null;
  }
})();

const SCOPE = 'argos-addon';

/**
 * What the global tracer provider delegates to while none is set: `trace.getTracerProvider()`
 * is always a proxy, and a fresh proxy's delegate is the API's one no-op provider.
 */
const NOOP_TRACER_PROVIDER = api && new api.ProxyTracerProvider().getDelegate();
/** The meter every provider of the no-op kind gives. */
const NOOP_METER = api && api.createNoopMeter();

// The OpenTelemetry HTTP client semantic conventions' bucket boundaries, in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

// What was made for the providers last seen, so that a call only compares two objects with them.
let tracerProvider = NOOP_TRACER_PROVIDER;
let tracer = null;
let meterProvider = null;
let histogram = null;

/** Whether a tracer or a meter provider is set; on the way, the tracer and histogram for them. */
function enabled() {
  let traces = api.trace.getTracerProvider();
  // Another copy of the API may have registered something else than its proxy.
  if (typeof traces.getDelegate === 'function') traces = traces.getDelegate();
  if (traces !== tracerProvider) {
    tracerProvider = traces;
    tracer = traces === NOOP_TRACER_PROVIDER ? null : traces.getTracer(SCOPE, addon.VERSION);
  }
  const meters = api.metrics.getMeterProvider();
  if (meters !== meterProvider) {
    meterProvider = meters;
    const meter = meters.getMeter(SCOPE, addon.VERSION);
    histogram =
      meter === NOOP_METER
        ? null
        : meter.createHistogram('http.client.request.duration', {
            description: 'Duration of HTTP client requests.',
            unit: 's',
            advice: { explicitBucketBoundaries: BUCKETS },
          });
  }
  return tracer !== null || histogram !== null;
}

/** Each native client's routes (`NativeClient.routes()`), read once per client. */
const routesOf = new WeakMap();

function route(native, operation) {
  let routes = routesOf.get(native);
  if (routes === undefined) {
    routes = native.routes();
    routesOf.set(native, routes);
  }
  return routes[operation];
}

/**
 * `send(traceContext)`, the native call of `operation` (`submit`, `get`, `list_page`, `image`,
 * `delete`) on `native`, as a span and a measurement when the application has a provider set.
 * It resolves with a result carrying `response`; a rejection is the addon's, unconverted.
 */
function traced(native, operation, send) {
  // Not an async function: when off, the caller awaits the addon's own promise.
  return api === null || !enabled() ? send(undefined) : record(native, operation, send);
}

async function record(native, operation, send) {
  const { spanName, method, urlTemplate, serverAddress, serverPort } = route(native, operation);
  const attributes = {
    'http.request.method': method,
    'url.template': urlTemplate,
    'server.address': serverAddress,
    'server.port': serverPort,
  };
  const parent = api.context.active();
  const span = tracer?.startSpan(spanName, { kind: api.SpanKind.CLIENT, attributes }, parent);
  let carrier;
  if (span !== undefined) {
    // What the global propagator writes, with the call's span current; the addon sends its
    // traceparent and tracestate on every attempt.
    carrier = {};
    api.propagation.inject(api.trace.setSpan(parent, span), carrier);
  }
  const measure = histogram;
  const started = performance.now();
  /** Records how the call ended: `outcome` on the span and the measurement, the rest on the span. */
  const end = (outcome, requestId, attempts) => {
    measure?.record((performance.now() - started) / 1000, { ...attributes, ...outcome });
    if (span === undefined) return;
    span.setAttributes(outcome);
    if (requestId !== null) span.setAttribute('argos.request_id', requestId);
    if (attempts > 1) span.setAttribute('http.request.resend_count', attempts - 1);
    span.end();
  };
  let result;
  try {
    result = await send(carrier);
  } catch (err) {
    // The class, the status and the request id only: a message may hold an id.
    const converted = fromNative(err);
    const { status, requestId } = converted;
    // The class (APIUserAbortError's `name` is 'AbortError').
    const name = converted.constructor.name;
    span?.setStatus({ code: api.SpanStatusCode.ERROR, message: name });
    const outcome = { 'error.type': name };
    if (status !== null) outcome['http.response.status_code'] = status;
    end(outcome, requestId, payloadOf(err)?.attempts ?? 1);
    throw err;
  }
  const { status, requestId, attempts } = result.response;
  end({ 'http.response.status_code': status }, requestId, attempts);
  return result;
}

module.exports = { traced };
