// Real Redis servers and clusters for the Node suites (Debian's redis-server 7.0, installed by
// scripts/install-redis.sh, which `make test-node` runs first). No mock of Redis, no client
// library: processes, node:net and redis-cli. Node's standard library only.
//
//   import { RedisServer, RedisCluster, startRedisServer, startRedisCluster } from './support/redis.mjs';
//
//   const redis = await RedisServer.start();        // a free loopback port, never 6379
//   await redis.command('SET', 'k', 'v');           // 'OK' (redis-cli's raw output, as text)
//   await redis.stop(); await redis.startAgain();   // same port, empty data and script cache
//   await redis.close();                            // stops it and deletes its directory
//
// `startRedisServer(t)` / `startRedisCluster(t)` start one and close it after test `t`. Every
// server still running when the process exits (or gets SIGINT/SIGTERM/SIGHUP) is killed and its
// directory deleted; the child processes are unref'd, so a forgotten one never keeps a test file
// from exiting. A failure to start rejects with the server's log tail. ARGOS_REDIS_SERVER /
// ARGOS_REDIS_CLI override the binaries' names or paths.

import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Milliseconds a server may take to answer its first PING. */
const START_TIMEOUT_MS = 10_000;
/** Milliseconds a cluster may take to report cluster_state:ok on every node. */
const CLUSTER_TIMEOUT_MS = 20_000;
/** Milliseconds a server may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000;
/** Attempts at a fresh port when another process took the chosen one first. */
const PORT_ATTEMPTS = 20;
/** The cluster bus listens on the client port + 10000. */
const BUS_OFFSET = 10_000;
const CLI_TIMEOUT_MS = 30_000;

export const serverBin = () => process.env.ARGOS_REDIS_SERVER || 'redis-server';
export const cliBin = () => process.env.ARGOS_REDIS_CLI || 'redis-cli';

export class RedisHarnessError extends Error {
  name = 'RedisHarnessError';
}

// ---- cleanup at exit -------------------------------------------------------------------------

/** Live child processes and directories not yet deleted, for the exit hook. */
const liveChildren = new Set();
const liveDirs = new Set();

function cleanupNow() {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

process.on('exit', cleanupNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  const onSignal = () => {
    cleanupNow();
    process.removeListener(signal, onSignal);
    // Without other listeners the signal's default action (terminate) applies again.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

// ---- ports, logs, PING, redis-cli --------------------------------------------------------------

/** Whether `port` can be bound on 127.0.0.1 right now; `0` binds any port and resolves it. */
function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

async function portIsFree(port) {
  return (await bindable(port)) !== null;
}

/** A port the kernel just handed out on loopback (a race stays possible: callers retry). */
async function freePort() {
  const port = await bindable(0);
  if (port === null) throw new RedisHarnessError('cannot bind 127.0.0.1:0');
  return port;
}

/** A free port P below 55535 whose cluster bus port P + 10000 is free too. */
async function freeClusterPort(taken) {
  for (let i = 0; i < 1000; i++) {
    const port = await freePort();
    if (!taken.includes(port) && port < 65535 - BUS_OFFSET && (await portIsFree(port + BUS_OFFSET))) {
      return port;
    }
  }
  throw new RedisHarnessError(`no free loopback port P with P + ${BUS_OFFSET} free too`);
}

function tail(path, lines = 30) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch (error) {
    return `<cannot read ${path}: ${error.message}>`;
  }
}

/** Whether the server on `port` answers PING with +PONG. */
function pings(port) {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.length >= 7 || answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.once('end', () => done(answer.startsWith('+PONG')));
  });
}

/**
 * `redis-cli <cliArgs> <args>`'s standard output as a Buffer. Error replies (`ERR …`) are output,
 * not failures (redis-cli prints them and exits 0); a non-zero exit (cannot connect, say) rejects.
 */
