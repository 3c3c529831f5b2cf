{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Sales per customer and order day: what customer_cohorts counts (active customers and revenue
    per month since acquisition), kept per day so a run rebuilds its window's days only. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

)

select
    cast(order_date as date) as order_date,
    customer_id,
    count(distinct sales_order_id) as order_count,
    sum(line_total) as revenue,
    sum(gross_margin) as gross_margin

from facts
group by 1, 2
