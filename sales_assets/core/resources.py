"""The source database as a Dagster resource: what the ingest, the checks and the sensor read through."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from dagster import ConfigurableResource

from sales_assets.source.engine import source_engine


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
