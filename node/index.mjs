// ESM entry point: the same exports as the CommonJS one, one module instance for both.
export * from './index.js';
