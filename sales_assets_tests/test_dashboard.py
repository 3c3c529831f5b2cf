"""The sales dashboard over a real warehouse: data functions, the Streamlit app, and a real browser.

One module fixture runs the whole pipeline on the small month (2013-01). The data functions are
checked against plain SQL over analytics.fact_sales written here (not the app's SQL) for two filter
combinations; the app through Streamlit's AppTest, its headline figures (compact, exact on hover)
against that SQL too; the served page through Playwright and Debian's chromium (skipped, with the
reason, where either is missing), including that no headline is cut off at 1280 px with large values.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from sales_assets.core.publish import publish
from sales_assets.core.settings import load_settings
from sales_assets.core.warehouses import open_warehouse
from sales_assets.dashboard import APP, data, display, insight_data
from sales_assets.dashboard.connection import DuckDBReader, SnowflakeReader, check_warehouse, open_reader
from sales_assets.dashboard.data import Filters
from sales_assets.defs.dashboard.asset import READS
from sales_assets.measure.processes import listening
from sales_assets.measure.ui_status import CHROMIUM
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.fakesnow_account import copy_schema, fakesnow_account

REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "data" / "screenshots" / "dashboard.png"
HEADLINES_SCREENSHOT = SCREENSHOT.with_name("dashboard-headlines.png")
EVIL = "O'Brien'; drop table x; --"
# Each looking-ahead tab and a text it shows once its figures are in.
LOOKING_AHEAD_TABS = {
    "Forecast": "Backtest: the method chosen vs. seasonal naive",
    "Retention": "Most valuable customers at risk",
    "Recommendations": "Hit rate @5, most popular",
    "Inventory": "Products to reorder",
}

WHOLE_MONTH = Filters(date(2013, 1, 1), date(2013, 1, 31))
NARROW = Filters(date(2013, 1, 10), date(2013, 1, 20), ("Northwest",), ("Bikes",))
# Every figure function in data, each called as name(reader, filters).
FIGURES = (
    "kpis",
    "revenue_trend",
    "top_customers",
    "customer_segments",
    "by_territory",
    "by_state_province",
    "top_products",
    "by_category",
    "product_returns",
    "discount_by_offer",
    "discount_summary",
)
# Each combination with its previous period, worked out by hand: the same length, just before.
COMBOS = [(WHOLE_MONTH, (date(2012, 12, 1), date(2012, 12, 31))), (NARROW, (date(2012, 12, 30), date(2013, 1, 9)))]
# The overview's figures in plain SQL over fact_sales (alias s), in the order of data.Kpis' first four, then margin.
KPI_SELECT = (
    "coalesce(sum(subtotal), 0), coalesce(sum(total_due), 0),"
    " count(distinct sales_order_id), count(distinct customer_id), coalesce(sum(gross_margin), 0)"
)
# The overview's headlines: label -> kind of figure.
KPI_KINDS = {
    "Revenue": "money",
    "Gross margin": "money",
    "Total due": "money",
    "Orders": "count",
    "Customers": "count",
    "Average order value": "money",
}
# Large values: the small month (2013-01) with every money column of fact_sales a thousand times over, after a
# copy of it as it was, 92 days earlier. The default 90 days then show hundreds of millions, with changes against
# the copy.
MONEY_COLUMNS = (
    "unit_price", "line_total", "discount_amount", "standard_cost", "gross_margin", "subtotal", "tax_amount",
    "freight", "total_due",
)  # fmt: skip
LARGE_VALUES = (
    "insert into analytics.fact_sales select * replace (order_date - interval 92 day as order_date)"
    " from analytics.fact_sales; update analytics.fact_sales set "
    + ", ".join(f"{column} = {column} * 1000" for column in MONEY_COLUMNS)
    + " where order_date >= date '2013-01-01'"
)
LARGE_PERIOD, LARGE_PREVIOUS = Filters(date(2012, 11, 3), date(2013, 1, 31)), (date(2012, 8, 5), date(2012, 11, 2))


@pytest.fixture(scope="module")
def warehouse(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pipeline = Pipeline(make_settings(tmp_path_factory.mktemp("dashboard"), small_source))
    pipeline.run("2013-01-01", "2013-01-31")
    return pipeline.settings.warehouse_path


@pytest.fixture(scope="module")
def reader(warehouse: Path) -> DuckDBReader:
    return DuckDBReader(warehouse)


def sql(path: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(query, params or []).fetchall()


def where(f: Filters, start: date | None = None, end: date | None = None) -> tuple[str, list]:
    """The test's own selection of fact_sales rows (alias s): by calendar day, territory id and product id."""
    clause, params = "cast(s.order_date as date) between ? and ?", [start or f.start, end or f.end]
    if f.territories:
        marks = ",".join("?" * len(f.territories))
        territories = f"select territory_id from analytics.sales_by_territory where territory_name in ({marks})"
        clause += f" and s.territory_id in ({territories})"
        params += f.territories
    if f.categories:
        marks = ",".join("?" * len(f.categories))
        clause += (
            f" and s.product_id in (select product_id from analytics.product_demand where category_name in ({marks}))"
        )
        params += f.categories
    return clause, params


