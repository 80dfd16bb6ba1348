"""Every Python and shell snippet of README.md runs, against the mock, so the README cannot rot.

Snippets are written for the real API (the client reads ARGOS_API_KEY / ARGOS_BASE_URL); here
those point at a mock seeded with `sub0000000001` and `examples/selfie.jpg`, whose CA is trusted
through SSL_CERT_FILE.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from typing import Dict, Iterator, List, Tuple

import pytest

from argos_addon.testing import MockServer
from conftest import child_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> List[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [body for lang, body in BLOCK.findall(text) if lang == language]


@pytest.fixture
def env(tmp_path: pathlib.Path) -> Iterator[Dict[str, str]]:
    with MockServer() as mock:
        mock.add_submission("sub0000000001", "approved", selfie=ROOT / "examples" / "selfie.jpg")
        ca = tmp_path / "ca.pem"
        ca.write_text(mock.ca_cert_pem)
        bin_dir = str(pathlib.Path(sys.executable).parent)
        yield child_env(
            ARGOS_API_KEY=mock.api_key,
            ARGOS_BASE_URL=mock.base_url,
            SSL_CERT_FILE=str(ca),
            PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
        )


def _run(argv: List[str], env: Dict[str, str]) -> Tuple[int, str]:
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


PYTHON = blocks("python")


def test_the_readme_has_python_snippets() -> None:
    assert len(PYTHON) >= 4 and blocks("sh")


@pytest.mark.parametrize("snippet", PYTHON, ids=[f"python-{i}" for i in range(len(PYTHON))])
def test_python_snippet(snippet: str, env: Dict[str, str], tmp_path: pathlib.Path) -> None:
    if "def test_" in snippet:
        test_file = tmp_path / "test_readme_snippet.py"
        test_file.write_text(snippet)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test_file)]
    else:
        argv = [sys.executable, "-c", snippet]
    code, output = _run(argv, env)
    assert code == 0, output


def test_shell_snippets(env: Dict[str, str]) -> None:
    commands = [line for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert commands
    for command in commands:
        code, output = _run(["sh", "-c", command], env)
        assert code == 0, f"{command}\n{output}"


def test_the_quickstart_stays_on_its_mock_whatever_the_callers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Set, these would send the quickstart to the real API (billed calls) through a proxy.
    monkeypatch.setenv("ARGOS_API_KEY", "a-real-looking-key-0123456789")
    monkeypatch.setenv("ARGOS_SUBMISSION_ID", "real-submission")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    code, output = _run([sys.executable, str(ROOT / "examples" / "quickstart.py")], child_env())
    assert code == 0, output
    assert "approved" in output and "real-submission" not in output
