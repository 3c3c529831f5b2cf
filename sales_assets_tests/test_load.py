"""The dashboard and the Dagster UI under concurrent users while a run writes (`make reliability`).

A month's source with its first 20 days built; then the load tool (`python -m sales_assets.measure.loadtest`,
its own process as people run it) starts the dashboard and `dagster dev` as `make dashboard` and
`make dev` do, launches the daily job over the other 11 days as one run (what the schedule and the
source-change sensor launch), and once it has started, 20 Streamlit sessions change the sidebar
filters at random for 60 s while 4 clients poll the webserver's asset and runs queries. The run
writes and then publishes a new copy of the warehouse inside that minute, so the sessions read
through both the write and the copy's replacement. Every request answers without an error, every
session gets through several filter changes, the run succeeds, both servers listen on 127.0.0.1
only, and nothing the tool started is left running or listening. The figures are printed (`-s`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from sales_assets.core.publish import published_path
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.measure.processes import group, listening
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.daemon import REPO, deployment_env, instance_home

SESSIONS, SECONDS, GRAPHQL_CLIENTS = 20, 60, 4
# The first 20 days built; the run under load writes the other 11.
BUILT, WRITTEN = ("2013-01-01", "2013-01-20"), ("2013-01-21", "2013-01-31")
# p95 bounds in ms. Measured here over five runs (2 CPUs, another test suite running beside, load
# average 5-6): page opens 21-28 s, reruns 14-19 s, asset queries 10 s, runs list 0.7-2 s. Each rerun
# draws all nine tabs (about twenty queries, each opening the published copy, and a dozen charts), and
# the dashboard, the webserver and the run share two cores. The bounds are 2-5 times that, below the
# tool's 120 s timeout: a regression (a session blocked behind the writer, a hung webserver) fails the
# test, a busy machine does not.
P95_BOUNDS_MS = {
    "dashboard_opens": 60_000,
    "dashboard_reruns": 45_000,
    "graphql_assets": 30_000,
    "graphql_runs": 10_000,
}
# 60 s less the page opens (20-28 s under this load), then reruns of 11-15 s each: two to four per session.
MIN_CHANGES = 2


@pytest.mark.reliability
def test_dashboard_and_dagster_ui_under_load_while_a_run_writes(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Callable[[str], None]
) -> None:
    settings = make_settings(tmp_path, small_source)
    home = instance_home(tmp_path / "dagster")
    env = deployment_env(settings, home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    # Built in process on the deployment's instance, so the UI's queries have materializations to show.
    Pipeline(settings, DagsterInstance.from_config(str(home))).run(*BUILT)

    report = tmp_path / "load.json"
    command = [
        sys.executable,
        "-m",
        "sales_assets.measure.loadtest",
        "--sessions",
        str(SESSIONS),
        "--seconds",
        str(SECONDS),
    ]
    command += ["--graphql-clients", str(GRAPHQL_CLIENTS), "--job", DAILY_JOB, "--first", WRITTEN[0]]
    command += ["--last", WRITTEN[1], "--json", str(report), "--log-dir", str(tmp_path / "logs")]
    tool = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    print(tool.stdout)
    assert report.exists(), tool.stdout[-3000:] + tool.stderr[-3000:]
    result = json.loads(report.read_text())
    targets, seen, run = result["targets"], result["dashboard"], result["run"]
    figures(
        "; ".join(
            f"{name} {t['requests']} requests, {t['errors']} errors, p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, "
            f"max {t['max_ms']} ms"
            for name, t in targets.items()
        )
        + f"; {DAILY_JOB} {run['status']} in {run['duration_s']} s, published at {run['published_at_load_s']} s of the "
        f"{result['window_s']} s load"
    )

    # Every request answered, without an error, within its bound.
    for name, target in targets.items():
        assert target["requests"] > 0, name
        assert target["errors"] == 0, (name, target["error_kinds"], target["error_examples"])
        assert target["p95_ms"] < P95_BOUNDS_MS[name], (name, target)
    # Every session kept clicking, and the clicks reached the app: the overview showed the dates asked
    # for (checked on every rerun), and other territories or categories gave other revenue.
    assert len(seen["changes_per_session"]) == SESSIONS
    assert min(seen["changes_per_session"]) >= MIN_CHANGES, seen["changes_per_session"]
    assert seen["other_filters_change_figures"], seen
    assert seen["distinct_revenue_figures"] >= seen["distinct_filters"] // 2, seen

    # The run started before the load, wrote and published during it, and succeeded: the whole month.
    assert run["status"] == "SUCCESS", run
    assert run["started_before_load"] and run["published_by_run"], run
    assert run["published_at_load_s"] < result["window_s"], (run, result["window_s"])
    with duckdb.connect(str(published_path(settings.warehouse_path)), read_only=True) as conn:
        (last_day,) = conn.execute("select max(order_date) from analytics.fact_sales").fetchone()
    assert str(last_day)[:10] == WRITTEN[1]

    # Both servers listened on 127.0.0.1 only, and were stopped whole (a zombie waiting for init to reap
    # it holds nothing, so only live processes count).
    for name, port in result["ports"].items():
        assert f"127.0.0.1:{port}" in result["listening"][name], result["listening"]
        assert all(address.startswith("127.0.0.1:") for address in result["listening"][name]), result["listening"]
        assert not group(result["process_groups"][name]), (name, group(result["process_groups"][name]))
    assert not [address for address in listening() if int(address.split(":")[-1]) in result["ports"].values()]
    assert result["left"] == {"processes": [], "listening": []}
    assert tool.returncode == 0, tool.stdout[-3000:] + tool.stderr[-3000:]
