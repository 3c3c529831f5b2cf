"""The generated source: deterministic, keyed, and with totals consistent as in AdventureWorks."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path

import pytest

from sales_assets.source import generator, writer
from sales_assets.source import tables as t
from sales_assets.source.generator import _Individuals, _Weighted, build_rows, generate
from sales_assets_tests.conftest import END, SMALL, START
from sales_assets_tests.source_rows import connect, line_money, money

FOUR = Decimal("0.0001")


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    config = replace(SMALL, end=START.replace(day=10))
    first, again = build_rows(config), build_rows(config)
    assert first == again
    other = build_rows(replace(config, seed=config.seed + 1))
    assert other[t.SALES_ORDER_HEADER] != first[t.SALES_ORDER_HEADER]


def test_generate_writes_the_rows_build_rows_makes(small_source: Path) -> None:
    """Streamed in batches, the files hold every row, in order: rowid order is insertion order,
    except where an INTEGER primary key is the rowid."""
    conn = connect(small_source)
    for table, rows in build_rows(SMALL).items():
        written = conn.execute(f"select * from {table.qualified_name} order by rowid").fetchall()
        (key,) = table.primary_key if len(table.primary_key) == 1 else (None,)
        if key and dict(table.columns)[key].startswith("INTEGER"):
            rows = sorted(rows, key=lambda row: row[table.column_names.index(key)])
        assert written == rows, table.qualified_name  # equal as SQLite stores them: 1 == True, 0 == 0.0


def test_weighted_picks_draw_as_random_choices() -> None:
    """The generator's shortcut for `rng.choices(..., cum_weights=...)` must draw the same values."""
    population, weights = list("abcdefgh"), [5, 0, 2.5, 1, 0, 7, 3, 0.5]
    ours, theirs = random.Random(3), random.Random(3)
    picks, cum = _Weighted(population, weights), list(accumulate(weights))
    for k in (1, 3, 72, 0, 5):
        assert picks.picks(ours, k) == theirs.choices(population, cum_weights=cum, k=k)
        assert picks.pick(ours) == theirs.choices(population, cum_weights=cum)[0]


def test_individuals_pick_as_a_list_of_tuples() -> None:
    individuals = _Individuals({1: 800, 7: 1960})
    plain = [individuals.append(11000 + i, 1 if i % 3 else 7, 5 + i) for i in range(1000)]
    assert [individuals[i] for i in range(len(individuals))] == plain
    assert plain[:2] == [(11000, 7, 5, 1960), (11001, 1, 6, 800)]
    ours, theirs = random.Random(5), random.Random(5)
    assert [ours.choice(individuals) for _ in range(100)] == [theirs.choice(plain) for _ in range(100)]


def _digest(directory: Path) -> dict[str, str]:
    """Every entry's bytes: a temporary directory left behind shows as one more entry."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in directory.iterdir()}


TINY = replace(SMALL, end=START + timedelta(days=3))


@pytest.fixture
def existing_source(tmp_path: Path) -> Path:
    directory = tmp_path / "source"
    generate(directory, TINY)
    return directory


def test_failing_generator_leaves_the_existing_source_untouched(
    existing_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(existing_source)
    monkeypatch.setattr(generator, "BATCH_ROWS", 50)  # several batches are written before the failure

    def rate(day: date) -> float:
        if day >= START + timedelta(days=20):
            raise RuntimeError("generator failed")
        return 40.0

    monkeypatch.setattr(generator, "daily_rate", rate)
    with pytest.raises(RuntimeError, match="generator failed"):
        generate(existing_source, SMALL)
    assert _digest(existing_source) == before  # same files, same bytes, no temporary directory left


def test_failing_writer_leaves_the_existing_source_untouched(
    existing_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(existing_source)
    create_indexes = writer.create_indexes

    def fail_late(conn, table: t.SourceTable, schema: str | None = None, led_by_date: bool | None = None) -> None:
        if table is t.SALES_ORDER_DETAIL and led_by_date is False:  # in the worker, after every row
            raise OSError("disk full")
        create_indexes(conn, table, schema, led_by_date)

    monkeypatch.setattr(writer, "create_indexes", fail_late)  # the forked workers inherit it
    with pytest.raises(RuntimeError, match=r"Sales\.sqlite writer"):
        generate(existing_source, SMALL)
    assert _digest(existing_source) == before


def test_killed_generator_leaves_the_existing_source_untouched_and_no_files_behind(existing_source: Path) -> None:
    """SIGKILL runs no cleanup: the workers see their input end, delete their files and exit."""
    before = _digest(existing_source)
    script = f"""
import datetime, os, signal, sys
from sales_assets.source import generator as g

def rate(day):
    if day >= {START + timedelta(days=20)!r}:
        os.kill(os.getpid(), signal.SIGKILL)
    return 40.0

