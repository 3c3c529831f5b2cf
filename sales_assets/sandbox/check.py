"""`python -m sales_assets.sandbox check`: can the pipeline read the configured source?

Connects to `SALES_SOURCE_URL` (else the embedded SQLite directory) and compares the database with
the contract (sales_assets.source.tables) through SQLAlchemy inspection, which works alike on
SQLite and SQL Server. Every problem is one line naming what to fix; the URL is shown with its
password hidden, and the password is scrubbed from driver messages too.

Why ~300 lines: one diagnosis per way a source can be unusable (unreachable, login, missing
tables or columns, types), each with its message for people.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from sales_assets.core.settings import Settings
from sales_assets.source import tables as t
from sales_assets.source.engine import SourceUnavailableError, source_engine
from sales_assets.source.queries import order_date_range_query, readable_query, row_count_query

# Short enough for a command someone waits on; the pipeline's own engines use CONNECT_TIMEOUT_SECONDS.
CHECK_CONNECT_TIMEOUT_SECONDS = 5
PYMSSQL_PIN = "pymssql==2.4.6"
# The pip package behind each SQLAlchemy driver name a source URL may use.
DRIVER_PACKAGES = {
    "pymssql": PYMSSQL_PIN,
    "pyodbc": "pyodbc",
    "aioodbc": "aioodbc",
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pymysql": "PyMySQL",
    "mysqldb": "mysqlclient",
    "oracledb": "oracledb",
}
# What pip cannot install.
SYSTEM_PACKAGES = {"pyodbc": "unixODBC and Microsoft's ODBC Driver 18 for SQL Server (msodbcsql18)"}
SQL_SERVER_DRIVERS = (
    f"for SQL Server use mssql+pymssql (pip install {PYMSSQL_PIN}) or mssql+pyodbc (pip install pyodbc)"
)
# SQL Server error numbers: login failed, cannot open the database, SELECT denied on an object / a column.
LOGIN_FAILED, CANNOT_OPEN_DATABASE, SELECT_DENIED = 18456, 4060, (229, 230)
# How other drivers say it (SQLite's authorizer: "access to Store.Name is prohibited").
DENIED_WORDS = ("permission", "denied", "prohibited", "not authorized")


@dataclass
class CheckReport:
    source: str  # the URL with its password hidden, or the embedded directory
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    order_dates: tuple[datetime, datetime] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        out = [f"Source: {self.source}"]
        out += [f"ERROR: {error}" for error in self.errors]
        out += [f"WARNING: {warning}" for warning in self.warnings]
        if self.row_counts:
            out.append("Rows:")
            out += [f"  {name:<30} {count:>12,}" for name, count in self.row_counts.items()]
        if self.order_dates:
            first, last = self.order_dates
            out.append(
                f"Order dates ({t.SALES_ORDER_HEADER.qualified_name}.OrderDate): {first:%Y-%m-%d} to {last:%Y-%m-%d}"
            )
        if self.ok:
            out.append(f"OK: the source meets the contract ({len(self.warnings)} warning(s))")
        else:
            out.append(f"FAILED: {len(self.errors)} problem(s)")
        return out


def check_source(url: str | None, directory: Path, connect_timeout: int = CHECK_CONNECT_TIMEOUT_SECONDS) -> CheckReport:
    """Connect, then check every contract table, column, index and SELECT permission."""
    try:
        parsed = sa.make_url(url) if url else None
    except (sa.exc.ArgumentError, ValueError):
        # SQLAlchemy's own message repeats the whole URL, password included.
        return CheckReport(
            "SALES_SOURCE_URL (not shown)",
            errors=[
                "SALES_SOURCE_URL is not a SQLAlchemy URL; expected e.g. "
                "mssql+pymssql://user:password@host:1433/AdventureWorks2019"
            ],
        )
    shown = parsed.render_as_string(hide_password=True) if parsed else f"embedded SQLite files in {directory}"
    report = CheckReport(shown)
    try:
        engine = source_engine(url, directory, connect_timeout=connect_timeout)
    except (sa.exc.NoSuchModuleError, ImportError) as err:
        report.errors.append(_driver_missing(parsed, err))
        return _scrubbed(report, parsed)
    unreachable = _unreachable(parsed, connect_timeout) if parsed else None
    if unreachable:
        report.errors.append(unreachable)
        return _scrubbed(report, parsed)
    try:
        conn = engine.connect()
    except SourceUnavailableError as err:
        report.errors.append(str(err))
    except sa.exc.DBAPIError as err:
        report.errors.append(_connect_problem(parsed, err))
    else:
        with conn:
            try:
                _check_contract(conn, report)
            except sa.exc.DBAPIError as err:  # the catalog itself could not be read
                report.errors.append(f"cannot inspect the source: {_driver_message(err)[1]}")
    finally:
        engine.dispose()
    return _scrubbed(report, parsed)


def run_check(settings: Settings) -> int:
    """Print the report; the exit status is 1 when the pipeline cannot read the source."""
    report = check_source(settings.source_url, settings.source_dir)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _check_contract(conn: sa.Connection, report: CheckReport) -> None:
    inspector = sa.inspect(conn)
    # A view serves as well as a table (dlt reflects and reads either).
    present = {
        schema: {*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)}
        for schema in t.SCHEMAS
    }
    for table in t.ALL_TABLES:
        if table.name not in present[table.schema]:
            if table.optional:
                report.warnings.append(
                    f"table {table.qualified_name} is absent (normal for real AdventureWorks): "
                    "nothing is loaded for it and return metrics are NULL"
                )
            else:
                report.errors.append(f"table {table.qualified_name} is missing (or the login may not see it)")
            continue
        columns = {column["name"]: column for column in inspector.get_columns(table.name, schema=table.schema)}
        complete = True
        for name, declaration in table.columns:
            column = columns.get(name)
            if column is None:
                report.errors.append(f"column {table.qualified_name}.{name} is missing")
                complete = False
            elif not _compatible(column["type"], declaration):
                report.errors.append(
                    f"column {table.qualified_name}.{name} is {_type_name(column['type'])}, incompatible with the "
                    f"contract's {declaration.removesuffix(' NOT NULL')}"
                )
        report.warnings += _missing_indexes(inspector, table)
        if complete:
            _read(conn, table, report)
    if t.SALES_ORDER_HEADER.qualified_name in report.row_counts:
        first, last = conn.execute(order_date_range_query()).one()
        report.order_dates = (first, last) if first is not None else None


def _read(conn: sa.Connection, table: t.SourceTable, report: CheckReport) -> None:
    """Select the contract's columns (no rows), then count the rows: both need SELECT permission."""
    try:
        conn.execute(readable_query(table)).all()
        report.row_counts[table.qualified_name] = conn.execute(row_count_query(table)).scalar_one()
    except sa.exc.DBAPIError as err:
        if err.connection_invalidated:
            raise
        conn.rollback()  # a failed statement must not leave the next table's in a failed transaction
        codes, message = _driver_message(err)
        if set(codes) & set(SELECT_DENIED) or any(word in message.lower() for word in DENIED_WORDS):
            report.errors.append(f"no SELECT permission on {table.qualified_name}: {message}")
        else:
            report.errors.append(f"cannot read {table.qualified_name}: {message}")


