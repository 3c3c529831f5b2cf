"""The code location: assembles assets, checks, jobs, schedule and sensors from one Settings."""

from __future__ import annotations

import warnings
from typing import Any

from dagster import (
    AssetsDefinition,
    BetaWarning,
    Definitions,
    PartitionsDefinition,
    in_process_executor,
    with_source_code_references,
)

from sales_assets.alerts import build_alert_sensor
from sales_assets.automation import build_automation_sensor
from sales_assets.checks import build_checks
from sales_assets.dashboard_asset import build_dashboard_asset
from sales_assets.dbt_assets import build_dbt_assets
from sales_assets.dlt_assets import build_dlt_assets
from sales_assets.jobs import build_daily_job, build_sales_job
from sales_assets.partitions import daily_partitions
from sales_assets.predict.assets import build_predict_assets
from sales_assets.predict.checks import build_predict_checks
from sales_assets.resources import build_resources
from sales_assets.schedules import build_daily_schedule
from sales_assets.sensors import build_source_change_sensor
from sales_assets.settings import Settings, load_settings


def build_assets(settings: Settings, partitions_def: PartitionsDefinition) -> list[Any]:
    """Groups read left to right in the UI: raw -> staging -> intermediate -> analytics -> dashboard
    (the forecasts and inventory cover are Python assets in analytics).

    Code references link each asset page to its source: Python-defined assets to their function,
    dbt models to their .sql (the translator). A beta feature in Dagster, chosen on purpose and
    said once in the README rather than warned on every load.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=BetaWarning)
        return with_source_code_references(
            [
                *build_dlt_assets(settings, partitions_def),
                *build_dbt_assets(partitions_def, settings.target),
                *build_predict_assets(),
                build_dashboard_asset(),
            ]
        )


def build_definitions(settings: Settings) -> Definitions:
    partitions_def = daily_partitions(settings)
    assets = build_assets(settings, partitions_def)
    sales_job = build_sales_job(partitions_def)
    tables = [a for a in assets if isinstance(a, AssetsDefinition) and a.node_def.name == "dbt_partitioned"]
    daily_job = build_daily_job(partitions_def, tables)
    return Definitions(
        assets=assets,
        asset_checks=[*build_checks(partitions_def), *build_predict_checks()],
        jobs=[sales_job, daily_job],
        schedules=[build_daily_schedule(daily_job)],
        sensors=[
            build_source_change_sensor(daily_job, partitions_def),
            build_automation_sensor(),
            build_alert_sensor(),
        ],
        resources=build_resources(settings),
        # The embedded DuckDB file has a single writer: steps of a run go one after another.
        executor=in_process_executor,
    )


defs = build_definitions(load_settings())
