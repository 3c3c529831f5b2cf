"""The code location: the definitions of defs/ (ingest, transform, predict, quality, operations,
dashboard) assembled from one Settings, with the resources they share bound here.

`defs` is lazy (`@dg.definitions`): importing this module builds nothing; Dagster's tools (`dg dev`,
`dg list defs`, `dg launch`) call it. The folders are assembled here rather than autoloaded with
`load_from_defs_folder`, because every part is built from one Settings object (the source, the
warehouse, the partitions): the tests build whole code locations of their own, each with its own
source and warehouse, by calling `build_definitions(settings)`; autoloaded modules would build
from module-level state read from the environment instead.
"""

from __future__ import annotations

import warnings
from typing import Any

import dagster as dg
from dagster import (
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    Definitions,
    EnvVar,
    PartitionsDefinition,
    in_process_executor,
    with_source_code_references,
)
from dagster_dlt import DagsterDltResource

from sales_assets.core.partitions import daily_partitions
from sales_assets.core.resources import SalesSource
from sales_assets.core.settings import SOURCE_URL_ENV, WEBHOOK_ENV, Settings, load_settings
from sales_assets.core.warehouses import build_warehouse
from sales_assets.defs.dashboard.asset import build_dashboard_asset
from sales_assets.defs.ingest.assets import build_dlt_assets
from sales_assets.defs.operations.automation import build_automation_sensor
from sales_assets.defs.operations.jobs import DAILY_JOB, SALES_JOB, build_daily_job, build_sales_job
from sales_assets.defs.operations.reconciliation import build_reconciliation_sensor
from sales_assets.defs.operations.schedules import build_daily_schedule
from sales_assets.defs.operations.sensors import build_source_change_sensor
from sales_assets.defs.predict.assets import build_predict_assets
from sales_assets.defs.quality.alerts import AlertWebhook, build_alert_sensor
from sales_assets.defs.quality.checks import build_checks
from sales_assets.defs.quality.predict_checks import build_predict_checks
from sales_assets.defs.transform.assets import build_dbt_assets
from sales_assets.defs.transform.project import SalesDbtCliResource, dbt_executable, dbt_project

__all__ = ["DAILY_JOB", "SALES_JOB", "build_definitions", "defs"]  # what run.py and the tools use


def build_assets(settings: Settings, partitions_def: PartitionsDefinition) -> list[Any]:
    """Groups read left to right in the UI: raw -> staging -> intermediate -> analytics -> dashboard
    (the forecasts and inventory cover are Python assets in analytics).

    Code references link each asset page to its source: Python-defined assets to their function,
    dbt models to their .sql (the translator). A beta feature in Dagster, chosen on purpose and
    said once in the README rather than warned on every load.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=BetaWarning)
        assets = [
            *build_dlt_assets(settings, partitions_def),
            *build_dbt_assets(partitions_def, settings.target),
            *build_predict_assets(),
            build_dashboard_asset(),
        ]
        # Every asset runs once per backfill, the unpartitioned ones too: the whole graph over any
        # range is one run (as `make run` launches it), and `dg launch --job sales_pipeline
        # --partition-range A...B` accepts it (the CLI wants a single-run policy on every asset).
        single_run = BackfillPolicy.single_run()
        assets = [a if a.backfill_policy else a.with_attributes(backfill_policy=single_run) for a in assets]
        return with_source_code_references(assets)


def build_resources(settings: Settings) -> dict[str, Any]:
    return {
        # An EnvVar, not the value: the URL holds the source's password and resource config is shown in the UI.
        "source": SalesSource(
            url=EnvVar(SOURCE_URL_ENV) if settings.source_url else None, directory=str(settings.source_dir)
        ),
        "warehouse": build_warehouse(settings),
        "dlt": DagsterDltResource(),
        "dbt": SalesDbtCliResource(
            project_dir=dbt_project,
            dbt_executable=dbt_executable(),
            target=settings.dbt_target,
            artifacts_dir=str(settings.dbt_artifacts_dir),
        ),
        # An EnvVar, not the value: the URL is a secret and resource config is shown in the UI.
        "alert_webhook": AlertWebhook(url=EnvVar(WEBHOOK_ENV) if settings.alert_webhook_url else None),
    }


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
            build_reconciliation_sensor(daily_job, partitions_def),
            build_automation_sensor(),
            build_alert_sensor(),
        ],
        resources=build_resources(settings),
        # The embedded DuckDB file has a single writer: steps of a run go one after another.
        executor=in_process_executor,
    )


@dg.definitions
def defs() -> Definitions:
    return build_definitions(load_settings())
