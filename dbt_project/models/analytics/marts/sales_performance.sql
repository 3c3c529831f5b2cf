with

facts as (

    select * from {{ ref('fact_sales') }}

),

daily as (

    select
        cast(order_date as date) as order_date,
        count(distinct sales_order_id) as order_count,
        count(distinct case when is_online_order then sales_order_id end) as online_order_count,
        count(distinct customer_id) as customer_count,
        count(*) as line_count,
        cast(sum(order_qty) as {{ dbt.type_bigint() }}) as units_sold,
        sum(line_total) as revenue,
        sum(discount_amount) as discount_amount,
        sum(subtotal) as subtotal,
        sum(tax_amount) as tax_amount,
        sum(freight) as freight,
        sum(total_due) as total_due

    from facts
    group by 1

)

select
    *,
    cast(revenue / order_count as decimal(19, 4)) as average_order_value

from daily
