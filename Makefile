# Every target installs what it needs on a fresh clone; see README.md.
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
PY := $(abspath $(VENV))/bin/python
# One interpreter for cargo and maturin, so pyo3 is not rebuilt when switching between them.
export PYO3_PYTHON := $(PY)

PY_TOOLS := maturin==1.16.0 pytest==9.2.0 pytest-asyncio==1.5.0 pytest-timeout==2.4.0 mypy==2.4.1

.PHONY: all test test-rust test-python lint fmt python-dev

all: test

## Every suite: formatting, lints, the Rust tests, and the Python tests.
test: lint test-rust test-python

$(VENV)/.installed:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	touch $@

lint: $(VENV)/.installed
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: $(VENV)/.installed
	$(CARGO) test --workspace --locked

## Builds the extension into the venv (debug build, editable install).
python-dev: $(VENV)/.installed
	$(VENV)/bin/maturin develop --locked --quiet

test-python: python-dev
	$(PY) -m pytest -q tests/python
	$(PY) -m mypy --strict tests/python/typing_check.py

fmt:
	$(CARGO) fmt --all
