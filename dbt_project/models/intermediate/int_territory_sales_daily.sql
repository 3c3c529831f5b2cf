{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Sales per sales territory and order day (territory_id NULL for orders without one): the
    additive part of sales_by_territory. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

)

select
    cast(order_date as date) as order_date,
    territory_id,
    count(distinct sales_order_id) as order_count,
    cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
    sum(line_total) as revenue,
    sum(total_due) as total_due

from facts
group by 1, 2
