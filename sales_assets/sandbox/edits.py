"""Single edits an order-entry application makes to the embedded source, for the edit storm.

A storm test applies random sequences of these to a small generated source, runs the pipeline
between them and compares the result with a full rebuild, so each edit must be one a real
application makes and must leave the source as consistent as the application would:

- one transaction per edit, and every row it inserts or updates stamped with the editor's clock,
  which then moves on by a second (`ModifiedDate` has second resolution and change watchers read
  `ModifiedDate > cursor`, so no edit shares a stamp with the one before);
- an order's header follows its lines exactly as the simulator keeps it (integer money units:
  SubTotal = SUM(LineTotal) rounded half up to 4 places, TaxAmt by the order's territory, Freight
  2.5%, TotalDue their sum) and RevisionNumber goes up by one on every header change;
- what a foreign key would forbid never happens: deleting a line or an order deletes its returns,
  only customers without orders are deleted, a return never exceeds the units still kept nor
  precedes its order, and an order never moves past its own first return;
- order and return dates written stay in [first_day, end_day), and only orders dated there are
  edited, so every date an edit reports is a partition of the storm's range.

Each edit returns an `Edit` naming the order and return dates whose rows it changed, old and new
(empty for customer and product edits: no order or return row changes). Candidates are read in key
order and every choice draws on the editor's rng, so a seed replays the same sequence.

Why ~600 lines: one short method per edit kind, each saying what it changes and why it stays
valid, sharing a few helpers (picking a candidate, rewriting a line, the header's totals); a kind
read on its own is easier to trust, as in `faults`.
"""

from __future__ import annotations

import functools
import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sales_assets.sandbox import reference_data as ref

# The simulator's money and stock rules: shared, so the two writers of live orders cannot drift apart.
from sales_assets.sandbox.simulator import MONEY, _guid, _has_table, _take_from_stock, _totals, _units
from sales_assets.source import tables as t
from sales_assets.source.engine import connect_embedded

EDIT_KINDS: tuple[str, ...] = (
    "new_order",
    "correct_quantity",
    "correct_price",
    "move_date",
    "move_customer",
    "delete_line",
    "delete_order",
    "cancel",
    "reject",
    "add_return",
    "rename_product",
    "reprice_product",
    "new_customer",
    "delete_customer",
)

LINE = 1_000_000  # LineTotal, NUMERIC(38,6), in millionths
DEFAULT_TAX_BP = 800  # as the simulator: a territory not in the reference data pays 8%
REJECTED, CANCELLED = 4, 6
IN_BOUNDS = "h.OrderDate >= ? and h.OrderDate < ?"
# Rows the editor stamps: the clock must start after the newest of them, or a watcher misses edits.
STAMPED = (
    t.SALES_ORDER_HEADER,
    t.SALES_ORDER_DETAIL,
    t.SALES_RETURN,
    t.CUSTOMER,
    t.PERSON,
    t.ADDRESS,
    t.PRODUCT,
    t.PRODUCT_INVENTORY,
)


@dataclass(frozen=True)
class Edit:
    kind: str  # a name in EDIT_KINDS
    keys: tuple  # the keys touched, e.g. (SalesOrderID,) or (SalesOrderID, SalesOrderDetailID)
    days: frozenset[date]  # every order or return date whose rows changed, old and new
    detail: str  # for failure messages, e.g. "order 43712 moved 2013-01-04 -> 2013-01-09"


