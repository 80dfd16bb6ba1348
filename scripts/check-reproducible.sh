#!/usr/bin/env bash
# Builds `make dist` twice, in two fresh clones of HEAD that sit in different folders (different
# names, different depths), each with its own venv, node_modules and cargo target folder, and
# compares the SHA-256 of every artefact. Exits non-zero when any differs, naming the members of
# the archives that differ. Uncommitted changes are not part of the check: commit first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/argos-reproducible.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]]; then
    echo "check-reproducible: uncommitted changes are left out; this checks HEAD $(git -C "$root" rev-parse --short HEAD)"
fi

clones=("$work/one/argos-addon" "$work/second-build/deeper/checkout")
for clone in "${clones[@]}"; do
    mkdir -p "$(dirname "$clone")"
    git clone --quiet "$root" "$clone"
    echo "== $(date -u +%FT%TZ) make dist in $clone"
    # A make of its own: nothing of the calling make's variables (SOURCE_DATE_EPOCH among them).
    (cd "$clone" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u SOURCE_DATE_EPOCH -u RUSTFLAGS \
        make --no-print-directory dist PYTHON="$python" > "$work/$(basename "$clone").log" 2>&1) || {
        tail -40 "$work/$(basename "$clone").log"
        exit 1
    }
done

echo "== SHA-256 of each artefact"
status=0
for first in "${clones[0]}"/dist/*; do
    name=$(basename "$first")
    second="${clones[1]}/dist/$name"
    a=$(sha256sum "$first" | cut -d' ' -f1)
    b=$(sha256sum "$second" 2>/dev/null | cut -d' ' -f1 || true)
    if [[ "$a" == "$b" ]]; then
        echo "identical  $a  $name"
    else
        echo "DIFFERENT  $a / ${b:-missing}  $name"
        "$python" "$root/scripts/archive_diff.py" "$first" "$second" || true
        status=1
    fi
done
if [[ $(ls "${clones[0]}/dist" | wc -l) -ne $(ls "${clones[1]}/dist" | wc -l) ]]; then
    echo "the two builds wrote different sets of files"
    status=1
fi
if [[ $status -eq 0 ]]; then
    echo "check-reproducible: both builds of $(git -C "$root" rev-parse --short HEAD) are byte for byte the same"
fi
exit $status
