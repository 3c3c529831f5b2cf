"""The two jobs: the whole graph for a day (or range), and the partitioned loads that changes need."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, PartitionsDefinition, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

SALES_JOB = "sales_pipeline"
CHANGES_JOB = "sales_changes"
FACT_SALES = AssetKey(["analytics", "fact_sales"])


def build_sales_job(partitions_def: PartitionsDefinition) -> UnresolvedAssetJobDefinition:
    """Every asset: a run for partition D loads D's orders, refreshes reference tables and views,
    builds D into fact_sales and rebuilds the whole-history analytics once."""
    return define_asset_job(
        SALES_JOB,
        selection=AssetSelection.all(),
        partitions_def=partitions_def,
        description="Source -> dlt -> warehouse -> dbt for one day, or a range in a single run.",
    )


def build_changes_job(partitions_def: PartitionsDefinition) -> UnresolvedAssetJobDefinition:
    """What a change in the source needs: reload the changed days and the reference tables (new
    orders may name new customers), and rebuild those days of fact_sales. Staging models are
    views (they see new rows as they land); the whole-history marts follow by declarative
    automation, once for however many change runs (see sales_assets/automation.py)."""
    return define_asset_job(
        CHANGES_JOB,
        selection=AssetSelection.groups("raw") | AssetSelection.assets(FACT_SALES),
        partitions_def=partitions_def,
        description="Reload the order dates the source changed, and rebuild them in fact_sales.",
    )
