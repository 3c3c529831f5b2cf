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
SOURCE_URL_ENV = "SALES_SOURCE_URL"
TARGETS = ("duckdb", "snowflake")
# Password or key pair, exactly one. Secrets are handed to Dagster as EnvVar and to dbt
# as env_var(), never as values (resource config is shown in the UI).
SNOWFLAKE_AUTH = ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_PRIVATE_KEY")


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use; the message names it."""


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise SettingsError(f"{name}={value!r} is not a date in YYYY-MM-DD form") from err


@dataclass(frozen=True)
class SnowflakeSettings:
    """The Snowflake account, from SNOWFLAKE_* variables (the names dbt and Snowflake's tools use).

    Password or key pair: SNOWFLAKE_PASSWORD, or SNOWFLAKE_PRIVATE_KEY_PATH (or the key itself in
    SNOWFLAKE_PRIVATE_KEY) with an optional SNOWFLAKE_PRIVATE_KEY_PASSPHRASE. SNOWFLAKE_HOST, _PORT
    and _PROTOCOL are for a private endpoint or an emulator; unset, the account decides the host.
    """

    account: str
    user: str
    role: str
    warehouse: str
    database: str
    auth_env: str  # the variable that holds the secret: SNOWFLAKE_PASSWORD, _PRIVATE_KEY_PATH or _PRIVATE_KEY
    key_passphrase: bool = False  # SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is set (an encrypted private key)
    host: str | None = None
    port: int | None = None
    protocol: str | None = None


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
    # Where dlt loads and dbt builds: the embedded DuckDB file, or Snowflake.
    target: str = "duckdb"
    snowflake: SnowflakeSettings | None = None
    # dbt's target in dbt_project/profiles.yml: `target`, unless SALES_DBT_TARGET names an emulator's
    # (`fake*`, e.g. the tests' `fakesnow`, which dbt_project.yml gives its workarounds).
    dbt_target: str = "duckdb"

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's working state lives with the project's data, not in the home directory."""
        return self.data_dir / "dlt"

    @property
    def dbt_artifacts_dir(self) -> Path:
        """dbt's target folders and partial parse for this warehouse (see SalesDbtCliResource)."""
        return self.data_dir / "dbt"

    @property
    def source_engine_kind(self) -> str:
        """The source database's engine, as shown in asset kinds ('sqlite', 'mssql', ...)."""
        if not self.source_url:
            return "sqlite"
        return self.source_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def warehouse_description(self) -> str:
        """Where the warehouse is, for people: a path, or account/database (never a secret)."""
        if self.snowflake is not None:
            return f"snowflake://{self.snowflake.account}/{self.snowflake.database}"
        return str(self.warehouse_path)


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None, warehouse: bool = True) -> Settings:
    """The settings; `warehouse=False` skips the Snowflake account (the source's command line needs none)."""
    env = os.environ if environ is None else environ
    start = _date("SALES_PARTITIONS_START", env.get("SALES_PARTITIONS_START") or DEFAULT_PARTITIONS_START)
    end_raw = env.get("SALES_PARTITIONS_END") or None
    end = _date("SALES_PARTITIONS_END", end_raw) if end_raw else None
    if end is not None and end <= start:
        raise SettingsError(
            f"SALES_PARTITIONS_END={end} must be after SALES_PARTITIONS_START={start} (it is exclusive)"
        )
    target = (env.get("SALES_TARGET") or "duckdb").lower()
    if target not in TARGETS:
        raise SettingsError(f"SALES_TARGET={target!r} must be one of: {', '.join(TARGETS)}")
    return Settings(
        source_url=env.get(SOURCE_URL_ENV) or None,
        source_dir=Path(env.get("SALES_SOURCE_DIR") or "data/source").resolve(),
        warehouse_path=Path(env.get("SALES_WAREHOUSE_PATH") or "data/warehouse.duckdb").resolve(),
        data_dir=Path(env.get("SALES_DATA_DIR") or "data").resolve(),
        partitions_start=start,
        partitions_end=end,
        alert_webhook_url=env.get(WEBHOOK_ENV) or None,
        target=target,
        snowflake=snowflake_settings(env) if target == "snowflake" and warehouse else None,
        dbt_target=_dbt_target(env, target),
    )


def _dbt_target(env: os._Environ[str] | dict[str, str], target: str) -> str:
    """SALES_DBT_TARGET may only name an emulator of the same engine: never build where dlt does not load."""
    dbt_target = env.get("SALES_DBT_TARGET") or target
    if dbt_target != target and not (target == "snowflake" and dbt_target.startswith("fake")):
        raise SettingsError(
            f"SALES_DBT_TARGET={dbt_target!r} does not match SALES_TARGET={target!r}: "
            "unset it (it only names an emulator target, fake*, for SALES_TARGET=snowflake)"
        )
    return dbt_target


def snowflake_settings(env: os._Environ[str] | dict[str, str]) -> SnowflakeSettings:
    """Read SNOWFLAKE_*; every missing variable is named at once, when definitions load."""
    names = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_DATABASE")
    missing = [name for name in names if not env.get(name)]
    auth = [name for name in SNOWFLAKE_AUTH if env.get(name)]
    if len(auth) > 1:
        # dbt would send every one of them and the connector prefers the key: one login method only.
        raise SettingsError(f"Set one Snowflake login method, not several: {', '.join(auth)}")
    if not auth:
        missing.append("SNOWFLAKE_PASSWORD (or SNOWFLAKE_PRIVATE_KEY_PATH / SNOWFLAKE_PRIVATE_KEY for key-pair auth)")
    if missing:
        raise SettingsError(f"SALES_TARGET=snowflake needs these environment variables: {', '.join(missing)}")
    port = env.get("SNOWFLAKE_PORT") or None
    if port is not None and not port.isdigit():
        raise SettingsError(f"SNOWFLAKE_PORT={port!r} is not a port number")
    return SnowflakeSettings(
        account=env["SNOWFLAKE_ACCOUNT"],
        user=env["SNOWFLAKE_USER"],
        role=env["SNOWFLAKE_ROLE"],
        warehouse=env["SNOWFLAKE_WAREHOUSE"],
        database=env["SNOWFLAKE_DATABASE"],
        auth_env=auth[0],
        key_passphrase=bool(env.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")),
        host=env.get("SNOWFLAKE_HOST") or None,
        port=int(port) if port else None,
        protocol=env.get("SNOWFLAKE_PROTOCOL") or None,
    )
