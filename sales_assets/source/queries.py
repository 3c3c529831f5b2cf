"""Query building shared by everything that reads the order-taking database.

Built with SQLAlchemy Core on schema-qualified tables and bound parameters, so the same
statement serves the embedded SQLite files and SQL Server.
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from sales_assets.source import tables as t

Window = tuple[datetime, datetime]


def datetime_param(name: str, value: datetime, dialect: str) -> sa.BindParameter:
    """A datetime bound so that the dialect compares it correctly with stored values.

    SQLite keeps DATETIME as ISO text, so the value is ISO text too ('YYYY-MM-DD HH:MM:SS'
    orders correctly against stored values with or without fractions); SQLAlchemy's own SQLite
    datetime binding adds '.000000', which would sort after a stored midnight and drop it.
    Other engines get real datetime parameters.
    """
    if dialect == "sqlite":
        return sa.bindparam(name, value.isoformat(" "), type_=sa.String())
    return sa.bindparam(name, value, type_=sa.DateTime())


def window_clause(column: sa.ColumnElement, window: Window, dialect: str) -> sa.ColumnElement[bool]:
    """`column >= start AND column < end`: the half-open window of a daily partition (or range)."""
    start, end = window
    return sa.and_(
        column >= datetime_param("window_start", start, dialect), column < datetime_param("window_end", end, dialect)
    )


def table(source_table: t.SourceTable, *columns: str) -> sa.TableClause:
    """A lightweight, schema-qualified table with typed columns (no reflection, no connection)."""
    types = {name: _sa_type(decl) for name, decl in source_table.columns}
    return sa.table(source_table.name, *(sa.column(name, types[name]) for name in columns), schema=source_table.schema)


def _sa_type(declaration: str) -> sa.types.TypeEngine:
    kind = declaration.split()[0].split("(")[0].upper()
    if kind == "DATETIME":
        return sa.DateTime()
    if kind in {"INTEGER", "SMALLINT"}:
        return sa.Integer()
    if kind == "NUMERIC":
        return sa.Numeric(asdecimal=True)
    if kind == "BOOLEAN":
        return sa.Boolean()
    return sa.String()


_CONTRACT_TYPES: dict[str, type[sa.types.TypeEngine]] = {
    "INTEGER": sa.Integer,
    "SMALLINT": sa.SmallInteger,
    "DATETIME": sa.DateTime,
    "BOOLEAN": sa.Boolean,
    "NUMERIC": sa.Numeric,
    "DECIMAL": sa.Numeric,
    "CHAR": sa.CHAR,
    "NCHAR": sa.NCHAR,
    "VARCHAR": sa.VARCHAR,
    "NVARCHAR": sa.NVARCHAR,
}


def column_type(declaration: str) -> sa.types.TypeEngine:
    """The SQLAlchemy type of a contract declaration such as 'NUMERIC(19,4) NOT NULL', with its size."""
    match = re.fullmatch(r"(\w+)(?:\((\d+)(?:,(\d+))?\))?", declaration.split()[0])
    if match is None or match[1].upper() not in _CONTRACT_TYPES:
        raise ValueError(f"unknown contract type {declaration!r}")
    return _CONTRACT_TYPES[match[1].upper()](*(int(arg) for arg in match.groups()[1:] if arg))


def contract_table(source_table: t.SourceTable, metadata: sa.MetaData | None = None) -> sa.Table:
    """The contract as a full `sa.Table` (types, nullability, key), shaped as reflection returns it.

    Lets the statements dlt builds from a reflected table be built, and compiled for any dialect,
    without a connection.
    """
    return sa.Table(
        source_table.name,
        metadata if metadata is not None else sa.MetaData(),
        *(
            sa.Column(
                name,
                column_type(decl),
                nullable=not decl.endswith("NOT NULL"),
                primary_key=name in source_table.primary_key,
                autoincrement=False,
            )
            for name, decl in source_table.columns
        ),
        schema=source_table.schema,
    )


# Queries the asset checks send to the source (sales_assets/defs/quality/checks.py).


def source_orders_query(window: Window, dialect: str) -> sa.Select:
    """Per order in the window: SalesOrderID, OrderDate, TotalDue, line count, SUM(LineTotal)."""
    header = table(t.SALES_ORDER_HEADER, "SalesOrderID", "OrderDate", "TotalDue")
    detail = table(t.SALES_ORDER_DETAIL, "SalesOrderID", "LineTotal")
    in_window = window_clause(header.c.OrderDate, window, dialect)
    lines = (
        sa.select(detail.c.SalesOrderID, sa.func.count().label("n"), sa.func.sum(detail.c.LineTotal).label("total"))
        .where(detail.c.SalesOrderID.in_(sa.select(header.c.SalesOrderID).where(in_window)))
        .group_by(detail.c.SalesOrderID)
        .subquery()
    )
    return (
        sa.select(header.c.SalesOrderID, header.c.OrderDate, header.c.TotalDue, lines.c.n, lines.c.total)
        .select_from(header.outerjoin(lines, lines.c.SalesOrderID == header.c.SalesOrderID))
        .where(in_window)
    )


def duplicate_lines_query(window: Window, dialect: str) -> sa.Select:
    """(SalesOrderID, SalesOrderDetailID) occurring more than once among the window's order lines."""
    header = table(t.SALES_ORDER_HEADER, "SalesOrderID", "OrderDate")
    detail = table(t.SALES_ORDER_DETAIL, "SalesOrderID", "SalesOrderDetailID")
    return (
        sa.select(detail.c.SalesOrderID, detail.c.SalesOrderDetailID)
        .where(
            detail.c.SalesOrderID.in_(
                sa.select(header.c.SalesOrderID).where(window_clause(header.c.OrderDate, window, dialect))
            )
        )
        .group_by(detail.c.SalesOrderID, detail.c.SalesOrderDetailID)
        .having(sa.func.count() > 1)
    )


def future_orders_query(partitions_end: datetime, dialect: str) -> sa.Select:
    """(SalesOrderID, OrderDate) of orders dated on or after the end of the partition set."""
    header = table(t.SALES_ORDER_HEADER, "SalesOrderID", "OrderDate")
    return (
        sa.select(header.c.SalesOrderID, header.c.OrderDate)
        .where(header.c.OrderDate >= datetime_param("partitions_end", partitions_end, dialect))
        .order_by(header.c.SalesOrderID)
    )


# Queries of `python -m sales_assets.sandbox check` (sales_assets/sandbox/check.py).


def readable_query(source_table: t.SourceTable) -> sa.Select:
    """The contract's columns and no rows: fails exactly when SELECT on them is not granted."""
    return sa.select(*table(source_table, *source_table.column_names).c).limit(0)


def key_query(source_table: t.SourceTable) -> sa.Select:
    """Every row's primary key: what key reconciliation compares with raw's."""
    return sa.select(*table(source_table, *source_table.primary_key).c)


def row_count_query(source_table: t.SourceTable) -> sa.Select:
    return sa.select(sa.func.count()).select_from(table(source_table))


def order_date_range_query() -> sa.Select:
    header = table(t.SALES_ORDER_HEADER, "OrderDate")
    return sa.select(sa.func.min(header.c.OrderDate), sa.func.max(header.c.OrderDate))
