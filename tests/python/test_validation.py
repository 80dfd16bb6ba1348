"""Bad input and configuration: typed errors before any I/O, and nothing sent."""

from __future__ import annotations

import asyncio
import datetime
import pathlib
from typing import Any, Callable

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, Api, jpeg


def _assert_nothing_sent(mock: MockServer) -> None:
    assert mock.request_count() == 0


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda api, tmp: api.submit("", jpeg(1)), "submission_id is empty"),
        (lambda api, tmp: api.submit("   ", jpeg(1)), "submission_id is blank"),
        (lambda api, tmp: api.submit(SUBMISSION, b""), "empty"),
        (lambda api, tmp: api.submit(SUBMISSION, b"GIF89a" + b"\0" * 20), "not a JPEG or PNG"),
        (lambda api, tmp: api.submit(SUBMISSION, jpeg(1, 200)), "max_upload_bytes"),
        (lambda api, tmp: api.submit(SUBMISSION, tmp / "missing.jpg"), "does not exist"),
        (lambda api, tmp: api.submit(SUBMISSION, tmp), "not a regular file"),
        (lambda api, tmp: api.submit(SUBMISSION, 12345), "face_image must be"),
        (lambda api, tmp: api.get(""), "auth_id is empty"),
        (lambda api, tmp: api.image(" "), "auth_id is blank"),
        (lambda api, tmp: api.delete("\t"), "auth_id is blank"),
        (lambda api, tmp: api.list_page(count=0), "count must be between 1 and 2000"),
        (lambda api, tmp: api.list_page(count=2001), "count must be between 1 and 2000"),
        (lambda api, tmp: api.list_page(start_date="2024-01-01"), "together"),
        (lambda api, tmp: api.list_page(end_date=datetime.date(2024, 1, 1)), "together"),
        (lambda api, tmp: api.list_page(start_date="2024-02-01", end_date="2024-01-01"), "after"),
        (lambda api, tmp: api.list_page(start_date="2024-02-30", end_date="2024-03-01"), "YYYY-MM-DD"),
        (lambda api, tmp: api.list_page(start_date="01/02/2024", end_date="2024-03-01"), "YYYY-MM-DD"),
        (lambda api, tmp: api.list_page(start_date=20240101, end_date="2024-03-01"), "start_date must be"),
        (lambda api, tmp: api.list_page(next_key="garbage"), "next_key"),
        (lambda api, tmp: api.list(page_size=0), "count must be between 1 and 2000"),
        (lambda api, tmp: api.list(start_date="2024-01-01"), "together"),
    ],
)
def test_validation_errors_send_nothing(
    make_api: Callable[..., Api], mock: MockServer, tmp_path: pathlib.Path, call: Callable[[Api, pathlib.Path], Any], needle: str
) -> None:
    api = make_api(max_upload_bytes=100)
    mock.reset_counts()
    with pytest.raises(argos_addon.ValidationError, match=needle) as info:
        call(api, tmp_path)
    assert isinstance(info.value, ValueError)
    _assert_nothing_sent(mock)


