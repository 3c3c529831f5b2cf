"""Dagster resources: the source database, the warehouse (sales_assets.warehouses), dlt, dbt and alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dagster import ConfigurableResource, EnvVar
from dagster_dlt import DagsterDltResource

from sales_assets.alerts import AlertWebhook
from sales_assets.dbt_project import SalesDbtCliResource, dbt_executable, dbt_project
from sales_assets.settings import SOURCE_URL_ENV, WEBHOOK_ENV, Settings
from sales_assets.source.engine import source_engine
from sales_assets.warehouses import build_warehouse


class SalesSource(ConfigurableResource):
    """The order-taking database: a SQLAlchemy URL, or the embedded SQLite directory."""

    url: str | None = None
    directory: str

    def engine(self) -> sa.Engine:
        return source_engine(self.url, Path(self.directory))

    def description(self) -> str:
        """Which source, for people: the server and database, or the directory (never a password)."""
        if not self.url:
            return f"embedded SQLite at {self.directory}"
        url = sa.make_url(self.url)
        return f"{url.get_backend_name()}://{url.host or ''}{f':{url.port}' if url.port else ''}/{url.database or ''}"


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
