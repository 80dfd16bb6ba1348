"""The runtime under Python: threads, event loops, fork, Ctrl-C, interpreter exit, logging."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, child_env, jpeg

HERE = os.path.dirname(os.path.abspath(__file__))


def run_python(code: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(**env),
        cwd=HERE,
    )


def test_one_async_client_across_several_event_loops(mock: MockServer) -> None:
    client = mock.async_client()

    async def once() -> bool:
        return (await client.face_auth.submit(SUBMISSION, jpeg(1))).approved

    assert asyncio.run(once()) and asyncio.run(once()) and asyncio.run(once())
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(once())
    finally:
        loop.close()


def test_a_thousand_concurrent_async_calls(mock: MockServer) -> None:
    client = mock.async_client()
    result = client_result = None

    async def main() -> None:
        nonlocal result, client_result
        client_result = await client.face_auth.submit(SUBMISSION, jpeg(1))
        gets = [client.face_auth.get(client_result.authentication_id) for _ in range(1000)]
        result = await asyncio.gather(*gets)

    asyncio.run(main())
    assert result is not None and len(result) == 1000
    assert client_result is not None
    assert all(r.auth_id == client_result.authentication_id for r in result)
    assert mock.request_count("GET", "/faceauth") == 1000


def test_sixteen_threads_share_one_sync_client(mock: MockServer) -> None:
    client = mock.client()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: client.face_auth.submit(SUBMISSION, jpeg(1)).approved, range(64)))
    assert all(results) and len(results) == 64
    assert mock.request_count("POST", "/faceauth") == 64


def test_the_gil_is_released_while_waiting(mock: MockServer) -> None:
    client = mock.client()
    mock.delay_next(2, times=8)
    returned = threading.Event()

    def call(_: int) -> None:
        client.face_auth.list_page()
        returned.set()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        calls = [pool.submit(call, i) for i in range(8)]
        # With the GIL held through a call, no other thread could send its request before the
        # first answer: all eight arriving while none has returned shows they overlap.
        deadline = time.monotonic() + 30
        while mock.request_count("GET", "/faceauth") < 8 and not returned.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mock.request_count("GET", "/faceauth") == 8 and not returned.is_set()
        for done in calls:
            done.result()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_clients_work_in_a_forked_child() -> None:
    proc = run_python(
        """
        import asyncio, os, sys
        from argos_addon.testing import MockServer
        from conftest import SUBMISSION, jpeg
        mock = MockServer()
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        client, aclient = mock.client(), mock.async_client()
        assert client.face_auth.submit(SUBMISSION, jpeg(1)).approved
        assert asyncio.run(aclient.face_auth.submit(SUBMISSION, jpeg(1))).approved
        copy = client.with_options(extra_headers={"x-copy": "1"})
        assert copy.face_auth.submit(SUBMISSION, jpeg(1)).approved
        pid = os.fork()
        if pid == 0:
            try:
                ok = client.face_auth.submit(SUBMISSION, jpeg(1)).approved
                ok &= asyncio.run(aclient.face_auth.submit(SUBMISSION, jpeg(1))).approved
                ok &= mock.client().face_auth.submit(SUBMISSION, jpeg(1)).approved
                ok &= copy.face_auth.submit(SUBMISSION, jpeg(1)).approved  # its settings kept
                os._exit(0 if ok else 1)
            except BaseException as e:
                print("child failed:", repr(e), file=sys.stderr, flush=True)
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        assert client.face_auth.submit(SUBMISSION, jpeg(1)).approved, "the parent still works"
        print("child exit", os.waitstatus_to_exitcode(status))
        print("posts", mock.request_count("POST", "/faceauth"))
        print("copies", sum(dict(r["headers"]).get("x-copy") == "1" for r in mock.requests()))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "child exit 0" in proc.stdout, proc.stdout + proc.stderr
    assert "posts 8" in proc.stdout and "copies 2" in proc.stdout


@pytest.mark.parametrize(
    "blocked",
    [
        "mock.delay_next(30)\nclient = mock.client()",
        # Waiting for a slot of the budget: the second call's slot is 20 s away.
        "client = mock.client(rate_limit=0.05)\nclient.face_auth.list_page(count=1)",
    ],
    ids=["slow-answer", "budget-slot"],
)
def test_ctrl_c_interrupts_a_blocked_sync_call(blocked: str) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import signal, sys, time
                # A shell's background job starts with SIGINT ignored, and Python then keeps it
                # so: restore the handler that raises KeyboardInterrupt.
                signal.signal(signal.SIGINT, signal.default_int_handler)
                from argos_addon.testing import MockServer
                mock = MockServer()
                """
            )
            + blocked
            + textwrap.dedent(
                """
                import threading
                main = threading.main_thread().ident

                def watch():
                    # Says "blocked" once the main thread is inside the client's call.
                    while "argos_addon" not in sys._current_frames()[main].f_code.co_filename:
                        time.sleep(0.01)
                    print("blocked", flush=True)

                threading.Thread(target=watch, daemon=True).start()
                started = time.monotonic()
                try:
                    client.face_auth.get("x")
                except KeyboardInterrupt:
                    print(f"interrupted after {time.monotonic() - started:.2f}", flush=True)
                    sys.exit(0)
                sys.exit(3)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "blocked"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "interrupted" in out
        assert time.monotonic() - sent < 3
    finally:
        proc.kill()


def test_no_hang_or_crash_at_interpreter_exit() -> None:
    proc = run_python(
        """
        import asyncio
        from argos_addon.testing import MockServer
        mock = MockServer()
        client, aclient = mock.client(), mock.async_client()
        client.face_auth.list_page()
        mock.delay_next(5, times=10)

        async def main():
            # Leave requests in flight on purpose.
            for _ in range(3):
                asyncio.ensure_future(aclient.face_auth.list_page())
            await asyncio.sleep(0.1)

        asyncio.run(main())
        print("bye", flush=True)
        """,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    assert "bye" in proc.stdout
    assert "panic" not in proc.stderr.lower() and "fatal" not in proc.stderr.lower()


def test_argos_log_prints_attempts_to_stderr() -> None:
    proc = run_python(
        """
        from argos_addon.testing import MockServer
        mock = MockServer(api_key="SENTINELlogKeyDoNotLeak000000000000000000")
        mock.fail_next(503, "busy", headers={"Retry-After": "0"})
        try:
            mock.client().face_auth.get("hidden-auth-id")
        except Exception:
            pass
        """,
        ARGOS_LOG="debug",
    )
    assert proc.returncode == 0, proc.stderr
    assert "GET /v3/faceauth -> 503 ServerError (attempt 1" in proc.stderr
    assert "GET /v3/faceauth -> 200 (attempt 2" in proc.stderr
    assert "retrying in" in proc.stderr
    assert "SENTINEL" not in proc.stderr and "hidden-auth-id" not in proc.stderr


def test_stdlib_logging_receives_records_when_configured(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="argos_addon"):
        mock.client().face_auth.list_page()
    messages = [r.getMessage() for r in caplog.records if r.name == "argos_addon"]
    assert any("GET /v3/faceauth -> 200 (attempt 1" in m for m in messages), messages


def test_the_version_is_exposed() -> None:
    assert argos_addon.__version__.count(".") == 2
