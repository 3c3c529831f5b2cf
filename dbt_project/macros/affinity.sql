{#- Market-basket measures for product pairs, shared by product_affinity and the recommendation
    backtest (which computes them without the orders it holds out). The caller defines three
    relations: `pairs` (product_id < paired_product_id, orders_with_both), `product_orders`
    (product_id, product_name, order_count) and `all_orders` (one row: order_count). Pairs on fewer
    than `affinity_min_orders` orders are dropped; each pair is listed in both directions. -#}
{% macro affinity_measures(pairs, product_orders, all_orders) -%}
    select
        both_ways.product_id,
        products.product_name,
        both_ways.paired_product_id,
        paired.product_name as paired_product_name,
        both_ways.orders_with_both,
        products.order_count as orders_with_product,
        paired.order_count as orders_with_paired_product,
        both_ways.orders_with_both / {{ all_orders }}.order_count as support,
        cast(both_ways.orders_with_both as double) / products.order_count as confidence,
        (cast(both_ways.orders_with_both as double) / products.order_count)
            / (cast(paired.order_count as double) / {{ all_orders }}.order_count) as lift

    from (
        select product_id, paired_product_id, orders_with_both from {{ pairs }}
        where orders_with_both >= {{ var('affinity_min_orders') }}
        union all
        select paired_product_id, product_id, orders_with_both from {{ pairs }}
        where orders_with_both >= {{ var('affinity_min_orders') }}
    ) as both_ways
    inner join {{ product_orders }} as products
        on both_ways.product_id = products.product_id
    inner join {{ product_orders }} as paired
        on both_ways.paired_product_id = paired.product_id
    cross join {{ all_orders }}
{%- endmacro %}

{#- Pairs of distinct products on the same order, each unordered pair once (product_id <
    paired_product_id) with the number of orders holding both: int_product_pairs_daily counts them
    per day, and the backtest subtracts those of its held-out orders by the same rule.
    `order_products` has one row per order and product (sales_order_id, product_id, and `by`). -#}
{% macro order_product_pairs(order_products, by=[]) -%}
    select
        {%- for column in by %}
        {{ order_products }}.{{ column }},
        {%- endfor %}
        {{ order_products }}.product_id,
        paired.product_id as paired_product_id,
        count(*) as orders_with_both

    from {{ order_products }}
    inner join {{ order_products }} as paired
        on {{ order_products }}.sales_order_id = paired.sales_order_id
        and {{ order_products }}.product_id < paired.product_id
    group by {% for column in by %}{{ order_products }}.{{ column }}, {% endfor -%}
        {{ order_products }}.product_id, paired.product_id
{%- endmacro %}
