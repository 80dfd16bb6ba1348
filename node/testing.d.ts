/// <reference types="node" />
/**
 * `argos-addon/testing`: a local ARGOS Add-On server for your tests.
 *
 * ```ts
 * import { MockServer } from 'argos-addon/testing';
 * const mock = await MockServer.start();
 * mock.addSubmission('sub-1', { selfie: 'selfie.jpg' });
 * const result = await mock.client().faceAuth.submit({ submissionId: 'sub-1', faceImage: 'selfie.jpg' });
 * await mock.stop();
 * ```
 */
import type { Client, ClientOptions } from './index.js';

export interface MockServerOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** The only accepted key; generated when absent. */
  apiKey?: string;
  /** The project id it reports; generated when absent. */
  projectId?: string;
  /** Larger bodies get 413. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Requests per second before 429 "Too Many Requests"; `null` for none. Default 5000. */
  rateLimit?: number | null;
  /** Requests per UTC day before 429 "Limit Exceeded"; `null` for none. Default 500000. */
  dailyQuota?: number | null;
  /**
   * Keyed requests let through in each whole UTC second; the rest of that second get 429 "Too
   * Many Requests" with `Retry-After: 1`, as a strict gateway answers. Default `null` (off).
   */
  gatewayLimit?: number | null;
  /** The project's similarity threshold: other faces score below it. Default 85. */
  similarityThreshold?: number;
  /**
   * How many of the latest requests `requests()` keeps, so that memory stays flat however long
   * the server runs; 0 keeps none. Default 10000.
   */
  requestLogLimit?: number;
}

/** Image bytes, or the path of an image file. */
export type ImageSource = Uint8Array | string;

/** Which requests a fault applies to. */
export interface FaultScope {
  /** How many of the next matching requests. Default 1. */
  times?: number;
  /** e.g. `"GET"`; absent matches any. */
  method?: string;
  /** Relative to `/v3`, e.g. `"/faceauth"`; absent matches any. */
  path?: string;
}

export interface SeedRecord {
  /** Default `"approved"`. */
  authStatus?: string;
  /** Default now. */
  createTime?: Date;
  /** Default `"seeded-submission"`. */
  submissionId?: string;
  /** Generated when absent. */
  authId?: string;
  /** Served by the image endpoint. */
  image?: ImageSource;
}

export interface ForcedVerdict {
  /** Default: `approved` without fail codes, `rejected` with them. */
  status?: string;
  /** `face_similarity_score`. */
  score?: number;
  /** Known codes bring their documented comment and score. */
  failCodes?: string[];
}

/** One part of a recorded multipart body. */
export interface RecordedFormPart {
  name: string;
  fileName: string | null;
  contentType: string | null;
  len: number;
  /** The value of a non-file part. */
  text: string | null;
}

/** One request as it reached the mock; the key header reads `<redacted>`. */
export interface RecordedRequest {
  method: string;
  /** Relative to `/v3`. */
  path: string;
  /** Decoded query parameters, in order. */
  query: Array<[string, string]>;
  /** Lower-case names. */
  headers: Array<[string, string]>;
  form: RecordedFormPart[];
  bodyLen: number;
}

/**
 * The requests `requests()` lists, oldest first: an array, with `dropped` (not enumerable), how
 * many older requests were let go before the first one listed, since start or `resetCounts()`.
 */
export interface RequestLog extends Array<RecordedRequest> {
  readonly dropped: number;
}

/** The keyed requests of one whole UTC second, as `perSecondCounts()` lists them. */
export interface SecondCount {
  /** Unix seconds. */
  second: number;
  /** Requests with the right key (those the daily quota counts), whatever their outcome. */
  requests: number;
  /** Those of them the gateway limit refused. */
  throttled: number;
}

/**
 * The Rust mock ARGOS server, in this process: the four Add-On endpoints over real HTTPS on
 * 127.0.0.1 with its own CA, key and project id; the gateway's answers (403 Forbidden / explicit
 * deny, 413, 429 rate and daily quota, and the per-second `gatewayLimit`); and faults on demand.
 */
export declare class MockServer {
  private constructor();
  /** Starts a server; resolves once it accepts connections. */
  static start(options?: MockServerOptions): Promise<MockServer>;
  /** `https://127.0.0.1:<port>/v3`. */
  readonly baseUrl: string;
  /** The PEM of the CA that signed the server's certificate. */
  readonly caCertPem: string;
  readonly apiKey: string;
  readonly projectId: string;
  readonly port: number;
  /** A client configured for this server; `options` override the defaults. */
  client(options?: ClientOptions): Client;
  /**
   * Seeds an ID Check submission. Submitting the same bytes as `selfie` is approved; any other
   * image is rejected with `face_compare_underscore`.
   */
  addSubmission(submissionId: string, options?: { status?: string; selfie?: ImageSource }): void;
  /** Inserts a FaceAuth record directly (for listing tests); returns its auth id. */
  addRecord(record?: SeedRecord): string;
  /** Decides the next successful submit. */
  forceNextVerdict(verdict?: ForcedVerdict): void;
  /** Answers the next matching requests with `status`, `body` and `headers`. */
  failNext(status: number, body?: string, options?: FaultScope & { headers?: Record<string, string> }): void;
  /** Answers with a gateway's HTML 502 page. */
  badGatewayNext(scope?: FaultScope): void;
  /** Waits `ms` milliseconds before answering normally. */
  delayNext(ms: number, scope?: FaultScope): void;
  /** Closes the connection without answering. */
  dropNext(scope?: FaultScope): void;
  clearFaults(): void;
  /** Answers every request with 403 "explicit deny". Default `true`. */
  setDeny(deny?: boolean): void;
  /** Allows `quota` more requests today, then 429 "Limit Exceeded"; `null` for no cap. */
  setDailyQuota(quota: number | null): void;
  /** Requests per second before 429 "Too Many Requests"; `null` for no limit. */
  setRateLimit(perSecond: number | null): void;
  /**
   * Lets at most `perSecond` keyed requests through in each whole UTC second, then 429 with
   * `Retry-After: 1`; `null` turns it off. The current second is counted afresh; the per-second
   * counts are kept.
   */
  setGatewayLimit(perSecond: number | null): void;
  /** The `GET /faceauth` shape: `"wrapper"` (current docs, default) or `"bare"` (older docs). */
  setListShape(shape: 'wrapper' | 'bare'): void;
  /** How the image endpoint packs its base64: `"raw"` (default), `"json"` or `"data_uri"`. */
  setImageEncoding(encoding: 'raw' | 'json' | 'data_uri'): void;
  /** Requests that arrived in all. */
  requestCount(): number;
  /** Requests that arrived for `method` and `path`, e.g. `("GET", "/faceauth")`. */
  requestCount(method: string, path: string): number;
  /**
   * TCP connections accepted, whether or not their TLS handshake succeeded; a client that reused
   * one connection counts once.
   */
  connectionCount(): number;
  /** TLS handshakes completed; a connection whose handshake failed is not counted. */
  handshakeCount(): number;
  /**
   * Zeroes the request counts (the per-second ones, the connection and handshake counts and
   * `droppedRequests()` too) and forgets the recorded requests.
   */
  resetCounts(): void;
  /** The seconds of the last hour that had keyed requests, oldest first. */
  perSecondCounts(): SecondCount[];
  /** The last `requestLogLimit` requests that arrived, oldest first. */
  requests(): RequestLog;
  /** How many older requests the log let go to keep only the last `requestLogLimit`. */
  droppedRequests(): number;
  /** Stops the server; in-flight requests get a moment to finish. */
  stop(): Promise<void>;
}
