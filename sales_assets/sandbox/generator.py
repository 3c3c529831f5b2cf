"""A deterministic AdventureWorks-shaped sales source, written as the embedded SQLite files.

Shape follows `shared/adventureworks/SCHEMA.md`: online orders from individuals (1-8 lines, mean
~2.2) and reseller orders from store contacts (1-72 lines, mean ~16). Daily volumes (see `demand`)
match the real sample's yearly counts for 2011-2014 and grow slowly after, so the demo looks like a
live business up to yesterday, with a yearly season, a weekly rhythm online and resellers ordering
at month end for a forecast to find. Money is computed in integer ten-thousandths (money) and
millionths (LineTotal) so every total is exact: LineTotal = UnitPrice * (1 - UnitPriceDiscount) *
OrderQty, SubTotal = SUM(LineTotal) rounded to money, TotalDue = SubTotal + TaxAmt + Freight.

Products carry a yearly cost history (Product.StandardCost is the current period's cost), stock
levels set for their expected demand, and a snapshot of on-hand stock at the end of the history
(see `stock`). These draw from their own random stream, so they do not move the orders.

Rows stream: the generator hands its rows to a sink in batches (every `BATCH_ROWS` order lines),
and `generate`'s sink sends them to the writer's per-schema processes, which insert them as they
arrive. So memory stays bounded at any --scale (holding every row took ~8.5 GB at --scale 10),
and generating, the slower half, runs on one core while SQLite inserts on the other. The only
state kept for the whole run is the individual customers who may order again, stored compactly,
and the units sold per product in the last 8 weeks, which the stock snapshot is sized by.

Why one module of ~500 lines: it is one pass over the days (customers, orders, lines, returns,
stock) whose parts share the random stream that makes a seed reproducible; the data it draws on
lives beside it (reference_data, demand, baskets, stock).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from sales_assets.sandbox import baskets, stock
from sales_assets.sandbox import reference_data as ref
from sales_assets.sandbox.demand import daily_rate, level, online_factor, reseller_factor
from sales_assets.sandbox.writer import SourceWriter
from sales_assets.source import tables as t

FIRST_ORDER_ID = 43659  # AdventureWorks' first SalesOrderID
FIRST_INDIVIDUAL_ID = 11000
MONEY = 10_000  # money has four decimals
_ONLINE_LINES = [(1, 45), (2, 25), (3, 14), (4, 8), (5, 4), (6, 2), (7, 1), (8, 1)]
_ONLINE_QTY = 0.9 * 1 + 0.1 * 2.5  # mean units per online line: 1, else 2-3
# Reseller orders: 1 + an exponential number of lines (mean 15), at most 72; 1 + an exponential
# number of units per line (rate 0.3).
_RESELLER_EXTRA_LINES, _RESELLER_MAX_LINES, _RESELLER_QTY_RATE = 15, 72, 0.3
_RESELLER_QTY = 1 + 1 / math.expm1(_RESELLER_QTY_RATE)  # 1 + E[floor(X)], X ~ Exp(0.3)
_RESELLER_SHARE = 0.12
_NEW_CUSTOMER_PROBABILITY = 0.65  # ~1.5 orders per individual customer, as in the sample
# Order lines per batch handed to the sink (other tables' batches are smaller): large enough that
# per-batch costs vanish, small enough to keep a few MB in flight.
BATCH_ROWS = 20_000

# Takes a batch of rows per table, and must be done with the lists when it returns: they are reused.
Sink = Callable[[dict[t.SourceTable, list[tuple]]], None]
T = TypeVar("T")


# Switches for histories unlike the default, where a model tuned to the default can be proved
# wrong (tests/regimes and README, "Predictions"). Short histories come from --start alone.
REGIMES = {
    "weak_baskets": "every line picked by popularity alone: no product goes with another, in an order or the next",
    "launches": "half the products launched mid-history, a third of those discontinued later (SellStart/EndDate)",
    "intermittent": "a twentieth of the orders: most subcategories sell in some weeks only",
    "no_month_end": "resellers order on any day of the month, not mostly in its last days",
    "level_shift": "demand halves from two thirds of the way through the history, as when a big account leaves",
}
_INTERMITTENT_RATE = 0.05
_LEVEL_SHIFT_AT, _LEVEL_SHIFT = 2 / 3, 0.5


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 42
    scale: float = 1.0
    start: date = date(2011, 5, 31)
    end: date = field(default_factory=date.today)  # exclusive: the default stops at yesterday
    returns: bool = True
    regimes: frozenset[str] = frozenset()  # names from REGIMES

    def __post_init__(self) -> None:
        if unknown := set(self.regimes) - set(REGIMES):
            raise ValueError(f"unknown regime(s) {sorted(unknown)}: choose from {sorted(REGIMES)}")


def _ts(d: date) -> str:
    """SQL Server datetime as ISO text, the embedded source's storage format."""
    return f"{d.isoformat()} 00:00:00"


