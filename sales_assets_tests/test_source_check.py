"""`python -m sales_assets.sandbox check`: passes on a good source, names each problem, never shows a password.

No SQL Server runs here: the SQL Server cases use a closed port, a port that accepts connections
but never answers, and driver errors as pymssql raises them.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pymssql
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from sales_assets.sandbox import check as source_check
from sales_assets.sandbox.check import CheckReport, _compatible, check_source
from sales_assets.source import tables as t
from sales_assets.source.engine import (
    CONNECT_TIMEOUT_SECONDS,
    _ymd_dates,
    connect_embedded,
    schema_file,
    source_engine,
)
from sales_assets_tests.source_rows import connect

SECRET = "Secret123"
REPO = Path(__file__).resolve().parents[1]


def sql_server_url(port: int, host: str = "127.0.0.1", database: str = "AdventureWorks2019") -> str:
    return f"mssql+pymssql://sa:{SECRET}@{host}:{port}/{database}"


def output(report: CheckReport) -> str:
    text = "\n".join(report.lines())
    assert SECRET not in text
    return text


@pytest.fixture
def source_copy(small_source: Path, tmp_path: Path) -> Path:
    """A copy of the generated source to break."""
    return Path(shutil.copytree(small_source, tmp_path / "source"))


def alter(directory: Path, schema: str, *statements: str) -> None:
    conn = sqlite3.connect(schema_file(directory, schema))
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a server hung, or a proxy to nowhere."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop, accepted = threading.Event(), []

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_generated_source_passes_with_row_counts_and_order_dates(
    small_source: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = check_source(None, small_source)
    assert report.ok and report.errors == [] and report.warnings == [], report.lines()
    expected = connect(small_source)
    for table in t.ALL_TABLES:
        (count,) = expected.execute(f"select count(*) from {table.qualified_name}").fetchone()
        assert report.row_counts[table.qualified_name] == count > 0
    first, last = expected.execute("select min(OrderDate), max(OrderDate) from Sales.SalesOrderHeader").fetchone()
    assert report.order_dates is not None
    assert [str(day) for day in report.order_dates] == [first, last]
    # The command: exit status 0 and the report on stdout.
    monkeypatch.delenv("SALES_SOURCE_URL", raising=False)
    monkeypatch.setenv("SALES_SOURCE_DIR", str(small_source))
    from sales_assets.sandbox.__main__ import main

    assert main(["check"]) == 0
    printed = capsys.readouterr().out
    assert f"Source: embedded SQLite files in {small_source}" in printed
    assert "Sales.SalesOrderHeader" in printed and printed.rstrip().endswith("(0 warning(s))")


def test_missing_table_is_named(source_copy: Path) -> None:
    alter(source_copy, "Sales", 'DROP TABLE "Customer"')
    report = check_source(None, source_copy)
    assert not report.ok
    assert report.errors == ["table Sales.Customer is missing (or the login may not see it)"]
    assert "ERROR: table Sales.Customer is missing" in output(report)


def test_missing_column_and_incompatible_type_are_named(source_copy: Path) -> None:
    # SQLite cannot change a column's type: rebuild SpecialOffer with DiscountPct a float.
    offer = t.SPECIAL_OFFER
    ddl = offer.ddl(name="rebuilt").replace('"DiscountPct" NUMERIC(10,4)', '"DiscountPct" REAL')
    alter(
        source_copy,
        "Sales",
        'ALTER TABLE "SalesOrderHeader" DROP COLUMN "Comment"',
        ddl,
        f'INSERT INTO "rebuilt" SELECT * FROM "{offer.name}"',
        f'DROP TABLE "{offer.name}"',
        f'ALTER TABLE "rebuilt" RENAME TO "{offer.name}"',
    )
    report = check_source(None, source_copy)
    assert report.errors[0] == "column Sales.SalesOrderHeader.Comment is missing"
    assert report.errors[1].startswith(
        "column Sales.SpecialOffer.DiscountPct is REAL, incompatible with the contract's NUMERIC(10,4)"
    )
    assert len(report.errors) == 2, report.errors


def test_absent_returns_and_missing_indexes_only_warn(source_copy: Path) -> None:
    alter(source_copy, "Sales", 'DROP TABLE "SalesReturn"', 'DROP INDEX "IX_SalesOrderHeader_ModifiedDate"')
    report = check_source(None, source_copy)
    assert report.ok, report.errors
    assert report.warnings == [
        "no index on Sales.SalesOrderHeader (ModifiedDate): each source_changes sensor tick scans the table without it",
        "table Sales.SalesReturn is absent (normal for real AdventureWorks): nothing is loaded for it and return "
        "metrics are NULL",
    ]
    assert output(report).endswith("OK: the source meets the contract (2 warning(s))")


def test_no_select_permission_is_named(small_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's authorizer stands in for a login without SELECT on Sales.Store."""

    def deny_store(action: int, table: str | None, _column: str | None, database: str | None, _: object) -> int:
        denied = action == sqlite3.SQLITE_READ and (database, table) == ("Sales", "Store")
        return sqlite3.SQLITE_DENY if denied else sqlite3.SQLITE_OK

    def restricted() -> sqlite3.Connection:
        conn = connect_embedded(small_source)
        conn.set_authorizer(deny_store)
        return conn

    monkeypatch.setattr(
        source_check, "source_engine", lambda *_, **__: sa.create_engine("sqlite://", creator=restricted)
    )
    report = check_source(None, small_source)
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith("no SELECT permission on Sales.Store: access to Sales.Store.")
    assert "Sales.Store" not in report.row_counts and "Sales.Customer" in report.row_counts


