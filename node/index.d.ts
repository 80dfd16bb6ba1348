/// <reference types="node" />
/**
 * argos-addon: the client for the ARGOS Identity Add-On (FaceAuth) API.
 *
 * ```ts
 * import { Client } from 'argos-addon';
 * const client = new Client(); // reads ARGOS_API_KEY
 * const result = await client.faceAuth.submit({ submissionId: 'sub-1', faceImage: 'selfie.jpg' });
 * ```
 */

/** The version of this package. */
export declare const VERSION: string;

// <surface:client-options> written by `make surface` from core/src/options.rs; do not edit
/** Options of `new Client()`; each one falls back to its environment variable or default. */
export interface ClientOptions {
  /** The Add-On project's key; defaults to $ARGOS_API_KEY. Never printed anywhere. */
  apiKey?: string;
  /** An https:// URL; defaults to $ARGOS_BASE_URL, else the ARGOS API. */
  baseUrl?: string;
  /** In milliseconds. Per attempt, for the whole request and answer. Default 60 s. */
  timeout?: number;
  /** In milliseconds. For opening a connection. Default 10 s. */
  connectTimeout?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Extra trusted roots: PEM text, PEM bytes or the path of a PEM file. */
  caCert?: string | Uint8Array;
  /** Requests per second of the client-side limit (default 5000); None / null turns it off. */
  rateLimit?: number | null;
  /** Larger face images are refused before upload. Default 10 MiB. */
  maxUploadBytes?: number;
  /** Larger successful answers are refused (code response_too_large). Default 32 MiB. */
  maxResponseBytes?: number;
  /**
   * The key's daily cap, counted per UTC day fleet-wide with a budget store, else per client.
   * Default none.
   */
  dailyQuota?: number | null;
  /**
   * redis:// or rediss:// URL (a Redis Cluster: node URLs, comma-separated) of the budget
   * shared by every client of this key; defaults to $ARGOS_BUDGET_URL, else none.
   */
  budgetUrl?: string;
  /**
   * When the budget store cannot answer in time: "local" (default) uses this process's own
   * budget, "open" sends without one, "closed" raises BudgetUnavailableError.
   */
  budgetFailure?: "local" | "open" | "closed";
  /**
   * Headers sent on every request; x-api-key, content-type, content-length, host, traceparent
   * and tracestate cannot be set.
   */
  defaultHeaders?: Record<string, string> | null;
}
// </surface:client-options>

/**
 * A face image: a path (streamed from disk, never read whole) or the image bytes. JPEG or PNG,
 * checked by its first bytes.
 */
export type FaceImage = string | Buffer | Uint8Array;

/** A `Date` (counted by its UTC calendar day) or `"YYYY-MM-DD"`. */
export type DateLike = Date | string;

export interface SubmitParams {
  /** The approved ID Check submission to compare with. */
  submissionId: string;
  faceImage: FaceImage;
  userId?: string;
  cf1?: string;
  cf2?: string;
  cf3?: string;
}

/** Filters and paging of `listPage`; dates come both or neither. */
export interface ListPageParams {
  startDate?: DateLike;
  endDate?: DateLike;
  /** Records per page, 1 to 2000 (the API's default is 2000). */
  count?: number;
  /** `page.nextKey` of the previous page. */
  nextKey?: string;
}

/** Filters of `list`; dates come both or neither. */
export interface ListParams {
  startDate?: DateLike;
  endDate?: DateLike;
  /** Records fetched per request, 1 to 2000. Default 2000. */
  pageSize?: number;
}

export interface FaceAuthUrlParams {
  projectId: string;
  submissionId: string;
  userId?: string;
  cf1?: string;
  cf2?: string;
  cf3?: string;
  /** A one-off token: 8-64 of `A-Z a-z 0-9 . _ -`, starting and ending with a letter or digit. */
  token?: string;
}

/** Per-call settings of {@link Client.withOptions}; a setting left out keeps the client's. */
export interface CallOptions {
  /** In milliseconds. Per attempt, for the whole request and answer. */
  timeout?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /**
   * Headers sent on every request of the copy, beside (or replacing by name) the client's
   * `defaultHeaders`; x-api-key, content-type, content-length, host, traceparent and tracestate
   * cannot be set.
   */
  extraHeaders?: Record<string, string>;
}

