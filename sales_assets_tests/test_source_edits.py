"""The edit storm's edits (sales_assets.sandbox.edits) keep the source as an order-entry application
would. Checked with plain SQL over the SQLite files, independently of the editor: each edit's row
changes (which tables, rows and columns, its stamp, the dates it reports), and the whole source's
consistency after many edits. Only SQLite: no dlt, dbt or Dagster run."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from sales_assets.sandbox import reference_data as ref
from sales_assets.sandbox.__main__ import main
from sales_assets.sandbox.edits import EDIT_KINDS, Edit, SourceEditor
from sales_assets.sandbox.generator import generate
from sales_assets.source import tables as t
from sales_assets_tests.conftest import END, SMALL, START
from sales_assets_tests.source_rows import connect, line_money, money

NOW = datetime(2013, 2, 1, 9, 30, 0)  # the morning after the small source's last day
TWO_MONTHS_END = date(2013, 3, 1)
HEADER, DETAIL, RETURN = (x.qualified_name for x in (t.SALES_ORDER_HEADER, t.SALES_ORDER_DETAIL, t.SALES_RETURN))
CUSTOMER, PERSON, ADDRESS = (x.qualified_name for x in (t.CUSTOMER, t.PERSON, t.ADDRESS))
PRODUCT, INVENTORY = t.PRODUCT.qualified_name, t.PRODUCT_INVENTORY.qualified_name

Rows = dict[str, dict[tuple, dict[str, object]]]  # table -> primary key -> column -> value


@pytest.fixture
def source(small_source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "source"
    shutil.copytree(small_source, copy)
    return copy


@pytest.fixture(scope="module")
def no_returns_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("no_returns")
    generate(directory, replace(SMALL, returns=False))
    return directory


@pytest.fixture(scope="module")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Orders in January and February, for moves across a month boundary."""
    directory = tmp_path_factory.mktemp("two_months")
    generate(directory, replace(SMALL, scale=0.15, end=TWO_MONTHS_END))
    return directory


def make_editor(source: Path, seed: int = 1, first: date = START, end: date = END, now: datetime = NOW) -> SourceEditor:
    return SourceEditor(source, random.Random(seed), first, end, now)


# -- what an edit changed, read back from the files ----------------------------------------------
def read_rows(conn: sqlite3.Connection, schemas: Collection[str] = t.SCHEMAS) -> Rows:
    """Every row of every contract table the source has (in `schemas`), by primary key."""
    rows: Rows = {}
    for table in (table for table in t.ALL_TABLES if table.schema in schemas):
        present = conn.execute(
            f"select count(*) from {table.schema}.sqlite_master where type = 'table' and name = ?", (table.name,)
        ).fetchone()[0]
        if present:
            names, key = table.column_names, [table.column_names.index(k) for k in table.primary_key]
            columns = ", ".join(f'"{name}"' for name in names)  # quoted: SalesTerritory has a "Group"
            rows[table.qualified_name] = {
                tuple(row[i] for i in key): dict(zip(names, row, strict=True))
                for row in conn.execute(f"select {columns} from {table.qualified_name}")
            }
    return rows


def snapshot(source: Path) -> Rows:
    return read_rows(connect(source))


@dataclass
class Changes:
    inserted: set[tuple]
    deleted: set[tuple]
    updated: dict[tuple, set[str]]  # key -> the columns whose value changed


def diff(before: Rows, after: Rows) -> dict[str, Changes]:
    changes = {}
    for table, old in before.items():
        new = after[table]
        if new is old:
            continue
        updated = {
            key: {col for col, value in new[key].items() if old[key][col] != value}
            for key in old.keys() & new.keys()
            if old[key] != new[key]
        }
        change = Changes(new.keys() - old.keys(), old.keys() - new.keys(), updated)
        if change.inserted or change.deleted or change.updated:
            changes[table] = change
    return changes


@dataclass(frozen=True)
class Expect:
    inserted: range = range(0, 1)
    deleted: range = range(0, 1)
    updated: range = range(0, 1)
    columns: frozenset[str] = frozenset()  # the columns an update may change
    must: frozenset[str] = frozenset()  # ... and those it must change


