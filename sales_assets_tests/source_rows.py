"""Reading the embedded source back with plain sqlite3, independently of the pipeline."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from sales_assets.source.tables import SCHEMAS


def connect(source_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for schema in SCHEMAS:
        conn.execute(f"attach database '{source_dir / f'{schema}.sqlite'}' as {schema}")
    return conn


def money(value: float) -> Decimal:
    """Money is NUMERIC(19,4), stored by SQLite as REAL: four decimals recover it exactly."""
    return Decimal(f"{value:.4f}")


def line_money(value: float) -> Decimal:
    """LineTotal is NUMERIC(38,6)."""
    return Decimal(f"{value:.6f}")
