"""argos_addon.testing: the mock users run their own tests against."""

from __future__ import annotations

import concurrent.futures
import datetime
import http.client
import inspect
import json
import os
import pathlib
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import List, Optional

import pytest

import argos_addon
from argos_addon.testing import MockServer, RequestLog

from conftest import SUBMISSION, child_env, jpeg


def test_properties_and_clients() -> None:
    with MockServer(project_id="pid0000001", api_key="fake-key-for-tests-0001") as mock:
        assert mock.base_url == f"https://127.0.0.1:{mock.port}/v3"
        assert mock.api_key == "fake-key-for-tests-0001" and mock.project_id == "pid0000001"
        assert mock.ca_cert_pem.startswith("-----BEGIN CERTIFICATE-----")
        assert isinstance(mock.client(), argos_addon.Client)
        assert isinstance(mock.async_client(), argos_addon.AsyncClient)
        assert "pid0000001" in repr(mock) and mock.api_key not in repr(mock)


def test_generated_ids_have_the_documented_shape() -> None:
    with MockServer() as mock:
        assert len(mock.api_key) == 40 and mock.api_key.isalnum()
        assert len(mock.project_id) == 10


def test_selfie_from_a_path_and_forced_verdicts(tmp_path: pathlib.Path) -> None:
    selfie = tmp_path / "me.jpg"
    selfie.write_bytes(jpeg(5))
    with MockServer() as mock:
        mock.add_submission("s-path", selfie=selfie)
        client = mock.client()
        assert client.face_auth.submit("s-path", selfie).approved
        mock.force_next_verdict(status="rejected", score=12.5, fail_codes=["Face_cover_fail"])
        result = client.face_auth.submit("s-path", selfie)
        assert result.fail_codes == ["Face_cover_fail"] and result.score.face_similarity_score == 12.5
        mock.add_submission("s-pending", "pending", jpeg(6))
        with pytest.raises(argos_addon.BadRequestError):
            client.face_auth.submit("s-pending", jpeg(6))


def test_records_counts_and_requests() -> None:
    with MockServer() as mock:
        auth_id = mock.add_record(auth_status="rejected", create_time=datetime.datetime(2024, 1, 2, 3, 4, 5))
        client = mock.client()
        record = client.face_auth.get(auth_id)
        assert record.auth_status == "rejected"
        assert record.create_time == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        assert mock.request_count("GET", "/faceauth") == 1 and mock.request_count() == 1
        request = mock.requests()[-1]
        assert request["method"] == "GET" and request["path"] == "/faceauth"
        assert ("authId", auth_id) in request["query"]
        assert dict(request["headers"])["x-api-key"] == "<redacted>"
        mock.reset_counts()
        assert mock.request_count() == 0 and mock.requests() == []
        with pytest.raises(TypeError):
            mock.request_count("GET")


def test_the_request_log_keeps_the_last_requests() -> None:
    assert inspect.signature(MockServer).parameters["request_log_limit"].default == 10_000
    with MockServer(request_log_limit=5) as mock:
        client = mock.client(max_retries=0)
        for n in range(12):
            with pytest.raises(argos_addon.NotFoundError):
                client.face_auth.get(f"auth{n}")
        log = mock.requests()
        assert isinstance(log, RequestLog) and isinstance(log, list)
        assert [dict(r["query"])["authId"] for r in log] == [f"auth{n}" for n in range(7, 12)]
        assert log.dropped == mock.dropped_requests() == 7
        assert mock.request_count() == 12, "counts are not bounded"
        mock.reset_counts()
        log = mock.requests()
        assert log == [] and log.dropped == mock.dropped_requests() == 0
    with MockServer(request_log_limit=0) as mock:
        with pytest.raises(argos_addon.NotFoundError):
            mock.client(max_retries=0).face_auth.get("auth")
        log = mock.requests()
        assert log == [] and log.dropped == 1
    with pytest.raises(argos_addon.ValidationError):
        MockServer(request_log_limit=-1)


def test_faults_and_gateway_modes() -> None:
    with MockServer() as mock:
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        client = mock.client(max_retries=0)
        mock.fail_next(500, '{"message":"boom"}', times=2, method="GET", path="/faceauth")
        for _ in range(2):
            with pytest.raises(argos_addon.InternalServerError):
                client.face_auth.get("a")
        mock.fail_next(418, "teapot", method="DELETE", path="/faceauth")
        with pytest.raises(argos_addon.NotFoundError):
            client.face_auth.get("a")  # the DELETE fault does not match a GET
        mock.clear_faults()
        mock.set_deny()
        with pytest.raises(argos_addon.IPNotAllowedError):
            client.face_auth.get("a")
        mock.set_deny(False)
        mock.set_daily_quota(1)
        with pytest.raises(argos_addon.NotFoundError):
            client.face_auth.get("a")
        with pytest.raises(argos_addon.QuotaExceededError):
            client.face_auth.get("a")
        mock.set_daily_quota(None)
        mock.set_rate_limit(1)
        client.face_auth.list_page()
        with pytest.raises(argos_addon.RateLimitError):
            client.face_auth.list_page()
        with pytest.raises(ValueError):
            mock.set_list_shape("round")
        with pytest.raises(ValueError):
            mock.set_image_encoding("hex")


