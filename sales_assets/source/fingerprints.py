"""Per-day fingerprints of the order tables, on the source and on raw: what the reconciliation compares.

A deleted order leaves no row with a newer `ModifiedDate`, and an edit saved without touching it
leaves none either, so the change cursor (changes.py) cannot see them. A day's fingerprint can:

- order headers per `OrderDate`: orders, SUM(TotalDue) exactly (in ten-thousandths: money is
  NUMERIC(19,4)), newest `ModifiedDate`;
- returns per `ReturnDate`: returns, newest `ModifiedDate` (when the source has the table).

The source side is one grouped query per table over the indexed date column (a scan of that
index, no sort); raw's is the same aggregate over dlt's snake_case columns, with `?` placeholders
for any warehouse session (DuckDB or Snowflake). Both are defined here, side by side, so that what
"the same day" means cannot drift between them. Values are normalized in Python to one form:
dates, integer ten-thousandths, naive UTC datetimes to the microsecond (the SQLite source keeps
'YYYY-MM-DD HH:MM:SS[.ffffff]' text, raw keeps what dlt loaded as UTC timestamps).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sales_assets.source import tables as t
from sales_assets.source.engine import has_table
from sales_assets.source.queries import Window, table, window_clause

_NAMING = NamingConvention()
MONEY_UNITS = 10_000  # NUMERIC(19,4): sums are compared in integer ten-thousandths
# A warehouse session's query function, (sql with `?` placeholders, params) -> rows.
RawQuery = Callable[[str, Sequence[Any]], list[tuple]]


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    total: int | None  # SUM(TotalDue) in ten-thousandths; None for returns
    modified: datetime | None  # newest ModifiedDate, naive UTC

    def __str__(self) -> str:
        total = "" if self.total is None else f", total {Decimal(self.total).scaleb(-4)}"
        return f"{self.rows} rows{total}, modified {self.modified}"

    def __add__(self, other: Fingerprint) -> Fingerprint:
        """Two groups of one day (a day's rows stamped at different times of day) as one."""
        total = None if self.total is None else self.total + (other.total or 0)
        modified = max((m for m in (self.modified, other.modified) if m is not None), default=None)
        return Fingerprint(self.rows + other.rows, total, modified)


# Per table (its qualified source name), per day.
Fingerprints = dict[str, dict[date, Fingerprint]]


@dataclass(frozen=True)
class Difference:
    table: str
    day: date
    source: Fingerprint | None  # None: the day has no rows there
    raw: Fingerprint | None

    def __str__(self) -> str:
        return f"{self.table} {self.day}: source {self.source or 'no rows'}; raw {self.raw or 'no rows'}"


@dataclass(frozen=True)
class FingerprintedTable:
    source: t.SourceTable
    day_column: str  # the source column that places a row in a partition
    total_column: str | None  # a money column summed exactly, if any

    @property
    def raw_columns(self) -> tuple[str, str | None]:
        return _snake(self.day_column), _snake(self.total_column) if self.total_column else None


def _snake(column: str) -> str:
    """The column's name in raw, as dlt normalizes it (OrderDate -> order_date)."""
    return _NAMING.normalize_identifier(column)


HEADER = FingerprintedTable(t.SALES_ORDER_HEADER, "OrderDate", "TotalDue")
RETURNS = FingerprintedTable(t.SALES_RETURN, "ReturnDate", None)
FINGERPRINTED = (HEADER, RETURNS)


def source_query(spec: FingerprintedTable, window: Window, dialect: str) -> sa.Select:
    """(day, rows, exact sum or NULL, newest ModifiedDate) per distinct value of the day column in the window."""
    columns = [spec.day_column, "ModifiedDate", *([spec.total_column] if spec.total_column else [])]
    source = table(spec.source, *columns)
    day = source.c[spec.day_column]
    if spec.total_column is None:
        total = sa.null()
    elif dialect == "sqlite":
        # SQLite stores NUMERIC as REAL: each value rounded to whole ten-thousandths is exact, a float sum is not.
        total = sa.func.sum(sa.cast(sa.func.round(source.c[spec.total_column] * MONEY_UNITS), sa.Integer))
    else:
        total = sa.func.sum(source.c[spec.total_column])  # money/decimal: exact
    return (
        sa.select(day, sa.func.count(), total, sa.func.max(source.c.ModifiedDate))
        .where(window_clause(day, window, dialect))
        .group_by(day)
    )


def raw_query(spec: FingerprintedTable) -> str:
    """The same aggregate over raw; timestamps cast to naive, which a UTC session leaves in UTC."""
    day, total = spec.raw_columns
    return (
        f"select cast({day} as timestamp), count(*), {f'sum({total})' if total else 'null'}, "
        f"max(cast({_snake('ModifiedDate')} as timestamp)) from raw.{spec.source.warehouse_name} "
        f"where cast({day} as timestamp) >= ? and cast({day} as timestamp) < ? group by 1"
    )


def source_fingerprints(engine: sa.Engine, window: Window) -> Fingerprints:
    """The source's fingerprints in the window, for the tables it has (real AdventureWorks has no returns)."""
    present = [spec for spec in FINGERPRINTED if has_table(engine, spec.source.schema, spec.source.name)]
    with engine.connect() as conn:
        return {
            spec.source.qualified_name: _by_day(conn.execute(source_query(spec, window, engine.dialect.name)))
            for spec in present
        }


def raw_fingerprints(query: RawQuery, window: Window, tables: Iterable[str]) -> Fingerprints | None:
    """Raw's fingerprints of `tables` (qualified source names) in one session; None when raw holds
    no order headers yet (nothing loaded). A missing raw returns table has no returns loaded yet."""
    loaded = {name.lower() for (name,) in query(_RAW_TABLES, ())}
    if HEADER.source.warehouse_name not in loaded:
        return None
    wanted = set(tables)
    return {
        spec.source.qualified_name: _by_day(query(raw_query(spec), list(window)))
        if spec.source.warehouse_name in loaded
        else {}
        for spec in FINGERPRINTED
        if spec.source.qualified_name in wanted
    }


_RAW_TABLES = "select table_name from information_schema.tables where lower(table_schema) = 'raw'"


def differences(source: Fingerprints, raw: Fingerprints) -> list[Difference]:
    """Days whose fingerprints differ (or that one side lacks), by table then day."""
    found = []
    for name in sorted(source.keys() | raw.keys()):
        ours, theirs = source.get(name, {}), raw.get(name, {})
        found += [
            Difference(name, day, ours.get(day), theirs.get(day))
            for day in sorted(ours.keys() | theirs.keys())
            if ours.get(day) != theirs.get(day)
        ]
    return found


def digest(found: Sequence[Difference]) -> str:
    """A short, stable digest of differences: equal for the same divergence, new for any other."""
    text = "\n".join(f"{d.table}|{d.day}|{d.source!r}|{d.raw!r}" for d in sorted(found, key=lambda d: (d.day, d.table)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _by_day(rows: Iterable[Sequence[Any]]) -> dict[date, Fingerprint]:
    days: dict[date, Fingerprint] = {}
    for day, count, total, modified in rows:
        day = _datetime(day).date()
        fingerprint = Fingerprint(int(count), None if total is None else _units(total), _datetime(modified))
        days[day] = days[day] + fingerprint if day in days else fingerprint
    return days


def _units(value: int | Decimal | float) -> int:
    """A sum of money as integer ten-thousandths (already so on the SQLite source)."""
    if isinstance(value, int):
        return value
    return int((Decimal(str(value)) * MONEY_UNITS).to_integral_value())


def _datetime(value: datetime | date | str | None) -> datetime | None:
    """Naive UTC: aware values are converted, text (a driver that returns it) parsed."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
