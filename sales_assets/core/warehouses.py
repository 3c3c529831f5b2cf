"""The warehouse resource: where dlt loads `raw` and dbt builds `staging`, `intermediate`, `analytics`.

One interface, two engines, chosen by SALES_TARGET in `build_warehouse` and nowhere else: the
embedded DuckDB file, or Snowflake (sales_assets/core/snowflake_warehouse.py, imported only for it).
Assets and checks ask the resource for a dlt pipeline, a dbt environment and query results; they
never name an engine.
Queries are the cross-database subset both engines run the same way, with `?` parameters.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dagster import AssetKey, ConfigurableResource, Failure, build_resources

from sales_assets.core.publish import publish
from sales_assets.core.settings import Settings

SCHEMAS = ("raw", "staging", "intermediate", "analytics")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# The warehouse's tables and views in the order data flows through them, without dlt's own tables.
_RELATIONS_SQL = f"""
    select lower(table_schema), lower(table_name) from information_schema.tables
    where lower(table_schema) in {SCHEMAS} and left(lower(table_name), 5) <> '_dlt_'
    order by case lower(table_schema) {" ".join(f"when '{s}' then {i}" for i, s in enumerate(SCHEMAS))} end, 2
"""


Query = Callable[[str, Sequence[Any]], list[tuple]]


class MissingRelationError(Exception):
    """A query named a table or view the warehouse does not hold (yet)."""


class WarehouseUnreachable(Exception):
    """The warehouse stopped answering while a step used it; the message says how it failed."""


def relation_name(key: AssetKey) -> str:
    """`schema.table` for an asset key shaped [schema, table]; unquoted, so each engine folds case its way."""
    if len(key.path) != 2 or not all(_IDENTIFIER.fullmatch(part) for part in key.path):
        raise ValueError(f"{key.to_user_string()} does not name a warehouse relation")
    return ".".join(key.path)


class Warehouse(ConfigurableResource):
    """What assets and checks need from the warehouse, whatever the engine."""

    dlt_dir: str

    def dlt_destination(self) -> Any:
        raise NotImplementedError

    def dlt_pipeline(self, name: str) -> dlt.Pipeline:
        # Stamp every row with its load (`_dlt_load_id`, a unix timestamp), as dlt does for
        # row-by-row sources: which load wrote a row, and dbt's source freshness reads it.
        dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
        return dlt.pipeline(
            pipeline_name=name,
            destination=self.dlt_destination(),
            dataset_name="raw",
            pipelines_dir=self.dlt_dir,
        )

    def dbt_env(self) -> dict[str, str]:
        """The environment a dbt invocation needs beyond the process's own (profiles.yml reads it)."""
        return {}

    def session(self) -> AbstractContextManager[Query]:
        """One connection for several queries, as a function of (sql, params) -> rows.

        Queries have `?` placeholders and run in a UTC session (dlt stores naive datetimes as UTC);
        one naming a relation the warehouse lacks raises MissingRelationError.
        """
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of one query (see `session`)."""
        with self.session() as query:
            return query(sql, params)

    def replace_table(self, key: AssetKey, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> int:
        """Create or replace the table behind `key` with these (name, SQL type) columns and rows.

        For the Python assets' results, which are small (a row per product or per series and
        week): plain inserts, no staging files. Returns the rows written.
        """
        raise NotImplementedError

    def description(self) -> str:
        """Where the warehouse is, for people and error messages (never a secret)."""
        raise NotImplementedError

    def unreachable(self, err: BaseException) -> str | None:
        """What says the warehouse cannot be reached, in `err` or the errors behind it, if that is why
        it failed. An embedded file is never unreachable (a missing or locked one is another error)."""
        return None

    def probe(self) -> str | None:
        """Why the warehouse cannot be reached now, or None while it answers (quickly: seconds)."""
        return None

    def publish(self, relations: Sequence[AssetKey]) -> dict[str, Any]:
        """Make the current state of `relations` (what the dashboard reads) the one readers see, all
        of it at once; returns metadata saying how. A run that fails before this leaves readers on
        the last complete run, never on a half-built one."""
        raise NotImplementedError

    def relations(self) -> list[AssetKey]:
        """The warehouse's tables and views as [schema, name], schema by schema as data flows."""
        return [AssetKey([schema, name]) for schema, name in self.query(_RELATIONS_SQL)]

    def row_counts(self, keys: Iterable[AssetKey], query: Query | None = None) -> dict[AssetKey, int]:
        """Rows in the relations behind asset keys shaped [schema, table] (in `query`'s session, if given)."""
        keys = list(keys)
        if not keys:
            return {}
        sql = " union all ".join(f"select {i}, count(*) from {relation_name(key)}" for i, key in enumerate(keys))
        rows = query(sql, ()) if query else self.query(sql)
        return {keys[i]: int(count) for i, count in rows}


