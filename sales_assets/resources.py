"""Dagster resources: the source database, the warehouse, and the dlt and dbt runners."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
import sqlalchemy as sa
from dagster import AssetKey, ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from sales_assets.alerts import AlertWebhook
from sales_assets.dbt_project import dbt_executable, dbt_project
from sales_assets.settings import WEBHOOK_ENV, Settings
from sales_assets.source.engine import source_engine


class SalesSource(ConfigurableResource):
    """The order-taking database: a SQLAlchemy URL, or the embedded SQLite directory."""

    url: str | None = None
    directory: str

    def engine(self) -> sa.Engine:
        return source_engine(self.url, Path(self.directory))


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse: dlt loads its `raw` schema, dbt builds staging and analytics."""

    path: str
    dlt_dir: str

    def dlt_pipeline(self, name: str) -> dlt.Pipeline:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Stamp every row with its load (`_dlt_load_id`, a unix timestamp), as dlt does for
        # row-by-row sources: which load wrote a row, and dbt's source freshness reads it.
        dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
        return dlt.pipeline(
            pipeline_name=name,
            destination=dlt.destinations.duckdb(self.path),
            dataset_name="raw",
            pipelines_dir=self.dlt_dir,
        )

    @contextmanager
    def dbt_env(self) -> Iterator[None]:
        """Point dbt (profiles.yml reads SALES_WAREHOUSE_PATH) at this warehouse for one invocation.

        dagster-dbt hands the process environment to the dbt subprocess it starts, so the
        resource, not whatever the environment held, decides which file dbt builds into.
        """
        previous = os.environ.get("SALES_WAREHOUSE_PATH")
        os.environ["SALES_WAREHOUSE_PATH"] = self.path
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SALES_WAREHOUSE_PATH", None)
            else:
                os.environ["SALES_WAREHOUSE_PATH"] = previous

    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = duckdb.connect(self.path, read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()

    def relations(self) -> list[AssetKey]:
        """The warehouse's tables and views as [schema, name], raw then staging then analytics."""
        with self.connect() as conn:
            rows = conn.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('raw', 'staging', 'analytics') and table_name not like '\\_dlt%' escape '\\' "
                "order by case table_schema when 'raw' then 1 when 'staging' then 2 else 3 end, table_name"
            ).fetchall()
        return [AssetKey([schema, name]) for schema, name in rows]

    def row_counts(self, keys: Iterable[AssetKey]) -> dict[AssetKey, int]:
        """Rows in the relations behind asset keys shaped [schema, table]."""
        with self.connect() as conn:
            return {
                key: conn.execute(f'select count(*) from "{key.path[0]}"."{key.path[1]}"').fetchone()[0] for key in keys
            }


def build_resources(settings: Settings) -> dict[str, Any]:
    return {
        "source": SalesSource(url=settings.source_url, directory=str(settings.source_dir)),
        "warehouse": Warehouse(path=str(settings.warehouse_path), dlt_dir=str(settings.dlt_pipelines_dir)),
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        # An EnvVar, not the value: the URL is a secret and resource config is shown in the UI.
        "alert_webhook": AlertWebhook(url=EnvVar(WEBHOOK_ENV) if settings.alert_webhook_url else None),
    }
