# Every target installs what it needs on a fresh clone; see README.md.
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
PY := $(abspath $(VENV))/bin/python
# One interpreter for cargo and maturin, so pyo3 is not rebuilt when switching between them.
export PYO3_PYTHON := $(PY)

# OpenTelemetry is only ever a test and bench dependency (1.41: the last for Python 3.9).
OTEL_TOOLS := opentelemetry-api==1.41.1 opentelemetry-sdk==1.41.1
# The web frameworks are for the webhook receiver tests only (FastAPI 0.141: the later ones need
# opentelemetry-api >= 1.44; httpx2 is what Starlette's test client asks for).
WEB_TOOLS := fastapi==0.141.1 starlette==1.10.0 httpx2==2.16.2 flask==3.1.3 django==5.2.19
# Validates the bills of materials against the CycloneDX schema and the SPDX licence list.
SBOM_TOOLS := 'cyclonedx-python-lib[json-validation]==11.12.0'
PY_TOOLS := maturin==1.16.0 pytest==9.2.0 pytest-asyncio==1.5.0 pytest-timeout==2.4.0 mypy==2.4.1 hypothesis==6.170.17 \
    $(SBOM_TOOLS) \
    $(WEB_TOOLS) $(OTEL_TOOLS)

NODE ?= node
NPM ?= npm
# Where node/native.js looks for the addon on this machine (e.g. node/argos-addon.linux-x64-gnu.node).
NODE_ADDON = node/$(shell $(NODE) node/native.js)

.PHONY: all test test-rust test-python test-node lint fmt surface check-surface vet vet-advisories sbom cargo-deny python-dev node-addon hostile dist dist-python dist-node check-dist check-reproducible demo demo-python demo-node demo-rust bench

all: test

## Every suite: formatting, lints, the dependency policy, the Rust tests, the Python tests, the
## Node tests, and each fuzz target for 20 s.
test: lint vet test-rust test-python test-node fuzz-ci

# Again whenever the Makefile (so a pin) changes.
$(VENV)/.installed: Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	touch $@

lint: $(VENV)/.installed check-surface
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## The mirrors of the core's declared surface (CONTRIBUTING.md): `surface` rewrites them,
## `check-surface` fails naming each one that disagrees with the declaration.
surface:
	$(CARGO) run -q -p xtask --locked -- surface

check-surface:
	$(CARGO) run -q -p xtask --locked -- surface --check

## The dependency policy (deny.toml: licences, banned crates, duplicate versions, sources) and the
## bills of materials' agreement with Cargo.lock. cargo-deny comes from crates.io when missing.
CARGO_DENY_VERSION := 0.20.2
cargo-deny:
	@case "$$($(CARGO) deny --version 2>/dev/null)" in \
	    *" $(CARGO_DENY_VERSION)") ;; \
	    *) $(CARGO) install cargo-deny --version $(CARGO_DENY_VERSION) --locked ;; \
	esac

vet: cargo-deny
	$(CARGO) deny --locked check bans licenses sources
	$(CARGO) run -q -p xtask --locked -- sbom --check

## Known vulnerabilities: needs the RustSec database from GitHub, so run it where the network
## allows (these build machines reach only the package registries).
vet-advisories: cargo-deny
	$(CARGO) deny --locked check advisories

## sbom/*.cdx.json, the bills of materials packed into the wheel and the npm package: rewritten
## from Cargo.lock; `make vet` fails while they disagree with it.
sbom:
	$(CARGO) run -q -p xtask --locked -- sbom

## redis-server and redis-cli (Debian's redis-server package) for the fleet budget's tests, which
## start their own servers on free loopback ports; does nothing when both are on PATH.
.PHONY: redis-tools
redis-tools:
	scripts/install-redis.sh

test-rust: $(VENV)/.installed redis-tools
	$(CARGO) test --workspace --locked

## Builds the extension into the venv (debug build, editable install).
python-dev: $(VENV)/.installed
	$(VENV)/bin/maturin develop --locked --quiet

## The misbehaving server of the transport-safety matrix (tests/hostile), for pytest and node --test.
HOSTILE := $(abspath target/debug/argos-hostile)
export ARGOS_HOSTILE_BIN := $(HOSTILE)
hostile:
	$(CARGO) build -p argos-addon-hostile --locked

## The Rust member of the mixed fleets of tests/python/test_fleet.py (core/examples/fleet_worker.rs).
.PHONY: fleet-worker
export ARGOS_FLEET_WORKER := $(abspath target/debug/examples/fleet_worker)
fleet-worker:
	$(CARGO) build -p argos-addon --example fleet_worker --locked

test-python: python-dev hostile redis-tools node-addon node_modules/.installed fleet-worker
	$(PY) -m pytest -q tests/python
	$(PY) -m mypy --strict python/argos_addon tests/python examples/quickstart.py examples/shared_budget.py

fmt:
	$(CARGO) fmt --all

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

