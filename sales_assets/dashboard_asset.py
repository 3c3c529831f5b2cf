"""The dashboard as an asset: not materialized by Dagster, but in the graph so lineage shows who reads what."""

from pathlib import Path

from dagster import AssetKey, AssetSpec, CodeReferencesMetadataValue, LocalFileCodeReference, MetadataValue

from sales_assets.dashboard.connection import RELATIONS
from sales_assets.translators import OWNER

DASHBOARD = AssetKey(["dashboard", "sales_dashboard"])
APP = Path(__file__).resolve().parent / "dashboard" / "app.py"


def dashboard_spec(port: int = 8501) -> AssetSpec:
    return AssetSpec(
        key=DASHBOARD,
        deps=[AssetKey(["analytics", name]) for name in RELATIONS],  # exactly what the app queries
        description="The Streamlit sales dashboard (`make dashboard`): KPIs, revenue trend, customers, territories, "
        "products and returns, discount impact, filtered by date range, territory and product category. It reads "
        "the analytics schema through a read-only connection.",
        group_name="dashboard",
        kinds={"streamlit"},
        owners=[OWNER],
        tags={"layer": "dashboard", "domain": "sales"},
        metadata={
            "url": MetadataValue.url(f"http://127.0.0.1:{port}"),
            "dagster/code_references": CodeReferencesMetadataValue(
                code_references=[LocalFileCodeReference(file_path=str(APP))]
            ),
        },
    )
