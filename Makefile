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

.PHONY: install run test lint format worker beat clean bench load topology schemathesis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
