// Shared by the Node suites: a fresh mock per test, test images, the conformance vectors, and a
// runner for code that must run in a process of its own.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { MockServer } from 'argos-addon/testing';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SUBMISSION = 'sub0000000001';

/** JPEG by its magic bytes; the mock compares bytes and never decodes them. */
export function jpeg(tag = 1, size = 64) {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF'), Buffer.alloc(size, tag)]);
}

export function png(tag = 2) {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, tag)]);
}

export function vectors(name) {
  return JSON.parse(readFileSync(new URL(`../../conformance/${name}`, import.meta.url), 'utf8'));
}

/** A mock with the approved submission `SUBMISSION` (selfie `jpeg(1)`), stopped after test `t`. */
export async function startMock(t, options) {
  const mock = await MockServer.start(options);
  t.after(() => mock.stop());
  mock.addSubmission(SUBMISSION, { selfie: jpeg(1) });
  return mock;
}

// Never passed on to a child: with them a child could reach the real API (ARGOS_API_KEY and a
// submission id switch the quickstart to it) or route loopback through a proxy.
const SCRUBBED = new Set([
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'NODE_EXTRA_CA_CERTS',
]);

/** Whether the variable `name` is kept from children: ARGOS_*, proxies, CA settings. */
export const scrubbed = (name) => name.startsWith('ARGOS_') || SCRUBBED.has(name.toUpperCase());

/** The environment of every child a test starts: this one without what `scrubbed` names. */
export function childEnv(extra = {}) {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !scrubbed(name))), ...extra };
}

/**
 * Runs ES module `code` in a new Node process (with `flags`) from the repository root, so
 * `argos-addon` resolves to this package; resolves with its exit code, output and wall time.
 * It is killed after `timeoutMs`.
 */
export function runNode(code, { env = {}, flags = [], timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: childEnv(env),
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started }),
    );
  });
}
