{#- Return metrics are NULL, not zero, when the source has no returns table (real AdventureWorks):
    "we don't know" must not read as "nothing came back". -#}
{%- set has_returns = relation_exists(source('raw', 'sales_return')) -%}

with

facts as (

    select * from {{ ref('fact_sales') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

returns as (

    select * from {{ ref('stg_sales_returns') }}

),

sold as (

    select
        product_id,
        count(distinct sales_order_id) as order_count,
        cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(line_total) as revenue,
        sum(discount_amount) as discount_amount

    from facts
    group by 1

),

returned as (

    select
        facts.product_id,
        cast(sum(returns.return_qty) as {{ dbt.type_bigint() }}) as units_returned

    from returns
    inner join facts
        on returns.sales_order_id = facts.sales_order_id
        and returns.sales_order_detail_id = facts.sales_order_detail_id
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
