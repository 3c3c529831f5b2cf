"""Writing the embedded source: one SQLite file per schema, with the contract's DDL and indexes.

`SourceWriter` streams: rows arrive in batches and each schema's file is written by its own
forked process, fed through a pipe, so the generator keeps one core busy while SQLite inserts
on the other, and only a batch or two is ever in flight. The files are built in a temporary
directory inside the output directory and moved into place only when all three are complete: a
failure, Ctrl-C or a killed generator leaves an existing source as it was.

Indexes led by a datetime column are created before the rows, the others after. The generator
writes day by day, so the former only ever grow at their end, which is cheap, while sorting them
afterwards is not: at --scale 10 this cut the Sales indexes' ~18 s after the last row to ~6 s, for
~3 s more inserting. CustomerID and ProductID arrive in no order and are quicker built at the end.
(Rows in another order are written just as well, only slower.)
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import suppress
from itertools import chain
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from sales_assets.source import tables as t
from sales_assets.source.engine import schema_file

_BATCH_ROWS = 20_000  # rows per message when writing rows already in memory
_DONE = marshal.dumps(None)


class SourceWriter:
    """Writes the source's files from batches of rows, as a context manager.

    All `tables` are created, even those that get no rows; `write` appends a batch to a table.
    Leaving the block normally completes the files and moves them into `out_dir`; leaving it
    with an exception discards them.
    """

    def __init__(self, out_dir: Path, tables: Iterable[t.SourceTable]) -> None:
        self.out_dir = Path(out_dir)
        self.tables = list(tables)
        self._pipes: dict[str, Connection] = {}  # sending ends, by schema
        self._workers: dict[str, BaseProcess] = {}

    def __enter__(self) -> SourceWriter:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=".generating-"))
        try:
            self._start_workers()
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self._complete()
        finally:
            self._discard()

    def write(self, batches: Mapping[t.SourceTable, list[tuple]]) -> None:
        """Append each table's batch of rows; one message per schema, so while a worker inserts
        these the caller can make the next ones."""
        for schema in t.SCHEMAS:
            message = [(table.name, rows) for table, rows in batches.items() if table.schema == schema and rows]
            if message:
                # marshal: rows hold only None, bool, int, float and str, and it is faster than pickle.
                self._send(schema, marshal.dumps(message))

    def _send(self, schema: str, message: bytes) -> None:
        try:
            self._pipes[schema].send_bytes(message)
        except BrokenPipeError as error:
            raise self._failure(schema) from error

    def _start_workers(self) -> None:
        fork = multiprocessing.get_context("fork")  # the workers need no imports, nor pickled arguments
        pipes = {schema: fork.Pipe(duplex=False) for schema in t.SCHEMAS}  # (receiving, sending) ends
        self._pipes = {schema: sending for schema, (_, sending) in pipes.items()}
        every_end = [end for pair in pipes.values() for end in pair]
        try:
            for schema, (receiving, _) in pipes.items():
                tables = [table for table in self.tables if table.schema == schema]
                worker = fork.Process(
                    target=_write_schema,
                    args=(receiving, every_end, schema_file(self.tmp, schema), tables),
                    name=f"{schema}.sqlite writer",
                )
                worker.start()
                self._workers[schema] = worker
        finally:
            for receiving, _ in pipes.values():
                receiving.close()  # only the workers read: a worker's death then breaks its pipe

    def _complete(self) -> None:
        for schema in self._pipes:
            self._send(schema, _DONE)
        for schema, worker in self._workers.items():
            worker.join()
            if worker.exitcode != 0:
                raise self._failure(schema)
        for schema in t.SCHEMAS:
            os.replace(schema_file(self.tmp, schema), schema_file(self.out_dir, schema))

    def _failure(self, schema: str) -> RuntimeError:
        worker = self._workers[schema]
        worker.join()
        return RuntimeError(f"writing the source failed in the {worker.name} (exit code {worker.exitcode})")

    def _discard(self) -> None:
        """Stop any worker still running and remove the temporary directory with what is left in it."""
        for pipe in self._pipes.values():
            pipe.close()
        for worker in self._workers.values():
            if worker.is_alive():
                worker.terminate()
            worker.join()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_source(rows: dict[t.SourceTable, list[tuple]], out_dir: Path) -> None:
    """Write rows held in memory as the source's files, atomically (see `SourceWriter`)."""
    with SourceWriter(out_dir, [table for table in t.ALL_TABLES if table in rows]) as writer:
        for table, table_rows in rows.items():
            for start in range(0, len(table_rows), _BATCH_ROWS):
                writer.write({table: table_rows[start : start + _BATCH_ROWS]})


