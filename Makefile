# Two commands matter: `make demo` and `make test`. Both build .venv from pyproject.toml first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install install-dev demo test ui lint format bench crosscheck screenshot db-stop clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "synth_assets needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What a seeding run needs (make demo); pip shows its progress (a first install takes minutes).
$(RUNTIME): pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install -e .
	@touch $(RUNTIME)

# Everything: the UI, Celery, dg and the test tools.
$(DEV): pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(RUNTIME) $(DEV)

install: $(RUNTIME) $(DAGSTER_HOME)/dagster.yaml

install-dev: $(DEV) $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: configs/dagster.local.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp configs/dagster.local.yaml $@

demo: install
	$(BIN)/python -m synth_assets.demo

test: install-dev
	$(BIN)/python -m pytest

ui: install-dev
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

screenshot: install-dev
	bash docs/screenshot.sh

crosscheck: install-dev
	$(BIN)/python -m synth_assets.plaid.crosscheck

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev
	@if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 5432), timeout=2).close()' 2>/dev/null; then \
		export SYNTH_BENCH_DATABASE_URL=$${SYNTH_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/synth_bench_test}; \
	fi; cd benchmarks && ../$(BIN)/python run_all.py

db-stop: install
	@$(BIN)/python -c 'from synth_assets.load.embedded import stop; print("stopped the embedded PostgreSQL" if stop() else "no embedded PostgreSQL was running")'

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) .pytest_cache .ruff_cache *.egg-info
