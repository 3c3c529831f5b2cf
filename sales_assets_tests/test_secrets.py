"""No secret in anything a run leaves behind, nor on the dashboard's pages; servers on 127.0.0.1.

Every secret the project reads is set to a recognisable value: the Snowflake password (the
warehouse is the Snowflake emulator, so the password is really used: by dlt, by dbt and by the
Python steps) and the alert webhook's URL (a local webhook that records what it is sent). Then
the pipeline runs as it does in production, on an instance kept on disk: a load that fails (dlt's
Snowflake destination cannot stage files on the emulator), a day built and published, a run that
fails because Snowflake went away, the alert sensor's tick, and the dashboard with Snowflake up
and down. Then every file under the run's directories (Dagster's run and event storage, dbt's
logs and target, dlt's state, traces and packages) and in dbt_project/, every alert sent and
every element of the dashboard's pages is searched for the secrets.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context
from streamlit.testing.v1 import AppTest

from sales_assets.core.warehouses import open_warehouse
from sales_assets.dashboard import APP
from sales_assets.defs.dashboard.asset import DASHBOARD
from sales_assets.defs.quality.alerts import ALERTS_SENSOR
from sales_assets.instance import ensure_home
from sales_assets.source import tables as t
from sales_assets_tests.conftest import Pipeline, make_settings
from sales_assets_tests.daemon import REPO
from sales_assets_tests.fakesnow_account import copy_schema, emulator_settings, fakesnow_emulator
from sales_assets_tests.test_faults_caught import Webhook

DAY, NEXT_DAY = "2013-01-12", "2013-01-13"
DATABASE = "sales_secrets"
PASSWORD = f"pw-LEAKCHECK-{uuid.uuid4().hex}"
HOOK_TOKEN = f"hook-LEAKCHECK-{uuid.uuid4().hex}"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def page_text(at: AppTest) -> str:
    """Everything the app sent to the page: every element's message, as the browser receives it."""
    parts, nodes = [], [at._tree]
    while nodes:
        node = nodes.pop()
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        nodes.extend(getattr(node, "children", {}).values())
    return "\n".join(parts)


def files_holding(secret: str, roots: list[Path]) -> list[str]:
    forms = {secret.encode(), quote(secret).encode(), secret.encode("utf-16-le")}
    return sorted(
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and any(form in path.read_bytes() for form in forms)
    )


def test_the_search_finds_a_secret_in_any_file(tmp_path: Path) -> None:
    """The search below, shown to work: a secret in binary files, URL-quoted or in UTF-16."""
    for name, content in {
        "trace.pickle": b"\x80\x04" + PASSWORD.encode() + b"\x00",
        "url.txt": quote(f"{HOOK_TOKEN}/x").encode(),
        "wide.bin": PASSWORD.encode("utf-16-le"),
    }.items():
        (tmp_path / name).write_bytes(content)
    assert files_holding(PASSWORD, [tmp_path]) == sorted([str(tmp_path / "trace.pickle"), str(tmp_path / "wide.bin")])
    assert files_holding(HOOK_TOKEN, [tmp_path]) == [str(tmp_path / "url.txt")]


@pytest.mark.reliability  # two minutes of dbt on the emulator
def test_no_secret_in_what_runs_leave_behind_or_on_the_dashboard(
    small_source: Path,
    tmp_path: Path,
    webhook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
    figures: Callable[[str], None],
) -> None:
    loaded = Pipeline(make_settings(tmp_path / "duckdb", small_source))
    raw = [AssetKey(["raw", table.warehouse_name]) for table in t.ALL_TABLES]
    loaded.run(DAY, NEXT_DAY, selection=raw)

    with fakesnow_emulator(DATABASE) as (_, emulator):
        monkeypatch.setenv("SNOWFLAKE_PASSWORD", PASSWORD)
        monkeypatch.setenv("SALES_ALERT_WEBHOOK_URL", f"{webhook.url}/{HOOK_TOKEN}")
        settings = emulator_settings(tmp_path / "snowflake", small_source)
        assert settings.alert_webhook_url and settings.snowflake
        home = tmp_path / "dagster"
        home.mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        ensure_home(home)
        pipeline = Pipeline(settings, DagsterInstance.from_config(str(home)))  # runs recorded on disk
        with open_warehouse(settings) as warehouse:
            warehouse.query(f"create database if not exists {DATABASE}")
            warehouse.query("create schema if not exists raw")

        # dlt with the Snowflake credentials: its load fails on the emulator (no stages), after
        # connecting; then the raw tables are copied in as dlt would have left them.
        failed_load = pipeline.run(DAY, selection=raw[:1], expect_success=False)
        (failure,) = [e.step_failure_data.error for e in failed_load.all_events if e.is_step_failure]
        assert "SET QUERY_TAG" in failure.cause.message  # logged in, then stopped by the emulator
        copy_schema(loaded.settings.warehouse_path, "raw", DATABASE)
        graph = pipeline.defs.resolve_asset_graph()
        built = [key for key in graph.materializable_asset_keys if key.path[0] != "raw"]
        pipeline.run(DAY, selection=built)
        up = AppTest.from_file(str(APP), default_timeout=60).run()
        assert not up.exception and up.metric, "the dashboard shows the published day"

        emulator.stop()  # a run that fails on an unreachable warehouse, and the dashboard meanwhile
        tables = [key for key in built if graph.get(key).partitions_def is not None]
        pipeline.run(NEXT_DAY, selection=[*tables, DASHBOARD], expect_success=False)
        down = AppTest.from_file(str(APP), default_timeout=60).run()
        assert not down.exception and "cannot be reached" in page_text(down)
        emulator.start()

        sensor = pipeline.defs.resolve_sensor_def(ALERTS_SENSOR)
        resources = {"alert_webhook": pipeline.defs.resources["alert_webhook"]}  # the URL as an EnvVar
        sensor.evaluate_tick(build_sensor_context(instance=pipeline.instance, resources=resources))
    assert len(webhook.received) >= 2, webhook.received  # the failed load's run and the unreachable warehouse's

    # The dbt project's own directories too: dbt parse and dagster-dbt write there.
    roots = [tmp_path, REPO / "dbt_project" / "target", REPO / "dbt_project" / "logs"]
    searched = sum(1 for root in roots if root.exists() for path in root.rglob("*") if path.is_file())
    assert searched > 50
    for secret in (PASSWORD, HOOK_TOKEN):
        assert files_holding(secret, roots) == [], secret
        assert secret not in str(webhook.received)
        assert secret not in page_text(up) and secret not in page_text(down)
    figures(f"0 occurrences in {searched} files, {len(webhook.received)} alerts and 2 dashboard pages")
