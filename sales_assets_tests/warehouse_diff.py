"""Two warehouses compared relation by relation: the test that incremental runs equal a full build."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import AssetKey

# Unpartitioned tables refreshed on their own cadence (weekly, and inventory cover daily: automation),
# not by the daily job: a warehouse built by daily runs is compared after refreshing them.
LOOKING_AHEAD = [
    AssetKey(["analytics", name])
    for name in (
        "product_affinity",
        "customer_recommendations",
        "recommendation_backtest",
        "demand_forecast",
        "forecast_accuracy",
        "inventory_cover",
    )
]


def relations(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'analytics') order by 1, 2"
            ).fetchall()
        ]


def comparable(relation: str) -> str:
    """What of a relation a full build must reproduce: all of it, but for int_order_placements, whose
    previous placements are the history of edits a full build never saw (its current placements)."""
    if relation.endswith("intermediate.int_order_placements"):
        return f"(select sales_order_id, order_date, customer_id from {relation} where order_date is not null)"
    return relation


def differences(left: Path, right: Path) -> dict[str, tuple[int, int, int]]:
    """Per relation: (rows, rows only in left, rows only in right), for relations that differ."""
    conn = duckdb.connect()
    conn.execute(f"attach '{left}' as l (read_only)")
    conn.execute(f"attach '{right}' as r (read_only)")
    found = {}
    for relation in relations(left):
        left_rows, right_rows = (comparable(f"{side}.{relation}") for side in ("l", "r"))
        rows = conn.execute(f"select count(*) from {left_rows}").fetchone()[0]
        only_left = conn.execute(f"select count(*) from (from {left_rows} except all from {right_rows})").fetchone()[0]
        only_right = conn.execute(f"select count(*) from (from {right_rows} except all from {left_rows})").fetchone()[0]
        if only_left or only_right or not rows:
            found[relation] = (rows, only_left, only_right)
    conn.close()
    return found
