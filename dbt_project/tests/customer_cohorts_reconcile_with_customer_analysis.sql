{#- Each cohort's size and total revenue equal customer_analysis's customers and revenue by month
    of first order: the cohort grid neither loses nor double-counts anyone. Attached to
    customer_cohorts as its asset check (meta.dagster.ref). -#}
{{ config(meta={'dagster': {'ref': {'name': 'customer_cohorts'}}}) }}

with

cohorts as (

    select
        cohort_month,
        max(cohort_customers) as customers,
        sum(revenue) as revenue

    from {{ ref('customer_cohorts') }}
    group by 1

),

analysis as (

    select
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month,
        count(*) as customers,
        sum(revenue) as revenue

    from {{ ref('customer_analysis') }}
    group by 1

)

select
    coalesce(cohorts.cohort_month, analysis.cohort_month) as cohort_month,
    cohorts.customers as cohort_customers,
    analysis.customers as analysis_customers,
    cohorts.revenue as cohort_revenue,
    analysis.revenue as analysis_revenue

from cohorts
full outer join analysis
    on cohorts.cohort_month = analysis.cohort_month
where cohorts.cohort_month is null
    or analysis.cohort_month is null
    or cohorts.customers <> analysis.customers
    or cohorts.revenue <> analysis.revenue
