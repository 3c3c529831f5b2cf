"""`python -m sales_assets.measure.loadtest`: the dashboard and the Dagster UI under concurrent users,
while a run writes.

    python -m sales_assets.measure.loadtest [--sessions 20] [--seconds 60] [--graphql-clients 4] [--json PATH]
        [--job sales_pipeline|sales_daily] [--first DAY --last DAY] [--think-seconds 1] [--log-dir DIR]

In the project's environment (the variables the Makefile exports, and a built warehouse with its
published copy, e.g. after `make run`) it starts the dashboard as `make dashboard` does and
`dagster dev` (webserver, daemon, code server) as `make dev` does, each on a free port of 127.0.0.1,
and launches the job over a range of partitions (the last week by default) as one run, through the
webserver's GraphQL as the UI does. Once that run has started, N Streamlit sessions (real clients of
Streamlit's websocket protocol, sales_assets/measure/streamlit_client.py) change the sidebar filters at
random, each change timed from the rerun request to `script_finished`, and M GraphQL clients
alternate the UI's asset live-data query (latest materialization, partition stats, checks, latest
run) and its runs list; every client pauses 0.5-1.5 x `--think-seconds` between requests, as people
do. Then it waits for the run, prints requests, errors and p50/p95/max per target, writes JSON, and
stops every process it started (process groups), checking that nothing is left listening. It exits
1 when a request failed or the run did not succeed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from sales_assets.core.settings import load_settings
from sales_assets.dashboard.__main__ import command as dashboard_command
from sales_assets.definitions import DAILY_JOB, SALES_JOB
from sales_assets.instance import dev_command, ensure_home
from sales_assets.measure.graphql import (
    ASSET_KEYS_QUERY,
    GraphQLError,
    Webserver,
)
from sales_assets.measure.processes import free_port, group, listening, start, stop
from sales_assets.measure.sessions import Observed, Target, dashboard_session, graphql_client

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CACHE_TTL_S = 30  # the dashboard's st.cache_data(ttl=30): a filter repeated within it is not queried again
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
NOT_BUILT = "**Not built yet.**"  # the looking-ahead tabs' note when a model is missing


def wait_ready(what: str, server: tuple[subprocess.Popen, Path], ready: Callable[[], Any], timeout: float) -> Any:
    process, log = server
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what}: exited with {process.returncode}; {log} ends:\n{log.read_text()[-3000:]}")
        try:
            if value := ready():
                return value
        except (httpx.HTTPError, GraphQLError):
            pass  # not answering yet
        time.sleep(1)
    raise TimeoutError(f"waited {timeout:.0f}s for {what}; see {log}")


# --- the test -------------------------------------------------------------------------------------


def server_commands(ports: tuple[int, int]) -> dict[str, list[str]]:
    """`make dashboard` and `make dev`, on these ports of 127.0.0.1."""
    return {"dashboard": dashboard_command(ports[0]), "dagster": dev_command(ports[1])}


async def load(args: argparse.Namespace, ports: tuple[int, int], keys: list[dict], pgids: dict[str, int]) -> dict:
    """N dashboard sessions and M GraphQL clients for the given seconds; their figures and the CPU they cost."""
    names = ("dashboard_opens", "dashboard_reruns", "graphql_assets", "graphql_runs")
    targets, seen, rng = {name: Target() for name in names}, Observed(), random.Random(args.seed)
    stream, graphql = f"ws://127.0.0.1:{ports[0]}/_stcore/stream", f"http://127.0.0.1:{ports[1]}/graphql"
    cpu_before = {name: sum(group(pgid).values()) for name, pgid in pgids.items()}
    client_before, began = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    deadline = began + args.seconds
    await asyncio.gather(
        *(
            dashboard_session(stream, deadline, args.think_seconds, random.Random(rng.random()), targets, seen)
            for _ in range(args.sessions)
        ),
        *(
            graphql_client(graphql, keys, deadline, args.think_seconds, random.Random(rng.random()), targets)
            for _ in range(args.graphql_clients)
        ),
    )
    window, client = time.monotonic() - began, resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds per server while the load ran (dagster's include the run's worker and dbt), and this client's.
    cpu = {name: round(sum(group(pgid).values()) - cpu_before[name], 1) for name, pgid in pgids.items()}
    cpu["load_client"] = round(client.ru_utime + client.ru_stime - client_before.ru_utime - client_before.ru_stime, 1)
    return {
        "window_s": round(window, 1),
        "targets": {name: target.summary() for name, target in targets.items()},
        "dashboard": seen.summary(),
        "cpu_s": cpu,
        "cpus": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def run_summary(state: dict[str, Any], run_id: str, window: tuple[float, float], published: Any) -> dict[str, Any]:
    """The writing run: how it ended, and how much of the load (epoch seconds) it ran under."""
    start, end = state["startTime"] or 0.0, state["endTime"] or 0.0
    return {
        "run_id": run_id,
        "status": state["status"],
        "duration_s": round(end - start, 1),
        "started_before_load": start <= window[0],
        "overlap_s": round(max(0.0, min(end, window[1]) - max(start, window[0])), 1),
        # Its last step replaces the dashboard's copy: when, counted from the start of the load.
        "published_by_run": bool(published) and published[0] == run_id,
        "published_at_load_s": round(published[1] - window[0], 1) if published else None,
    }


def run_load_test(args: argparse.Namespace, env: dict[str, str], logs: Path) -> dict[str, Any]:
    ports = (free_port(), free_port())
    servers = {
        name: (start(command, env, logs / f"{name}.log"), logs / f"{name}.log")
        for name, command in server_commands(ports).items()
    }
    pgids = {name: process.pid for name, (process, _) in servers.items()}
    result: dict[str, Any] = {key: vars(args)[key] for key in ("sessions", "seconds", "graphql_clients")}
    result["think_seconds"] = args.think_seconds
    result |= {"ports": dict(zip(servers, ports, strict=True)), "process_groups": pgids, "logs": str(logs)}
    webserver = Webserver(f"http://127.0.0.1:{ports[1]}/graphql")
    try:
        health = f"http://127.0.0.1:{ports[0]}/_stcore/health"
        wait_ready("the dashboard", servers["dashboard"], lambda: httpx.get(health, trust_env=False).text == "ok", 300)
        where = wait_ready("the Dagster webserver", servers["dagster"], webserver.location, 300)
        result["listening"] = {name: listening(list(group(pgid))) for name, pgid in pgids.items()}
        keys = [node["assetKey"] for node in webserver.query(ASSET_KEYS_QUERY)["assetNodes"]]

        first, last = args.first or default_range()[0], args.last or default_range()[1]
        run_id = webserver.launch(where, args.job, first, last)
        result |= {"job": args.job, "partitions": [first, last]}
        print(f"launched {args.job} [{first} .. {last}] as run {run_id}; waiting for it to start", flush=True)

        def started() -> bool:
            state = webserver.run(run_id)
            return bool(state["startTime"]) or state["status"] in FINISHED

        wait_ready("the run to start", servers["dagster"], started, args.run_timeout)
        print(f"{args.sessions} sessions, {args.graphql_clients} GraphQL clients, {args.seconds:g}s", flush=True)
        began = time.time()
        result |= asyncio.run(load(args, ports, keys, pgids))
        print("waiting for the run to finish", flush=True)

        def finished() -> dict[str, Any] | None:
            state = webserver.run(run_id)
            return state if state["status"] in FINISHED else None

        state = wait_ready("the run to finish", servers["dagster"], finished, args.run_timeout)
        result["run"] = run_summary(state, run_id, (began, began + result["window_s"]), webserver.published())
    finally:
        webserver.client.close()
        for process, _ in servers.values():
            stop(process)
        left = [pid for pgid in pgids.values() for pid in group(pgid)]
        result["left"] = {"processes": left, "listening": [a for a in listening() if int(a.split(":")[-1]) in ports]}
    return result


def default_range() -> tuple[str, str]:
    """The last week of partitions."""
    settings = load_settings()
    last = (settings.partitions_end or date.today()) - timedelta(days=1)
    return max(settings.partitions_start, last - timedelta(days=6)).isoformat(), last.isoformat()


def project_env() -> dict[str, str]:
    """The environment the Makefile gives its targets, where the caller has not set it."""
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(REPO / "data" / "dagster"))
    env.setdefault("SALES_WAREHOUSE_PATH", str(REPO / "data" / "warehouse.duckdb"))
    env.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    env.setdefault("VIRTUAL_ENV", sys.prefix)  # `dg dev` warns when the venv in use is not the project's
    ensure_home(Path(env["DAGSTER_HOME"]))
    return env


def print_table(result: dict[str, Any]) -> None:
    print(f"\n{'target':18} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, t in result["targets"].items():
        print(f"{name:18} {t['requests']:>9} {t['errors']:>7} {t['p50_ms']:>8} {t['p95_ms']:>8} {t['max_ms']:>8}")
        for example in t["error_examples"]:
            print(f"    {example}")
    seen, run = result["dashboard"], result["run"]
    changes = seen["changes_per_session"]
    print(f"\nfilter changes per session: {min(changes, default=0)} to {max(changes, default=0)}; ", end="")
    print(f"{seen['distinct_filters']} distinct filters, {seen['distinct_revenue_figures']} distinct revenue figures")
    print(f"CPU seconds during the {result['window_s']}s load on {result['cpus']} CPUs: {result['cpu_s']}")
    print(f"run {run['run_id']} of {result['job']} {result['partitions']}: {run['status']} in {run['duration_s']}s,")
    print(f"  {run['overlap_s']}s of it under load; it published at {run['published_at_load_s']}s of the load")
    print(f"listening: {result['listening']}; left after stopping: {result['left']}")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sales_assets.measure.loadtest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sessions", type=int, default=20, help="simulated dashboard sessions")
    parser.add_argument("--seconds", type=float, default=60, help="how long sessions and clients keep clicking")
    parser.add_argument("--graphql-clients", type=int, default=4, help="clients of the Dagster webserver's GraphQL")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--job", choices=(SALES_JOB, DAILY_JOB), default=SALES_JOB, help="the run that writes")
    parser.add_argument("--first", help="the writing run's first partition (default: 6 days before the last)")
    parser.add_argument("--last", help="the writing run's last partition (default: the last one)")
    parser.add_argument("--think-seconds", type=float, default=1.0, help="mean pause between a client's requests")
    parser.add_argument("--run-timeout", type=float, default=1800, help="seconds to wait for the run to start or end")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random filters")
    parser.add_argument("--log-dir", type=Path, help="the servers' logs (default: a new temporary directory)")
    args = parser.parse_args()
    logs = args.log_dir or Path(tempfile.mkdtemp(prefix="sales-loadtest-"))
    logs.mkdir(parents=True, exist_ok=True)
    result = run_load_test(args, project_env(), logs)
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
        print(f"JSON: {args.json}")
    errors = sum(target["errors"] for target in result["targets"].values())
    return 0 if errors == 0 and result["run"]["status"] == "SUCCESS" else 1


if __name__ == "__main__":
    sys.exit(main())
