"""The reconciliation sensor: days on which the source and raw differ -> runs for exactly those days.

The change sensor (sensors.py) follows `ModifiedDate`, so it never sees a deleted order, nor an
edit saved without a new `ModifiedDate`. This one compares per-day fingerprints of the source and
of raw (sales_assets/source/fingerprints.py: orders, exact SUM(TotalDue) and newest ModifiedDate
per order date; returns and newest ModifiedDate per return date) and requests `sales_daily` runs
for the days that differ, whose loads make raw mirror the source for those days again.

- Each tick compares the last `RECENT_DAYS` days of the partition set (a fraction of a second);
  once a day (the cursor holds when the whole history was last compared) a tick compares the
  whole history instead (seconds: see the README's figures).
- Differing days are coalesced into runs as the change sensor does (`day_ranges`), leaving out
  days a queued run already covers. A run's key names its days and a digest of their differing
  fingerprints: while nothing changes, the same divergence is not requested again; any change
  to it (or a new one) is.
- It never opens the warehouse while a run is queued or in progress (see `_busy`), and does not
  compare at all then: a skipped tick leaves the cursor, so a due whole-history pass stays due.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    PartitionsDefinition,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from sales_assets.core.partitions import days_window
from sales_assets.core.resources import SalesSource
from sales_assets.core.warehouses import MissingRelationError, Warehouse
from sales_assets.defs.operations.sensors import day_ranges, range_request, waiting_partitions
from sales_assets.source.engine import SourceUnavailableError
from sales_assets.source.fingerprints import (
    HEADER,
    Difference,
    differences,
    digest,
    raw_fingerprints,
    source_fingerprints,
)

SOURCE_RECONCILIATION_SENSOR = "source_reconciliation"
# Recent days are compared within minutes, and the warehouse is opened at most 20 times an hour:
# every opening is a moment in which a run starting between our look at the run queue and the end
# of the session would find the DuckDB file held. Deletions are rare; minutes are soon enough.
RECONCILIATION_INTERVAL_SECONDS = 180
RECENT_DAYS = 35  # late edits and deletions mostly touch the last month (the trailing-revenue check's span)
WHOLE_HISTORY_EVERY = timedelta(days=1)
MAX_LOGGED = 5
# Runs that write the warehouse, or may start writing it at any moment.
_ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


@dataclass(frozen=True)
class ReconciliationCursor:
    """When the whole history was last compared; None: never, so the next tick compares it."""

    whole_history_at: datetime | None = None

    @classmethod
    def parse(cls, raw: str | None) -> "ReconciliationCursor":
        if not raw:
            return cls()
        stamp = json.loads(raw)["whole_history_at"]
        return cls(datetime.fromisoformat(stamp) if stamp else None)

    def serialize(self) -> str:
        return json.dumps({"whole_history_at": self.whole_history_at.isoformat() if self.whole_history_at else None})

    def whole_history_due(self, now: datetime, every: timedelta) -> bool:
        return self.whole_history_at is None or now - self.whole_history_at >= every


def _busy(instance: DagsterInstance) -> str | None:
    """Why the warehouse must not be opened now, if a run is queued or in progress.

    The embedded warehouse is one DuckDB file with one writer across processes: a read-only
    session held by this sensor (in the daemon) when a run's step opens the file to write makes
    that step fail, and a run writing makes this session fail. So the sensor reads the warehouse
    only while no run is queued or in progress, looks again just before opening it, and keeps the
    session to the few queries of one comparison. Snowflake has no such lock, but the sensor
    behaves the same there: one behaviour to reason about, and a run in progress is about to
    change raw anyway.
    """
    runs = instance.get_runs(RunsFilter(statuses=_ACTIVE), limit=MAX_LOGGED + 1)
    if not runs:
        return None
    named = ", ".join(f"{run.job_name} {run.run_id[:8]} {run.status.value.lower()}" for run in runs[:MAX_LOGGED])
    more = ", ..." if len(runs) > MAX_LOGGED else ""
    return f"Runs queued or in progress ({named}{more}): the warehouse is not read while a run may write it"


def _run_key(first: date, last: date, found: list[Difference]) -> str:
    in_range = [difference for difference in found if first <= difference.day <= last]
    return f"source-reconciliation:{first}..{last}#{digest(in_range)}"


def build_reconciliation_sensor(
    job: UnresolvedAssetJobDefinition,
    partitions_def: PartitionsDefinition,
    recent_days: int = RECENT_DAYS,
    whole_history_every: timedelta = WHOLE_HISTORY_EVERY,
) -> SensorDefinition:
    @sensor(
        name=SOURCE_RECONCILIATION_SENSOR,
        job=job,
        minimum_interval_seconds=RECONCILIATION_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Requests runs for the days whose orders or returns differ between the source and raw "
        "(deletions and edits the change cursor cannot see): recent days every tick, the whole history daily.",
    )
    def source_reconciliation(
        context: SensorEvaluationContext, source: SalesSource, warehouse: Warehouse
    ) -> SensorResult | SkipReason:
        if reason := _busy(context.instance):
            return SkipReason(reason)
        cursor = ReconciliationCursor.parse(context.cursor)
        now = datetime.now(UTC)
        whole = cursor.whole_history_due(now, whole_history_every)
        window = days_window(partitions_def, None if whole else recent_days)
        if window is None:
            return SkipReason("The partition set has no days yet")
        try:
            source_days = source_fingerprints(source.engine(), window)
        except SourceUnavailableError as err:  # the embedded source is not generated yet
            return SkipReason(str(err))
        if reason := _busy(context.instance):  # a run may have been queued while the source answered
            return SkipReason(reason)
        try:
            with warehouse.session() as query:
                raw_days = raw_fingerprints(query, window, source_days)
        except MissingRelationError:  # no warehouse yet
            raw_days = None
        if raw_days is None:
            return SkipReason("Nothing to compare: raw holds no orders yet (`make run` or a backfill loads them)")

        next_cursor = ReconciliationCursor(now if whole else cursor.whole_history_at).serialize()
        scope = "the whole history" if whole else f"the last {recent_days} days"
        span = f"{scope} ({window[0]:%Y-%m-%d} .. {window[1] - timedelta(days=1):%Y-%m-%d})"
        # Days before the first one raw holds were never loaded by choice (a history built from a later
        # day): not a divergence to repair, or a first tick after a partial build would load all of it.
        first_loaded = min(raw_days.get(HEADER.source.qualified_name, {}), default=None)
        found = [d for d in differences(source_days, raw_days) if first_loaded is None or d.day >= first_loaded]
        if not found:
            return SensorResult(skip_reason=f"The source and raw agree over {span}", cursor=next_cursor)
        context.log.warning(
            f"{len(found)} day fingerprint(s) differ between the source and raw over {span}: "
            + "; ".join(map(str, found[:MAX_LOGGED]))
            + ("; ..." if len(found) > MAX_LOGGED else "")
        )
        waiting = waiting_partitions(context, partitions_def)
        days = sorted({d.day for d in found if d.day.isoformat() not in waiting})
        if not days:
            return SensorResult(skip_reason="The differing days are already queued", cursor=next_cursor)
        ranges = sorted(day_ranges(days), reverse=True)
        runs = ", ".join(f"{first}..{last}" for first, last in ranges)
        context.log.info(f"Requesting {len(days)} day(s) in {len(ranges)} run(s): {runs}")
        tags = {"trigger": SOURCE_RECONCILIATION_SENSOR}
        requests = [range_request(first, last, _run_key(first, last, found), tags) for first, last in ranges]
        return SensorResult(run_requests=requests, cursor=next_cursor)

    return source_reconciliation
