"""Asset specs of the dbt models: `<schema>/<model>` keys (staging, intermediate, analytics) and
`raw/<table>` for the sources, so lineage joins dlt's assets; groups, kinds, owner, tags, freshness
and automation per kind of model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey, AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject
from dagster_dbt.asset_utils import DAGSTER_DBT_PROJECT_METADATA_KEY

from sales_assets.core.metadata import OWNER
from sales_assets.defs.operations.automation import VIEWS_FOLLOW_THEIR_SQL, WEEKLY_AFTER_SALES
from sales_assets.defs.quality.freshness import DAILY_FRESHNESS, WEEKLY_FRESHNESS


def _is_view(node: Mapping[str, Any]) -> bool:
    return node["config"].get("materialized") == "view"


def _is_weekly(node: Mapping[str, Any]) -> bool:
    """Tagged `weekly`: rebuilt whole once a week (dbt_assets.WEEKLY selects the same tag)."""
    return "weekly" in node["config"].get("tags", [])


class SalesDbtTranslator(DagsterDbtTranslator):
    def __init__(self, project: DbtProject, warehouse_kind: str = "duckdb") -> None:
        # Code references: each model's page links to its .sql file.
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True))
        self.project = project
        self.warehouse_kind = warehouse_kind

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        # dagster-dbt keeps the DbtProject object in each spec's metadata, which the asset page can
        # only show as "[DbtProject] (unserializable)", and hands it back here at run time. So the
        # translator holds the project for the code references (each model linked to its .sql)
        # and the metadata entry is dropped; dagster-dbt's only other use of it is a selectors
        # file when a subset names over 200 dbt nodes (without it they go as --select arguments).
        spec = super().get_asset_spec(manifest, unique_id, project or self.project)
        spec = spec.replace_attributes(
            metadata={key: value for key, value in spec.metadata.items() if key != DAGSTER_DBT_PROJECT_METADATA_KEY}
        )
        if unique_id.startswith("model."):
            # The engine the models run on (SALES_TARGET), not the adapter the manifest was parsed with.
            spec = spec.replace_attributes(kinds={"dbt", self.warehouse_kind})
            if _is_view(manifest["nodes"][unique_id]):
                # A view shows its inputs' data as they are: it is as fresh as they are, and is
                # rebuilt only when its SQL changes, so it carries no freshness policy of its own.
                return spec
            weekly = _is_weekly(manifest["nodes"][unique_id])
            spec = spec.replace_attributes(freshness_policy=WEEKLY_FRESHNESS if weekly else DAILY_FRESHNESS)
            direct = {dep.asset_key for dep in spec.deps}
            through_views = [key for key in self._sources_read_through_views(manifest, unique_id) if key not in direct]
            if through_views:
                spec = spec.merge_attributes(deps=through_views)
        return spec

    def _sources_read_through_views(self, manifest: Mapping[str, Any], unique_id: str) -> list[AssetKey]:
        """The raw tables a table model reads through views.

        A view holds no data: a table's rows come from the raw tables behind the views it reads.
        Naming them as direct upstreams lets a run of raw tables and the dbt tables alone (the
        daily job, which has no reason to recreate views) load before it builds.
        """
        nodes = manifest["nodes"]
        keys: set[AssetKey] = set()
        views = [
            parent for parent in nodes[unique_id]["depends_on"]["nodes"] if parent in nodes and _is_view(nodes[parent])
        ]
        while views:
            for parent in nodes[views.pop()]["depends_on"]["nodes"]:
                if parent.startswith("source."):
                    keys.add(self.get_asset_key(manifest["sources"][parent]))
                elif parent in nodes and _is_view(nodes[parent]):
                    views.append(parent)
        return sorted(keys, key=lambda key: key.to_user_string())

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> AutomationCondition | None:
        # Views are rebuilt when their SQL changes (or they are missing), weekly tables weekly;
        # the other tables are built by the jobs for the partitions the schedule and the
        # source-change sensor request.
        if dbt_resource_props["resource_type"] != "model":
            return None
        if _is_view(dbt_resource_props):
            return VIEWS_FOLLOW_THEIR_SQL
        if _is_weekly(dbt_resource_props):
            return WEEKLY_AFTER_SALES
        return None

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["config"].get("schema")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        layer = dbt_resource_props["config"].get("schema") or "raw"
        return {**super().get_tags(dbt_resource_props), "layer": layer, "domain": "sales"}
