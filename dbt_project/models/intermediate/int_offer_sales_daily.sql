{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Lines per special offer, discount band and order day: the additive part of discount_impact.
    order_value is the summed revenue of the orders holding such a line (each order once), so
    order_value / order_count over any days is their average order value. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

),

banded as (

    select
        *,
        {{ discount_band('unit_price_discount') }} as discount_band

    from facts

),

orders as (

    select
        sales_order_id,
        sum(line_total) as order_revenue

    from facts
    group by 1

),

by_offer as (

    select
        cast(order_date as date) as order_date,
        special_offer_id,
        discount_band,
        count(*) as line_count,
        count(distinct sales_order_id) as order_count,
        cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(line_total) as revenue,
        sum(discount_amount) as discount_amount,
        sum(gross_margin) as gross_margin,
        sum(unit_price * order_qty) as gross_revenue

    from banded
    group by 1, 2, 3

),

offer_orders as (

    select
        offer_lines.order_date,
        offer_lines.special_offer_id,
        offer_lines.discount_band,
        sum(orders.order_revenue) as order_value

    from (
        select distinct cast(order_date as date) as order_date, special_offer_id, discount_band, sales_order_id
        from banded
    ) as offer_lines
    inner join orders
        on offer_lines.sales_order_id = orders.sales_order_id
    group by 1, 2, 3

)

select
    by_offer.*,
    offer_orders.order_value

from by_offer
inner join offer_orders
    on by_offer.order_date = offer_orders.order_date
    and by_offer.special_offer_id = offer_orders.special_offer_id
    and by_offer.discount_band = offer_orders.discount_band
