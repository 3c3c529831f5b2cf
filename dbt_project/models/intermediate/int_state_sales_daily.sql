{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Sales per billed state or province and order day (state_province_id NULL when the bill-to
    address is unknown): the additive part of sales_by_state_province. The state is the bill-to
    address's when the day is built. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

),

addresses as (

    select * from {{ ref('stg_addresses') }}

)

select
    cast(facts.order_date as date) as order_date,
    addresses.state_province_id,
    count(distinct facts.sales_order_id) as order_count,
    cast(sum(facts.order_qty) as {{ dbt.type_bigint() }}) as units_sold,
    sum(facts.line_total) as revenue,
    sum(facts.total_due) as total_due

from facts
left join addresses
    on facts.bill_to_address_id = addresses.address_id
group by 1, 2
