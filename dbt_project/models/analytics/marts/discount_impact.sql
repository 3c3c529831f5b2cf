{#- Discounts by special offer and discount band, and how orders with a discounted line compare
    with orders that have none. -#}
with

facts as (

    select * from {{ ref('fact_sales') }}

),

offers as (

    select * from {{ ref('stg_special_offers') }}

),

banded as (

    select
        *,
        case
            when unit_price_discount = 0 then '0% (none)'
            when unit_price_discount <= 0.05 then '1-5%'
            when unit_price_discount <= 0.10 then '6-10%'
            when unit_price_discount <= 0.20 then '11-20%'
            when unit_price_discount <= 0.35 then '21-35%'
            else '36% and over'
        end as discount_band

    from facts

),

orders as (

    select
        sales_order_id,
        sum(line_total) as order_revenue,
        max(case when unit_price_discount > 0 then 1 else 0 end) as has_discount

    from facts
    group by 1

),

baseline as (

    select
        avg(case when has_discount = 0 then order_revenue end) as avg_order_value_without_discount,
        avg(case when has_discount = 1 then order_revenue end) as avg_order_value_with_discount

    from orders

),

by_offer as (

    select
        banded.special_offer_id,
        banded.discount_band,
        count(*) as line_count,
        count(distinct banded.sales_order_id) as order_count,
        cast(sum(banded.order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(banded.line_total) as revenue,
        sum(banded.discount_amount) as discount_amount,
        sum(banded.unit_price * banded.order_qty) as gross_revenue

    from banded
    group by 1, 2

),

offer_orders as (

    {#- Average value of the orders that contain at least one line of this offer and band. -#}
    select
        banded.special_offer_id,
        banded.discount_band,
        avg(orders.order_revenue) as avg_order_value

    from (select distinct special_offer_id, discount_band, sales_order_id from banded) as banded
    inner join orders
        on banded.sales_order_id = orders.sales_order_id
    group by 1, 2

)

select
    by_offer.special_offer_id,
    offers.special_offer_description,
    offers.special_offer_type,
    offers.special_offer_category,
    offers.discount_pct,
    by_offer.discount_band,
    by_offer.line_count,
    by_offer.order_count,
    by_offer.units_sold,
    by_offer.gross_revenue,
    by_offer.discount_amount,
    by_offer.revenue,
    cast(by_offer.discount_amount / nullif(by_offer.gross_revenue, 0) as double) as discount_rate,
    cast(offer_orders.avg_order_value as decimal(19, 4)) as avg_order_value,
    cast(baseline.avg_order_value_with_discount as decimal(19, 4)) as avg_order_value_with_discount,
    cast(baseline.avg_order_value_without_discount as decimal(19, 4)) as avg_order_value_without_discount

from by_offer
left join offers
    on by_offer.special_offer_id = offers.special_offer_id
left join offer_orders
    on by_offer.special_offer_id = offer_orders.special_offer_id
    and by_offer.discount_band = offer_orders.discount_band
cross join baseline
