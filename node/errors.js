'use strict';
// The error tree of argos-addon, as plain JavaScript classes. native.js makes them out
// of the addon's failures; the core keeps the API key and URL query strings out of every
// message, body and cause.

/** Base of every error thrown by argos-addon. */
class ArgosError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    /** The HTTP status of the answer, or `null` when there was none. */
    this.status = options.status ?? null;
    /** The API's error code (e.g. `required_field_missing`, `NOT_FOUND`), when it sent one. */
    this.code = options.code ?? null;
    this.traceId = options.traceId ?? null;
    /** `x-amzn-RequestId` (or `x-amz-apigw-id`): quote it to ARGOS support. */
    this.requestId = options.requestId ?? null;
    /** Seconds the server asked to wait (`Retry-After`), when it said. */
    this.retryAfter = options.retryAfter ?? null;
    /** The answer's body as text, cut at 8 KiB; `null` when there was no answer. */
    this.body = options.body ?? null;
  }
}

// <surface:errors> written by `make surface` from core/src/error_kind.rs; do not edit
/** A bad key, base URL or option, found when the client is built, before any I/O. */
class ConfigurationError extends ArgosError {}

/** Bad input, caught before any request was sent. */
class ValidationError extends ArgosError {}

/** A malformed or undecryptable webhook body or encrypted query. */
class WebhookError extends ArgosError {}

/**
 * The budget store (budget_url) did not answer in time and budget_failure is "closed"; nothing
 * was sent.
 */
class BudgetUnavailableError extends ArgosError {}

/** DNS, connect, TLS, reset or a truncated answer; the cause holds the transport reason. */
class APIConnectionError extends ArgosError {}

/** The attempt ran past the timeout (or the connect timeout). */
class APITimeoutError extends APIConnectionError {}

/**
 * An answer the SDK cannot use that no narrower class describes: a non-2xx status, a redirect,
 * a 2xx that is unreadable or over the response limit, or a 200 to get without the record.
 */
class APIStatusError extends ArgosError {}

/** 400: missing or malformed parameters, or a business rule of the API. */
class BadRequestError extends APIStatusError {}

/** 400 (or an empty answer to get) saying the record or submission does not exist. */
class NotFoundError extends BadRequestError {}

/** 401 or 403 "Forbidden": the API key is missing or wrong (use the Add-On project's key). */
class AuthenticationError extends APIStatusError {}

/** 403 "... explicit deny": this machine's IP is not on the project's allow-list. */
class IPNotAllowedError extends APIStatusError {}

/** 413: the request (usually the image) is too large. */
class PayloadTooLargeError extends APIStatusError {}

/**
 * 429 "Too Many Requests", retried automatically and raised when retries ran out; or, with code
 * local_rate_limit and no status, no slot of the rate budget within the timeout.
 */
class RateLimitError extends APIStatusError {}

/**
 * 429 "Limit Exceeded": the daily quota is used up (resets 00:00 UTC), never retried; or, with
 * code local_quota and no status, daily_quota is spent, and nothing was sent.
 */
class QuotaExceededError extends RateLimitError {}

/** 5xx without a class of its own. */
class ServerError extends APIStatusError {}

/** 500. */
class InternalServerError extends ServerError {}

/** 502, often an HTML page from a gateway; retried for GET and DELETE. */
class BadGatewayError extends ServerError {}

module.exports = {
  ArgosError,
  ConfigurationError,
  ValidationError,
  WebhookError,
  BudgetUnavailableError,
  APIConnectionError,
  APITimeoutError,
  APIStatusError,
  BadRequestError,
  NotFoundError,
  AuthenticationError,
  IPNotAllowedError,
  PayloadTooLargeError,
  RateLimitError,
  QuotaExceededError,
  ServerError,
  InternalServerError,
  BadGatewayError,
};
// </surface:errors>

/**
 * The call was aborted through its `AbortSignal`: nothing more is sent and no retry starts. Its
 * `name` is `'AbortError'`, as for `fetch`, so code that checks for aborts by name sees one.
 */
class APIUserAbortError extends ArgosError {}
module.exports.APIUserAbortError = APIUserAbortError;

// On the prototype, so stacks start with the class name and `util.inspect` does not list it.
for (const [name, cls] of Object.entries(module.exports)) {
  const shown = cls === APIUserAbortError ? 'AbortError' : name;
  Object.defineProperty(cls.prototype, 'name', { value: shown, writable: true, configurable: true });
}
