'use strict';
// argos-addon/webhooks: the raw body of a `faceAuth` webhook, read in a web framework. A webhook
// must reach parseWebhook as the bytes ARGOS sent, and the classic failure is a JSON body parser
// (express.json(), Fastify's default parser) that ran first; readWebhook says so and how to fix
// it, argosWebhook (Express, Connect, node:http) and fastifyArgosWebhook (Fastify) read the body
// themselves. Neither framework is required: the package has no runtime dependency on them.
//
// Every WebhookError thrown or passed on here carries `status`, the HTTP status to answer ARGOS
// with, which both Express's and Fastify's default error handlers use: 400 for a body that is not
// a webhook (malformed, undecryptable, another trigger), 413 for one over `maxBytes`, and 500 for
// a server set up wrongly (the body was parsed or read before argos-addon saw it), so that ARGOS
// may retry once the server is fixed.
//
// SeenWebhooks drops duplicate deliveries: firstDelivery(hook) is true the first time a webhook's
// (authId, version, authStatus) is seen within ttlMs, in this process's memory or in Redis.

const { inspect } = require('node:util');

const { parseWebhook } = require('./index.js');
const { ConfigurationError, ValidationError, WebhookError } = require('./errors.js');
const { addon, call, rethrown } = require('./native.js');

/**
 * The default `maxBytes`, 1 MiB. A `faceAuth` webhook is a small JSON object (a few hundred
 * bytes; encrypted, 4/3 of that as base64): 1 MiB leaves ample room for long custom fields while
 * bounding what one request may hold in memory. It is also Fastify's default `bodyLimit`.
 */
const DEFAULT_MAX_BYTES = 1024 * 1024;

const typeName = (value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const FIX =
  'Express: declare the webhook route before app.use(express.json()) (or give express.json() only ' +
  'to the routes that need it), with argosWebhook() from argos-addon/webhooks, or ' +
  "express.raw({ type: '*/*' }), ahead of your handler. Fastify: register fastifyArgosWebhook from " +
  "argos-addon/webhooks, or in the plugin holding the route call removeContentTypeParser('application/json') " +
  "and then addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => done(null, body)).";

/** The error for a body that a framework parsed (or never read) before argos-addon saw it. */
function notRaw(body) {
  const what =
    body === undefined || body === null
      ? `got no body (${typeName(body)}): nothing read the request body`
      : `the request body was already parsed (got ${typeName(body)}) before argos-addon saw it`;
  return new WebhookError(
    `${what}; a webhook needs the raw body (a string or a Buffer) exactly as ARGOS sent it. ${FIX}`,
    { status: 500, code: 'webhook_body_not_raw' },
  );
}

function tooLarge(maxBytes) {
  return new WebhookError(
    `the webhook body is larger than maxBytes (${maxBytes} bytes); ARGOS webhooks are small JSON ` +
      'objects, so this is not one (raise maxBytes if your custom fields are that long)',
    { status: 413, code: 'webhook_body_too_large' },
  );
}

/** The checked `{ apiKey, maxBytes }` of `given`, refusing unknown names (bar `ignored`). */
function webhookOptions(Err, where, given, extra = {}, ignored = []) {
  if (given === undefined) given = {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new Err(`${where} takes an object of options, not ${typeName(given)}`);
  }
  const known = ['apiKey', 'maxBytes', ...Object.keys(extra)];
  for (const name of Object.keys(given)) {
    if (!known.includes(name) && !ignored.includes(name)) {
      throw new Err(`${where} has no option ${JSON.stringify(name)}; known: ${known.join(', ')}`);
    }
  }
  const { apiKey, maxBytes = DEFAULT_MAX_BYTES } = given;
  if (apiKey !== undefined && typeof apiKey !== 'string') {
    throw new Err(`apiKey must be a string, not ${typeName(apiKey)}`);
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new Err(`maxBytes must be a positive integer, not ${inspect(maxBytes)}`);
  }
  const out = { apiKey, maxBytes };
  for (const [name, check] of Object.entries(extra)) out[name] = check(Err, name, given[name]);
  return out;
}

/** `parseWebhook`, with the checks and statuses of this module; `apiKey` may be undefined. */
function parse(body, apiKey, maxBytes) {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw notRaw(body);
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > maxBytes) throw tooLarge(maxBytes);
  try {
    return parseWebhook(body, apiKey === undefined ? undefined : { apiKey });
  } catch (err) {
    if (err instanceof WebhookError) err.status ??= 400;
    throw err;
  }
}

/**
 * Parses the raw body of a `faceAuth` webhook (a string, Buffer or Uint8Array) as parseWebhook
 * does. An already parsed body (an object) or a missing one throws WebhookError saying how to
 * fix that in Express and Fastify; so does a body over `maxBytes` (default 1 MiB).
 */