def _ts(day: date) -> str:
    return f"{day.isoformat()} 00:00:00"


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _new_price(rng: random.Random, units: int, most_pct: int) -> int:
    """A price up to `most_pct`% away from `units`, in whole cents, never the same nor below a cent."""
    pct = rng.choice([p for p in range(100 - most_pct, 101 + most_pct) if p != 100])
    new = max(100, (units * pct // 100 + 50) // 100 * 100)
    return new + 100 if new == units else new


def _edit(method: Callable[[SourceEditor, sqlite3.Connection], Edit | None]) -> Callable[[SourceEditor], Edit | None]:
    """Run an edit in one transaction stamped with the clock, then move the clock on a second."""

    @functools.wraps(method)
    def run(self: SourceEditor) -> Edit | None:
        conn = connect_embedded(self.directory, read_only=False)
        try:
            with conn:
                # One transaction from the first read: the candidates cannot change before the write. Deferred,
                # not IMMEDIATE, which would lock all three files and make every commit a multi-file one.
                conn.execute("begin")
                return method(self, conn)
        finally:
            conn.close()
            self.now += timedelta(seconds=1)

    return run


class SourceEditor:
    """Applies edits to the embedded source in `directory`; see the module docstring.

    `now` is the clock: the `ModifiedDate` the next edit stamps. It advances a second per edit, and
    a caller may move it further forward (never back).
    """

    def __init__(self, directory: Path, rng: random.Random, first_day: date, end_day: date, now: datetime) -> None:
        if end_day <= first_day:
            raise ValueError(f"end_day {end_day} must be after first_day {first_day}")
        self.directory, self.rng = Path(directory), rng
        self.first_day, self.end_day = first_day, end_day
        self.now = now.replace(microsecond=0)
        self.tax_by_territory = {tid: tax for tid, *_, tax in ref.TERRITORIES}
        self._bounds = (_ts(first_day), _ts(end_day))
        self._issued: dict[str, int] = {}  # the highest id issued per key, never reused (as IDENTITY)
        conn = connect_embedded(self.directory)
        try:
            self.has_returns = _has_table(conn, t.SALES_RETURN)  # optional: AdventureWorks has none
            self.has_stock = _has_table(conn, t.PRODUCT_INVENTORY)
            newest = max(
                (
                    value
                    for table in STAMPED
                    if _has_table(conn, table)
                    for (value,) in conn.execute(f"select max(ModifiedDate) from {table.qualified_name}")
                    if value is not None
                ),
                default=None,
            )
        finally:
            conn.close()
        if newest is not None and self.stamp <= newest:
            raise ValueError(
                f"now ({self.stamp}) must be after the source's newest ModifiedDate ({newest}): a watcher "
                "reading ModifiedDate > cursor would miss the edits; start the clock later"
            )

    @property
    def stamp(self) -> str:
        """The clock as the source stores datetimes: 'YYYY-MM-DD HH:MM:SS'."""
        return self.now.strftime("%Y-%m-%d %H:%M:%S")

    def apply(self, kind: str) -> Edit | None:
        if kind not in EDIT_KINDS:
            raise ValueError(f"unknown edit kind {kind!r}; known: {', '.join(EDIT_KINDS)}")
        return getattr(self, kind)()

    # -- orders ---------------------------------------------------------------------------------
    @_edit
    def new_order(self, conn: sqlite3.Connection) -> Edit | None:
        """An order with 1..N lines for a customer who has ordered before, on a day in the bounds."""
        rng = self.rng
        # As the simulator: customers with an address from their orders, products that sell.
        customers = conn.execute(
            "select c.CustomerID, c.TerritoryID, h.BillToAddressID, c.StoreID is not null from Sales.Customer c "
            "join (select CustomerID, max(BillToAddressID) BillToAddressID from Sales.SalesOrderHeader group by 1) h "
            "using (CustomerID) order by 1"
        ).fetchall()
        products = conn.execute(
            "select ProductID, ListPrice from Production.Product where FinishedGoodsFlag and ListPrice > 0 "
            "and ProductID in (select ProductID from Sales.SalesOrderDetail) order by 1"
        ).fetchall()
        if not customers or not products:
            return None
        customer, territory, address, is_store = rng.choice(customers)
        day = self._random_day(self.first_day)
        order_id = self._next_id(conn, "SalesOrderID", "select max(SalesOrderID) from Sales.SalesOrderHeader")
        picks = rng.sample(products, min(len(products), rng.randint(1, 12 if is_store else 3)))
        for pid, price in picks:
            qty = rng.randint(1, 12) if is_store else 1
            unit = _units(price) * 6 // 10 if is_store else _units(price)  # resellers pay 60% of list
            line_id = self._next_id(
                conn, "SalesOrderDetailID", "select max(SalesOrderDetailID) from Sales.SalesOrderDetail"
            )
            conn.execute(
                "insert into Sales.SalesOrderDetail values (?, ?, null, ?, ?, 1, ?, 0, ?, ?, ?)",
                (order_id, line_id, qty, pid, unit / MONEY, unit * 100 * qty / LINE, _guid(rng), self.stamp),
            )
            if self.has_stock:
                _take_from_stock(conn, pid, qty, self.stamp)
        conn.execute(
            "insert into Sales.SalesOrderHeader values (?, 8, ?, ?, null, 1, ?, ?, null, ?, ?, null, "
            "?, ?, ?, ?, null, null, null, 0, 0, 0, 0, null, ?, ?)",
            (
                order_id, _ts(day), _ts(day + timedelta(days=12)), not is_store, f"SO{order_id}",
                f"10-4020-{customer:06d}", customer, territory, address, address, 5 if is_store else 1,
                _guid(rng), self.stamp,
            ),
        )  # fmt: skip
        self._write_totals(conn, order_id, revise=False)
        return Edit("new_order", (order_id,), frozenset({day}), f"order {order_id} ({len(picks)} lines) on {day}")

    @_edit
    def correct_quantity(self, conn: sqlite3.Connection) -> Edit | None:
        """A line's OrderQty corrected up or down (never below the units already returned)."""
        line = self._pick_line(conn)
        if line is None:
            return None
        order_id, line_id, order_ts, qty, unit, discount, returned = line
        new_qty = self.rng.choice([q for q in range(max(1, returned), qty + 4) if q != qty])
        self._rewrite_line(conn, order_id, line_id, new_qty, _units(unit), discount)
        return Edit(
            "correct_quantity",
            (order_id, line_id),
            frozenset({_day(order_ts)}),
            f"line ({order_id}, {line_id}) of {order_ts[:10]}: OrderQty {qty} -> {new_qty}",
        )

    @_edit
    def correct_price(self, conn: sqlite3.Connection) -> Edit | None:
        """A line's UnitPrice corrected by up to 20% either way, to whole cents."""
        line = self._pick_line(conn)
        if line is None:
            return None
        order_id, line_id, order_ts, qty, unit, discount, _ = line
        old = _units(unit)
        new = _new_price(self.rng, old, 20)
        self._rewrite_line(conn, order_id, line_id, qty, new, discount)
        return Edit(
            "correct_price",
            (order_id, line_id),
            frozenset({_day(order_ts)}),
            f"line ({order_id}, {line_id}) of {order_ts[:10]}: UnitPrice {old / MONEY} -> {new / MONEY}",
        )

    @_edit
    def move_date(self, conn: sqlite3.Connection) -> Edit | None:
        """OrderDate moved a day, a week or a month either way; DueDate and ShipDate move with it."""
        first_return = (
            "(select min(ReturnDate) from Sales.SalesReturn r where r.SalesOrderID = h.SalesOrderID)"
            if self.has_returns
            else "null"
        )
        order = self._pick(
            conn,
            f"select SalesOrderID, OrderDate, {first_return} from Sales.SalesOrderHeader h "
            f"where {IN_BOUNDS} order by 1",
            self._bounds,
        )
        if order is None:
            return None
        order_id, order_ts, returned = order
        old = _day(order_ts)
        latest = min(self.end_day - timedelta(days=1), _day(returned) if returned else self.end_day)
        new = self._move_target(old, latest)
        if new is None:
            return None
        shift = f"{(new - old).days:+d} days"
        conn.execute(
            "update Sales.SalesOrderHeader set OrderDate = datetime(OrderDate, ?), DueDate = datetime(DueDate, ?), "
            "ShipDate = datetime(ShipDate, ?), RevisionNumber = RevisionNumber + 1, ModifiedDate = ? "
            "where SalesOrderID = ?",
            (shift, shift, shift, self.stamp, order_id),
        )
        return Edit("move_date", (order_id,), frozenset({old, new}), f"order {order_id} moved {old} -> {new}")

    @_edit
    def move_customer(self, conn: sqlite3.Connection) -> Edit | None:
        """An order moved to another customer of the same kind (individual or store contact), who
        brings their territory (so the tax) and an address pair from their own orders."""
        order = self._pick(
            conn,
            "select h.SalesOrderID, h.OrderDate, h.CustomerID, c.StoreID is not null from Sales.SalesOrderHeader h "
            f"join Sales.Customer c using (CustomerID) where {IN_BOUNDS} order by 1",
            self._bounds,
        )
        if order is None:
            return None
        order_id, order_ts, old, is_store = order
        target = self._pick(
            conn,
            "select distinct c.CustomerID, c.TerritoryID from Sales.Customer c join Sales.SalesOrderHeader h "
            "using (CustomerID) where (c.StoreID is not null) = ? and c.CustomerID <> ? order by 1",
            (is_store, old),
        )
        if target is None:
            return None
        customer, territory = target
        bill_to, ship_to = self._pick(
            conn,
            "select distinct BillToAddressID, ShipToAddressID from Sales.SalesOrderHeader where CustomerID = ? "
            "order by 1, 2",
            (customer,),
        )
        conn.execute(
            "update Sales.SalesOrderHeader set CustomerID = ?, AccountNumber = ?, TerritoryID = ?, "
            "BillToAddressID = ?, ShipToAddressID = ? where SalesOrderID = ?",
            (customer, f"10-4020-{customer:06d}", territory, bill_to, ship_to, order_id),
        )
        self._write_totals(conn, order_id)  # stamps the header; the tax follows the new territory
        return Edit(
            "move_customer",
            (order_id,),
            frozenset({_day(order_ts)}),
            f"order {order_id} of {order_ts[:10]} moved from customer {old} to {customer}",
        )

    @_edit
    def delete_line(self, conn: sqlite3.Connection) -> Edit | None:
        """One line of an order with several deleted, with its returns."""
        line = self._pick(
            conn,
            "select d.SalesOrderID, d.SalesOrderDetailID, h.OrderDate from Sales.SalesOrderDetail d "
            f"join Sales.SalesOrderHeader h using (SalesOrderID) where {IN_BOUNDS} and "
            "(select count(*) from Sales.SalesOrderDetail o where o.SalesOrderID = d.SalesOrderID) >= 2 order by 1, 2",
            self._bounds,
        )
        if line is None:
            return None
        order_id, line_id, order_ts = line
        key = "SalesOrderID = ? and SalesOrderDetailID = ?"
        returned = self._delete_returns(conn, key, (order_id, line_id))
        conn.execute(f"delete from Sales.SalesOrderDetail where {key}", (order_id, line_id))
        self._write_totals(conn, order_id)
        return Edit(
            "delete_line",
            (order_id, line_id),
            frozenset({_day(order_ts), *returned}),
            f"line ({order_id}, {line_id}) of {order_ts[:10]} deleted with {len(returned)} return date(s)",
        )

    @_edit
    def delete_order(self, conn: sqlite3.Connection) -> Edit | None:
        """A whole order deleted: header, lines and returns."""
        order = self._pick(
            conn,
            f"select SalesOrderID, OrderDate from Sales.SalesOrderHeader h where {IN_BOUNDS} order by 1",
            self._bounds,
        )
        if order is None:
            return None
        order_id, order_ts = order
        returned = self._delete_returns(conn, "SalesOrderID = ?", (order_id,))
        conn.execute("delete from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,))
        conn.execute("delete from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,))
        return Edit(
            "delete_order",
            (order_id,),
            frozenset({_day(order_ts), *returned}),
            f"order {order_id} of {order_ts[:10]} deleted with {len(returned)} return date(s)",
        )

    @_edit
    def cancel(self, conn: sqlite3.Connection) -> Edit | None:
        return self._set_status(conn, "cancel", CANCELLED)

    @_edit
    def reject(self, conn: sqlite3.Connection) -> Edit | None:
        return self._set_status(conn, "reject", REJECTED)

    @_edit
    def add_return(self, conn: sqlite3.Connection) -> Edit | None:
        """1..n of the units a line still keeps returned on a day from its order date, for an order
        neither cancelled nor rejected; None without a returns table."""
        if not self.has_returns:
            return None
        line = self._pick_line(conn, f"h.Status not in ({REJECTED}, {CANCELLED})", kept=True)
        if line is None:
            return None
        order_id, line_id, order_ts, qty, _, _, returned = line
        day = self._random_day(_day(order_ts))
        (existing,) = conn.execute("select count(*) from Sales.SalesReturn").fetchone()
        return_id = self._next_id(conn, "SalesReturnID", "select max(SalesReturnID) from Sales.SalesReturn")
        units = self.rng.randint(1, qty - returned)
        conn.execute(
            "insert into Sales.SalesReturn values (?, ?, ?, ?, ?, ?, ?)",
            (return_id, order_id, line_id, _ts(day), units, self.rng.choice(ref.RETURN_REASONS), self.stamp),
        )
        return Edit(
            "add_return",
            (return_id,),
            frozenset({day}),
            f"return {return_id} of {units} unit(s) of line ({order_id}, {line_id}) of {order_ts[:10]} on {day}"
            + ("" if existing else " (the first ever return)"),
        )

    # -- products and customers (reference tables: no order or return row changes) ---------------
    @_edit
    def rename_product(self, conn: sqlite3.Connection) -> Edit | None:
        """A sold product renamed; names stay unique, as AdventureWorks' AK_Product_Name keeps them."""
        product = self._pick_product(conn)
        if product is None:
            return None
        product_id, name, _ = product
        names = {n for (n,) in conn.execute("select Name from Production.Product")}
        base, new = re.sub(r" Mk \d+$", "", name)[:43], name  # " Mk 999" fits NVARCHAR(50)
        while new in names:
            new = f"{base} Mk {self.rng.randint(2, 999)}"
        conn.execute(
            "update Production.Product set Name = ?, ModifiedDate = ? where ProductID = ?",
            (new, self.stamp, product_id),
        )
        return Edit("rename_product", (product_id,), frozenset(), f"product {product_id} renamed {name!r} -> {new!r}")

    @_edit
    def reprice_product(self, conn: sqlite3.Connection) -> Edit | None:
        """A sold product's ListPrice changed by up to 25% either way (StandardCost stays)."""
        product = self._pick_product(conn)
        if product is None:
            return None
        product_id, _, price = product
        old = _units(price)
        new = _new_price(self.rng, old, 25)
        conn.execute(
            "update Production.Product set ListPrice = ?, ModifiedDate = ? where ProductID = ?",
            (new / MONEY, self.stamp, product_id),
        )
        return Edit(
            "reprice_product", (product_id,), frozenset(), f"product {product_id} ListPrice {price} -> {new / MONEY}"
        )

    @_edit
    def new_customer(self, conn: sqlite3.Connection) -> Edit | None:
        """An individual customer as the generator writes one: an address, a person ('IN'), the
        customer in the address's territory. They have no orders yet, so delete_customer may take them."""
        rng = self.rng
        place = self._pick(
            conn,
            "select a.City, a.StateProvinceID, a.PostalCode, s.TerritoryID from Person.Address a "
            "join Person.StateProvince s using (StateProvinceID) order by a.AddressID",
        )
        if place is None:
            return None
        city, state, postal_code, territory = place
        address = self._next_id(conn, "AddressID", "select max(AddressID) from Person.Address")
        # People and stores share BusinessEntityID.
        person = self._next_id(
            conn,
            "BusinessEntityID",
            "select max(id) from (select max(BusinessEntityID) id from Person.Person "
            "union all select max(BusinessEntityID) from Sales.Store)",
        )
        customer = self._next_id(conn, "CustomerID", "select max(CustomerID) from Sales.Customer")
        conn.execute(
            "insert into Person.Address values (?, ?, null, ?, ?, ?, ?, ?)",
            (address, f"{rng.randint(1, 9999)} {rng.choice(ref.STREETS)}", city, state, postal_code, _guid(rng),
             self.stamp),
        )  # fmt: skip
        conn.execute(
            "insert into Person.Person values (?, 'IN', 0, null, ?, null, ?, null, ?, ?, ?)",
            (person, rng.choice(ref.FIRST_NAMES), rng.choice(ref.LAST_NAMES), rng.randint(0, 2), _guid(rng),
             self.stamp),
        )  # fmt: skip
        conn.execute(
            "insert into Sales.Customer values (?, ?, null, ?, ?, ?, ?)",
            (customer, person, territory, f"AW{customer:08d}", _guid(rng), self.stamp),
        )
        return Edit(
            "new_customer", (customer,), frozenset(), f"customer {customer} (person {person}, address {address})"
        )

    @_edit
    def delete_customer(self, conn: sqlite3.Connection) -> Edit | None:
        """A customer without orders deleted (a foreign key forbids deleting one with orders); their
        person and address stay, as AdventureWorks keeps a business entity apart from its customer role."""
        customer = self._pick(
            conn,
            "select CustomerID from Sales.Customer c where not exists "
            "(select 1 from Sales.SalesOrderHeader h where h.CustomerID = c.CustomerID) order by 1",
        )
        if customer is None:
            return None
        conn.execute("delete from Sales.Customer where CustomerID = ?", customer)
        return Edit("delete_customer", customer, frozenset(), f"customer {customer[0]} deleted")

    # -- helpers ----------------------------------------------------------------------------------
    def _pick(self, conn: sqlite3.Connection, sql: str, params: tuple = ()) -> tuple | None:
        """A random row of the query (which must order its rows, for a seed to replay), or None."""
        rows = conn.execute(sql, params).fetchall()
        return self.rng.choice(rows) if rows else None

    def _pick_line(self, conn: sqlite3.Connection, where: str = "1", kept: bool = False) -> tuple | None:
        """(SalesOrderID, SalesOrderDetailID, OrderDate, OrderQty, UnitPrice, UnitPriceDiscount, units
        returned) of a random line of an order in the bounds; `kept`: only lines with units not returned."""
        returned = (
            "(select coalesce(sum(ReturnQty), 0) from Sales.SalesReturn r "
            "where r.SalesOrderID = d.SalesOrderID and r.SalesOrderDetailID = d.SalesOrderDetailID)"
            if self.has_returns
            else "0"
        )
        return self._pick(
            conn,
            f"select d.SalesOrderID, d.SalesOrderDetailID, h.OrderDate, d.OrderQty, d.UnitPrice, "
            f"d.UnitPriceDiscount, {returned} from Sales.SalesOrderDetail d join Sales.SalesOrderHeader h "
            f"using (SalesOrderID) where {IN_BOUNDS} and {where} "
            + (f"and d.OrderQty > {returned} " if kept else "")
            + "order by 1, 2",
            self._bounds,
        )

    def _pick_product(self, conn: sqlite3.Connection) -> tuple | None:
        """(ProductID, Name, ListPrice) of a product that has sold: an edit the marts can show."""
        return self._pick(
            conn,
            "select ProductID, Name, ListPrice from Production.Product where ListPrice > 0 "
            "and ProductID in (select ProductID from Sales.SalesOrderDetail) order by 1",
        )

    def _rewrite_line(
        self, conn: sqlite3.Connection, order_id: int, line_id: int, qty: int, unit: int, discount: float
    ) -> None:
        pct = round(discount * 100)  # discounts are whole percentages
        conn.execute(
            "update Sales.SalesOrderDetail set OrderQty = ?, UnitPrice = ?, LineTotal = ?, ModifiedDate = ? "
            "where SalesOrderID = ? and SalesOrderDetailID = ?",
            (qty, unit / MONEY, unit * (100 - pct) * qty / LINE, self.stamp, order_id, line_id),
        )
        self._write_totals(conn, order_id)

    def _write_totals(self, conn: sqlite3.Connection, order_id: int, revise: bool = True) -> None:
        """Recompute the header's money from its lines and territory, as the application does on
        every change to an order; `revise` counts the change in RevisionNumber (not for a new order)."""
        (territory,) = conn.execute(
            "select TerritoryID from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
        ).fetchone()
        rows = conn.execute("select LineTotal from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,))
        subtotal = (sum(round(value * LINE) for (value,) in rows) + 50) // 100  # round half up to money
        tax, freight, total = _totals(subtotal, self.tax_by_territory.get(territory, DEFAULT_TAX_BP))
        conn.execute(
            "update Sales.SalesOrderHeader set SubTotal = ?, TaxAmt = ?, Freight = ?, TotalDue = ?, "
            "RevisionNumber = RevisionNumber + ?, ModifiedDate = ? where SalesOrderID = ?",
            (subtotal / MONEY, tax / MONEY, freight / MONEY, total / MONEY, int(revise), self.stamp, order_id),
        )

    def _delete_returns(self, conn: sqlite3.Connection, where: str, params: tuple) -> set[date]:
        """Delete the returns matching `where`; their return dates."""
        if not self.has_returns:
            return set()
        days = {_day(d) for (d,) in conn.execute(f"select ReturnDate from Sales.SalesReturn where {where}", params)}
        conn.execute(f"delete from Sales.SalesReturn where {where}", params)
        return days

    def _set_status(self, conn: sqlite3.Connection, kind: str, status: int) -> Edit | None:
        order = self._pick(
            conn,
            f"select SalesOrderID, OrderDate, Status from Sales.SalesOrderHeader h where {IN_BOUNDS} "
            "and Status <> ? order by 1",
            (*self._bounds, status),
        )
        if order is None:
            return None
        order_id, order_ts, old = order
        conn.execute(
            "update Sales.SalesOrderHeader set Status = ?, RevisionNumber = RevisionNumber + 1, ModifiedDate = ? "
            "where SalesOrderID = ?",
            (status, self.stamp, order_id),
        )
        detail = f"order {order_id} of {order_ts[:10]}: Status {old} -> {status}"
        return Edit(kind, (order_id,), frozenset({_day(order_ts)}), detail)

    def _next_id(self, conn: sqlite3.Connection, key: str, max_sql: str) -> int:
        """The next id for `key`: above the table's and above any issued before, so a deleted row's id
        is never reused (SQL Server's IDENTITY does not reuse them either)."""
        (top,) = conn.execute(max_sql).fetchone()
        self._issued[key] = max(top or 0, self._issued.get(key, 0)) + 1
        return self._issued[key]

    def _random_day(self, earliest: date) -> date:
        """A day in [max(earliest, first_day), end_day)."""
        start = max(earliest, self.first_day)
        return start + timedelta(days=self.rng.randrange((self.end_day - start).days))

    def _move_target(self, old: date, latest: date) -> date | None:
        """A new order date in [first_day, latest] across a day, a week or a month boundary, the
        boundary drawn first so that all three happen; another kind when the drawn one cannot."""
        nearby = [old + timedelta(days=step) for step in range(-45, 46)]
        moves = {
            "day": [old - timedelta(days=1), old + timedelta(days=1)],
            "week": [d for d in nearby if 7 <= abs((d - old).days) <= 13],  # always another week
            "month": [d for d in nearby if (d.year, d.month) != (old.year, old.month)],
        }

        def allowed(days: list[date]) -> list[date]:
            return sorted({d for d in days if self.first_day <= d <= latest and d != old})

        targets = allowed(moves[self.rng.choice(list(moves))]) or allowed([d for ds in moves.values() for d in ds])
        return self.rng.choice(targets) if targets else None
