"""The edit storm: random sequences of the edits a live order-entry system makes, healed by the pipeline.

A month (two, in `make reliability`) is built in full, then Hypothesis drives a state machine over
it: each step applies one edit to the source (sales_assets/sandbox/edits.py: new orders, quantity
and price corrections, order dates moved back and forth across days, weeks and months, orders
moved to another customer, lines and whole orders deleted, cancellations and rejections, returns
(the first ever among them), products renamed and repriced, customers created and removed), and
every few edits the system settles the way the daemon would: the `source_changes` and
`source_reconciliation` sensors tick from their cursors and every run they request is executed,
until both are quiet (the last time after the reconciliation's daily pass over the whole history:
a deletion older than its recent days is found there). Nothing else runs: no backfill, no manual
rerun. At the end the
looking-ahead tables get their own refresh (weekly and daily automation), a second warehouse is
built from scratch on the same edited source, and every table of `intermediate` and `analytics`
must equal it row for row.

`make test` plays one short storm, the same every time; `make reliability` three long random ones.
A failure prints the steps (Hypothesis) and each edit's detail.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance, Definitions, RunRequest, build_sensor_context, instance_for_test
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from sales_assets.core.settings import Settings
from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import DAILY_JOB
from sales_assets.defs.operations.reconciliation import SOURCE_RECONCILIATION_SENSOR, ReconciliationCursor
from sales_assets.defs.operations.sensors import SOURCE_CHANGES_SENSOR
from sales_assets.sandbox.edits import EDIT_KINDS, Edit, SourceEditor
from sales_assets.sandbox.generator import generate
from sales_assets_tests.conftest import END, SMALL, START, Pipeline, make_settings
from sales_assets_tests.source_rows import connect
from sales_assets_tests.warehouse_diff import LOOKING_AHEAD, differences, relations

SENSORS = (SOURCE_CHANGES_SENSOR, SOURCE_RECONCILIATION_SENSOR)


@dataclass
class Daemon:
    """What the daemon does between edits: tick the sensors from their cursors and run what they ask."""

    defs: Definitions
    instance: DagsterInstance
    cursors: dict[str, str | None] = field(default_factory=dict)
    runs: int = 0
    settle_seconds: list[float] = field(default_factory=list)

    def tick(self, name: str) -> list[RunRequest]:
        context = build_sensor_context(
            instance=self.instance,
            cursor=self.cursors.get(name),
            repository_def=self.defs.get_repository_def(),
            resources=self.defs.resources,
        )
        result = self.defs.resolve_sensor_def(name).evaluate_tick(context)
        self.cursors[name] = result.cursor
        return list(result.run_requests or [])

    def execute(self, request: RunRequest, log: Callable[[], str]) -> None:
        job = self.defs.resolve_job_def(DAILY_JOB)
        result = job.execute_in_process(
            instance=self.instance, partition_key=request.partition_key, tags=request.tags, raise_on_error=False
        )
        self.runs += 1
        assert result.success, f"run {request.run_key} failed (a wedged day?) after the edits:\n{log()}"

    def settle(self, log: Callable[[], str], whole_history: bool = False, rounds: int = 6) -> None:
        """Ticks and runs until no sensor asks for anything; a storm that never settles is a failure.

        Settling within minutes, the reconciliation compares recent days only; `whole_history` lets
        its daily pass over the whole history come due first, as a day of the daemon would.
        """
        if whole_history:
            self.cursors[SOURCE_RECONCILIATION_SENSOR] = ReconciliationCursor(whole_history_at=None).serialize()
        started = time.perf_counter()
        for _ in range(rounds):
            requested = False
            for name in SENSORS:
                for request in self.tick(name):
                    requested = True
                    self.execute(request, log)
            if not requested:
                self.settle_seconds.append(time.perf_counter() - started)
                return
        raise AssertionError(f"still requesting runs after {rounds} rounds:\n{log()}")


@dataclass(frozen=True)
class Built:
    """A source and its warehouse built in full, once: each storm starts from a copy."""

    root: Path
    first: date
    end: date  # exclusive

    def settings(self, root: Path, name: str = "warehouse") -> Settings:
        return replace(
            make_settings(root / name, root / "source"), partitions_start=self.first, partitions_end=self.end
        )

    def build(self) -> Built:
        Pipeline(self.settings(self.root)).run(self.first.isoformat(), (self.end - timedelta(days=1)).isoformat())
        return self


@pytest.fixture(scope="module")
def month(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("storm")
    shutil.copytree(small_source, root / "source")
    return Built(root, START, END).build()


@pytest.fixture(scope="module")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """January and February: order dates also move across a month's end."""
    root = tmp_path_factory.mktemp("storm_two_months")
    first, end = date(2013, 1, 1), date(2013, 3, 1)
    generate(root / "source", replace(SMALL, scale=0.15, start=first, end=end))
    return Built(root, first, end).build()


