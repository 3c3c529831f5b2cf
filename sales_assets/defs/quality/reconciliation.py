"""Reconciliation checks: the loaded window equals the source, order by order, and the money adds up
(lines to headers in raw, allocated amounts to headers in fact_sales)."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from dagster import AssetCheckResult, MetadataValue

from sales_assets.core.resources import SalesSource
from sales_assets.core.warehouses import Warehouse
from sales_assets.defs.quality.results import (
    LINE_MONEY,
    MAX_KEYS,
    MONEY,
    ORDERS_IN_WINDOW,
    day_of,
    result,
    warehouse_rows,
)
from sales_assets.source.queries import Window, duplicate_lines_query, source_orders_query


def _source_orders(engine: sa.Engine, window: Window) -> dict[int, tuple[date, Decimal, int, Decimal]]:
    """Per order in the window, from the source: (order date, TotalDue, line count, sum of LineTotal)."""
    query = source_orders_query(window, engine.dialect.name)
    with engine.connect() as conn:
        return {
            order_id: (
                day_of(day),
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
    rows = warehouse_rows(
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
        order_id: (day_of(day), Decimal(total_due).quantize(MONEY), n or 0, Decimal(total or 0).quantize(LINE_MONEY))
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
    return result(
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
    rows = warehouse_rows(
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
    problems = {order_id: day_of(day) for order_id, day, *_ in rows}
    details = [
        f"order {order_id}: SubTotal {sub} vs lines {lines}, TotalDue {due} vs {sub} + {tax} + {freight}"
        for order_id, _, sub, lines, tax, freight, due in rows[:5]
    ]
    return result(
        window,
        problems,
        f"{len(problems)} orders whose lines do not sum to SubTotal (or TotalDue <> SubTotal + TaxAmt + Freight, "
        f"or no lines): {'; '.join(details)}",
    )


def allocations_sum_to_header(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
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
    problems = {order_id: day_of(day) if day else window[0].date() for order_id, day, *_ in rows}
    return result(
        window,
        problems,
        f"{len(problems)} orders whose fact_sales lines do not add up to the header's SubTotal, TaxAmt, Freight "
        "and TotalDue exactly (or whose lines are missing)",
    )
