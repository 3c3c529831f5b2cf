"""A run killed halfway, as production kills it: nothing lost, nothing doubled, failed in the UI,
alerted once, and finished by the retry.

A real deployment: `dagster-daemon run` (queue, run monitoring, run retries, sensors) on a
temporary instance with the project's settings; the daily job launched for half a month with
`dagster job launch`; its run worker and everything it started (dbt) killed with SIGKILL at one of
four moments: while dlt extracts the order tables, while dlt loads them, while an asset check
runs, and while dbt builds `fact_sales`. Then run monitoring must mark the run failed, run retries
relaunch it from the failed step, and the warehouse equal the source for those days.

`make test` kills during dbt (the longest step, and the one with most at stake); `make
reliability` kills at all four moments.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.storage.tags import PARENT_RUN_ID_TAG

from sales_assets.core.partitions import daily_partitions
from sales_assets.core.settings import Settings
from sales_assets.defs.ingest.assets import ORDERS_PIPELINE, REFERENCE_PIPELINE
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.quality.alerts import AlertCursor, finished_runs, run_alerts
from sales_assets.defs.quality.checks import build_checks
from sales_assets_tests.conftest import START, Pipeline, make_settings
from sales_assets_tests.daemon import (
    FINISHED,
    deployment_env,
    instance_home,
    kill_tree,
    launch,
    range_tags,
    running_daemon,
    wait_for,
    worker_pid,
)
from sales_assets_tests.source_rows import connect, line_money

FIRST_HALF_END, SECOND_HALF = "2013-01-15", ("2013-01-16", "2013-01-31")


def source_days(source: Path, first: str, last: str) -> tuple[int, int, Decimal]:
    rows = (
        connect(source)
        .execute(
            "select h.SalesOrderID, d.LineTotal from Sales.SalesOrderDetail d join Sales.SalesOrderHeader h "
            "using (SalesOrderID) where substr(h.OrderDate, 1, 10) between ? and ?",
            (first, last),
        )
        .fetchall()
    )
    return len({order for order, _ in rows}), len(rows), sum((line_money(total) for _, total in rows), Decimal(0))


def warehouse_days(path: Path, first: str, last: str) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        where = "where cast(order_date as date) between ? and ?"
        return {
            "fact_sales": conn.execute(
                f"select count(distinct sales_order_id), count(*), sum(line_total) from analytics.fact_sales {where}",
                [first, last],
            ).fetchone(),
            "fact_sales duplicates": conn.execute(
                f"select count(*) - count(distinct sales_order_detail_id) from analytics.fact_sales {where}",
                [first, last],
            ).fetchone(),
            "raw duplicates": conn.execute(
                "select count(*) - count(distinct sales_order_detail_id) from raw.sales_order_detail"
            ).fetchone(),
        }


class Moments:
    """When to kill: each a condition polled while the launched run works (`run_id`, launched at
    `since`), true from the moment the run is inside that stage."""

    def __init__(self, settings: Settings, instance: DagsterInstance, since: float) -> None:
        self.settings, self.instance, self.since = settings, instance, since
        self.orders = settings.dlt_pipelines_dir / ORDERS_PIPELINE
        self.check_steps = {c.node_def.name for c in build_checks(daily_partitions(settings))}

    def extract(self, run_id: str) -> bool:
        """dlt extracts the order tables: a package is open under normalize/ (moved to
        normalize/extracted/ when the extract ends)."""
        return any(name not in (".version", "extracted") for name in _names(self.orders / "normalize"))

    def load(self, run_id: str) -> bool:
        """dlt loads the order tables: a normalized package has jobs started or completed (it moves
        to load/loaded/ when the load ends)."""
        packages = self.orders / "load" / "normalized"
        return any(
            _names(packages / p / "started_jobs") or _names(packages / p / "completed_jobs") for p in _names(packages)
        )

    def checks(self, run_id: str) -> bool:
        """An asset check is the step the run is in (the raw tables' checks run after the load)."""
        started = self.instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_START).records
        return bool(started) and started[-1].event_log_entry.step_key in self.check_steps

    def dbt(self, run_id: str) -> bool:
        """dbt builds `fact_sales` (its log, written by this run's dbt invocation, names the model)."""
        return any(
            log.stat().st_mtime >= self.since and "model analytics.fact_sales" in log.read_text()
            for log in self.settings.dbt_artifacts_dir.glob("*/dbt.log")
        )


