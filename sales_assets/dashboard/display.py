"""Formatting for display only: the data functions keep money as Decimal, the app shows text and floats."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd


def money(value: Decimal | None) -> str:
    """$1,234,567 (whole units; cents add nothing at dashboard scale); an en dash when undefined."""
    if value is None:
        return "–"
    return f"${value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}".replace("$-", "-$")


def signed_money(value: Decimal) -> str:
    text = money(value)
    return text if text.startswith("-") else f"+{text}"


def count(value: int) -> str:
    return f"{value:,}"


def signed_count(value: int) -> str:
    return f"{value:+,}"


def percent(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.1%}"


def for_chart(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with Decimal columns as floats: charts and tables need numbers, not Python objects."""
    out = frame.copy()
    for column in columns:
        out[column] = out[column].astype(float)
    return out
