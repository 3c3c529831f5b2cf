{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
    )
}}

{#- The sales territories and billed states each customer has ordered in, one row per combination:
    what sales_by_territory and sales_by_state_province count distinct customers over, without
    reading order lines. Updated for the customers the window touched. -#}
-- depends_on: {{ ref('stg_sales_returns') }}
with

facts as (

    select * from {{ ref('fact_sales') }}
    {% if is_incremental() -%}
    where customer_id in ({{ touched_customers() }})
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
