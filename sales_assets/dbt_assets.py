"""Transform assets: every dbt model is an asset, dbt tests are asset checks.

Three selections because the models run three ways:
- staging views, unpartitioned (a view costs nothing to recreate);
- incremental models (`fact_sales`), partitioned by order date: each run builds exactly its window
  with `--vars '{min_date, max_date}'`, and a backfill of any range is one run and one `dbt build`;
- whole-history analytics tables, unpartitioned, rebuilt from `fact_sales`.
"""

import json
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, Output, PartitionsDefinition
from dagster_dbt import DbtCliResource, dbt_assets

from sales_assets.dbt_project import dbt_project
from sales_assets.partitions import naive_window
from sales_assets.resources import Warehouse
from sales_assets.translators import SalesDbtTranslator

INCREMENTAL = "config.materialized:incremental"
STAGING = "path:models/staging"
ANALYTICS = "path:models/analytics"

_translator = SalesDbtTranslator()


def window_vars(context: AssetExecutionContext) -> dict[str, str]:
    start, end = naive_window(context.partition_time_window)
    return {"min_date": start.date().isoformat(), "max_date": end.date().isoformat()}


def dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, *args: str) -> Iterator[Any]:
    """`dbt build` of this asset's selection, into the warehouse resource's file.

    Tests run only when all their parents are built by this invocation or before it
    (`buildable`): a relationship test from fact_sales to a staging model runs with fact_sales,
    not with the staging views, where fact_sales may not exist yet. When Dagster runs a subset it
    picks the tests itself.
    """
    selection = [] if context.is_subset else ["--indirect-selection", "buildable"]
    with warehouse.dbt_env():
        events = list(dbt.cli(["build", *selection, *args], context=context).stream())
    # Counted once dbt has exited: the DuckDB file has one writer, and dbt holds it until then.
    outputs = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in events
        if isinstance(event, Output)
    }
    counts = warehouse.row_counts(outputs.values())
    for event in events:
        if isinstance(event, Output):
            event = event.with_metadata({**event.metadata, "dagster/row_count": counts[outputs[event.output_name]]})
        yield event


def build_dbt_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=STAGING,
        name="dbt_staging",
        dagster_dbt_translator=_translator,
    )
    def dbt_staging(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse)

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=INCREMENTAL,
        name="dbt_partitioned",
        dagster_dbt_translator=_translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_partitioned(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        dbt_vars = window_vars(context)
        context.log.info(f"dbt build for window {dbt_vars}")
        yield from dbt_build(context, dbt, warehouse, "--vars", json.dumps(dbt_vars))

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=ANALYTICS,
        exclude=INCREMENTAL,
        name="dbt_analytics",
        dagster_dbt_translator=_translator,
    )
    def dbt_analytics(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse)

    return [dbt_staging, dbt_partitioned, dbt_analytics]
