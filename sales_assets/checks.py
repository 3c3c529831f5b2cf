"""Python asset checks: the data-quality rules dbt's generic tests cannot state.

Each check runs with the partition (or single-run range) its asset was materialized for, reads
only that window (so its cost follows the partition's rows, like the load) and reports what failed
in metadata: counts, up to `MAX_KEYS` offending keys, the failing partitions. Checks guarding
correctness are blocking ERRORs: a failure stops the assets downstream in the same run from
building on bad data. Two are not blocking: orders dated in the future are outside every loaded
window (the loaded days are still right), and a revenue anomaly is a WARN for a person to look at.
"""

import statistics
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)

from sales_assets.jobs import FACT_SALES
from sales_assets.partitions import naive_window
from sales_assets.resources import SalesSource
from sales_assets.source.queries import Window, duplicate_lines_query, future_orders_query, source_orders_query
from sales_assets.warehouses import MissingRelationError, Warehouse

MAX_KEYS = 20
WARN = AssetCheckSeverity.WARN
HEADER, DETAIL = AssetKey(["raw", "sales_order_header"]), AssetKey(["raw", "sales_order_detail"])
CUSTOMER, PRODUCT, OFFER = (AssetKey(["raw", name]) for name in ("customer", "product", "special_offer"))
MONEY, LINE_MONEY = Decimal("0.0001"), Decimal("0.000001")
# A day's revenue is anomalous when it leaves the trailing weeks' range by a wide margin: above
# twice their maximum and ten times their median, or below half their minimum and a tenth of their
# median. Measured on the generated history (2011-2013): no day flagged at scale 1, two high and a
# dozen low in 900 days at scale 0.3 (few orders a day); five weeks of history include the last
# month-end, so a business with monthly bulk orders is not flagged every month.
TRAILING_DAYS, MIN_TRAILING_DAYS = 35, 14


def _window(context: AssetCheckExecutionContext) -> Window:
    return naive_window(context.partition_time_window)


def _result(
    window: Window,
    problems: dict[Any, date],
    summary: str,
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
    **metadata: Any,
) -> AssetCheckResult:
    """Pass when there are no problems; otherwise name them: keys, partitions, a sentence."""
    failing = sorted({day.isoformat() for day in problems.values()})
    keys = list(problems)[:MAX_KEYS]
    return AssetCheckResult(
        passed=not problems,
        severity=severity,
        metadata={
            "summary": summary if problems else "ok",
            "window_start": window[0].date().isoformat(),
            "window_end": window[1].date().isoformat(),
            "failing_partitions": ", ".join(failing),
            "offending_count": len(problems),
            "offending_keys": MetadataValue.json([str(key) for key in keys]),
            **metadata,
        },
    )


