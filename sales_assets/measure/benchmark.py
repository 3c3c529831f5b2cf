"""`make bench`: what a day costs as history and volume grow, measured side by side in one run.

    python -m sales_assets.measure.benchmark [--scales 1 10] [--out data/benchmark.json] [--keep DIR]

For each scale it generates the default history (2011-05-31 to yesterday) in a temporary
directory, builds it in full (`make run`'s single run), then runs the daily job for yesterday, as
the schedule does. Every phase is a process of its own under `/usr/bin/time -v` (wall time, peak
RSS); per-step times come from the Dagster instance. Also measured: loading the definitions
(median of three, beside the import time of the libraries alone), dlt's extraction of the order
tables against a minimal sqlite3 -> Arrow -> DuckDB copy of the same rows, the source_reconciliation
sensor's whole-history comparison (median of three), the forecasts and the recommender with their
backtests (each rebuilt alone, wall time and peak RSS), and, at the first scale, order-to-dashboard
latency under `dagster dev` with the sensors at their configured intervals.
Nothing of the project's own data is touched.

Why ~400 lines: one scenario measured end to end (generate, full build, daily run, latency,
extraction), each phase a few lines of process handling; split, the figures would lose their story.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sales_assets.core.settings import DEFAULT_PARTITIONS_START
from sales_assets.instance import dev_command, ensure_home
from sales_assets.measure.processes import free_port
from sales_assets.source import tables as t
from sales_assets.source.engine import schema_file

PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[2]
TARGETS = {
    "day_run_s_sf1": 10.0,
    "day_ratio_sf10_sf1": 1.2,
    "day_share_of_full_build_sf10": 0.02,
    "definitions_load_s": 2.0,
    "ingest_share_of_floor": 0.5,
    "latency_s": 60.0,
    "peak_rss_gib": 1.0,
    "reconcile_s_sf1": 5.0,
    "reconcile_s_sf10": 20.0,
    "forecast_s_sf1": 30.0,
    "forecast_s_sf10": 60.0,
    "recommendations_s_sf1": 60.0,
}


@dataclass
class Measure:
    wall_s: float
    max_rss_mib: float


@dataclass
class ScaleResult:
    scale: float
    orders: int = 0
    lines: int = 0
    generate: Measure | None = None
    full_build: Measure | None = None
    full_build_steps: dict[str, float] = field(default_factory=dict)
    day: str = ""
    day_process: Measure | None = None
    day_run_s: float = 0.0
    day_steps: dict[str, float] = field(default_factory=dict)
    dlt_order_rows: int = 0
    dlt_seconds: float = 0.0
    floor_seconds: float = 0.0
    reconcile: dict[str, float] = field(default_factory=dict)
    forecast: Measure | None = None  # demand_forecast with its backtest, materialized alone
    forecast_fit_s: float = 0.0  # of which fitting (the asset's fit_seconds)
    recommendations: Measure | None = None  # dbt run of recommendation_backtest and customer_recommendations


def timed(command: list[str], env: dict[str, str], cwd: Path = REPO) -> Measure:
    """Run a command to completion under /usr/bin/time -v: its wall time and peak RSS (largest process)."""
    report = Path(tempfile.mkstemp(prefix="bench-time-")[1])
    try:
        result = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(report), *command], env=env, cwd=cwd, capture_output=True, text=True
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise RuntimeError(f"{' '.join(command)} failed (exit {result.returncode}):\n{tail}")
        text = report.read_text()
    finally:
        report.unlink(missing_ok=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(wall.split(":"))))
    return Measure(round(seconds, 2), round(rss_kib / 1024, 1))


def environment(root: Path) -> dict[str, str]:
    """A setup of its own under `root`: source, warehouse, dlt and dbt state, Dagster instance."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SALES_", "SNOWFLAKE_", "DAGSTER_"))}
    home = ensure_home(root / "dagster")
    return {
        **env,
        "SALES_SOURCE_DIR": str(root / "source"),
        "SALES_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "SALES_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(home),
        "DAGSTER_EVENT_BATCH_SIZE": "1000",
    }


