"""`python -m sales_assets.loadtest`: the dashboard and the Dagster UI under concurrent users while a run writes.

    python -m sales_assets.loadtest [--sessions 20] [--seconds 60] [--graphql-clients 4] [--json PATH]
        [--job sales_pipeline|sales_daily] [--first DAY --last DAY] [--think-seconds 1] [--log-dir DIR]

In the project's environment (the variables the Makefile exports, and a built warehouse with its
published copy, e.g. after `make run`) it starts the dashboard as `make dashboard` does and
`dagster dev` (webserver, daemon, code server) as `make dev` does, each on a free port of 127.0.0.1,
and launches the job over a range of partitions (the last week by default) as one run, through the
webserver's GraphQL as the UI does. Once that run has started, N Streamlit sessions (real clients of
Streamlit's websocket protocol, sales_assets/streamlit_client.py) change the sidebar filters at
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
import math
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from sales_assets.dashboard.__main__ import command as dashboard_command
from sales_assets.jobs import DAILY_JOB, SALES_JOB
from sales_assets.settings import load_settings
from sales_assets.streamlit_client import Page, SessionError, StreamlitSession, Widget, date_state, multiselect_state

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIMEOUT_S = 120.0  # one request; beyond it the request counts as an error
CACHE_TTL_S = 30  # the dashboard's st.cache_data(ttl=30): a filter repeated within it is not queried again
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
NOT_BUILT = "**Not built yet.**"  # the looking-ahead tabs' note when a model is missing
ASSET_KEYS_QUERY = "query LoadTestAssetKeys { assetNodes { assetKey { path } } }"
# The asset graph's and catalog's live data (as the UI's AssetGraphLiveQuery, polled while a page is open).
ASSETS_QUERY = """query LoadTestAssetsLive($assetKeys: [AssetKeyInput!]!) {
  assetNodes(assetKeys: $assetKeys, loadMaterializations: true) { id opNames assetKey { path }
    assetMaterializations(limit: 1) { timestamp runId stepKey }
    assetChecksOrError { __typename ... on AssetChecks { checks { name
      executionForLatestMaterialization { runId status timestamp } } } }
    partitionStats { numMaterialized numMaterializing numPartitions numFailed } }
  assetsLatestInfo(assetKeys: $assetKeys) { id unstartedRunIds inProgressRunIds latestRun { id status endTime } } }"""
RUNS_QUERY = """query LoadTestRuns($limit: Int!) { runsOrError(limit: $limit) { __typename
  ... on Runs { results { id runId status jobName creationTime startTime endTime tags { key value }
    assetSelection { path } } }
  ... on InvalidPipelineRunsFilterError { message } ... on PythonError { message } } }"""
WORKSPACE_QUERY = """query LoadTestWorkspace { workspaceOrError { __typename
  ... on Workspace { locationEntries { name loadStatus locationOrLoadError { __typename
    ... on RepositoryLocation { repositories { name } } ... on PythonError { message } } } }
  ... on PythonError { message } } }"""
LAUNCH_MUTATION = """mutation LoadTestLaunch($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } ... on UnauthorizedError { message } } }"""
RUN_QUERY = """query LoadTestRun($runId: ID!) { runOrError(runId: $runId) { __typename
  ... on Run { status startTime endTime } ... on PythonError { message } } }"""
PUBLISHED_QUERY = """query LoadTestPublished { assetNodes(assetKeys: [{path: ["dashboard", "sales_dashboard"]}]) {
  assetMaterializations(limit: 1) { runId timestamp } } }"""


# --- what is measured -----------------------------------------------------------------------------


@dataclass
class Target:
    """One kind of request: the latencies of those that succeeded, and what went wrong with the others."""

    seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, message: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(message[:300])

    def summary(self) -> dict[str, Any]:
        ms = sorted(s * 1000 for s in self.seconds)
        errors = sum(self.errors.values())
        return {
            "requests": len(ms) + errors,
            "errors": errors,
            "error_kinds": self.errors,
            "error_examples": self.examples,
            "p50_ms": round(percentile(ms, 0.50)),
            "p95_ms": round(percentile(ms, 0.95)),
            "max_ms": round(ms[-1]) if ms else 0,
        }


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


@dataclass(frozen=True)
class Choice:
    """The sidebar as a person left it."""

    first: str
    last: str
    territories: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass
class Observed:
    """What the sessions saw, to show that the load was real: filters reached the app and changed its figures."""

    revenue: dict[Choice, set[str]] = field(default_factory=dict)
    last_seen: dict[Choice, float] = field(default_factory=dict)
    repeats_within_ttl: int = 0
    last_dates: set[str] = field(default_factory=set)  # the date filter's upper bound: moves when a run publishes
    changes_per_session: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        by_dates: dict[tuple[str, str], set[str]] = {}
        for choice, figures in self.revenue.items():
            by_dates.setdefault((choice.first, choice.last), set()).update(figures)
        return {
            "changes_per_session": self.changes_per_session,
            "distinct_filters": len(self.revenue),
            "distinct_revenue_figures": len(set().union(*self.revenue.values())),
            # A date range shown with different revenue under different territories or categories.
            "other_filters_change_figures": any(len(figures) > 1 for figures in by_dates.values()),
            "repeats_within_cache_ttl": self.repeats_within_ttl,
            "last_dates_seen": sorted(self.last_dates),
        }


# --- a person on the dashboard --------------------------------------------------------------------


def widget_states(widgets: dict[str, Widget], choice: Choice) -> list:
    # Every widget every time, as the frontend does: the server keeps a widget's old state when it is left out.
    return [
        date_state(widgets["dates"], choice.first, choice.last),
        multiselect_state(widgets["territories"], choice.territories),
        multiselect_state(widgets["categories"], choice.categories),
    ]


def change(current: Choice, default: Choice, widgets: dict[str, Widget], rng: random.Random) -> Choice:
    """A person's next click: a random date range, territory or category, or back to the defaults."""
    # Mostly dates (hundreds of ranges, so few repeats hit the 30 s cache), then one territory or category.
    (action,) = rng.choices(("dates", "territories", "categories", "clear"), weights=(3, 2, 2, 1))
    if action == "dates":
        low, high = (date.fromisoformat(d.replace("/", "-")) for d in (widgets["dates"].min, widgets["dates"].max))
        first = low + timedelta(days=rng.randint(0, (high - low).days))
        last = first + timedelta(days=rng.randint(0, (high - first).days))
        return replace(current, first=first.isoformat(), last=last.isoformat())
    if action != "clear":
        return replace(current, **{action: (rng.choice(widgets[action].options),)})
    return default