def newest_modification(source: Path) -> datetime:
    tables = ("Sales.SalesOrderHeader", "Sales.SalesOrderDetail", "Sales.SalesReturn", "Production.ProductInventory")
    with connect(source) as conn:
        stamps = [conn.execute(f"select max(ModifiedDate) from {name}").fetchone()[0] for name in tables]
    return max(datetime.fromisoformat(stamp) for stamp in stamps if stamp)


def storm(built: Built, workdir: Path, record: Callable[[str], None]) -> type[RuleBasedStateMachine]:
    """The state machine class for storms starting from `built`, each in a fresh copy under `workdir`."""
    examples = iter(range(1_000_000))

    class EditStorm(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.root = workdir / f"storm{next(examples)}"
            shutil.copytree(built.root, self.root)
            self.settings = built.settings(self.root)
            self.stack = instance_for_test()
            self.daemon = Daemon(build_definitions(self.settings), self.stack.__enter__())
            for name in SENSORS:  # the watchers start before the first edit, as a running daemon has
                assert self.daemon.tick(name) == [], f"{name} asked for runs before any edit"
            self.edits: list[Edit] = []
            self.pending = 0

        def log(self) -> str:
            return "\n".join(f"  {edit.kind}: {edit.detail}" for edit in self.edits) or "  (no edit)"

        @initialize(seed=st.integers(0, 2**32 - 1))
        def start(self, seed: int) -> None:
            # The order-entry clock starts after everything the generator stamped.
            now = newest_modification(self.settings.source_dir) + timedelta(minutes=1)
            self.rng = random.Random(seed)
            self.editor = SourceEditor(self.settings.source_dir, self.rng, built.first, built.end, now)
            self.deck: list[str] = []
            self.settle_after = self.rng.randint(2, 6)

        @rule()
        def edit(self) -> None:
            # Kinds are dealt from a shuffled deck of every kind (seeded), not drawn by Hypothesis: its
            # first examples are its simplest, and a storm of one kind of edit proves little.
            if not self.deck:
                self.deck = self.rng.sample(EDIT_KINDS, len(EDIT_KINDS))
            kind = self.deck.pop()
            applied = self.editor.apply(kind)
            if applied is not None:
                self.edits.append(applied)
                self.pending += 1
            # Settling every few edits (seeded, like the kinds): later edits then meet orders an
            # earlier run already moved, deleted or cancelled.
            if self.pending >= self.settle_after:
                self.daemon.settle(self.log)
                self.pending, self.settle_after = 0, self.rng.randint(2, 6)

        def teardown(self) -> None:
            try:
                if hasattr(self, "editor"):
                    self.daemon.settle(self.log, whole_history=True)
                    self.compare_with_a_full_build()
            finally:
                self.stack.__exit__(None, None, None)
                shutil.rmtree(self.root, ignore_errors=True)

        def compare_with_a_full_build(self) -> None:
            last = (built.end - timedelta(days=1)).isoformat()
            Pipeline(self.settings, self.daemon.instance).run(last, selection=LOOKING_AHEAD)
            full = Pipeline(built.settings(self.root, "full"))
            full.run(built.first.isoformat(), last)
            tables = relations(self.settings.warehouse_path)
            assert len(tables) == 24 and tables == relations(full.settings.warehouse_path)
            found = differences(self.settings.warehouse_path, full.settings.warehouse_path)
            assert found == {}, (
                f"tables differing from a full build (rows, only incremental, only full): {found}\n{self.log()}"
            )
            kinds = sorted({edit.kind for edit in self.edits})
            record(
                f"{len(self.edits)} edits ({', '.join(kinds)}), {self.daemon.runs} runs, {len(tables)} tables "
                f"compared, 0 differences; settling took {', '.join(f'{s:.0f}' for s in self.daemon.settle_seconds)} s"
            )

    return EditStorm


def test_an_edit_storm_leaves_every_table_equal_to_a_full_build(
    month: Built, tmp_path: Path, figures: Callable[[str], None]
) -> None:
    # One short storm, the same on every run (CI is deterministic); `make reliability` plays long ones.
    short = settings(
        max_examples=1, stateful_step_count=18, deadline=None, derandomize=True, database=None, phases=[Phase.generate]
    )
    run_state_machine_as_test(storm(month, tmp_path, figures), settings=short)


@pytest.mark.reliability
def test_long_edit_storms_leave_every_table_equal_to_a_full_build(
    two_months: Built, tmp_path: Path, figures: Callable[[str], None]
) -> None:
    # Random storms (a new seed each run); no shrinking: each step costs runs, and the steps and
    # every edit's detail are printed on a failure.
    long = settings(max_examples=3, stateful_step_count=40, deadline=None, database=None, phases=[Phase.generate])
    run_state_machine_as_test(storm(two_months, tmp_path, figures), settings=long)
