"""The dashboard's figures: pure query functions over `analytics`, each taking a reader and `Filters`.

Every filterable figure is computed from `analytics.fact_sales` (one row per order line), named
through the analytics dimensions: territory names from `sales_by_territory`, product names and
categories from `product_demand`, customers from `customer_analysis`, offers from `discount_impact`.
Filter values are always bound `?` parameters (IN-lists as `?, ?, ?`); identifiers are constants.
Money stays Decimal here; the app formats it for display.

Revenue is Σ subtotal: the order header's subtotal allocated to its lines, so it equals Σ line_total
(the marts' revenue) to 0.0001 per order. Every figure counts revenue orders only (`is_revenue`:
Rejected and Cancelled orders are not sales), as the marts do. The discount section uses line_total, as discount_impact
does, so gross − discount = net holds exactly.

Why ~350 lines: one small query function per figure of the five reporting pages, each beside the
filters it honours; the looking-ahead pages' figures are in insight_data.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from sales_assets.dashboard.connection import Reader

GRAINS = ("day", "month", "quarter")  # date_trunc units, the only text ever put into SQL from a choice
UNKNOWN_TERRITORY = "Unknown"  # sales_by_territory's name for orders without a territory
UNCATEGORIZED = "Uncategorized"  # products without a subcategory have no category

# Order lines with their territory and category names; the WHERE clause is completed by `_lines`.
_LINES = f"""
with lines as (
    select f.sales_order_id, f.order_date, f.customer_id, f.product_id, f.special_offer_id,
        f.order_qty, f.unit_price, f.unit_price_discount, f.line_total, f.discount_amount,
        f.subtotal, f.total_due, f.gross_margin,
        coalesce(t.territory_name, '{UNKNOWN_TERRITORY}') as territory_name,
        coalesce(p.category_name, '{UNCATEGORIZED}') as category_name
    from analytics.fact_sales as f
    left join analytics.sales_by_territory as t on f.territory_id = t.territory_id
    left join analytics.product_demand as p on f.product_id = p.product_id
    where f.is_revenue and f.order_date >= ? and f.order_date < ?{{conditions}}
)
"""


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices: an inclusive date range; empty territories/categories mean all."""

    start: date
    end: date
    territories: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def territory_condition(self, column: str) -> tuple[str, list[Any]]:
        """SQL selecting the chosen territories in `column` (no territory: Unknown), and its values."""
        return _in_condition(column, UNKNOWN_TERRITORY, self.territories)

    def category_condition(self, column: str) -> tuple[str, list[Any]]:
        """SQL selecting the chosen categories in `column` (no category: Uncategorized), and its values."""
        return _in_condition(column, UNCATEGORIZED, self.categories)

    def previous(self) -> Filters:
        """The period of the same length just before this one, same territories and categories."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))


def placeholders(values: tuple[Any, ...]) -> str:
    """`?, ?, ?` for an IN-list: the values themselves are bound, never written into SQL."""
    return ", ".join("?" for _ in values)


def _in_condition(column: str, default: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    """`coalesce(column, default) in (?, ...)` with the values bound; `1 = 1` when none are chosen."""
    if not values:
        return "1 = 1", []
    return f"coalesce({column}, '{default}') in ({placeholders(values)})", list(values)


def _lines(filters: Filters) -> tuple[str, list[Any]]:
    """The `lines` CTE for these filters, and its parameters."""
    territory, territory_params = filters.territory_condition("t.territory_name")
    category, category_params = filters.category_condition("p.category_name")
    params = [filters.start, filters.end + timedelta(days=1), *territory_params, *category_params]
    return _LINES.format(conditions=f" and {territory} and {category}"), params


def _money(value: Any) -> Decimal:
    """A sum as Decimal: NULL (no rows) is zero; anything not Decimal goes through its text, never a float's bits."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _per(total: Decimal, n: int) -> Decimal | None:
    """An average in money (to 0.0001, as the marts round it); undefined over nothing."""
    return (total / n).quantize(Decimal("0.0001")) if n else None


