"""Change detection on the order-taking database: which order dates have new or changed rows.

The application stamps `ModifiedDate` on every insert and update (AdventureWorks does, and so
does our simulator). Each query asks only for rows modified after a high-water mark, grouped by
the date that places them in a partition, so its cost follows the number of changed rows through
the `ModifiedDate` indexes, never the size of history:

- order headers, by `OrderDate`;
- order lines, by their order's `OrderDate` (a late quantity change rebuilds that old day);
- returns, by `ReturnDate` (the partition the returns table is loaded by);
- reference tables (products, customers, ...), which belong to no day: that one changed is enough
  (the next run of any day loads their changes and rebuilds the marts that name them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from sales_assets.source import tables as t
from sales_assets.source.engine import has_table
from sales_assets.source.queries import datetime_param, table


@dataclass(frozen=True)
class SourceChanges:
    """Order dates with rows modified after the mark, and the newest modification seen."""

    dates: frozenset[date]
    high_water: datetime | None
    rows: int  # changed rows found (headers + lines + returns), for the sensor's log
    reference_tables: frozenset[str] = frozenset()  # reference tables with changed rows (qualified names)


def change_queries(since: datetime, dialect: str, returns: bool = True) -> list[sa.Select]:
    """(partition timestamp, newest ModifiedDate, changed rows) per partition, modified after `since`."""
    header = table(t.SALES_ORDER_HEADER, "SalesOrderID", "OrderDate", "ModifiedDate")
    detail = table(t.SALES_ORDER_DETAIL, "SalesOrderID", "ModifiedDate")
    queries = [
        sa.select(header.c.OrderDate, sa.func.max(header.c.ModifiedDate), sa.func.count())
        .where(header.c.ModifiedDate > datetime_param("since", since, dialect))
        .group_by(header.c.OrderDate),
        sa.select(header.c.OrderDate, sa.func.max(detail.c.ModifiedDate), sa.func.count())
        .select_from(detail.join(header, detail.c.SalesOrderID == header.c.SalesOrderID))
        .where(detail.c.ModifiedDate > datetime_param("since", since, dialect))
        .group_by(header.c.OrderDate),
    ]
    if returns:
        ret = table(t.SALES_RETURN, "ReturnDate", "ModifiedDate")
        queries.append(
            sa.select(ret.c.ReturnDate, sa.func.max(ret.c.ModifiedDate), sa.func.count())
            .where(ret.c.ModifiedDate > datetime_param("since", since, dialect))
            .group_by(ret.c.ReturnDate)
        )
    return queries


def reference_change_queries(since: datetime, dialect: str) -> dict[str, sa.Select]:
    """Per reference table, its newest ModifiedDate after `since` (NULL: no change); an index lookup
    on the tables that grow with the business, a scan of a few hundred rows on the others."""
    queries = {}
    for source in t.REFERENCE_TABLES:
        modified = table(source, "ModifiedDate").c.ModifiedDate
        queries[source.qualified_name] = sa.select(sa.func.max(modified)).where(
            modified > datetime_param("since", since, dialect)
        )
    return queries


def high_water_queries(returns: bool = True) -> list[sa.Select]:
    """The newest ModifiedDate of each watched table (an index lookup each, or a small table's scan)."""
    watched = [t.SALES_ORDER_HEADER, t.SALES_ORDER_DETAIL, *([t.SALES_RETURN] if returns else []), *t.REFERENCE_TABLES]
    return [sa.select(sa.func.max(table(source, "ModifiedDate").c.ModifiedDate)) for source in watched]


def _has_returns(engine: sa.Engine) -> bool:
    return has_table(engine, t.SALES_RETURN.schema, t.SALES_RETURN.name)


def latest_modification(engine: sa.Engine) -> datetime | None:
    """The newest ModifiedDate in the watched tables: where a new watcher starts."""
    with engine.connect() as conn:
        values = [conn.execute(query).scalar() for query in high_water_queries(_has_returns(engine))]
    return max((value for value in values if value is not None), default=None)


def detect_changes(engine: sa.Engine, since: datetime) -> SourceChanges:
    """Order (and return) dates with rows modified after `since`, and the reference tables changed."""
    dates: set[date] = set()
    modifications: list[datetime] = []
    rows = 0
    with engine.connect() as conn:
        for query in change_queries(since, engine.dialect.name, _has_returns(engine)):
            for day, modified, count in conn.execute(query):
                dates.add(day.date())
                modifications.append(modified)
                rows += count
        reference = {}
        for name, query in reference_change_queries(since, engine.dialect.name).items():
            if (modified := conn.execute(query).scalar()) is not None:
                reference[name] = modified
    high_water = max([*modifications, *reference.values()], default=None)
    return SourceChanges(frozenset(dates), high_water, rows, frozenset(reference))