def step_seconds(home: Path, job: str) -> tuple[float, dict[str, float]]:
    """The latest run of `job` in the instance at `home`: its duration and each step's."""
    from dagster import DagsterInstance, RunsFilter

    os.environ["DAGSTER_HOME"] = str(home)
    with DagsterInstance.get() as instance:
        (run,) = instance.get_run_records(RunsFilter(job_name=job), limit=1)
        steps = {
            stat.step_key: round((stat.end_time or 0) - (stat.start_time or 0), 2)
            for stat in instance.get_run_step_stats(run.dagster_run.run_id)
        }
        return round(run.end_time - run.start_time, 2), steps


def dlt_order_load(home: Path, warehouse: Path) -> tuple[int, float]:
    """Rows of the order tables, and the seconds dlt's own run (extract, normalize, load) took in the full build."""
    from dagster import AssetKey, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(home)
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey(["raw", "sales_order_header"]))
        seconds = float(event.asset_materialization.metadata["dlt_run_seconds"].value)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = sum(
            conn.execute(f"select count(*) from raw.{table.warehouse_name}").fetchone()[0]
            for table in t.PARTITIONED_TABLES
        )
    return rows, seconds


def arrow_floor(source: Path, warehouse: Path) -> tuple[int, float]:
    """The order tables copied as plainly as possible: sqlite3 cursor -> Arrow -> DuckDB, same types."""
    begun = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    for schema in t.SCHEMAS:
        conn.execute(f"attach '{schema_file(source, schema)}' as \"{schema}\"")
    target = duckdb.connect(str(warehouse))
    rows = 0
    for table in t.PARTITIONED_TABLES:
        types = [_arrow_type(declaration) for _, declaration in table.columns]
        columns = ", ".join(f'"{name}"' for name in table.column_names)
        cursor = conn.execute(f'select {columns} from "{table.schema}"."{table.name}"')
        created = False
        while batch := cursor.fetchmany(100_000):
            columns_of_batch = zip(*batch, strict=True)
            arrays = [_arrow_column(values, type_) for values, type_ in zip(columns_of_batch, types, strict=True)]
            frame = pa.Table.from_arrays(arrays, names=table.column_names)  # noqa: F841 (DuckDB reads it by name)
            verb = "insert into floor_copy" if created else "create or replace table floor_copy as"
            target.execute(f"{verb} select * from frame")
            created = True
            rows += len(batch)
        target.execute("drop table floor_copy")
    target.close()
    return rows, round(time.perf_counter() - begun, 2)


def _arrow_type(declaration: str) -> pa.DataType:
    kind = declaration.split()[0].split("(")[0].upper()
    if kind == "DATETIME":
        return pa.timestamp("us")
    if kind in ("INTEGER", "SMALLINT"):
        return pa.int64()
    if kind == "BOOLEAN":
        return pa.bool_()
    if kind == "NUMERIC":
        precision, scale = declaration.split("(")[1].split(")")[0].split(",")
        return pa.decimal128(int(precision), int(scale))
    return pa.string()


def _arrow_column(values: tuple, type_: pa.DataType) -> pa.Array:
    # SQLite returns DATETIME as text, NUMERIC as REAL and BOOLEAN as 0/1: cast whole columns.
    if pa.types.is_timestamp(type_):
        return pa.array(values, pa.string()).cast(type_)
    if pa.types.is_decimal(type_):
        return pa.array(values, pa.float64()).cast(type_)
    if pa.types.is_boolean(type_):
        return pa.array(values, pa.int64()).cast(type_)
    return pa.array(values, type_)


