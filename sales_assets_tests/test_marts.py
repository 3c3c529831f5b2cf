"""The analytics marts reconcile with the source, to the ten-thousandth.

One real pipeline (generator -> dlt -> DuckDB -> dbt, run by Dagster in process) is built for the
module and runs the whole window 2013-01-01..2013-01-31 as a single run. Every expected number is
computed here, independently, in plain Python over rows read with sqlite3 from the source files:
nothing re-runs or copies the dbt models' SQL.

Money is compared exactly as decimal.Decimal. The source stores NUMERIC as SQLite REAL, so money is
recovered with four decimals and LineTotal (NUMERIC(38,6)) with six; both are exact by
construction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from dagster import AssetKey

from sales_assets_tests.conftest import Pipeline, make_settings

FIRST, LAST = "2013-01-01", "2013-01-31"
WINDOW = ("2013-01-01 00:00:00", "2013-02-01 00:00:00")  # half-open [start, end)
RERUN_DAY = "2013-01-15"
FOUR = Decimal("0.0001")


# --- independent reading of the source --------------------------------------------------------------


def money(value: float | int) -> Decimal:
    return Decimal(f"{value:.4f}")


def line_money(value: float | int) -> Decimal:
    return Decimal(f"{value:.6f}")


def _connect(source_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for schema in ("Sales", "Production", "Person"):
        conn.execute(f"attach database '{source_dir / f'{schema}.sqlite'}' as {schema}")
    return conn


@dataclass(frozen=True)
class Header:
    order_id: int
    order_date: datetime
    customer_id: int
    territory_id: int | None
    subtotal: Decimal
    tax: Decimal
    freight: Decimal
    total_due: Decimal


@dataclass(frozen=True)
class Line:
    order_id: int
    detail_id: int
    product_id: int
    qty: int
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class Source:
    headers: dict[int, Header]  # orders whose OrderDate is in the window
    lines: list[Line]  # lines of those orders
    returns: list[tuple[int, int, int]]  # (SalesOrderID, SalesOrderDetailID, ReturnQty), ReturnDate in window
    customers: dict[int, tuple[int | None, int | None]]  # CustomerID -> (PersonID, StoreID)


def read_source(source_dir: Path) -> Source:
    conn = _connect(source_dir)
    headers = {
        row[0]: Header(
            order_id=row[0],
            order_date=datetime.fromisoformat(row[1]),
            customer_id=row[2],
            territory_id=row[3],
            subtotal=money(row[4]),
            tax=money(row[5]),
            freight=money(row[6]),
            total_due=money(row[7]),
        )
        for row in conn.execute(
            "select SalesOrderID, OrderDate, CustomerID, TerritoryID, SubTotal, TaxAmt, Freight, TotalDue "
            "from Sales.SalesOrderHeader where OrderDate >= ? and OrderDate < ?",
            WINDOW,
        )
    }
    lines = [
        Line(
            order_id=row[0],
            detail_id=row[1],
            product_id=row[2],
            qty=row[3],
            unit_price=money(row[4]),
            discount=money(row[5]),
            line_total=line_money(row[6]),
        )
        for row in conn.execute(
            "select SalesOrderID, SalesOrderDetailID, ProductID, OrderQty, UnitPrice, UnitPriceDiscount, LineTotal "
            "from Sales.SalesOrderDetail"
        )
        if row[0] in headers
    ]
    in_window_lines = {(line.order_id, line.detail_id) for line in lines}
    returns = [
        (row[0], row[1], row[2])
        for row in conn.execute(
            "select SalesOrderID, SalesOrderDetailID, ReturnQty from Sales.SalesReturn "
            "where ReturnDate >= ? and ReturnDate < ?",
            WINDOW,
        )
        if (row[0], row[1]) in in_window_lines
    ]
    customers = {
        row[0]: (row[1], row[2]) for row in conn.execute("select CustomerID, PersonID, StoreID from Sales.Customer")
    }
    conn.close()
    return Source(headers, lines, returns, customers)


# --- the module's pipeline ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(small_source: Path) -> Source:
    src = read_source(small_source)
    # Guards against a vacuous comparison: the window must hold a real month of sales.
    assert len(src.headers) > 100 and len(src.lines) > len(src.headers)
    return src


@pytest.fixture(scope="module")
def pipeline(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    root = tmp_path_factory.mktemp("marts_pipeline")
    built = Pipeline(make_settings(root, small_source))
    built.run(FIRST, LAST)
    return built


def first_mismatches(expected: dict, actual: dict, limit: int = 5) -> list:
    keys = sorted(set(expected) | set(actual), key=repr)
    return [(k, expected.get(k), actual.get(k)) for k in keys if expected.get(k) != actual.get(k)][:limit]


# --- fact_sales -------------------------------------------------------------------------------------------


def test_fact_sales_holds_exactly_the_windows_lines(pipeline: Pipeline, source: Source) -> None:
    keys = pipeline.query("select sales_order_id, sales_order_detail_id from analytics.fact_sales")
    assert len(keys) == len(source.lines)
    assert len(set(keys)) == len(keys), "duplicate order lines in fact_sales"
    assert set(keys) == {(line.order_id, line.detail_id) for line in source.lines}

    (total,) = pipeline.query("select sum(line_total) from analytics.fact_sales")[0]
    assert isinstance(total, Decimal)
    assert total == sum(line.line_total for line in source.lines)

    # Each line keeps its own exact amounts and its order's date and customer.
    actual = {
        (r[0], r[1]): r[2:]
        for r in pipeline.query(
            "select sales_order_id, sales_order_detail_id, order_qty, unit_price, unit_price_discount, line_total, "
            "order_date, customer_id, product_id from analytics.fact_sales"
        )
    }
    expected = {
        (line.order_id, line.detail_id): (
            line.qty,
            line.unit_price,
            line.discount,
            line.line_total,
            source.headers[line.order_id].order_date,
            source.headers[line.order_id].customer_id,
            line.product_id,
        )
        for line in source.lines
    }
    assert not first_mismatches(expected, actual)


def test_allocated_amounts_add_up_to_every_order_header(pipeline: Pipeline, source: Source) -> None:
    rows = pipeline.query("select sales_order_id, subtotal, tax_amount, freight, total_due from analytics.fact_sales")
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for order_id, *amounts in rows:
        assert all(isinstance(a, Decimal) for a in amounts)
        sums[order_id] = [s + a for s, a in zip(sums[order_id], amounts, strict=True)]
    actual = {order_id: tuple(s) for order_id, s in sums.items()}

    ordered = {line.order_id for line in source.lines}
    expected = {
        h.order_id: (h.subtotal, h.tax, h.freight, h.total_due)
        for h in source.headers.values()
        if h.order_id in ordered
    }
    assert set(actual) == set(expected)
    mismatches = first_mismatches(expected, actual)
    assert not mismatches, f"(order id, header [subtotal, tax, freight, total_due], sum of lines): {mismatches}"

    # Split in proportion to line_total (evenly by line when an order's lines total 0): each
    # line's share is within one ten-thousandth of the exact pro-rata amount, so a header amount
    # put whole on one line, or split evenly, does not pass.
    order_total: dict[int, Decimal] = defaultdict(Decimal)
    line_count: dict[int, int] = defaultdict(int)
    for line in source.lines:
        order_total[line.order_id] += line.line_total
        line_count[line.order_id] += 1
    # Exact rational weights: a Decimal quotient would round at 28 digits.
    weight = {
        (line.order_id, line.detail_id): (
            Fraction(line.line_total) / Fraction(order_total[line.order_id])
            if order_total[line.order_id]
            else Fraction(1, line_count[line.order_id])
        )
        for line in source.lines
    }
    allocated = pipeline.query(
        "select sales_order_id, sales_order_detail_id, subtotal, tax_amount, freight, total_due "
        "from analytics.fact_sales"
    )
    off = []
    for order_id, detail_id, *amounts in allocated:
        h = source.headers[order_id]
        for name, header_amount, amount in zip(
            ("subtotal", "tax", "freight", "total_due"),
            (h.subtotal, h.tax, h.freight, h.total_due),
            amounts,
            strict=True,
        ):
            exact = Fraction(header_amount) * weight[(order_id, detail_id)]
            if abs(Fraction(amount) - exact) > Fraction(FOUR):
                off.append((order_id, detail_id, name, amount, float(exact)))
    assert not off, f"lines not allocated pro rata (order, line, column, allocated, exact share): {off[:5]}"
    assert any(
        line_count[o] > 1 and len({line.line_total for line in source.lines if line.order_id == o}) > 1
        for o in line_count
    ), "needs orders with several unequal lines, or pro rata is untested"


# --- sales_performance --------------------------------------------------------------------------------------


def test_sales_performance_per_day_matches_source(pipeline: Pipeline, source: Source) -> None:
    orders: dict[date, set[int]] = defaultdict(set)
    units: dict[date, int] = defaultdict(int)
    revenue: dict[date, Decimal] = defaultdict(Decimal)
    for line in source.lines:
        day = source.headers[line.order_id].order_date.date()
        orders[day].add(line.order_id)
        units[day] += line.qty
        revenue[day] += line.line_total
    expected = {
        day: (
            len(ids),
            units[day],
            revenue[day],
            sum((source.headers[i].total_due for i in ids), Decimal(0)),
        )
        for day, ids in orders.items()
    }
    assert len(expected) >= 28, "most days of the month should have orders"

    actual = {
        r[0]: tuple(r[1:])
        for r in pipeline.query(
            "select order_date, order_count, units_sold, revenue, total_due from analytics.sales_performance"
        )
    }
    assert all(isinstance(day, date) for day in actual)
    assert set(actual) == set(expected)
    assert not first_mismatches(expected, actual)


# --- sales_by_territory ------------------------------------------------------------------------------------


def test_sales_by_territory_matches_source(pipeline: Pipeline, source: Source) -> None:
    revenue: dict[int | None, Decimal] = defaultdict(Decimal)
    orders: dict[int | None, set[int]] = defaultdict(set)
    for line in source.lines:
        territory = source.headers[line.order_id].territory_id
        revenue[territory] += line.line_total
        orders[territory].add(line.order_id)
    expected = {t: (revenue[t], len(orders[t])) for t in revenue}
    assert len(expected) >= 5

    rows = pipeline.query("select territory_id, revenue, order_count from analytics.sales_by_territory")
    actual = {r[0]: (r[1], r[2]) for r in rows}
    assert len(actual) == len(rows), "territory_id must be unique"
    # Every territory that sold is there with its exact numbers; any other row sold nothing.
    assert not first_mismatches(expected, {t: v for t, v in actual.items() if t in expected})
    assert set(expected) <= set(actual)
    assert all(v == (Decimal(0), 0) for t, v in actual.items() if t not in expected)

    (fact_total,) = pipeline.query("select sum(line_total) from analytics.fact_sales")[0]
    territory_total = sum(r[1] for r in rows)
    assert territory_total == fact_total == sum(line.line_total for line in source.lines)


# --- customer_analysis ----------------------------------------------------------------------------------------


def test_customer_analysis_top_customer_and_types(pipeline: Pipeline, source: Source) -> None:
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    for line in source.lines:
        revenue[source.headers[line.order_id].customer_id] += line.line_total
    ranked = sorted(revenue.items(), key=lambda kv: kv[1], reverse=True)
    (top_id, top_revenue), (_, second_revenue) = ranked[0], ranked[1]
    assert top_revenue > second_revenue, "the source's top customer must be unambiguous"
    top_orders = [h for h in source.headers.values() if h.customer_id == top_id]

    rows = pipeline.query(
        "select customer_id, revenue, order_count, first_order_date, last_order_date "
        "from analytics.customer_analysis order by revenue desc, customer_id limit 1"
    )
    assert rows == [
        (
            top_id,
            top_revenue,
            len(top_orders),
            min(h.order_date for h in top_orders),
            max(h.order_date for h in top_orders),
        )
    ]

    (count,) = pipeline.query("select count(*) from analytics.customer_analysis")[0]
    assert count == len(revenue)

    def expected_type(customer_id: int) -> str:
        person_id, store_id = source.customers[customer_id]
        if person_id is not None and store_id is not None:
            return "store_contact"
        if store_id is not None:
            return "store"
        assert person_id is not None
        return "individual"

    # Every ordering customer's type follows the rule. Only people order (an individual, or a
    # person buying for a store), so 'store' never reaches this mart: that branch of the rule is
    # checked on stg_customers, where customer_analysis takes the type from.
    actual_types = dict(pipeline.query("select customer_id, customer_type from analytics.customer_analysis"))
    assert actual_types == {cid: expected_type(cid) for cid in revenue}
    assert {"individual", "store_contact"} <= set(actual_types.values())

    staged = dict(pipeline.query("select customer_id, customer_type from staging.stg_customers"))
    by_kind: dict[str, list[int]] = defaultdict(list)
    for customer_id in sorted(source.customers):
        by_kind[expected_type(customer_id)].append(customer_id)
    assert set(by_kind) == {"individual", "store", "store_contact"}
    sample = [cid for ids in by_kind.values() for cid in ids[:3]]
    assert {cid: staged.get(cid) for cid in sample} == {cid: expected_type(cid) for cid in sample}


# --- product_demand -----------------------------------------------------------------------------------------


def test_product_demand_sales_and_returns_match_source(pipeline: Pipeline, source: Source) -> None:
    units: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    product_of: dict[tuple[int, int], int] = {}
    for line in source.lines:
        units[line.product_id] += line.qty
        revenue[line.product_id] += line.line_total
        product_of[(line.order_id, line.detail_id)] = line.product_id
    returned: dict[int, int] = defaultdict(int)
    for order_id, detail_id, qty in source.returns:
        returned[product_of[(order_id, detail_id)]] += qty
    assert any(qty > 0 for qty in returned.values()), "the window must have returns, or this test is vacuous"

    rows = pipeline.query(
        "select product_id, units_sold, revenue, units_returned, return_rate from analytics.product_demand"
    )
    actual = {r[0]: (r[1], r[2], r[3]) for r in rows}
    expected = {p: (units[p], revenue[p], returned.get(p, 0)) for p in units}
    assert len(actual) == len(rows)
    assert set(actual) == set(expected)
    assert not first_mismatches(expected, actual)

    assert sum(r[3] for r in rows) == sum(qty for _, _, qty in source.returns)
    for product_id, _, _, _, rate in rows:
        assert rate == pytest.approx(returned.get(product_id, 0) / units[product_id], rel=1e-12, abs=0), product_id
    assert any(r[3] > 0 and r[4] > 0 for r in rows)


# --- discount_impact ---------------------------------------------------------------------------------------


def test_discount_impact_totals_match_source(pipeline: Pipeline, source: Source) -> None:
    # The line's discount is unit_price * unit_price_discount * order_qty, exact at 8 decimals, put
    # on 4 decimals. DuckDB's DECIMAL cast rounds half away from zero (0.00025 -> 0.0003), which for
    # these non-negative amounts is ROUND_HALF_UP; a per-line rounding, summed.
    expected_discount = sum(
        ((line.unit_price * line.discount * line.qty).quantize(FOUR, rounding=ROUND_HALF_UP) for line in source.lines),
        Decimal(0),
    )
    assert expected_discount > 0

    rows = pipeline.query("select discount_amount, line_count, discount_pct from analytics.discount_impact")
    assert all(isinstance(r[0], Decimal) for r in rows)
    assert sum(r[0] for r in rows) == expected_discount
    assert sum(r[1] for r in rows) == len(source.lines)
    assert any(r[2] > 0 for r in rows)

    # The discounted lines land outside the '0% (none)' band, with their exact discount.
    discounted = [line for line in source.lines if line.discount > 0]
    assert discounted
    (none_band_lines, none_band_discount) = pipeline.query(
        "select coalesce(sum(line_count), 0), coalesce(sum(discount_amount), 0) "
        "from analytics.discount_impact where discount_band = '0% (none)'"
    )[0]
    assert none_band_lines == len(source.lines) - len(discounted)
    assert none_band_discount == 0


# --- rerun of one partition (last: it reruns the module's pipeline) --------------------------------------


def _state(pipeline: Pipeline) -> dict[str, object]:
    fact = pipeline.query(
        "select count(*), count(distinct sales_order_detail_id), "
        "count(distinct (sales_order_id, sales_order_detail_id)), sum(line_total), sum(total_due) "
        "from analytics.fact_sales"
    )[0]
    header = pipeline.query("select count(*), count(distinct sales_order_id) from raw.sales_order_header")[0]
    detail = pipeline.query(
        "select count(*), count(distinct (sales_order_id, sales_order_detail_id)) from raw.sales_order_detail"
    )[0]
    perf = pipeline.query("select sum(order_count), sum(revenue), sum(total_due) from analytics.sales_performance")[0]
    return {"fact": fact, "header": header, "detail": detail, "sales_performance": perf}


def test_rerunning_one_partition_changes_nothing(pipeline: Pipeline, source: Source) -> None:
    n_lines, n_orders = len(source.lines), len(source.headers)
    revenue = sum(line.line_total for line in source.lines)
    total_due = sum(h.total_due for h in source.headers.values())
    expected = {
        "fact": (n_lines, n_lines, n_lines, revenue, total_due),
        "header": (n_orders, n_orders),
        "detail": (n_lines, n_lines),
        "sales_performance": (n_orders, revenue, total_due),
    }
    assert any(h.order_date.date() == date(2013, 1, 15) for h in source.headers.values())

    assert _state(pipeline) == expected
    result = pipeline.run(RERUN_DAY)
    # The rerun really rebuilt the day: it loaded the day's orders and rebuilt fact_sales for it.
    rebuilt = {
        (event.asset_key.to_user_string(), event.partition) for event in result.get_asset_materialization_events()
    }
    assert {("raw/sales_order_header", RERUN_DAY), ("analytics/fact_sales", RERUN_DAY)} <= rebuilt
    assert _state(pipeline) == expected


def test_analytics_pages_carry_row_counts_and_a_preview(pipeline: Pipeline) -> None:
    for name in ("sales_performance", "customer_analysis", "fact_sales"):
        event = pipeline.instance.get_latest_materialization_event(AssetKey(["analytics", name]))
        metadata = event.asset_materialization.metadata
        count = pipeline.query(f"select count(*) from analytics.{name}")[0][0]
        assert metadata["dagster/row_count"].value == count > 0, name
        preview = metadata["preview"].value
        assert preview.startswith(f"First 5 rows of `analytics.{name}`"), name
        assert preview.count("\n|") == 2 + 5, name  # header, separator and five rows
