"""The generated source: deterministic, keyed, and with totals consistent as in AdventureWorks."""

from __future__ import annotations

import calendar
import hashlib
import itertools
import math
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path

import pytest

from sales_assets.sandbox import baskets, demand, generator, stock, writer
from sales_assets.sandbox.generator import GeneratorConfig, _Weighted, build_rows, generate
from sales_assets.source import tables as t
from sales_assets_tests.conftest import END, SMALL, START
from sales_assets_tests.source_rows import connect, line_money, money

FOUR = Decimal("0.0001")


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    config = replace(SMALL, end=START.replace(day=10))
    first, again = build_rows(config), build_rows(config)
    assert first == again
    other = build_rows(replace(config, seed=config.seed + 1))
    assert other[t.SALES_ORDER_HEADER] != first[t.SALES_ORDER_HEADER]


def test_generate_writes_the_rows_build_rows_makes(small_source: Path) -> None:
    """Streamed in batches, the files hold every row, in order: rowid order is insertion order,
    except where an INTEGER primary key is the rowid."""
    conn = connect(small_source)
    for table, rows in build_rows(SMALL).items():
        written = conn.execute(f"select * from {table.qualified_name} order by rowid").fetchall()
        (key,) = table.primary_key if len(table.primary_key) == 1 else (None,)
        if key and dict(table.columns)[key].startswith("INTEGER"):
            rows = sorted(rows, key=lambda row: row[table.column_names.index(key)])
        assert written == rows, table.qualified_name  # equal as SQLite stores them: 1 == True, 0 == 0.0


def test_weighted_picks_draw_as_random_choices() -> None:
    """The generator's shortcut for `rng.choices(..., cum_weights=...)` must draw the same values."""
    population, weights = list("abcdefgh"), [5, 0, 2.5, 1, 0, 7, 3, 0.5]
    ours, theirs = random.Random(3), random.Random(3)
    picks, cum = _Weighted(population, weights), list(accumulate(weights))
    for k in (1, 3, 72, 0, 5):
        assert picks.picks(ours, k) == theirs.choices(population, cum_weights=cum, k=k)
        assert picks.pick(ours) == theirs.choices(population, cum_weights=cum)[0]