def reconciliation_seconds(env: dict[str, str], runs: int = 3) -> dict[str, float]:
    """The whole-history comparison as the source_reconciliation sensor makes it: the source's
    fingerprints (a new engine, as each tick has), then raw's in one warehouse session, then the
    difference. Medians of `runs` (seconds), and how many days differed (0 after a full build)."""
    from sales_assets.core.partitions import daily_partitions, days_window
    from sales_assets.core.settings import load_settings
    from sales_assets.core.warehouses import open_warehouse
    from sales_assets.source.engine import source_engine
    from sales_assets.source.fingerprints import differences, raw_fingerprints, source_fingerprints

    settings = load_settings(env)
    window = days_window(daily_partitions(settings))
    seconds: dict[str, list[float]] = {"source_s": [], "warehouse_s": [], "total_s": []}
    with open_warehouse(settings) as warehouse:
        for _ in range(runs):
            began = time.perf_counter()
            source = source_fingerprints(source_engine(settings.source_url, settings.source_dir), window)
            read = time.perf_counter()
            with warehouse.session() as query:
                raw = raw_fingerprints(query, window, source)
            found = differences(source, raw or {})
            ended = time.perf_counter()
            for name, value in (("source_s", read - began), ("warehouse_s", ended - read), ("total_s", ended - began)):
                seconds[name].append(value)
    return {name: round(statistics.median(values), 3) for name, values in seconds.items()} | {
        "differing_days": len({difference.day for difference in found})
    }


def prediction_costs(env: dict[str, str]) -> tuple[Measure, float, Measure]:
    """The predictive outputs with their backtests, each rebuilt alone in a process of its own over
    the full build: demand_forecast (and forecast_accuracy) materialized through Dagster, and the
    recommender's two dbt models run by dbt, as the weekly job runs them."""
    from dagster import AssetKey, DagsterInstance

    bin_dir = Path(PYTHON).parent
    select = "analytics/demand_forecast,analytics/forecast_accuracy"
    forecast = timed(
        [str(bin_dir / "dagster"), "asset", "materialize", "-m", "sales_assets.definitions", "--select", select], env
    )
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey(["analytics", "demand_forecast"]))
        fit = float(event.asset_materialization.metadata["fit_seconds"].value) if event else float("nan")
    dbt = [str(bin_dir / "dbt"), "run", "--profiles-dir", ".", "--target", "duckdb"]
    recommendations = timed(
        [*dbt, "--select", "recommendation_backtest customer_recommendations"], env, cwd=REPO / "dbt_project"
    )
    return forecast, fit, recommendations


def median_seconds(code: str, env: dict[str, str], runs: int = 3) -> float:
    return statistics.median(timed([PYTHON, "-c", code], env).wall_s for _ in range(runs))


def bench_scale(root: Path, scale: float, end: date) -> ScaleResult:
    result = ScaleResult(scale=scale)
    env = environment(root)
    result.generate = timed(
        [PYTHON, "-m", "sales_assets.sandbox", "generate", "--scale", str(scale), "--out", env["SALES_SOURCE_DIR"]], env
    )
    with sqlite3.connect(schema_file(root / "source", "Sales")) as conn:
        result.orders = conn.execute("select count(*) from SalesOrderHeader").fetchone()[0]
        result.lines = conn.execute("select count(*) from SalesOrderDetail").fetchone()[0]

    result.full_build = timed([PYTHON, "-m", "sales_assets.run"], env)
    _, result.full_build_steps = step_seconds(root / "dagster", "sales_pipeline")
    result.dlt_order_rows, result.dlt_seconds = dlt_order_load(root / "dagster", root / "warehouse.duckdb")
    floor_rows, result.floor_seconds = arrow_floor(root / "source", root / "floor.duckdb")
    assert floor_rows == result.dlt_order_rows, (floor_rows, result.dlt_order_rows)
    result.reconcile = reconciliation_seconds(env)
    result.forecast, result.forecast_fit_s, result.recommendations = prediction_costs(env)

    result.day = (end - timedelta(days=1)).isoformat()  # the schedule finalizes yesterday
    tags = json.dumps({"dagster/partition": result.day})
    command = ["dagster", "job", "execute", "-m", "sales_assets.definitions", "-j", "sales_daily", "--tags", tags]
    result.day_process = timed([str(Path(PYTHON).parent / command[0]), *command[1:]], env)
    result.day_run_s, result.day_steps = step_seconds(root / "dagster", "sales_daily")
    return result


