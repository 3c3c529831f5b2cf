{#- Summed from the daily intermediates (territories x days) and the customers' territories, never
    from order lines. -#}
with

daily as (

    select * from {{ ref('int_territory_sales_daily') }}

),

customer_regions as (

    select * from {{ ref('int_customer_regions') }}

),

territories as (

    select * from {{ ref('stg_territories') }}

),

countries as (

    select * from {{ ref('stg_country_regions') }}

),

sales as (

    select
        territory_id,
        cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
        cast(sum(units_sold) as {{ dbt.type_bigint() }}) as units_sold,
        sum(revenue) as revenue,
        sum(total_due) as total_due

    from daily
    group by 1

),

customers as (

    select
        territory_id,
        count(distinct customer_id) as customer_count

    from customer_regions
    group by 1

),

by_territory as (

    select
        sales.*,
        customers.customer_count

    from sales
    left join customers
        on sales.territory_id is not distinct from customers.territory_id

)

{#- Every territory appears (zero where it sold nothing), and orders without a territory appear
    as one 'Unknown' row, so the totals reconcile with fact_sales. -#}
select
    coalesce(territories.territory_id, by_territory.territory_id) as territory_id,
    coalesce(territories.territory_name, 'Unknown') as territory_name,
    territories.territory_group,
    countries.country_region_name as country_region,
    coalesce(by_territory.order_count, 0) as order_count,
    coalesce(by_territory.customer_count, 0) as customer_count,
    coalesce(by_territory.units_sold, 0) as units_sold,
    coalesce(by_territory.revenue, 0) as revenue,
    coalesce(by_territory.total_due, 0) as total_due

from territories
full outer join by_territory
    on territories.territory_id = by_territory.territory_id
left join countries
    on territories.country_region_code = countries.country_region_code