/** The HTTP answer that carried a result, and how the call got it. */
export interface ResponseInfo {
  status: number;
  /** `x-amzn-RequestId` (else `x-amz-apigw-id`): quote it to ARGOS support. */
  requestId: string | null;
  /** The answer's headers, names lower-cased; a repeated one's values joined by `", "`. */
  headers: Record<string, string>;
  /** Attempts the call made: 1 when it was not retried. */
  attempts: number;
  /** From the call's start (its wait for the rate limit included) to the answer read whole. */
  elapsedMs: number;
}

/** What `faceAuth.withResponse` returns: the operation's value and the response it came in. */
export interface WithResponse<T> {
  value: T;
  response: ResponseInfo;
}

// <surface:models> written by `make surface` from core/src/surface.rs; do not edit
/** Scores of the checks the project's policy enabled; a check that did not run has no score. */
export interface Score {
  faceSimilarityScore: number | null;
  occludedScore: number | null;
  faceCoverScore: number | null;
  headCoverScore: number | null;
}

/** The answer to `POST /faceauth`. A rejection is a result, never an error. */
export interface FaceAuthResult {
  authenticationId: string;
  /** `"approved"`, `"rejected"`, or whatever new value the API sends. */
  authStatus: 'approved' | 'rejected' | (string & {});
  approved: boolean;
  score: Score;
  createTime: Date | null;
  /**
   * Failure codes in the API's exact case (`face_compare_underscore`, `Face_Occluded_fail`,
   * ...).
   */
  failCodes: string[];
  rejectedComments: string[];
  /** The HTTP answer that carried this result (shared by the records of a page). */
  response: ResponseInfo;
  /** The JSON object as received. */
  raw: Record<string, unknown>;
}

/** The policy snapshot a record was judged with; a threshold the API omits has no value. */
export interface Policy {
  faceSimilarityThreshold: number | null;
  occludedThreshold: boolean | null;
  faceCoverThreshold: number | null;
  headCoverThreshold: number | null;
  livenessThreshold: number | null;
  activeLivenessThreshold: number | null;
}

/** One record of `GET /faceauth`. */
export interface FaceAuthRecord {
  authId: string;
  authStatus: 'approved' | 'rejected' | (string & {});
  approved: boolean;
  createTime: Date | null;
  submitType: string | null;
  kycSubmissionId: string | null;
  policy: Policy | null;
  /** `delete_check`: the record's image and personal data were erased. */
  deleted: boolean;
  /** The HTTP answer that carried this result (shared by the records of a page). */
  response: ResponseInfo;
  /** The JSON object as received. */
  raw: Record<string, unknown>;
}

/** One page of `GET /faceauth`. */
export interface FaceAuthPage {
  records: FaceAuthRecord[];
  /** Where the next page starts (bindings show it as an opaque token); none on the last page. */
  nextKey: string | null;
  /** The HTTP answer that carried this result (shared by the records of a page). */
  response: ResponseInfo;
}

/** The reference ID Check submission's values, as the webhook repeats them. */
export interface WebhookReference {
  userId: string | null;
  email: string | null;
  cf1: string | null;
  cf2: string | null;
  cf3: string | null;
}

/** A `faceAuth` webhook, the same whichever of the three published versions was sent. */
export interface FaceAuthWebhook {
  authId: string;
  submissionId: string | null;
  authStatus: string | null;
  createTime: Date | null;
  userId: string | null;
  cf1: string | null;
  cf2: string | null;
  cf3: string | null;
  tokenId: string | null;
  reference: WebhookReference | null;
  /**
   * 1 (snake_case, `auth_id`), 2 (`Authentication_id` at the top) or 3 (target fields
   * `Auth_*`).
   */
  version: 1 | 2 | 3;
  /** The decrypted JSON body. */
  raw: Record<string, unknown>;
}

/**
 * The budget of this client's key today, as the budget store (or, without one, this client)
 * counts it.
 */
export interface BudgetStatus {
  /** Requests per second shared by every client of the key; none when unlimited. */
  rateLimit: number | null;
  dailyQuota: number | null;
  /** Requests sent since 00:00 UTC. */
  usedToday: number;
  /** None without a daily_quota; 0 once the API said the day is spent. */
  remainingToday: number | null;
  /** The next 00:00 UTC. */
  resetsAt: Date;
  /** `"redis"` or `"local"`. */
  store: 'redis' | 'local';
  /** False when the store did not answer in time; the counts are then this client's. */
  healthy: boolean;
}
// </surface:models>

