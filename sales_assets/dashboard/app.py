"""The sales dashboard (`make dashboard`): Streamlit UI only; every figure comes from `data`.

Reads the warehouse SALES_TARGET names, read-only. Sidebar filters (dates, territory, category)
apply to every figure computed from fact_sales; captions say where a mart cannot be filtered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from sales_assets.core.settings import SettingsError, load_settings
from sales_assets.dashboard import data, display, insight_data, insight_tabs
from sales_assets.dashboard.connection import WarehouseState, WarehouseUnavailable, check_warehouse, open_reader

TITLE = "Sales dashboard"
DEFAULT_DAYS = 90  # the default period: the latest 90 days with data
REPORTS = ("Overview", "Customers", "Territories", "Products", "Discounts")  # what happened
LOOKING_AHEAD = ("Forecast", "Retention", "Recommendations", "Inventory")  # what to do next


@st.cache_data(ttl=30, show_spinner=False)
def fetch(name: str, warehouse: str, *args: Any) -> Any:
    """`data.<name>(reader, *args)` (or `insight_data.<name>`), cached briefly per warehouse so widget
    reruns don't requery (Snowflake)."""
    figure = getattr(data, name, None) or getattr(insight_data, name)
    with open_reader(load_settings()) as reader:
        return figure(reader, *args)


def show_unavailable(state: WarehouseState) -> None:
    st.title(TITLE)
    if state.kind == "busy":
        st.warning(f"{state.title} {state.hint}")
        st.button("Retry")  # any click reruns the script
    else:
        st.info(f"**{state.title}**\n\n{state.hint}")


def sidebar(options: data.Options) -> data.Filters:
    st.sidebar.header("Filters")
    default_start = max(options.first_date, options.last_date - timedelta(days=DEFAULT_DAYS - 1))
    picked = st.sidebar.date_input(
        "Order dates",
        value=(default_start, options.last_date),
        min_value=options.first_date,
        max_value=options.last_date,
        key="dates",
    )
    dates: list[date] = list(picked) if isinstance(picked, list | tuple) else [picked]
    start, end = dates[0], dates[-1]  # one date while the second is being picked: that single day
    territories = st.sidebar.multiselect("Territory", options.territories, placeholder="All", key="territories")
    categories = st.sidebar.multiselect("Product category", options.categories, placeholder="All", key="categories")
    return data.Filters(start, end, tuple(territories), tuple(categories))


def bar(frame: pd.DataFrame, x: str, y: str, money: bool = True, horizontal: bool = False, order: Any = None) -> None:
    """A bar chart of a DataFrame from `data`, largest first unless `order` is given; Decimal becomes float here."""
    shown = display.for_chart(frame, [y]) if money else frame
    axis = alt.Axis(format="$,.0f" if money else ",d")
    tooltip = [x, alt.Tooltip(y, format="$,.2f" if money else ",d")]
    if horizontal:
        value = alt.X(y, type="quantitative", title=y.replace("_", " "), axis=axis)
        label = alt.Y(x, type="nominal", sort=order or "-x", title=None, axis=alt.Axis(labelLimit=220))
        chart = alt.Chart(shown).mark_bar().encode(x=value, y=label, tooltip=tooltip)
    else:
        value = alt.Y(y, type="quantitative", title=y.replace("_", " "), axis=axis)
        label = alt.X(x, type="nominal", sort=order or "-y", title=None)
        chart = alt.Chart(shown).mark_bar().encode(x=label, y=value, tooltip=tooltip)
    st.altair_chart(chart, width="stretch")