@pytest.mark.parametrize(
    "options,needle",
    [
        ({"api_key": ""}, "api_key is empty"),
        ({"api_key": "with space"}, "visible ASCII"),
        ({"base_url": "http://127.0.0.1/v3"}, "https://"),
        ({"base_url": "not a url"}, "not a valid URL"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.5}, "timeout"),
        ({"connect_timeout": float("nan")}, "connect_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"max_upload_bytes": 0}, "max_upload_bytes"),
        ({"max_response_bytes": 0}, "max_response_bytes must be at least 1"),
        ({"max_response_bytes": -1}, "max_response_bytes must be at least 1"),
        ({"max_response_bytes": 2**64}, "max_response_bytes is out of range"),
        ({"ca_cert": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"}, "ca_cert"),
        ({"ca_cert": b"not a pem"}, "holds no certificate"),
    ],
)
@pytest.mark.parametrize("cls", [argos_addon.Client, argos_addon.AsyncClient])
def test_configuration_errors(mock: MockServer, cls: Any, options: Any, needle: str) -> None:
    full = {"api_key": "fake-key-0001", "base_url": mock.base_url, "ca_cert": mock.ca_cert_pem, **options}
    with pytest.raises(argos_addon.ConfigurationError, match=needle) as info:
        cls(**full)
    assert isinstance(info.value, ValueError)
    _assert_nothing_sent(mock)


def test_numbers_beyond_64_bits_are_numbers_but_never_counts(mock: MockServer) -> None:
    assert mock.client(rate_limit=10**20).face_auth.submit(SUBMISSION, jpeg(1)).approved
    with pytest.raises(argos_addon.ConfigurationError, match="timeout is too large"):
        mock.client(timeout=10**20)
    with pytest.raises(argos_addon.ConfigurationError, match="max_retries is out of range"):
        mock.client(max_retries=2**64)


@pytest.mark.parametrize("option", ["timeout", "connect_timeout", "max_retries", "max_upload_bytes"])
def test_none_is_no_value_for_a_number_option(mock: MockServer, option: str) -> None:
    with pytest.raises(TypeError, match=f"{option} must be"):
        mock.client(**{option: None})


def test_http_base_url_is_refused_before_any_request(mock: MockServer) -> None:
    with pytest.raises(argos_addon.ConfigurationError):
        mock.client(base_url=mock.base_url.replace("https://", "http://"))
    _assert_nothing_sent(mock)


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, mock: MockServer) -> None:
    monkeypatch.delenv("ARGOS_API_KEY", raising=False)
    monkeypatch.delenv("ARGOS_BASE_URL", raising=False)
    with pytest.raises(argos_addon.ConfigurationError, match="ARGOS_API_KEY"):
        argos_addon.Client()
    assert argos_addon.Client(api_key="k-1").base_url == "https://rest-api.argosidentity.com/v3"
    monkeypatch.setenv("ARGOS_API_KEY", mock.api_key)
    monkeypatch.setenv("ARGOS_BASE_URL", mock.base_url)
    client = argos_addon.Client(ca_cert=mock.ca_cert_pem)
    assert client.base_url == mock.base_url
    assert client.face_auth.submit(SUBMISSION, jpeg(1)).approved
    monkeypatch.setenv("ARGOS_BASE_URL", "http://example.test/v3")
    with pytest.raises(argos_addon.ConfigurationError):
        argos_addon.AsyncClient()


def test_ca_cert_from_a_path_or_bytes(mock: MockServer, tmp_path: pathlib.Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text(mock.ca_cert_pem)
    for ca in (pem, str(pem), mock.ca_cert_pem.encode()):
        client = argos_addon.Client(api_key=mock.api_key, base_url=mock.base_url, ca_cert=ca)
        assert client.face_auth.submit(SUBMISSION, jpeg(1)).approved


@pytest.mark.parametrize("cls", [argos_addon.Client, argos_addon.AsyncClient])
def test_max_response_bytes_caps_a_successful_answer(mock: MockServer, cls: Any) -> None:
    auth_id = mock.add_record()

    def get(client: Any) -> Any:
        if cls is argos_addon.Client:
            return client.face_auth.get(auth_id)

        async def run() -> Any:
            return await client.face_auth.get(auth_id)

        return asyncio.run(run())

    with pytest.raises(argos_addon.APIStatusError) as info:
        get(cls(api_key=mock.api_key, base_url=mock.base_url, ca_cert=mock.ca_cert_pem, max_response_bytes=64))
    assert info.value.code == "response_too_large"
    assert "max_response_bytes (64 bytes)" in str(info.value)
    assert argos_addon._client.DEFAULT_MAX_RESPONSE_BYTES == 32 * 1024 * 1024
    assert get(mock.client() if cls is argos_addon.Client else mock.async_client()).auth_id == auth_id


MIB = 1024 * 1024


def test_the_documented_defaults_seen_through_the_public_api(mock: MockServer, tmp_path: pathlib.Path) -> None:
    client = argos_addon.Client(api_key=mock.api_key, base_url=mock.base_url, ca_cert=mock.ca_cert_pem)
    assert "timeout=60," in repr(client)  # 60 s per attempt
    # 10 MiB of image data and the JPEG header: over the 10 MiB limit, from a path and as bytes.
    over = tmp_path / "over.jpg"
    over.write_bytes(jpeg(1, 10 * MIB))
    for image in (over, jpeg(1, 10 * MIB)):
        with pytest.raises(argos_addon.ValidationError, match="max_upload_bytes"):
            client.face_auth.submit(SUBMISSION, image)
    assert mock.request_count() == 0
    # Exactly 10 MiB is sent (whatever the mock then answers).
    try:
        client.face_auth.submit(SUBMISSION, jpeg(1, 10 * MIB - len(jpeg(1, 0))))
    except argos_addon.APIStatusError:
        pass
    assert mock.request_count("POST", "/faceauth") == 1
