"""What the Python analytics read and write: their asset keys, and the as-of date they share."""

from datetime import date, datetime

from dagster import AssetKey

from sales_assets.core.warehouses import Query, relation_name

DEMAND_FORECAST = AssetKey(["analytics", "demand_forecast"])
FORECAST_ACCURACY = AssetKey(["analytics", "forecast_accuracy"])
INVENTORY_COVER = AssetKey(["analytics", "inventory_cover"])
RECOMMENDATION_BACKTEST = AssetKey(["analytics", "recommendation_backtest"])  # a dbt model
PRODUCT_SALES_DAILY = AssetKey(["intermediate", "int_product_sales_daily"])
PRODUCTS = AssetKey(["staging", "stg_products"])
STOCK = AssetKey(["staging", "stg_product_inventory"])
# The raw tables behind those views: a run without views still loads them first.
RAW_PRODUCTS, RAW_STOCK = AssetKey(["raw", "product"]), AssetKey(["raw", "product_inventory"])


def as_date(value: date | datetime) -> date:
    """A warehouse date as a date (a driver may hand back a datetime; datetime is a date subclass)."""
    return value.date() if isinstance(value, datetime) else value


def latest_order_date(query: Query) -> date:
    """The as-of date of every forecast and cover figure: the latest order day in the warehouse."""
    ((latest,),) = query(f"select max(order_date) from {relation_name(PRODUCT_SALES_DAILY)}", ())
    if latest is None:
        raise ValueError(f"{relation_name(PRODUCT_SALES_DAILY)} is empty: no sales to look ahead from")
    return as_date(latest)
