"""``argos_addon.webhooks.read_webhook``, and the receivers of examples/webhooks, each run on its
real framework (FastAPI, Flask, Django: test dependencies, installed by the Makefile) through the
framework's own test client: every conformance webhook, plain and encrypted (versions 1-3), a
body the framework parsed too early, an oversized body, and garbage.

The examples are loaded from their files, once, and a route that makes the classic mistake is
added to each (the examples themselves are right). The Django example configures Django's
settings when imported (on first use, not when this module is collected); nothing else in this
suite uses Django.

The pins (Makefile, PY_TOOLS): fastapi 0.141.1 is the last release that does not require
opentelemetry-api>=1.44, which would break the OpenTelemetry pins (1.41, the last for Python 3.9);
starlette is pinned because fastapi does not cap it, and its TestClient wants httpx2 (with httpx
it warns that httpx is deprecated there).
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import io
import json
import pathlib
import socket
import sys
import types
from typing import Any, Dict, Iterable, List, Tuple

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

import argos_addon
from argos_addon.webhooks import DEFAULT_MAX_BYTES, SeenWebhooks, read_webhook

from conftest import vectors, webhook_fields

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "webhooks"
WEBHOOKS = vectors("webhooks.json")
KEY: str = next(c["api_key"] for c in WEBHOOKS["cases"] if "api_key" in c)
PATH = "/webhooks/argos"
TOO_EARLY = "/too-early"
GARBAGE = b"<html>nope</html>"


def _encrypted(body: str) -> str:
    """An encrypted webhook body as ARGOS sends it: ``{"data": <the body, encrypted>}``."""
    return json.dumps({"data": argos_addon.encrypt_query(json.loads(body), KEY)})


def _deliveries() -> List[Any]:
    """Every case of webhooks.json as given, and encrypted too where it is plain."""
    out = []
    for case in WEBHOOKS["cases"]:
        if "api_key" in case:
            out.append(pytest.param(case["body"], case["expect"], id=case["name"]))
        else:
            out.append(pytest.param(case["body"], case["expect"], id=case["name"] + ", plain"))
            out.append(pytest.param(_encrypted(case["body"]), case["expect"], id=case["name"] + ", encrypted"))
    return out


DELIVERIES = _deliveries()


def _padded(body: str, size: int) -> bytes:
    """``body`` followed by JSON whitespace, ``size`` bytes in all."""
    raw = body.encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def _parsed_too_early(message: str) -> None:
    assert "parsed before argos-addon saw it" in message, message
    for advice in ("await request.body()", "request.get_data()", "request.body", "request.data"):
        assert advice in message, message


# --- read_webhook itself --------------------------------------------------------------------


def test_the_deliveries_cover_every_version_plain_and_encrypted() -> None:
    seen = {(p.values[1]["version"], '"data": "' in p.values[0]) for p in DELIVERIES}
    assert seen == {(v, encrypted) for v in (1, 2, 3) for encrypted in (False, True)}


@pytest.mark.parametrize("body, expect", DELIVERIES)
@pytest.mark.parametrize("kind", ["bytes", "str", "bytearray", "memoryview"])
def test_read_webhook_takes_the_raw_body(body: str, expect: Dict[str, Any], kind: str) -> None:
    raw = body.encode()
    given: Any = {"bytes": raw, "str": body, "bytearray": bytearray(raw), "memoryview": memoryview(raw)}[kind]
    hook = read_webhook(given, api_key=KEY)
    assert webhook_fields(hook) == expect
    assert hook.to_dict() == argos_addon.parse_webhook(body, api_key=KEY).to_dict()


@pytest.mark.parametrize("case", WEBHOOKS["errors"], ids=[c["name"] for c in WEBHOOKS["errors"]])
def test_read_webhook_fails_as_parse_webhook_does(case: Dict[str, Any]) -> None:
    with pytest.raises(argos_addon.WebhookError) as expected:
        argos_addon.parse_webhook(case["body"], api_key=case.get("api_key"))
    with pytest.raises(argos_addon.WebhookError) as got:
        read_webhook(case["body"].encode(), api_key=case.get("api_key"))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    "parsed",
    [{"webhook_trigger": "faceAuth"}, [1, 2], None, 3, 1.5, True, ("a",)],
    ids=["dict", "list", "None", "int", "float", "bool", "tuple"],
)
def test_an_already_parsed_body_is_refused_saying_what_to_use(parsed: Any) -> None:
    with pytest.raises(argos_addon.WebhookError) as info:
        read_webhook(parsed)
    _parsed_too_early(str(info.value))


def test_a_parsed_conformance_body_is_refused_too() -> None:
    body = WEBHOOKS["cases"][0]["body"]
    with pytest.raises(argos_addon.WebhookError) as info:
        read_webhook(json.loads(body))
    assert str(info.value).startswith("read_webhook got a dict: ")
    _parsed_too_early(str(info.value))


def test_a_pydantic_like_model_counts_as_parsed() -> None:
    class Payload:
        def model_dump(self) -> Dict[str, Any]:
            return {}

    with pytest.raises(argos_addon.WebhookError) as info:
        read_webhook(Payload())  # type: ignore[arg-type]
    _parsed_too_early(str(info.value))


def test_an_unawaited_body_says_to_await_it() -> None:
    async def body() -> bytes:
        return b"{}"

    coroutine = body()
    with pytest.raises(argos_addon.WebhookError, match=r"await request\.body\(\)"):
        read_webhook(coroutine)  # type: ignore[arg-type]
    assert inspect.getcoroutinestate(coroutine) == "CORO_CLOSED"  # no "never awaited" warning


def test_another_object_is_refused_naming_the_raw_body() -> None:
    with pytest.raises(argos_addon.WebhookError) as info:
        read_webhook(object())  # type: ignore[arg-type]
    assert "takes the raw request body, not an object" in str(info.value)
    assert "request.get_data()" in str(info.value)


def test_max_bytes_is_inclusive_and_counts_utf8_bytes() -> None:
    body = WEBHOOKS["cases"][0]["body"]
    assert read_webhook(_padded(body, DEFAULT_MAX_BYTES)).auth_id == "auth000000001"
    with pytest.raises(argos_addon.WebhookError, match=f"longer than {DEFAULT_MAX_BYTES} bytes"):
        read_webhook(_padded(body, DEFAULT_MAX_BYTES + 1))
    assert read_webhook(body, max_bytes=len(body)).auth_id == "auth000000001"
    with pytest.raises(argos_addon.WebhookError, match="longer than"):
        read_webhook(body, max_bytes=len(body) - 1)
    # "é" is one character but two bytes.
    accented = body.replace("user-42", "usér-42")
    assert read_webhook(accented, max_bytes=len(accented.encode())).user_id == "usér-42"
    with pytest.raises(argos_addon.WebhookError, match="longer than"):
        read_webhook(accented, max_bytes=len(accented))
    assert read_webhook(_padded(body, 5 * DEFAULT_MAX_BYTES), max_bytes=None).auth_id == "auth000000001"


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_a_bad_max_bytes_is_a_validation_error(bad: Any) -> None:
    with pytest.raises(argos_addon.ValidationError, match="max_bytes"):
        read_webhook(b"{}", max_bytes=bad)


def test_the_helper_is_exported_and_imports_no_framework() -> None:
    import subprocess

    assert argos_addon.read_webhook is read_webhook
    assert "read_webhook" in argos_addon.__all__
    code = (
        "import sys, argos_addon, argos_addon.webhooks\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'flask', 'werkzeug', 'django', 'pydantic')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- the receivers of examples/webhooks -------------------------------------------------------


def _load(stem: str) -> types.ModuleType:
    name = f"argos_webhook_example_{stem}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the Django example is its own urlconf (ROOT_URLCONF=__name__)
    spec.loader.exec_module(module)
    return module


class Receiver:
    """One example app and its framework's test client."""

    module: types.ModuleType

    def post(self, path: str, body: bytes) -> Tuple[int, Any]:
        raise NotImplementedError

    def get(self, path: str) -> int:
        raise NotImplementedError


