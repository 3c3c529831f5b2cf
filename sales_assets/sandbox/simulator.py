"""A live order-taking system on the embedded source: today's new orders and late changes.

`python -m sales_assets.sandbox simulate --orders 50 --changes 5` writes as the application would:
new orders dated today (header and lines, totals exact), and changes to older orders (status,
a line's quantity with the totals recomputed, a return), each bumping `ModifiedDate` to now. This
is what a source-change sensor has to notice, including the old partitions that late changes touch.
New order lines also take their units out of stock (Production.ProductInventory).
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sales_assets.sandbox import reference_data as ref
from sales_assets.source import tables as t
from sales_assets.source.engine import connect_embedded

MONEY = 10_000


@dataclass
class SimulationReport:
    new_orders: list[int] = field(default_factory=list)
    changed_orders: list[int] = field(default_factory=list)
    new_returns: list[int] = field(default_factory=list)
    order_dates_touched: set[str] = field(default_factory=set)


def _units(value: float) -> int:
    return round(value * MONEY)


def _totals(subtotal: int, tax_bp: int) -> tuple[int, int, int]:
    tax = (subtotal * tax_bp + 5_000) // 10_000
    freight = (subtotal * 250 + 5_000) // 10_000
    return tax, freight, subtotal + tax + freight


def simulate(
    directory: Path, orders: int, changes: int, seed: int | None = None, now: datetime | None = None
) -> SimulationReport:
    """Add `orders` orders for today and change `changes` older orders, in one transaction."""
    rng = random.Random(seed)
    now = now or datetime.now().replace(microsecond=0)
    stamp, today = now.isoformat(" "), f"{now.date().isoformat()} 00:00:00"
    due = f"{(now.date() + timedelta(days=12)).isoformat()} 00:00:00"
    tax_by_territory = {tid: tax for tid, *_, tax in ref.TERRITORIES}
    report = SimulationReport()
    conn = connect_embedded(Path(directory), read_only=False)
    try:
        with conn:
            customers = conn.execute(
                "select c.CustomerID, c.TerritoryID, h.BillToAddressID, c.StoreID is not null from Sales.Customer c "
                "join (select CustomerID, max(BillToAddressID) BillToAddressID from Sales.SalesOrderHeader "
                "group by 1) h using (CustomerID)"
            ).fetchall()
            products = conn.execute(
                "select ProductID, ListPrice from Production.Product where FinishedGoodsFlag and ListPrice > 0 "
                "and ProductID in (select distinct ProductID from Sales.SalesOrderDetail)"
            ).fetchall()
            if not customers or not products:
                raise ValueError(f"{directory} has no orders to model new ones on")
            order_id = conn.execute("select max(SalesOrderID) from Sales.SalesOrderHeader").fetchone()[0] + 1
            detail_id = conn.execute("select max(SalesOrderDetailID) from Sales.SalesOrderDetail").fetchone()[0] + 1
            # A source written before stock was in the contract has no ProductInventory: it still takes
            # orders, without tracking stock (`check` reports the missing table).
            has_stock = _has_table(conn, t.PRODUCT_INVENTORY)
            for _ in range(orders):
                customer, territory, address, is_store = rng.choice(customers)
                picks = {pid: price for pid, price in rng.sample(products, rng.randint(1, 12 if is_store else 3))}
                subtotal_micro = 0
                for pid, price in picks.items():
                    qty = rng.randint(1, 12) if is_store else 1
                    unit = _units(price) * 6 // 10 if is_store else _units(price)
                    line_total = unit * 100 * qty  # no discount on simulated orders
                    subtotal_micro += line_total
                    conn.execute(
                        "insert into Sales.SalesOrderDetail values (?, ?, null, ?, ?, 1, ?, 0, ?, ?, ?)",
                        (order_id, detail_id, qty, pid, unit / MONEY, line_total / 1_000_000, _guid(rng), today),
                    )
                    detail_id += 1
                    if has_stock:
                        _take_from_stock(conn, pid, qty, stamp)
                subtotal = (subtotal_micro + 50) // 100
                tax, freight, total = _totals(subtotal, tax_by_territory.get(territory, 800))
                conn.execute(
                    "insert into Sales.SalesOrderHeader values (?, 8, ?, ?, null, 1, ?, ?, null, ?, ?, null, "
                    "?, ?, ?, ?, null, null, null, ?, ?, ?, ?, null, ?, ?)",
                    (
                        order_id, today, due, not is_store, f"SO{order_id}", f"10-4020-{customer:06d}", customer,
                        territory, address, address, 5 if is_store else 1,
                        subtotal / MONEY, tax / MONEY, freight / MONEY, total / MONEY, _guid(rng), stamp,
                    ),
                )  # fmt: skip
                report.new_orders.append(order_id)
                report.order_dates_touched.add(today[:10])
                order_id += 1
            _late_changes(conn, rng, changes, stamp, now.date(), tax_by_territory, report)
    finally:
        conn.close()
    return report


def _late_changes(
    conn: sqlite3.Connection,
    rng: random.Random,
    changes: int,
    stamp: str,
    today: date,
    tax_by_territory: dict[int, int],
    report: SimulationReport,
) -> None:
    """Change older orders as the business does: ship, correct a quantity, accept a return."""
    candidates = conn.execute(
        "select SalesOrderID, OrderDate, TerritoryID from Sales.SalesOrderHeader where OrderDate < ? "
        "order by OrderDate desc limit 2000",
        (f"{today.isoformat()} 00:00:00",),
    ).fetchall()
    has_returns = _has_table(conn, t.SALES_RETURN)
    for order_id, order_date, territory in rng.sample(candidates, min(changes, len(candidates))):
        kind = rng.choice(["ship", "quantity", "return"] if has_returns else ["ship", "quantity"])
        if kind == "ship":
            conn.execute(
                "update Sales.SalesOrderHeader set Status = 5, ShipDate = coalesce(ShipDate, ?), ModifiedDate = ? "
                "where SalesOrderID = ?",
                (f"{today.isoformat()} 00:00:00", stamp, order_id),
            )
        elif kind == "quantity":
            line_id, qty, unit, discount = conn.execute(
                "select SalesOrderDetailID, OrderQty, UnitPrice, UnitPriceDiscount from Sales.SalesOrderDetail "
                "where SalesOrderID = ? order by SalesOrderDetailID limit 1",
                (order_id,),
            ).fetchone()
            pct = round(discount * 100)
            conn.execute(
                "update Sales.SalesOrderDetail set OrderQty = ?, LineTotal = ?, ModifiedDate = ? "
                "where SalesOrderID = ? and SalesOrderDetailID = ?",
                (qty + 1, _units(unit) * (100 - pct) * (qty + 1) / 1_000_000, stamp, order_id, line_id),
            )
            line_sum = sum(
                round(value * 1_000_000)
                for (value,) in conn.execute(
                    "select LineTotal from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,)
                )
            )
            subtotal = (line_sum + 50) // 100
            tax, freight, total = _totals(subtotal, tax_by_territory.get(territory, 800))
            conn.execute(
                "update Sales.SalesOrderHeader set SubTotal = ?, TaxAmt = ?, Freight = ?, TotalDue = ?, "
                "RevisionNumber = RevisionNumber + 1, ModifiedDate = ? where SalesOrderID = ?",
                (subtotal / MONEY, tax / MONEY, freight / MONEY, total / MONEY, stamp, order_id),
            )
        else:
            line_id, qty = conn.execute(
                "select SalesOrderDetailID, OrderQty from Sales.SalesOrderDetail where SalesOrderID = ? "
                "order by SalesOrderDetailID limit 1",
                (order_id,),
            ).fetchone()
            return_id = conn.execute("select coalesce(max(SalesReturnID), 0) + 1 from Sales.SalesReturn").fetchone()[0]
            conn.execute(
                "insert into Sales.SalesReturn values (?, ?, ?, ?, ?, ?, ?)",
                (
                    return_id,
                    order_id,
                    line_id,
                    f"{today.isoformat()} 00:00:00",
                    1,
                    rng.choice(ref.RETURN_REASONS),
                    stamp,
                ),
            )
            report.new_returns.append(return_id)
            conn.execute("update Sales.SalesOrderHeader set ModifiedDate = ? where SalesOrderID = ?", (stamp, order_id))
        report.changed_orders.append(order_id)
        report.order_dates_touched.add(order_date[:10])


def _has_table(conn: sqlite3.Connection, table: t.SourceTable) -> bool:
    return bool(
        conn.execute(
            f"select count(*) from {table.schema}.sqlite_master where type = 'table' and name = ?", (table.name,)
        ).fetchone()[0]
    )


def _take_from_stock(conn: sqlite3.Connection, product_id: int, qty: int, stamp: str) -> None:
    """Ship `qty` units: from Finished Goods Storage first, then the product's other locations.

    Stock never goes below 0: units beyond it are a backorder, which is not modelled (the order
    is taken all the same). Only the rows whose quantity changes get the new ModifiedDate. Late
    quantity corrections and returns leave stock alone: the snapshot moves with new orders only.
    """
    rows = conn.execute(
        "select LocationID, Quantity from Production.ProductInventory where ProductID = ? and Quantity > 0 "
        "order by LocationID != ?, LocationID",
        (product_id, ref.FINISHED_GOODS_STORAGE),
    ).fetchall()
    for location, on_hand in rows:
        if qty == 0:
            break
        taken = min(qty, on_hand)
        conn.execute(
            "update Production.ProductInventory set Quantity = ?, ModifiedDate = ? "
            "where ProductID = ? and LocationID = ?",
            (on_hand - taken, stamp, product_id, location),
        )
        qty -= taken


def _guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032X}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
