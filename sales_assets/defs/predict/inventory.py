"""Inventory cover: stock on hand against the next weeks' forecast demand, per sellable product.

The forecast is made per subcategory (demand_forecast); a product gets its subcategory's forecast
in proportion to its share of the subcategory's units over the last RECENT_WEEKS complete weeks,
so a product that stopped selling gets none and a new favourite gets its due.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sales_assets.core.warehouses import Warehouse, relation_name
from sales_assets.defs.predict.forecast import last_complete_week
from sales_assets.defs.predict.inputs import DEMAND_FORECAST, PRODUCT_SALES_DAILY, PRODUCTS, STOCK, latest_order_date

COVER_WEEKS = 4
RECENT_WEEKS = 13
LEAD_TIME_WEEKS = 1  # as the generator's reorder points assume (safety stock + a week of demand)

_SELLABLE = f"""
    select
        products.product_id,
        products.product_name,
        products.category_name,
        products.subcategory_name,
        coalesce(stock.on_hand_qty, 0),
        products.safety_stock_level,
        products.reorder_point
    from {relation_name(PRODUCTS)} as products
    left join (
        select product_id, sum(quantity) as on_hand_qty
        from {relation_name(STOCK)}
        group by 1
    ) as stock
        on products.product_id = stock.product_id
    where products.is_finished_good
        and products.list_price > 0
        and (products.sell_end_date is null or products.sell_end_date > ?)
    order by products.product_id
"""


def sellable_products_sql() -> str:
    """The products inventory_cover must cover (a finished good with a list price, still on sale
    at the as-of date, the `?`); also what its completeness check compares with."""
    return _SELLABLE


def cover_rows(warehouse: Warehouse) -> list[dict]:
    """inventory_cover's rows, keyed by column name."""
    forecast_relation = relation_name(DEMAND_FORECAST)
    with warehouse.session() as query:
        as_of = latest_order_date(query)
        products = query(_SELLABLE, [as_of])
        week = last_complete_week(as_of)
        recent_start, recent_end = week - timedelta(weeks=RECENT_WEEKS - 1), week + timedelta(days=7)
        recent = dict(
            query(
                f"select product_id, sum(units_sold) from {relation_name(PRODUCT_SALES_DAILY)} "
                "where order_date >= ? and order_date < ? group by 1",
                [recent_start, recent_end],
            )
        )
        forecast = dict(
            query(
                f"select series, sum(forecast_units) from {forecast_relation} "
                "where level = 'subcategory' and week_start <= "
                f"(select max(fitted_through) from {forecast_relation}) + {7 * COVER_WEEKS} "
                "group by 1",
                (),
            )
        )
    by_subcategory: dict[str, int] = {}
    for product_id, _, _, subcategory, *_ in products:
        by_subcategory[subcategory] = by_subcategory.get(subcategory, 0) + int(recent.get(product_id) or 0)
    rows = []
    for product_id, name, category, subcategory, on_hand, safety, reorder in products:
        units = int(recent.get(product_id) or 0)
        share = units / by_subcategory[subcategory] if by_subcategory.get(subcategory) else 0.0
        demand = float(forecast.get(subcategory) or 0.0) * share
        weekly = demand / COVER_WEEKS
        cover = on_hand / weekly if weekly > 0 else None
        # Reorder at the reorder point, or when the lead time's forecast demand would take the
        # stock below safety stock (the reorder point set for a slower product than it now is);
        # never a product nobody buys any more (no recent sales, no forecast).
        selling = units > 0 or demand > 0
        needs = selling and (on_hand <= reorder or on_hand - weekly * LEAD_TIME_WEEKS < safety)
        order = max(0, math.ceil(reorder + demand - on_hand)) if needs else 0
        rows.append(
            {
                "product_id": product_id,
                "product_name": name,
                "category_name": category,
                "subcategory_name": subcategory,
                "on_hand_qty": int(on_hand),
                "safety_stock_level": safety,
                "reorder_point": reorder,
                "recent_units": units,
                "forecast_units_next_4_weeks": demand,
                "weeks_of_cover": cover,
                "needs_reorder": needs,
                "suggested_order_qty": order,
            }
        )
    return rows
