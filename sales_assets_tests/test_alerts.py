"""The alert rules on their own: one alert per failure, quiet while it stays open, again once closed.

The end-to-end alert path (real runs, a webhook on 127.0.0.1) is in test_faults_caught.py; this
pins down when a repeated failure is the same failure.
"""

from __future__ import annotations

import time

from dagster import AssetCheckSeverity, AssetKey, DagsterEventType, EventLogEntry
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation
from dagster._core.events import DagsterEvent

from sales_assets.defs.quality.alerts import AlertCursor, check_alert


def evaluation(passed: bool, window: tuple[str, str], failing: str = "", run_id: str = "run-0001") -> EventLogEntry:
    data = AssetCheckEvaluation(
        asset_key=AssetKey(["raw", "sales_order_header"]),
        check_name="order_totals_add_up",
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "summary": "1 orders whose lines do not sum to SubTotal" if not passed else "ok",
            "window_start": window[0],
            "window_end": window[1],
            "failing_partitions": failing,
        },
    )
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_CHECK_EVALUATION.value,
        job_name="sales_pipeline",
        event_specific_data=data,
    )
    return EventLogEntry(
        error_info=None, level=20, user_message="", run_id=run_id, timestamp=time.time(), dagster_event=event
    )


def send(entry: EventLogEntry, cursor: AlertCursor) -> str | None:
    """What the sensor does with one evaluation: alert, and remember the failure as open."""
    alert = check_alert(entry, cursor)
    if alert is None:
        return None
    cursor.open_failures[alert.fingerprint] = list(alert.partitions)
    return alert.text


def test_a_failure_alerts_once_until_a_passing_evaluation_over_its_partitions_closes_it() -> None:
    cursor = AlertCursor()
    day, other = ("2013-01-27", "2013-01-28"), ("2013-01-28", "2013-01-29")
    first = send(evaluation(False, day, "2013-01-27"), cursor)
    assert first == (
        "[ERROR] check raw/sales_order_header:order_totals_add_up failed for 2013-01-27 (run run-0001): "
        "1 orders whose lines do not sum to SubTotal"
    )
    assert send(evaluation(False, day, "2013-01-27", run_id="run-0002"), cursor) is None  # a rerun: same failure
    assert send(evaluation(True, other), cursor) is None  # another day passing does not fix this one
    assert send(evaluation(False, day, "2013-01-27", run_id="run-0003"), cursor) is None
    # A different set of failing partitions is a new failure.
    assert send(evaluation(False, ("2013-01-01", "2013-02-01"), "2013-01-27, 2013-01-30"), cursor)
    # The day passes (fixed in the source, reloaded): closed; failing again alerts again.
    assert send(evaluation(True, day), cursor) is None
    assert list(cursor.open_failures) == ["raw/sales_order_header:order_totals_add_up|2013-01-27,2013-01-30"]
    assert send(evaluation(False, day, "2013-01-27", run_id="run-0004"), cursor)


def test_the_cursor_round_trips_through_its_serialized_form() -> None:
    cursor = AlertCursor(successes_after="abc", open_failures={"x|2013-01-27": ["2013-01-27"]})
    assert AlertCursor.parse(cursor.serialize()) == cursor
    assert AlertCursor.parse(None) == AlertCursor()
