"""Query building shared by everything that reads the order-taking database.

Built with SQLAlchemy Core on schema-qualified tables and bound parameters, so the same
statement serves the embedded SQLite files and SQL Server.
"""

from __future__ import annotations

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
