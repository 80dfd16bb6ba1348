// The package's entry points: CommonJS and ESM share one module instance, and the version agrees.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import * as esm from 'argos-addon';
import * as esmTesting from 'argos-addon/testing';

const require = createRequire(import.meta.url);

test('require and import give the same classes and functions', () => {
  const cjs = require('argos-addon');
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], name);
  assert.equal(esmTesting.MockServer, require('argos-addon/testing').MockServer);
});

test('VERSION is the package version', () => {
  const pkg = JSON.parse(readFileSync(require.resolve('argos-addon/package.json'), 'utf8'));
  assert.equal(esm.VERSION, pkg.version);
});