function readWebhook(body, opts) {
  const { apiKey, maxBytes } = webhookOptions(ValidationError, 'readWebhook()', opts);
  return parse(body, apiKey, maxBytes);
}

/** An empty `{}` that body-parser 1.x (Express 4) leaves when the content type did not match. */
const isUnparsedPlaceholder = (req) =>
  req._body !== true &&
  typeof req.body === 'object' &&
  req.body !== null &&
  Object.getPrototypeOf(req.body) === Object.prototype &&
  Object.keys(req.body).length === 0;

/**
 * Reads `req` to its end, keeping at most `maxBytes`; calls `done(err, buffer)` once. A body over
 * the limit is still read to its end (and dropped), as body-parser does, so that the client gets
 * the 413 instead of a reset connection.
 */
function readRequest(req, maxBytes, done) {
  let chunks = [];
  let size = 0;
  let over = Number(req.headers?.['content-length']) > maxBytes;
  let finished = false;
  const finish = (err, body) => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
    done(err, body);
  };
  const onData = (chunk) => {
    if (over) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) {
      over = true;
      chunks = [];
    } else chunks.push(bytes);
  };
  const onEnd = () => (over ? finish(tooLarge(maxBytes)) : finish(null, Buffer.concat(chunks, size)));
  const onError = (cause) =>
    finish(new WebhookError(`reading the webhook body failed: ${cause.message}`, { status: 400, cause }));
  const onClose = () => {
    if (!req.readableEnded) onError(new Error('the connection closed before the body ended'));
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('close', onClose);
  if (req.isPaused?.()) req.resume();
}

/**
 * Express (also Connect and node:http) middleware for a webhook route. It reads the raw request
 * itself when no body parser ran, or takes the string or Buffer that express.raw() or
 * express.text() left in `req.body`; then sets `req.argosWebhook` to the parsed webhook and calls
 * `next()`. Every failure goes to `next(err)` as a WebhookError whose `status` the error handler
 * answers: 400 not a webhook, 413 over `maxBytes`, 500 the body was parsed (or read) before.
 */
function argosWebhook(opts) {
  const { apiKey, maxBytes } = webhookOptions(ConfigurationError, 'argosWebhook()', opts);
  return function argosWebhookMiddleware(req, res, next) {
    const accept = (body) => {
      try {
        req.argosWebhook = parse(body, apiKey, maxBytes);
      } catch (err) {
        next(err);
        return;
      }
      next();
    };
    // Once the stream has ended, a `{}` was parsed from the body: the error says so.
    const placeholder = isUnparsedPlaceholder(req) && !req.readableEnded;
    if (req.body !== undefined && !placeholder) {
      accept(req.body);
    } else if (req.readableEnded) {
      next(
        new WebhookError(
          `the request body was already read, but req.body is unset: another middleware consumed it. ${FIX}`,
          { status: 500, code: 'webhook_body_not_raw' },
        ),
      );
    } else {
      readRequest(req, maxBytes, (err, body) => {
        if (err) {
          next(err);
          return;
        }
        req.body = body;
        accept(body);
      });
    }
  };
}

const HANDLER = (Err, name, value) => {
  if (typeof value !== 'function') throw new Err(`${name} must be a function, not ${typeName(value)}`);
  return value;
};
const URL_OPTION = (Err, name, value) => {
  if (typeof value !== 'string') throw new Err(`${name} must be a string, not ${typeName(value)}`);
  return value;
};
const METHOD = (Err, name, value = 'POST') => {
  if (typeof value !== 'string') throw new Err(`${name} must be a string, not ${typeName(value)}`);
  return value;
};

/**
 * Fastify plugin: registers the webhook route `url` (method `method`, default POST) in its own
 * encapsulated context, where every content type is read as a raw Buffer of at most `maxBytes`
 * (Fastify answers 413 past it) and nothing else of the app changes. `handler(request, reply)` is
 * an ordinary Fastify handler that finds the parsed webhook in `request.argosWebhook`; a body that
 * is not a webhook is a WebhookError with status 400 for Fastify's error handler.
 */
