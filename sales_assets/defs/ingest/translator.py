"""Asset specs of what dlt loads: `raw/<table>`, the key dbt gives its `raw` sources too, so lineage
joins up; the group, kinds, owner, freshness and the contract's columns of each raw table."""

from __future__ import annotations

from dagster import AssetKey, AssetSpec, TableColumn, TableColumnConstraints, TableSchema
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.normalizers.naming.snake_case import NamingConvention

from sales_assets.core.metadata import OWNER
from sales_assets.defs.quality.freshness import DAILY_FRESHNESS
from sales_assets.source.tables import ALL_TABLES, SourceTable

_TABLES = {table.warehouse_name: table for table in ALL_TABLES}
_NAMING = NamingConvention()


class SalesDltTranslator(DagsterDltTranslator):
    def __init__(self, source_kind: str, warehouse_kind: str = "duckdb") -> None:
        self.source_kind = source_kind
        self.warehouse_kind = warehouse_kind

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        table = _TABLES[data.resource.name]
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=AssetKey(["raw", table.warehouse_name]),
            group_name="raw",
            deps=[],
            description=f"`{table.qualified_name}` loaded by dlt into `raw.{table.warehouse_name}`. "
            f"{table.description}",
            kinds={"dlt", self.source_kind, self.warehouse_kind},
            owners=[OWNER],
            tags={"layer": "raw", "domain": "sales"},
            freshness_policy=DAILY_FRESHNESS,
        ).merge_attributes(
            metadata={
                "dagster/table_name": f"raw.{table.warehouse_name}",
                "dagster/column_schema": raw_column_schema(table),
            }
        )


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
