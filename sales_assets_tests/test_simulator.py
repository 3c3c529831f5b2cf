"""The simulator writes like the order-taking system: today's orders and late changes, exact totals."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from sales_assets.sandbox.simulator import simulate
from sales_assets.source.engine import SourceUnavailableError
from sales_assets_tests.source_rows import connect, line_money, money

NOW = datetime(2013, 2, 1, 9, 30, 0)  # the morning after the small source's last day


@pytest.fixture
def live_source(small_source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "live"
    shutil.copytree(small_source, copy)
    return copy


def assert_totals_exact(source: Path, order_ids: list[int]) -> None:
    conn = connect(source)
    for order_id in order_ids:
        lines = conn.execute(
            "select OrderQty, UnitPrice, UnitPriceDiscount, LineTotal from Sales.SalesOrderDetail "
            "where SalesOrderID = ?",
            (order_id,),
        ).fetchall()
        assert lines, order_id
        for qty, price, discount, line_total in lines:
            assert line_money(line_total) == money(price) * (1 - money(discount)) * qty
        subtotal, tax, freight, total = conn.execute(
            "select SubTotal, TaxAmt, Freight, TotalDue from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,)
        ).fetchone()
        assert money(subtotal) == sum(line_money(lt) for *_, lt in lines).quantize(money(0.0001))
        assert money(total) == money(subtotal) + money(tax) + money(freight)


def test_new_orders_for_today_and_late_changes_bump_modified_date(live_source: Path) -> None:
    conn = connect(live_source)
    (before_max,) = conn.execute("select max(SalesOrderID) from Sales.SalesOrderHeader").fetchone()

    report = simulate(live_source, orders=20, changes=12, seed=3, now=NOW)

    assert len(report.new_orders) == 20 and min(report.new_orders) == before_max + 1
    rows = (
        connect(live_source)
        .execute(
            "select SalesOrderID, OrderDate, ModifiedDate from Sales.SalesOrderHeader where ModifiedDate = ?",
            (str(NOW),),
        )
        .fetchall()
    )
    touched = {order_id for order_id, *_ in rows}
    assert set(report.new_orders) | set(report.changed_orders) == touched
    new_dates = {order_date for order_id, order_date, _ in rows if order_id in report.new_orders}
    assert new_dates == {"2013-02-01 00:00:00"}
    # Late changes reach back into older partitions, which the sensor must find.
    assert {d for d in report.order_dates_touched if d < "2013-02-01"}
    assert_totals_exact(live_source, report.new_orders + report.changed_orders)
    # Some late changes are returns of old lines, dated today.
    assert report.new_returns
    returns = (
        connect(live_source)
        .execute("select r.SalesOrderID, r.ReturnDate from Sales.SalesReturn r where r.ModifiedDate = ?", (str(NOW),))
        .fetchall()
    )
    assert len(returns) == len(report.new_returns)
    assert {order_id for order_id, _ in returns} <= set(report.changed_orders)
    assert {return_date for _, return_date in returns} == {"2013-02-01 00:00:00"}


def test_simulation_is_deterministic_for_a_seed(small_source: Path, tmp_path: Path) -> None:
    reports = []
    for name in ("a", "b"):
        copy = tmp_path / name
        shutil.copytree(small_source, copy)
        reports.append(simulate(copy, orders=5, changes=3, seed=11, now=NOW))
    assert reports[0] == reports[1]


def test_simulate_refuses_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match="Sales.sqlite"):
        simulate(tmp_path, orders=1, changes=0)


def test_no_returns_are_simulated_where_the_source_has_no_returns_table(
    source_without_returns: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "no_returns"
    shutil.copytree(source_without_returns, copy)
    report = simulate(copy, orders=2, changes=12, seed=3, now=NOW)
    assert report.new_returns == [] and len(report.changed_orders) == 12


def _stock(source: Path) -> dict[tuple[int, int], tuple[int, str]]:
    rows = connect(source).execute(
        "select ProductID, LocationID, Quantity, ModifiedDate from Production.ProductInventory"
    )
    return {(pid, location): (quantity, modified) for pid, location, quantity, modified in rows}


def test_new_orders_take_their_units_out_of_stock(live_source: Path) -> None:
    # Little stock everywhere, so that orders empty locations and reach past Finished Goods Storage.
    with connect(live_source) as conn:
        conn.execute("update Production.ProductInventory set Quantity = (ProductID + LocationID) % 4")
    before = _stock(live_source)

    report = simulate(live_source, orders=40, changes=5, seed=3, now=NOW)

    marks = ", ".join("?" * len(report.new_orders))
    ordered = connect(live_source).execute(
        f"select ProductID, sum(OrderQty) from Sales.SalesOrderDetail where SalesOrderID in ({marks}) group by 1",
        report.new_orders,
    )
    expected = {key: quantity for key, (quantity, _) in before.items()}
    for pid, qty in ordered:
        # Finished Goods Storage (7) first, then the other locations in order; none below 0.
        for key in sorted((key for key in expected if key[0] == pid), key=lambda key: (key[1] != 7, key[1])):
            taken = min(qty, expected[key])
            expected[key] -= taken
            qty -= taken
    after = _stock(live_source)
    assert {key: quantity for key, (quantity, _) in after.items()} == expected
    changed = {key for key in expected if expected[key] != before[key][0]}
    assert changed and any(key[1] == 60 for key in changed)  # some orders reached past storage
    assert {key for key, (_, modified) in after.items() if modified == str(NOW)} == changed
    assert {key: row for key, row in after.items() if key not in changed} == {
        key: row for key, row in before.items() if key not in changed
    }


def test_a_source_without_inventory_still_takes_orders(live_source: Path) -> None:
    """Sources written before stock was in the contract: orders are taken, stock is not tracked."""
    with connect(live_source) as conn:
        conn.execute("drop table Production.ProductInventory")
    report = simulate(live_source, orders=3, changes=0, seed=3, now=NOW)
    assert len(report.new_orders) == 3