async function fastifyArgosWebhook(fastify, opts) {
  const { apiKey, maxBytes, url, method, handler } = webhookOptions(
    ConfigurationError,
    'fastifyArgosWebhook',
    opts,
    { url: URL_OPTION, method: METHOD, handler: HANDLER },
    // fastify.register()'s own options, passed on to the plugin.
    ['prefix', 'logLevel', 'logSerializers'],
  );
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (request, body, done) =>
    done(null, body),
  );
  fastify.decorateRequest('argosWebhook', null);
  fastify.route({
    method,
    url,
    bodyLimit: maxBytes,
    // An empty body reaches no parser: it is the empty webhook, a 400.
    preHandler: async (request) => {
      request.argosWebhook = parse(request.body ?? Buffer.alloc(0), apiKey, maxBytes);
    },
    handler,
  });
}
Object.defineProperty(fastifyArgosWebhook, Symbol.for('fastify.display-name'), { value: 'argos-addon-webhook' });

/**
 * How long SeenWebhooks remembers a delivery unless told otherwise: one day, in milliseconds.
 * ARGOS does not document how long it retries a webhook; a day is far longer than retries last.
 */
const DEFAULT_SEEN_TTL_MS = addon.DEFAULT_SEEN_TTL_MS;
/** How many deliveries the in-memory SeenWebhooks remembers unless told otherwise. */
const DEFAULT_SEEN_MAX_ENTRIES = addon.DEFAULT_SEEN_MAX_ENTRIES;

/**
 * Drops duplicate webhook deliveries: `await seen.firstDelivery(hook)` is true the first time a
 * webhook's (authId, version, authStatus) is seen within `ttlMs`, false for a repeat (answer it
 * 200 without processing it again). Without `redisUrl`, deliveries are remembered in this
 * process, at most `maxEntries` (the oldest are forgotten first); with it (one redis:// or
 * rediss:// URL, or a cluster's comma-separated nodes, as the client's `budgetUrl`), every process
 * using that Redis shares them, one `SET NX PX` per call bounded by 250 ms. The store holds
 * `argos:webhook:` and a SHA-256 prefix of the three values, never the auth id. When Redis cannot
 * answer, firstDelivery rejects with APIConnectionError and nothing is recorded: process the
 * webhook anyway (at least once) or answer 5xx so that ARGOS sends it again.
 */
class SeenWebhooks {
  #native;

  constructor(opts) {
    const where = 'new SeenWebhooks()';
    if (opts === undefined) opts = {};
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
      throw new ConfigurationError(`${where} takes an object of options, not ${typeName(opts)}`);
    }
    const known = ['redisUrl', 'ttlMs', 'maxEntries'];
    for (const name of Object.keys(opts)) {
      if (!known.includes(name)) {
        throw new ConfigurationError(`${where} has no option ${JSON.stringify(name)}; known: ${known.join(', ')}`);
      }
    }
    const { redisUrl, ttlMs = DEFAULT_SEEN_TTL_MS, maxEntries = DEFAULT_SEEN_MAX_ENTRIES } = opts;
    if (redisUrl !== undefined && redisUrl !== null && typeof redisUrl !== 'string') {
      throw new ConfigurationError(`redisUrl must be a string, not ${typeName(redisUrl)}`);
    }
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
      throw new ConfigurationError(`ttlMs must be a positive number of milliseconds, not ${inspect(ttlMs)}`);
    }
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigurationError(`maxEntries must be a positive integer, not ${inspect(maxEntries)}`);
    }
    this.#native = call(() => new addon.NativeSeenWebhooks(redisUrl ?? undefined, ttlMs, maxEntries));
  }

  /** How long a delivery is remembered, in milliseconds. */
  get ttlMs() {
    return this.#native.ttlMs;
  }

  /** Whether this webhook (a parsed FaceAuthWebhook) is seen for the first time within ttlMs. */
  async firstDelivery(hook) {
    if (typeof hook !== 'object' || hook === null || typeof hook.authId !== 'string') {
      throw new ValidationError(`firstDelivery() takes a parsed webhook (with authId), not ${typeName(hook)}`);
    }
    const { authId, version, authStatus } = hook;
    if (!Number.isInteger(version) || version < 0 || version > 255) {
      throw new ValidationError(`firstDelivery(): the webhook's version must be 1, 2 or 3, not ${inspect(version)}`);
    }
    if (authStatus !== undefined && authStatus !== null && typeof authStatus !== 'string') {
      throw new ValidationError(`firstDelivery(): the webhook's authStatus must be a string or null`);
    }
    try {
      return await this.#native.firstDelivery(authId, version, authStatus ?? undefined);
    } catch (err) {
      throw rethrown(err, this.firstDelivery);
    }
  }

  get [Symbol.toStringTag]() {
    return 'SeenWebhooks';
  }
}

module.exports = {
  DEFAULT_MAX_BYTES,
  DEFAULT_SEEN_TTL_MS,
  DEFAULT_SEEN_MAX_ENTRIES,
  SeenWebhooks,
  readWebhook,
  argosWebhook,
  fastifyArgosWebhook,
};
