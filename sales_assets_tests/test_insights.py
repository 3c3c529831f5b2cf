"""Margin, cohorts, churn risk, affinity, recommendations, forecasts and inventory cover, checked
against figures computed here, independently, in plain Python over the source files.

One real pipeline (generator -> dlt -> DuckDB -> dbt and the Python assets, run by Dagster in
process) builds half a year, 2013-01-01..2013-06-30, in one run: long enough for cohorts to
return, baskets to repeat and weekly series to backtest. Nothing here re-runs the models' SQL.
"""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from sales_assets.core.warehouses import DuckDBWarehouse
from sales_assets.defs.predict import forecast as fc
from sales_assets.defs.quality import predict_checks as checks
from sales_assets.sandbox.generator import GeneratorConfig, generate
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.source_rows import connect, line_money, money

START, END = date(2013, 1, 1), date(2013, 7, 1)
CONFIG = GeneratorConfig(seed=11, scale=0.15, start=START, end=END)
MIN_ORDERS = 5  # dbt var affinity_min_orders
PAIRS_PER_PRODUCT = 20  # dbt var recommendation_pairs_per_product
RECENT_DAYS = 90  # dbt var recommendation_recent_days
SHRINKAGE = 20  # dbt var recommendation_shrinkage_orders
ORIGINS, TEST_DAYS = 3, 90  # dbt vars recommendation_origins, recommendation_test_days
METHODS = ("most_popular", "affinity", "item_knn", "shrunk_cooccurrence", "blend")


@dataclass(frozen=True)
class Line:
    order_id: int
    detail_id: int
    order_date: datetime
    customer_id: int
    product_id: int
    special_offer_id: int
    qty: int
    line_total: Decimal


@dataclass
class Source:
    lines: list[Line]
    costs: dict[int, list[tuple[datetime, datetime | None, Decimal]]]  # product -> (start, end, cost)
    standard_cost: dict[int, Decimal]
    customer_type: dict[int, str]
    products: dict[int, tuple]  # ProductID -> (Name, FinishedGoodsFlag, ListPrice, SellEndDate, Safety, Reorder, sub)
    subcategory: dict[int, tuple[str, str]]  # ProductSubcategoryID -> (subcategory, category)
    on_hand: dict[int, int]

    def orders(self) -> dict[int, tuple[datetime, int, set[int]]]:
        """SalesOrderID -> (OrderDate, CustomerID, products)."""
        out: dict[int, tuple[datetime, int, set[int]]] = {}
        for line in self.lines:
            out.setdefault(line.order_id, (line.order_date, line.customer_id, set()))[2].add(line.product_id)
        return out


def read_source(directory: Path) -> Source:
    conn = connect(directory)
    lines = [
        Line(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4], r[5], r[6], line_money(r[7]))
        for r in conn.execute(
            "select d.SalesOrderID, d.SalesOrderDetailID, h.OrderDate, h.CustomerID, d.ProductID, d.SpecialOfferID, "
            "d.OrderQty, d.LineTotal from Sales.SalesOrderDetail d join Sales.SalesOrderHeader h using (SalesOrderID) "
            "where h.OrderDate >= ? and h.OrderDate < ?",
            (START.isoformat(), END.isoformat()),
        )
    ]
    costs: dict[int, list] = defaultdict(list)
    for product, start, end, cost in conn.execute(
        "select ProductID, StartDate, EndDate, StandardCost from Production.ProductCostHistory"
    ):
        costs[product].append((datetime.fromisoformat(start), end and datetime.fromisoformat(end), money(cost)))
    customer_type = {}
    for customer, person, store in conn.execute("select CustomerID, PersonID, StoreID from Sales.Customer"):
        customer_type[customer] = (
            "store_contact" if person is not None and store is not None else "store" if store else "individual"
        )
    products = {
        r[0]: r[1:]
        for r in conn.execute(
            "select ProductID, Name, FinishedGoodsFlag, ListPrice, SellEndDate, SafetyStockLevel, ReorderPoint, "
            "ProductSubcategoryID from Production.Product"
        )
    }
    subcategory = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "select s.ProductSubcategoryID, s.Name, c.Name from Production.ProductSubcategory s "
            "join Production.ProductCategory c using (ProductCategoryID)"
        )
    }
    standard_cost = {p: money(c) for p, c in conn.execute("select ProductID, StandardCost from Production.Product")}
    on_hand: dict[int, int] = defaultdict(int)
    for product, qty in conn.execute("select ProductID, Quantity from Production.ProductInventory"):
        on_hand[product] += qty
    return Source(lines, costs, standard_cost, customer_type, products, subcategory, on_hand)


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("insights_source")
    generate(directory, CONFIG)
    return directory