## Builds the addon (debug, reusing cargo's artefacts: napi's CLI would build everything again for
## its explicit --target) where node/native.js looks for it; a new file, so a process that has the
## old one loaded is unaffected.
node-addon:
	$(CARGO) build -p argos-addon-node --locked
	rm -f $(NODE_ADDON)
	cp target/debug/libargos_addon_node.so $(NODE_ADDON)

## node --test over tests/node, which also runs tsc --strict on the typings.
test-node: node-addon hostile node_modules/.installed redis-tools
	$(NODE) --test tests/node/

## dist/: the manylinux2014 abi3 wheel (built with zig), the sdist, and the npm tarball, each
## with its bill of materials beside it (<artefact>.cdx.json; the same file is inside).
dist: dist-python dist-node

# Release builds are reproducible (make check-reproducible): every archive is stamped with the
# last commit's time, and the native code holds no absolute path of this checkout or of the cargo
# home. Only the release builds get these flags, so the debug builds of the tests keep their cache.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif
CARGO_HOME ?= $(HOME)/.cargo
RELEASE_RUSTFLAGS := --remap-path-prefix=$(CURDIR)=/argos-addon --remap-path-prefix=$(abspath $(CARGO_HOME))=/cargo

$(VENV)/.dist-tools: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check ziglang==0.17.1 auditwheel==6.8.2
	touch $@

dist-python: $(VENV)/.dist-tools vet
	rm -f dist/argos_addon-*
	# maturin finds zig through the venv's `python -m ziglang`, so the venv goes first on PATH.
	PATH="$(abspath $(VENV))/bin:$$PATH" RUSTFLAGS="$(RELEASE_RUSTFLAGS)" $(VENV)/bin/maturin build --release --locked --zig --compatibility manylinux2014 --out dist
	$(VENV)/bin/maturin sdist --out dist
	$(VENV)/bin/auditwheel show dist/argos_addon-*.whl
	for f in dist/argos_addon-*.whl; do cp sbom/argos-addon-python.cdx.json "$$f.cdx.json"; done

## dist/argos-addon-<version>.tgz, holding the release addon for this platform.
dist-node: node_modules/.installed vet
	RUSTFLAGS="$(RELEASE_RUSTFLAGS)" node_modules/.bin/napi build --platform --release -p argos-addon-node --no-js -o node -- --locked
	mkdir -p dist
	rm -f dist/argos-addon-*.tgz*
	$(NPM) pack --pack-destination dist
	for f in dist/argos-addon-*.tgz; do cp sbom/argos-addon-node.cdx.json "$$f.cdx.json"; done

## Installs dist/ into a fresh venv and an empty npm folder, and runs the quickstarts there.
check-dist: dist
	PYTHON=$(PYTHON) scripts/check-dist.sh

## Builds dist/ twice, in two fresh clones of HEAD in different folders, and compares the
## SHA-256 of every artefact (about 15 minutes: two cold release builds).
check-reproducible:
	PYTHON=$(PYTHON) scripts/check-reproducible.sh

## The whole API on the embedded mock, in Python, Node and Rust.
demo: demo-python demo-node demo-rust demo-budget
demo-python: python-dev
	$(PY) examples/quickstart.py
## Two processes share one key's budget (rate and daily quota) through a throwaway redis-server.
.PHONY: demo-budget
demo-budget: python-dev redis-tools
	$(PY) examples/shared_budget.py
demo-node: node-addon node_modules/.installed
	$(NODE) examples/quickstart.mjs
demo-rust:
	$(CARGO) run --quiet --locked -p argos-addon --example quickstart

## Benchmarks against httpx, aiohttp, requests, undici, fetch and axios; writes bench/RESULTS.md.
BENCH_VENV := .venv-bench
bench: dist redis-tools
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check httpx==0.28.1 aiohttp==3.14.5 requests==2.34.2 $(OTEL_TOOLS)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps dist/argos_addon-*.whl
	cd bench/node && $(NPM) ci --no-audit --no-fund --loglevel=error && $(NPM) install --no-save --no-audit --no-fund ../../dist/argos-addon-*.tgz
	RUSTFLAGS="$(RELEASE_RUSTFLAGS)" $(CARGO) build --release --locked -p argos-addon --example bench --example fleet_worker -p argos-addon-mock --bin argos-mock
	$(PYTHON) bench/run.py

## Every fuzz target (fuzz/) for FUZZ_SECONDS each, one after another; needs the nightly toolchain
## and installs cargo-fuzz when missing. Fails on any crash; writes fuzz/RESULTS.md.
.PHONY: fuzz fuzz-ci
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

## What `make test` (so CI) runs: every target briefly, so that a parser's regression shows there.
fuzz-ci:
	FUZZ_SECONDS=20 FUZZ_RESULTS=fuzz/logs/RESULTS-ci.md scripts/fuzz.sh