def check(page: Page, choice: Choice, baseline: set[str]) -> None:
    """The page is the dashboard for exactly these filters: the overview's caption names the dates."""
    if "Revenue" not in page.metrics:
        raise SessionError("unavailable", "; ".join(body for _, body in page.alerts) or "no headline figures")
    if not any(text.startswith(f"{choice.first} – {choice.last} (") for text in page.texts):
        raise SessionError("filter", f"the page does not show {choice.first} – {choice.last}")
    if missing := {body for _, body in page.alerts if body.startswith(NOT_BUILT)} - baseline:
        raise SessionError("not_built", missing.pop())


async def dashboard_session(
    url: str, deadline: float, think: float, rng: random.Random, targets: dict[str, Target], seen: Observed
) -> None:
    """Open the page, then change a filter, wait for the page, pause, again, until the deadline."""
    session, changes, page = StreamlitSession(url, TIMEOUT_S), 0, None
    await asyncio.sleep(rng.uniform(0, 5))  # people arrive over a few seconds, not in one instant
    try:
        while page is None and time.monotonic() < deadline:
            try:
                page, seconds = await session.run()
                targets["dashboard_opens"].seconds.append(seconds)
            except SessionError as err:
                targets["dashboard_opens"].fail(err.kind, str(err))
                await asyncio.sleep(think)
        if page is None:
            return
        widgets = page.widgets
        if not {"dates", "territories", "categories"} <= widgets.keys():
            targets["dashboard_opens"].fail("widgets", f"the sidebar's widgets are missing: found {sorted(widgets)}")
            return
        default = current = Choice(widgets["dates"].default[0], widgets["dates"].default[-1])
        baseline = {body for _, body in page.alerts if body.startswith(NOT_BUILT)}  # models never built are no error
        while time.monotonic() < deadline:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            current = change(current, default, widgets, rng)
            now = time.monotonic()
            seen.repeats_within_ttl += int(now - seen.last_seen.get(current, -CACHE_TTL_S) < CACHE_TTL_S)
            seen.last_seen[current] = now
            try:
                page, seconds = await session.run(widget_states(widgets, current))
                check(page, current, baseline)
            except SessionError as err:
                targets["dashboard_reruns"].fail(err.kind, str(err))
                continue
            targets["dashboard_reruns"].seconds.append(seconds)
            changes += 1
            seen.revenue.setdefault(current, set()).add(page.metrics["Revenue"])
            widgets.update(page.widgets)  # the date bounds move when a run publishes new days
            seen.last_dates.add(widgets["dates"].max)
    finally:
        seen.changes_per_session.append(changes)
        await session.close()


# --- the Dagster UI's GraphQL ---------------------------------------------------------------------


class GraphQLError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def graphql_failure(body: Any) -> str | None:
    """The first error a GraphQL answer carries: `errors`, or a result typed as an error (PythonError, ...)."""
    if isinstance(body, dict):
        if body.get("errors"):
            return json.dumps(body["errors"])[:300]
        typename = str(body.get("__typename", ""))
        if typename.endswith("Error") or typename == "RunConfigValidationInvalid":
            return f"{typename}: {body.get('message') or body.get('errors', '')}"
        return next((found for value in body.values() if (found := graphql_failure(value))), None)
    if isinstance(body, list):
        return next((found for value in body if (found := graphql_failure(value))), None)
    return None


