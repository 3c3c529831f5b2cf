"""Weekly demand forecasts with a structural time-series model (statsmodels' UnobservedComponents),
and their backtest.

The model: a local linear trend, a yearly season as a few sine and cosine pairs of period 52.18
weeks, and a calendar regressor, the days of the week that fall in their month's last
`MONTH_END_DAYS` days, when resellers place most of their orders. Measured on the full default
source, exponential smoothing (ETS with a 52-week season, additive or multiplicative, or STL and
ETS) only tied the seasonal-naive baseline: a 52-slot season re-learns each week's noise, and a
month end falls in a different week each year, so neither it nor last year's same week can place
the peak, while a regressor on the calendar can. The trigonometric season also keeps the year's
52.18 weeks, which a 52-week season drifts from by a day a year.

Pure functions over weekly series; the assets (sales_assets/defs/predict/assets.py) read and write the
warehouse. Units are modelled; revenue follows at each series' recent revenue per unit, so the
two forecasts agree. statsmodels is imported when a forecast is made, not when definitions load.
"""

from __future__ import annotations

import calendar
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

HORIZON = 13  # weeks forecast: a quarter
SEASON = 52  # the seasonal-naive baseline's cycle, in whole weeks
YEAR_WEEKS = 365.25 / 7  # the model's yearly cycle
HARMONICS = 2  # sine and cosine pairs of the yearly season: its peak and its asymmetry
# The season needs two full cycles to tell it from trend; below that, trend and calendar only.
MIN_WEEKS_SEASONAL = 2 * SEASON
MIN_WEEKS_TREND = 8
# Fit on the last four years: enough for the season, recent enough for today's level, and the
# fit's cost stays flat as history grows.
TRAIN_WEEKS = 4 * SEASON
# Resellers order in a month's last days: a calendar fact the business knows, as a holiday list.
MONTH_END_DAYS = 5
BACKTEST_ORIGINS = 4  # forecasts made 4, 3, 2 and 1 horizons before the last complete week
PRICE_WEEKS = 26  # revenue per unit is taken over the last half year
INTERVAL = 0.8  # lower_80 / upper_80


@dataclass(frozen=True)
class WeeklySeries:
    level: str  # total, category or subcategory
    name: str
    category: str | None  # the series' category; None for the total
    weeks: list[date]  # consecutive Mondays
    units: np.ndarray
    revenue: np.ndarray


@dataclass(frozen=True)
class Forecast:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    model: str


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(as_of: date) -> date:
    """The Monday of the latest week whose seven days are all on or before `as_of`."""
    return monday(as_of + timedelta(days=1)) - timedelta(days=7)


