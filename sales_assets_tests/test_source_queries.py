"""The queries the pipeline sends to the source compile for SQL Server as they run on SQLite:
schema-qualified names, bound parameters (never dates spliced into SQL text)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from sales_assets.source import tables as t
from sales_assets.source.changes import change_queries, high_water_queries
from sales_assets.source.queries import table, window_clause

SINCE = datetime(2013, 2, 1, 9, 30)
WINDOW = (datetime(2013, 1, 1), datetime(2013, 1, 2))


def compiled(query: sa.ClauseElement) -> sa.engine.Compiled:
    return query.compile(dialect=mssql.dialect())


def test_change_detection_compiles_for_sql_server_with_bound_parameters() -> None:
    queries = change_queries(SINCE, "mssql") + high_water_queries()
    assert len(queries) == 6
    for query in queries:
        sql = str(compiled(query))
        assert "[Sales].[" in sql and "2013" not in sql, sql
    since = [compiled(query).params["since"] for query in change_queries(SINCE, "mssql")]
    assert since == [SINCE] * 3  # a real datetime parameter, not ISO text as on SQLite


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
