"""Inventory cover: stock on hand against the next weeks' forecast demand, per sellable product.

The forecast is made per subcategory (demand_forecast); a product gets its subcategory's forecast
in proportion to its share of the subcategory's units over the last RECENT_WEEKS complete weeks,
so a product that stopped selling gets none and a new favourite gets its due.

Reordering is set at a stated service level from the forecast's uncertainty, not its mean: the
upper bound of a week's 80% interval is the demand that week stays under 9 times in 10, so the
upper bounds summed over the lead time (or the cover weeks) is what to hold to run out in at most
one of ten cycles. Summing weekly quantiles overstates the quantile of the sum a little (weeks'
errors partly cancel): the rule errs toward stock, as the business' own reorder point does.
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
SERVICE_LEVEL = 0.9  # the upper bound of demand_forecast's 80% interval

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
        forecast = {
            subcategory: (float(units), float(upper_cover), float(upper_lead), method)
            for subcategory, units, upper_cover, upper_lead, method in query(
                f"""
                select
                    series,
                    sum(forecast_units),
                    sum(upper_80),
                    sum(case when week_start <= fitted_through + {7 * LEAD_TIME_WEEKS} then upper_80 else 0 end),
                    max(method)
                from {forecast_relation}
                where level = 'subcategory'
                    and week_start <= (select max(fitted_through) from {forecast_relation}) + {7 * COVER_WEEKS}
                group by 1
                """,
                (),
            )
        }
    by_subcategory: dict[str, int] = {}
    for product_id, _, _, subcategory, *_ in products:
        by_subcategory[subcategory] = by_subcategory.get(subcategory, 0) + int(recent.get(product_id) or 0)
    rows = []
    for product_id, name, category, subcategory, on_hand, safety, reorder in products:
        units = int(recent.get(product_id) or 0)
        share = units / by_subcategory[subcategory] if by_subcategory.get(subcategory) else 0.0
        mean, upper_cover, upper_lead, method = forecast.get(subcategory, (0.0, 0.0, 0.0, None))
        demand, weekly = mean * share, mean * share / COVER_WEEKS
        lead_time_demand, cover_demand = upper_lead * share, upper_cover * share
        cover = on_hand / weekly if weekly > 0 else None
        # Reorder at the business' reorder point, or when the stock would not last the lead time
        # at the service level; never a product nobody buys any more (no recent sales, no forecast).
        selling = units > 0 or demand > 0
        needs = selling and (on_hand <= reorder or on_hand < lead_time_demand)
        order = max(0, math.ceil(reorder + cover_demand - on_hand)) if needs else 0
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
                "demand_next_4_weeks_at_service_level": cover_demand,
                "lead_time_demand_at_service_level": lead_time_demand,
                "weeks_of_cover": cover,
                "needs_reorder": needs,
                "suggested_order_qty": order,
                "forecast_method": method,
            }
        )
    return rows
