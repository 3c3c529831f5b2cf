"""Connecting to the order-taking database: SQL Server in production, SQLite files embedded.

The embedded source is a directory with one SQLite file per AdventureWorks schema
(`Sales.sqlite`, `Production.sqlite`, `Person.sqlite`). Each file is attached, read-only, under
its schema's name, so `Sales.SalesOrderHeader` resolves exactly as on SQL Server and every query
the pipeline builds is the same for both.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sales_assets.source.tables import SCHEMAS


class SourceUnavailableError(RuntimeError):
    """The source cannot be reached; the message says which setting or file to fix."""


def schema_file(directory: Path, schema: str) -> Path:
    return directory / f"{schema}.sqlite"


def connect_embedded(directory: Path, read_only: bool = True) -> sqlite3.Connection:
    """A connection with each schema's file attached under the schema's name.

    Read-only for the pipeline (reading the source must never create or change it); the
    simulator, playing the order-taking application, opens it for writing.
    """
    directory = Path(directory)
    missing = [str(schema_file(directory, s)) for s in SCHEMAS if not schema_file(directory, s).exists()]
    if missing:
        raise SourceUnavailableError(
            f"Embedded source incomplete: {', '.join(missing)} not found. Generate it with "
            "`python -m sales_assets.sandbox generate` (or `make source`), or point "
            "SALES_SOURCE_DIR at a directory holding Sales.sqlite, Production.sqlite and "
            "Person.sqlite, or set SALES_SOURCE_URL to a SQL Server."
        )
    conn = sqlite3.connect(":memory:", uri=True, check_same_thread=False)
    for schema in SCHEMAS:
        uri = schema_file(directory, schema).resolve().as_uri() + ("?mode=ro" if read_only else "?mode=rw")
        conn.execute(f"ATTACH DATABASE '{uri}' AS \"{schema}\"")
    return conn


def sqlite_engine(directory: Path) -> sa.Engine:
    """An engine over the embedded source directory; files are checked on first connect."""
    return sa.create_engine("sqlite://", creator=lambda: connect_embedded(directory))


# A wrong host or port must fail in seconds: pymssql's default login timeout is 60 s, and FreeTDS,
# left to negotiate the TDS version, retries the login once per version it tries.
CONNECT_TIMEOUT_SECONDS = 10


def source_engine(url: str | None, directory: Path, connect_timeout: int = CONNECT_TIMEOUT_SECONDS) -> sa.Engine:
    """The engine for `SALES_SOURCE_URL` when set, else the embedded SQLite directory.

    Creating the engine does not connect, so definitions load with the source unreachable.
    """
    if not url:
        return sqlite_engine(directory)
    parsed = sa.make_url(url)
    engine = sa.create_engine(parsed, connect_args=_connect_args(parsed, connect_timeout))
    if parsed.get_backend_name() == "mssql" and parsed.get_driver_name() == "pymssql":
        sa.event.listen(engine, "connect", _ymd_dates)
    return engine


def _connect_args(url: sa.URL, timeout: int) -> dict[str, Any]:
    """Login timeouts for the SQL Server drivers; values written in the URL's query win."""
    if url.get_backend_name() != "mssql":
        return {}
    if url.get_driver_name() == "pymssql":
        return {
            # As a number: values in the URL's query arrive as text.
            "login_timeout": int(url.query.get("login_timeout", timeout)),
            # TDS 7.4 is SQL Server 2012 and later. Fixed, FreeTDS logs in once (a silent host fails
            # after `timeout`, not after one attempt per version) and never falls back to 7.1,
            # which returns date and datetime2 columns as text.
            "tds_version": url.query.get("tds_version", "7.4"),
        }
    if url.get_driver_name() == "pyodbc" and "timeout" not in url.query:
        return {"timeout": timeout}  # pyodbc's connect(timeout=) is the ODBC login timeout
    return {}


def _ymd_dates(dbapi_connection: Any, _record: Any) -> None:
    """pymssql sends datetime parameters as 'YYYY-MM-DD hh:mm:ss.mmm' text, which SQL Server reads
    as year-day-month for a login whose language is, e.g., British or German: pin the order."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET DATEFORMAT ymd")
    cursor.close()


def has_table(engine: sa.Engine, schema: str, table: str) -> bool:
    return sa.inspect(engine).has_table(table, schema=schema)
