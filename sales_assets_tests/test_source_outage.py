"""A source that goes away: the ingest retries with backoff, then fails naming the source and the
days, alerts once, loads nothing half-way; the next run after recovery loads what was missed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from dagster import Backoff, DagsterEventType, Jitter, RetryPolicy

from sales_assets.defs.ingest import assets as dlt_assets
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.quality.alerts import AlertCursor, finished_runs, run_alerts
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.source_rows import connect

FIRST, SECOND = "2013-01-14", "2013-01-15"


def source_lines(source: Path, day: str) -> int:
    return (
        connect(source)
        .execute(
            "select count(*) from Sales.SalesOrderDetail join Sales.SalesOrderHeader using (SalesOrderID) "
            "where substr(OrderDate, 1, 10) = ?",
            (day,),
        )
        .fetchone()[0]
    )


def warehouse_lines(pipeline: Pipeline, day: str) -> int:
    return pipeline.query(
        "select count(*) from raw.sales_order_detail d join raw.sales_order_header h using (sales_order_id) "
        "where cast(h.order_date as date) = ?",
        [day],
    )[0][0]


def test_an_unreachable_source_is_retried_then_fails_clearly_and_the_next_run_catches_up(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The project's policy with shorter waits: the same attempts, backoff and jitter.
    policy = dlt_assets.SOURCE_RETRY
    monkeypatch.setattr(
        dlt_assets,
        "SOURCE_RETRY",
        RetryPolicy(max_retries=policy.max_retries, delay=0.2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS),
    )
    source = tmp_path / "source"
    source.symlink_to(small_source, target_is_directory=True)
    pipeline = Pipeline(make_settings(tmp_path, source))
    pipeline.run(FIRST)  # the first build: views and all
    before = pipeline.query("select count(*), sum(line_total) from analytics.fact_sales")

    source.unlink()  # the source's volume is gone (a network mount, a moved directory)
    failed = pipeline.run(SECOND, job=DAILY_JOB, expect_success=False)
    events = failed.all_events
    # Both loads retried (orders and reference tables), each as often as the policy allows.
    retries = Counter(e.step_key for e in events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY)
    assert retries == {"raw_sales_orders": policy.max_retries, "raw_sales_reference": policy.max_retries}
    failures = {
        e.step_key: e.step_failure_data.user_failure_data.description
        for e in events
        if e.event_type == DagsterEventType.STEP_FAILURE
    }
    assert set(failures) == {"raw_sales_orders", "raw_sales_reference"}
    assert all(f"embedded SQLite at {source}" in m and "after 5 attempts" in m for m in failures.values())
    assert f"the order tables for [{SECOND}, 2013-01-16)" in failures["raw_sales_orders"]
    # Nothing downstream ran on a half load; the warehouse is as the first day left it.
    assert pipeline.query("select count(*), sum(line_total) from analytics.fact_sales") == before
    assert warehouse_lines(pipeline, SECOND) == 0

    # One alert for the failed run, saying which source and which days.
    cursor = AlertCursor()
    alerts = [a.text for record, _ in finished_runs(pipeline.instance, cursor) for a in run_alerts(
        pipeline.instance, record, cursor
    )]  # fmt: skip
    assert len(alerts) == 1 and alerts[0].startswith(f"[RUN FAILED] {DAILY_JOB}")
    assert f"embedded SQLite at {source}" in alerts[0] and SECOND in alerts[0]

    source.symlink_to(small_source, target_is_directory=True)  # back
    pipeline.run(SECOND, job=DAILY_JOB)
    assert warehouse_lines(pipeline, SECOND) == source_lines(small_source, SECOND) > 0
    facts = pipeline.query(
        "select count(*) from analytics.fact_sales where cast(order_date as date) in (?, ?)", [FIRST, SECOND]
    )
    assert facts[0][0] == source_lines(small_source, FIRST) + source_lines(small_source, SECOND)
