"""The transport-safety matrix of core/tests/hostile.rs and hostile_memory.rs, through Python.

Every misbehaviour of the ``argos-hostile`` server (tests/hostile, built by ``make hostile``,
found through ``$ARGOS_HOSTILE_BIN``) ends in the documented error within ``timeout`` + 1 s, the
key never leaves its origin, the same client keeps working, and the server sees every connection
let go. A 1 GiB answer grows a fresh process's peak RSS by less than 64 MiB.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import select
import subprocess
import sys
import textwrap
import time
import urllib.parse
from typing import Dict, Iterator, List, Optional, Tuple, Type

import pytest

import argos_addon
from argos_addon import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ArgosError,
    AsyncClient,
    Client,
    InternalServerError,
)
from conftest import child_env, scrubbed

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
TIMEOUT = 2.0
WITHIN = TIMEOUT + 1.0
API_KEY = "hostile-test-key"
MAX_ERROR_BODY_BYTES = 64 * 1024
MEMORY_BOUND = 64 * 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x01\x02\x03"

# Read at import, before the module's fixture takes ARGOS_* out of the environment.
HOSTILE_BIN = os.environ.get("ARGOS_HOSTILE_BIN") or str(ROOT / "target" / "debug" / "argos-hostile")


def hostile_bin() -> str:
    path = HOSTILE_BIN
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(
            f"the hostile server binary {path!r} is missing: run `make hostile` and export "
            "ARGOS_HOSTILE_BIN=<repo>/target/debug/argos-hostile (make test-python does both)",
            pytrace=False,
        )
    return path


Stats = Dict[str, int]


class Hostile:
    """One ``argos-hostile`` process: its URLs, its CA, and its counters through ``stats``."""

    def __init__(self) -> None:
        self._buffer = b""
        self.proc = subprocess.Popen(
            [hostile_bin()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=child_env(),
        )
        try:
            info: Dict[str, str] = {}
            while True:
                line = self._readline(10.0)
                if line == "ready":
                    break
                key, _, value = line.partition("=")
                info[key] = value
            self.base_url = info["base_url"]
            self.silent_base_url = info["silent_base_url"]
            self.ca_cert = info["ca_cert"]
        except BaseException:
            self.stop()
            raise

    def _readline(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"argos-hostile said nothing for {timeout} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"argos-hostile exited (status {self.proc.poll()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode().strip()

    def stats(self) -> Stats:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"stats\n")
        self.proc.stdin.flush()
        stats: Stats = json.loads(self._readline(5.0))
        return stats

    def scenario_url(self, scenario: str) -> str:
        """A base URL whose every request plays ``scenario``: ``https://host:port/<scenario>/v3``."""
        url = urllib.parse.urlsplit(self.base_url)
        return urllib.parse.urlunsplit(url._replace(path=f"/{scenario}{url.path}"))

    def client(self, base_url: Optional[str] = None) -> Client:
        return Client(api_key=API_KEY, base_url=base_url or self.base_url, ca_cert=self.ca_cert, timeout=TIMEOUT, max_retries=0)

    def async_client(self, base_url: Optional[str] = None) -> AsyncClient:
        return AsyncClient(api_key=API_KEY, base_url=base_url or self.base_url, ca_cert=self.ca_cert, timeout=TIMEOUT, max_retries=0)

    def wait_for_no_open_connections(self) -> None:
        deadline = time.monotonic() + 3.0
        while (stats := self.stats())["open_connections"] > 0:
            assert time.monotonic() < deadline, f"connections left open: {stats}"
            time.sleep(0.02)

    def stop(self) -> None:
        """Ends the process however it behaves: end of stdin, then a kill after 5 s."""
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="module", autouse=True)
def _no_proxy_or_argos_env() -> Iterator[None]:
    """The in-process clients too: a proxy or an ARGOS_* setting would change what is tested."""
    saved = {k: v for k, v in os.environ.items() if scrubbed(k)}
    for name in saved:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(saved)


@pytest.fixture(scope="module")
def hostile(_no_proxy_or_argos_env: None) -> Iterator[Hostile]:
    server = Hostile()
    try:
        yield server
    finally:
        server.stop()


def delta(before: Stats, after: Stats) -> Stats:
    return {k: after[k] - before[k] for k in after if k != "open_connections"}


def still_healthy(hostile: Hostile, client: Client) -> None:
    """The same client makes a normal call, and the server sees no connection left open."""
    assert client.face_auth.get("ok").auth_id == "ok"
    hostile.wait_for_no_open_connections()


