# Every target installs what it needs on a fresh clone; see README.md.
CARGO ?= cargo

.PHONY: all test test-rust lint fmt

all: test

## Every suite: formatting, lints, and the Rust tests (core + mock, over real TLS).
test: lint test-rust

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust:
	$(CARGO) test --workspace --locked

fmt:
	$(CARGO) fmt --all
