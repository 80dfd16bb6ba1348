"""The bills of materials packed into the wheel and the npm package (sbom/*.cdx.json).

`make vet` proves they agree with Cargo.lock and that the tree passes deny.toml; these tests prove
the documents are valid CycloneDX, that their licences are SPDX and inside the policy, that the
graph hangs together, and that what they claim about the crates is true of the lockfile.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any, Dict, List, Set

import pytest

if sys.version_info < (3, 11):  # tomllib; the supply chain is checked on the build's Python
    pytest.skip("needs tomllib (Python 3.11+)", allow_module_level=True)

import tomllib

import license_expression  # type: ignore[import-untyped]
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = {
    "argos-addon-python": ("pkg:pypi/argos-addon", "pyo3"),
    "argos-addon-node": ("pkg:npm/argos-addon", "napi"),
}
BANNED = {"openssl", "openssl-sys", "openssl-src", "native-tls", "aws-lc-rs", "aws-lc-sys"}


def document(crate: str) -> Dict[str, Any]:
    doc: Dict[str, Any] = json.loads((ROOT / "sbom" / f"{crate}.cdx.json").read_text("utf-8"))
    return doc


def lockfile() -> Dict[str, Any]:
    return tomllib.loads((ROOT / "Cargo.lock").read_text("utf-8"))


@pytest.fixture(params=sorted(DOCUMENTS))
def crate(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def test_valid_cyclonedx_1_6(crate: str) -> None:
    text = (ROOT / "sbom" / f"{crate}.cdx.json").read_text("utf-8")
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error


def test_reproducible_bytes(crate: str) -> None:
    """No time stamp and no random serial number: the same lockfile renders the same file."""
    doc = document(crate)
    assert "serialNumber" not in doc
    assert "timestamp" not in doc["metadata"]


def test_names_the_package_and_its_native_crate(crate: str) -> None:
    doc = document(crate)
    purl, binding = DOCUMENTS[crate]
    version = tomllib.loads((ROOT / "Cargo.toml").read_text("utf-8"))["workspace"]["package"][
        "version"
    ]
    package = doc["metadata"]["component"]
    assert package["purl"] == f"{purl}@{version}"
    assert package["licenses"] == [{"license": {"id": "MIT"}}]
    required = {c["name"] for c in doc["components"] if c["scope"] == "required"}
    assert {crate, "argos-addon", "reqwest", "rustls", "ring", "tokio", binding} <= required
    # The mock ships inside the package (argos_addon.testing, argos-addon/testing).
    assert "argos-addon-mock" in required
    root_edges = [d for d in doc["dependencies"] if d["ref"] == package["bom-ref"]]
    assert root_edges == [
        {"ref": package["bom-ref"], "dependsOn": [f"argos-addon-workspace:{crate}@{version}"]}
    ]


def test_no_banned_crate(crate: str) -> None:
    names = {c["name"] for c in document(crate)["components"]}
    assert not names & BANNED


def test_build_time_crates_are_marked_excluded(crate: str) -> None:
    """Proc-macros and build-script helpers run while building; none of them is in the module."""
    scopes = {c["name"]: c["scope"] for c in document(crate)["components"]}
    for name in ("serde_derive", "proc-macro2", "syn", "cc", "tokio-macros"):
        assert scopes[name] == "excluded", name
    for name in ("serde", "tokio", "rustls"):
        assert scopes[name] == "required", name


def test_versions_and_hashes_are_the_lockfile(crate: str) -> None:
    locked = {
        (p["name"], p["version"]): p.get("checksum") for p in lockfile()["package"]
    }
    for component in document(crate)["components"]:
        key = (component["name"], component["version"])
        assert key in locked, key
        if "purl" in component:
            assert component["purl"] == f"pkg:cargo/{key[0]}@{key[1]}"
            assert component["hashes"] == [{"alg": "SHA-256", "content": locked[key]}]
        else:  # the workspace's own crates: no registry, no checksum
            assert locked[key] is None
            path = component["properties"][0]["value"]
            assert (ROOT / path / "Cargo.toml").is_file()


def test_graph_reaches_every_component_from_the_package(crate: str) -> None:
    doc = document(crate)
    refs = {c["bom-ref"] for c in doc["components"]}
    edges: Dict[str, List[str]] = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    package = doc["metadata"]["component"]["bom-ref"]
    assert set(edges) == refs | {package}
    assert {dep for deps in edges.values() for dep in deps} <= refs
    seen: Set[str] = set()
    todo = [package]
    while todo:
        ref = todo.pop()
        if ref not in seen:
            seen.add(ref)
            todo.extend(edges[ref])
    assert seen == refs | {package}


def allowed_by(expression: Any, allowed: Set[str]) -> bool:
    """Whether an SPDX expression can be satisfied with the allowed licences alone."""
    if isinstance(expression, license_expression.LicenseWithExceptionSymbol):
        return f"{expression.license_symbol.key} WITH {expression.exception_symbol.key}" in allowed
    if isinstance(expression, license_expression.LicenseSymbol):
        return expression.key in allowed
    results = [allowed_by(arg, allowed) for arg in expression.args]
    if isinstance(expression, license_expression.AND):
        return all(results)
    return any(results)


def test_every_licence_is_spdx_and_inside_the_policy(crate: str) -> None:
    allowed = set(tomllib.loads((ROOT / "deny.toml").read_text("utf-8"))["licenses"]["allow"])
    spdx = license_expression.get_spdx_licensing()
    for component in document(crate)["components"]:
        (entry,) = component["licenses"]
        text = entry.get("expression") or entry["license"]["id"]
        info = spdx.validate(text, strict=True)
        assert not info.errors, (component["name"], info.errors)
        assert allowed_by(spdx.parse(text), allowed), (component["name"], text)


def test_the_policy_is_not_vacuous() -> None:
    """The licence check above would pass on an empty policy if the evaluator were wrong."""
    spdx = license_expression.get_spdx_licensing()
    assert allowed_by(spdx.parse("MIT OR GPL-3.0-only"), {"MIT"})
    assert not allowed_by(spdx.parse("MIT AND GPL-3.0-only"), {"MIT"})
    assert not allowed_by(spdx.parse("LGPL-2.1-or-later"), {"MIT", "Apache-2.0"})
    assert allowed_by(
        spdx.parse("Apache-2.0 WITH LLVM-exception"), {"Apache-2.0 WITH LLVM-exception"}
    )


def test_the_packages_declare_no_runtime_dependency() -> None:
    """The SBOM lists only the Rust tree because installing the package brings nothing else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project.get("dependencies", []) == []
    manifest = json.loads((ROOT / "package.json").read_text("utf-8"))
    assert manifest.get("dependencies", {}) == {}
    assert all(meta.get("optional") for meta in manifest["peerDependenciesMeta"].values())
    assert set(manifest["peerDependencies"]) == set(manifest["peerDependenciesMeta"])
