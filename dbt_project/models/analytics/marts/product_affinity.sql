{{ config(tags=['weekly']) }}

{#- Market-basket affinity between products (macros/affinity.sql), from the daily pair counts,
    product_demand and sales_performance: tables of days x pairs, products and days, never order
    lines. Weekly, with the recommendations it feeds: summing every day's pairs (6 million rows at
    --scale 1) would add seconds to each day's run, and fifteen years of baskets do not change in
    a day. -#}
with

pairs as (

    select
        product_id,
        paired_product_id,
        cast(sum(orders_with_both) as {{ dbt.type_bigint() }}) as orders_with_both

    from {{ ref('int_product_pairs_daily') }}
    group by 1, 2

),

product_orders as (

    select product_id, product_name, order_count from {{ ref('product_demand') }}

),

all_orders as (

    select cast(sum(order_count) as double) as order_count from {{ ref('sales_performance') }}

)

{{ affinity_measures('pairs', 'product_orders', 'all_orders') }}