function runCli(cliArgs, args) {
  const argv = [...cliArgs, ...args.map(String)];
  return new Promise((resolve, reject) => {
    execFile(
      cliBin(),
      argv,
      { encoding: 'buffer', timeout: CLI_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.code === 'ENOENT' ? ' (scripts/install-redis.sh installs it)' : '';
          const output = `${stderr.toString('utf8')}${stdout.toString('utf8')}`.trim();
          reject(new RedisHarnessError(`\`${cliBin()} ${argv.join(' ')}\` failed${why}: ${error.message.trim()} ${output}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** redis-cli's raw output as text, without the trailing newlines. */
const text = (raw) => raw.toString('utf8').replace(/\n+$/, '');
/** Less the one newline redis-cli adds. */
const oneNewlineLess = (raw) => (raw.length && raw[raw.length - 1] === 0x0a ? raw.subarray(0, -1) : raw);

async function scan(port) {
  const out = await runCli(['-h', '127.0.0.1', '-p', String(port), '--scan'], []);
  return out.toString('utf8').split('\n').filter(Boolean).sort();
}

// ---- one redis-server process -----------------------------------------------------------------

const PORT_TAKEN = Symbol('port taken');

/** One redis-server process on `port` in `dir`, answering PING; or PORT_TAKEN. */
async function spawnProcess(port, dir, extraArgs) {
  const log = join(dir, `redis-${port}.log`);
  // An earlier run in this directory must not hand its data to this one.
  rmSync(join(dir, 'dump.rdb'), { force: true });
  const fd = openSync(log, 'w');
  let child;
  try {
    child = spawn(
      serverBin(),
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...extraArgs],
      { cwd: dir, stdio: ['ignore', fd, fd] },
    );
  } finally {
    closeSync(fd);
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let status = null;
  exited.then((s) => (status = s));
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  let failure = null;
  spawnError.then((e) => (failure = e));
  child.unref();
  liveChildren.add(child);
  const process_ = { child, port, log, exited };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (failure) {
      liveChildren.delete(child);
      throw new RedisHarnessError(`cannot run ${serverBin()} (scripts/install-redis.sh installs it): ${failure.message}`);
    }
    if (status) {
      liveChildren.delete(child);
      const logTail = tail(log);
      if (logTail.includes('Address already in use')) return PORT_TAKEN;
      throw new RedisHarnessError(
        `redis-server on port ${port} exited (${status.code ?? status.signal}) before answering PING; its log:\n${logTail}`,
      );
    }
    if (await pings(port)) return process_;
    if (Date.now() > deadline) {
      await killProcess(process_);
      throw new RedisHarnessError(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms; its log:\n${tail(log)}`);
    }
    await sleep(5);
  }
}

/** SIGTERM (SIGKILL after 5 s), reaped, then waits until the port can be bound again. */
async function killProcess({ child, port, exited }) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  liveChildren.delete(child);
  const deadline = Date.now() + 5_000;
  while (!(await portIsFree(port)) && Date.now() < deadline) await sleep(5);
}

/** A process on `port` (retried while another process holds it), or on fresh free ports. */
async function spawnServer(port, dir, extraArgs) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    const started = await spawnProcess(port ?? (await freePort()), dir, extraArgs);
    if (started !== PORT_TAKEN) return started;
    if (port === null && attempt >= PORT_ATTEMPTS) {
      throw new RedisHarnessError(`redis-server: every port tried (${PORT_ATTEMPTS}) was taken`);
    }
    if (port !== null) {
      if (Date.now() > deadline) throw new RedisHarnessError(`redis-server: port ${port} stayed taken`);
      await sleep(50);
    }
  }
}

// ---- the public classes -----------------------------------------------------------------------

/** One redis-server on a free loopback port, in a temporary directory of its own. */
export class RedisServer {
  #process;
  #extraArgs;
  #closed = false;

  constructor(port, dir, process_, extraArgs) {
    /** The server's port (the same after `stopped` / `startAgain()` / `restart()`). */
    this.port = port;
    /** Its own directory (its log is `redis-<port>.log` there). */
    this.dir = dir;
    this.#process = process_;
    this.#extraArgs = extraArgs;
  }

  /**
   * Starts a server on a free port; `extraArgs` are more redis-server arguments (e.g.
   * `['--maxmemory', '10mb']`), kept for `startAgain()` / `restart()`.
   */
  static async start({ extraArgs = [] } = {}) {
    const dir = tempDir('argos-redis-');
    try {
      const process_ = await spawnServer(null, dir, extraArgs);
      return new RedisServer(process_.port, dir, process_, [...extraArgs]);
    } catch (error) {
      removeDir(dir);
      throw error;
    }
  }

  /** `redis://127.0.0.1:P`. */
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running() {
    return this.#process !== null;
  }

  logTail(lines = 30) {
    return tail(join(this.dir, `redis-${this.port}.log`), lines);
  }

  /** Stops the server and waits until its port is free; nothing when it is not running. */
  async stop() {
    const process_ = this.#process;
    this.#process = null;
    if (process_) await killProcess(process_);
  }

