{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'window_column': 'order_date'},
    )
}}

{#- One row per order day; an update rebuilds the window's days only. -#}
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}

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
    daily.*,
    cast(daily.revenue / daily.order_count as decimal(19, 4)) as average_order_value,
    coalesce(discounted.discounted_order_count, 0) as discounted_order_count,
    coalesce(discounted.discounted_order_revenue, 0) as discounted_order_revenue

from daily
left join discounted
    on daily.order_date = discounted.order_date
