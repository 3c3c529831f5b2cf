"""Fault injection for the embedded source: known bad rows for data-quality checks to catch.

`python -m sales_assets.sandbox inject --faults all` (or `generate --inject all`) damages a few
orders, one kind of fault per order date, and reports exactly which rows it touched. Every row of
every other day stays byte-identical, so the pipeline still loads those days unchanged, and a test or
demo knows which partition each check must flag. Money is computed in exact integer units, as the
generator and simulator do, so recomputed totals are exact (or off by exactly what the fault says).

Why ~400 lines: one small function per fault kind, each with what it damages and how it reports
it; a kind read on its own is easier to trust than kinds split across modules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sales_assets.sandbox import reference_data as ref
from sales_assets.sandbox.writer import create_indexes
from sales_assets.source import tables as t
from sales_assets.source.engine import connect_embedded

FAULT_KINDS: tuple[str, ...] = (
    "null_keys",
    "orphans",
    "negative_qty",
    "duplicate_lines",
    "total_mismatch",
    "future_dates",
    "revenue_spike",
)

MONEY = 10_000  # NUMERIC(19,4) in ten-thousandths
LINE = 1_000_000  # LineTotal, NUMERIC(38,6), in millionths
MIN_ORDERS = 3  # a default day needs a few orders, so one bad order doesn't empty it
ORPHAN_OFFSET = 1_000  # orphan ProductID = max ProductID + this: never a real product
MISMATCH = 10 * MONEY  # total_mismatch adds 10.0000 to SubTotal and TotalDue
FUTURE_DAYS, DUE_DAYS = 30, 12  # future_dates: OrderDate now + 30 days, due 12 days later
SPIKE = 50  # revenue_spike multiplies the order's quantities
DEFAULT_TAX_BP = 800  # as the simulator: territories not in the reference data pay 8%

HEADER, DETAIL = t.SALES_ORDER_HEADER, t.SALES_ORDER_DETAIL


@dataclass(frozen=True)
class InjectedFault:
    kind: str
    table: str  # qualified source table, e.g. "Sales.SalesOrderHeader"
    order_date: date  # the order date (partition) of the faulty rows before injection
    order_ids: tuple[int, ...]  # SalesOrderIDs affected
    detail: str  # one sentence: what was changed, naming column and keys

    def summary(self) -> str:
        """One line for the command line."""
        ids = ",".join(map(str, self.order_ids))
        return f"{self.kind:<16} {self.table:<23} {self.order_date}  orders {ids}: {self.detail}"


def parse_kinds(text: str) -> list[str]:
    """'a,b' -> ['a', 'b']; 'all' -> every kind; repeated kinds once; unknown kinds -> ValueError."""
    tokens = [token.strip().lower() for token in text.split(",") if token.strip()]
    if not tokens:
        raise ValueError(f"no fault kinds given; valid kinds: {', '.join(FAULT_KINDS)} (or all)")
    _check_kinds([token for token in tokens if token != "all"])
    kinds: list[str] = []
    for token in tokens:
        kinds.extend(kind for kind in (FAULT_KINDS if token == "all" else (token,)) if kind not in kinds)
    return kinds


def inject_faults(
    directory: Path, kinds: Sequence[str], days: Sequence[date] | None = None, now: datetime | None = None
) -> list[InjectedFault]:
    """Inject each kind into its own order date, all in one transaction.

    Without `days`, kinds[0] goes to the newest order date with at least 3 orders, kinds[1] to the
    next, and so on. Affected orders are chosen deterministically (the day's lowest SalesOrderIDs;
    its largest order for revenue_spike); kinds that touch two orders or lines touch fewer on a
    given day that has fewer. Every modified or inserted row gets ModifiedDate = `now`.
    """
    kinds = list(kinds)
    _check_kinds(kinds)
    if days is not None:
        days = list(days)
        if len(days) != len(kinds):
            raise ValueError(f"{len(days)} day(s) given for {len(kinds)} fault kind(s); give one day per kind")
        if len(set(days)) != len(days):
            raise ValueError(f"each fault kind needs its own day; days repeat in {', '.join(map(str, days))}")
    if not kinds:
        return []
    now = (now or datetime.now()).replace(microsecond=0)
    conn = connect_embedded(Path(directory), read_only=False)
    # Explicit BEGIN/COMMIT: sqlite3's implicit transactions would commit the table rebuilds (DDL) apart.
    conn.isolation_level = None
    try:
        conn.execute("BEGIN")
        try:
            chosen = _recent_days(conn, len(kinds)) if days is None else _check_days(conn, days)
            faults = [_INJECTORS[kind](conn, day, now) for kind, day in zip(kinds, chosen, strict=True)]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return faults


def _check_kinds(kinds: Collection[str]) -> None:
    unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kind(s): {', '.join(unknown)}; valid kinds: {', '.join(FAULT_KINDS)} (or all)")


# --- choosing days and rows -------------------------------------------------------------------


def _ts(d: date) -> str:
    """Timestamps are stored as ISO text; a day's orders sort between its midnight and the next."""
    return f"{d.isoformat()} 00:00:00"


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M:%S")


