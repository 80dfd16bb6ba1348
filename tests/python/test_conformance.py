"""The shared vectors of tests/conformance, through the Python API."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from typing import Any, Callable, Dict

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import vectors, webhook_fields

ERRORS = vectors("errors.json")["cases"]
CRYPTO = vectors("crypto.json")
WEBHOOKS = vectors("webhooks.json")


def _check(err: argos_addon.APIStatusError, case: Dict[str, Any]) -> None:
    expect = case["expect"]
    assert type(err).__name__ == expect["error"], case["name"]
    assert err.status_code == expect["status"]
    assert err.code == expect["code"]
    assert err.message == expect["message"]
    assert err.trace_id == expect["trace_id"]
    assert err.request_id == expect["request_id"]
    assert err.retry_after == expect["retry_after"]
    if "body_length" in expect:
        assert len(err.body.encode()) == expect["body_length"]
    else:
        assert err.body == case["body"]
    assert err.message in str(err)
    assert "<html" not in str(err)


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_error_mapping(mock: MockServer, case: Dict[str, Any], flavour: str) -> None:
    mock.fail_next(case["status"], case["body"], headers=case["headers"], method="GET", path="/faceauth")
    if flavour == "sync":
        with pytest.raises(argos_addon.APIStatusError) as info:
            mock.client(max_retries=0).face_auth.get("some-auth-id")
    else:
        client = mock.async_client(max_retries=0)
        with pytest.raises(argos_addon.APIStatusError) as info:
            asyncio.run(client.face_auth.get("some-auth-id"))
    _check(info.value, case)


@pytest.mark.parametrize("case", CRYPTO["encrypt"], ids=[c["name"] for c in CRYPTO["encrypt"]])
def test_encrypt(case: Dict[str, Any]) -> None:
    key = CRYPTO["api_key"]
    assert argos_addon.encrypt_query(case["params"], key) == case["ciphertext"]
    # What was encrypted: the params as compact JSON, keys in order (the ciphertext is the
    # vector's encryption of `plaintext`, which the Rust suite checks byte for byte).
    assert json.dumps(case["params"], separators=(",", ":"), ensure_ascii=False) == case["plaintext"]
    decrypted = argos_addon.decrypt_query(case["ciphertext"], key)
    assert decrypted == case["params"] and list(decrypted) == list(case["params"])


@pytest.mark.parametrize("case", CRYPTO["decrypt"], ids=[c["name"] for c in CRYPTO["decrypt"]])
def test_decrypt(case: Dict[str, Any]) -> None:
    assert argos_addon.decrypt_query(case["ciphertext"], CRYPTO["api_key"]) == case["params"]
    # The params are those the plaintext holds, in either form the query may take.
    plaintext = case["plaintext"]
    held = json.loads(plaintext) if plaintext.startswith("{") else dict(urllib.parse.parse_qsl(plaintext))
    assert held == case["params"]


def _url(case: Dict[str, Any]) -> str:
    client = argos_addon.Client(api_key=CRYPTO["api_key"])
    return client.face_auth_url(
        case["project_id"],
        case["submission_id"],
        user_id=case.get("user_id"),
        cf1=case.get("cf1"),
        cf2=case.get("cf2"),
        cf3=case.get("cf3"),
        token=case.get("token"),
    )


@pytest.mark.parametrize("case", CRYPTO["face_auth_url"], ids=[c["name"] for c in CRYPTO["face_auth_url"]])
def test_face_auth_url(case: Dict[str, Any]) -> None:
    assert _url(case) == case["url"]


@pytest.mark.parametrize(
    "case", CRYPTO["face_auth_url_invalid"], ids=[c["name"] for c in CRYPTO["face_auth_url_invalid"]]
)
def test_face_auth_url_invalid(case: Dict[str, Any]) -> None:
    with pytest.raises(argos_addon.ArgosError) as info:
        _url(case)
    assert type(info.value).__name__ == case["error"]


def _raised(case: Dict[str, Any], call: Callable[[], object]) -> None:
    """``call`` raises exactly the class the vector names."""
    with pytest.raises(argos_addon.ArgosError) as info:
        call()
    assert type(info.value).__name__ == case["error"], case["name"]


@pytest.mark.parametrize("case", CRYPTO["decrypt_errors"], ids=[c["name"] for c in CRYPTO["decrypt_errors"]])
def test_decrypt_errors(case: Dict[str, Any]) -> None:
    _raised(case, lambda: argos_addon.decrypt_query(case["ciphertext"], case["api_key"]))


@pytest.mark.parametrize("case", WEBHOOKS["cases"], ids=[c["name"] for c in WEBHOOKS["cases"]])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_webhooks(case: Dict[str, Any], as_bytes: bool) -> None:
    body = case["body"].encode() if as_bytes else case["body"]
    hook = argos_addon.parse_webhook(body, api_key=case.get("api_key"))
    assert webhook_fields(hook) == case["expect"]
    assert isinstance(hook.raw, dict)


@pytest.mark.parametrize("case", WEBHOOKS["errors"], ids=[c["name"] for c in WEBHOOKS["errors"]])
def test_webhook_errors(case: Dict[str, Any]) -> None:
    _raised(case, lambda: argos_addon.parse_webhook(case["body"], api_key=case.get("api_key")))
