"""Schema drift in the source, done for real with ALTER TABLE on the SQLite files: a new column
lands in raw and breaks nothing; a column the models need dropped, renamed or turned into text
stops the load before it writes, naming table and column, and raw keeps what it had."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from dagster import DagsterEventType

from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets_tests.conftest import Pipeline, make_settings

FIRST, SECOND, THIRD = "2013-01-14", "2013-01-15", "2013-01-16"


def alter(source: Path, schema: str, *statements: str) -> None:
    conn = sqlite3.connect(source / f"{schema}.sqlite")
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def failure_text(result) -> str:
    """Every message in the failed steps' error chains."""
    texts = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error is not None:
                texts.append(error.message)
                error = error.cause
    return "\n".join(texts)


def test_new_columns_land_and_breaking_changes_stop_the_load_naming_table_and_column(
    small_source: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    shutil.copytree(small_source, source)
    pipeline = Pipeline(make_settings(tmp_path, source))
    pipeline.run(FIRST)

    # A new column: loaded into raw, and the day builds as any other.
    alter(source, "Sales", "alter table SalesOrderHeader add column LoyaltyTier NVARCHAR(10) default 'gold'")
    pipeline.run(SECOND, job=DAILY_JOB)
    tiers = pipeline.query(
        "select distinct loyalty_tier from raw.sales_order_header where cast(order_date as date) = ?", [SECOND]
    )
    assert tiers == [("gold",)]
    facts = pipeline.query("select count(*) from analytics.fact_sales where cast(order_date as date) = ?", [SECOND])
    assert facts[0][0] > 0

    def raw_state() -> list[tuple]:
        return pipeline.query(
            "select (select count(*) from raw.sales_order_header), (select count(*) from raw.sales_order_detail), "
            "(select sum(line_total) from raw.sales_order_detail)"
        )

    before = raw_state()
    breaking = {
        "renamed": (
            ["alter table SalesOrderDetail rename column UnitPriceDiscount to Discount"],
            "Sales.SalesOrderDetail",
            "column UnitPriceDiscount (NUMERIC(19,4) NOT NULL) is missing: dropped or renamed",
            ["alter table SalesOrderDetail rename column Discount to UnitPriceDiscount"],
        ),
        "text instead of money": (
            [
                "alter table SalesOrderHeader rename column TotalDue to TotalDueOld",
                "alter table SalesOrderHeader add column TotalDue NVARCHAR(30)",
                "update SalesOrderHeader set TotalDue = cast(TotalDueOld as text)",
                "alter table SalesOrderHeader drop column TotalDueOld",
            ],
            "Sales.SalesOrderHeader",
            "column TotalDue changed type: the contract has NUMERIC(19,4) NOT NULL (decimal), "
            "the source has NVARCHAR(30) (text)",
            [
                "alter table SalesOrderHeader rename column TotalDue to TotalDueText",
                "alter table SalesOrderHeader add column TotalDue NUMERIC(19,4)",
                "update SalesOrderHeader set TotalDue = cast(TotalDueText as real)",
                "alter table SalesOrderHeader drop column TotalDueText",
            ],
        ),
        "dropped": (
            ["alter table SalesOrderDetail drop column UnitPrice"],
            "Sales.SalesOrderDetail",
            "column UnitPrice (NUMERIC(19,4) NOT NULL) is missing: dropped or renamed",
            None,
        ),
    }
    for case, (change, table, problem, undo) in breaking.items():
        alter(source, "Sales", *change)
        failed = pipeline.run(THIRD, job=DAILY_JOB, expect_success=False)
        text = failure_text(failed)
        assert f"{table} no longer matches the source contract" in text and problem in text, (case, text)
        assert "The load stopped before writing anything" in text, case
        assert raw_state() == before, case  # nothing of the day written, nothing lost
        if undo:
            alter(source, "Sales", *undo)
