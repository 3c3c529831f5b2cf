"""Alerts: failed asset checks and failed runs, each sent once, to the log and to a webhook.

A sensor reads Dagster's event log after its cursor (storage ids: nothing is read twice):

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    ConfigurableResource,
    DagsterEventType,
    DefaultSensorStatus,
    EventLogRecord,
    EventRecordsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

ALERTS_SENSOR = "data_quality_alerts"
BATCH = 200
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
    checks_after: int | None = None  # last check evaluation processed (event storage id)
    runs_after: int | None = None  # last run failure processed
    open_failures: dict[str, list[str]] = field(default_factory=dict)  # fingerprint -> partitions

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


def check_alert(record: EventLogRecord, cursor: AlertCursor) -> Alert | None:
    """The alert for a check evaluation, or None (it passed, or this failure was already sent).

    A passing evaluation closes the open failures of that check whose partitions it covered."""
    evaluation = record.event_log_entry.dagster_event.event_specific_data
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
    summary = _text(metadata.get("summary", evaluation.description or "failed"))
    where = f" for {', '.join(partitions)}" if partitions else ""
    run_id = record.event_log_entry.run_id
    text = f"[{severity}] check {name} failed{where} (run {run_id[:8]}): {summary}"
    return Alert(text, fingerprint, tuple(partitions))


def run_alert(record: EventLogRecord) -> Alert:
    entry = record.event_log_entry
    return Alert(f"[RUN FAILED] {entry.job_name} run {entry.run_id[:8]}: {entry.dagster_event.message}")


def build_alert_sensor() -> SensorDefinition:
    @sensor(
        name=ALERTS_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Failed asset checks and failed runs -> one alert each (log, and webhook when set).",
    )
    def data_quality_alerts(context: SensorEvaluationContext, alert_webhook: AlertWebhook) -> SensorResult | SkipReason:
        cursor = AlertCursor.parse(context.cursor)
        storage = context.instance.event_log_storage
        sources = [
            (DagsterEventType.ASSET_CHECK_EVALUATION, "checks_after"),
            (DagsterEventType.RUN_FAILURE, "runs_after"),
        ]
        sent = 0
        for event_type, position in sources:
            records = storage.get_event_records(
                EventRecordsFilter(event_type=event_type, after_cursor=getattr(cursor, position)),
                limit=BATCH,
                ascending=True,
            )
            for record in records:
                alert = check_alert(record, cursor) if position == "checks_after" else run_alert(record)
                if alert is not None:
                    context.log.warning(f"ALERT {alert.text}")
                    try:
                        alert_webhook.post(alert.text)
                    except (urllib.error.URLError, TimeoutError, OSError) as err:
                        # Keep the cursor before this alert: the next tick sends it again.
                        context.log.error(f"Alert webhook unreachable ({type(err).__name__}); retrying next tick")
                        return SensorResult(cursor=cursor.serialize(), skip_reason="Alert webhook unreachable")
                    if alert.fingerprint:
                        cursor.open_failures[alert.fingerprint] = list(alert.partitions)
                    sent += 1
                setattr(cursor, position, record.storage_id)
        if not sent:
            return SensorResult(cursor=cursor.serialize(), skip_reason="No new failed checks or runs")
        return SensorResult(cursor=cursor.serialize())

    return data_quality_alerts