def _compatible(reflected: sa.types.TypeEngine, declaration: str) -> bool:
    """Whether values of the reflected type load as the contract's type does (sizes are not compared)."""
    kind = declaration.split()[0].split("(")[0].upper()
    if isinstance(reflected, sa.types.NullType):
        return True  # a type SQLAlchemy does not know: cannot tell, so not reported
    if kind in {"INTEGER", "SMALLINT"}:
        return isinstance(reflected, sa.Integer)
    if kind == "DATETIME":
        return isinstance(reflected, sa.DateTime)
    if kind in {"NUMERIC", "DECIMAL"}:
        # Exact types only: money summed as float would not reconcile to the cent.
        exact = isinstance(reflected, sa.Numeric) and not isinstance(reflected, sa.Float)
        return exact or isinstance(reflected, mssql.MONEY | mssql.SMALLMONEY)
    if kind == "BOOLEAN":
        return isinstance(reflected, sa.Boolean)
    return isinstance(reflected, sa.String | sa.Uuid)  # rowguid is a uniqueidentifier on SQL Server


def _type_name(type_: sa.types.TypeEngine) -> str:
    try:
        return str(type_)  # e.g. NUMERIC(10, 4)
    except sa.exc.SQLAlchemyError:  # a dialect-specific type without a generic spelling
        return type(type_).__name__


def _missing_indexes(inspector: sa.Inspector, table: t.SourceTable) -> list[str]:
    """A contract index is there when some index (or the primary key) starts with its columns."""
    if not table.indexes:
        return []
    existing = [tuple(index["column_names"]) for index in inspector.get_indexes(table.name, schema=table.schema)]
    existing.append(tuple(inspector.get_pk_constraint(table.name, schema=table.schema)["constrained_columns"]))
    warnings = []
    for columns in table.indexes:
        if any(index[: len(columns)] == columns for index in existing):
            continue
        if columns == ("ModifiedDate",) and table.partition_column:
            why = "each source_changes sensor tick scans the table without it"
        elif columns == ("ModifiedDate",):
            why = "each incremental load of the table scans it without it"
        elif columns == (table.partition_column,):
            why = "each partition's load and checks scan the table without it"
        else:
            why = "lookups by these columns scan the table without it"
        warnings.append(f"no index on {table.qualified_name} ({', '.join(columns)}): {why}")
    return warnings


