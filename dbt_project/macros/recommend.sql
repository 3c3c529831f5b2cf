{#- Up to five recommendations per customer: products they have not bought, ranked by the summed
    confidence of the affinities from what they did buy (each bought product's
    `recommendation_pairs_per_product` strongest, to products still selling), then topped up with
    the 25 products with most recent orders. Shared by customer_recommendations and its backtest.
    The caller defines `customers` (customer_id), `bought` (customer_id, product_id), `affinity`
    (product_affinity's columns) and `selling` (product_id, recent_orders); the result has
    customer_id, rank, product_id, score, reason. -#}
{% macro recommend(customers, bought, affinity, selling) -%}
    {%- set recent_days = var('recommendation_recent_days') -%}
    select customer_id, recommendation_rank as rank, product_id, score, reason
    from (
        select
            deduplicated.*,
            row_number() over (
                partition by customer_id
                order by priority, score desc, product_id
            ) as recommendation_rank

        from (
        select
            both_kinds.*,
            {#- A popular product that affinity also found is listed once, as the affinity's. #}
            row_number() over (
                partition by customer_id, product_id
                order by priority
            ) as kind_rank

        from (
            select customer_id, product_id, 0 as priority, score,
                {{ dbt.concat(["'bought with '", 'bought_product_name']) }} as reason
            from (
                select
                    {{ bought }}.customer_id,
                    strongest.paired_product_id as product_id,
                    strongest.product_name as bought_product_name,
                    sum(strongest.confidence) over (
                        partition by {{ bought }}.customer_id, strongest.paired_product_id
                    ) as score,
                    row_number() over (
                        partition by {{ bought }}.customer_id, strongest.paired_product_id
                        order by strongest.confidence desc, strongest.product_id
                    ) as reason_rank

                from {{ bought }}
                inner join (
                    select *
                    from (
                        select
                            {{ affinity }}.product_id,
                            {{ affinity }}.product_name,
                            {{ affinity }}.paired_product_id,
                            {{ affinity }}.confidence,
                            row_number() over (
                                partition by {{ affinity }}.product_id
                                order by {{ affinity }}.confidence desc, {{ affinity }}.paired_product_id
                            ) as strength_rank
                        from {{ affinity }}
                        inner join {{ selling }}
                            on {{ affinity }}.paired_product_id = {{ selling }}.product_id
                    ) as ranked
                    where strength_rank <= {{ var('recommendation_pairs_per_product') }}
                ) as strongest
                    on {{ bought }}.product_id = strongest.product_id
                left join {{ bought }} as owned
                    on {{ bought }}.customer_id = owned.customer_id
                    and strongest.paired_product_id = owned.product_id
                where owned.product_id is null
            ) as candidates
            where reason_rank = 1

            union all

            {# The fallback (few affinities, e.g. one-product customers): score is the product's
               share of recent orders, ranked after every affinity candidate. #}
            select
                {{ customers }}.customer_id,
                popular.product_id,
                1 as priority,
                cast(popular.recent_orders as double) / popular.all_recent_orders as score,
                'popular in the last {{ recent_days }} days' as reason

            from {{ customers }}
            cross join (
                select *
                from (
                    select
                        product_id,
                        recent_orders,
                        sum(recent_orders) over () as all_recent_orders,
                        row_number() over (order by recent_orders desc, product_id) as popularity_rank
                    from {{ selling }}
                ) as ranked
                where popularity_rank <= 25
            ) as popular
            left join {{ bought }}
                on {{ customers }}.customer_id = {{ bought }}.customer_id
                and popular.product_id = {{ bought }}.product_id
            where {{ bought }}.product_id is null
        ) as both_kinds
        ) as deduplicated
        where kind_rank = 1
    ) as ranked
    where recommendation_rank <= 5
{%- endmacro %}

{#- Orders per product in the last `recommendation_recent_days` days up to the latest order day:
    what "still selling" means to the recommendations, and what their backtest subtracts its
    held-out orders from. `orders` has product_id, order_date and `count_expression` per row
    (int_product_sales_daily's order_count, or 1 for one order's product). -#}
{% macro recent_product_orders(orders, count_expression, as_of_relation) -%}
    select {{ orders }}.product_id, sum({{ count_expression }}) as recent_orders
    from {{ orders }}
    cross join {{ as_of_relation }} as as_of
    where {{ orders }}.order_date > {{ dbt.dateadd('day', -var('recommendation_recent_days'), 'as_of.as_of_date') }}
    group by 1
{%- endmacro %}
