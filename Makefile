# ggzy — two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
GGZY := $(VENV)/bin/ggzy
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= config.settings.local

# A real Python >= 3.12: python3.13, python3.12, python3 (version-checked), then pyenv.
find_python = $(shell for c in python3.13 python3.12 python3; do \
	  p=$$(command -v $$c 2>/dev/null) && $$p -c 'import sys; sys.exit(sys.version_info < (3,12))' 2>/dev/null && { echo $$p; exit 0; }; \
	done; \
	if command -v pyenv >/dev/null 2>&1; then for v in $$(pyenv versions --bare 2>/dev/null | sort -rV); do \
	  p=$$(PYENV_VERSION=$$v pyenv which python3 2>/dev/null) && $$p -c 'import sys; sys.exit(sys.version_info < (3,12))' 2>/dev/null && { echo $$p; exit 0; }; \
	done; fi)

.PHONY: help run test lint venv clean bench

help:
	@echo "make run   — set up .venv, migrate SQLite, load demo data once, serve http://127.0.0.1:$(PORT)"
	@echo "make test  — run the whole test suite (SQLite; DATABASE_URL=postgres://… for PostgreSQL)"
	@echo "make lint  — ruff, ruff format --check, mypy, import-linter, Django checks"

$(STAMP): pyproject.toml requirements.lock
	@PYBIN="$(find_python)"; \
	if [ -z "$$PYBIN" ]; then echo "错误: 需要 Python ≥ 3.12 (python3.13 / python3.12 / pyenv)。请先安装。" >&2; exit 1; fi; \
	echo "using $$PYBIN"; \
	[ -x $(PY) ] || $$PYBIN -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(GGZY) migrate --noinput
	$(GGZY) demo --profile seed-2021 --if-empty
	$(GGZY) serve --port $(PORT) --dev

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/mypy ggzy config
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(GGZY) check
	DJANGO_SETTINGS_MODULE=config.settings.test $(GGZY) makemigrations --check --dry-run

bench: $(STAMP)
	$(GGZY) bench

clean:
	rm -rf $(VENV) var/
