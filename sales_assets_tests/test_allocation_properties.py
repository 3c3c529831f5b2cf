"""Property-based tests (Hypothesis) of the allocation in fact_sales: order amounts split exactly.

fact_sales allocates each order header's subtotal, tax_amount, freight and total_due to its lines
in proportion to line_total (evenly by line count when the lines total 0), as differences of
rounded cumulative shares (macros/allocate.sql), so that the lines add up to the header exactly.

The test runs the model's real SQL: dbt compiles it once, and each example runs the compiled SELECT
on an in-memory DuckDB whose staging relations hold orders Hypothesis generates: 1 to 72 lines with
random quantities, unit prices and discounts (line_total as the source computes it), orders whose
lines total 0, header amounts with nothing to do with the lines, tiny or up to the largest money
(10^15), credits as well as charges. The expectations are computed here with exact fractions, never
with the model's SQL: per order, each allocated column adds up to the header amount exactly; each
line gets its exact proportional share give or take 0.0001; every input line comes out exactly
once; the allocations are DECIMAL(19,4).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_assets.defs.transform.project import DBT_PROJECT_DIR, dbt_executable

# The same examples on every run (CI is deterministic), and no example database in the repository.
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)

CATALOG = "warehouse"  # dbt names relations after the DuckDB file: "warehouse"."staging"."stg_..."
AMOUNTS = ("subtotal", "tax_amount", "freight", "total_due")
# The staging relations fact_sales reads, with the columns it uses, typed as the staging models type them.
STAGING = {
    "stg_sales_orders": """sales_order_id integer, order_date timestamp, customer_id integer,
        territory_id integer, bill_to_address_id integer, is_online_order boolean, status smallint,
        is_revenue boolean, subtotal decimal(19, 4), tax_amount decimal(19, 4), freight decimal(19, 4),
        total_due decimal(19, 4)""",
    "stg_sales_order_details": """sales_order_id integer, sales_order_detail_id integer, product_id integer,
        special_offer_id integer, order_qty integer, unit_price decimal(19, 4), unit_price_discount decimal(19, 4),
        line_total decimal(38, 6)""",
    "stg_products": "product_id integer, standard_cost decimal(19, 4)",
    "stg_product_cost_history": """product_id integer, valid_from timestamp, valid_to timestamp,
        standard_cost decimal(19, 4)""",
}
TEN_THOUSANDTH = Fraction(1, 10_000)


@dataclass(frozen=True)
class Line:
    detail_id: int
    product_id: int
    quantity: int
    unit_price: Decimal
    discount: Decimal

    @property
    def line_total(self) -> Decimal:
        # As the source computes it: UnitPrice * (1 - UnitPriceDiscount) rounded to numeric(38,6), * OrderQty.
        return (self.unit_price * (1 - self.discount)).quantize(Decimal("0.000001"), ROUND_HALF_UP) * self.quantity


@dataclass(frozen=True)
class Order:
    order_id: int
    order_date: datetime
    amounts: tuple[Decimal, ...]  # subtotal, tax_amount, freight, total_due
    lines: tuple[Line, ...]


def money(largest: int, signed: bool = False) -> st.SearchStrategy[Decimal]:
    """Amounts with four decimals up to `largest` (down to -largest if signed), tiny ones as likely as large ones."""
    low = -1 if signed else 0
    units = st.one_of(st.integers(low * 100, 100), st.integers(low * largest * 10_000, largest * 10_000))
    return units.map(lambda n: Decimal(n).scaleb(-4))


# Money is NUMERIC(19,4): amounts below 10^15, a credit as well as a charge.
AMOUNT = money(10**15 - 1, signed=True)


@st.composite
def orders(draw: st.DrawFn) -> list[Order]:
    result, detail_id = [], 0
    for order_id in range(1, draw(st.integers(1, 6)) + 1):
        free = draw(st.integers(0, 3)) == 0  # a quarter of the orders total 0: every line free or fully discounted
        lines = []
        for _ in range(draw(st.integers(1, 72) | st.integers(1, 3))):
            detail_id += 1
            price = Decimal(0) if free and draw(st.booleans()) else draw(money(10**6))
            discount = Decimal(1) if free and not price.is_zero() else draw(money(1))
            lines.append(Line(detail_id, draw(st.integers(1, 5)), draw(st.integers(1, 1000)), price, discount))
        order_date = datetime(2012, 6, 1) + timedelta(days=draw(st.integers(0, 580)))
        result.append(Order(order_id, order_date, tuple(draw(AMOUNT) for _ in AMOUNTS), tuple(lines)))
    return result


class FactSales:
    """The compiled model over an in-memory DuckDB holding the relations it reads, under their names."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.conn = duckdb.connect()
        self.conn.execute(f"attach ':memory:' as {CATALOG}")
        self.conn.execute(f"create schema {CATALOG}.staging")
        for name, columns in STAGING.items():
            self.conn.execute(f"create table {CATALOG}.staging.{name} ({columns})")
        # Products 1-4 (5 does not exist), two with a cost history that starts within the orders'
        # dates: the joins that cost a line must neither repeat nor drop it.
        self.conn.execute(f"insert into {CATALOG}.staging.stg_products values (1, 10), (2, 20), (3, 30), (4, 40)")
        self.conn.execute(
            f"""insert into {CATALOG}.staging.stg_product_cost_history values
            (1, '2013-01-01', '2013-07-01', 9), (1, '2013-07-01', null, 11), (2, '2012-01-01', null, 19)"""
        )

    def __repr__(self) -> str:
        return "FactSales(<compiled fact_sales on DuckDB>)"  # Hypothesis prints it with a failing example

    def column_types(self) -> dict[str, str]:
        return {name: kind for name, kind, *_ in self.conn.execute(f"describe select * from ({self.sql})").fetchall()}

    def _replace(self, table: str, rows: list[tuple]) -> None:
        self.conn.execute(f"delete from {CATALOG}.staging.{table}")
        # One statement for all rows: executemany costs a statement per row.
        values = ", ".join(["(" + ", ".join("?" * len(rows[0])) + ")"] * len(rows))
        self.conn.execute(f"insert into {CATALOG}.staging.{table} values {values}", [v for row in rows for v in row])

    def allocate(self, orders: list[Order]) -> list[tuple]:
        """(order, line, subtotal, tax_amount, freight, total_due) of each fact row for these orders."""
        self._replace(
            "stg_sales_orders", [(o.order_id, o.order_date, 1, 1, 1, True, 5, True, *o.amounts) for o in orders]
        )
        details = [
            (o.order_id, ln.detail_id, ln.product_id, 1, ln.quantity, ln.unit_price, ln.discount, ln.line_total)
            for o in orders
            for ln in o.lines
        ]
        self._replace("stg_sales_order_details", details)
        columns = ", ".join(("sales_order_id", "sales_order_detail_id", *AMOUNTS))
        return self.conn.execute(f"select {columns} from ({self.sql})").fetchall()


