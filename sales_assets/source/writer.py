"""Writing the embedded source: one SQLite file per schema, with the contract's DDL and indexes."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import tempfile
from pathlib import Path

from sales_assets.source import tables as t
from sales_assets.source.engine import schema_file


def write_source(rows: dict[t.SourceTable, list[tuple]], out_dir: Path) -> None:
    """Write the SQLite files atomically: a half-written source is never left in place.

    Each schema's file is written by its own forked process (they are independent files, and
    forking shares the rows without copying them), then all three are moved into place.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".generating-") as tmp:
        fork = multiprocessing.get_context("fork")
        workers = [fork.Process(target=_write_schema, args=(rows, Path(tmp), s)) for s in t.SCHEMAS[1:]]
        for worker in workers:
            worker.start()
        _write_schema(rows, Path(tmp), t.SCHEMAS[0])
        for worker in workers:
            worker.join()
            if worker.exitcode != 0:
                raise RuntimeError(f"writing the source failed in {worker.name} (exit code {worker.exitcode})")
        for schema in t.SCHEMAS:
            os.replace(schema_file(Path(tmp), schema), schema_file(out_dir, schema))


def _write_schema(rows: dict[t.SourceTable, list[tuple]], directory: Path, schema: str) -> None:
    conn = sqlite3.connect(schema_file(directory, schema))
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    for table in t.ALL_TABLES:
        if table.schema != schema or table not in rows:
            continue
        create_table(conn, table)
        marks = ", ".join("?" * len(table.columns))
        conn.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows[table])
        create_indexes(conn, table)
    conn.commit()
    conn.close()


def create_table(conn: sqlite3.Connection, table: t.SourceTable) -> None:
    conn.execute(table.ddl())


def create_indexes(conn: sqlite3.Connection, table: t.SourceTable, schema: str | None = None) -> None:
    """The contract's indexes; `schema` qualifies them when the file is attached under that name."""
    prefix = f'"{schema}".' if schema else ""
    for cols in table.indexes:
        name = f"IX_{table.name}_{'_'.join(cols)}"
        conn.execute(f'CREATE INDEX {prefix}"{name}" ON "{table.name}" (' + ", ".join(f'"{c}"' for c in cols) + ")")
