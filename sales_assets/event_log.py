"""Dagster's SQLite event log, writing a batch of events in one transaction.

A single-run backfill of years of daily partitions records one materialization per partition
per asset: tens of thousands of events. Dagster hands them to storage in batches when
DAGSTER_EVENT_BATCH_SIZE is set, but the stock SQLite storage still opens a new engine and
commits once per event, which makes recording a backfill take far longer than running it. This
subclass writes each batch in one transaction per database file; everything else, including
the files it writes, is the stock storage's. Configured in `sales_assets/dagster.yaml`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from dagster._config import Field, StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData


def _batchable(event: EventLogEntry) -> bool:
    # Plain logs and asset events only; run-status and check events keep the stock path.
    return not event.is_dagster_event or event.dagster_event_type in ASSET_EVENTS


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    @classmethod
    def config_type(cls) -> Mapping[str, Any]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> BatchingSqliteEventLogStorage:
        # Same place as the stock storage: $DAGSTER_HOME/history/runs.
        base_dir = config_value.get("base_dir") or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not all(_batchable(event) for event in events):
            for event in events:
                self.store_event(event)
            return
        statements = [(event, self.prepare_insert_event(event)) for event in events]
        by_run: dict[str, list] = defaultdict(list)
        for event, statement in statements:
            by_run[event.run_id].append(statement)
        for run_id, run_statements in by_run.items():
            with self.run_connection(run_id) as conn:
                for statement in run_statements:
                    conn.execute(statement)
        asset_events = [(e, s) for e, s in statements if e.is_dagster_event]
        if not asset_events:
            return
        # Mirrored into the cross-run index, as SqliteEventLogStorage.store_event does per event.
        with self.index_transaction() as conn:
            ids = [conn.execute(statement).inserted_primary_key[0] for _, statement in asset_events]
            self._store_asset_event_tags(conn, [event for event, _ in asset_events], ids)
            for (event, _), event_id in zip(asset_events, ids, strict=True):
                self._store_asset_event(conn, event, event_id)
