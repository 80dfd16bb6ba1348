/// <reference types="node" />
/**
 * `argos-addon/webhooks`: a `faceAuth` webhook read from a web framework's request, as the raw
 * bytes ARGOS sent. Neither Express nor Fastify is needed to load it.
 *
 * ```ts
 * import express from 'express';
 * import { argosWebhook } from 'argos-addon/webhooks';
 * const app = express();
 * app.post('/argos/webhook', argosWebhook({ apiKey: process.env.ARGOS_API_KEY }), (req, res) => {
 *   const hook = req.argosWebhook!;
 *   console.log(hook.authId, hook.authStatus);
 *   res.sendStatus(200);
 * });
 * app.use(express.json()); // other routes may parse JSON: the webhook route was mounted first
 * ```
 *
 * Every `WebhookError` from here has `status` set to the HTTP status to answer with:
 * 400 not a webhook, 413 over `maxBytes`, 500 the body was parsed or read before argos-addon saw
 * it (`code` `"webhook_body_not_raw"`; the message says what to change).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FaceAuthWebhook } from './index.js';

/** 1 MiB: a `faceAuth` webhook is a few hundred bytes of JSON. Fastify's default bodyLimit too. */
export declare const DEFAULT_MAX_BYTES: number;

export interface WebhookOptions {
  /** The Add-On project's API key; needed for encrypted (`{"data": "..."}`) bodies. */
  apiKey?: string;
  /** Larger bodies are refused (413). Default {@link DEFAULT_MAX_BYTES}. */
  maxBytes?: number;
}

/**
 * Parses a webhook's raw body (a `string`, `Buffer` or `Uint8Array`) as `parseWebhook` does. It
 * takes whatever the framework gave (`req.body`, Fastify's `unknown` `request.body`), because it
 * checks at run time: a parsed body (an object, from a JSON body parser that ran first) or none
 * throws `WebhookError` (status 500) saying how to fix that; a body over `maxBytes` throws one
 * with status 413; a malformed one with status 400.
 */
export declare function readWebhook(body: unknown, options?: WebhookOptions): FaceAuthWebhook;

/** The request as the middleware sees it: Express's, Connect's or node:http's. */
export type WebhookRequest = IncomingMessage & { body?: unknown; argosWebhook?: FaceAuthWebhook };

/** An Express / Connect middleware. */
export type WebhookMiddleware = (
  req: WebhookRequest,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Express (or Connect, or node:http) middleware: reads the raw body itself when no body parser
 * ran (or takes express.raw()'s Buffer), sets `req.argosWebhook` and calls `next()`; every failure
 * goes to `next(err)` as a `WebhookError` with the status to answer. Mount it on the
 * webhook route, before any `app.use(express.json())`.
 */
export declare function argosWebhook(options?: WebhookOptions): WebhookMiddleware;

/** A Fastify request of the webhook route: a FastifyRequest with `argosWebhook` set. */
export interface FastifyWebhookRequest {
  argosWebhook: FaceAuthWebhook;
  // The rest of FastifyRequest, untyped here so that argos-addon does not need fastify's types.
  [key: string]: any;
}

export interface FastifyWebhookOptions extends WebhookOptions {
  /** The route's path (under the `prefix` given to `register`, if any). */
  url: string;
  /** Default `"POST"`. */
  method?: string;
  /** An ordinary Fastify handler; the parsed webhook is `request.argosWebhook`. */
  handler: (request: FastifyWebhookRequest, reply: any) => unknown;
}

/**
 * Fastify plugin: `fastify.register(fastifyArgosWebhook, { url, apiKey, handler })` adds the
 * webhook route in an encapsulated context that reads every content type as a raw Buffer of at
 * most `maxBytes` (Fastify answers 413 past it); the rest of the app keeps its parsers.
 */
export declare function fastifyArgosWebhook(fastify: any, options: FastifyWebhookOptions): Promise<void>;

/** How long {@link SeenWebhooks} remembers a delivery unless told otherwise: one day, in ms. */
export declare const DEFAULT_SEEN_TTL_MS: number;
/** How many deliveries the in-memory {@link SeenWebhooks} remembers unless told otherwise. */
export declare const DEFAULT_SEEN_MAX_ENTRIES: number;

export interface SeenWebhooksOptions {
  /**
   * Share the deliveries through this Redis (one `redis://` / `rediss://` URL, or a cluster's
   * comma-separated nodes, as the client's `budgetUrl`); default: this process's memory.
   */
  redisUrl?: string;
  /** How long a delivery is remembered, in milliseconds. Default {@link DEFAULT_SEEN_TTL_MS}. */
  ttlMs?: number;
  /** In memory only: past this many, the oldest are forgotten. Default {@link DEFAULT_SEEN_MAX_ENTRIES}. */
  maxEntries?: number;
}

/**
 * Drops duplicate deliveries: `await seen.firstDelivery(hook)` is `true` the first time a
 * webhook's (`authId`, `version`, `authStatus`) is seen within `ttlMs`, `false` for a repeat.
 * With `redisUrl`, one `SET NX PX` per call, bounded by 250 ms; when Redis cannot answer it
 * rejects with `APIConnectionError` and nothing is recorded (process the webhook anyway, or
 * answer 5xx so that ARGOS retries). A bad option throws `ConfigurationError`.
 */
export declare class SeenWebhooks {
  constructor(options?: SeenWebhooksOptions);
  /** How long a delivery is remembered, in milliseconds. */
  readonly ttlMs: number;
  firstDelivery(hook: Pick<FaceAuthWebhook, 'authId' | 'version' | 'authStatus'>): Promise<boolean>;
}

declare global {
  // Express's Request (from @types/express) gets the field the middleware sets.
  namespace Express {
    interface Request {
      argosWebhook?: FaceAuthWebhook;
    }
  }
}