def _burst(mock: MockServer, n: int) -> List[urllib.error.HTTPError]:
    """Fires ``n`` keyed ``GET /faceauth`` at once; returns the refusals, each a 429."""
    context = ssl.create_default_context(cadata=mock.ca_cert_pem)
    request = urllib.request.Request(f"{mock.base_url}/faceauth", headers={"x-api-key": mock.api_key})

    def fire(_: int) -> Optional[urllib.error.HTTPError]:
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                assert response.status == 200 and "Retry-After" not in response.headers
        except urllib.error.HTTPError as error:
            assert error.code == 429
            return error
        return None

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return [error for error in pool.map(fire, range(n)) if error is not None]


def test_gateway_limit_and_per_second_counts() -> None:
    limit, burst = 3, 10
    with MockServer(gateway_limit=limit) as mock:
        assert mock.per_second_counts() == []
        time.sleep(1.005 - time.time() % 1)  # into a fresh second: the burst most likely fits in it
        refused = _burst(mock, burst)
        for error in refused:
            assert error.headers["Retry-After"] == "1"
            assert error.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
            assert json.loads(error.read()) == {"message": "Too Many Requests"}
        counts = mock.per_second_counts()
        assert sum(c["requests"] for c in counts) == burst
        assert sum(c["throttled"] for c in counts) == len(refused) >= burst - 2 * limit
        for count in counts:
            assert set(count) == {"second", "requests", "throttled"}
            assert count["throttled"] == max(0, count["requests"] - limit)
            assert abs(count["second"] - time.time()) < 10
        mock.set_gateway_limit(None)
        assert _burst(mock, burst) == []
        assert sum(c["requests"] for c in mock.per_second_counts()) == 2 * burst
        mock.set_gateway_limit(0)
        assert len(_burst(mock, 2)) == 2
        mock.reset_counts()
        assert mock.per_second_counts() == []
        with pytest.raises(argos_addon.ValidationError):
            mock.set_gateway_limit(-1)


def _get_twice(mock: MockServer, context: ssl.SSLContext) -> None:
    """Two keyed ``GET /faceauth`` on one connection, each response read to the end."""
    connection = http.client.HTTPSConnection("127.0.0.1", mock.port, context=context, timeout=10)
    try:
        for _ in range(2):
            connection.request("GET", "/v3/faceauth", headers={"x-api-key": mock.api_key})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        connection.close()


def test_connection_and_handshake_counts() -> None:
    with MockServer() as mock:
        context = ssl.create_default_context(cadata=mock.ca_cert_pem)
        assert (mock.connection_count(), mock.handshake_count()) == (0, 0)
        # The server counts a connection before it answers on it: no waiting needed.
        _get_twice(mock, context)
        assert mock.request_count() == 2
        assert (mock.connection_count(), mock.handshake_count()) == (1, 1)
        _get_twice(mock, context)
        assert (mock.connection_count(), mock.handshake_count()) == (2, 2)
        # A client that does not trust the mock's CA connects but completes no handshake.
        with MockServer() as stranger, pytest.raises(ssl.SSLCertVerificationError):
            _get_twice(mock, ssl.create_default_context(cadata=stranger.ca_cert_pem))
        assert (mock.connection_count(), mock.handshake_count()) == (3, 2)
        mock.reset_counts()
        assert (mock.connection_count(), mock.handshake_count()) == (0, 0)


def test_a_small_body_limit_gives_413() -> None:
    with MockServer(max_body_bytes=1024) as mock:
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        with pytest.raises(argos_addon.PayloadTooLargeError):
            mock.client().face_auth.submit(SUBMISSION, jpeg(1, 4096))


def test_a_stopped_mock_refuses_control_calls() -> None:
    mock = MockServer()
    mock.close()
    mock.close()
    with pytest.raises(ValueError, match="stopped"):
        mock.add_submission("x")


def test_python_dash_m_runs_it_standalone(tmp_path: pathlib.Path) -> None:
    ca = tmp_path / "ca.pem"
    selfie = tmp_path / "selfie.jpg"
    selfie.write_bytes(jpeg(9))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "argos_addon.testing",
            "--ca-out",
            str(ca),
            "--seed",
            f"{SUBMISSION}:approved:{selfie}",
            "--request-log-limit",
            "5",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdout is not None
        lines = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(4))
        client = argos_addon.Client(api_key=lines["api_key"], base_url=lines["base_url"], ca_cert=lines["ca_cert"])
        assert client.face_auth.submit(SUBMISSION, selfie).approved
        # A request that trusts the mock's CA reaches it while it runs, and is refused once it stopped.
        trusted = ssl.create_default_context(cafile=str(ca))
        probe = urllib.request.Request(f"{lines['base_url']}/faceauth", headers={"x-api-key": lines["api_key"]})
        with urllib.request.urlopen(probe, context=trusted, timeout=10) as answer:
            assert answer.status == 200
        assert proc.stdin is not None
        proc.stdin.close()
        started = time.monotonic()
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(probe, context=trusted, timeout=2)
        assert isinstance(refused.value.reason, ConnectionRefusedError)
    finally:
        proc.kill()
