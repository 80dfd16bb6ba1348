"""Retries counted at the mock, timeouts, dropped connections, untrusted certificates."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, Api, jpeg

THROTTLED = '{"message":"Too Many Requests"}'


def test_throttling_is_retried_even_for_submit(api: Api, mock: MockServer) -> None:
    mock.fail_next(429, THROTTLED, headers={"Retry-After": "0"}, times=2)
    assert api.submit(SUBMISSION, jpeg(1)).approved
    assert mock.request_count("POST", "/faceauth") == 3


def test_server_errors_are_retried_on_reads_only(api: Api, mock: MockServer) -> None:
    mock.bad_gateway_next(method="GET", path="/faceauth")
    mock.fail_next(503, "busy", method="GET", path="/faceauth")
    with pytest.raises(argos_addon.NotFoundError):
        api.get("x")
    assert mock.request_count("GET", "/faceauth") == 3
    mock.fail_next(500, "{}", method="DELETE", path="/faceauth")
    with pytest.raises(argos_addon.NotFoundError):
        api.delete("x")
    assert mock.request_count("DELETE", "/faceauth") == 2
    mock.fail_next(502, "", method="POST", path="/faceauth")
    with pytest.raises(argos_addon.BadGatewayError):
        api.submit(SUBMISSION, jpeg(1))
    assert mock.request_count("POST", "/faceauth") == 1


def test_quota_and_client_errors_are_not_retried(api: Api, mock: MockServer) -> None:
    mock.set_daily_quota(0)
    with pytest.raises(argos_addon.QuotaExceededError):
        api.get("x")
    mock.set_daily_quota(None)
    mock.fail_next(400, '{"errorCode":"invalid_data_format"}')
    with pytest.raises(argos_addon.BadRequestError):
        api.get("x")
    assert mock.request_count("GET", "/faceauth") == 2


def test_max_retries_and_a_long_retry_after(make_api, mock: MockServer) -> None:  # type: ignore[no-untyped-def]
    api = make_api(max_retries=1)
    mock.fail_next(429, THROTTLED, headers={"Retry-After": "0"}, times=5)
    with pytest.raises(argos_addon.RateLimitError):
        api.get("x")
    assert mock.request_count("GET", "/faceauth") == 2
    mock.clear_faults()
    mock.fail_next(429, THROTTLED, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(argos_addon.RateLimitError) as info:
        api.get("x")
    assert time.monotonic() - started < 5
    assert info.value.retry_after == 3600


def test_timeouts(make_api, mock: MockServer) -> None:  # type: ignore[no-untyped-def]
    api = make_api(timeout=0.3, max_retries=1)
    mock.delay_next(2, method="GET", path="/faceauth")
    with pytest.raises(argos_addon.NotFoundError):
        api.get("x")  # the retry succeeds
    assert mock.request_count("GET", "/faceauth") == 2
    mock.delay_next(2, method="POST", path="/faceauth")
    with pytest.raises(argos_addon.APITimeoutError) as info:
        api.submit(SUBMISSION, jpeg(1))
    assert isinstance(info.value, TimeoutError)
    assert mock.request_count("POST", "/faceauth") == 1


def test_a_dropped_connection(api: Api, mock: MockServer) -> None:
    mock.drop_next(method="GET", path="/faceauth")
    with pytest.raises(argos_addon.NotFoundError):
        api.get("x")
    assert mock.request_count("GET", "/faceauth") == 2
    mock.drop_next(method="POST", path="/faceauth")
    with pytest.raises(argos_addon.APIConnectionError) as info:
        api.submit(SUBMISSION, jpeg(1))
    assert not isinstance(info.value, argos_addon.APITimeoutError)
    assert info.value.__cause__ is not None
    assert mock.request_count("POST", "/faceauth") == 1


def test_an_untrusted_certificate(mock: MockServer) -> None:
    client = argos_addon.Client(api_key=mock.api_key, base_url=mock.base_url)
    with pytest.raises(argos_addon.APIConnectionError, match="(?i)certificate"):
        client.face_auth.get("x")
    assert mock.request_count() == 0
    # Not retried: one connection reached the server, and its handshake never completed.
    assert (mock.connection_count(), mock.handshake_count()) == (1, 0)


def test_connect_failures_are_retried_even_for_submit() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    client = argos_addon.Client(api_key="fake-key-0001", base_url=f"https://127.0.0.1:{port}/v3")
    with pytest.raises(argos_addon.APIConnectionError):
        client.face_auth.submit(SUBMISSION, jpeg(1))
    listener.close()
    assert len(accepted) == 3
