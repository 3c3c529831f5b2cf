"""Real AdventureWorks has no Sales.SalesReturn: the pipeline runs, return metrics are NULL."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey


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
