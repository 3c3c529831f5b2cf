"""The Dagster webserver's GraphQL, as the UI queries it: the asset catalog's live data, the runs
list, launching a run; a client that times each request for the load test."""

from __future__ import annotations

import json
from typing import Any

import httpx

TIMEOUT_S = 120.0  # one request; beyond it the request counts as an error

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
