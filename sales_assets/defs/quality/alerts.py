"""Alerts: failed asset checks and failed runs, each sent once, to the log and to a webhook.

A sensor follows finished runs in the order they finished (Dagster's run status events, after its
cursor: nothing is read twice, on sharded and consolidated event logs alike) and reads each run's
check evaluations:

- a failed check (ERROR or WARN) alerts once per failure: the same check failing again for the
  same partitions, as every rerun of a broken day would, stays quiet until a passing evaluation
  over those partitions closes it;
- a failed run alerts once (a run fails once).

Every alert is logged. With `SALES_ALERT_WEBHOOK_URL` set it is also POSTed as Slack-compatible
JSON (`{"text": ...}`). A webhook that is down or slow (5 s timeout) stops the tick before the
cursor passes that alert, so the next tick retries it; the URL itself, a secret, is never logged.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    ConfigurableResource,
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    EventLogEntry,
    EventLogRecord,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from dagster._core.storage.event_log.base import EventLogCursor

ALERTS_SENSOR = "data_quality_alerts"
BATCH = 100  # finished runs read per tick, per status
_FINISHED = {DagsterEventType.RUN_SUCCESS: "successes_after", DagsterEventType.RUN_FAILURE: "failures_after"}
TIMEOUT_SECONDS = 5.0


class AlertWebhook(ConfigurableResource):
    """Where alerts are POSTed; None logs only. Configured from SALES_ALERT_WEBHOOK_URL (an EnvVar,
    so the UI shows the variable's name, not the secret URL)."""

    url: str | None = None

    def post(self, text: str) -> None:
        if not self.url:
            return
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()


@dataclass
class AlertCursor:
    successes_after: str | None = None  # event log cursors of the last finished run processed
    failures_after: str | None = None
    open_failures: dict[str, list[str]] = field(default_factory=dict)  # check fingerprint -> partitions
    sent_for_run: list[str] = field(default_factory=list)  # alerts of a run cut short by the webhook

    @classmethod
    def parse(cls, raw: str | None) -> "AlertCursor":
        return cls(**json.loads(raw)) if raw else cls()

    def serialize(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def _partitions(metadata: Mapping[str, Any]) -> list[str]:
    failing = _text(metadata.get("failing_partitions", "")).strip()
    return [key for key in failing.split(", ") if key] if failing else []


def _window(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    if "window_start" in metadata and "window_end" in metadata:
        return _text(metadata["window_start"]), _text(metadata["window_end"])
    return None


@dataclass(frozen=True)
class Alert:
    text: str
    fingerprint: str | None = None  # a check failure's identity while it stays open
    partitions: tuple[str, ...] = ()


def check_alert(entry: EventLogEntry, cursor: AlertCursor) -> Alert | None:
    """The alert for a check evaluation, or None (it passed, or this failure was already sent).

    A passing evaluation closes the open failures of that check whose partitions it covered."""
    evaluation = entry.dagster_event.event_specific_data
    check = evaluation.asset_check_key
    name = f"{check.asset_key.to_user_string()}:{check.name}"
    metadata = evaluation.metadata
    partitions = _partitions(metadata)
    fingerprint = f"{name}|{','.join(partitions)}"
    if evaluation.passed:
        window = _window(metadata)
        for open_key, open_partitions in list(cursor.open_failures.items()):
            covered = window is None or all(window[0] <= key < window[1] for key in open_partitions)
            if open_key.startswith(f"{name}|") and covered:
                del cursor.open_failures[open_key]
        return None
    if fingerprint in cursor.open_failures:
        return None
    severity = evaluation.severity.value
    if "summary" in metadata:
        summary = _text(metadata["summary"])
    elif "dagster_dbt/failed_row_count" in metadata:  # a dbt test
        summary = f"dbt test returned {_text(metadata['dagster_dbt/failed_row_count'])} failing rows"
    else:
        summary = evaluation.description or "failed"
    where = f" for {', '.join(partitions)}" if partitions else ""
    text = f"[{severity}] check {name} failed{where} (run {entry.run_id[:8]}): {summary}"
    return Alert(text, fingerprint, tuple(partitions))


def run_alert(entry: EventLogEntry, step_errors: Sequence[str] = ()) -> Alert:
    """The run's failure, with the first line of each failed step's error: what went wrong, not
    only which step (e.g. which source was unreachable for which days)."""
    errors = "".join(f" | {error}" for error in step_errors) or (
        " | no step failed: the run's process ended without finishing (killed, out of memory, or the machine "
        "went down); run retries relaunch it once"
    )
    return Alert(f"[RUN FAILED] {entry.job_name} run {entry.run_id[:8]}: {entry.dagster_event.message}{errors}")


def step_errors(instance: DagsterInstance, run_id: str) -> list[str]:
    errors = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        failure = entry.dagster_event.step_failure_data
        error = failure.user_failure_data.description if failure.user_failure_data else None
        error = error or (failure.error.message if failure.error else "")
        errors.append(f"{entry.step_key}: {error.strip().splitlines()[0] if error.strip() else 'failed'}")
    return errors


def finished_runs(instance: DagsterInstance, cursor: AlertCursor) -> list[tuple[EventLogRecord, str]]:
    """Runs that finished after the cursor (succeeded or failed), in the order they finished."""
    records = []
    for event_type, position in _FINISHED.items():
        result = instance.fetch_run_status_changes(
            event_type, limit=BATCH, cursor=getattr(cursor, position), ascending=True
        )
        records += [(record, position) for record in result.records]
    return sorted(records, key=lambda pair: pair[0].timestamp)


def run_alerts(instance: DagsterInstance, record: EventLogRecord, cursor: AlertCursor) -> Iterator[Alert]:
    """A finished run's alerts: its failed checks (not yet open), then its own failure."""
    for entry in instance.all_logs(record.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        alert = check_alert(entry, cursor)
        if alert is not None:
            yield alert
    if record.event_log_entry.dagster_event.event_type == DagsterEventType.RUN_FAILURE:
        yield run_alert(record.event_log_entry, step_errors(instance, record.run_id))


def build_alert_sensor() -> SensorDefinition:
    @sensor(
        name=ALERTS_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Failed asset checks and failed runs -> one alert each (log, and webhook when set).",
    )
    def data_quality_alerts(context: SensorEvaluationContext, alert_webhook: AlertWebhook) -> SensorResult:
        cursor = AlertCursor.parse(context.cursor)
        sent = 0
        for record, position in finished_runs(context.instance, cursor):
            for alert in run_alerts(context.instance, record, cursor):
                if alert.text in cursor.sent_for_run:
                    continue  # sent on the tick the webhook went down
                context.log.warning(f"ALERT {alert.text}")
                try:
                    alert_webhook.post(alert.text)
                except (urllib.error.URLError, TimeoutError, OSError) as err:
                    # The cursor stays before this run: the next tick sends what is left of it.
                    context.log.error(f"Alert webhook unreachable ({type(err).__name__}); retrying next tick")
                    return SensorResult(cursor=cursor.serialize(), skip_reason="Alert webhook unreachable")
                if alert.fingerprint:
                    cursor.open_failures[alert.fingerprint] = list(alert.partitions)
                cursor.sent_for_run.append(alert.text)
                sent += 1
            setattr(cursor, position, EventLogCursor.from_storage_id(record.storage_id).to_string())
            cursor.sent_for_run = []
        return SensorResult(cursor=cursor.serialize(), skip_reason=None if sent else "No new failed checks or runs")

    return data_quality_alerts
