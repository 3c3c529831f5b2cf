"""A day whose source lost a line heals on its next run; a source that is itself inconsistent fails
the day's run, naming the table, the order and the day, until it is put right.

Before raw replaced its window, dlt's merge on the primary key never deleted: a line removed from
an order (its header's totals fixed, as AdventureWorks' trigger fixes them) stayed in raw, and the
day's blocking checks failed on every rerun, for ever.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey

from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.source_rows import connect, line_money, money

DAY = "2013-01-08"
HEADER = AssetKey(["raw", "sales_order_header"])


@pytest.fixture(scope="module")
def built(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wedged")
    shutil.copytree(small_source, root / "source")
    Pipeline(make_settings(root / "warehouse", root / "source")).run("2013-01-01", "2013-01-10")
    return root


@pytest.fixture
def pipeline(built: Path, tmp_path: Path) -> Pipeline:
    shutil.copytree(built, tmp_path / "copy")
    return Pipeline(make_settings(tmp_path / "copy" / "warehouse", tmp_path / "copy" / "source"))


def an_order_with_lines(pipeline: Pipeline, lines: int) -> int:
    with connect(pipeline.settings.source_dir) as conn:
        ((order_id,),) = conn.execute(
            "select SalesOrderID from Sales.SalesOrderDetail where SalesOrderID in "
            "(select SalesOrderID from Sales.SalesOrderHeader where OrderDate = ?) "
            "group by 1 having count(*) >= ? order by 1 limit 1",
            (f"{DAY} 00:00:00", lines),
        ).fetchall()
    return order_id


def remove_last_line(pipeline: Pipeline, order_id: int, fix_header: bool) -> None:
    """Delete the order's last line; with `fix_header`, its SubTotal and TotalDue follow (as
    AdventureWorks' SalesOrderDetail trigger recomputes SubTotal on a delete)."""
    with connect(pipeline.settings.source_dir) as conn:
        conn.execute(
            "delete from Sales.SalesOrderDetail where SalesOrderID = ? and SalesOrderDetailID = "
            "(select max(SalesOrderDetailID) from Sales.SalesOrderDetail where SalesOrderID = ?)",
            (order_id, order_id),
        )
        if fix_header:
            fix_totals(conn, order_id)


def fix_totals(conn, order_id: int) -> None:
    lines = conn.execute("select LineTotal from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,))
    subtotal = sum((line_money(value) for (value,) in lines), Decimal(0)).quantize(Decimal("0.0001"))
    tax, freight = (money(value) for value in conn.execute(
        "select TaxAmt, Freight from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
    ).fetchone())  # fmt: skip
    conn.execute(
        "update Sales.SalesOrderHeader set SubTotal = ?, TotalDue = ?, ModifiedDate = '2013-02-01 09:00:00' "
        "where SalesOrderID = ?",
        (float(subtotal), float(subtotal + tax + freight), order_id),
    )


def raw_lines(pipeline: Pipeline, order_id: int) -> int:
    ((count,),) = pipeline.query(f"select count(*) from raw.sales_order_detail where sales_order_id = {order_id}")
    return count


def test_a_line_removed_in_the_source_leaves_raw_and_every_table_on_the_days_next_run(pipeline: Pipeline) -> None:
    order_id = an_order_with_lines(pipeline, 2)
    before = raw_lines(pipeline, order_id)
    remove_last_line(pipeline, order_id, fix_header=True)

    pipeline.run(DAY, job=DAILY_JOB)  # fails the fixture's assertion if the day is wedged
    assert raw_lines(pipeline, order_id) == before - 1
    ((lines, total),) = pipeline.query(
        f"select count(*), sum(total_due) from analytics.fact_sales where sales_order_id = {order_id}"
    )
    ((header_total,),) = pipeline.query(
        f"select total_due from raw.sales_order_header where sales_order_id = {order_id}"
    )
    assert (lines, total) == (before - 1, header_total)


def test_an_inconsistent_source_fails_the_day_naming_the_order_until_it_is_put_right(pipeline: Pipeline) -> None:
    order_id = an_order_with_lines(pipeline, 2)
    remove_last_line(pipeline, order_id, fix_header=False)  # SubTotal no longer the sum of its lines

    failed = pipeline.run(DAY, job=DAILY_JOB, expect_success=False)
    (evaluation,) = [
        e
        for e in failed.get_asset_check_evaluations()
        if e.asset_check_key == AssetCheckKey(HEADER, "order_totals_add_up")
    ]
    metadata = {key: value.value for key, value in evaluation.metadata.items()}
    assert not evaluation.passed and metadata["failing_partitions"] == DAY
    assert str(order_id) in metadata["offending_keys"] and f"order {order_id}: SubTotal" in metadata["summary"]
    assert "raw/sales_order_header" in evaluation.asset_check_key.to_user_string()

    with connect(pipeline.settings.source_dir) as conn:
        fix_totals(conn, order_id)
    pipeline.run(DAY, job=DAILY_JOB)  # the same day heals once the source adds up
