"""Transform assets: every dbt model is an asset, dbt tests are asset checks.

Four selections, because the models are built four ways:
- `dbt_staging`, the staging views over raw, and `dbt_analytics_views` (customer_analysis, a view
  over the tables): unpartitioned, rebuilt only when their SQL changes (sales_assets/defs/operations/automation.py)
  or by a full build; a view needs no refresh when data arrives;
- `dbt_partitioned`, every table (fact_sales, the daily and per-customer intermediates, the marts),
  partitioned by order date: a run builds exactly its window, named in the environment
  (SALES_WINDOW_START, SALES_WINDOW_END; dbt_project/macros/partition_window.sql), so a day's run
  costs the day's rows, changes nothing dbt parses, and is one `dbt build`; a backfill of any
  range is one run too;
- `dbt_weekly`, the tables tagged `weekly` (product_affinity, customer_recommendations and its
  backtest):
  unpartitioned and rebuilt whole once a week (sales_assets/defs/operations/automation.py), because every row
  moves with the whole history (the affinities of all orders).
"""

import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetsDefinition,
    BackfillPolicy,
    Output,
    PartitionsDefinition,
)
from dagster_dbt import dbt_assets
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from sales_assets.core.metadata import table_preview
from sales_assets.core.partitions import naive_window
from sales_assets.core.warehouses import (
    MissingRelationError,
    Warehouse,
    WarehouseUnreachable,
    failing_clearly_if_unreachable,
)
from sales_assets.defs.transform.project import SalesDbtCliResource, dbt_project, manifest_is_stale
from sales_assets.defs.transform.translator import SalesDbtTranslator

STAGING = "path:models/staging"
TABLES = "path:models/intermediate path:models/analytics"
VIEWS = "config.materialized:view"
WEEKLY = "tag:weekly"
ANALYTICS_VIEWS = f"path:models/analytics,{VIEWS}"
# How often a running `dbt build` checks that the warehouse still answers. The Snowflake connector
# retries a query whose server went away for as long as it takes (dbt-snowflake sets no network
# timeout), so without this an outage mid-build leaves the run waiting instead of failing.
WAREHOUSE_PROBE_SECONDS = 30.0


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
    with failing_clearly_if_unreachable(warehouse, f"while dbt built {context.op_def.name}"):
        with dbt.environment({**warehouse.dbt_env(), **(env or {})}):
            invocation = dbt.cli(["build", *selection], context=context)
            with stopped_if_warehouse_lost(invocation, warehouse) as lost:
                try:
                    events.extend(invocation.stream())
                except DagsterDbtCliRuntimeError as err:
                    failure = err  # what dbt did build before the failure is still recorded below
            if lost:
                raise WarehouseUnreachable(f"{lost[0]}; dbt was stopped") from failure
        dbt.keep_partial_parse(invocation.target_path)
        if failure is not None and warehouse.unreachable(failure):
            raise failure  # the row counts below could not be read either
        yield from with_table_metadata(context, warehouse, events)
        if failure is not None:
            raise failure


@contextmanager
def stopped_if_warehouse_lost(invocation: DbtCliInvocation, warehouse: Warehouse) -> Iterator[list[str]]:
    """While dbt runs, probe the warehouse every WAREHOUSE_PROBE_SECONDS; if it no longer answers,
    stop dbt and put the reason in the yielded list."""
    lost: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(WAREHOUSE_PROBE_SECONDS):
            reason = warehouse.probe()
            if reason is not None:
                lost.append(reason)
                invocation.process.terminate()
                return

    watcher = threading.Thread(target=watch, name="warehouse probe", daemon=True)
    watcher.start()
    try:
        yield lost
    finally:
        done.set()
        watcher.join()


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


# Staging views over a table the source may lack (real AdventureWorks has no returns): built as an
# empty stub while raw has no such table (stg_sales_returns.sql).
STUB_VIEWS = {"stg_sales_returns": "raw.sales_return"}


