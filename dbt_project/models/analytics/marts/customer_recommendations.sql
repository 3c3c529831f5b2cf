{{ config(tags=['weekly']) }}

{#- Recommendations for every customer (macros/recommend.sql), from product_affinity and the
    products still selling. Rebuilt whole, weekly: every customer's list moves with the
    affinities of all orders, so a per-day update of the customers who ordered would leave the
    others' lists computed against older affinities. -#}
{%- set recent_days = var('recommendation_recent_days') -%}

with

customers as (

    select customer_id from {{ ref('int_customer_totals') }}

),

bought as (

    select distinct customer_id, product_id from {{ ref('fact_sales') }}

),

affinity as (

    select * from {{ ref('product_affinity') }}

),

daily_sales as (

    select * from {{ ref('int_product_sales_daily') }}

),

selling as (

    {#- Products sold in the last recent_days days before the latest order: a product nobody buys
        any more is not offered. -#}
    select
        daily_sales.product_id,
        sum(daily_sales.order_count) as recent_orders

    from daily_sales
    cross join (select max(order_date) as as_of_date from daily_sales) as as_of
    where daily_sales.order_date > {{ dbt.dateadd('day', -recent_days, 'as_of.as_of_date') }}
    group by 1

),

recommended as (

    {{ recommend('customers', 'bought', 'affinity', 'selling') }}

)

select
    recommended.customer_id,
    cast(recommended.rank as integer) as rank,
    recommended.product_id,
    products.product_name,
    cast(recommended.score as double) as score,
    recommended.reason

from recommended
left join {{ ref('stg_products') }} as products
    on recommended.product_id = products.product_id
