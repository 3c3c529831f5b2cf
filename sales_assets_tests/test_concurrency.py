"""Everything at once on the embedded warehouse: the schedule's run, the source-change sensor's
runs, the automation's runs and a person's backfill, on a real daemon. One writer at a time (the
instance's run queue, `max_concurrent_runs: 1`), so none collides on DuckDB's lock: every run
succeeds, no two overlap, and the warehouse ends equal to the source. The queue's drain time is
printed (`-s`) for the README."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, build_schedule_context
from dagster._core.storage.tags import PARTITION_NAME_TAG

from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets_tests.conftest import START, Pipeline, make_settings
from sales_assets_tests.daemon import REPO, deployment_env, instance_home, launch, range_tags, running_daemon, wait_for
from sales_assets_tests.source_rows import connect, line_money

ACTIVE = {DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED}


def source_totals(source: Path) -> tuple[int, Decimal]:
    rows = connect(source).execute("select LineTotal from Sales.SalesOrderDetail").fetchall()
    return len(rows), sum((line_money(total) for (total,) in rows), Decimal(0))


def test_schedule_sensor_automation_and_a_backfill_at_once_never_collide(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Callable[[str], None]
) -> None:
    source = tmp_path / "source"
    shutil.copytree(small_source, source)  # the simulator writes to it
    # Partitions up to today, as in production: the simulator's orders are dated today.
    settings = replace(make_settings(tmp_path, source), partitions_end=None)
    home = instance_home(tmp_path / "dagster")
    env = deployment_env(settings, home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = DagsterInstance.from_config(str(home))
    pipeline = Pipeline(settings, instance)
    pipeline.run(START.isoformat(), "2013-01-20")  # history built, the last days of the month not yet

    with running_daemon(env, tmp_path / "daemon.log"):
        # The source-change sensor's first tick: it starts watching "from now" (its cursor).
        def watching() -> bool:
            states = instance.all_instigator_state()
            return any(s.name == "source_changes" and s.instigator_data and s.instigator_data.cursor for s in states)

        wait_for("the source-change sensor's first tick", watching, timeout=120, every=1)
        began = time.time()
        # New orders for today and late changes to old orders: the source-change sensor's work.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sales_assets.sandbox",
                "simulate",
                "--dir",
                str(source),
                "--orders",
                "30",
                "--changes",
                "2",
            ],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
        # A person's backfill of the rest of the month, from the UI's single-run backfill.
        launch(env, DAILY_JOB, range_tags("2013-01-21", "2013-01-31"))
        # The schedule's tick: the run it requests for yesterday, launched as the daemon does.
        schedule = pipeline.defs.resolve_schedule_def(f"{DAILY_JOB}_schedule")
        request = schedule.evaluate_tick(
            build_schedule_context(
                scheduled_execution_time=datetime.now(UTC), repository_def=pipeline.defs.get_repository_def()
            )
        )
        (run_request,) = request.run_requests
        launch(env, DAILY_JOB, {PARTITION_NAME_TAG: run_request.partition_key})

        def drained() -> bool:
            runs = instance.get_runs()
            sensor_runs = [r for r in runs if r.tags.get("dagster/sensor_name") == "source_changes"]
            return bool(sensor_runs) and not [r for r in runs if r.status in ACTIVE]

        wait_for("the queue to drain", drained, timeout=900, every=2)
        drain_seconds = time.time() - began

    runs = [r for r in instance.get_run_records() if r.create_timestamp.timestamp() >= began - 1]
    kinds = {
        "sensor": [r for r in runs if r.dagster_run.tags.get("dagster/sensor_name") == "source_changes"],
        "automation": [r for r in runs if r.dagster_run.tags.get("dagster/sensor_name") == "analytics_automation"],
        "backfill and schedule": [r for r in runs if "dagster/sensor_name" not in r.dagster_run.tags],
    }
    figures(
        f"{len(runs)} runs ({', '.join(f'{k}: {len(v)}' for k, v in kinds.items())}), drained in {drain_seconds:.0f}s"
    )
    assert kinds["sensor"] and len(kinds["backfill and schedule"]) == 2, kinds  # the backfill's run, the schedule's
    failed = [
        (r.dagster_run.run_id, r.dagster_run.status) for r in runs if r.dagster_run.status != DagsterRunStatus.SUCCESS
    ]
    assert not failed, failed
    # One writer at a time: no two runs' executions overlap.
    spans = sorted((r.start_time, r.end_time) for r in runs)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)), spans
    # And the warehouse equals the source, simulated orders and late changes included.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        found = conn.execute("select count(*), sum(line_total) from analytics.fact_sales").fetchone()
    assert found == source_totals(source)
