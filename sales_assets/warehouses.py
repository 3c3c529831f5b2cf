"""The warehouse resource: where dlt loads `raw` and dbt builds `staging` and `analytics`.

One interface, two engines, chosen by SALES_TARGET in `build_warehouse` and nowhere else: the
embedded DuckDB file, or Snowflake through dagster-snowflake's SnowflakeResource. Assets and checks
ask the resource for a dlt pipeline, a dbt environment and query results; they never name an engine.
Queries are the cross-database subset both engines run the same way, with `?` parameters.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
import snowflake.connector.errors
from dagster import AssetKey, ConfigurableResource, EnvVar, build_resources
from dagster_snowflake import SnowflakeResource
from dlt.destinations.impl.snowflake.configuration import SnowflakeCredentials

from sales_assets.settings import Settings, SnowflakeSettings

SCHEMAS = ("raw", "staging", "analytics")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# The warehouse's tables and views, raw then staging then analytics, without dlt's own tables.
_RELATIONS_SQL = """
    select lower(table_schema), lower(table_name) from information_schema.tables
    where lower(table_schema) in ('raw', 'staging', 'analytics') and left(lower(table_name), 5) <> '_dlt_'
    order by case lower(table_schema) when 'raw' then 1 when 'staging' then 2 else 3 end, 2
"""


Query = Callable[[str, Sequence[Any]], list[tuple]]


class MissingRelationError(Exception):
    """A query named a table or view the warehouse does not hold (yet)."""


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

    def relations(self) -> list[AssetKey]:
        """The warehouse's tables and views as [schema, name], raw then staging then analytics."""
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
        with self.connect() as conn:
            conn.execute("set TimeZone = 'UTC'")

            def query(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
                try:
                    return conn.execute(sql, list(params)).fetchall()
                except duckdb.CatalogException as err:
                    raise MissingRelationError(str(err).splitlines()[0]) from err

            yield query


# Snowflake's "does not exist or not authorized" (SQL compilation error 002003).
_SNOWFLAKE_MISSING_OBJECT = 2003


class SnowflakeWarehouse(Warehouse):
    """Snowflake: dlt's snowflake destination, dbt's `snowflake` target, queries through SnowflakeResource."""

    snowflake: SnowflakeResource

    def dlt_destination(self) -> Any:
        sf = self.snowflake
        extra = sf.additional_snowflake_connection_args or {}
        credentials = SnowflakeCredentials()
        credentials.host = sf.account
        credentials.database = sf.database
        credentials.username = sf.user
        credentials.password = sf.password
        credentials.warehouse = sf.warehouse
        credentials.role = sf.role
        credentials.private_key = sf.private_key
        credentials.private_key_path = sf.private_key_path
        credentials.private_key_passphrase = sf.private_key_password
        credentials.session_timezone = "UTC"
        if extra.get("host"):
            # A private endpoint or an emulator: dlt passes `_snowflake_host` (its SNOWFLAKE_HOST) and
            # query parameters to the connector as they are.
            credentials._snowflake_host = extra["host"]
            credentials.query = {name: extra[name] for name in ("port", "protocol") if name in extra}
        return dlt.destinations.snowflake(credentials=credentials, query_tag='{"app": "sales_assets"}')

    @contextmanager
    def session(self) -> Iterator[Query]:
        with self.snowflake.get_connection() as conn:

            def query(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
                with conn.cursor() as cursor:
                    try:
                        return [tuple(row) for row in cursor.execute(sql, list(params)).fetchall()]
                    except snowflake.connector.errors.ProgrammingError as err:
                        if err.errno == _SNOWFLAKE_MISSING_OBJECT:
                            # Snowflake says the same of a table that is missing and one the role may not read.
                            reason = (err.msg or str(err)).strip().splitlines()[-1]
                            raise MissingRelationError(f"{reason} (missing, or not granted to the role)") from err
                        raise

            yield query


def snowflake_resource(config: SnowflakeSettings) -> SnowflakeResource:
    """dagster-snowflake's resource from the settings; secrets stay EnvVars, resolved at run time."""
    extra = {
        name: value
        for name, value in (("host", config.host), ("port", config.port), ("protocol", config.protocol))
        if value is not None
    }
    secret = EnvVar(config.auth_env)
    return SnowflakeResource(
        account=config.account,
        user=config.user,
        role=config.role,
        warehouse=config.warehouse,
        database=config.database,
        password=secret if config.auth_env == "SNOWFLAKE_PASSWORD" else None,
        private_key_path=secret if config.auth_env == "SNOWFLAKE_PRIVATE_KEY_PATH" else None,
        private_key=secret if config.auth_env == "SNOWFLAKE_PRIVATE_KEY" else None,
        private_key_password=EnvVar("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE") if config.key_passphrase else None,
        # Server-side binding of `?` parameters; a UTC session, like the DuckDB connection's.
        paramstyle="qmark",
        timezone="UTC",
        additional_snowflake_connection_args=extra or None,
    )


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[Warehouse]:
    """The warehouse outside a run (summaries, tests), its EnvVars resolved as Dagster resolves them in one."""
    with build_resources({"warehouse": build_warehouse(settings)}) as resources:
        yield resources.warehouse


def build_warehouse(settings: Settings) -> Warehouse:
    """The one place SALES_TARGET chooses the warehouse engine."""
    dlt_dir = str(settings.dlt_pipelines_dir)
    if settings.snowflake is not None:
        return SnowflakeWarehouse(snowflake=snowflake_resource(settings.snowflake), dlt_dir=dlt_dir)
    return DuckDBWarehouse(path=str(settings.warehouse_path), dlt_dir=dlt_dir)
