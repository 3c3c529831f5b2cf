"""What the Python checks share: the window a check reads, its result with the offending keys and
partitions, and the keys and amounts they compare."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue

from sales_assets.core.partitions import naive_window
from sales_assets.core.warehouses import Warehouse
from sales_assets.source.queries import Window

MAX_KEYS = 20
WARN = AssetCheckSeverity.WARN
HEADER, DETAIL = AssetKey(["raw", "sales_order_header"]), AssetKey(["raw", "sales_order_detail"])
CUSTOMER, PRODUCT, OFFER = (AssetKey(["raw", name]) for name in ("customer", "product", "special_offer"))
MONEY, LINE_MONEY = Decimal("0.0001"), Decimal("0.000001")


def window_of(context: AssetCheckExecutionContext) -> Window:
    return naive_window(context.partition_time_window)


def result(
    window: Window,
    problems: dict[Any, date],
    summary: str,
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
    **metadata: Any,
) -> AssetCheckResult:
    """Pass when there are no problems; otherwise name them: keys, partitions, a sentence."""
    failing = sorted({day.isoformat() for day in problems.values()})
    keys = list(problems)[:MAX_KEYS]
    return AssetCheckResult(
        passed=not problems,
        severity=severity,
        metadata={
            "summary": summary if problems else "ok",
            "window_start": window[0].date().isoformat(),
            "window_end": window[1].date().isoformat(),
            "failing_partitions": ", ".join(failing),
            "offending_count": len(problems),
            "offending_keys": MetadataValue.json([str(key) for key in keys]),
            **metadata,
        },
    )


def warehouse_rows(warehouse: Warehouse, sql: str, window: Window) -> list[tuple]:
    """Rows of a warehouse query whose `?` placeholders are, in pairs, the window's start and end."""
    return warehouse.query(sql, list(window) * (sql.count("?") // 2))


def day_of(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


# Raw header rows of the window, by order, as a subquery the checks share.
ORDERS_IN_WINDOW = """
    select * from raw.sales_order_header
    where cast(order_date as timestamp) >= ? and cast(order_date as timestamp) < ?
"""
