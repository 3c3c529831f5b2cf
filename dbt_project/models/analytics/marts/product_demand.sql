{#- Return metrics are NULL, not zero, when the source has no returns table (real AdventureWorks):
    "we don't know" must not read as "nothing came back". Summed from the daily intermediates
    (products x days), never from order lines. -#}
{%- set has_returns = relation_exists(source('raw', 'sales_return')) -%}

with

sales as (

    select * from {{ ref('int_product_sales_daily') }}

),

returns as (

    select * from {{ ref('int_product_returns_daily') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

sold as (

    select
        product_id,
        cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
        cast(sum(units_sold) as {{ dbt.type_bigint() }}) as units_sold,
        sum(revenue) as revenue,
        sum(discount_amount) as discount_amount,
        sum(gross_margin) as gross_margin

    from sales
    group by 1

),

returned as (

    select
        product_id,
        cast(sum(units_returned) as {{ dbt.type_bigint() }}) as units_returned

    from returns
    group by 1

)

select
    sold.product_id,
    products.product_name,
    products.product_number,
    products.subcategory_name,
    products.category_name,
    products.list_price,
    sold.order_count,
    sold.units_sold,
    sold.revenue,
    sold.discount_amount,
    sold.gross_margin,
    cast(sold.gross_margin / nullif(sold.revenue, 0) as double) as margin_rate,
    {% if has_returns -%}
    coalesce(returned.units_returned, 0) as units_returned,
    cast(coalesce(returned.units_returned, 0) as double) / sold.units_sold as return_rate,
    {%- else -%}
    cast(null as {{ dbt.type_bigint() }}) as units_returned,
    cast(null as double) as return_rate,
    {%- endif %}
    rank() over (order by sold.revenue desc) as revenue_rank

from sold
left join products
    on sold.product_id = products.product_id
left join returned
    on sold.product_id = returned.product_id
