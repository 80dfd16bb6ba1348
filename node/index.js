'use strict';
// The Node face of argos-addon: argument checks and JavaScript shapes over the Rust core, which
// reads and checks the client's options itself. Every network operation returns a Promise; every
// failure is one of the classes of errors.js; every request goes through telemetry.js.

const { inspect } = require('node:util');

const { addon, call, rethrown } = require('./native.js');
const { APIUserAbortError, ConfigurationError, ValidationError } = require('./errors.js');
const { traced } = require('./telemetry.js');

const USER_AGENT = `node/${process.versions.node}`;

const isBytes = (value) => value instanceof Uint8Array;

/** A Buffer over the same memory as `bytes` (no copy). */
const asBuffer = (bytes) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const typeName = (value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** `value` if it is an object of named options (or absent), for the function `where`. */
function options(Err, where, value) {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value)) {
    throw new Err(`${where} takes an object of options, not ${typeName(value)}`);
  }
  return value;
}

/**
 * Checks `given` against `spec` ({name: check}) and returns the checked values, leaving out the
 * undefined ones. A check returns the value to pass on, or throws. Unknown names are refused, so
 * a typo is not silently ignored.
 */
function checked(Err, where, given, spec) {
  const out = {};
  for (const [name, value] of Object.entries(options(Err, where, given))) {
    if (!Object.hasOwn(spec, name)) {
      throw new Err(`${where} has no option ${JSON.stringify(name)}; known: ${Object.keys(spec).join(', ')}`);
    }
    if (value !== undefined) out[name] = spec[name](Err, name, value);
  }
  return out;
}

function string(Err, name, value) {
  if (typeof value !== 'string') throw new Err(`${name} must be a string, not ${typeName(value)}`);
  // The addon would turn a lone surrogate into U+FFFD and send other text than was given.
  if (!value.isWellFormed()) throw new Err(`${name} is not valid Unicode (it holds a lone surrogate)`);
  return value;
}

/** An integer the addon receives exactly: beyond 2^53 a number is no longer one. */
function integer(Err, name, value) {
  if (!Number.isSafeInteger(value)) {
    const what = Number.isInteger(value) ? 'an integer of at most 2^53 - 1 in size' : 'an integer';
    throw new Err(`${name} must be ${what}, not ${inspect(value)}`);
  }
  return value;
}

function image(Err, name, value) {
  if (typeof value === 'string') return string(Err, name, value);
  if (isBytes(value)) return asBuffer(value);
  throw new Err(`${name} must be a path string, a Buffer or a Uint8Array, not ${typeName(value)}`);
}

/** `"YYYY-MM-DD"` as given, or a Date's UTC calendar day (the API keeps time in UTC). */
function date(Err, name, value) {
  if (typeof value === 'string') return string(Err, name, value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Err(`${name} is an invalid Date`);
    return value.toISOString().slice(0, 10);
  }
  throw new Err(`${name} must be a Date or "YYYY-MM-DD", not ${typeName(value)}`);
}

/** `params`, if every one of `names` is in it. */
function required(Err, where, params, names) {
  for (const name of names) {
    if (params[name] === undefined) throw new Err(`${where} needs ${name}`);
  }
  return params;
}

const SUBMIT = { submissionId: string, faceImage: image, userId: string, cf1: string, cf2: string, cf3: string };
const LIST_PAGE = { startDate: date, endDate: date, count: integer, nextKey: string };
const LIST = { startDate: date, endDate: date, pageSize: integer };
/** A value the core checks itself. */
const asGiven = (Err, name, value) => value;
const WITH_OPTIONS = { timeout: asGiven, maxRetries: asGiven, extraHeaders: asGiven };

/** An `AbortSignal`, or one of another realm or polyfill that behaves as one. */
function signal(Err, name, value) {
  if (typeof value?.aborted !== 'boolean' || typeof value.addEventListener !== 'function') {
    throw new Err(`${name} must be an AbortSignal, not ${typeName(value)}`);
  }
  return value;
}
const CALL = { signal };

/** The `signal` of the options an operation `where` takes last; `undefined` when none. */
function signalOf(where, given) {
  return given === undefined ? undefined : checked(ValidationError, where, given, CALL).signal;
}

/**
 * `run(abort)`, the call of `where`, given the native `Abort` that `signal` fires (the addon
 * then drops the call: its connection closes, no retry starts). An already-aborted signal
 * rejects at once, before anything is sent. Without a signal, `run(undefined)` as it is.
 */
function withSignal(signal, where, run) {
  if (signal === undefined) return run(undefined);
  if (signal.aborted) {
    return Promise.reject(new APIUserAbortError(`${where} was aborted by its signal before it started; nothing was sent`));
  }
  const abort = new addon.Abort();
  const onAbort = () => abort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return run(abort).finally(() => signal.removeEventListener('abort', onAbort));
}
const FACE_AUTH_URL = {
  projectId: string,
  submissionId: string,
  userId: string,
  cf1: string,
  cf2: string,
  cf3: string,
  token: string,
};

