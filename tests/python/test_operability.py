"""Per-call options (``with_options``), ``default_headers``, and the HTTP answer every result
carries (``response``, ``with_response``), sync and async, against the mock."""

from __future__ import annotations

import asyncio
import datetime
import time
from typing import Any, Callable, Dict, List

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, Api, jpeg

AUTH_ID = "rec-operability-1"
RESERVED = ["x-api-key", "X-Api-Key", "content-type", "content-length", "host", "traceparent", "tracestate"]


@pytest.fixture
def record(mock: MockServer) -> str:
    return mock.add_record(auth_id=AUTH_ID, image=jpeg(7), create_time=datetime.datetime(2024, 5, 1))


def last_headers(mock: MockServer) -> Dict[str, str]:
    return dict(mock.requests()[-1]["headers"])


def test_a_copy_shares_the_connection_pool(api: Api, mock: MockServer, record: str) -> None:
    # The core reads every answer whole, so a finished call leaves its connection in the pool.
    api.get(record)
    assert mock.connection_count() == 1
    copy = api.with_options(timeout=5, max_retries=0, extra_headers={"x-call": "1"})
    copy.get(record)
    copy.list_page(count=1)
    assert mock.connection_count() == 1
    assert api.get(record).auth_id == record
    assert mock.connection_count() == 1
    # A client of its own opens a connection of its own.
    Api(mock.async_client() if api.is_async else mock.client(), api.is_async).get(record)
    assert mock.connection_count() == 2


def test_a_copy_shares_the_limiter(make_api: Callable[..., Api], mock: MockServer, record: str) -> None:
    api = make_api(rate_limit=5)
    started = time.monotonic()
    for each in (api, api.with_options(timeout=30), api, api.with_options(max_retries=1)) * 3:
        each.get(record)
    # 12 calls at 5 per second, whichever copy sent them (a bucket of their own each would be ~0 s).
    assert time.monotonic() - started > 1.0


def test_a_per_call_timeout_fires_while_the_client_keeps_its_own(api: Api, mock: MockServer, record: str) -> None:
    quick = api.with_options(timeout=0.3, max_retries=0)
    mock.delay_next(1.5, method="GET", path="/faceauth")
    started = time.monotonic()
    with pytest.raises(argos_addon.APITimeoutError):
        quick.get(record)
    assert time.monotonic() - started < 1.4
    mock.delay_next(0.6, method="GET", path="/faceauth")
    assert api.get(record).response.attempts == 1
    assert mock.request_count("GET", "/faceauth") == 2


def test_max_retries_of_a_copy(api: Api, mock: MockServer, record: str) -> None:
    mock.fail_next(503, "busy", times=1, method="GET", path="/faceauth")
    with pytest.raises(argos_addon.ServerError):
        api.with_options(max_retries=0).get(record)
    mock.fail_next(503, "busy", times=1, method="GET", path="/faceauth")
    assert api.get(record).response.attempts == 2


def test_default_and_extra_headers_reach_the_server(make_api: Callable[..., Api], mock: MockServer, record: str) -> None:
    api = make_api(default_headers={"X-Tenant": "acme", "x-both": "default"})
    api.get(record)
    sent = last_headers(mock)
    assert sent["x-tenant"] == "acme" and sent["x-both"] == "default"
    copy = api.with_options(extra_headers={"x-both": "extra", "x-call": "1"})
    copy.with_response.image(record)
    sent = last_headers(mock)
    assert (sent["x-tenant"], sent["x-both"], sent["x-call"]) == ("acme", "extra", "1")
    assert "x-call" not in dict(mock.requests()[0]["headers"])
    nested = copy.with_options(extra_headers={"x-more": "2"})
    nested.get(record)
    sent = last_headers(mock)
    assert (sent["x-both"], sent["x-call"], sent["x-more"]) == ("extra", "1", "2")
    api.get(record)
    assert "x-call" not in last_headers(mock) and last_headers(mock)["x-both"] == "default"


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize("cls", [argos_addon.Client, argos_addon.AsyncClient])
def test_reserved_headers_are_refused_before_any_io(mock: MockServer, cls: Any, name: str) -> None:
    options = {"api_key": mock.api_key, "base_url": mock.base_url, "ca_cert": mock.ca_cert_pem}
    with pytest.raises(argos_addon.ConfigurationError, match="(?i)" + name):
        cls(**options, default_headers={name: "x"})
    with pytest.raises(argos_addon.ConfigurationError, match="(?i)" + name):
        cls(**options).with_options(extra_headers={name: "x"})
    assert mock.request_count() == 0


@pytest.mark.parametrize(
    "options,error",
    [
        ({"timeout": 0}, argos_addon.ConfigurationError),
        ({"timeout": float("nan")}, argos_addon.ConfigurationError),
        ({"max_retries": -1}, argos_addon.ConfigurationError),
        ({"extra_headers": {"x-bad": "a\nb"}}, argos_addon.ConfigurationError),
        ({"extra_headers": {"bad name": "a"}}, argos_addon.ConfigurationError),
        ({"extra_headers": {"x-a": "\ud800"}}, argos_addon.ConfigurationError),
        ({"timeout": "5"}, TypeError),
        ({"max_retries": 1.5}, TypeError),
        ({"extra_headers": ["x-a", "b"]}, TypeError),
        ({"extra_headers": {"x-a": 1}}, TypeError),
        ({"extra_headers": {1: "b"}}, TypeError),
    ],
)
def test_bad_per_call_options_send_nothing(mock: MockServer, options: Dict[str, Any], error: type) -> None:
    client = mock.client()
    with pytest.raises(error):
        client.with_options(**options)
    with pytest.raises(TypeError):
        client.with_options(no_such_option=1)  # type: ignore[call-arg]
    assert mock.request_count() == 0