def _recent_days(conn: sqlite3.Connection, n: int) -> list[date]:
    rows = conn.execute(
        "select substr(OrderDate, 1, 10) d from Sales.SalesOrderHeader group by d having count(*) >= ? "
        "order by d desc limit ?",
        (MIN_ORDERS, n),
    ).fetchall()
    if len(rows) < n:
        raise ValueError(
            f"{n} fault kind(s) need {n} order dates with at least {MIN_ORDERS} orders; the source has {len(rows)}"
        )
    return [date.fromisoformat(d) for (d,) in rows]


def _check_days(conn: sqlite3.Connection, days: Sequence[date]) -> list[date]:
    for day in days:
        if not _orders(conn, day, 1):
            raise ValueError(f"no orders on {day} in the source to inject a fault into")
    return list(days)


def _orders(conn: sqlite3.Connection, day: date, limit: int, order_by: str = "SalesOrderID") -> list[int]:
    rows = conn.execute(
        f"select SalesOrderID from Sales.SalesOrderHeader where OrderDate >= ? and OrderDate < ? "
        f"order by {order_by} limit ?",
        (_ts(day), _ts(day + timedelta(days=1)), limit),
    ).fetchall()
    return [order_id for (order_id,) in rows]


def _lines(conn: sqlite3.Connection, day: date, limit: int) -> list[tuple[int, int]]:
    """The day's first lines as (SalesOrderID, SalesOrderDetailID)."""
    return conn.execute(
        "select d.SalesOrderID, d.SalesOrderDetailID from Sales.SalesOrderDetail d "
        "join Sales.SalesOrderHeader h using (SalesOrderID) where h.OrderDate >= ? and h.OrderDate < ? "
        "order by 1, 2 limit ?",
        (_ts(day), _ts(day + timedelta(days=1)), limit),
    ).fetchall()


# --- exact money --------------------------------------------------------------------------------


def _money(value: float) -> int:
    return round(value * MONEY)


def _line(value: float) -> int:
    return round(value * LINE)


