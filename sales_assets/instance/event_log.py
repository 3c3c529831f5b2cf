"""Dagster's SQLite event log, recording a single-run backfill in seconds rather than minutes.

A single-run backfill of years of daily partitions records one materialization per partition per
asset: with 5,668 days and 16 partitioned assets, about 90,000 events. The stock SQLite storage
stores them one by one (a new engine and a commit per event) and inspects the asset table's
columns again for every event. This subclass stores the same rows in the same files, with the
work done once:

- a batch of events (Dagster hands them over in batches when DAGSTER_EVENT_BATCH_SIZE is set) is
  written in one transaction per database file;
- the cross-run asset index is updated once per asset and event type for a batch, with the last
  event of that asset and type (what the per-event updates leave behind).

Everything else, and everything it reads, is the stock storage's. Configured in
`sales_assets/instance/dagster.yaml`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy.exc as db_exc
from dagster._config import Field, StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import AssetKeyTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection


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
            latest = {
                (event.dagster_event.asset_key, event.dagster_event_type): (event, event_id)
                for (event, _), event_id in zip(asset_events, ids, strict=True)
            }
            has_index_columns = self._has_asset_key_index_cols_on_connection(conn)
            for event, event_id in sorted(latest.values(), key=lambda pair: pair[1]):  # in the order stored
                self._store_latest_asset_event(conn, event, event_id, has_index_columns)

    def _store_latest_asset_event(
        self, conn: Connection, event: EventLogEntry, event_id: int, has_index_columns: bool
    ) -> None:
        """SqlEventLogStorage._store_asset_event, with the asset table's columns inspected once per batch."""
        asset_key = event.dagster_event.asset_key
        values = self._get_asset_entry_values(event, event_id, has_index_columns) if asset_key else None
        if not values:
            return
        try:
            conn.execute(AssetKeyTable.insert().values(asset_key=asset_key.to_string(), **values))
        except db_exc.IntegrityError:
            update = AssetKeyTable.update().values(**values)
            conn.execute(update.where(AssetKeyTable.c.asset_key == asset_key.to_string()))
