"""Anomaly checks: a day's revenue far outside the trailing weeks, a WARN for a person to look at."""

import statistics
from collections.abc import Iterable
from datetime import date, timedelta

from dagster import AssetCheckResult

from sales_assets.core.resources import SalesSource
from sales_assets.core.warehouses import Warehouse
from sales_assets.defs.quality.results import WARN, result, warehouse_rows
from sales_assets.source.queries import Window

# A day's revenue is anomalous when it leaves the trailing weeks' range by a wide margin: above
# twice their maximum and ten times their median, or below half their minimum and a tenth of their
# median. Measured on the generated history (2011-2013): no day flagged at scale 1, two high and a
# dozen low in 900 days at scale 0.3 (few orders a day); five weeks of history include the last
# month-end, so a business with monthly bulk orders is not flagged every month.
TRAILING_DAYS, MIN_TRAILING_DAYS = 35, 14


def daily_revenue_in_trailing_range(window: Window, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse_rows(
        warehouse,
        """
        select cast(order_date as date), sum(subtotal) from analytics.fact_sales
        where is_revenue and order_date >= ? and order_date < ? group by 1 order by 1
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
    return result(
        window,
        problems,
        f"{len(problems)} days with revenue (SUM(subtotal)) far outside the trailing weeks: {'; '.join(notes[:5])}",
        severity=WARN,
    )


def _days_before(day: date) -> Iterable[date]:
    return (day - timedelta(days=n) for n in range(1, TRAILING_DAYS + 1))
