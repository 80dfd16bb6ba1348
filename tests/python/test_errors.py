"""Every error class: raised where it should be, its bases, its attributes, and no key anywhere."""

from __future__ import annotations

import builtins
import logging
import pickle
from typing import Any, Callable, List, Tuple, Type

import pytest

import argos_addon
from argos_addon import errors
from argos_addon.testing import MockServer

from conftest import SUBMISSION, jpeg, vectors

SENTINEL = "SENTINELpyKeyDoNotLeak0123456789abcdefAB"

SURFACE = vectors("surface.json")


def test_the_tree_and_its_exports() -> None:
    """Each class extends exactly the parent (and builtin) the core declares, and is exported."""
    base = getattr(errors, SURFACE["base_error"])
    assert base.__bases__ == (Exception,)
    for declared in SURFACE["errors"]:
        cls = getattr(errors, declared["name"])
        builtin = declared["python_builtin"]
        expected = (getattr(errors, declared["parent"]),) + ((getattr(builtins, builtin),) if builtin else ())
        assert cls.__bases__ == expected, declared
        assert getattr(argos_addon, cls.__name__) is cls
    declared_names = {e["name"] for e in SURFACE["errors"]} | {SURFACE["base_error"]}
    assert set(errors.__all__) == declared_names
    assert declared_names <= set(argos_addon.__all__)
    # What the tree means to a user, beyond the declaration's own words.
    assert issubclass(errors.APITimeoutError, (TimeoutError, ConnectionError, OSError))
    assert issubclass(errors.QuotaExceededError, errors.RateLimitError)
    assert issubclass(errors.NotFoundError, errors.BadRequestError)
    for cls in (errors.ConfigurationError, errors.ValidationError, errors.WebhookError):
        assert issubclass(cls, ValueError)


def _raisers(mock: MockServer) -> List[Tuple[Type[errors.ArgosError], Callable[[], object]]]:
    client = mock.client(max_retries=0, timeout=0.5)

    def status(code: int, body: str, **headers: str) -> Callable[[], object]:
        def run() -> object:
            mock.fail_next(code, body, headers=headers)
            return client.face_auth.get("secret-auth-id")

        return run

    def deny() -> object:
        mock.set_deny(True)
        try:
            return client.face_auth.get("a")
        finally:
            mock.set_deny(False)

    def timeout() -> object:
        mock.delay_next(3)
        return client.face_auth.get("secret-auth-id")

    def dropped() -> object:
        mock.drop_next()
        return client.face_auth.submit(SUBMISSION, jpeg(1))

    def bad_gateway() -> object:
        mock.bad_gateway_next()
        return client.face_auth.image("secret-auth-id")

    return [
        (errors.ConfigurationError, lambda: argos_addon.Client(api_key=SENTINEL, base_url="http://x/v3")),
        (errors.ValidationError, lambda: client.face_auth.get("  ")),
        (errors.WebhookError, lambda: argos_addon.decrypt_query("AAAAAAAAAAAAAAAAAAAAAA==", SENTINEL)),
        (errors.APIConnectionError, dropped),
        (errors.APITimeoutError, timeout),
        (errors.APIStatusError, status(404, '{"message":"Not Found"}')),
        (errors.BadRequestError, status(400, '{"errorCode":"required_field_missing","message":"Required field is missing"}')),
        (errors.NotFoundError, status(400, '{"errorCode":"Cannot find submission. Please check input data."}')),
        (errors.AuthenticationError, lambda: mock.client(api_key=SENTINEL + "x").face_auth.get("a")),
        (errors.IPNotAllowedError, deny),
        (errors.PayloadTooLargeError, status(413, '{"message":"Request Entity Too Large"}')),
        (errors.RateLimitError, status(429, '{"message":"Too Many Requests"}', **{"Retry-After": "120"})),
        (errors.QuotaExceededError, status(429, '{"message":"Limit Exceeded"}')),
        (errors.ServerError, status(503, "down")),
        (errors.InternalServerError, status(500, "{}")),
        (errors.BadGatewayError, bad_gateway),
    ]


