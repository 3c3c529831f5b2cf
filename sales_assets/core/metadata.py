"""What every asset page shares: the owning team, and a preview of a table's first rows."""

from dagster import AssetKey, MetadataValue

from sales_assets.core.warehouses import Query, relation_name

OWNER = "team:sales-analytics"
PREVIEW_ROWS = 5


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