def test_default_headers_of_the_wrong_type(mock: MockServer) -> None:
    with pytest.raises(TypeError, match="default_headers"):
        mock.client(default_headers=[("x-a", "b")])
    with pytest.raises(TypeError, match=r'default_headers\["x-a"\]'):
        mock.client(default_headers={"x-a": b"b"})
    with pytest.raises(argos_addon.ConfigurationError, match="default_headers"):
        mock.client(default_headers={"x-a": "line\r\nbreak"})


def test_closing_a_copy_leaves_the_client_open(mock: MockServer, record: str) -> None:
    client = mock.client()
    with client.with_options(timeout=5) as copy:
        copy.face_auth.get(record)
    with pytest.raises(argos_addon.APIConnectionError, match="closed"):
        copy.face_auth.get(record)
    assert client.face_auth.get(record).auth_id == record
    other = client.with_options(max_retries=0)
    client.close()
    with pytest.raises(argos_addon.APIConnectionError, match="closed"):
        other.face_auth.get(record)


async def test_closing_an_async_copy_leaves_the_client_open(mock: MockServer, record: str) -> None:
    client = mock.async_client()
    async with client.with_options(timeout=5) as copy:
        assert isinstance(copy, argos_addon.AsyncClient)
        await copy.face_auth.get(record)
    with pytest.raises(argos_addon.APIConnectionError, match="closed"):
        await copy.face_auth.get(record)
    assert (await client.face_auth.get(record)).auth_id == record
    await client.aclose()


def test_a_copy_is_a_client_of_the_same_class(mock: MockServer) -> None:
    client = mock.client(timeout=30)
    copy = client.with_options(timeout=2.5, max_retries=5)
    assert type(copy) is argos_addon.Client and copy.base_url == client.base_url
    assert "timeout=2.5, max_retries=5" in repr(copy) and "timeout=30, max_retries=2" in repr(client)
    assert "max_retries=5" in repr(copy.with_options(timeout=1))


def test_every_result_carries_its_response(api: Api, mock: MockServer) -> None:
    result = api.submit(SUBMISSION, jpeg(1))
    record = api.get(result.authentication_id)
    page = api.list_page(count=10)
    sent = mock.requests()
    for got, request in zip((result, record, page), sent):
        info = got.response
        assert isinstance(info, argos_addon.ResponseInfo)
        assert info.status_code == 200 and info.attempts == 1 and 0 < info.elapsed < 10
        assert info.request_id and info.request_id == info.headers["x-amzn-requestid"]
        assert all(name == name.lower() for name in info.headers)
        assert info.to_dict() == {
            "status_code": 200,
            "request_id": info.request_id,
            "headers": info.headers,
            "attempts": 1,
            "elapsed": info.elapsed,
        }
        assert request["method"] in ("POST", "GET")
    assert all(r.response.request_id == page.response.request_id for r in page.records)
    assert "response" not in result.to_dict() and "response" not in repr(record)


def test_the_request_id_is_the_one_the_server_sent(api: Api, mock: MockServer, record: str) -> None:
    mock.fail_next(200, "{}", headers={"x-amzn-RequestId": "fixed-request-0001"}, method="DELETE", path="/faceauth")
    value, info = api.with_response.delete(record)
    assert value is None
    assert info.request_id == "fixed-request-0001" and info.headers["x-amzn-requestid"] == "fixed-request-0001"


def test_with_response_image_and_delete(api: Api, mock: MockServer, record: str) -> None:
    image, info = api.with_response.image(record)
    assert image == jpeg(7) and api.image(record) == image
    assert info.status_code == 200 and info.attempts == 1 and info.request_id
    mock.fail_next(503, "busy", times=1, method="DELETE", path="/faceauth")
    value, info = api.with_response.delete(record)
    assert value is None and info.attempts == 2 and info.status_code == 200
    assert api.delete(record) is None
    assert api.get(record).deleted
    with pytest.raises(argos_addon.NotFoundError):
        api.with_response.image("no-such-auth-id")
    with pytest.raises(argos_addon.ValidationError):
        api.with_response.delete(" ")


def test_a_retried_get_counts_its_attempts(api: Api, mock: MockServer, record: str) -> None:
    mock.fail_next(503, "busy", times=1, method="GET", path="/faceauth")
    got = api.get(record)
    assert got.response.attempts == 2 and got.response.status_code == 200
    assert mock.request_count("GET", "/faceauth") == 2


def test_the_async_list_walks_every_page(mock: MockServer) -> None:
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    for i in range(5):
        mock.add_record(auth_id=f"rec{i:04}", create_time=start + datetime.timedelta(hours=i))
    client = mock.async_client()

    async def walk() -> List[str]:
        records = client.face_auth.list(page_size=2)
        assert mock.request_count("GET", "/faceauth") == 0
        return [r.auth_id async for r in records]

    assert asyncio.run(walk()) == [f"rec{i:04}" for i in range(4, -1, -1)]
    assert mock.request_count("GET", "/faceauth") == 3