def table(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> None:
    config = {column: st.column_config.NumberColumn(format="dollar") for column in money}
    st.dataframe(display.for_chart(frame, money), hide_index=True, column_config=config)


def overview(where: str, filters: data.Filters) -> None:
    comparison = fetch("kpis", where, filters)
    now, before = comparison.current, comparison.previous
    previous = comparison.previous_filters
    compared = before.orders > 0  # no orders before: a delta would only repeat the value
    figures = (
        ("Revenue", "revenue", "money"),
        ("Gross margin", "gross_margin", "money"),
        ("Total due", "total_due", "money"),
        ("Orders", "orders", "count"),
        ("Customers", "customers", "count"),
        ("Average order value", "average_order_value", "money"),
    )
    display.headline_row(
        (label, display.headline(getattr(now, name), kind, getattr(before, name) if compared else None))
        for label, name, kind in figures
    )
    period = f"{previous.start:%Y-%m-%d} – {previous.end:%Y-%m-%d}"
    st.caption(
        f"{filters.start:%Y-%m-%d} – {filters.end:%Y-%m-%d} ({filters.days} days) "
        f"vs. the previous {filters.days} days, {period}"
        + ("" if compared else ": no orders then, so no deltas")
        + ". Revenue is before tax and freight."
    )
    st.subheader("Revenue trend")
    grain = st.radio("By", data.GRAINS, horizontal=True, key="grain", format_func=str.title)
    trend = display.for_chart(fetch("revenue_trend", where, filters, grain), ["revenue"])
    trend["period"] = pd.to_datetime(trend["period"])
    chart = (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("revenue:Q", axis=alt.Axis(format="$,.0f")),
            tooltip=["period:T", alt.Tooltip("revenue:Q", format="$,.2f"), "orders:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def customers(where: str, filters: data.Filters) -> None:
    st.subheader("Top customers by revenue")
    top = fetch("top_customers", where, filters, 10)
    bar(top, "customer_name", "revenue", horizontal=True)
    table(top, ("revenue", "lifetime_value"))
    st.subheader("Customer segments")
    segments = fetch("customer_segments", where, filters)
    left, right = st.columns(2)
    with left:
        bar(segments, "segment", "customers", money=False)
    with right:
        bar(segments, "segment", "revenue")
    table(segments, ("revenue", "avg_lifetime_value"))
    st.caption(
        "Customers counted and revenue follow the filters. Segment (RFM) and lifetime value are each "
        "customer's whole-history figures from customer_analysis and are not filterable."
    )


def territories(where: str, filters: data.Filters) -> None:
    st.subheader("By territory")
    frame = fetch("by_territory", where, filters)
    left, right = st.columns(2)
    with left:
        bar(frame, "territory", "revenue")
    with right:
        bar(frame, "territory", "customers", money=False)
    table(frame, ("revenue", "total_due"))
    st.subheader("By state or province (billed to)")
    states = fetch("by_state_province", where, filters)
    bar(states.head(15), "state_province", "revenue", horizontal=True)
    table(states, ("revenue", "total_due"))
    st.caption(
        "Whole history, from sales_by_state_province: the date and category filters do not apply here "
        "(the analytics schema has no address dimension to place single orders); the territory filter "
        "selects the states of those territories."
    )


def products(where: str, filters: data.Filters) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Top products")
        top = fetch("top_products", where, filters, 10)
        bar(top, "product_name", "revenue", horizontal=True)
    with right:
        st.subheader("Categories")
        bar(fetch("by_category", where, filters), "category", "revenue")
    table(top, ("revenue", "gross_margin"))
    st.subheader("Return rates by product")
    returns = fetch("product_returns", where, filters)
    if not returns.tracked:
        st.info("No returns data in this source: it has no returns table, so return rates are unknown (not zero).")
        return
    shown = returns.products.assign(return_rate=[display.percent(r) for r in returns.products["return_rate"]])
    st.dataframe(shown, hide_index=True)
    st.caption(
        "Whole history, from product_demand, most returned first: only the category filter applies "
        "(returns are not part of fact_sales, so dates and territories cannot select them)."
    )


def discounts(where: str, filters: data.Filters) -> None:
    summary = fetch("discount_summary", where, filters)
    with_discount = f"{display.count(summary.orders_with_discount)} orders with at least one discounted line"
    without = f"{display.count(summary.orders_without_discount)} orders without a discounted line"
    display.headline_row(
        [
            ("Discount given", display.headline(summary.discount_given)),
            ("Gross (before discounts)", display.headline(summary.gross_revenue)),
            ("Avg order with discount", display.headline(summary.avg_order_value_with_discount, note=with_discount)),
            ("Avg order without discount", display.headline(summary.avg_order_value_without_discount, note=without)),
        ]
    )
    offers = fetch("discount_by_offer", where, filters)
    bands = offers.groupby("discount_band", as_index=False).agg(
        revenue=("revenue", "sum"), units=("units", "sum"), discount=("discount", "sum")
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Revenue by discount band")
        bar(bands, "discount_band", "revenue", order=list(data.BANDS))
    with right:
        st.subheader("Units by discount band")
        bar(bands, "discount_band", "units", money=False, order=list(data.BANDS))
    st.subheader("By offer")
    table(offers, ("gross_revenue", "discount", "revenue", "gross_margin"))
    st.caption(
        "Revenue here is net line revenue (Σ line_total, as in discount_impact), gross margin what those lines "
        "earned over their cost on the order date; an order's value counts its lines within the filters."
    )


def dashboard(where: str) -> None:
    options = fetch("filter_options", where)
    filters = sidebar(options)
    st.sidebar.caption(f"Warehouse: {where} (read-only)")
    st.title(TITLE)
    sections = st.tabs(
        [
            "Overview",
            "Customers",
            "Territories",
            "Products",
            "Discounts",
            "Forecast",
            "Retention",
            "Recommendations",
            "Inventory",
        ]
    )
    for tab, render in zip(sections[:5], (overview, customers, territories, products, discounts), strict=True):
        with tab:
            render(where, filters)
    insights = (insight_tabs.forecast, insight_tabs.retention, insight_tabs.recommendations, insight_tabs.inventory)
    for tab, render in zip(sections[5:], insights, strict=True):
        with tab:
            render(fetch, where, filters)


def main() -> None:
    st.set_page_config(page_title=TITLE, layout="wide")
    try:
        settings = load_settings()
    except SettingsError as err:
        show_unavailable(WarehouseState("unavailable", "The warehouse settings are incomplete.", str(err)))
        return
    try:
        with open_reader(settings) as reader:
            state = check_warehouse(reader)
        if state.ready:
            dashboard(settings.warehouse_description)
            return
    except WarehouseUnavailable as err:  # e.g. the pipeline took the write lock between two queries
        state = WarehouseState(err.kind, err.title, err.hint)
    show_unavailable(state)


main()
