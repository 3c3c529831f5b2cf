"""The published copy: whole, replaced atomically, and left as it was when publishing fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sales_assets.core.publish import publish, published_path


def write(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create or replace table t as select range as i from range(?)", [rows])


def count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select count(*) from t").fetchone()[0]


def test_publish_replaces_the_copy_whole_and_a_failure_leaves_the_last_one(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    write(warehouse, 10)
    first = publish(warehouse)
    assert first.path == published_path(warehouse) == tmp_path / "published" / "warehouse.duckdb"
    assert count(first.path) == 10 and first.bytes == first.path.stat().st_size

    # A reader holding the published copy keeps the state it opened; the next open sees the new one.
    holder = duckdb.connect(str(first.path), read_only=True)
    write(warehouse, 25)
    publish(warehouse)
    assert holder.execute("select count(*) from t").fetchone()[0] == 10
    holder.close()
    assert count(first.path) == 25

    # Another process writing the warehouse: publishing fails, the published copy stays as it was.
    write(warehouse, 40)
    locker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "1"
        with pytest.raises(duckdb.IOException, match="lock"):
            publish(warehouse)
    finally:
        locker.stdin.close()
        locker.wait(timeout=30)
    assert count(first.path) == 25
    assert [p.name for p in first.path.parent.iterdir()] == ["warehouse.duckdb"]  # no temporary file left