def test_closed_port_fails_fast_naming_host_and_port_without_the_password(closed_port: int) -> None:
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sales_assets.sandbox", "check"],
        cwd=REPO,
        env={**os.environ, "SALES_SOURCE_URL": sql_server_url(closed_port)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - began < 10
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert f"Source: mssql+pymssql://sa:***@127.0.0.1:{closed_port}/AdventureWorks2019" in result.stdout
    assert f"ERROR: cannot connect to 127.0.0.1:{closed_port}: connection refused" in result.stdout


def test_silent_server_times_out_at_the_login_timeout(silent_port: int, tmp_path: Path) -> None:
    began = time.monotonic()
    report = check_source(sql_server_url(silent_port), tmp_path, connect_timeout=2)
    elapsed = time.monotonic() - began
    # One login attempt (TDS 7.4 pinned): FreeTDS negotiating the version would retry, ~3x as long.
    assert 1.5 < elapsed < 5, elapsed
    assert report.errors == [
        f"cannot connect to 127.0.0.1:{silent_port}: TDS server connection timed out (127.0.0.1); "
        "Operating System error during Operation now in progress (115); TDS server connection failed (127.0.0.1)"
    ]
    assert SECRET not in output(report)


def test_unresolvable_host_is_named(tmp_path: Path) -> None:
    report = check_source(sql_server_url(1433, host="sqlserver.invalid"), tmp_path)
    assert report.errors[0].startswith("cannot connect to sqlserver.invalid:1433: host 'sqlserver.invalid' does not")


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (
            18456,
            b"Login failed for user 'sa'.DB-Lib error message 20018, severity 14:\nGeneral SQL Server error: "
            b"Check messages from the SQL Server\n",
            "login failed for user 'sa' on {where}: Login failed for user 'sa'.",
        ),
        (
            4060,
            b'Cannot open database "AdventureWorks2019" requested by the login. The login failed.DB-Lib error '
            b"message 20018, severity 11:\nGeneral SQL Server error: Check messages from the SQL Server\n",
            "database 'AdventureWorks2019' does not exist on {where}, or user 'sa' may not open it: Cannot open",
        ),
        (20009, b"Unknown error " + SECRET.encode(), "cannot connect to {where}: Unknown error ***"),
    ],
)
def test_driver_errors_are_named_and_scrubbed(
    silent_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, message: bytes, expected: str
) -> None:
    """pymssql's errors as it raises them, after the TCP pre-check passed; a password it echoed is hidden."""
    calls: list[dict] = []

    def refuse(**kwargs: object) -> None:
        calls.append(kwargs)
        raise pymssql.OperationalError((code, message))

    monkeypatch.setattr(pymssql, "connect", refuse)
    report = check_source(sql_server_url(silent_port), tmp_path)
    assert report.errors[0].startswith(expected.format(where=f"127.0.0.1:{silent_port}")), report.errors
    assert SECRET not in output(report)
    assert calls[0]["login_timeout"] == source_check.CHECK_CONNECT_TIMEOUT_SECONDS
    assert calls[0]["tds_version"] == "7.4"


