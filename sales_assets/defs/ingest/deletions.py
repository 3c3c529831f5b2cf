"""How raw loses what the source deleted: a window's rows swept after its load (order tables), and
reference tables reloaded when their keys show deletions.

dlt merges a window on the primary key, which inserts and updates but never deletes: a line
removed from an order, an order deleted, or an order whose date moved out of the window would
stay in raw for ever, and every later run of that day would fail the checks that compare it with
the source. Every row dlt writes carries the id of its load (`_dlt_load_id`), and a window's load
writes every row the source holds for the window; so, once dlt has committed, the window's rows
with another load id are exactly those the source no longer has, and are deleted. An order whose
date moved INTO the window needs nothing here: the merge on its key replaced its old version.

Why not dlt's own `destination_scope` (a delete-insert merge that deletes a SQL condition's rows
first): the window is part of that condition, and dlt stores merge hints in the schema, so every
run would store a new schema version in the warehouse (measured: one per load); and order lines
carry no date, so their condition has to read raw's headers as they were before the headers'
merge, while dlt does not order the merges of different tables. Swept after the load, the stale
headers are still there to find their lines by.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dlt
import sqlalchemy as sa
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sales_assets.core.warehouses import Warehouse
from sales_assets.source import tables as t
from sales_assets.source.queries import Window, key_query

_NAMING = NamingConvention()

HEADER = t.SALES_ORDER_HEADER.warehouse_name
DETAIL = t.SALES_ORDER_DETAIL.warehouse_name
RETURN = t.SALES_RETURN.warehouse_name


def _timestamp(value: datetime) -> str:
    """A window bound as a literal raw's timestamps compare with on DuckDB and Snowflake alike (dlt
    stores the source's naive datetimes as UTC timestamps; a literal without its zone would be read
    in the session's)."""
    return f"'{value:%Y-%m-%d %H:%M:%S}+00:00'"


def sweep_statements(
    window: Window, load_id: str | None, tables: set[str], qualify: Callable[[str], str]
) -> list[tuple[str, str]]:
    """(table, DELETE) for the window's rows not written by `load_id` (all of them without one: the
    load wrote nothing), lines before their headers. `qualify` names a raw table for the engine."""
    start, end = (_timestamp(bound) for bound in window)
    stale = f"_dlt_load_id <> '{load_id}'" if load_id else "1 = 1"
    in_window = "{column} >= " + start + " and {column} < " + end
    statements = []
    if HEADER in tables and DETAIL in tables:
        window_orders = f"select sales_order_id from {qualify(HEADER)} where {in_window.format(column='order_date')}"
        statements.append(
            (DETAIL, f"delete from {qualify(DETAIL)} where {stale} and sales_order_id in ({window_orders})")
        )
    if HEADER in tables:
        statements.append(
            (HEADER, f"delete from {qualify(HEADER)} where {stale} and {in_window.format(column='order_date')}")
        )
    if RETURN in tables:
        statements.append(
            (RETURN, f"delete from {qualify(RETURN)} where {stale} and {in_window.format(column='return_date')}")
        )
    return statements


def sweep_window(pipeline: dlt.Pipeline, window: Window, load_id: str | None, tables: set[str]) -> dict[str, int]:
    """Delete raw's rows of `window` in `tables` (raw names, loaded by `load_id`) that the load did
    not write, in one transaction, through dlt's own client for the destination; returns the rows
    deleted per table."""
    swept: dict[str, int] = {}
    with pipeline.sql_client() as client:
        statements = sweep_statements(window, load_id, tables, client.make_qualified_table_name)
        with client.begin_transaction():
            for table, statement in statements:
                rows = client.execute_sql(statement)
                # DuckDB and Snowflake both answer a DELETE with the number of rows it deleted.
                swept[table] = int(rows[0][0]) if rows else 0
    return swept


MAX_KEYS_LOGGED = 10


def _plain(value: Any) -> Any:
    """A key value as both sides compare it: datetimes naive (raw's are UTC, the source's have no zone)."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def deleted_keys(conn: sa.Connection, warehouse: Warehouse, table: t.SourceTable) -> list[tuple]:
    """Primary keys raw holds for a reference table that the source no longer has, sorted."""
    columns = ", ".join(_NAMING.normalize_identifier(name) for name in table.primary_key)
    in_raw = warehouse.query(f"select {columns} from raw.{table.warehouse_name}")
    in_source = {tuple(map(_plain, row)) for row in conn.execute(key_query(table))}
    return sorted(key for key in (tuple(map(_plain, row)) for row in in_raw) if key not in in_source)
