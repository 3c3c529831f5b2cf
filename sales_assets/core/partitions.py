"""Daily partitions by order date: the one partitioning scheme of the pipeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from dagster import DailyPartitionsDefinition, PartitionsDefinition, TimeWindow

from sales_assets.core.settings import Settings


def daily_partitions(settings: Settings) -> DailyPartitionsDefinition:
    """Partitions from SALES_PARTITIONS_START to today, or to SALES_PARTITIONS_END (exclusive).

    Today's partition exists (`end_offset=1`) so intraday orders can be loaded as they arrive;
    the daily schedule finalizes yesterday's partition once the day is complete.
    """
    if settings.partitions_end:
        return DailyPartitionsDefinition(
            start_date=settings.partitions_start.isoformat(), end_date=settings.partitions_end.isoformat()
        )
    return DailyPartitionsDefinition(start_date=settings.partitions_start.isoformat(), end_offset=1)


def naive_window(window: TimeWindow) -> tuple[datetime, datetime]:
    """The half-open window [start, end) as naive datetimes.

    Order dates in AdventureWorks are naive business dates; partition boundaries are midnights
    of those dates, so the timezone Dagster attaches (UTC) is dropped, not converted.
    """
    return window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)


def days_window(partitions_def: PartitionsDefinition, last_days: int | None = None) -> tuple[datetime, datetime] | None:
    """The partition set's days, or its last `last_days` days, as one naive half-open window;
    None while the set has no partition yet."""
    first, last = partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()
    if first is None or last is None:
        return None
    start, end = datetime.fromisoformat(first), datetime.fromisoformat(last) + timedelta(days=1)
    return (start if last_days is None else max(start, end - timedelta(days=last_days))), end
