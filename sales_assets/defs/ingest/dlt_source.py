"""The dlt source over the order-taking database: one resource per table.

Order tables read only their half-open window `[start, end)` through `query_adapter_callback`, so
a partition's extract costs its own rows (the source has indexes on the window columns), and merge
on their primary key; the window's rows raw holds but the source no longer has are then swept
(sales_assets/defs/ingest/deletions.py), so a load replaces raw's window. Reference tables load
incrementally: dlt's cursor on `ModifiedDate` (kept in the pipeline state, which dlt also stores in
the warehouse) selects the rows changed since the last load, merged on the primary key, so a day's
load costs the day's changes. Reflection is deferred, so building the source never connects;
`pyarrow` is the backend (about 20x faster than row-by-row), and on the embedded SQLite source
columns are converted whole in Arrow (SqliteArrowLoader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
import pyarrow as pa
import sqlalchemy as sa
from dlt.common.configuration.container import Container
from dlt.common.destination import DestinationCapabilitiesContext
from dlt.common.libs.pyarrow import get_py_arrow_datatype
from dlt.common.schema.utils import has_table_seen_data
from dlt.extract.source import DltSource
from dlt.sources.sql_database import TableLoader, sql_table
from sqlalchemy.dialects import sqlite

from sales_assets.source import tables as t
from sales_assets.source.drift import check_columns
from sales_assets.source.queries import Window, window_clause

CURSOR = "ModifiedDate"
# The embedded source keeps DATETIME as ISO text without fractions ('2024-05-01 13:05:00').
# SQLAlchemy's SQLite type binds a datetime as '... 13:05:00.000000', which sorts after the stored
# value of the same second, so dlt's `ModifiedDate >= cursor` would skip rows written in the
# cursor's second after the last load. Bound without the fraction, they are read again and dlt
# drops the ones it already has (see _changed_rows).
_SQLITE_DATETIME = sqlite.DATETIME(
    storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
)


def arrow_schema(hints: dict[str, Any], names: Sequence[str], tz: str) -> pa.Schema:
    """The Arrow schema of the columns `names`, typed as dlt reflected them (`hints`)."""
    caps = Container().get(DestinationCapabilitiesContext) or DestinationCapabilitiesContext.generic_capabilities()
    return pa.schema(
        pa.field(name, get_py_arrow_datatype(hints[name], caps, tz), hints[name].get("nullable", True))
        for name in names
    )


class WindowLoader(TableLoader):
    """dlt's table loader for a window: a window without rows still yields its (empty) table.

    dlt creates a raw table with the first rows it loads. A source table that exists but has no
    rows yet (a returns table before the first return) would then have no raw table, and the
    models would read it as absent ("returns unknown") until the first return. An empty Arrow
    table with the reflected schema makes dlt create the table as the rows would (dlt's
    `materialize_table_schema` marker would too, but its schema carries the row-key column of the
    row-by-row path, which the Arrow rows do not have).
    """

    def load_rows(self, backend_kwargs: dict[str, Any] | None = None) -> Iterator[Any]:
        empty = True
        for item in super().load_rows(backend_kwargs):
            empty = False
            yield item
        if empty and not self._loaded_before():
            tz = (backend_kwargs or {}).get("tz", "UTC")
            yield arrow_schema(self.columns, list(self.columns), tz).empty_table()

    def _loaded_before(self) -> bool:
        """Whether the table already exists in raw (its schema has seen data): then an empty window
        needs no load job of its own."""
        schema = dlt.current.source_schema()
        table = schema.tables.get(schema.naming.normalize_table_identifier(self.table.name))
        return table is not None and has_table_seen_data(table)


class SqliteArrowLoader(TableLoader):
    """dlt's table loader, reading the values SQLite stores as they are and converting whole columns in Arrow.

    SQLite keeps DATETIME as text, NUMERIC as REAL and BOOLEAN as 0/1, and SQLAlchemy's result
    processors parse and convert them value by value in Python: that made dlt's extract cost
    twice a plain sqlite3 -> Arrow copy of the same rows. Here the selected columns are untyped
    (no result processors; the WHERE clause keeps its typed parameters) and each Arrow column is
    cast to the type dlt reflected for it. dlt's `table_loader_class` is the place for this.
    """

    def make_query(self) -> sa.Select:
        query = super().make_query()
        raw = [sa.type_coerce(column, sa.types.NullType()).label(column.name) for column in query.selected_columns]
        return query.with_only_columns(*raw, maintain_column_froms=True)

    def _convert_result(self, result: sa.CursorResult, backend_kwargs: dict[str, Any]) -> Iterator[pa.Table]:
        schema = arrow_schema(self.columns, list(result.keys()), backend_kwargs.get("tz", "UTC"))
        for partition in result.partitions(size=self.chunk_size):
            columns = zip(*(row._data for row in partition), strict=True)
            arrays = [self._arrow(field, values) for field, values in zip(schema, columns, strict=True)]
            yield pa.Table.from_arrays(arrays, schema=schema)

    def _arrow(self, field: pa.Field, values: Sequence[Any]) -> pa.Array:
        try:
            if pa.types.is_timestamp(field.type):
                return pa.array(values, pa.string()).cast(field.type)
            if pa.types.is_decimal(field.type):
                return pa.array(values, pa.float64()).cast(field.type)
            if pa.types.is_boolean(field.type):
                return pa.array(values, pa.int64()).cast(field.type)
            return pa.array(values, field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            column = f"{self.table.schema}.{self.table.name}.{field.name}"
            raise ValueError(f"{column}: a stored value is not a valid {field.type}: {err}") from err


class SqliteWindowLoader(SqliteArrowLoader, WindowLoader):
    """A window of the embedded source: converted in Arrow, and its table created even when empty."""


def _changed_rows(table: t.SourceTable) -> dlt.sources.incremental:
    """Rows modified at or after the newest ModifiedDate loaded so far.

    dlt reads the rows of the cursor's own second again and drops those it loaded before. It tells
    them apart by the whole row here, not by the key: keyed, an update saved in the same second
    as the last load (same key, same ModifiedDate) would be dropped as already seen.
    """
    return dlt.sources.incremental(CURSOR, primary_key=tuple(table.column_names))


def _window_adapter(table: t.SourceTable, window: Window) -> Callable:
    def adapt(query: sa.Select, sa_table: sa.Table, _incremental: object, engine: sa.Engine) -> sa.Select:
        dialect = engine.dialect.name
        if table is t.SALES_ORDER_DETAIL:
            # Lines carry no date: select those whose order falls in the window.
            header = sa.table(
                t.SALES_ORDER_HEADER.name,
                sa.column("SalesOrderID"),
                sa.column("OrderDate"),
                schema=t.SALES_ORDER_HEADER.schema,
            )
            in_window = sa.select(header.c.SalesOrderID).where(window_clause(header.c.OrderDate, window, dialect))
            return query.where(sa_table.c.SalesOrderID.in_(in_window))
        return query.where(window_clause(sa_table.c[table.partition_column], window, dialect))

    return adapt


# Column types that are documents, shapes, hierarchies or blobs rather than values (by class name,
# as SQLAlchemy's SQL Server dialect names them; its XML type is a Text).
_NOT_PLAIN = {"XML", "GEOGRAPHY", "GEOMETRY", "HIERARCHYID", "IMAGE", "SQL_VARIANT"}


def _plain_value(column_type: sa.types.TypeEngine) -> bool:
    """A number, text, date and time or boolean: what a new source column may bring into raw."""
    if isinstance(column_type, sa.types.NullType):  # a type SQLAlchemy cannot read (geography)
        return False
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return False
    return python_type is not bytes and type(column_type).__name__.upper() not in _NOT_PLAIN


def _table_adapter(table: t.SourceTable, engine: sa.Engine) -> Callable[[sa.Table], None]:
    """Raw accepts what the source holds: only the contract's key columns are NOT NULL in the warehouse.

    A NULL where the source declares NOT NULL (a replica or export without the constraint) then
    lands in `raw` and is reported by the asset checks with its keys, instead of failing the load
    on a warehouse constraint and losing the partition. On SQLite, DATETIME columns compare as the
    text they are stored as (see _SQLITE_DATETIME). The contract's columns are checked first
    (source/drift.py); columns beyond it are kept when they hold plain values.
    """

    def adapt(sa_table: sa.Table) -> None:
        check_columns(table, {column.name: column.type for column in sa_table.columns})
        for column in list(sa_table.columns):
            if column.name not in table.column_names and not _plain_value(column.type):
                # Documents, shapes and blobs beyond the contract (AdventureWorks' XML
                # Person.Demographics, spatial Address.SpatialLocation) stay out of raw: left out
                # the way dlt's own included_columns leaves columns out.
                sa_table._columns.remove(column)
                continue
            column.nullable = column.name not in table.primary_key
            if engine.dialect.name == "sqlite" and isinstance(column.type, sa.DateTime):
                column.type = _SQLITE_DATETIME

    return adapt


def table_resource(engine: sa.Engine, table: t.SourceTable, window: Window | None = None):
    """A dlt resource for one source table: a window of an order table, or a reference table's changes."""
    windowed = table.partition_column is not None and window is not None
    sqlite = engine.dialect.name == "sqlite"
    if windowed:
        loader: type[TableLoader] | None = SqliteWindowLoader if sqlite else WindowLoader
    else:
        loader = SqliteArrowLoader if sqlite else None
    resource = sql_table(
        credentials=engine,
        table=table.name,
        schema=table.schema,
        backend="pyarrow",
        defer_table_reflect=True,
        # Every column the source has that holds plain values: a new one lands in raw (dlt
        # evolves the schema); the contract's are checked as the table is reflected
        # (sales_assets/source/drift.py).
        included_columns=None,
        primary_key=list(table.primary_key),
        write_disposition="merge",
        incremental=None if table.partition_column else _changed_rows(table),
        query_adapter_callback=_window_adapter(table, window) if windowed else None,
        table_adapter_callback=_table_adapter(table, engine),
        table_loader_class=loader,
    )
    return resource.with_name(table.warehouse_name)


def sales_source(engine: sa.Engine, tables: Sequence[t.SourceTable], window: Window | None = None) -> DltSource:
    """A dlt source of the given tables; `window` restricts partitioned tables to [start, end)."""

    @dlt.source(name="adventureworks", max_table_nesting=0)
    def adventureworks():
        return [table_resource(engine, table, window) for table in tables]

    return adventureworks()
