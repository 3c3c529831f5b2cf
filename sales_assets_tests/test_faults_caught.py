"""Bad input on purpose: every injected fault is caught by its named check, good days still load,
and each failure becomes exactly one alert on a webhook served on 127.0.0.1.

One source with all fault kinds (each on its own order date, the month's newest days) goes through
three runs on a real instance: the whole month (blocked by the checks), the clean days before the
faults (built), and the day with the revenue spike (built, with a WARN).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, build_sensor_context, instance_for_test

from sales_assets.defs.operations.jobs import DAILY_JOB, FACT_SALES
from sales_assets.defs.quality.alerts import ALERTS_SENSOR, AlertWebhook
from sales_assets.sandbox.faults import FAULT_KINDS, InjectedFault, inject_faults
from sales_assets_tests.conftest import START, Pipeline, make_settings
from sales_assets_tests.source_rows import connect

NOW = datetime(2013, 2, 1, 8, 0, 0)
# The check that must catch each kind (the spike is a WARN on fact_sales, in its own run).
CAUGHT_BY = {
    "null_keys": "customers_exist",
    "orphans": "products_and_offers_exist",
    "negative_qty": "line_values_in_range",
    "duplicate_lines": "matches_source",
    "total_mismatch": "order_totals_add_up",
    "future_dates": "no_orders_dated_in_future",
    "revenue_spike": "daily_revenue_in_trailing_range",
}
PYTHON_CHECKS = set(CAUGHT_BY.values()) | {"order_dates_valid", "allocations_sum_to_header"}


@dataclass
class FaultyRuns:
    source: Path
    faults: dict[str, InjectedFault]
    pipeline: Pipeline
    instance: DagsterInstance
    month: ExecuteInProcessResult
    clean: ExecuteInProcessResult
    spike: ExecuteInProcessResult
    clean_last: str


def partition_of(fault: InjectedFault) -> str:
    """The partition a check names for the fault (a future-dated order: its new date)."""
    if fault.kind == "future_dates":
        return (NOW.date() + timedelta(days=30)).isoformat()
    return fault.order_date.isoformat()


@pytest.fixture(scope="module")
def runs(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyRuns]:
    root = tmp_path_factory.mktemp("faults")
    source = root / "source"
    shutil.copytree(small_source, source)
    faults = {fault.kind: fault for fault in inject_faults(source, FAULT_KINDS, now=NOW)}
    clean_last = (min(f.order_date for f in faults.values()) - timedelta(days=1)).isoformat()
    with instance_for_test() as instance:
        pipeline = Pipeline(make_settings(root / "pipeline", source), instance)
        month = pipeline.run(START.isoformat(), "2013-01-31", expect_success=False)
        clean = pipeline.run(START.isoformat(), clean_last)
        spike = pipeline.defs.resolve_job_def(DAILY_JOB).execute_in_process(
            instance=instance, partition_key=faults["revenue_spike"].order_date.isoformat()
        )
        yield FaultyRuns(source, faults, pipeline, instance, month, clean, spike, clean_last)


def evaluations(result: ExecuteInProcessResult) -> dict[str, object]:
    return {
        e.asset_check_key.name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.name in PYTHON_CHECKS
    }


def failing_partitions(evaluation) -> set[str]:
    text = evaluation.metadata["failing_partitions"].value
    return set(text.split(", ")) if text else set()


def test_each_fault_kind_is_caught_by_its_named_check(runs: FaultyRuns) -> None:
    month = evaluations(runs.month)
    month.update({"daily_revenue_in_trailing_range": evaluations(runs.spike)["daily_revenue_in_trailing_range"]})
    for kind, check in CAUGHT_BY.items():
        fault, evaluation = runs.faults[kind], month[check]
        assert not evaluation.passed, (kind, check)
        keys = evaluation.metadata["offending_keys"].value
        key = partition_of(fault) if kind == "revenue_spike" else str(fault.order_ids[0])  # a daily check: days
        assert any(key in offending for offending in keys), (kind, keys)
        assert partition_of(fault) in failing_partitions(evaluation), (kind, evaluation.metadata["summary"].value)
    # Each check flags exactly the partitions of its own faults, nothing else.
    for check, evaluation in month.items():
        expected = {partition_of(f) for kind, f in runs.faults.items() if CAUGHT_BY[kind] == check}
        assert failing_partitions(evaluation) == expected, check
        assert evaluation.passed == (not expected), check
    assert month["order_dates_valid"].passed and "allocations_sum_to_header" not in evaluations(runs.month)
    assert month["daily_revenue_in_trailing_range"].severity.value == "WARN"
    summary = month["products_and_offers_exist"].metadata["summary"].value
    assert "ProductID" in summary and str(runs.faults["orphans"].order_date) in failing_partitions(
        month["products_and_offers_exist"]
    )


def test_blocking_checks_stop_downstream_and_good_days_still_load(runs: FaultyRuns) -> None:
    # The month run loaded raw (nothing lost), then the blocking checks stopped everything downstream.
    built = {event.asset_key for event in runs.month.get_asset_materialization_events()}
    assert AssetKey(["raw", "sales_order_header"]) in built
    assert FACT_SALES not in built and not any(key.path[0] == "analytics" for key in built)
    source_orders = {row[0] for row in connect(runs.source).execute("select SalesOrderID from Sales.SalesOrderHeader")}
    loaded = {row[0] for row in runs.pipeline.query("select sales_order_id from raw.sales_order_header")}
    future = set(runs.faults["future_dates"].order_ids)
    assert loaded == source_orders - future  # the future-dated order waits for its partition
    # The clean days build through to the marts; the spike day builds too: a WARN does not block.
    assert runs.clean.success and runs.spike.success
    facts = runs.pipeline.query("select min(order_date), max(order_date) from analytics.fact_sales")[0]
    assert str(facts[0].date()) == START.isoformat()
    spike_day = runs.faults["revenue_spike"].order_date
    assert str(facts[1].date()) == spike_day.isoformat() > runs.clean_last


class Webhook(ThreadingHTTPServer):
    """A Slack-style incoming webhook on 127.0.0.1 that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.attempts = 0
        self.status = 200
        super().__init__(("127.0.0.1", 0), _Hook)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/sales"


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.attempts += 1
        if self.server.status == 200:
            self.server.received.append(body)
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_each_failure_is_alerted_once_and_a_down_webhook_is_retried(runs: FaultyRuns, webhook: Webhook) -> None:
    sensor = runs.pipeline.defs.resolve_sensor_def(ALERTS_SENSOR)
    resources = {"alert_webhook": AlertWebhook(url=webhook.url)}

    def tick(cursor: str | None):
        return sensor.evaluate_tick(build_sensor_context(instance=runs.instance, cursor=cursor, resources=resources))

    webhook.status = 503  # down: nothing is lost, the cursor does not pass the alert
    down = tick(None)
    assert webhook.attempts == 1 and webhook.received == []
    webhook.status = 200
    sent = tick(down.cursor)
    texts = [body["text"] for body in webhook.received]
    failed_checks = {CAUGHT_BY[kind] for kind in CAUGHT_BY}
    # One alert per failed check (the future-dated order fails in all three runs: alerted once),
    # one for the blocked month run, and the WARNs of the whole-history staging tests, which see
    # the bad rows in raw while the clean days build.
    dbt_warnings = [text for text in texts if text.startswith("[WARN] check staging/")]
    assert {text.split(" failed")[0] for text in dbt_warnings} == {
        "[WARN] check staging/stg_sales_orders:not_null_stg_sales_orders_customer_id",
        "[WARN] check staging/stg_sales_order_details:"
        "relationships_stg_sales_order_details_product_id__product_id__ref_stg_products_",
    }
    assert len(texts) == len(failed_checks) + 1 + len(dbt_warnings)
    for check in failed_checks:
        (text,) = [text for text in texts if f":{check} failed" in text]
        kinds = [kind for kind, caught in CAUGHT_BY.items() if caught == check]
        assert all(partition_of(runs.faults[kind]) in text for kind in kinds), text
    assert any(text.startswith("[RUN FAILED] sales_pipeline") for text in texts)
    assert any(text.startswith("[WARN] check analytics/fact_sales:daily_revenue_in_trailing_range") for text in texts)
    assert tick(sent.cursor).cursor and len(webhook.received) == len(texts)  # no repeats
