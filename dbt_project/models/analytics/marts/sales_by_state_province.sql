{#- Customers and revenue by the state or province each order was billed to, summed from the daily
    intermediates (states x days) and the customers' billed states, never from order lines. -#}
with

daily as (

    select * from {{ ref('int_state_sales_daily') }}

),

customer_regions as (

    select * from {{ ref('int_customer_regions') }}

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

sales as (

    select
        state_province_id,
        cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
        cast(sum(units_sold) as {{ dbt.type_bigint() }}) as units_sold,
        sum(revenue) as revenue,
        sum(total_due) as total_due

    from daily
    group by 1

),

customers as (

    select
        state_province_id,
        count(distinct customer_id) as customer_count

    from customer_regions
    group by 1

),

by_state as (

    select
        sales.*,
        customers.customer_count

    from sales
    left join customers
        on sales.state_province_id is not distinct from customers.state_province_id

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
