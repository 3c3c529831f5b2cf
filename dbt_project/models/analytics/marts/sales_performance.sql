{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- One row per day with orders booked; an update rebuilds the days of its window (and those its
    orders moved from) only. Figures are net (revenue orders: macros/order_status.sql), beside
    what was booked, Rejected and Cancelled orders included. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

booked_facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}

),

facts as (

    select * from booked_facts
    where is_revenue

),

booked as (

    select
        cast(order_date as date) as order_date,
        count(distinct sales_order_id) as booked_order_count,
        sum(line_total) as booked_revenue

    from booked_facts
    group by 1

),

daily as (

    select
        cast(order_date as date) as order_date,
        count(distinct sales_order_id) as order_count,
        count(distinct case when is_online_order then sales_order_id end) as online_order_count,
        count(distinct customer_id) as customer_count,
        count(*) as line_count,
        cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(line_total) as revenue,
        sum(discount_amount) as discount_amount,
        sum(gross_margin) as gross_margin,
        sum(subtotal) as subtotal,
        sum(tax_amount) as tax_amount,
        sum(freight) as freight,
        sum(total_due) as total_due

    from facts
    group by 1

),

orders as (

    select
        sales_order_id,
        cast(min(order_date) as date) as order_date,
        sum(line_total) as order_revenue,
        max(case when unit_price_discount > 0 then 1 else 0 end) as has_discount

    from facts
    group by 1

),

discounted as (

    {#- Orders with at least one discounted line: discount_impact compares them with the rest. -#}
    select
        order_date,
        count(*) as discounted_order_count,
        sum(order_revenue) as discounted_order_revenue

    from orders
    where has_discount = 1
    group by 1

)

select
    booked.order_date,
    coalesce(daily.order_count, 0) as order_count,
    coalesce(daily.online_order_count, 0) as online_order_count,
    coalesce(daily.customer_count, 0) as customer_count,
    coalesce(daily.line_count, 0) as line_count,
    coalesce(daily.units_sold, 0) as units_sold,
    coalesce(daily.revenue, 0) as revenue,
    coalesce(daily.discount_amount, 0) as discount_amount,
    coalesce(daily.gross_margin, 0) as gross_margin,
    coalesce(daily.subtotal, 0) as subtotal,
    coalesce(daily.tax_amount, 0) as tax_amount,
    coalesce(daily.freight, 0) as freight,
    coalesce(daily.total_due, 0) as total_due,
    {#- NULL on a day whose every order was cancelled: there is no average of no orders. #}
    cast(daily.revenue / daily.order_count as decimal(19, 4)) as average_order_value,
    coalesce(discounted.discounted_order_count, 0) as discounted_order_count,
    coalesce(discounted.discounted_order_revenue, 0) as discounted_order_revenue,
    booked.booked_order_count,
    booked.booked_revenue

from booked
left join daily
    on booked.order_date = daily.order_date
left join discounted
    on booked.order_date = discounted.order_date
