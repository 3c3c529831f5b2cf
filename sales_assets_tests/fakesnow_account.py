"""A Snowflake account on 127.0.0.1 for tests: a fakesnow server, SALES_TARGET=snowflake pointed at it,
and DuckDB tables copied in as dlt or dbt would have left them in Snowflake.

fakesnow serves the Snowflake protocol from DuckDB in this process, so snowflake.connector (through
dagster-snowflake's SnowflakeResource) and dbt-snowflake subprocesses connect to it as to an account.
"""

import importlib
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import fakesnow.transforms
import pytest
import uvicorn

# The function, taken before its first call imports the submodule `fakesnow.server`, which then
# replaces the package attribute of the same name: a second `fakesnow.server()` would call a module.
from fakesnow import server as serve_fakesnow

from sales_assets.core.settings import Settings, load_settings
from sales_assets_tests.conftest import make_settings

ACCOUNT = {
    "SNOWFLAKE_ACCOUNT": "fakesnow",
    "SNOWFLAKE_USER": "ci",
    "SNOWFLAKE_PASSWORD": "not-a-secret",
    "SNOWFLAKE_ROLE": "transformer",
    "SNOWFLAKE_WAREHOUSE": "compute_wh",
}


class Emulator:
    """fakesnow's server on 127.0.0.1, stopped and started again on the same port as a test needs
    (an outage); its databases live in this process, so they outlast a stop."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.stopped_at = 0.0

    def start(self) -> None:
        app = importlib.import_module("fakesnow.server").app  # what fakesnow.server() serves
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, name="fakesnow server", daemon=True)
        self._thread.start()
        while self._thread.is_alive() and not self._server.started:
            self._thread.join(0.05)
        if not self._server.started:
            raise RuntimeError(f"fakesnow did not start on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        """As Snowflake going away: the port refuses connections from now on."""
        if self._server is not None and self._thread is not None:
            self.stopped_at = time.time()
            self._server.should_exit = True
            self._thread.join()
            self._server = self._thread = None


@contextmanager
def fakesnow_emulator(database: str) -> Iterator[tuple[dict[str, str], Emulator]]:
    """`fakesnow_account`, with the emulator to stop and start again."""
    emulator = Emulator()
    emulator.start()
    try:
        with _account(database, emulator.port) as env:
            yield env, emulator
    finally:
        emulator.stop()


@contextmanager
def fakesnow_account(database: str) -> Iterator[dict[str, str]]:
    """Serve fakesnow and set the environment SALES_TARGET=snowflake reads; yields that environment.

    `database` must not be named like a schema (fakesnow's views break then).
    """
    with serve_fakesnow() as server, _account(database, server["port"]) as env:
        yield env


@contextmanager
def _account(database: str, port: int) -> Iterator[dict[str, str]]:
    with pytest.MonkeyPatch.context() as patch:
        env = {
            **ACCOUNT,
            "SNOWFLAKE_DATABASE": database,
            "SALES_TARGET": "snowflake",
            # Turns on the emulator's workaround (dbt_project.yml); production targets never match.
            "SALES_DBT_TARGET": "fakesnow",
            "SNOWFLAKE_HOST": "127.0.0.1",
            "SNOWFLAKE_PORT": str(port),
            "SNOWFLAKE_PROTOCOL": "http",
        }
        for name, value in env.items():
            patch.setenv(name, value)
        # fakesnow rewrites every SUM(x) to SUM(TRY_CAST(x AS DOUBLE)) (Snowflake sums VARCHARs);
        # that makes money inexact, which Snowflake's NUMBER sums are not. Our SQL sums no text.
        patch.setattr(fakesnow.transforms, "numeric_agg_implicit_cast", lambda expression: expression)
        yield env


def emulator_settings(root: Path, source: Path) -> Settings:
    """The settings SALES_TARGET=snowflake reads from the environment `fakesnow_account` set, with
    this test's source, its own data directory under `root` and the small month's partitions."""
    local = make_settings(root, source)
    return replace(
        load_settings(os.environ),
        source_dir=source,
        data_dir=local.data_dir,
        partitions_start=local.partitions_start,
        partitions_end=local.partitions_end,
    )


def copy_schema(duckdb_warehouse: Path, schema: str, database: str, tables: list[str] | None = None) -> None:
    """Copy a DuckDB warehouse's tables of `schema` into fakesnow's `database` (create both through the server first).

    Names are upper-cased: unquoted identifiers fold to upper case in Snowflake, which is how dlt's
    snowflake naming and dbt-snowflake leave them. dlt's own `_dlt*` tables are not copied.
    """
    duck = sys.modules["fakesnow.server"].shared_fs.duck_conn.cursor()
    duck.execute(f"attach '{duckdb_warehouse}' as loaded (read_only)")
    try:
        names = tables or [
            name
            for (name,) in duck.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'loaded' and table_schema = ? and left(table_name, 4) <> '_dlt'",
                [schema],
            ).fetchall()
        ]
        for name in names:
            columns = duck.execute(
                "select column_name from information_schema.columns where table_catalog = 'loaded' "
                "and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            select = ", ".join(f'"{column}" as "{column.upper()}"' for (column,) in columns)
            target = f"{database.upper()}.{schema.upper()}.{name.upper()}"
            duck.execute(f"create table {target} as select {select} from loaded.{schema}.{name}")
    finally:
        duck.execute("detach loaded")