def facts(path: Path, f: Filters, select: str, tail: str = "", **period: date) -> list[tuple]:
    clause, params = where(f, **period)
    return sql(path, f"select {select} from analytics.fact_sales s where {clause} {tail}", params)


def rows(frame, *columns: str) -> list[tuple]:
    return list(frame[list(columns)].itertuples(index=False, name=None))


# --- data functions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "previous"), COMBOS, ids=["whole-month", "narrow"])
def test_kpis_and_previous_period(warehouse: Path, reader: DuckDBReader, filters: Filters, previous) -> None:
    got = data.kpis(reader, filters)
    ((revenue, due, orders, customers, margin),) = facts(warehouse, filters, KPI_SELECT)
    previous_figures = facts(warehouse, filters, KPI_SELECT, start=previous[0], end=previous[1])[0]
    assert orders > 0 and margin > 0
    assert (got.previous_filters.start, got.previous_filters.end) == previous
    assert got.current == data.Kpis(revenue, due, orders, customers, margin)
    assert got.previous == data.Kpis(*previous_figures)
    p_revenue, _, p_orders, _, _ = previous_figures
    assert got.current.average_order_value == (revenue / orders).quantize(Decimal("0.0001"))
    if filters is NARROW:  # the narrow range has orders in its previous period: the deltas are real
        assert p_orders > 0 and p_revenue > 0


@pytest.mark.parametrize("filters", [WHOLE_MONTH, NARROW], ids=["whole-month", "narrow"])
def test_trend_customers_territories_products(warehouse: Path, reader: DuckDBReader, filters: Filters) -> None:
    per = "sum(subtotal), count(distinct sales_order_id)"
    by_grain = {
        "day": "cast(s.order_date as date)",
        "month": "make_date(year(s.order_date), month(s.order_date), 1)",
        "quarter": "make_date(year(s.order_date), 3 * quarter(s.order_date) - 2, 1)",
    }
    for grain, period in by_grain.items():
        expected = facts(warehouse, filters, f"{period}, {per}", "group by 1 order by 1")
        assert rows(data.revenue_trend(reader, filters, grain), "period", "revenue", "orders") == expected, grain

    top = facts(warehouse, filters, "customer_id, sum(subtotal)", "group by 1 order by 2 desc, 1 limit 10")
    assert rows(data.top_customers(reader, filters), "customer_id", "revenue") == top
    segments = sql(
        warehouse,
        "select c.customer_segment, count(*) from analytics.customer_analysis c where c.customer_id in "
        f"(select s.customer_id from analytics.fact_sales s where {where(filters)[0]}) group by 1",
        where(filters)[1],
    )
    assert sorted(rows(data.customer_segments(reader, filters), "segment", "customers")) == sorted(segments)

    territories = sql(
        warehouse,
        "select t.territory_name, count(distinct s.customer_id), count(distinct s.sales_order_id), sum(s.subtotal),"
        " sum(s.total_due) from analytics.fact_sales s"
        " join analytics.sales_by_territory t on s.territory_id = t.territory_id"
        f" where {where(filters)[0]} group by 1",
        where(filters)[1],
    )
    got = rows(data.by_territory(reader, filters), "territory", "customers", "orders", "revenue", "total_due")
    assert sorted(got) == sorted(territories) and len(got) == (1 if filters.territories else 10)

    products = facts(
        warehouse, filters, "product_id, sum(order_qty), sum(subtotal)", "group by 1 order by 3 desc, 1 limit 10"
    )
    assert rows(data.top_products(reader, filters), "product_id", "units", "revenue") == products
    categories = sql(
        warehouse,
        "select p.category_name, sum(s.order_qty), sum(s.subtotal) from analytics.fact_sales s"
        f" join analytics.product_demand p on s.product_id = p.product_id where {where(filters)[0]} group by 1",
        where(filters)[1],
    )
    assert sorted(rows(data.by_category(reader, filters), "category", "units", "revenue")) == sorted(categories)


