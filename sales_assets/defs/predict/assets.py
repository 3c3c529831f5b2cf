"""The Python analytics assets: demand_forecast and forecast_accuracy (one fit), inventory_cover.

They read the dbt tables through the warehouse resource and write their results back into
`analytics` (Warehouse.replace_table), so dashboards and BI read them beside the marts, on DuckDB
and Snowflake alike. Unpartitioned: each reads the whole history it needs, on its own cadence
(sales_assets/defs/operations/automation.py).
"""

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    multi_asset,
)

from sales_assets.core.metadata import OWNER
from sales_assets.core.warehouses import Warehouse, relation_name
from sales_assets.defs.operations.automation import DAILY_AFTER_STOCK, WEEKLY_AFTER_SALES
from sales_assets.defs.predict import forecast as fc
from sales_assets.defs.predict.columns import ACCURACY_COLUMNS, COVER_COLUMNS, FORECAST_COLUMNS
from sales_assets.defs.predict.inputs import (
    DEMAND_FORECAST,
    FORECAST_ACCURACY,
    INVENTORY_COVER,
    PRODUCT_SALES_DAILY,
    PRODUCTS,
    RAW_PRODUCTS,
    RAW_STOCK,
    STOCK,
    as_date,
    latest_order_date,
)
from sales_assets.defs.predict.inventory import COVER_WEEKS, RECENT_WEEKS, SERVICE_LEVEL, cover_rows
from sales_assets.defs.quality.freshness import DAILY_FRESHNESS, WEEKLY_FRESHNESS

TOTAL = "All products"
FORECAST_KINDS = {"python", "statsforecast"}
MONEY = Decimal("0.0001")


def _schema(columns: list[tuple[str, str, str]]) -> TableSchema:
    return TableSchema(columns=[TableColumn(name, kind, description) for name, kind, description in columns])


def _write(warehouse: Warehouse, key: AssetKey, columns: list[tuple[str, str, str]], rows: list[dict]) -> int:
    """Replace the table with `rows` (dicts keyed by column name), columns in their declared order."""
    names = [name for name, _, _ in columns]
    return warehouse.replace_table(
        key, [(name, kind) for name, kind, _ in columns], [[r[n] for n in names] for r in rows]
    )


def _spec(
    key: AssetKey,
    description: str,
    columns: list,
    deps: list[AssetKey],
    automation,
    freshness,
    kinds: set[str],
) -> AssetSpec:
    return AssetSpec(
        key,
        description=description,
        deps=deps,
        group_name="analytics",
        kinds=kinds,
        owners=[OWNER],
        tags={"layer": "analytics", "domain": "sales"},
        automation_condition=automation,
        freshness_policy=freshness,
        metadata={"dagster/column_schema": _schema(columns), "dagster/table_name": relation_name(key)},
    )


def weekly_history(warehouse: Warehouse) -> tuple[date, list[fc.WeeklySeries]]:
    """Complete weeks of units and revenue for the total, each category and each subcategory."""
    with warehouse.session() as query:
        as_of = latest_order_date(query)
        rows = query(
            f"""
            select
                coalesce(products.category_name, 'Uncategorized'),
                coalesce(products.subcategory_name, 'Uncategorized'),
                date_trunc('week', daily.order_date),
                sum(daily.units_sold),
                sum(daily.revenue)
            from {relation_name(PRODUCT_SALES_DAILY)} as daily
            inner join {relation_name(PRODUCTS)} as products
                on daily.product_id = products.product_id
            group by 1, 2, 3
            """,
            (),
        )
    last_week = fc.last_complete_week(as_of)
    points: dict[tuple[str, str, str | None], dict[date, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0, 0.0])
    )
    for category, subcategory, week, units, revenue in rows:
        week = fc.monday(as_date(week))
        for key in (("total", TOTAL, None), ("category", category, category), ("subcategory", subcategory, category)):
            points[key][week][0] += float(units)
            points[key][week][1] += float(revenue)
    series = []
    for (level, name, category), by_week in sorted(points.items(), key=lambda item: item[0][:2]):
        dense = fc.dense_series(level, name, category, {w: (u, r) for w, (u, r) in by_week.items()}, last_week)
        if dense is not None:
            series.append(dense)
    return last_week, series


