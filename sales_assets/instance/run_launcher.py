"""Dagster's default run launcher, with the health check run monitoring needs to see a dead run.

DefaultRunLauncher starts each run as a process on this machine but cannot tell the monitoring
daemon whether that process is still alive, so a run whose worker was killed (`kill -9`, the OOM
killer, a reboot) stays STARTED in the UI for ever, and nothing alerts. This launcher answers the
question the way a person would: the run worker's pid is on the run's RUN_START event; the run is
alive while that pid is a live process that started before the run did (not a reused pid). With
`run_monitoring` enabled (sales_assets/instance/dagster.yaml), the daemon then marks a dead run failed
(the alert sensor sends one alert), and `run_retries` relaunches it from the failed step.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus


class LocalRunLauncher(DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        started = self._instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_START, limit=1)
        if not started.records:  # not started yet: run monitoring's start timeout covers this
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run worker has not started yet")
        pid = started.records[0].event_log_entry.dagster_event.pid
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run worker's pid was not recorded")
        if not Path("/proc").is_dir():  # macOS: whether the pid exists is all there is to ask
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is gone")
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"pid {pid}")
        try:
            state, started_at = _process_state(pid)
        except FileNotFoundError:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is gone")
        if state in "ZX":  # killed, not yet reaped by the code server that started it
            return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is dead")
        # A process that started after the run did is another one, given the dead worker's pid.
        if started_at > started.records[0].event_log_entry.timestamp + 1:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is gone; the pid is reused")
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"pid {pid}")


def _process_state(pid: int) -> tuple[str, float]:
    """A process's state letter and start time (seconds since the epoch), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # the name may hold spaces
    boot = next(
        float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
    )
    return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # stat's fields 3 and 22