@contextlib.contextmanager
def raises_within(scenario: str, cls: Type[ArgosError], code: Optional[str] = None) -> Iterator[pytest.ExceptionInfo[ArgosError]]:
    """The block raises within ``WITHIN`` an error of exactly ``cls``, with ``code``."""
    started = time.monotonic()
    with pytest.raises(ArgosError) as info:
        yield info
    elapsed = time.monotonic() - started
    err = info.value
    assert elapsed < WITHIN, f"{scenario} took {elapsed:.2f} s: {err!r}"
    assert type(err) is cls, f"{scenario}: {type(err).__name__}: {err}"
    assert getattr(err, "code", None) == code, f"{scenario}: {err}"


def fails_with(hostile: Hostile, scenario: str, cls: Type[ArgosError], code: Optional[str] = None) -> ArgosError:
    """Plays ``scenario`` through ``get`` and checks the error's exact class, code and time."""
    with hostile.client() as client:
        with raises_within(scenario, cls, code) as info:
            client.face_auth.get(scenario)
        still_healthy(hostile, client)
    return info.value


def test_a_cross_origin_redirect_is_an_error_and_the_key_stays_home(hostile: Hostile) -> None:
    before = hostile.stats()
    err = fails_with(hostile, "redirect-cross-origin", APIStatusError, "redirect")
    assert isinstance(err, APIStatusError)
    assert err.status_code == 302
    assert "https://127.0.0.1:" in err.message, str(err)
    assert "secret" not in str(err) and "secret" not in err.message, str(err)
    assert "secret" not in repr(err)
    moved = delta(before, hostile.stats())
    assert moved["other_origin_requests"] == 0 and moved["other_origin_keys"] == 0, moved


def test_a_redirected_submit_sends_nothing_to_the_other_origin(hostile: Hostile) -> None:
    with hostile.client(hostile.scenario_url("redirect-cross-origin")) as client:
        before = hostile.stats()
        with raises_within("redirect-cross-origin", APIStatusError, "redirect") as info:
            client.face_auth.submit("sub-1", JPEG)
        assert isinstance(info.value, APIStatusError) and info.value.status_code == 302
        moved = delta(before, hostile.stats())
        assert (moved["requests"], moved["other_origin_requests"]) == (1, 0), moved
        assert moved["other_origin_keys"] == 0, moved
    with hostile.client() as healthy:
        still_healthy(hostile, healthy)


def test_no_request_reaches_another_origin_or_plain_http(hostile: Hostile) -> None:
    with hostile.client() as client:
        before = hostile.stats()
        for scenario in ["redirect-cross-origin", "redirect-http", "redirect-same-origin"]:
            with pytest.raises(APIStatusError) as info:
                client.face_auth.get(scenario)
            assert info.value.code == "redirect", scenario
        moved = delta(before, hostile.stats())
        assert moved["requests"] == 3, f"each redirect answered once, none followed: {moved}"
        assert moved["other_origin_requests"] + moved["other_origin_keys"] == 0, moved
        assert moved["plain_connections"] == 0, moved


def test_redirects_to_http_and_to_the_same_origin_are_not_followed_either(
    hostile: Hostile,
) -> None:
    before = hostile.stats()
    err = fails_with(hostile, "redirect-http", APIStatusError, "redirect")
    assert "http://127.0.0.1:" in err.message, str(err)
    assert delta(before, hostile.stats())["plain_connections"] == 0
    err = fails_with(hostile, "redirect-same-origin", APIStatusError, "redirect")
    assert isinstance(err, APIStatusError) and err.status_code == 307
    moved = delta(before, hostile.stats())
    # Two redirects and the two checking calls: none followed.
    assert moved["requests"] == 4, moved
    assert moved["plain_connections"] == 0, moved


@pytest.mark.parametrize("scenario", ["huge-body", "huge-body-chunked", "huge-close-delimited"])
def test_huge_2xx_bodies_stop_at_the_cap(hostile: Hostile, scenario: str) -> None:
    err = fails_with(hostile, scenario, APIStatusError, "response_too_large")
    assert isinstance(err, APIStatusError) and err.status_code == 200
    assert "max_response_bytes" in err.message, str(err)


@pytest.mark.parametrize("scenario", ["huge-error", "huge-error-chunked"])
def test_huge_error_bodies_are_read_only_in_part(hostile: Hostile, scenario: str) -> None:
    err = fails_with(hostile, scenario, InternalServerError)
    assert isinstance(err, InternalServerError) and err.status_code == 500
    assert len(err.body.encode()) <= MAX_ERROR_BODY_BYTES


@pytest.mark.parametrize(
    "scenario", ["slow-drip", "endless-chunked", "stalled-tls", "no-answer", "header-drip"]
)
def test_a_server_that_never_finishes_times_out(hostile: Hostile, scenario: str) -> None:
    fails_with(hostile, scenario, APITimeoutError)


def test_a_port_that_never_handshakes_times_out(hostile: Hostile) -> None:
    with hostile.client(hostile.silent_base_url) as silent:
        with raises_within("the silent port", APITimeoutError):
            silent.face_auth.get("ok")
    with hostile.client() as client:
        still_healthy(hostile, client)


