"""The reconciliation sensor on a real instance, over a month built by the real job, with the source
edited behind the change cursor's back (deletions, edits that keep ModifiedDate).

The month is built once (module fixture); each test works on a copy of it (source, warehouse and
dlt/dbt state) and evaluates the sensor as the daemon would, carrying the cursor between ticks.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    SensorDefinition,
    SensorResult,
    build_sensor_context,
    instance_for_test,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.core.partitions import daily_partitions
from sales_assets.core.settings import Settings
from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.operations.reconciliation import (
    SOURCE_RECONCILIATION_SENSOR,
    ReconciliationCursor,
    build_reconciliation_sensor,
)
from sales_assets.source.changes import detect_changes
from sales_assets.source.engine import sqlite_engine
from sales_assets_tests.conftest import END, START, Pipeline, make_settings
from sales_assets_tests.source_rows import connect

LAST_DAY = END - timedelta(days=1)
# Stamped before the build with fractions of a second, which raw must keep to the microsecond.
FRACTIONAL = "2013-01-31 23:59:59.123456"


@pytest.fixture(scope="module")
def built(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The month, loaded and built by the real job: a directory holding `source/` and `p/` (the setup)."""
    root = tmp_path_factory.mktemp("reconciliation")
    shutil.copytree(small_source, root / "source")
    with connect(root / "source") as conn:
        conn.execute(
            "update Sales.SalesOrderHeader set ModifiedDate = ? where SalesOrderID = "
            "(select max(SalesOrderID) from Sales.SalesOrderHeader)",
            (FRACTIONAL,),
        )
        conn.execute(
            "update Sales.SalesReturn set ModifiedDate = ? where SalesReturnID = "
            "(select max(SalesReturnID) from Sales.SalesReturn)",
            (FRACTIONAL,),
        )
    Pipeline(make_settings(root / "p", root / "source")).run(START.isoformat(), LAST_DAY.isoformat())
    return root


@dataclass
class Setup:
    settings: Settings
    defs: Definitions
    instance: DagsterInstance

    @property
    def source(self) -> Path:
        return self.settings.source_dir

    def ticks(self, sensor: SensorDefinition | None = None) -> Ticks:
        return Ticks(self, sensor or self.defs.resolve_sensor_def(SOURCE_RECONCILIATION_SENSOR))

    def execute(self, sql: str, params: tuple = ()) -> None:
        """Write to the source as the order-taking application would, without touching ModifiedDate."""
        with connect(self.source) as conn:
            assert conn.execute(sql, params).rowcount != 0, sql  # -1 for DDL

    def order_on(self, day: date, skip: int = 0) -> int:
        """An order dated `day` with no returns (deleting it changes the header fingerprint only)."""
        ((order_id,),) = (
            connect(self.source)
            .execute(
                "select SalesOrderID from Sales.SalesOrderHeader where OrderDate = ? and SalesOrderID not in "
                "(select SalesOrderID from Sales.SalesReturn) order by SalesOrderID limit 1 offset ?",
                (f"{day} 00:00:00", skip),
            )
            .fetchall()
        )
        return order_id

    def delete_order(self, order_id: int) -> None:
        self.execute("delete from Sales.SalesOrderDetail where SalesOrderID = ?", (order_id,))
        self.execute("delete from Sales.SalesOrderHeader where SalesOrderID = ?", (order_id,))


class Ticks:
    """Evaluates a reconciliation sensor tick after tick, keeping its cursor as the daemon keeps it."""

    def __init__(self, setup: Setup, sensor: SensorDefinition) -> None:
        self.setup, self.sensor, self.cursor = setup, sensor, None

    def tick(self) -> SensorResult:
        context = build_sensor_context(
            instance=self.setup.instance,
            cursor=self.cursor,
            repository_def=self.setup.defs.get_repository_def(),
            resources=self.setup.defs.resources,
        )
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        return result


def requested_days(result: SensorResult) -> list[date]:
    days = []
    for request in result.run_requests:
        if request.partition_key:
            days.append(date.fromisoformat(request.partition_key))
            continue
        first = date.fromisoformat(request.tags[ASSET_PARTITION_RANGE_START_TAG])
        last = date.fromisoformat(request.tags[ASSET_PARTITION_RANGE_END_TAG])
        days += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return sorted(days)


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


