// One benchmark run of one Node client; prints a JSON line. Driven by bench/run.py.
// Clients: argos (argos-addon), argos-otel (argos-addon in an application with OpenTelemetry
// tracer and meter providers set), argos-otel-share (the same with providers that record
// nothing: the package's own part), undici (undici.request), fetch (global fetch), axios.
// Every client verifies TLS against the mock's CA and keeps connections alive.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const IN_FLIGHT = 64;
const UPLOAD_IN_FLIGHT = 16;
const AUTH_ID = 'bench-auth-id';
const SUBMISSION = 'bench-submission';

const { values: args } = parseArgs({
  options: {
    client: { type: 'string' },
    workload: { type: 'string' },
    'base-url': { type: 'string' },
    ca: { type: 'string' },
    key: { type: 'string' },
    image: { type: 'string' },
    count: { type: 'string', default: '0' },
  },
});
const baseUrl = args['base-url'];
const ca = readFileSync(args.ca, 'utf8');
const count = Number(args.count);
const image = args.image ? readFileSync(args.image) : Buffer.alloc(0);
const url = `${baseUrl}/faceauth`;
const getUrl = `${url}?authId=${AUTH_ID}`;

function status(field) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(field));
  return Number(line.split(/\s+/)[1]);
}

function percentile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(Math.floor(sorted.length * q), sorted.length - 1)];
}

/**
 * CPU nanoseconds of the main thread, of the addon's runtime workers and of every other thread
 * (V8's and libuv's helpers), and context switches of all.
 */
function threads() {
  const totals = [0, 0, 0, 0];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8');
      const group = tid === String(process.pid) ? 0 : /^(tokio|argos)/.test(name) ? 1 : 2;
      totals[group] += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      for (const line of readFileSync(`/proc/self/task/${tid}/status`, 'utf8').split('\n')) {
        if (line.includes('ctxt_switches:')) totals[3] += Number(line.split(/\s+/)[1]);
      }
    } catch {
      // It ended meanwhile.
    }
  }
  return totals;
}

async function latency(call, n) {
  const micros = [];
  const before = threads();
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await call();
    micros.push(Number(process.hrtime.bigint() - started) / 1e3);
  }
  const perCall = threads().map((after, i) => (after - before[i]) / n);
  return {
    p50_us: +percentile(micros, 0.5).toFixed(1),
    p99_us: +percentile(micros, 0.99).toFixed(1),
    caller_cpu_us: +(perCall[0] / 1e3).toFixed(1),
    runtime_cpu_us: +(perCall[1] / 1e3).toFixed(1),
    other_cpu_us: +(perCall[2] / 1e3).toFixed(1),
    switches: +perCall[3].toFixed(2),
  };
}