def test_pipeline_engine_sets_login_timeout_and_date_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []

    def refuse(**kwargs: object) -> None:
        calls.append(kwargs)
        raise pymssql.OperationalError((20009, b"refused"))

    monkeypatch.setattr(pymssql, "connect", refuse)
    for url, timeout in [
        (sql_server_url(1433), CONNECT_TIMEOUT_SECONDS),
        (sql_server_url(1433) + "?login_timeout=3", 3),
    ]:
        engine = source_engine(url, Path("unused"))
        with pytest.raises(sa.exc.OperationalError):
            engine.connect()
        assert calls[-1]["login_timeout"] == timeout  # the URL's own setting wins
        assert calls[-1]["tds_version"] == "7.4"
        assert sa.event.contains(engine, "connect", _ymd_dates)  # SET DATEFORMAT ymd on every connection


def test_unknown_driver_names_the_package(tmp_path: Path) -> None:
    report = check_source(f"mssql+nosuchdriver://sa:{SECRET}@sqlserver.example.com/AdventureWorks2019", tmp_path)
    (error,) = report.errors
    assert error.startswith("driver not installed: SQLAlchemy knows no dialect 'mssql+nosuchdriver'")
    assert "pip install nosuchdriver" in error and "pip install pymssql==2.4.6" in error
    assert "sa:***@sqlserver.example.com" in output(report)


def test_missing_dbapi_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # as if not installed, whether or not it is
    url = f"mssql+pyodbc://sa:{SECRET}@sqlserver.example.com/AdventureWorks2019?driver=ODBC+Driver+18+for+SQL+Server"
    (error,) = check_source(url, tmp_path).errors
    assert error.startswith("driver not installed: mssql+pyodbc needs `pip install pyodbc`, plus unixODBC and")
    assert "msodbcsql18" in error


def test_unparseable_url_is_not_echoed(tmp_path: Path) -> None:
    report = check_source(f"mssql+pymssql://sa:{SECRET}@host:notaport/db", tmp_path)
    assert report.errors[0].startswith("SALES_SOURCE_URL is not a SQLAlchemy URL")
    assert SECRET not in output(report)


def test_sql_server_types_of_adventureworks_meet_the_contract() -> None:
    """The types SQLAlchemy reflects from AdventureWorks2019 (alias types such as Flag and Name
    reflect as their base types) against the contract's spellings; floats and dates are not money
    and datetimes."""
    compatible = [
        (mssql.TINYINT(), "SMALLINT NOT NULL"),  # SalesOrderHeader.Status
        (mssql.BIT(), "BOOLEAN NOT NULL"),  # Flag, NameStyle
        (mssql.MONEY(), "NUMERIC(19,4) NOT NULL"),  # SubTotal, TotalDue (computed), UnitPrice
        (mssql.NUMERIC(38, 6), "NUMERIC(38,6) NOT NULL"),  # LineTotal (computed)
        (mssql.DECIMAL(8, 2), "DECIMAL(8,2)"),  # Product.Weight
        (mssql.DATETIME(), "DATETIME NOT NULL"),
        (mssql.DATETIME2(), "DATETIME NOT NULL"),
        (mssql.UNIQUEIDENTIFIER(), "CHAR(36) NOT NULL"),  # rowguid
        (mssql.NVARCHAR(25), "NVARCHAR(25) NOT NULL"),  # OrderNumber, AccountNumber
        (mssql.NCHAR(3), "NCHAR(3)"),
        (mssql.VARCHAR(15), "VARCHAR(15)"),
        (mssql.INTEGER(), "INTEGER NOT NULL"),
        (sa.types.NullType(), "INTEGER NOT NULL"),  # a type SQLAlchemy does not know is not judged
    ]
    for reflected, declaration in compatible:
        assert _compatible(reflected, declaration), (reflected, declaration)
    for reflected, declaration in [
        (mssql.FLOAT(), "NUMERIC(19,4) NOT NULL"),
        (mssql.DATE(), "DATETIME NOT NULL"),
        (mssql.NVARCHAR(30), "DATETIME NOT NULL"),
        (mssql.BIT(), "INTEGER NOT NULL"),
    ]:
        assert not _compatible(reflected, declaration), (reflected, declaration)