  /** Starts the server again on the same port, with no data and an empty script cache. */
  async startAgain() {
    if (this.#closed) throw new RedisHarnessError('startAgain: the server is closed');
    if (this.#process) throw new RedisHarnessError(`startAgain: the server on port ${this.port} is running`);
    this.#process = await spawnServer(this.port, this.dir, this.#extraArgs);
  }

  /** `stop()` then `startAgain()`: the same port, empty data, empty script cache. */
  async restart() {
    await this.stop();
    await this.startAgain();
  }

  /** Stops the server and deletes its directory (idempotent). */
  async close() {
    this.#closed = true;
    await this.stop();
    removeDir(this.dir);
  }

  /**
   * Runs one command with `redis-cli -p P`; resolves with its output (raw mode: one line per
   * array element, `ERR …` for an error reply, '' for nil) without the trailing newlines; rejects
   * with a RedisHarnessError when redis-cli fails (the server is down, say).
   */
  async command(...args) {
    return text(await this.#cli(args));
  }

  /** `command()`'s output as a Buffer, less the one newline redis-cli adds (for DUMP). */
  async commandBuffer(...args) {
    return oneNewlineLess(await this.#cli(args));
  }

  /** Every key (`redis-cli --scan`), sorted. */
  keys() {
    return scan(this.port);
  }

  #cli(args) {
    return runCli(['-h', '127.0.0.1', '-p', String(this.port)], args);
  }
}

/**
 * Three cluster masters on free loopback ports (each bus port P + 10000 free too), joined by
 * `redis-cli --cluster create`, each in its own temporary directory; ready when every node
 * reports cluster_state:ok.
 */
export class RedisCluster {
  #processes;
  #dirs;

  constructor(processes, dirs) {
    this.#processes = processes;
    this.#dirs = dirs;
    /** The three nodes' ports. */
    this.ports = processes.map((p) => p.port);
  }

  static async start() {
    const processes = [];
    const dirs = [];
    const cluster = new RedisCluster(processes, dirs);
    try {
      for (let n = 0; n < 3; n++) {
        const dir = tempDir('argos-redis-cluster-');
        dirs.push(dir);
        let started = PORT_TAKEN;
        for (let attempt = 0; attempt < PORT_ATTEMPTS && started === PORT_TAKEN; attempt++) {
          const port = await freeClusterPort(processes.map((p) => p.port));
          started = await spawnProcess(port, dir, [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', `nodes-${port}.conf`,
            '--cluster-node-timeout', '2000',
          ]);
        }
        if (started === PORT_TAKEN) throw new RedisHarnessError(`cluster node: every port tried (${PORT_ATTEMPTS}) was taken`);
        processes.push(started);
      }
      cluster.ports = processes.map((p) => p.port);
      try {
        await runCli(
          ['--cluster', 'create', ...cluster.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
          [],
        );
      } catch (error) {
        throw new RedisHarnessError(`${error.message}\n${cluster.logs()}`);
      }
      const deadline = Date.now() + CLUSTER_TIMEOUT_MS;
      for (;;) {
        const states = await cluster.commandEverywhere('CLUSTER', 'INFO');
        if (states.every((s) => s.includes('cluster_state:ok'))) return cluster;
        if (Date.now() > deadline) {
          throw new RedisHarnessError(
            `the cluster on ports ${cluster.ports} is not ok after ${CLUSTER_TIMEOUT_MS} ms:\n${states.join('\n--\n')}\n${cluster.logs()}`,
          );
        }
        await sleep(50);
      }
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  /** `redis://127.0.0.1:P1,redis://127.0.0.1:P2,redis://127.0.0.1:P3`. */
  get urls() {
    return this.urlList.join(',');
  }

  get urlList() {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`);
  }

  get running() {
    return this.#processes.length > 0;
  }

  /** Runs one command with `redis-cli -c -p P1` (following redirections); output as RedisServer's. */
  async command(...args) {
    return text(await runCli(['-c', '-h', '127.0.0.1', '-p', String(this.ports[0])], args));
  }

  /**
   * Runs one command on node `index` (0, 1 or 2) alone, without redirections (CLUSTER INFO,
   * INFO commandstats, CONFIG RESETSTAT, SCRIPT FLUSH, …).
   */
  async nodeCommand(index, ...args) {
    return text(await runCli(['-h', '127.0.0.1', '-p', String(this.ports[index])], args));
  }

  /** Runs one command on every node (FLUSHALL, SCRIPT FLUSH, …); outputs in node order. */
  commandEverywhere(...args) {
    return Promise.all(this.ports.map((_, i) => this.nodeCommand(i, ...args)));
  }

  nodeKeys(index) {
    return scan(this.ports[index]);
  }

  /** The keys of every node, sorted. */
  async keysEverywhere() {
    return (await Promise.all(this.ports.map(scan))).flat().sort();
  }

  logs() {
    return this.#processes.map((p) => `== ${p.log}\n${tail(p.log)}`).join('\n');
  }

  /** Stops every node and waits until their ports are free. */
  async stop() {
    const processes = this.#processes.splice(0);
    await Promise.all(processes.map(killProcess));
  }

  /** Stops every node and deletes their directories (idempotent). */
  async close() {
    await this.stop();
    for (const dir of this.#dirs.splice(0)) removeDir(dir);
  }
}

/** A RedisServer closed after test (or suite context) `t`. */
export async function startRedisServer(t, options) {
  const server = await RedisServer.start(options);
  t.after(() => server.close());
  return server;
}

/** A RedisCluster closed after test (or suite context) `t`. */
export async function startRedisCluster(t) {
  const cluster = await RedisCluster.start();
  t.after(() => cluster.close());
  return cluster;
}