@pytest.fixture
def setup(built: Path, tmp_path: Path, instance: DagsterInstance) -> Setup:
    shutil.copytree(built, tmp_path / "copy")
    settings = make_settings(tmp_path / "copy" / "p", tmp_path / "copy" / "source")
    return Setup(settings, build_definitions(settings), instance)


@pytest.fixture
def ticks(setup: Setup) -> Ticks:
    """The sensor as defined, after its first tick: the whole history compared, nothing differing."""
    ticks = setup.ticks()
    first = ticks.tick()
    assert first.run_requests == [], first.skip_message
    assert first.skip_message == "The source and raw agree over the whole history (2013-01-01 .. 2013-01-31)"
    return ticks


def test_nothing_changed_requests_nothing(ticks: Ticks) -> None:
    cursor = ReconciliationCursor.parse(ticks.cursor)
    assert datetime.now(UTC) - cursor.whole_history_at < timedelta(minutes=1)
    result = ticks.tick()  # within the day: the recent days only (here, the whole month is recent)
    assert result.run_requests == []
    assert result.skip_message == "The source and raw agree over the last 35 days (2013-01-01 .. 2013-01-31)"
    assert ReconciliationCursor.parse(ticks.cursor) == cursor


def test_a_deleted_order_requests_its_day(ticks: Ticks, setup: Setup, capfd: pytest.CaptureFixture[str]) -> None:
    day = date(2013, 1, 20)
    engine = sqlite_engine(setup.source)
    high_water = connect(setup.source).execute("select max(ModifiedDate) from Sales.SalesOrderHeader").fetchone()[0]
    setup.delete_order(setup.order_on(day))
    # No trace for the change cursor...
    assert detect_changes(engine, datetime.fromisoformat(high_water)).dates == frozenset()
    # ... but the day's fingerprint differs.
    result = ticks.tick()
    assert requested_days(result) == [day]
    (request,) = result.run_requests
    assert request.partition_key == "2013-01-20" and request.tags["trigger"] == SOURCE_RECONCILIATION_SENSOR
    assert request.run_key.startswith("source-reconciliation:2013-01-20..2013-01-20#")
    # The log says what differed: the table, the day, the source's figures and raw's.
    (logged,) = [line for line in capfd.readouterr().err.splitlines() if "differ between the source and raw" in line]
    assert "Sales.SalesOrderHeader 2013-01-20: source " in logged and "; raw " in logged, logged


def test_an_edit_that_keeps_modified_date_requests_its_day(ticks: Ticks, setup: Setup) -> None:
    day = date(2013, 1, 9)
    # One ten-thousandth more: sums are compared exactly.
    setup.execute(
        "update Sales.SalesOrderHeader set TotalDue = TotalDue + 0.0001 where SalesOrderID = ?", (setup.order_on(day),)
    )
    assert requested_days(ticks.tick()) == [day]


def test_a_deleted_return_requests_its_return_date(ticks: Ticks, setup: Setup) -> None:
    return_id, returned = (
        connect(setup.source)
        .execute("select SalesReturnID, ReturnDate from Sales.SalesReturn order by SalesReturnID limit 1")
        .fetchone()
    )
    setup.execute("delete from Sales.SalesReturn where SalesReturnID = ?", (return_id,))
    assert requested_days(ticks.tick()) == [datetime.fromisoformat(returned).date()]


def test_consecutive_days_share_a_run(ticks: Ticks, setup: Setup) -> None:
    for day in (date(2013, 1, 14), date(2013, 1, 15), date(2013, 1, 16), date(2013, 1, 27)):
        setup.delete_order(setup.order_on(day))
    result = ticks.tick()
    assert [(r.partition_key, r.tags.get(ASSET_PARTITION_RANGE_START_TAG)) for r in result.run_requests] == [
        ("2013-01-27", None),
        (None, "2013-01-14"),
    ]
    assert len(requested_days(result)) == 4