def build_forecast_assets() -> list[AssetsDefinition]:
    deps = [PRODUCT_SALES_DAILY, PRODUCTS, RAW_PRODUCTS]
    candidates = ", ".join(fc.CANDIDATES)

    @multi_asset(
        name="demand_forecast",
        specs=[
            _spec(
                DEMAND_FORECAST,
                f"Weekly units and revenue for the next {fc.HORIZON} weeks per product category and subcategory "
                "(and all products), with conformal 80% prediction intervals. Each series gets the method its own "
                f"backtest chose from {candidates} (the mean of ETS, Theta, a 13-week moving average, a "
                "calendar regression and seasonal naive); the seasonal-naive baseline is always a candidate and wins "
                "ties. Fitted on the last four years of complete weeks only. Refreshed weekly.",
                FORECAST_COLUMNS,
                deps,
                WEEKLY_AFTER_SALES,
                WEEKLY_FRESHNESS,
                FORECAST_KINDS,
            ),
            _spec(
                FORECAST_ACCURACY,
                f"How well demand_forecast's procedure forecasts, out of sample, per series: {fc.BACKTEST_ORIGINS} "
                f"origins a quarter apart, each forecasting {fc.HORIZON} weeks from the weeks before it; at each "
                "origin after the first, the method chosen on the earlier origins is scored, beside the "
                "seasonal-naive baseline on the same weeks, with the 80% interval's coverage. Refreshed with the "
                "forecast.",
                ACCURACY_COLUMNS,
                deps,
                WEEKLY_AFTER_SALES,
                WEEKLY_FRESHNESS,
                FORECAST_KINDS,
            ),
        ],
    )
    def demand_forecast(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
        started = time.perf_counter()
        last_week, series = weekly_history(warehouse)
        weeks = fc.forecast_weeks(last_week)
        forecast_rows, accuracy_rows = [], []
        for s in series:
            result = fc.forecast_series(s.units, s.weeks[0])
            price = fc.revenue_per_unit(s)
            series_columns = {"level": s.level, "series": s.name, "category": s.category, "method": result.method}
            for week, mean, lower, upper in zip(weeks, result.mean, result.lower, result.upper, strict=True):
                forecast_rows.append(
                    {
                        **series_columns,
                        "week_start": week,
                        "forecast_units": float(mean),
                        "forecast_revenue": Decimal(repr(float(mean) * price)).quantize(MONEY, ROUND_HALF_UP),
                        "lower_80": float(lower),
                        "upper_80": float(upper),
                        "fitted_through": last_week,
                    }
                )
            scored = result.evaluation
            wape, naive = scored.wape, scored.baseline_wape
            accuracy_rows.append(
                {
                    **series_columns,
                    "baseline_chosen": result.method == fc.BASELINE,
                    "origins": scored.origins,
                    "weeks_evaluated": scored.weeks,
                    "actual_units": scored.actual_units,
                    "wape": wape,
                    "seasonal_naive_wape": naive,
                    "wape_margin": None if wape is None or naive is None else naive - wape,
                    "beats_baseline": None if wape is None or naive is None else wape <= naive,
                    "interval_coverage_80": scored.coverage,
                    "methods_chosen": ", ".join(scored.choices),
                }
            )
        seconds = round(time.perf_counter() - started, 2)
        written = _write(warehouse, DEMAND_FORECAST, FORECAST_COLUMNS, forecast_rows)
        context.log.info(f"{len(series)} series forecast through the week of {last_week} in {seconds} s")
        chosen = Counter(row["method"] for row in accuracy_rows)
        yield MaterializeResult(
            asset_key=DEMAND_FORECAST,
            metadata={
                "dagster/row_count": written,
                "series": len(series),
                "fitted_through": last_week.isoformat(),
                "methods_chosen": MetadataValue.json(dict(chosen.most_common())),
                "fit_seconds": seconds,
            },
        )
        summary = level_summary(accuracy_rows)
        yield MaterializeResult(
            asset_key=FORECAST_ACCURACY,
            metadata={
                "dagster/row_count": _write(warehouse, FORECAST_ACCURACY, ACCURACY_COLUMNS, accuracy_rows),
                "accuracy": MetadataValue.md(_accuracy_table(accuracy_rows, summary)),
                **{f"{level}_wape": row["wape"] for level, row in summary.items()},
                **{f"{level}_seasonal_naive_wape": row["seasonal_naive_wape"] for level, row in summary.items()},
            },
        )

    return [demand_forecast]


def level_summary(rows: list[dict]) -> dict[str, dict]:
    """Per level (total, category, subcategory): the procedure's and the baseline's WAPE over all
    its series' scored weeks, the interval's coverage, and how often the baseline was published."""
    summary: dict[str, dict] = {}
    for level in ("total", "category", "subcategory"):
        scored = [r for r in rows if r["level"] == level and r["wape"] is not None]
        actual = sum(r["actual_units"] for r in scored)
        weeks = sum(r["weeks_evaluated"] for r in scored)
        if not actual or not weeks:
            continue
        summary[level] = {
            "series": len([r for r in rows if r["level"] == level]),
            "wape": sum(r["wape"] * r["actual_units"] for r in scored) / actual,
            "seasonal_naive_wape": sum(r["seasonal_naive_wape"] * r["actual_units"] for r in scored) / actual,
            "interval_coverage_80": sum(r["interval_coverage_80"] * r["weeks_evaluated"] for r in scored) / weeks,
            "baseline_chosen": sum(1 for r in rows if r["level"] == level and r["baseline_chosen"]),
        }
    return summary


def _accuracy_table(rows: list[dict], summary: dict[str, dict]) -> str:
    lines = [
        "| series | method published | WAPE (out of sample) | seasonal-naive WAPE | 80% coverage |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row["level"] != "subcategory":
            lines.append(
                f"| {row['series']} | {row['method']} | {_pct(row['wape'])} | {_pct(row['seasonal_naive_wape'])} "
                f"| {_pct(row['interval_coverage_80'])} |"
            )
    for level, row in summary.items():
        lines.append(
            f"| all {level} series ({row['baseline_chosen']} of {row['series']} on the baseline) | | "
            f"{_pct(row['wape'])} | {_pct(row['seasonal_naive_wape'])} | {_pct(row['interval_coverage_80'])} |"
        )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def build_inventory_asset() -> AssetsDefinition:
    spec = _spec(
        INVENTORY_COVER,
        "Stock against forecast demand, per sellable product: units on hand, safety stock and reorder point, "
        f"the next {COVER_WEEKS} weeks' forecast (the subcategory's forecast allocated by the product's share of "
        f"its subcategory's units over the last {RECENT_WEEKS} complete weeks), weeks of cover, and whether to "
        f"reorder at a {SERVICE_LEVEL:.0%} service level, from the forecast's interval rather than its mean. "
        "Refreshed daily, after the day's stock has loaded.",
        COVER_COLUMNS,
        [DEMAND_FORECAST, STOCK, PRODUCTS, PRODUCT_SALES_DAILY, RAW_STOCK, RAW_PRODUCTS],
        DAILY_AFTER_STOCK,
        DAILY_FRESHNESS,
        {"python"},
    )

    @multi_asset(name="inventory_cover", specs=[spec])
    def inventory_cover(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        rows = cover_rows(warehouse)
        written = _write(warehouse, INVENTORY_COVER, COVER_COLUMNS, rows)
        to_reorder = sum(1 for row in rows if row["needs_reorder"])
        context.log.info(f"{to_reorder} of {written} sellable products need reordering")
        return MaterializeResult(
            asset_key=INVENTORY_COVER, metadata={"dagster/row_count": written, "products_to_reorder": to_reorder}
        )

    return inventory_cover


def build_predict_assets() -> list[AssetsDefinition]:
    return [*build_forecast_assets(), build_inventory_asset()]