def _warehouse_rows(warehouse: Warehouse, sql: str, window: Window) -> list[tuple]:
    """Rows of a warehouse query whose `?` placeholders are, in pairs, the window's start and end."""
    return warehouse.query(sql, list(window) * (sql.count("?") // 2))


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


# Raw header rows of the window, by order, as a subquery the checks share.
ORDERS_IN_WINDOW = """
    select * from raw.sales_order_header
    where cast(order_date as timestamp) >= ? and cast(order_date as timestamp) < ?
"""


def _source_orders(engine: sa.Engine, window: Window) -> dict[int, tuple[date, Decimal, int, Decimal]]:
    """Per order in the window, from the source: (order date, TotalDue, line count, sum of LineTotal)."""
    query = source_orders_query(window, engine.dialect.name)
    with engine.connect() as conn:
        return {
            order_id: (
                _day(day),
                Decimal(total_due).quantize(MONEY),
                n or 0,
                Decimal(line_total or 0).quantize(LINE_MONEY),
            )
            for order_id, day, total_due, n, line_total in conn.execute(query)
        }


def _source_duplicate_lines(engine: sa.Engine, window: Window) -> list[tuple[int, int]]:
    """Order lines whose primary key occurs more than once in the source (a source without the constraint)."""
    query = duplicate_lines_query(window, engine.dialect.name)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def matches_source(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    engine = source.engine()
    source = _source_orders(engine, window)
    rows = _warehouse_rows(
        warehouse,
        f"""
        with orders as ({ORDERS_IN_WINDOW}),
        lines as (
            select sales_order_id, count(*) as n, sum(line_total) as total
            from raw.sales_order_detail where sales_order_id in (select sales_order_id from orders)
            group by 1
        )
        select o.sales_order_id, cast(o.order_date as timestamp), o.total_due, l.n, l.total
        from orders o left join lines l using (sales_order_id)
        """,
        window,
    )
    loaded = {
        order_id: (_day(day), Decimal(total_due).quantize(MONEY), n or 0, Decimal(total or 0).quantize(LINE_MONEY))
        for order_id, day, total_due, n, total in rows
    }
    duplicates = _source_duplicate_lines(engine, window)
    problems = {
        key: (source.get(key) or loaded[key])[0]
        for key in source.keys() | loaded.keys()
        if source.get(key) != loaded.get(key)
    }
    for order_id, _ in duplicates:
        problems.setdefault(order_id, source[order_id][0])

    def totals(orders: dict) -> tuple[int, int, Decimal, Decimal]:
        values = orders.values()
        return (
            len(orders),
            sum(v[2] for v in values),
            sum((v[1] for v in values), Decimal(0)),
            sum((v[3] for v in values), Decimal(0)),
        )

    (src_orders, src_lines, src_due, src_lt), (wh_orders, wh_lines, wh_due, wh_lt) = totals(source), totals(loaded)
    summary = (
        f"{len(problems)} orders differ between Sales.SalesOrderHeader/SalesOrderDetail and raw: "
        f"orders {src_orders} vs {wh_orders}, lines {src_lines} vs {wh_lines}, "
        f"SUM(TotalDue) {src_due} vs {wh_due}, SUM(LineTotal) {src_lt} vs {wh_lt}"
        + (f"; {len(duplicates)} order lines duplicated in the source: {duplicates[:MAX_KEYS]}" if duplicates else "")
    )
    return _result(
        window,
        dict(sorted(problems.items())),
        summary,
        source_orders=src_orders,
        warehouse_orders=wh_orders,
        source_lines=src_lines,
        warehouse_lines=wh_lines,
        source_total_due=str(src_due),
        warehouse_total_due=str(wh_due),
        source_line_total=str(src_lt),
        warehouse_line_total=str(wh_lt),
        duplicate_source_lines=MetadataValue.json([list(key) for key in duplicates[:MAX_KEYS]]),
    )


def order_totals_add_up(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        with orders as ({ORDERS_IN_WINDOW}),
        lines as (
            select sales_order_id, sum(line_total) as line_total from raw.sales_order_detail
            where sales_order_id in (select sales_order_id from orders) group by 1
        )
        select o.sales_order_id, cast(o.order_date as timestamp), o.sub_total, l.line_total,
               o.tax_amt, o.freight, o.total_due
        from orders o left join lines l using (sales_order_id)
        where l.line_total is null
           or o.sub_total <> round(l.line_total, 4)
           or o.total_due <> o.sub_total + o.tax_amt + o.freight
        order by 1
        """,
        window,
    )
    problems = {order_id: _day(day) for order_id, day, *_ in rows}
    details = [
        f"order {order_id}: SubTotal {sub} vs lines {lines}, TotalDue {due} vs {sub} + {tax} + {freight}"
        for order_id, _, sub, lines, tax, freight, due in rows[:5]
    ]
    return _result(
        window,
        problems,
        f"{len(problems)} orders whose lines do not sum to SubTotal (or TotalDue <> SubTotal + TaxAmt + Freight, "
        f"or no lines): {'; '.join(details)}",
    )


def customers_exist(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        select o.sales_order_id, cast(o.order_date as timestamp), o.customer_id
        from ({ORDERS_IN_WINDOW}) o
        left join raw.customer c on c.customer_id = o.customer_id
        where c.customer_id is null order by 1
        """,
        window,
    )
    problems = {order_id: _day(day) for order_id, day, _ in rows}
    missing = sum(1 for *_, customer in rows if customer is None)
    return _result(
        window,
        problems,
        f"{len(problems)} orders without a known customer: {missing} with CustomerID NULL, "
        f"{len(problems) - missing} naming a CustomerID not in Sales.Customer",
        null_customer_id=missing,
        unknown_customer_id=len(problems) - missing,
    )


def order_dates_valid(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        select sales_order_id, cast(order_date as timestamp), cast(ship_date as timestamp), cast(due_date as timestamp)
        from ({ORDERS_IN_WINDOW}) o
        where ship_date < order_date or due_date < order_date order by 1
        """,
        window,
    )
    problems = {order_id: _day(day) for order_id, day, *_ in rows}
    return _result(window, problems, f"{len(problems)} orders shipped or due before they were ordered")


def no_orders_dated_in_future(window: Window, source: SalesSource, partitions_end: datetime) -> AssetCheckResult:
    """Source-wide: an order dated after the last partition is in no window and would never load."""
    engine = source.engine()
    query = future_orders_query(partitions_end, engine.dialect.name)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    problems = {order_id: _day(day) for order_id, day in rows}
    return _result(
        window,
        problems,
        f"{len(problems)} orders in Sales.SalesOrderHeader dated on or after {partitions_end:%Y-%m-%d}, the end of "
        f"the partition set: no partition loads them (dates: {', '.join(sorted(map(str, set(problems.values()))))})",
    )


def products_and_offers_exist(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        select d.sales_order_id, d.sales_order_detail_id, cast(o.order_date as timestamp),
               d.product_id, d.special_offer_id,
               p.product_id is null as unknown_product, s.special_offer_id is null as unknown_offer
        from raw.sales_order_detail d
        join ({ORDERS_IN_WINDOW}) o using (sales_order_id)
        left join raw.product p on p.product_id = d.product_id
        left join raw.special_offer s on s.special_offer_id = d.special_offer_id
        where p.product_id is null or s.special_offer_id is null order by 1, 2
        """,
        window,
    )
    problems = {(order_id, line_id): _day(day) for order_id, line_id, day, *_ in rows}
    products = sorted({str(product) for *_, product, _, unknown_product, _ in rows if unknown_product})
    offers = sorted({str(offer) for *_, offer, _, unknown_offer in rows if unknown_offer})
    return _result(
        window,
        problems,
        f"{len(problems)} order lines (SalesOrderID, SalesOrderDetailID) name a product or special offer the "
        f"warehouse does not hold: ProductID {', '.join(products) or '-'}; SpecialOfferID {', '.join(offers) or '-'}",
    )


def line_values_in_range(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        select d.sales_order_id, d.sales_order_detail_id, cast(o.order_date as timestamp),
               d.order_qty, d.unit_price, d.unit_price_discount
        from raw.sales_order_detail d join ({ORDERS_IN_WINDOW}) o using (sales_order_id)
        where d.order_qty <= 0 or d.unit_price < 0 or d.unit_price_discount < 0 or d.unit_price_discount >= 1
        order by 1, 2
        """,
        window,
    )
    problems = {(order_id, line_id): _day(day) for order_id, line_id, day, *_ in rows}
    examples = [
        f"{order_id}/{line_id}: OrderQty {qty}, UnitPrice {price}, UnitPriceDiscount {disc}"
        for order_id, line_id, _, qty, price, disc in rows[:5]
    ]
    return _result(
        window,
        problems,
        f"{len(problems)} order lines out of range (OrderQty > 0, UnitPrice >= 0, 0 <= UnitPriceDiscount < 1): "
        + "; ".join(examples),
    )


def allocations_sum_to_header(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        f"""
        with facts as (
            select sales_order_id, sum(subtotal) as subtotal, sum(tax_amount) as tax, sum(freight) as freight,
                   sum(total_due) as total_due
            from analytics.fact_sales where order_date >= ? and order_date < ? group by 1
        )
        select coalesce(o.sales_order_id, f.sales_order_id), cast(o.order_date as timestamp),
               o.sub_total, f.subtotal, o.tax_amt, f.tax, o.freight, f.freight, o.total_due, f.total_due
        from ({ORDERS_IN_WINDOW}) o full join facts f using (sales_order_id)
        where f.sales_order_id is null or o.sales_order_id is null
           or o.sub_total <> f.subtotal or o.tax_amt <> f.tax or o.freight <> f.freight or o.total_due <> f.total_due
        order by 1
        """,
        window,
    )
    problems = {order_id: _day(day) if day else window[0].date() for order_id, day, *_ in rows}
    return _result(
        window,
        problems,
        f"{len(problems)} orders whose fact_sales lines do not add up to the header's SubTotal, TaxAmt, Freight "
        "and TotalDue exactly (or whose lines are missing)",
    )


def daily_revenue_in_trailing_range(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = _warehouse_rows(
        warehouse,
        """
        select cast(order_date as date), sum(subtotal) from analytics.fact_sales
        where order_date >= ? and order_date < ? group by 1 order by 1
        """,
        (window[0] - timedelta(days=TRAILING_DAYS), window[1]),
    )
    revenue = dict(rows)
    problems: dict[date, date] = {}
    notes = []
    for day, amount in sorted(revenue.items()):
        trailing = [revenue[d] for d in _days_before(day) if d in revenue]
        if day < window[0].date() or len(trailing) < MIN_TRAILING_DAYS:
            continue
        median, low, high = statistics.median(trailing), min(trailing), max(trailing)
        if (amount > 2 * high and amount > 10 * median) or (amount * 2 < low and amount * 10 < median):
            problems[day] = day
            notes.append(f"{day}: {amount} (trailing {TRAILING_DAYS} days: median {median}, range {low}..{high})")
    return _result(
        window,
        problems,
        f"{len(problems)} days with revenue (SUM(subtotal)) far outside the trailing weeks: {'; '.join(notes[:5])}",
        severity=WARN,
    )


def _days_before(day: date) -> Iterable[date]:
    return (day - timedelta(days=n) for n in range(1, TRAILING_DAYS + 1))


Evaluate = Callable[[Window, SalesSource, Warehouse], AssetCheckResult]


def _evaluator(evaluate: Evaluate) -> Callable[..., AssetCheckResult]:
    def _check(context: AssetCheckExecutionContext, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
        window = _window(context)
        try:
            return evaluate(window, source, warehouse)
        except MissingRelationError as err:
            # A table the check compares against is not loaded yet (e.g. orders loaded without
            # the reference tables): say so as a WARN, which does not block, rather than pass.
            message = str(err)
            return _result(window, {"not evaluated": window[0].date()}, f"Not evaluated: {message}", WARN)

    return _check


def build_checks(partitions_def: PartitionsDefinition) -> list[AssetChecksDefinition]:
    """The checks, each on the asset it judges. Order headers and lines load in one step, so a
    check on one may read the other; reference tables load in another, named as extra deps."""

    def check(
        name: str,
        asset: AssetKey,
        evaluate: Evaluate,
        description: str,
        deps: Sequence[AssetKey] = (),
        blocking: bool = True,
    ) -> AssetChecksDefinition:
        with warnings.catch_warnings():
            # Partitioned checks are a Dagster preview feature, chosen on purpose: a check reads its
            # run's window only. Said once in the README instead of on every load.
            warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")
            return asset_check(
                name=name,
                asset=asset,
                partitions_def=partitions_def,
                blocking=blocking,
                additional_deps=list(deps),
                description=description,
            )(_evaluator(evaluate))

    def in_future(window: Window, source: SalesSource, _: Warehouse) -> AssetCheckResult:
        return no_orders_dated_in_future(window, source, naive_window(partitions_def.get_last_partition_window())[1])

    return [
        check(
            "matches_source",
            HEADER,
            matches_source,
            "Reconciliation: orders, lines, SUM(TotalDue) and "
            "SUM(LineTotal) of the window equal the source's, order by order; no duplicate line keys in the source.",
        ),
        check(
            "order_totals_add_up",
            HEADER,
            order_totals_add_up,
            "Every order's lines sum to its SubTotal, and "
            "TotalDue = SubTotal + TaxAmt + Freight; every order has lines.",
        ),
        check(
            "customers_exist",
            HEADER,
            customers_exist,
            "Referential integrity: every order names a customer (CustomerID not NULL) that Sales.Customer holds.",
            deps=[CUSTOMER],
        ),
        check("order_dates_valid", HEADER, order_dates_valid, "ShipDate and DueDate are not before OrderDate."),
        check(
            "no_orders_dated_in_future",
            HEADER,
            in_future,
            "No source order is dated after the last partition "
            "(it would never be loaded). Not blocking: the loaded days are still right.",
            blocking=False,
        ),
        check(
            "products_and_offers_exist",
            DETAIL,
            products_and_offers_exist,
            "Referential integrity: every order line names a known product and special offer.",
            deps=[PRODUCT, OFFER],
        ),
        check(
            "line_values_in_range",
            DETAIL,
            line_values_in_range,
            "OrderQty > 0, UnitPrice >= 0 and 0 <= UnitPriceDiscount < 1 on every order line.",
        ),
        check(
            "allocations_sum_to_header",
            FACT_SALES,
            allocations_sum_to_header,
            "fact_sales' allocated subtotal, tax, freight and total due of each order sum to the header exactly.",
            # fact_sales and the marts are built in one dbt step, so this check, which runs after
            # it, could hold nothing back; inside the step dbt's own tests on fact_sales gate the marts.
            blocking=False,
        ),
        check(
            "daily_revenue_in_trailing_range",
            FACT_SALES,
            daily_revenue_in_trailing_range,
            f"WARN when a day's "
            f"revenue leaves the range of the trailing {TRAILING_DAYS} days by a wide margin (above twice their "
            "maximum and ten times their median, or below half their minimum and a tenth of their median): an "
            "anomaly for a person to look at, not an error.",
            blocking=False,
        ),
    ]
