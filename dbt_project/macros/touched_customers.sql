{#- The customers whose totals a run for the partition window changes: those who ordered in the
    window, those its orders were taken from (moved to another customer or day, or deleted: see
    int_order_placements), and those whose order lines were returned in it (returns load by return
    date). Per-customer models recompute exactly these, so a day's run costs that day's customers. -#}
{% macro touched_customers() -%}
    select customer_id from {{ ref('fact_sales') }}
    where {{ partition_window('order_date') }}
    union
    select previous_customer_id from {{ ref('int_order_placements') }}
    where previous_customer_id is not null
        and sales_order_id in ({{ window_orders(ref('int_order_placements')) }})
    union
    select facts.customer_id
    from {{ ref('stg_sales_returns') }} as returns
    inner join {{ ref('fact_sales') }} as facts
        on returns.sales_order_id = facts.sales_order_id
        and returns.sales_order_detail_id = facts.sales_order_detail_id
    where {{ partition_window('returns.return_date') }}
{%- endmacro %}
