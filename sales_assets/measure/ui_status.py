"""How long the Dagster UI takes to show asset statuses (`make ui-timing`, against a running `make dev`).

Per page (the lineage and the catalog): Chromium opens it, and the time runs until every asset on
the page has its status, i.e. until the UI's last live-data request (`AssetGraphLiveQuery`, which
it sends in batches of assets) has answered. Then the live-data query alone over GraphQL, all
assets in one request. Medians of `--loads` runs; see README, "The Dagster UI on the full history".
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from sales_assets.measure.graphql import ASSET_KEYS_QUERY, Webserver

CHROMIUM = Path("/usr/bin/chromium")
PAGES = ("/asset-groups", "/assets")
QUIET_S = 20.0  # no new asset got its status for this long: the page is done
LIMIT_S = 180.0
# What the UI's AssetGraphLiveQuery asks of each asset, the checks' partition statuses included.
LIVE_QUERY = """query UiTimingLive($assetKeys: [AssetKeyInput!]!) {
  assetNodes(assetKeys: $assetKeys, loadMaterializations: true) { id assetKey { path }
    assetMaterializations(limit: 1) { timestamp runId }
    assetChecksOrError { ... on AssetChecks { checks { name
      executionForLatestMaterialization { status timestamp }
      partitionStatuses {
        ... on AssetCheckDefaultPartitionStatuses { succeededPartitions failedPartitions skippedPartitions }
        ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } } } } } }
    partitionStats { numMaterialized numMaterializing numPartitions numFailed } }
  assetsLatestInfo(assetKeys: $assetKeys) { id unstartedRunIds inProgressRunIds latestRun { id status } } }"""


def page_load_seconds(browser: Any, url: str) -> tuple[float, int]:
    """Seconds from navigation until the last asset on the page got its status, and how many did."""
    context = browser.new_context(viewport={"width": 1600, "height": 4000})
    page = context.new_page()
    first_status: dict[str, float] = {}

    def answered(request: Any) -> None:
        body = request.post_data_json if request.method == "POST" and "/graphql" in request.url else None
        if body and body.get("operationName") == "AssetGraphLiveQuery":
            for key in body["variables"]["assetKeys"]:
                first_status.setdefault("/".join(key["path"]), time.perf_counter() - started)

    page.on("requestfinished", answered)
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    seen, changed = 0, time.perf_counter()
    while time.perf_counter() - started < LIMIT_S:
        page.wait_for_timeout(250)
        if len(first_status) != seen:
            seen, changed = len(first_status), time.perf_counter()
        elif seen and time.perf_counter() - changed > QUIET_S:
            break
    context.close()
    return (max(first_status.values()) if first_status else float("nan")), len(first_status)


def query_seconds(webserver: Webserver, keys: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    webserver.query(LIVE_QUERY, assetKeys=keys)  # raises on an HTTP or GraphQL error
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the Dagster webserver")
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        for path in PAGES:
            loads = [page_load_seconds(browser, args.url + path) for _ in range(args.loads)]
            seconds = [s for s, _ in loads]
            print(
                f"{path:<14} statuses of {max(n for _, n in loads)} assets shown after "
                f"median {statistics.median(seconds):.1f} s (loads: {', '.join(f'{s:.1f}' for s in seconds)})"
            )
        browser.close()
    webserver = Webserver(f"{args.url}/graphql")
    keys = [node["assetKey"] for node in webserver.query(ASSET_KEYS_QUERY)["assetNodes"]]
    queries = [query_seconds(webserver, keys) for _ in range(args.loads)]
    webserver.client.close()
    print(f"{'live data':<14} all assets in one GraphQL request: median {statistics.median(queries):.2f} s")


if __name__ == "__main__":
    main()
