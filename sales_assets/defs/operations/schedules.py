"""The daily schedule: finalize yesterday's partition once the day is complete."""

from datetime import UTC, datetime, timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition


def build_daily_schedule(job: UnresolvedAssetJobDefinition) -> ScheduleDefinition:
    """At 01:15, the daily job for yesterday.

    Partitions run to today (intraday orders load as the source-change sensor sees them), so
    Dagster's `build_schedule_from_partitioned_job`, which requests the newest partition, would
    pick today's; this schedule asks for the day before its tick instead. The run key makes a
    retried tick launch nothing twice.
    """

    @schedule(
        name=f"{job.name}_schedule",
        job=job,
        cron_schedule="15 1 * * *",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Finalize yesterday: load the last complete day and build it into the analytics tables.",
    )
    def finalize_yesterday(context: ScheduleEvaluationContext) -> RunRequest:
        tick = context.scheduled_execution_time or datetime.now(UTC)
        day = (tick - timedelta(days=1)).date().isoformat()
        return RunRequest(run_key=f"finalize-{day}", partition_key=day)

    return finalize_yesterday
