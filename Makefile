# CareBridge developer and CI targets (GNU make). `make help` lists them.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

MAKEFLAGS += --no-print-directory

# pytest exits 5 when it collected no tests; that is a failure here, never a silent pass.
define run_pytest
	rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests ($(1))" >&2; fi; \
	exit $$rc
endef

.PHONY: help venv demo test test-sqlite test-postgres lint bench-quick migrate clean

help:
	@echo "make venv         create $(VENV) and install carebridge[dev] (again when pyproject.toml changes)"
	@echo "make demo         run the embedded demo on PORT=$(PORT)"
	@echo "make test         lint, tests on SQLite, tests on PostgreSQL (PG_TEST_URL), quick benchmarks"
	@echo "make lint         ruff, ruff format --check, mypy, import contracts, schema.graphql check"
	@echo "make bench-quick  every bench/*.py with --quick"
	@echo "make migrate      upgrade the configured database (CAREBRIDGE_DATABASE_URL) to head"
	@echo "make clean        remove caches and build artifacts (keeps $(VENV) and var/)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $@

demo: venv
	$(BIN)/carebridge demo --port $(PORT)

test: venv
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) bench-quick

test-sqlite: venv
	@echo "== pytest on SQLite (temporary file) =="
	unset CAREBRIDGE_TEST_DATABASE_URL; $(call run_pytest,SQLite)

test-postgres: venv
	@echo "== pytest on PostgreSQL ($(PG_TEST_URL)) =="
	export CAREBRIDGE_TEST_DATABASE_URL='$(PG_TEST_URL)'; $(call run_pytest,PostgreSQL)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/carebridge export-schema --check

bench-quick: venv
	@shopt -s nullglob; found=0; \
	for script in bench/*.py; do \
		case "$$(basename "$$script")" in _*) continue ;; esac; \
		found=1; echo "== $$script --quick =="; \
		PYTHONPATH="$$PWD" $(BIN)/python "$$script" --quick; \
	done; \
	if [ $$found -eq 0 ]; then echo "no benchmarks in bench/"; fi

migrate: venv
	$(BIN)/carebridge migrate

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
