"""The Snowflake warehouse: dlt's snowflake destination, dbt's `snowflake` target, queries through
dagster-snowflake's SnowflakeResource. A module of its own so that DuckDB setups never import
dagster-snowflake or the Snowflake connector (seconds of import time on every definitions load).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import dlt
import snowflake.connector.errors
from dagster import AssetKey, EnvVar
from dagster_snowflake import SnowflakeResource
from dlt.destinations.impl.snowflake.configuration import SnowflakeCredentials

from sales_assets.settings import SnowflakeSettings
from sales_assets.warehouses import MissingRelationError, Query, Warehouse, relation_name, table_ddl, value_rows

# Snowflake's "does not exist or not authorized" (SQL compilation error 002003).
_SNOWFLAKE_MISSING_OBJECT = 2003
_INSERT_ROWS = 200  # rows per INSERT in replace_table


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
