"""The `argos-addon` command line, through its main() and as installed scripts."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import List

import pytest

from argos_addon import _cli, encrypt_query
from argos_addon.testing import MockServer

from conftest import SUBMISSION, jpeg, vectors


@pytest.fixture
def base(mock: MockServer, tmp_path: pathlib.Path) -> List[str]:
    ca = tmp_path / "ca.pem"
    ca.write_text(mock.ca_cert_pem)
    return ["--api-key", mock.api_key, "--base-url", mock.base_url, "--ca-cert", str(ca)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_whole_api(capsys: pytest.CaptureFixture[str], base: List[str], tmp_path: pathlib.Path, mock: MockServer) -> None:
    selfie = tmp_path / "selfie.jpg"
    selfie.write_bytes(jpeg(1))
    code, out, _ = run(capsys, "submit", SUBMISSION, str(selfie), "--user-id", "u-1", "--json", *base)
    assert code == 0
    result = json.loads(out)
    assert result["approved"] is True and result["score"]["face_similarity_score"] >= 99
    auth_id = result["authentication_id"]

    code, out, _ = run(capsys, "get", auth_id, *base)
    assert code == 0 and f"auth_id            {auth_id}" in out and "approved" in out

    code, out, _ = run(capsys, "list", "--page-size", "1", *base)
    assert code == 0 and out.splitlines()[0].split()[:2] == ["AUTH", "ID"] and auth_id in out
    code, out, _ = run(capsys, "list", "--json", *base)
    assert [r["auth_id"] for r in json.loads(out)] == [auth_id]

    target = tmp_path / "out.jpg"
    code, out, _ = run(capsys, "image", auth_id, "-o", str(target), *base)
    assert code == 0 and target.read_bytes() == jpeg(1)

    code, out, _ = run(capsys, "delete", auth_id, *base)
    assert code == 0
    code, out, _ = run(capsys, "get", auth_id, "--json", *base)
    assert json.loads(out)["deleted"] is True

    code, out, _ = run(capsys, "url", mock.project_id, SUBMISSION, "--token", "tok_abcdefgh", *base)
    assert code == 0 and out.startswith("https://form.argosidentity.com/face-auth?pid=")


def test_decrypt_and_webhook(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    crypto = vectors("crypto.json")
    code, out, _ = run(capsys, "decrypt", crypto["encrypt"][1]["ciphertext"], "--api-key", crypto["api_key"], "--json")
    assert code == 0 and json.loads(out) == crypto["encrypt"][1]["params"]
    case = vectors("webhooks.json")["cases"][0]
    hook = tmp_path / "hook.json"
    hook.write_text(case["body"])
    code, out, _ = run(capsys, "webhook", str(hook), "--json")
    assert code == 0 and json.loads(out)["auth_id"] == case["expect"]["auth_id"]
    encrypted = tmp_path / "encrypted.json"
    encrypted.write_text(json.dumps({"data": encrypt_query(json.loads(case["body"]), "k-1")}))
    assert run(capsys, "webhook", str(encrypted), "--api-key", "k-1")[0] == 0


@pytest.mark.parametrize(
    "command,overrides,code",
    [
        (["get", "x"], ["--base-url", "http://insecure/v3"], 3),
        (["get", " "], [], 4),
        (["webhook", "__FILE__"], [], 5),
        (["get", "x"], ["--api-key", "wrong-key"], 6),
        (["get", "missing"], [], 7),
        (["list", "--since", "2024-01-01"], [], 4),
    ],
)
def test_exit_codes_tell_errors_apart(
    capsys: pytest.CaptureFixture[str],
    base: List[str],
    tmp_path: pathlib.Path,
    command: List[str],
    overrides: List[str],
    code: int,
) -> None:
    bad_hook = tmp_path / "bad.json"
    bad_hook.write_text("not json")
    command = [str(bad_hook) if a == "__FILE__" else a for a in command]
    # The last occurrence of an option wins, so the overrides follow the fixture's options.
    got, _, err = run(capsys, *command, *base, *overrides)
    assert got == code, err
    assert err.startswith("argos-addon: ")


def test_server_errors_and_connection_failures(capsys: pytest.CaptureFixture[str], base: List[str], mock: MockServer) -> None:
    mock.fail_next(500, "{}", times=3)
    assert run(capsys, "get", "x", *base)[0] == 10
    mock.fail_next(429, '{"message":"Limit Exceeded"}')
    assert run(capsys, "get", "x", *base)[0] == 9
    mock.fail_next(413, "{}")
    assert run(capsys, "get", "x", *base)[0] == 8
    assert run(capsys, "get", "x", "--api-key", "k", "--base-url", "https://127.0.0.1:1/v3")[0] == 11


@pytest.mark.parametrize("argv", [["argos-addon"], [sys.executable, "-m", "argos_addon"]])
def test_scripts_have_help_for_every_command(argv: List[str]) -> None:
    exe = pathlib.Path(sys.executable).with_name("argos-addon")
    argv = [str(exe)] if argv == ["argos-addon"] else argv
    top = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=30)
    assert top.returncode == 0 and "exit codes" in top.stdout
    for command in ("submit", "get", "list", "image", "delete", "url", "decrypt", "webhook", "mock"):
        sub = subprocess.run([*argv, command, "--help"], capture_output=True, text=True, timeout=30)
        assert sub.returncode == 0 and f"usage: argos-addon {command}" in sub.stdout, sub.stderr
    assert subprocess.run([*argv, "nonsense"], capture_output=True, timeout=30).returncode == 2