def _money(units: int) -> float:
    # SQLite stores NUMERIC as REAL; a float keeps 15+ significant digits, and readers round
    # back to the declared scale (SQLAlchemy does), so values round-trip exactly.
    return units / MONEY


def source_tables(config: GeneratorConfig) -> list[t.SourceTable]:
    """The tables a config generates, in contract order: Sales.SalesReturn only with returns."""
    return [table for table in t.ALL_TABLES if config.returns or table is not t.SALES_RETURN]


class _OrderDates(NamedTuple):
    """One order date's timestamps; ship_ts is None for orders not shipped before the end."""

    day: date
    order_ts: str
    due_ts: str
    ship_ts: str | None


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation; exact enough for daily volumes
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class _Weighted(Generic[T]):
    """Weighted random picks, drawn exactly as `rng.choices(population, cum_weights=...)` draws
    them: one `rng.random()` per pick, bisected into the cumulative weights. `choices` checks its
    arguments on every call, which costs four times the pick (~8M calls at --scale 10)."""

    def __init__(self, population: Sequence[T], weights: Iterable[float]) -> None:
        self.population = population
        self.cum_weights = list(accumulate(weights))
        self.total = self.cum_weights[-1] + 0.0
        self.hi = len(population) - 1

    def pick(self, rng: random.Random) -> T:
        return self.population[bisect(self.cum_weights, rng.random() * self.total, 0, self.hi)]

    def picks(self, rng: random.Random, k: int) -> list[T]:
        population, cum_weights, total, hi, draw = self.population, self.cum_weights, self.total, self.hi, rng.random
        return [population[bisect(cum_weights, draw() * total, 0, hi)] for _ in range(k)]


_ONLINE_LINE_COUNTS = _Weighted([n for n, _ in _ONLINE_LINES], [w for _, w in _ONLINE_LINES])
# P(an order has n picks), for expected demand.
_ONLINE_PICKS = [(n, w / sum(w for _, w in _ONLINE_LINES)) for n, w in _ONLINE_LINES]
_RESELLER_PICKS = [
    (n, math.exp(-(n - 1) / _RESELLER_EXTRA_LINES) - (n < _RESELLER_MAX_LINES) * math.exp(-n / _RESELLER_EXTRA_LINES))
    for n in range(1, _RESELLER_MAX_LINES + 1)
]


def _lines_per_order(picks: list[tuple[int, float]], q: float) -> float:
    """Expected lines of a product picked with probability `q` per pick: an order lists it once."""
    return sum(p * (1 - (1 - q) ** n) for n, p in picks)