def _subtotal(line_sum: int) -> int:
    """SUM(LineTotal) rounded half-up (away from zero, as Decimal's ROUND_HALF_UP) to money."""
    sign = -1 if line_sum < 0 else 1
    return sign * ((abs(line_sum) + 50) // 100)


def _line_sum(conn: sqlite3.Connection, order_id: int) -> int:
    rows = conn.execute("select LineTotal from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,))
    return sum(_line(value) for (value,) in rows)


def _fmt(units: int, places: int = 4) -> str:
    return str(Decimal(units).scaleb(-places))


def _keys(lines: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"({order_id}, {line_id})" for order_id, line_id in lines)


# --- relaxing the contract ----------------------------------------------------------------------


def _rebuild(conn: sqlite3.Connection, table: t.SourceTable, relaxed: Collection[str] = (), key: bool = True) -> None:
    """Recreate `table` without NOT NULL on `relaxed` (and without its key unless `key`).

    SQLite cannot drop a constraint, so: create the relaxed table beside it, copy every row as
    stored, drop the old one, rename, recreate the contract's indexes. Relaxations from an earlier
    injection are kept; a table already as loose as asked is left alone.
    """
    info = conn.execute(f'pragma "{table.schema}".table_info("{table.name}")').fetchall()
    nullable = {name for _, name, _, notnull, _, _ in info if not notnull}
    has_key = any(pk for *_, pk in info)
    if set(relaxed) <= nullable and (key or not has_key):
        return
    schema, new = f'"{table.schema}"', f"{table.name}__new"
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    conn.execute(table.ddl(relaxed=set(relaxed) | nullable, primary_key=key and has_key, name=new, schema=table.schema))
    conn.execute(f'insert into {schema}."{new}" ({cols}) select {cols} from {schema}."{table.name}"')
    conn.execute(f'drop table {schema}."{table.name}"')
    conn.execute(f'alter table {schema}."{new}" rename to "{table.name}"')
    create_indexes(conn, table, schema=table.schema)  # qualified: the files are attached


# --- the faults -----------------------------------------------------------------------------------


def _null_keys(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    order_ids = _orders(conn, day, 2)
    _rebuild(conn, HEADER, relaxed=("CustomerID",))
    marks = ", ".join("?" * len(order_ids))
    conn.execute(
        f"update Sales.SalesOrderHeader set CustomerID = null, ModifiedDate = ? where SalesOrderID in ({marks})",
        (_stamp(now), *order_ids),
    )
    return InjectedFault(
        "null_keys",
        HEADER.qualified_name,
        day,
        tuple(order_ids),
        f"Set Sales.SalesOrderHeader.CustomerID to NULL on SalesOrderID {', '.join(map(str, order_ids))} "
        "(the table rebuilt without NOT NULL on CustomerID).",
    )


def _orphans(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    lines = _lines(conn, day, 2)
    (max_product,) = conn.execute("select max(ProductID) from Production.Product").fetchone()
    orphan = (max_product or 0) + ORPHAN_OFFSET
    conn.executemany(
        "update Sales.SalesOrderDetail set ProductID = ?, ModifiedDate = ? "
        "where SalesOrderID = ? and SalesOrderDetailID = ?",
        [(orphan, _stamp(now), order_id, line_id) for order_id, line_id in lines],
    )
    return InjectedFault(
        "orphans",
        DETAIL.qualified_name,
        day,
        tuple(sorted({order_id for order_id, _ in lines})),
        f"Set Sales.SalesOrderDetail.ProductID to {orphan}, not in Production.Product, on lines "
        f"(SalesOrderID, SalesOrderDetailID) {_keys(lines)}.",
    )


def _negative_qty(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    (order_id,) = _orders(conn, day, 1)
    line_id, qty, line_total = conn.execute(
        "select SalesOrderDetailID, OrderQty, LineTotal from Sales.SalesOrderDetail where SalesOrderID = ? "
        "order by SalesOrderDetailID limit 1",
        (order_id,),
    ).fetchone()
    # LineTotal is linear in OrderQty: negating the quantity negates it exactly.
    new_line = -_line(line_total)
    stamp = _stamp(now)
    conn.execute(
        "update Sales.SalesOrderDetail set OrderQty = ?, LineTotal = ?, ModifiedDate = ? "
        "where SalesOrderID = ? and SalesOrderDetailID = ?",
        (-qty, new_line / LINE, stamp, order_id, line_id),
    )
    tax, freight = conn.execute(
        "select TaxAmt, Freight from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
    ).fetchone()
    subtotal = _subtotal(_line_sum(conn, order_id))
    total = subtotal + _money(tax) + _money(freight)
    conn.execute(
        "update Sales.SalesOrderHeader set SubTotal = ?, TotalDue = ?, ModifiedDate = ? where SalesOrderID = ?",
        (subtotal / MONEY, total / MONEY, stamp, order_id),
    )
    return InjectedFault(
        "negative_qty",
        DETAIL.qualified_name,
        day,
        (order_id,),
        f"Set Sales.SalesOrderDetail.OrderQty of line ({order_id}, {line_id}) to {-qty} and its LineTotal to "
        f"{_fmt(new_line, 6)}; the order's SubTotal ({_fmt(subtotal)}) and TotalDue ({_fmt(total)}) recomputed, "
        "TaxAmt and Freight kept.",
    )


def _duplicate_lines(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    ((order_id, line_id),) = _lines(conn, day, 1)
    _rebuild(conn, DETAIL, key=False)
    key = (order_id, line_id)
    conn.execute(
        "update Sales.SalesOrderDetail set ModifiedDate = ? where SalesOrderID = ? and SalesOrderDetailID = ?",
        (_stamp(now), *key),
    )
    conn.execute(
        "insert into Sales.SalesOrderDetail select * from Sales.SalesOrderDetail "
        "where SalesOrderID = ? and SalesOrderDetailID = ? limit 1",
        key,
    )
    return InjectedFault(
        "duplicate_lines",
        DETAIL.qualified_name,
        day,
        (order_id,),
        f"Inserted Sales.SalesOrderDetail line (SalesOrderID, SalesOrderDetailID) {_keys([key])} a second time "
        "with the same key and values (the table rebuilt without its primary key).",
    )


def _total_mismatch(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    (order_id,) = _orders(conn, day, 1)
    subtotal, total = (
        _money(value)
        for value in conn.execute(
            "select SubTotal, TotalDue from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
        ).fetchone()
    )
    conn.execute(
        "update Sales.SalesOrderHeader set SubTotal = ?, TotalDue = ?, ModifiedDate = ? where SalesOrderID = ?",
        ((subtotal + MISMATCH) / MONEY, (total + MISMATCH) / MONEY, _stamp(now), order_id),
    )
    return InjectedFault(
        "total_mismatch",
        HEADER.qualified_name,
        day,
        (order_id,),
        f"Raised Sales.SalesOrderHeader.SubTotal and TotalDue of SalesOrderID {order_id} by {_fmt(MISMATCH)} "
        f"(to {_fmt(subtotal + MISMATCH)} and {_fmt(total + MISMATCH)}), so they disagree with its lines.",
    )


def _future_dates(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    (order_id,) = _orders(conn, day, 1)
    future = now.date() + timedelta(days=FUTURE_DAYS)
    due = future + timedelta(days=DUE_DAYS)
    conn.execute(
        "update Sales.SalesOrderHeader set OrderDate = ?, DueDate = ?, ShipDate = null, Status = 1, "
        "ModifiedDate = ? where SalesOrderID = ?",
        (_ts(future), _ts(due), _stamp(now), order_id),
    )
    return InjectedFault(
        "future_dates",
        HEADER.qualified_name,
        day,
        (order_id,),
        f"Moved Sales.SalesOrderHeader.OrderDate of SalesOrderID {order_id} from {day} to {future}, "
        f"{FUTURE_DAYS} days after now (DueDate {due}, ShipDate NULL, Status 1).",
    )


def _revenue_spike(conn: sqlite3.Connection, day: date, now: datetime) -> InjectedFault:
    # The day's largest order, so the spike dominates the day's revenue however many orders it has.
    (order_id,) = _orders(conn, day, 1, order_by="SubTotal desc, SalesOrderID")
    stamp = _stamp(now)
    lines = conn.execute(
        "select SalesOrderDetailID, LineTotal from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,)
    ).fetchall()
    conn.executemany(
        "update Sales.SalesOrderDetail set OrderQty = OrderQty * ?, LineTotal = ?, ModifiedDate = ? "
        "where SalesOrderID = ? and SalesOrderDetailID = ?",
        [(SPIKE, _line(value) * SPIKE / LINE, stamp, order_id, line_id) for line_id, value in lines],
    )
    old_total, territory = conn.execute(
        "select TotalDue, TerritoryID from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
    ).fetchone()
    subtotal = _subtotal(_line_sum(conn, order_id))
    # Tax and freight as the generator charges them: the territory's rate, and 2.5% freight.
    tax_bp = {tid: tax for tid, *_, tax in ref.TERRITORIES}.get(territory, DEFAULT_TAX_BP)
    tax = (subtotal * tax_bp + 5_000) // 10_000
    freight = (subtotal * 250 + 5_000) // 10_000
    total = subtotal + tax + freight
    conn.execute(
        "update Sales.SalesOrderHeader set SubTotal = ?, TaxAmt = ?, Freight = ?, TotalDue = ?, ModifiedDate = ? "
        "where SalesOrderID = ?",
        (subtotal / MONEY, tax / MONEY, freight / MONEY, total / MONEY, stamp, order_id),
    )
    return InjectedFault(
        "revenue_spike",
        HEADER.qualified_name,
        day,
        (order_id,),
        f"Multiplied Sales.SalesOrderDetail.OrderQty by {SPIKE} on all {len(lines)} line(s) of SalesOrderID "
        f"{order_id}; LineTotal, SubTotal, TaxAmt and Freight recomputed, TotalDue {_fmt(_money(old_total))} -> "
        f"{_fmt(total)}.",
    )


_INJECTORS: dict[str, Callable[[sqlite3.Connection, date, datetime], InjectedFault]] = {
    "null_keys": _null_keys,
    "orphans": _orphans,
    "negative_qty": _negative_qty,
    "duplicate_lines": _duplicate_lines,
    "total_mismatch": _total_mismatch,
    "future_dates": _future_dates,
    "revenue_spike": _revenue_spike,
}
assert set(_INJECTORS) == set(FAULT_KINDS)
