"""The predictive assets on histories unlike the default (`make regimes`): for each generator
regime, a three-year source built in one run, as `make run` builds; then what the forecast and the
recommender published is no worse than their baselines out of sample, and the methods chosen
differ between regimes, so the candidates matter."""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from sales_assets.measure.regimes import ALL_REGIMES, RegimeResult, markdown, run_regime

pytestmark = pytest.mark.regimes
SCALE = 0.2


def _run(regime: str) -> RegimeResult:
    with tempfile.TemporaryDirectory(prefix=f"regime-{regime}-") as root:
        return run_regime(regime, SCALE, Path(root))


@pytest.fixture(scope="module")
def results() -> dict[str, RegimeResult]:
    # Two builds at a time, one per core; each in a fresh process, as `make run` is.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(ALL_REGIMES, pool.map(_run, ALL_REGIMES), strict=True))


@pytest.mark.parametrize("regime", ALL_REGIMES)
def test_predictions_are_no_worse_than_their_baselines(regime: str, results: dict[str, RegimeResult]) -> None:
    result = results[regime]
    assert result.forecast, f"{regime}: no series was scored out of sample"
    for level, scores in result.forecast.items():
        assert scores["wape"] <= scores["seasonal_naive_wape"], (regime, level, scores)
        assert 0.5 <= scores["coverage_80"] <= 1.0, (regime, level, scores)
    if regime != "short_history":  # 40 weeks: no customer comes back within the backtest's windows
        assert result.customers_evaluated > 0, regime
        assert result.hit_rate >= result.most_popular_hit_rate, (regime, result.recommender)  # type: ignore[operator]


def test_the_selection_differs_between_regimes(
    results: dict[str, RegimeResult], figures: Callable[[str], None]
) -> None:
    for line in markdown(list(results.values())).splitlines():
        figures(line)  # the README's table
    recommenders = {r.recommender for r in results.values()}
    forecast_mixes = {tuple(sorted(r.forecast_methods)) for r in results.values()}
    assert len(recommenders) >= 2, recommenders
    assert len(forecast_mixes) >= 2, forecast_mixes
