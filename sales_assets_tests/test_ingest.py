"""dlt extraction: a partition loads exactly its window, and a rerun duplicates nothing."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from dagster import AssetKey

from sales_assets.source import tables as t
from sales_assets.source.queries import window_clause
from sales_assets_tests.conftest import END
from sales_assets_tests.source_rows import connect

ORDER_TABLES = [AssetKey(["raw", table.warehouse_name]) for table in t.PARTITIONED_TABLES]


def busy_day(source_dir: Path) -> str:
    """A day of the small source with orders and returns (returns trail orders by days), with a
    day after it in the partitions: the test loads the next day too."""
    conn = connect(source_dir)
    return conn.execute(
        "select substr(ReturnDate, 1, 10) d from Sales.SalesReturn where d in "
        "(select substr(OrderDate, 1, 10) from Sales.SalesOrderHeader) and d < ? "
        "group by d order by count(*) desc, d limit 1",
        (str(END - timedelta(days=1)),),
    ).fetchone()[0]


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def source_keys(source_dir: Path, day: str) -> dict[str, set[tuple]]:
    conn = connect(source_dir)
    window = (f"{day} 00:00:00", f"{next_day(day)} 00:00:00")
    in_window = "OrderDate >= ? and OrderDate < ?"
    return {
        "header": set(conn.execute(f"select SalesOrderID from Sales.SalesOrderHeader where {in_window}", window)),
        "detail": set(
            conn.execute(
                "select SalesOrderID, SalesOrderDetailID from Sales.SalesOrderDetail where SalesOrderID in "
                f"(select SalesOrderID from Sales.SalesOrderHeader where {in_window})",
                window,
            )
        ),
        "return": set(
            conn.execute("select SalesReturnID from Sales.SalesReturn where ReturnDate >= ? and ReturnDate < ?", window)
        ),
    }


def warehouse_keys(pipeline) -> dict[str, list[tuple]]:
    return {
        "header": pipeline.query("select sales_order_id from raw.sales_order_header"),
        "detail": pipeline.query("select sales_order_id, sales_order_detail_id from raw.sales_order_detail"),
        "return": pipeline.query("select sales_return_id from raw.sales_return"),
    }


def test_one_partition_loads_exactly_its_window_and_reruns_idempotently(small_source: Path, pipeline_factory):
    pipeline = pipeline_factory(small_source)
    day = busy_day(small_source)
    expected = source_keys(small_source, day)
    assert all(expected.values()), "the test day must have orders, lines and returns"

    pipeline.run(day, selection=ORDER_TABLES)
    loaded = warehouse_keys(pipeline)
    for name, keys in loaded.items():
        assert len(keys) == len(set(keys)), f"duplicate {name} rows"
        assert set(keys) == expected[name], name

    pipeline.run(day, selection=ORDER_TABLES)
    rerun = warehouse_keys(pipeline)
    assert {name: sorted(keys) for name, keys in rerun.items()} == {name: sorted(keys) for name, keys in loaded.items()}

    # The next day adds only its own orders, leaving the first day untouched.
    pipeline.run(next_day(day), selection=ORDER_TABLES)
    following = source_keys(small_source, next_day(day))
    headers = {row for row in pipeline.query("select sales_order_id from raw.sales_order_header")}
    assert headers == expected["header"] | following["header"]


def test_money_arrives_as_exact_decimals(small_source: Path, pipeline_factory) -> None:
    pipeline = pipeline_factory(small_source)
    pipeline.run("2013-01-15", selection=ORDER_TABLES)
    types = dict(
        pipeline.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name in ('sales_order_header', 'sales_order_detail')"
        )
    )
    assert types["sub_total"] == "DECIMAL(19,4)" and types["total_due"] == "DECIMAL(19,4)"
    assert types["line_total"] == "DECIMAL(38,6)" and types["order_date"] == "TIMESTAMP"


def test_window_is_half_open_on_iso_text_datetimes() -> None:
    """The SQLite bound must keep a stored midnight at the start and drop one at the end."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(sa.text("create table o (d DATETIME)"))
        stored = ["2013-01-14 23:59:59.997", "2013-01-15 00:00:00", "2013-01-15 00:00:00.000", "2013-01-15T12:00:00"]
        stored += ["2013-01-16 00:00:00", "2013-01-16 00:00:00.000"]
        for value in stored:
            conn.execute(sa.text("insert into o values (:d)"), {"d": value})
        table = sa.table("o", sa.column("d"))
        window = (datetime(2013, 1, 15), datetime(2013, 1, 16))
        rows = conn.execute(sa.select(table.c.d).where(window_clause(table.c.d, window, "sqlite"))).fetchall()
    assert [r[0] for r in rows] == stored[1:4]


def test_a_stored_value_of_the_wrong_type_fails_the_load_naming_the_column(
    small_source: Path, pipeline_factory, tmp_path: Path
) -> None:
    """Columns are converted whole in Arrow: a value that is no number stops the load, named."""
    source = tmp_path / "source"
    shutil.copytree(small_source, source)
    day = busy_day(source)
    with sqlite3.connect(source / "Sales.sqlite") as conn:
        (order_id,) = conn.execute(
            "select min(SalesOrderID) from SalesOrderHeader where substr(OrderDate, 1, 10) = ?", (day,)
        ).fetchone()
        conn.execute("update SalesOrderHeader set Freight = 'twelve' where SalesOrderID = ?", (order_id,))
    pipeline = pipeline_factory(source)
    result = pipeline.run(day, selection=ORDER_TABLES, expect_success=False)
    failure = next(event for event in result.all_events if event.is_step_failure)
    message = str(failure.step_failure_data.error)
    assert "Sales.SalesOrderHeader.Freight: a stored value is not a valid decimal128(19, 4)" in message
    assert pipeline.query("select count(*) from information_schema.tables where table_schema = 'raw'") == [(0,)]


def test_reference_rows_written_in_the_cursors_second_are_not_missed(small_source: Path, pipeline_factory, tmp_path):
    """The reference cursor compares as the source stores it: ISO text, to the second."""
    source = tmp_path / "source"
    shutil.copytree(small_source, source)
    pipeline = pipeline_factory(source)
    territory = [AssetKey(["raw", "sales_territory"])]
    pipeline.run("2013-01-15", selection=territory)
    (newest,) = connect(source).execute("select max(ModifiedDate) from Sales.SalesTerritory").fetchone()
    with sqlite3.connect(source / "Sales.sqlite") as conn:
        # Another row saved in the same second as the newest one loaded, after the load.
        conn.execute("update SalesTerritory set Name = 'Renamed', ModifiedDate = ? where TerritoryID = 1", (newest,))
    pipeline.run("2013-01-15", selection=territory)
    assert pipeline.query("select name from raw.sales_territory where territory_id = 1") == [("Renamed",)]
    assert pipeline.query("select count(*), count(distinct territory_id) from raw.sales_territory") == [(10, 10)]
