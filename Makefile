# fupin — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/fupin
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 2017

.PHONY: demo test test-sqlite test-postgres install migrate serve lint format bench messages clean

$(BIN)/.installed: pyproject.toml requirements.lock
	@PY=$$(scripts/find-python.sh) || exit 1; \
	  if [ ! -x $(BIN)/python ]; then echo "Creating $(VENV) with $$PY"; $$PY -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

## Browser assets (Apache ECharts) pinned in package-lock.json, served from our static files.
## npm ci runs again only when node_modules is missing or package-lock.json is newer.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install the chart library (apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

install: $(BIN)/.installed node_modules/.package-lock.json

migrate: install
	$(BIN)/fupin migrate --no-input

## Build the demo county (once; `make demo RESET=1` rebuilds it) and serve it.
## The demo runs with DEBUG on and a demo secret key (never in production: there DEBUG is
## off and the server refuses to start without FUPIN_SECRET_KEY).
demo: export FUPIN_DEBUG = 1
demo: export FUPIN_SECRET_KEY ?= demo-only-insecure-key-not-for-production
demo: migrate
	$(BIN)/fupin demo --seed $(SEED) $(if $(RESET),--reset,)
	$(BIN)/fupin collectstatic --no-input --verbosity 0
	@$(BIN)/fupin demo --logins
	@echo "Serving on http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	@$(BIN)/fupin worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/fupin runserver $(HOST):$(PORT)

serve: export FUPIN_DEBUG = 1
serve: export FUPIN_SECRET_KEY ?= demo-only-insecure-key-not-for-production
serve: migrate
	$(BIN)/fupin runserver $(HOST):$(PORT)

## The whole suite, on SQLite and on PostgreSQL. The PostgreSQL half fails loudly
## when no server answers at $(PG_URL).
test: install lint
	@scripts/ensure-browser.sh
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -q -n 2 $(ARGS)

test-postgres: install
	@echo "== tests on PostgreSQL ($(PG_URL)) =="
	@$(BIN)/python scripts/check-postgres.py "$(PG_URL)"
	DATABASE_URL=$(PG_URL) FUPIN_TEST_DB_NAME=test_fupin_$$$$ $(BIN)/pytest -q -n 2 $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	FUPIN_DEBUG=1 $(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: export FUPIN_DEBUG = 1
bench: export FUPIN_SECRET_KEY ?= demo-only-insecure-key-not-for-production
bench: install
	$(BIN)/python bench/registry.py

## Regenerate translation catalogues after changing user-facing text: the project's
## catalogue (fupin/locale) for the older apps, and one per app that has its own locale/.
## A test fails while any entry is untranslated or fuzzy.
APP_CATALOGUES := $(patsubst fupin/%/locale,%,$(wildcard fupin/*/locale))
messages: install
	cd fupin && ../$(BIN)/fupin makemessages -l zh_Hans --no-obsolete \
	  $(foreach a,$(APP_CATALOGUES),--ignore='$(a)/*')
	for a in $(APP_CATALOGUES); do \
	  (cd fupin/$$a && env -u DJANGO_SETTINGS_MODULE ../../$(BIN)/django-admin makemessages \
	    -l zh_Hans --no-obsolete) || exit 1; done
	cd fupin && ../$(BIN)/fupin compilemessages

clean:
	rm -rf $(VENV) var
