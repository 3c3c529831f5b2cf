"""The source-change sensor: new or changed orders in the source -> runs for exactly those days.

Each tick asks the source which order dates have rows modified since the sensor's cursor, and
whether reference tables (products, customers, ...) changed (see sales_assets/source/changes.py:
bounded, indexed queries, never a scan of history; a reference change asks for the newest day,
whose run loads it), then:

- drops dates outside the partition set (an order dated in the future has no partition yet; the
  `order_dates_valid` check reports it) and dates a queued, not yet started run already covers
  (it will read the source when it starts, so a second run would load the same rows);
- coalesces the rest into runs: consecutive days share one run (a single-run range, as a
  backfill launches it) and at most `MAX_RUNS_PER_TICK` runs are requested, merging the closest
  ranges beyond that (rebuilding a few untouched days is idempotent and cheaper than another
  run's fixed dbt cost);
- moves the cursor to the newest `ModifiedDate` it saw. The cursor lives in Dagster's instance
  storage, so it survives restarts; a tick that finds nothing requests nothing.

Runs are keyed by range and cursor, so a retried tick launches nothing twice; the instance's
run queue (max_concurrent_runs: 1) keeps two runs from ever writing the same partition at once.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    PartitionKeyRange,
    PartitionsDefinition,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
    PRIORITY_TAG,
)

from sales_assets.core.resources import SalesSource
from sales_assets.source.changes import detect_changes, latest_modification
from sales_assets.source.engine import SourceUnavailableError

SOURCE_CHANGES_SENSOR = "source_changes"
MAX_RUNS_PER_TICK = 5
# A tick is a few indexed queries (and scans of the smallest reference tables), so it can run
# often: new orders reach the analytics tables within seconds of this interval plus one run.
SENSOR_INTERVAL_SECONDS = 15
_WAITING = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED]


@dataclass(frozen=True)
class ChangeCursor:
    """Rows modified after `modified_after` have not been seen yet."""

    modified_after: datetime | None = None

    @classmethod
    def parse(cls, raw: str | None) -> "ChangeCursor":
        if not raw:
            return cls()
        return cls(datetime.fromisoformat(json.loads(raw)["modified_after"]))

    def serialize(self) -> str:
        return json.dumps({"modified_after": self.modified_after.isoformat() if self.modified_after else None})


def day_ranges(days: list[date], max_ranges: int = MAX_RUNS_PER_TICK) -> list[tuple[date, date]]:
    """Sorted days as inclusive ranges of consecutive days; the closest ranges merge beyond `max_ranges`."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    while len(ranges) > max_ranges:
        gaps = [ranges[i + 1][0] - ranges[i][1] for i in range(len(ranges) - 1)]
        i = gaps.index(min(gaps))
        ranges[i : i + 2] = [(ranges[i][0], ranges[i + 1][1])]
    return ranges


def waiting_partitions(context: SensorEvaluationContext, partitions_def: PartitionsDefinition) -> set[str]:
    """Partitions of runs that are queued and have not started: they will read the source anyway."""
    keys: set[str] = set()
    for run in context.instance.get_runs(RunsFilter(statuses=_WAITING)):
        if PARTITION_NAME_TAG in run.tags:
            keys.add(run.tags[PARTITION_NAME_TAG])
        elif ASSET_PARTITION_RANGE_START_TAG in run.tags:
            keys.update(
                partitions_def.get_partition_keys_in_range(
                    PartitionKeyRange(
                        run.tags[ASSET_PARTITION_RANGE_START_TAG], run.tags[ASSET_PARTITION_RANGE_END_TAG]
                    )
                )
            )
    return keys


def run_request(first: date, last: date, stamp: datetime, newest: bool = False) -> RunRequest:
    run_key = f"source-changes:{first}..{last}@{stamp.isoformat()}"
    # The newest days (today's orders, which the dashboard waits for) go ahead of late changes to
    # old days in the run queue.
    tags = {"trigger": "source_changes", **({PRIORITY_TAG: "1"} if newest else {})}
    return range_request(first, last, run_key, tags)


def range_request(first: date, last: date, run_key: str, tags: dict[str, str]) -> RunRequest:
    """A run of the days [first, last]: one partition, or a single-run range as a backfill launches it."""
    if first == last:
        return RunRequest(run_key=run_key, partition_key=first.isoformat(), tags=tags)
    return RunRequest(
        run_key=run_key,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: last.isoformat(),
            **tags,
        },
    )


def build_source_change_sensor(
    job: UnresolvedAssetJobDefinition, partitions_def: PartitionsDefinition
) -> SensorDefinition:
    @sensor(
        name=SOURCE_CHANGES_SENSOR,
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Requests runs for the order dates with new or changed rows in the source.",
    )
    def source_changes(context: SensorEvaluationContext, source: SalesSource) -> SensorResult | SkipReason:
        cursor = ChangeCursor.parse(context.cursor)
        engine = source.engine()
        if cursor.modified_after is None:
            # A new watcher starts at the source's present: history is loaded by the job (or
            # `make run`), not by one enormous change run.
            try:
                start = latest_modification(engine)
            except SourceUnavailableError as err:  # the embedded source is not generated yet
                return SkipReason(str(err))
            if start is None:
                return SkipReason("The source has no orders yet")
            return SensorResult(
                skip_reason=f"Watching changes made after {start} (history: `make run` or a backfill)",
                cursor=ChangeCursor(start).serialize(),
            )
        changes = detect_changes(engine, cursor.modified_after)
        if changes.high_water is None:
            return SkipReason(f"No new or changed rows since {cursor.modified_after}")
        next_cursor = ChangeCursor(changes.high_water).serialize()
        days = set(changes.dates)
        if changes.reference_tables:
            # A reference table belongs to no day: the newest day's run loads its changes (every run
            # of the daily job does) and rebuilds the marts that name its rows.
            newest = date.fromisoformat(partitions_def.get_last_partition_key())
            context.log.info(
                f"Changed rows in {', '.join(sorted(changes.reference_tables))}: the run for {newest} loads them"
            )
            days.add(newest)
        days = sorted(days)
        outside = [day for day in days if not partitions_def.has_partition_key(day.isoformat())]
        if outside:
            first, last = partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()
            context.log.warning(
                f"Changed rows dated {', '.join(map(str, outside))} fall outside the partition set "
                f"({first} .. {last}); not requested (see the no_orders_dated_in_future check)"
            )
        waiting = waiting_partitions(context, partitions_def)
        wanted = [day for day in days if day not in outside and day.isoformat() not in waiting]
        context.log.info(
            f"{changes.rows} changed rows on {len(days)} dates since {cursor.modified_after}; "
            f"requesting {len(wanted)} ({len(days) - len(wanted) - len(outside)} already queued)"
        )
        if not wanted:
            return SensorResult(
                skip_reason="Changed dates are already queued or outside the partitions", cursor=next_cursor
            )
        ranges = sorted(day_ranges(wanted), reverse=True)
        requests = [
            run_request(first, last, changes.high_water, newest=i == 0) for i, (first, last) in enumerate(ranges)
        ]
        return SensorResult(run_requests=requests, cursor=next_cursor)

    return source_changes