async function rate(call, total, inFlight) {
  let remaining = total;
  const worker = async () => {
    while (remaining > 0) {
      remaining--;
      await call();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { rps: +(total / (Number(process.hrtime.bigint() - started) / 1e9)).toFixed(1) };
}

/**
 * Sets global OpenTelemetry providers as an application would (SDK tracer and meter providers,
 * the async-hooks context manager, the W3C propagator), exporting to memory: what argos-addon's
 * own telemetry (one span, one trace context and one measurement per call) costs on top.
 */
async function setUpOpenTelemetry() {
  const { context, metrics, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const tracing = await import('@opentelemetry/sdk-trace-base');
  const metering = await import('@opentelemetry/sdk-metrics');
  const spans = new tracing.InMemorySpanExporter();
  const processor = new tracing.SimpleSpanProcessor(spans);
  trace.setGlobalTracerProvider(new tracing.BasicTracerProvider({ spanProcessors: [processor] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new metering.InMemoryMetricExporter(metering.AggregationTemporality.CUMULATIVE);
  const reader = new metering.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000 });
  metrics.setGlobalMeterProvider(new metering.MeterProvider({ readers: [reader] }));
  // The exported spans would otherwise pile up for the whole run.
  setInterval(() => spans.reset(), 1000).unref();
}

/**
 * Sets a tracer provider whose spans are the API's non-recording spans, each with a new sampled
 * context (so argos-addon still makes the span, injects its context with the W3C propagator and
 * sends it, and sets its attributes), and a meter provider whose histogram drops what it is
 * given (so it still records the duration): what the package does for a traced call, with none
 * of an SDK's work.
 * No context manager: Node 20's async-hooks one taxes every promise of the process, not a call.
 */
async function setUpIdleProviders() {
  const { metrics, propagation, trace } = await import('@opentelemetry/api');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { randomBytes } = await import('node:crypto');
  const tracer = {
    startSpan: () =>
      trace.wrapSpanContext({
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: 1,
      }),
  };
  trace.setGlobalTracerProvider({ getTracer: () => tracer });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const histogram = { record() {} };
  const meter = { createHistogram: () => histogram };
  metrics.setGlobalMeterProvider({ getMeter: () => meter });
}

async function makeClient(name) {
  if (name === 'argos-otel' || name === 'argos-otel-share') {
    await (name === 'argos-otel' ? setUpOpenTelemetry() : setUpIdleProviders());
    return makeClient('argos');
  }
  if (name === 'argos') {
    const { Client } = await import('argos-addon');
    const client = new Client({ apiKey: args.key, baseUrl, caCert: ca, rateLimit: null });
    return {
      get: () => client.faceAuth.get(AUTH_ID),
      upload: (faceImage = image) => client.faceAuth.submit({ submissionId: SUBMISSION, faceImage }),
    };
  }
  const headers = { 'x-api-key': args.key };
  const formWith = (FormDataClass) => () => {
    const data = new FormDataClass();
    data.append('submissionId', SUBMISSION);
    data.append('faceImage', new Blob([image], { type: 'image/jpeg' }), 'face.jpg');
    return data;
  };
  const form = formWith(FormData);
  if (name === 'undici') {
    // undici.request needs undici's own FormData, not the one bundled into Node.
    const { Agent, FormData: UndiciFormData, request } = await import('undici');
    const undiciForm = formWith(UndiciFormData);
    const dispatcher = new Agent({ connect: { ca }, connections: IN_FLIGHT });
    const call = async (target, options) => {
      const response = await request(target, { dispatcher, headers, ...options });
      if (response.statusCode >= 400) throw new Error(`HTTP ${response.statusCode}`);
      await response.body.arrayBuffer();
    };
    return { get: () => call(getUrl), upload: () => call(url, { method: 'POST', body: undiciForm() }) };
  }
  if (name === 'fetch') {
    // Global fetch takes extra roots only from NODE_EXTRA_CA_CERTS, which run.py sets.
    const call = async (target, options) => {
      const response = await fetch(target, { headers, ...options });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    };
    return { get: () => call(getUrl), upload: () => call(url, { method: 'POST', body: form() }) };
  }
  if (name === 'axios') {
    const { default: axios } = await import('axios');
    const https = await import('node:https');
    const instance = axios.create({
      headers,
      httpsAgent: new https.Agent({ ca, keepAlive: true, maxSockets: IN_FLIGHT }),
      responseType: 'arraybuffer',
    });
    return { get: () => instance.get(getUrl), upload: () => instance.post(url, form()) };
  }
  throw new Error(`unknown client ${name}`);
}

const client = await makeClient(args.client);
await rate(client.get, IN_FLIGHT, IN_FLIGHT); // warm the pool
let result;
switch (args.workload) {
  case 'latency':
    result = await latency(client.get, count || 2000);
    break;
  case 'throughput':
    result = await rate(client.get, count || 5000, IN_FLIGHT);
    break;
  case 'upload':
    result = await rate(() => client.upload(), count || 500, UPLOAD_IN_FLIGHT);
    break;
  case 'big-path':
  case 'big-memory': {
    writeFileSync('/proc/self/clear_refs', '5');
    const before = status('VmRSS:');
    await client.upload(args.workload === 'big-path' ? resolve(args.image) : image);
    result = { growth_kib: status('VmHWM:') - before };
    break;
  }
  case 'soak': {
    const total = count || 100000;
    // run.py starts node with --expose-gc, so both readings follow a full collection.
    const fds = () => readdirSync('/proc/self/fd').length;
    await rate(client.get, 10000, IN_FLIGHT);
    globalThis.gc?.();
    const at10k = { rss: status('VmRSS:'), fds: fds() };
    await rate(client.get, total - 10000, IN_FLIGHT);
    globalThis.gc?.();
    result = { rss_10k_kib: at10k.rss, rss_100k_kib: status('VmRSS:'), fds_10k: at10k.fds, fds_100k: fds() };
    break;
  }
  default:
    throw new Error(`unknown workload ${args.workload}`);
}
console.log(JSON.stringify(result));
