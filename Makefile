# The two commands of the README's Quick start, and a few for maintainers.
# Each installs what it needs into .venv from the hashed lock file first.

# bash, for its `time` keyword in lint.
SHELL := /bin/bash

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint lock messages install npm bench

$(STAMP): requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

install: $(STAMP)

## axe-core for the browser tests' accessibility checks, exactly as package-lock.json pins it
## (needs npm). Without it those checks skip with the reason. npm keeps the tarball in its cache.
NPM_STAMP := node_modules/.package-lock.json
$(NPM_STAMP): package.json package-lock.json
	npm ci --prefer-offline --no-audit --no-fund
	touch $@

npm: $(NPM_STAMP)

## The portal, embedded (SQLite, eager Celery, console e-mail) with demo data, on :8000.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## The whole test suite. PostgreSQL, Redis and Chromium tests skip with a reason when absent,
## and fail instead with REQUIRE_SERVICES=1 (as .ci/run sets).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## Lint, format and types. mypy keeps its incremental cache in .mypy_cache; its time is printed.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	time $(PY) -m mypy

## Every benchmark in bench/ but the soak, and one table of figures against their goals; logs in
## var/bench/. Needs PostgreSQL, Redis, wrk, Chromium and Lighthouse (npm ci --prefix bench).
## BENCH_ARGS=--quick for smaller runs; BENCH_ARGS="--only public_pages" for some of them.
bench: $(STAMP)
	$(PY) bench/all.py $(BENCH_ARGS)

## Re-pin the lock files from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements/base.txt
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements/dev.txt

## Extract and compile translations (needs GNU gettext).
messages: $(STAMP)
	$(PY) manage.py makemessages --locale id --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'
