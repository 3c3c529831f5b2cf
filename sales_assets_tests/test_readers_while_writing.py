"""Readers never break the pipeline, and never see a half-written warehouse.

`make run` (its own process, as people run it) builds a month while another process queries
the warehouse every 50 ms through the dashboard's reader, as the dashboard does per query. Before
the published copy (sales_assets/core/publish.py), such a reader made the run fail within a minute on
DuckDB's file lock. Now the run succeeds, the reader never errs, and every answer it gets is one
published state: the first half-month's, or the whole month's, never anything in between.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sales_assets.core.publish import published_path
from sales_assets.dashboard.connection import DuckDBReader
from sales_assets.sandbox.generator import generate
from sales_assets_tests.conftest import SMALL, make_settings
from sales_assets_tests.daemon import deployment_env
from sales_assets_tests.source_rows import connect, line_money

START, MIDDLE, END = date(2013, 1, 1), date(2013, 1, 16), date(2013, 2, 1)
PROBE = """
import json, sys, time
from sales_assets.dashboard.connection import open_reader
from sales_assets.core.settings import load_settings

out = open(sys.argv[1], "a", buffering=1)
with open_reader(load_settings()) as reader:
    while True:
        try:
            count, total = reader.query("select count(*), sum(line_total) from analytics.fact_sales")[0]
            out.write(json.dumps({"count": count, "total": str(total)}) + "\\n")
        except Exception as err:  # every failure is recorded: the test counts them
            out.write(json.dumps({"error": f"{type(err).__name__}: {err}"}) + "\\n")
        time.sleep(0.05)
"""


def source_totals(source: Path, end: date) -> tuple[int, Decimal]:
    rows = connect(source).execute(
        "select d.LineTotal from Sales.SalesOrderDetail d "
        "join Sales.SalesOrderHeader h using (SalesOrderID) where h.OrderDate < ?",
        (f"{end} 00:00:00",),
    )
    lines = [line_money(total) for (total,) in rows]
    return len(lines), sum(lines, Decimal(0))


def make_run(env: dict[str, str], end: date) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sales_assets.run"],
        env={**env, "SALES_PARTITIONS_END": end.isoformat()},
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.reliability  # two minutes; `make test` keeps the fast proofs (test_publish, test_dashboard)
def test_make_run_succeeds_while_the_dashboard_reads_every_50_ms(
    tmp_path: Path, figures: Callable[[str], None]
) -> None:
    source = tmp_path / "source"
    generate(source, replace(SMALL, start=START, end=END))
    settings = make_settings(tmp_path, source)
    env = deployment_env(settings, tmp_path / "dagster")  # make_run sets the partitions' end
    first = make_run(env, MIDDLE)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    answers = tmp_path / "answers.jsonl"
    probe = subprocess.Popen([sys.executable, "-c", PROBE, str(answers)], env=env)
    try:
        second = make_run(env, END)
    finally:
        probe.kill()
        probe.wait(timeout=30)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    seen = [json.loads(line) for line in answers.read_text().splitlines()]
    errors = [answer["error"] for answer in seen if "error" in answer]
    assert not errors, errors[:5]
    states = [(answer["count"], Decimal(answer["total"])) for answer in seen]
    first_half, both = source_totals(source, MIDDLE), source_totals(source, END)
    figures(f"{len(states)} reads while make run wrote, {len(errors)} errors, states seen: {sorted(set(states))}")
    assert len(states) > 100  # the run took a while, and the reader read throughout
    assert set(states) <= {first_half, both}, set(states) - {first_half, both}
    assert states[0] == first_half  # the last good data while the run wrote
    # The published copy now holds the whole month: the next read sees it.
    reader = DuckDBReader(published_path(settings.warehouse_path))
    assert tuple(reader.query("select count(*), sum(line_total) from analytics.fact_sales")[0]) == both
