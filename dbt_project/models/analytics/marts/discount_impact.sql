{#- Discounts by special offer and discount band, and how orders with a discounted line compare
    with orders that have none. Summed from the daily intermediates, never from order lines. -#}
with

daily as (

    select * from {{ ref('int_offer_sales_daily') }}

),

performance as (

    select * from {{ ref('sales_performance') }}

),

offers as (

    select * from {{ ref('stg_special_offers') }}

),

by_offer as (

    select
        special_offer_id,
        discount_band,
        cast(sum(line_count) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
        cast(sum(units_sold) as {{ dbt.type_bigint() }}) as units_sold,
        sum(revenue) as revenue,
        sum(discount_amount) as discount_amount,
        sum(gross_margin) as gross_margin,
        sum(gross_revenue) as gross_revenue,
        sum(order_value) as order_value

    from daily
    group by 1, 2

),

baseline as (

    select
        sum(discounted_order_revenue) / nullif(sum(discounted_order_count), 0) as avg_order_value_with_discount,
        (sum(revenue) - sum(discounted_order_revenue))
            / nullif(sum(order_count) - sum(discounted_order_count), 0) as avg_order_value_without_discount

    from performance

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
    by_offer.gross_margin,
    cast(by_offer.gross_margin / nullif(by_offer.revenue, 0) as double) as margin_rate,
    cast(by_offer.discount_amount / nullif(by_offer.gross_revenue, 0) as double) as discount_rate,
    cast(by_offer.order_value / by_offer.order_count as decimal(19, 4)) as avg_order_value,
    cast(baseline.avg_order_value_with_discount as decimal(19, 4)) as avg_order_value_with_discount,
    cast(baseline.avg_order_value_without_discount as decimal(19, 4)) as avg_order_value_without_discount

from by_offer
left join offers
    on by_offer.special_offer_id = offers.special_offer_id
cross join baseline
