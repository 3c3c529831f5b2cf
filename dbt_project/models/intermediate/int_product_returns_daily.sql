{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'return_days', 'window_column': 'return_date'},
    )
}}

{#- Units returned per product and return day (returns load by return date, so their window is a
    window of return dates; a run also rebuilds the return days of its orders' returns, whose
    lines it may have changed). Returns of revenue lines only. Empty when the source has no
    returns table. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

returns as (

    select * from {{ ref('stg_sales_returns') }}
    where {{ incremental_window('return_date', 'return_days') }}

),

facts as (

    select * from {{ ref('fact_sales') }}
    where is_revenue

)

select
    cast(returns.return_date as date) as return_date,
    facts.product_id,
    cast(sum(returns.return_qty) as {{ dbt.type_bigint() }}) as units_returned

from returns
inner join facts
    on returns.sales_order_id = facts.sales_order_id
    and returns.sales_order_detail_id = facts.sales_order_detail_id
group by 1, 2
