"""`make bench`: argos-addon against the clients users would otherwise pick, side by side.

`python3 bench/run.py --render` only writes RESULTS.md again from bench/results.json (after an
edit of bench/PROFILE.md); `python3 bench/run.py --only fleet` measures only the fleet budget
(bench/fleet.py), and `--only tracing` only the rows of TRACED, keeping the other figures of
results.json.

One mock server (`argos-mock --bench`, release build, HTTPS with its own CA) serves every client
in turn; each figure is the median of RUNS runs, each run a fresh process; results and ratios go
to bench/RESULTS.md. Expects `make dist` to have run (the Makefile does) and the bench-only
environments: .venv-bench (peers: httpx, aiohttp, requests) and bench/node (undici, axios);
BENCH_PYTHON names another interpreter that has argos_addon (e.g. .venv/bin/python).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import fleet

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PYTHON = os.environ.get("BENCH_PYTHON", str(ROOT / ".venv-bench" / "bin" / "python"))
NODE_DIR = ROOT / "bench" / "node"
RUST_BENCH = str(ROOT / "target" / "release" / "examples" / "bench")
MOCK = str(ROOT / "target" / "release" / "argos-mock")
# The analysis behind the figures (profiles, what is left and why), written by hand.
PROFILE = ROOT / "bench" / "PROFILE.md"
# Every run's figures, from which `run.py --render` writes RESULTS.md again.
RAW = ROOT / "bench" / "results.json"

# (language, client, workloads)
CLIENTS: List[Tuple[str, str, List[str]]] = [
    ("rust", "core", ["latency", "throughput", "upload", "big-path", "big-memory", "soak"]),
    # The core with the bindings' thread shape: each call spawned on a worker while the caller
    # waits (bench/PROFILE.md); not a target, a control.
    ("rust", "core-spawned", ["latency"]),
    ("python", "argos-sync", ["latency", "latency-otel", "latency-otel-share", "big-path", "big-memory"]),
    ("python", "argos-async", ["latency", "latency-otel", "latency-otel-share", "throughput", "upload", "soak"]),
    ("python", "aiohttp", ["latency", "throughput", "upload", "soak"]),
    ("python", "httpx-async", ["latency", "throughput", "upload"]),
    ("python", "httpx-sync", ["latency"]),
    ("python", "requests", ["latency"]),
    ("node", "argos", ["latency", "throughput", "upload", "big-path", "big-memory", "soak"]),
    ("node", "argos-otel", ["latency"]),
    ("node", "argos-otel-share", ["latency"]),
    ("node", "undici", ["latency", "throughput", "upload", "soak"]),
    ("node", "fetch", ["latency", "throughput", "upload"]),
    ("node", "axios", ["latency", "throughput", "upload"]),
]

# Every workload, in the order the clients list them.
WORKLOADS = list(dict.fromkeys(workload for _, _, workloads in CLIENTS for workload in workloads))


class Mock:
    def __init__(self, workdir: Path) -> None:
        self.ca = workdir / "ca.pem"
        self.proc = subprocess.Popen(
            [MOCK, "--bench", "--exit-with-stdin", "--ca-out", str(self.ca), "--seed", "bench-submission:approved"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        lines = dict(self.proc.stdout.readline().strip().split("=", 1) for _ in range(4))
        self.base_url, self.key = lines["base_url"], lines["api_key"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def images(workdir: Path) -> Dict[str, Path]:
    made = {}
    for name, size in (("upload", 200 * 1024), ("big", 5 * 1024 * 1024)):
        path = workdir / f"{name}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))
        made[name] = path
    return made


def command(language: str, client: str, workload: str, mock: Mock, image: Optional[Path]) -> List[str]:
    common = ["--base-url", mock.base_url, "--ca", str(mock.ca), "--key", mock.key, "--workload", workload]
    if image is not None:
        common += ["--image", str(image)]
    if language == "rust":
        if client == "core-spawned":
            common[common.index("--workload") + 1] = f"{workload}-spawned"
        return [RUST_BENCH, *common]
    if language == "python":
        return [PYTHON, str(ROOT / "bench" / "python_bench.py"), "--client", client, *common]
    return ["node", "--expose-gc", str(NODE_DIR / "bench.mjs"), "--client", client, *common]


def run_once(argv: List[str], mock: Mock) -> Dict[str, float]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(mock.ca)}
    env.pop("ARGOS_LOG", None)
    env.pop("ARGOS_BUDGET_URL", None)  # a budget only where bench/fleet.py asks for one
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, cwd=NODE_DIR)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def startup_ms(argv: List[str], baseline: List[str], runs: int = 15) -> float:
    """Median wall time of `argv` minus that of `baseline` (the bare interpreter)."""

    def median_ms(cmd: List[str]) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=NODE_DIR)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    return median_ms(argv) - median_ms(baseline)


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_kib // 1024 // 1024} GiB, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Node {node}; the mock shares the cores with the client"
    )


def measure_fleet(mock: Mock) -> Dict[str, Any]:
    bench = [RUST_BENCH, "--base-url", mock.base_url, "--ca", str(mock.ca), "--key", mock.key]
    overhead = fleet.overhead(bench, lambda argv: run_once(argv, mock), RUNS)
    accuracy = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "fleet.py"), "accuracy", str(RUNS)], stdout=subprocess.PIPE, text=True, check=True
    )
    date = time.strftime("%Y-%m-%d", time.gmtime())
    return {"date": date, "overhead": overhead, "accuracy": json.loads(accuracy.stdout)}


def rendered(saved: Dict[str, Any]) -> str:
    results = {tuple(key.split("/")): runs for key, runs in saved["results"].items()}
    imports = {tuple(key.split("/")): ms for key, ms in saved["imports"].items()}
    return render(results, imports, saved["date"], saved["machine"], saved.get("fleet"))  # type: ignore[arg-type]


def main() -> None:
    if sys.argv[1:] == ["--render"]:
        # Only the hand-written part changed: render the committed figures again.
        write(rendered(json.loads(RAW.read_text())))
        return
    if sys.argv[1:] == ["--only", "fleet"]:
        saved = json.loads(RAW.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            mock = Mock(Path(tmp))
            try:
                saved["fleet"] = measure_fleet(mock)
            finally:
                mock.close()
        RAW.write_text(json.dumps(saved, indent=1) + "\n")
        write(rendered(saved))
        return
    if sys.argv[1:] == ["--only", "tracing"]:
        saved = json.loads(RAW.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            mock = Mock(Path(tmp))
            try:
                traced = measure_tracing(mock)
            finally:
                mock.close()
        saved["results"].update({"/".join(key): runs for key, runs in traced.items()})
        RAW.write_text(json.dumps(saved, indent=1) + "\n")
        write(rendered(saved))
        return
    if sys.argv[1:]:
        sys.exit("usage: run.py [--render | --only fleet | --only tracing]")
    results: Dict[Tuple[str, str, str], List[Dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pictures = images(workdir)
        mock = Mock(workdir)
        try:
            # First, so that a missing Redis or worker fails the bench in a minute, not after 15.
            fleet_figures = measure_fleet(mock)
            # Workload by workload, so the figures a ratio compares are taken minutes apart at most.
            for run in range(RUNS):
                for workload in WORKLOADS:
                    for language, client, workloads in CLIENTS:
                        if workload not in workloads:
                            continue
                        image = pictures["big"] if workload.startswith("big") else pictures["upload"] if workload == "upload" else None
                        figures = run_once(command(language, client, workload, mock, image), mock)
                        results.setdefault((language, client, workload), []).append(figures)
                        print(f"run {run + 1}/{RUNS} {language:6} {client:12} {workload:10} {figures}", flush=True)
        finally:
            mock.close()
    imports = {
        ("python", "argos-addon"): startup_ms([PYTHON, "-c", "import argos_addon"], [PYTHON, "-c", "pass"]),
        ("node", "argos-addon"): startup_ms(["node", "-e", "require('argos-addon')"], ["node", "-e", ""]),
    }
    date, described = time.strftime("%Y-%m-%d", time.gmtime()), machine()
    saved = {
        "date": date,
        "machine": described,
        "results": {"/".join(key): runs for key, runs in results.items()},
        "imports": {"/".join(key): ms for key, ms in imports.items()},
        "fleet": fleet_figures,
    }
    RAW.write_text(json.dumps(saved, indent=1) + "\n")
    write(rendered(saved))


def write(report: str) -> None:
    (ROOT / "bench" / "RESULTS.md").write_text(report)
    print(report)


# (label, untraced run, run traced by the SDK, run traced by providers that record nothing): the
# same sequential GET (a) without OpenTelemetry, with it as an application sets it up, and with
# only the package's own part of it.
Run = Tuple[str, str, str]
_SYNC, _ASYNC = ("python", "argos-sync"), ("python", "argos-async")
TRACED: Tuple[Tuple[str, Run, Run, Run], ...] = (
    ("Python Client", (*_SYNC, "latency"), (*_SYNC, "latency-otel"), (*_SYNC, "latency-otel-share")),
    ("Python AsyncClient", (*_ASYNC, "latency"), (*_ASYNC, "latency-otel"), (*_ASYNC, "latency-otel-share")),
    ("Node", ("node", "argos", "latency"), ("node", "argos-otel", "latency"), ("node", "argos-otel-share", "latency")),
)


def tracing_rows(results: Dict[Tuple[str, str, str], List[Dict[str, float]]]) -> List[str]:
    """What a traced call costs: (a) p50 with the SDK's providers, and with idle ones."""
    out = [
        "## Tracing",
        "",
        "(a) with OpenTelemetry as an application sets it up (*SDK*): the SDK's tracer provider with a",
        "`SimpleSpanProcessor` into an in-memory exporter, a meter provider, the W3C propagator (in Node",
        "also the async-hooks context manager). *Package only*: providers that record nothing — spans",
        "are the API's non-recording spans with a fresh sampled context, so the package still makes the",
        "span, injects and sends its `traceparent`, sets its attributes and records the duration, with",
        "none of an SDK's work. Added: the median over runs of traced − untraced p50, both from the same",
        "run. Without OpenTelemetry, or with no provider set, a call does no tracing work (two look-ups).",
        "",
        "| client | (a) p50 µs | SDK p50 µs | SDK added µs | package only p50 µs | package added µs | target ≤ 15 µs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for label, plain, sdk, share in TRACED:
        cells = [f"{statistics.median(r['p50_us'] for r in results[plain]):,.0f}" if results.get(plain) else "–"]
        added = None
        for traced in (sdk, share):
            pairs = [(a, b) for a, b in zip(results.get(plain, []), results.get(traced, [])) if "p50_us" in b]
            if not pairs:
                cells += ["–", "–"]
                continue
            added = statistics.median(b["p50_us"] - a["p50_us"] for a, b in pairs)
            cells += [f"{statistics.median(b['p50_us'] for _, b in pairs):,.0f}", f"{added:,.0f}"]
        met = "–" if added is None else "yes" if added <= 15 else "no"
        out.append(f"| {label} | {' | '.join(cells)} | {met} |")
    return out


def measure_tracing(mock: Mock) -> Dict[Tuple[str, str, str], List[Dict[str, float]]]:
    """The runs of TRACED alone, the three variants of a row one after another."""
    results: Dict[Tuple[str, str, str], List[Dict[str, float]]] = {}
    for run in range(RUNS):
        for _, *keys in TRACED:
            for key in keys:
                figures = run_once(command(key[0], key[1], key[2], mock, None), mock)
                results.setdefault(key, []).append(figures)
                print(f"run {run + 1}/{RUNS} {' '.join(key)} {figures}", flush=True)
    return results


def median(results: Dict[Tuple[str, str, str], List[Dict[str, float]]], key: Tuple[str, str, str], field: str) -> Optional[float]:
    runs = [r for r in results.get(key, []) if field in r]  # a skipped run has no figures
    return statistics.median(r[field] for r in runs) if runs else None


def render(
    results: Dict[Tuple[str, str, str], List[Dict[str, float]]],
    imports: Dict[Tuple[str, str], float],
    date: str,
    described: str,
    fleet_figures: Optional[Dict[str, Any]] = None,
) -> str:
    m = lambda lang, client, workload, field: median(results, (lang, client, workload), field)  # noqa: E731
    out = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` (`python3 bench/run.py`, {max(map(len, results.values()))} runs, medians; every run's figures are in",
        f"bench/results.json) on {date}.",
        f"Machine: {described}.",
        "",
        "Workloads: (a) sequential `GET /faceauth?authId=` latency; (b) the same GET with 64 in flight;",
        "(c) `POST /faceauth` with a 200 KB JPEG, 16 in flight; (d) one 5 MB upload, peak RSS growth;",
        "(e) import / require time; (f) 100,000 GETs in one process, RSS at 10k and 100k.",
        "Ratios are ours ÷ theirs for rates, theirs ÷ ours for latencies (above 1 = we are faster);",
        "each is the median of the ratios of the single runs, both figures of a ratio from the same run.",
        "",
        "| language | client | (a) p50 µs | (a) p99 µs | (b) req/s | (c) req/s |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    fmt = lambda v: "–" if v is None else f"{v:,.0f}"  # noqa: E731
    for language, client, _ in CLIENTS:
        out.append(
            f"| {language} | {client} | {fmt(m(language, client, 'latency', 'p50_us'))} | "
            f"{fmt(m(language, client, 'latency', 'p99_us'))} | {fmt(m(language, client, 'throughput', 'rps'))} | "
            f"{fmt(m(language, client, 'upload', 'rps'))} |"
        )
    checks: List[Tuple[str, Optional[float], float]] = []

    def run_ratios(ours: Tuple[str, str], theirs: Tuple[str, str], workload: str, field: str) -> Optional[float]:
        """The median over runs of ours ÷ theirs, each ratio from one run."""
        a, b = results.get((*ours, workload)), results.get((*theirs, workload))
        if not a or not b:
            return None
        return statistics.median(x[field] / y[field] for x, y in zip(a, b))

    def rate_ratio(ours: Tuple[str, str], theirs: Tuple[str, str], workload: str) -> Optional[float]:
        return run_ratios(ours, theirs, workload, "rps")

    def latency_ratio(ours: Tuple[str, str], theirs: Tuple[str, str]) -> Optional[float]:
        return run_ratios(theirs, ours, "latency", "p50_us")

    py_async, py_sync, node, core = ("python", "argos-async"), ("python", "argos-sync"), ("node", "argos"), ("rust", "core")
    checks += [
        ("Python AsyncClient (b) vs aiohttp ≥ 2×", rate_ratio(py_async, ("python", "aiohttp"), "throughput"), 2.0),
        ("Python AsyncClient (b) vs httpx.AsyncClient ≥ 4×", rate_ratio(py_async, ("python", "httpx-async"), "throughput"), 4.0),
        ("Python AsyncClient (c) vs aiohttp ≥ 1.5×", rate_ratio(py_async, ("python", "aiohttp"), "upload"), 1.5),
        ("Python Client (a) p50 vs aiohttp ≥ 1× (p50 ≤ aiohttp's)", latency_ratio(py_sync, ("python", "aiohttp")), 1.0),
        ("Python Client (a) p50 vs requests ≥ 2.5× (p50 ≤ 0.4× requests')", latency_ratio(py_sync, ("python", "requests")), 2.5),
        ("Node (b) vs undici.request ≥ 1.2×", rate_ratio(node, ("node", "undici"), "throughput"), 1.2),
        ("Node (c) vs undici.request ≥ 1.2×", rate_ratio(node, ("node", "undici"), "upload"), 1.2),
        ("Python Client (a) vs Rust core ≥ 0.8", latency_ratio(py_sync, core), 0.8),
        ("Python AsyncClient (b) vs Rust core ≥ 0.8", rate_ratio(py_async, core, "throughput"), 0.8),
        ("Python AsyncClient (c) vs Rust core ≥ 0.8", rate_ratio(py_async, core, "upload"), 0.8),
        ("Node (a) vs Rust core ≥ 0.8", latency_ratio(node, core), 0.8),
        ("Node (b) vs Rust core ≥ 0.8", rate_ratio(node, core, "throughput"), 0.8),
        ("Node (c) vs Rust core ≥ 0.8", rate_ratio(node, core, "upload"), 0.8),
    ]
    out += [
        "",
        "Where a sequential call (a) spends CPU, per call: the calling thread (Rust's main thread in",
        "`block_on`, the Python thread, Node's JavaScript thread), the Rust runtime's workers, and every",
        "other thread of the process (V8's and libuv's helpers in Node), with context switches.",
        "",
        "| language | client | (a) p50 µs | calling thread CPU µs | runtime workers CPU µs | other threads CPU µs | context switches |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, client, workloads in CLIENTS:
        if "latency" in workloads:
            fields = ("p50_us", "caller_cpu_us", "runtime_cpu_us", "other_cpu_us", "switches")
            cells = [m(language, client, "latency", f) for f in fields]
            shown = [fmt(cells[0]), *("–" if v is None else f"{v:.1f}" for v in cells[1:])]
            out.append(f"| {language} | {client} | " + " | ".join(shown) + " |")
    out += ["", "## Targets", "", "| target | measured | met |", "| --- | ---: | :---: |"]
    for name, value, goal in checks:
        shown = "–" if value is None else f"{value:.2f}"
        out.append(f"| {name} | {shown} | {'yes' if value is not None and value >= goal else 'no'} |")
    out += ["", "| memory and start-up | measured | target | met |", "| --- | ---: | ---: | :---: |"]
    memory_rows: List[Tuple[str, Optional[float], Optional[float]]] = []
    for label, key in (("Python", ("python", "argos-sync")), ("Node", ("node", "argos")), ("Rust core", ("rust", "core"))):
        for workload, what in (("big-path", "from a path"), ("big-memory", "from memory")):
            memory_rows.append((f"(d) {label} 5 MiB upload {what}, KiB growth", m(*key, workload, "growth_kib"), 1024))
    soaks = (
        ("Python AsyncClient", py_async, 5.0),
        ("Node", node, 5.0),
        ("Rust core", core, 5.0),
        ("peer: aiohttp", ("python", "aiohttp"), None),
        ("peer: undici.request", ("node", "undici"), None),
    )
    for label, key, limit in soaks:
        runs = results.get((*key, "soak"))
        growth = statistics.median((r["rss_100k_kib"] - r["rss_10k_kib"]) / r["rss_10k_kib"] * 100 for r in runs) if runs else None
        rss = m(*key, "soak", "rss_100k_kib")
        name = f"(f) {label} RSS growth 10k → 100k calls, % (RSS at 100k: {fmt(None if rss is None else rss / 1024)} MiB)"
        memory_rows.append((name, growth, limit))
        fds = [r["fds_100k"] - r["fds_10k"] for r in runs or [] if "fds_10k" in r]
        if fds:
            # Open file descriptors after 100k calls, less those after 10k: a leak shows as growth.
            memory_rows.append((f"(f) {label} open file descriptors 10k → 100k calls, growth", float(max(fds)), 8 if limit else None))
    for (language, name), ms in imports.items():
        memory_rows.append((f"(e) {language} import of {name}, ms", ms, 30))
    for name, value, goal in memory_rows:
        shown = "–" if value is None else f"{value:.1f}"
        if goal is None:
            out.append(f"| {name} | {shown} | – | – |")
        else:
            out.append(f"| {name} | {shown} | ≤ {goal:g} | {'yes' if value is not None and value <= goal else 'no'} |")
    out += ["", *tracing_rows(results), "", *fleet.render(fleet_figures), PROFILE.read_text().strip(), ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
