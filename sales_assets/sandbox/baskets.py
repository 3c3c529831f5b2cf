"""What customers buy together, and when they come back: the structure recommendations can learn.

Picking every line of an order independently by popularity leaves nothing for "bought together"
to find: a recommender can then do no better than recommending the most popular products. Real
baskets are not like that, so the generator picks a line either by popularity or as a companion
of a product already in the order, and a returning customer often starts from a companion of
what they bought last time:

- Each product sold has `COMPANIONS` companions in the subcategories that go with its own (a
  touring bike with panniers, racks and fenders; a jersey with shorts and socks), drawn once, by
  the channel's popularity, from a stream of their own.
- After an order's first line, each further pick is a companion of an earlier line with
  probability `IN_ORDER`; a returning individual's first pick is a companion of their previous
  order's first product with probability `NEXT_ORDER`.
- Returning individuals are mostly recent ones: the customer is the one created a random gap
  (exponential, mean `RETURN_GAP_DAYS`) before the order, so cohorts fade and old customers lapse,
  as retention curves do.

Plain catalog entries in, plain values out: the generator keeps the state.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TypeVar

COMPANIONS = 3
IN_ORDER = 0.6
NEXT_ORDER = 0.75
RETURN_GAP_DAYS = 240

# Subcategories (by name, see reference_data.SUBCATEGORIES) whose products go with each one's.
# Bikes go with what a rider needs; a component with the components fitted beside it; clothing and
# accessories with each other.
_BIKE_KIT = ("Helmets", "Bottles and Cages", "Tires and Tubes", "Gloves", "Jerseys")
GOES_WITH: dict[str, tuple[str, ...]] = {
    "Mountain Bikes": (*_BIKE_KIT, "Hydration Packs"),
    "Road Bikes": (*_BIKE_KIT, "Bib-Shorts", "Lights"),
    "Touring Bikes": ("Helmets", "Panniers", "Bike Racks", "Fenders", "Lights", "Locks"),
    "Handlebars": ("Headsets", "Brakes", "Forks"),
    "Bottom Brackets": ("Cranksets", "Chains", "Pedals"),
    "Brakes": ("Handlebars", "Wheels"),
    "Chains": ("Derailleurs", "Cranksets", "Bottom Brackets"),
    "Cranksets": ("Bottom Brackets", "Chains", "Pedals"),
    "Derailleurs": ("Chains", "Cranksets"),
    "Forks": ("Headsets", "Wheels", "Mountain Frames", "Road Frames", "Touring Frames"),
    "Headsets": ("Forks", "Handlebars"),
    "Mountain Frames": ("Forks", "Headsets", "Wheels", "Cranksets"),
    "Pedals": ("Cranksets", "Bottom Brackets"),
    "Road Frames": ("Forks", "Headsets", "Wheels", "Derailleurs"),
    "Saddles": ("Pedals", "Handlebars"),
    "Touring Frames": ("Forks", "Headsets", "Wheels", "Saddles"),
    "Wheels": ("Tires and Tubes", "Brakes", "Forks"),
    "Bib-Shorts": ("Jerseys", "Socks", "Gloves"),
    "Caps": ("Jerseys", "Socks"),
    "Gloves": ("Helmets", "Jerseys", "Caps"),
    "Jerseys": ("Shorts", "Bib-Shorts", "Socks", "Caps"),
    "Shorts": ("Jerseys", "Socks"),
    "Socks": ("Shorts", "Jerseys"),
    "Tights": ("Jerseys", "Vests", "Gloves"),
    "Vests": ("Jerseys", "Tights", "Gloves"),
    "Bike Racks": ("Panniers", "Locks"),
    "Bike Stands": ("Cleaners", "Pumps"),
    "Bottles and Cages": ("Hydration Packs", "Cleaners", "Bottles and Cages"),
    "Cleaners": ("Bike Stands", "Bottles and Cages"),
    "Fenders": ("Lights", "Locks"),
    "Helmets": ("Gloves", "Lights", "Caps"),
    "Hydration Packs": ("Bottles and Cages", "Jerseys"),
    "Lights": ("Locks", "Helmets"),
    "Locks": ("Lights", "Bike Racks"),
    "Panniers": ("Bike Racks", "Locks"),
    "Pumps": ("Tires and Tubes", "Cleaners"),
    "Tires and Tubes": ("Pumps", "Wheels"),
}

Entry = TypeVar("Entry", bound=tuple)  # a catalog entry: (ProductID, price, subcategory index, ...)


def companions(
    rng: random.Random, catalog: Sequence[Entry], weights: Sequence[float], subcategory_names: Sequence[str]
) -> dict[int, list[Entry]]:
    """Each selling product's companions (ProductID -> entries), drawn by `weights` among the
    products of the subcategories that go with its own; a product whose subcategories sell
    nothing in this channel has none."""
    by_subcategory: dict[str, list[tuple[Entry, float]]] = {}
    for entry, weight in zip(catalog, weights, strict=True):
        if weight > 0:
            by_subcategory.setdefault(subcategory_names[entry[2]], []).append((entry, weight))
    result: dict[int, list[Entry]] = {}
    for entry, weight in zip(catalog, weights, strict=True):
        if weight <= 0:
            continue
        pool = [
            (candidate, w)
            for name in GOES_WITH[subcategory_names[entry[2]]]
            for candidate, w in by_subcategory.get(name, [])
            if candidate[0] != entry[0]
        ]
        chosen: list[Entry] = []
        while pool and len(chosen) < COMPANIONS:
            (pick, _), *_ = rng.choices(pool, weights=[w for _, w in pool])  # without replacement
            chosen.append(pick)
            pool = [(c, w) for c, w in pool if c[0] != pick[0]]
        if chosen:
            result[entry[0]] = chosen
    return result


def pick_shares(weights: Sequence[float], catalog: Sequence[Entry], mates: dict[int, list[Entry]]) -> list[float]:
    """Each product's share of picks once companions are picked too: the stationary mix of picking
    by popularity (1 - IN_ORDER) and as a companion of an earlier pick (IN_ORDER), which is what
    stock levels are planned from. A few rounds of the mix converge well within a percent."""
    total = sum(weights)
    base = [w / total for w in weights]
    index = {entry[0]: i for i, entry in enumerate(catalog)}
    shares = base
    for _ in range(8):
        spread, orphaned = [0.0] * len(base), 0.0
        for entry, share in zip(catalog, shares, strict=True):
            mate_entries = mates.get(entry[0])
            if not mate_entries:  # no companion: that pick falls back to popularity
                orphaned += share
                continue
            for mate in mate_entries:
                spread[index[mate[0]]] += share / len(mate_entries)
        shares = [(1 - IN_ORDER) * b + IN_ORDER * (s + orphaned * b) for b, s in zip(base, spread, strict=True)]
    return shares


class Individuals:
    """Individual customers who may order again: (customer, territory, address, tax basis points),
    the day each was created and the first product of their last order.

    Kept for the whole run (~1.9M at --scale 10), so stored as array columns: 25 bytes each
    instead of ~140 for a tuple of ints. Appended in order of creation, so `created` is sorted.
    """

    def __init__(self, tax_by_territory: dict[int, int]) -> None:
        self.tax_by_territory = tax_by_territory
        self.customers = array("l")
        self.addresses = array("l")
        self.territories = array("b")
        self.created = array("i")  # date ordinals
        self.last_products = array("i")  # ProductID, 0 before their first order

    def append(self, customer: int, territory: int, address: int, created: int) -> int:
        """Add a customer; returns their index."""
        self.customers.append(customer)
        self.addresses.append(address)
        self.territories.append(territory)
        self.created.append(created)
        self.last_products.append(0)
        return len(self.customers) - 1

    def returning(self, rng: random.Random, today: int) -> int:
        """The index of a returning customer: one created a random gap (exponential, mean
        RETURN_GAP_DAYS) before `today`; gaps longer than the history wrap around into it."""
        created = self.created
        gap = int(rng.expovariate(1 / RETURN_GAP_DAYS)) % (today - created[0] + 1)
        lo = bisect_left(created, today - gap)
        hi = bisect_right(created, today - gap, lo)
        return lo + int(rng.random() * (hi - lo)) if hi > lo else min(lo, len(created) - 1)

    def __len__(self) -> int:
        return len(self.customers)

    def __getitem__(self, i: int) -> tuple[int, int, int, int]:
        territory = self.territories[i]
        return self.customers[i], territory, self.addresses[i], self.tax_by_territory[territory]
