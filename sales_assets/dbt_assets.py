"""Transform assets: every dbt model is an asset, dbt tests are asset checks.

Three selections, one per folder, because the models run three ways:
- `models/staging`: views, unpartitioned (a view costs nothing to recreate);
- `models/analytics/facts`: incremental models (`fact_sales`), partitioned by order date: each run
  builds exactly its window with `--vars '{min_date, max_date}'`, and a backfill of any range is
  one run and one `dbt build`;
- `models/analytics/marts`: whole-history tables, unpartitioned, rebuilt from `fact_sales`.
"""

import json
import warnings
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, Output, PartitionsDefinition
from dagster_dbt import DbtCliResource, dbt_assets

from sales_assets.dbt_project import dbt_project, manifest_is_stale
from sales_assets.metadata import table_preview
from sales_assets.partitions import naive_window
from sales_assets.translators import SalesDbtTranslator
from sales_assets.warehouses import Warehouse

STAGING = "path:models/staging"
FACTS = "path:models/analytics/facts"  # incremental, partitioned by order date
MARTS = "path:models/analytics/marts"  # whole-history tables


def window_vars(context: AssetExecutionContext) -> dict[str, str]:
    start, end = naive_window(context.partition_time_window)
    return {"min_date": start.date().isoformat(), "max_date": end.date().isoformat()}


def dbt_build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, indirect: str, *args: str
) -> Iterator[Any]:
    """`dbt build` of this asset's selection, into the warehouse resource's file.

    `indirect` is dbt's indirect test selection, chosen so that every test runs in the step that
    owns its asset check: a relationship test from fact_sales to a staging model runs with
    fact_sales (`eager`), never with the staging views (`cautious`: fact_sales may not exist yet)
    nor with the marts (`cautious`). When Dagster runs a subset, it selects the tests itself.
    """
    selection = [] if context.is_subset else ["--indirect-selection", indirect]
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
            key = outputs[event.output_name]
            metadata = {**event.metadata, "dagster/row_count": counts[key]}
            if key.path[0] == "analytics":
                metadata["preview"] = table_preview(warehouse, key)
            event = event.with_metadata(metadata)
        yield event


def build_dbt_assets(partitions_def: PartitionsDefinition, warehouse_kind: str = "duckdb") -> list[AssetsDefinition]:
    translator = SalesDbtTranslator(warehouse_kind)
    if manifest_is_stale():
        warnings.warn(
            f"{dbt_project.manifest_path} is older than the dbt project's files: "
            "run `make install` (or `cd dbt_project && dbt parse`) so assets match the models",
            stacklevel=2,
        )

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=STAGING,
        name="dbt_staging",
        dagster_dbt_translator=translator,
    )
    def dbt_staging(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse, "cautious")

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=FACTS,
        name="dbt_partitioned",
        dagster_dbt_translator=translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_partitioned(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        dbt_vars = window_vars(context)
        context.log.info(f"dbt build for window {dbt_vars}")
        yield from dbt_build(context, dbt, warehouse, "eager", "--vars", json.dumps(dbt_vars))

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=MARTS,
        name="dbt_analytics",
        dagster_dbt_translator=translator,
    )
    def dbt_analytics(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse, "cautious")

    return [dbt_staging, dbt_partitioned, dbt_analytics]
