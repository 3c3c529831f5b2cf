"""The code location: loads without the source, one lineage graph, partitions and schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import AssetKey, BackfillPolicy, DagsterInstance, build_schedule_context

from sales_assets.core.settings import SettingsError, load_settings
from sales_assets.dashboard.connection import INSIGHT_RELATIONS, RELATIONS
from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import DAILY_JOB, SALES_JOB
from sales_assets.defs.quality.freshness import DAILY_FRESHNESS, WEEKLY_FRESHNESS
from sales_assets.defs.transform.project import dbt_project
from sales_assets.source import tables as t
from sales_assets_tests.warehouse_diff import LOOKING_AHEAD

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    root = tmp_path_factory.mktemp("defs")
    settings = replace(load_settings({}), source_dir=root / "missing", warehouse_path=root / "w.duckdb")
    return build_definitions(replace(settings, data_dir=root))


@pytest.mark.parametrize(
    "env",
    [
        {"SALES_SOURCE_DIR": "/nonexistent/source"},
        {"SALES_SOURCE_URL": "sqlite:////nonexistent/dir/AdventureWorks.db"},
    ],
)
def test_definitions_load_with_the_source_unreachable_and_without_dbt_parse(env: dict[str, str], tmp_path) -> None:
    manifest = dbt_project.manifest_path
    before = manifest.stat().st_mtime_ns
    code = (
        "from sales_assets.definitions import defs; print(len(list(defs().resolve_asset_graph().get_all_asset_keys())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            **env,
            "SALES_DATA_DIR": str(tmp_path / "data"),
            "SALES_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "w.duckdb"),
            "DAGSTER_IS_DEV_CLI": "1",
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) > 30
    assert manifest.stat().st_mtime_ns == before, "loading definitions must not re-parse the dbt project"
    assert list(tmp_path.iterdir()) == [], "loading definitions must not write dlt state or the warehouse"


def test_every_source_table_is_a_raw_asset_upstream_of_staging(defs) -> None:
    graph = defs.resolve_asset_graph()
    raw = {key for key in graph.get_all_asset_keys() if key.path[0] == "raw"}
    assert raw == {AssetKey(["raw", table.warehouse_name]) for table in t.ALL_TABLES}
    # dlt assets and dbt sources share keys, so the graph is one lineage: raw -> staging -> analytics.
    assert AssetKey(["raw", "sales_order_header"]) in graph.get(AssetKey(["staging", "stg_sales_orders"])).parent_keys
    assert AssetKey(["staging", "stg_sales_orders"]) in graph.get(AssetKey(["analytics", "fact_sales"])).parent_keys
    totals = AssetKey(["intermediate", "int_customer_totals"])
    assert AssetKey(["analytics", "fact_sales"]) in graph.get(totals).parent_keys
    assert totals in graph.get(AssetKey(["analytics", "customer_analysis"])).parent_keys
    # Tables read raw through views: the daily job (no views) loads raw before building them.
    assert AssetKey(["raw", "sales_order_header"]) in graph.get(AssetKey(["analytics", "fact_sales"])).parent_keys
    assert AssetKey(["raw", "address"]) in graph.get(AssetKey(["intermediate", "int_state_sales_daily"])).parent_keys
    for key in graph.get_all_asset_keys():
        assert graph.get(key).group_name == key.path[0], key


def test_kinds_descriptions_and_column_docs(defs) -> None:
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    header = specs[AssetKey(["raw", "sales_order_header"])]
    assert {"dlt", "sqlite", "duckdb"} <= set(header.kinds)
    fact = specs[AssetKey(["analytics", "fact_sales"])]
    assert "dbt" in fact.kinds and "duckdb" in fact.kinds
    assert "allocated" in (fact.description or "").lower()
    columns = {c.name: c.description for c in fact.metadata["dagster/column_schema"].columns}
    assert columns["total_due"] and columns["line_total"]


def test_asset_pages_explain_themselves(defs) -> None:
    """Description, columns, owners, layer/domain tags, kinds and a code reference on every page."""
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    assert {spec.group_name for spec in specs.values()} == {"raw", "staging", "intermediate", "analytics", "dashboard"}
    for key, spec in specs.items():
        assert spec.description and spec.owners == ["team:sales-analytics"], key
        assert spec.tags["layer"] == key.path[0] and spec.tags["domain"] == "sales", key
        assert spec.kinds, key
        references = spec.metadata["dagster/code_references"].code_references
        assert references and all(Path(ref.file_path).exists() for ref in references), key
        if key.path[0] != "dashboard":
            assert spec.metadata["dagster/column_schema"].columns, key
    header = specs[AssetKey(["raw", "sales_order_header"])].metadata["dagster/column_schema"].columns
    assert {c.name: c.type for c in header}["total_due"] == "NUMERIC(19,4)"
    dashboard = specs[AssetKey(["dashboard", "sales_dashboard"])]
    assert dashboard.kinds == {"streamlit"}
    reads = {dep.asset_key for dep in dashboard.deps}
    assert reads == {AssetKey(["analytics", name]) for name in (*RELATIONS, *INSIGHT_RELATIONS)} <= set(specs)
    # Materializing the dashboard publishes the warehouse: last in the jobs, and after other writes.
    assert dashboard.automation_condition.get_label() == "publish_after_upstream_updates"
    for job in (SALES_JOB, DAILY_JOB):
        assert dashboard.key in defs.resolve_job_def(job).asset_layer.executable_asset_keys, job


VIEWS = {AssetKey(["analytics", "customer_analysis"]), AssetKey(["analytics", "customer_cohorts"])} | {
    AssetKey(["staging", f"stg_{name}"])
    for name in (
        "sales_orders sales_order_details sales_returns customers people stores addresses state_provinces "
        "country_regions territories special_offers product_categories product_subcategories products "
        "product_inventory product_cost_history"
    ).split()
}
# Unpartitioned tables refreshed on a calendar by automation: weekly, and inventory cover daily.
INVENTORY_COVER = AssetKey(["analytics", "inventory_cover"])
WEEKLY = set(LOOKING_AHEAD) - {INVENTORY_COVER}


def test_tables_have_the_daily_freshness_policy_and_views_follow_their_sql(defs) -> None:
    # The dashboard is as fresh as what it publishes: no freshness of its own. A view
    # is as fresh as the tables it reads and is rebuilt when its SQL changes, not every day.
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs() if spec.key.path[0] != "dashboard"}
    assert len(specs) == 56 and set(specs) >= VIEWS | WEEKLY
    tables = {key for key in specs if key not in VIEWS}
    expected = {key: WEEKLY_FRESHNESS if key in WEEKLY else DAILY_FRESHNESS for key in tables}
    assert {key: specs[key].freshness_policy for key in tables} == expected
    assert all(specs[key].freshness_policy is None for key in VIEWS)
    automated = VIEWS | WEEKLY | {INVENTORY_COVER}
    assert {key for key, spec in specs.items() if spec.automation_condition is not None} == automated


def test_order_tables_and_every_dbt_table_are_partitioned_daily_with_single_run_backfills(defs) -> None:
    graph = defs.resolve_asset_graph()
    partitioned = {key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def is not None}
    in_warehouse = {key for key in graph.get_all_asset_keys() if key.path[0] in ("intermediate", "analytics")}
    dbt_tables = in_warehouse - VIEWS - WEEKLY - {INVENTORY_COVER}
    assert partitioned == {
        AssetKey(["raw", "sales_order_header"]),
        AssetKey(["raw", "sales_order_detail"]),
        AssetKey(["raw", "sales_return"]),
        *dbt_tables,
    }
    assert len(dbt_tables) == 16
    for key in partitioned:
        node = graph.get(key)
        assert node.backfill_policy == BackfillPolicy.single_run(), key
        assert node.partitions_def.get_first_partition_key() == "2011-05-31"


def test_partitions_run_to_today_and_the_daily_schedule_finalizes_yesterday(defs) -> None:
    partitions_def = defs.resolve_job_def(SALES_JOB).partitions_def
    today = datetime.now(UTC).date().isoformat()
    assert partitions_def.get_last_partition_key() == today  # intraday orders have a partition
    schedule = defs.resolve_schedule_def(f"{DAILY_JOB}_schedule")
    assert schedule.cron_schedule == "15 1 * * *" and schedule.job_name == DAILY_JOB
    tick = datetime(2026, 11, 24, 1, 15, tzinfo=UTC)
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
        result = schedule.evaluate_tick(context)
    assert [request.partition_key for request in result.run_requests] == ["2026-11-23"]
    assert result.run_requests[0].run_key == "finalize-2026-11-23"  # a retried tick launches nothing twice


def test_partition_end_is_exclusive_and_validated() -> None:
    settings = load_settings({"SALES_PARTITIONS_START": "2011-05-31", "SALES_PARTITIONS_END": "2014-07-01"})
    defs = build_definitions(settings)
    keys = defs.resolve_job_def(SALES_JOB).partitions_def.get_partition_keys()
    assert keys[0] == "2011-05-31" and keys[-1] == "2014-06-30"
    with pytest.raises(SettingsError, match="SALES_PARTITIONS_END"):
        load_settings({"SALES_PARTITIONS_END": "2011-01-01"})
    with pytest.raises(SettingsError, match="SALES_PARTITIONS_START"):
        load_settings({"SALES_PARTITIONS_START": "31/05/2011"})


def test_analytics_models_are_typed_contracts(defs) -> None:
    """Every analytics model enforces a dbt contract, and its page shows each column's declared type."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "analytics"
    ]
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    assert len(models) == 11
    for node in models:
        assert node["config"]["contract"]["enforced"], node["name"]
        if node["config"]["materialized"] == "incremental":
            assert node["config"]["on_schema_change"] == "fail", node["name"]
        declared = {name: column["data_type"] for name, column in node["columns"].items()}
        assert all(declared.values()), node["name"]
        schema = specs[AssetKey(["analytics", node["name"]])].metadata["dagster/column_schema"]
        assert {column.name: column.type for column in schema.columns} == declared, node["name"]


def test_asset_pages_show_no_unserializable_metadata(defs) -> None:
    """dagster-dbt's DbtProject object would show as "[DbtProject] (unserializable)" on every model's page."""
    for spec in defs.resolve_all_asset_specs():
        assert "dagster_dbt/project" not in spec.metadata, spec.key
        if spec.key.path[0] in ("staging", "intermediate", "analytics"):
            assert spec.metadata["dagster/code_references"].code_references, spec.key


def test_every_asset_runs_once_per_backfill(defs) -> None:
    """What `dg launch --job sales_pipeline --partition-range A...B` requires of every asset it launches."""
    graph = defs.resolve_asset_graph()
    policies = {key: graph.get(key).backfill_policy for key in graph.materializable_asset_keys}
    assert policies and all(policy == BackfillPolicy.single_run() for policy in policies.values()), policies