ONE, SOME, ANY = range(1, 2), range(1, 10**6), range(0, 10**6)
TOTALS = frozenset({"SubTotal", "TaxAmt", "Freight", "TotalDue", "RevisionNumber", "ModifiedDate"})
REVISED = frozenset({"RevisionNumber", "ModifiedDate"})


def _updates(*columns: str, must: tuple[str, ...] | None = None) -> Expect:
    return Expect(updated=ONE, columns=frozenset(columns), must=frozenset(columns if must is None else must))


def _totals_fixed(*columns: str, must: tuple[str, ...] = ()) -> Expect:
    return Expect(updated=ONE, columns=TOTALS | set(columns), must=REVISED | set(must))


# Per kind: the tables it changes, how many rows and which columns; every other table stays as it was.
EXPECTED: dict[str, dict[str, Expect]] = {
    "new_order": {
        HEADER: Expect(inserted=ONE),
        DETAIL: Expect(inserted=SOME),
        INVENTORY: Expect(updated=ANY, columns=frozenset({"Quantity", "ModifiedDate"})),
    },
    "correct_quantity": {
        DETAIL: _updates("OrderQty", "LineTotal", "ModifiedDate"),
        HEADER: _totals_fixed(),
    },
    "correct_price": {DETAIL: _updates("UnitPrice", "LineTotal", "ModifiedDate"), HEADER: _totals_fixed()},
    "move_date": {
        HEADER: _updates("OrderDate", "DueDate", "ShipDate", *REVISED, must=("OrderDate", "DueDate", *REVISED))
    },
    "move_customer": {
        HEADER: _totals_fixed(
            "CustomerID",
            "AccountNumber",
            "TerritoryID",
            "BillToAddressID",
            "ShipToAddressID",
            must=("CustomerID", "AccountNumber"),
        )
    },
    "delete_line": {DETAIL: Expect(deleted=ONE), HEADER: _totals_fixed(), RETURN: Expect(deleted=ANY)},
    "delete_order": {HEADER: Expect(deleted=ONE), DETAIL: Expect(deleted=SOME), RETURN: Expect(deleted=ANY)},
    "cancel": {HEADER: _updates("Status", *REVISED)},
    "reject": {HEADER: _updates("Status", *REVISED)},
    "add_return": {RETURN: Expect(inserted=ONE)},
    "rename_product": {PRODUCT: _updates("Name", "ModifiedDate")},
    "reprice_product": {PRODUCT: _updates("ListPrice", "ModifiedDate")},
    "new_customer": {CUSTOMER: Expect(inserted=ONE), PERSON: Expect(inserted=ONE), ADDRESS: Expect(inserted=ONE)},
    "delete_customer": {CUSTOMER: Expect(deleted=ONE)},
}
# The table whose primary key an edit's `keys` names.
KEYED_BY = {
    "correct_quantity": DETAIL,
    "correct_price": DETAIL,
    "delete_line": DETAIL,
    "add_return": RETURN,
    "rename_product": PRODUCT,
    "reprice_product": PRODUCT,
    "new_customer": CUSTOMER,
    "delete_customer": CUSTOMER,
}


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def touched_days(before: Rows, after: Rows, changes: dict[str, Changes]) -> set[date]:
    """The order and return dates of every changed order row, before and after the edit."""
    days = set()
    for table, change in changes.items():
        keys = change.inserted | change.deleted | set(change.updated)
        for rows in (before, after):
            for key in keys:
                if table == HEADER and key in rows[HEADER]:
                    days.add(_day(rows[HEADER][key]["OrderDate"]))
                elif table == DETAIL and key[:1] in rows[HEADER]:
                    days.add(_day(rows[HEADER][key[:1]]["OrderDate"]))
                elif table == RETURN and key in rows[RETURN]:
                    days.add(_day(rows[RETURN][key]["ReturnDate"]))
    return days