def answer(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise GraphQLError("http", f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    if failure := graphql_failure(body):
        raise GraphQLError("graphql", failure)
    return body["data"]


async def graphql_client(
    url: str, keys: list[dict], deadline: float, think: float, rng: random.Random, targets: dict[str, Target]
) -> None:
    """A person with the Dagster UI open: the asset pages' live data and the runs list, in turn."""
    requests = (("graphql_assets", ASSETS_QUERY, {"assetKeys": keys}), ("graphql_runs", RUNS_QUERY, {"limit": 30}))
    turn = rng.randrange(2)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, trust_env=False) as client:
        while time.monotonic() < deadline:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            name, query, variables = requests[turn % 2]
            turn += 1
            began = time.perf_counter()
            try:
                answer(await client.post(url, json={"query": query, "variables": variables}))
                targets[name].seconds.append(time.perf_counter() - began)
            except GraphQLError as err:
                targets[name].fail(err.kind, str(err))
            except httpx.HTTPError as err:
                targets[name].fail("timeout" if isinstance(err, httpx.TimeoutException) else "http", repr(err))


class Webserver:
    """The webserver's GraphQL for setting up and watching the run (not part of the measured load)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=TIMEOUT_S, trust_env=False)

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        return answer(self.client.post(self.url, json={"query": query, "variables": variables}))

    def location(self) -> tuple[str, str] | None:
        """The code location and repository, once loaded (a location that failed to load is an error)."""
        for entry in self.query(WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]:
            loaded = entry["locationOrLoadError"] or {}
            if entry["loadStatus"] == "LOADED" and loaded.get("__typename") == "RepositoryLocation":
                return entry["name"], loaded["repositories"][0]["name"]
        return None

    def launch(self, where: tuple[str, str], job: str, first: str, last: str) -> str:
        """`job` over partitions [first, last] as one run (a single-run backfill's tags), queued for the daemon."""
        tags = [
            {"key": "dagster/asset_partition_range_start", "value": first},
            {"key": "dagster/asset_partition_range_end", "value": last},
        ]
        selector = {"repositoryLocationName": where[0], "repositoryName": where[1], "jobName": job}
        params = {"selector": selector, "runConfigData": {}, "executionMetadata": {"tags": tags}}
        return self.query(LAUNCH_MUTATION, params=params)["launchRun"]["run"]["runId"]

    def run(self, run_id: str) -> dict[str, Any]:
        return self.query(RUN_QUERY, runId=run_id)["runOrError"]

    def published(self) -> tuple[str, float] | None:
        """The run that last published the dashboard's copy, and when (epoch seconds)."""
        (node,) = self.query(PUBLISHED_QUERY)["assetNodes"]
        events = node["assetMaterializations"]
        return (events[0]["runId"], int(events[0]["timestamp"]) / 1000) if events else None


# --- processes, from /proc ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A server in a process group of its own, so that it and everything it starts can be stopped together."""
    with open(log, "w") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def group(pgid: int) -> dict[int, float]:
    """The live processes of a process group, each with the CPU seconds it and its reaped children used."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # fields[0] is stat(5)'s third field, the state
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # utime, stime, cutime, cstime
            found[int(stat.parent.name)] = sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return found


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the group's leader (`dagster dev` then stops its webserver, daemon and code servers and
    removes their sockets); whatever of the group is still there after `grace` seconds is SIGKILLed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while (process.poll() is None or group(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    if group(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # /proc/net/tcp{,6} print addresses as 32-bit words in the host's (little-endian) byte order.
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return f"{socket.inet_ntop(socket.AF_INET if len(packed) == 4 else socket.AF_INET6, packed)}:{int(port, 16)}"


def listening(pids: list[int] | None = None) -> list[str]:
    """Listening TCP sockets as address:port, of these processes only when pids are given."""
    inodes = set()
    for pid in pids or []:
        try:
            inodes |= {os.readlink(fd)[8:-1] for fd in Path(f"/proc/{pid}/fd").iterdir()}  # socket:[inode]
        except OSError:
            continue
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and (pids is None or fields[9] in inodes):  # 0A: LISTEN
                found.add(_address(fields[1]))
    return sorted(found)


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
    dashboard = dashboard_command(ports[0])
    dagster = [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(ports[1])]
    return {"dashboard": dashboard, "dagster": dagster}


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
    instance = Path(env["DAGSTER_HOME"]) / "dagster.yaml"
    if not instance.exists():
        instance.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "sales_assets" / "dagster.yaml", instance)
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
    parser = argparse.ArgumentParser(prog="python -m sales_assets.loadtest", description=__doc__.split("\n\n")[0])
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
