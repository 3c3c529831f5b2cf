"""The forecasting functions on series whose shape is known, and the nested selection on windows
whose errors are known: a yearly season with month-end peaks, intermittent demand, a level shift,
a short history."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

import numpy as np
import pytest

from sales_assets.defs.predict import forecast as fc

FIRST_WEEK = date(2019, 1, 7)  # a Monday


def weekly_demand(weeks: int, seed: int = 3, month_end: float = 5.0, daily: float = 200.0) -> np.ndarray:
    """Poisson units per week: `daily` units a day, +-25% over the year (peak in June), and
    `month_end` times a normal day on each of a month's last five days, written out day by day."""
    rng = np.random.default_rng(seed)
    units = []
    for w in range(weeks):
        rate = 0.0
        for i in range(7):
            day = FIRST_WEEK + timedelta(days=7 * w + i)
            season = 1 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 160) / 365.25)
            is_month_end = day.day > calendar.monthrange(day.year, day.month)[1] - 5
            rate += daily * season * (month_end if is_month_end else 1)
        units.append(rng.poisson(rate))
    return np.array(units, dtype=float)


def level_shift(weeks: int, at: int, seed: int = 5) -> np.ndarray:
    """Flat demand of 300 a week that drops to 120 from week `at` on."""
    rng = np.random.default_rng(seed)
    return np.array([rng.poisson(300 if w < at else 120) for w in range(weeks)], dtype=float)


def intermittent(weeks: int, seed: int = 7) -> np.ndarray:
    """A product that sells in one week of four, a few units at a time."""
    rng = np.random.default_rng(seed)
    return (rng.random(weeks) < 0.25) * rng.integers(1, 6, weeks).astype(float)


def test_month_end_days_count_each_weeks_days_in_the_last_five_of_their_month() -> None:
    # 2024-01-22 .. 2024-02-25: January's last five days are 27-31, February's (29 days) 25-29.
    assert fc.month_end_days(date(2024, 1, 22), 5).tolist() == [2, 3, 0, 0, 1]


def test_the_calendar_regression_places_the_month_end_peaks() -> None:
    history = weekly_demand(3 * 52 + 13)
    truth, train = history[-13:], history[:-13]
    mean = fc.calendar_regression(train, FIRST_WEEK, 13)
    month_end = fc.month_end_days(FIRST_WEEK + timedelta(days=7 * len(train)), 13) > 0
    assert mean[month_end].mean() > 1.5 * mean[~month_end].mean()
    assert np.abs(truth - mean).sum() / truth.sum() < 0.1


def test_where_the_month_end_moves_the_calendar_regression_beats_seasonal_naive() -> None:
    result = fc.forecast_series(weekly_demand(5 * 52), FIRST_WEEK)
    scored = result.evaluation
    assert result.method == fc.CALENDAR
    assert scored.origins == fc.BACKTEST_ORIGINS - 1 and scored.weeks == scored.origins * fc.HORIZON
    assert scored.wape is not None and scored.baseline_wape is not None
    assert scored.wape < 0.75 * scored.baseline_wape and 0.6 <= scored.coverage <= 1.0  # type: ignore[operator]


def test_the_calendar_regression_is_a_candidate_only_with_two_years() -> None:
    assert fc.CALENDAR not in fc.candidate_forecasts(weekly_demand(103), FIRST_WEEK, 13)
    assert fc.CALENDAR in fc.candidate_forecasts(weekly_demand(104), FIRST_WEEK, 13)


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(level_shift(200, 150), id="level shift"),
        pytest.param(intermittent(160), id="intermittent"),
        pytest.param(weekly_demand(4 * 52, month_end=1.0, daily=2.0), id="low volume, no month end"),
    ],
)
def test_the_procedure_is_no_worse_than_seasonal_naive_out_of_sample(history: np.ndarray) -> None:
    scored = fc.forecast_series(history, FIRST_WEEK).evaluation
    assert scored.origins >= 3
    assert scored.wape is not None and scored.baseline_wape is not None
    assert scored.wape <= scored.baseline_wape
    assert 0.6 <= scored.coverage <= 1.0  # type: ignore[operator]


def test_different_demand_gets_different_methods() -> None:
    """The candidates matter: month ends over years get the calendar regression, two noisy years
    the combination, intermittent demand the median."""
    assert fc.forecast_series(weekly_demand(5 * 52), FIRST_WEEK).method == fc.CALENDAR
    assert fc.forecast_series(weekly_demand(100, month_end=1.0, daily=2.0), FIRST_WEEK).method == fc.COMBINATION
    assert fc.forecast_series(intermittent(160), FIRST_WEEK).method == fc.MEDIAN