def refresh_stub_views(context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
    """Rebuild a staging view still built as its stub once its raw table has rows, before the tables.

    raw.sales_return exists from the first load of a source that has the table, rows or not; but a
    source that gains the table later (a warehouse built before it) brings it with a run of the
    daily job, which does not rebuild views: every table would read the stub's no returns until
    someone rebuilt the view. Two counts tell a stub that is out of date (rows in raw, none in
    the view); dbt then rebuilds it in this step, and it is recorded as materialized here.
    """
    stale = []
    for model, raw in STUB_VIEWS.items():
        try:
            ((raw_rows, view_rows),) = warehouse.query(
                f"select (select count(*) from {raw}), (select count(*) from staging.{model})"
            )
        except MissingRelationError:  # nothing of it yet: the stub is right
            continue
        if raw_rows and not view_rows:
            stale.append(model)
    if not stale:
        return
    context.log.warning(
        f"{', '.join(stale)}: built while its raw table did not exist; rebuilding it over the rows now there"
    )
    with dbt.environment(warehouse.dbt_env()):
        invocation = dbt.cli(["run", "--select", *stale], manifest=dbt_project.manifest_path, raise_on_error=True)
        invocation.wait()
    dbt.keep_partial_parse(invocation.target_path)
    for model in stale:
        yield AssetMaterialization(
            AssetKey(["staging", model]), description="Rebuilt over its raw table, which the run brought"
        )


RECOMMENDATIONS = AssetKey(["analytics", "customer_recommendations"])
BASELINE_RECOMMENDER = "most_popular"


def backtest_metadata(warehouse: Warehouse) -> dict[str, Any]:
    """How well customer_recommendations predicts, on its own page, from recommendation_backtest
    (built in the same invocation, before the recommendations' output is recorded): the method
    published, and over the origins after the first the hit rate @5 of the method chosen at each
    (out of sample) beside most_popular's."""
    try:
        rows = warehouse.query(
            "select origin_date, method, customers_evaluated, customers_hit, chosen_here, published "
            "from analytics.recommendation_backtest"
        )
    except MissingRelationError:
        return {}
    if not rows:
        return {}
    first = min(row[0] for row in rows)
    scored = [row for row in rows if row[0] > first]
    evaluated = sum(row[2] for row in scored if row[1] == BASELINE_RECOMMENDER)
    hits = sum(row[3] for row in scored if row[4])
    baseline_hits = sum(row[3] for row in scored if row[1] == BASELINE_RECOMMENDER)
    (method,) = {row[1] for row in rows if row[5]}
    return {
        "method": method,
        "baseline_chosen": method == BASELINE_RECOMMENDER,
        "backtest_customers": int(evaluated),
        "hit_rate_at_5": hits / evaluated if evaluated else 0.0,
        "most_popular_hit_rate_at_5": baseline_hits / evaluated if evaluated else 0.0,
    }


def build_dbt_assets(partitions_def: PartitionsDefinition, warehouse_kind: str = "duckdb") -> list[AssetsDefinition]:
    translator = SalesDbtTranslator(dbt_project, warehouse_kind)
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
        exclude=f"{VIEWS} {WEEKLY}",
        name="dbt_partitioned",
        dagster_dbt_translator=translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_partitioned(
        context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse
    ) -> Iterator[Any]:
        yield from refresh_stub_views(context, dbt, warehouse)
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

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=WEEKLY,
        name="dbt_weekly",
        dagster_dbt_translator=translator,
    )
    def dbt_weekly(context: AssetExecutionContext, dbt: SalesDbtCliResource, warehouse: Warehouse) -> Iterator[Any]:
        # `buildable`: with their tests that also read upstream tables (e.g. fact_sales).
        for event in dbt_build(context, dbt, warehouse, "buildable"):
            if isinstance(event, Output) and context.asset_key_for_output(event.output_name) == RECOMMENDATIONS:
                event = event.with_metadata({**event.metadata, **backtest_metadata(warehouse)})
            yield event

    return [dbt_staging, dbt_partitioned, dbt_analytics_views, dbt_weekly]
