"""One benchmark run of one Python client; prints a JSON line. Driven by bench/run.py.

Clients: argos-sync, argos-async (argos_addon), httpx-sync, httpx-async, aiohttp, requests.
Every client verifies TLS against the mock's CA and keeps connections alive.

The argos clients' ``latency-otel`` is ``latency`` with OpenTelemetry set up as an application
would (see :func:`with_opentelemetry`); ``latency-otel-share`` the same with providers that record
nothing (see :func:`with_idle_providers`), which leaves the package's own part of a traced call.
Both print ``{"skipped": ...}`` where opentelemetry-sdk is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

IN_FLIGHT = 64
UPLOAD_IN_FLIGHT = 16
AUTH_ID = "bench-auth-id"
SUBMISSION = "bench-submission"


def rss_kib(field: str = "VmRSS:") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(field)


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def threads() -> List[int]:
    """CPU nanoseconds of the main thread, of the Rust runtime's workers and of every other
    thread, and context switches of all."""
    totals = [0, 0, 0, 0]
    main = str(os.getpid())
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as comm:
                name = comm.read()
            group = 0 if tid == main else 1 if name.startswith(("tokio", "argos")) else 2
            with open(f"/proc/self/task/{tid}/schedstat") as schedstat:
                totals[group] += int(schedstat.read().split()[0])
            with open(f"/proc/self/task/{tid}/status") as status:
                totals[3] += sum(int(line.split()[1]) for line in status if "ctxt_switches:" in line)
        except FileNotFoundError:
            continue  # it ended meanwhile
    return totals


def latency_report(micros: List[float], before: List[int], after: List[int]) -> Dict[str, float]:
    """p50 and p99, and the CPU time and context switches of a call, by thread."""
    calls = len(micros)
    per_call = [(a - b) / calls for a, b in zip(after, before)]
    return {
        "p50_us": round(percentile(micros, 0.5), 1),
        "p99_us": round(percentile(micros, 0.99), 1),
        "caller_cpu_us": round(per_call[0] / 1e3, 1),
        "runtime_cpu_us": round(per_call[1] / 1e3, 1),
        "other_cpu_us": round(per_call[2] / 1e3, 1),
        "switches": round(per_call[3], 2),
    }


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)]


def latency_of(call: Callable[[], Any], count: int) -> Dict[str, float]:
    micros = []
    before = threads()
    for _ in range(count):
        started = time.perf_counter()
        call()
        micros.append((time.perf_counter() - started) * 1e6)
    return latency_report(micros, before, threads())


def sync_latency(name: str, workload: str, count: int, get: Callable[[], Any]) -> Dict[str, Any]:
    """The one workload of the sync peers: warm the connection, then measure (a)."""
    for _ in range(20):
        get()
    if workload == "latency":
        return latency_of(get, count or 2000)
    raise SystemExit(f"{name} has no workload {workload}")


async def alatency_of(call: Callable[[], Awaitable[Any]], count: int) -> Dict[str, float]:
    micros = []
    before = threads()
    for _ in range(count):
        started = time.perf_counter()
        await call()
        micros.append((time.perf_counter() - started) * 1e6)
    return latency_report(micros, before, threads())


async def arate(call: Callable[[], Awaitable[Any]], total: int, in_flight: int) -> Dict[str, float]:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return {"rps": round(total / (time.perf_counter() - started), 1)}


async def async_workload(
    name: str,
    workload: str,
    count: int,
    get: Callable[[], Awaitable[Any]],
    upload: Callable[[], Awaitable[Any]],
) -> Dict[str, Any]:
    """The asyncio workloads, the same for every async client: warm the pool, then measure."""
    await arate(get, IN_FLIGHT, IN_FLIGHT)
    if workload == "latency":
        return await alatency_of(get, count or 2000)
    if workload == "throughput":
        return await arate(get, count or 5000, IN_FLIGHT)
    if workload == "upload":
        return await arate(upload, count or 500, UPLOAD_IN_FLIGHT)
    if workload == "soak":
        total = count or 100_000
        await arate(get, 10_000, IN_FLIGHT)
        at_10k = rss_kib()
        await arate(get, total - 10_000, IN_FLIGHT)
        return {"rss_10k_kib": at_10k, "rss_100k_kib": rss_kib()}
    raise SystemExit(f"{name} has no workload {workload}")


def with_opentelemetry() -> bool:
    """Sets the global tracer provider (each span exported to memory by a SimpleSpanProcessor, so
    the export is in the figure) and meter provider (an in-memory reader); False without the SDK."""
    try:
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    except ImportError:
        return False
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    return True


def with_idle_providers() -> bool:
    """Sets a tracer provider whose spans are the API's non-recording spans, each with a new
    sampled context (so the package still makes the span, injects its context and sends it, and
    sets its attributes), and the API's no-op meter provider (so it still records the duration):
    everything the package does for a traced call, with none of an SDK's own work."""
    try:
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
        from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
    except ImportError:
        return False

    ids = RandomIdGenerator()

    class IdleTracer(trace.NoOpTracer):
        def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
            sampled = TraceFlags(TraceFlags.SAMPLED)
            context = SpanContext(ids.generate_trace_id(), ids.generate_span_id(), False, sampled)
            return NonRecordingSpan(context)

    class IdleTracerProvider(trace.NoOpTracerProvider):
        def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
            return IdleTracer()

    trace.set_tracer_provider(IdleTracerProvider())
    metrics.set_meter_provider(metrics.NoOpMeterProvider())
    return True


