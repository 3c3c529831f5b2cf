"""Weekly demand forecasts chosen per series from four candidates by a nested backtest.

Every series (all products, each category, each subcategory) has the same candidates: seasonal
naive, the baseline, always one; a combination, the mean of five forecasts (statsforecast's AutoETS
and AutoTheta, which choose their own trend, damping and season; a 13-week moving average, which
follows a level that moved; a calendar regression, whose month-end term fits resellers that order
in a month's last days; and seasonal naive); the calendar regression on its own, once two years
give it a yearly season; and a 26-week moving median, for intermittent demand. None is assumed to
suit a business: the backtest chooses.

Why these, measured on every generator regime (`make regimes`, README "Predictions") and on the
15-year default: choosing among eight single methods (those five, and the Croston family: SBA,
TSB, ADIDA) from a few backtest windows chased noise and lost to seasonal naive under a level
shift and under launches; their mean lost nowhere, and the median won where demand is
intermittent, which the Croston family (alone or pooled) did not. On a long history the calendar
regression alone beat both (the default's total: 11.1% WAPE against 17.5%); on a short one it won
a window by chance and lost the next, hence its two years.

The backtest forecasts `HORIZON` weeks from up to `BACKTEST_ORIGINS` origins a horizon apart, each
from the weeks before it. The method published is the one with the least absolute error over all
of them (ties go to the baseline). The accuracy published is that of the *procedure*: at each
origin after the first, the method the earlier origins chose, scored on the weeks that follow it,
so no figure is scored on the data that chose it. Prediction intervals are conformal: the chosen
method's forecast plus and minus the 80th percentile of its absolute backtest errors; their
coverage is scored the same nested way.

Pure functions over weekly series; the assets (sales_assets/defs/predict/assets.py) read and write
the warehouse. Units are modelled; revenue follows at each series' recent revenue per unit, so the
two forecasts agree. statsforecast is imported when a forecast is made, not when definitions load.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

HORIZON = 13  # weeks forecast: a quarter
SEASON = 52  # the seasonal-naive baseline's cycle, in whole weeks
YEAR_WEEKS = 365.25 / 7  # the calendar regression's yearly cycle
HARMONICS = 2  # sine and cosine pairs of the yearly season: its peak and its asymmetry
MIN_WEEKS_SEASONAL = 2 * SEASON  # a season needs two cycles to be told from trend
MIN_WEEKS_TREND = 8  # the fewest weeks a backtest origin fits on
# Fit on the last four years: enough for the season, recent enough for today's level, and the
# cost stays flat as history grows.
TRAIN_WEEKS = 4 * SEASON
# Resellers order in a month's last days: a calendar fact the business knows, as a holiday list.
MONTH_END_DAYS = 5
BACKTEST_ORIGINS = 6  # origins a horizon apart, the last a horizon before the last complete week
PRICE_WEEKS = 26  # revenue per unit is taken over the last half year
MEDIAN_WEEKS = 26  # the moving median's window: half a year
INTERVAL = 0.8  # lower_80 / upper_80
BASELINE = "seasonal naive"
CALENDAR = "calendar regression"


@dataclass(frozen=True)
class WeeklySeries:
    level: str  # total, category or subcategory
    name: str
    category: str | None  # the series' category; None for the total
    weeks: list[date]  # consecutive Mondays
    units: np.ndarray
    revenue: np.ndarray


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
    among their month's last MONTH_END_DAYS days (0-5)."""
    days = []
    for w in range(weeks):
        week = first_week + timedelta(days=7 * w)
        days.append(
            sum(
                (day := week + timedelta(days=i)).day > calendar.monthrange(day.year, day.month)[1] - MONTH_END_DAYS
                for i in range(7)
            )
        )
    return np.array(days, dtype=float)


# -- the candidates: (history, its first Monday, horizon) -> point forecast ----------------------
Method = Callable[[np.ndarray, date, int], np.ndarray]


