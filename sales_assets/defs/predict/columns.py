"""The columns the Python analytics write (name, SQL type, description): their tables' schema,
shown on each asset's page and used to create the table (Warehouse.replace_table)."""

from sales_assets.defs.predict import forecast as fc
from sales_assets.defs.predict.inventory import LEAD_TIME_WEEKS, RECENT_WEEKS

FORECAST_COLUMNS = [
    ("level", "varchar", "total, category or subcategory."),
    ("series", "varchar", "The category or subcategory name (All products for the total)."),
    ("category", "varchar", "The series' category (NULL for the total)."),
    ("week_start", "date", "Monday of the forecast week."),
    ("forecast_units", "double", "Units expected to sell in the week (never negative)."),
    ("forecast_revenue", "decimal(19, 4)", "forecast_units x the series' revenue per unit over the last 26 weeks."),
    ("lower_80", "double", "Lower bound of the 80% prediction interval for units (conformal, whole units)."),
    ("upper_80", "double", "Upper bound of the 80% prediction interval for units (conformal, whole units)."),
    ("method", "varchar", "The method the series' backtest chose (seasonal naive, the baseline, when none beat it)."),
    ("fitted_through", "date", "Monday of the last complete week the method was fitted on."),
]
ACCURACY_COLUMNS = [
    ("level", "varchar", "total, category or subcategory."),
    ("series", "varchar", "The category or subcategory name (All products for the total)."),
    ("category", "varchar", "The series' category (NULL for the total)."),
    ("method", "varchar", "The method published: the candidate with least error over every backtest origin."),
    ("baseline_chosen", "boolean", "The published method is the seasonal-naive baseline."),
    ("origins", "integer", f"Origins scored out of sample: each after the first of up to {fc.BACKTEST_ORIGINS}."),
    ("weeks_evaluated", "integer", "Forecast weeks compared with actuals, over those origins."),
    ("actual_units", "double", "Units actually sold in those weeks."),
    (
        "wape",
        "double",
        "Out-of-sample WAPE of the selection procedure: at each origin, the method chosen on the origins "
        "before it; sum |actual - forecast| / sum actual.",
    ),
    ("seasonal_naive_wape", "double", "The same weeks forecast by the seasonal-naive baseline (a year before)."),
    ("wape_margin", "double", "seasonal_naive_wape - wape: how much better than the baseline (negative: worse)."),
    ("beats_baseline", "boolean", "wape <= seasonal_naive_wape."),
    ("interval_coverage_80", "double", "Share of those weeks inside the 80% interval (calibrated: about 0.8)."),
    ("methods_chosen", "varchar", "The method chosen at each scored origin, oldest first."),
]
COVER_COLUMNS = [
    ("product_id", "integer", "A sellable product (finished good with a list price, not past its sell end date)."),
    ("product_name", "varchar", "Its name."),
    ("category_name", "varchar", "Its category."),
    ("subcategory_name", "varchar", "Its subcategory."),
    ("on_hand_qty", "bigint", "Units in stock over all locations (Production.ProductInventory)."),
    ("safety_stock_level", "integer", "Product.SafetyStockLevel."),
    ("reorder_point", "integer", "Product.ReorderPoint."),
    ("recent_units", "bigint", f"Units sold in the last {RECENT_WEEKS} complete weeks."),
    ("forecast_units_next_4_weeks", "double", "The subcategory's forecast for the next 4 weeks x the product's share."),
    (
        "demand_next_4_weeks_at_service_level",
        "double",
        "The same share of the subcategory's 80% upper bounds over the 4 weeks: demand met 9 times in 10.",
    ),
    (
        "lead_time_demand_at_service_level",
        "double",
        f"The same over the {LEAD_TIME_WEEKS}-week lead time: the stock below which to reorder.",
    ),
    ("weeks_of_cover", "double", "on_hand_qty / weekly forecast; NULL when no demand is forecast."),
    (
        "needs_reorder",
        "boolean",
        "Still selling, and at or below the reorder point or below the lead time's demand at the service level.",
    ),
    (
        "suggested_order_qty",
        "bigint",
        "Units to order to stay above the reorder point through the 4 weeks' demand at the service level (0 if none).",
    ),
    ("forecast_method", "varchar", "The forecast method demand_forecast chose for the product's subcategory."),
]
