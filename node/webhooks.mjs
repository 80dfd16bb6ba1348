// ESM entry point of argos-addon/webhooks.
export * from './webhooks.js';
