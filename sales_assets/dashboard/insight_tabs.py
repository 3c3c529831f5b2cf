"""The dashboard's Forecast, Retention, Recommendations and Inventory tabs (Streamlit UI only).

Every figure comes from `insight_data`; captions say which filters a figure follows. A model not
built yet (the weekly ones before their first run) shows a note instead of the figure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from sales_assets.dashboard import display
from sales_assets.dashboard.connection import NotMaterialized
from sales_assets.dashboard.data import Filters

Fetch = Callable[..., Any]


def _guarded(render: Callable[[Fetch, str, Filters], None]) -> Callable[[Fetch, str, Filters], None]:
    def run(fetch: Fetch, where: str, filters: Filters) -> None:
        try:
            render(fetch, where, filters)
        except NotMaterialized as err:
            st.info(f"**Not built yet.** {err.title} {err.hint}")

    return run


@_guarded
def forecast(fetch: Fetch, where: str, filters: Filters) -> None:
    series = fetch("forecast_series", where)
    if not series:
        st.info("No forecast yet: demand_forecast is empty.")
        return
    labels = [f"{name} ({level})" if level != "total" else name for level, name in series]
    picked = st.selectbox("Series", range(len(series)), format_func=labels.__getitem__, key="forecast_series")
    level, name = series[picked]
    frame = fetch("forecast", where, level, name)
    frame = frame.assign(week_start=pd.to_datetime(frame["week_start"]))
    forecast_part = frame[frame["kind"] == "forecast"]
    band = (
        alt.Chart(forecast_part)
        .mark_area(opacity=0.25)
        .encode(x=alt.X("week_start:T", title=None), y=alt.Y("lower_80:Q", title="units per week"), y2="upper_80:Q")
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x="week_start:T",
            y="units:Q",
            color=alt.Color("kind:N", title=None),
            tooltip=["week_start:T", alt.Tooltip("units:Q", format=",.0f"), "kind:N"],
        )
    )
    st.altair_chart(band + lines, width="stretch")
    accuracy = fetch("forecast_accuracy", where)
    if not forecast_part.empty:
        method, fitted = forecast_part["method"].iloc[0], forecast_part["fitted_through"].iloc[0]
        total = sum(forecast_part["revenue"], start=Decimal(0))
        picked_row = accuracy[(accuracy["level"] == level) & (accuracy["series"] == name)]
        st.caption(
            f"**{method}**, {_margin(picked_row)} Fitted on complete weeks through the week of {fitted:%Y-%m-%d}; "
            f"the band is the 80% prediction interval. Next 13 weeks: {forecast_part['units'].sum():,.0f} units, "
            f"{display.money(total)} at recent prices. Whole business by category and subcategory: the sidebar "
            "filters do not apply."
        )
    st.subheader("Backtest: the method chosen vs. seasonal naive, out of sample (WAPE, lower is better)")
    shown = accuracy.assign(
        **{
            column: [display.percent(v) for v in accuracy[column]]
            for column in ("wape", "seasonal_naive_wape", "margin", "coverage_80")
        }
    )
    st.dataframe(shown, hide_index=True)
    st.caption(
        "Each series' method is chosen from the candidates by a backtest at quarterly origins; the WAPE shown is "
        "that choice scored on later origins it did not see. Seasonal naive (the same week a year before) is always "
        "a candidate and keeps ties."
    )


def _margin(row: pd.DataFrame) -> str:
    """How the series' method did against the baseline out of sample, in words."""
    if row.empty or row["wape"].iloc[0] is None or pd.isna(row["wape"].iloc[0]):
        return "chosen on too short a history to score out of sample."
    chosen, baseline = row["wape"].iloc[0], row["seasonal_naive_wape"].iloc[0]
    if row["baseline_chosen"].iloc[0]:
        return f"the baseline: no candidate beat it (WAPE {chosen:.1%} out of sample)."
    return f"WAPE {chosen:.1%} out of sample against {baseline:.1%} for seasonal naive."


