"""Two processes, one API key, one budget: the fleet budget of argos-addon, shared through Redis.

Starts the embedded mock ARGOS server and a throwaway ``redis-server`` on a free loopback port
(``make redis-tools`` installs it), then two worker processes that share the mock's key and one
budget (``rate_limit=20`` requests/s and ``daily_quota=60``) through ``budget_url``. Each worker
calls until the budget refuses it with ``QuotaExceededError`` (code ``local_quota``, nothing sent);
the parent prints what each got, what the mock saw (exactly the quota) and ``budget_status()``.

    make demo-budget        # or: .venv/bin/python examples/shared_budget.py
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, Iterator, List, Tuple

import argos_addon
from argos_addon.testing import MockServer

RATE_LIMIT = 20.0
DAILY_QUOTA = 60
WORKERS = 2
START_TIMEOUT = 10.0


def _pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(7).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """A ``redis-server`` on a free loopback port, without persistence, in a temporary directory;
    yields its URL and always stops it."""
    server = shutil.which(os.environ.get("ARGOS_REDIS_SERVER", "redis-server"))
    if server is None:
        sys.exit("redis-server is not on PATH: `make redis-tools` installs it")
    with tempfile.TemporaryDirectory(prefix="argos-demo-redis-") as directory:
        port = _free_port()
        argv = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
        log = open(os.path.join(directory, "redis.log"), "wb")
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _pings(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    with open(os.path.join(directory, "redis.log"), "rb") as tail:
                        sys.exit("redis-server did not start:\n" + tail.read().decode("utf-8", "replace")[-2000:])
                time.sleep(0.01)
            yield f"redis://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def worker(name: str, options: Dict[str, Any]) -> Tuple[str, int, int, float, str]:
    """Calls until the fleet's daily quota refuses; returns (name, pid, calls sent, seconds, why)."""
    client = argos_addon.Client(**options)
    started = time.monotonic()
    sent = 0
    while True:
        try:
            client.face_auth.list_page(count=1)
        except argos_addon.QuotaExceededError as err:
            if err.code != "local_quota":
                raise
            client.close()
            return name, os.getpid(), sent, time.monotonic() - started, f"{type(err).__name__} ({err.code})"
        sent += 1


def main() -> None:
    with MockServer() as mock, throwaway_redis() as budget_url:
        options: Dict[str, Any] = {
            "api_key": mock.api_key,
            "base_url": mock.base_url,
            "ca_cert": mock.ca_cert_pem,
            "budget_url": budget_url,
            "rate_limit": RATE_LIMIT,
            "daily_quota": DAILY_QUOTA,
        }
        print(f"mock ARGOS at {mock.base_url}; budget store {budget_url}")
        print(f"{WORKERS} worker processes share one key: rate_limit={RATE_LIMIT:g}/s, daily_quota={DAILY_QUOTA}")
        started = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
            jobs = [pool.apply_async(worker, (f"worker {i + 1}", options)) for i in range(WORKERS)]
            results: List[Tuple[str, int, int, float, str]] = [job.get(timeout=60) for job in jobs]
        elapsed = time.monotonic() - started
        for name, pid, sent, seconds, why in results:
            print(f"  {name} (pid {pid}): {sent} calls, then {why} after {seconds:.1f} s")
        total = sum(sent for _, _, sent, _, _ in results)
        seen = mock.request_count("GET", "/faceauth")
        span = max(seconds for _, _, _, seconds, _ in results)
        print(
            f"together: {total} calls in {span:.1f} s, about {(total - 1) / span:.1f}/s: one fleet rate, "
            f"not {WORKERS} x {RATE_LIMIT:g}/s"
        )
        print(f"the mock saw {seen} calls (daily_quota {DAILY_QUOTA}); the whole demo took {elapsed:.1f} s")
        client = argos_addon.Client(**options)
        status = client.budget_status()
        print("budget_status():")
        for key, value in status.to_dict().items():
            print(f"  {key:<16} {value.isoformat() if key == 'resets_at' else value}")
        client.close()
        if not (total == seen == DAILY_QUOTA and status.remaining_today == 0):
            sys.exit("unexpected: the fleet did not share the quota exactly")


if __name__ == "__main__":
    main()
