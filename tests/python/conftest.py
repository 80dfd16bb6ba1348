"""Fixtures: a fresh mock server per test, and one API surface for the sync and async clients."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import pathlib
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import argos_addon
from argos_addon.testing import MockServer

CONFORMANCE = pathlib.Path(__file__).resolve().parent.parent / "conformance"
SUBMISSION = "sub0000000001"


def jpeg(tag: int = 1, size: int = 64) -> bytes:
    """JPEG by its magic bytes; the mock compares bytes and never decodes them."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes([tag]) * size


def png(tag: int = 2) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes([tag]) * 64


def vectors(name: str) -> Any:
    return json.loads((CONFORMANCE / name).read_text(encoding="utf-8"))


def _iso(when: Optional[datetime.datetime]) -> Optional[str]:
    if when is None:
        return None
    assert when.utcoffset() == datetime.timedelta(0)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def webhook_fields(hook: argos_addon.FaceAuthWebhook) -> Dict[str, Any]:
    """A parsed webhook as the conformance vectors (webhooks.json) write its ``expect``."""
    return {
        "auth_id": hook.auth_id,
        "submission_id": hook.submission_id,
        "auth_status": hook.auth_status,
        "create_time": _iso(hook.create_time),
        "user_id": hook.user_id,
        "cf1": hook.cf1,
        "cf2": hook.cf2,
        "cf3": hook.cf3,
        "token_id": hook.token_id,
        "reference": hook.reference.to_dict() if hook.reference else None,
        "version": hook.version,
    }


# Never passed on to a child process: with them a child could reach the real API (ARGOS_API_KEY
# and a submission id switch the quickstart to it) or route loopback through a proxy.
_SCRUBBED = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
}


def scrubbed(name: str) -> bool:
    """Whether the variable ``name`` is kept from children: ``ARGOS_*``, proxies, CA settings."""
    return name.startswith("ARGOS_") or name.upper() in _SCRUBBED


def child_env(**extra: str) -> Dict[str, str]:
    """The environment of every child a test starts: this one without what :func:`scrubbed`
    names, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not scrubbed(k)}, **extra}


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.add_submission(SUBMISSION, "approved", jpeg(1))
        yield server


class Api:
    """The same calls on a sync ``Client`` or an ``AsyncClient`` (each async call in its own
    ``asyncio.run``, which also proves one AsyncClient survives many event loops)."""

    def __init__(self, client: Any, is_async: bool, face: Any = None) -> None:
        self.client = client
        self.is_async = is_async
        self.face = client.face_auth if face is None else face

    @property
    def with_response(self) -> "Api":
        """The calls of ``face_auth.with_response``."""
        return Api(self.client, self.is_async, self.client.face_auth.with_response)

    def with_options(self, **options: Any) -> "Api":
        """The calls of ``client.with_options(**options)``."""
        return Api(self.client.with_options(**options), self.is_async)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.face, name)
        if not self.is_async:
            return method  # type: ignore[no-any-return]

        def call(*args: Any, **kwargs: Any) -> Any:
            async def run() -> Any:
                return await method(*args, **kwargs)

            return asyncio.run(run())

        return call

    def list(self, **kwargs: Any) -> List[argos_addon.FaceAuthRecord]:
        if not self.is_async:
            return list(self.client.face_auth.list(**kwargs))

        async def collect() -> List[argos_addon.FaceAuthRecord]:
            return [r async for r in self.client.face_auth.list(**kwargs)]

        return asyncio.run(collect())


@pytest.fixture(params=["sync", "async"])
def make_api(request: pytest.FixtureRequest, mock: MockServer) -> Callable[..., Api]:
    def make(**options: Any) -> Api:
        if request.param == "sync":
            return Api(mock.client(**options), False)
        return Api(mock.async_client(**options), True)

    return make


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


# Real Redis servers for the fleet budget's tests (tests/python/redis_harness.py; Redis itself is
# installed by scripts/install-redis.sh, which `make test-python` runs first).
from redis_harness import RedisCluster, RedisServer  # noqa: E402


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh, empty ``redis-server`` on a free loopback port, closed after the test."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster_session() -> Iterator[RedisCluster]:
    """One three-master cluster for the whole session (starting one takes about 2 s)."""
    with RedisCluster() as cluster:
        yield cluster


@pytest.fixture
def redis_cluster(redis_cluster_session: RedisCluster) -> RedisCluster:
    """The session's cluster, emptied first: no keys, no scripts, zeroed command stats. A test
    that stops nodes must start a ``RedisCluster()`` of its own instead."""
    cluster = redis_cluster_session
    cluster.command_everywhere("FLUSHALL")
    cluster.command_everywhere("SCRIPT", "FLUSH")
    cluster.command_everywhere("CONFIG", "RESETSTAT")
    return cluster
