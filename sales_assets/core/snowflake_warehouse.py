"""The Snowflake warehouse: dlt's snowflake destination, dbt's `snowflake` target, queries through
dagster-snowflake's SnowflakeResource. A module of its own so that DuckDB setups never import
dagster-snowflake or the Snowflake connector (seconds of import time on every definitions load).

Publishing, as on DuckDB, gives readers the last complete run whole: dbt commits model by model,
so a run that stops halfway (Snowflake unreachable, a failed test) leaves `analytics` with some
tables of the new run and some of the old. The dashboard's relations are cloned (zero-copy in
Snowflake) into the one of two schemas, `published_a` and `published_b`, that readers are not
using, and then `published.current` is replaced to name it, in one statement. Readers look the
schema up there and read it instead of `analytics`. (`ALTER SCHEMA ... SWAP WITH` would publish
in one statement too, but the emulator the tests run on does not know it.)
"""

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import dlt
import snowflake.connector.errors
from dagster import AssetKey, EnvVar
from dagster_snowflake import SnowflakeResource
from dlt.destinations.impl.snowflake.configuration import SnowflakeCredentials

from sales_assets.core.settings import SnowflakeSettings
from sales_assets.core.warehouses import MissingRelationError, Query, Warehouse, relation_name, table_ddl, value_rows

# Snowflake's "does not exist or not authorized" (SQL compilation error 002003).
_SNOWFLAKE_MISSING_OBJECT = 2003
_INSERT_ROWS = 200  # rows per INSERT in replace_table
# dlt fills this template per statement (str.format: literal braces doubled), so Snowflake's query
# history says which pipeline, table and load each statement of a load belongs to.
DLT_QUERY_TAG = (
    '{{"app": "sales_assets", "pipeline_name": "{pipeline_name}", "resource": "{resource}", '
    '"table": "{table}", "load_id": "{load_id}"}}'
)
PUBLISHED_SLOTS = ("published_a", "published_b")
POINTER = "published.current"
# What the connector (and dbt, which quotes it) says when Snowflake cannot be reached: its
# connection errnos (250001 could not connect, 250003 no response) and the network's words.
_UNREACHABLE = ("250001", "250003", "could not connect", "failed to connect", "connection refused", "timed out")
PROBE_TIMEOUT_SECONDS = 10  # to log in and to answer `select 1`, when checking that Snowflake is still there
_ANALYTICS = re.compile(r"\banalytics\.", re.IGNORECASE)


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
        return dlt.destinations.snowflake(credentials=credentials, query_tag=DLT_QUERY_TAG)

    def description(self) -> str:
        sf, extra = self.snowflake, self.snowflake.additional_snowflake_connection_args or {}
        where = f" at {extra['host']}:{extra.get('port', 443)}" if extra.get("host") else ""
        return f"Snowflake account {sf.account}, database {sf.database}{where}"

    def unreachable(self, err: BaseException) -> str | None:
        while err is not None:
            lines = [" ".join(line.split()) for line in str(err).splitlines() if line.strip()]
            if isinstance(err, snowflake.connector.errors.OperationalError | snowflake.connector.errors.InterfaceError):
                return lines[0] if lines else type(err).__name__
            # dbt's failure quotes the connector's error among its own lines.
            found = [line for line in lines if any(marker in line.lower() for marker in _UNREACHABLE)]
            if found:
                return found[0][:300]
            err = err.__cause__ or err.__context__
        return None

    def probe(self) -> str | None:
        extra = {
            **(self.snowflake.additional_snowflake_connection_args or {}),
            "login_timeout": PROBE_TIMEOUT_SECONDS,
            "network_timeout": PROBE_TIMEOUT_SECONDS,
        }
        quick = self.snowflake.model_copy(update={"additional_snowflake_connection_args": extra})
        try:
            with quick.get_connection() as conn, conn.cursor() as cursor:
                cursor.execute("select 1")
        except Exception as err:
            return self.unreachable(err)
        return None

    def publish(self, relations: Sequence[AssetKey]) -> dict[str, Any]:
        started = time.perf_counter()
        with self.session() as query:
            current = _published_slot(query)
            slot = PUBLISHED_SLOTS[1] if current == PUBLISHED_SLOTS[0] else PUBLISHED_SLOTS[0]
            tables = {
                name.lower()
                for (name,) in query(
                    "select table_name from information_schema.tables "
                    "where lower(table_schema) = 'analytics' and table_type = 'BASE TABLE'"
                )
            }
            query(f"create schema if not exists {slot}")
            for key in relations:
                name, source = key.path[-1], relation_name(key)
                # A clone shares the table's storage; a view has none, so its rows are copied.
                copy = f"clone {source}" if name in tables else f"as select * from {source}"
                query(f"create or replace table {slot}.{name} {copy}")
            query("create schema if not exists published")
            query(f"create or replace table {POINTER} as select '{slot}' as slot, current_timestamp() as published_at")
        return {
            "published_schema": slot,
            "published_relations": len(relations),
            "publish_seconds": round(time.perf_counter() - started, 3),
        }

    def query_published(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """A query naming `analytics.<relation>`, run against the last published schema instead;
        MissingRelationError when nothing is published yet."""
        with self.session() as query:
            slot = _published_slot(query)
            if slot is None:
                raise MissingRelationError("nothing is published yet (the dashboard asset publishes after each run)")
            return query(_ANALYTICS.sub(f"{slot}.", sql), params)

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

    def replace_table(self, key: AssetKey, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> int:
        # Snowflake commits DDL on its own, so the new table is built beside the old one and
        # copied over it in one statement (CREATE OR REPLACE ... AS SELECT): readers never see it
        # empty or half-filled. (ALTER TABLE ... SWAP WITH would save the copy of these small
        # tables, but the emulator the tests run on does not know it.)
        building_key = AssetKey([key.path[0], f"{key.path[1]}__building"])
        target, building = relation_name(key), relation_name(building_key)
        create, insert = table_ddl(building_key, columns)
        with self.snowflake.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(f"create schema if not exists {key.path[0]}")
            cursor.execute(create)
            # Multi-row INSERTs with every value bound (`?`), a few hundred rows at a time: small
            # results, no stage. (executemany would bind arrays, which the emulator cannot serve.)
            for start in range(0, len(rows), _INSERT_ROWS):
                chunk = rows[start : start + _INSERT_ROWS]
                params = [_bindable(v) for row in chunk for v in row]
                cursor.execute(insert + value_rows(len(chunk), len(columns)), params)
            cursor.execute(f"create or replace table {target} as select * from {building}")
            cursor.execute(f"drop table {building}")
        return len(rows)


def _published_slot(query: Query) -> str | None:
    """The schema readers read, as the last publish left it; None before the first."""
    try:
        rows = query(f"select slot from {POINTER}", ())
    except MissingRelationError:
        return None
    slot = rows[0][0].lower() if rows else None
    if slot is not None and slot not in PUBLISHED_SLOTS:
        raise ValueError(f"{POINTER} names {slot!r}, not one of {PUBLISHED_SLOTS}")
    return slot


def _bindable(value: Any) -> Any:
    """A Decimal goes as its exact text, which Snowflake casts to the column's NUMBER: the emulator
    binds the connector's FIXED type as an integer and would fail on the fraction."""
    return str(value) if isinstance(value, Decimal) else value


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