def order_to_dashboard_latency(root: Path) -> dict[str, float]:
    """`make simulate` commits today's orders; how long until the analytics tables show them.

    `dagster dev` runs over the built setup with every sensor at its configured interval. The
    warehouse is read once, after the run that built today's partition finished (a reader
    polling DuckDB would hold the lock the run needs).
    """
    from dagster import DagsterInstance, DagsterRunStatus

    env = environment(root)
    dev = subprocess.Popen(
        dev_command(free_port()),
        env={**env, "VIRTUAL_ENV": sys.prefix},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    try:
        with DagsterInstance.get() as instance:
            _wait(lambda: _sensor_cursor(instance, "source_changes"), 180, "the source_changes sensor's first tick")
            committed = datetime.now(UTC)
            subprocess.run([PYTHON, "-m", "sales_assets.sandbox", "simulate"], env=env, cwd=REPO, check=True)

            def done() -> Any:
                return _run_covering(instance, date.today().isoformat(), after=committed.timestamp())

            record = _wait(done, 300, "a sales_daily run for today's partition")
            assert record.dagster_run.status == DagsterRunStatus.SUCCESS, record.dagster_run.run_id
    finally:
        # dagster dev waits for its daemon and runs on SIGTERM; what is still up a minute later is killed.
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    orders = (
        duckdb.connect(env["SALES_WAREHOUSE_PATH"], read_only=True)
        .execute("select order_count from analytics.sales_performance where order_date = current_date")
        .fetchone()
    )
    assert orders and orders[0] > 0, "today's orders are not in analytics.sales_performance"
    start = committed.timestamp()
    return {
        "requested_s": round(record.create_timestamp.timestamp() - start, 1),
        "run_started_s": round(record.start_time - start, 1),
        "latency_s": round(record.end_time - start, 1),
    }


def _run_covering(instance: Any, day: str, after: float) -> Any:
    """A finished sales_daily run created after `after` whose partition (or range) holds `day`."""
    from dagster import DagsterRunStatus, RunsFilter

    finished = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]
    for record in instance.get_run_records(RunsFilter(job_name="sales_daily", statuses=finished)):
        tags = record.dagster_run.tags
        first = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_start")
        last = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end")
        if first and first <= day <= last and record.create_timestamp.timestamp() > after:
            return record
    return None


def _sensor_cursor(instance: Any, name: str) -> str | None:
    for state in instance.all_instigator_state():
        if state.name == name and state.instigator_data is not None and state.instigator_data.cursor:
            return state.instigator_data.cursor
    return None


