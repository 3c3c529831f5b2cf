{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        unique_key='sales_order_id',
        meta={'rebuilds': 'window', 'window_column': 'order_date'},
    )
}}

{#- Where every order sits (its day and customer) and where it sat before it last moved or
    vanished: what lets a run correct the days and customers an edit took an order from
    (macros/rebuilt.sql). A run replaces the rows of the orders in its window now and of those
    that were in it: an order found under another day or customer keeps that one as its previous
    placement; an order gone from the window (deleted, or moved to a day not loaded yet) stays
    as a row without a day, remembering where it was. A previous placement is kept until the
    order moves again, so a run retried after a failure still corrects what its first attempt saw. -#}

with

current_orders as (

    select sales_order_id, order_date, customer_id
    from {{ ref('stg_sales_orders') }}
    {% if is_incremental() -%}
    where {{ partition_window('order_date') }}
    {%- endif %}

)

{% if is_incremental() %}

, placed as (

    select * from {{ this }}
    where {{ partition_window('order_date') }}
        or sales_order_id in (select sales_order_id from current_orders)

)

select
    coalesce(current_orders.sales_order_id, placed.sales_order_id) as sales_order_id,
    current_orders.order_date,
    current_orders.customer_id,
    case
        when placed.order_date is not null and placed.order_date is distinct from current_orders.order_date
            then placed.order_date
        else placed.previous_order_date
    end as previous_order_date,
    case
        when placed.customer_id is not null and placed.customer_id is distinct from current_orders.customer_id
            then placed.customer_id
        else placed.previous_customer_id
    end as previous_customer_id

from current_orders
full outer join placed
    on current_orders.sales_order_id = placed.sales_order_id

{% else %}

select
    sales_order_id,
    order_date,
    customer_id,
    cast(null as {{ dbt.type_timestamp() }}) as previous_order_date,
    cast(null as {{ dbt.type_bigint() }}) as previous_customer_id

from current_orders

{% endif %}
