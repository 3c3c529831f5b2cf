"""Declarative automation: the whole-history marts follow fact_sales, once per batch of changes.

The marts are rebuilt from all of fact_sales, so a change run per day would rebuild them once
per run if they were part of each run. Instead they carry `AutomationCondition.eager()`: when any
upstream asset is updated they are requested once, and not while an upstream run is still in
progress or queued, so a burst of change runs ends in one rebuild. A run that already rebuilt them
itself (the daily schedule, a full backfill) does not trigger them again.

One clause of `eager()` is narrowed: "no upstream partition is missing" becomes "none missing
before the newest day". The partition set ends at today, so today's fact_sales partition is
missing until its first load; that must not hold back the marts after the days that were loaded,
while a never-loaded history still does.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

_MISSING_BEFORE_LATEST_DAY = (
    AutomationCondition.missing()
    & ~AutomationCondition.will_be_requested()
    & ~AutomationCondition.in_latest_time_window()
)
MARTS_FOLLOW_UPSTREAM = AutomationCondition.eager().replace(
    "any_deps_missing",
    AutomationCondition.any_deps_match(_MISSING_BEFORE_LATEST_DAY).with_label("any_deps_missing_before_latest_day"),
)


def build_automation_sensor() -> AutomationConditionSensorDefinition:
    return AutomationConditionSensorDefinition(
        "analytics_automation",
        target=AssetSelection.all(),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Evaluates the marts' automation condition: rebuild once after upstream updates.",
    )
