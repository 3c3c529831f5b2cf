"""The dashboard as an asset: materializing it publishes the warehouse the dashboard reads.

Readers never open the file the pipeline writes (see sales_assets/core/publish.py): this asset, last in
every run that writes, copies the warehouse to its published path, and eagerly after any run that
updated what the dashboard reads (the weekly and daily refreshes, a manual materialization).
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    MaterializeResult,
    MetadataValue,
    asset,
)

from sales_assets.core.metadata import OWNER
from sales_assets.core.warehouses import Warehouse, failing_clearly_if_unreachable
from sales_assets.dashboard import APP
from sales_assets.dashboard.connection import INSIGHT_RELATIONS, RELATIONS

DASHBOARD = AssetKey(["dashboard", "sales_dashboard"])
READS = [AssetKey(["analytics", name]) for name in (*RELATIONS, *INSIGHT_RELATIONS)]  # what the app queries
# Eager, but not waiting for every daily partition upstream to exist (today's, before its run).
PUBLISH_AFTER_WRITES = (
    AutomationCondition.eager()
    .without(~AutomationCondition.any_deps_missing())
    .with_label("publish_after_upstream_updates")
)


def build_dashboard_asset(port: int = 8501) -> AssetsDefinition:
    @asset(
        key=DASHBOARD,
        deps=READS,
        description="The Streamlit sales dashboard (`make dashboard`): KPIs, revenue trend, customers, territories, "
        "products and returns, discount impact, forecasts, retention, recommendations and inventory, filtered by "
        "date range, territory and product category. Materializing it publishes the warehouse to the dashboard: "
        "the DuckDB file is copied, whole and atomically, to the published copy the dashboard (and any BI tool) "
        "reads, so readers never hold a lock the pipeline needs and always see the last complete run. On "
        "Snowflake the relations the dashboard reads are cloned (zero-copy) into the published schema it "
        "reads, named in `published.current` once the clones are made.",
        group_name="dashboard",
        kinds={"streamlit"},
        owners=[OWNER],
        tags={"layer": "dashboard", "domain": "sales"},
        automation_condition=PUBLISH_AFTER_WRITES,
        metadata={
            "url": MetadataValue.url(f"http://127.0.0.1:{port}"),
            "dagster/code_references": CodeReferencesMetadataValue(
                code_references=[LocalFileCodeReference(file_path=str(APP))]
            ),
        },
    )
    def sales_dashboard(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with failing_clearly_if_unreachable(warehouse, "while publishing the dashboard's relations"):
            metadata = warehouse.publish(READS)
        context.log.info(f"published: {metadata}")
        return MaterializeResult(metadata=metadata)

    return sales_dashboard