def test_individuals_keep_their_rows_and_mostly_recent_ones_return() -> None:
    individuals = baskets.Individuals({1: 800, 7: 1960})
    first_day = date(2013, 1, 1).toordinal()
    for i in range(2000):  # one customer a day
        assert individuals.append(11000 + i, 1 if i % 3 else 7, 5 + i, first_day + i) == i
    assert [individuals[i] for i in (0, 1)] == [(11000, 7, 5, 1960), (11001, 1, 6, 800)]
    rng, today = random.Random(5), first_day + 1999
    gaps = sorted(today - individuals.created[individuals.returning(rng, today)] for _ in range(4000))
    # Exponential gaps (those beyond the history wrap around into it, a few percent here).
    assert gaps[len(gaps) // 2] == pytest.approx(baskets.RETURN_GAP_DAYS * math.log(2), rel=0.1)
    assert sum(gap > 3 * baskets.RETURN_GAP_DAYS for gap in gaps) / len(gaps) < 0.08


def _digest(directory: Path) -> dict[str, str]:
    """Every entry's bytes: a temporary directory left behind shows as one more entry."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in directory.iterdir()}


TINY = replace(SMALL, end=START + timedelta(days=3))


@pytest.fixture
def existing_source(tmp_path: Path) -> Path:
    directory = tmp_path / "source"
    generate(directory, TINY)
    return directory


def test_failing_generator_leaves_the_existing_source_untouched(
    existing_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(existing_source)
    monkeypatch.setattr(generator, "BATCH_ROWS", 50)  # several batches are written before the failure

    def rate(day: date) -> float:
        if day >= START + timedelta(days=20):
            raise RuntimeError("generator failed")
        return 40.0

    monkeypatch.setattr(generator, "daily_rate", rate)
    with pytest.raises(RuntimeError, match="generator failed"):
        generate(existing_source, SMALL)
    assert _digest(existing_source) == before  # same files, same bytes, no temporary directory left


def test_failing_writer_leaves_the_existing_source_untouched(
    existing_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(existing_source)
    create_indexes = writer.create_indexes

    def fail_late(conn, table: t.SourceTable, schema: str | None = None, led_by_date: bool | None = None) -> None:
        if table is t.SALES_ORDER_DETAIL and led_by_date is False:  # in the worker, after every row
            raise OSError("disk full")
        create_indexes(conn, table, schema, led_by_date)

    monkeypatch.setattr(writer, "create_indexes", fail_late)  # the forked workers inherit it
    with pytest.raises(RuntimeError, match=r"Sales\.sqlite writer"):
        generate(existing_source, SMALL)
    assert _digest(existing_source) == before


def test_killed_generator_leaves_the_existing_source_untouched_and_no_files_behind(existing_source: Path) -> None:
    """SIGKILL runs no cleanup: the workers see their input end, delete their files and exit."""
    before = _digest(existing_source)
    script = f"""
import datetime, os, signal, sys
from sales_assets.sandbox import generator as g

def rate(day):
    if day >= {START + timedelta(days=20)!r}:
        os.kill(os.getpid(), signal.SIGKILL)
    return 40.0

g.BATCH_ROWS, g.daily_rate = 50, rate
g.generate(sys.argv[1], g.{SMALL!r})
"""
    # Waits for the workers too: they hold the output pipes until they exit.
    result = subprocess.run(
        [sys.executable, "-c", script, str(existing_source)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == -9, result.stderr
    deadline = time.monotonic() + 30
    while _digest(existing_source) != before and time.monotonic() < deadline:
        time.sleep(0.1)  # the orphaned workers are still exiting
    assert _digest(existing_source) == before


def test_primary_keys_unique(small_source: Path) -> None:
    conn = connect(small_source)
    for table in t.ALL_TABLES:
        keys = ", ".join(f'"{c}"' for c in table.primary_key)
        total, distinct = conn.execute(
            f"select count(*), (select count(*) from (select distinct {keys} from {table.qualified_name})) "
            f"from {table.qualified_name}"
        ).fetchone()
        assert total > 0, table.qualified_name
        assert total == distinct, f"duplicate keys in {table.qualified_name}"


def test_product_names_are_unique_as_in_adventureworks(small_source: Path) -> None:
    conn = connect(small_source)
    names, distinct = conn.execute("select count(Name), count(distinct Name) from Production.Product").fetchone()
    assert names == distinct == 504


def test_line_and_order_totals_are_exact(small_source: Path) -> None:
    conn = connect(small_source)
    line_sums: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, qty, price, discount, line_total in conn.execute(
        "select SalesOrderID, OrderQty, UnitPrice, UnitPriceDiscount, LineTotal from Sales.SalesOrderDetail"
    ):
        expected = money(price) * (1 - money(discount)) * qty
        assert line_money(line_total) == expected, f"LineTotal of order {order_id}"
        line_sums[order_id] += expected
    headers = conn.execute("select SalesOrderID, SubTotal, TaxAmt, Freight, TotalDue from Sales.SalesOrderHeader")
    for order_id, subtotal, tax, freight, total_due in headers:
        assert money(subtotal) == line_sums[order_id].quantize(FOUR, ROUND_HALF_UP), f"SubTotal of {order_id}"
        assert money(total_due) == money(subtotal) + money(tax) + money(freight), f"TotalDue of {order_id}"
        assert money(tax) > 0 and money(freight) > 0


def test_shape_follows_adventureworks(small_source: Path) -> None:
    conn = connect(small_source)
    lines_per_order = dict(
        conn.execute(
            "select h.OnlineOrderFlag, max(n) from Sales.SalesOrderHeader h join "
            "(select SalesOrderID, count(*) n from Sales.SalesOrderDetail group by 1) d using (SalesOrderID) group by 1"
        ).fetchall()
    )
    assert lines_per_order[1] <= 8 and lines_per_order[0] <= 72
    # Online orders come from individuals, reseller orders from store contacts.
    kinds = dict(
        conn.execute(
            "select h.OnlineOrderFlag, group_concat(distinct "
            "case when c.PersonID is not null and c.StoreID is not null then 'contact' "
            "when c.StoreID is not null then 'store' else 'individual' end) "
            "from Sales.SalesOrderHeader h join Sales.Customer c using (CustomerID) group by 1"
        ).fetchall()
    )
    assert kinds == {1: "individual", 0: "contact"}
    first, last = conn.execute("select min(OrderDate), max(OrderDate) from Sales.SalesOrderHeader").fetchone()
    assert first >= f"{START} 00:00:00" and last < f"{END} 00:00:00"
    assert conn.execute("select count(*) from Sales.SalesOrderDetail where UnitPriceDiscount > 0").fetchone()[0] > 0


def test_returns_reference_real_lines(small_source: Path) -> None:
    conn = connect(small_source)
    bad = conn.execute(
        "select r.SalesReturnID from Sales.SalesReturn r left join Sales.SalesOrderDetail d "
        "using (SalesOrderID, SalesOrderDetailID) left join Sales.SalesOrderHeader h using (SalesOrderID) "
        "where d.SalesOrderID is null or r.ReturnQty < 1 or r.ReturnQty > d.OrderQty "
        f"or r.ReturnDate <= h.OrderDate or r.ReturnDate >= '{END}'"
    ).fetchall()
    assert bad == []
    returned, lines = conn.execute(
        "select (select count(*) from Sales.SalesReturn), (select count(*) from Sales.SalesOrderDetail)"
    ).fetchone()
    assert 0 < returned < lines * 0.2


def test_no_returns_option_omits_the_table(source_without_returns: Path) -> None:
    conn = connect(source_without_returns)
    names = {row[0] for row in conn.execute("select name from Sales.sqlite_master where type = 'table'")}
    assert "SalesReturn" not in names and "SalesOrderHeader" in names


@pytest.mark.parametrize("args", [["--scale", "0.05", "--start", "2014-01-01", "--end", "2014-01-08"]])
def test_cli_generates_and_reports(tmp_path: Path, args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sales_assets.sandbox", "generate", "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Sales.SalesOrderHeader" in out
    assert {p.name for p in tmp_path.glob("*.sqlite")} == {"Sales.sqlite", "Production.sqlite", "Person.sqlite"}


def test_cli_rejects_bad_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sales_assets.sandbox", "generate", "--out", str(tmp_path), "--end", "2010-01-01"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "--end" in result.stderr


# -- demand shape, costs and stock ---------------------------------------------------------------


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


def test_demand_keeps_the_samples_yearly_counts_with_a_season_a_trend_and_channel_rhythms() -> None:
    for year, count in demand._SAMPLE_ORDERS.items():
        days = _days(max(demand.SAMPLE_START, date(year, 1, 1)), min(demand.SAMPLE_END, date(year + 1, 1, 1)))
        assert sum(demand.daily_rate(d) for d in days) == pytest.approx(count, rel=1e-9), year
    year_2015 = _days(date(2015, 1, 1), date(2016, 1, 1))
    assert sum(demand.season(d) for d in year_2015) / 365 == pytest.approx(1, abs=0.002)
    assert demand.season(date(2015, 6, 9)) / demand.season(date(2015, 12, 9)) == pytest.approx(1.25 / 0.75, rel=1e-3)
    # After the sample: mid-2014's level, growing 3% a year, without a jump where the sample ends.
    assert demand.level(date(2014, 7, 1)) == demand.level(date(2014, 6, 30))
    assert demand.level(date(2016, 7, 1)) / demand.level(date(2015, 7, 1)) == pytest.approx(1.03, rel=1e-3)
    # The channels' rhythms move orders within a week or a month, never add or remove any.
    assert sum(demand.online_factor(date(2015, 3, 2) + timedelta(days=i)) for i in range(7)) == pytest.approx(7)
    for month in range(1, 13):
        days = _days(date(2015, month, 1), date(2015 + month // 12, month % 12 + 1, 1))
        factors = [demand.reseller_factor(d) for d in days]
        assert sum(factors) == pytest.approx(len(days))
        assert sum(factors[-5:]) == pytest.approx(demand.MONTH_END_SHARE * len(days))


YEARS = GeneratorConfig(seed=5, scale=0.25, start=date(2012, 1, 1), end=date(2014, 1, 1))


@pytest.fixture(scope="module")
def years_of_rows() -> dict[t.SourceTable, list[tuple]]:
    """Two years of the real sample's shape, in memory (~4k orders)."""
    return build_rows(YEARS)


def _column(table: t.SourceTable, name: str) -> int:
    return table.column_names.index(name)


def test_generated_orders_follow_the_yearly_counts_season_and_month_end(years_of_rows: dict) -> None:
    headers = years_of_rows[t.SALES_ORDER_HEADER]
    order_date, online = _column(t.SALES_ORDER_HEADER, "OrderDate"), _column(t.SALES_ORDER_HEADER, "OnlineOrderFlag")
    by_year = Counter(row[order_date][:4] for row in headers)
    for year in (2012, 2013):
        assert by_year[str(year)] == pytest.approx(demand._SAMPLE_ORDERS[year] * YEARS.scale, rel=0.1), year
    by_month = Counter(row[order_date][5:7] for row in headers if row[order_date].startswith("2013"))
    assert by_month["05"] + by_month["06"] + by_month["07"] > 1.3 * (by_month["01"] + by_month["11"] + by_month["12"])
    reseller_days = [date.fromisoformat(row[order_date][:10]) for row in headers if not row[online]]
    month_end = [d for d in reseller_days if d.day > calendar.monthrange(d.year, d.month)[1] - 5]
    assert len(month_end) / len(reseller_days) > demand.MONTH_END_SHARE - 0.1


def test_cost_history_covers_every_sold_product_in_yearly_periods(years_of_rows: dict) -> None:
    products = {row[0]: dict(zip(t.PRODUCT.column_names, row, strict=True)) for row in years_of_rows[t.PRODUCT]}
    periods: dict[int, list[tuple]] = defaultdict(list)
    for row in years_of_rows[t.PRODUCT_COST_HISTORY]:
        periods[row[0]].append(row)
    sold = {row[_column(t.SALES_ORDER_DETAIL, "ProductID")] for row in years_of_rows[t.SALES_ORDER_DETAIL]}
    assert sold <= set(periods) and all(products[pid]["FinishedGoodsFlag"] for pid in periods)
    starts = ["2012-01-01 00:00:00", "2012-05-30 00:00:00", "2013-05-30 00:00:00"]
    ends = ["2012-05-29 00:00:00", "2013-05-29 00:00:00", None]
    for pid, rows in periods.items():
        product = products[pid]
        assert [row[1] for row in rows] == starts and [row[2] for row in rows] == ends
        costs = [money(row[3]) for row in rows]
        assert all(cost * 10_000 == int(cost * 10_000) for cost in costs)  # exact money
        assert (
            product["StandardCost"] == rows[-1][3] and product["ModifiedDate"] == rows[-1][4] == "2013-05-29 00:00:00"
        )
        list_price = money(product["ListPrice"])
        assert all(Decimal("0.45") * list_price - 1 < cost <= Decimal("0.58") * list_price for cost in costs)
        for before, after in itertools.pairwise(costs):
            assert Decimal("0.95") * before < after < Decimal("1.07") * before, pid  # +-3%, and the pull to 55%
    assert len({tuple(money(row[3]) for row in rows) for rows in periods.values()}) == len(periods)  # costs drift


def test_stock_levels_follow_expected_demand_and_fit_smallint() -> None:
    assert stock.stock_levels(0) == (4, 5)
    assert stock.stock_levels(10) == (20, 30)  # 2 weeks of safety stock, plus a week's lead time
    assert stock.stock_levels(20_000) == (32_767, 32_767)
    rng = random.Random(1)
    assert {stock.on_hand(rng, 30, 10_000) for _ in range(50)} == {29, 32_767}  # selling down, or capped


def test_inventory_snapshot_is_sized_by_recent_demand(years_of_rows: dict) -> None:
    products = {row[0]: dict(zip(t.PRODUCT.column_names, row, strict=True)) for row in years_of_rows[t.PRODUCT]}
    order_date = {
        row[0]: row[_column(t.SALES_ORDER_HEADER, "OrderDate")] for row in years_of_rows[t.SALES_ORDER_HEADER]
    }
    recent_start = f"{YEARS.end - timedelta(weeks=8)} 00:00:00"
    weekly: dict[int, float] = defaultdict(float)
    for row in years_of_rows[t.SALES_ORDER_DETAIL]:
        if order_date[row[0]] >= recent_start:
            weekly[row[4]] += row[3] / 8
    on_hand: dict[int, int] = defaultdict(int)
    locations: dict[int, set[int]] = defaultdict(set)
    for pid, location, shelf, bin_, quantity, _, modified in years_of_rows[t.PRODUCT_INVENTORY]:
        assert 0 <= quantity <= 32_767 and modified == "2013-12-31 00:00:00"
        finished = products[pid]["FinishedGoodsFlag"]
        assert (shelf, bin_) == ("N/A", 0) if finished else (shelf.isalpha() and 1 <= bin_ <= 20)
        on_hand[pid] += quantity
        locations[pid].add(location)
    stocked = {row[0] for row in years_of_rows[t.PRODUCT_COST_HISTORY]}  # the finished goods that sell
    for pid, product in products.items():
        if pid in stocked:
            bike = product["ProductSubcategoryID"] <= 3
            assert locations[pid] == ({7, 60} if bike else {7}), pid
        elif not product["FinishedGoodsFlag"]:
            assert locations[pid] == {1, 6, 50}, pid
        else:
            assert pid not in locations  # never sold
    below = [pid for pid in stocked if on_hand[pid] < products[pid]["ReorderPoint"]]
    assert 0.15 < len(below) / len(stocked) < 0.4
    for pid in stocked:
        quantity, reorder_point = on_hand[pid], products[pid]["ReorderPoint"]
        assert 4 <= products[pid]["SafetyStockLevel"] < reorder_point <= 32_767
        if pid in below:  # selling down: under 2.5 weeks of recent demand
            assert quantity <= 2.5 * weekly[pid] + 1e-9, pid
        else:  # at least the reorder point, and 4 to 16 weeks of recent demand
            assert quantity == reorder_point or 4 * weekly[pid] - 0.5 <= quantity <= 16 * weekly[pid] + 0.5, pid
    # Reorder points are 3 weeks of the demand expected at the end: the recent weeks' demand,
    # seasons aside (demand at year end runs ~24% below the level).
    busy = [pid for pid in stocked if products[pid]["ReorderPoint"] > 20]
    season = sum(demand.season(YEARS.end - timedelta(days=i)) for i in range(1, 57)) / 56
    expected_weekly = sum(products[pid]["ReorderPoint"] for pid in busy) / 3
    assert sum(weekly[pid] for pid in busy) / season == pytest.approx(expected_weekly, rel=0.2)


def test_baskets_hold_companions_and_returning_customers_start_from_them(years_of_rows: dict) -> None:
    """What the recommendations learn: companions are bought together far more often than other
    pairs, and a returning customer's order mostly starts from a companion of their last one."""
    header, detail = t.SALES_ORDER_HEADER, t.SALES_ORDER_DETAIL
    customer_of = {row[0]: row[_column(header, "CustomerID")] for row in years_of_rows[header]}
    online = {row[0] for row in years_of_rows[header] if row[_column(header, "OnlineOrderFlag")]}
    orders: dict[int, list[int]] = defaultdict(list)  # lines in order: the first is the first pick
    for row in years_of_rows[detail]:
        orders[row[0]].append(row[_column(detail, "ProductID")])
    subcategory = {row[0]: row[_column(t.PRODUCT, "ProductSubcategoryID")] for row in years_of_rows[t.PRODUCT]}
    names = [name for name, *_ in generator.ref.SUBCATEGORIES]

    # Pairs within an online order whose subcategories go together (GOES_WITH), against the same
    # lines shuffled across the orders, which is what independent picks would give.
    def goes_with_share(baskets_: list[list[int]]) -> float:
        pairs = [(a, b) for products in baskets_ for a, b in itertools.permutations(set(products), 2)]
        kinds = ((names[subcategory[a] - 1], names[subcategory[b] - 1]) for a, b in pairs)
        return sum(b in baskets.GOES_WITH[a] for a, b in kinds) / len(pairs)

    online_orders = [products for order_id, products in orders.items() if order_id in online]
    lines = [product for products in online_orders for product in products]
    random.Random(1).shuffle(lines)
    sizes = itertools.accumulate(len(products) for products in online_orders)
    shuffled = [lines[end - len(products) : end] for products, end in zip(online_orders, sizes, strict=True)]
    assert goes_with_share(online_orders) > 1.5 * goes_with_share(shuffled)  # 0.39 vs 0.23 here
    # Returning individuals: the first line of an order and of their previous one.
    last_first: dict[int, int] = {}
    returning = companion_starts = 0
    for order_id in sorted(orders):  # order ids follow order dates
        if order_id not in online:
            continue
        customer, first = customer_of[order_id], orders[order_id][0]
        if customer in last_first:
            returning += 1
            previous = names[subcategory[last_first[customer]] - 1]
            companion_starts += names[subcategory[first] - 1] in baskets.GOES_WITH[previous]
        last_first[customer] = first
    assert returning > 300 and companion_starts / returning > baskets.NEXT_ORDER - 0.1


@pytest.fixture(scope="module")
def regime_rows() -> dict[str, dict[t.SourceTable, list[tuple]]]:
    """The same two years under each regime switch (their draws come from streams of their own)."""
    return {regime: build_rows(replace(YEARS, regimes=frozenset([regime]))) for regime in generator.REGIMES}


def _orders_by_day(rows: dict[t.SourceTable, list[tuple]], online: bool | None = None) -> Counter:
    order_date, flag = _column(t.SALES_ORDER_HEADER, "OrderDate"), _column(t.SALES_ORDER_HEADER, "OnlineOrderFlag")
    return Counter(
        date.fromisoformat(row[order_date][:10])
        for row in rows[t.SALES_ORDER_HEADER]
        if online is None or bool(row[flag]) == online
    )


def test_regimes_change_what_they_say_and_nothing_else(years_of_rows: dict, regime_rows: dict) -> None:
    default_orders = sum(_orders_by_day(years_of_rows).values())
    # launches: every line of a product falls inside its SellStartDate .. SellEndDate.
    rows = regime_rows["launches"]
    start, end = _column(t.PRODUCT, "SellStartDate"), _column(t.PRODUCT, "SellEndDate")
    window = {row[0]: (row[start][:10], row[end][:10] if row[end] else "9999") for row in rows[t.PRODUCT]}
    launched = {p for p, (first, _) in window.items() if first > YEARS.start.isoformat()}
    assert len(launched) > 20 and sum(1 for _, last in window.values() if last != "9999") > 5
    product, modified = _column(t.SALES_ORDER_DETAIL, "ProductID"), _column(t.SALES_ORDER_DETAIL, "ModifiedDate")
    assert all(window[r[product]][0] <= r[modified][:10] < window[r[product]][1] for r in rows[t.SALES_ORDER_DETAIL])
    # weak_baskets: pairs of products on an order are about as frequent as their popularity says.
    assert strong_pair_share(regime_rows["weak_baskets"]) < 0.02 < 0.1 < strong_pair_share(years_of_rows)
    # intermittent: a twentieth of the orders; level_shift: half from two thirds of the way in.
    assert sum(_orders_by_day(regime_rows["intermittent"]).values()) == pytest.approx(default_orders / 20, rel=0.2)
    cut = YEARS.start + (YEARS.end - YEARS.start) * 2 / 3

    def after_over_before(by_day: Counter) -> float:
        return sum(n for d, n in by_day.items() if d >= cut) / sum(n for d, n in by_day.items() if d < cut)

    shift = after_over_before(_orders_by_day(regime_rows["level_shift"]))
    assert shift / after_over_before(_orders_by_day(years_of_rows)) == pytest.approx(0.5, rel=0.1)
    # no_month_end: resellers order on a month's last five days no more than their share of days.
    resellers = _orders_by_day(regime_rows["no_month_end"], online=False)
    month_end = sum(n for d, n in resellers.items() if d.day > calendar.monthrange(d.year, d.month)[1] - 5)
    assert month_end / sum(resellers.values()) < 0.25


def strong_pair_share(rows: dict[t.SourceTable, list[tuple]]) -> float:
    """Of the times two products share an online order (pairs on 5 orders or more), the share on
    pairs bought together over three times as often as their popularity alone would have them.
    Online only: resellers' bulk orders of their own favourites pair products by channel alone."""
    order, product = _column(t.SALES_ORDER_DETAIL, "SalesOrderID"), _column(t.SALES_ORDER_DETAIL, "ProductID")
    flag = _column(t.SALES_ORDER_HEADER, "OnlineOrderFlag")
    online = {row[0] for row in rows[t.SALES_ORDER_HEADER] if row[flag]}
    baskets_by_order: dict[int, set[int]] = defaultdict(set)
    for row in rows[t.SALES_ORDER_DETAIL]:
        if row[order] in online:
            baskets_by_order[row[order]].add(row[product])
    with_product: Counter = Counter(p for basket in baskets_by_order.values() for p in basket)
    pairs = (pair for basket in baskets_by_order.values() for pair in itertools.combinations(sorted(basket), 2))
    together: Counter = Counter(pairs)
    n = len(baskets_by_order)
    counted = {pair: k for pair, k in together.items() if k >= 5}
    strong = sum(k for (p, q), k in counted.items() if k * n > 3 * with_product[p] * with_product[q])
    return strong / sum(counted.values())
