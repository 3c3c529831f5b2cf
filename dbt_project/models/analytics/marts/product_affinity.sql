{#- Market-basket affinity between products (macros/affinity.sql), rebuilt each run from the daily
    pair counts, product_demand and sales_performance: tables of days x pairs, products and days,
    never order lines. -#}
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
