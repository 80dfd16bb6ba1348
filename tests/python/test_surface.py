"""The built package against the core's declared surface (tests/conformance/surface.json, written
by ``make surface``): every result class has exactly the declared fields, and ``Client()`` takes
exactly the declared options. The error tree is checked in test_errors.py."""

from __future__ import annotations

import inspect
import types
from typing import List

import pytest

import argos_addon

from conftest import vectors

SURFACE = vectors("surface.json")


def _attributes(cls: type) -> List[str]:
    """The public data attributes a result class defines (pyo3 getters and properties)."""
    return [
        name
        for name, value in vars(cls).items()
        if not name.startswith("_") and isinstance(value, (property, types.GetSetDescriptorType))
    ]


@pytest.mark.parametrize("model", SURFACE["models"], ids=lambda m: m["name"])
def test_each_result_class_has_the_declared_fields(model: dict) -> None:  # type: ignore[type-arg]
    cls = getattr(argos_addon, model["name"])
    assert sorted(_attributes(cls)) == sorted(model["python"])
    assert callable(getattr(cls, "to_dict"))


@pytest.mark.parametrize("client", [argos_addon.Client, argos_addon.AsyncClient])
def test_the_client_takes_the_declared_options_in_order(client: type) -> None:
    parameters = inspect.signature(client).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    assert [p.name for p in parameters] == [o["python"] for o in SURFACE["client_options"]]


def test_an_option_outside_the_declaration_is_refused() -> None:
    with pytest.raises(TypeError):
        argos_addon.Client(api_key="k", no_such_option=1)  # type: ignore[call-arg]
