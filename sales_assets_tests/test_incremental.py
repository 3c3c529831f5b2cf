"""Incremental all the way up: day-by-day runs give exactly what one full build gives.

One warehouse is built the way production builds it: the history in one run, then the daily job
one day at a time, then late changes to old orders (the simulator) rebuilt by rerunning just the
days they touched, and the weekly and daily looking-ahead assets refreshed as their automation
does. Another is built from the final source in one full run. Every table and view of
`intermediate` and `analytics` must hold the same rows in both, value for value. The reference
tables load only what changed: an edited person travels to customer_analysis in a day's run that
loads that one row.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from sales_assets.jobs import DAILY_JOB
from sales_assets.sensors import day_ranges
from sales_assets.source.simulator import simulate
from sales_assets.source.tables import PERSON, REFERENCE_TABLES
from sales_assets_tests.conftest import END, START, Pipeline, make_settings
from sales_assets_tests.source_rows import connect

HISTORY_END = date(2013, 1, 28)  # the history run covers START .. 2013-01-27, then one run a day
LATE = datetime(2013, 1, 31, 16, 0, 0)  # the simulator's "now": today's orders and late changes
# Unpartitioned tables outside the daily job, refreshed on their own cadence (sales_assets/automation.py).
LOOKING_AHEAD = [
    AssetKey(["analytics", name])
    for name in (
        "product_affinity",
        "customer_recommendations",
        "recommendation_backtest",
        "demand_forecast",
        "forecast_accuracy",
        "inventory_cover",
    )
]


def days(first: date, end: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((end - first).days)]


def relations(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'analytics') order by 1, 2"
            ).fetchall()
        ]


def differences(left: Path, right: Path) -> dict[str, tuple[int, int, int]]:
    """Per relation: (rows, rows only in left, rows only in right), for relations that differ."""
    conn = duckdb.connect()
    conn.execute(f"attach '{left}' as l (read_only)")
    conn.execute(f"attach '{right}' as r (read_only)")
    found = {}
    for relation in relations(left):
        rows = conn.execute(f"select count(*) from l.{relation}").fetchone()[0]
        only_left = conn.execute(f"select count(*) from (from l.{relation} except all from r.{relation})").fetchone()[0]
        only_right = conn.execute(f"select count(*) from (from r.{relation} except all from l.{relation})").fetchone()[
            0
        ]
        if only_left or only_right or not rows:
            found[relation] = (rows, only_left, only_right)
    conn.close()
    return found


@pytest.fixture(scope="module")
def built(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("incremental")
    source = root / "source"
    shutil.copytree(small_source, source)
    daily = Pipeline(make_settings(root / "daily", source))

    daily.run(START.isoformat(), (HISTORY_END - timedelta(days=1)).isoformat())
    day_runs = [daily.run(day, job=DAILY_JOB) for day in days(HISTORY_END, END)]

    report = simulate(source, orders=15, changes=4, seed=5, now=LATE)
    touched = sorted(set(report.order_dates_touched) | {LATE.date().isoformat()})
    # As the source-change sensor requests them: consecutive days share a run.
    rerun_ranges = day_ranges([date.fromisoformat(day) for day in touched])
    for first, last in rerun_ranges:
        daily.run(first.isoformat(), last.isoformat(), job=DAILY_JOB)
    daily.run((END - timedelta(days=1)).isoformat(), selection=LOOKING_AHEAD)

    full = Pipeline(make_settings(root / "full", source))
    full.run(START.isoformat(), (END - timedelta(days=1)).isoformat())
    return {"daily": daily, "full": full, "day_runs": day_runs, "report": report, "touched": touched}


def test_day_by_day_runs_and_late_changes_equal_one_full_build(built: dict[str, object]) -> None:
    daily, full = built["daily"], built["full"]
    report, touched = built["report"], built["touched"]
    # The scenario is not vacuous: late changes reached days before the daily runs began.
    assert report.new_orders and report.changed_orders and report.new_returns
    assert any(day < HISTORY_END.isoformat() for day in touched), touched

    tables = relations(daily.settings.warehouse_path)
    assert {"analytics.fact_sales", "analytics.customer_analysis", "intermediate.int_customer_totals"} <= set(tables)
    assert len(tables) == 23 and tables == relations(full.settings.warehouse_path)
    assert differences(daily.settings.warehouse_path, full.settings.warehouse_path) == {}


def test_a_days_run_builds_every_table_for_that_day_and_recreates_no_view(built: dict[str, object]) -> None:
    daily: Pipeline = built["daily"]
    result = built["day_runs"][0]
    built_keys = {event.asset_key for event in result.get_asset_materialization_events()}
    tables = {key for key in built_keys if key.path[0] in ("intermediate", "analytics")}
    assert len(tables) == 15 and AssetKey(["analytics", "customer_analysis"]) not in tables
    assert not tables & set(LOOKING_AHEAD)  # refreshed on their own cadence, not by the daily job
    assert not any(key.path[0] == "staging" for key in built_keys)
    partitions = {event.partition for event in result.get_asset_materialization_events() if event.partition}
    assert partitions == {HISTORY_END.isoformat()}  # the reference tables are not partitioned
    # One dbt invocation for every table of the day.
    steps = {stat.step_key for stat in daily.instance.get_run_step_stats(result.run_id)}
    assert {step for step in steps if step.startswith("dbt")} == {"dbt_partitioned"}


def test_reference_changes_load_alone_and_reach_the_marts(built: dict[str, object]) -> None:
    daily: Pipeline = built["daily"]
    source = daily.settings.source_dir
    (customer_id, person_id), *_ = daily.query(
        "select c.customer_id, c.person_id from analytics.customer_analysis a join raw.customer c using (customer_id) "
        "where a.customer_type = 'individual' order by a.revenue desc limit 1"
    )
    conn = connect(source)
    totals = {
        table.warehouse_name: conn.execute(f"select count(*) from {table.qualified_name}").fetchone()[0]
        for table in REFERENCE_TABLES
    }
    with sqlite3.connect(source / "Person.sqlite") as person:
        person.execute(
            "update Person set FirstName = 'Renamed', LastName = 'Customer', ModifiedDate = ? "
            "where BusinessEntityID = ?",
            ("2013-02-01 08:00:00", person_id),
        )
    result = daily.run("2013-01-31", job=DAILY_JOB)
    loaded = {
        event.asset_key.path[-1]: event.materialization.metadata["rows_loaded"].value
        for event in result.get_asset_materialization_events()
        if event.asset_key.path[0] == "raw" and event.partition is None
    }
    # What changed since the last load, and nothing else: not the tables, not the rows re-read
    # at the cursor (they are dropped as seen before).
    assert loaded == {table.warehouse_name: int(table is PERSON) for table in REFERENCE_TABLES}
    (name,) = daily.query("select customer_name from analytics.customer_analysis where customer_id = ?", [customer_id])[
        0
    ]
    assert name == "Renamed Customer"
    counts = daily.query("select count(*), count(distinct business_entity_id) from raw.person")[0]
    assert counts == (totals["person"], totals["person"])  # merged on the key, not appended