@_guarded
def retention(fetch: Fetch, where: str, filters: Filters) -> None:
    st.subheader("Cohort retention")
    grid = fetch("cohorts", where, filters)
    if grid.empty:
        st.info("No cohort was acquired in the selected dates.")
    else:
        shown = grid.assign(cohort=[f"{m:%Y-%m}" for m in grid["cohort_month"]])
        heatmap = (
            alt.Chart(shown)
            .mark_rect()
            .encode(
                x=alt.X("months_since_first_order:O", title="months since first order"),
                y=alt.Y("cohort:O", title="cohort (first order)"),
                color=alt.Color("retention_rate:Q", title="retention", scale=alt.Scale(scheme="blues")),
                tooltip=[
                    "cohort",
                    "months_since_first_order",
                    "customers",
                    "active",
                    alt.Tooltip("retention_rate:Q", format=".1%"),
                ],
            )
        )
        st.altair_chart(heatmap, width="stretch")
        st.caption(
            "Cohorts whose first month lies in the selected dates (up to 24 months after it). Territory and "
            "category filters do not apply: a cohort is a customer's first order of any product, anywhere."
        )
    churn = fetch("churn", where, filters)
    left, right = st.columns([1, 2])
    with left:
        st.subheader("Churn risk")
        st.dataframe(display.for_chart(churn.by_risk, ["lifetime_value"]), hide_index=True)
    with right:
        st.subheader("Most valuable customers at risk")
        st.dataframe(display.for_chart(churn.at_risk, ["lifetime_value"]), hide_index=True)
    st.caption(
        "At risk: silent for 1.5 to 3 times their usual gap between orders; lapsed beyond. Whole history per "
        "customer (customer_analysis): only the territory filter applies."
    )


@_guarded
def recommendations(fetch: Fetch, where: str, filters: Filters) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Bought together")
        products = fetch("affinity_products", where, filters)
        if not products:
            st.info("No product pairs reach the minimum support in the selected categories.")
        else:
            names = dict(products)
            product = st.selectbox("Product", list(names), format_func=names.__getitem__, key="affinity_product")
            st.dataframe(fetch("bought_together", where, product), hide_index=True)
            st.caption("Over all orders (the category filter chooses the product list only).")
    with right:
        st.subheader("A customer's recommendations")
        customers = fetch("top_customer_ids", where)
        names = dict(customers)
        customer = st.selectbox(
            "Customer (most valuable first)", list(names), format_func=lambda c: f"{names[c]} ({c})", key="rec_customer"
        )
        st.dataframe(fetch("recommendations", where, customer), hide_index=True)
    backtest = fetch("backtest", where)
    if backtest is not None:
        evaluated = backtest.customers_evaluated
        display.headline_row(
            [
                (f"Hit rate @5, published ({backtest.method})", _hit_rate(backtest.customers_hit, evaluated)),
                ("Hit rate @5, most popular", _hit_rate(backtest.most_popular_hit, evaluated)),
            ]
        )
        baseline = " (the baseline: no candidate beat it)" if backtest.method == "most_popular" else ""
        st.caption(
            f"Published method: **{backtest.method}**{baseline}, chosen by backtest from most_popular, affinity, "
            f"item_knn, shrunk_cooccurrence and blend. Hit rates out of sample: at each quarterly origin the method "
            f"chosen on the origins before it recommends five products from what was known then; a hit when one is "
            f"a product the customer bought for the first time in the next 90 days ({evaluated:,} customers). "
            "Refreshed weekly; filters do not apply."
        )
        with st.expander("Every candidate at every origin"):
            frame = backtest.by_method
            st.dataframe(
                frame.assign(hit_rate_at_5=[display.percent(v) for v in frame["hit_rate_at_5"]]), hide_index=True
            )


def _hit_rate(hit: int, evaluated: int) -> display.Headline:
    if not evaluated:
        return display.headline(None, "percent")
    return display.headline(hit / evaluated, "percent", note=f"{hit:,} of {evaluated:,} customers hit")


@_guarded
def inventory(fetch: Fetch, where: str, filters: Filters) -> None:
    st.subheader("Products to reorder")
    frame = fetch("reorder_list", where, filters)
    display.headline_row([("Products to reorder", display.headline(len(frame), "count"))])
    st.dataframe(frame, hide_index=True)
    st.caption(
        "At or below the reorder point, or below a week's demand (the lead time) at a 90% service level, from the "
        "forecast's interval; least cover first. Stock as loaded today, forecast per subcategory split by recent "
        "sales, with the method the subcategory's backtest chose. Only the category filter applies."
    )
