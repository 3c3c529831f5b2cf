"""Checks on the Python analytics assets: what their numbers must satisfy to be used."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from sales_assets.core.warehouses import Warehouse, relation_name
from sales_assets.defs.predict.forecast import HORIZON
from sales_assets.defs.predict.inputs import DEMAND_FORECAST, FORECAST_ACCURACY, INVENTORY_COVER, latest_order_date
from sales_assets.defs.predict.inventory import sellable_products_sql

MAX_KEYS = 20


@asset_check(
    asset=DEMAND_FORECAST,
    description=f"Every series has {HORIZON} weekly forecasts, none negative, each inside its 80% interval.",
)
def intervals_contain_forecast(warehouse: Warehouse) -> AssetCheckResult:
    bad = warehouse.query(
        f"""
        select level, series, week_start from {relation_name(DEMAND_FORECAST)}
        where forecast_units is null or lower_80 is null or upper_80 is null
            or forecast_units < 0 or lower_80 > forecast_units or forecast_units > upper_80
        order by 1, 2, 3
        """
    )
    short = warehouse.query(
        f"select level, series, count(*) from {relation_name(DEMAND_FORECAST)} group by 1, 2 having count(*) <> ?",
        [HORIZON],
    )
    return AssetCheckResult(
        passed=not bad and not short,
        metadata={
            "weeks_outside_interval": len(bad),
            "series_without_full_horizon": len(short),
            "offending": MetadataValue.json([f"{lvl}/{name}/{week}" for lvl, name, week in bad[:MAX_KEYS]]),
        },
    )


@asset_check(
    asset=FORECAST_ACCURACY,
    description="WARN when the model's backtest WAPE is worse than the seasonal-naive baseline's for all products "
    "or a category (the series planners act on); subcategories are listed in the table.",
)
def model_beats_seasonal_naive(warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse.query(
        f"""
        select level, series, model_wape, seasonal_naive_wape from {relation_name(FORECAST_ACCURACY)}
        where level in ('total', 'category') and model_wape is not null and seasonal_naive_wape is not null
        order by 1 desc, 2
        """
    )
    worse = [(level, series) for level, series, model, naive in rows if model > naive]
    return AssetCheckResult(
        passed=not worse,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "series_compared": len(rows),
            "series_worse_than_baseline": MetadataValue.json([f"{lvl}/{name}" for lvl, name in worse]),
        },
    )


@asset_check(
    asset=INVENTORY_COVER,
    description="One row for every sellable product (finished good, list price above zero, not past its sell end "
    "date), and no other.",
)
def covers_every_sellable_product(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.session() as query:
        sellable = {row[0] for row in query(sellable_products_sql(), [latest_order_date(query)])}
        covered = [row[0] for row in query(f"select product_id from {relation_name(INVENTORY_COVER)}", ())]
    missing, extra = sorted(sellable - set(covered)), sorted(set(covered) - sellable)
    duplicated = len(covered) - len(set(covered))
    return AssetCheckResult(
        passed=not missing and not extra and not duplicated,
        metadata={
            "sellable_products": len(sellable),
            "missing_products": MetadataValue.json(missing[:MAX_KEYS]),
            "unexpected_products": MetadataValue.json(extra[:MAX_KEYS]),
            "duplicated_rows": duplicated,
        },
    )


def build_predict_checks() -> list[AssetChecksDefinition]:
    return [intervals_contain_forecast, model_beats_seasonal_naive, covers_every_sellable_product]
