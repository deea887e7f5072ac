# soai — the two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev lint i18n bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "soai needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Initialise the Cambodia demo on SQLite in ./.soai and serve http://127.0.0.1:8000
run: install
	$(BIN)/soai demo
	$(BIN)/soai serve --host $(HOST) --port $(PORT)

## Install everything (PostgreSQL and Chromium too, when root) and run the whole suite
test: install-dev
	scripts/provision-test-deps
	scripts/run-tests

lint: install-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

## Speed and memory against the named baselines (see docs/performance.md); takes minutes
bench: install-dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench_ledger.py
	$(BIN)/python benchmarks/bench_credentials.py --bulk 500250
	$(BIN)/python benchmarks/bench_classify.py
	$(BIN)/python benchmarks/bench_registry_import.py
	$(BIN)/python benchmarks/bench_fairness.py
	$(BIN)/python benchmarks/bench_aiverify.py
	$(BIN)/python benchmarks/bench_council.py
	$(BIN)/python benchmarks/bench_council_qc.py
	$(BIN)/python benchmarks/bench_academy_grading.py
	$(BIN)/python benchmarks/bench_academy_autosave.py
	$(BIN)/python benchmarks/bench_giveaway.py
	$(BIN)/python benchmarks/bench_giveaway_store.py
	$(BIN)/python benchmarks/bench_incidents_load.py

## Re-extract translatable strings into the catalogs (then translate the new Khmer entries)
i18n: install-dev
	$(BIN)/python scripts/i18n_catalogs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
