# Viva — quick start: `make run`, then open http://127.0.0.1:8000. `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: install
	$(BIN)/viva migrate
	$(BIN)/viva serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q -ra

bench: install
	$(BIN)/viva bench --json --out docs/bench-latest.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
