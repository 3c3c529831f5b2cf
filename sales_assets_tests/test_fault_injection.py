"""Fault injection damages exactly the rows it reports, each kind on its own day, and nothing else."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import statistics
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from sales_assets.sandbox import faults
from sales_assets.sandbox.__main__ import main
from sales_assets.sandbox.faults import FAULT_KINDS, InjectedFault, inject_faults, parse_kinds
from sales_assets.source import tables as t
from sales_assets_tests.source_rows import connect, line_money, money

NOW = datetime(2013, 2, 1, 9, 30, 0)  # the morning after the small source's last day
STAMP = "2013-02-01 09:30:00"
CENT4 = Decimal("0.0001")


@pytest.fixture(scope="module")
def injected(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, InjectedFault]]:
    """Every kind injected once into a copy of the small source (read-only for the tests below)."""
    copy = tmp_path_factory.mktemp("faults") / "source"
    shutil.copytree(small_source, copy)
    return copy, {fault.kind: fault for fault in inject_faults(copy, FAULT_KINDS, now=NOW)}


@pytest.fixture
def live_source(small_source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "live"
    shutil.copytree(small_source, copy)
    return copy


def _rows(source: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = connect(source)
    conn.row_factory = sqlite3.Row
    return conn.execute(sql, params).fetchall()


def _header(source: Path, order_id: int) -> sqlite3.Row:
    (row,) = _rows(source, "select * from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,))
    return row


def _lines(source: Path, order_id: int) -> list[sqlite3.Row]:
    return _rows(
        source,
        "select * from Sales.SalesOrderDetail where SalesOrderID = ? order by SalesOrderDetailID",
        (order_id,),
    )


def _day_orders(source: Path, day: date) -> list[int]:
    rows = _rows(
        source, "select SalesOrderID from Sales.SalesOrderHeader where substr(OrderDate, 1, 10) = ?", (str(day),)
    )
    return sorted(row[0] for row in rows)


def _without(row: sqlite3.Row, *columns: str) -> dict[str, object]:
    """The row as a dict minus `columns` (a sqlite3.Row iterates values, not keys)."""
    return {key: value for key, value in zip(row.keys(), row, strict=True) if key not in columns}


def _subtotal(lines: list[sqlite3.Row]) -> Decimal:
    return sum((line_money(line["LineTotal"]) for line in lines), Decimal(0)).quantize(CENT4, rounding=ROUND_HALF_UP)


def _table_info(source: Path, table: t.SourceTable) -> dict[str, tuple[int, int]]:
    """Column -> (notnull, pk position)."""
    rows = _rows(source, f'pragma "{table.schema}".table_info("{table.name}")')
    return {row["name"]: (row["notnull"], row["pk"]) for row in rows}


def _indexes(source: Path, table: t.SourceTable) -> set[str]:
    rows = _rows(
        source, f"select name from {table.schema}.sqlite_master where type = 'index' and tbl_name = ?", (table.name,)
    )
    return {row[0] for row in rows if not row[0].startswith("sqlite_autoindex")}


def _contract_indexes(table: t.SourceTable) -> set[str]:
    return {f"IX_{table.name}_{'_'.join(cols)}" for cols in table.indexes}


def _digest(source: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(source.glob("*.sqlite"))}


def test_parse_kinds() -> None:
    assert parse_kinds("orphans,null_keys") == ["orphans", "null_keys"]
    assert parse_kinds(" orphans , orphans,") == ["orphans"]
    assert parse_kinds("all") == list(FAULT_KINDS)
    with pytest.raises(ValueError, match=r"bogus.*valid kinds: null_keys, orphans"):
        parse_kinds("orphans,bogus")
    with pytest.raises(ValueError, match="no fault kinds"):
        parse_kinds(" , ")


def test_unknown_kind_raises_before_touching_the_source(tmp_path: Path) -> None:
    # The directory does not exist: a ValueError (not SourceUnavailableError) means nothing was opened.
    with pytest.raises(ValueError, match="unknown fault kind.*bogus"):
        inject_faults(tmp_path / "missing", ["orphans", "bogus"], now=NOW)


def test_each_kind_lands_on_its_own_recent_day(small_source: Path, injected: tuple[Path, dict]) -> None:
    _, by_kind = injected
    busy_days = _rows(
        small_source,
        "select substr(OrderDate, 1, 10) from Sales.SalesOrderHeader group by 1 having count(*) >= 3 order by 1 desc",
    )
    assert [by_kind[kind].order_date for kind in FAULT_KINDS] == [
        date.fromisoformat(row[0]) for row in busy_days[: len(FAULT_KINDS)]
    ]
    for fault in by_kind.values():
        assert fault.order_ids and set(fault.order_ids) <= set(_day_orders(small_source, fault.order_date))
        assert fault.table in {t.SALES_ORDER_HEADER.qualified_name, t.SALES_ORDER_DETAIL.qualified_name}
        assert fault.detail.endswith(".") and "\n" not in fault.detail


def test_null_keys(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["null_keys"]
    assert fault.table == "Sales.SalesOrderHeader"
    assert list(fault.order_ids) == _day_orders(small_source, fault.order_date)[:2]
    assert "CustomerID" in fault.detail
    for order_id in fault.order_ids:
        before, after = _header(small_source, order_id), _header(source, order_id)
        assert after["CustomerID"] is None and after["ModifiedDate"] == STAMP
        assert _without(after, "CustomerID", "ModifiedDate") == _without(before, "CustomerID", "ModifiedDate")
    # Only CustomerID lost NOT NULL; the key and the contract's indexes survive the rebuild.
    info, contract = _table_info(source, t.SALES_ORDER_HEADER), _table_info(small_source, t.SALES_ORDER_HEADER)
    assert info == {**contract, "CustomerID": (0, 0)}
    assert _indexes(source, t.SALES_ORDER_HEADER) == _contract_indexes(t.SALES_ORDER_HEADER)


def test_orphans(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["orphans"]
    assert fault.table == "Sales.SalesOrderDetail"
    (max_product,) = _rows(source, "select max(ProductID) from Production.Product")[0]
    orphans = _rows(
        source,
        "select * from Sales.SalesOrderDetail where ProductID not in (select ProductID from Production.Product)",
    )
    assert len(orphans) == 2
    assert {line["ProductID"] for line in orphans} == {max_product + 1000}
    assert {line["ModifiedDate"] for line in orphans} == {STAMP}
    assert {line["SalesOrderID"] for line in orphans} == set(fault.order_ids)
    assert str(max_product + 1000) in fault.detail and "ProductID" in fault.detail
    first_order = _day_orders(small_source, fault.order_date)[0]
    assert min(line["SalesOrderID"] for line in orphans) == first_order
    for order_id in fault.order_ids:
        assert tuple(_header(source, order_id)) == tuple(_header(small_source, order_id))


def test_negative_qty(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["negative_qty"]
    (order_id,) = fault.order_ids
    assert fault.table == "Sales.SalesOrderDetail" and order_id == _day_orders(small_source, fault.order_date)[0]
    before, after = _lines(small_source, order_id), _lines(source, order_id)
    first, rest = after[0], after[1:]
    assert first["OrderQty"] == -before[0]["OrderQty"] < 0 and first["ModifiedDate"] == STAMP
    assert line_money(first["LineTotal"]) == -line_money(before[0]["LineTotal"])
    assert (
        line_money(first["LineTotal"])
        == money(first["UnitPrice"]) * (1 - money(first["UnitPriceDiscount"])) * (first["OrderQty"])
    )
    assert [tuple(line) for line in rest] == [tuple(line) for line in before[1:]]
    old, new = _header(small_source, order_id), _header(source, order_id)
    assert money(new["SubTotal"]) == _subtotal(after)
    assert (money(new["TaxAmt"]), money(new["Freight"])) == (money(old["TaxAmt"]), money(old["Freight"]))
    assert money(new["TotalDue"]) == money(new["SubTotal"]) + money(new["TaxAmt"]) + money(new["Freight"])
    assert new["ModifiedDate"] == STAMP and "OrderQty" in fault.detail


def test_duplicate_lines(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["duplicate_lines"]
    (order_id,) = fault.order_ids
    assert fault.table == "Sales.SalesOrderDetail" and order_id == _day_orders(small_source, fault.order_date)[0]
    before, after = _lines(small_source, order_id), _lines(source, order_id)
    assert len(after) == len(before) + 1
    first, copy = after[0], after[1]
    assert tuple(first) == tuple(copy) and first["ModifiedDate"] == STAMP
    assert _without(first, "ModifiedDate") == _without(before[0], "ModifiedDate")
    assert f"({order_id}, {first['SalesOrderDetailID']})" in fault.detail
    assert [tuple(line) for line in after[2:]] == [tuple(line) for line in before[1:]]
    assert tuple(_header(source, order_id)) == tuple(_header(small_source, order_id))
    # Rebuilt without its key only: NOT NULLs and the contract's indexes stay.
    info, contract = _table_info(source, t.SALES_ORDER_DETAIL), _table_info(small_source, t.SALES_ORDER_DETAIL)
    assert info == {name: (notnull, 0) for name, (notnull, _) in contract.items()}
    assert _indexes(source, t.SALES_ORDER_DETAIL) == _contract_indexes(t.SALES_ORDER_DETAIL)


def test_total_mismatch(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["total_mismatch"]
    (order_id,) = fault.order_ids
    assert fault.table == "Sales.SalesOrderHeader" and order_id == _day_orders(small_source, fault.order_date)[0]
    old, new = _header(small_source, order_id), _header(source, order_id)
    assert money(new["SubTotal"]) == money(old["SubTotal"]) + 10
    assert money(new["TotalDue"]) == money(old["TotalDue"]) + 10
    assert money(new["SubTotal"]) == _subtotal(_lines(source, order_id)) + 10
    assert new["ModifiedDate"] == STAMP and "SubTotal" in fault.detail
    assert [tuple(line) for line in _lines(source, order_id)] == [
        tuple(line) for line in _lines(small_source, order_id)
    ]


def test_future_dates(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["future_dates"]
    (order_id,) = fault.order_ids
    assert fault.table == "Sales.SalesOrderHeader" and order_id == _day_orders(small_source, fault.order_date)[0]
    assert _header(small_source, order_id)["OrderDate"] == f"{fault.order_date} 00:00:00"
    new = _header(source, order_id)
    assert (new["OrderDate"], new["DueDate"], new["ShipDate"], new["Status"], new["ModifiedDate"]) == (
        "2013-03-03 00:00:00",
        "2013-03-15 00:00:00",
        None,
        1,
        STAMP,
    )
    assert "2013-03-03" in fault.detail and "OrderDate" in fault.detail


def test_revenue_spike(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault = by_kind["revenue_spike"]
    (order_id,) = fault.order_ids
    assert fault.table == "Sales.SalesOrderHeader" and order_id in _day_orders(small_source, fault.order_date)
    before, after = _lines(small_source, order_id), _lines(source, order_id)
    assert [line["OrderQty"] for line in after] == [line["OrderQty"] * 50 for line in before]
    for line in after:
        assert line["ModifiedDate"] == STAMP
        assert (
            line_money(line["LineTotal"])
            == money(line["UnitPrice"]) * (1 - money(line["UnitPriceDiscount"])) * line["OrderQty"]
        )
    old, new = _header(small_source, order_id), _header(source, order_id)
    subtotal, tax, freight = money(new["SubTotal"]), money(new["TaxAmt"]), money(new["Freight"])
    assert subtotal == _subtotal(after) and money(new["TotalDue"]) == subtotal + tax + freight
    # Tax and freight keep their rates (rounded to money).
    for column in ("TaxAmt", "Freight"):
        rate = money(old[column]) / money(old["SubTotal"])
        assert abs(money(new[column]) - subtotal * rate) < Decimal("0.01")
    assert new["ModifiedDate"] == STAMP
    # The day's revenue stands out as the revenue check needs: above twice any earlier day's and ten
    # times their median (month ends are busy days by design: resellers order then).
    revenue = {
        row[0]: row[1]
        for row in _rows(
            source, "select substr(OrderDate, 1, 10), sum(TotalDue) from Sales.SalesOrderHeader group by 1"
        )
    }
    spiked = revenue.pop(str(fault.order_date))
    before = [amount for day, amount in revenue.items() if day < str(fault.order_date)]
    assert spiked > 2 * max(before) and spiked > 10 * statistics.median(before)


def test_rows_of_other_days_and_other_tables_are_unchanged(small_source: Path, injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    fault_days = sorted(str(fault.order_date) for fault in by_kind.values())
    marks = ", ".join("?" * len(fault_days))
    other_orders = f"select SalesOrderID from Sales.SalesOrderHeader where substr(OrderDate, 1, 10) not in ({marks})"
    for table in ("SalesOrderHeader", "SalesOrderDetail"):
        # The order ids come from the original source in both reads (future_dates moves an order's date).
        ids = [row[0] for row in _rows(small_source, other_orders, tuple(fault_days))]
        id_marks = ", ".join("?" * len(ids))
        sql = f"select * from Sales.{table} where SalesOrderID in ({id_marks})"
        assert sorted(map(tuple, _rows(source, sql, tuple(ids)))) == sorted(
            map(tuple, _rows(small_source, sql, tuple(ids)))
        )
    for table in t.ALL_TABLES:
        if table not in (t.SALES_ORDER_HEADER, t.SALES_ORDER_DETAIL):
            sql = f"select * from {table.qualified_name}"
            assert sorted(map(tuple, _rows(source, sql))) == sorted(map(tuple, _rows(small_source, sql)))
    assert {k: v for k, v in _digest(source).items() if k != "Sales.sqlite"} == {
        k: v for k, v in _digest(small_source).items() if k != "Sales.sqlite"
    }


def test_only_faulty_rows_carry_the_new_modified_date(injected: tuple[Path, dict]) -> None:
    source, by_kind = injected
    stamped_orders = {
        row[0]
        for row in _rows(source, "select SalesOrderID from Sales.SalesOrderHeader where ModifiedDate = ?", (STAMP,))
    }
    stamped_lines = {
        row[0]
        for row in _rows(source, "select SalesOrderID from Sales.SalesOrderDetail where ModifiedDate = ?", (STAMP,))
    }
    header_kinds = ("null_keys", "negative_qty", "total_mismatch", "future_dates", "revenue_spike")
    line_kinds = ("orphans", "negative_qty", "duplicate_lines", "revenue_spike")
    assert stamped_orders == {order_id for kind in header_kinds for order_id in by_kind[kind].order_ids}
    assert stamped_lines == {order_id for kind in line_kinds for order_id in by_kind[kind].order_ids}


def test_explicit_days(live_source: Path) -> None:
    applied = inject_faults(
        live_source, ["orphans", "total_mismatch"], days=[date(2013, 1, 5), date(2013, 1, 2)], now=NOW
    )
    assert [(fault.kind, fault.order_date) for fault in applied] == [
        ("orphans", date(2013, 1, 5)),
        ("total_mismatch", date(2013, 1, 2)),
    ]
    before = _digest(live_source)
    with pytest.raises(ValueError, match="2012-12-31"):
        inject_faults(live_source, ["orphans", "null_keys"], days=[date(2013, 1, 6), date(2012, 12, 31)], now=NOW)
    with pytest.raises(ValueError, match="one day per kind"):
        inject_faults(live_source, ["orphans", "null_keys"], days=[date(2013, 1, 6)], now=NOW)
    with pytest.raises(ValueError, match="its own day"):
        inject_faults(live_source, ["orphans", "null_keys"], days=[date(2013, 1, 6)] * 2, now=NOW)
    assert _digest(live_source) == before


def test_a_failure_rolls_back_every_kind_including_table_rebuilds(
    live_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> InjectedFault:
        raise RuntimeError("injected failure")

    before = _digest(live_source)
    monkeypatch.setitem(faults._INJECTORS, "orphans", fail)
    with pytest.raises(RuntimeError, match="injected failure"):
        inject_faults(live_source, ["null_keys", "duplicate_lines", "orphans"], now=NOW)
    assert _digest(live_source) == before


def test_generate_with_injected_faults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "generated"
    argv = ["generate", "--start", "2013-01-01", "--end", "2013-01-15", "--scale", "0.2", "--out", str(out)]
    assert main([*argv, "--inject", "orphans"]) == 0
    printed = capsys.readouterr().out
    (line,) = [line for line in printed.splitlines() if line.strip().startswith("orphans")]
    assert "Sales.SalesOrderDetail" in line and "2013-01-14" in line
    orphans = _rows(
        out,
        "select ModifiedDate from Sales.SalesOrderDetail "
        "where ProductID not in (select ProductID from Production.Product)",
    )
    assert [row[0] for row in orphans] == ["2013-01-14 23:59:59"] * 2

    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--inject", "orphans,bogus"])
    assert exit_info.value.code == 2 and "bogus" in capsys.readouterr().err


def test_inject_command(live_source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALES_SOURCE_URL", raising=False)
    # A mid-month day with orders (a quiet day may have none).
    ((day,),) = _rows(
        live_source, "select substr(min(OrderDate), 1, 10) from Sales.SalesOrderHeader where OrderDate >= '2013-01-10'"
    )
    assert main(["inject", "--faults", "total_mismatch", "--day", day, "--dir", str(live_source)]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "total_mismatch" in line]
    assert "Sales.SalesOrderHeader" in line and day in line

    with pytest.raises(SystemExit) as exit_info:
        main(["inject", "--faults", "bogus", "--dir", str(live_source)])
    assert exit_info.value.code == 2 and "unknown fault kind(s): bogus" in capsys.readouterr().err

    monkeypatch.setenv("SALES_SOURCE_URL", "mssql+pyodbc://example")
    with pytest.raises(SystemExit):
        main(["inject", "--faults", "orphans", "--dir", str(live_source)])
    assert "SALES_SOURCE_URL" in capsys.readouterr().err
