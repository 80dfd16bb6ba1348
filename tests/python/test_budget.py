"""The fleet budget (spec "Fleet budget"; README "Sharing one key across processes"): options
checked before any I/O, the per-client rate and daily quota, and one budget shared by every client
of a key through a real Redis (and a real Redis Cluster): counts, the store's UTC day, the three
``budget_failure`` modes while the store is down, recovery, and what the store holds.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

import argos_addon
from argos_addon import (
    AsyncClient,
    BudgetStatus,
    BudgetUnavailableError,
    Client,
    ConfigurationError,
    QuotaExceededError,
    RateLimitError,
)
from argos_addon.testing import MockServer

import redis_harness
from conftest import Api
from redis_harness import RedisCluster, RedisServer

# No call may hang: every test ends well within this, or fails.
pytestmark = pytest.mark.timeout(30)

PASSWORD = "s3cret"
DAY_US = 86_400_000_000
"""One day in microseconds: the store's `clock` offset that moves its clock to the next day."""
UTC = datetime.timezone.utc


def prefix(api_key: str) -> str:
    """``argos:{<first 16 hex of SHA-256(api key)>}:``, as the spec fixes it."""
    return "argos:{" + hashlib.sha256(api_key.encode()).hexdigest()[:16] + "}:"


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def lists(mock: MockServer) -> int:
    """Requests that reached the mock: every call here is a one-record list."""
    return mock.request_count("GET", "/faceauth")


def status(api: Api) -> BudgetStatus:
    if api.is_async:

        async def read() -> BudgetStatus:
            result: BudgetStatus = await api.client.budget_status()
            return result

        return asyncio.run(read())
    result: BudgetStatus = api.client.budget_status()
    return result


def call(api: Api) -> None:
    api.list_page(count=1)


def calls(api: Api, n: int) -> None:
    for _ in range(n):
        call(api)


def next_midnight(now: datetime.datetime) -> datetime.datetime:
    return datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(0), tzinfo=UTC)


def check_resets_at(read: Callable[[], BudgetStatus]) -> BudgetStatus:
    """``read()``, whose ``resets_at`` must be the next 00:00 UTC, time-zone aware."""
    before = datetime.datetime.now(UTC)
    result = read()
    after = datetime.datetime.now(UTC)
    resets_at = result.resets_at
    assert resets_at.tzinfo is not None and resets_at.utcoffset() == datetime.timedelta(0), resets_at
    assert resets_at in (next_midnight(before), next_midnight(after)), resets_at
    return result


@pytest.fixture
def budgeted(make_api: Callable[..., Api], redis_server: RedisServer) -> Callable[..., Api]:
    """``make_api`` (sync or async) on the ``redis_server`` budget, without retries."""

    def make(**options: Any) -> Api:
        return make_api(**{"budget_url": redis_server.url, "max_retries": 0, **options})

    return make


