"""Wrong values never escape as foreign exceptions (sdk.md, Transport safety).

Every parameter of every public function and constructor gets random values of its accepted
types, values Rust cannot hold (ints beyond 64 bits, NaN, lone surrogates, 10 MB strings) and
some wrong types. Only an ``ArgosError`` (or, for a wrong type, a ``TypeError``) may come out:
never an ``OverflowError``, ``UnicodeEncodeError``, pyo3's ``PanicException`` or a crash. Calls
that pass validation go to an in-process mock, never to the network.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import argos_addon
from argos_addon import _bridge, _native
from argos_addon.testing import MockServer

from conftest import SUBMISSION, jpeg

EXAMPLES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HUGE = "x" * (10 * 1024 * 1024)

# Text of every kind, lone surrogates included, and the edge cases by name.
texts = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    # (HUGE itself is tried by example below: encrypting 10 MB is slow in a debug build.)
    st.sampled_from(["", " ", "\x00", "\ud800", "a\udcff", "é" * 600, "x" * 1025, "x" * 5000, "2024-01-01"]),
)
ints = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 1, 2000, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400]),
)
floats = st.one_of(st.floats(), st.sampled_from([float("nan"), float("inf"), -0.0, 1e-300, 1e300]))
wrong = st.one_of(st.none(), st.booleans(), st.binary(max_size=20), st.lists(st.integers(), max_size=3), st.builds(object))
anything = st.one_of(texts, ints, floats, wrong)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), ints, floats, texts, st.binary(max_size=3), st.builds(object)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(texts, inner, max_size=4),
    ),
    max_leaves=12,
)
dates = st.one_of(st.dates(), st.datetimes(), texts)
zones = st.sampled_from(
    [None, datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=14)), datetime.timezone(-datetime.timedelta(hours=14))]
)


def allowed(call: Callable[[], Any]) -> None:
    """Runs ``call``: a result, an ``ArgosError`` or a ``TypeError`` are fine; anything else fails."""
    try:
        call()
    except (argos_addon.ArgosError, TypeError):
        pass


@pytest.fixture(scope="module")
def served() -> Iterator[MockServer]:
    """The mock behind the clients; only the operations under test touch it."""
    with MockServer() as mock:
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        yield mock


@pytest.fixture(scope="module")
def poked() -> Iterator[MockServer]:
    """A mock whose own methods are fuzzed (faults, quotas, delays); no client talks to it."""
    with MockServer() as mock:
        yield mock


@pytest.fixture(scope="module")
def client(served: MockServer) -> argos_addon.Client:
    return served.client(max_retries=0)


@pytest.fixture(scope="module")
def async_client(served: MockServer) -> argos_addon.AsyncClient:
    return served.async_client(max_retries=0)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


# name -> (strategy of one value, valid value) for each parameter of each entry point.
Params = Dict[str, Tuple[st.SearchStrategy[Any], Any]]

CLIENT_OPTIONS: Params = {
    "api_key": (st.one_of(texts, wrong), "fake-key-0001"),
    "base_url": (st.one_of(texts, st.just("https://example.test/v3"), wrong), None),
    "timeout": (st.one_of(floats, ints, wrong, texts), 5.0),
    "connect_timeout": (st.one_of(floats, ints, wrong), 5.0),
    "max_retries": (st.one_of(ints, floats, wrong), 0),
    "ca_cert": (st.one_of(texts, st.binary(max_size=40), wrong), None),
    "rate_limit": (st.one_of(floats, ints, wrong), None),
    "max_upload_bytes": (st.one_of(ints, floats, wrong), 1024),
    "max_response_bytes": (st.one_of(ints, floats, wrong), 1024),
    "daily_quota": (st.one_of(ints, floats, wrong), None),
    "budget_url": (st.one_of(texts, st.just("redis://127.0.0.1:1"), wrong), None),
    "budget_failure": (st.one_of(texts, st.sampled_from(["local", "open", "closed"]), wrong), None),
}
SUBMIT: Params = {
    "submission_id": (st.one_of(texts, wrong), SUBMISSION),
    "face_image": (st.one_of(texts, st.binary(max_size=40), st.builds(bytearray, st.binary(max_size=20)), ints, wrong), jpeg(1)),
    "user_id": (st.one_of(texts, wrong), None),
    "cf1": (st.one_of(texts, wrong), None),
    "cf2": (st.one_of(texts, wrong), None),
    "cf3": (st.one_of(texts, wrong), None),
}
ID: Params = {"auth_id": (st.one_of(texts, wrong), "no-such-auth-id")}
LIST_PAGE: Params = {
    "start_date": (st.one_of(dates, wrong), None),
    "end_date": (st.one_of(dates, wrong), None),
    "count": (st.one_of(ints, floats, wrong), None),
    "next_key": (st.one_of(texts, wrong), None),
}
LIST: Params = {
    "start_date": (st.one_of(dates, wrong), None),
    "end_date": (st.one_of(dates, wrong), None),
    "page_size": (st.one_of(ints, floats, wrong), 2000),
}
FACE_AUTH_URL: Params = {
    "project_id": (st.one_of(texts, wrong), "pid0000001"),
    "submission_id": (st.one_of(texts, wrong), SUBMISSION),
    "user_id": (st.one_of(texts, wrong), None),
    "cf1": (st.one_of(texts, wrong), None),
    "cf2": (st.one_of(texts, wrong), None),
    "cf3": (st.one_of(texts, wrong), None),
    "token": (st.one_of(texts, wrong), None),
}
ENCRYPT: Params = {
    "params": (st.one_of(st.dictionaries(texts, json_values, max_size=4), json_values, st.builds(set)), {"sid": "s"}),
    "api_key": (st.one_of(texts, wrong), "fake-key-0001"),
}
DECRYPT: Params = {
    "ciphertext": (st.one_of(texts, wrong), "JOP0xTzaaCJRD3x++XOWYLKgEvCAXqH3g5IGXsxGUQo="),
    "api_key": (st.one_of(texts, wrong), "TESTKEY000000000000000000000000000000000"),
}
WEBHOOK: Params = {
    "body": (st.one_of(texts, st.binary(max_size=60), st.just(b'{"data": "AAAA"}'), wrong), b'{"auth_id": "a"}'),
    "api_key": (st.one_of(texts, wrong), None),
}


def one_bad(data: st.DataObject, params: Params) -> Dict[str, Any]:
    """Valid arguments but for one parameter, which gets a random value."""
    kwargs = {name: valid for name, (_, valid) in params.items()}
    name = data.draw(st.sampled_from(sorted(params)), label="parameter")
    kwargs[name] = data.draw(params[name][0], label=name)
    return kwargs


@settings(EXAMPLES, max_examples=80)
@given(data=st.data())
@pytest.mark.parametrize("cls", [argos_addon.Client, argos_addon.AsyncClient])
def test_client_options(cls: Any, data: st.DataObject) -> None:
    allowed(lambda: cls(**one_bad(data, CLIENT_OPTIONS)))


def _sync_operation(client: argos_addon.Client, name: str, kwargs: Dict[str, Any]) -> Callable[[], Any]:
    fa = client.face_auth
    if name == "submit":
        return lambda: fa.submit(kwargs.pop("submission_id"), kwargs.pop("face_image"), **kwargs)
    if name == "list":
        return lambda: next(fa.list(**kwargs), None)
    if name in ("get", "image", "delete"):
        return lambda: getattr(fa, name)(kwargs["auth_id"])
    return lambda: fa.list_page(**kwargs)


async def _async_operation(client: argos_addon.AsyncClient, name: str, kwargs: Dict[str, Any]) -> Any:
    fa = client.face_auth
    if name == "submit":
        return await fa.submit(kwargs.pop("submission_id"), kwargs.pop("face_image"), **kwargs)
    if name == "list":
        async for record in fa.list(**kwargs):
            return record
        return None
    if name in ("get", "image", "delete"):
        operation: Callable[[str], Awaitable[Any]] = getattr(fa, name)
        return await operation(kwargs["auth_id"])
    return await fa.list_page(**kwargs)


OPERATIONS = {"submit": SUBMIT, "get": ID, "image": ID, "delete": ID, "list_page": LIST_PAGE, "list": LIST}


@settings(EXAMPLES)
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_sync_operations(client: argos_addon.Client, name: str, data: st.DataObject) -> None:
    allowed(_sync_operation(client, name, one_bad(data, OPERATIONS[name])))


@settings(EXAMPLES, max_examples=100)
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_async_operations(
    async_client: argos_addon.AsyncClient, loop: asyncio.AbstractEventLoop, name: str, data: st.DataObject
) -> None:
    kwargs = one_bad(data, OPERATIONS[name])
    allowed(lambda: loop.run_until_complete(_async_operation(async_client, name, kwargs)))


@settings(EXAMPLES)
@given(data=st.data())
def test_face_auth_url(client: argos_addon.Client, data: st.DataObject) -> None:
    kwargs = one_bad(data, FACE_AUTH_URL)
    allowed(lambda: client.face_auth_url(kwargs.pop("project_id"), kwargs.pop("submission_id"), **kwargs))


@settings(EXAMPLES)
@given(data=st.data())
def test_helpers(data: st.DataObject) -> None:
    e, d, w = one_bad(data, ENCRYPT), one_bad(data, DECRYPT), one_bad(data, WEBHOOK)
    allowed(lambda: argos_addon.encrypt_query(e["params"], e["api_key"]))
    allowed(lambda: argos_addon.decrypt_query(d["ciphertext"], d["api_key"]))
    allowed(lambda: argos_addon.parse_webhook(w["body"], api_key=w["api_key"]))


MOCK_OPTIONS: Params = {
    # Only ports that cannot be bound: a valid one would start a server on it.
    "port": (st.one_of(st.integers(min_value=65536), st.integers(max_value=-1), floats, wrong), 0),
    "api_key": (st.one_of(texts, wrong), None),
    "project_id": (st.one_of(texts, wrong), None),
    "max_body_bytes": (st.one_of(ints, floats, wrong), 1024),
    "rate_limit": (st.one_of(floats, ints, wrong), None),
    "daily_quota": (st.one_of(ints, floats, wrong), None),
    "gateway_limit": (st.one_of(ints, floats, wrong), None),
    "similarity_threshold": (st.one_of(floats, ints, wrong), 85.0),
}


@settings(EXAMPLES, max_examples=60)
@given(data=st.data())
def test_mock_options(data: st.DataObject) -> None:
    def start() -> None:
        MockServer(**one_bad(data, MOCK_OPTIONS)).close()

    allowed(start)


SCOPE: Params = {
    "times": (st.one_of(ints, floats, wrong), 1),
    "method": (st.one_of(texts, wrong), "GET"),
    "path": (st.one_of(texts, wrong), "/nowhere"),
}
MOCK_METHODS: Dict[str, Params] = {
    "add_submission": {
        "submission_id": (st.one_of(texts, wrong), "sub-1"),
        "status": (st.one_of(texts, wrong), "approved"),
        "selfie": (st.one_of(texts, st.binary(max_size=20), wrong), None),
    },
    "add_record": {
        "auth_status": (st.one_of(texts, wrong), "approved"),
        "create_time": (st.one_of(st.datetimes(timezones=zones), st.dates(), texts, wrong), None),
        "submission_id": (st.one_of(texts, wrong), "sub-1"),
        "auth_id": (st.one_of(texts, wrong), None),
        "image": (st.one_of(texts, st.binary(max_size=20), wrong), None),
    },
    "force_next_verdict": {
        "status": (st.one_of(texts, wrong), None),
        "score": (st.one_of(floats, ints, wrong), None),
        "fail_codes": (st.one_of(st.lists(texts, max_size=3), texts, wrong), ()),
    },
    "fail_next": {
        "status": (st.one_of(ints, floats, wrong), 500),
        "body": (st.one_of(texts, wrong), ""),
        "headers": (st.one_of(st.dictionaries(texts, texts, max_size=2), st.lists(st.tuples(texts, texts), max_size=2), wrong), None),
        **SCOPE,
    },
    "bad_gateway_next": SCOPE,
    "delay_next": {"seconds": (st.one_of(floats, ints, wrong), 1.0), **SCOPE},
    "drop_next": SCOPE,
    "set_deny": {"deny": (st.one_of(st.booleans(), ints, texts, wrong), False)},
    "set_daily_quota": {"quota": (st.one_of(ints, floats, wrong), None)},
    "set_gateway_limit": {"per_second": (st.one_of(ints, floats, wrong), None)},
    "set_rate_limit": {"per_second": (st.one_of(floats, ints, wrong), None)},
    "set_list_shape": {"shape": (st.one_of(texts, st.sampled_from(["wrapper", "bare"]), wrong), "wrapper")},
    "set_image_encoding": {"encoding": (st.one_of(texts, st.sampled_from(["raw", "json"]), wrong), "raw")},
    "request_count": {"method": (st.one_of(texts, wrong), "GET"), "path": (st.one_of(texts, wrong), "/faceauth")},
}


@settings(EXAMPLES)
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(MOCK_METHODS))
def test_mock_methods(poked: MockServer, name: str, data: st.DataObject) -> None:
    kwargs = one_bad(data, MOCK_METHODS[name])
    allowed(lambda: getattr(poked, name)(**kwargs))


# --- the defects that were, by example ----------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"a": 10**30}, {"a": -(2**63) - 1}, {"a": float("nan")}, {"a": float("inf")}, {"a": "\ud800"}, {"\udc00": 1}],
)
def test_encrypt_query_refuses_what_json_cannot_hold(params: Dict[str, Any]) -> None:
    with pytest.raises(argos_addon.ValidationError, match="params"):
        argos_addon.encrypt_query(params, "fake-key-0001")


def test_encrypt_query_refuses_endless_nesting() -> None:
    cycle: List[Any] = []
    cycle.append(cycle)
    with pytest.raises(argos_addon.ValidationError, match="deeper than 127"):
        argos_addon.encrypt_query({"a": cycle}, "fake-key-0001")
    nested: Any = 1
    for _ in range(126):
        nested = [nested]
    assert argos_addon.encrypt_query({"a": nested}, "fake-key-0001")


def test_values_rust_cannot_hold_are_argos_errors(served: MockServer, client: argos_addon.Client) -> None:
    served.reset_counts()
    for call in (
        lambda: client.face_auth.get("\ud800"),
        lambda: client.face_auth.submit(SUBMISSION, "\ud800.jpg"),
        lambda: client.face_auth.list_page(count=10**30),
        lambda: client.face_auth.list(page_size=-(10**30)),
        lambda: client.face_auth.get(HUGE),
        lambda: client.face_auth_url("pid", SUBMISSION, cf1="x" * 1025),
        lambda: argos_addon.decrypt_query("\ud800", "k"),
        lambda: argos_addon.parse_webhook("\ud800"),
    ):
        with pytest.raises(argos_addon.ValidationError):
            call()
    bad_options: List[Dict[str, Any]] = [
        {"max_retries": 10**30},
        {"timeout": 10**400},
        {"api_key": "\ud800"},
        {"ca_cert": "/no/such/ca.pem"},
    ]
    for options in bad_options:
        with pytest.raises(argos_addon.ConfigurationError):
            argos_addon.Client(**{"api_key": "fake-key-0001", **options})
    assert served.request_count() == 0


def test_a_rust_panic_is_an_argos_error(loop: asyncio.AbstractEventLoop) -> None:
    # The hooks panic inside the guard every entry point uses (a sync call) and inside a task on
    # the runtime (an async call); pyo3 would raise PanicException, a BaseException.
    with pytest.raises(argos_addon.ArgosError, match=r"internal error in argos-addon \(_panic_for_tests\): boom; please report it"):
        _native._panic_for_tests("boom")

    async def in_task() -> None:
        await _bridge.start(_native._panic_for_tests_async, "boom")

    with pytest.raises(argos_addon.ArgosError, match=r"\(_panic_for_tests_async\): boom; please report it"):
        loop.run_until_complete(asyncio.wait_for(in_task(), 10))
