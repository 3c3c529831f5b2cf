"""Checks on the Python analytics assets: what their numbers must satisfy to be used."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetChecksDefinition, MetadataValue, asset_check

from sales_assets.core.warehouses import Warehouse, relation_name
from sales_assets.defs.predict.forecast import HORIZON
from sales_assets.defs.predict.inputs import (
    DEMAND_FORECAST,
    FORECAST_ACCURACY,
    INVENTORY_COVER,
    RECOMMENDATION_BACKTEST,
    latest_order_date,
)
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
    description="The forecasts published are no worse than the seasonal-naive baseline out of sample: for all "
    "products, the categories and the subcategories, the selection procedure's WAPE over the scored weeks of "
    "every series of the level is at most the baseline's on the same weeks.",
)
def forecast_no_worse_than_seasonal_naive(warehouse: Warehouse) -> AssetCheckResult:
    rows = warehouse.query(
        f"""
        select
            level,
            sum(wape * actual_units) / sum(actual_units),
            sum(seasonal_naive_wape * actual_units) / sum(actual_units)
        from {relation_name(FORECAST_ACCURACY)}
        where wape is not null and seasonal_naive_wape is not null and actual_units > 0
        group by 1
        order by 1 desc
        """
    )
    worse = [level for level, published, baseline in rows if published > baseline]
    return AssetCheckResult(
        passed=not worse,
        metadata={
            "levels_compared": len(rows),
            "levels_worse_than_baseline": MetadataValue.json(worse),
            **{f"{level}_wape": round(float(published), 4) for level, published, _ in rows},
            **{f"{level}_seasonal_naive_wape": round(float(baseline), 4) for level, _, baseline in rows},
        },
    )


@asset_check(
    asset=RECOMMENDATION_BACKTEST,
    description="The recommendations published are no worse than the most-popular baseline out of sample: over the "
    "backtest's origins after the first, the method chosen at each origin (from the origins before it) hit at least "
    "as many customers as most_popular did. Not blocking: the lists stay published, and this says to look.",
)
def recommendations_no_worse_than_most_popular(warehouse: Warehouse) -> AssetCheckResult:
    ((hit, baseline_hit, evaluated),) = warehouse.query(
        f"""
        select
            coalesce(sum(case when chosen_here then customers_hit else 0 end), 0),
            coalesce(sum(case when is_baseline then customers_hit else 0 end), 0),
            coalesce(sum(case when is_baseline then customers_evaluated else 0 end), 0)
        from {relation_name(RECOMMENDATION_BACKTEST)}
        where origin_date > (select min(origin_date) from {relation_name(RECOMMENDATION_BACKTEST)})
        """
    )
    return AssetCheckResult(
        passed=hit >= baseline_hit,
        metadata={
            "customers_evaluated": int(evaluated),
            "customers_hit": int(hit),
            "most_popular_customers_hit": int(baseline_hit),
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
    return [
        intervals_contain_forecast,
        forecast_no_worse_than_seasonal_naive,
        recommendations_no_worse_than_most_popular,
        covers_every_sellable_product,
    ]
