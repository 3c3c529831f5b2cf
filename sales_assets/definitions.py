"""The code location: assembles assets, checks, jobs, schedule and sensors from one Settings."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from sales_assets.alerts import build_alert_sensor
from sales_assets.automation import build_automation_sensor
from sales_assets.checks import build_checks
from sales_assets.dbt_assets import build_dbt_assets
from sales_assets.dlt_assets import build_dlt_assets
from sales_assets.jobs import build_changes_job, build_sales_job
from sales_assets.partitions import daily_partitions
from sales_assets.resources import build_resources
from sales_assets.schedules import build_daily_schedule
from sales_assets.sensors import build_source_change_sensor
from sales_assets.settings import Settings, load_settings


def build_definitions(settings: Settings) -> Definitions:
    partitions_def = daily_partitions(settings)
    sales_job = build_sales_job(partitions_def)
    changes_job = build_changes_job(partitions_def)
    return Definitions(
        assets=[*build_dlt_assets(settings, partitions_def), *build_dbt_assets(partitions_def, settings.target)],
        asset_checks=build_checks(partitions_def),
        jobs=[sales_job, changes_job],
        schedules=[build_daily_schedule(sales_job)],
        sensors=[
            build_source_change_sensor(changes_job, partitions_def),
            build_automation_sensor(),
            build_alert_sensor(),
        ],
        resources=build_resources(settings),
        # The embedded DuckDB file has a single writer: steps of a run go one after another.
        executor=in_process_executor,
    )


defs = build_definitions(load_settings())
