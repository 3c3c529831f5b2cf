"""Snowflake goes away in the middle of a run: the run fails naming the warehouse, and the dashboard
shows nothing of the half-run; once Snowflake is back, the rerun publishes the day.

On the Snowflake emulator (fakesnow on 127.0.0.1, stopped as an outage stops Snowflake): day one
is built and published; day two's run is under way when the emulator stops, just after dbt
committed `fact_sales` and before the marts. `analytics` then holds day two's lines in
`fact_sales` but not in the marts, which is why the dashboard reads the published schema.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType

from sales_assets.core.warehouses import open_warehouse
from sales_assets.dashboard.connection import check_warehouse, open_reader
from sales_assets.defs.dashboard.asset import DASHBOARD
from sales_assets.defs.transform import assets as dbt_assets
from sales_assets.source import tables as t
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.fakesnow_account import Emulator, copy_schema, emulator_settings, fakesnow_emulator

FIRST, SECOND = "2013-01-12", "2013-01-13"
DATABASE = "sales_outage"  # not named like a schema (fakesnow)
FACT_SALES_COMMITTED = re.compile(r"OK created sql incremental model analytics\.fact_sales")
TOTALS = "select count(*), sum(line_total) from analytics.fact_sales"


@pytest.fixture(scope="module", autouse=True)
def pairs_from_two_days() -> Iterator[None]:
    os.environ["SALES_AFFINITY_MIN_ORDERS"] = "1"  # as in test_snowflake: two days hold few pairs
    yield
    del os.environ["SALES_AFFINITY_MIN_ORDERS"]


def stop_when_fact_sales_is_committed(emulator: Emulator, dbt_dir: Path, since: float) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            for log in dbt_dir.glob("*/dbt.log"):
                if log.stat().st_mtime >= since and FACT_SALES_COMMITTED.search(log.read_text()):
                    emulator.stop()
                    return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


@pytest.mark.reliability
def test_snowflake_unreachable_mid_run_fails_naming_it_and_publishes_nothing(
    small_source: Path, tmp_path: Path, figures: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The project's probe, every second instead of every 30 s: a query caught by the outage fails
    # through it (the connector would retry it for ever), a new connection fails by itself.
    monkeypatch.setattr(dbt_assets, "WAREHOUSE_PROBE_SECONDS", 1.0)
    loaded = Pipeline(make_settings(tmp_path / "duckdb", small_source))
    loaded.run(FIRST, SECOND, selection=[AssetKey(["raw", table.warehouse_name]) for table in t.ALL_TABLES])

    with fakesnow_emulator(DATABASE) as (_, emulator):
        settings = emulator_settings(tmp_path / "snowflake", small_source)
        with open_warehouse(settings) as warehouse:
            warehouse.query(f"create database if not exists {DATABASE}")
            warehouse.query("create schema if not exists raw")
        copy_schema(loaded.settings.warehouse_path, "raw", DATABASE)  # dlt cannot load the emulator
        pipeline = Pipeline(settings)
        graph = pipeline.defs.resolve_asset_graph()
        # Everything after the load: dbt, the Python analytics and the dashboard's publish.
        built = [key for key in graph.materializable_asset_keys if key.path[0] != "raw"]
        pipeline.run(FIRST, selection=built)
        with open_reader(settings) as reader:
            day_one = tuple(reader.query(TOTALS)[0])
        assert day_one[0] > 0

        tables = [key for key in built if graph.get(key).partitions_def is not None]
        watcher = stop_when_fact_sales_is_committed(emulator, settings.dbt_artifacts_dir, time.time())
        failed = pipeline.run(SECOND, selection=[*tables, DASHBOARD], expect_success=False)
        watcher.join(timeout=5)
        assert not watcher.is_alive(), "dbt never committed fact_sales"

        failures = [e for e in failed.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
        assert [e.step_key for e in failures] == ["dbt_partitioned"]
        message = failures[0].step_failure_data.user_failure_data.description
        where = f"Snowflake account fakesnow, database {DATABASE} at 127.0.0.1:{emulator.port}"
        assert message.startswith(f"The warehouse ({where}) was unreachable while dbt built dbt_partitioned"), message
        assert "Nothing was published" in message
        figures(f"the run failed {time.time() - emulator.stopped_at:.0f}s after the emulator stopped: {message}")
        published = [e for e in failed.all_events if e.is_step_materialization and e.asset_key == DASHBOARD]
        assert not published

        emulator.start()  # Snowflake is back
        with open_warehouse(settings) as warehouse:
            written = tuple(warehouse.query(TOTALS)[0])
            marts = warehouse.query("select sum(revenue) from analytics.sales_by_territory")[0][0]
        assert written[0] > day_one[0]  # day two's lines were committed to analytics.fact_sales ...
        with open_reader(settings) as reader:
            assert check_warehouse(reader).ready
            assert tuple(reader.query(TOTALS)[0]) == day_one  # ... but the dashboard shows day one, whole
            assert reader.query("select sum(revenue) from analytics.sales_by_territory")[0][0] == marts

        pipeline.run(SECOND, selection=[*tables, DASHBOARD])  # the rerun once it is back
        with open_reader(settings) as reader:
            assert tuple(reader.query(TOTALS)[0]) == written
