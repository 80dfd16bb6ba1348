"""``argos_addon.webhooks.SeenWebhooks``: dropping duplicate webhook deliveries, in this
process's memory and through a real ``redis-server`` (and a real three-master cluster). The
behaviour is the core's (core/tests/webhooks_seen.rs); this checks what Python adds: the
arguments, the sync call (the GIL released) and the asyncio one, and the errors' classes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
import time
from typing import Any, Dict, List, Optional

import pytest

import argos_addon
from argos_addon import FaceAuthWebhook
from argos_addon.webhooks import DEFAULT_SEEN_MAX_ENTRIES, DEFAULT_SEEN_TTL, SeenWebhooks

from redis_harness import RedisCluster, RedisServer

PASSWORD = "s3cret"


def hook(auth_id: str, status: Optional[str] = "approved", version: int = 3) -> FaceAuthWebhook:
    """A webhook of ``version`` (1: ``auth_id``; 2: ``Authentication_id`` at the top; 3: in data)."""
    fields: Dict[str, str] = {"auth_status": status} if status is not None else {}
    body: Dict[str, Any]
    if version == 1:
        body = {"webhook_trigger": "faceAuth", "auth_id": auth_id, **fields}
    elif version == 2:
        body = {"webhook_trigger": "faceAuth", "Authentication_id": auth_id, "data": fields}
    else:
        body = {"webhook_trigger": "faceAuth", "data": {"authentication_id": auth_id, **fields}}
    parsed = argos_addon.parse_webhook(json.dumps(body))
    assert parsed.version == version
    return parsed


def key(auth_id: str, version: int, status: str) -> str:
    """The store's key, as the README gives it."""
    digest = hashlib.sha256(f"{auth_id}\0{version}\0{status}".encode()).hexdigest()
    return "argos:webhook:" + digest[:32]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_defaults() -> None:
    assert DEFAULT_SEEN_TTL == 86400.0
    assert DEFAULT_SEEN_MAX_ENTRIES == 100_000
    seen = SeenWebhooks()
    assert seen.ttl == DEFAULT_SEEN_TTL
    assert repr(seen) == "SeenWebhooks(store='memory', ttl=86400.0)"


def test_memory_first_then_repeat_then_another_status_or_version() -> None:
    seen = SeenWebhooks()
    assert seen.first_delivery(hook("a1")) is True
    assert seen.first_delivery(hook("a1")) is False
    assert seen.first_delivery(hook("a1", "rejected")) is True
    assert seen.first_delivery(hook("a1", version=2)) is True
    assert seen.first_delivery(hook("a1", version=1)) is True
    assert seen.first_delivery(hook("a1", version=1)) is False
    assert seen.first_delivery(hook("a2")) is True
    # No status is a status of its own.
    assert seen.first_delivery(hook("a3", None)) is True
    assert seen.first_delivery(hook("a3", None)) is False


def test_memory_forgets_after_the_ttl_and_past_max_entries() -> None:
    seen = SeenWebhooks(ttl=0.1, max_entries=2)
    assert seen.first_delivery(hook("a"))
    assert not seen.first_delivery(hook("a"))
    time.sleep(0.15)
    assert seen.first_delivery(hook("a"))
    assert seen.first_delivery(hook("b"))
    assert seen.first_delivery(hook("c"))  # forgets "a", the oldest
    assert not seen.first_delivery(hook("c"))
    assert seen.first_delivery(hook("a"))


async def test_memory_async() -> None:
    seen = SeenWebhooks()
    assert await seen.afirst_delivery(hook("a")) is True
    assert await seen.afirst_delivery(hook("a")) is False
    assert seen.first_delivery(hook("a")) is False


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"ttl": 0}, ["ttl"]),
        ({"ttl": -1.0}, ["ttl"]),
        ({"ttl": float("nan")}, ["ttl"]),
        ({"max_entries": 0}, ["max_entries"]),
        ({"max_entries": -5}, ["max_entries"]),
        ({"redis_url": f"http://user:{PASSWORD}@h:1"}, ["redis_url", "redis://"]),
        ({"redis_url": f"redis://user:{PASSWORD}@h:1,ftp://{PASSWORD}@h"}, ["redis_url", "node 2"]),
    ],
)
def test_bad_arguments_are_configuration_errors(kwargs: Dict[str, Any], words: List[str]) -> None:
    with pytest.raises(argos_addon.ConfigurationError) as err:
        SeenWebhooks(**kwargs)
    for word in words:
        assert word in str(err.value)
    assert PASSWORD not in str(err.value)


def test_redis_is_shared_and_holds_no_auth_id_in_clear(redis_server: RedisServer) -> None:
    one = SeenWebhooks(redis_url=redis_server.url)
    two = SeenWebhooks(redis_url=redis_server.url)
    assert repr(one) == "SeenWebhooks(store='redis', ttl=86400.0)"
    assert one.first_delivery(hook("secret-auth-id")) is True
    assert two.first_delivery(hook("secret-auth-id")) is False
    assert one.first_delivery(hook("secret-auth-id")) is False
    assert two.first_delivery(hook("secret-auth-id", "rejected")) is True
    keys = sorted(redis_server.keys())
    assert keys == sorted([key("secret-auth-id", 3, "approved"), key("secret-auth-id", 3, "rejected")])
    assert not any("secret" in k for k in keys)
    ttl = int(redis_server.command("PTTL", keys[0]))
    assert 86_000_000 < ttl <= 86_400_000


async def test_redis_async_shares_with_sync(redis_server: RedisServer) -> None:
    seen = SeenWebhooks(redis_url=redis_server.url, ttl=60)
    results = await asyncio.gather(*(seen.afirst_delivery(hook("a")) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    assert seen.first_delivery(hook("a")) is False
    assert await seen.afirst_delivery(hook("b")) is True
    assert int(redis_server.command("PTTL", key("b", 3, "approved"))) <= 60_000


def test_redis_cluster(redis_cluster: RedisCluster) -> None:
    one = SeenWebhooks(redis_url=redis_cluster.urls)
    two = SeenWebhooks(redis_url=redis_cluster.urls)
    # Opening a cluster's connections may outlast one call's 250 ms on a loaded machine; that call
    # fails, as it should, and the opening goes on in the background.
    for seen in (one, two):
        deadline = time.monotonic() + 10
        while True:
            try:
                seen.first_delivery(hook("warm-up"))
                break
            except argos_addon.APIConnectionError:
                assert time.monotonic() < deadline, "never reachable"
                time.sleep(0.1)
    for auth_id in "abcdef":
        assert one.first_delivery(hook(auth_id)) is True
        assert two.first_delivery(hook(auth_id)) is False


def test_an_unreachable_redis_is_a_connection_error_and_the_gil_is_free() -> None:
    seen = SeenWebhooks(redis_url=f"redis://user:{PASSWORD}@127.0.0.1:{free_port()}")
    ticks = 0
    stop = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        started = time.monotonic()
        with pytest.raises(argos_addon.APIConnectionError) as err:
            seen.first_delivery(hook("a"))
        took = time.monotonic() - started
    finally:
        stop.set()
        ticker.join()
    assert took < 0.4, took
    assert "webhook store is unreachable" in str(err.value)
    assert "nothing was recorded" in str(err.value)
    assert PASSWORD not in str(err.value)
    assert ticks > 5  # the other thread ran while the call waited


async def test_an_unreachable_redis_fails_the_async_call_too() -> None:
    seen = SeenWebhooks(redis_url=f"redis://127.0.0.1:{free_port()}")
    with pytest.raises(argos_addon.APIConnectionError):
        await seen.afirst_delivery(hook("a"))
