"""The `argos-addon` command line, through its main() and as installed scripts."""

from __future__ import annotations

import datetime
import json
import pathlib
import re
import subprocess
import sys
from typing import List

import pytest

from argos_addon import _cli, encrypt_query
from argos_addon.testing import MockServer

from conftest import SUBMISSION, child_env, jpeg, vectors
from redis_harness import RedisServer


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


def test_verbose_prints_the_request_id_of_every_call(
    capsys: pytest.CaptureFixture[str], base: List[str], tmp_path: pathlib.Path, mock: MockServer
) -> None:
    selfie = tmp_path / "selfie.jpg"
    selfie.write_bytes(jpeg(1))
    line = re.compile(r"request-id: [0-9a-f-]{36} \(200, 1 attempt\)")
    code, out, err = run(capsys, "submit", SUBMISSION, str(selfie), "--json", "--verbose", *base)
    assert code == 0 and line.fullmatch(err.strip()), err
    auth_id = json.loads(out)["authentication_id"]
    mock.add_record(auth_id="rec0001")
    code, out, err = run(capsys, "list", "--page-size", "1", "-v", *base)
    assert code == 0 and len(err.splitlines()) == mock.request_count("GET", "/faceauth") >= 2
    assert all(line.fullmatch(each) for each in err.splitlines()), err
    mock.fail_next(503, "busy", method="GET", path="/faceauth")
    code, out, err = run(capsys, "get", auth_id, "--verbose", *base)
    assert code == 0 and re.fullmatch(r"request-id: [0-9a-f-]{36} \(200, 2 attempts\)", err.strip()), err
    code, out, err = run(capsys, "image", auth_id, "-o", str(tmp_path / "out.jpg"), "--verbose", *base)
    assert code == 0 and line.fullmatch(err.strip()), err
    mock.fail_next(200, "{}", headers={"x-amzn-RequestId": "fixed-request-id"}, method="DELETE", path="/faceauth")
    code, out, err = run(capsys, "delete", auth_id, "--verbose", *base)
    assert code == 0 and err == "request-id: fixed-request-id (200, 1 attempt)\n"
    code, out, err = run(capsys, "get", auth_id, *base)
    assert code == 0 and err == ""


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
    top = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=30, env=child_env())
    assert top.returncode == 0 and "exit codes" in top.stdout
    for command in ("submit", "get", "list", "image", "delete", "url", "decrypt", "webhook", "mock"):
        sub = subprocess.run([*argv, command, "--help"], capture_output=True, text=True, timeout=30, env=child_env())
        assert sub.returncode == 0 and f"usage: argos-addon {command}" in sub.stdout, sub.stderr
    assert subprocess.run([*argv, "nonsense"], capture_output=True, timeout=30, env=child_env()).returncode == 2


def listing(out: str) -> dict[str, str]:
    """The `key  value` lines of a readable listing."""
    shown: dict[str, str] = {}
    for line in out.splitlines():
        key, value = line.split(None, 1)
        shown[key] = value
    return shown


def test_budget_shows_the_fleets_status(
    capsys: pytest.CaptureFixture[str], base: List[str], mock: MockServer, redis_server: RedisServer
) -> None:
    other = mock.client(budget_url=redis_server.url, daily_quota=5)
    for _ in range(2):
        other.face_auth.list_page(count=1)
    other.close()
    budget = ["--budget-url", redis_server.url, "--daily-quota", "5", "--rate-limit", "20"]

    code, out, err = run(capsys, "budget", *budget, "--json", *base)
    assert (code, err) == (0, "")
    shown = json.loads(out)
    resets_at = datetime.datetime.fromisoformat(shown.pop("resets_at"))
    assert shown == {
        "rate_limit": 20.0,
        "daily_quota": 5,
        "used_today": 2,
        "remaining_today": 3,
        "store": "redis",
        "healthy": True,
    }
    now = datetime.datetime.now(datetime.timezone.utc)
    assert resets_at.utcoffset() == datetime.timedelta(0)
    assert (resets_at.hour, resets_at.minute, resets_at.second) == (0, 0, 0)
    assert datetime.timedelta(0) < resets_at - now <= datetime.timedelta(days=1)

    code, out, err = run(capsys, "budget", *budget, *base)
    assert (code, err) == (0, "")
    assert listing(out) == {
        "rate_limit": "20",
        "daily_quota": "5",
        "used_today": "2",
        "remaining_today": "3",
        "resets_at": resets_at.isoformat(),
        "store": "redis",
        "healthy": "true",
    }
    assert mock.request_count() == 2, "budget sends nothing to the API"


def test_budget_without_a_store_and_from_the_environment(
    capsys: pytest.CaptureFixture[str],
    base: List[str],
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ARGOS_BUDGET_URL", raising=False)
    code, out, _ = run(capsys, "budget", "--rate-limit", "none", *base)
    shown = listing(out)
    assert code == 0 and (shown["store"], shown["healthy"]) == ("local", "true")
    assert (shown["rate_limit"], shown["daily_quota"], shown["remaining_today"]) == ("none", "none", "none")
    monkeypatch.setenv("ARGOS_BUDGET_URL", redis_server.url)
    code, out, _ = run(capsys, "budget", "--json", *base)
    assert code == 0 and json.loads(out)["store"] == "redis" and json.loads(out)["healthy"] is True


def test_budget_of_an_unreachable_store_exits_0_unhealthy(
    capsys: pytest.CaptureFixture[str], base: List[str], redis_server: RedisServer
) -> None:
    redis_server.stop()
    code, out, err = run(capsys, "budget", "--budget-url", redis_server.url, *base)
    assert code == 0
    assert re.search(r"^healthy\s+false$", out, re.MULTILINE), out
    assert listing(out)["store"] == "redis"
    assert "healthy false" in err and err.startswith("argos-addon: warning: ")
    code, out, _ = run(capsys, "budget", "--budget-url", redis_server.url, "--json", *base)
    assert code == 0 and json.loads(out)["healthy"] is False


def test_budget_options_are_checked(capsys: pytest.CaptureFixture[str], base: List[str]) -> None:
    code, _, err = run(capsys, "budget", "--daily-quota", "0", *base)
    assert code == 3 and "daily_quota" in err
    code, _, err = run(capsys, "budget", "--budget-url", "redis://user:s3cret@h:1,http://h:2", *base)
    assert code == 3 and "node 2" in err and "s3cret" not in err
    with pytest.raises(SystemExit) as exit_:
        _cli.main(["budget", "--rate-limit", "fast", *base])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        _cli.main(["budget", "--help"])
    out, _ = capsys.readouterr()
    assert exit_.value.code == 0
    assert "usage: argos-addon budget" in out
    for flag in ("--budget-url", "--daily-quota", "--rate-limit", "--json"):
        assert flag in out