/** What every operation takes last. */
export interface RequestOptions {
  /**
   * Aborts the call: its promise rejects with {@link APIUserAbortError} (`name` `'AbortError'`),
   * the request is dropped (its connection closes, no retry starts) and the client stays usable.
   * A signal aborted already sends nothing.
   */
  signal?: AbortSignal;
}

/**
 * `image` and `delete` with the {@link ResponseInfo} that answered them
 * (`client.faceAuth.withResponse`); the other operations' results carry theirs as `response`.
 */
export declare class FaceAuthWithResponse {
  private constructor();
  /** The FaceAuth image, decoded, and the answer's response. */
  image(authId: string, options?: RequestOptions): Promise<WithResponse<Buffer>>;
  /** Erases the image and personal data; `value` is `undefined`. */
  delete(authId: string, options?: RequestOptions): Promise<WithResponse<undefined>>;
}

/** The Add-On operations of a {@link Client} (`client.faceAuth`). */
export declare class FaceAuth {
  private constructor();
  /** `image` and `delete` returning `{ value, response }`. */
  readonly withResponse: FaceAuthWithResponse;
  /**
   * Compares `faceImage` with the approved ID Check submission `submissionId`. Never retried once
   * the request may have reached the server (each arrival counts against the quota).
   */
  submit(params: SubmitParams, options?: RequestOptions): Promise<FaceAuthResult>;
  /** One record; {@link NotFoundError} (code `NOT_FOUND`) when the API returns none. */
  get(authId: string, options?: RequestOptions): Promise<FaceAuthRecord>;
  /** One page of records, newest first; pass `page.nextKey` back for the next one. */
  listPage(params?: ListPageParams, options?: RequestOptions): Promise<FaceAuthPage>;
  /**
   * Every record, newest first, fetching pages only as the iteration needs them:
   * `for await (const record of client.faceAuth.list()) { ... }`. Bad parameters throw here.
   */
  list(params?: ListParams, options?: RequestOptions): AsyncGenerator<FaceAuthRecord, void, undefined>;
  /** The FaceAuth image, decoded. */
  image(authId: string, options?: RequestOptions): Promise<Buffer>;
  /** Erases the image and personal data; the record stays, marked `deleted`. */
  delete(authId: string, options?: RequestOptions): Promise<void>;
}

/**
 * A client of the ARGOS Add-On (FaceAuth) API. Options are checked at once: a bad one throws
 * {@link ConfigurationError} before any I/O. One client serves any number of concurrent calls
 * over one connection pool, and keeps no handle open between calls.
 */
export declare class Client {
  constructor(options?: ClientOptions);
  /** The Add-On operations. */
  readonly faceAuth: FaceAuth;
  /** The base URL in use, without a trailing slash. */
  readonly baseUrl: string;
  /**
   * A client sharing this one's connection pool, rate limit and budget, whose calls use these
   * settings instead; checked now, before any I/O (a bad one throws
   * {@link ConfigurationError}). Closing the copy ends only its own calls.
   */
  withOptions(options: CallOptions): Client;
  /** The hosted Face Auth URL, its parameters encrypted with this client's key. */
  faceAuthUrl(params: FaceAuthUrlParams): string;
  /**
   * Today's budget of this key: the fleet's, from the budget store (one round trip), else this
   * client's own.
   */
  budgetStatus(): Promise<BudgetStatus>;
  /**
   * Ends this client's calls (later ones reject with {@link APIConnectionError}) and drops its
   * share of the connection pool, which closes once the client and its `withOptions` copies are
   * all closed or collected.
   */
  close(): void;
}

/**
 * Encrypts `params` for an ARGOS `encrypted=` query value: compact JSON (keys in the given
 * order), AES-256-ECB with SHA-256(apiKey) as the key, PKCS#7, standard base64. URL-encode it
 * before putting it in a URL (`client.faceAuthUrl` does).
 */
export declare function encryptQuery(params: Record<string, unknown>, apiKey: string): string;