def _write_schema(pipe: Connection, every_end: list[Connection], path: Path, tables: list[t.SourceTable]) -> None:
    """A worker process: write one schema's file from the batches that arrive, until told it is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which then stops us
    # The fork copied every pipe end: keep only our own, so that we see the end of input if the
    # parent dies, and the parent sees a broken pipe if we do.
    for end in every_end:
        if end is not pipe:
            end.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")  # no journal, no syncs: the file counts only once complete
    conn.execute("PRAGMA synchronous=OFF")
    inserts = {}
    for table in tables:
        create_table(conn, table)
        create_indexes(conn, table, led_by_date=True)
        inserts[table.name] = _Insert(conn, table)
    try:
        while (message := marshal.loads(pipe.recv_bytes())) is not None:
            for name, rows in message:
                inserts[name](rows)
    except EOFError:  # the parent died before it was done: leave no half-written file behind
        conn.close()
        path.unlink()
        with suppress(OSError):
            path.parent.rmdir()  # the last worker out removes the empty temporary directory
        sys.exit(1)
    for table in tables:
        create_indexes(conn, table, led_by_date=False)
    conn.commit()
    conn.close()


class _Insert:
    """Inserts a table's rows in order, many rows per INSERT statement.

    Each statement executed has a fixed cost (binding aside: stepping, resetting, opening the
    table's and indexes' cursors): with ~128 rows per statement the Sales file is written ~30%
    faster than one row at a time.
    """

    def __init__(self, conn: sqlite3.Connection, table: t.SourceTable) -> None:
        self.conn = conn
        row = "(" + ", ".join("?" * len(table.columns)) + ")"
        max_parameters = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.per_statement = max(1, min(128, max_parameters // len(table.columns)))
        self.one = f'INSERT INTO "{table.name}" VALUES {row}'
        self.many = f'INSERT INTO "{table.name}" VALUES ' + ", ".join([row] * self.per_statement)

    def __call__(self, rows: list[tuple]) -> None:
        n = self.per_statement
        whole = len(rows) - len(rows) % n
        self.conn.executemany(self.many, (tuple(chain.from_iterable(rows[i : i + n])) for i in range(0, whole, n)))
        self.conn.executemany(self.one, rows[whole:])


def create_table(conn: sqlite3.Connection, table: t.SourceTable) -> None:
    conn.execute(table.ddl())


def create_indexes(
    conn: sqlite3.Connection, table: t.SourceTable, schema: str | None = None, led_by_date: bool | None = None
) -> None:
    """The contract's indexes; `schema` qualifies them when the file is attached under that name.

    `led_by_date` True or False creates only the indexes whose first column is (or is not) a datetime.
    """
    prefix = f'"{schema}".' if schema else ""
    declarations = dict(table.columns)
    for cols in table.indexes:
        if led_by_date is not None and declarations[cols[0]].startswith("DATETIME") != led_by_date:
            continue
        name = f"IX_{table.name}_{'_'.join(cols)}"
        conn.execute(f'CREATE INDEX {prefix}"{name}" ON "{table.name}" (' + ", ".join(f'"{c}"' for c in cols) + ")")
