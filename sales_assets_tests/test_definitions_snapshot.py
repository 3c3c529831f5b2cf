"""Every definition the UI, alerts and dashboards name, compared with a snapshot kept in the repository.

What people and other tools refer to by name (asset keys and their groups, kinds, owners,
partitions, dependencies and automation; checks, whether they block and how they are
partitioned; jobs and what they select; schedules; sensors) must not change by accident: a
moved module, a renamed function or a new translator must leave it as it was. When a change is
meant, rewrite the snapshot and review its diff like code:

    SALES_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest sales_assets_tests/test_definitions_snapshot.py

As in dagster-open-platform's spec snapshot tests: the definitions are built for a fixed setup
(the embedded source, DuckDB), so the snapshot does not depend on the machine.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from dagster import Definitions

from sales_assets.core.settings import load_settings
from sales_assets.definitions import build_definitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def snapshot(defs: Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "tags": dict(sorted(node.tags.items())),
            "partitions": type(partitions).__name__ if partitions else None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "automation": node.automation_condition.get_label() if node.automation_condition else None,
            "materializable": node.is_materializable,
        }
    checks = {}
    for key in sorted(graph.asset_check_keys):
        spec = graph.get_check_spec(key)
        partitions = spec.partitions_def
        checks[f"{key.asset_key.to_user_string()}:{key.name}"] = {
            "blocking": spec.blocking,
            "partitions": type(partitions).__name__ if partitions else None,
        }
    jobs = {
        job.name: sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
        for job in defs.resolve_all_job_defs()
        if not job.name.startswith("__")
    }
    schedules = {
        s.name: {"cron": s.cron_schedule, "job": s.job_name, "status": s.default_status.value}
        for s in defs.get_repository_def().schedule_defs
    }
    sensors = {
        s.name: {"type": s.sensor_type.value, "status": s.default_status.value, "interval": s.minimum_interval_seconds}
        for s in defs.get_repository_def().sensor_defs
    }
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_definitions_match_the_snapshot(tmp_path: Path) -> None:
    settings = replace(load_settings({}), source_dir=tmp_path / "source", data_dir=tmp_path / "data")
    found = snapshot(build_definitions(replace(settings, warehouse_path=tmp_path / "warehouse.duckdb")))
    if os.environ.get("SALES_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in expected:
        assert found[part] == expected[part], f"{part} differ from {SNAPSHOT.name} (see the module docstring)"
    assert set(found) == set(expected)
