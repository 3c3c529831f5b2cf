"""What asset pages show beyond lineage: raw tables' column schema, and a preview of analytics tables."""

from dagster import AssetKey, MetadataValue, TableColumn, TableColumnConstraints, TableSchema
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sales_assets.source.tables import SourceTable
from sales_assets.warehouses import Query, relation_name

PREVIEW_ROWS = 5
_NAMING = NamingConvention()


def raw_column_schema(table: SourceTable) -> TableSchema:
    """The contract's columns as dlt names them in `raw`, with the source's declared types."""
    return TableSchema(
        columns=[
            TableColumn(
                name=_NAMING.normalize_identifier(name),
                type=declaration.removesuffix(" NOT NULL"),
                description=f"{table.qualified_name}.{name}" + (" (primary key)" if name in table.primary_key else ""),
                # Raw accepts NULLs outside the key (dlt_sources.py), so the checks can name bad rows.
                constraints=TableColumnConstraints(nullable=name not in table.primary_key),
            )
            for name, declaration in table.columns
        ]
    )


def table_preview(query: Query, key: AssetKey) -> MetadataValue:
    """The first rows of a table as a markdown table: what a stakeholder sees first on its page."""
    relation = relation_name(key)
    columns = [
        name
        for (name,) in query(
            "select lower(column_name) from information_schema.columns "
            "where lower(table_schema) = ? and lower(table_name) = ? order by ordinal_position",
            list(key.path),
        )
    ]
    rows = query(f"select * from {relation} limit {PREVIEW_ROWS}", ())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if value is None else str(value) for value in row) + " |" for row in rows]
    return MetadataValue.md(f"First {len(rows)} rows of `{relation}`:\n\n" + "\n".join(lines))