def _wait(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(1)
    raise TimeoutError(f"waited {timeout:.0f}s for {what}")


def report(results: list[ScaleResult], load: dict[str, float], latency: dict[str, float]) -> dict[str, Any]:
    first, last = results[0], results[-1]
    figures = {
        "definitions_load_s": load["definitions"],
        "library_import_s": load["libraries"],
        "day_run_s_sf1": first.day_run_s,
        "day_ratio_sf10_sf1": round(last.day_run_s / first.day_run_s, 2),
        "day_share_of_full_build_sf10": round(last.day_run_s / last.full_build.wall_s, 4),
        "ingest_share_of_floor": round(last.floor_seconds / last.dlt_seconds, 2),
        "latency_s": latency.get("latency_s", float("nan")),
        "peak_rss_gib": round(max(last.day_process.max_rss_mib, last.generate.max_rss_mib) / 1024, 2),
        "reconcile_s_sf1": first.reconcile["total_s"],
        "reconcile_s_sf10": last.reconcile["total_s"],
        "forecast_s_sf1": first.forecast.wall_s,
        "forecast_s_sf10": last.forecast.wall_s,
        "recommendations_s_sf1": first.recommendations.wall_s,
    }
    met = {
        name: figures[name] <= goal if name != "ingest_share_of_floor" else figures[name] >= goal
        for name, goal in TARGETS.items()
    }
    return {"results": [asdict(r) for r in results], "load": load, "latency": latency, "figures": figures, "met": met}


def _pair(first: float, second: float, digits: int = 0) -> str:
    return f"{first:.{digits}f} / {second:.{digits}f}"


def print_table(results: list[ScaleResult], summary: dict[str, Any]) -> None:
    def both(render: Any) -> list[str]:
        return [render(r) for r in results]

    steps = sorted({step for r in results for step in r.day_steps}, key=lambda s: (not s.startswith(("raw", "dbt")), s))
    rows = [
        ("orders / order lines", both(lambda r: f"{r.orders:,} / {r.lines:,}")),
        ("generate: wall s / peak RSS MiB", both(lambda r: _pair(r.generate.wall_s, r.generate.max_rss_mib))),
        (
            "full build: wall s / peak RSS MiB",
            both(lambda r: _pair(r.full_build.wall_s, r.full_build.max_rss_mib)),
        ),
        (f"one day's run ({results[0].day}), s", both(lambda r: f"{r.day_run_s:.1f}")),
        *((f"  {step}", both(lambda r, step=step: f"{r.day_steps.get(step, 0):.2f}")) for step in steps),
        (
            "  process: wall s / peak RSS MiB",
            both(lambda r: _pair(r.day_process.wall_s, r.day_process.max_rss_mib, 1)),
        ),
        ("dlt, order tables: rows/s", both(lambda r: f"{r.dlt_order_rows / r.dlt_seconds:,.0f}")),
        ("sqlite3 -> Arrow -> DuckDB: rows/s", both(lambda r: f"{r.dlt_order_rows / r.floor_seconds:,.0f}")),
        (
            "reconcile history: source / raw / total s",
            both(lambda r: " / ".join(f"{r.reconcile[k]:.2f}" for k in ("source_s", "warehouse_s", "total_s"))),
        ),
        (
            "forecasts + backtest: wall s / peak RSS MiB",
            both(lambda r: _pair(r.forecast.wall_s, r.forecast.max_rss_mib)),
        ),
        ("  of which fitting, s", both(lambda r: f"{r.forecast_fit_s:.1f}")),
        (
            "recommendations + backtest: wall s / peak RSS MiB",
            both(lambda r: _pair(r.recommendations.wall_s, r.recommendations.max_rss_mib)),
        ),
    ]
    width = max(len(label) for label, _ in rows) + 2
    print(f"\n{'':{width}}" + "".join(f"{f'SF{r.scale:g}':>24}" for r in results))
    for label, values in rows:
        print(f"{label:{width}}" + "".join(f"{value:>24}" for value in values))
    figures, met = summary["figures"], summary["met"]
    print("\ntarget                             measured   goal")
    for name, goal in TARGETS.items():
        sign = ">=" if name == "ingest_share_of_floor" else "<="
        print(f"  {name:32} {figures[name]!s:>8}   {sign} {goal:<6} {'met' if met[name] else 'NOT MET'}")
    print(f"  (the libraries alone import in {summary['load']['libraries']} s; latency {summary['latency']})")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sales_assets.measure.benchmark", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--out", type=Path, default=REPO / "data" / "benchmark.json")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary directory)")
    args = parser.parse_args()
    end = date.today()
    root = args.keep or Path(tempfile.mkdtemp(prefix="sales-bench-"))
    print(
        f"Benchmarking in {root}: history {DEFAULT_PARTITIONS_START} .. {end - timedelta(days=1)}, scales {args.scales}"
    )
    try:
        env = environment(root / "load")
        load = {
            "definitions": median_seconds("from sales_assets.definitions import defs; defs()", env),
            "libraries": median_seconds("import dagster, dagster_dbt, dagster_dlt, dlt.sources.sql_database", env),
        }
        results = []
        args.out.parent.mkdir(parents=True, exist_ok=True)
        for scale in args.scales:
            print(f"scale {scale:g}: generate, full build, one day ...", flush=True)
            results.append(bench_scale(root / f"sf{scale:g}", scale, end))
            # Kept as each scale finishes: a failure later in the run does not lose them.
            args.out.write_text(json.dumps({"results": [asdict(r) for r in results], "load": load}, default=str))
        print("order-to-dashboard latency under dagster dev ...", flush=True)
        try:
            latency = order_to_dashboard_latency(root / f"sf{args.scales[0]:g}")
        except (TimeoutError, AssertionError, subprocess.SubprocessError) as err:
            print(f"latency not measured: {err}", flush=True)
            latency = {"error": str(err)}
        summary = report(results, load, latency)
        args.out.write_text(json.dumps(summary, indent=2, default=str))
        print_table(results, summary)
        print(f"\nJSON: {args.out}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
