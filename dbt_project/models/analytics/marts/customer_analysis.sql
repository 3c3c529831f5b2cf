{%- set has_returns = relation_exists(source('raw', 'sales_return')) -%}

with

facts as (

    select * from {{ ref('fact_sales') }}

),

customers as (

    select * from {{ ref('stg_customers') }}

),

people as (

    select * from {{ ref('stg_people') }}

),

stores as (

    select * from {{ ref('stg_stores') }}

),

territories as (

    select * from {{ ref('stg_territories') }}

),

addresses as (

    select * from {{ ref('stg_addresses') }}

),

states as (

    select * from {{ ref('stg_state_provinces') }}

),

returns as (

    select * from {{ ref('stg_sales_returns') }}

),

orders as (

    select
        sales_order_id,
        customer_id,
        bill_to_address_id,
        min(order_date) as order_date,
        sum(line_total) as revenue,
        sum(total_due) as total_due

    from facts
    group by 1, 2, 3

),

latest_order as (

    {#- A customer's state/province is where their most recent order was billed. -#}
    select customer_id, bill_to_address_id
    from (
        select
            customer_id,
            bill_to_address_id,
            row_number() over (
                partition by customer_id order by order_date desc, sales_order_id desc
            ) as recency_rank
        from orders
    ) as ranked
    where recency_rank = 1

),

customer_orders as (

    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_count,
        sum(revenue) as revenue,
        sum(total_due) as total_due

    from orders
    group by 1

),

customer_returns as (

    {#- Value of returned units at the price paid for them. -#}
    select
        facts.customer_id,
        cast(sum(returns.return_qty) as {{ dbt.type_bigint() }}) as units_returned,
        sum(returns.return_qty * facts.line_total / facts.order_qty) as returned_value

    from returns
    inner join facts
        on returns.sales_order_id = facts.sales_order_id
        and returns.sales_order_detail_id = facts.sales_order_detail_id
    group by 1

),

as_of as (

    {#- Recency is measured from the latest order in the warehouse, so a static source (the real
        AdventureWorks ends in 2014) still gets meaningful segments. -#}
    select max(last_order_date) as as_of_date from customer_orders

),

recency as (

    select
        customer_orders.*,
        {{ dbt.datediff('customer_orders.last_order_date', 'as_of.as_of_date', 'day') }} as days_since_last_order

    from customer_orders
    cross join as_of

),

scored as (

    select
        *,
        case
            when days_since_last_order <= 90 then 5
            when days_since_last_order <= 180 then 4
            when days_since_last_order <= 365 then 3
            when days_since_last_order <= 730 then 2
            else 1
        end as recency_score,
        case
            when order_count >= 10 then 5
            when order_count >= 5 then 4
            when order_count >= 3 then 3
            when order_count = 2 then 2
            else 1
        end as frequency_score,
        ntile(5) over (order by revenue, customer_id) as monetary_score

    from recency

)

select
    scored.customer_id,
    case
        when customers.customer_type = 'individual' then people.full_name
        else stores.store_name
    end as customer_name,
    customers.customer_type,
    territories.territory_name,
    states.state_province_name as state_province,
    scored.first_order_date,
    scored.last_order_date,
    scored.order_count,
    scored.revenue,
    scored.total_due,
    cast(scored.revenue / scored.order_count as decimal(19, 4)) as average_order_value,
    {% if has_returns -%}
    coalesce(customer_returns.units_returned, 0) as units_returned,
    cast(coalesce(customer_returns.returned_value, 0) as decimal(19, 4)) as returned_value,
    cast(scored.revenue - coalesce(customer_returns.returned_value, 0) as decimal(38, 6)) as lifetime_value,
    {%- else -%}
    cast(null as {{ dbt.type_bigint() }}) as units_returned,
    cast(null as decimal(19, 4)) as returned_value,
    cast(scored.revenue as decimal(38, 6)) as lifetime_value,
    {%- endif %}
    scored.days_since_last_order,
    scored.recency_score,
    scored.frequency_score,
    scored.monetary_score,
    case
        when scored.recency_score >= 4 and scored.frequency_score >= 4 then 'Champions'
        when scored.recency_score >= 3 and scored.frequency_score >= 3 then 'Loyal'
        when scored.recency_score >= 4 and scored.monetary_score >= 4 then 'Big spenders'
        when scored.recency_score >= 4 then 'New'
        when scored.recency_score = 3 then 'Needs attention'
        when scored.frequency_score >= 3 or scored.monetary_score >= 4 then 'At risk'
        else 'Lost'
    end as customer_segment

from scored
left join customers
    on scored.customer_id = customers.customer_id
left join people
    on customers.person_id = people.person_id
left join stores
    on customers.store_id = stores.store_id
left join territories
    on customers.territory_id = territories.territory_id
left join latest_order
    on scored.customer_id = latest_order.customer_id
left join addresses
    on latest_order.bill_to_address_id = addresses.address_id
left join states
    on addresses.state_province_id = states.state_province_id
{% if has_returns -%}
left join customer_returns
    on scored.customer_id = customer_returns.customer_id
{%- endif %}
