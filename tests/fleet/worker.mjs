// One member of a fleet sharing an API key's budget (tests/python/test_fleet.py):
// `node tests/fleet/worker.mjs`, configured by the environment, with the same contract as
// `core/examples/fleet_worker.rs` and `tests/fleet/worker.py`:
//
// - ARGOS_API_KEY, ARGOS_BASE_URL: the API (e.g. the mock); ARGOS_CA_FILE: a PEM file of extra
//   trusted roots, if any.
// - ARGOS_BUDGET_URL: the budget store (empty or unset: none); ARGOS_BUDGET_FAILURE: local, open
//   or closed (unset: the client's default).
// - ARGOS_FLEET_RATE_LIMIT: requests per second, or `none` (unset: the client's default);
//   ARGOS_FLEET_DAILY_QUOTA: the daily quota (unset: none).
// - ARGOS_FLEET_CALLS: how many calls; ARGOS_FLEET_DURATION: seconds during which calls are
//   started. At least one of them; with both, whichever ends first.
// - ARGOS_FLEET_CONCURRENCY: calls in flight (default 8).
// - ARGOS_FLEET_WARMUP: calls made (as many at once as the concurrency allows) before the start,
//   to open the connections; not counted (default 0).
// - ARGOS_FLEET_START: the Unix time (seconds) to begin at; `stdin`: print `ready` on stdout once
//   the client is built and warmed up, then read that time from a line of stdin; unset: at once.
//
// Every call is listPage({ count: 1 }) with maxRetries 0, so that a 429 is seen as an error. At
// the end it prints one JSON line: {"ok", "throttled" (any 429), "local_quota",
// "local_rate_limit", "other", "first_other_error" (null when none), "elapsed" (seconds from the
// start to the last answer), "start" and "end" (the same two moments, in Unix seconds)}.

import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';

import { Client } from 'argos-addon';

function variable(name) {
  const value = (process.env[name] ?? '').trim();
  return value === '' ? undefined : value;
}

function number(name) {
  const value = variable(name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`${name} is not a number: ${JSON.stringify(value)}`);
  return parsed;
}

function clientOptions() {
  const options = { maxRetries: 0 };
  const apiKey = variable('ARGOS_API_KEY');
  const baseUrl = variable('ARGOS_BASE_URL');
  const caCert = variable('ARGOS_CA_FILE');
  if (apiKey !== undefined) options.apiKey = apiKey;
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  if (caCert !== undefined) options.caCert = caCert;
  const budgetUrl = variable('ARGOS_BUDGET_URL');
  if (budgetUrl !== undefined) options.budgetUrl = budgetUrl;
  const budgetFailure = variable('ARGOS_BUDGET_FAILURE');
  if (budgetFailure !== undefined) options.budgetFailure = budgetFailure;
  const rate = variable('ARGOS_FLEET_RATE_LIMIT');
  if (rate !== undefined) options.rateLimit = rate === 'none' ? null : number('ARGOS_FLEET_RATE_LIMIT');
  const quota = number('ARGOS_FLEET_DAILY_QUOTA');
  if (quota !== undefined) options.dailyQuota = quota;
  return options;
}

class Tally {
  counts = { ok: 0, throttled: 0, local_quota: 0, local_rate_limit: 0, other: 0 };
  firstOtherError = null;

  count(err) {
    let which;
    if (err === undefined) which = 'ok';
    else if (err.status === 429) which = 'throttled';
    else if (err.code === 'local_quota' || err.code === 'local_rate_limit') which = err.code;
    else which = 'other';
    this.counts[which] += 1;
    if (which === 'other' && this.firstOtherError === null) this.firstOtherError = `${err?.name}: ${err?.message}`;
  }

  line(started, start) {
    const elapsed = (performance.now() - started) / 1000;
    const end = Date.now() / 1000;
    return JSON.stringify({ ...this.counts, first_other_error: this.firstOtherError, elapsed, start, end });
  }
}

/** `calls` calls, or as many as start before `duration` seconds have passed, `concurrency` at a time. */
async function run(client, { calls, duration, concurrency }, tally) {
  const deadline = duration === undefined ? Infinity : performance.now() + duration * 1000;
  let claimed = 0;
  const claim = () => performance.now() < deadline && (calls === undefined || claimed++ < calls);
  const loop = async () => {
    while (claim()) {
      try {
        await client.faceAuth.listPage({ count: 1 });
        tally.count(undefined);
      } catch (err) {
        tally.count(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

/** The Unix time to begin at, if any (after `ready`, from stdin). */
async function startTime() {
  const start = variable('ARGOS_FLEET_START');
  if (start === undefined) return undefined;
  if (start !== 'stdin') return number('ARGOS_FLEET_START');
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  const [line] = await once(lines, 'line');
  lines.close();
  process.stdin.destroy();
  return Number(line);
}

async function main() {
  const calls = number('ARGOS_FLEET_CALLS');
  const duration = number('ARGOS_FLEET_DURATION');
  if (calls === undefined && duration === undefined) throw new Error('set ARGOS_FLEET_CALLS or ARGOS_FLEET_DURATION');
  const concurrency = Math.max(1, number('ARGOS_FLEET_CONCURRENCY') ?? 8);
  const warmup = number('ARGOS_FLEET_WARMUP') ?? 0;
  const client = new Client(clientOptions());
  if (warmup > 0) await run(client, { calls: warmup, duration: undefined, concurrency }, new Tally());
  const at = await startTime();
  if (at !== undefined) await sleep(Math.max(0, at * 1000 - Date.now()));
  const [started, start] = [performance.now(), Date.now() / 1000];
  const tally = new Tally();
  await run(client, { calls, duration, concurrency }, tally);
  process.stdout.write(`${tally.line(started, start)}\n`);
}

await main();
