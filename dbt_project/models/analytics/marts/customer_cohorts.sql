{{ config(materialized='view') }}

{#- Retention by acquisition month. A view, like customer_analysis: every new day changes the
    latest month of every cohort, so a table would be rewritten whole daily, while the view sums
    customer-days (int_customer_sales_daily) when it is read. The grid is dense: a cohort has a
    row for every month from its first through the latest month with orders, zero when nobody
    came back. -#}
with

daily as (

    select * from {{ ref('int_customer_sales_daily') }}

),

totals as (

    select * from {{ ref('int_customer_totals') }}

),

acquired as (

    select
        customer_id,
        {{ dbt.date_trunc('month', 'first_order_date') }} as cohort_month

    from totals

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers

    from acquired
    group by 1

),

monthly as (

    select
        customer_id,
        {{ dbt.date_trunc('month', 'order_date') }} as order_month,
        sum(revenue) as revenue

    from daily
    group by 1, 2

),

activity as (

    select
        acquired.cohort_month,
        monthly.order_month,
        count(*) as active_customers,
        sum(monthly.revenue) as revenue

    from monthly
    inner join acquired
        on monthly.customer_id = acquired.customer_id
    group by 1, 2

),

months as (

    select distinct order_month from monthly

),

grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        months.order_month

    from cohort_sizes
    inner join months
        on months.order_month >= cohort_sizes.cohort_month

)

select
    cast(grid.cohort_month as date) as cohort_month,
    cast({{ dbt.datediff('grid.cohort_month', 'grid.order_month', 'month') }} as integer) as months_since_first_order,
    cast(grid.order_month as date) as activity_month,
    grid.cohort_customers,
    coalesce(activity.active_customers, 0) as active_customers,
    cast(coalesce(activity.active_customers, 0) as double) / grid.cohort_customers as retention_rate,
    coalesce(activity.revenue, 0) as revenue,
    cast(
        sum(coalesce(activity.revenue, 0)) over (
            partition by grid.cohort_month
            order by grid.order_month
            rows between unbounded preceding and current row
        ) / grid.cohort_customers as decimal(19, 4)
    ) as cumulative_revenue_per_customer

from grid
left join activity
    on grid.cohort_month = activity.cohort_month
    and grid.order_month = activity.order_month