class Checked:
    """An editor whose every edit is checked against the files as they were just before it: the
    tables, rows and columns EXPECTED of its kind, its stamp, its keys and the dates it reports."""

    def __init__(self, editor: SourceEditor) -> None:
        self.editor = editor
        self.conn = connect(editor.directory)  # reads see each committed edit: no transaction stays open
        self.versions: dict[str, int] = {}
        self.rows: Rows = {}
        self.rows = self.read()

    def read(self) -> Rows:
        """The source's rows, re-read only from the files written since the last read (SQLite's
        data_version tells): most edits write Sales.sqlite alone."""
        versions = {schema: self.conn.execute(f"pragma {schema}.data_version").fetchone()[0] for schema in t.SCHEMAS}
        changed = {schema for schema in t.SCHEMAS if versions[schema] != self.versions.get(schema)}
        self.versions = versions
        kept = {name: rows for name, rows in self.rows.items() if name.split(".")[0] not in changed}
        return kept | read_rows(self.conn, changed)

    def apply(self, kind: str) -> Edit | None:
        before, stamp, clock = self.rows, self.editor.stamp, self.editor.now
        edit = self.editor.apply(kind)
        after = self.rows = self.read()
        changes = diff(before, after)
        assert self.editor.now >= clock + timedelta(seconds=1), "the clock must move on after every edit"
        if edit is None:
            assert changes == {}, f"{kind} returned None but changed {sorted(changes)}"
            return None
        assert edit.kind == kind
        assert set(changes) <= set(EXPECTED[kind]), f"{edit.detail}: changed {sorted(changes)}"
        for table, expect in EXPECTED[kind].items():
            change = changes.get(table, Changes(set(), set(), {}))
            counts = (len(change.inserted), len(change.deleted), len(change.updated))
            assert counts[0] in expect.inserted and counts[1] in expect.deleted and counts[2] in expect.updated, (
                f"{edit.detail}: {table} rows inserted, deleted, updated {counts}"
            )
            for key, columns in change.updated.items():
                assert expect.must <= columns <= expect.columns, f"{edit.detail}: {table} {key} changed {columns}"
            for key in change.inserted | set(change.updated):
                assert after[table][key]["ModifiedDate"] == stamp, f"{edit.detail}: {table} {key} not stamped {stamp}"
        keyed = changes[KEYED_BY.get(kind, HEADER)]
        assert {edit.keys} == keyed.inserted | keyed.deleted | set(keyed.updated)
        assert edit.days == touched_days(before, after, changes), edit.detail
        return edit


# -- the whole source, consistent ----------------------------------------------------------------
def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def assert_consistent(source: Path, first: date = START, end: date = END) -> None:
    """What the application and its foreign keys guarantee, in plain SQL over the files."""
    conn = connect(source)

    def one(sql: str, params: tuple = ()) -> list[tuple]:
        return conn.execute(sql, params).fetchall()

    assert one("select count(*) from Sales.SalesOrderDetail d left join Sales.SalesOrderHeader h "
               "using (SalesOrderID) where h.SalesOrderID is null") == [(0,)], "lines without their header"  # fmt: skip
    assert one("select count(*) from Sales.SalesOrderHeader h where not exists "
               "(select 1 from Sales.SalesOrderDetail d where d.SalesOrderID = h.SalesOrderID)") == [(0,)]  # fmt: skip
    for qty, price, discount, line_total in one(
        "select OrderQty, UnitPrice, UnitPriceDiscount, LineTotal from Sales.SalesOrderDetail"
    ):
        assert qty >= 1 and line_money(line_total) == money(price) * (1 - money(discount)) * qty
    lines: dict[int, Decimal] = {}
    for order_id, line_total in one("select SalesOrderID, LineTotal from Sales.SalesOrderDetail"):
        lines[order_id] = lines.get(order_id, Decimal(0)) + line_money(line_total)
    tax_rate = {tid: Decimal(bp) / 10_000 for tid, *_, bp in ref.TERRITORIES}
    for order_id, sub, tax, freight, due, territory in one(
        "select SalesOrderID, SubTotal, TaxAmt, Freight, TotalDue, TerritoryID from Sales.SalesOrderHeader"
    ):
        # reconciliation.order_totals_add_up's rule, and the tax and freight the application charges.
        assert money(sub) == _round(lines[order_id]), order_id
        assert money(due) == money(sub) + money(tax) + money(freight), order_id
        assert money(tax) == _round(money(sub) * tax_rate[territory]), order_id
        assert money(freight) == _round(money(sub) * Decimal("0.025")), order_id
    bad_orders = one(
        "select h.SalesOrderID from Sales.SalesOrderHeader h left join Sales.Customer c using (CustomerID) "
        "where c.CustomerID is null or h.TerritoryID is not c.TerritoryID "
        "or h.AccountNumber <> '10-4020-' || substr('000000' || h.CustomerID, -6) "
        "or h.OnlineOrderFlag <> (c.StoreID is null) "
        "or h.OrderDate < ? or h.OrderDate >= ? or h.DueDate < h.OrderDate or h.ShipDate < h.OrderDate "
        "or h.Status not in (1, 4, 5, 6)",
        (f"{first} 00:00:00", f"{end} 00:00:00"),
    )
    assert bad_orders == [], "orders without their customer, territory or account, or with dates out of place"
    assert one("select count(*) - count(distinct Name) from Production.Product") == [(0,)], "product names repeat"
    if RETURN in snapshot(source):
        bad_returns = one(
            "select r.SalesReturnID from Sales.SalesReturn r left join Sales.SalesOrderDetail d "
            "using (SalesOrderID, SalesOrderDetailID) left join Sales.SalesOrderHeader h using (SalesOrderID) "
            "where d.SalesOrderID is null or r.ReturnQty < 1 or r.ReturnDate < h.OrderDate "
            "or r.ReturnDate >= ? or r.ReturnQty > d.OrderQty - (select coalesce(sum(o.ReturnQty), 0) "
            "from Sales.SalesReturn o where (o.SalesOrderID, o.SalesOrderDetailID) = (r.SalesOrderID, "
            "r.SalesOrderDetailID) and o.SalesReturnID <> r.SalesReturnID)",
            (f"{end} 00:00:00",),
        )
        assert bad_returns == [], "returns without their line, before their order or of more units than sold"


