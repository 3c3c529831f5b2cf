"""A real Dagster deployment for the reliability tests: `dagster-daemon run` on a temporary home,
runs launched as people launch them (`dagster job launch`), run workers killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.core.settings import Settings
from sales_assets.instance import SETTINGS_FILE, dev_command

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def instance_home(home: Path, poll_seconds: int = 3) -> Path:
    """The project's instance settings, run monitoring polling every few seconds."""
    home.mkdir(parents=True, exist_ok=True)
    settings = SETTINGS_FILE.read_text()
    (home / "dagster.yaml").write_text(
        settings.replace("poll_interval_seconds: 15", f"poll_interval_seconds: {poll_seconds}")
    )
    return home


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """One of the project's processes in a session of its own; it and everything it started are
    SIGKILLed on exit (a daemon's code servers and run workers included)."""
    with open(log, "a") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            kill_tree(process.pid)
            with suppress(ProcessLookupError):  # and whatever left the tree but not the session
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)


def running_daemon(env: dict[str, str], log: Path) -> AbstractContextManager[subprocess.Popen]:
    """`dagster-daemon run` on the project's workspace."""
    return running([str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")], env, log)


def running_dagster_dev(env: dict[str, str], log: Path, port: int) -> AbstractContextManager[subprocess.Popen]:
    """`dg dev` as `make dev` starts it (webserver, daemon and code server), on 127.0.0.1."""
    return running(dev_command(port), env, log)


def deployment_env(settings: Settings, home: Path) -> dict[str, str]:
    """The environment under which the project's processes (daemon, `make run`, the dashboard)
    load exactly these settings, on the Dagster home `home`."""
    env = {k: v for k, v in os.environ.items() if k not in ("SALES_SOURCE_URL", "SALES_PARTITIONS_END")}
    env |= {
        "DAGSTER_HOME": str(home),
        "SALES_SOURCE_DIR": str(settings.source_dir),
        "SALES_WAREHOUSE_PATH": str(settings.warehouse_path),
        "SALES_DATA_DIR": str(settings.data_dir),
        "SALES_PARTITIONS_START": settings.partitions_start.isoformat(),
        "SALES_TARGET": "duckdb",
        "VIRTUAL_ENV": sys.prefix,  # `dg dev` warns when the venv in use is not the project's
    }
    if settings.partitions_end is not None:
        env["SALES_PARTITIONS_END"] = settings.partitions_end.isoformat()
    return env


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of a single-run backfill's run over partitions [first, last]."""
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def launch(env: dict[str, str], job: str, tags: dict[str, str]) -> None:
    """`dagster job launch` with these tags (a partition or a range), queued for the daemon."""
    subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", str(REPO / "workspace.yaml"), "-j", job]
        + ["--tags", json.dumps(tags)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def wait_for(what: str, condition: Callable[[], object], timeout: float = 300, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    started = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    return started[0].event_log_entry.dagster_event.pid if started else None


def descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc (no psutil here)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a run worker and what it started (dbt), as the OOM killer takes a container."""
    victims = descendants(pid)
    for victim in victims:
        with suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return victims
