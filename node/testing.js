'use strict';
// `argos-addon/testing`: the Rust mock ARGOS server, in this process, for users' tests.

const { readFileSync } = require('node:fs');
const { inspect } = require('node:util');

const { addon, call, rethrown } = require('./native.js');
const { Client, ValidationError } = require('./index.js');

/** A Buffer of the bytes given, or of the file at a path. */
function bytes(value) {
  if (typeof value !== 'string') return value instanceof Uint8Array ? Buffer.from(value) : value;
  try {
    return readFileSync(value);
  } catch (err) {
    throw new ValidationError(`cannot read the image file: ${err.message}`, { cause: err });
  }
}

const STARTING = Symbol('starting');

/**
 * A local ARGOS Add-On server over real HTTPS on 127.0.0.1, with its own CA (`caCertPem`), key
 * (`apiKey`) and project id. Faults apply to the next `times` requests matching `method` and
 * `path` (relative to `/v3`, e.g. `"/faceauth"`; absent matches any). It keeps the last
 * `requestLogLimit` requests (10,000 by default; 0 keeps none) for `requests()`, so that its
 * memory stays flat however long it runs.
 */
class MockServer {
  #native;
  #info;

  /** Use `await MockServer.start()`. */
  constructor(token, native) {
    if (token !== STARTING) throw new TypeError('use `await MockServer.start(options)`');
    this.#native = native;
    // Read once, so they stay readable after stop().
    this.#info = native.info();
  }

  /** Starts a server and resolves once it accepts connections. */
  static async start(options = {}) {
    return new MockServer(STARTING, call(() => addon.NativeMock.start(options)));
  }

  get baseUrl() {
    return this.#info.baseUrl;
  }

  get caCertPem() {
    return this.#info.caCertPem;
  }

  get apiKey() {
    return this.#info.apiKey;
  }

  get projectId() {
    return this.#info.projectId;
  }

  get port() {
    return this.#info.port;
  }

  /** A {@link Client} for this server; `options` override the defaults. */
  client(options = {}) {
    return new Client({ apiKey: this.apiKey, baseUrl: this.baseUrl, caCert: this.caCertPem, ...options });
  }

  /**
   * Seeds an ID Check submission; `selfie` is bytes or a path. Submitting the same bytes is
   * approved; any other image is rejected with `face_compare_underscore`.
   */
  addSubmission(submissionId, { status = 'approved', selfie } = {}) {
    const photo = bytes(selfie);
    call(() => this.#native.addSubmission(submissionId, status, photo));
  }

  /** Inserts a FaceAuth record directly (for listing tests); returns its auth id. */
  addRecord({ authStatus = 'approved', createTime = new Date(), submissionId = 'seeded-submission', authId, image } = {}) {
    // The addon would read an invalid Date as 1970.
    if (createTime instanceof Date && Number.isNaN(createTime.getTime())) {
      throw new ValidationError('createTime is an invalid Date');
    }
    const seed = { authStatus, createTime, submissionId, authId, image: bytes(image) };
    return call(() => this.#native.addRecord(seed));
  }

  /** Decides the next successful submit, e.g. `{ failCodes: ['Face_Occluded_fail'] }`. */
  forceNextVerdict({ status, score, failCodes = [] } = {}) {
    call(() => this.#native.forceNextVerdict(status, score, failCodes));
  }

  /** Answers the next matching requests with `status`, `body` and `headers`. */
  failNext(status, body = '', { headers = {}, ...scope } = {}) {
    call(() => this.#native.injectStatus(status, body, headers, scope));
  }

  /** Answers with a gateway's HTML 502 page. */
  badGatewayNext(scope = {}) {
    call(() => this.#native.injectHtml502(scope));
  }

  /** Waits `ms` milliseconds before answering normally. */
  delayNext(ms, scope = {}) {
    call(() => this.#native.injectDelay(ms, scope));
  }

  /** Closes the connection without answering. */
  dropNext(scope = {}) {
    call(() => this.#native.injectDrop(scope));
  }

  clearFaults() {
    call(() => this.#native.clearFaults());
  }

  /** Answers every request with 403 "explicit deny" (an IP not on the allow-list). */
  setDeny(deny = true) {
    call(() => this.#native.setDeny(deny));
  }

  /** Allows `quota` more requests today, then 429 "Limit Exceeded"; `null` for no cap. */
  setDailyQuota(quota) {
    call(() => this.#native.setDailyQuota(quota));
  }

  /** Requests per second before 429 "Too Many Requests"; `null` for no limit. */
  setRateLimit(perSecond) {
    call(() => this.#native.setRateLimit(perSecond));
  }

  /**
   * Lets at most `perSecond` keyed requests through in each whole UTC second, then 429 "Too Many
   * Requests" with `Retry-After: 1` for the rest of it; `null` turns it off. The current second
   * is counted afresh; `perSecondCounts()` is kept.
   */
  setGatewayLimit(perSecond) {
    call(() => this.#native.setGatewayLimit(perSecond));
  }

  /** `"wrapper"` (current docs, the default) or `"bare"` (older docs) for `GET /faceauth`. */
  setListShape(shape) {
    call(() => this.#native.setListShape(shape));
  }

  /** `"raw"` base64 (the default), a `"json"` string or a `"data_uri"` for the image endpoint. */
  setImageEncoding(encoding) {
    call(() => this.#native.setImageEncoding(encoding));
  }

  /** Requests that arrived for `method` and `path` (e.g. `"GET", "/faceauth"`), or in all. */
  requestCount(method, path) {
    if (method === undefined && path === undefined) return call(() => this.#native.totalRequests());
    if (method === undefined || path === undefined) {
      throw new TypeError('requestCount takes both method and path, or neither');
    }
    return call(() => this.#native.requestCount(method, path));
  }

  /**
   * TCP connections accepted, whether or not their TLS handshake succeeded. A connection is
   * counted before it is answered on, so a client that reused one connection counts once.
   */
  connectionCount() {
    return call(() => this.#native.connectionCount());
  }

  /** TLS handshakes completed; a connection whose handshake failed is not counted. */
  handshakeCount() {
    return call(() => this.#native.handshakeCount());
  }

  /**
   * Zeroes the request counts (the per-second ones, the connection and handshake counts and
   * `droppedRequests()` too) and forgets the recorded requests.
   */
  resetCounts() {
    call(() => this.#native.resetCounts());
  }

  /**
   * `{ second, requests, throttled }` for each whole UTC second (Unix seconds) of the last hour
   * that had keyed requests (those the daily quota counts), oldest first; `throttled` are the ones
   * the gateway limit refused.
   */
  perSecondCounts() {
    return call(() => this.#native.perSecondCounts());
  }

  /**
   * The requests that arrived, oldest first (the key header redacted): the last `requestLogLimit`
   * of them. The array's `dropped` property counts the older ones let go before them; it is not
   * enumerable, so the array still deep-equals a plain one.
   */
  requests() {
    const { requests, dropped } = call(() => this.#native.requestLog());
    return Object.defineProperty(requests, 'dropped', { value: dropped });
  }

  /** How many older requests the log let go to keep only the last `requestLogLimit`. */
  droppedRequests() {
    return call(() => this.#native.droppedRequests());
  }

  /** Stops the server; in-flight requests get a moment to finish. */
  async stop() {
    try {
      await this.#native.stop();
    } catch (err) {
      throw rethrown(err, this.stop);
    }
  }

  [inspect.custom]() {
    return `MockServer { baseUrl: ${inspect(this.baseUrl)}, projectId: ${inspect(this.projectId)} }`;
  }
}

module.exports = { MockServer };
