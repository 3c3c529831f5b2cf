"""SALES_TARGET=snowflake, for real: dbt, the Dagster assets and the Python checks against fakesnow.

fakesnow serves the Snowflake protocol on 127.0.0.1; snowflake.connector (through dagster-snowflake's
SnowflakeResource) and dbt-snowflake connect to it as to an account. dlt's snowflake destination
cannot load there (it stages files with PUT and COPY INTO), so the raw tables are seeded with what
dlt loaded into the DuckDB run of the same source, column names folded to upper case as dlt's
Snowflake naming leaves them; dlt's Snowflake configuration is tested without loading.

Then the same two partitions and the same incremental rerun go through both warehouses, and every
analytics table, the row counts and the checks' results must agree.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetKey, EnvVar

from sales_assets.core.settings import SettingsError, load_settings
from sales_assets.core.snowflake_warehouse import SnowflakeWarehouse
from sales_assets.core.warehouses import Warehouse, build_warehouse, open_warehouse
from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import FACT_SALES
from sales_assets.defs.quality import anomalies, integrity, reconciliation
from sales_assets.source import tables as t
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.fakesnow_account import ACCOUNT as SNOWFLAKE_USER_ACCOUNT
from sales_assets_tests.fakesnow_account import copy_schema, emulator_settings, fakesnow_account

# A Saturday and a Sunday: the week they end is complete, so the weekly forecast has a week to fit.
FIRST, SECOND = "2013-01-12", "2013-01-13"
WINDOW = (datetime(2013, 1, 12), datetime(2013, 1, 14))
# fakesnow breaks views in a database named like one of its schemas: not `analytics`.
DATABASE = "sales_ci"
ACCOUNT = {**SNOWFLAKE_USER_ACCOUNT, "SNOWFLAKE_DATABASE": DATABASE}
MARTS = [
    "customer_analysis",
    "discount_impact",
    "product_demand",
    "sales_by_state_province",
    "sales_by_territory",
    "sales_performance",
    # What to do next: dbt models and the Python assets, which write through the warehouse resource.
    "customer_cohorts",
    "product_affinity",
    "customer_recommendations",
    "recommendation_backtest",
    "demand_forecast",
    "forecast_accuracy",
    "inventory_cover",
]
ANALYTICS = ["fact_sales", *MARTS]


def transforms(defs) -> list[AssetKey]:
    """Every dbt model: staging, intermediate and analytics (raw is loaded, or seeded, separately)."""
    graph = defs.resolve_asset_graph()
    return sorted(
        key for key in graph.materializable_asset_keys if key.path[0] in ("staging", "intermediate", "analytics")
    )


def tables(defs) -> list[AssetKey]:
    """The dbt tables: what a day's run builds (views are left alone)."""
    graph = defs.resolve_asset_graph()
    return [key for key in transforms(defs) if key.path[0] != "staging" and graph.get(key).partitions_def]


def run_both_windows(pipeline: Pipeline, selection: list[AssetKey]) -> list:
    """Two partitions in one run, then the first again (every table's incremental rerun)."""
    first = pipeline.run(FIRST, SECOND, selection=selection)
    rerun = pipeline.run(FIRST, selection=tables(pipeline.defs))
    assert FACT_SALES in tables(pipeline.defs)
    return [first, rerun]


@pytest.fixture(scope="module", autouse=True)
def pairs_from_two_days() -> Iterator[None]:
    """Two days hold no pair of products on five orders: affinity counts every pair here, so the
    affinity and recommendation SQL is compared on real rows."""
    os.environ["SALES_AFFINITY_MIN_ORDERS"] = "1"
    yield
    del os.environ["SALES_AFFINITY_MIN_ORDERS"]


