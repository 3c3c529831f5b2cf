"""Dagster resources: the source database, the warehouse, and the dlt and dbt runners."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
import sqlalchemy as sa
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from sales_assets.dbt_project import dbt_executable, dbt_project
from sales_assets.settings import Settings, export_for_dbt
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
        return dlt.pipeline(
            pipeline_name=name,
            destination=dlt.destinations.duckdb(self.path),
            dataset_name="raw",
            pipelines_dir=self.dlt_dir,
        )

    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = duckdb.connect(self.path, read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()


def build_resources(settings: Settings) -> dict[str, Any]:
    export_for_dbt(settings)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "source": SalesSource(url=settings.source_url, directory=str(settings.source_dir)),
        "warehouse": Warehouse(path=str(settings.warehouse_path), dlt_dir=str(settings.dlt_pipelines_dir)),
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }
