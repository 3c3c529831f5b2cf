"""The source-change sensor on a real Dagster instance and a live embedded source.

Each test copies the generated month, plays the order-taking application on it (the simulator,
"now" being the morning of 2013-02-01, the partition set's last day) and evaluates the sensor
as the daemon would, carrying the cursor from tick to tick.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    PartitionKeyRange,
    build_sensor_context,
    instance_for_test,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.operations.sensors import MAX_RUNS_PER_TICK, SOURCE_CHANGES_SENSOR, ChangeCursor, day_ranges
from sales_assets.sandbox.simulator import simulate
from sales_assets_tests.conftest import make_settings
from sales_assets_tests.source_rows import connect

NOW = datetime(2013, 2, 1, 9, 30, 0)
TODAY = NOW.date().isoformat()


@pytest.fixture
def live_source(small_source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "live"
    shutil.copytree(small_source, copy)
    return copy


def live_definitions(root: Path, source: Path) -> Definitions:
    # The generated month plus "today", 2013-02-01, when the simulator writes.
    return build_definitions(replace(make_settings(root, source), partitions_end=date(2013, 2, 2)))


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:  # real run, event and schedule storage in a temp dir
        yield instance


class Ticks:
    """Evaluates the sensor tick after tick, keeping its cursor as the daemon keeps it."""

    def __init__(self, defs: Definitions, instance: DagsterInstance, cursor: str | None = None) -> None:
        self.defs, self.instance, self.cursor = defs, instance, cursor
        self.sensor = defs.resolve_sensor_def(SOURCE_CHANGES_SENSOR)

    def tick(self):
        context = build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            repository_def=self.defs.get_repository_def(),
            resources=self.defs.resources,
        )
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        return result

    def partitions(self, result) -> list[str]:
        """Every partition the tick's run requests cover, in request order."""
        partitions_def = self.defs.resolve_job_def(DAILY_JOB).partitions_def
        keys: list[str] = []
        for request in result.run_requests:
            if request.partition_key:
                keys.append(request.partition_key)
            else:
                span = PartitionKeyRange(
                    request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG]
                )
                keys.extend(partitions_def.get_partition_keys_in_range(span))
        return keys


@pytest.fixture
def ticks(live_source: Path, tmp_path: Path, instance: DagsterInstance) -> Ticks:
    ticks = Ticks(live_definitions(tmp_path / "p", live_source), instance)
    first = ticks.tick()  # a new watcher starts at the source's present
    assert first.run_requests == [] and "Watching changes made after" in first.skip_message
    (newest,) = connect(live_source).execute("select max(ModifiedDate) from Sales.SalesOrderHeader").fetchone()
    assert ChangeCursor.parse(ticks.cursor).modified_after == datetime.fromisoformat(newest)
    return ticks


def test_no_change_requests_nothing(ticks: Ticks) -> None:
    cursor = ticks.cursor
    result = ticks.tick()
    assert result.run_requests == [] and "No new or changed rows" in result.skip_message
    assert ticks.cursor == cursor


def test_new_orders_today_request_todays_partition(ticks: Ticks, live_source: Path) -> None:
    simulate(live_source, orders=8, changes=0, seed=1, now=NOW)
    result = ticks.tick()
    assert [request.partition_key for request in result.run_requests] == [TODAY]
    assert ChangeCursor.parse(ticks.cursor).modified_after == NOW
    assert ticks.tick().run_requests == []  # seen once, requested once


def test_late_changes_request_exactly_the_old_partitions(ticks: Ticks, live_source: Path) -> None:
    report = simulate(live_source, orders=0, changes=3, seed=5, now=NOW)
    expected = set(report.order_dates_touched) | ({TODAY} if report.new_returns else set())
    assert any(day < TODAY for day in expected)
    result = ticks.tick()
    assert sorted(ticks.partitions(result)) == sorted(expected)
    assert all(request.job_name in (None, DAILY_JOB) for request in result.run_requests)


def test_a_reference_change_requests_the_newest_day_whose_run_loads_it(ticks: Ticks, live_source: Path) -> None:
    """A renamed product belongs to no day: the newest day's run loads reference changes (the marts
    that name products are rebuilt by any run)."""
    with connect(live_source) as conn:
        conn.execute(
            "update Production.Product set Name = Name || ' II', ModifiedDate = ? where ProductID = "
            "(select min(ProductID) from Production.Product)",
            (NOW.isoformat(" "),),
        )
    result = ticks.tick()
    assert [request.partition_key for request in result.run_requests] == [TODAY]
    assert ChangeCursor.parse(ticks.cursor).modified_after == NOW
    assert ticks.tick().run_requests == []


def test_a_burst_of_changes_is_coalesced_into_few_runs(ticks: Ticks, live_source: Path) -> None:
    report = simulate(live_source, orders=40, changes=60, seed=9, now=NOW)
    result = ticks.tick()
    covered = ticks.partitions(result)
    assert len(result.run_requests) <= MAX_RUNS_PER_TICK < len(report.order_dates_touched)
    assert len(covered) == len(set(covered)), "no partition in two runs"
    assert set(report.order_dates_touched) <= set(covered)
    assert len({request.run_key for request in result.run_requests}) == len(result.run_requests)


def test_cursor_survives_a_restart(ticks: Ticks, live_source: Path, tmp_path: Path) -> None:
    simulate(live_source, orders=3, changes=0, seed=2, now=NOW)
    assert ticks.tick().run_requests
    # A restarted process: new definitions, the cursor as the instance stored it.
    restarted = Ticks(live_definitions(tmp_path / "restarted", live_source), ticks.instance, ticks.cursor)
    assert restarted.tick().run_requests == []
    simulate(live_source, orders=2, changes=0, seed=3, now=NOW.replace(hour=11))
    assert [request.partition_key for request in restarted.tick().run_requests] == [TODAY]


def test_partitions_of_a_queued_run_are_not_requested_twice(ticks: Ticks, live_source: Path) -> None:
    ticks.instance.add_run(
        DagsterRun(
            job_name=DAILY_JOB,
            run_id=str(uuid.uuid4()),
            # Waiting to start, as a queued run is (QUEUED needs a code location origin to store).
            status=DagsterRunStatus.NOT_STARTED,
            tags={PARTITION_NAME_TAG: TODAY},
        )
    )
    report = simulate(live_source, orders=5, changes=2, seed=4, now=NOW)
    result = ticks.tick()
    assert TODAY not in ticks.partitions(result)  # the queued run reads today's orders when it starts
    assert set(ticks.partitions(result)) == set(report.order_dates_touched) - {TODAY}


def test_a_missing_embedded_source_is_a_skip_that_says_what_to_do(tmp_path: Path, instance: DagsterInstance) -> None:
    ticks = Ticks(live_definitions(tmp_path / "p", tmp_path / "not-generated"), instance)
    result = ticks.tick()
    assert result.run_requests == [] and "Sales.sqlite" in result.skip_message and "generate" in result.skip_message
    assert ticks.cursor is None  # starts watching once the source exists


def test_day_ranges_join_consecutive_days_and_merge_the_closest_beyond_the_limit() -> None:
    days = [date(2013, 1, d) for d in (1, 2, 3, 10, 12, 20, 28, 30, 31)]
    assert day_ranges(days, max_ranges=10) == [
        (date(2013, 1, 1), date(2013, 1, 3)),
        (date(2013, 1, 10), date(2013, 1, 10)),
        (date(2013, 1, 12), date(2013, 1, 12)),
        (date(2013, 1, 20), date(2013, 1, 20)),
        (date(2013, 1, 28), date(2013, 1, 28)),
        (date(2013, 1, 30), date(2013, 1, 31)),
    ]
    assert day_ranges(days, max_ranges=4) == [
        (date(2013, 1, 1), date(2013, 1, 3)),
        (date(2013, 1, 10), date(2013, 1, 12)),
        (date(2013, 1, 20), date(2013, 1, 20)),
        (date(2013, 1, 28), date(2013, 1, 31)),
    ]
