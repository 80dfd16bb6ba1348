"""The pytest plugin (argos_addon.pytest_plugin), run as users get it: test files in a fresh
pytest process, which finds the plugin through the installed ``pytest11`` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import pytest

from conftest import child_env, scrubbed

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    # The inner pytest must load plugins from their entry points, as a user's pytest does.
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_PLUGINS", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    # Nor may it reach beyond loopback: the inner runs inherit this environment.
    for name in [name for name in os.environ if scrubbed(name)]:
        monkeypatch.delenv(name)


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=90)


def test_the_wheel_registers_the_plugin() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("argos_addon") == "argos_addon.pytest_plugin"


def test_importing_argos_addon_does_not_import_pytest() -> None:
    code = (
        "import sys, argos_addon, argos_addon.testing\n"
        "assert 'pytest' not in sys.modules and '_pytest' not in sys.modules, sorted(sys.modules)\n"
        "assert 'argos_addon.pytest_plugin' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())
    assert proc.returncode == 0, proc.stderr


def test_the_fixtures_serve_seeded_data(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import asyncio
        import argos_addon
        import pytest

        def test_a_seeded_record_through_the_client(argos_mock, argos_client):
            auth_id = argos_mock.add_record(auth_status="approved", submission_id="sub-1")
            record = argos_client.face_auth.get(auth_id)
            assert record.approved and record.kyc_submission_id == "sub-1"
            assert argos_client.base_url == argos_mock.base_url

        def test_a_seeded_submission_is_approved(argos_mock, argos_client):
            argos_mock.add_submission("sub-1", "approved", selfie=b"\\xff\\xd8\\xff selfie")
            assert argos_client.face_auth.submit("sub-1", b"\\xff\\xd8\\xff selfie").approved
            assert not argos_client.face_auth.submit("sub-1", b"\\xff\\xd8\\xff other").approved

        def test_the_async_client_in_asyncio_run(argos_mock, argos_async_client):
            auth_id = argos_mock.add_record(auth_status="rejected")
            assert not asyncio.run(argos_async_client.face_auth.get(auth_id)).approved
            assert asyncio.run(argos_async_client.face_auth.get(auth_id)).auth_id == auth_id

        @pytest.mark.asyncio
        async def test_the_async_client_under_pytest_asyncio(argos_mock, argos_async_client):
            auth_id = argos_mock.add_record()
            assert (await argos_async_client.face_auth.get(auth_id)).approved
            assert [r.auth_id async for r in argos_async_client.face_auth.list()] == [auth_id]

        def test_each_test_gets_a_fresh_mock(argos_mock):
            assert argos_mock.request_count() == 0
        """,
    )
    result.assert_outcomes(passed=5)


def test_the_mock_and_the_clients_are_closed_after_the_test_even_a_failed_one(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import asyncio
        import socket
        import argos_addon
        import pytest

        seen = {}

        def test_keeps_them_and_fails(argos_mock, argos_client, argos_async_client):
            auth_id = argos_mock.add_record()
            seen.update(mock=argos_mock, client=argos_client, async_client=argos_async_client, auth_id=auth_id)
            assert argos_client.face_auth.get(auth_id).approved  # they work during the test
            assert False, "this test fails on purpose"

        def test_the_mock_is_stopped():
            mock = seen["mock"]
            # A client that trusts the old mock's CA, with the old key: nothing answers any more.
            client = argos_addon.Client(
                api_key=mock.api_key, base_url=mock.base_url, ca_cert=mock.ca_cert_pem, max_retries=0, timeout=5
            )
            with pytest.raises(argos_addon.APIConnectionError, match="connect"):
                client.face_auth.get(seen["auth_id"])
            with socket.socket() as sock:  # and nothing listens on its port (TIME_WAIT aside)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", mock.port))
                sock.listen()

        def test_the_clients_are_closed(argos_mock):
            with pytest.raises(argos_addon.APIConnectionError, match="closed"):
                seen["client"].face_auth.get("any")
            with pytest.raises(argos_addon.APIConnectionError, match="closed"):
                asyncio.run(seen["async_client"].face_auth.get("any"))
        """,
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*this test fails on purpose*"])


def test_the_marker_passes_options_to_the_mock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import argos_addon
        import pytest

        pytestmark = pytest.mark.argos_mock(project_id="module-project", daily_quota=100)

        @pytest.mark.argos_mock(api_key="key-from-the-marker", daily_quota=1)
        def test_the_options_apply(argos_mock, argos_client):
            assert argos_mock.api_key == "key-from-the-marker"
            assert argos_mock.project_id == "module-project"
            auth_id = argos_mock.add_record()
            argos_client.with_options(max_retries=0).face_auth.get(auth_id)
            with pytest.raises(argos_addon.QuotaExceededError):  # the mock's daily quota of 1
                argos_client.with_options(max_retries=0).face_auth.get(auth_id)

        @pytest.mark.argos_mock(gateway_limit=7)
        class TestOnAClass:
            def test_it_applies_to_its_tests(self, argos_mock):
                assert argos_mock.project_id == "module-project"

        def test_without_a_marker_of_its_own(argos_mock):
            assert argos_mock.project_id == "module-project"
        """,
        "--strict-markers",
    )
    result.assert_outcomes(passed=3)


def test_an_unknown_marker_option_fails_naming_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.argos_mock(daily_quota=5, dailyquota=5)
        def test_a_typo(argos_mock):
            pass

        @pytest.mark.argos_mock(5)
        def test_a_positional_option(argos_client):
            pass
        """,
    )
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.argos_mock: unknown option 'dailyquota'; MockServer takes *daily_quota*",
            "*@pytest.mark.argos_mock takes keyword options only*",
        ]
    )


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    result = run(pytester, "def test_uses_it(argos_mock):\n    pass\n", "-p", "no:argos_addon")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'argos_mock' not found*"])
