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

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, PartitionsDefinition
from dagster_dbt import DbtCliResource, dbt_assets

from sales_assets.dbt_project import dbt_project
from sales_assets.partitions import naive_window
from sales_assets.translators import SalesDbtTranslator

INCREMENTAL = "config.materialized:incremental"
STAGING = "path:models/staging"
ANALYTICS = "path:models/analytics"

_translator = SalesDbtTranslator()


def window_vars(context: AssetExecutionContext) -> dict[str, str]:
    start, end = naive_window(context.partition_time_window)
    return {"min_date": start.date().isoformat(), "max_date": end.date().isoformat()}


def build_dbt_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=STAGING,
        name="dbt_staging",
        dagster_dbt_translator=_translator,
    )
    def dbt_staging(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=INCREMENTAL,
        name="dbt_partitioned",
        dagster_dbt_translator=_translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_partitioned(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        dbt_vars = window_vars(context)
        context.log.info(f"dbt build for window {dbt_vars}")
        yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=ANALYTICS,
        exclude=INCREMENTAL,
        name="dbt_analytics",
        dagster_dbt_translator=_translator,
    )
    def dbt_analytics(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()

    return [dbt_staging, dbt_partitioned, dbt_analytics]
