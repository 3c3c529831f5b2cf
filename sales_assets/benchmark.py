"""Benchmark: what one daily partition costs as history grows, and what a backfill costs.

    python -m sales_assets.benchmark [--scale 1] [--years 1 4]

For each history length it generates a source ending on the same day, backfills it in one run,
then reruns the last partition alone and reports each step's wall time. Per-partition work is
designed to cost in proportion to that partition's rows, so the single-partition steps should
stay flat while history (and the backfill) grows. Runs on an ephemeral Dagster instance in a
temporary directory; nothing of the project's data is touched.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from dagster import DagsterInstance
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.definitions import build_definitions
from sales_assets.jobs import SALES_JOB
from sales_assets.settings import load_settings
from sales_assets.source.generator import GeneratorConfig, generate

END = date(2014, 7, 1)  # the real sample's last day + 1: volumes are at their peak


def step_seconds(instance: DagsterInstance, run_id: str) -> dict[str, float]:
    return {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in instance.get_run_step_stats(run_id)}


def bench(root: Path, years: int, scale: float) -> dict[str, object]:
    start = END - timedelta(days=365 * years)
    began = time.perf_counter()
    counts = generate(root / "source", GeneratorConfig(scale=scale, start=start, end=END))
    generated = time.perf_counter() - began
    settings = replace(
        load_settings({}),
        source_dir=root / "source",
        warehouse_path=root / "warehouse.duckdb",
        data_dir=root / "data",
        partitions_start=start,
        partitions_end=END,
    )
    job = build_definitions(settings).resolve_job_def(SALES_JOB)
    keys = job.partitions_def.get_partition_keys()
    instance = DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    began = time.perf_counter()
    backfill = job.execute_in_process(
        instance=instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]},
        run_config=quiet,
    )
    backfill_seconds = time.perf_counter() - began
    single = job.execute_in_process(instance=instance, partition_key=keys[-1], run_config=quiet)
    return {
        "years": years,
        "orders": counts["Sales.SalesOrderHeader"],
        "lines": counts["Sales.SalesOrderDetail"],
        "generate_s": generated,
        "backfill_s": backfill_seconds,
        "backfill_steps": step_seconds(instance, backfill.run_id),
        "partition_steps": step_seconds(instance, single.run_id),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sales_assets.benchmark")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    results = []
    for years in args.years:
        with tempfile.TemporaryDirectory(prefix="sales-bench-") as tmp:
            results.append(bench(Path(tmp), years, args.scale))
    steps = sorted({step for r in results for step in r["partition_steps"]})
    print(f"\nscale {args.scale}, history ending {END - timedelta(days=1)}")
    print(f"{'':34}" + "".join(f"{r['years']:>10} y" for r in results))
    for label, key in [("orders", "orders"), ("order lines", "lines")]:
        print(f"{label:34}" + "".join(f"{r[key]:>12,}" for r in results))
    print(f"{'generate source (s)':34}" + "".join(f"{r['generate_s']:>12.1f}" for r in results))
    print(f"{'backfill, one run (s)':34}" + "".join(f"{r['backfill_s']:>12.1f}" for r in results))
    print("last partition alone, per step (s):")
    for step in steps:
        print(f"  {step:32}" + "".join(f"{r['partition_steps'].get(step, 0):>12.1f}" for r in results))


if __name__ == "__main__":
    main()
