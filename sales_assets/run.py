"""`make run`: materialize the whole graph for every partition on the configured setup.

Generates the embedded source if it is missing, then launches one run of the sales job over the
full partition range (what a single-run backfill launches: every partitioned asset processes the
whole window at once, unpartitioned ones run once) and prints what it built.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from dagster import DagsterInstance
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.core.settings import Settings, load_settings
from sales_assets.core.warehouses import open_warehouse
from sales_assets.instance import ensure_home
from sales_assets.sandbox.generator import GeneratorConfig, generate
from sales_assets.source.engine import schema_file
from sales_assets.source.tables import SCHEMAS


def ensure_source(settings: Settings) -> None:
    if settings.source_url or all(schema_file(settings.source_dir, s).exists() for s in SCHEMAS):
        return
    end = settings.partitions_end or date.today()
    print(f"No source in {settings.source_dir}: generating {settings.partitions_start} to {end} (exclusive)")
    began = time.perf_counter()
    counts = generate(settings.source_dir, GeneratorConfig(start=settings.partitions_start, end=end))
    print(f"  {sum(counts.values()):,} rows in {time.perf_counter() - began:.1f}s")


def ensure_instance(settings: Settings) -> None:
    """A Dagster home (the one `make dev` shows) with this project's instance settings."""
    ensure_home(Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / "dagster"))))
    # Batched event writes (as the Makefile sets), and, for this one history-sized run only, one
    # planned event per asset and range instead of one per partition. Not for `make dev`: Dagster
    # tracks in-progress and failed partitions from per-partition planned events, and the marts'
    # automation waits on in-progress upstream partitions.
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")


def main() -> int:
    settings = load_settings()
    ensure_instance(settings)
    ensure_source(settings)

    from sales_assets.definitions import SALES_JOB, defs  # after the source exists; loading never connects

    job = defs().resolve_job_def(SALES_JOB)
    keys = job.partitions_def.get_partition_keys()
    print(f"Materializing every asset for {len(keys):,} daily partitions ({keys[0]} .. {keys[-1]}) in one run")
    began = time.perf_counter()
    result = job.execute_in_process(
        instance=DagsterInstance.get(),
        tags={ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]},
        # INFO, not DEBUG: one console line per partition materialized would bury the summary.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )
    elapsed = time.perf_counter() - began
    if not result.success:
        print(f"Run {result.run_id} failed after {elapsed:.0f}s; see the logs above or `make dev`.")
        return 1
    print(f"\nRun {result.run_id} succeeded in {elapsed:.0f}s")
    print(f"Partitions: {len(keys):,} ({keys[0]} .. {keys[-1]})")
    print(f"Warehouse:  {settings.warehouse_description}")
    with open_warehouse(settings) as warehouse:
        for relation, rows in warehouse.row_counts(warehouse.relations()).items():
            print(f"  {'.'.join(relation.path):<40} {rows:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
