# ESS Portal — the two commands of the README, and a few more for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Development-only values; production sets its own environment (see README).
DEV_ENV := DEBUG=1
TEST_ENV := SECRET_KEY=insecure-test-key-not-for-production
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto

.PHONY: install run test lint format schema-check sdk-check bench backup restore soak clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# Front-end tools from package.json (axe-core for the browser tests), when npm is there.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): $(wildcard package.json package-lock.json)
	@if [ -f package.json ] && command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the browser tests will be skipped"; fi

# The French catalogue (plural rule only, see `manage.py french_plurals`), compiled by gettext's msgfmt.
MO := locale/fr/LC_MESSAGES/django.mo
$(MO): locale/fr/LC_MESSAGES/django.po $(STAMP)
	$(DEV_ENV) $(PY) manage.py compilemessages --locale fr --ignore '.venv/*' --ignore 'node_modules/*' -v 0

install: $(STAMP) $(NODE_STAMP) $(MO)

## make run: migrate the SQLite database, load reference and demo data, serve http://127.0.0.1:8000
run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## make test: run the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: install
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make soak: reads and writes against gunicorn on PostgreSQL, PostgreSQL restarted once (bench/soak-results.json); e.g. SOAK_ARGS="--duration 30 --no-restart"
soak: $(STAMP)
	$(PY) bench/soak.py $(SOAK_ARGS)

## make bench: the portal at scale on PostgreSQL against a raw-SQL baseline (bench/results.json, docs/performance.md);
## BENCH_ACTORS (250000), BENCH_SIZES (e.g. 100000,250000), BENCH_ROUNDS (3), BENCH_DURATION (10 s), BENCH_SMALL=1 for CI
export BENCH_ACTORS BENCH_SIZES BENCH_ROUNDS BENCH_DURATION BENCH_SMALL BENCH_OUTPUT BENCH_SKIP
bench: $(STAMP)
	$(PY) bench/bench.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make schema-check: generate the API's OpenAPI schema, then check it with drf-spectacular, openapi-spec-validator and Spectral
SCHEMA_FILE ?= /tmp/ess-portal-api.yaml
schema-check: install
	$(TEST_ENV) $(PY) manage.py spectacular --file $(SCHEMA_FILE) --validate --fail-on-warn
	$(VENV)/bin/openapi-spec-validator $(SCHEMA_FILE)
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity warn $(SCHEMA_FILE)

## make sdk-check: generate the Python client with openapi-generator (Java 17+) and use it against a live server
sdk-check: install
	$(TEST_ENV) $(PY) -m pytest -n 0 -m sdk tests/sdk $(PYTEST_ARGS)

## make backup: write the database of DATABASE_URL to one file in backups/ (or BACKUP_DIR) and print its path
BACKUP_DIR ?= backups
backup: $(STAMP)
	$(PY) manage.py backup "$(BACKUP_DIR)"

## make restore FILE=…: load a backup into the database of DATABASE_URL (FORCE=1 replaces the data it holds)
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "Usage : make restore FILE=backups/ess-portal-….jsonl.gz [FORCE=1]" >&2; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

clean:
	rm -rf $(VENV) staticfiles
