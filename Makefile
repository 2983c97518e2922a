# cxalign: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
# Parallel test processes (pytest-xdist); 0 runs in one process.
TEST_WORKERS ?= 2

# Benchmarks (PostgreSQL from DATABASE_URL; each script uses scratch databases of its own).
SCALE ?= 0.02
BENCH_ARGS ?=
USERS ?= 50
DURATION ?= 60
LOAD_ARGS ?=

# Mutation testing (mutation/run.py): MUTATE_ARGS="roi/calculations.py" runs one module.
MUTATE_ARGS ?=

.PHONY: install run test lint typecheck format worker beat clean bench load topology mutate vendor vendor-check schemathesis messages

# Front-end libraries: pinned in package.json/package-lock.json, installed from the npm registry,
# and copied (committed) where the pages load them, so that `make run` needs Python alone.
# Each line: <file in node_modules> <committed copy>. axe-core serves the browser tests only.
VENDOR_FILES := \
	htmx.org/dist/htmx.min.js static/vendor/htmx.min.js \
	htmx.org/LICENSE static/vendor/htmx-LICENSE \
	tom-select/dist/js/tom-select.complete.min.js static/vendor/tom-select.complete.min.js \
	tom-select/dist/js/tom-select.complete.min.js.map static/vendor/tom-select.complete.min.js.map \
	tom-select/dist/css/tom-select.min.css static/vendor/tom-select.min.css \
	tom-select/dist/css/tom-select.min.css.map static/vendor/tom-select.min.css.map \
	tom-select/LICENSE static/vendor/tom-select-LICENSE \
	chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js \
	chart.js/dist/chart.umd.min.js.map static/vendor/chart.umd.min.js.map \
	chart.js/LICENSE.md static/vendor/chart.js-LICENSE.md \
	axe-core/axe.min.js tests/browser/vendor/axe.min.js \
	axe-core/LICENSE tests/browser/vendor/axe-core-LICENSE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,embeddings]'
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Interface translations (docs/i18n.md): extract the marked strings into locale/<lang>/LC_MESSAGES/
# django.po, then compile the .mo files that are committed (`make run` needs no gettext).
LANGS ?= de fr es
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench \
	--ignore=mutation --ignore=mutants --ignore=staticfiles --ignore=var --ignore=static/vendor
messages: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages $(addprefix -l ,$(LANGS)) --no-obsolete --no-location \
		$(MESSAGES_IGNORE)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py compilemessages $(addprefix -l ,$(LANGS)) --ignore=.venv

# Mutants of the money, status, permission and routing rules, each module against the tests
# that pin it; prints the score per module and every survivor. Not part of `make test`.
mutate: install
	$(BIN)/python -m mutation.run $(MUTATE_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with the Django and DRF plugins over the apps (pyproject.toml [tool.mypy]); the cache in
# .mypy_cache keeps a warm run to seconds.
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One local worker serves both queues (docker-compose.yml gives re-routes a worker of their own).
worker: install
	$(BIN)/celery -A cxalign worker -Q celery,reroute --loglevel=INFO

beat: install
	$(BIN)/celery -A cxalign beat --loglevel=INFO

# The figures of issue 13 at SCALE (1 = the enterprise size); `BENCH_ARGS=--keep` reuses the data.
bench: install
	$(BIN)/python bench/run.py --scale $(SCALE) $(BENCH_ARGS)

# Locust, headless: USERS concurrent users for DURATION seconds; fails if any request errored.
load: install
	$(BIN)/python bench/load.py --users $(USERS) --duration $(DURATION) $(LOAD_ARGS)

# The live API (gunicorn, DEBUG off, PostgreSQL from DATABASE_URL) checked against its own
# schema by schemathesis: examples, fuzzing and stateful phases; any failure fails the target.
SCHEMATHESIS_ARGS ?=
schemathesis: install
	$(BIN)/python bench/contract.py $(SCHEMATHESIS_ARGS)

# docker-compose.yml's services as processes here, and a smoke journey through them.
topology: install
	$(BIN)/python bench/topology.py

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

# Copy the locked packages' files into static/vendor/ (commit the result).
vendor: node_modules/.package-lock.json
	@set -- $(VENDOR_FILES); while [ $$# -gt 0 ]; do \
	  mkdir -p "$$(dirname "$$2")"; cp "node_modules/$$1" "$$2"; echo "$$2 <- $$1"; shift 2; done

# Fail when a committed copy differs from the file of the version the lock pins (CI runs it).
vendor-check: node_modules/.package-lock.json
	@npm ls --depth=0 >/dev/null
	@set -- $(VENDOR_FILES); status=0; while [ $$# -gt 0 ]; do \
	  if [ "$$(sha256sum < "node_modules/$$1")" != "$$(sha256sum < "$$2" 2>/dev/null)" ]; then \
	    echo "$$2 differs from node_modules/$$1: run make vendor" >&2; status=1; fi; shift 2; done; \
	  exit $$status
	@echo "vendored files match package-lock.json"

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache mutants tests/oidc/node_modules
