"""The two jobs: the whole graph (a first or full build), and what a day needs (the daily job)."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetKey, AssetsDefinition, AssetSelection, PartitionsDefinition, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

SALES_JOB = "sales_pipeline"
DAILY_JOB = "sales_daily"
FACT_SALES = AssetKey(["analytics", "fact_sales"])


def build_sales_job(partitions_def: PartitionsDefinition) -> UnresolvedAssetJobDefinition:
    """Every asset, views included: what a first build, `make run` or a full backfill runs."""
    return define_asset_job(
        SALES_JOB,
        selection=AssetSelection.all(),
        partitions_def=partitions_def,
        description="Everything: source -> dlt -> warehouse -> dbt views and tables, for a range in a single run.",
    )


def build_daily_job(
    partitions_def: PartitionsDefinition, tables: Sequence[AssetsDefinition]
) -> UnresolvedAssetJobDefinition:
    """What a day (or the days a source change touched) needs: load those days and the reference
    changes, build those days into every dbt table, and publish the result to the dashboard. The
    views are not recreated (they see new rows as they land; sales_assets/defs/operations/automation.py rebuilds
    them when their SQL changes)."""
    return define_asset_job(
        DAILY_JOB,
        selection=AssetSelection.groups("raw", "dashboard") | AssetSelection.assets(*tables),
        partitions_def=partitions_def,
        description="Load the given days, build them into the analytics tables and publish them to the dashboard "
        "(what the schedule and the source-change sensor launch).",
    )
