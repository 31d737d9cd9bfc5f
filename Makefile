# Two commands matter: `make demo` and `make test`. Both build .venv from pyproject.toml first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install demo test ui lint format bench crosscheck screenshot db-stop clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "synth_assets needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: configs/dagster.local.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp configs/dagster.local.yaml $@

demo: install
	$(BIN)/python -m synth_assets.demo

test: install
	$(BIN)/python -m pytest

ui: install
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

screenshot: install
	bash docs/screenshot.sh

crosscheck: install
	$(BIN)/python -m synth_assets.plaid.crosscheck

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	@if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 5432), timeout=2).close()' 2>/dev/null; then \
		export SYNTH_BENCH_DATABASE_URL=$${SYNTH_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/synth_bench_test}; \
	fi; cd benchmarks && ../$(BIN)/python run_all.py

db-stop: install
	@$(BIN)/python -c 'from synth_assets.load.embedded import stop; print("stopped the embedded PostgreSQL" if stop() else "no embedded PostgreSQL was running")'

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) .pytest_cache .ruff_cache *.egg-info
