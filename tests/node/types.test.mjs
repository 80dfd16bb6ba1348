// tsc --strict over the typing test and the TypeScript quickstart, through the package's
// exports map (ESM and CommonJS conditions).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { childEnv, ROOT } from './support/fixtures.mjs';

test('tsc --strict --noEmit passes', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tests/node/tsconfig.json'], { cwd: ROOT, encoding: 'utf8', env: childEnv() });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