class FastAPIReceiver(Receiver):
    def __init__(self) -> None:
        # FastAPI reads the routes' annotations (strings here) in this module's globals.
        self.module = _load("fastapi_app")
        app: FastAPI = self.module.app

        # The classic mistakes: a dict parameter (FastAPI parses the JSON), and a forgotten await.
        @app.post(TOO_EARLY)
        async def too_early(payload: Dict[str, Any]) -> JSONResponse:
            try:
                read_webhook(payload)  # type: ignore[arg-type]
            except argos_addon.WebhookError as err:
                return JSONResponse({"error": str(err)}, status_code=400)
            return JSONResponse({})

        @app.post("/no-await")
        async def no_await(request: Request) -> JSONResponse:
            try:
                read_webhook(request.body())  # type: ignore[arg-type]
            except argos_addon.WebhookError as err:
                return JSONResponse({"error": str(err)}, status_code=400)
            return JSONResponse({})

        self.client = TestClient(app)

    def post(self, path: str, body: bytes) -> Tuple[int, Any]:
        response = self.client.post(path, content=body, headers={"content-type": "application/json"})
        return response.status_code, response.json()

    def post_chunked(self, path: str, chunks: Iterable[bytes]) -> Tuple[int, Any]:
        response = self.client.post(path, content=iter(chunks), headers={"content-type": "application/json"})
        return response.status_code, response.json()

    def get(self, path: str) -> int:
        return self.client.get(path).status_code


