{#- Customers and revenue by the state or province each order was billed to. -#}
with

facts as (

    select * from {{ ref('fact_sales') }}

),

addresses as (

    select * from {{ ref('stg_addresses') }}

),

states as (

    select * from {{ ref('stg_state_provinces') }}

),

countries as (

    select * from {{ ref('stg_country_regions') }}

),

territories as (

    select * from {{ ref('stg_territories') }}

),

by_state as (

    select
        addresses.state_province_id,
        count(distinct facts.sales_order_id) as order_count,
        count(distinct facts.customer_id) as customer_count,
        cast(sum(facts.order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(facts.line_total) as revenue,
        sum(facts.total_due) as total_due

    from facts
    left join addresses
        on facts.bill_to_address_id = addresses.address_id
    group by 1

)

select
    by_state.state_province_id,
    states.state_province_code,
    coalesce(states.state_province_name, 'Unknown') as state_province_name,
    countries.country_region_name as country_region,
    territories.territory_name,
    by_state.customer_count,
    by_state.order_count,
    by_state.units_sold,
    by_state.revenue,
    by_state.total_due

from by_state
left join states
    on by_state.state_province_id = states.state_province_id
left join countries
    on states.country_region_code = countries.country_region_code
left join territories
    on states.territory_id = territories.territory_id