@pytest.fixture(scope="module")
def duckdb_pipeline(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pipeline = Pipeline(make_settings(tmp_path_factory.mktemp("duckdb"), small_source))
    raw = [AssetKey(["raw", table.warehouse_name]) for table in t.ALL_TABLES]
    pipeline.results = run_both_windows(pipeline, [*raw, *transforms(pipeline.defs)])
    return pipeline


@pytest.fixture(scope="module")
def fakesnow_env() -> Iterator[dict[str, str]]:
    with fakesnow_account(DATABASE) as env:
        yield env


@pytest.fixture(scope="module")
def snowflake_pipeline(
    fakesnow_env: dict[str, str],
    duckdb_pipeline: Pipeline,
    small_source: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Pipeline:
    settings = emulator_settings(tmp_path_factory.mktemp("snowflake"), small_source)
    pipeline = Pipeline(settings)
    with open_warehouse(settings) as warehouse:
        warehouse.query(f"create database if not exists {DATABASE}")
        warehouse.query("create schema if not exists raw")
    copy_schema(duckdb_pipeline.settings.warehouse_path, "raw", DATABASE)
    pipeline.results = run_both_windows(pipeline, transforms(pipeline.defs))
    return pipeline


@contextmanager
def both_warehouses(duckdb_pipeline: Pipeline, snowflake_pipeline: Pipeline) -> Iterator[tuple[Warehouse, Warehouse]]:
    with open_warehouse(duckdb_pipeline.settings) as duck, open_warehouse(snowflake_pipeline.settings) as snow:
        yield duck, snow


def table_rows(warehouse: Warehouse, name: str) -> list[tuple]:
    """All rows of analytics.<name>, comparable across engines.

    Dates and timestamps are rendered in SQL, to the second (fakesnow's server returns a NULL
    timestamp as 1970-01-01); numbers come back as Decimal or float and are compared as values.
    """
    columns = warehouse.query(
        "select lower(column_name), lower(data_type) from information_schema.columns "
        "where lower(table_schema) = 'analytics' and lower(table_name) = ? order by ordinal_position",
        [name],
    )
    assert columns, f"analytics.{name} has no columns"
    rendered = [
        f"cast(cast({column} as date) as varchar) || ' ' || cast(extract(hour from {column}) * 3600 "
        f"+ extract(minute from {column}) * 60 + extract(second from {column}) as varchar)"
        if "timestamp" in kind
        else f"cast({column} as varchar)"
        if kind == "date"
        else column
        for column, kind in columns
    ]
    rows = warehouse.query(f"select {', '.join(rendered)} from analytics.{name}")
    return sorted((tuple(_value(v) for v in row) for row in rows), key=repr)


def _value(value: object) -> object:
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return round(Decimal(value), 6).normalize()
    return value


def test_missing_snowflake_settings_are_named_when_definitions_load() -> None:
    env = {**ACCOUNT, "SALES_TARGET": "snowflake"}
    del env["SNOWFLAKE_WAREHOUSE"], env["SNOWFLAKE_PASSWORD"]
    with pytest.raises(SettingsError) as error:
        load_settings(env)
    assert "SNOWFLAKE_WAREHOUSE" in str(error.value) and "SNOWFLAKE_PASSWORD" in str(error.value)
    assert "SNOWFLAKE_ACCOUNT" not in str(error.value)
    with pytest.raises(SettingsError, match="SALES_TARGET='bigquery'"):
        load_settings({"SALES_TARGET": "bigquery"})
    with pytest.raises(SettingsError, match="SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_PATH"):
        load_settings({**ACCOUNT, "SALES_TARGET": "snowflake", "SNOWFLAKE_PRIVATE_KEY_PATH": "/keys/rsa_key.p8"})
    with pytest.raises(SettingsError, match="SALES_DBT_TARGET='duckdb' does not match SALES_TARGET='snowflake'"):
        load_settings({**ACCOUNT, "SALES_TARGET": "snowflake", "SALES_DBT_TARGET": "duckdb"})
    # The source's command line needs no warehouse: an incomplete Snowflake account does not stop it.
    assert load_settings(env, warehouse=False).snowflake is None


def test_definitions_name_snowflake_and_keep_secrets_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {**ACCOUNT, "SALES_TARGET": "snowflake"}.items():
        monkeypatch.setenv(name, value)
    settings = replace(load_settings(os.environ), data_dir=tmp_path)
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    for key in (AssetKey(["raw", "sales_order_header"]), AssetKey(["analytics", "fact_sales"])):
        kinds = graph.get(key).kinds
        assert "snowflake" in kinds and "duckdb" not in kinds, (key, kinds)
    warehouse = defs.resources["warehouse"]
    assert isinstance(warehouse, SnowflakeWarehouse)
    # The password reaches Dagster as an EnvVar: the UI shows the variable's name, never its value.
    assert isinstance(warehouse.snowflake.password, EnvVar)
    assert "not-a-secret" not in repr(warehouse)


def test_dlt_snowflake_destination_is_configured_without_loading(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name, value in {**ACCOUNT, "SALES_TARGET": "snowflake", "SNOWFLAKE_HOST": "acme.privatelink.example"}.items():
        monkeypatch.setenv(name, value)
    settings = replace(load_settings(os.environ), data_dir=tmp_path)
    with open_warehouse(settings) as warehouse:
        pipeline = warehouse.dlt_pipeline("sales_orders")
        credentials = warehouse.dlt_destination().config_params["credentials"]
    assert pipeline.destination.destination_name == "snowflake"
    assert pipeline.dataset_name == "raw"
    params = credentials.to_connector_params()
    assert params["password"] == "not-a-secret", "resolved from SNOWFLAKE_PASSWORD in a run"
    assert params["account"] == "fakesnow" and params["database"] == DATABASE
    assert params["user"] == "ci" and params["warehouse"] == "compute_wh" and params["role"] == "transformer"
    assert params["host"] == "acme.privatelink.example" and params["timezone"] == "UTC"
    assert "not-a-secret" not in str(credentials), "dlt must not render the password"
    # dlt formats the query tag with str.format for each statement (a tag with plain JSON braces
    # made every load fail with KeyError before its first statement).
    tag = pipeline.destination.config_params["query_tag"]
    rendered = tag.format(pipeline_name="sales_orders", resource="header", table="sales_order_header", load_id="1.5")
    assert json.loads(rendered) == {
        "app": "sales_assets",
        "pipeline_name": "sales_orders",
        "resource": "header",
        "table": "sales_order_header",
        "load_id": "1.5",
    }


# Headline figures, shown side by side (`pytest -s`) and compared: the same SQL on both warehouses.
# Sums cast to one type, so both engines print them alike.
EXACT = "decimal(38, 4)"
FIGURES = {
    "fact_sales lines": "select count(*) from analytics.fact_sales",
    "orders": "select count(distinct sales_order_id) from analytics.fact_sales",
    "revenue (sum subtotal)": f"select cast(sum(subtotal) as {EXACT}) from analytics.fact_sales",
    "total due": f"select cast(sum(total_due) as {EXACT}) from analytics.fact_sales",
    "discount given": f"select cast(sum(discount_amount) as {EXACT}) from analytics.fact_sales",
    "top customer by revenue": "select max(revenue) from analytics.customer_analysis",
    "customers by segment": "select count(distinct customer_segment) from analytics.customer_analysis",
    "territories with sales": "select count(*) from analytics.sales_by_territory where order_count > 0",
    "top product revenue": "select max(revenue) from analytics.product_demand",
    "customers": "select count(*) from analytics.customer_analysis",
    "offer x discount-band rows": "select count(*) from analytics.discount_impact",
    "days in sales_performance": "select count(*) from analytics.sales_performance",
}


def test_same_analytics_on_snowflake_as_on_duckdb(duckdb_pipeline: Pipeline, snowflake_pipeline: Pipeline) -> None:
    with both_warehouses(duckdb_pipeline, snowflake_pipeline) as (duck, snow):
        compare_analytics(duck, snow)


def compare_analytics(duck: Warehouse, snow: Warehouse) -> None:
    print(f"\n{'figure':<28} {'DuckDB':>16} {'Snowflake (fakesnow)':>22}")
    for label, sql in FIGURES.items():
        (on_duckdb,), (on_snowflake,) = duck.query(sql)[0], snow.query(sql)[0]
        print(f"{label:<28} {on_duckdb!s:>16} {on_snowflake!s:>22}")
        assert _value(on_snowflake) == _value(on_duckdb), label
    for name in ANALYTICS:
        expected, actual = table_rows(duck, name), table_rows(snow, name)
        assert expected, f"analytics.{name} is empty on DuckDB: the comparison would prove nothing"
        assert actual == expected, f"analytics.{name} differs between DuckDB and Snowflake"
    days = snow.query(
        "select cast(order_date as date), count(*), count(distinct sales_order_id) "
        "from analytics.fact_sales group by 1 order by 1"
    )
    assert [str(day) for day, *_ in days] == [FIRST, SECOND], "both partitions, each once after the rerun"


def test_row_counts_and_checks_agree(duckdb_pipeline: Pipeline, snowflake_pipeline: Pipeline) -> None:
    def row_counts(pipeline: Pipeline) -> dict[AssetKey, int]:
        counts = {}
        for result in pipeline.results:
            for event in result.get_asset_materialization_events():
                materialization = event.step_materialization_data.materialization
                if "dagster/row_count" in materialization.metadata:
                    counts[materialization.asset_key] = materialization.metadata["dagster/row_count"].value
        return counts

    snow_counts = row_counts(snowflake_pipeline)
    assert set(snow_counts) >= {AssetKey(["analytics", name]) for name in ANALYTICS}
    assert snow_counts == {key: n for key, n in row_counts(duckdb_pipeline).items() if key in snow_counts}

    # The checks that ran in the Snowflake runs (fact_sales' own) passed, as on DuckDB.
    evaluations = [e for r in snowflake_pipeline.results for e in r.get_asset_check_evaluations()]
    assert {e.check_name for e in evaluations} >= {"allocations_sum_to_header", "daily_revenue_in_trailing_range"}
    assert all(e.passed for e in evaluations), [e.metadata for e in evaluations if not e.passed]

    # Every Python check, evaluated on each warehouse over the same window, reports the same.
    source = duckdb_pipeline.defs.resources["source"]
    with both_warehouses(duckdb_pipeline, snowflake_pipeline) as (duck, snow):
        compare_checks(source, duck, snow)


def compare_checks(source, duck: Warehouse, snow: Warehouse) -> None:
    for evaluate in (
        reconciliation.matches_source,
        reconciliation.order_totals_add_up,
        integrity.customers_exist,
        integrity.order_dates_valid,
        integrity.products_and_offers_exist,
        integrity.line_values_in_range,
        reconciliation.allocations_sum_to_header,
        anomalies.daily_revenue_in_trailing_range,
    ):
        on_duckdb, on_snowflake = evaluate(WINDOW, source, duck), evaluate(WINDOW, source, snow)
        assert on_duckdb.passed, (evaluate.__name__, on_duckdb.metadata["summary"])
        assert on_snowflake.passed == on_duckdb.passed
        assert on_snowflake.metadata == on_duckdb.metadata, evaluate.__name__


def test_key_pair_auth_passes_only_variable_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {**ACCOUNT, "SALES_TARGET": "snowflake", "SNOWFLAKE_PRIVATE_KEY_PATH": str(tmp_path / "rsa_key.p8")}
    env["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"] = "also-secret"
    del env["SNOWFLAKE_PASSWORD"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNOWFLAKE_PASSWORD", raising=False)
    resource = build_warehouse(replace(load_settings(os.environ), data_dir=tmp_path)).snowflake
    assert resource.password is None
    assert isinstance(resource.private_key_path, EnvVar) and isinstance(resource.private_key_password, EnvVar)
    assert "also-secret" not in repr(resource)
