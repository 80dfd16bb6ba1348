"""Names what differs between two builds of one archive (wheel, sdist or npm tarball): members
present in only one, members whose bytes differ, members whose time stamp or mode differs.

Used by check-reproducible.sh when two artefacts' SHA-256 disagree.
"""

from __future__ import annotations

import hashlib
import sys
import tarfile
import zipfile
from pathlib import Path


def members(path: Path) -> dict[str, tuple[str, str]]:
    """Each member's name -> (SHA-256 of its bytes, its stamp: time and mode)."""
    out: dict[str, tuple[str, str]] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                digest = hashlib.sha256(archive.read(info)).hexdigest()
                out[info.filename] = (digest, f"{info.date_time} {info.external_attr >> 16:o}")
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            for tar_info in archive.getmembers():
                handle = archive.extractfile(tar_info)
                digest = hashlib.sha256(handle.read() if handle else b"").hexdigest()
                out[tar_info.name] = (digest, f"{tar_info.mtime} {tar_info.mode:o} {tar_info.uname}")
    else:
        out[path.name] = (hashlib.sha256(path.read_bytes()).hexdigest(), "")
    return out


def main(first: Path, second: Path) -> int:
    a, b = members(first), members(second)
    for name in sorted(a.keys() | b.keys()):
        if name not in a or name not in b:
            print(f"    only in {'the first' if name in a else 'the second'}: {name}")
        elif a[name][0] != b[name][0]:
            print(f"    bytes differ: {name}")
        elif a[name][1] != b[name][1]:
            print(f"    stamp differs: {name} ({a[name][1]} / {b[name][1]})")
    if list(a) != list(b) and a.keys() == b.keys():
        print("    the members are in a different order")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
