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
# The bill of materials: inside the wheel (PEP 770), beside it, and the one `make vet` checks.
unzip -p "$wheel" '*.dist-info/sboms/argos-addon-python.cdx.json' | cmp - "$root/sbom/argos-addon-python.cdx.json"
cmp "$wheel.cdx.json" "$root/sbom/argos-addon-python.cdx.json"
# Nothing but the package itself was installed (pip is the venv's own).
installed=$("$work/venv/bin/pip" list --format=freeze --disable-pip-version-check --exclude pip --exclude setuptools)
[[ "$installed" == "argos-addon==$(basename "$wheel" | cut -d- -f2)" ]] || { echo "the wheel pulled in: $installed"; exit 1; }

echo "== npm: $(basename "$tarball")"
mkdir "$work/app"
cp "$root/examples/quickstart.mjs" "$work/app/"
(cd "$work/app" && npm init --yes > /dev/null && npm install --offline --no-audit --no-fund "$tarball" > /dev/null)
(cd "$work/app" && cp ../selfie.jpg ../other_face.jpg . && node quickstart.mjs | tee node.out)
grep -q "approved" "$work/app/node.out"
tar -xzOf "$tarball" package/sbom/argos-addon-node.cdx.json | cmp - "$root/sbom/argos-addon-node.cdx.json"
cmp "$tarball.cdx.json" "$root/sbom/argos-addon-node.cdx.json"
modules=$(ls "$work/app/node_modules")
[[ "$modules" == "argos-addon" ]] || { echo "the tarball pulled in: $modules"; exit 1; }
echo "check-dist: the wheel and the tarball install and run"