@pytest.fixture(scope="module")
def source(source_dir: Path) -> Source:
    src = read_source(source_dir)
    assert len(src.orders()) > 300 and src.costs and src.on_hand  # a real half-year, costed and stocked
    return src


@pytest.fixture(scope="module")
def pipeline(source_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    settings = make_settings(tmp_path_factory.mktemp("insights_pipeline"), source_dir)
    built = Pipeline(replace(settings, partitions_start=START, partitions_end=END))
    built.result = built.run(START.isoformat(), (END - timedelta(days=1)).isoformat())
    return built


def cost_on(source: Source, product: int, when: datetime) -> Decimal:
    for start, end, cost in source.costs.get(product, []):
        if start <= when and (end is None or when < end + timedelta(days=1)):
            return cost
    return source.standard_cost[product]


# --- margin ---------------------------------------------------------------------------------------------


def test_fact_sales_costs_each_line_on_its_order_date(pipeline: Pipeline, source: Source) -> None:
    costs = {line.detail_id: cost_on(source, line.product_id, line.order_date) for line in source.lines}
    expected = {
        line.detail_id: (costs[line.detail_id], line.line_total - line.qty * costs[line.detail_id])
        for line in source.lines
    }
    actual = {
        detail: (cost, margin)
        for detail, cost, margin in pipeline.query(
            "select sales_order_detail_id, standard_cost, gross_margin from analytics.fact_sales"
        )
    }
    assert actual == expected
    # The history really moves: some lines are costed from an earlier period than the current cost.
    assert any(costs[line.detail_id] != source.standard_cost[line.product_id] for line in source.lines)


def test_margin_by_product_and_by_offer(pipeline: Pipeline, source: Source) -> None:
    by_product: dict[int, Decimal] = defaultdict(Decimal)
    by_offer: dict[int, Decimal] = defaultdict(Decimal)
    for line in source.lines:
        margin = line.line_total - line.qty * cost_on(source, line.product_id, line.order_date)
        by_product[line.product_id] += margin
        by_offer[line.special_offer_id] += margin
    assert dict(pipeline.query("select product_id, gross_margin from analytics.product_demand")) == by_product
    offers = pipeline.query("select special_offer_id, sum(gross_margin) from analytics.discount_impact group by 1")
    assert dict(offers) == by_offer
    assert len(by_offer) > 1  # discounted lines exist, so margin is judged per offer


# --- cohorts and churn ------------------------------------------------------------------------------------


def month(d: datetime | date) -> date:
    return date(d.year, d.month, 1)


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def test_customer_cohorts_match_source(pipeline: Pipeline, source: Source) -> None:
    orders = source.orders()
    first: dict[int, date] = {}
    for order_date, customer, _ in orders.values():
        first[customer] = min(first.get(customer, month(order_date)), month(order_date))
    active: dict[tuple[date, date], set[int]] = defaultdict(set)
    revenue: dict[tuple[date, date], Decimal] = defaultdict(Decimal)
    for line in source.lines:
        key = (first[line.customer_id], month(line.order_date))
        active[key].add(line.customer_id)
        revenue[key] += line.line_total
    sizes: dict[date, int] = defaultdict(int)
    for cohort in first.values():
        sizes[cohort] += 1
    all_months = sorted({month(o[0]) for o in orders.values()})
    expected = {}
    for cohort, size in sizes.items():
        cumulative = Decimal(0)
        for m in (m for m in all_months if m >= cohort):
            cumulative += revenue[(cohort, m)]
            n = len(active[(cohort, m)])
            expected[(cohort, months_between(cohort, m))] = (size, n, revenue[(cohort, m)], cumulative / size)
    rows = pipeline.query(
        "select cohort_month, months_since_first_order, cohort_customers, active_customers, revenue, "
        "cumulative_revenue_per_customer, retention_rate from analytics.customer_cohorts"
    )
    actual = {(r[0], r[1]): r[2:6] for r in rows}
    assert set(actual) == set(expected)
    for key, (size, n, rev, per_customer) in expected.items():
        got = actual[key]
        assert got[:3] == (size, n, rev), key
        assert abs(got[3] - per_customer) <= Decimal("0.0001"), key
    assert all(math.isclose(r[6], r[3] / r[2]) for r in rows)
    assert len(sizes) == 6 and any(r[1] > 0 and r[3] > 0 for r in rows)  # six cohorts, and customers return


def test_churn_risk_follows_each_customers_rhythm(pipeline: Pipeline, source: Source) -> None:
    dates: dict[int, list[datetime]] = defaultdict(list)
    for order_date, customer, _ in source.orders().values():
        dates[customer].append(order_date)
    as_of = max(d for ds in dates.values() for d in ds)
    own = {c: (max(ds) - min(ds)).days / (len(ds) - 1) for c, ds in dates.items() if len(ds) > 1}
    typical: dict[str, float] = {}
    for kind in {source.customer_type[c] for c in own}:
        gaps = sorted(gap for c, gap in own.items() if source.customer_type[c] == kind)
        mid = len(gaps) // 2
        typical[kind] = gaps[mid] if len(gaps) % 2 else (gaps[mid - 1] + gaps[mid]) / 2
    expected = {}
    for customer, ds in dates.items():
        gap = max(own.get(customer, typical.get(source.customer_type[customer], 365.0)), 7.0)
        silence = (as_of - max(ds)).days
        risk = "active" if silence <= 1.5 * gap else "at_risk" if silence <= 3 * gap else "lapsed"
        expected[customer] = (silence, gap, risk)
    rows = pipeline.query(
        "select customer_id, days_since_last_order, expected_days_between_orders, churn_risk "
        "from analytics.customer_analysis"
    )
    actual = {r[0]: r[1:] for r in rows}
    assert set(actual) == set(expected)
    for customer, (silence, gap, risk) in expected.items():
        assert actual[customer][0] == silence and math.isclose(actual[customer][1], gap), customer
        assert actual[customer][2] == risk, customer
    assert {"active", "lapsed"} <= {r[3] for r in rows}


# --- affinity and recommendations ---------------------------------------------------------------------------


def affinity(baskets: list[set[int]]) -> dict[tuple[int, int], tuple[int, Fraction, Fraction, Fraction]]:
    """(product, paired) -> (orders with both, support, confidence, lift), both directions, min support."""
    with_product: dict[int, int] = defaultdict(int)
    together: dict[tuple[int, int], int] = defaultdict(int)
    for basket in baskets:
        for p in basket:
            with_product[p] += 1
            for q in basket:
                if p != q:
                    together[(p, q)] += 1
    n = len(baskets)
    return {
        (p, q): (
            k,
            Fraction(k, n),
            Fraction(k, with_product[p]),
            Fraction(k, with_product[p]) / Fraction(with_product[q], n),
        )
        for (p, q), k in together.items()
        if k >= MIN_ORDERS
    }


Orders = dict[int, tuple[datetime, int, set[int]]]


def recommender(orders: Orders, origin: date) -> Callable[[str, set[int]], list[tuple[int, float]]]:
    """The documented methods (macros/recommend.sql), in Python, from the orders before `origin`:
    a function of (method, products bought) giving the five (product, score) recommended."""
    before = [o for o in orders.values() if o[0].date() < origin]
    recent_start = origin - timedelta(days=RECENT_DAYS)
    recent_baskets = [o[2] for o in before if o[0].date() >= recent_start]
    recent: dict[int, int] = defaultdict(int)
    for basket in recent_baskets:
        for p in basket:
            recent[p] += 1
    share = {p: n / len(recent_baskets) for p, n in recent.items()}
    scaled = {p: n / max(recent.values()) for p, n in recent.items()}
    popular = sorted(recent, key=lambda p: (-recent[p], p))[:25]
    n: dict[int, int] = defaultdict(int)
    both: dict[tuple[int, int], int] = defaultdict(int)
    for _, _, basket in before:
        for p in basket:
            n[p] += 1
            for q in basket:
                if p != q:
                    both[(p, q)] += 1
    pairs = {pq: k for pq, k in both.items() if k >= MIN_ORDERS and pq[1] in recent}
    cosine = {(p, q): k / math.sqrt(n[p] * n[q]) for (p, q), k in pairs.items()}
    nearest: dict[int, float] = defaultdict(float)
    for (p, _), c in cosine.items():
        nearest[p] = max(nearest[p], c)
    weights = {
        "affinity": {(p, q): k / n[p] for (p, q), k in pairs.items()},
        "item_knn": cosine,
        "shrunk_cooccurrence": {(p, q): k / (n[p] + SHRINKAGE) for (p, q), k in pairs.items()},
        "blend": {(p, q): c / nearest[p] for (p, q), c in cosine.items()},
        "most_popular": {},
    }
    pulls: dict[str, dict[int, list[tuple[int, float]]]] = {}
    for method, by_pair in weights.items():
        strongest: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for (p, q), w in by_pair.items():
            strongest[p].append((q, w))
        pulls[method] = {
            p: sorted(qs, key=lambda qw: (-qw[1], qw[0]))[:PAIRS_PER_PRODUCT] for p, qs in strongest.items()
        }

    def prior(method: str, p: int) -> float:
        return {"most_popular": 1.0, "blend": 1.0, "shrunk_cooccurrence": SHRINKAGE / (n[p] + SHRINKAGE)}.get(
            method, 1e-9
        )

    def recommend(method: str, bought: set[int]) -> list[tuple[int, float]]:
        weight = sum(prior(method, p) for p in bought) if bought else 1.0
        pull: dict[int, float] = defaultdict(float)
        for p in bought:
            for q, w in pulls[method].get(p, []):
                pull[q] += w
        popularity = scaled if method == "blend" else share
        candidates = (set(pull) | set(popular)) - bought
        scores = {q: pull[q] + popularity[q] * weight for q in candidates}
        return sorted(scores.items(), key=lambda qs: (-qs[1], qs[0]))[:5]

    return recommend


def backtest(orders: Orders) -> tuple[dict[tuple[date, str], tuple[int, int]], dict[date, str], str]:
    """(origin, method) -> (customers evaluated, customers hit); the method chosen at each origin
    from the origins before it; the method published (chosen over all of them)."""
    first: dict[tuple[int, int], date] = {}
    for order_date, customer, basket in orders.values():
        for p in basket:
            key = (customer, p)
            first[key] = min(first.get(key, order_date.date()), order_date.date())
    as_of = max(o[0] for o in orders.values()).date()
    origins = [as_of + timedelta(days=1 - k * TEST_DAYS) for k in range(ORIGINS, 0, -1)]
    scores = {}
    for origin in origins:
        recommend = recommender(orders, origin)
        end = origin + timedelta(days=TEST_DAYS)
        bought: dict[int, set[int]] = defaultdict(set)
        new: dict[int, set[int]] = defaultdict(set)
        for (customer, p), when in first.items():
            if when < origin:
                bought[customer].add(p)
            elif when < end:
                new[customer].add(p)
        evaluated = [c for c in new if bought.get(c)]
        for method in METHODS:
            hits = sum(1 for c in evaluated if {p for p, _ in recommend(method, bought[c])} & new[c])
            scores[(origin, method)] = (len(evaluated), hits)

    def choose(before: date) -> str:
        total = {m: sum(h for (o, mm), (_, h) in scores.items() if mm == m and o < before) for m in METHODS}
        return min(METHODS, key=lambda m: (-total[m], m != "most_popular", m))

    return scores, {o: choose(o) for o in origins}, choose(as_of + timedelta(days=1))


def test_product_affinity_matches_the_baskets(pipeline: Pipeline, source: Source) -> None:
    expected = affinity([products for _, _, products in source.orders().values()])
    rows = pipeline.query(
        "select product_id, paired_product_id, orders_with_both, support, confidence, lift "
        "from analytics.product_affinity"
    )
    actual = {(r[0], r[1]): r[2:] for r in rows}
    assert set(actual) == set(expected) and len(expected) > 50
    for key, (k, support, confidence, lift) in expected.items():
        got = actual[key]
        assert got[0] == k and all(
            math.isclose(g, float(e), rel_tol=1e-9) for g, e in zip(got[1:], (support, confidence, lift), strict=True)
        ), key


def test_customer_recommendations_follow_the_published_method(pipeline: Pipeline, source: Source) -> None:
    orders = source.orders()
    _, _, method = backtest(orders)
    bought: dict[int, set[int]] = defaultdict(set)
    for _, customer, products in orders.values():
        bought[customer] |= products
    as_of = max(o[0] for o in orders.values()).date()
    recommend = recommender(orders, as_of + timedelta(days=1))
    rows = pipeline.query(
        "select customer_id, rank, product_id, score, reason, method from analytics.customer_recommendations "
        "order by customer_id, rank"
    )
    actual: dict[int, list[tuple]] = defaultdict(list)
    for customer, rank, product, score, reason, used in rows:
        actual[customer].append((rank, product, score, reason))
        assert product not in bought[customer] and used == method
    assert set(actual) == set(bought)
    for customer, products in bought.items():
        expected, got = recommend(method, products), actual[customer]
        assert [r[0] for r in got] == list(range(1, len(expected) + 1)), customer
        assert [r[1] for r in got] == [p for p, _ in expected], customer
        assert all(math.isclose(r[2], s, rel_tol=1e-9) for r, (_, s) in zip(got, expected, strict=True)), customer
    reasons = {r[4].split(" ")[0] for r in rows}
    assert reasons == ({"popular"} if method == "most_popular" else {"bought", "popular"})


def test_recommendation_backtest_scores_each_method_and_chooses_out_of_sample(
    pipeline: Pipeline, source: Source
) -> None:
    scores, chosen, published = backtest(source.orders())
    rows = pipeline.query(
        "select origin_date, method, is_baseline, customers_evaluated, customers_hit, hit_rate_at_5, chosen_here, "
        "published from analytics.recommendation_backtest"
    )
    assert {(r[0], r[1]): (r[3], r[4]) for r in rows} == scores
    assert sum(evaluated for (_, m), (evaluated, _) in scores.items() if m == "most_popular") > 20
    for origin, method, is_baseline, evaluated, hit, rate, chosen_here, is_published in rows:
        assert is_baseline == (method == "most_popular")
        assert rate == (pytest.approx(hit / evaluated) if evaluated else None)
        assert chosen_here == (chosen[origin] == method) and is_published == (method == published)
    # The scores are on customer_recommendations' own page too: the procedure out of sample.
    (materialization,) = [
        e.materialization
        for e in pipeline.result.get_asset_materialization_events()
        if e.asset_key == AssetKey(["analytics", "customer_recommendations"])
    ]
    later = [o for o in chosen if o > min(chosen)]
    evaluated = sum(scores[(o, "most_popular")][0] for o in later)
    assert materialization.metadata["method"].value == published
    assert materialization.metadata["hit_rate_at_5"].value == pytest.approx(
        sum(scores[(o, chosen[o])][1] for o in later) / evaluated
    )
    assert materialization.metadata["most_popular_hit_rate_at_5"].value == pytest.approx(
        sum(scores[(o, "most_popular")][1] for o in later) / evaluated
    )


# --- forecasts and inventory cover -----------------------------------------------------------------------------


def weekly_units(source: Source) -> tuple[date, dict[tuple[str, str], dict[date, int]]]:
    as_of = max(line.order_date for line in source.lines).date()
    last_week = as_of + timedelta(days=1) - timedelta(days=(as_of + timedelta(days=1)).weekday()) - timedelta(days=7)
    series: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for line in source.lines:
        week = line.order_date.date() - timedelta(days=line.order_date.weekday())
        if week > last_week:
            continue
        sub, category = source.subcategory[source.products[line.product_id][6]]
        for key in (("total", "All products"), ("category", category), ("subcategory", sub)):
            series[key][week] += line.qty
    return last_week, series


def test_demand_forecast_covers_the_next_quarter_per_series(pipeline: Pipeline, source: Source) -> None:
    last_week, series = weekly_units(source)
    rows = pipeline.query(
        "select level, series, week_start, forecast_units, lower_80, upper_80, fitted_through, method "
        "from analytics.demand_forecast order by 1, 2, 3"
    )
    by_series: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for r in rows:
        by_series[(r[0], r[1])].append(r)
    assert set(by_series) == set(series)
    weeks = [last_week + timedelta(days=7 * h) for h in range(1, 14)]
    for key, forecast in by_series.items():
        assert [r[2] for r in forecast] == weeks, key
        assert all(0 <= r[4] <= r[3] <= r[5] and r[6] == last_week for r in forecast), key
    # One method per series, from the candidates, named on every week.
    assert all(
        len({r[7] for r in forecast}) == 1 and forecast[0][7] in fc.CANDIDATES for forecast in by_series.values()
    )

    # Revenue follows the units at the series' revenue per unit over its last 26 complete weeks.
    since = last_week - timedelta(weeks=25)
    recent = [line for line in source.lines if since <= line.order_date.date() < last_week + timedelta(days=7)]
    price = float(sum(line.line_total for line in recent)) / sum(line.qty for line in recent)
    revenue = pipeline.query(
        "select forecast_units, forecast_revenue from analytics.demand_forecast "
        "where level = 'total' order by week_start"
    )
    assert all(math.isclose(float(money), units * price, rel_tol=1e-6, abs_tol=1e-4) for units, money in revenue)


def test_forecast_accuracy_scores_only_origins_after_the_first(pipeline: Pipeline, source: Source) -> None:
    last_week, series = weekly_units(source)
    rows = {
        (r[0], r[1]): r[2:]
        for r in pipeline.query(
            "select level, series, origins, weeks_evaluated, actual_units, wape, seasonal_naive_wape, method, "
            "baseline_chosen from analytics.demand_forecast join analytics.forecast_accuracy "
            "using (level, series, method) where week_start = fitted_through + 7"
        )
    }
    assert set(rows) == set(series)
    for key, by_week in series.items():
        first = min(by_week)
        weeks = (last_week - first).days // 7 + 1
        # Origins a quarter apart, the last a quarter before the end, each with 8 weeks before it;
        # the first only chooses, the others are scored.
        windows = sum(1 for k in range(1, fc.BACKTEST_ORIGINS + 1) if weeks - 13 * k >= 8)
        origins, evaluated, actual, wape, naive, method, baseline_chosen = rows[key]
        assert (origins, evaluated) == (max(0, windows - 1), 13 * max(0, windows - 1)), key
        assert baseline_chosen == (method == fc.BASELINE) and method in fc.CANDIDATES
        if origins == 0:
            assert wape is None and naive is None and actual == 0


def test_the_python_checks_fail_on_broken_tables(pipeline: Pipeline, tmp_path: Path) -> None:
    """Each looking-ahead check passes on the built tables and fails, naming what is wrong, once
    a copy of the warehouse is broken the way it guards against."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.settings.warehouse_path, copy)
    warehouse = DuckDBWarehouse(path=str(copy), dlt_dir="")
    assert checks.intervals_contain_forecast(warehouse=warehouse).passed
    assert checks.forecast_no_worse_than_seasonal_naive(warehouse=warehouse).passed
    assert checks.recommendations_no_worse_than_most_popular(warehouse=warehouse).passed
    assert checks.covers_every_sellable_product(warehouse=warehouse).passed
    ((product,),) = pipeline.query("select min(product_id) from analytics.inventory_cover")
    with duckdb.connect(str(copy)) as conn:
        conn.execute("update analytics.demand_forecast set lower_80 = forecast_units + 1 where level = 'total'")
        conn.execute("delete from analytics.inventory_cover where product_id = ?", [product])
        conn.execute(
            "update analytics.forecast_accuracy set wape = 0.6, seasonal_naive_wape = 0.5, actual_units = 100 "
            "where level = 'total'"
        )
        # The procedure chose affinity everywhere, and it never hit.
        conn.execute(
            "update analytics.recommendation_backtest set chosen_here = method = 'affinity', "
            "customers_hit = case when method = 'affinity' then 0 else customers_hit + 1 end"
        )
    intervals = checks.intervals_contain_forecast(warehouse=warehouse)
    assert not intervals.passed and intervals.metadata["weeks_outside_interval"].value == 13
    cover = checks.covers_every_sellable_product(warehouse=warehouse)
    assert not cover.passed and cover.metadata["missing_products"].value == [product]
    accuracy = checks.forecast_no_worse_than_seasonal_naive(warehouse=warehouse)
    assert not accuracy.passed and accuracy.severity.value == "ERROR"
    assert accuracy.metadata["levels_worse_than_baseline"].value == ["total"]
    recommender = checks.recommendations_no_worse_than_most_popular(warehouse=warehouse)
    assert not recommender.passed and recommender.metadata["customers_hit"].value == 0


def test_inventory_cover_for_every_sellable_product(pipeline: Pipeline, source: Source) -> None:
    as_of = max(line.order_date for line in source.lines)
    last_week, _ = weekly_units(source)
    sellable = {
        p
        for p, (_, finished, price, sell_end, *_) in source.products.items()
        if finished and price > 0 and (sell_end is None or datetime.fromisoformat(sell_end) > as_of)
    }
    recent: dict[int, int] = defaultdict(int)
    for line in source.lines:
        if last_week - timedelta(weeks=12) <= line.order_date.date() < last_week + timedelta(days=7):
            recent[line.product_id] += line.qty
    sub_recent: dict[str, int] = defaultdict(int)
    for p in sellable:
        sub_recent[source.subcategory[source.products[p][6]][0]] += recent[p]
    forecast = {
        r[0]: r[1:]
        for r in pipeline.query(
            "select series, sum(forecast_units), sum(upper_80), "
            "sum(case when week_start = fitted_through + 7 then upper_80 else 0 end), max(method) "
            "from analytics.demand_forecast where level = 'subcategory' and week_start <= fitted_through + 28 "
            "group by 1"
        )
    }
    rows = {
        r[0]: r[1:]
        for r in pipeline.query(
            "select product_id, on_hand_qty, safety_stock_level, reorder_point, recent_units, "
            "forecast_units_next_4_weeks, weeks_of_cover, needs_reorder, suggested_order_qty, "
            "demand_next_4_weeks_at_service_level, lead_time_demand_at_service_level, forecast_method "
            "from analytics.inventory_cover"
        )
    }
    assert set(rows) == sellable
    for p in sellable:
        name, _, _, _, safety, reorder, sub_id = source.products[p]
        sub = source.subcategory[sub_id][0]
        share = recent[p] / sub_recent[sub] if sub_recent[sub] else 0.0
        mean, upper, upper_first_week, method = forecast.get(sub, (0.0, 0.0, 0.0, None))
        demand = mean * share
        on_hand = source.on_hand.get(p, 0)
        selling = recent[p] > 0 or demand > 0
        # A week of lead time, at the 90% service level: the first week's upper bound.
        needs = selling and (on_hand <= reorder or on_hand < upper_first_week * share)
        got = rows[p]
        assert got[:4] == (on_hand, safety, reorder, recent[p]), name
        assert math.isclose(got[4], demand, abs_tol=1e-9), name
        assert (got[5] is None) == (demand == 0) and (demand == 0 or math.isclose(got[5], on_hand / (demand / 4)))
        assert math.isclose(got[8], upper * share, abs_tol=1e-9) and math.isclose(got[9], upper_first_week * share)
        order = max(0, math.ceil(reorder + upper * share - on_hand)) if needs else 0
        assert got[6] == needs and got[7] == order, name
        assert got[10] == method
    flags = {r[6] for r in rows.values()}
    assert flags == {True, False}  # some products to reorder, some covered
