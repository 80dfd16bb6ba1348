"""README: "``face_image`` as a path is streamed from disk". A client in a process of its own
uploads a file far larger than the growth its peak memory is allowed; the mock is in this one."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

from argos_addon.testing import MockServer
from conftest import SUBMISSION, child_env, jpeg

MIB = 1024 * 1024
SIZE = 48 * MIB
# Peak RSS growth the upload may cause: a fraction of the file (read whole, it would be 48 MiB).
BOUND = 16 * MIB


def test_a_path_is_streamed_from_disk_not_read_whole(tmp_path: pathlib.Path) -> None:
    big = tmp_path / "big.jpg"
    with open(big, "wb") as out:
        out.write(jpeg(7))
        out.truncate(SIZE)  # sparse: written in no time, read back as zeros
    with MockServer(max_body_bytes=SIZE + MIB) as mock:
        mock.add_submission(SUBMISSION, "approved", jpeg(1))
        code = f"""
            import argos_addon

            def kib(field):
                with open("/proc/self/status") as status:
                    return next(int(line.split()[1]) for line in status if line.startswith(field))

            client = argos_addon.Client(api_key={mock.api_key!r}, base_url={mock.base_url!r},
                                        ca_cert={mock.ca_cert_pem!r}, max_upload_bytes={SIZE + MIB})
            assert client.face_auth.submit({SUBMISSION!r}, {jpeg(1)!r}).approved  # warm: pool, TLS
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # the peak starts again from here
            before = kib("VmRSS:")
            result = client.face_auth.submit({SUBMISSION!r}, {str(big)!r})
            assert not result.approved, "another face"
            print((kib("VmHWM:") - before) * 1024)
        """
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, env=child_env()
        )
        assert done.returncode == 0, done.stderr
        received = [r for r in mock.requests() if r["method"] == "POST"][-1]
        assert received["body_len"] > SIZE
    growth = int(done.stdout.strip())
    assert growth < BOUND, f"peak RSS grew by {growth / MIB:.1f} MiB uploading {SIZE // MIB} MiB"