class FlaskReceiver(Receiver):
    def __init__(self) -> None:
        self.module = _load("flask_app")
        app: Flask = self.module.app

        def too_early() -> ResponseReturnValue:
            try:
                read_webhook(request.get_json())
            except argos_addon.WebhookError as err:
                return jsonify(error=str(err)), 400
            return jsonify()

        app.add_url_rule(TOO_EARLY, view_func=too_early, methods=["POST"])
        self.client = app.test_client()

    def post(self, path: str, body: bytes) -> Tuple[int, Any]:
        response = self.client.post(path, data=body, content_type="application/json")
        return response.status_code, response.get_json()

    def post_chunked(self, path: str, body: bytes) -> Tuple[int, Any]:
        """Transfer-Encoding: chunked, no Content-Length, the stream ending with the body (a WSGI
        server that decodes chunked bodies says so with wsgi.input_terminated)."""
        response = self.client.post(
            path,
            input_stream=io.BytesIO(body),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert response.request.content_length is None
        return response.status_code, response.get_json()

    def get(self, path: str) -> int:
        return self.client.get(path).status_code


class DjangoReceiver(Receiver):
    def __init__(self) -> None:
        self.module = _load("django_app")
        from django.http import HttpRequest, JsonResponse  # type: ignore[import-untyped]
        from django.test import Client  # type: ignore[import-untyped]
        from django.urls import clear_url_caches, path  # type: ignore[import-untyped]
        from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped]

        @csrf_exempt  # type: ignore[untyped-decorator]
        def too_early(request: HttpRequest) -> JsonResponse:
            # What Django REST framework's request.data hands over: the body, parsed.
            try:
                read_webhook(json.loads(request.body))
            except argos_addon.WebhookError as err:
                return JsonResponse({"error": str(err)}, status=400)
            return JsonResponse({})

        self.module.urlpatterns.append(path(TOO_EARLY.lstrip("/"), too_early))
        clear_url_caches()
        # enforce_csrf_checks: ARGOS sends no CSRF token, so the webhook view must be exempt.
        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")

    def post(self, path: str, body: bytes) -> Tuple[int, Any]:
        response = self.client.post(path, data=body, content_type="application/json")
        return response.status_code, json.loads(response.content)

    def get(self, path: str) -> int:
        status: int = self.client.get(path).status_code
        return status


FRAMEWORKS = {"fastapi": FastAPIReceiver, "flask": FlaskReceiver, "django": DjangoReceiver}


