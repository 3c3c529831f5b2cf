{{ config(materialized='view') }}

{#- A view: recency and the RFM scores depend on the as-of date and on every other customer, so a
    table of them would be rewritten whole every day. The per-customer history comes from
    int_customer_totals, which a run updates for the customers it touched; this view adds names,
    places and scores when it is read. -#}

with

totals as (

    select * from {{ ref('int_customer_totals') }}

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

as_of as (

    {#- Recency is measured from the latest order in the warehouse, so a static source (the real
        AdventureWorks ends in 2014) still gets meaningful segments. -#}
    select max(last_order_date) as as_of_date from totals

),

recency as (

    select
        totals.*,
        {{ dbt.datediff('totals.last_order_date', 'as_of.as_of_date', 'day') }} as days_since_last_order

    from totals
    cross join as_of

),

typical_gaps as (

    {#- For a customer with one order, the typical gap between orders of repeat customers of the
        same kind (individuals order far less often than stores). -#}
    select
        customers.customer_type,
        percentile_cont(0.5) within group (
            order by cast({{ dbt.datediff('totals.first_order_date', 'totals.last_order_date', 'day') }} as double)
                / (totals.order_count - 1)
        ) as typical_days_between_orders

    from totals
    inner join customers
        on totals.customer_id = customers.customer_id
    where totals.order_count > 1
    group by 1

),

expected as (

    {#- A customer's own average gap between orders (first to last over the gaps between them),
        at least a week so that two orders on one day do not make a day's silence "lapsed". -#}
    select
        recency.*,
        greatest(
            coalesce(
                case
                    when recency.order_count > 1
                        then cast({{ dbt.datediff('recency.first_order_date', 'recency.last_order_date', 'day') }} as double)
                            / (recency.order_count - 1)
                end,
                typical_gaps.typical_days_between_orders,
                365
            ),
            7
        ) as expected_days_between_orders

    from recency
    left join customers
        on recency.customer_id = customers.customer_id
    left join typical_gaps
        on customers.customer_type = typical_gaps.customer_type

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

    from expected

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
    scored.units_returned,
    cast(scored.returned_value as decimal(19, 4)) as returned_value,
    {#- Net of returns when they are known. Known or not is the row's (int_customer_totals decides
        it when it builds the customer), not whether raw.sales_return existed when this view was
        created: the daily job does not recreate views, so a branch taken then would outlive the
        first return. Each branch cast on its own: a double in the other would make revenue inexact. #}
    case
        when scored.returned_value is null then cast(scored.revenue as decimal(38, 6))
        else cast(scored.revenue - scored.returned_value as decimal(38, 6))
    end as lifetime_value,
    scored.days_since_last_order,
    scored.expected_days_between_orders,
    case
        when scored.days_since_last_order <= 1.5 * scored.expected_days_between_orders then 'active'
        when scored.days_since_last_order <= 3 * scored.expected_days_between_orders then 'at_risk'
        else 'lapsed'
    end as churn_risk,
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
left join addresses
    on scored.latest_bill_to_address_id = addresses.address_id
left join states
    on addresses.state_province_id = states.state_province_id
