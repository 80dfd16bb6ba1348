// README: "faceImage as a path is streamed from disk". A client in a process of its own uploads a
// file far larger than the growth its peak memory is allowed; the mock is in this one.

import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { jpeg, runNode, startMock, SUBMISSION } from './support/fixtures.mjs';

const MIB = 1024 * 1024;
const SIZE = 48 * MIB;
// Peak RSS growth the upload may cause: a fraction of the file (read whole, it would be 48 MiB).
const BOUND = 16 * MIB;

test('a path is streamed from disk, not read whole', async (t) => {
  const big = join(mkdtempSync(join(tmpdir(), 'argos-')), 'big.jpg');
  const fd = openSync(big, 'w');
  writeSync(fd, jpeg(7));
  ftruncateSync(fd, SIZE); // sparse: written in no time, read back as zeros
  closeSync(fd);
  const mock = await startMock(t, { maxBodyBytes: SIZE + MIB });
  const options = { apiKey: mock.apiKey, baseUrl: mock.baseUrl, caCert: mock.caCertPem, maxUploadBytes: SIZE + MIB };
  const run = await runNode(`
    import { readFileSync, writeFileSync } from 'node:fs';
    import { Client } from 'argos-addon';
    const kib = (field) => Number(readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith(field)).split(/\\s+/)[1]);
    const client = new Client(${JSON.stringify(options)});
    const small = Buffer.from(${JSON.stringify([...jpeg(1)])});
    const warm = await client.faceAuth.submit({ submissionId: ${JSON.stringify(SUBMISSION)}, faceImage: small });
    if (!warm.approved) throw new Error('the warm-up was not approved');
    globalThis.gc?.();
    writeFileSync('/proc/self/clear_refs', '5'); // the peak starts again from here
    const before = kib('VmRSS:');
    const result = await client.faceAuth.submit({ submissionId: ${JSON.stringify(SUBMISSION)}, faceImage: ${JSON.stringify(big)} });
    if (result.approved) throw new Error('another face was approved');
    console.log((kib('VmHWM:') - before) * 1024);
  `, { flags: ['--expose-gc'], timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  const received = mock.requests().filter((r) => r.method === 'POST').at(-1);
  assert.ok(received.bodyLen > SIZE, `${received.bodyLen}`);
  const growth = Number(run.stdout.trim());
  assert.ok(growth < BOUND, `peak RSS grew by ${(growth / MIB).toFixed(1)} MiB uploading ${SIZE / MIB} MiB`);
});