def test_the_combination_is_the_mean_of_its_members_and_the_median_a_median() -> None:
    history = weekly_demand(3 * 52)
    members = [method(history, FIRST_WEEK, 13) for method in fc.MEMBERS.values()]
    forecasts = fc.candidate_forecasts(history, FIRST_WEEK, 13)
    assert set(forecasts) == set(fc.CANDIDATES)
    assert np.allclose(forecasts[fc.COMBINATION], np.maximum(np.mean(members, axis=0), 0))
    assert (forecasts[fc.MEDIAN] == np.median(history[-26:])).all()
    assert (forecasts[fc.BASELINE] == history[-52:-39]).all()


def window(actual: list[float], **forecasts: list[float]) -> fc.Window:
    return fc.Window(0, np.array(actual), {name.replace("_", " "): np.array(f) for name, f in forecasts.items()})


def test_choice_needs_a_win_and_the_baseline_keeps_ties() -> None:
    tie = window([10, 10], seasonal_naive=[9, 9], other=[11, 11])
    assert fc.choose([]) == fc.BASELINE
    assert fc.choose([tie]) == fc.BASELINE
    assert fc.choose([tie, window([10, 10], seasonal_naive=[9, 9], other=[10, 10])]) == "other"


def test_each_origin_is_scored_on_the_choice_the_origins_before_it_made() -> None:
    # "other" wins the first window, and loses the second: the procedure publishes it for the
    # second and is scored on that loss; the third is scored on the baseline, which leads by then.
    windows = [
        window([10, 10], seasonal_naive=[5, 5], other=[10, 10]),
        window([10, 10], seasonal_naive=[10, 10], other=[0, 0]),
        window([10, 10], seasonal_naive=[8, 8], other=[10, 10]),
    ]
    scored = fc.evaluate(windows, np.ones(40))
    assert scored.choices == ("other", fc.BASELINE)
    assert (scored.origins, scored.weeks, scored.actual_units) == (2, 4, 40.0)
    assert scored.abs_error == 20 + 4 and scored.baseline_abs_error == 0 + 4
    assert scored.wape == pytest.approx(24 / 40) and scored.baseline_wape == pytest.approx(4 / 40)


def test_intervals_are_the_backtest_errors_percentile_in_whole_units() -> None:
    residuals = list(range(-5, 5))  # actual - forecast: -5 .. 4
    windows = [fc.Window(0, np.array([10.0 + r for r in residuals]), {fc.BASELINE: np.full(10, 10.0)})]
    low, high = fc.residual_band(windows, fc.BASELINE)  # type: ignore[misc]
    # |errors| sorted: 0 1 1 2 2 3 3 4 4 5; the ceil(11 x 0.8) = 9th is 4.
    assert (low, high) == (-4.0, 4.0)
    history = np.concatenate([np.full(30, 10.0), [10.0 + r for r in residuals]])
    result = fc.forecast_series(history, FIRST_WEEK)
    assert np.all(result.lower == np.floor(result.lower)) and np.all(result.upper == np.ceil(result.upper))
    assert (result.lower <= result.mean).all() and (result.mean <= result.upper).all() and (result.lower >= 0).all()


def test_only_the_last_four_years_are_fitted() -> None:
    history = weekly_demand(6 * 52)
    skipped = len(history) - fc.TRAIN_WEEKS
    recent = fc.candidate_forecasts(history[skipped:], FIRST_WEEK + timedelta(days=7 * skipped), 13)
    full = fc.candidate_forecasts(history, FIRST_WEEK, 13)
    assert set(full) == set(recent) == set(fc.CANDIDATES)
    assert all(np.allclose(full[name], recent[name]) for name in full)


@pytest.mark.parametrize("weeks", [30, 9, 1, 0])
def test_short_histories_still_get_a_forecast_and_an_interval(weeks: int) -> None:
    result = fc.forecast_series(weekly_demand(weeks), FIRST_WEEK)
    assert len(result.mean) == fc.HORIZON and result.method in fc.CANDIDATES
    assert (result.lower >= 0).all() and (result.lower <= result.mean).all() and (result.mean <= result.upper).all()
    # A window needs 8 weeks before its origin and 13 after it: none is scored out of sample here.
    assert result.evaluation.origins == 0 and result.evaluation.wape is None


def test_seasonal_naive_repeats_last_years_week() -> None:
    history = np.arange(60, dtype=float)
    assert fc.seasonal_naive(history, 3).tolist() == [8.0, 9.0, 10.0]
    assert fc.seasonal_naive(history[:10], 2).tolist() == [9.0, 9.0]