def _guid(rng: random.Random) -> str:
    # ~20M calls at --scale 10, where formatting costs more than the draw: bytes.hex is the quickest.
    h = rng.getrandbits(128).to_bytes(16).hex().upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Generator:
    def __init__(self, config: GeneratorConfig, sink: Sink) -> None:
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.guid = partial(_guid, self.rng)
        self.stock_rng = random.Random(f"{config.seed} stock")  # costs and stock: apart from the orders
        self.basket_rng = random.Random(f"{config.seed} baskets")  # companions: apart from the orders
        self.last_day = max(config.start, config.end - timedelta(days=1))
        self.sink = sink
        self.rows: dict[t.SourceTable, list[tuple]] = {table: [] for table in source_tables(config)}
        # The tables that get a row per customer, bound once: hashing a SourceTable (all its
        # columns) on every append would cost more than the append.
        self.addresses, self.people, self.customers = (self.rows[x] for x in (t.ADDRESS, t.PERSON, t.CUSTOMER))
        self.entity_id = 0
        self.address_id = 0
        self.stamp = _ts(config.start)
        self.store_contacts: list[tuple[int, int, int, int]] = []  # customer, territory, address, tax
        self.next_customer = FIRST_INDIVIDUAL_ID  # store customers take 1..n, people from here

    def run(self) -> None:
        self.reference()
        self.stores()
        self.orders()
        self.inventory()
        self.flush()

    def flush(self) -> None:
        """Hand the rows generated since the last flush to the sink."""
        self.sink(self.rows)
        for batch in self.rows.values():
            batch.clear()  # in place: the methods append to these lists

    # -- reference data -------------------------------------------------------------------
    def reference(self) -> None:
        for code, name in ref.COUNTRY_REGIONS:
            self.rows[t.COUNTRY_REGION].append((code, name, self.stamp))
        for tid, name, country, group, _ in ref.TERRITORIES:
            self.rows[t.SALES_TERRITORY].append(
                (tid, name, country, group, 0.0, 0.0, 0.0, 0.0, self.guid(), self.stamp)
            )
        self.tax_by_territory = {tid: tax for tid, *_, tax in ref.TERRITORIES}
        self.individuals = baskets.Individuals(self.tax_by_territory)
        self.states: list[tuple[int, int, tuple[str, ...]]] = []
        for i, (code, country, name, tid, _, cities) in enumerate(ref.STATE_PROVINCES, start=1):
            self.rows[t.STATE_PROVINCE].append((i, code, country, False, name, tid, self.guid(), self.stamp))
            self.states.append((i, tid, cities))
        self.state_picks = _Weighted(self.states, [w for *_, w, _ in ref.STATE_PROVINCES])
        for i, name in enumerate(ref.CATEGORIES, start=1):
            self.rows[t.PRODUCT_CATEGORY].append((i, name, self.guid(), self.stamp))
        for i, (name, cat, *_) in enumerate(ref.SUBCATEGORIES, start=1):
            self.rows[t.PRODUCT_SUBCATEGORY].append((i, cat, name, self.guid(), self.stamp))
        self.products()
        self.offers()

    def products(self) -> None:
        rng = self.rng
        # Per sold product: (ProductID, list price units, subcategory index, online w, reseller w)
        self.catalog: list[tuple[int, int, int]] = []
        online_w: list[float] = []
        reseller_w: list[float] = []
        self.return_rate: dict[int, float] = {}
        finished: list[list] = []  # the finished goods' rows, completed by plan_stock
        regimes = self.cfg.regimes
        # The regimes' draws come from streams of their own: the default's orders never move.
        launches = random.Random(f"{self.cfg.seed} launches") if "launches" in regimes else None
        self.on_sale: dict[int, tuple[int, int]] | None = {} if launches else None
        self.on_sale_day = self.cfg.start.toordinal()
        self.mates_on = "weak_baskets" not in regimes
        self.in_order = baskets.IN_ORDER if self.mates_on else 0.0
        pid = 680  # AdventureWorks' finished goods start near here
        for sub_idx, ((name, cat, (lo, hi), w_on, w_re, ret), count) in enumerate(
            zip(ref.SUBCATEGORIES, ref.PRODUCTS_PER_SUBCATEGORY, strict=True)
        ):
            sized = cat in (1, 3) or "Frame" in name  # bikes, frames and clothing come in sizes
            sizes = ref.SIZES_CLOTHING if cat == 3 else ref.SIZES_BIKE
            zipf = [1 / (rank + 1) ** 1.1 for rank in range(count)]
            rng.shuffle(zipf)
            total = sum(zipf)
            for i in range(count):
                color = rng.choice(ref.COLORS)
                size = sizes[i % len(sizes)] if sized else None
                # A model comes in every size; names are unique, as Product.Name is.
                prod_name = f"{name.rstrip('s')} {100 * (1 + (i // len(sizes) if sized else i))}"
                prod_name += f" {color or 'Natural'}" + (f", {size}" if size else "")
                price = rng.randint(lo * 100, hi * 100) * 100 if hi > lo else lo * MONEY - 100
                discontinued = rng.random() < 0.1  # some finished goods never sell
                finished.append([pid, prod_name, f"{name[:2].upper()}-{pid:04d}", cat in (1, 2), True,
                    color, None, None, _money(price * 55 // 100), _money(price), size,
                    "CM " if size and cat == 1 else None, "LB " if cat == 1 else None,
                    round(rng.uniform(15, 30), 2) if cat == 1 else None, 4 if cat == 1 else 0,
                    "M " if "Mountain" in name else "R ", None, None, sub_idx + 1, 1 + sub_idx * 3 + i % 3,
                    _ts(self.cfg.start), None, None, self.guid(), self.stamp])  # fmt: skip
                share = 0.0 if discontinued else zipf[i] / total
                if launches is not None and share:
                    finished[-1][20], finished[-1][21] = self.sale_window(launches, pid)
                self.catalog.append((pid, price, sub_idx))
                online_w.append(w_on * share)
                reseller_w.append(w_re * share)
                self.return_rate[pid] = 0.025 * ret * rng.uniform(0.5, 1.5)
                pid += 1
        names = [name for name, *_ in ref.SUBCATEGORIES]
        self.online_mates = baskets.companions(self.basket_rng, self.catalog, online_w, names)
        self.reseller_mates = baskets.companions(self.basket_rng, self.catalog, reseller_w, names)
        self.plan_stock(
            finished,
            baskets.pick_shares(online_w, self.catalog, self.online_mates),
            baskets.pick_shares(reseller_w, self.catalog, self.reseller_mates),
        )
        self.parts = range(pid, pid + ref.PART_PRODUCTS)
        for i in range(ref.PART_PRODUCTS):
            self.rows[t.PRODUCT].append((pid, f"Part {i + 1:03d}", f"PT-{pid:04d}", True, False, None, 500, 375,
                0.0, 0.0, None, None, None, None, 1, None, None, None, None, None, _ts(self.cfg.start), None,
                None, self.guid(), self.stamp))  # fmt: skip
            pid += 1
        self.online_picks = _Weighted(self.catalog, online_w)
        self.reseller_picks = _Weighted(self.catalog, reseller_w)

    def sale_window(self, rng: random.Random, product_id: int) -> tuple[str, str | None]:
        """SellStartDate and SellEndDate of a product in the "launches" regime: half launched in the
        middle of the history, a third of those discontinued between their launch and the end."""
        start, end = self.cfg.start.toordinal(), self.cfg.end.toordinal()
        first, last = start, end + 1
        if rng.random() < 0.5:
            first = rng.randint(start + (end - start) // 5, start + 4 * (end - start) // 5)
            if rng.random() < 1 / 3:
                last = rng.randint(first + (end - first) // 3, end)
        self.on_sale[product_id] = (first, last)  # type: ignore[index]
        return _ts(date.fromordinal(first)), _ts(date.fromordinal(last)) if last <= end else None

    def plan_stock(self, finished: list[list], online_q: list[float], reseller_q: list[float]) -> None:
        """Complete the finished goods' rows: stock levels for their expected demand at the end of
        the history, and, for those that sell, a cost history whose current cost is StandardCost.
        `online_q` and `reseller_q` are each product's share of a channel's picks."""
        cfg, rng, history = self.cfg, self.stock_rng, self.rows[t.PRODUCT_COST_HISTORY]
        orders = level(self.last_day) * cfg.scale  # the channels' weekly and monthly rhythms average out
        online, reseller = orders * (1 - _RESELLER_SHARE), orders * _RESELLER_SHARE
        # (ProductID, ReorderPoint, is a bike) of the products that sell: inventory() stocks them.
        self.stocked: list[tuple[int, int, bool]] = []
        for row, (pid, price, sub_idx), q_on, q_re in zip(finished, self.catalog, online_q, reseller_q, strict=True):
            daily_units = (
                online * _lines_per_order(_ONLINE_PICKS, q_on) * _ONLINE_QTY
                + reseller * _lines_per_order(_RESELLER_PICKS, q_re) * _RESELLER_QTY
            )
            row[6], row[7] = stock.stock_levels(7 * daily_units)  # SafetyStockLevel, ReorderPoint
            if q_on or q_re:
                periods = stock.cost_periods(rng, price * 55 // 100, price, cfg.start, cfg.end)
                for p in periods:
                    history.append((pid, _ts(p.start), p.end and _ts(p.end), _money(p.cost), _ts(p.modified)))
                # StandardCost is the current cost, written when its period was entered.
                row[8], row[-1] = _money(periods[-1].cost), _ts(periods[-1].modified)
                self.stocked.append((pid, row[7], ref.SUBCATEGORIES[sub_idx][1] == 1))
            self.rows[t.PRODUCT].append(tuple(row))

    def offers(self) -> None:
        end = _ts(max(self.cfg.end, self.cfg.start + timedelta(days=1)))
        self.promotions: dict[int, list[tuple[int, int]]] = {}
        subcat_index = {name: i for i, (name, *_) in enumerate(ref.SUBCATEGORIES)}
        for oid, desc, pct, typ, cat, min_q, max_q, subcat in ref.SPECIAL_OFFERS:
            self.rows[t.SPECIAL_OFFER].append((oid, desc, pct / 100, typ, cat, _ts(self.cfg.start), end, min_q,
                max_q, self.guid(), self.stamp))  # fmt: skip
            if subcat:
                self.promotions.setdefault(subcat_index[subcat], []).append((oid, pct))
        self.volume_bands = [(o[5], o[6] or 10**6, o[0], o[2]) for o in ref.SPECIAL_OFFERS if o[3] == "Volume Discount"]

    # -- people, stores, customers ----------------------------------------------------------
    def address(self, when: str) -> tuple[int, int]:
        rng = self.rng
        state_id, territory, cities = self.state_picks.pick(rng)
        self.address_id += 1
        self.addresses.append((self.address_id, f"{rng.randint(1, 9999)} {rng.choice(ref.STREETS)}", None,
            rng.choice(cities), state_id, f"{rng.randint(10000, 99999)}", self.guid(), when))  # fmt: skip
        return self.address_id, territory

    def person(self, person_type: str, when: str) -> int:
        rng = self.rng
        self.entity_id += 1
        self.people.append((self.entity_id, person_type, False, None, rng.choice(ref.FIRST_NAMES),
            rng.choice("ABCDEHJLMRST") + "." if rng.random() < 0.5 else None, rng.choice(ref.LAST_NAMES), None,
            rng.randint(0, 2), self.guid(), when))  # fmt: skip
        return self.entity_id

    def customer(self, customer_id: int, person: int | None, store: int | None, territory: int, when: str) -> None:
        self.customers.append((customer_id, person, store, territory, f"AW{customer_id:08d}", self.guid(), when))

    def stores(self) -> None:
        rng = self.rng
        for store_customer in range(1, max(3, round(701 * self.cfg.scale)) + 1):
            self.entity_id += 1
            store = self.entity_id
            name = f"{rng.choice(ref.STORE_WORDS[0])} {rng.choice(ref.STORE_WORDS[1])}"
            self.rows[t.STORE].append((store, name, rng.randint(274, 290), self.guid(), self.stamp))
            address, territory = self.address(self.stamp)
            self.customer(store_customer, None, store, territory, self.stamp)
            if rng.random() < 635 / 701:  # most stores have a contact, who places the orders
                contact = self.new_customer_id()
                self.customer(contact, self.person("SC", self.stamp), store, territory, self.stamp)
                self.store_contacts.append((contact, territory, address, self.tax_by_territory[territory]))
            if len(self.customers) >= BATCH_ROWS:
                self.flush()
        if not self.store_contacts:
            raise ValueError("--scale is too small: no store contact to place reseller orders")

    def new_customer_id(self) -> int:
        self.next_customer += 1
        return self.next_customer - 1

    def individual(self, dates: _OrderDates) -> int:
        """The index in `individuals` of the person placing an online order: a returning one, or
        a new one."""
        if self.individuals and self.rng.random() >= _NEW_CUSTOMER_PROBABILITY:
            return self.individuals.returning(self.rng, dates.day.toordinal())
        # ModifiedDate is when the rows were written, as the application stamps it: the reference
        # tables' incremental loads select by it.
        address, territory = self.address(dates.order_ts)
        customer_id = self.new_customer_id()
        self.customer(customer_id, self.person("IN", dates.order_ts), None, territory, dates.order_ts)
        return self.individuals.append(customer_id, territory, address, dates.day.toordinal())

    # -- orders -----------------------------------------------------------------------------
    def orders(self) -> None:
        self.order_id, self.detail_id, self.return_id = FIRST_ORDER_ID, 1, 1
        self.headers, self.details = self.rows[t.SALES_ORDER_HEADER], self.rows[t.SALES_ORDER_DETAIL]
        self.sales_returns = self.rows.get(t.SALES_RETURN, [])
        # Units sold per product in the last 8 weeks, the demand the stock snapshot is sized by.
        self.recent_start = max(self.cfg.start, self.cfg.end - timedelta(weeks=8))
        self.recent_units: dict[int, int] = {}
        self.recent: dict[int, int] | None = None  # recent_units while in those weeks
        self.shift_day = self.cfg.start + (self.cfg.end - self.cfg.start) * _LEVEL_SHIFT_AT
        day = self.cfg.start
        while day < self.cfg.end:
            self.day(day)
            day += timedelta(days=1)

    def day(self, day: date) -> None:
        rng, end, regimes = self.rng, self.cfg.end, self.cfg.regimes
        lam = daily_rate(day) * self.cfg.scale
        if regimes:
            lam *= _INTERMITTENT_RATE if "intermittent" in regimes else 1.0
            lam *= _LEVEL_SHIFT if "level_shift" in regimes and day >= self.shift_day else 1.0
        self.on_sale_day = day.toordinal()
        n_online = _poisson(rng, lam * (1 - _RESELLER_SHARE) * online_factor(day))
        resellers = 1.0 if "no_month_end" in regimes else reseller_factor(day)
        n_reseller = _poisson(rng, lam * _RESELLER_SHARE * resellers)
        self.recent = self.recent_units if day >= self.recent_start else None
        ship = day + timedelta(days=7)
        dates = _OrderDates(day, _ts(day), _ts(day + timedelta(days=12)), _ts(ship) if ship < end else None)
        for is_online in [True] * n_online + [False] * n_reseller:
            self.order(dates, is_online)
            if len(self.details) >= BATCH_ROWS:  # the largest table: the others' batches are smaller
                self.flush()

    def order(self, dates: _OrderDates, is_online: bool) -> None:
        rng, order_id, order_ts, ship_ts = self.rng, self.order_id, dates.order_ts, dates.ship_ts
        if is_online:
            index = self.individual(dates)
            customer, territory, address, tax_bp = self.individuals[index]
            # A returning customer often starts from a companion of what they bought last time.
            last = self.online_mates.get(self.individuals.last_products[index]) if self.mates_on else None
            first = rng.choice(last) if last and rng.random() < baskets.NEXT_ORDER else None
            picks = self.basket(self.online_picks, self.online_mates, _ONLINE_LINE_COUNTS.pick(rng), first)
            self.individuals.last_products[index] = picks[0][0]
        else:
            customer, territory, address, tax_bp = rng.choice(self.store_contacts)
            n_lines = min(_RESELLER_MAX_LINES, 1 + int(rng.expovariate(1 / _RESELLER_EXTRA_LINES)))
            picks = self.basket(self.reseller_picks, self.reseller_mates, n_lines)
        tracking = None if is_online else f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}C-{rng.randint(10, 99)}"
        subtotal = (self.lines(dates, is_online, picks, tracking) + 50) // 100  # round half up to money
        tax = (subtotal * tax_bp + 5_000) // 10_000
        freight = (subtotal * 250 + 5_000) // 10_000
        self.headers.append((order_id, 8, order_ts, dates.due_ts, ship_ts, 1 if ship_ts is None else 5, is_online,
            f"SO{order_id}", None if is_online else f"PO{rng.randint(10**9, 10**10 - 1)}",
            f"10-4020-{customer:06d}", customer, None if is_online else rng.randint(274, 290), territory,
            address, address, 1 if is_online else 5, rng.randint(1, 19237) if is_online else None,
            f"{rng.randint(100000, 999999)}Vi{rng.randint(10000, 99999)}" if is_online else None, None,
            _money(subtotal), _money(tax), _money(freight), _money(subtotal + tax + freight), None,
            self.guid(), ship_ts or order_ts))  # fmt: skip
        self.order_id += 1

    def basket(
        self,
        popular: _Weighted[tuple[int, int, int]],
        mates: dict[int, list[tuple[int, int, int]]],
        n_picks: int,
        first: tuple[int, int, int] | None = None,
    ) -> list[tuple[int, int, int]]:
        """An order's picks (repeats allowed; `lines` lists a product once): the first by
        popularity unless given, each further one a companion of an earlier pick or by popularity."""
        rng = self.rng
        draw = rng.random
        picks = [first or popular.pick(rng)]
        for _ in range(n_picks - 1):
            companions = mates.get(picks[int(draw() * len(picks))][0]) if draw() < self.in_order else None
            picks.append(companions[int(draw() * len(companions))] if companions else popular.pick(rng))
        if self.on_sale is not None:
            picks = [pick if self.is_on_sale(pick[0]) else self.on_sale_pick(popular) for pick in picks]
        return picks

    def is_on_sale(self, product_id: int) -> bool:
        first, last = self.on_sale[product_id]  # type: ignore[index]
        return first <= self.on_sale_day < last

    def on_sale_pick(self, popular: _Weighted[tuple[int, int, int]]) -> tuple[int, int, int]:
        """A pick by popularity among the products on sale that day (the "launches" regime)."""
        for _ in range(100):
            pick = popular.pick(self.rng)
            if self.is_on_sale(pick[0]):
                return pick
        return pick  # a day when almost nothing is on sale: sold anyway rather than an empty order

    def lines(
        self, dates: _OrderDates, is_online: bool, picks: list[tuple[int, int, int]], tracking: str | None
    ) -> int:
        """Append the order's lines (and their returns); returns the sum of LineTotal in millionths."""
        # ~11M lines at --scale 10: the loop reads locals rather than attributes.
        rng, order_id, order_ts, end = self.rng, self.order_id, dates.order_ts, self.cfg.end
        details, detail_id, guid = self.details, self.detail_id, self.guid
        returns, return_rate, promotions, recent = self.cfg.returns, self.return_rate, self.promotions, self.recent
        seen: set[int] = set()
        line_sum = 0
        for pid, price, sub_idx in picks:
            if pid in seen:
                continue
            seen.add(pid)
            if is_online:
                qty = 1 if rng.random() < 0.9 else rng.randint(2, 3)
                unit = price
            else:
                qty = 1 + int(rng.expovariate(_RESELLER_QTY_RATE))
                unit = price * 6 // 10  # reseller price: 60% of list, exact in cents
            if recent is not None:
                recent[pid] = recent.get(pid, 0) + qty
            offer, pct = 1, 0
            if not is_online and qty >= 11 and rng.random() < 0.6:
                for lo, hi, oid, band_pct in self.volume_bands:
                    if lo <= qty <= hi:
                        offer, pct = oid, band_pct
            elif sub_idx in promotions and rng.random() < 0.04:
                offer, pct = rng.choice(promotions[sub_idx])
            line_total = unit * (100 - pct) * qty  # ten-thousandths x hundredths
            line_sum += line_total
            details.append((order_id, detail_id, tracking, qty, pid, offer, _money(unit), pct / 100,
                line_total / 1_000_000, guid(), order_ts))  # fmt: skip
            if returns and rng.random() < return_rate[pid]:
                returned = dates.day + timedelta(days=rng.randint(3, 45))
                if returned < end:
                    self.sales_returns.append((self.return_id, order_id, detail_id, _ts(returned),
                        rng.randint(1, qty), rng.choice(ref.RETURN_REASONS), _ts(returned)))  # fmt: skip
                    self.return_id += 1
            detail_id += 1
        self.detail_id = detail_id
        return line_sum

    # -- stock --------------------------------------------------------------------------------
    def inventory(self) -> None:
        """On-hand stock at the end of the history: the finished goods that sell, and the parts."""
        rng, rows, stamp = self.stock_rng, self.rows[t.PRODUCT_INVENTORY], _ts(self.last_day)
        weeks = max(1, (self.cfg.end - self.recent_start).days) / 7
        for pid, reorder_point, is_bike in self.stocked:
            units = stock.on_hand(rng, reorder_point, self.recent_units.get(pid, 0) / weeks)
            assembly = stock.at_final_assembly(rng, units) if is_bike else 0
            # Finished goods sit on no shelf: Shelf 'N/A' and Bin 0, as AdventureWorks' CHECKs allow.
            rows.append((pid, ref.FINISHED_GOODS_STORAGE, "N/A", 0, units - assembly, _guid(rng), stamp))
            if is_bike:
                rows.append((pid, ref.FINAL_ASSEMBLY, "N/A", 0, assembly, _guid(rng), stamp))
        for pid in self.parts:  # never sold, so their stock does not move
            for location, shelf in ref.PART_LOCATIONS:
                rows.append((pid, location, shelf, rng.randint(1, 20), rng.randint(100, 800), _guid(rng), stamp))


def build_rows(config: GeneratorConfig) -> dict[t.SourceTable, list[tuple]]:
    """All rows of the source in memory, as `generate` writes them; for tests and small configs."""
    rows: dict[t.SourceTable, list[tuple]] = {table: [] for table in source_tables(config)}

    def collect(batches: dict[t.SourceTable, list[tuple]]) -> None:
        for table, batch in batches.items():
            rows[table].extend(batch)

    _Generator(config, collect).run()
    return rows


def generate(out_dir: Path, config: GeneratorConfig) -> dict[str, int]:
    """Generate the embedded source into `out_dir`, streaming; returns rows written per table.

    The files appear in `out_dir` only once complete (see `SourceWriter`): a failure leaves an
    existing source as it was.
    """
    tables = source_tables(config)
    counts = dict.fromkeys(tables, 0)
    with SourceWriter(out_dir, tables) as writer:

        def write(batches: dict[t.SourceTable, list[tuple]]) -> None:
            for table, batch in batches.items():
                counts[table] += len(batch)
            writer.write(batches)

        _Generator(config, write).run()
    return {table.qualified_name: n for table, n in counts.items()}