def dense_series(
    level: str, name: str, category: str | None, points: dict[date, tuple[float, float]], last_week: date
) -> WeeklySeries | None:
    """Consecutive weeks from the series' first sale through `last_week`, zeros where nothing sold."""
    weeks_with_sales = sorted(week for week in points if week <= last_week)
    if not weeks_with_sales:
        return None
    first = weeks_with_sales[0]
    weeks = [first + timedelta(days=7 * i) for i in range((last_week - first).days // 7 + 1)]
    units = np.array([points.get(week, (0.0, 0.0))[0] for week in weeks], dtype=float)
    revenue = np.array([points.get(week, (0.0, 0.0))[1] for week in weeks], dtype=float)
    return WeeklySeries(level, name, category, weeks, units, revenue)


def month_end_days(first_week: date, weeks: int) -> np.ndarray:
    """For each of `weeks` consecutive weeks from Monday `first_week`: how many of its days are
    among their month's last MONTH_END_DAYS days (0-5), as a column of regressors."""
    days = []
    for w in range(weeks):
        week = first_week + timedelta(days=7 * w)
        days.append(
            sum(
                (day := week + timedelta(days=i)).day > calendar.monthrange(day.year, day.month)[1] - MONTH_END_DAYS
                for i in range(7)
            )
        )
    return np.array(days, dtype=float).reshape(-1, 1)


def _mean_forecast(history: np.ndarray, horizon: int, model: str) -> Forecast:
    level = float(history.mean()) if len(history) else 0.0
    spread = float(history.std()) * 1.2816 if len(history) > 1 else 0.0  # the 80% normal quantile
    mean = np.full(horizon, level)
    return Forecast(mean, np.maximum(mean - spread, 0), mean + spread, model)


def fit_forecast(history: np.ndarray, first_week: date, horizon: int = HORIZON) -> Forecast:
    """The structural model (see the module's docstring) on the last TRAIN_WEEKS weeks of
    `history`, which starts on Monday `first_week`: with the yearly season once two years are
    known, without it from eight weeks, else the mean. Forecasts and interval bounds are clipped
    at zero (no negative demand), which keeps the point forecast inside its interval."""
    if len(history) < MIN_WEEKS_TREND or not history.any():
        return _mean_forecast(history, horizon, "mean")
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    start = max(0, len(history) - TRAIN_WEEKS)
    train = history[start:]
    regressors = month_end_days(first_week + timedelta(days=7 * start), len(train) + horizon)
    seasonal = len(train) >= MIN_WEEKS_SEASONAL
    model = UnobservedComponents(
        train,
        level="local linear trend",
        freq_seasonal=[{"period": YEAR_WEEKS, "harmonics": HARMONICS}] if seasonal else None,
        exog=regressors[: len(train)],
    )
    with warnings.catch_warnings():
        # Convergence notes from the optimizer on flat or short series: the fit is still usable.
        warnings.simplefilter("ignore")
        try:
            fitted = model.fit(disp=False)
        except np.linalg.LinAlgError:  # a series too sparse for the state space (a few sales in all)
            return _mean_forecast(train, horizon, "mean (the model did not fit)")
        prediction = fitted.get_forecast(horizon, exog=regressors[len(train) :])
    bounds = prediction.conf_int(alpha=1 - INTERVAL)
    mean = np.maximum(prediction.predicted_mean, 0)
    lower = np.minimum(np.maximum(bounds[:, 0], 0), mean)
    upper = np.maximum(bounds[:, 1], mean)
    name = "trend + yearly season + month end" if seasonal else "trend + month end"
    return Forecast(mean, lower, upper, f"UnobservedComponents: {name}")


def seasonal_naive(history: np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    """The same week a year earlier (the last value when less than a year is known)."""
    if len(history) >= SEASON:
        return np.array([history[len(history) - SEASON + (h % SEASON)] for h in range(horizon)], dtype=float)
    return np.full(horizon, float(history[-1]) if len(history) else 0.0)


def revenue_per_unit(series: WeeklySeries) -> float:
    units = series.units[-PRICE_WEEKS:].sum()
    return float(series.revenue[-PRICE_WEEKS:].sum() / units) if units else 0.0


@dataclass(frozen=True)
class Backtest:
    origins: int
    weeks: int
    actual_units: float
    model_abs_error: float
    naive_abs_error: float

    @property
    def model_wape(self) -> float | None:
        return self.model_abs_error / self.actual_units if self.actual_units else None

    @property
    def naive_wape(self) -> float | None:
        return self.naive_abs_error / self.actual_units if self.actual_units else None


def backtest(
    history: np.ndarray, first_week: date, origins: int = BACKTEST_ORIGINS, horizon: int = HORIZON
) -> Backtest:
    """Rolling origin: fit on the weeks before each origin, forecast the next `horizon` weeks,
    and sum absolute errors over every origin and week (WAPE = sum |error| / sum actual), for the
    model and for the seasonal-naive baseline. Origins leave at least MIN_WEEKS_TREND weeks to fit."""
    used = model_error = naive_error = actual = 0.0
    count = 0
    for k in range(origins, 0, -1):
        origin = len(history) - k * horizon
        if origin < MIN_WEEKS_TREND:
            continue
        train, test = history[:origin], history[origin : origin + horizon]
        model_error += float(np.abs(test - fit_forecast(train, first_week, len(test)).mean).sum())
        naive_error += float(np.abs(test - seasonal_naive(train, len(test))).sum())
        actual += float(test.sum())
        used += len(test)
        count += 1
    return Backtest(count, int(used), actual, model_error, naive_error)


def forecast_weeks(last_week: date, horizon: int = HORIZON) -> Sequence[date]:
    return [last_week + timedelta(days=7 * h) for h in range(1, horizon + 1)]
