// ESM entry point of argos-addon/testing.
export * from './testing.js';
