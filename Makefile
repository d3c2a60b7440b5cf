# Tenant Voice. The two commands a newcomer needs:
#   make run    build the portal, load the demo data and serve it
#   make test   check formatting and lints, then run every test: unit,
#               integration (SQLite and PostgreSQL), end-to-end
# Each first installs what is missing (wasm target, cargo-leptos, wasm-bindgen
# CLI, npm packages, Chromium) and skips what is there.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# wasm-opt (for release builds) comes from the npm package binaryen.
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
# The CLI must equal the wasm-bindgen library in Cargo.lock exactly.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3; exit }' Cargo.lock)
BIN := target/release/tenant-voice
# Test databases are created (and dropped) on this server, one per test.
export TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: help run test build setup setup-build setup-browser test-rust test-e2e postgres lint

help:
	@echo "make run   build and serve the demo portal on its embedded SQLite database"
	@echo "make test  run the whole test suite (needs PostgreSQL, see README)"

run: build
	$(BIN) demo
	exec $(BIN) serve --demo

test: setup setup-browser lint test-rust build test-e2e
	@echo "All tests passed."

build: setup-build
	cargo leptos build --release --precompress

test-rust: postgres
	cargo test --workspace --locked

test-e2e: setup-browser
	cd end2end && npx playwright test

setup: setup-build setup-browser

setup-build:
	@if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then \
	  echo "Installing the wasm32 target"; rustup target add wasm32-unknown-unknown; fi
	@if ! cargo leptos --version 2>/dev/null | grep -q " $(CARGO_LEPTOS_VERSION)$$"; then \
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 20 minutes on 2 cores)"; \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked; fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$"; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then \
	  echo "Installing npm packages"; (cd end2end && npm ci --no-audit --no-fund); fi

setup-browser:
	@if ! command -v chromium >/dev/null; then \
	  echo "Installing Chromium"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else sudo apt-get update && sudo apt-get install -y chromium; fi; fi

# Start this machine's PostgreSQL if it is installed but stopped; the tests
# themselves fail with a clear message if it still cannot be reached.
postgres:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1; then \
	  echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start || true; fi

lint:
	@if ! cargo fmt --version >/dev/null 2>&1; then echo "Installing rustfmt"; rustup component add rustfmt; fi
	@if ! cargo clippy --version >/dev/null 2>&1; then echo "Installing clippy"; rustup component add clippy; fi
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