def set_up(workload: str) -> Optional[str]:
    """The workload a traced variant runs, once its providers are set: ``"latency"``, or None
    without the SDK; ``workload`` itself when it is not traced."""
    setups = {"latency-otel": with_opentelemetry, "latency-otel-share": with_idle_providers}
    if workload not in setups:
        return workload
    return "latency" if setups[workload]() else None


NO_OPENTELEMETRY = {"skipped": "opentelemetry-sdk is not installed in this interpreter"}


class Env:
    def __init__(self, args: argparse.Namespace) -> None:
        self.base_url = args.base_url
        self.ca = os.path.abspath(args.ca)
        self.key = args.key
        self.image_path = args.image
        self.image = open(args.image, "rb").read() if args.image else b""
        self.count = args.count
        self.url = f"{self.base_url}/faceauth"
        self.headers = {"x-api-key": self.key}

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca)


def run_argos_sync(env: Env, workload: str) -> Dict[str, Any]:
    import argos_addon

    traced = set_up(workload)
    if traced is None:
        return NO_OPENTELEMETRY
    workload = traced
    client = argos_addon.Client(api_key=env.key, base_url=env.base_url, ca_cert=env.ca, rate_limit=None)
    for _ in range(20):
        client.face_auth.get(AUTH_ID)
    if workload == "latency":
        return latency_of(lambda: client.face_auth.get(AUTH_ID), env.count or 2000)
    if workload in ("big-path", "big-memory"):
        image: Any = env.image_path if workload == "big-path" else env.image
        reset_peak()
        before = rss_kib()
        client.face_auth.submit(SUBMISSION, image)
        return {"growth_kib": rss_kib("VmHWM:") - before}
    raise SystemExit(f"argos-sync has no workload {workload}")


def run_argos_async(env: Env, workload: str) -> Dict[str, Any]:
    import argos_addon

    traced = set_up(workload)
    if traced is None:
        return NO_OPENTELEMETRY
    workload = traced
    client = argos_addon.AsyncClient(api_key=env.key, base_url=env.base_url, ca_cert=env.ca, rate_limit=None)

    async def main() -> Dict[str, Any]:
        return await async_workload(
            "argos-async",
            workload,
            env.count,
            lambda: client.face_auth.get(AUTH_ID),
            lambda: client.face_auth.submit(SUBMISSION, env.image),
        )

    return asyncio.run(main())


def run_httpx_sync(env: Env, workload: str) -> Dict[str, Any]:
    import httpx

    with httpx.Client(verify=env.ssl_context(), headers=env.headers) as client:
        get = lambda: client.get(env.url, params={"authId": AUTH_ID}).raise_for_status()  # noqa: E731
        return sync_latency("httpx-sync", workload, env.count, get)


def run_requests(env: Env, workload: str) -> Dict[str, Any]:
    import requests

    with requests.Session() as session:
        session.headers.update(env.headers)
        get = lambda: session.get(env.url, params={"authId": AUTH_ID}, verify=env.ca).raise_for_status()  # noqa: E731
        return sync_latency("requests", workload, env.count, get)


def run_httpx_async(env: Env, workload: str) -> Dict[str, Any]:
    import httpx

    async def main() -> Dict[str, Any]:
        limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
        async with httpx.AsyncClient(verify=env.ssl_context(), headers=env.headers, limits=limits) as client:

            async def get() -> None:
                (await client.get(env.url, params={"authId": AUTH_ID})).raise_for_status()

            async def upload() -> None:
                files = {"faceImage": ("face.jpg", env.image, "image/jpeg")}
                (await client.post(env.url, data={"submissionId": SUBMISSION}, files=files)).raise_for_status()

            return await async_workload("httpx-async", workload, env.count, get, upload)

    return asyncio.run(main())


def run_aiohttp(env: Env, workload: str) -> Dict[str, Any]:
    import aiohttp

    async def main() -> Dict[str, Any]:
        connector = aiohttp.TCPConnector(ssl=env.ssl_context(), limit=IN_FLIGHT)
        async with aiohttp.ClientSession(connector=connector, headers=env.headers) as session:

            async def get() -> None:
                async with session.get(env.url, params={"authId": AUTH_ID}) as response:
                    response.raise_for_status()
                    await response.read()

            async def upload() -> None:
                form = aiohttp.FormData()
                form.add_field("submissionId", SUBMISSION)
                form.add_field("faceImage", env.image, filename="face.jpg", content_type="image/jpeg")
                async with session.post(env.url, data=form) as response:
                    response.raise_for_status()
                    await response.read()

            return await async_workload("aiohttp", workload, env.count, get, upload)

    return asyncio.run(main())


CLIENTS: Dict[str, Callable[[Env, str], Dict[str, Any]]] = {
    "argos-sync": run_argos_sync,
    "argos-async": run_argos_async,
    "httpx-sync": run_httpx_sync,
    "httpx-async": run_httpx_async,
    "aiohttp": run_aiohttp,
    "requests": run_requests,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=sorted(CLIENTS), required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--image")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    os.environ.pop("ARGOS_LOG", None)
    print(json.dumps(CLIENTS[args.client](Env(args), args.workload)))


if __name__ == "__main__":
    main()
