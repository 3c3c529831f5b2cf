"""`dg dev` killed with runs queued, then started again: nothing requested twice, nothing lost.

A real `dg dev`, as `make dev` starts it (webserver, daemon, code server, run workers), on a
temporary instance: a person's backfill runs, the source-change sensor has queued runs for new and
changed orders behind it, and the schedule's run waits too. Then the whole of `dg dev` is SIGKILLed, as a host or
container dies, and started again. The run that was running must be failed by run monitoring,
alerted once and finished by its retry; the queued runs must each run once; the sensor must
resume from its cursor, requesting nothing again; and the warehouse must equal the source.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter, build_schedule_context
from dagster._core.storage.tags import PARENT_RUN_ID_TAG, PARTITION_NAME_TAG

from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.operations.sensors import SOURCE_CHANGES_SENSOR, ChangeCursor
from sales_assets.defs.quality.alerts import AlertCursor, finished_runs, run_alerts
from sales_assets.source.changes import latest_modification
from sales_assets.source.engine import sqlite_engine
from sales_assets_tests.conftest import START, Pipeline, make_settings
from sales_assets_tests.daemon import (
    REPO,
    deployment_env,
    instance_home,
    launch,
    range_tags,
    running_dagster_dev,
    wait_for,
)
from sales_assets_tests.test_concurrency import ACTIVE, source_totals

pytestmark = pytest.mark.reliability
SENSOR_TAG = "dagster/sensor_name"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sensor_ticks(instance: DagsterInstance, since: float) -> list:
    state = next(s for s in instance.all_instigator_state() if s.name == SOURCE_CHANGES_SENSOR)
    return instance.get_ticks(state.instigator_origin_id, state.selector_id, after=since)


def sensor_cursor(instance: DagsterInstance) -> ChangeCursor | None:
    for state in instance.all_instigator_state():
        if state.name == SOURCE_CHANGES_SENSOR and state.instigator_data and state.instigator_data.cursor:
            return ChangeCursor.parse(state.instigator_data.cursor)
    return None


def test_dagster_dev_killed_with_runs_queued_resumes_without_repeats_or_losses(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Callable[[str], None]
) -> None:
    source = tmp_path / "source"
    shutil.copytree(small_source, source)  # the simulator writes to it
    settings = replace(make_settings(tmp_path, source), partitions_end=None)  # up to today, as in production
    home = instance_home(tmp_path / "dagster")
    env = deployment_env(settings, home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = DagsterInstance.from_config(str(home))
    pipeline = Pipeline(settings, instance)
    pipeline.run(START.isoformat(), "2013-01-20")
    log, port = tmp_path / "dagster-dev.log", free_port()

    with running_dagster_dev(env, log, port):
        wait_for("the source-change sensor's first tick", lambda: sensor_cursor(instance), timeout=180, every=1)
        launch(env, DAILY_JOB, range_tags("2013-01-21", "2013-01-31"))  # a person's backfill
        wait_for(
            "the backfill to start",
            lambda: instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED])),
            timeout=120,
        )
        subprocess.run(
            [sys.executable, "-m", "sales_assets.sandbox", "simulate", "--dir", str(source), "--orders", "20"]
            + ["--changes", "2", "--seed", "3"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
        schedule = pipeline.defs.resolve_schedule_def(f"{DAILY_JOB}_schedule")
        (request,) = schedule.evaluate_tick(
            build_schedule_context(
                scheduled_execution_time=datetime.now(UTC), repository_def=pipeline.defs.get_repository_def()
            )
        ).run_requests
        launch(env, DAILY_JOB, {PARTITION_NAME_TAG: request.partition_key})

        def sensor_runs_queued_behind_a_running_one() -> bool:
            runs = instance.get_runs()
            return any(r.status == DagsterRunStatus.STARTED for r in runs) and any(
                r.status == DagsterRunStatus.QUEUED and r.tags.get(SENSOR_TAG) for r in runs
            )

        wait_for("the sensor's runs queued behind a running one", sensor_runs_queued_behind_a_running_one, 120)
    # Leaving the `with` SIGKILLed dagster dev and everything it started: webserver, daemon, code
    # server and the run worker.
    at_kill = {run.run_id: run.status for run in instance.get_runs()}
    killed = [run_id for run_id, status in at_kill.items() if status == DagsterRunStatus.STARTED]
    queued = [run_id for run_id, status in at_kill.items() if status == DagsterRunStatus.QUEUED]
    cursor_at_kill = sensor_cursor(instance)
    assert len(killed) == 1 and queued, at_kill
    figures(f"killed with 1 run started and {len(queued)} queued")

    restarted = time.time()
    with running_dagster_dev(env, log, port):

        def drained() -> bool:
            runs = instance.get_runs()
            retried = any(r.tags.get(PARENT_RUN_ID_TAG) == killed[0] for r in runs)
            return retried and not [r for r in runs if r.status in ACTIVE]

        wait_for("the queue to drain and the killed run's retry to finish", drained, timeout=900, every=2)
        # A sensor that forgot its cursor would request the same changes again on its next tick.
        wait_for("two sensor ticks after the restart", lambda: len(sensor_ticks(instance, restarted)) >= 2, 120, 1)

    runs = {run.run_id: run for run in instance.get_runs()}
    # The killed run: failed by run monitoring, alerted once, finished by its retry.
    assert runs[killed[0]].status == DagsterRunStatus.FAILURE
    (retry,) = [r for r in runs.values() if r.tags.get(PARENT_RUN_ID_TAG) == killed[0]]
    assert retry.status == DagsterRunStatus.SUCCESS
    cursor = AlertCursor()
    alerts = [a.text for record, _ in finished_runs(instance, cursor) for a in run_alerts(instance, record, cursor)]
    assert len([a for a in alerts if killed[0][:8] in a]) == 1, alerts
    # Each queued run ran once, after the restart; nothing was requested again.
    assert all(runs[run_id].status == DagsterRunStatus.SUCCESS for run_id in queued), {
        run_id: runs[run_id].status for run_id in queued
    }
    # (A retry keeps its run's tags, the sensor's name among them: it is not a new request.)
    sensor_runs = [
        r for r in runs.values() if r.tags.get(SENSOR_TAG) == SOURCE_CHANGES_SENSOR and PARENT_RUN_ID_TAG not in r.tags
    ]
    run_keys = [r.tags["dagster/run_key"] for r in sensor_runs]
    assert len(run_keys) == len(set(run_keys)), run_keys
    assert {r.run_id for r in sensor_runs} <= set(at_kill), "the sensor requested runs again after the restart"
    # Resumed from its cursor, not reset to "now": it stands at the newest change in the source. (The
    # tick that queued the sensor's runs may be killed before it saves its cursor; the first tick
    # after the restart then finds the same changes and requests the same run keys, which Dagster
    # does not run twice: checked above.)
    resumed = sensor_cursor(instance)
    assert cursor_at_kill.modified_after <= resumed.modified_after == latest_modification(sqlite_engine(source))
    figures(f"sensor cursor at the kill {cursor_at_kill.modified_after}, after the restart {resumed.modified_after}")
    # Nothing lost: the warehouse equals the source, simulated orders and late changes included.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        found = conn.execute("select count(*), sum(line_total) from analytics.fact_sales").fetchone()
    assert found == source_totals(source)
