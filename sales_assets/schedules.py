"""The job over the whole graph and its daily schedule."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    PartitionsDefinition,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

SALES_JOB = "sales_pipeline"


def build_sales_job(partitions_def: PartitionsDefinition) -> UnresolvedAssetJobDefinition:
    """Every asset: a run for partition D loads D's orders, refreshes reference tables and views,
    builds D into fact_sales and rebuilds the whole-history analytics once."""
    return define_asset_job(
        SALES_JOB,
        selection=AssetSelection.all(),
        partitions_def=partitions_def,
        description="Source -> dlt -> warehouse -> dbt for one day, or a range in a single run.",
    )


def build_daily_schedule(job: UnresolvedAssetJobDefinition) -> ScheduleDefinition:
    """Shortly after midnight, materialize yesterday (the last complete day's partition)."""
    return build_schedule_from_partitioned_job(job, hour_of_day=1, minute_of_hour=15)
