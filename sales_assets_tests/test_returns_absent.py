"""Real AdventureWorks has no Sales.SalesReturn: the pipeline runs, return metrics are NULL; a source
that gains the table later has its returns counted from the run that loads the first."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import AssetKey

from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.source.tables import SALES_RETURN
from sales_assets_tests.source_rows import connect


def test_missing_returns_table_gives_null_return_metrics(source_without_returns: Path, pipeline_factory) -> None:
    pipeline = pipeline_factory(source_without_returns)
    result = pipeline.run("2013-01-01", "2013-01-07")

    returns = [m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey(["raw", "sales_return"])]
    assert returns and all(m.materialization.metadata["source_table_present"].value is False for m in returns), (
        "the returns asset records that the source has no such table"
    )

    # Every dbt test ran once, as the asset check of the step that owns it, and passed.
    evaluations = result.get_asset_check_evaluations()
    assert {e.asset_check_key for e in evaluations} == set(pipeline.defs.resolve_asset_graph().asset_check_keys)
    assert len(evaluations) == len({e.asset_check_key for e in evaluations})
    assert [e.asset_check_key for e in evaluations if not e.passed] == []

    # Sales are still there...
    ((lines, units),) = pipeline.query("select count(*), sum(units_sold) from analytics.product_demand")
    assert lines > 0 and units > 0
    # ...but "unknown" is not "zero": every return metric is NULL.
    assert pipeline.query("select count(units_returned), count(return_rate) from analytics.product_demand") == [(0, 0)]
    assert pipeline.query("select count(units_returned), count(returned_value) from analytics.customer_analysis") == [
        (0, 0)
    ]
    # Lifetime value then equals revenue (nothing known to subtract).
    assert pipeline.query("select count(*) from analytics.customer_analysis where lifetime_value <> revenue") == [(0,)]
    assert pipeline.query("select count(*) from staging.stg_sales_returns") == [(0,)]


def test_a_returns_table_the_source_gains_later_reaches_every_table_in_the_run_that_loads_it(
    source_without_returns: Path, tmp_path: Path, pipeline_factory
) -> None:
    """The warehouse was built while the source had no returns table (the staging view is its empty
    stub). The source then gains one, with a return: the daily run for the return's day rebuilds the
    stub view and counts the return in every table, as a full build would."""
    source = tmp_path / "source"
    shutil.copytree(source_without_returns, source)
    pipeline = pipeline_factory(source)
    pipeline.run("2013-01-01", "2013-01-07")
    with connect(source) as conn:
        conn.execute(SALES_RETURN.ddl(schema=SALES_RETURN.schema))
        order_id, line_id, customer_id, product_id = conn.execute(
            "select d.SalesOrderID, d.SalesOrderDetailID, h.CustomerID, d.ProductID from Sales.SalesOrderDetail d "
            "join Sales.SalesOrderHeader h using (SalesOrderID) where h.OrderDate < '2013-01-04' "
            "order by 1, 2 limit 1"
        ).fetchone()
        conn.execute(
            "insert into Sales.SalesReturn values (1, ?, ?, ?, 1, 'Defective', ?)",
            (order_id, line_id, "2013-01-08 00:00:00", "2013-01-08 10:00:00"),
        )
    result = pipeline.run("2013-01-08", job=DAILY_JOB)

    rebuilt = {event.asset_key for event in result.get_asset_materialization_events()}
    assert AssetKey(["staging", "stg_sales_returns"]) in rebuilt
    assert pipeline.query("select count(*) from staging.stg_sales_returns") == [(1,)]
    assert pipeline.query(
        f"select units_returned from analytics.customer_analysis where customer_id = {customer_id}"
    ) == [(1,)]
    assert pipeline.query(f"select units_returned from analytics.product_demand where product_id = {product_id}") == [
        (1,)
    ]
    # Known for everyone from now on: 0 where nothing came back, not unknown.
    assert pipeline.query("select count(*) from analytics.customer_analysis where units_returned is null") == [(0,)]
