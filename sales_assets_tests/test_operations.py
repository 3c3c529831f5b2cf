"""End to end: the order-taking system writes, the sensor notices, runs rebuild those days.

A month is loaded; then the simulator adds today's orders and late changes, the source-change
sensor is ticked, and its run requests are executed as the daemon would launch them. Each run of
the daily job builds its days into every analytics table (the marts included), so nothing is left
for declarative automation, which only rebuilds views whose SQL changed; the marts then agree with
figures computed independently from the source.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from dagster import AssetKey, evaluate_automation_conditions, instance_for_test

from sales_assets.defs.operations.jobs import DAILY_JOB, FACT_SALES
from sales_assets.defs.transform.project import dbt_executable, dbt_project
from sales_assets.sandbox.simulator import simulate
from sales_assets.source.tables import ALL_TABLES
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.source_rows import connect, line_money, money
from sales_assets_tests.test_sensors import Ticks

NOW = datetime(2013, 2, 1, 9, 30, 0)
MARTS = {
    AssetKey(["analytics", name])
    for name in (
        "sales_performance",
        "sales_by_territory",
        "sales_by_state_province",
        "product_demand",
        "discount_impact",
    )
}


def daily_figures(source: Path, days: set[str]) -> dict[str, tuple[int, Decimal, Decimal]]:
    """(orders, SUM(LineTotal), SUM(TotalDue)) per order date, straight from the source."""
    conn = connect(source)
    figures: dict[str, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for order_date, total_due in conn.execute("select OrderDate, TotalDue from Sales.SalesOrderHeader"):
        if order_date[:10] in days:
            figures[order_date[:10]][0] += 1
            figures[order_date[:10]][2] += money(total_due)
    for order_date, line_total in conn.execute(
        "select h.OrderDate, d.LineTotal from Sales.SalesOrderDetail d "
        "join Sales.SalesOrderHeader h using (SalesOrderID)"
    ):
        if order_date[:10] in days:
            figures[order_date[:10]][1] += line_money(line_total)
    return {day: tuple(values) for day, values in figures.items()}


def test_source_changes_rebuild_their_partitions_with_the_marts(small_source: Path, tmp_path: Path) -> None:
    source = tmp_path / "live"
    shutil.copytree(small_source, source)
    with instance_for_test() as instance:
        settings = replace(make_settings(tmp_path / "p", source), partitions_end=date(2013, 2, 2))
        pipeline = Pipeline(settings, instance)
        pipeline.run("2013-01-01", "2013-02-01")  # history, and today's (still empty) partition
        automation = evaluate_automation_conditions(pipeline.defs, instance)
        assert automation.total_requested == 0  # the run built the views; their SQL has not changed

        ticks = Ticks(pipeline.defs, instance)
        ticks.tick()
        report = simulate(source, orders=12, changes=2, seed=21, now=NOW)
        result = ticks.tick()
        expected = set(report.order_dates_touched) | ({"2013-02-01"} if report.new_returns else set())
        assert set(ticks.partitions(result)) == expected

        daily_job = pipeline.defs.resolve_job_def(DAILY_JOB)
        for request in result.run_requests:
            run = daily_job.execute_in_process(
                instance=instance, partition_key=request.partition_key, tags=request.tags
            )
            assert run.success
            built = {event.asset_key for event in run.get_asset_materialization_events()}
            assert {FACT_SALES, *MARTS} <= built  # the run builds its days into the marts itself
            assert not {key for key in built if key.path[0] == "staging"}  # views are left alone

        again = evaluate_automation_conditions(pipeline.defs, instance, cursor=automation.cursor)
        assert again.total_requested == 0

    days = {day for day in expected if day <= "2013-02-01"}
    figures = daily_figures(source, days)
    rows = pipeline.query(
        "select cast(order_date as varchar), order_count, revenue, total_due from analytics.sales_performance "
        "where cast(order_date as varchar) in (" + ", ".join("?" * len(days)) + ")",
        sorted(days),
    )
    assert {day: (orders, revenue, due) for day, orders, revenue, due in rows} == figures
    assert figures["2013-02-01"][0] == len(report.new_orders)


def dbt_source_freshness(warehouse: Path, output: Path) -> dict[str, str]:
    """`dbt source freshness` on a warehouse: status per raw table."""
    env = {**os.environ, "SALES_WAREHOUSE_PATH": str(warehouse)}
    subprocess.run(
        [dbt_executable(), "source", "freshness", "--profiles-dir", ".", "--output", str(output)],
        cwd=dbt_project.project_dir,
        env=env,
        check=True,
        capture_output=True,
    )
    results = json.loads(output.read_text())["results"]
    return {result["unique_id"].rsplit(".", 1)[1]: result["status"] for result in results}


def test_dbt_source_freshness_reads_when_dlt_loaded_each_table(small_source: Path, pipeline_factory, tmp_path) -> None:
    pipeline = pipeline_factory(small_source)
    pipeline.run("2013-01-15", selection=[AssetKey(["raw", table.warehouse_name]) for table in ALL_TABLES])
    statuses = dbt_source_freshness(pipeline.settings.warehouse_path, tmp_path / "sources.json")
    assert statuses and set(statuses.values()) == {"pass"}
    assert "sales_order_header" in statuses and "sales_return" not in statuses  # optional: not watched
    # Every row carries its load: a stale load would show here as the tables age.
    assert pipeline.query("select count(distinct _dlt_load_id) from raw.sales_order_header") == [(1,)]