def seasonal_naive(history: np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    """The same week a year earlier (the last value when less than a year is known)."""
    if len(history) >= SEASON:
        return np.array([history[len(history) - SEASON + (h % SEASON)] for h in range(horizon)], dtype=float)
    return np.full(horizon, float(history[-1]) if len(history) else 0.0)


def calendar_regression(history: np.ndarray, first_week: date, horizon: int) -> np.ndarray:
    """Least squares on the last two years: a level, the yearly season (sine and cosine pairs of
    52.18 weeks, once two years are known) and the week's month-end days. Where resellers order at
    month end, the peak moves between weeks from year to year, which a 52-week season cannot
    place and a calendar term can."""
    n = min(len(history), MIN_WEEKS_SEASONAL)
    start = len(history) - n
    t = np.arange(start, len(history) + horizon, dtype=float)
    columns = [np.ones_like(t), month_end_days(first_week + timedelta(days=7 * start), len(t))]
    if n >= MIN_WEEKS_SEASONAL:
        for k in range(1, HARMONICS + 1):
            angle = 2 * math.pi * k * t / YEAR_WEEKS
            columns += [np.sin(angle), np.cos(angle)]
    design = np.column_stack(columns)
    coefficients, *_ = np.linalg.lstsq(design[:n], history[start:], rcond=None)
    return design[n:] @ coefficients


def moving_median(history: np.ndarray, first_week: date, horizon: int) -> np.ndarray:
    """The median of the last MEDIAN_WEEKS weeks. Under absolute error the best forecast of a week
    is its demand's median: for intermittent demand, zero or close to it, where every mean-based
    method (the Croston family's too) forecasts a fraction of a unit each week and misses more."""
    return np.full(horizon, float(np.median(history[-MEDIAN_WEEKS:])) if len(history) else 0.0)


def _statsforecast(make: Callable[[int], object]) -> Method:
    """A statsforecast model as a member; `make` gets the history's length (to leave out a season
    it cannot estimate). Imported on first use: it takes a second."""

    def forecast(history: np.ndarray, first_week: date, horizon: int) -> np.ndarray:
        return np.asarray(make(len(history)).forecast(y=history, h=horizon)["mean"], dtype=float)  # type: ignore[attr-defined]

    return forecast


def _ets(n: int) -> object:
    from statsforecast.models import AutoETS

    return AutoETS(season_length=1)  # a 52-week ETS season is beyond its state space; Theta has one


def _theta(n: int) -> object:
    from statsforecast.models import AutoTheta

    return AutoTheta(season_length=SEASON if n >= MIN_WEEKS_SEASONAL else 1)


def _moving_average(n: int) -> object:
    from statsforecast.models import WindowAverage

    return WindowAverage(window_size=min(n, HORIZON))


# The combination's members: each right for some demand (trend and damping, a yearly season, a
# level that moved, the month end, last year's shape) and each wrong elsewhere; their mean is
# rarely far wrong (forecast combination, as in the M competitions).
MEMBERS: dict[str, Method] = {
    "ETS": _statsforecast(_ets),
    "Theta": _statsforecast(_theta),
    "moving average (13 weeks)": _statsforecast(_moving_average),
    CALENDAR: calendar_regression,
    BASELINE: lambda history, first_week, horizon: seasonal_naive(history, horizon),
}
COMBINATION = "combination"
MEDIAN = f"moving median ({MEDIAN_WEEKS} weeks)"
CANDIDATES = (BASELINE, COMBINATION, CALENDAR, MEDIAN)


def _members(train: np.ndarray, train_start: date, horizon: int) -> dict[str, np.ndarray]:
    """The members' forecasts that fit this history (a member that cannot, a series of zeros
    say, is left out of the mean; seasonal naive always fits)."""
    forecasts = {}
    for name, method in MEMBERS.items():
        try:
            mean = method(train, train_start, horizon)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
            continue
        if len(mean) == horizon and np.isfinite(mean).all():
            forecasts[name] = mean
    return forecasts


def candidate_forecasts(
    history: np.ndarray, first_week: date, horizon: int, methods: Sequence[str] = CANDIDATES
) -> dict[str, np.ndarray]:
    """Each candidate's forecast from the last TRAIN_WEEKS weeks of `history` (which starts on
    Monday `first_week`), clipped at zero. The members are fitted once: the calendar regression
    and seasonal naive are candidates of their own too."""
    start = max(0, len(history) - TRAIN_WEEKS)
    train, train_start = history[start:], first_week + timedelta(days=7 * start)
    members = _members(train, train_start, horizon) if {COMBINATION, CALENDAR} & set(methods) else {}
    forecasts = {}
    if BASELINE in methods:
        forecasts[BASELINE] = seasonal_naive(train, horizon)
    if COMBINATION in methods:
        forecasts[COMBINATION] = np.mean(list(members.values()), axis=0)
    if CALENDAR in methods and CALENDAR in members and len(train) >= MIN_WEEKS_SEASONAL:
        # A candidate on its own only with its yearly season, which takes two years to estimate;
        # and choose() judges a candidate only on origins that all had it: on a short history,
        # one window's win chose it, and it lost the next (measured on `short_history`).
        forecasts[CALENDAR] = members[CALENDAR]
    if MEDIAN in methods:
        forecasts[MEDIAN] = moving_median(train, train_start, horizon)
    return {name: np.maximum(mean, 0.0) for name, mean in forecasts.items()}


# -- the nested backtest ---------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """One backtest origin: the weeks after it, and every candidate's forecast of them."""

    origin: int  # weeks of history before it
    actual: np.ndarray
    forecasts: dict[str, np.ndarray]

    def error(self, method: str) -> float:
        return float(np.abs(self.actual - self.forecasts[method]).sum())


def backtest_windows(history: np.ndarray, first_week: date, origins: int = BACKTEST_ORIGINS) -> list[Window]:
    """Rolling origins a horizon apart, the last a horizon before the end of `history`; each leaves
    at least MIN_WEEKS_TREND weeks to fit on."""
    windows = []
    for k in range(origins, 0, -1):
        origin = len(history) - k * HORIZON
        if origin >= MIN_WEEKS_TREND:
            actual = history[origin : origin + HORIZON]
            windows.append(Window(origin, actual, candidate_forecasts(history[:origin], first_week, HORIZON)))
    return windows


def choose(windows: Sequence[Window]) -> str:
    """The candidate with the least absolute error over `windows` (forecast in all of them); the
    baseline on a tie or when there is no window to judge by: a challenger has to earn its place."""
    if not windows:
        return BASELINE
    methods = [m for m in windows[0].forecasts if all(m in w.forecasts for w in windows)]
    errors = {m: sum(w.error(m) for w in windows) for m in methods}
    best = min(errors.values())
    return BASELINE if errors[BASELINE] <= best else min(methods, key=lambda m: (errors[m], m))


def residual_band(windows: Sequence[Window], method: str) -> tuple[float, float] | None:
    """The conformal 80% band around a forecast: plus and minus the 80th percentile of `method`'s
    absolute backtest errors (by split conformal's rank). Absolute, not the errors' own 10th and
    90th percentiles: a window's errors share its bias, whose sign changes from window to window,
    so the one-sided percentiles of a few windows undercover the next. None without a window."""
    residuals = np.concatenate([w.actual - w.forecasts[method] for w in windows if method in w.forecasts] or [[]])
    if not len(residuals):
        return None
    # Split conformal's finite-sample rank: the ceil((n + 1) * 0.8)-th smallest of n errors, so a
    # band calibrated on one window of 13 weeks is not narrower than the next weeks need.
    rank = min(len(residuals), math.ceil((len(residuals) + 1) * INTERVAL))
    half_width = float(np.sort(np.abs(residuals))[rank - 1])
    return -half_width, half_width


def _interval(mean: np.ndarray, band: tuple[float, float] | None, history: np.ndarray) -> tuple[np.ndarray, ...]:
    if band is None:  # no backtest yet: the history's own spread, as a normal 80% interval would be
        spread = 1.2816 * float(history.std()) if len(history) > 1 else 0.0
        band = (-spread, spread)
    # Units sold are whole: the bounds are rounded outwards, or a low-volume series' interval
    # (0.2 to 0.8 units, say) would hold none of the weeks that sold one.
    return np.floor(np.maximum(mean + band[0], 0.0) + 1e-9), np.ceil(mean + band[1] - 1e-9)


@dataclass(frozen=True)
class Evaluation:
    """The selection procedure scored out of sample, beside the baseline on the same weeks."""

    origins: int
    weeks: int
    actual_units: float
    abs_error: float
    baseline_abs_error: float
    inside_interval: int
    choices: tuple[str, ...]  # the method chosen at each scored origin

    @property
    def wape(self) -> float | None:
        return self.abs_error / self.actual_units if self.actual_units else None

    @property
    def baseline_wape(self) -> float | None:
        return self.baseline_abs_error / self.actual_units if self.actual_units else None

    @property
    def coverage(self) -> float | None:
        return self.inside_interval / self.weeks if self.weeks else None


def evaluate(windows: Sequence[Window], history: np.ndarray) -> Evaluation:
    """Score the procedure: at each origin after the first, the method chosen (and the interval
    calibrated) on the origins before it, against what sold in the weeks after it."""
    weeks = inside = 0
    actual = error = baseline_error = 0.0
    choices = []
    for i in range(1, len(windows)):
        earlier, window = windows[:i], windows[i]
        method = choose(earlier)
        lower, upper = _interval(window.forecasts[method], residual_band(earlier, method), history[: window.origin])
        inside += int(((lower <= window.actual) & (window.actual <= upper)).sum())
        error += window.error(method)
        baseline_error += window.error(BASELINE)
        actual += float(window.actual.sum())
        weeks += len(window.actual)
        choices.append(method)
    return Evaluation(len(choices), weeks, actual, error, baseline_error, inside, tuple(choices))


@dataclass(frozen=True)
class Forecast:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: str
    evaluation: Evaluation


def forecast_series(history: np.ndarray, first_week: date) -> Forecast:
    """Choose the method on every backtest origin, fit it on the whole history, forecast HORIZON
    weeks with a conformal 80% interval, and score the procedure out of sample."""
    if not len(history):
        zeros = np.zeros(HORIZON)
        return Forecast(zeros, zeros, zeros, BASELINE, evaluate([], history))
    windows = backtest_windows(history, first_week)
    method = choose(windows)
    (mean,) = candidate_forecasts(history, first_week, HORIZON, [method]).values()
    lower, upper = _interval(mean, residual_band(windows, method), history)
    return Forecast(mean, lower, upper, method, evaluate(windows, history))


def revenue_per_unit(series: WeeklySeries) -> float:
    units = series.units[-PRICE_WEEKS:].sum()
    return float(series.revenue[-PRICE_WEEKS:].sum() / units) if units else 0.0


def forecast_weeks(last_week: date, horizon: int = HORIZON) -> Sequence[date]:
    return [last_week + timedelta(days=7 * h) for h in range(1, horizon + 1)]