def _driver_missing(url: sa.URL | None, err: Exception) -> str:
    drivername = url.drivername if url else "sqlite"
    driver = url.get_driver_name() if url else "pysqlite"
    package = DRIVER_PACKAGES.get(driver, driver)
    if isinstance(err, sa.exc.NoSuchModuleError):
        return (
            f"driver not installed: SQLAlchemy knows no dialect '{drivername}'; install the package that provides "
            f"it (pip install {package}), or {SQL_SERVER_DRIVERS}"
        )
    system = f", plus {SYSTEM_PACKAGES[driver]}" if driver in SYSTEM_PACKAGES else ""
    return f"driver not installed: {drivername} needs `pip install {package}`{system} ({err})"


def _address(url: sa.URL) -> tuple[str, int | None]:
    """Host and TCP port the driver will use (SQL Server's default port when the URL has none)."""
    return url.host or "localhost", url.port or (1433 if url.get_backend_name() == "mssql" else None)


def _unreachable(url: sa.URL, timeout: int) -> str | None:
    """Resolve the host and open a TCP connection first: clearer than the driver's messages (pymssql
    says only 'Unknown error' for a host that does not resolve), and bounded by `timeout`."""
    host, port = _address(url)
    if port is None or "\\" in host:  # a named instance's port is found through SQL Server Browser
        return None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except socket.gaierror as err:
        return f"cannot connect to {host}:{port}: host {host!r} does not resolve ({err.strerror})"
    except ConnectionRefusedError:
        return (
            f"cannot connect to {host}:{port}: connection refused (nothing listens there: wrong port, or the "
            "server's TCP/IP protocol is disabled)"
        )
    except TimeoutError:
        return f"cannot connect to {host}:{port}: no answer within {timeout} s (host down, or a firewall drops it)"
    except OSError as err:
        return f"cannot connect to {host}:{port}: {err.strerror or err}"
    return None


def _connect_problem(url: sa.URL | None, err: sa.exc.DBAPIError) -> str:
    codes, message = _driver_message(err)
    if url is None:
        return f"cannot open the embedded source: {message}"
    host, port = _address(url)
    where = f"{host}:{port}" if port else host
    # SQL Server follows "cannot open database" with "login failed": test for the database first.
    if CANNOT_OPEN_DATABASE in codes or "cannot open database" in message.lower():
        return (
            f"database '{url.database}' does not exist on {where}, or user '{url.username}' may not open it: {message}"
        )
    if LOGIN_FAILED in codes or "login failed" in message.lower():
        return f"login failed for user '{url.username}' on {where}: {message}"
    return f"cannot connect to {where}: {message}"


def _driver_message(err: sa.exc.DBAPIError) -> tuple[list[int], str]:
    """The driver's error numbers and text on one line (pymssql packs them as (number, bytes))."""
    codes: list[int] = []
    parts: list[str] = []
    args = getattr(err.orig, "args", ())
    if len(args) == 1 and isinstance(args[0], tuple):  # pymssql's OperationalError((20009, b"..."))
        args = args[0]
    for arg in args:
        if isinstance(arg, int):
            codes.append(arg)
        elif isinstance(arg, bytes | str):
            parts.append(arg.decode(errors="replace") if isinstance(arg, bytes) else arg)
    lines = [line.strip() for part in parts or [str(err.orig)] for line in part.splitlines()]
    # FreeTDS heads each message with "DB-Lib error message 20009, severity 9:"; the number is in `codes`.
    lines = [line for line in lines if line and not re.fullmatch(r"DB-Lib error message \d+, severity \d+:", line)]
    text = "; ".join(dict.fromkeys(lines))  # FreeTDS repeats lines
    codes += [int(code) for code in re.findall(r"\((\d+)\)", text)]  # ODBC drivers write "(18456)"
    return codes, text


def _scrubbed(report: CheckReport, url: sa.URL | None) -> CheckReport:
    """Belt and braces: no line may carry the password, whatever a driver put in its message."""
    secret = url.password if url else None
    if secret:
        report.errors = [line.replace(str(secret), "***") for line in report.errors]
        report.warnings = [line.replace(str(secret), "***") for line in report.warnings]
    return report
