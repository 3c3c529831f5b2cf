{{ config(tags=['weekly']) }}

{#- How well each candidate method (macros/recommend.sql) recommends, at `recommendation_origins`
    past origins `recommendation_test_days` apart, and which one the procedure chooses.

    At an origin, each method recommends five products to every customer who bought before it,
    from what was known before it; the customer is evaluated when the window that follows brought
    them a product they had never bought, and is a hit when one of the five is such a product.
    The method chosen at an origin is the one with most hits over the origins before it (the
    baseline, most_popular, on a tie or with no origin before): so each origin scores a choice
    made without it. The method published is the one chosen over every origin. -#}

with

as_of as (

    select max(order_date) as as_of_date from {{ ref('int_product_sales_daily') }}

),

origins as (

    {%- set days = var('recommendation_test_days') %}
    {%- for k in range(var('recommendation_origins'), 0, -1) %}
    select cast({{ dbt.dateadd('day', 1 - k * days, 'as_of_date') }} as date) as origin_date from as_of
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}

),

first_bought as (

    {#- When each customer first bought each product: revenue orders only. #}
    select customer_id, product_id, cast(min(order_date) as date) as first_date
    from {{ ref('fact_sales') }}
    where is_revenue
    group by 1, 2

),

first_purchases as (

    select customer_id, min(first_date) as first_purchase_date from first_bought group by 1

),

new_products as (

    {#- What each origin's window brought customers who had bought before it, for the first time. #}
    select origins.origin_date, first_bought.customer_id, first_bought.product_id
    from first_bought
    inner join origins
        on first_bought.first_date >= origins.origin_date
        and first_bought.first_date < {{ dbt.dateadd('day', days, 'origins.origin_date') }}
    inner join first_purchases
        on first_bought.customer_id = first_purchases.customer_id
        and first_purchases.first_purchase_date < origins.origin_date

),

evaluated as (

    select distinct origin_date, customer_id from new_products

),

bought as (

    select evaluated.origin_date, first_bought.customer_id, first_bought.product_id
    from evaluated
    inner join first_bought
        on evaluated.customer_id = first_bought.customer_id
        and first_bought.first_date < evaluated.origin_date

),

{{ recommendation_inputs('origins') }},

{{ recommendation_customer_priors('bought') }},

recommended as (

    {{ recommend('bought') }}

),

hits as (

    select distinct recommended.origin_date, recommended.method, recommended.customer_id
    from recommended
    inner join new_products
        on recommended.origin_date = new_products.origin_date
        and recommended.customer_id = new_products.customer_id
        and recommended.product_id = new_products.product_id

),

methods as (

    {%- for method in recommendation_methods() %}
    select '{{ method }}' as method{% if not loop.last %} union all{% endif %}
    {%- endfor %}

),

scores as (

    select
        origins.origin_date,
        methods.method,
        coalesce(evaluated_counts.customers, 0) as customers_evaluated,
        coalesce(hit_counts.customers, 0) as customers_hit

    from origins
    cross join methods
    left join (select origin_date, count(*) as customers from evaluated group by 1) as evaluated_counts
        on origins.origin_date = evaluated_counts.origin_date
    left join (select origin_date, method, count(*) as customers from hits group by 1, 2) as hit_counts
        on origins.origin_date = hit_counts.origin_date
        and methods.method = hit_counts.method

),

judged_at as (

    {#- Every origin, and the day after the last order (where the published method is chosen). #}
    select origin_date as judged_date from origins
    union all
    select cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as date) from as_of

),

choices as (

    select judged_date, method
    from (
        select
            judged_at.judged_date,
            methods.method,
            row_number() over (
                partition by judged_at.judged_date
                order by
                    coalesce(sum(scores.customers_hit), 0) desc,
                    case when methods.method = 'most_popular' then 0 else 1 end,
                    methods.method
            ) as choice_rank
        from judged_at
        cross join methods
        left join scores
            on scores.origin_date < judged_at.judged_date
            and scores.method = methods.method
        group by 1, 2
    ) as ranked
    where choice_rank = 1

)

select
    scores.origin_date,
    cast({{ dbt.dateadd('day', days, 'scores.origin_date') }} as date) as window_end,
    scores.method,
    scores.method = 'most_popular' as is_baseline,
    cast(scores.customers_evaluated as {{ dbt.type_bigint() }}) as customers_evaluated,
    cast(scores.customers_hit as {{ dbt.type_bigint() }}) as customers_hit,
    cast(scores.customers_hit as double) / nullif(scores.customers_evaluated, 0) as hit_rate_at_5,
    chosen.method is not null as chosen_here,
    published.method is not null as published

from scores
left join choices as chosen
    on scores.origin_date = chosen.judged_date
    and scores.method = chosen.method
left join choices as published
    on published.judged_date = (select max(judged_date) from judged_at)
    and scores.method = published.method