def test_states_are_whole_history_filtered_by_territory(warehouse: Path, reader: DuckDBReader) -> None:
    states = data.by_state_province(reader, WHOLE_MONTH)
    # The fixture's month is the whole history, so the states reconcile with fact_sales.
    ((revenue,),) = sql(warehouse, "select sum(line_total) from analytics.fact_sales")
    assert sum(states["revenue"]) == revenue
    narrow = data.by_state_province(reader, NARROW)
    expected = sql(
        warehouse,
        "select state_province_name, revenue from analytics.sales_by_state_province where territory_name = 'Northwest'",
    )
    assert sorted(rows(narrow, "state_province", "revenue")) == sorted(expected) and len(expected) > 0


def band(discount: Decimal) -> str:
    for limit, name in ((Decimal("0.05"), "1-5%"), (Decimal("0.10"), "6-10%"), (Decimal("0.20"), "11-20%")):
        if 0 < discount <= limit:
            return name
    return "0% (none)" if discount == 0 else "21-35%" if discount <= Decimal("0.35") else "36% and over"


@pytest.mark.parametrize("filters", [WHOLE_MONTH, NARROW], ids=["whole-month", "narrow"])
def test_discounts(warehouse: Path, reader: DuckDBReader, filters: Filters) -> None:
    lines = facts(
        warehouse,
        filters,
        "special_offer_id, unit_price_discount, order_qty, unit_price, discount_amount, line_total, sales_order_id",
    )
    groups: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0), Decimal(0)])
    orders: dict[int, list] = defaultdict(lambda: [Decimal(0), False])
    for offer, discount, qty, price, given, total, order in lines:
        group = groups[(offer, band(discount))]
        for i, value in enumerate((1, qty, price * qty, given, total)):
            group[i] += value
        orders[order][0] += total
        orders[order][1] |= discount > 0
    got = data.discount_by_offer(reader, filters)
    columns = ("special_offer_id", "discount_band", "lines", "units", "gross_revenue", "discount", "revenue")
    assert sorted(rows(got, *columns)) == sorted((*key, *values) for key, values in groups.items())
    summary = data.discount_summary(reader, filters)
    with_discount = [v for v, flag in orders.values() if flag]
    without = [v for v, flag in orders.values() if not flag]
    assert summary.discount_given == sum(g[3] for g in groups.values())
    assert (summary.orders_with_discount, summary.orders_without_discount) == (len(with_discount), len(without))
    assert summary.avg_order_value_without_discount == (sum(without) / len(without)).quantize(Decimal("0.0001"))
    if filters is WHOLE_MONTH:  # the whole history: the mart must agree too
        mart = sql(
            warehouse,
            "select special_offer_id, discount_band, units_sold, revenue, avg_order_value_with_discount"
            " from analytics.discount_impact",
        )
        assert sorted(rows(got, "special_offer_id", "discount_band", "units", "revenue")) == sorted(m[:4] for m in mart)
        assert summary.avg_order_value_with_discount == mart[0][4]


def test_returns_and_no_returns_data(warehouse: Path, reader: DuckDBReader, tmp_path: Path) -> None:
    returns = data.product_returns(reader, NARROW)
    expected = sql(warehouse, "select count(*) from analytics.product_demand where category_name = 'Bikes'")
    assert (
        returns.tracked
        and set(returns.products["category"]) == {"Bikes"}
        and len(returns.products) == min(15, expected[0][0])
    )
    no_returns = copy_warehouse(
        warehouse, tmp_path, "update analytics.product_demand set units_returned = null, return_rate = null"
    )
    assert data.product_returns(DuckDBReader(no_returns), WHOLE_MONTH).tracked is False


