"""Ingest assets: every source table the models use, loaded by dlt into the warehouse's `raw`.

Two multi-assets because the tables are loaded two ways: order tables one daily window at a
time, reference tables by their changes since the last load (dlt's incremental cursor on
ModifiedDate); both merge on the primary key, so a rerun changes nothing.
"""

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dlt
import sqlalchemy as sa
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Backoff,
    Config,
    Failure,
    Jitter,
    MaterializeResult,
    PartitionsDefinition,
    RetryPolicy,
    RetryRequested,
)
from dagster_dlt import DagsterDltResource, dlt_assets

from sales_assets.core.partitions import naive_window
from sales_assets.core.resources import SalesSource
from sales_assets.core.settings import Settings
from sales_assets.core.warehouses import Warehouse, build_warehouse
from sales_assets.defs.ingest.deletions import MAX_KEYS_LOGGED, deleted_keys, sweep_window
from sales_assets.defs.ingest.dlt_source import sales_source
from sales_assets.defs.ingest.translator import SalesDltTranslator
from sales_assets.source import tables as t
from sales_assets.source.engine import SourceUnavailableError, has_table, source_engine
from sales_assets.source.queries import Window, row_count_query

ORDERS_PIPELINE = "sales_orders"
REFERENCE_PIPELINE = "sales_reference"
DROPPED_METADATA = ("dagster/column_schema", "jobs")
# A source that is down or slow: four more attempts, 2, 4, 8 and 16 s apart, each +-100% at
# random so that runs which failed together do not all come back at once (~30 s in all).
SOURCE_RETRY = RetryPolicy(max_retries=4, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
# What a database error says when the source, not the data, is the problem: SQLite's file gone
# or locked, SQL Server's server unreachable or timing out (pymssql's messages, FreeTDS's).
_UNREACHABLE = ("unable to open", "locked", "timed out", "timeout", "unavailable", "refused", "connection", "i/o")


def _unreachable(err: BaseException | None) -> BaseException | None:
    """The error behind `err` that says the source cannot be reached, if that is why it failed
    (dlt wraps an extraction's error in its own, so the chain is walked)."""
    while err is not None:
        if isinstance(err, SourceUnavailableError | TimeoutError | ConnectionError):
            return err
        if isinstance(err, sa.exc.OperationalError | sa.exc.InterfaceError) and any(
            marker in str(err.orig).lower() for marker in _UNREACHABLE
        ):
            return err
        err = err.__cause__ or err.__context__
    return None


@contextmanager
def retried_while_unreachable(context: AssetExecutionContext, source: SalesSource, what: str) -> Iterator[None]:
    """Retry the step, with backoff and jitter, while the source cannot be reached; then fail
    naming the source and what was being loaded. Other errors (bad data, a bug) fail at once: a
    retry cannot fix them, which is why this is not a RetryPolicy on the whole asset (Dagster
    would retry every failure). RetryRequested is Dagster's own retry, shown as such in the UI."""
    try:
        yield
    except Exception as err:
        cause = _unreachable(err)
        if cause is None:
            raise
        attempt = context.retry_number + 1
        summary = f"{type(cause).__name__}: {str(cause).splitlines()[0].rstrip('.')}"
        if attempt <= SOURCE_RETRY.max_retries:
            wait = SOURCE_RETRY.calculate_delay(attempt)
            context.log.warning(
                f"The source ({source.description()}) is unreachable loading {what} ({summary}); "
                f"retry {attempt} of {SOURCE_RETRY.max_retries} in {wait:.1f}s"
            )
            raise RetryRequested(max_retries=SOURCE_RETRY.max_retries, seconds_to_wait=wait) from err
        raise Failure(
            f"The source ({source.description()}) was unreachable loading {what} "
            f"after {attempt} attempts: {summary}. Nothing was loaded "
            "for it; the next run loads it once the source is back.",
            allow_retries=False,
        ) from err


class ReferenceLoadConfig(Config):
    """`full_refresh`: reload the reference tables whole (a reset).

    Not needed for deletions: every load compares row counts with the source and reloads a table
    that lost rows there (see `_reload_where_deleted`).
    """

    full_refresh: bool = False


def _load(
    context: AssetExecutionContext,
    dlt_runner: DagsterDltResource,
    source: SalesSource,
    warehouse: Warehouse,
    translator: SalesDltTranslator,
    tables: Sequence[t.SourceTable],
    pipeline_name: str,
    window: Window | None,
    full_refresh: bool = False,
) -> Iterator[MaterializeResult]:
    engine = source.engine()
    present = [table for table in tables if not table.optional or has_table(engine, table.schema, table.name)]
    results, seconds, swept, deletions_seconds = [], 0.0, {}, 0.0
    if present:
        pipeline = warehouse.dlt_pipeline(pipeline_name)
        results = list(
            dlt_runner.run(
                context=context,
                dlt_source=sales_source(engine, present, window),
                dlt_pipeline=pipeline,
                dagster_dlt_translator=translator,
                # dlt drops the tables and the cursors of these resources, then loads them whole.
                **({"refresh": "drop_resources"} if full_refresh else {}),
            )
        )
        trace = pipeline.last_trace
        started = time.perf_counter()
        if window:
            # The window's rows the source no longer has (deleted, or moved to another day).
            extracted = trace.last_extract_info
            load_id = extracted.loads_ids[-1] if extracted and extracted.loads_ids else None
            swept = sweep_window(pipeline, window, load_id, {table.warehouse_name for table in present})
            if any(swept.values()):
                context.log.info(f"Deleted from raw what the source no longer has in the window: {swept}")
        else:
            # A table reloaded whole is reported once, as reloaded.
            reloaded = list(_reload_where_deleted(context, dlt_runner, engine, warehouse, translator, present))
            keys = {result.asset_key for result in reloaded}
            results = [result for result in results if result.asset_key not in keys] + reloaded
        deletions_seconds = time.perf_counter() - started
        seconds = (trace.finished_at - trace.started_at).total_seconds()
    # A window merged: its row count is the rows loaded. A reference table merged with its
    # changes: the table's row count, read from the warehouse.
    totals = {} if window else warehouse.row_counts(result.asset_key for result in results)
    for result in results:
        rows = result.metadata.get("rows_loaded")  # absent when nothing changed
        loaded = int(rows.value) if rows is not None else 0
        counts = {"dagster/partition_row_count": loaded} if window else {"dagster/row_count": totals[result.asset_key]}
        # dagster-dlt's column schema (the asset's spec already has the contract's, with
        # descriptions) and list of load jobs are dropped: a backfill repeats a materialization's
        # metadata for every partition, and they made each event three times larger.
        kept = {key: value for key, value in result.metadata.items() if key not in DROPPED_METADATA}
        if window:
            kept["rows_deleted"] = swept.get(result.asset_key.path[-1], 0)
        # dlt's own time (extract, normalize, load), for all the tables of this load together.
        metadata = {**kept, **counts, "rows_loaded": loaded, "dlt_run_seconds": round(seconds, 2)}
        # Finding what the source deleted (the window's sweep, or the reference tables' counts).
        metadata["deletions_seconds"] = round(deletions_seconds, 2)
        yield MaterializeResult(asset_key=result.asset_key, metadata=metadata)
    for table in tables:
        key = AssetKey(["raw", table.warehouse_name])
        if table not in present and key in context.selected_asset_keys:
            # Real AdventureWorks has no returns table: nothing to load, and the models report
            # return metrics as NULL (unknown), not zero. Recorded so the UI says why.
            context.log.warning(f"{table.qualified_name} is absent from the source; not loaded")
            yield MaterializeResult(asset_key=key, metadata={"source_table_present": False})


def _reload_where_deleted(
    context: AssetExecutionContext,
    dlt_runner: DagsterDltResource,
    engine: sa.Engine,
    warehouse: Warehouse,
    translator: SalesDltTranslator,
    tables: Sequence[t.SourceTable],
) -> Iterator[MaterializeResult]:
    """Reference tables whose rows the source deleted, reloaded whole.

    An incremental load sees inserts and updates, not deletes. Just after it, raw holds every row
    the source has, so a table holding more rows in raw than in the source lost rows there: its
    keys are compared to name them, and dlt reloads the table whole (`drop_resources`: the table
    and its cursor). Counting is two cheap queries per table; reference tables are small, and
    deletions rare (AdventureWorks keeps the rows orders refer to), so a reload costs little.
    """
    loaded = set(warehouse.relations()) & set(context.selected_asset_keys)
    keys = {table: AssetKey(["raw", table.warehouse_name]) for table in tables}
    counts = warehouse.row_counts(key for key in keys.values() if key in loaded)
    with engine.connect() as conn:
        shrunk = [
            table
            for table, key in keys.items()
            if key in counts and counts[key] > conn.execute(row_count_query(table)).scalar()
        ]
        for table in shrunk:
            gone = deleted_keys(conn, warehouse, table)
            context.log.warning(
                f"{table.qualified_name}: {len(gone)} rows deleted in the source, keys "
                f"{', '.join(map(str, gone[:MAX_KEYS_LOGGED]))}{' ...' if len(gone) > MAX_KEYS_LOGGED else ''}; "
                f"reloading raw.{table.warehouse_name} whole"
            )
    if shrunk:
        yield from dlt_runner.run(
            context=context,
            dlt_source=sales_source(engine, shrunk),
            dlt_pipeline=warehouse.dlt_pipeline(REFERENCE_PIPELINE),
            dagster_dlt_translator=translator,
            refresh="drop_resources",
        )


def build_dlt_assets(settings: Settings, partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    # Only used to describe the assets: building it neither connects nor reflects.
    spec_engine = source_engine(settings.source_url, settings.source_dir)
    translator = SalesDltTranslator(source_kind=settings.source_engine_kind, warehouse_kind=settings.target)
    spec_destination = build_warehouse(settings).dlt_destination()

    def spec_pipeline(name: str) -> dlt.Pipeline:
        # Describes the destination for the asset specs only. Runs build their own pipeline
        # (Warehouse.dlt_pipeline), so loading definitions writes no state where runs keep theirs.
        return dlt.pipeline(
            pipeline_name=f"{name}_spec",
            destination=spec_destination,
            dataset_name="raw",
            pipelines_dir=str(Path(tempfile.gettempdir()) / "sales_assets_dlt_specs" / settings.target),
        )

    @dlt_assets(
        dlt_source=sales_source(spec_engine, t.PARTITIONED_TABLES),
        dlt_pipeline=spec_pipeline(ORDERS_PIPELINE),
        name="raw_sales_orders",
        dagster_dlt_translator=translator,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def raw_sales_orders(
        context: AssetExecutionContext, dlt: DagsterDltResource, source: SalesSource, warehouse: Warehouse
    ) -> Iterator[MaterializeResult]:
        """Order headers and lines by OrderDate, returns by ReturnDate, for the run's window."""
        window = naive_window(context.partition_time_window)
        what = f"the order tables for [{window[0]:%Y-%m-%d}, {window[1]:%Y-%m-%d})"
        context.log.info(f"Loading {what}")
        with retried_while_unreachable(context, source, what):
            yield from _load(context, dlt, source, warehouse, translator, t.PARTITIONED_TABLES, ORDERS_PIPELINE, window)

    @dlt_assets(
        dlt_source=sales_source(spec_engine, t.REFERENCE_TABLES),
        dlt_pipeline=spec_pipeline(REFERENCE_PIPELINE),
        name="raw_sales_reference",
        dagster_dlt_translator=translator,
    )
    def raw_sales_reference(
        context: AssetExecutionContext,
        config: ReferenceLoadConfig,
        dlt: DagsterDltResource,
        source: SalesSource,
        warehouse: Warehouse,
    ) -> Iterator[MaterializeResult]:
        """Customers, products, territories, offers, people and addresses: the rows changed since the last load."""
        with retried_while_unreachable(context, source, "the reference tables"):
            yield from _load(
                context,
                dlt,
                source,
                warehouse,
                translator,
                t.REFERENCE_TABLES,
                REFERENCE_PIPELINE,
                None,
                config.full_refresh,
            )

    return [raw_sales_orders, raw_sales_reference]
