"""The fleet budget's part of `make bench` (README, "Fleet budget"): what a Redis budget costs a
call, how closely a fleet keeps to its shared rate, and how many Redis commands a call sends.

run.py imports `overhead` and `render`, and runs `accuracy` through this file with the bench
venv's Python (`fleet.py accuracy RUNS` prints one JSON line), because the per-second counts exist
only on the in-process mock of the Python package (`argos_addon.testing.MockServer`).
Redis is a real `redis-server` on a free loopback port, from tests/python/redis_harness.py.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
WORKER = str(ROOT / "target" / "release" / "examples" / "fleet_worker")

# (b) with a budget that is never the limit: only the store's round trip is measured.
UNREACHED_RATE = "1e6"
# Enough calls in flight that the budget is the limit even when the 2-core machine stalls a
# process for tens of ms (256 in flight book slots up to 129 ms ahead).
BUDGET, WORKERS, SECONDS, IN_FLIGHT = 2000, 8, 10, 32
# What the budget script runs inside Redis: commandstats counts these too, but no client sends them.
SCRIPT_COMMANDS = {"time", "get", "hmget", "set", "hset", "pexpire"}
# What this file itself sends to read the figures.
OWN_COMMANDS = {"info", "config|resetstat", "flushall"}


def redis_harness() -> Any:
    spec = importlib.util.spec_from_file_location("redis_harness", ROOT / "tests" / "python" / "redis_harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def overhead(bench: List[str], run: Callable[[List[str]], Dict[str, float]], runs: int) -> Dict[str, Any]:
    """(a) and (b) of the Rust core (`bench` is its argv without a workload) without a budget and
    with one on a local Redis, interleaved so that the machine's drift falls on both alike; and,
    for (a), without a budget but with the budget's script sent before each call by the leanest
    client there is ("raw": a blocking connection on the calling thread): the floor of (a)."""
    figures: Dict[str, Any] = {"latency": {}, "throughput": {}}
    with redis_harness().RedisServer() as redis:
        budget = ["--budget-url", redis.url, "--rate-limit", UNREACHED_RATE]
        pid = int(redis.command("INFO", "server").split("process_id:")[1].split()[0])
        figures["ping_us"] = ping_us(redis.port)
        for i in range(runs):
            for workload in ("latency", "throughput"):
                variants = ["none", "redis"] + (["raw"] if workload == "latency" else [])
                # Each run turns the order round by one.
                for variant in variants[i % len(variants) :] + variants[: i % len(variants)]:
                    extra = {"none": [], "redis": budget, "raw": ["--raw-budget", redis.url]}[variant]
                    argv = [*bench, "--workload", workload, *extra]
                    redis.command("CONFIG", "RESETSTAT")
                    cpu = cpu_seconds(pid)
                    result = run(argv)
                    if workload == "latency":
                        result["client_cpu_us"] = result["caller_cpu_us"] + result["runtime_cpu_us"]
                    if variant == "redis":
                        # What the server spends per call: on this machine it shares the cores
                        # with the client and the mock.
                        cpu = cpu_seconds(pid) - cpu
                        script = commandstats(redis.command("INFO", "commandstats"))["evalsha"]
                        result["redis_cpu_us"] = cpu / script["calls"] * 1e6
                        result["script_us"] = script["usec_per_call"]
                    figures[workload].setdefault(variant, []).append(result)
                    print(f"fleet run {i + 1}/{runs} {workload:10} {variant:5} {result}", flush=True)
    return figures


def ping_us(port: int) -> float:
    """The p50 of one client's PING round trips to the Redis on `port` (redis-benchmark, C): the
    least a call that waits for one round trip to the store can wait on this machine."""
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", "1", "-n", "20000", "-t", "ping_mbulk", "--csv"],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    header, row = [line.replace('"', "").split(",") for line in out.strip().splitlines()[-2:]]
    return float(row[header.index("p50_latency_ms")]) * 1000


def accuracy(runs: int) -> List[Dict[str, Any]]:
    """WORKERS fleet_worker processes sharing BUDGET req/s through one Redis for SECONDS s, against
    the in-process mock with no throttling of its own (its per-second counts are the figures)."""
    from argos_addon.testing import MockServer

    results = []
    with redis_harness().RedisServer() as redis, MockServer(gateway_limit=None, rate_limit=None, daily_quota=None) as mock:
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as ca:
            ca.write(mock.ca_cert_pem)
            ca.flush()
            env = {
                "ARGOS_API_KEY": mock.api_key,
                "ARGOS_BASE_URL": mock.base_url,
                "ARGOS_CA_FILE": ca.name,
                "ARGOS_BUDGET_URL": redis.url,
                # A Redis failure must show as errors, not as each process pacing alone.
                "ARGOS_BUDGET_FAILURE": "closed",
                "ARGOS_FLEET_RATE_LIMIT": str(BUDGET),
                "ARGOS_FLEET_DURATION": str(SECONDS),
                "ARGOS_FLEET_CONCURRENCY": str(IN_FLIGHT),
                "ARGOS_FLEET_WARMUP": str(IN_FLIGHT),
                "ARGOS_FLEET_START": "stdin",
            }
            for i in range(runs):
                redis.command("FLUSHALL")
                redis.command("CONFIG", "RESETSTAT")
                results.append(fleet_run(env, mock, redis))
                print(f"fleet accuracy run {i + 1}/{runs} {results[-1]}", file=sys.stderr, flush=True)
    return results


def fleet_run(env: Dict[str, str], mock: Any, redis: Any) -> Dict[str, Any]:
    procs = [
        subprocess.Popen([WORKER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(WORKERS)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", "a worker did not start"
    # The workers have warmed up (connections open, the script loaded): count from here on, and
    # keep what the set-up sent apart.
    setup = commands_sent(redis.command("INFO", "commandstats"))
    redis.command("CONFIG", "RESETSTAT")
    mock.reset_counts()
    # Half-way through a second, at least half a second ahead: the run's first and last seconds
    # are partial, the nine between them whole whatever the workers' few ms of start-up jitter.
    start = math.floor(time.time()) + 1.5
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(f"{start}\n")
        proc.stdin.close()
    workers = []
    for proc in procs:
        assert proc.stdout is not None
        out = proc.stdout.read()
        if proc.wait(timeout=60) != 0:
            raise RuntimeError(f"fleet_worker failed: {out}")
        workers.append(json.loads(out.strip().splitlines()[-1]))
    seconds = mock.per_second_counts()
    # The whole UTC seconds during which every worker was running.
    first, last = math.ceil(max(w["start"] for w in workers)), math.floor(min(w["end"] for w in workers))
    whole = [s["requests"] for s in seconds if first <= s["second"] < last]
    sent = commands_sent(redis.command("INFO", "commandstats"))
    calls = mock.request_count()
    return {
        "delivered_rps": sum(whole) / len(whole),
        "whole_seconds": len(whole),
        "busiest_second": max(s["requests"] for s in seconds),
        "per_second": [s["requests"] for s in seconds],
        "ok": sum(w["ok"] for w in workers),
        "errors": sum(w["throttled"] + w["local_quota"] + w["local_rate_limit"] + w["other"] for w in workers),
        "api_calls": calls,
        "redis_sent": sent,
        "redis_setup_sent": setup,
        "redis_per_call": sum(sent.values()) / calls,
    }


def cpu_seconds(pid: int) -> float:
    """The user + system CPU time of process `pid` (/proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def commandstats(info: str) -> Dict[str, Dict[str, float]]:
    """`INFO commandstats` (`cmdstat_NAME:calls=N,usec=U,usec_per_call=P,rejected_calls=R,...`)
    as {NAME: {field: value}}."""
    stats = {}
    for line in info.splitlines():
        if line.startswith("cmdstat_"):
            name, fields = line[len("cmdstat_") :].split(":", 1)
            stats[name] = {key: float(value) for key, value in (field.split("=") for field in fields.split(","))}
    return stats


def commands_sent(info: str) -> Dict[str, int]:
    """Per command, the calls a client sent (rejected ones included), leaving out the commands the
    budget script runs inside Redis and this file's own."""
    return {
        name: int(stats["calls"] + stats.get("rejected_calls", 0))
        for name, stats in commandstats(info).items()
        if name not in SCRIPT_COMMANDS | OWN_COMMANDS
    }


Pair = Tuple[str, str]


def pairs(over: Dict[str, Any], workload: str, field: str, variants: Pair = ("redis", "none")) -> List[Tuple[float, float]]:
    """`field` of the two variants, run by run (both figures of a pair from the same run)."""
    first, second = variants
    return [(a[field], b[field]) for a, b in zip(over[workload][first], over[workload][second])]


def paired(
    over: Dict[str, Any], workload: str, field: str, combine: Callable[[float, float], float], variants: Pair = ("redis", "none")
) -> float:
    """The median over runs of combine(first variant, second), by default (with budget, without)."""
    return float(statistics.median(combine(a, b) for a, b in pairs(over, workload, field, variants)))


def med(over: Dict[str, Any], workload: str, variant: str, field: str) -> float:
    return float(statistics.median(r[field] for r in over[workload][variant]))


def floor(over: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """What any client that sends the budget's script before each request adds to (a) here: a
    row of the overhead table and a paragraph."""
    if "raw" not in over["latency"]:
        return [], []
    raw = [a - b for a, b in pairs(over, "latency", "p50_us", ("raw", "none"))]
    ours = paired(over, "latency", "p50_us", lambda a, b: a - b, ("redis", "raw"))
    return [
        f"| (a) p50 µs, no budget, the script sent first by a blocking client (`--raw-budget`) | "
        f"{med(over, 'latency', 'raw', 'p50_us'):,.0f} | — | |",
    ], [
        "The floor of (a) on this machine: the same GET preceded by the budget's script, sent the",
        "leanest way there is (redis-rs's blocking connection on the calling thread: no runtime, no",
        f"task, no combining; the row above), is {statistics.median(raw):+.0f} µs slower than without it (median of the runs'",
        f"differences; {min(raw):+.0f} to {max(raw):+.0f}). The parts: a PING round trip takes {over['ping_us']:.0f} µs (redis-benchmark,",
        f"one client), the script {med(over, 'latency', 'redis', 'script_us'):.0f} µs in Redis (commandstats), and the call after it is slower because",
        "the machine idled meanwhile (a core that idles is halted, and waking it costs this VM tens of",
        f"µs). The client's budget adds {ours:+.0f} µs to that floor: its connection task's wake-ups and the",
        "runtime's hand-offs.",
        "",
    ]


def render(fleet: Optional[Dict[str, Any]]) -> List[str]:
    if not fleet:
        return []
    over, runs = fleet["overhead"], fleet["accuracy"]

    p50_added = paired(over, "latency", "p50_us", lambda b, n: b - n)
    rate_ratio = paired(over, "throughput", "rps", lambda b, n: b / n)
    off = [r["delivered_rps"] / BUDGET - 1 for r in runs]
    worst = max(off, key=abs)
    busiest = max(r["busiest_second"] for r in runs)
    per_call = max(r["redis_per_call"] for r in runs)
    sent = sorted({name for r in runs for name in r["redis_sent"]})
    slot_us = math.ceil(1e6 / (BUDGET * 0.99))
    out = [
        "## Fleet budget",
        "",
        f"Measured on {fleet['date']} by `python3 bench/run.py --only fleet` (also part of `make bench`), {len(runs)} runs.",
        "Overhead: the Rust core's (a) and (b) against the same mock as above, without a budget and with",
        f"`budget_url` on a local `redis-server` (loopback, started by the bench) and `rate_limit={UNREACHED_RATE}`, far",
        "above the rate reached, so that the budget is never the limit; the two interleaved, medians.",
        "",
        "| workload | no budget | Redis budget | with ÷ without (median of the runs' ratios) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, workload, field in (("(a) p50 µs", "latency", "p50_us"), ("(a) p99 µs", "latency", "p99_us"), ("(b) req/s", "throughput", "rps")):
        ratio = paired(over, workload, field, lambda b, n: b / n)
        out.append(f"| {label} | {med(over, workload, 'none', field):,.0f} | {med(over, workload, 'redis', field):,.0f} | {ratio:.2f} |")
    ratio = paired(over, "latency", "client_cpu_us", lambda b, n: b / n)
    row, paragraph = floor(over)
    out += row
    out += [
        f"| (a) client CPU µs per call (calling thread + runtime workers) | {med(over, 'latency', 'none', 'client_cpu_us'):,.0f} | "
        f"{med(over, 'latency', 'redis', 'client_cpu_us'):,.0f} | {ratio:.2f} |",
        "",
        f"The Redis server's CPU per call (`/proc`): {med(over, 'latency', 'redis', 'redis_cpu_us'):.0f} µs in (a), "
        f"{med(over, 'throughput', 'redis', 'redis_cpu_us'):.0f} µs in (b); EVALSHA's own time",
        f"in the server (commandstats `usec_per_call`, wall time) is {med(over, 'throughput', 'redis', 'script_us'):.0f} µs in (b). "
        "The client, the mock and Redis share",
        "the machine's cores: where (b) is bound by CPU, the server's time comes off the rate.",
        "",
        *paragraph,
        f"Accuracy: {WORKERS} processes (`core/examples/fleet_worker.rs`, {IN_FLIGHT} calls in flight each, `list_page`)",
        f"share `rate_limit={BUDGET}` through one Redis for {SECONDS} s, against the in-process mock of the Python",
        "package (`MockServer`, without throttling), which counts the requests of each whole UTC second.",
        "- *Delivered rate*: the requests the mock counted in the whole UTC seconds that lie entirely",
        "  between the last worker's start and the first worker's end (the run starts half-way through a",
        "  second, so the partial first and last seconds are left out), ÷ the number of those seconds.",
        "  The budget paces at 99 % of `rate_limit` by design (the margin absorbs the jitter between a",
        f"  slot and the request's arrival): {BUDGET * 0.99:,.0f}/s, and with slots a whole number of µs apart,",
        f"  rounded up ({slot_us} µs), {1e6 / slot_us:,.1f}/s is the expected figure.",
        "- *Busiest second*: the most requests in any UTC second of the run, the partial first and last included.",
        "- *Redis commands sent per call*: from `INFO commandstats` (`CONFIG RESETSTAT` once every worker",
        "  has warmed up), the commands the clients sent (" + ", ".join(f"`{n.upper()}`" for n in sent) + ") ÷ the API requests the",
        "  mock received in the run. commandstats also counts the commands the budget script runs inside",
        "  Redis (" + ", ".join(sorted(n.upper() for n in SCRIPT_COMMANDS)) + "): no client sends those, so they are left out.",
        f"  The warm-up ({WORKERS * IN_FLIGHT} calls, connections opened) sent, in the first run: "
        + ", ".join(f"{n:,} `{c.upper()}`" for c, n in sorted(runs[0]["redis_setup_sent"].items())) + " (a fresh Redis",
        "  does not have the script yet: each call that meets NOSCRIPT loads it and sends EVALSHA again).",
        "",
        "| run | delivered req/s | vs budget | whole seconds | busiest second | calls (errors) | Redis commands sent per call |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, r in enumerate(runs, 1):
        out.append(
            f"| {i} | {r['delivered_rps']:,.1f} | {r['delivered_rps'] / BUDGET - 1:+.2%} | {r['whole_seconds']} | "
            f"{r['busiest_second']:,} | {r['ok']:,} ({r['errors']}) | {r['redis_per_call']:.4f} |"
        )
    targets: List[Tuple[str, str, bool]] = [
        ("(a) p50 with a Redis budget − without ≤ +150 µs (median of the runs' differences)", f"{p50_added:+.0f} µs", p50_added <= 150),
        ("(b) with a Redis budget ÷ without ≥ 0.8, budget not the limit", f"{rate_ratio:.2f}", rate_ratio >= 0.8),
        (f"delivered rate within 2 % of the budget ({BUDGET:,}/s), worst run", f"{worst:+.2%}", abs(worst) <= 0.02),
        (f"no UTC second above the budget ({BUDGET:,}), busiest of all runs", f"{busiest:,}", busiest <= BUDGET),
        ("Redis commands sent per API call ≤ 1, worst run", f"{per_call:.4f}", per_call <= 1),
        ("no call failed (429, local rate limit or quota, store unavailable)", f"{sum(r['errors'] for r in runs)}", all(r["errors"] == 0 for r in runs)),
    ]
    out += ["", "| fleet budget target | measured | met |", "| --- | ---: | :---: |"]
    out += [f"| {name} | {shown} | {'yes' if met else 'no'} |" for name, shown, met in targets]
    return out + [""]


if __name__ == "__main__":
    if sys.argv[1:2] != ["accuracy"] or len(sys.argv) != 3:
        sys.exit("usage: fleet.py accuracy RUNS")
    print(json.dumps(accuracy(int(sys.argv[2]))))
