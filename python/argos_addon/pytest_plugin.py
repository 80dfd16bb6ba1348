"""The pytest plugin of argos-addon: fixtures over :class:`~argos_addon.testing.MockServer`.

pytest loads it through the wheel's ``pytest11`` entry point (named ``argos_addon``; ``-p
no:argos_addon`` turns it off); ``import argos_addon`` never imports it, nor pytest.

- ``argos_mock``: a started :class:`~argos_addon.testing.MockServer`, stopped after the test
  (passed or not). Seed it with its methods (``add_submission``, ``add_record``, the faults).
- ``argos_client``: a :class:`~argos_addon.Client` of that server, closed after the test.
- ``argos_async_client``: an :class:`~argos_addon.AsyncClient` of it, closed after the test. The
  fixture itself is synchronous, so it needs no async plugin; await its calls in an
  ``asyncio.run()`` or in the async tests of pytest-asyncio or anyio.
- ``@pytest.mark.argos_mock(**options)``: the keyword options of ``MockServer(...)`` for the
  test (``daily_quota=3``, ``gateway_limit=10``, ``api_key=...``); on a class or module too, the
  closest marker winning for each option. An option ``MockServer`` does not take fails the test
  at setup, naming it.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, Iterator, List

import pytest

from ._client import AsyncClient, Client
from .testing import MockServer

__all__ = ["argos_mock", "argos_client", "argos_async_client"]

_MARKER = "argos_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): keyword options of argos_addon.testing.MockServer for the argos_mock fixture.",
    )


def _mock_options(node: pytest.Item) -> Dict[str, Any]:
    """The options of the test's ``argos_mock`` markers, the closest one winning."""
    options: Dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(_MARKER))):  # farthest (module) first
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{_MARKER} takes keyword options only (those of MockServer), got {marker.args!r}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    parameters = inspect.signature(MockServer).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return options  # MockServer checks the names itself
    known: List[str] = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(known))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        pytest.fail(
            f"@pytest.mark.{_MARKER}: unknown option{'s' if len(unknown) > 1 else ''} {names}; "
            f"MockServer takes {', '.join(known)}",
            pytrace=False,
        )
    return options


@pytest.fixture
def argos_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """A started mock ARGOS server (``argos_addon.testing.MockServer``), stopped after the test;
    ``@pytest.mark.argos_mock(**options)`` passes options to it."""
    with MockServer(**_mock_options(request.node)) as mock:
        yield mock


@pytest.fixture
def argos_client(argos_mock: MockServer) -> Iterator[Client]:
    """A ``Client`` of ``argos_mock`` (its key, URL and CA), closed after the test."""
    with argos_mock.client() as client:
        yield client


@pytest.fixture
def argos_async_client(argos_mock: MockServer) -> Iterator[AsyncClient]:
    """An ``AsyncClient`` of ``argos_mock``, closed after the test. The fixture is synchronous
    (no async plugin needed); the client works in any event loop, one ``asyncio.run()`` or many."""
    client = argos_mock.async_client()
    try:
        yield client
    finally:
        # What aclose() does, without an event loop to await it in.
        client._native.close()
