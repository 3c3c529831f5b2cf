"""Formatting for display: the data functions keep money as Decimal, the app shows text and floats.

Headline figures (st.metric) go through `headline` and `headline_row` only: a compact value that is never
cut off, the exact figures on hover.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import pandas as pd
import streamlit as st

Kind = Literal["money", "count", "percent"]
UNDEFINED = "–"  # an en dash: no value (e.g. an average over no orders)
# st.metric's large font cuts a value off with an ellipsis where its box is too narrow: six headlines side by
# side at 1280 px with the sidebar open get ~123 px each, about 7 characters. Below this a whole value is that
# short ("$9,999"); from it on, headlines are compact ("$18.0M") with the exact value on hover.
COMPACT_FROM = 10_000
_UNITS = ((Decimal(10) ** 3, "K"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 12, "T"))
_CENT = Decimal("0.01")


def money(value: Decimal | None) -> str:
    """$1,234,567 (whole units; cents add nothing at dashboard scale); an en dash when undefined."""
    if value is None:
        return UNDEFINED
    return f"${value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}".replace("$-", "-$")


def exact_money(value: Decimal | None) -> str:
    """$18,014,635.99: to the cent, half up, as the books show it; an en dash when undefined."""
    if value is None:
        return UNDEFINED
    return f"${value.quantize(_CENT, rounding=ROUND_HALF_UP):,}".replace("$-", "-$")


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: float | None) -> str:
    return UNDEFINED if value is None or pd.isna(value) else f"{value:.1%}"


def compact(value: Decimal | int) -> str:
    """18014635.99 -> 18.0M, 12476 -> 12.5K, 6713 -> 6,713: one decimal of K, M, B or T from COMPACT_FROM on,
    whole numbers below it."""
    size = abs(Decimal(value))
    shown, unit = size.quantize(Decimal(1), rounding=ROUND_HALF_UP), ""
    if shown >= COMPACT_FROM:
        shown, unit = _in_units(size)
    return f"{'-' if value < 0 and shown else ''}{shown:,}{unit}"


def _in_units(size: Decimal) -> tuple[Decimal, str]:
    """To one decimal in the first unit that shows under 1,000 (999,950 is 1.0M, not 1,000.0K)."""
    for scale, unit in _UNITS:
        shown = (size / scale).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if shown < 1000:
            return shown, unit
    return shown, unit  # trillions show as many as they are


@dataclass(frozen=True)
class Headline:
    """A headline figure as st.metric shows it: `value` and `delta` short enough never to be cut off in a
    narrow column, `help` (the tooltip on the label) with the exact figures, as Markdown."""

    value: str
    delta: str | None
    help: str


def headline(
    value: Decimal | int | float | None,
    kind: Kind = "money",
    previous: Decimal | int | float | None = None,
    note: str = "",
) -> Headline:
    """The one formatting of every headline on the dashboard: compact value and change against `previous`
    (none when `previous` or `value` is None), and the exact value, previous value and change on hover
    (money to the cent). `note` is a further line for the tooltip. Rates have no change (no caller needs
    percentage points)."""
    if kind == "percent" and previous is not None:
        raise ValueError("headline(kind='percent') shows no change: pass previous=None")
    short, exact = _SHORT[kind], _EXACT[kind]
    lines = [f"**{exact(value)}**"]
    delta = None
    if value is not None and previous is not None:
        change = value - previous
        delta = _signed(short(change))
        relative = f" ({change / abs(previous):+,.1%})" if previous else ""
        lines.append(f"Previous period: {exact(previous)}; change {_signed(exact(change))}{relative}")
    if note:
        lines.append(note)
    return Headline(short(value), delta, _markdown("\n\n".join(lines)))


def headline_row(figures: Iterable[tuple[str, Headline]]) -> None:
    """Headlines side by side as st.metric, in a row that wraps rather than squeeze one narrower than its
    text (columns of equal width cut values off on a narrow window)."""
    with st.container(horizontal=True, gap="medium"):
        for label, shown in figures:
            st.metric(label, shown.value, shown.delta, help=shown.help)


def _short_money(value: Decimal | None) -> str:
    if value is None:
        return UNDEFINED
    text = compact(value)
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def _short_count(value: int | None) -> str:
    return UNDEFINED if value is None else compact(value)


def _exact_count(value: int | None) -> str:
    return UNDEFINED if value is None else count(value)


def _exact_percent(value: float | None) -> str:
    return UNDEFINED if value is None or pd.isna(value) else f"{value:.2%}"


_SHORT = {"money": _short_money, "count": _short_count, "percent": percent}
_EXACT = {"money": exact_money, "count": _exact_count, "percent": _exact_percent}


def _signed(text: str) -> str:
    return text if text.startswith(("-", "+")) else f"+{text}"


def _markdown(text: str) -> str:
    """Streamlit renders the tooltip as Markdown with LaTeX: a pair of `$` would become a formula. (The value
    and delta hold one `$` each, which stays text.)"""
    return text.replace("$", "\\$")


def for_chart(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with Decimal columns as floats: charts and tables need numbers, not Python objects."""
    out = frame.copy()
    for column in columns:
        out[column] = out[column].astype(float)
    return out
