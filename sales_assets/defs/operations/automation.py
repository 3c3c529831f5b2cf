"""Declarative automation: views are rebuilt when their SQL changes, and only then; the
whole-history insights (recommendations, forecasts, inventory cover) on their own cadence.

A view holds no data, so new rows need nothing of it; what needs it is a change of its SQL (a
new deployment) or its absence. dagster-dbt gives every model the checksum of its SQL as its code
version, so `code_version_changed()` sees a changed view on the next evaluation. Both triggers
fire once: a failed rebuild is not retried every tick until someone looks at it. The tables are
built by the jobs (the schedule, the source-change sensor, backfills), never by this sensor.

What reads the whole history to answer "what next" is refreshed on a calendar, once the sales it
reads have been updated since the tick (on_cron waits for that): recommendations and forecasts
weekly, early on Monday so the 01:15 daily run that completes the week triggers them; inventory
cover daily, after the daily run has loaded the day's stock. Only the tables that carry new data
are waited for (`allow`): staging views change only with their SQL.
"""

from __future__ import annotations

from dagster import (
    AssetKey,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

VIEWS_FOLLOW_THEIR_SQL = (
    (AutomationCondition.missing().newly_true() | AutomationCondition.code_version_changed()).since_last_handled()
    & ~AutomationCondition.in_progress()
).with_label("rebuild_when_sql_changes_or_missing")

FACT_SALES = AssetKey(["analytics", "fact_sales"])
PRODUCT_SALES_DAILY = AssetKey(["intermediate", "int_product_sales_daily"])
PRODUCT_PAIRS_DAILY = AssetKey(["intermediate", "int_product_pairs_daily"])
PRODUCT_INVENTORY = AssetKey(["raw", "product_inventory"])

WEEKLY_AFTER_SALES = (
    AutomationCondition.on_cron("0 1 * * 1")
    .allow(AssetSelection.assets(FACT_SALES, PRODUCT_SALES_DAILY, PRODUCT_PAIRS_DAILY))
    .with_label("weekly_once_the_weeks_sales_are_in")
)
DAILY_AFTER_STOCK = (
    AutomationCondition.on_cron("0 1 * * *")
    .allow(AssetSelection.assets(PRODUCT_INVENTORY))
    .with_label("daily_once_the_days_stock_is_in")
)


def build_automation_sensor() -> AutomationConditionSensorDefinition:
    return AutomationConditionSensorDefinition(
        "analytics_automation",
        target=AssetSelection.all(),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Rebuilds a view when its SQL changes or it is missing; refreshes recommendations and forecasts "
        "weekly and inventory cover daily, once the data they read has been updated.",
    )
