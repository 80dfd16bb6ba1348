#!/usr/bin/env bash
# Installs the artefacts of `make dist` where a user would (a fresh venv, an empty npm folder),
# away from the source tree, and runs the quickstarts from there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wheel=$(ls "$root"/dist/argos_addon-*.whl)
tarball=$(ls "$root"/dist/argos-addon-*.tgz)
cp "$root"/examples/selfie.jpg "$root"/examples/other_face.jpg "$work"/

echo "== wheel: $(basename "$wheel")"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
cp "$root/examples/quickstart.py" "$work/"
(cd "$work" && "$work/venv/bin/python" -I quickstart.py | tee python.out)
grep -q "submit same face   -> approved" "$work/python.out"
grep -q "wrong key          -> AuthenticationError" "$work/python.out"
"$work/venv/bin/argos-addon" --help > /dev/null

echo "== npm: $(basename "$tarball")"
mkdir "$work/app"
cp "$root/examples/quickstart.mjs" "$work/app/"
(cd "$work/app" && npm init --yes > /dev/null && npm install --offline --no-audit --no-fund "$tarball" > /dev/null)
(cd "$work/app" && cp ../selfie.jpg ../other_face.jpg . && node quickstart.mjs | tee node.out)
grep -q "approved" "$work/app/node.out"
echo "check-dist: the wheel and the tarball install and run"
