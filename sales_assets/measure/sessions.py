"""The people of the load test: dashboard users changing filters at random through Streamlit's own
protocol, and Dagster UI users polling the asset catalog and the runs list; what each request cost.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import httpx

from sales_assets.measure.graphql import (
    ASSETS_QUERY,
    RUNS_QUERY,
    TIMEOUT_S,
    GraphQLError,
    answer,
)
from sales_assets.measure.streamlit_client import (
    Page,
    SessionError,
    StreamlitSession,
    Widget,
    date_state,
    multiselect_state,
)

CACHE_TTL_S = 30  # the dashboard's st.cache_data(ttl=30): a filter repeated within it is not queried again
NOT_BUILT = "**Not built yet.**"  # the looking-ahead tabs' note when a model is missing


# --- what is measured -----------------------------------------------------------------------------


@dataclass
class Target:
    """One kind of request: the latencies of those that succeeded, and what went wrong with the others."""

    seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, message: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(message[:300])

    def summary(self) -> dict[str, Any]:
        ms = sorted(s * 1000 for s in self.seconds)
        errors = sum(self.errors.values())
        return {
            "requests": len(ms) + errors,
            "errors": errors,
            "error_kinds": self.errors,
            "error_examples": self.examples,
            "p50_ms": round(percentile(ms, 0.50)),
            "p95_ms": round(percentile(ms, 0.95)),
            "max_ms": round(ms[-1]) if ms else 0,
        }


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


@dataclass(frozen=True)
class Choice:
    """The sidebar as a person left it."""

    first: str
    last: str
    territories: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass
class Observed:
    """What the sessions saw, to show that the load was real: filters reached the app and changed its figures."""

    revenue: dict[Choice, set[str]] = field(default_factory=dict)
    last_seen: dict[Choice, float] = field(default_factory=dict)
    repeats_within_ttl: int = 0
    last_dates: set[str] = field(default_factory=set)  # the date filter's upper bound: moves when a run publishes
    changes_per_session: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        by_dates: dict[tuple[str, str], set[str]] = {}
        for choice, figures in self.revenue.items():
            by_dates.setdefault((choice.first, choice.last), set()).update(figures)
        return {
            "changes_per_session": self.changes_per_session,
            "distinct_filters": len(self.revenue),
            "distinct_revenue_figures": len(set().union(*self.revenue.values())),
            # A date range shown with different revenue under different territories or categories.
            "other_filters_change_figures": any(len(figures) > 1 for figures in by_dates.values()),
            "repeats_within_cache_ttl": self.repeats_within_ttl,
            "last_dates_seen": sorted(self.last_dates),
        }


# --- a person on the dashboard --------------------------------------------------------------------


def widget_states(widgets: dict[str, Widget], choice: Choice) -> list:
    # Every widget every time, as the frontend does: the server keeps a widget's old state when it is left out.
    return [
        date_state(widgets["dates"], choice.first, choice.last),
        multiselect_state(widgets["territories"], choice.territories),
        multiselect_state(widgets["categories"], choice.categories),
    ]


def change(current: Choice, default: Choice, widgets: dict[str, Widget], rng: random.Random) -> Choice:
    """A person's next click: a random date range, territory or category, or back to the defaults."""
    # Mostly dates (hundreds of ranges, so few repeats hit the 30 s cache), then one territory or category.
    (action,) = rng.choices(("dates", "territories", "categories", "clear"), weights=(3, 2, 2, 1))
    if action == "dates":
        low, high = (date.fromisoformat(d.replace("/", "-")) for d in (widgets["dates"].min, widgets["dates"].max))
        first = low + timedelta(days=rng.randint(0, (high - low).days))
        last = first + timedelta(days=rng.randint(0, (high - first).days))
        return replace(current, first=first.isoformat(), last=last.isoformat())
    if action != "clear":
        return replace(current, **{action: (rng.choice(widgets[action].options),)})
    return default


def check(page: Page, choice: Choice, baseline: set[str]) -> None:
    """The page is the dashboard for exactly these filters: the overview's caption names the dates."""
    if "Revenue" not in page.metrics:
        raise SessionError("unavailable", "; ".join(body for _, body in page.alerts) or "no headline figures")
    if not any(text.startswith(f"{choice.first} – {choice.last} (") for text in page.texts):
        raise SessionError("filter", f"the page does not show {choice.first} – {choice.last}")
    if missing := {body for _, body in page.alerts if body.startswith(NOT_BUILT)} - baseline:
        raise SessionError("not_built", missing.pop())


async def dashboard_session(
    url: str, deadline: float, think: float, rng: random.Random, targets: dict[str, Target], seen: Observed
) -> None:
    """Open the page, then change a filter, wait for the page, pause, again, until the deadline."""
    session, changes, page = StreamlitSession(url, TIMEOUT_S), 0, None
    await asyncio.sleep(rng.uniform(0, 5))  # people arrive over a few seconds, not in one instant
    try:
        while page is None and time.monotonic() < deadline:
            try:
                page, seconds = await session.run()
                targets["dashboard_opens"].seconds.append(seconds)
            except SessionError as err:
                targets["dashboard_opens"].fail(err.kind, str(err))
                await asyncio.sleep(think)
        if page is None:
            return
        widgets = page.widgets
        if not {"dates", "territories", "categories"} <= widgets.keys():
            targets["dashboard_opens"].fail("widgets", f"the sidebar's widgets are missing: found {sorted(widgets)}")
            return
        default = current = Choice(widgets["dates"].default[0], widgets["dates"].default[-1])
        baseline = {body for _, body in page.alerts if body.startswith(NOT_BUILT)}  # models never built are no error
        while time.monotonic() < deadline:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            current = change(current, default, widgets, rng)
            now = time.monotonic()
            seen.repeats_within_ttl += int(now - seen.last_seen.get(current, -CACHE_TTL_S) < CACHE_TTL_S)
            seen.last_seen[current] = now
            try:
                page, seconds = await session.run(widget_states(widgets, current))
                check(page, current, baseline)
            except SessionError as err:
                targets["dashboard_reruns"].fail(err.kind, str(err))
                continue
            targets["dashboard_reruns"].seconds.append(seconds)
            changes += 1
            seen.revenue.setdefault(current, set()).add(page.metrics["Revenue"])
            widgets.update(page.widgets)  # the date bounds move when a run publishes new days
            seen.last_dates.add(widgets["dates"].max)
    finally:
        seen.changes_per_session.append(changes)
        await session.close()


# --- the Dagster UI's GraphQL, under load ------------------------------------------------------


async def graphql_client(
    url: str, keys: list[dict], deadline: float, think: float, rng: random.Random, targets: dict[str, Target]
) -> None:
    """A person with the Dagster UI open: the asset pages' live data and the runs list, in turn."""
    requests = (("graphql_assets", ASSETS_QUERY, {"assetKeys": keys}), ("graphql_runs", RUNS_QUERY, {"limit": 30}))
    turn = rng.randrange(2)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, trust_env=False) as client:
        while time.monotonic() < deadline:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            name, query, variables = requests[turn % 2]
            turn += 1
            began = time.perf_counter()
            try:
                answer(await client.post(url, json={"query": query, "variables": variables}))
                targets[name].seconds.append(time.perf_counter() - began)
            except GraphQLError as err:
                targets[name].fail(err.kind, str(err))
            except httpx.HTTPError as err:
                targets[name].fail("timeout" if isinstance(err, httpx.TimeoutException) else "http", repr(err))