def test_an_old_day_waits_for_the_daily_whole_history_pass(setup: Setup) -> None:
    daily_job = next(job for job in setup.defs.jobs if job.name == DAILY_JOB)
    sensor = build_reconciliation_sensor(daily_job, daily_partitions(setup.settings), recent_days=7)
    ticks = setup.ticks(sensor)
    assert ticks.tick().run_requests == []  # the first tick compares the whole history
    old = date(2013, 1, 10)  # more than 7 days before the last partition
    setup.delete_order(setup.order_on(old))

    recent = ticks.tick()
    assert recent.run_requests == []
    assert recent.skip_message == "The source and raw agree over the last 7 days (2013-01-25 .. 2013-01-31)"

    # A day after the last whole-history pass, the next tick compares the whole history.
    ticks.cursor = ReconciliationCursor(datetime.now(UTC) - timedelta(days=1, minutes=1)).serialize()
    whole = ticks.tick()
    assert requested_days(whole) == [old]
    assert datetime.now(UTC) - ReconciliationCursor.parse(ticks.cursor).whole_history_at < timedelta(minutes=1)
    # ... and the tick after it, the same day, the recent days only again.
    assert ticks.tick().run_requests == []


def test_a_run_queued_or_started_skips_without_opening_the_warehouse(ticks: Ticks, setup: Setup) -> None:
    setup.delete_order(setup.order_on(date(2013, 1, 22)))
    cursor = ticks.cursor
    runs = [
        DagsterRun(job_name=DAILY_JOB, run_id=str(uuid.uuid4()), status=status)
        for status in (DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTED)
    ]
    # A run's step holding the file to write: were the sensor to open it now, it would fail.
    with duckdb.connect(str(setup.settings.warehouse_path)):
        for run in runs:
            setup.instance.add_run(run)
            result = ticks.tick()
            assert result.run_requests == []
            assert result.skip_message.startswith("Runs queued or in progress (sales_daily ")
            assert "the warehouse is not read while a run may write it" in result.skip_message
            assert ticks.cursor == cursor
        for run in runs:
            setup.instance.report_run_canceled(run)
    assert requested_days(ticks.tick()) == [date(2013, 1, 22)]


def test_run_keys_name_the_divergence(ticks: Ticks, setup: Setup) -> None:
    day = date(2013, 1, 12)
    setup.delete_order(setup.order_on(day))
    (first,) = ticks.tick().run_requests
    (again,) = ticks.tick().run_requests  # nothing changed: the same key, which Dagster runs once
    assert again.run_key == first.run_key
    setup.delete_order(setup.order_on(day))  # another divergence on the same day: a new key
    (other,) = ticks.tick().run_requests
    assert other.partition_key == first.partition_key and other.run_key != first.run_key


def test_a_source_without_returns_compares_the_orders_only(ticks: Ticks, setup: Setup) -> None:
    setup.execute("drop table Sales.SalesReturn")  # as in the real AdventureWorks; raw keeps its returns
    result = ticks.tick()
    assert result.run_requests == [] and "agree" in result.skip_message


def test_nothing_loaded_yet_is_a_skip(setup: Setup, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "empty", setup.source)
    fresh = Setup(settings, build_definitions(settings), setup.instance)
    expected = "Nothing to compare: raw holds no orders yet (`make run` or a backfill loads them)"
    assert fresh.ticks().tick().skip_message == expected  # no warehouse file
    settings.warehouse_path.parent.mkdir(parents=True)
    duckdb.connect(str(settings.warehouse_path)).close()
    assert fresh.ticks().tick().skip_message == expected  # a warehouse without raw


def test_rerunning_a_requested_day_heals_it(ticks: Ticks, setup: Setup) -> None:
    day = date(2013, 1, 18)
    setup.delete_order(setup.order_on(day))
    result = ticks.tick()
    assert requested_days(result) == [day]
    Pipeline(setup.settings, setup.instance).run(day.isoformat(), job=DAILY_JOB)
    after = ticks.tick()
    assert after.run_requests == [] and "agree" in after.skip_message


def test_days_before_the_first_day_raw_holds_are_not_requested(setup: Setup) -> None:
    """A history built from a later day (raw holds nothing before the 5th) is not a divergence to load,
    but a day deleted after that is."""
    with duckdb.connect(str(setup.settings.warehouse_path)) as conn:
        conn.execute("delete from raw.sales_order_header where order_date < '2013-01-05'")
    setup.delete_order(setup.order_on(date(2013, 1, 9)))
    assert requested_days(setup.ticks().tick()) == [date(2013, 1, 9)]