def copy_warehouse(warehouse: Path, tmp_path: Path, statement: str) -> Path:
    """A changed copy of the warehouse, published as a run leaves it (the app reads the published copy)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute(statement)
    publish(copy)
    return copy


def test_empty_warehouse_states(warehouse: Path, tmp_path: Path) -> None:
    assert check_warehouse(DuckDBReader(warehouse)).ready
    missing = check_warehouse(DuckDBReader(tmp_path / "nothing.duckdb"))
    assert (missing.kind, "make run" in missing.hint) == ("missing", True)
    with duckdb.connect(str(tmp_path / "raw_only.duckdb")) as conn:
        conn.execute("create schema raw; create table raw.t (a int)")
    bare = check_warehouse(DuckDBReader(tmp_path / "raw_only.duckdb"))
    assert (bare.kind, "make dev" in bare.hint) == ("not_materialized", True)
    empty = copy_warehouse(warehouse, tmp_path, "delete from analytics.fact_sales")
    assert check_warehouse(DuckDBReader(empty)).kind == "empty"


@pytest.fixture
def locked(warehouse: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the warehouse whose write lock another process holds, as a running pipeline does."""
    copy = copy_warehouse(warehouse, tmp_path, "select 1")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(copy)!r}); print('locked', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield copy
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_run_writing_leaves_the_dashboard_on_the_published_copy(
    locked: Path, reader: DuckDBReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a writer holds the warehouse, the app shows the last published data, with no warning;
    a reader pointed at the written file itself gets a friendly busy state, not a traceback."""
    at = run_app(locked, monkeypatch)
    assert not at.exception and not at.warning and not at.error
    assert metrics(at)["Revenue"].value == display.headline(data.kpis(reader, WHOLE_MONTH).current.revenue).value
    state = check_warehouse(DuckDBReader(locked))
    assert state.kind == "busy" and "retry in a moment" in state.hint


class Recording:
    """A reader that records what it is asked, in front of the real one."""

    def __init__(self, inner: DuckDBReader) -> None:
        self.inner, self.description, self.calls = inner, inner.description, []

    def query(self, sql_text: str, params=()) -> list[tuple]:
        self.calls.append((sql_text, list(params)))
        return self.inner.query(sql_text, params)


def test_filter_values_are_bound_never_written_into_sql(warehouse: Path, reader: DuckDBReader) -> None:
    evil = Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, (EVIL,), (EVIL, "Bikes"))
    recording = Recording(reader)
    assert data.kpis(recording, evil).current == data.Kpis(Decimal(0), Decimal(0), 0, 0)
    for name in FIGURES:
        getattr(data, name)(recording, evil)
    for name in ("churn", "affinity_products", "reorder_list"):  # the looking-ahead figures that filter
        getattr(insight_data, name)(recording, evil)
    assert all(EVIL not in text and EVIL in params for text, params in recording.calls if "?" in text)
    # Alongside a real value the quote changes nothing, and every table is still there.
    both = Filters(NARROW.start, NARROW.end, ("Northwest", EVIL), ("Bikes",))
    got, expected = data.kpis(reader, both), data.kpis(reader, NARROW)
    assert (got.current, got.previous) == (expected.current, expected.previous)
    assert check_warehouse(reader).ready


def test_looking_ahead_figures(warehouse: Path, reader: DuckDBReader) -> None:
    """The Forecast, Retention, Recommendations and Inventory figures, against plain SQL over analytics."""
    series = insight_data.forecast_series(reader)
    assert series[0] == ("total", "All products")
    assert set(series) == set(sql(warehouse, "select distinct level, series from analytics.demand_forecast"))
    frame = insight_data.forecast(reader, "category", "Bikes")
    forecast = frame[frame["kind"] == "forecast"]
    ((fitted,),) = sql(warehouse, "select max(fitted_through) from analytics.demand_forecast")
    assert len(forecast) == 13 and (forecast["lower_80"] <= forecast["units"]).all()
    actual = sql(
        warehouse,
        "select cast(date_trunc('week', s.order_date) as date), sum(s.order_qty) from analytics.fact_sales s"
        " join analytics.product_demand p using (product_id) where p.category_name = 'Bikes'"
        " and cast(s.order_date as date) < ? + 7 group by 1 order by 1",
        [fitted],
    )
    assert rows(frame[frame["kind"] == "actual"], "week_start", "units") == actual and actual

    cohorts = insight_data.cohorts(reader, WHOLE_MONTH)
    assert rows(cohorts, "cohort_month", "months_since_first_order", "customers", "active") == sql(
        warehouse,
        "select cohort_month, months_since_first_order, cohort_customers, active_customers"
        " from analytics.customer_cohorts where cohort_month = date '2013-01-01' order by 2",
    )
    churn = insight_data.churn(reader, Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, ("Northwest",)))
    assert sorted(rows(churn.by_risk, "churn_risk", "customers")) == sql(
        warehouse,
        "select churn_risk, count(*) from analytics.customer_analysis where territory_name = 'Northwest'"
        " group by 1 order by 1",
    )
    assert set(churn.at_risk["territory"]) <= {"Northwest"}

    products = insight_data.affinity_products(reader, Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, (), ("Bikes",)))
    assert products
    product = products[0][0]
    assert rows(insight_data.bought_together(reader, product), "product_id", "orders_with_both") == sql(
        warehouse,
        "select paired_product_id, orders_with_both from analytics.product_affinity where product_id = ?"
        " order by confidence desc, paired_product_id limit 10",
        [product],
    )
    customer = insight_data.top_customer_ids(reader)[0][0]
    assert rows(insight_data.recommendations(reader, customer), "rank", "product_id") == sql(
        warehouse,
        "select rank, product_id from analytics.customer_recommendations where customer_id = ? order by rank",
        [customer],
    )
    backtest = insight_data.backtest(reader)
    assert backtest is not None
    assert rows(backtest.by_method, "origin", "method", "customers_evaluated", "customers_hit") == sql(
        warehouse,
        "select origin_date, method, customers_evaluated, customers_hit from analytics.recommendation_backtest"
        " order by 1, 2",
    )
    ((published,),) = sql(warehouse, "select method from analytics.recommendation_backtest where published limit 1")
    assert backtest.method == published
    bikes = insight_data.reorder_list(reader, Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, (), ("Bikes",)))
    assert sorted(bikes["product_id"]) == [
        p
        for (p,) in sql(
            warehouse,
            "select product_id from analytics.inventory_cover where needs_reorder and category_name = 'Bikes'"
            " order by 1",
        )
    ]


# --- the Streamlit app --------------------------------------------------------------------------


def run_app(path: Path | None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app as `make dashboard` runs it, on the DuckDB file `path` (None: the environment's warehouse as set)."""
    if path is not None:
        monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(path))
        monkeypatch.delenv("SALES_TARGET", raising=False)
    return AppTest.from_file(str(APP), default_timeout=60).run()


def metrics(at: AppTest) -> dict[str, Any]:
    """Every st.metric of the page (all tabs) by label: .value, .delta ("" when none), .help."""
    return {m.label: m for m in at.metric}


def sql_kpis(path: Path, f: Filters, **period: date) -> dict[str, Decimal | int | None]:
    """The overview's figures by label, from the test's own SQL."""
    ((revenue, due, orders, customers, margin),) = facts(path, f, KPI_SELECT, **period)
    average = (revenue / orders).quantize(Decimal("0.0001")) if orders else None  # the marts' rounding
    return dict(zip(KPI_KINDS, (revenue, margin, due, orders, customers, average), strict=True))


def exact(value: Decimal | int, kind: str) -> str:
    """The test's own exact text: money to the cent (half up) as $1,234.56 or -$1,234.56; counts as 1,234."""
    if kind == "count":
        return f"{value:,}"
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"-${-cents:,}" if cents < 0 else f"${cents:,}"


def shown_number(text: str) -> tuple[Decimal, Decimal]:
    """A headline's text read back as a number, and half its last digit's step: "-$7.9M" -> (-7900000, 50000)."""
    match = re.fullmatch(r"([+-]?)\$?([\d,]+(?:\.\d)?)([KMBT]?)", text)
    assert match, f"not a headline number: {text!r}"
    sign, digits, unit = match.groups()
    scale = Decimal(10) ** (3 * "_KMBT".index(unit or "_"))
    step = Decimal("0.1") if "." in digits else Decimal(1)
    return Decimal(f"{sign}{digits.replace(',', '')}") * scale, step * scale / 2


def assert_headline(metric, value: Decimal | int, kind: str, previous: Decimal | int | None = None) -> None:
    """A headline shows `value` (and its change from `previous`) compact, at most 7 characters and within
    its rounding of the SQL figure, as display.headline formats it; its tooltip has the exact figures."""
    expected = display.headline(value, kind, previous)
    assert (metric.value, metric.delta or None) == (expected.value, expected.delta), metric.label
    number, rounding = shown_number(metric.value)
    assert len(metric.value) <= 7 and abs(number - value) <= rounding, (metric.label, metric.value, value)
    tooltip = metric.help.replace("\\$", "$")  # the tooltip is Markdown: dollars are escaped from LaTeX
    assert tooltip.startswith(f"**{exact(value, kind)}**"), (metric.label, tooltip)
    if previous is not None:
        change, rounding = shown_number(metric.delta)
        assert abs(change - (value - previous)) <= rounding, (metric.label, metric.delta, value - previous)
        sign = "+" if value >= previous else ""
        assert f"{exact(previous, kind)}; change {sign}{exact(value - previous, kind)}" in tooltip, tooltip


@pytest.mark.parametrize(
    ("value", "kind", "shown", "exactly"),
    [
        (Decimal("28532417.5"), "money", "$28.5M", "$28,532,417.50"),
        (Decimal("999950"), "money", "$1.0M", "$999,950.00"),  # the next unit up, never $1,000.0K
        (Decimal("999949.994"), "money", "$999.9K", "$999,949.99"),
        (Decimal("12476.005"), "money", "$12.5K", "$12,476.01"),  # cents half up
        (Decimal("9999.49"), "money", "$9,999", "$9,999.49"),  # under 10,000 the whole value fits
        (Decimal("-7892126.3341"), "money", "-$7.9M", "-$7,892,126.33"),
        (Decimal("1234567890123.4"), "money", "$1.2T", "$1,234,567,890,123.40"),
        (Decimal("0.0001"), "money", "$0", "$0.00"),
        (None, "money", "–", "–"),
        (6713, "count", "6,713", "6,713"),
        (12345, "count", "12.3K", "12,345"),
        (0.51234, "percent", "51.2%", "51.23%"),
    ],
)
def test_headline_is_compact_with_the_exact_value_on_hover(value, kind: str, shown: str, exactly: str) -> None:
    got = display.headline(value, kind)
    assert (got.value, got.delta) == (shown, None)
    assert got.help.replace("\\$", "$") == f"**{exactly}**"


def test_headline_change_is_compact_with_the_exact_figures_on_hover() -> None:
    changed = display.headline(Decimal("18014635.9959"), "money", Decimal("25906762.33"), note="a note")
    assert changed.delta == "-$7.9M"
    assert changed.help.replace("\\$", "$").split("\n\n") == [
        "**$18,014,636.00**",
        "Previous period: $25,906,762.33; change -$7,892,126.33 (-30.5%)",
        "a note",
    ]
    assert display.headline(1500, "count", 1200).delta == "+300"


def test_app_shows_the_data_functions_figures(warehouse: Path, monkeypatch) -> None:
    """Every headline against the test's own SQL: compact value, change, exact figures in the tooltip."""
    at = run_app(warehouse, monkeypatch)
    assert not at.exception and not at.error
    # The default period is the latest 90 days with data: here the whole month, with no orders before it.
    shown = metrics(at)
    whole = sql_kpis(warehouse, WHOLE_MONTH)
    for label, kind in KPI_KINDS.items():
        assert_headline(shown[label], whole[label], kind)
    assert shown["Revenue"].value.endswith(("K", "M")) and not shown["Orders"].value.endswith("K")  # both forms
    assert [t.label for t in at.tabs] == [
        "Overview", "Customers", "Territories", "Products", "Discounts", "Forecast", "Retention", "Recommendations",
        "Inventory",
    ]  # fmt: skip
    ((given, gross),) = facts(warehouse, WHOLE_MONTH, "sum(discount_amount), sum(unit_price * order_qty)")
    assert_headline(shown["Discount given"], given, "money")
    assert_headline(shown["Gross (before discounts)"], gross, "money")
    ((discounted,),) = facts(warehouse, WHOLE_MONTH, "count(distinct sales_order_id)", "and s.unit_price_discount > 0")
    assert f"{discounted:,} orders with at least one discounted line" in shown["Avg order with discount"].help
    ((reorder,),) = sql(warehouse, "select count(*) from analytics.inventory_cover where needs_reorder")
    assert_headline(shown["Products to reorder"], reorder, "count")

    at.sidebar.multiselect(key="territories").select("Northwest").run()
    northwest = sql_kpis(warehouse, Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, ("Northwest",)))
    assert not at.exception
    assert_headline(metrics(at)["Revenue"], northwest["Revenue"], "money")
    assert metrics(at)["Revenue"].value != shown["Revenue"].value

    # The narrow combination: every headline with its change against the previous period.
    at.sidebar.date_input(key="dates").set_value((NARROW.start, NARROW.end))
    at.sidebar.multiselect(key="categories").select("Bikes").run()
    assert not at.exception
    narrow, (start, end) = sql_kpis(warehouse, NARROW), COMBOS[1][1]
    before = sql_kpis(warehouse, NARROW, start=start, end=end)
    shown = metrics(at)
    for label, kind in KPI_KINDS.items():
        assert_headline(shown[label], narrow[label], kind, before[label])
    for grain in data.GRAINS:
        at.radio(key="grain").set_value(grain).run()
        assert not at.exception, grain


