"""Schema drift: the source's tables checked against the contract (`tables`) as they are read.

A column the contract names must be there, with a type of the same kind (integer, decimal,
text, date and time, boolean). A dropped or renamed column, or one whose kind changed (a TotalDue
that became text), stops the load before anything is written, naming the table, the column and
what changed: loaded, it would break the models or, worse, land in a variant column dlt makes
for the new type (`total_due__v_text`) while the models go on reading the old one. A column the
contract does not name is new: it is loaded, and dlt adds it to `raw` (schema evolution), where
the models ignore it until someone uses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from sales_assets.source.tables import SourceTable

# The kind of each contract type (the first word of its SQL type).
_CONTRACT_KINDS = {
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "NUMERIC": "decimal",
    "DECIMAL": "decimal",
    "NVARCHAR": "text",
    "VARCHAR": "text",
    "NCHAR": "text",
    "CHAR": "text",
    "DATETIME": "date and time",
    "BOOLEAN": "boolean",
}
# SQLAlchemy's generic types, in order: Boolean before Integer (a BIT is neither on every
# dialect), Numeric covers MONEY and FLOAT.
_REFLECTED_KINDS = (
    (sa.Boolean, "boolean"),
    (sa.Integer, "integer"),
    (sa.Numeric, "decimal"),
    (sa.String, "text"),
    (sa.DateTime, "date and time"),
    (sa.Date, "date and time"),
)


class SchemaDriftError(ValueError):
    """The source's table no longer matches the contract; the message says where and how."""


def contract_kind(sql_type: str) -> str:
    return _CONTRACT_KINDS[sql_type.split("(")[0].split()[0].upper()]


def reflected_kind(column_type: sa.types.TypeEngine) -> str | None:
    """The kind of a reflected type, or None for one SQLAlchemy does not know (e.g. SQL Server's
    uniqueidentifier or geography), which is not judged."""
    for generic, kind in _REFLECTED_KINDS:
        if isinstance(column_type, generic):
            return kind
    return None


def check_columns(table: SourceTable, reflected: Mapping[str, sa.types.TypeEngine]) -> None:
    """Raise SchemaDriftError when a contract column is missing or changed kind."""
    problems = []
    for name, sql_type in table.columns:
        if name not in reflected:
            problems.append(f"column {name} ({sql_type}) is missing: dropped or renamed")
            continue
        found = reflected_kind(reflected[name])
        if found is not None and found != contract_kind(sql_type):
            problems.append(
                f"column {name} changed type: the contract has {sql_type} ({contract_kind(sql_type)}), "
                f"the source has {reflected[name]} ({found})"
            )
    if problems:
        new = [name for name in reflected if name not in table.column_names]
        hint = f" (columns not in the contract: {', '.join(new)})" if new else ""
        raise SchemaDriftError(
            f"{table.qualified_name} no longer matches the source contract: {'; '.join(problems)}{hint}. "
            "The load stopped before writing anything; raw keeps the data loaded before."
        )
