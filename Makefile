# Filón: every target sets up what it needs, from PyPI and npm only.
#   make demo   start a local chain and run Filón's main job
#   make test   set up and pass every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOLC_VERSION := 0.8.30

# Everything the toolchain writes stays inside the project.
DATA := $(CURDIR)/.filon
export APE_DATA_FOLDER := $(DATA)/ape
export SOLCX_BINARY_PATH := $(DATA)/solcx
# ape-foundry looks for anvil on PATH: .filon/bin/anvil links the native binary npm ships for this platform.
BIN := $(DATA)/bin
export PATH := $(CURDIR)/$(VENV)/bin:$(BIN):$(PATH)

PY_STAMP := $(VENV)/.filon-installed
NODE_STAMP := node_modules/.filon-installed
SOLC := $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)
SOLC_STAMP := $(SOLCX_BINARY_PATH)/.installed-$(SOLC_VERSION)

.PHONY: help setup system-deps demo test bench lint compile artifacts lock clean

help:
	@echo "make demo    start a local Anvil, play a supply chain from mines to a jeweller, show a buyer's view"
	@echo "make test    set up and run every test"
	@echo "make bench   gas, throughput, lookup, intake, contributions, intake report, store and explorer benchmarks -> bench/results.json, bench/RESULTS.md, docs/networks.md"
	@echo "make lint    ruff and mypy"
	@echo "make system-deps  Debian's chromium and postgresql for the browser and PostgreSQL tests (as root)"
	@echo "make lock    re-pin the Python dependencies into constraints.txt"

setup: $(PY_STAMP) $(NODE_STAMP) $(SOLC_STAMP)

# The virtualenv, from the exact pins in constraints.txt; redone only when they change.
$(PY_STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# npm packages from package-lock.json; install scripts are skipped so that nothing is downloaded
# outside the registry (anvil's binary comes in its platform package).
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(BIN)
	ln -sf "$$(ls -d $(CURDIR)/node_modules/@foundry-rs/anvil-*/bin/anvil | head -n 1)" $(BIN)/anvil
	$(BIN)/anvil --version > /dev/null
	touch $@

# The project's solc-js wrapper stands in for a native solc; py-solc-x and ape-solidity find it here.
$(SOLC_STAMP): tools/solc.cjs $(NODE_STAMP)
	mkdir -p $(SOLCX_BINARY_PATH)
	ln -sf $(CURDIR)/tools/solc.cjs $(SOLC)
	$(SOLC) --version | grep -q "Version: $(SOLC_VERSION)"
	touch $@

compile: setup
	ape compile

# Refresh the ABIs and bytecode the Python package ships (tests fail while they differ from a fresh compile).
artifacts: setup
	ape compile --force
	$(PY) tools/export_artifacts.py

# The browser and PostgreSQL tests drive Debian's chromium and start throwaway postgresql clusters
# (tests/servers.py); apt is the only way to get them here, and it needs root. Without them those tests are
# skipped, and under CI=true this fails instead: CI must run them.
system-deps:
	bash tools/system-deps.sh

# The whole suite on Ape's in-process EVM and real Anvil nodes, then the contract tests marked `anvil`
# again through Ape's Anvil provider (the real RPC path). One test process per core (pytest-xdist), each test
# module whole in one process (its module-scoped chains and servers are built once); the contracts are
# compiled first so that the processes read one finished build. TEST_PROCESSES=1 runs it in one process.
TEST_PROCESSES ?= auto
test: setup system-deps lint compile
	$(PY) -m pytest -q -n $(TEST_PROCESSES) --dist loadfile tests --network ethereum:local:test
	$(PY) -m pytest -q -m anvil tests/contracts --network ethereum:local:foundry

bench: setup
	$(PY) bench/gas.py
	$(PY) bench/throughput.py
	$(PY) bench/throughput.py --block-time 0.25 --lots 50
	$(PY) bench/lookup.py
	$(PY) bench/store.py
	$(PY) bench/explorer.py
	$(PY) bench/intake.py
	$(PY) bench/contributions.py
	$(PY) bench/intake_report.py
	$(PY) bench/report.py
	$(PY) bench/networks.py

# No ruff cache: how an import is classified depends on files its cache does not track.
lint: setup
	ruff check --no-cache src tests scripts bench tools
	ruff format --no-cache --check src tests scripts bench tools
	mypy

demo: setup
	$(PY) scripts/demo.py

lock: $(PY_STAMP)
	$(PY) -m pip freeze --exclude-editable --exclude pip > constraints.txt.new
	{ echo "# Exact versions of every Python package Filón's dev environment uses. Regenerate: make lock"; cat constraints.txt.new; } > constraints.txt
	rm constraints.txt.new

clean:
	rm -rf $(VENV) node_modules .build .filon contracts/.cache build dist src/*.egg-info
