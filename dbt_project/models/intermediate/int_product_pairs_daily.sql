{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
    )
}}

{#- Products bought together, per order day: for each pair of distinct products on one order
    (product_id < paired_product_id, each pair once), the day's orders holding both. The additive
    part of product_affinity, kept per day so a run rebuilds its window's days only. -#}
-- depends_on: {{ ref('int_order_placements') }} (the days and customers a run rebuilds: macros/rebuilt.sql)
with

facts as (

    select * from {{ ref('fact_sales') }}
    where {{ incremental_window('order_date') }}
        and is_revenue

),

order_products as (

    select distinct
        sales_order_id,
        cast(order_date as date) as order_date,
        product_id

    from facts

)

{{ order_product_pairs('order_products', by=['order_date']) }}