def test_app_empty_warehouse_and_no_returns(warehouse: Path, tmp_path: Path, monkeypatch) -> None:
    missing = run_app(tmp_path / "none.duckdb", monkeypatch)
    assert not missing.exception and "make run" in missing.info[0].value and not missing.metric
    with duckdb.connect(str(tmp_path / "raw_only.duckdb")) as conn:
        conn.execute("create schema raw")
    publish(tmp_path / "raw_only.duckdb")
    bare = run_app(tmp_path / "raw_only.duckdb", monkeypatch)
    assert not bare.exception and "not built yet" in bare.info[0].value
    no_returns = copy_warehouse(
        warehouse, tmp_path, "update analytics.product_demand set units_returned = null, return_rate = null"
    )
    at = run_app(no_returns, monkeypatch)
    assert not at.exception and any("No returns data in this source" in i.value for i in at.info)


# --- Snowflake (fakesnow) -----------------------------------------------------------------------

SNOWFLAKE_DATABASE = "dashboard_ci"  # fakesnow breaks views in a database named like one of its schemas


def same(got, expected) -> bool:
    if isinstance(got, data.Returns):
        return got.tracked == expected.tracked and got.products.equals(expected.products)
    return got.equals(expected) if hasattr(got, "equals") else got == expected


def test_same_figures_on_snowflake(warehouse: Path, reader: DuckDBReader, monkeypatch: pytest.MonkeyPatch) -> None:
    """SALES_TARGET=snowflake: the same query functions through SnowflakeWarehouse, against fakesnow, reading
    what the dashboard asset published."""
    with fakesnow_account(SNOWFLAKE_DATABASE):
        settings = load_settings()
        with open_warehouse(settings) as snowflake_warehouse:
            snowflake_warehouse.query(f"create database if not exists {SNOWFLAKE_DATABASE}")
        with open_reader(settings) as snow:
            assert isinstance(snow, SnowflakeReader)
            assert check_warehouse(snow).kind == "not_materialized"
            with open_warehouse(settings) as snowflake_warehouse:
                snowflake_warehouse.query("create schema if not exists analytics")
            copy_schema(warehouse, "analytics", SNOWFLAKE_DATABASE)
            assert check_warehouse(snow).kind == "not_materialized"  # built, but not published yet
            with open_warehouse(settings) as snowflake_warehouse:
                assert snowflake_warehouse.publish(READS)["published_relations"] == len(READS)
            assert check_warehouse(snow).ready
            for filters in (WHOLE_MONTH, NARROW):
                for name in FIGURES:
                    assert same(getattr(data, name)(snow, filters), getattr(data, name)(reader, filters)), name
        at = run_app(None, monkeypatch)
        assert not at.exception
        assert metrics(at)["Revenue"].value == display.headline(data.kpis(reader, WHOLE_MONTH).current.revenue).value


