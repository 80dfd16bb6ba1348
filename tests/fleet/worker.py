"""One member of a fleet sharing an API key's budget (tests/python/test_fleet.py).

``python tests/fleet/worker.py sync|async``: ``sync`` runs a ``Client`` from threads, ``async``
an ``AsyncClient`` from asyncio tasks. Configured by the environment, with the same contract as
``core/examples/fleet_worker.rs`` and ``tests/fleet/worker.mjs``:

- ``ARGOS_API_KEY``, ``ARGOS_BASE_URL``: the API (e.g. the mock); ``ARGOS_CA_FILE``: a PEM file
  of extra trusted roots, if any.
- ``ARGOS_BUDGET_URL``: the budget store (empty or unset: none); ``ARGOS_BUDGET_FAILURE``:
  ``local``, ``open`` or ``closed`` (unset: the client's default).
- ``ARGOS_FLEET_RATE_LIMIT``: requests per second, or ``none`` (unset: the client's default);
  ``ARGOS_FLEET_DAILY_QUOTA``: the daily quota (unset: none).
- ``ARGOS_FLEET_CALLS``: how many calls; ``ARGOS_FLEET_DURATION``: seconds during which calls are
  started. At least one of them; with both, whichever ends first.
- ``ARGOS_FLEET_CONCURRENCY``: calls in flight (default 8).
- ``ARGOS_FLEET_WARMUP``: calls made (as many at once as the concurrency allows) before the
  start, to open the connections; not counted (default 0).
- ``ARGOS_FLEET_START``: the Unix time (seconds) to begin at; ``stdin``: print ``ready`` on stdout
  once the client is built and warmed up, then read that time from a line of stdin; unset: at once.

Every call is ``list_page(count=1)`` with ``max_retries=0``, so that a 429 is seen as an error.
At the end it prints one JSON line: ``{"ok", "throttled" (any 429), "local_quota",
"local_rate_limit", "other", "first_other_error" (null when none), "elapsed" (seconds from the
start to the last answer), "start" and "end" (the same two moments, in Unix seconds)}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

import argos_addon


def _var(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def _number(name: str) -> Optional[float]:
    value = _var(name)
    return None if value is None else float(value)


def _integer(name: str) -> Optional[int]:
    value = _var(name)
    return None if value is None else int(value)


def client_options() -> Dict[str, Any]:
    options: Dict[str, Any] = {"max_retries": 0}
    for option, name in (("api_key", "ARGOS_API_KEY"), ("base_url", "ARGOS_BASE_URL"), ("ca_cert", "ARGOS_CA_FILE")):
        value = _var(name)
        if value is not None:
            options[option] = value
    # None when empty: the client's own reading of the variable would find none either.
    options["budget_url"] = _var("ARGOS_BUDGET_URL")
    if _var("ARGOS_BUDGET_FAILURE") is not None:
        options["budget_failure"] = _var("ARGOS_BUDGET_FAILURE")
    rate = _var("ARGOS_FLEET_RATE_LIMIT")
    if rate is not None:
        options["rate_limit"] = None if rate == "none" else float(rate)
    options["daily_quota"] = _integer("ARGOS_FLEET_DAILY_QUOTA")
    return options


class Tally:
    def __init__(self) -> None:
        self.counts = {"ok": 0, "throttled": 0, "local_quota": 0, "local_rate_limit": 0, "other": 0}
        self.first_other_error: Optional[str] = None
        self._lock = threading.Lock()

    def count(self, err: Optional[BaseException]) -> None:
        if err is None:
            which = "ok"
        elif getattr(err, "status_code", None) == 429:
            which = "throttled"
        elif getattr(err, "code", None) in ("local_quota", "local_rate_limit"):
            which = str(getattr(err, "code"))
        else:
            which = "other"
        with self._lock:
            self.counts[which] += 1
            if which == "other" and self.first_other_error is None:
                self.first_other_error = f"{type(err).__name__}: {err}"

    def line(self, started: "Started") -> str:
        elapsed, end = time.monotonic() - started.monotonic, time.time()
        summary = {**self.counts, "first_other_error": self.first_other_error}
        return json.dumps({**summary, "elapsed": elapsed, "start": started.unix, "end": end})


class Started:
    """The moment the counted calls begin."""

    def __init__(self) -> None:
        self.monotonic, self.unix = time.monotonic(), time.time()


class Plan:
    """Which calls are still to be made: a number of calls and a deadline, shared by the tasks."""

    def __init__(self, calls: Optional[int], duration: Optional[float]) -> None:
        self.calls = calls
        self.deadline = None if duration is None else time.monotonic() + duration
        self.claimed = 0
        self._lock = threading.Lock()

    def claim(self) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        with self._lock:
            self.claimed += 1
            return self.calls is None or self.claimed <= self.calls


def start_time() -> Optional[float]:
    """The Unix time to begin at, if any (after ``ready``, from stdin)."""
    start = _var("ARGOS_FLEET_START")
    if start is None:
        return None
    if start == "stdin":
        print("ready", flush=True)
        return float(sys.stdin.readline())
    return float(start)


def wait_for_start() -> None:
    at = start_time()
    if at is not None:
        time.sleep(max(0.0, at - time.time()))


def run_sync(concurrency: int, calls: Optional[int], duration: Optional[float], warmup: int) -> str:
    client = argos_addon.Client(**client_options())

    def run(plan: Plan, tally: Tally) -> None:
        def loop() -> None:
            while plan.claim():
                try:
                    client.face_auth.list_page(count=1)
                except Exception as err:  # an ArgosError, or a bug: counted either way
                    tally.count(err)
                else:
                    tally.count(None)

        threads = [threading.Thread(target=loop) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    if warmup:
        run(Plan(warmup, None), Tally())
    wait_for_start()
    started = Started()
    tally = Tally()
    run(Plan(calls, duration), tally)
    return tally.line(started)


async def run_async(concurrency: int, calls: Optional[int], duration: Optional[float], warmup: int) -> str:
    client = argos_addon.AsyncClient(**client_options())

    async def run(plan: Plan, tally: Tally) -> None:
        async def loop() -> None:
            while plan.claim():
                try:
                    await client.face_auth.list_page(count=1)
                except Exception as err:  # an ArgosError, or a bug: counted either way
                    tally.count(err)
                else:
                    tally.count(None)

        tasks: List[Awaitable[None]] = [loop() for _ in range(concurrency)]
        await asyncio.gather(*tasks)

    if warmup:
        await run(Plan(warmup, None), Tally())
    # Reading stdin blocks, but nothing else runs on the loop yet.
    wait_for_start()
    started = Started()
    tally = Tally()
    await run(Plan(calls, duration), tally)
    return tally.line(started)


def run_asyncio(concurrency: int, calls: Optional[int], duration: Optional[float], warmup: int) -> str:
    return asyncio.run(run_async(concurrency, calls, duration, warmup))


def main(argv: List[str]) -> int:
    modes: Dict[str, Callable[[int, Optional[int], Optional[float], int], str]] = {
        "sync": run_sync,
        "async": run_asyncio,
    }
    if len(argv) != 2 or argv[1] not in modes:
        print(f"usage: {argv[0]} sync|async", file=sys.stderr)
        return 2
    calls, duration = _integer("ARGOS_FLEET_CALLS"), _number("ARGOS_FLEET_DURATION")
    if calls is None and duration is None:
        print("set ARGOS_FLEET_CALLS or ARGOS_FLEET_DURATION", file=sys.stderr)
        return 2
    concurrency = max(1, _integer("ARGOS_FLEET_CONCURRENCY") or 8)
    warmup = _integer("ARGOS_FLEET_WARMUP") or 0
    print(modes[argv[1]](concurrency, calls, duration, warmup), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
