"""The queries the pipeline sends to the source compile for SQL Server as they run on SQLite:
schema-qualified names, bound parameters (never dates spliced into SQL text).

Every query is listed here: dlt's extraction per partition window and of the reference tables,
the change sensor's change detection and high-water marks, the asset checks' source reads and the
`check` command's. Each compiles under SQLAlchemy's mssql+pymssql dialect (no server needed) and
runs against a tiny SQLite source whose rows sit on the window's edges, with known answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

import dlt
import pyarrow as pa
import pytest
import sqlalchemy as sa
from dlt.sources.sql_database import helpers as dlt_helpers
from sqlalchemy.dialects import mssql
from sqlalchemy.dialects.mssql.pymssql import MSDialect_pymssql

from sales_assets.core.resources import SalesSource
from sales_assets.defs.ingest.dlt_source import table_resource
from sales_assets.defs.quality import integrity, reconciliation
from sales_assets.sandbox.writer import create_indexes
from sales_assets.source import tables as t
from sales_assets.source.changes import (
    change_queries,
    detect_changes,
    high_water_queries,
    latest_modification,
    reference_change_queries,
)
from sales_assets.source.engine import schema_file, source_engine
from sales_assets.source.queries import (
    contract_table,
    duplicate_lines_query,
    future_orders_query,
    order_date_range_query,
    readable_query,
    row_count_query,
    source_orders_query,
    table,
    window_clause,
)

SINCE = datetime(2013, 2, 1, 9, 30)
WINDOW = (datetime(2013, 1, 1), datetime(2013, 1, 2))
PARTITIONS_END = datetime(2013, 2, 1)
SQL_SERVER_URL = "mssql+pymssql://reader:pw@sqlserver.invalid:1433/AdventureWorks2019"
# Columns reflection finds on SQL Server but the contract does not name: a plain value, which is
# loaded (a new column lands in raw), and an XML document (as Person.Demographics), which is not.
UNLISTED = "NotInContract"
DOCUMENT = "Demographics"


@pytest.fixture(scope="module")
def sql_server() -> sa.Engine:
    """The engine the pipeline builds for SQL Server; nothing here connects it."""
    engine = source_engine(SQL_SERVER_URL, Path("unused"))
    assert isinstance(engine.dialect, MSDialect_pymssql)
    return engine


def compiled(query: sa.ClauseElement, engine: sa.Engine | None = None) -> sa.engine.Compiled:
    # The engine's dialect carries pymssql's paramstyle, so parameters render as %(name)s.
    dialect = engine.dialect if engine is not None else MSDialect_pymssql(paramstyle="pyformat")
    return query.compile(dialect=dialect)


def assert_portable(query: sa.ClauseElement, *names: str) -> sa.engine.Compiled:
    """Schema-qualified bracketed names, and dates only as parameters."""
    result = compiled(query)
    sql = str(result)
    for name in names:
        schema, table_name = name.split(".")
        assert f"[{schema}].[{table_name}]" in sql, sql
    assert "2013" not in sql and "2012" not in sql, sql
    for key in result.params:  # a LIMIT (TOP) is an integer SQLAlchemy renders when it executes
        assert f"%({key})s" in sql or f"__[POSTCOMPILE_{key}]" in sql, sql
    return result


def test_change_detection_compiles_for_sql_server_with_bound_parameters() -> None:
    header, detail, returns = "Sales.SalesOrderHeader", "Sales.SalesOrderDetail", "Sales.SalesReturn"
    changes = change_queries(SINCE, "mssql")
    for query, names in zip(changes, [(header,), (detail, header), (returns,)], strict=True):
        assert compiled(assert_portable(query, *names).statement).params["since"] == SINCE  # a datetime, not text
    references = [source.qualified_name for source in t.REFERENCE_TABLES]
    for query, name in zip(high_water_queries(), [header, detail, returns, *references], strict=True):
        assert not assert_portable(query, name).params
    for name, query in reference_change_queries(SINCE, "mssql").items():
        assert compiled(assert_portable(query, name).statement).params["since"] == SINCE
    # Without the returns table (real AdventureWorks) it is never named.
    without = [str(compiled(q)) for q in change_queries(SINCE, "mssql", returns=False) + high_water_queries(False)]
    assert len(without) == 4 + len(references) and not any("SalesReturn" in sql for sql in without)


def test_partition_windows_compile_for_sql_server_with_bound_parameters() -> None:
    for source in t.PARTITIONED_TABLES:
        header = table(t.SALES_ORDER_HEADER, "SalesOrderID", "OrderDate")
        column = (
            header.c.OrderDate if source.partition_column == "OrderDate" else table(source, "ReturnDate").c.ReturnDate
        )
        query = sa.select(sa.literal_column("1")).where(window_clause(column, WINDOW, "mssql"))
        result = compiled(query)
        assert "[Sales].[" in str(result) and "2013" not in str(result)
        assert (result.params["window_start"], result.params["window_end"]) == WINDOW


def dlt_queries(engine: sa.Engine, window: tuple[datetime, datetime] | None) -> dict[t.SourceTable, sa.Select]:
    """The Select dlt's sql_table sends for each table, through our resource's real code path.

    Only dlt's I/O is replaced: reflection returns the contract (plus a column the contract leaves
    out), and the loader hands back its query instead of executing it.
    """
    captured: dict[t.SourceTable, sa.Select] = {}
    by_name = {source.name: source for source in t.ALL_TABLES}

    def reflect(name: str, metadata: sa.MetaData, **_: object) -> sa.Table:
        reflected = contract_table(by_name[name], metadata)
        reflected.append_column(sa.Column(UNLISTED, sa.Text()))
        reflected.append_column(sa.Column(DOCUMENT, mssql.XML()))
        return reflected

    def load(loader: dlt_helpers.TableLoader, query: sa.Select, _kwargs: object) -> Iterator[object]:
        captured[by_name[loader.table.name]] = query
        return iter(())

    with (
        mock.patch.object(dlt_helpers, "Table", reflect),
        mock.patch.object(dlt_helpers.TableLoader, "_load_rows", load),
    ):
        for source in t.ALL_TABLES:
            list(table_resource(engine, source, window if source.partition_column else None))
    return captured


def test_dlt_window_extraction_compiles_for_sql_server(sql_server: sa.Engine) -> None:
    queries = dlt_queries(sql_server, WINDOW)
    for source in t.PARTITIONED_TABLES:
        result = compiled(queries[source], sql_server)
        sql = str(result)
        assert f"FROM [Sales].[{source.name}]" in sql, sql
        assert "2013" not in sql and "%(window_start)s" in sql and "%(window_end)s" in sql, sql
        assert (result.params["window_start"], result.params["window_end"]) == WINDOW
        assert [c.name for c in queries[source].selected_columns] == [*source.column_names, UNLISTED]  # no XML
        assert DOCUMENT not in sql
    detail = str(compiled(queries[t.SALES_ORDER_DETAIL], sql_server))
    # Lines have no date: they are chosen by their order's OrderDate, in a subquery on the header.
    assert "[Sales].[SalesOrderDetail].[SalesOrderID] IN (SELECT [Sales].[SalesOrderHeader].[SalesOrderID]" in detail
    assert "[Sales].[SalesOrderHeader].[OrderDate] >= %(window_start)s" in detail
    assert "[Sales].[SalesReturn].[ReturnDate] >= %(window_start)s" in str(compiled(queries[t.SALES_RETURN]))


def test_dlt_reference_loads_compile_for_sql_server(sql_server: sa.Engine) -> None:
    queries = dlt_queries(sql_server, None)
    for source in t.REFERENCE_TABLES:
        result = compiled(queries[source], sql_server)
        assert f"FROM [{source.schema}].[{source.name}]" in str(result)
        # Whole on the first load, then the rows changed since the cursor (dlt's incremental).
        where = str(result).partition("WHERE")[2].strip()
        assert where in ("", f"[{source.schema}].[{source.name}].[ModifiedDate] >= %(ModifiedDate_1)s"), where
        assert len(result.params) == (1 if where else 0)
        assert [c.name for c in queries[source].selected_columns] == [*source.column_names, UNLISTED]


def test_check_queries_compile_for_sql_server_with_bound_parameters() -> None:
    orders = assert_portable(source_orders_query(WINDOW, "mssql"), "Sales.SalesOrderHeader", "Sales.SalesOrderDetail")
    duplicates = assert_portable(
        duplicate_lines_query(WINDOW, "mssql"), "Sales.SalesOrderHeader", "Sales.SalesOrderDetail"
    )
    for result in (orders, duplicates):
        assert (result.params["window_start"], result.params["window_end"]) == WINDOW
    future = assert_portable(future_orders_query(PARTITIONS_END, "mssql"), "Sales.SalesOrderHeader")
    assert future.params == {"partitions_end": PARTITIONS_END}


def test_source_check_queries_compile_for_sql_server() -> None:
    for source in t.ALL_TABLES:
        readable = str(assert_portable(readable_query(source), source.qualified_name))
        assert readable.startswith("SELECT TOP ") and f"[{source.name}].[{source.column_names[-1]}]" in readable
        assert_portable(row_count_query(source), source.qualified_name)
    assert_portable(order_date_range_query(), "Sales.SalesOrderHeader")


# The same functions on SQLite, against rows with known answers.


def _row(source: t.SourceTable, **values: object) -> tuple:
    """A contract row: the given values, a plain default of the right type elsewhere."""
    defaults = {
        "DATETIME": "2013-01-01 00:00:00",
        "NUMERIC": 0,
        "DECIMAL": 0,
        "INTEGER": 1,
        "SMALLINT": 1,
        "BOOLEAN": 0,
    }
    return tuple(values.get(name, defaults.get(decl.split()[0].split("(")[0], "x")) for name, decl in source.columns)


def _header(order_id: int, ordered: str, modified: str, total_due: float) -> tuple:
    return _row(
        t.SALES_ORDER_HEADER, SalesOrderID=order_id, OrderDate=ordered, ModifiedDate=modified, TotalDue=total_due
    )


def _line(order_id: int, line_id: int, modified: str, line_total: float) -> tuple:
    return _row(
        t.SALES_ORDER_DETAIL,
        SalesOrderID=order_id,
        SalesOrderDetailID=line_id,
        ModifiedDate=modified,
        LineTotal=line_total,
    )


# Orders on the window's edges: 2 at its first instant, 3 inside with a fraction of a second,
# 1 just before and 4 at its (exclusive) end; 5 is dated after the partition set.
ROWS: dict[t.SourceTable, list[tuple]] = {
    t.SALES_ORDER_HEADER: [
        _header(1, "2012-12-31 23:59:59", "2013-01-01 08:00:00", 10.0),
        _header(2, "2013-01-01 00:00:00", "2013-01-01 10:00:00", 20.5),
        _header(3, "2013-01-01 18:30:00.500", "2013-02-01 09:30:00", 30.25),  # modified exactly at SINCE
        _header(4, "2013-01-02 00:00:00", "2013-02-02 12:00:00", 40.0),
        _header(5, "2013-03-01 00:00:00", "2013-01-15 00:00:00", 50.0),
    ],
    t.SALES_ORDER_DETAIL: [
        _line(1, 1, "2013-01-01 08:00:00", 10.0),
        _line(2, 1, "2013-01-01 10:00:00", 12.5),
        _line(2, 2, "2013-01-01 10:00:00", 8.0),
        _line(2, 2, "2013-01-01 10:00:00", 8.0),  # a duplicate key: this source has no primary key
        _line(3, 1, "2013-02-03 07:00:00", 30.25),  # a late change to an order of 2013-01-01
        _line(4, 1, "2013-02-02 12:00:00", 40.0),
    ],
    t.SALES_RETURN: [
        _row(
            t.SALES_RETURN,
            SalesReturnID=1,
            SalesOrderID=2,
            ReturnDate="2013-01-01 12:00:00",
            ModifiedDate="2013-02-05 00:00:00",
        ),
        _row(t.SALES_RETURN, SalesReturnID=2, SalesOrderID=1, ReturnDate="2013-01-02 00:00:00"),
    ],
    t.CUSTOMER: [_row(t.CUSTOMER, CustomerID=7), _row(t.CUSTOMER, CustomerID=8)],
}


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tiny_source")
    for schema in t.SCHEMAS:
        conn = sqlite3.connect(schema_file(directory, schema))
        for source in (s for s in t.ALL_TABLES if s.schema == schema):
            conn.execute(source.ddl(primary_key=source is not t.SALES_ORDER_DETAIL))
            create_indexes(conn, source)
            rows = ROWS.get(source, [])
            conn.executemany(f'INSERT INTO "{source.name}" VALUES ({", ".join("?" * len(source.columns))})', rows)
        conn.commit()
        conn.close()
    return directory


@pytest.fixture
def sqlite(tiny_source: Path) -> sa.Engine:
    return source_engine(None, tiny_source)


def test_change_detection_on_sqlite(sqlite: sa.Engine) -> None:
    changes = detect_changes(sqlite, SINCE)
    # Order 4's header and line (dated 01-02), order 3's late line and return 1 (both 01-01);
    # order 3's header was modified exactly at SINCE, which the previous tick saw.
    assert changes.dates == {date(2013, 1, 1), date(2013, 1, 2)}
    assert (changes.high_water, changes.rows) == (datetime(2013, 2, 5), 4)
    assert latest_modification(sqlite) == datetime(2013, 2, 5)
    assert detect_changes(sqlite, datetime(2013, 2, 5)).rows == 0


def test_dlt_extraction_on_sqlite(sqlite: sa.Engine, tmp_path: Path) -> None:
    """dlt reads each partition's window through our resource, reflecting the real SQLite tables."""
    # A pipeline of its own: outside one, an incremental resource keeps its cursor in whichever
    # pipeline the process activated last (an earlier test's run), and would start from there.
    dlt.pipeline(pipeline_name="extraction_test", pipelines_dir=str(tmp_path))

    def extracted(source: t.SourceTable, window: tuple[datetime, datetime] | None) -> list[tuple]:
        batches = [item for item in table_resource(sqlite, source, window) if isinstance(item, pa.Table)]
        keys = [
            row for batch in batches for row in zip(*(batch[k].to_pylist() for k in source.primary_key), strict=True)
        ]
        return sorted(keys)

    assert extracted(t.SALES_ORDER_HEADER, WINDOW) == [(2,), (3,)]
    assert extracted(t.SALES_ORDER_DETAIL, WINDOW) == [(2, 1), (2, 2), (2, 2), (3, 1)]
    assert extracted(t.SALES_RETURN, WINDOW) == [(1,)]
    assert extracted(t.SALES_ORDER_HEADER, (datetime(2013, 1, 2), datetime(2013, 1, 3))) == [(4,)]
    assert extracted(t.CUSTOMER, None) == [(7,), (8,)]