@functools.lru_cache(maxsize=None)
def _receiver(name: str) -> Receiver:
    return FRAMEWORKS[name]()


@pytest.fixture(params=list(FRAMEWORKS))
def receiver(request: pytest.FixtureRequest) -> Receiver:
    return _receiver(request.param)


@pytest.fixture
def handled(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> List[argos_addon.FaceAuthWebhook]:
    """The webhooks the example's ``handle_webhook`` was given; the key is the conformance one."""
    seen: List[argos_addon.FaceAuthWebhook] = []
    monkeypatch.setattr(receiver.module, "handle_webhook", seen.append)
    monkeypatch.setenv("ARGOS_API_KEY", KEY)
    _forget_deliveries(receiver, monkeypatch)
    return seen


def _forget_deliveries(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh store of seen deliveries for an example that drops duplicates (Flask), so that
    each test's deliveries are first deliveries."""
    if hasattr(receiver.module, "seen"):
        monkeypatch.setattr(receiver.module, "seen", SeenWebhooks())


@pytest.mark.parametrize("body, expect", DELIVERIES)
def test_each_receiver_parses_every_webhook(
    receiver: Receiver, handled: List[argos_addon.FaceAuthWebhook], body: str, expect: Dict[str, Any]
) -> None:
    status, answer = receiver.post(PATH, body.encode())
    assert (status, answer) == (200, {"auth_id": expect["auth_id"], "status": expect["auth_status"]})
    assert len(handled) == 1 and webhook_fields(handled[0]) == expect


@pytest.mark.parametrize("case", WEBHOOKS["errors"], ids=[c["name"] for c in WEBHOOKS["errors"]])
def test_each_receiver_answers_400_to_a_bad_webhook(
    receiver: Receiver,
    handled: List[argos_addon.FaceAuthWebhook],
    monkeypatch: pytest.MonkeyPatch,
    case: Dict[str, Any],
) -> None:
    if case.get("api_key"):
        monkeypatch.setenv("ARGOS_API_KEY", case["api_key"])
    else:
        monkeypatch.delenv("ARGOS_API_KEY")
    with pytest.raises(argos_addon.WebhookError) as expected:
        argos_addon.parse_webhook(case["body"], api_key=case.get("api_key"))
    assert receiver.post(PATH, case["body"].encode()) == (400, {"error": str(expected.value)})
    assert handled == []


def test_each_receiver_answers_400_to_garbage(receiver: Receiver, handled: List[argos_addon.FaceAuthWebhook]) -> None:
    for body in (GARBAGE, b"", b"\xff\xfe\x00", b"{}"):
        status, answer = receiver.post(PATH, body)
        assert status == 400 and "webhook" in answer["error"], (body, answer)
    assert handled == []


def test_each_receiver_answers_413_to_an_oversized_body(
    receiver: Receiver, handled: List[argos_addon.FaceAuthWebhook]
) -> None:
    limit = receiver.module.MAX_BYTES
    assert limit == DEFAULT_MAX_BYTES
    body = WEBHOOKS["cases"][0]["body"]
    assert receiver.post(PATH, _padded(body, limit + 1)) == (413, {"error": f"body over {limit} bytes"})
    assert receiver.post(PATH, GARBAGE * (limit // len(GARBAGE) + 1))[0] == 413
    assert handled == []
    # The limit is inclusive, and the same as read_webhook's.
    status, answer = receiver.post(PATH, _padded(body, limit))
    assert (status, answer["auth_id"]) == (200, "auth000000001")
    assert len(handled) == 1


def test_each_receiver_refuses_a_body_parsed_too_early(
    receiver: Receiver, handled: List[argos_addon.FaceAuthWebhook]
) -> None:
    status, answer = receiver.post(TOO_EARLY, WEBHOOKS["cases"][0]["body"].encode())
    assert status == 400
    assert answer["error"].startswith("read_webhook got a dict: the webhook body was parsed before")
    _parsed_too_early(answer["error"])


def test_each_receiver_takes_only_post(receiver: Receiver) -> None:
    assert receiver.get(PATH) == 405


def test_fastapi_answers_413_while_reading_a_chunked_body() -> None:
    fastapi = _receiver("fastapi")
    assert isinstance(fastapi, FastAPIReceiver)
    limit = fastapi.module.MAX_BYTES
    chunk = b" " * 65536
    status, answer = fastapi.post_chunked(PATH, [chunk] * (limit // len(chunk) + 1))
    assert (status, answer) == (413, {"error": f"body over {limit} bytes"})


def test_flask_answers_413_to_a_chunked_body_reaching_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    flask = _receiver("flask")
    assert isinstance(flask, FlaskReceiver)
    seen: List[argos_addon.FaceAuthWebhook] = []
    monkeypatch.setattr(flask.module, "handle_webhook", seen.append)
    _forget_deliveries(flask, monkeypatch)
    limit = flask.module.MAX_BYTES
    body = WEBHOOKS["cases"][3]["body"]
    assert flask.post_chunked(PATH, _padded(body, 2 * limit)) == (413, {"error": f"body over {limit} bytes"})
    assert flask.post_chunked(PATH, _padded(body, limit))[0] == 413
    assert seen == []
    assert flask.post_chunked(PATH, _padded(body, limit - 1)) == (
        200,
        {"auth_id": "auth000000004", "status": "rejected"},
    )
    assert [hook.version for hook in seen] == [1]


def _flask_handled(monkeypatch: pytest.MonkeyPatch) -> Tuple[Receiver, List[argos_addon.FaceAuthWebhook]]:
    """The Flask receiver, with a fresh store of seen deliveries, and what it handled."""
    flask = _receiver("flask")
    handled: List[argos_addon.FaceAuthWebhook] = []
    monkeypatch.setattr(flask.module, "handle_webhook", handled.append)
    monkeypatch.setenv("ARGOS_API_KEY", KEY)
    _forget_deliveries(flask, monkeypatch)
    return flask, handled


def test_flask_answers_a_duplicate_delivery_without_handling_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    flask, handled = _flask_handled(monkeypatch)
    body = WEBHOOKS["cases"][0]["body"]
    first = {"auth_id": "auth000000001", "status": WEBHOOKS["cases"][0]["expect"]["auth_status"]}
    assert flask.post(PATH, body.encode()) == (200, first)
    # Again, and encrypted: the same auth id, version and status.
    assert flask.post(PATH, body.encode()) == (200, {**first, "duplicate": True})
    assert flask.post(PATH, _encrypted(body).encode()) == (200, {**first, "duplicate": True})
    assert len(handled) == 1


def test_flask_answers_503_when_the_webhook_store_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    flask, handled = _flask_handled(monkeypatch)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    monkeypatch.setattr(flask.module, "seen", SeenWebhooks(redis_url=f"redis://127.0.0.1:{port}"))
    status, answer = flask.post(PATH, WEBHOOKS["cases"][0]["body"].encode())
    assert (status, answer) == (503, {"error": "webhook store unavailable, retry later"})
    assert handled == []


def test_fastapi_takes_a_chunked_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    fastapi = _receiver("fastapi")
    assert isinstance(fastapi, FastAPIReceiver)
    seen: List[argos_addon.FaceAuthWebhook] = []
    monkeypatch.setattr(fastapi.module, "handle_webhook", seen.append)
    monkeypatch.setenv("ARGOS_API_KEY", KEY)
    body = _encrypted(WEBHOOKS["cases"][2]["body"]).encode()
    status, answer = fastapi.post_chunked(PATH, [body[:10], body[10:100], body[100:]])
    assert (status, answer) == (200, {"auth_id": "auth000000003", "status": "approved"})
    assert [hook.version for hook in seen] == [2]


def test_fastapi_names_a_forgotten_await() -> None:
    status, answer = _receiver("fastapi").post("/no-await", b"{}")
    assert status == 400 and "await request.body()" in answer["error"]
