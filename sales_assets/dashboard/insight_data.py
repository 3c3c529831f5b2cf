"""The dashboard's "what next" figures: forecasts, retention, recommendations, inventory.

Pure query functions, as in `data`, over the analytics models that look ahead: demand_forecast and
forecast_accuracy, customer_cohorts and customer_analysis' churn risk, product_affinity and
customer_recommendations with recommendation_backtest, inventory_cover. These are whole-history
or forward-looking figures: each function says which sidebar filters it can honour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from sales_assets.dashboard.connection import Reader
from sales_assets.dashboard.data import UNCATEGORIZED, Filters, as_frame

HISTORY_WEEKS = 104  # weeks of actuals shown before the forecast


def forecast_series(reader: Reader) -> list[tuple[str, str]]:
    """(level, series) pairs, the total first, then categories, then subcategories."""
    rows = reader.query(
        "select distinct level, series from analytics.demand_forecast order by "
        "case level when 'total' then 0 when 'category' then 1 else 2 end, series"
    )
    return [(level, series) for level, series in rows]


def forecast(reader: Reader, level: str, series: str) -> pd.DataFrame:
    """Weekly actual units for the last HISTORY_WEEKS complete weeks, then the forecast with its band."""
    rows = reader.query(
        "select week_start, forecast_units, lower_80, upper_80, forecast_revenue, fitted_through, method "
        "from analytics.demand_forecast where level = ? and series = ? order by week_start",
        [level, series],
    )
    frame = as_frame(
        rows, ["week_start", "units", "lower_80", "upper_80", "revenue", "fitted_through", "method"], ("revenue",)
    )
    if frame.empty:
        return frame.assign(kind=[])
    fitted_through: date = frame["fitted_through"].iloc[0]
    column = {"total": None, "category": "category_name", "subcategory": "subcategory_name"}[level]
    condition, params = ("", []) if column is None else (f" and coalesce(p.{column}, '{UNCATEGORIZED}') = ?", [series])
    actual = reader.query(
        "select cast(date_trunc('week', f.order_date) as date), sum(f.order_qty), sum(f.line_total) "
        "from analytics.fact_sales as f left join analytics.product_demand as p on f.product_id = p.product_id "
        f"where f.is_revenue and f.order_date >= ? and f.order_date < ?{condition} group by 1 order by 1",
        [fitted_through - timedelta(weeks=HISTORY_WEEKS - 1), fitted_through + timedelta(days=7), *params],
    )
    history = as_frame(actual, ["week_start", "units", "revenue"], ("revenue",)).assign(kind="actual")
    return pd.concat([history, frame.assign(kind="forecast")], ignore_index=True)


def forecast_accuracy(reader: Reader) -> pd.DataFrame:
    """Per series: the method published and how the procedure that chose it did out of sample."""
    rows = reader.query(
        "select level, series, method, wape, seasonal_naive_wape, wape_margin, interval_coverage_80, "
        "weeks_evaluated, baseline_chosen from analytics.forecast_accuracy "
        "order by case level when 'total' then 0 when 'category' then 1 else 2 end, series"
    )
    columns = [
        "level", "series", "method", "wape", "seasonal_naive_wape", "margin", "coverage_80", "weeks", "baseline_chosen",
    ]  # fmt: skip
    return as_frame(rows, columns)


def cohorts(reader: Reader, filters: Filters, max_months: int = 24) -> pd.DataFrame:
    """Retention by cohort for the cohorts acquired within the date filter (by their first order's month)."""
    rows = reader.query(
        "select cohort_month, months_since_first_order, cohort_customers, active_customers, retention_rate, "
        "cumulative_revenue_per_customer from analytics.customer_cohorts "
        "where cohort_month >= ? and cohort_month <= ? and months_since_first_order <= ? "
        "order by 1, 2",
        [date(filters.start.year, filters.start.month, 1), filters.end, max_months],
    )
    columns = [
        "cohort_month",
        "months_since_first_order",
        "customers",
        "active",
        "retention_rate",
        "revenue_per_customer",
    ]
    return as_frame(rows, columns, ("revenue_per_customer",))


@dataclass(frozen=True)
class ChurnSummary:
    by_risk: pd.DataFrame  # churn_risk, customers, lifetime_value
    at_risk: pd.DataFrame  # the most valuable customers slipping away


def churn(reader: Reader, filters: Filters, limit: int = 20) -> ChurnSummary:
    """Customers by churn risk and the most valuable at-risk ones; only the territory filter applies."""
    territory, params = filters.territory_condition("territory_name")
    by_risk = reader.query(
        f"select churn_risk, count(*), sum(lifetime_value) from analytics.customer_analysis where {territory} "
        "group by 1 order by case churn_risk when 'active' then 0 when 'at_risk' then 1 else 2 end",
        params,
    )
    at_risk = reader.query(
        "select customer_id, customer_name, customer_type, territory_name, last_order_date, days_since_last_order, "
        f"expected_days_between_orders, lifetime_value from analytics.customer_analysis where {territory} "
        f"and churn_risk = 'at_risk' order by lifetime_value desc, customer_id limit {int(limit)}",
        params,
    )
    return ChurnSummary(
        as_frame(by_risk, ["churn_risk", "customers", "lifetime_value"], ("lifetime_value",)),
        as_frame(
            at_risk,
            [
                "customer_id",
                "customer",
                "type",
                "territory",
                "last_order",
                "days_silent",
                "usual_gap_days",
                "lifetime_value",
            ],
            ("lifetime_value",),
        ),
    )


def affinity_products(reader: Reader, filters: Filters) -> list[tuple[int, str]]:
    """Products with at least one affinity, best sellers first; the category filter applies."""
    category, params = filters.category_condition("p.category_name")
    rows = reader.query(
        "select a.product_id, max(a.product_name), max(p.revenue) from analytics.product_affinity as a "
        f"left join analytics.product_demand as p on a.product_id = p.product_id where {category} "
        "group by 1 order by 3 desc, 1",
        params,
    )
    return [(product_id, name) for product_id, name, _ in rows]


def bought_together(reader: Reader, product_id: int, limit: int = 10) -> pd.DataFrame:
    rows = reader.query(
        "select paired_product_id, paired_product_name, orders_with_both, confidence, lift "
        f"from analytics.product_affinity where product_id = ? order by confidence desc, paired_product_id "
        f"limit {int(limit)}",
        [product_id],
    )
    return as_frame(rows, ["product_id", "product", "orders_with_both", "confidence", "lift"])


def recommendations(reader: Reader, customer_id: int) -> pd.DataFrame:
    rows = reader.query(
        "select rank, product_id, product_name, score, reason from analytics.customer_recommendations "
        "where customer_id = ? order by rank",
        [customer_id],
    )
    return as_frame(rows, ["rank", "product_id", "product", "score", "reason"])


def top_customer_ids(reader: Reader, limit: int = 200) -> list[tuple[int, str]]:
    """The customers offered in the recommendations picker: the most valuable first."""
    rows = reader.query(
        "select customer_id, customer_name from analytics.customer_analysis "
        f"order by lifetime_value desc, customer_id limit {int(limit)}"
    )
    return [(customer_id, name) for customer_id, name in rows]


@dataclass(frozen=True)
class RecommenderBacktest:
    """The method published, and over the backtest's origins after the first (out of sample) the
    customers hit by the method chosen at each beside those hit by most_popular."""

    method: str
    customers_evaluated: int
    customers_hit: int
    most_popular_hit: int
    by_method: pd.DataFrame  # every candidate at every origin


def backtest(reader: Reader) -> RecommenderBacktest | None:
    rows = reader.query(
        "select origin_date, method, customers_evaluated, customers_hit, hit_rate_at_5, chosen_here, published "
        "from analytics.recommendation_backtest order by origin_date, method"
    )
    if not rows:
        return None
    first = min(row[0] for row in rows)
    scored = [row for row in rows if row[0] > first]
    frame = as_frame(
        rows, ["origin", "method", "customers_evaluated", "customers_hit", "hit_rate_at_5", "chosen", "published"]
    )
    return RecommenderBacktest(
        method=next(row[1] for row in rows if row[6]),
        customers_evaluated=sum(row[2] for row in scored if row[1] == "most_popular"),
        customers_hit=sum(row[3] for row in scored if row[5]),
        most_popular_hit=sum(row[3] for row in scored if row[1] == "most_popular"),
        by_method=frame,
    )


def reorder_list(reader: Reader, filters: Filters) -> pd.DataFrame:
    """Products to reorder, least cover first; the category filter applies."""
    category, params = filters.category_condition("category_name")
    rows = reader.query(
        "select product_id, product_name, category_name, subcategory_name, on_hand_qty, reorder_point, "
        "safety_stock_level, forecast_units_next_4_weeks, lead_time_demand_at_service_level, weeks_of_cover, "
        "suggested_order_qty, forecast_method "
        f"from analytics.inventory_cover where needs_reorder and {category} "
        "order by case when weeks_of_cover is null then 1 else 0 end, weeks_of_cover, product_id",
        params,
    )
    columns = [
        "product_id", "product", "category", "subcategory", "on_hand", "reorder_point", "safety_stock",
        "forecast_4_weeks", "lead_time_demand_90", "weeks_of_cover", "suggested_order", "forecast_method",
    ]  # fmt: skip
    return as_frame(rows, columns)
