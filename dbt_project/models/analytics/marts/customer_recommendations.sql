{{ config(tags=['weekly']) }}

{#- Five recommendations for every customer, by the method recommendation_backtest published
    (macros/recommend.sql), from everything bought up to the latest order. Rebuilt whole, weekly:
    every list moves with the pair counts and popularity of all orders, so a per-day update of the
    customers who ordered would leave the others' lists computed against older counts. -#}
with

origins as (

    select cast({{ dbt.dateadd('day', 1, 'max(order_date)') }} as date) as origin_date
    from {{ ref('int_product_sales_daily') }}

),

published as (

    select distinct method from {{ ref('recommendation_backtest') }} where published

),

customers as (

    select origins.origin_date, totals.customer_id
    from {{ ref('int_customer_totals') }} as totals
    cross join origins

),

bought as (

    select distinct origins.origin_date, facts.customer_id, facts.product_id
    from {{ ref('fact_sales') }} as facts
    cross join origins
    where facts.is_revenue

),

{{ recommendation_inputs('origins') }},

{{ recommendation_customer_priors('bought', methods='select method from published', customers='customers') }},

recommended as (

    {{ recommend('bought', methods='select method from published', reasons=true) }}

)

select
    recommended.customer_id,
    cast(recommended.rank as integer) as rank,
    recommended.product_id,
    products.product_name,
    cast(recommended.score as double) as score,
    case
        when recommended.pulled_by is not null
            then {{ dbt.concat(["'bought with '", 'bought_products.product_name']) }}
        else 'popular in the last {{ var("recommendation_recent_days") }} days'
    end as reason,
    recommended.method

from recommended
left join {{ ref('stg_products') }} as products
    on recommended.product_id = products.product_id
left join {{ ref('stg_products') }} as bought_products
    on recommended.pulled_by = bought_products.product_id
