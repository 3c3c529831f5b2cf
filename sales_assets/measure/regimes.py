"""The predictive assets on histories unlike the default: `python -m sales_assets.measure.regimes`.

For each regime (sales_assets.sandbox.generator.REGIMES, plus `default` and `short_history`, the
default's last 40 weeks), generate a source, build the whole graph on it in one run, as `make run`
does, and read back what the forecast and the recommender published beside their baselines, out
of sample: the README's "Predictions" table, and what tests/test_regimes.py asserts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from dagster import AssetKey, DagsterInstance
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.core.settings import load_settings
from sales_assets.sandbox.generator import REGIMES, GeneratorConfig, generate

START, END = date(2011, 5, 31), date(2014, 7, 1)  # three years, as long as the AdventureWorks sample
SHORT_WEEKS = 40
ALL_REGIMES = ("default", "short_history", *REGIMES)


@dataclass
class RegimeResult:
    regime: str
    orders: int
    build_seconds: float
    forecast_seconds: float | None
    # Per level (total, category, subcategory): published and seasonal-naive WAPE, 80% coverage.
    forecast: dict[str, dict[str, float]]
    forecast_methods: dict[str, int]  # method -> series published with it
    recommender: str  # the method published
    hit_rate: float | None  # the procedure's hit rate @5 over the origins after the first
    most_popular_hit_rate: float | None
    customers_evaluated: int


def config(regime: str, scale: float, seed: int = 42) -> GeneratorConfig:
    if regime == "short_history":
        return GeneratorConfig(seed=seed, scale=scale, start=END - timedelta(weeks=SHORT_WEEKS), end=END)
    regimes = frozenset() if regime == "default" else frozenset([regime])
    return GeneratorConfig(seed=seed, scale=scale, start=START, end=END, regimes=regimes)


def run_regime(regime: str, scale: float, root: Path) -> RegimeResult:
    """Generate the regime's source under `root`, build everything on it, and read the results."""
    from sales_assets.definitions import SALES_JOB, build_definitions

    cfg = config(regime, scale)
    source_dir = root / "source"
    generate(source_dir, cfg)
    settings = replace(
        load_settings({}),
        source_url=None,
        source_dir=source_dir,
        warehouse_path=root / "warehouse.duckdb",
        data_dir=root / "data",
        partitions_start=cfg.start,
        partitions_end=cfg.end,
    )
    job = build_definitions(settings).resolve_job_def(SALES_JOB)
    began = time.perf_counter()
    result = job.execute_in_process(
        instance=DagsterInstance.ephemeral(),
        tags={
            ASSET_PARTITION_RANGE_START_TAG: cfg.start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: (cfg.end - timedelta(days=1)).isoformat(),
        },
    )
    build_seconds = time.perf_counter() - began
    fit = [
        e.materialization.metadata["fit_seconds"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key == AssetKey(["analytics", "demand_forecast"])
    ]
    return read_results(regime, settings.warehouse_path, build_seconds, float(fit[0]) if fit else None)


def read_results(regime: str, warehouse: Path, build_seconds: float, forecast_seconds: float | None) -> RegimeResult:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (orders,) = conn.execute("select count(distinct sales_order_id) from analytics.fact_sales").fetchone()
        levels = conn.execute(
            """
            select level,
                sum(wape * actual_units) / sum(actual_units),
                sum(seasonal_naive_wape * actual_units) / sum(actual_units),
                sum(interval_coverage_80 * weeks_evaluated) / sum(weeks_evaluated)
            from analytics.forecast_accuracy
            where wape is not null and actual_units > 0
            group by 1
            """
        ).fetchall()
        methods = conn.execute("select method, count(*) from analytics.forecast_accuracy group by 1").fetchall()
        rows = conn.execute(
            "select origin_date, method, customers_evaluated, customers_hit, chosen_here, published "
            "from analytics.recommendation_backtest"
        ).fetchall()
    first = min(row[0] for row in rows)
    scored = [row for row in rows if row[0] > first]
    evaluated = sum(row[2] for row in scored if row[1] == "most_popular")
    (published,) = {row[1] for row in rows if row[5]}
    return RegimeResult(
        regime=regime,
        orders=int(orders),
        build_seconds=round(build_seconds, 1),
        forecast_seconds=forecast_seconds,
        forecast={
            level: {"wape": round(w, 4), "seasonal_naive_wape": round(n, 4), "coverage_80": round(c, 3)}
            for level, w, n, c in levels
        },
        forecast_methods=dict(sorted(methods, key=lambda m: -m[1])),
        recommender=published,
        hit_rate=sum(row[3] for row in scored if row[4]) / evaluated if evaluated else None,
        most_popular_hit_rate=sum(row[3] for row in scored if row[1] == "most_popular") / evaluated
        if evaluated
        else None,
        customers_evaluated=int(evaluated),
    )


def markdown(results: list[RegimeResult]) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    lines = [
        "| regime | orders | hit @5 published (method) | most popular | WAPE total / category / subcategory "
        "(seasonal naive) | 80% coverage (subcategory) | forecast methods published | forecast fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        wape = " / ".join(
            f"{pct(r.forecast[lv]['wape'])} ({pct(r.forecast[lv]['seasonal_naive_wape'])})"
            if lv in r.forecast
            else "n/a"
            for lv in ("total", "category", "subcategory")
        )
        coverage = pct(r.forecast["subcategory"]["coverage_80"]) if "subcategory" in r.forecast else "n/a"
        methods = ", ".join(f"{m} {n}" for m, n in r.forecast_methods.items())
        lines.append(
            f"| {r.regime} | {r.orders:,} | {pct(r.hit_rate)} ({r.recommender}) | {pct(r.most_popular_hit_rate)} "
            f"| {wape} | {coverage} | {methods} | {r.forecast_seconds} s |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regime", action="append", choices=ALL_REGIMES, help="default: all")
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = []
    for regime in args.regime or ALL_REGIMES:
        with tempfile.TemporaryDirectory(prefix=f"regime-{regime}-") as root:
            results.append(run_regime(regime, args.scale, Path(root)))
            print(json.dumps(asdict(results[-1])), flush=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
