{{ config(tags=['weekly']) }}

{#- How well customer_recommendations predicts: each customer with at least two orders has their
    last order held out; affinities, popularity and what they bought are computed without the
    held-out orders, recommendations are made from the rest exactly as customer_recommendations
    makes them (macros/recommend.sql), and a customer is a hit when one of their five is a product
    the held-out order brought them for the first time. The baseline recommends the five most
    popular products they had not bought. -#}

with

facts as (

    {#- What customers bought: revenue orders only (a cancelled order was not a purchase). #}
    select * from {{ ref('fact_sales') }}
    where is_revenue

),

orders as (

    select
        sales_order_id,
        customer_id,
        min(order_date) as order_date,
        row_number() over (
            partition by customer_id order by min(order_date) desc, sales_order_id desc
        ) as recency_rank,
        count(*) over (partition by customer_id) as customer_order_count

    from facts
    group by 1, 2

),

held_out as (

    select sales_order_id, customer_id, order_date
    from orders
    where recency_rank = 1 and customer_order_count > 1

),

held_out_lines as (

    select distinct
        facts.sales_order_id,
        facts.customer_id,
        facts.product_id,
        cast(facts.order_date as date) as order_date

    from facts
    inner join held_out
        on facts.sales_order_id = held_out.sales_order_id

),

customers as (

    select customer_id from held_out

),

bought as (

    select distinct facts.customer_id, facts.product_id
    from facts
    inner join customers
        on facts.customer_id = customers.customer_id
    left join held_out
        on facts.sales_order_id = held_out.sales_order_id
    where held_out.sales_order_id is null

),

held_out_pairs as (

    {{ order_product_pairs('held_out_lines') }}

),

pairs as (

    select
        all_pairs.product_id,
        all_pairs.paired_product_id,
        all_pairs.orders_with_both - coalesce(held_out_pairs.orders_with_both, 0) as orders_with_both

    from (
        select product_id, paired_product_id, sum(orders_with_both) as orders_with_both
        from {{ ref('int_product_pairs_daily') }}
        group by 1, 2
    ) as all_pairs
    left join held_out_pairs
        on all_pairs.product_id = held_out_pairs.product_id
        and all_pairs.paired_product_id = held_out_pairs.paired_product_id

),

product_orders as (

    select
        demand.product_id,
        demand.product_name,
        demand.order_count - coalesce(held.order_count, 0) as order_count

    from {{ ref('product_demand') }} as demand
    left join (
        select product_id, count(*) as order_count from held_out_lines group by 1
    ) as held
        on demand.product_id = held.product_id

),

all_orders as (

    select cast(
        (select sum(order_count) from {{ ref('sales_performance') }}) - (select count(*) from held_out)
        as double
    ) as order_count

),

affinity as (

    {{ affinity_measures('pairs', 'product_orders', 'all_orders') }}

),

daily_sales as (

    select * from {{ ref('int_product_sales_daily') }}

),

as_of as (

    select max(order_date) as as_of_date from daily_sales

),

selling as (

    select recent.product_id, recent.recent_orders - coalesce(held.recent_orders, 0) as recent_orders
    from (
        {{ recent_product_orders('daily_sales', 'daily_sales.order_count', 'as_of') }}
    ) as recent
    left join (
        {{ recent_product_orders('held_out_lines', '1', 'as_of') }}
    ) as held
        on recent.product_id = held.product_id
    where recent.recent_orders - coalesce(held.recent_orders, 0) > 0

),

recommended as (

    {{ recommend('customers', 'bought', 'affinity', 'selling') }}

),

most_popular as (

    select customer_id, product_id
    from (
        select
            customers.customer_id,
            selling.product_id,
            row_number() over (
                partition by customers.customer_id
                order by selling.recent_orders desc, selling.product_id
            ) as popularity_rank

        from customers
        cross join selling
        left join bought
            on customers.customer_id = bought.customer_id
            and selling.product_id = bought.product_id
        where bought.product_id is null
    ) as ranked
    where popularity_rank <= 5

),

new_products as (

    {#- What the held-out order brought each customer for the first time: a customer whose last
        order only repeats earlier purchases cannot be hit and is not evaluated. -#}
    select distinct held_out_lines.customer_id, held_out_lines.product_id
    from held_out_lines
    left join bought
        on held_out_lines.customer_id = bought.customer_id
        and held_out_lines.product_id = bought.product_id
    where bought.product_id is null

),

evaluated as (

    select distinct customer_id from new_products

),

hits as (

    select 'affinity' as method, new_products.customer_id
    from new_products
    inner join recommended
        on new_products.customer_id = recommended.customer_id
        and new_products.product_id = recommended.product_id
    union
    select 'most_popular' as method, new_products.customer_id
    from new_products
    inner join most_popular
        on new_products.customer_id = most_popular.customer_id
        and new_products.product_id = most_popular.product_id

),

methods as (

    select 'affinity' as method
    union all
    select 'most_popular' as method

)

select
    methods.method,
    (select count(*) from customers) as customers_with_repeat_orders,
    (select count(*) from evaluated) as customers_evaluated,
    cast(count(hits.customer_id) as {{ dbt.type_bigint() }}) as customers_hit,
    cast(count(hits.customer_id) as double) / nullif((select count(*) from evaluated), 0) as hit_rate_at_5

from methods
left join hits
    on methods.method = hits.method
group by 1