def _names(folder: Path) -> list[str]:
    """A folder's entries; none while it does not exist (dlt creates and moves them as it works)."""
    try:
        return [entry.name for entry in os.scandir(folder)]
    except (FileNotFoundError, NotADirectoryError):
        return []


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param("extract", marks=pytest.mark.reliability),
        pytest.param("load", marks=pytest.mark.reliability),
        pytest.param("checks", marks=pytest.mark.reliability),
        "dbt",
    ],
)
def test_a_killed_run_is_marked_failed_alerted_once_and_finished_by_its_retry(
    moment: str, small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Callable[[str], None]
) -> None:
    settings = make_settings(tmp_path, small_source)
    home = instance_home(tmp_path / "dagster")
    env = deployment_env(settings, home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # the batching event log finds its files by it
    instance = DagsterInstance.from_config(str(home))
    Pipeline(settings, instance).run(START.isoformat(), FIRST_HALF_END)  # the first half, built in full

    with running_daemon(env, tmp_path / "daemon.log"):
        moments = Moments(settings, instance, since=time.time())
        launch(env, DAILY_JOB, range_tags(*SECOND_HALF))
        run = wait_for("the daily run", lambda: instance.get_runs(RunsFilter(job_name=DAILY_JOB), limit=1))[0]
        reached = getattr(moments, moment)
        wait_for(f"the run to reach {moment}", lambda: reached(run.run_id), every=0.005)
        victims = kill_tree(wait_for("the run worker", lambda: worker_pid(instance, run.run_id)))
        killed_at = time.monotonic()
        assert len(victims) >= (2 if moment == "dbt" else 1), victims  # the run worker (and dbt)
        # Nothing moves once the worker is dead: the run was killed inside that stage, not after it.
        assert reached(run.run_id), f"the kill landed after {moment}"
        if moment == "load":  # killed with the load half done: a package left pending
            assert dlt.attach(ORDERS_PIPELINE, pipelines_dir=str(settings.dlt_pipelines_dir)).has_pending_data

        wait_for(
            "run monitoring to fail the killed run",
            lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.FAILURE,
            timeout=120,
        )
        failed_after = time.monotonic() - killed_at
        retry = wait_for(
            "the retry to finish",
            lambda: [
                r for r in instance.get_runs(RunsFilter(tags={PARENT_RUN_ID_TAG: run.run_id})) if r.status in FINISHED
            ],
            timeout=600,
        )[0]
        assert retry.status == DagsterRunStatus.SUCCESS
        figures(f"failed by run monitoring {failed_after:.0f}s after the kill; retry succeeded")

    # The warehouse equals the source for the killed days: orders, lines and money, no duplicates.
    found = warehouse_days(settings.warehouse_path, *SECOND_HALF)
    assert found["fact_sales"] == source_days(small_source, *SECOND_HALF)
    assert found["fact_sales duplicates"] == (0,) and found["raw duplicates"] == (0,)
    # No dlt load package left pending: the retry loaded or finished it.
    for name in (ORDERS_PIPELINE, REFERENCE_PIPELINE):
        pipeline = dlt.attach(name, pipelines_dir=str(settings.dlt_pipelines_dir))
        assert not pipeline.has_pending_data, name
    # One alert for the killed run, saying the worker died; none for its successful retry.
    cursor = AlertCursor()
    alerts = [
        alert.text for record, _ in finished_runs(instance, cursor) for alert in run_alerts(instance, record, cursor)
    ]
    killed = [text for text in alerts if run.run_id[:8] in text]
    assert len(killed) == 1 and "the run's process ended without finishing" in killed[0], alerts
    assert not [text for text in alerts if retry.run_id[:8] in text]