def test_every_class_is_raised_and_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="argos_addon")
    with MockServer(api_key=SENTINEL) as mock:
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        client = mock.client()
        assert SENTINEL not in repr(client) and SENTINEL not in str(vars(client))
        for cls, raise_it in _raisers(mock):
            with pytest.raises(errors.ArgosError) as info:
                raise_it()
            err = info.value
            assert type(err) is cls, (cls, err)
            for text in (str(err), repr(err), str(vars(err)), str(err.args)):
                assert SENTINEL not in text, (cls, text)
                assert "authId=" not in text, (cls, text)
            if err.__cause__ is not None:
                assert SENTINEL not in str(err.__cause__)
    assert caplog.records, "attempts were logged to the argos_addon logger"
    for record in caplog.records:
        assert SENTINEL not in record.getMessage()
        assert "secret-auth-id" not in record.getMessage()


def test_status_attributes_and_causes(mock: MockServer) -> None:
    client = mock.client(max_retries=0)
    mock.fail_next(429, '{"message":"Too Many Requests"}', headers={"Retry-After": "120", "x-amzn-RequestId": "rid-1"})
    with pytest.raises(errors.RateLimitError) as info:
        client.face_auth.get("a")
    err = info.value
    assert (err.status_code, err.message, err.retry_after, err.request_id) == (429, "Too Many Requests", 120.0, "rid-1")
    assert err.code is None and err.trace_id is None
    assert err.body == '{"message":"Too Many Requests"}'
    assert "Too Many Requests" in str(err) and "rid-1" in str(err)

    mock.drop_next()
    with pytest.raises(errors.APIConnectionError) as conn:
        client.face_auth.get("a")
    assert isinstance(conn.value.__cause__, ConnectionError)
    # The mock closed the connection without a TLS close_notify: the cause says so.
    assert "close_notify" in str(conn.value.__cause__)


def test_errors_pickle_with_their_attributes(mock: MockServer) -> None:
    mock.fail_next(400, '{"traceId":"t-1","errorCode":"invalid_data_format","message":"Data parsing error."}')
    with pytest.raises(errors.BadRequestError) as info:
        mock.client(max_retries=0).face_auth.get("a")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is errors.BadRequestError
    assert (copy.status_code, copy.code, copy.trace_id, copy.message) == (400, "invalid_data_format", "t-1", "Data parsing error.")
    assert str(copy) == str(info.value)
    timeout = pickle.loads(pickle.dumps(errors.APITimeoutError("slow")))
    assert isinstance(timeout, TimeoutError) and str(timeout) == "slow"


def test_a_status_error_names_its_message_without_html(mock: MockServer) -> None:
    mock.bad_gateway_next()
    with pytest.raises(errors.BadGatewayError) as info:
        mock.client(max_retries=0).face_auth.get("a")
    assert info.value.message == "Bad Gateway"
    assert "<html" in info.value.body and "<html" not in str(info.value)


@pytest.mark.parametrize(
    "path,body,call",
    [
        ("/faceauth", "<html>oops</html>", lambda c: c.face_auth.get("a")),
        ("/faceauth", '{"data": 5}', lambda c: c.face_auth.list_page()),
        ("/faceauth/image", "not base64 !!", lambda c: c.face_auth.image("a")),
    ],
    ids=["not-json", "not-a-listing", "not-an-image"],
)
def test_an_unreadable_2xx_body_is_invalid_response(mock: MockServer, path: str, body: str, call: Any) -> None:
    mock.fail_next(200, body, method="GET", path=path)
    with pytest.raises(errors.APIStatusError) as info:
        call(mock.client(max_retries=0))
    assert type(info.value) is errors.APIStatusError
    assert (info.value.status_code, info.value.code, info.value.body) == (200, "invalid_response", body)
    assert mock.request_count("GET", path) == 1
