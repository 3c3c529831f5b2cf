{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        unique_key='customer_id',
        meta={'rebuilds': 'customers'},
    )
}}

{#- The sales territories and billed states each customer has ordered in, one row per combination:
    what sales_by_territory and sales_by_state_province count distinct customers over, without
    reading order lines. Updated for the customers the window touched. -#}
-- depends_on: {{ ref('stg_sales_returns') }}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where is_revenue
    {% if is_incremental() -%}
        and customer_id in ({{ touched_customers() }})
    {%- endif %}

),

addresses as (

    select * from {{ ref('stg_addresses') }}

)

select distinct
    facts.customer_id,
    facts.territory_id,
    addresses.state_province_id

from facts
left join addresses
    on facts.bill_to_address_id = addresses.address_id