class DuckDBWarehouse(Warehouse):
    """The embedded DuckDB file: one writer at a time, so dbt and checks take turns."""

    path: str

    def dlt_destination(self) -> Any:
        return dlt.destinations.duckdb(self.path)

    def dlt_pipeline(self, name: str) -> dlt.Pipeline:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        return super().dlt_pipeline(name)

    def description(self) -> str:
        return self.path

    def publish(self, relations: Sequence[AssetKey]) -> dict[str, Any]:
        # The whole file, whatever `relations`: one copy is the unit that renames atomically.
        published = publish(Path(self.path))
        return {
            "published_path": published.path.as_posix(),
            "published_bytes": published.bytes,
            "publish_seconds": round(published.seconds, 3),
            "publish_method": published.method,
        }

    def dbt_env(self) -> dict[str, str]:
        # profiles.yml reads SALES_WAREHOUSE_PATH: the resource, not whatever the environment held,
        # decides which file dbt builds into.
        return {"SALES_WAREHOUSE_PATH": self.path}

    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = duckdb.connect(self.path, read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def session(self) -> Iterator[Query]:
        if not Path(self.path).exists():
            # Nothing loaded yet: as for a missing table (DuckDB would refuse to open it read-only).
            raise MissingRelationError(f"there is no warehouse at {self.path} yet")
        with self.connect() as conn:
            yield utc_session(conn)

    def replace_table(self, key: AssetKey, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> int:
        create, insert = table_ddl(key, columns)
        with self.connect(read_only=False) as conn:
            # One transaction: readers see the old table or the new one, never an empty one.
            conn.execute("begin")
            conn.execute(f"create schema if not exists {key.path[0]}")
            conn.execute(create)
            if rows:
                conn.executemany(insert + value_rows(1, len(columns)), [list(row) for row in rows])
            conn.execute("commit")
        return len(rows)


@contextmanager
def failing_clearly_if_unreachable(warehouse: Warehouse, doing: str) -> Iterator[None]:
    """Turn "the warehouse cannot be reached" into one failure naming the warehouse and what the
    step was doing; other errors pass as they are. Not retried: a run that stops here published
    nothing, and its partitions are rerun once the warehouse is back (steps are idempotent)."""
    try:
        yield
    except Exception as err:
        reason = str(err) if isinstance(err, WarehouseUnreachable) else warehouse.unreachable(err)
        if reason is None:
            raise
        raise Failure(
            f"The warehouse ({warehouse.description()}) was unreachable {doing} ({reason}). Nothing was "
            "published: the dashboard keeps showing the last complete run. Rerun these partitions once "
            "the warehouse is back.",
            allow_retries=False,
        ) from err


def utc_session(conn: duckdb.DuckDBPyConnection) -> Query:
    """Queries on a DuckDB connection, in UTC, a missing relation raised as MissingRelationError."""
    conn.execute("set TimeZone = 'UTC'")

    def query(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return conn.execute(sql, list(params)).fetchall()
        except duckdb.CatalogException as err:
            raise MissingRelationError(str(err).splitlines()[0]) from err

    return query


def table_ddl(key: AssetKey, columns: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """For `replace_table`: CREATE OR REPLACE TABLE, and `insert into ... values ` to complete
    with `value_rows`."""
    relation = relation_name(key)
    for name, _ in columns:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"{relation}: {name!r} is not a column name")
    create = f"create or replace table {relation} (" + ", ".join(f"{name} {kind}" for name, kind in columns) + ")"
    return create, f"insert into {relation} values "


def value_rows(rows: int, width: int) -> str:
    """`(?, ?), (?, ?)`: the placeholders of `rows` rows of `width` values."""
    row = "(" + ", ".join("?" for _ in range(width)) + ")"
    return ", ".join(row for _ in range(rows))


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[Warehouse]:
    """The warehouse outside a run (summaries, tests), its EnvVars resolved as Dagster resolves them in one."""
    with build_resources({"warehouse": build_warehouse(settings)}) as resources:
        yield resources.warehouse


def build_warehouse(settings: Settings) -> Warehouse:
    """The one place SALES_TARGET chooses the warehouse engine."""
    dlt_dir = str(settings.dlt_pipelines_dir)
    if settings.snowflake is not None:
        # Imported only for Snowflake: dagster-snowflake and the connector take seconds to import,
        # which every definitions load (and every run) would pay on DuckDB.
        from sales_assets.core.snowflake_warehouse import SnowflakeWarehouse, snowflake_resource

        return SnowflakeWarehouse(snowflake=snowflake_resource(settings.snowflake), dlt_dir=dlt_dir)
    return DuckDBWarehouse(path=str(settings.warehouse_path), dlt_dir=dlt_dir)