# --- a real browser -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sync_api():
    """Playwright driving Debian's chromium (`apt-get install -y chromium`); it never downloads a browser."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed in this environment")


@contextmanager
def serving(warehouse: Path, logs: Path) -> Iterator[str]:
    """The dashboard served as `make dashboard` serves it on `warehouse`, on a free port of 127.0.0.1."""
    port = free_port()
    env = {**os.environ, "SALES_WAREHOUSE_PATH": str(warehouse), "SALES_TARGET": "duckdb", "DASHBOARD_PORT": str(port)}
    log = (logs / "streamlit.log").open("w")
    command = [sys.executable, "-m", "sales_assets.dashboard"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((logs / "streamlit.log").read_text()) from None
                time.sleep(0.5)
        # Reachable from this machine only: its one listening socket is on the loopback address.
        assert listening([process.pid]) == [f"127.0.0.1:{port}"]
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server(sync_api, warehouse: Path, tmp_path: Path) -> Iterator[str]:
    with serving(warehouse, tmp_path) as url:
        yield url


@pytest.fixture
def chromium(sync_api) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
        try:
            yield browser
        finally:
            browser.close()


def select_territory(sync_api, page, territory: str) -> None:
    """Pick a territory in the sidebar once the script is idle; on a busy machine a click made while
    Streamlit is still running can be lost, so the pick is confirmed by its chip and retried."""
    territories = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    for _ in range(5):
        sync_api.expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)
        # The status widget shows only after a moment: a script still starting looks idle, and a
        # pick made then is lost when it finishes (seen once under CI's two test workers).
        page.wait_for_timeout(1_000)
        sync_api.expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)
        if territory in territories.inner_text():  # picked by an attempt whose check timed out
            return
        territories.click()
        page.get_by_role("option", name=territory).click()
        page.keyboard.press("Escape")
        try:
            sync_api.expect(territories).to_contain_text(territory, timeout=20_000)
            return
        except AssertionError:
            continue
    shown = territories.inner_text()
    raise AssertionError(f"could not select territory {territory!r} in the sidebar: it shows {shown!r}")


def test_browser_smoke(sync_api, chromium, server: str, reader: DuckDBReader) -> None:
    """The served page: KPIs appear, a sidebar filter changes them; a screenshot is left at SCREENSHOT."""
    northwest = data.kpis(reader, Filters(WHOLE_MONTH.start, WHOLE_MONTH.end, ("Northwest",))).current
    whole = data.kpis(reader, WHOLE_MONTH).current
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    revenue = page.get_by_test_id("stMetricValue").first
    sync_api.expect(revenue).to_have_text(display.headline(whole.revenue).value, timeout=60_000)
    select_territory(sync_api, page, "Northwest")
    sync_api.expect(revenue).to_have_text(display.headline(northwest.revenue).value, timeout=60_000)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    print(f"screenshot: {SCREENSHOT}")
    # The looking-ahead tabs render in the browser too, each left as a screenshot beside it.
    for tab, shows in LOOKING_AHEAD_TABS.items():
        page.get_by_role("tab", name=tab).click()
        sync_api.expect(page.get_by_text(shows).first).to_be_visible(timeout=60_000)
        # Idle first: a page caught while the script reruns is greyed out.
        sync_api.expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)
        shot = SCREENSHOT.with_name(f"dashboard-{tab.lower()}.png")
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")


# Each tab with headlines and how many it shows.
HEADLINE_TABS = {"Overview": 6, "Discounts": 4, "Recommendations": 2, "Inventory": 1}
# The visible headline parts (label, value, change) of the page, each with whether it is cut off: an ellipsis, or
# its text wider than its box in it or any element inside it (st.metric's value hides the overflow of a
# Markdown block inside it).
CUT_OFF = """parts => parts.filter(part => part.offsetParent !== null).map(part => [
    part.innerText,
    part.innerText.includes("\u2026") || [part, ...part.querySelectorAll("*")].some(e => e.scrollWidth > e.clientWidth),
])"""
HEADLINE_PARTS = ", ".join(f'[data-testid="{part}"]' for part in ("stMetricLabel", "stMetricValue", "stMetricDelta"))


@pytest.fixture
def large_values(warehouse: Path, tmp_path: Path) -> Path:
    """A copy of the warehouse with LARGE_VALUES, published."""
    return copy_warehouse(warehouse, tmp_path, LARGE_VALUES)


def test_browser_no_headline_is_cut_off(sync_api, chromium, large_values: Path, tmp_path: Path) -> None:
    """At 1280 px with the sidebar open and revenue in the billions, every headline on every tab shows whole:
    compact, its exact value in the label's tooltip. A screenshot is left at HEADLINES_SCREENSHOT."""
    figures = sql_kpis(large_values, LARGE_PERIOD)
    before = sql_kpis(large_values, LARGE_PERIOD, start=LARGE_PREVIOUS[0], end=LARGE_PREVIOUS[1])
    expected = [display.headline(figures[label], kind, before[label]) for label, kind in KPI_KINDS.items()]
    # Large: whole, the revenue would be 11 characters or more (tens of millions), as in the issue.
    assert len(display.money(figures["Revenue"])) >= 11 and len(display.money(before["Revenue"])) < 11
    with serving(large_values, tmp_path) as url:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        values, deltas = page.get_by_test_id("stMetricValue"), page.get_by_test_id("stMetricDelta")
        sync_api.expect(values.first).to_have_text(expected[0].value, timeout=60_000)
        assert values.all_inner_texts()[: len(expected)] == [shown.value for shown in expected]
        assert deltas.all_inner_texts()[: len(expected)] == [shown.delta for shown in expected]
        for tab, count in HEADLINE_TABS.items():
            page.get_by_role("tab", name=tab).click()
            sync_api.expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)
            parts = page.eval_on_selector_all(HEADLINE_PARTS, CUT_OFF)
            assert len(parts) >= 2 * count, (tab, parts)  # a label and a value each, at least
            assert not [text for text, cut in parts if cut], f"cut off on {tab}: {parts}"
        page.get_by_role("tab", name="Overview").click()
        page.get_by_test_id("stMetric").first.get_by_test_id("stTooltipHoverTarget").hover()
        tooltip = page.get_by_test_id("stTooltipContent")
        sync_api.expect(tooltip).to_contain_text(exact(figures["Revenue"], "money"), timeout=10_000)
        page.wait_for_timeout(500)  # the tooltip fades in
        HEADLINES_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(HEADLINES_SCREENSHOT))
        print(f"screenshot: {HEADLINES_SCREENSHOT}")
