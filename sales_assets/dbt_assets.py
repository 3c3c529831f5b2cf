"""Transform assets: every dbt model is an asset, dbt tests are asset checks.

Three selections, because the models are built three ways:
- `dbt_staging`, the staging views over raw, and `dbt_analytics_views` (customer_analysis, a view
  over the tables): unpartitioned, rebuilt only when their SQL changes (sales_assets/automation.py)
  or by a full build; a view needs no refresh when data arrives;
- `dbt_partitioned`, every table (fact_sales, the daily and per-customer intermediates, the marts),
  partitioned by order date: a run builds exactly its window, named in the environment
  (SALES_WINDOW_START, SALES_WINDOW_END; dbt_project/macros/partition_window.sql), so a day's run
  costs the day's rows, changes nothing dbt parses, and is one `dbt build`; a backfill of any
  range is one run too.
"""

import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, Output, PartitionsDefinition
from dagster_dbt import dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from sales_assets.dbt_project import SalesDbtCliResource, dbt_project, manifest_is_stale
from sales_assets.metadata import table_preview
from sales_assets.partitions import naive_window
from sales_assets.translators import SalesDbtTranslator
from sales_assets.warehouses import Warehouse

STAGING = "path:models/staging"
TABLES = "path:models/intermediate path:models/analytics"
VIEWS = "config.materialized:view"
ANALYTICS_VIEWS = f"path:models/analytics,{VIEWS}"


def window_env(context: AssetExecutionContext) -> dict[str, str]:
    """The run's partition window [start, end) as ISO dates, for the models' window macro."""
    start, end = naive_window(context.partition_time_window)
    return {"SALES_WINDOW_START": start.date().isoformat(), "SALES_WINDOW_END": end.date().isoformat()}


def dbt_build(
    context: AssetExecutionContext,
    dbt: SalesDbtCliResource,
    warehouse: Warehouse,
    indirect: str,
    env: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """`dbt build` of this asset's selection, into the warehouse resource's warehouse.

    `indirect` is dbt's indirect test selection, chosen so that every test runs in the step that
    owns its asset check: a relationship test from fact_sales to a staging view runs with
    fact_sales (`eager`), never with the staging views (`cautious`: fact_sales may not exist yet).
    When Dagster runs a subset, it selects the tests itself.
    """
    selection = [] if context.is_subset else ["--indirect-selection", indirect]
    # No manifest.json / run_results.json per invocation (half a second each time): Dagster reads
    # dbt's structured log, and the invocation's dbt.log keeps every detail for a post-mortem.
    selection.append("--no-write-json")
    events: list[Any] = []
    failure: DagsterDbtCliRuntimeError | None = None
    with dbt.environment({**warehouse.dbt_env(), **(env or {})}):
        invocation = dbt.cli(["build", *selection], context=context)
        try:
            events.extend(invocation.stream())
        except DagsterDbtCliRuntimeError as err:
            failure = err  # what dbt did build before the failure is still recorded below
    dbt.keep_partial_parse(invocation.target_path)
    yield from with_table_metadata(context, warehouse, events)
    if failure is not None:
        raise failure


def with_table_metadata(context: AssetExecutionContext, warehouse: Warehouse, events: list[Any]) -> Iterator[Any]:
    """Each output with its row count, and analytics models with a preview of their first rows.

    Read once dbt has exited (the DuckDB file has one writer, and dbt holds it until then), over
    one connection.
    """
    outputs = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in events
        if isinstance(event, Output)
    }
    if not outputs:
        yield from events
        return
    with warehouse.session() as query:
        counts = warehouse.row_counts(outputs.values(), query)
        previews = {key: table_preview(query, key) for key in outputs.values() if key.path[0] == "analytics"}
    for event in events:
        if isinstance(event, Output):
            key = outputs[event.output_name]
            metadata = {**event.metadata, "dagster/row_count": counts[key]}
            if key in previews:
                metadata["preview"] = previews[key]
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
    def dbt_staging(context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse, "cautious")

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=TABLES,
        exclude=VIEWS,
        name="dbt_partitioned",
        dagster_dbt_translator=translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_partitioned(
        context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse
    ) -> Iterator[Any]:
        env = window_env(context)
        context.log.info(f"dbt build for the window {env}")
        yield from dbt_build(context, dbt, warehouse, "eager", env)

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=ANALYTICS_VIEWS,
        name="dbt_analytics_views",
        dagster_dbt_translator=translator,
    )
    def dbt_analytics_views(
        context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse
    ) -> Iterator[Any]:
        yield from dbt_build(context, dbt, warehouse, "cautious")

    return [dbt_staging, dbt_partitioned, dbt_analytics_views]
