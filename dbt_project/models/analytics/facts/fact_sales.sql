{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        unique_key='sales_order_id',
        meta={'rebuilds': 'order_days', 'window_column': 'order_date'},
        on_schema_change='fail',
    )
}}

{#- One row per order line, whatever the order's status (is_revenue says whether it counts).
    Dagster builds it one partition window at a time (macros/partition_window.sql), with the days
    the window's orders moved away from (macros/rebuilt.sql); replace_window deletes those days'
    lines, and any other lines of the orders it loads, before inserting them, so a rerun is
    idempotent and lines removed from an order in the source disappear here too. -#}

with

orders as (

    select * from {{ ref('stg_sales_orders') }}
    where {{ rebuilt_order_days('order_date') }}

),

order_lines as (

    select * from {{ ref('stg_sales_order_details') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

cost_history as (

    select * from {{ ref('stg_product_cost_history') }}

),

joined as (

    select
        order_lines.sales_order_id,
        order_lines.sales_order_detail_id,
        orders.order_date,
        orders.customer_id,
        orders.territory_id,
        orders.bill_to_address_id,
        orders.is_online_order,
        cast(orders.status as integer) as order_status,
        orders.is_revenue,
        order_lines.product_id,
        order_lines.special_offer_id,
        order_lines.order_qty,
        order_lines.unit_price,
        order_lines.unit_price_discount,
        order_lines.line_total,
        orders.subtotal as order_subtotal,
        orders.tax_amount as order_tax_amount,
        orders.freight as order_freight,
        orders.total_due as order_total_due,
        sum(order_lines.line_total) over (
            partition by order_lines.sales_order_id
        ) as order_line_total,
        sum(order_lines.line_total) over (
            partition by order_lines.sales_order_id
            order by order_lines.sales_order_detail_id
            rows between unbounded preceding and current row
        ) as cumulative_line_total,
        row_number() over (
            partition by order_lines.sales_order_id
            order by order_lines.sales_order_detail_id
        ) as line_number,
        count(*) over (partition by order_lines.sales_order_id) as order_line_count,
        {#- The cost valid on the order date; a product without history (or a date before it)
            is costed at its current standard cost. -#}
        coalesce(cost_history.standard_cost, products.standard_cost) as standard_cost

    from order_lines
    inner join orders
        on order_lines.sales_order_id = orders.sales_order_id
    left join products
        on order_lines.product_id = products.product_id
    left join cost_history
        on order_lines.product_id = cost_history.product_id
        and orders.order_date >= cost_history.valid_from
        and (cost_history.valid_to is null or orders.order_date < cost_history.valid_to)

),

weights as (

    {#- Each line's weight, cumulative through the line and before it, and its order's total: its
        line_total in millionths (line_total's last decimal, so a whole number), or for an order
        whose lines total 0, one per line (an even split). Allocations are differences of rounded
        cumulative amounts (macros/allocate.sql), so an order's lines sum to its header exactly. -#}
    select
        *,
        trunc(
            case
                when order_line_total = 0 then line_number
                else cumulative_line_total * 1000000
            end
        ) as weight_through_line,
        trunc(
            case
                when order_line_total = 0 then line_number - 1
                else (cumulative_line_total - line_total) * 1000000
            end
        ) as weight_before_line,
        trunc(
            case
                when order_line_total = 0 then order_line_count
                else order_line_total * 1000000
            end
        ) as order_weight

    from joined

)

select
    sales_order_id,
    sales_order_detail_id,
    order_date,
    customer_id,
    product_id,
    territory_id,
    special_offer_id,
    bill_to_address_id,
    is_online_order,
    order_status,
    is_revenue,
    line_number,
    order_qty,
    unit_price,
    unit_price_discount,
    line_total,
    cast(unit_price * unit_price_discount * order_qty as decimal(19, 4)) as discount_amount,
    standard_cost,
    cast(line_total - order_qty * standard_cost as decimal(38, 6)) as gross_margin,
    {{ allocate('order_subtotal', 'weight_through_line', 'weight_before_line', 'order_weight') }} as subtotal,
    {{ allocate('order_tax_amount', 'weight_through_line', 'weight_before_line', 'order_weight') }} as tax_amount,
    {{ allocate('order_freight', 'weight_through_line', 'weight_before_line', 'order_weight') }} as freight,
    {{ allocate('order_total_due', 'weight_through_line', 'weight_before_line', 'order_weight') }} as total_due

from weights