# -- tests ------------------------------------------------------------------------------------------
def _kinds(seed: int, n: int) -> list[str]:
    """A storm's sequence of kinds, drawn as the storm test draws them: with its own rng."""
    draw = random.Random(seed)
    return [draw.choice(EDIT_KINDS) for _ in range(n)]


def test_the_generated_source_passes_the_consistency_checks(small_source: Path) -> None:
    # The baseline: what the generator writes holds everything the edits are held to.
    assert_consistent(small_source)


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_each_kind_changes_exactly_its_rows_stamped_with_the_clock(source: Path, kind: str) -> None:
    editor = Checked(make_editor(source, seed=EDIT_KINDS.index(kind)))
    edits = [editor.apply(kind) for _ in range(6)]
    assert None not in edits, f"{kind} found nothing to edit in a fresh source"
    assert len({edit.detail for edit in edits}) == len(edits)
    assert_consistent(source)


def test_move_date_crosses_day_week_and_month_boundaries_both_ways(two_months: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(two_months, source)
    editor = Checked(make_editor(source, seed=5, end=TWO_MONTHS_END, now=datetime(2013, 3, 1, 9, 30)))
    seen = set()
    for _ in range(60):
        before = editor.rows[HEADER]
        edit = editor.apply("move_date")
        assert edit is not None
        old, new = before[edit.keys], editor.rows[HEADER][edit.keys]
        old_day, new_day = _day(old["OrderDate"]), _day(new["OrderDate"])
        assert edit.days == {old_day, new_day} and old_day != new_day
        assert f"{old_day} -> {new_day}" in edit.detail
        for column in ("DueDate", "ShipDate"):  # moved with the order: as far from it as before
            if old[column] is None:
                assert new[column] is None
            else:
                assert _day(new[column]) - new_day == _day(old[column]) - old_day
        seen.add("forward" if new_day > old_day else "backward")
        if new_day.month != old_day.month:
            seen.add("month")
        elif new_day.isocalendar()[:2] != old_day.isocalendar()[:2]:
            seen.add("week")
        else:
            seen.add("day")
    assert seen == {"forward", "backward", "day", "week", "month"}
    assert_consistent(source, end=TWO_MONTHS_END)


def test_a_seeded_storm_replays_exactly_and_leaves_the_source_consistent(small_source: Path, tmp_path: Path) -> None:
    copies = [tmp_path / name for name in ("a", "b", "c")]
    for copy in copies:
        shutil.copytree(small_source, copy)
    checked = Checked(make_editor(copies[0], seed=11))
    replay, other = make_editor(copies[1], seed=11), make_editor(copies[2], seed=12)

    storm = [checked.apply(kind) for kind in _kinds(11, 200)]
    details = [edit and edit.detail for edit in storm]
    assert details == [edit and edit.detail for edit in map(replay.apply, _kinds(11, 200))]
    assert snapshot(copies[0]) == snapshot(copies[1])
    assert details[:20] != [edit and edit.detail for edit in map(other.apply, _kinds(11, 20))], "the rng must choose"
    assert {edit.kind for edit in storm if edit} == set(EDIT_KINDS)
    assert_consistent(copies[0])


def test_edits_touch_only_orders_within_the_bounds(source: Path) -> None:
    first, end = date(2013, 1, 10), date(2013, 1, 20)
    before = snapshot(source)
    outside = {key for key, row in before[HEADER].items() if not first <= _day(row["OrderDate"]) < end}
    editor = make_editor(source, seed=3, first=first, end=end)
    edits = [edit for edit in map(editor.apply, _kinds(3, 150)) if edit]
    after = snapshot(source)

    assert all(first <= day < end for edit in edits for day in edit.days)
    assert {key: after[HEADER].get(key) for key in outside} == {key: before[HEADER][key] for key in outside}
    for table in (DETAIL, RETURN):
        old, new = (
            {key: row for key, row in rows[table].items() if (row["SalesOrderID"],) in outside}
            for rows in (before, after)
        )
        assert old == new, f"{table} rows of orders outside the bounds changed"
    assert all(first <= _day(row["OrderDate"]) < end for key, row in after[HEADER].items() if key not in outside)
    new_orders = after[HEADER].keys() - before[HEADER].keys()
    assert new_orders and all(first <= _day(after[HEADER][key]["OrderDate"]) < end for key in new_orders)
    new_returns = after[RETURN].keys() - before[RETURN].keys()
    assert new_returns and all(first <= _day(after[RETURN][key]["ReturnDate"]) < end for key in new_returns)


def test_the_first_ever_return_goes_into_an_empty_returns_table(source: Path) -> None:
    with connect(source) as conn:
        conn.execute("delete from Sales.SalesReturn")
    editor = Checked(make_editor(source))
    first, second = editor.apply("add_return"), editor.apply("add_return")
    assert first is not None and first.keys == (1,) and "the first ever return" in first.detail
    assert second is not None and second.keys == (2,) and "first ever" not in second.detail
    assert_consistent(source)


def test_deleting_lines_and_orders_takes_their_returns(source: Path) -> None:
    # A return on every line, a few days after its order, so every delete has returns to take along.
    with connect(source) as conn:
        conn.execute("delete from Sales.SalesReturn")
        conn.execute(
            "insert into Sales.SalesReturn select row_number() over (order by d.SalesOrderID, d.SalesOrderDetailID), "
            "d.SalesOrderID, d.SalesOrderDetailID, min(datetime(h.OrderDate, '+3 days'), ?), 1, 'Defective', "
            "h.OrderDate from Sales.SalesOrderDetail d join Sales.SalesOrderHeader h using (SalesOrderID)",
            (f"{END - timedelta(days=1)} 00:00:00",),
        )
    editor = Checked(make_editor(source, seed=8))
    for kind in ["delete_line", "delete_order"] * 4:
        before = editor.rows[RETURN]
        edit = editor.apply(kind)
        assert edit is not None
        taken = before.keys() - editor.rows[RETURN].keys()
        assert taken, f"{edit.detail}: its returns were left behind"
        assert {_day(before[key]["ReturnDate"]) for key in taken} <= edit.days
    assert_consistent(source)


def test_returns_never_exceed_the_units_still_kept(source: Path) -> None:
    # Every line returned but for one unit (a line of one unit wholly): only those lines can take a
    # return, of exactly one unit, and once they have, add_return finds nothing.
    with connect(source) as conn:
        conn.execute("delete from Sales.SalesReturn")
        conn.execute(
            "insert into Sales.SalesReturn select row_number() over (order by SalesOrderID, SalesOrderDetailID), "
            "SalesOrderID, SalesOrderDetailID, ?, max(1, OrderQty - 1), 'Changed mind', ? from Sales.SalesOrderDetail",
            (f"{END - timedelta(days=1)} 00:00:00", f"{END - timedelta(days=1)} 00:00:00"),
        )
        # Within a week's orders, to keep the test short.
        (open_lines,) = conn.execute(
            "select count(*) from Sales.SalesOrderDetail join Sales.SalesOrderHeader using (SalesOrderID) "
            "where OrderQty > 1 and Status not in (4, 6) and OrderDate >= '2013-01-10' and OrderDate < '2013-01-17'"
        ).fetchone()
    assert open_lines > 0
    editor = Checked(make_editor(source, seed=9, first=date(2013, 1, 10), end=date(2013, 1, 17)))
    for _ in range(open_lines):
        edit = editor.apply("add_return")
        assert edit is not None and editor.rows[RETURN][edit.keys]["ReturnQty"] == 1, edit
    assert editor.apply("add_return") is None
    assert_consistent(source)


def test_without_a_returns_table_add_return_is_none_and_the_rest_still_work(
    no_returns_source: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    shutil.copytree(no_returns_source, source)
    editor = Checked(make_editor(source, seed=4))
    assert RETURN not in editor.rows
    assert editor.apply("add_return") is None  # and changed nothing: Checked asserts it
    assert editor.apply("delete_line") and editor.apply("delete_order")
    kinds = _kinds(4, 60)
    edits = [editor.apply(kind) for kind in kinds]
    assert "add_return" in kinds
    for edit, kind in zip(edits, kinds, strict=True):
        assert (edit is None) == (kind == "add_return"), kind
    assert_consistent(source)


def test_only_customers_without_orders_are_deleted_and_new_ones_can_be(source: Path) -> None:
    with connect(source) as conn:
        conn.execute(
            "delete from Sales.Customer where CustomerID not in (select CustomerID from Sales.SalesOrderHeader)"
        )
    editor = Checked(make_editor(source))
    assert editor.apply("delete_customer") is None, "every customer has orders: none may be deleted"

    created = editor.apply("new_customer")
    assert created is not None
    person = connect(source).execute(
        "select p.PersonType, c.StoreID from Sales.Customer c join Person.Person p on p.BusinessEntityID = c.PersonID "
        "where c.CustomerID = ?",
        created.keys,
    )
    assert person.fetchall() == [("IN", None)]
    deleted = editor.apply("delete_customer")
    assert deleted is not None and deleted.keys == created.keys


def test_ids_are_never_reused_after_a_delete(source: Path) -> None:
    editor = Checked(make_editor(source))
    first = editor.apply("new_order")
    assert first is not None
    with connect(source) as conn:  # the newest order deleted: its id must not come back
        conn.execute("delete from Sales.SalesOrderDetail where SalesOrderID = ?", first.keys)
        conn.execute("delete from Sales.SalesOrderHeader where SalesOrderID = ?", first.keys)
    editor.rows = editor.read()
    second = editor.apply("new_order")
    assert second is not None and second.keys[0] == first.keys[0] + 1


def test_the_clock_must_start_after_the_sources_newest_change(source: Path) -> None:
    with pytest.raises(ValueError, match="newest ModifiedDate"):
        make_editor(source, now=datetime(2013, 1, 15))
    with pytest.raises(ValueError, match="unknown edit kind"):
        make_editor(source).apply("drop_table")


def test_the_edit_command(source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALES_SOURCE_URL", raising=False)
    bounds = ["--start", str(START), "--end", str(END), "--dir", str(source)]
    cancelled = "select count(*) from Sales.SalesOrderHeader where Status = 6"
    (before,) = connect(source).execute(cancelled).fetchone()

    assert main(["edit", "--kind", "cancel", "--count", "2", "--seed", "1", *bounds]) == 0

    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and all(line.endswith("-> 6") for line in printed)
    assert connect(source).execute(cancelled).fetchone() == (before + 2,)
    with pytest.raises(SystemExit) as exit_info:
        main(["edit", "--kind", "drop_table", *bounds])
    assert exit_info.value.code == 2 and "drop_table" in capsys.readouterr().err
