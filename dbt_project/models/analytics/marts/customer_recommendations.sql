{{ config(tags=['weekly']) }}

{#- Recommendations for every customer (macros/recommend.sql), from product_affinity and the
    products still selling. Rebuilt whole, weekly: every customer's list moves with the
    affinities of all orders, so a per-day update of the customers who ordered would leave the
    others' lists computed against older affinities. -#}
with

customers as (

    select customer_id from {{ ref('int_customer_totals') }}

),

bought as (

    select distinct customer_id, product_id from {{ ref('fact_sales') }}
    where is_revenue

),

affinity as (

    select * from {{ ref('product_affinity') }}

),

daily_sales as (

    select * from {{ ref('int_product_sales_daily') }}

),

as_of as (

    select max(order_date) as as_of_date from daily_sales

),

selling as (

    {#- Products sold recently: a product nobody buys any more is not offered. -#}
    {{ recent_product_orders('daily_sales', 'daily_sales.order_count', 'as_of') }}

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
