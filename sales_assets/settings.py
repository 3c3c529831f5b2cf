"""Configuration, read in one place from environment variables.

Nothing else in the project reads `os.environ` for these settings. Defaults give the embedded
setup (SQLite source files, a DuckDB warehouse) so that a fresh clone runs with no configuration.
Relative paths are taken relative to the working directory (the repository root for `make`,
`dagster dev` and pytest) and resolved to absolute paths, because dbt runs from `dbt_project/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_PARTITIONS_START = "2011-05-31"
WEBHOOK_ENV = "SALES_ALERT_WEBHOOK_URL"


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use; the message names it."""


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise SettingsError(f"{name}={value!r} is not a date in YYYY-MM-DD form") from err


@dataclass(frozen=True)
class Settings:
    source_url: str | None
    source_dir: Path
    warehouse_path: Path
    data_dir: Path
    partitions_start: date
    partitions_end: date | None
    # A secret: only ever handed to Dagster as EnvVar(WEBHOOK_ENV), never logged.
    alert_webhook_url: str | None = None

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's working state lives with the project's data, not in the home directory."""
        return self.data_dir / "dlt"

    @property
    def source_engine_kind(self) -> str:
        """The source database's engine, as shown in asset kinds ('sqlite', 'mssql', ...)."""
        if not self.source_url:
            return "sqlite"
        return self.source_url.split(":", 1)[0].split("+", 1)[0]


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    start = _date("SALES_PARTITIONS_START", env.get("SALES_PARTITIONS_START") or DEFAULT_PARTITIONS_START)
    end_raw = env.get("SALES_PARTITIONS_END") or None
    end = _date("SALES_PARTITIONS_END", end_raw) if end_raw else None
    if end is not None and end <= start:
        raise SettingsError(
            f"SALES_PARTITIONS_END={end} must be after SALES_PARTITIONS_START={start} (it is exclusive)"
        )
    return Settings(
        source_url=env.get("SALES_SOURCE_URL") or None,
        source_dir=Path(env.get("SALES_SOURCE_DIR") or "data/source").resolve(),
        warehouse_path=Path(env.get("SALES_WAREHOUSE_PATH") or "data/warehouse.duckdb").resolve(),
        data_dir=Path(env.get("SALES_DATA_DIR") or "data").resolve(),
        partitions_start=start,
        partitions_end=end,
        alert_webhook_url=env.get(WEBHOOK_ENV) or None,
    )
