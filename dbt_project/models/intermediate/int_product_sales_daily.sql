{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Sales per product and order day: the additive part of product_demand, kept per day so a run
    rebuilds only its window's days and product_demand sums days instead of order lines. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

)

select
    cast(order_date as date) as order_date,
    product_id,
    count(distinct sales_order_id) as order_count,
    cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
    sum(line_total) as revenue,
    sum(discount_amount) as discount_amount,
    sum(gross_margin) as gross_margin

from facts
group by 1, 2