def as_frame(rows: list[tuple], columns: list[str], money: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows as a DataFrame: money columns hold Decimal, the others their natural dtype."""
    frame = pd.DataFrame(rows, columns=columns, dtype=object).infer_objects()
    for column in money:
        frame[column] = [_money(v) for v in frame[column]]
    return frame


def _query(reader: Reader, filters: Filters, select: str) -> list[tuple]:
    cte, params = _lines(filters)
    return reader.query(cte + select, params)


@dataclass(frozen=True)
class Options:
    """What the sidebar offers: the data's date range, territory names, category names."""

    first_date: date
    last_date: date
    territories: tuple[str, ...]
    categories: tuple[str, ...]


def filter_options(reader: Reader) -> Options:
    ((first, last),) = reader.query(
        "select cast(min(order_date) as date), cast(max(order_date) as date) from analytics.fact_sales"
    )
    territories = reader.query("select distinct territory_name from analytics.sales_by_territory order by 1")
    categories = reader.query(
        f"select distinct coalesce(category_name, '{UNCATEGORIZED}') from analytics.product_demand order by 1"
    )
    return Options(first, last, tuple(t for (t,) in territories), tuple(c for (c,) in categories))


@dataclass(frozen=True)
class Kpis:
    revenue: Decimal
    total_due: Decimal
    orders: int
    customers: int
    gross_margin: Decimal = Decimal(0)

    @property
    def average_order_value(self) -> Decimal | None:
        return _per(self.revenue, self.orders)


@dataclass(frozen=True)
class KpiComparison:
    """The selected period's KPIs and the previous period's (same length, just before)."""

    current: Kpis
    previous: Kpis
    previous_filters: Filters


def _kpis(reader: Reader, filters: Filters) -> Kpis:
    ((revenue, total_due, orders, customers, margin),) = _query(
        reader,
        filters,
        "select sum(subtotal), sum(total_due), count(distinct sales_order_id), count(distinct customer_id),"
        " sum(gross_margin) from lines",
    )
    return Kpis(_money(revenue), _money(total_due), int(orders), int(customers), _money(margin))


def kpis(reader: Reader, filters: Filters) -> KpiComparison:
    previous = filters.previous()
    return KpiComparison(_kpis(reader, filters), _kpis(reader, previous), previous)


def revenue_trend(reader: Reader, filters: Filters, grain: str = "day") -> pd.DataFrame:
    """period (first day of the day/month/quarter), revenue, orders; periods without orders are absent."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    rows = _query(
        reader,
        filters,
        f"select cast(date_trunc('{grain}', order_date) as date) as period, sum(subtotal),"
        " count(distinct sales_order_id) from lines group by 1 order by 1",
    )
    return as_frame(rows, ["period", "revenue", "orders"], money=("revenue",))


def top_customers(reader: Reader, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """Customers by revenue within the filters, with their whole-history segment and lifetime value."""
    rows = _query(
        reader,
        filters,
        "select l.customer_id, c.customer_name, c.customer_type, c.customer_segment, count(distinct l.sales_order_id),"
        " sum(l.subtotal), c.lifetime_value from lines as l"
        " left join analytics.customer_analysis as c on l.customer_id = c.customer_id"
        " group by l.customer_id, c.customer_name, c.customer_type, c.customer_segment, c.lifetime_value"
        f" order by 6 desc, 1 limit {int(limit)}",
    )
    columns = ["customer_id", "customer_name", "customer_type", "segment", "orders", "revenue", "lifetime_value"]
    return as_frame(rows, columns, money=("revenue", "lifetime_value"))


def customer_segments(reader: Reader, filters: Filters) -> pd.DataFrame:
    """Customers who bought within the filters, by RFM segment: how many, their revenue here, their average LTV."""
    rows = _query(
        reader,
        filters,
        "select coalesce(c.customer_segment, 'Unknown'), count(*), sum(b.revenue), sum(c.lifetime_value) from"
        " (select customer_id, sum(subtotal) as revenue from lines group by 1) as b"
        " left join analytics.customer_analysis as c on b.customer_id = c.customer_id group by 1 order by 3 desc",
    )
    frame = as_frame(rows, ["segment", "customers", "revenue", "lifetime_value"], money=("revenue", "lifetime_value"))
    frame["avg_lifetime_value"] = [
        _per(ltv, n) for ltv, n in zip(frame["lifetime_value"], frame["customers"], strict=True)
    ]
    return frame.drop(columns="lifetime_value")


def by_territory(reader: Reader, filters: Filters) -> pd.DataFrame:
    """Customers, orders, revenue and total due per territory the orders are credited to."""
    rows = _query(
        reader,
        filters,
        "select territory_name, count(distinct customer_id), count(distinct sales_order_id), sum(subtotal),"
        " sum(total_due) from lines group by 1 order by 4 desc, 1",
    )
    return as_frame(rows, ["territory", "customers", "orders", "revenue", "total_due"], money=("revenue", "total_due"))


def by_state_province(reader: Reader, filters: Filters) -> pd.DataFrame:
    """Whole-history figures per billed state (sales_by_state_province); only the territory filter applies.

    `analytics` has no address dimension, so fact_sales' bill_to_address_id cannot be mapped to a
    state here: dates and categories cannot filter this figure.
    """
    # The state's own territory; the 'Unknown' row (no bill-to address) has none.
    territory, params = filters.territory_condition("territory_name")
    rows = reader.query(
        "select state_province_name, country_region, territory_name, customer_count, order_count, revenue, total_due"
        f" from analytics.sales_by_state_province where {territory} order by revenue desc, state_province_name",
        params,
    )
    columns = ["state_province", "country_region", "territory", "customers", "orders", "revenue", "total_due"]
    return as_frame(rows, columns, money=("revenue", "total_due"))


def top_products(reader: Reader, filters: Filters, limit: int = 10) -> pd.DataFrame:
    rows = _query(
        reader,
        filters,
        "select l.product_id, p.product_name, l.category_name, sum(l.order_qty), sum(l.subtotal), sum(l.gross_margin)"
        " from lines as l left join analytics.product_demand as p on l.product_id = p.product_id"
        f" group by l.product_id, p.product_name, l.category_name order by 5 desc, 1 limit {int(limit)}",
    )
    columns = ["product_id", "product_name", "category", "units", "revenue", "gross_margin"]
    return as_frame(rows, columns, money=("revenue", "gross_margin"))


def by_category(reader: Reader, filters: Filters) -> pd.DataFrame:
    rows = _query(
        reader,
        filters,
        "select category_name, sum(order_qty), sum(subtotal), sum(gross_margin) from lines"
        " group by 1 order by 3 desc, 1",
    )
    return as_frame(rows, ["category", "units", "revenue", "gross_margin"], money=("revenue", "gross_margin"))


@dataclass(frozen=True)
class Returns:
    """Return rates by product; `tracked` is False when the source has no returns data (metrics NULL)."""

    tracked: bool
    products: pd.DataFrame


def product_returns(reader: Reader, filters: Filters, limit: int = 15) -> Returns:
    """Whole-history return rates (product_demand), most returned first; only the category filter applies.

    Returns are not in fact_sales, so dates and territories cannot filter them.
    """
    ((known,),) = reader.query("select count(units_returned) from analytics.product_demand")
    category, params = filters.category_condition("category_name")
    rows = reader.query(
        f"select product_id, product_name, coalesce(category_name, '{UNCATEGORIZED}'), units_sold, units_returned,"
        f" return_rate from analytics.product_demand where units_returned is not null and {category}"
        f" order by return_rate desc, units_returned desc, product_id limit {int(limit)}",
        params,
    )
    columns = ["product_id", "product_name", "category", "units_sold", "units_returned", "return_rate"]
    return Returns(tracked=known > 0, products=as_frame(rows, columns))


BANDS = ("0% (none)", "1-5%", "6-10%", "11-20%", "21-35%", "36% and over")
# discount_impact's bands, on the line's actual discount.
_BAND = f"""case
    when unit_price_discount = 0 then '{BANDS[0]}'
    when unit_price_discount <= 0.05 then '{BANDS[1]}'
    when unit_price_discount <= 0.10 then '{BANDS[2]}'
    when unit_price_discount <= 0.20 then '{BANDS[3]}'
    when unit_price_discount <= 0.35 then '{BANDS[4]}'
    else '{BANDS[5]}'
end"""


def discount_by_offer(reader: Reader, filters: Filters) -> pd.DataFrame:
    """Per offer and discount band: lines, units, gross, discount given, net revenue (line_total)."""
    rows = _query(
        reader,
        filters,
        f"select b.special_offer_id, o.special_offer_description, b.band, count(*), sum(b.order_qty),"
        " sum(b.unit_price * b.order_qty), sum(b.discount_amount), sum(b.line_total), sum(b.gross_margin)"
        f" from (select lines.*, {_BAND} as band from lines) as b"
        " left join (select distinct special_offer_id, special_offer_description from analytics.discount_impact) as o"
        " on b.special_offer_id = o.special_offer_id"
        " group by b.special_offer_id, o.special_offer_description, b.band order by 8 desc, 1, 3",
    )
    columns = [
        "special_offer_id", "offer", "discount_band", "lines", "units", "gross_revenue", "discount", "revenue",
        "gross_margin",
    ]  # fmt: skip
    return as_frame(rows, columns, money=("gross_revenue", "discount", "revenue", "gross_margin"))


@dataclass(frozen=True)
class DiscountSummary:
    """Discount given, and order value (Σ line_total of the order's lines within the filters) with vs without one."""

    discount_given: Decimal
    gross_revenue: Decimal
    orders_with_discount: int
    orders_without_discount: int
    avg_order_value_with_discount: Decimal | None
    avg_order_value_without_discount: Decimal | None


def discount_summary(reader: Reader, filters: Filters) -> DiscountSummary:
    ((given, gross),) = _query(reader, filters, "select sum(discount_amount), sum(unit_price * order_qty) from lines")
    rows = _query(
        reader,
        filters,
        "select has_discount, count(*), sum(value) from (select sales_order_id, sum(line_total) as value,"
        " max(case when unit_price_discount > 0 then 1 else 0 end) as has_discount from lines group by 1) as o"
        " group by 1",
    )
    by_kind = {int(flag): (int(n), _money(total)) for flag, n, total in rows}
    (with_n, with_total), (without_n, without_total) = (by_kind.get(k, (0, Decimal(0))) for k in (1, 0))
    return DiscountSummary(
        _money(given), _money(gross), with_n, without_n, _per(with_total, with_n), _per(without_total, without_n)
    )
