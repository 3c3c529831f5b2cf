"""Bad or missing sources fail with errors that name what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetKey, Failure, RetryPolicy

from sales_assets.defs.ingest import assets as dlt_assets
from sales_assets.source.engine import SourceUnavailableError, sqlite_engine


def test_missing_embedded_source_names_the_files_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match=r"Sales\.sqlite.*generate"), sqlite_engine(tmp_path).connect():
        pass


def test_source_is_opened_read_only(small_source: Path) -> None:
    with sqlite_engine(small_source).connect() as conn:
        assert conn.execute(sa.text("select count(*) from Sales.SalesOrderHeader")).scalar() > 0
        with pytest.raises(sa.exc.OperationalError, match="readonly"):
            conn.execute(sa.text("delete from Sales.SalesOrderHeader"))


def test_run_against_missing_source_fails_clearly(
    tmp_path: Path, pipeline_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ingest retries an unreachable source (test_source_outage.py); here without the waits.
    monkeypatch.setattr(dlt_assets, "SOURCE_RETRY", RetryPolicy(max_retries=1, delay=0.1))
    pipeline = pipeline_factory(tmp_path / "nowhere")
    job = pipeline.defs.resolve_job_def("sales_pipeline")
    with pytest.raises(Failure, match=r"embedded SQLite at .*nowhere.*Sales\.sqlite.*SALES_SOURCE_DIR"):
        job.execute_in_process(
            instance=pipeline.instance,
            partition_key="2013-01-15",
            asset_selection=[AssetKey(["raw", "sales_order_header"])],
        )
