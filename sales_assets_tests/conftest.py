"""Shared fixtures: small generated sources and a helper that runs the real pipeline on them.

Everything runs for real: the generator writes SQLite files, dlt loads DuckDB, dbt builds the
models, Dagster executes the job in process (on an ephemeral instance, so tests leave no state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, Definitions, ExecuteInProcessResult
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from sales_assets.core.settings import Settings, load_settings
from sales_assets.definitions import build_definitions
from sales_assets.defs.operations.jobs import SALES_JOB
from sales_assets.sandbox.generator import GeneratorConfig, generate

# A month of orders: small enough for seconds per run, large enough to hold online and reseller
# orders, discounts and returns.
START, END = date(2013, 1, 1), date(2013, 2, 1)
SMALL = GeneratorConfig(seed=7, scale=0.3, start=START, end=END)


def make_settings(root: Path, source_dir: Path) -> Settings:
    base = load_settings({})
    return replace(
        base,
        source_url=None,
        source_dir=source_dir,
        warehouse_path=root / "warehouse.duckdb",
        data_dir=root / "data",
        partitions_start=START,
        partitions_end=END,
    )


class Pipeline:
    """One isolated setup: a source directory, its own warehouse and definitions."""

    def __init__(self, settings: Settings, instance: DagsterInstance | None = None) -> None:
        self.settings = settings
        self.defs: Definitions = build_definitions(settings)
        self.instance = instance or DagsterInstance.ephemeral()

    def run(
        self,
        first: str,
        last: str | None = None,
        selection: Iterable[AssetKey] | None = None,
        expect_success: bool = True,
        job: str = SALES_JOB,
    ) -> ExecuteInProcessResult:
        """One run of `job` over partitions [first, last], as a single-run backfill launches it."""
        job = self.defs.resolve_job_def(job)
        result = job.execute_in_process(
            instance=self.instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last or first},
            asset_selection=list(selection) if selection is not None else None,
            raise_on_error=expect_success,
        )
        assert result.success == expect_success
        return result

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse_path), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def small_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("source")
    generate(directory, SMALL)
    return directory


@pytest.fixture(scope="session")
def source_without_returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("source_no_returns")
    generate(directory, replace(SMALL, returns=False))
    return directory


@pytest.fixture
def pipeline_factory(tmp_path: Path):
    def make(source_dir: Path, name: str = "pipeline") -> Pipeline:
        return Pipeline(make_settings(tmp_path / name, source_dir))

    return make


# The modules that take minutes (real daemons, Snowflake emulator runs, whole-graph builds), run
# first: `--dist loadfile` hands files to the two workers in collection order, and a slow module
# collected last would leave one worker running it alone at the end.
SLOW_FIRST = (
    "test_snowflake",
    "test_concurrency",
    "test_incremental",
    "test_dashboard",
    "test_kill_and_rerun",
    "test_readers_while_writing",
    "test_insights",
    "test_faults_caught",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order within a module, and of the other modules, is kept


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record a measured figure (drain time, reads, latencies); `make test` and `make reliability`
    list them at the end, so the README's figures come from a run anyone can repeat."""
    return lambda line: request.node.user_properties.append(("figures", line))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == "figures" and report.when == "call"
    ]
    if lines:
        terminalreporter.section("figures measured")
        for line in lines:
            terminalreporter.line(line)
