"""How many orders the generator places each day: a shape a forecasting model can find.

Expected orders per day are a level times a yearly season. In the real sample's years (2011-05-31
to 2014-06-30) the level is set so that each year's expected total is the sample's count for that
year (SCHEMA.md, "Shape"); after the sample it continues from mid-2014's level with a slow trend,
so the demo grows. The season peaks in early June and bottoms out in December, as bike retail does;
it averages 1 over a year. On top of that each channel keeps its own rhythm, averaging 1 too:
online orders follow a mild weekly pattern, and resellers order mostly in the last days of each
month, as AdventureWorks' resellers do.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from functools import cache

SAMPLE_START, SAMPLE_END = date(2011, 5, 31), date(2014, 7, 1)  # the real sample's order dates (end exclusive)
_SAMPLE_ORDERS = {2011: 1607, 2012: 3915, 2013: 14182, 2014: 11761}
SEASON_AMPLITUDE = 0.25  # +-25% around the level
SEASON_PEAK_DAY = 160  # day of the year (9 June)
TREND_PER_YEAR = 0.03  # after the sample
# Online orders by weekday, Monday first (mean 1): a little busier around the weekend.
ONLINE_WEEKDAY = (1.06, 1.02, 0.98, 0.94, 0.92, 1.00, 1.08)
# Resellers place half of a month's orders on its last 5 days: month ends stand out (about 4x a
# normal day's revenue), without the revenue check's 10x-the-median alarm on every first month end.
MONTH_END_DAYS, MONTH_END_SHARE = 5, 0.5


def season(d: date) -> float:
    return 1 + SEASON_AMPLITUDE * math.cos(2 * math.pi * (d.timetuple().tm_yday - SEASON_PEAK_DAY) / 365.25)


@cache
def _sample_level(year: int) -> float:
    """The level that gives the sample's count for `year` over the year's sampled days."""
    first, end = max(SAMPLE_START, date(year, 1, 1)), min(SAMPLE_END, date(year + 1, 1, 1))
    seasons = sum(season(first + timedelta(days=i)) for i in range((end - first).days))
    return _SAMPLE_ORDERS[year] / seasons


def level(d: date) -> float:
    """Expected orders per day without the season: what a planner plans stock for."""
    if d < SAMPLE_START:
        return _sample_level(SAMPLE_START.year)
    if d < SAMPLE_END:
        return _sample_level(d.year)
    return _sample_level(SAMPLE_END.year) * (1 + TREND_PER_YEAR) ** ((d - SAMPLE_END).days / 365.25)


def daily_rate(d: date) -> float:
    """Expected orders (both channels) on `d`, at --scale 1."""
    return level(d) * season(d)


def online_factor(d: date) -> float:
    return ONLINE_WEEKDAY[d.weekday()]


def reseller_factor(d: date) -> float:
    days = calendar.monthrange(d.year, d.month)[1]
    if d.day > days - MONTH_END_DAYS:
        return MONTH_END_SHARE * days / MONTH_END_DAYS
    return (1 - MONTH_END_SHARE) * days / (days - MONTH_END_DAYS)