@pytest.fixture(scope="module")
def fact_sales(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactSales]:
    """fact_sales as dbt compiles it for DuckDB: no partition window, not incremental (a first build)."""
    tmp = tmp_path_factory.mktemp("fact_sales")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SALES_WINDOW_", "SALES_DBT_"))}
    env |= {"SALES_TARGET": "duckdb", "SALES_WAREHOUSE_PATH": str(tmp / f"{CATALOG}.duckdb")}
    command = [dbt_executable(), "compile", "--quiet", "--select", "fact_sales", "--profiles-dir", "."]
    # Its own target and log folders: the project's manifest and partial parse stay untouched.
    command += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    compiled = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (path,) = (tmp / "target" / "compiled").rglob("fact_sales.sql")
    sql = path.read_text()
    read = {f'"{CATALOG}"."staging"."{name}"' for name in STAGING}
    assert {name for name in read if name in sql} == read, "fact_sales reads other relations now: add them"
    model = FactSales(sql)
    yield model
    model.conn.close()


def exact_share(order: Order, amount: Decimal, line: Line) -> Fraction:
    """The line's share of an order amount: by line_total, or evenly when the lines total 0."""
    total = sum(Fraction(other.line_total) for other in order.lines)
    if total == 0:
        return Fraction(amount) / len(order.lines)
    return Fraction(amount) * Fraction(line.line_total) / total


def test_allocated_columns_are_decimals_of_four_places(fact_sales: FactSales) -> None:
    types = fact_sales.column_types()
    assert {column: types[column] for column in AMOUNTS} == dict.fromkeys(AMOUNTS, "DECIMAL(19,4)")


@PROPERTY
@given(orders=orders())
def test_allocations_add_up_to_the_header_and_follow_line_totals(fact_sales: FactSales, orders: list[Order]) -> None:
    fact = fact_sales.allocate(orders)

    # Every line exactly once.
    keys = [(order_id, detail_id) for order_id, detail_id, *_ in fact]
    assert sorted(keys) == sorted((order.order_id, line.detail_id) for order in orders for line in order.lines)
    allocated = {(order_id, detail_id): amounts for order_id, detail_id, *amounts in fact}
    for order in orders:
        for column, amount in enumerate(order.amounts):
            lines = [allocated[order.order_id, line.detail_id][column] for line in order.lines]
            assert all(isinstance(value, Decimal) and value.as_tuple().exponent == -4 for value in lines)
            assert sum(lines) == amount, f"order {order.order_id}: {AMOUNTS[column]} adds up to {sum(lines)}"
            for line, value in zip(order.lines, lines, strict=True):
                error = abs(Fraction(value) - exact_share(order, amount, line))
                assert error <= TEN_THOUSANDTH, f"order {order.order_id}, line {line.detail_id}: {AMOUNTS[column]}"