@pytest.mark.parametrize(
    "scenario",
    ["header-flood", "malformed-status-line", "long-content-length", "closed-mid-body"],
)
def test_a_broken_answer_is_a_connection_error(hostile: Hostile, scenario: str) -> None:
    err = fails_with(hostile, scenario, APIConnectionError)
    assert not isinstance(err, APITimeoutError)


def test_a_short_content_length_leaves_an_unreadable_body(hostile: Hostile) -> None:
    fails_with(hostile, "short-content-length", APIStatusError, "invalid_response")


def test_an_http10_close_delimited_body_is_read(hostile: Hostile) -> None:
    with hostile.client() as client:
        started = time.monotonic()
        record = client.face_auth.get("http10-close-delimited")
        assert time.monotonic() - started < WITHIN
        assert record.auth_id == "ok"
        still_healthy(hostile, client)


# The asyncio client: a redirect, a huge body and a timeout, on one client.


async def async_fails_with(hostile: Hostile, client: AsyncClient, scenario: str, cls: Type[ArgosError], code: Optional[str] = None) -> ArgosError:
    """``fails_with`` on the given asyncio client."""
    with raises_within(scenario, cls, code) as info:
        await client.face_auth.get(scenario)
    assert (await client.face_auth.get("ok")).auth_id == "ok"
    # Blocking the loop is harmless here: the connection is let go by the Rust runtime.
    hostile.wait_for_no_open_connections()
    return info.value


async def test_the_async_client_meets_the_same_matrix(hostile: Hostile) -> None:
    async with hostile.async_client() as client:
        before = hostile.stats()
        err = await async_fails_with(
            hostile, client, "redirect-cross-origin", APIStatusError, "redirect"
        )
        assert "secret" not in str(err)
        moved = delta(before, hostile.stats())
        assert moved["other_origin_requests"] + moved["other_origin_keys"] == 0, moved
        for huge in ["huge-body", "huge-body-chunked"]:
            err = await async_fails_with(hostile, client, huge, APIStatusError, "response_too_large")
            assert isinstance(err, APIStatusError) and err.status_code == 200
        await async_fails_with(hostile, client, "huge-error", InternalServerError)
        await async_fails_with(hostile, client, "slow-drip", APITimeoutError)
        await async_fails_with(hostile, client, "no-answer", APITimeoutError)


# Peak memory, each huge answer in a fresh interpreter (hostile_memory.rs).

_MEMORY_CHILD = textwrap.dedent(
    """
    import json
    import sys

    import argos_addon


    def status_kib(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
        raise LookupError(field)


    base_url, ca_cert, scenario = sys.argv[1:4]
    client = argos_addon.Client(
        api_key="hostile-test-key", base_url=base_url, ca_cert=ca_cert, timeout=10.0, max_retries=0
    )
    # Warm the pool, TLS and the allocator so that the measure is of the body alone.
    assert client.face_auth.get("ok").auth_id == "ok"
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    before = status_kib("VmRSS:") * 1024
    try:
        client.face_auth.get(scenario)
        error, code, status = None, None, None
    except argos_addon.ArgosError as err:
        error, code, status = type(err).__name__, getattr(err, "code", None), getattr(err, "status_code", None)
    peak = status_kib("VmHWM:") * 1024
    print(json.dumps({"error": error, "code": code, "status": status, "before": before, "peak": peak}))
    """
)

HUGE: List[Tuple[str, str, Optional[str]]] = [
    ("huge-body", "APIStatusError", "response_too_large"),
    ("huge-body-chunked", "APIStatusError", "response_too_large"),
    ("huge-close-delimited", "APIStatusError", "response_too_large"),
    ("huge-error", "InternalServerError", None),
    ("huge-error-chunked", "InternalServerError", None),
]


@pytest.mark.parametrize(("scenario", "error", "code"), HUGE, ids=[h[0] for h in HUGE])
def test_a_1_gib_answer_grows_memory_by_less_than_64_mib(
    hostile: Hostile, scenario: str, error: str, code: Optional[str]
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, hostile.base_url, hostile.ca_cert, scenario],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
        cwd=ROOT,
    )
    assert run.returncode == 0, f"{scenario}: child failed\n{run.stdout}\n{run.stderr}"
    measure = json.loads(run.stdout.strip().splitlines()[-1])
    assert (measure["error"], measure["code"]) == (error, code), measure
    growth = max(0, measure["peak"] - measure["before"])
    print(f"\n[python memory] {scenario}: peak RSS growth {growth / 2**20:.1f} MiB")
    assert growth < MEMORY_BOUND, f"{scenario}: peak RSS grew by {growth >> 20} MiB"
    hostile.wait_for_no_open_connections()

