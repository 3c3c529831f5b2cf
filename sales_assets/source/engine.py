"""Connecting to the order-taking database: SQL Server in production, SQLite files embedded.

The embedded source is a directory with one SQLite file per AdventureWorks schema
(`Sales.sqlite`, `Production.sqlite`, `Person.sqlite`). Each file is attached, read-only, under
its schema's name, so `Sales.SalesOrderHeader` resolves exactly as on SQL Server and every query
the pipeline builds is the same for both.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
            "`python -m sales_assets.source generate` (or `make source`), or point "
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


def source_engine(url: str | None, directory: Path) -> sa.Engine:
    """The engine for `SALES_SOURCE_URL` when set, else the embedded SQLite directory.

    Creating the engine does not connect, so definitions load with the source unreachable.
    """
    if url:
        return sa.create_engine(url)
    return sqlite_engine(directory)


def has_table(engine: sa.Engine, schema: str, table: str) -> bool:
    return sa.inspect(engine).has_table(table, schema=schema)
