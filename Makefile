# The hub's two commands: `make run` (embedded default) and `make test`
# (PostgreSQL and Redis). See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HUB_PORT ?= 8000
PROVINCE_SIMULATOR_PORT ?= 8001

TEST_ENV := HUB_ENV=test \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hub} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/1} \
	HUB_VAR_DIR=$(CURDIR)/var/test

.PHONY: install sysdeps services run test check lint format bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# System packages the tests need (CJK font for charts, Chromium for the browser
# test, docker-compose to validate the compose file, gettext for messages).
sysdeps:
	@bash scripts/sysdeps.sh

# Start PostgreSQL and Redis when installed but down.
services:
	@bash scripts/services.sh

run: install
	@bash scripts/run.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install sysdeps services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

check: test

bench: install services
	$(TEST_ENV) LOG_LEVEL=WARNING $(BIN)/python -m tests.bench

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var $(VENV)
