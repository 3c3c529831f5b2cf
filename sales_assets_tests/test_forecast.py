"""The forecasting functions on series whose shape is known: a yearly season and month-end peaks."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

import numpy as np
import pytest

from sales_assets.defs.predict import forecast as fc

FIRST_WEEK = date(2019, 1, 7)  # a Monday


def weekly_demand(weeks: int, seed: int = 3) -> np.ndarray:
    """Poisson units per week: 200 a day, +-25% over the year (peak in June), and five times a
    normal day on each of a month's last five days, written out day by day."""
    rng = np.random.default_rng(seed)
    units = []
    for w in range(weeks):
        rate = 0.0
        for i in range(7):
            day = FIRST_WEEK + timedelta(days=7 * w + i)
            season = 1 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 160) / 365.25)
            month_end = day.day > calendar.monthrange(day.year, day.month)[1] - 5
            rate += 200 * season * (5 if month_end else 1)
        units.append(rng.poisson(rate))
    return np.array(units, dtype=float)


def test_month_end_days_count_each_weeks_days_in_the_last_five_of_their_month() -> None:
    # 2024-01-22 .. 2024-02-25: January's last five days are 27-31, February's (29 days) 25-29.
    days = fc.month_end_days(date(2024, 1, 22), 5).ravel().tolist()
    assert days == [2, 3, 0, 0, 1]


def test_the_model_beats_seasonal_naive_where_the_month_end_moves() -> None:
    history = weekly_demand(5 * 52)
    result = fc.backtest(history, FIRST_WEEK)
    assert result.origins == fc.BACKTEST_ORIGINS and result.weeks == fc.BACKTEST_ORIGINS * fc.HORIZON
    assert result.model_wape is not None and result.naive_wape is not None
    assert result.model_wape < 0.7 * result.naive_wape


def test_forecast_has_the_season_and_the_month_ends_and_intervals_around_it() -> None:
    history = weekly_demand(5 * 52 + 13)
    truth, train = history[-13:], history[:-13]
    forecast = fc.fit_forecast(train, FIRST_WEEK)
    assert forecast.model == "UnobservedComponents: trend + yearly season + month end"
    assert (forecast.lower <= forecast.mean).all() and (forecast.mean <= forecast.upper).all()
    # The weeks with month-end days are forecast higher than those without, as they sold.
    month_end = fc.month_end_days(FIRST_WEEK + timedelta(days=7 * len(train)), 13).ravel() > 0
    assert forecast.mean[month_end].mean() > 1.5 * forecast.mean[~month_end].mean()
    assert np.abs(truth - forecast.mean).sum() / truth.sum() < 0.1
    # An 80% interval holds about 80% of the weeks; at least most of them.
    inside = ((forecast.lower <= truth) & (truth <= forecast.upper)).mean()
    assert inside >= 0.6


def test_only_the_last_four_years_are_fitted() -> None:
    history = weekly_demand(7 * 52)
    skipped = len(history) - fc.TRAIN_WEEKS
    recent = fc.fit_forecast(history[skipped:], FIRST_WEEK + timedelta(days=7 * skipped))
    assert np.allclose(fc.fit_forecast(history, FIRST_WEEK).mean, recent.mean)


@pytest.mark.parametrize(
    ("weeks", "model"),
    [(60, "UnobservedComponents: trend + month end"), (5, "mean"), (0, "mean")],
)
def test_short_histories_use_simpler_models(weeks: int, model: str) -> None:
    forecast = fc.fit_forecast(weekly_demand(weeks), FIRST_WEEK)
    assert forecast.model == model and len(forecast.mean) == fc.HORIZON
    assert (forecast.lower >= 0).all() and (forecast.lower <= forecast.mean).all()


def test_seasonal_naive_repeats_last_years_week() -> None:
    history = np.arange(60, dtype=float)
    assert fc.seasonal_naive(history, 3).tolist() == [8.0, 9.0, 10.0]
    assert fc.seasonal_naive(history[:10], 2).tolist() == [9.0, 9.0]
