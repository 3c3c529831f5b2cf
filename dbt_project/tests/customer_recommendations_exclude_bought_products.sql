{#- A recommendation is never a product the customer has already bought (a revenue order: a
    cancelled or rejected one was not a purchase). Attached to
    customer_recommendations (meta.dagster.ref). Tagged weekly like the model, so it runs in the
    weekly build only: without the tag, dbt's eager indirect selection would also pick it for
    the daily build of fact_sales, where the weekly table is not rebuilt. -#}
{{ config(tags=['weekly'], meta={'dagster': {'ref': {'name': 'customer_recommendations'}}}) }}

select
    recommendations.customer_id,
    recommendations.product_id

from {{ ref('customer_recommendations') }} as recommendations
inner join (
    select distinct customer_id, product_id from {{ ref('fact_sales') }}
    where is_revenue
) as bought
    on recommendations.customer_id = bought.customer_id
    and recommendations.product_id = bought.product_id
