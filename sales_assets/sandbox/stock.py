"""Costs and stock for the generator: ProductCostHistory periods, stock levels and on-hand quantities.

Plain dates and integer ten-thousandths (money) in, plain values out: the generator makes the rows.

- Costs change once a year, on 30 May as in AdventureWorks (whose first period starts at the sample's
  start, 2011-05-31): each period moves up to 3% from the last and a third of the way back to 55%
  of the list price, where it starts, so margins wander without drifting off; it is kept between
  45% and 58% of list, so that resellers, who pay 60% of list, still earn a margin before discounts.
- Stock levels follow the expected weekly demand at the end of the history, as a planner sets them:
  safety stock covers 2 weeks, and the reorder point adds a week of lead time to it (3 weeks). (For
  parts AdventureWorks sets ReorderPoint = 0.75 x SafetyStockLevel, which would reorder only after
  the safety stock is eaten into; for finished goods we follow the textbook.)
- On-hand stock is a snapshot at the end of the history: a quarter of the products are selling down
  (under 2.5 weeks of their recent demand, below the reorder point), the others hold 4-16 weeks.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import NamedTuple

SMALLINT_MAX = 32_767  # SafetyStockLevel, ReorderPoint and Quantity are smallint
COST_CHANGE = (5, 30)  # month and day a new cost period starts
COST_DRIFT_BP = (-300, 300)  # change per period, in basis points, before the pull back
COST_TARGET_BP, COST_PULL = 5_500, 3  # 55% of list; a third of the gap closes each period
COST_SHARE_OF_LIST = (45, 58)  # percent
SAFETY_WEEKS, LEAD_TIME_WEEKS = 2, 1
MIN_SAFETY_STOCK = 4  # AdventureWorks' smallest SafetyStockLevel
BELOW_REORDER_SHARE = 0.25
SELLING_DOWN_WEEKS, HOLDING_WEEKS = 2.5, (4, 16)
FINAL_ASSEMBLY_SHARE = 0.2  # at most this share of a bike's stock is still at final assembly


class CostPeriod(NamedTuple):
    start: date
    end: date | None  # inclusive; None: the current cost
    cost: int  # ten-thousandths
    modified: date


def cost_periods(rng: random.Random, first_cost: int, list_price: int, start: date, end: date) -> list[CostPeriod]:
    """A product's cost periods: from `start`, then each 30 May before `end` (exclusive)."""
    month, day = COST_CHANGE
    changes = (date(year, month, day) for year in range(start.year, end.year + 1))
    starts = [start, *(d for d in changes if start < d < end)]
    low, high = (list_price * share // 100 for share in COST_SHARE_OF_LIST)
    periods, cost = [], first_cost
    for i, begin in enumerate(starts):
        if i:
            pull = (cost * 10_000 // list_price - COST_TARGET_BP) // COST_PULL
            cost = min(high, max(low, cost * (10_000 + rng.randint(*COST_DRIFT_BP) - pull) // 10_000))
        last = i == len(starts) - 1
        period_end = None if last else starts[i + 1] - timedelta(days=1)
        # A period is entered the day before it starts, closing the previous one (whose EndDate that
        # is); the first was there from the start. ModifiedDate is when the row was last written.
        written = begin - timedelta(days=1) if i else begin
        periods.append(CostPeriod(begin, period_end, cost, written if last else period_end))
    return periods


def stock_levels(weekly_units: float) -> tuple[int, int]:
    """(SafetyStockLevel, ReorderPoint) for a product expected to sell `weekly_units` a week."""
    safety = min(SMALLINT_MAX, max(MIN_SAFETY_STOCK, math.ceil(SAFETY_WEEKS * weekly_units)))
    reorder = min(SMALLINT_MAX, max(safety + 1, math.ceil((SAFETY_WEEKS + LEAD_TIME_WEEKS) * weekly_units)))
    return safety, reorder


def on_hand(rng: random.Random, reorder_point: int, weekly_units: float) -> int:
    """Units on hand for a product that recently sold `weekly_units` a week.

    Capped at smallint: only a product selling over ~2,000 units a week (--scale 10 and more) holds
    fewer weeks than drawn, and never less than its reorder point, so spreading the excess over more
    locations would change no analysis.
    """
    if rng.random() < BELOW_REORDER_SHARE:
        return min(reorder_point - 1, int(rng.uniform(0, SELLING_DOWN_WEEKS) * weekly_units))
    return min(SMALLINT_MAX, max(reorder_point, round(rng.uniform(*HOLDING_WEEKS) * weekly_units)))


def at_final_assembly(rng: random.Random, units: int) -> int:
    """The part of a bike's stock still at final assembly, not yet moved to storage."""
    return int(units * rng.uniform(0, FINAL_ASSEMBLY_SHARE))
