"""Weekly demand forecasts with exponential smoothing (statsmodels' ETS), and their backtest.

Pure functions over weekly series; the assets (sales_assets/predict/assets.py) read and write the
warehouse. Units are modelled; revenue follows at each series' recent revenue per unit, so the
two forecasts agree. statsmodels is imported when a forecast is made, not when definitions load.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

HORIZON = 13  # weeks forecast: a quarter
SEASON = 52  # weeks in a yearly cycle
# The seasonal model needs two full cycles to tell season from trend; below that, trend only.
MIN_WEEKS_SEASONAL = 2 * SEASON
MIN_WEEKS_TREND = 8
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


def fit_forecast(history: np.ndarray, horizon: int = HORIZON) -> Forecast:
    """ETS(A,Ad,A) with a 52-week season when two years are known, ETS(A,Ad,N) with at least
    eight weeks, else the mean; forecasts and interval bounds are clipped at zero (no negative
    demand), which keeps the point forecast inside its interval."""
    if len(history) < MIN_WEEKS_TREND or not history.any():
        level = float(history.mean()) if len(history) else 0.0
        spread = float(history.std()) * 1.2816 if len(history) > 1 else 0.0  # the 80% normal quantile
        mean = np.full(horizon, level)
        return Forecast(mean, np.maximum(mean - spread, 0), mean + spread, "mean")
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = len(history) >= MIN_WEEKS_SEASONAL
    model = ETSModel(
        pd.Series(history),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=SEASON if seasonal else None,
        initialization_method="heuristic" if seasonal else "estimated",
    )
    with warnings.catch_warnings():
        # Convergence notes from the optimizer on flat or short series: the fit is still usable.
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
        frame = fitted.get_prediction(start=len(history), end=len(history) + horizon - 1).summary_frame(
            alpha=1 - INTERVAL
        )
    mean = np.maximum(frame["mean"].to_numpy(), 0)
    lower = np.minimum(np.maximum(frame["pi_lower"].to_numpy(), 0), mean)
    upper = np.maximum(frame["pi_upper"].to_numpy(), mean)
    return Forecast(mean, lower, upper, "ETS(A,Ad,A) weekly season" if seasonal else "ETS(A,Ad,N)")


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


def backtest(history: np.ndarray, origins: int = BACKTEST_ORIGINS, horizon: int = HORIZON) -> Backtest:
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
        model_error += float(np.abs(test - fit_forecast(train, len(test)).mean).sum())
        naive_error += float(np.abs(test - seasonal_naive(train, len(test))).sum())
        actual += float(test.sum())
        used += len(test)
        count += 1
    return Backtest(count, int(used), actual, model_error, naive_error)


def forecast_weeks(last_week: date, horizon: int = HORIZON) -> Sequence[date]:
    return [last_week + timedelta(days=7 * h) for h in range(1, horizon + 1)]