# --- options, checked before any I/O -------------------------------------------------------


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "options,words",
    [
        ({"budget_url": "http://x"}, ["budget_url", "redis://"]),
        ({"budget_url": "https://localhost:6379"}, ["budget_url", "redis://"]),
        ({"budget_url": "redis://"}, ["budget_url", "host"]),
        ({"budget_url": "not a url"}, ["budget_url"]),
        ({"budget_url": f"redis://user:{PASSWORD}@h:1/not-a-db"}, ["budget_url", "database"]),
        ({"budget_url": f"redis://user:{PASSWORD}@h:1,http://user:{PASSWORD}@h:2"}, ["node 2"]),
        ({"budget_url": f"redis://user:{PASSWORD}@h:1,redis://user:{PASSWORD}@"}, ["node 2"]),
        ({"daily_quota": 0}, ["daily_quota"]),
        ({"daily_quota": -5}, ["daily_quota"]),
        ({"budget_failure": "sometimes"}, ["budget_failure", '"local"', '"open"', '"closed"']),
        ({"budget_failure": "LOCAL"}, ["budget_failure"]),
    ],
)
def test_bad_budget_options_are_configuration_errors(cls: type, options: Dict[str, Any], words: List[str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        cls(api_key="k-budget", **options)
    err = info.value
    assert isinstance(err, ValueError)
    for word in words:
        assert word in str(err), str(err)
    assert PASSWORD not in f"{err} {err!r} {err.args} {err.message}"


@pytest.mark.parametrize(
    "options",
    [
        {"daily_quota": "5"},
        {"daily_quota": 1.5},
        {"budget_url": 6379},
        {"budget_url": b"redis://127.0.0.1:6379"},
        {"budget_url": ["redis://127.0.0.1:6379"]},
        {"budget_failure": 1},
    ],
)
def test_budget_options_of_the_wrong_type_are_type_errors(options: Dict[str, Any]) -> None:
    with pytest.raises(TypeError, match=next(iter(options))):
        Client(api_key="k-budget", **options)


def test_the_store_is_first_contacted_by_the_first_call(mock: MockServer, redis_server: RedisServer) -> None:
    def connected() -> int:
        # CLIENT LIST lists every connection, this redis-cli's included.
        return len(redis_server.command("CLIENT", "LIST").splitlines()) - 1

    client = mock.client(budget_url=redis_server.url)
    assert connected() == 0 and redis_server.keys() == []
    client.face_auth.list_page(count=1)
    assert connected() == 1 and redis_server.keys() != []


def test_no_password_in_repr_errors_or_logs(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="argos_addon")
    url = f"redis://user:{PASSWORD}@127.0.0.1:{free_port()}"
    client = mock.client(budget_url=url, budget_failure="closed")
    aclient = mock.async_client(budget_url=url)
    assert PASSWORD not in repr(client) + str(client) + repr(aclient) + str(aclient)
    with pytest.raises(BudgetUnavailableError) as info:
        client.face_auth.list_page(count=1)
    shown = f"{info.value} {info.value!r} {info.value.__cause__!r} {caplog.text}"
    assert PASSWORD not in shown and mock.api_key not in shown
    assert "budget store is unreachable" in caplog.text


def test_argos_budget_url_comes_from_the_environment(
    mock: MockServer, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARGOS_BUDGET_URL", redis_server.url)
    client = mock.client(daily_quota=2)
    client.face_auth.list_page(count=1)
    fleet = client.budget_status()
    assert (fleet.store, fleet.healthy, fleet.used_today) == ("redis", True, 1)
    assert redis_server.keys() != []
    # Another client of the key, on the same store through the environment, sees the count.
    assert mock.client(daily_quota=2).budget_status().used_today == 1

    # The option wins over the environment.
    monkeypatch.setenv("ARGOS_BUDGET_URL", f"redis://127.0.0.1:{free_port()}")
    assert mock.client(budget_url=redis_server.url).budget_status().healthy

    # A bad value in the environment is refused when the client is built; an empty one is unset.
    monkeypatch.setenv("ARGOS_BUDGET_URL", "http://x")
    with pytest.raises(ConfigurationError):
        mock.client()
    monkeypatch.setenv("ARGOS_BUDGET_URL", "")
    assert mock.client().budget_status().store == "local"
    monkeypatch.delenv("ARGOS_BUDGET_URL")
    assert mock.client().budget_status().store == "local"


# --- the budget of one client, without a store ---------------------------------------------


def test_daily_quota_without_a_store_is_this_clients(make_api: Callable[..., Api], mock: MockServer) -> None:
    api = make_api(daily_quota=3)
    calls(api, 3)
    assert lists(mock) == 3
    with pytest.raises(QuotaExceededError) as info:
        call(api)
    err = info.value
    assert isinstance(err, RateLimitError)
    assert (err.code, err.status_code) == ("local_quota", None)
    assert "resets at" in str(err)
    assert lists(mock) == 3, "the refused call was not sent"
    local = check_resets_at(lambda: status(api))
    assert (local.store, local.healthy, local.used_today) == ("local", True, 3)
    assert (local.daily_quota, local.remaining_today) == (3, 0)
    # Another client of the same key has a budget of its own.
    assert mock.client(daily_quota=3).budget_status().used_today == 0


def test_no_slot_within_the_timeout_is_a_local_rate_limit(make_api: Callable[..., Api], mock: MockServer) -> None:
    api = make_api(rate_limit=1, timeout=0.3)
    call(api)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        call(api)
    assert time.monotonic() - started < 0.25, "refused at once, not after waiting"
    err = info.value
    assert not isinstance(err, QuotaExceededError)
    assert (err.code, err.status_code) == ("local_rate_limit", None)
    assert lists(mock) == 1, "the refused call was not sent"
    assert status(api).used_today == 1, "a refused call takes nothing"


# --- one budget for the fleet, through Redis ------------------------------------------------


def test_sync_and_async_clients_share_the_daily_quota(mock: MockServer, redis_server: RedisServer) -> None:
    options: Dict[str, Any] = {"budget_url": redis_server.url, "daily_quota": 4, "max_retries": 0}
    sync = mock.client(**options)
    aclient = mock.async_client(**options)

    async def twice_then_refused() -> Tuple[BudgetStatus, QuotaExceededError]:
        for _ in range(2):
            await aclient.face_auth.list_page(count=1)
        assert (await aclient.budget_status()).used_today == 4
        with pytest.raises(QuotaExceededError) as info:
            await aclient.face_auth.list_page(count=1)
        return await aclient.budget_status(), info.value

    for _ in range(2):
        sync.face_auth.list_page(count=1)
    async_status, async_err = asyncio.run(twice_then_refused())
    with pytest.raises(QuotaExceededError) as info:
        sync.face_auth.list_page(count=1)
    for err in (info.value, async_err):
        assert (err.code, err.status_code) == ("local_quota", None)
    assert lists(mock) == 4
    for fleet in (sync.budget_status(), async_status):
        assert (fleet.store, fleet.healthy) == ("redis", True)
        assert (fleet.daily_quota, fleet.used_today, fleet.remaining_today) == (4, 4, 0)


def test_the_day_rolls_over_by_the_stores_clock(budgeted: Callable[..., Api], mock: MockServer, redis_server: RedisServer) -> None:
    api = budgeted(daily_quota=2)
    calls(api, 2)
    with pytest.raises(QuotaExceededError):
        call(api)
    before = status(api)
    assert (before.used_today, before.remaining_today) == (2, 0)
    # The store adds this offset (microseconds) to Redis TIME: its clock is now a day ahead.
    assert redis_server.command("SET", prefix(mock.api_key) + "clock", DAY_US) == "OK"
    tomorrow = status(api)
    assert tomorrow.resets_at - before.resets_at == datetime.timedelta(days=1)
    assert (tomorrow.used_today, tomorrow.remaining_today, tomorrow.healthy) == (0, 2, True)
    calls(api, 2)
    with pytest.raises(QuotaExceededError):
        call(api)
    assert lists(mock) == 4


@pytest.mark.parametrize("store", ["local", "redis"])
def test_budget_status_values(make_api: Callable[..., Api], redis_server: RedisServer, store: str) -> None:
    url = {"local": None, "redis": redis_server.url}[store]
    api = make_api(budget_url=url, rate_limit=50, daily_quota=10)
    fresh = check_resets_at(lambda: status(api))
    assert (fresh.store, fresh.healthy, fresh.used_today, fresh.remaining_today) == (store, True, 0, 10)
    calls(api, 3)
    now = check_resets_at(lambda: status(api))
    assert isinstance(now, BudgetStatus)
    assert (now.rate_limit, now.daily_quota, now.used_today, now.remaining_today) == (50.0, 10, 3, 7)
    assert (now.store, now.healthy) == (store, True)
    assert now.to_dict() == {
        "rate_limit": 50.0,
        "daily_quota": 10,
        "used_today": 3,
        "remaining_today": 7,
        "resets_at": now.resets_at,
        "store": store,
        "healthy": True,
    }
    assert "BudgetStatus(" in repr(now)
    unlimited = status(make_api(budget_url=url, rate_limit=None))
    assert (unlimited.rate_limit, unlimited.daily_quota, unlimited.remaining_today) == (None, None, None)
    assert unlimited.used_today == (3 if store == "redis" else 0), "the fleet's count is the key's"


def test_a_retry_after_holds_every_client_of_the_key(mock: MockServer, redis_server: RedisServer) -> None:
    a = mock.client(budget_url=redis_server.url, max_retries=0)
    b = mock.async_client(budget_url=redis_server.url, max_retries=0)
    mock.fail_next(429, '{"message":"Too Many Requests"}', headers={"Retry-After": "1"})
    with pytest.raises(RateLimitError) as info:
        a.face_auth.list_page(count=1)
    assert info.value.status_code == 429
    started = time.monotonic()
    asyncio.run(b.face_auth.list_page(count=1))
    assert time.monotonic() - started >= 0.8, "b waited for the fleet's hold"


def test_limit_exceeded_spends_the_day_for_the_fleet(mock: MockServer, redis_server: RedisServer) -> None:
    a = mock.client(budget_url=redis_server.url, max_retries=0)
    b = mock.client(budget_url=redis_server.url, max_retries=0, daily_quota=1000)
    mock.set_daily_quota(0)
    with pytest.raises(QuotaExceededError) as info:
        a.face_auth.list_page(count=1)
    assert info.value.status_code == 429
    sent = lists(mock)
    with pytest.raises(QuotaExceededError) as info:
        b.face_auth.list_page(count=1)
    assert (info.value.code, info.value.status_code) == ("local_quota", None)
    assert lists(mock) == sent, "b sent nothing"
    assert b.budget_status().remaining_today == 0


def test_each_call_is_one_script_call(mock: MockServer, redis_server: RedisServer) -> None:
    client = mock.client(budget_url=redis_server.url, daily_quota=100)
    client.face_auth.list_page(count=1)  # loads the script
    redis_server.command("CONFIG", "RESETSTAT")
    for _ in range(10):
        client.face_auth.list_page(count=1)
    stats = redis_server.command("INFO", "commandstats")
    sent = {
        line.split(":")[0][len("cmdstat_") :]: int(line.split("calls=")[1].split(",")[0])
        for line in stats.splitlines()
        if line.startswith("cmdstat_")
    }
    assert sent.get("evalsha", 0) + sent.get("eval", 0) == 10, stats
    # Everything else ran inside the script (or is this check's own CONFIG).
    assert set(sent) <= {"evalsha", "eval", "config|resetstat", "time", "get", "hmget", "set", "hset", "pexpire"}, stats


def test_the_store_holds_no_trace_of_the_api_key(mock: MockServer, redis_server: RedisServer) -> None:
    client = mock.client(budget_url=redis_server.url, rate_limit=100, daily_quota=100, max_retries=0)
    for _ in range(3):
        client.face_auth.list_page(count=1)
    mock.fail_next(429, '{"message":"Too Many Requests"}', headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError):
        client.face_auth.list_page(count=1)
    client.budget_status()
    keys = redis_server.keys()
    assert keys == [prefix(mock.api_key) + "budget"]
    key = mock.api_key.encode()
    for name in keys:
        assert mock.api_key not in name
        dump = redis_server.command_bytes("DUMP", name)
        assert dump and key not in dump, name
        assert redis_server.command("PTTL", name) != "-1", f"{name} expires"
    assert key not in redis_server.command_bytes("CLIENT", "LIST")


# --- the store fails: budget_failure --------------------------------------------------------


def warnings_of(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "argos_addon" and r.levelno == logging.WARNING and "budget store is unreachable" in r.getMessage()
    ]


def test_closed_refuses_at_once_and_sends_nothing(budgeted: Callable[..., Api], mock: MockServer, redis_server: RedisServer) -> None:
    api = budgeted(budget_failure="closed")
    call(api)
    redis_server.stop()
    sent = lists(mock)
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(BudgetUnavailableError) as info:
            call(api)
        assert time.monotonic() - started < 0.3
        err = info.value
        assert isinstance(err, ConnectionError) and isinstance(err, argos_addon.ArgosError)
        assert "closed" in str(err) and mock.api_key not in str(err)
    assert lists(mock) == sent, "nothing was sent"
    down = status(api)
    assert (down.store, down.healthy) == ("redis", False)


def test_a_store_slower_than_250_ms_counts_as_unreachable(mock: MockServer, redis_server: RedisServer) -> None:
    client = mock.client(budget_url=redis_server.url, budget_failure="closed", max_retries=0)
    client.face_auth.list_page(count=1)
    # The server keeps the connection but answers nothing for a second.
    assert redis_server.command("CLIENT", "PAUSE", 1000, "ALL") == "OK"
    started = time.monotonic()
    with pytest.raises(BudgetUnavailableError):
        client.face_auth.list_page(count=1)
    waited = time.monotonic() - started
    assert 0.24 <= waited < 0.45, waited
    assert lists(mock) == 1


def test_local_keeps_serving_and_warns_once(
    budgeted: Callable[..., Api], mock: MockServer, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="argos_addon")
    api = budgeted(rate_limit=100)  # budget_failure defaults to "local"
    call(api)
    caplog.clear()
    redis_server.stop()
    sent = lists(mock)
    calls(api, 3)
    down = status(api)
    assert (down.store, down.healthy) == ("redis", False)
    # The store is tried again after a second: still down, still the same outage.
    time.sleep(1.1)
    calls(api, 2)
    assert lists(mock) == sent + 5
    warned = warnings_of(caplog)
    assert len(warned) == 1, caplog.text
    assert "this process's own budget" in warned[0].getMessage()
    assert mock.api_key not in caplog.text


def test_open_sends_without_a_budget(budgeted: Callable[..., Api], mock: MockServer, redis_server: RedisServer) -> None:
    api = budgeted(budget_failure="open", daily_quota=1)
    call(api)
    with pytest.raises(QuotaExceededError):
        call(api)
    redis_server.stop()
    calls(api, 3)
    assert lists(mock) == 4, "no quota while the store is down"


def uses_the_store(api: Api) -> bool:
    """One call (refused or not), then whether the budget came from the store."""
    try:
        call(api)
    except BudgetUnavailableError:
        pass
    return status(api).healthy


@pytest.mark.parametrize("mode", ["closed", "local", "open"])
def test_calls_use_the_store_again_after_it_returns(
    budgeted: Callable[..., Api],
    mock: MockServer,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    caplog.set_level(logging.INFO, logger="argos_addon")
    api = budgeted(budget_failure=mode, daily_quota=50)
    call(api)
    redis_server.stop()
    noticed = time.monotonic()
    if mode == "closed":
        with pytest.raises(BudgetUnavailableError):
            call(api)
    else:
        call(api)
    # Back empty, with an empty script cache: the script is loaded again.
    redis_server.start_again()
    outage = time.monotonic() - noticed
    time.sleep(1.1)
    assert uses_the_store(api), f"the store is used again (outage {outage:.3f} s)"
    fleet = status(api)
    assert (fleet.store, fleet.healthy) == ("redis", True)
    assert fleet.used_today == 1, "counted by the new, empty store"
    assert redis_server.keys() != []
    assert any("reachable again" in r.getMessage() for r in caplog.records), caplog.text


def test_calls_use_the_store_again_after_a_longer_outage(mock: MockServer, redis_server: RedisServer) -> None:
    client = mock.client(budget_url=redis_server.url, budget_failure="closed", max_retries=0)
    client.face_auth.list_page(count=1)
    redis_server.stop()
    with pytest.raises(BudgetUnavailableError):
        client.face_auth.list_page(count=1)
    time.sleep(0.5)
    redis_server.start_again()
    time.sleep(1.1)
    client.face_auth.list_page(count=1)
    assert client.budget_status().healthy


# --- a Redis Cluster ------------------------------------------------------------------------


def test_a_redis_cluster_shares_the_quota(mock: MockServer, redis_cluster: RedisCluster) -> None:
    options: Dict[str, Any] = {"budget_url": redis_cluster.urls, "daily_quota": 3, "max_retries": 0}
    a = mock.client(**options)
    b = mock.async_client(**options)
    for _ in range(2):
        a.face_auth.list_page(count=1)
    asyncio.run(b.face_auth.list_page(count=1))
    with pytest.raises(QuotaExceededError) as info:
        asyncio.run(b.face_auth.list_page(count=1))
    assert info.value.code == "local_quota"
    with pytest.raises(QuotaExceededError):
        a.face_auth.list_page(count=1)
    assert lists(mock) == 3
    fleet = a.budget_status()
    assert (fleet.store, fleet.healthy, fleet.used_today, fleet.remaining_today) == ("redis", True, 3, 0)
    keys = redis_cluster.keys_everywhere()
    assert keys and all(k.startswith(prefix(mock.api_key)) for k in keys)
    # One hash slot: every key on one node.
    assert sorted(len(redis_cluster.node_keys(i)) for i in range(3)) == [0, 0, len(keys)]
    # Closing drops the store's connections: the session's cluster stops quickly at the end.
    a.close()
    asyncio.run(b.aclose())


# --- waiting for a slot blocks no one else --------------------------------------------------


@pytest.fixture
def ticker() -> Iterator[List[float]]:
    """A Python thread noting the time every few milliseconds: it only runs with the GIL."""
    ticks: List[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    yield ticks
    stop.set()
    thread.join(5)


def test_a_sync_call_waiting_for_the_fleets_slot_releases_the_gil(
    mock: MockServer, redis_server: RedisServer, ticker: List[float]
) -> None:
    a = mock.client(budget_url=redis_server.url, rate_limit=1)
    b = mock.client(budget_url=redis_server.url, rate_limit=1)
    a.face_auth.list_page(count=1)
    started = time.monotonic()
    b.face_auth.list_page(count=1)  # the fleet's next slot is a second after a's
    ended = time.monotonic()
    assert ended - started >= 0.8, "b waited for the fleet's slot"
    during = [t for t in ticker if started + 0.1 < t < ended - 0.1]
    assert len(during) >= 10, f"the other thread ran {len(during)} times while b waited"
    assert lists(mock) == 2


async def test_an_async_call_waiting_for_a_slot_leaves_the_loop_free(mock: MockServer, redis_server: RedisServer) -> None:
    client = mock.async_client(budget_url=redis_server.url, rate_limit=1)
    await client.face_auth.list_page(count=1)
    ticks = 0
    waiting = asyncio.ensure_future(client.face_auth.list_page(count=1))
    started = time.monotonic()
    while not waiting.done():
        ticks += 1
        await asyncio.sleep(0.01)
    await waiting
    assert time.monotonic() - started >= 0.8
    assert ticks >= 20, ticks
