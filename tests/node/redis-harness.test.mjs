// The Redis harness itself (support/redis.mjs): a real server answers, stops freeing its port and
// comes back empty on the same port; a real three-master cluster is ok on every node.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';

import { RedisCluster, RedisHarnessError, RedisServer, startRedisServer } from './support/redis.mjs';

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('a server starts, stops freeing its port and restarts empty on the same port', async () => {
  const started = performance.now();
  const server = await RedisServer.start();
  try {
    assert.ok(performance.now() - started < 5_000);
    const { port } = server;
    assert.notEqual(port, 6379);
    assert.equal(server.url, `redis://127.0.0.1:${port}`);
    assert.equal(await server.command('SET', 'greeting', 'hello world'), 'OK');
    assert.equal(await server.command('GET', 'greeting'), 'hello world');
    assert.equal(await server.command('GET', 'missing'), '');
    assert.deepEqual(await server.keys(), ['greeting']);
    assert.match(await server.command('INCR', 'a', 'b'), /^ERR/);
    const sha = await server.command('SCRIPT', 'LOAD', 'return 1');
    assert.equal(await server.command('SCRIPT', 'EXISTS', sha), '1');
    assert.ok((await server.commandBuffer('DUMP', 'greeting')).length > 0);

    await server.stop();
    assert.equal(server.running, false);
    assert.ok(await portIsFree(port), `stop() frees port ${port}`);
    await assert.rejects(server.command('PING'), RedisHarnessError);

    await server.startAgain();
    assert.equal(server.port, port);
    assert.equal(await server.command('PING'), 'PONG');
    assert.equal(await server.command('DBSIZE'), '0');
    assert.equal(await server.command('SCRIPT', 'EXISTS', sha), '0');

    await server.command('SET', 'again', 1);
    await server.restart();
    assert.equal(server.port, port);
    assert.deepEqual(await server.keys(), []);
  } finally {
    await server.close();
  }
  assert.equal(existsSync(server.dir), false);
  assert.ok(await portIsFree(server.port));
  await server.close(); // idempotent
});

test('startRedisServer closes the server after the test', async (t) => {
  const server = await startRedisServer(t);
  assert.equal(await server.command('DBSIZE'), '0');
});

test('a cluster of three masters is ok', async () => {
  const cluster = await RedisCluster.start();
  try {
    assert.equal(cluster.ports.length, 3);
    assert.ok(cluster.ports.every((p) => p < 55535));
    assert.equal(cluster.urls, cluster.ports.map((p) => `redis://127.0.0.1:${p}`).join(','));
    for (const [i, port] of cluster.ports.entries()) {
      assert.match(await cluster.nodeCommand(i, 'CLUSTER', 'INFO'), /cluster_state:ok/, `node ${port}`);
    }
    assert.equal(await cluster.command('SET', '{tag}a', '1'), 'OK');
    assert.equal(await cluster.command('SET', '{other}b', '2'), 'OK');
    assert.equal(await cluster.command('GET', '{tag}a'), '1');
    assert.deepEqual(await cluster.keysEverywhere(), ['{other}b', '{tag}a']);
    await cluster.stop();
    for (const port of cluster.ports) assert.ok(await portIsFree(port));
  } finally {
    await cluster.close();
  }
});