/** Reverses {@link encryptQuery}; a wrong key or corrupt input throws {@link WebhookError}. */
export declare function decryptQuery(ciphertext: string, apiKey: string): Record<string, unknown>;

/**
 * Parses a `faceAuth` webhook's raw body (versions 1-3); an encrypted `{"data": "..."}` body
 * needs the project's `apiKey`. Anything malformed throws {@link WebhookError}.
 */
export declare function parseWebhook(body: string | Uint8Array, options?: { apiKey?: string }): FaceAuthWebhook;

/** The fields every {@link ArgosError} carries; `null` where they do not apply. */
export interface ArgosErrorOptions {
  status?: number | null;
  code?: string | null;
  traceId?: string | null;
  requestId?: string | null;
  retryAfter?: number | null;
  body?: string | null;
  cause?: unknown;
}

/** Base of every error thrown by argos-addon. No message, stack or field holds the API key. */
export declare class ArgosError extends Error {
  constructor(message: string, options?: ArgosErrorOptions);
  /** The HTTP status of the answer; `null` when there was none. */
  status: number | null;
  /** The API's error code (e.g. `required_field_missing`, `NOT_FOUND`), when it sent one. */
  code: string | null;
  traceId: string | null;
  /** `x-amzn-RequestId` (or `x-amz-apigw-id`): quote it to ARGOS support. */
  requestId: string | null;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  retryAfter: number | null;
  /** The answer's body as text, cut at 8 KiB; `null` when there was no answer. */
  body: string | null;
}

// <surface:errors> written by `make surface` from core/src/error_kind.rs; do not edit
/** A bad key, base URL or option, found when the client is built, before any I/O. */
export declare class ConfigurationError extends ArgosError {}

/** Bad input, caught before any request was sent. */
export declare class ValidationError extends ArgosError {}

/** A malformed or undecryptable webhook body or encrypted query. */
export declare class WebhookError extends ArgosError {}

/**
 * The budget store (budget_url) did not answer in time and budget_failure is "closed"; nothing
 * was sent.
 */
export declare class BudgetUnavailableError extends ArgosError {}

/** DNS, connect, TLS, reset or a truncated answer; the cause holds the transport reason. */
export declare class APIConnectionError extends ArgosError {
  cause?: Error;
}

/** The attempt ran past the timeout (or the connect timeout). */
export declare class APITimeoutError extends APIConnectionError {}

/**
 * An answer the SDK cannot use that no narrower class describes: a non-2xx status, a redirect,
 * a 2xx that is unreadable or over the response limit, or a 200 to get without the record.
 */
export declare class APIStatusError extends ArgosError {
  status: number;
  body: string;
}

/** 400: missing or malformed parameters, or a business rule of the API. */
export declare class BadRequestError extends APIStatusError {}

/** 400 (or an empty answer to get) saying the record or submission does not exist. */
export declare class NotFoundError extends BadRequestError {}

/** 401 or 403 "Forbidden": the API key is missing or wrong (use the Add-On project's key). */
export declare class AuthenticationError extends APIStatusError {}

/** 403 "... explicit deny": this machine's IP is not on the project's allow-list. */
export declare class IPNotAllowedError extends APIStatusError {}

/** 413: the request (usually the image) is too large. */
export declare class PayloadTooLargeError extends APIStatusError {}

/**
 * 429 "Too Many Requests", retried automatically and raised when retries ran out; or, with code
 * local_rate_limit and no status, no slot of the rate budget within the timeout.
 */
export declare class RateLimitError extends APIStatusError {}

/**
 * 429 "Limit Exceeded": the daily quota is used up (resets 00:00 UTC), never retried; or, with
 * code local_quota and no status, daily_quota is spent, and nothing was sent.
 */
export declare class QuotaExceededError extends RateLimitError {}

/** 5xx without a class of its own. */
export declare class ServerError extends APIStatusError {}

/** 500. */
export declare class InternalServerError extends ServerError {}

/** 502, often an HTML page from a gateway; retried for GET and DELETE. */
export declare class BadGatewayError extends ServerError {}
// </surface:errors>

/**
 * The call was aborted through its `AbortSignal` ({@link RequestOptions}); nothing more is sent.
 * Its `name` is `'AbortError'`, as for `fetch`.
 */
export declare class APIUserAbortError extends ArgosError {}