def test_check_queries_on_sqlite(sqlite: sa.Engine, tiny_source: Path) -> None:
    with sqlite.connect() as conn:
        orders = {row[0]: tuple(row[1:]) for row in conn.execute(source_orders_query(WINDOW, "sqlite"))}
        duplicates = conn.execute(duplicate_lines_query(WINDOW, "sqlite")).all()
        future = conn.execute(future_orders_query(PARTITIONS_END, "sqlite")).all()
    assert set(orders) == {2, 3}
    day, total_due, lines, line_total = orders[2]
    assert (day, Decimal(total_due), lines, Decimal(line_total)) == (
        datetime(2013, 1, 1),
        Decimal("20.5"),
        3,
        Decimal("28.5"),
    )
    assert orders[3][0] == datetime(2013, 1, 1, 18, 30, 0, 500000)
    assert [tuple(row) for row in duplicates] == [(2, 2)]
    assert [tuple(row) for row in future] == [(5, datetime(2013, 3, 1))]
    # And as the checks call them.
    assert reconciliation._source_orders(sqlite, WINDOW)[2] == (
        date(2013, 1, 1),
        Decimal("20.5000"),
        3,
        Decimal("28.500000"),
    )
    assert reconciliation._source_duplicate_lines(sqlite, WINDOW) == [(2, 2)]
    future_check = integrity.no_orders_dated_in_future(WINDOW, SalesSource(directory=str(tiny_source)), PARTITIONS_END)
    assert not future_check.passed and future_check.metadata["offending_count"].value == 1


def test_source_check_queries_on_sqlite(sqlite: sa.Engine) -> None:
    with sqlite.connect() as conn:
        for source in t.ALL_TABLES:
            assert conn.execute(readable_query(source)).all() == []
            assert conn.execute(row_count_query(source)).scalar_one() == len(ROWS.get(source, []))
        first, last = conn.execute(order_date_range_query()).one()
    assert (first, last) == (datetime(2012, 12, 31, 23, 59, 59), datetime(2013, 3, 1))