function id(name, value) {
  return string(ValidationError, name, value);
}

// Each operation awaits, in its own body, what `traced` returns: with telemetry off, the addon's
// own promise (a shared async helper would cost another promise per call, which showed in make
// bench's sequential latency (a)). `traced` hands each native call the trace context of its span.

/** `image` and `delete` with the response that answered them (`client.faceAuth.withResponse`). */
class FaceAuthWithResponse {
  #native;

  constructor(native) {
    this.#native = native;
  }

  /** `{ value, response }`: the FaceAuth image, decoded, and the answer's response. */
  async image(authId, options) {
    const checkedId = id('authId', authId);
    const where = 'faceAuth.withResponse.image()';
    const signal = signalOf(where, options);
    try {
      return await withSignal(signal, where, (abort) =>
        traced(this.#native, 'image', (trace) => this.#native.imageWithResponse(checkedId, trace, abort)),
      );
    } catch (err) {
      throw rethrown(err, this.image);
    }
  }

  /** `{ value: undefined, response }`: erases the image and personal data. */
  async delete(authId, options) {
    const checkedId = id('authId', authId);
    const where = 'faceAuth.withResponse.delete()';
    const signal = signalOf(where, options);
    try {
      return await withSignal(signal, where, (abort) =>
        traced(this.#native, 'delete', (trace) => this.#native.deleteWithResponse(checkedId, trace, abort)),
      );
    } catch (err) {
      throw rethrown(err, this.delete);
    }
  }
}

/** The Add-On operations of a {@link Client} (`client.faceAuth`). */
class FaceAuth {
  #native;

  constructor(native) {
    this.#native = native;
    /** `image` and `delete` returning `{ value, response }`. */
    this.withResponse = new FaceAuthWithResponse(native);
  }

  /** Compares `faceImage` with the approved ID Check submission `submissionId`. */
  async submit(params, options) {
    const where = 'faceAuth.submit()';
    const request = required(ValidationError, where, checked(ValidationError, where, params, SUBMIT), [
      'submissionId',
      'faceImage',
    ]);
    const signal = signalOf(where, options);
    try {
      return await withSignal(signal, where, (abort) =>
        traced(this.#native, 'submit', (trace) => this.#native.submit(request, trace, abort)),
      );
    } catch (err) {
      throw rethrown(err, this.submit);
    }
  }

  /** One record; `NotFoundError` when the API has none with this id. */
  async get(authId, options) {
    const checkedId = id('authId', authId);
    const signal = signalOf('faceAuth.get()', options);
    try {
      return await withSignal(signal, 'faceAuth.get()', (abort) =>
        traced(this.#native, 'get', (trace) => this.#native.get(checkedId, trace, abort)),
      );
    } catch (err) {
      throw rethrown(err, this.get);
    }
  }

  /** One page of records, newest first; pass `page.nextKey` back for the next one. */
  async listPage(params, options) {
    const where = 'faceAuth.listPage()';
    const { startDate, endDate, count, nextKey } = checked(ValidationError, where, params, LIST_PAGE);
    const signal = signalOf(where, options);
    try {
      return await withSignal(signal, where, (abort) =>
        traced(this.#native, 'list_page', (trace) =>
          this.#native.listPage(startDate, endDate, count, nextKey, trace, abort),
        ),
      );
    } catch (err) {
      throw rethrown(err, this.listPage);
    }
  }

  /** Every record, newest first, fetching pages as the iteration needs them; `signal` aborts the
   * page fetch in flight and every later one. */
  list(params, options) {
    // Without a pageSize the core picks the page size.
    const { startDate, endDate, pageSize } = checked(ValidationError, 'faceAuth.list()', params, LIST);
    const signal = signalOf('faceAuth.list()', options);
    const native = this.#native;
    const pager = call(() => native.pager(startDate, endDate, pageSize));
    return (async function* records() {
      while (!pager.done) {
        let page;
        try {
          page = await withSignal(signal, 'faceAuth.list()', (abort) =>
            traced(native, 'list_page', (trace) => pager.nextPage(trace, abort)),
          );
        } catch (err) {
          throw rethrown(err, records);
        }
        if (page === null) return;
        yield* page.records;
      }
    })();
  }

  // image and delete take the response too (for their span), and keep only the value.

  /** The FaceAuth image, decoded. */
  async image(authId, options) {
    const checkedId = id('authId', authId);
    const signal = signalOf('faceAuth.image()', options);
    try {
      const image = await withSignal(signal, 'faceAuth.image()', (abort) =>
        traced(this.#native, 'image', (trace) => this.#native.imageWithResponse(checkedId, trace, abort)),
      );
      return image.value;
    } catch (err) {
      throw rethrown(err, this.image);
    }
  }

  /** Erases the image and personal data; the record stays, marked `deleted`. */
  async delete(authId, options) {
    const checkedId = id('authId', authId);
    const signal = signalOf('faceAuth.delete()', options);
    try {
      await withSignal(signal, 'faceAuth.delete()', (abort) =>
        traced(this.#native, 'delete', (trace) => this.#native.deleteWithResponse(checkedId, trace, abort)),
      );
    } catch (err) {
      throw rethrown(err, this.delete);
    }
  }
}

/** Passed to the constructor by `withOptions`, with the copy's native client. */
const COPY = Symbol('copy');

/** A client of the ARGOS Add-On (FaceAuth) API. */
class Client {
  #native;

  constructor(opts, native) {
    if (opts === COPY) {
      this.#native = native;
    } else {
      // The addon checks each option's name, type and value. It reads a plain copy: a getter
      // runs here, so what it throws reaches the caller as it was thrown.
      const given = { ...options(ConfigurationError, 'new Client()', opts) };
      this.#native = call(() => new addon.NativeClient(given, USER_AGENT));
    }
    /** The Add-On operations. */
    this.faceAuth = new FaceAuth(this.#native);
  }

  /**
   * A client sharing this one's connection pool, rate limit and budget, whose calls use these
   * `timeout` (ms), `maxRetries` and `extraHeaders` instead; checked now, before any I/O.
   * Closing it ends only its own calls.
   */
  withOptions(opts) {
    const given = checked(ConfigurationError, 'client.withOptions()', opts, WITH_OPTIONS);
    return new Client(COPY, call(() => this.#native.withOptions(given)));
  }

  /** The base URL in use, without a trailing slash. */
  get baseUrl() {
    return this.#native.baseUrl;
  }

  /** The hosted Face Auth URL, its parameters encrypted with this client's key. */
  faceAuthUrl(params) {
    const where = 'client.faceAuthUrl()';
    const fields = checked(ValidationError, where, params, FACE_AUTH_URL);
    const { projectId, submissionId, ...optional } = required(ValidationError, where, fields, [
      'projectId',
      'submissionId',
    ]);
    return call(() => this.#native.faceAuthUrl(projectId, submissionId, optional));
  }

  /**
   * Today's budget of this key: the fleet's, from the budget store (one round trip), else this
   * client's own.
   */
  async budgetStatus() {
    try {
      return await this.#native.budgetStatus();
    } catch (err) {
      throw rethrown(err, this.budgetStatus);
    }
  }

  /**
   * Ends this client's calls (later ones reject with `APIConnectionError`) and drops its share of
   * the connection pool, which closes once the client and its `withOptions` copies are all
   * closed or collected.
   */
  close() {
    this.#native.close();
  }

  [inspect.custom]() {
    return `Client { baseUrl: ${inspect(this.baseUrl)} }`;
  }
}

/**
 * A `JSON.stringify` replacer that refuses what JSON.stringify would change silently: NaN and
 * infinities (it writes null) and lone surrogates (it writes an escape of no character).
 */
function jsonValue(key, value) {
  if (!key.isWellFormed()) throw new Error('a key is not valid Unicode (it holds a lone surrogate)');
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
  if (typeof value === 'string' && !value.isWellFormed()) {
    throw new Error('a text is not valid Unicode (it holds a lone surrogate)');
  }
  return value;
}

/** Encrypts `params` for an ARGOS `encrypted=` query value (compact JSON, keys in order). */
function encryptQuery(params, apiKey) {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError(`params must be an object, not ${typeName(params)}`);
  }
  let json;
  try {
    // What JSON.stringify makes of it is what gets encrypted (toJSON, no undefined values); the
    // addon reads the text, so nesting is bounded there and no conversion recurses here.
    json = JSON.stringify(params, jsonValue);
  } catch (err) {
    // A cycle or a BigInt (TypeError), or nesting deeper than the stack (RangeError).
    throw new ValidationError(`params cannot be written as JSON: ${err.message}`, { cause: err });
  }
  if (json === undefined) throw new ValidationError('params cannot be written as JSON (its toJSON gave nothing)');
  const key = string(ValidationError, 'apiKey', apiKey);
  return call(() => addon.encryptQuery(json, key));
}

/** Reverses {@link encryptQuery}; a wrong key or corrupt input throws `WebhookError`. */
function decryptQuery(ciphertext, apiKey) {
  const text = string(ValidationError, 'ciphertext', ciphertext);
  const key = string(ValidationError, 'apiKey', apiKey);
  return call(() => addon.decryptQuery(text, key));
}

/** Parses a `faceAuth` webhook body (versions 1-3); encrypted bodies need `apiKey`. */
function parseWebhook(body, opts) {
  if (typeof body !== 'string' && !isBytes(body)) {
    throw new ValidationError(
      `body must be the raw request body (a string or a Buffer), not ${typeName(body)}`,
    );
  }
  const { apiKey } = checked(ValidationError, 'parseWebhook()', opts, { apiKey: string });
  const raw = typeof body === 'string' ? string(ValidationError, 'body', body) : asBuffer(body);
  return call(() => addon.parseWebhook(raw, apiKey));
}

module.exports = {
  ...require('./errors.js'),
  Client,
  FaceAuth,
  FaceAuthWithResponse,
  encryptQuery,
  decryptQuery,
  parseWebhook,
  VERSION: addon.VERSION,
};
