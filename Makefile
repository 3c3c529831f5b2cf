# Everything a fresh machine needs: python3.11, pip and make. Each target creates the virtualenv
# and installs the pinned dependencies on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs -prune -o -type f \( -name '*.sql' -o -name '*.yml' \) -print)

# `make` honours a .env file (see .env.example) as well as the environment.
ifneq (,$(wildcard .env))
include .env
export
endif
export DAGSTER_HOME ?= $(CURDIR)/data/dagster
# The same warehouse path when dbt parses here and when Dagster runs it, so runs can reuse the
# partial parse (dbt re-parses everything when its profile renders differently).
export SALES_WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
# A backfill records one event per partition per asset: hand them to storage in batches (Dagster's
# own switch; see README, "Backfills"). `make run` also plans each asset's range as one event.
export DAGSTER_EVENT_BATCH_SIZE ?= 1000

.PHONY: install dlt-info run dev dashboard chromium test reliability regimes load bench ui-timing lint format source simulate freshness clean

install: $(STAMP) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml

$(STAMP): pyproject.toml setup.py requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	touch $@

# The dbt manifest is built here, at install time, so loading definitions never runs dbt parse;
# again when a dbt file changes or SALES_TARGET names another warehouse (relation names differ).
SALES_TARGET ?= duckdb
PARSED_FOR := dbt_project/target/.parsed-for-$(SALES_TARGET)
$(MANIFEST): $(STAMP) $(DBT_FILES) $(PARSED_FOR)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

$(PARSED_FOR):
	mkdir -p dbt_project/target
	rm -f dbt_project/target/.parsed-for-*
	touch $@

$(DAGSTER_HOME)/dagster.yaml: sales_assets/instance/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp sales_assets/instance/dagster.yaml $@

## Generate the embedded source (skipped by `make run` when it already exists).
source: install
	$(BIN)/python -m sales_assets.sandbox generate

## Play the order-taking application: today's orders and late changes (see README, "Operations").
simulate: install
	$(BIN)/python -m sales_assets.sandbox simulate

## dbt's source freshness: when dlt last loaded each raw table.
freshness: install
	cd dbt_project && ../$(BIN)/dbt source freshness --profiles-dir .

## What dlt knows of its loads, per pipeline: state, the last run's trace (steps, rows per table,
## package status) and pending packages. (dlt's web dashboard, `dlt pipeline ... show`, needs
## dlt[hub] and marimo, which the pinned stack leaves out.)
dlt-info: install
	@for pipeline in sales_orders sales_reference; do \
		$(BIN)/dlt pipeline --pipelines-dir $${SALES_DATA_DIR:-data}/dlt $$pipeline info && \
		$(BIN)/dlt pipeline --pipelines-dir $${SALES_DATA_DIR:-data}/dlt $$pipeline trace || exit 1; done

## Materialize every asset for every partition on the configured setup, in one run.
run: install
	$(BIN)/python -m sales_assets.run

## The Dagster UI on http://127.0.0.1:3000 (set DAGSTER_PORT to change the port): `dg dev` finds the
## project by pyproject.toml ([tool.dg]); VIRTUAL_ENV tells it the project's venv is the one in use.
dev: install
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg dev --host 127.0.0.1 --port $${DAGSTER_PORT:-3000}

## The sales dashboard on http://127.0.0.1:8501 (set DASHBOARD_PORT to change the port), read-only
## (how it is served: sales_assets/dashboard/__main__.py).
dashboard: install
	$(BIN)/python -m sales_assets.dashboard

## Debian's chromium for the dashboard's browser test (Playwright drives it; it never downloads a
## browser). Best effort: without root or apt the test is skipped and says why.
chromium:
	@command -v chromium >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: the dashboard's browser test will be skipped"; }

## Two workers, one test module each (module fixtures stay in one process); most time is dbt.
test: install chromium
	$(BIN)/python -m pytest -n 2 --dist loadfile

## The slow reliability scenarios (README, "Reliability"): kills at every stage, `dagster dev` killed
## and restarted, readers while `make run` writes, Snowflake lost mid-run, secrets, the load test,
## long edit storms. One at a time, so the timings hold (~30 min).
reliability: install chromium
	$(BIN)/python -m pytest -m reliability

## The forecast and the recommender on every generator regime, three years each, against their
## baselines out of sample (README, "Predictions"; ~25 min). The table alone:
## python -m sales_assets.measure.regimes
regimes: install
	$(BIN)/python -m pytest -m regimes

## The dashboard and the Dagster UI under concurrent users while a run writes, on this setup
## (after `make run`): python -m sales_assets.measure.loadtest --help for the options.
load: install
	$(BIN)/python -m sales_assets.measure.loadtest

## What a day costs as history and volume grow (scale 1 and 10, in a temporary directory; ~30 min).
bench: install
	$(BIN)/python -m sales_assets.measure.benchmark

## How long the Dagster UI takes to show asset statuses, against a running `make dev` (after `make run`).
ui-timing: install chromium
	$(BIN)/python -m sales_assets.measure.ui_status --url http://127.0.0.1:$${DAGSTER_PORT:-3000}

lint: install
	$(BIN)/ruff check sales_assets sales_assets_tests
	$(BIN)/ruff format --check sales_assets sales_assets_tests

format: install
	$(BIN)/ruff check --fix sales_assets sales_assets_tests
	$(BIN)/ruff format sales_assets sales_assets_tests

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
