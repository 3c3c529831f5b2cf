{#- The recommendations published are no worse than the most-popular baseline out of sample: over
    the backtest's origins after the first, the customers hit by the method chosen at each origin
    (from the origins before it) are at least those hit by most_popular at the same origins.
    Returns a row (the two counts) when the procedure lost. Attached to recommendation_backtest. -#}
{{ config(tags=['weekly'], meta={'dagster': {'ref': {'name': 'recommendation_backtest'}}}) }}

with

scored as (

    select
        sum(case when chosen_here then customers_hit else 0 end) as customers_hit,
        sum(case when is_baseline then customers_hit else 0 end) as baseline_customers_hit

    from {{ ref('recommendation_backtest') }}
    where origin_date > (select min(origin_date) from {{ ref('recommendation_backtest') }})

)

select customers_hit, baseline_customers_hit
from scored
where customers_hit < baseline_customers_hit
