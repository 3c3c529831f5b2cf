"""Integrity checks: every order names a customer, product and offer that exist, its dates are in
order and within the partitions, and its lines' values are in range."""

from datetime import datetime

from dagster import AssetCheckResult

from sales_assets.core.resources import SalesSource
from sales_assets.core.warehouses import Warehouse
from sales_assets.defs.quality.results import ORDERS_IN_WINDOW, day_of, result, warehouse_rows
from sales_assets.source.queries import Window, future_orders_query


def customers_exist(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
        warehouse,
        f"""
        select o.sales_order_id, cast(o.order_date as timestamp), o.customer_id
        from ({ORDERS_IN_WINDOW}) o
        left join raw.customer c on c.customer_id = o.customer_id
        where c.customer_id is null order by 1
        """,
        window,
    )
    problems = {order_id: day_of(day) for order_id, day, _ in rows}
    missing = sum(1 for *_, customer in rows if customer is None)
    return result(
        window,
        problems,
        f"{len(problems)} orders without a known customer: {missing} with CustomerID NULL, "
        f"{len(problems) - missing} naming a CustomerID not in Sales.Customer",
        null_customer_id=missing,
        unknown_customer_id=len(problems) - missing,
    )


def order_dates_valid(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
        warehouse,
        f"""
        select sales_order_id, cast(order_date as timestamp), cast(ship_date as timestamp), cast(due_date as timestamp)
        from ({ORDERS_IN_WINDOW}) o
        where ship_date < order_date or due_date < order_date order by 1
        """,
        window,
    )
    problems = {order_id: day_of(day) for order_id, day, *_ in rows}
    return result(window, problems, f"{len(problems)} orders shipped or due before they were ordered")


def no_orders_dated_in_future(window: Window, source: SalesSource, partitions_end: datetime) -> AssetCheckResult:
    """Source-wide: an order dated after the last partition is in no window and would never load."""
    engine = source.engine()
    query = future_orders_query(partitions_end, engine.dialect.name)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    problems = {order_id: day_of(day) for order_id, day in rows}
    return result(
        window,
        problems,
        f"{len(problems)} orders in Sales.SalesOrderHeader dated on or after {partitions_end:%Y-%m-%d}, the end of "
        f"the partition set: no partition loads them (dates: {', '.join(sorted(map(str, set(problems.values()))))})",
    )


def products_and_offers_exist(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
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
    problems = {(order_id, line_id): day_of(day) for order_id, line_id, day, *_ in rows}
    products = sorted({str(product) for *_, product, _, unknown_product, _ in rows if unknown_product})
    offers = sorted({str(offer) for *_, offer, _, unknown_offer in rows if unknown_offer})
    return result(
        window,
        problems,
        f"{len(problems)} order lines (SalesOrderID, SalesOrderDetailID) name a product or special offer the "
        f"warehouse does not hold: ProductID {', '.join(products) or '-'}; SpecialOfferID {', '.join(offers) or '-'}",
    )


def line_values_in_range(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
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
    problems = {(order_id, line_id): day_of(day) for order_id, line_id, day, *_ in rows}
    examples = [
        f"{order_id}/{line_id}: OrderQty {qty}, UnitPrice {price}, UnitPriceDiscount {disc}"
        for order_id, line_id, _, qty, price, disc in rows[:5]
    ]
    return result(
        window,
        problems,
        f"{len(problems)} order lines out of range (OrderQty > 0, UnitPrice >= 0, 0 <= UnitPriceDiscount < 1): "
        + "; ".join(examples),
    )
