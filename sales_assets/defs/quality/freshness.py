"""Freshness: assets are expected to be refreshed daily, with the daily schedule's cadence.

Warn after 26 hours (a day plus slack for the 01:15 run), fail after 48 (a whole day missed).
What is refreshed weekly (recommendations, forecasts) warns after 8 days and fails after 15.
The UI shows each asset's state; alerting on it comes with the operations work.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import FreshnessPolicy

DAILY_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26))
WEEKLY_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(days=15), warn_window=timedelta(days=8))
