"""Declarative automation: views are rebuilt when their SQL changes, and only then.

A view holds no data, so new rows need nothing of it; what needs it is a change of its SQL (a
new deployment) or its absence. dagster-dbt gives every model the checksum of its SQL as its code
version, so `code_version_changed()` sees a changed view on the next evaluation. Both triggers
fire once: a failed rebuild is not retried every tick until someone looks at it. The tables are
built by the jobs (the schedule, the source-change sensor, backfills), never by this sensor.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

VIEWS_FOLLOW_THEIR_SQL = (
    (AutomationCondition.missing().newly_true() | AutomationCondition.code_version_changed()).since_last_handled()
    & ~AutomationCondition.in_progress()
).with_label("rebuild_when_sql_changes_or_missing")


def build_automation_sensor() -> AutomationConditionSensorDefinition:
    return AutomationConditionSensorDefinition(
        "analytics_automation",
        target=AssetSelection.all(),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Evaluates the views' automation condition: rebuild a view when its SQL changes or it is missing.",
    )
