"""Daily partitions by order date: the one partitioning scheme of the pipeline."""

from __future__ import annotations

from datetime import datetime

from dagster import DailyPartitionsDefinition, TimeWindow

from sales_assets.settings import Settings


def daily_partitions(settings: Settings) -> DailyPartitionsDefinition:
    """Partitions from SALES_PARTITIONS_START to yesterday, or to SALES_PARTITIONS_END (exclusive)."""
    return DailyPartitionsDefinition(
        start_date=settings.partitions_start.isoformat(),
        end_date=settings.partitions_end.isoformat() if settings.partitions_end else None,
    )


def naive_window(window: TimeWindow) -> tuple[datetime, datetime]:
    """The half-open window [start, end) as naive datetimes.

    Order dates in AdventureWorks are naive business dates; partition boundaries are midnights
    of those dates, so the timezone Dagster attaches (UTC) is dropped, not converted.
    """
    return window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)