g.BATCH_ROWS, g.daily_rate = 50, rate
g.generate(sys.argv[1], g.{SMALL!r})
"""
    # Waits for the workers too: they hold the output pipes until they exit.
    result = subprocess.run(
        [sys.executable, "-c", script, str(existing_source)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == -9, result.stderr
    deadline = time.monotonic() + 30
    while _digest(existing_source) != before and time.monotonic() < deadline:
        time.sleep(0.1)  # the orphaned workers are still exiting
    assert _digest(existing_source) == before


def test_primary_keys_unique(small_source: Path) -> None:
    conn = connect(small_source)
    for table in t.ALL_TABLES:
        keys = ", ".join(f'"{c}"' for c in table.primary_key)
        total, distinct = conn.execute(
            f"select count(*), (select count(*) from (select distinct {keys} from {table.qualified_name})) "
            f"from {table.qualified_name}"
        ).fetchone()
        assert total > 0, table.qualified_name
        assert total == distinct, f"duplicate keys in {table.qualified_name}"


def test_product_names_are_unique_as_in_adventureworks(small_source: Path) -> None:
    conn = connect(small_source)
    names, distinct = conn.execute("select count(Name), count(distinct Name) from Production.Product").fetchone()
    assert names == distinct == 504


def test_line_and_order_totals_are_exact(small_source: Path) -> None:
    conn = connect(small_source)
    line_sums: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, qty, price, discount, line_total in conn.execute(
        "select SalesOrderID, OrderQty, UnitPrice, UnitPriceDiscount, LineTotal from Sales.SalesOrderDetail"
    ):
        expected = money(price) * (1 - money(discount)) * qty
        assert line_money(line_total) == expected, f"LineTotal of order {order_id}"
        line_sums[order_id] += expected
    headers = conn.execute("select SalesOrderID, SubTotal, TaxAmt, Freight, TotalDue from Sales.SalesOrderHeader")
    for order_id, subtotal, tax, freight, total_due in headers:
        assert money(subtotal) == line_sums[order_id].quantize(FOUR, ROUND_HALF_UP), f"SubTotal of {order_id}"
        assert money(total_due) == money(subtotal) + money(tax) + money(freight), f"TotalDue of {order_id}"
        assert money(tax) > 0 and money(freight) > 0


def test_shape_follows_adventureworks(small_source: Path) -> None:
    conn = connect(small_source)
    lines_per_order = dict(
        conn.execute(
            "select h.OnlineOrderFlag, max(n) from Sales.SalesOrderHeader h join "
            "(select SalesOrderID, count(*) n from Sales.SalesOrderDetail group by 1) d using (SalesOrderID) group by 1"
        ).fetchall()
    )
    assert lines_per_order[1] <= 8 and lines_per_order[0] <= 72
    # Online orders come from individuals, reseller orders from store contacts.
    kinds = dict(
        conn.execute(
            "select h.OnlineOrderFlag, group_concat(distinct "
            "case when c.PersonID is not null and c.StoreID is not null then 'contact' "
            "when c.StoreID is not null then 'store' else 'individual' end) "
            "from Sales.SalesOrderHeader h join Sales.Customer c using (CustomerID) group by 1"
        ).fetchall()
    )
    assert kinds == {1: "individual", 0: "contact"}
    first, last = conn.execute("select min(OrderDate), max(OrderDate) from Sales.SalesOrderHeader").fetchone()
    assert first >= f"{START} 00:00:00" and last < f"{END} 00:00:00"
    assert conn.execute("select count(*) from Sales.SalesOrderDetail where UnitPriceDiscount > 0").fetchone()[0] > 0


def test_returns_reference_real_lines(small_source: Path) -> None:
    conn = connect(small_source)
    bad = conn.execute(
        "select r.SalesReturnID from Sales.SalesReturn r left join Sales.SalesOrderDetail d "
        "using (SalesOrderID, SalesOrderDetailID) left join Sales.SalesOrderHeader h using (SalesOrderID) "
        "where d.SalesOrderID is null or r.ReturnQty < 1 or r.ReturnQty > d.OrderQty "
        f"or r.ReturnDate <= h.OrderDate or r.ReturnDate >= '{END}'"
    ).fetchall()
    assert bad == []
    returned, lines = conn.execute(
        "select (select count(*) from Sales.SalesReturn), (select count(*) from Sales.SalesOrderDetail)"
    ).fetchone()
    assert 0 < returned < lines * 0.2


def test_no_returns_option_omits_the_table(source_without_returns: Path) -> None:
    conn = connect(source_without_returns)
    names = {row[0] for row in conn.execute("select name from Sales.sqlite_master where type = 'table'")}
    assert "SalesReturn" not in names and "SalesOrderHeader" in names


@pytest.mark.parametrize("args", [["--scale", "0.05", "--start", "2014-01-01", "--end", "2014-01-08"]])
def test_cli_generates_and_reports(tmp_path: Path, args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sales_assets.source", "generate", "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Sales.SalesOrderHeader" in out
    assert {p.name for p in tmp_path.glob("*.sqlite")} == {"Sales.sqlite", "Production.sqlite", "Person.sqlite"}


def test_cli_rejects_bad_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sales_assets.source", "generate", "--out", str(tmp_path), "--end", "2010-01-01"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "--end" in result.stderr
