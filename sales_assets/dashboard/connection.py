"""Read-only access to the warehouse's `analytics` schema, the same small interface for both engines.

A `Reader` runs one query with `?` parameters and returns rows, through the pipeline's own warehouse
resource (sales_assets.core.warehouses), always from what the last complete run published. On DuckDB
it reads the published copy, never the file the pipeline writes (sales_assets/core/publish.py): a
read-only connection would keep Dagster from writing, and a run writing would keep the dashboard
from reading. The copy is opened for each query and closed at once, so a new publication is seen
on the next query. On Snowflake it reads the published schema (sales_assets/core/snowflake_warehouse.py),
so a run that stopped halfway shows nothing of itself. Every way the warehouse can be unusable (no file,
models not built, a writer holding the lock, Snowflake unreachable) is a `WarehouseUnavailable` with
a message for people, so the app shows a page instead of a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from sales_assets.core.publish import published_path
from sales_assets.core.settings import Settings
from sales_assets.core.warehouses import DuckDBWarehouse, MissingRelationError, Warehouse, open_warehouse, utc_session

# The relations the dashboard reads; all of them are dbt models in `analytics`.
RELATIONS = (
    "fact_sales",
    "sales_by_territory",
    "sales_by_state_province",
    "customer_analysis",
    "product_demand",
    "discount_impact",
)
# What the looking-ahead tabs read (sales_assets/dashboard/insight_data.py).
INSIGHT_RELATIONS = (
    "demand_forecast",
    "forecast_accuracy",
    "customer_cohorts",
    "product_affinity",
    "customer_recommendations",
    "recommendation_backtest",
    "inventory_cover",
)
HOW_TO_BUILD = (
    "Run `make run` to build every partition, or start `make dev` and materialize all assets "
    "in the Dagster UI (http://127.0.0.1:3000), then reload this page."
)


class WarehouseUnavailable(Exception):
    """The warehouse cannot answer now; `title` and `hint` are for people."""

    kind = "unavailable"

    def __init__(self, title: str, hint: str) -> None:
        super().__init__(f"{title} {hint}")
        self.title = title
        self.hint = hint


class WarehouseMissing(WarehouseUnavailable):
    kind = "missing"


class NotMaterialized(WarehouseUnavailable):
    kind = "not_materialized"


class WarehouseBusy(WarehouseUnavailable):
    kind = "busy"


class Reader(Protocol):
    """What every query function needs: rows for SQL with `?` parameters."""

    description: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


class WarehouseReader:
    """The project's warehouse resource (sales_assets.core.warehouses), its failures turned into states for people."""

    def __init__(self, warehouse: Warehouse, description: str) -> None:
        self.warehouse = warehouse
        self.description = description

    def read(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self.warehouse.query(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self.read(sql, params)
        except MissingRelationError as err:
            raise NotMaterialized(f"The analytics tables are not built yet ({err}).", HOW_TO_BUILD) from err
        except duckdb.IOException as err:
            if "lock" in str(err).lower():
                raise WarehouseBusy(
                    "The pipeline is writing to the warehouse right now.",
                    "DuckDB allows no reader while a run writes: retry in a moment.",
                ) from err
            message = f"The warehouse at {self.description} cannot be opened: {err}"
            raise WarehouseMissing(message, HOW_TO_BUILD) from err


class DuckDBReader(WarehouseReader):
    """A DuckDB file (the published copy), read through one read-only connection per publication.

    Opening the file costs more than most of the dashboard's queries (~35 ms; a page makes ~20), so
    every session and query shares one connection to the copy now published, each query on a cursor
    of its own (DuckDB's way to use a database from several threads). A new publication is a new
    file (an atomic rename): the next query sees it and opens it; the connection to the copy before
    stays open for queries still running on it, and is closed at the publication after.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(DuckDBWarehouse(path=str(path), dlt_dir=""), str(path))
        self.path = path

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if not self.path.exists():
            raise WarehouseMissing(
                f"There is no warehouse at {self.path} yet (a run publishes it when it finishes).", HOW_TO_BUILD
            )
        return super().query(sql, params)

    def read(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with _published_connection(self.path).cursor() as cursor:
            return utc_session(cursor)(sql, params)


_connections: dict[Path, list[tuple[tuple[int, int], duckdb.DuckDBPyConnection]]] = {}
_connections_lock = threading.Lock()


def _published_connection(path: Path) -> duckdb.DuckDBPyConnection:
    """The read-only connection to the copy published at `path` now, by the file's identity."""
    stat = path.stat()
    identity = (stat.st_ino, stat.st_mtime_ns)
    with _connections_lock:
        opened = _connections.setdefault(path, [])
        if not opened or opened[-1][0] != identity:
            opened.append((identity, duckdb.connect(str(path), read_only=True)))
            for _, stale in opened[:-2]:
                stale.close()
            del opened[:-2]
        return opened[-1][1]


class SnowflakeReader(WarehouseReader):
    """Snowflake's published schema through the project's SnowflakeWarehouse (`?` parameters bound server-side)."""

    def read(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self.warehouse.query_published(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        # Imported here: the Snowflake connector takes seconds to import, and only this reader needs it.
        import snowflake.connector.errors as sf_errors

        try:
            return super().query(sql, params)
        except (sf_errors.OperationalError, sf_errors.InterfaceError) as err:
            raise WarehouseUnavailable(
                f"Snowflake ({self.description}) cannot be reached.", f"{err.msg or err}; retry in a moment."
            ) from err


@contextmanager
def open_reader(settings: Settings) -> Iterator[Reader]:
    """The reader SALES_TARGET names; Snowflake's resource is set up once per `with`."""
    if settings.snowflake is None:
        yield DuckDBReader(published_path(settings.warehouse_path))
        return
    with open_warehouse(settings) as warehouse:
        yield SnowflakeReader(warehouse, settings.warehouse_description)


@dataclass(frozen=True)
class WarehouseState:
    """Whether the dashboard can show data, and if not, what to tell people."""

    kind: str  # ready, missing, not_materialized, empty, busy or unavailable
    title: str = ""
    hint: str = ""

    @property
    def ready(self) -> bool:
        return self.kind == "ready"


def check_warehouse(reader: Reader) -> WarehouseState:
    """Probe every relation the dashboard reads, in one query; a friendly state instead of an exception."""
    probe = "select " + ", ".join(f"(select count(*) from analytics.{name})" for name in RELATIONS)
    try:
        counts = reader.query(probe)[0]
    except WarehouseUnavailable as err:
        return WarehouseState(err.kind, err.title, err.hint)
    if not counts[0]:
        return WarehouseState(
            "empty", "The warehouse holds no sales yet (analytics.fact_sales is empty).", HOW_TO_BUILD
        )
    return WarehouseState("ready")
