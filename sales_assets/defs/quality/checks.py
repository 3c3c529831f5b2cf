"""Python asset checks: the data-quality rules dbt's generic tests cannot state.

Each check runs with the partition (or single-run range) its asset was materialized for, reads
only that window (so its cost follows the partition's rows, like the load) and reports what failed
in metadata: counts, up to `MAX_KEYS` offending keys, the failing partitions. Checks guarding
correctness are blocking ERRORs: a failure stops the assets downstream in the same run from
building on bad data. Two are not blocking: orders dated in the future are outside every loaded
window (the loaded days are still right), and a revenue anomaly is a WARN for a person to look at.
"""

from collections.abc import Callable, Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    PartitionsDefinition,
    asset_check,
)

from sales_assets.core.partitions import naive_window
from sales_assets.core.resources import SalesSource
from sales_assets.core.warehouses import MissingRelationError, Warehouse
from sales_assets.defs.operations.jobs import FACT_SALES
from sales_assets.defs.quality.anomalies import TRAILING_DAYS, daily_revenue_in_trailing_range
from sales_assets.defs.quality.integrity import (
    customers_exist,
    line_values_in_range,
    no_orders_dated_in_future,
    order_dates_valid,
    products_and_offers_exist,
)
from sales_assets.defs.quality.reconciliation import allocations_sum_to_header, matches_source, order_totals_add_up
from sales_assets.defs.quality.results import CUSTOMER, DETAIL, HEADER, OFFER, PRODUCT, WARN, result, window_of
from sales_assets.source.queries import Window

Evaluate = Callable[[Window, SalesSource, Warehouse], AssetCheckResult]


def _evaluator(evaluate: Evaluate) -> Callable[..., AssetCheckResult]:
    def _check(context: AssetCheckExecutionContext, source: SalesSource, warehouse: Warehouse) -> AssetCheckResult:
        window = window_of(context)
        try:
            return evaluate(window, source, warehouse)
        except MissingRelationError as err:
            # A table the check compares against is not loaded yet (e.g. orders loaded without
            # the reference tables): say so as a WARN, which does not block, rather than pass.
            message = str(err)
            return result(window, {"not evaluated": window[0].date()}, f"Not evaluated: {message}", WARN)

    return _check


def build_checks(partitions_def: PartitionsDefinition) -> list[AssetChecksDefinition]:
    """The checks, each on the asset it judges. Order headers and lines load in one step, so a
    check on one may read the other; reference tables load in another, named as extra deps."""

    def check(
        name: str,
        asset: AssetKey,
        evaluate: Evaluate,
        description: str,
        deps: Sequence[AssetKey] = (),
        blocking: bool = True,
    ) -> AssetChecksDefinition:
        # Not partitioned (Dagster's partitioned checks are a preview feature): the check still
        # reads only its run's window, the run's partition or range. A partitioned check run over
        # a range records its one result for no partition, so the checks list called every day of
        # a backfill "Skipped" while the detail said "Passed", and working out per-day states over
        # 5,665 days took seconds on every asset page. See README, "Asset checks".
        return asset_check(
            name=name,
            asset=asset,
            blocking=blocking,
            additional_deps=list(deps),
            description=description,
        )(_evaluator(evaluate))

    def in_future(window: Window, source: SalesSource, _: Warehouse) -> AssetCheckResult:
        return no_orders_dated_in_future(window, source, naive_window(partitions_def.get_last_partition_window())[1])

    return [
        check(
            "matches_source",
            HEADER,
            matches_source,
            "Reconciliation: orders, lines, SUM(TotalDue) and "
            "SUM(LineTotal) of the window equal the source's, order by order; no duplicate line keys in the source.",
        ),
        check(
            "order_totals_add_up",
            HEADER,
            order_totals_add_up,
            "Every order's lines sum to its SubTotal, and "
            "TotalDue = SubTotal + TaxAmt + Freight; every order has lines.",
        ),
        check(
            "customers_exist",
            HEADER,
            customers_exist,
            "Referential integrity: every order names a customer (CustomerID not NULL) that Sales.Customer holds.",
            deps=[CUSTOMER],
        ),
        check("order_dates_valid", HEADER, order_dates_valid, "ShipDate and DueDate are not before OrderDate."),
        check(
            "no_orders_dated_in_future",
            HEADER,
            in_future,
            "No source order is dated after the last partition "
            "(it would never be loaded). Not blocking: the loaded days are still right.",
            blocking=False,
        ),
        check(
            "products_and_offers_exist",
            DETAIL,
            products_and_offers_exist,
            "Referential integrity: every order line names a known product and special offer.",
            deps=[PRODUCT, OFFER],
        ),
        check(
            "line_values_in_range",
            DETAIL,
            line_values_in_range,
            "OrderQty > 0, UnitPrice >= 0 and 0 <= UnitPriceDiscount < 1 on every order line.",
        ),
        check(
            "allocations_sum_to_header",
            FACT_SALES,
            allocations_sum_to_header,
            "fact_sales' allocated subtotal, tax, freight and total due of each order sum to the header exactly.",
            # fact_sales and the marts are built in one dbt step, so this check, which runs after
            # it, could hold nothing back; inside the step dbt's own tests on fact_sales gate the marts.
            blocking=False,
        ),
        check(
            "daily_revenue_in_trailing_range",
            FACT_SALES,
            daily_revenue_in_trailing_range,
            f"WARN when a day's "
            f"revenue leaves the range of the trailing {TRAILING_DAYS} days by a wide margin (above twice their "
            "maximum and ten times their median, or below half their minimum and a tenth of their median): an "
            "anomaly for a person to look at, not an error.",
            blocking=False,
        ),
    ]
