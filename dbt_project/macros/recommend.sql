{#- The recommender's candidate methods, shared by recommendation_backtest (which scores them at
    past origins) and customer_recommendations (which publishes the one the backtest chose).

    Every method scores a product b for a customer c from the products a they bought before an
    origin date, as  sum over a of  w(a, b) + prior(a) * popularity(b):
    - most_popular (the baseline): w = 0, prior = 1. The products most ordered in the last
      `recommendation_recent_days` days.
    - affinity: w = confidence, orders with both / orders with a; popularity breaks ties only.
    - item_knn: w = cosine, orders with both / sqrt(orders with a * orders with b): a neighbour
      that every basket holds counts less than under confidence (inverse-popularity weighting).
    - shrunk_cooccurrence: w = orders with both / (orders with a + beta), prior = beta / (orders
      with a + beta): confidence shrunk toward recent popularity, strongly where a has few orders.
    - blend: cosine scaled so a's nearest neighbour is 1, plus popularity scaled so the most
      popular product is 1: half "goes with what you bought", half "what everyone buys now".
    Pairs count only with at least `affinity_min_orders` orders holding both, and each bought
    product pulls its `recommendation_pairs_per_product` strongest neighbours that still sell.
    Popularity also offers the 25 most popular products to everyone, so five always come. -#}

{% macro recommendation_methods() -%}
    {{ return(['most_popular', 'affinity', 'item_knn', 'shrunk_cooccurrence', 'blend']) }}
{%- endmacro %}

{#- The inputs every method needs at each origin of `origins` (origin_date), as CTEs to open a
    `with`: rec_counts (orders holding each product before the origin), rec_selling (the recent
    window's orders per product still selling, and their share of its orders), rec_pulls (method,
    product_id, paired_product_id, weight) and rec_priors (method, product_id, prior). -#}
{% macro recommendation_inputs(origins) -%}
    {%- set recent_days = var('recommendation_recent_days') -%}
    {%- set beta = var('recommendation_shrinkage_orders') -%}
rec_counts as (

    select {{ origins }}.origin_date, daily.product_id, sum(daily.order_count) as order_count
    from {{ ref('int_product_sales_daily') }} as daily
    inner join {{ origins }}
        on daily.order_date < {{ origins }}.origin_date
    group by 1, 2

),

rec_recent_orders as (

    select {{ origins }}.origin_date, sum(daily.order_count) as order_count
    from {{ ref('sales_performance') }} as daily
    inner join {{ origins }}
        on daily.order_date < {{ origins }}.origin_date
        and daily.order_date >= {{ dbt.dateadd('day', -recent_days, origins ~ '.origin_date') }}
    group by 1

),

rec_selling as (

    select
        recent.origin_date,
        recent.product_id,
        recent.recent_orders,
        cast(recent.recent_orders as double) / rec_recent_orders.order_count as share,
        cast(recent.recent_orders as double)
            / max(recent.recent_orders) over (partition by recent.origin_date) as scaled_share,
        row_number() over (
            partition by recent.origin_date order by recent.recent_orders desc, recent.product_id
        ) as popularity_rank

    from (
        select {{ origins }}.origin_date, daily.product_id, sum(daily.order_count) as recent_orders
        from {{ ref('int_product_sales_daily') }} as daily
        inner join {{ origins }}
            on daily.order_date < {{ origins }}.origin_date
            and daily.order_date >= {{ dbt.dateadd('day', -recent_days, origins ~ '.origin_date') }}
        group by 1, 2
        having sum(daily.order_count) > 0
    ) as recent
    inner join rec_recent_orders
        on recent.origin_date = rec_recent_orders.origin_date

),

rec_pair_counts as (

    {#- Orders holding both products of a pair before the origin, each unordered pair once. #}
    select {{ origins }}.origin_date, daily.product_id, daily.paired_product_id,
        sum(daily.orders_with_both) as orders_with_both
    from {{ ref('int_product_pairs_daily') }} as daily
    inner join {{ origins }}
        on daily.order_date < {{ origins }}.origin_date
    group by 1, 2, 3
    having sum(daily.orders_with_both) >= {{ var('affinity_min_orders') }}

),

rec_pairs as (

    {#- Each pair in both directions, with both products' order counts before the origin and the
        cosine of their order vectors. #}
    select
        pairs.origin_date,
        pairs.product_id,
        pairs.paired_product_id,
        pairs.orders_with_both,
        counts.order_count as orders_with_product,
        pairs.orders_with_both / sqrt(cast(counts.order_count as double) * paired.order_count) as cosine

    from (
        select origin_date, product_id, paired_product_id, orders_with_both from rec_pair_counts
        union all
        select origin_date, paired_product_id, product_id, orders_with_both from rec_pair_counts
    ) as pairs
    inner join rec_counts as counts
        on pairs.origin_date = counts.origin_date and pairs.product_id = counts.product_id
    inner join rec_counts as paired
        on pairs.origin_date = paired.origin_date and pairs.paired_product_id = paired.product_id
    {#- Only neighbours still selling are worth pulling. #}
    inner join rec_selling
        on pairs.origin_date = rec_selling.origin_date and pairs.paired_product_id = rec_selling.product_id

),

rec_weights as (

    select origin_date, 'affinity' as method, product_id, paired_product_id,
        cast(orders_with_both as double) / orders_with_product as weight
    from rec_pairs
    union all
    select origin_date, 'item_knn' as method, product_id, paired_product_id, cosine as weight
    from rec_pairs
    union all
    select origin_date, 'shrunk_cooccurrence' as method, product_id, paired_product_id,
        cast(orders_with_both as double) / (orders_with_product + {{ beta }}) as weight
    from rec_pairs
    union all
    select origin_date, 'blend' as method, product_id, paired_product_id,
        cosine / max(cosine) over (partition by origin_date, product_id) as weight
    from rec_pairs

),

rec_pulls as (

    select origin_date, method, product_id, paired_product_id, weight
    from (
        select
            rec_weights.*,
            row_number() over (
                partition by origin_date, method, product_id order by weight desc, paired_product_id
            ) as strength_rank
        from rec_weights
    ) as ranked
    where strength_rank <= {{ var('recommendation_pairs_per_product') }}

),

rec_priors as (

    {#- prior(a) per method; popularity(b) is rec_selling.share, or scaled_share for the blend. #}
    select counts.origin_date, methods.method, counts.product_id,
        case methods.method
            when 'most_popular' then 1.0
            when 'shrunk_cooccurrence' then {{ beta }} / (counts.order_count + {{ beta }})
            when 'blend' then 1.0
            else 1e-9
        end as prior
    from rec_counts as counts
    cross join (
        {%- for method in recommendation_methods() %}
        select '{{ method }}' as method{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as methods

)
{%- endmacro %}

{#- Up to five products per origin, method and customer, from the CTEs recommendation_inputs
    defines and `bought` (origin_date, customer_id, product_id: what each customer bought before
    the origin), never one they bought. Columns: origin_date, method, customer_id, rank,
    product_id, score, pull (the part of the score from what they bought), and with `reasons`
    pulled_by (a bought product that pulls it hardest, NULL when popularity alone brought it). -#}
{% macro recommend(bought, methods=none, reasons=false) -%}
    select origin_date, method, customer_id, rank, product_id, score, pull
        {%- if reasons %}, pulled_by{% endif %}
    from (
        select
            scored.*,
            row_number() over (
                partition by origin_date, method, customer_id order by score desc, product_id
            ) as rank
        from (
            select
                candidates.origin_date,
                candidates.method,
                candidates.customer_id,
                candidates.product_id,
                sum(candidates.pull) as pull,
                sum(candidates.pull) + max(
                    case when candidates.method = 'blend' then selling.scaled_share else selling.share end
                    * weights.prior_weight
                ) as score
                {%- if reasons %},
                {#- A bought product that pulls hardest (NULL if none did): an aggregate, as a window
                    over every candidate row was most of the model's 113 s at SF10. max_by is DuckDB's and
                    Snowflake's alike. #}
                max_by(candidates.pulled_by, candidates.pull) as pulled_by
                {%- endif %}

            from (
                    select {{ bought }}.origin_date, rec_pulls.method, {{ bought }}.customer_id,
                        rec_pulls.paired_product_id as product_id, rec_pulls.weight as pull,
                        {{ bought }}.product_id as pulled_by
                    from {{ bought }}
                    inner join rec_pulls
                        on {{ bought }}.origin_date = rec_pulls.origin_date
                        and {{ bought }}.product_id = rec_pulls.product_id
                    {%- if methods %}
                    where rec_pulls.method in ({{ methods }})
                    {%- endif %}
                    union all
                    select weights.origin_date, weights.method, weights.customer_id, rec_selling.product_id,
                        0.0, null
                    from (select distinct origin_date, method, customer_id from rec_customer_priors) as weights
                    inner join rec_selling
                        on weights.origin_date = rec_selling.origin_date
                    where rec_selling.popularity_rank <= 25
            ) as candidates
            inner join rec_customer_priors as weights
                on candidates.origin_date = weights.origin_date
                and candidates.method = weights.method
                and candidates.customer_id = weights.customer_id
            inner join rec_selling as selling
                on candidates.origin_date = selling.origin_date
                and candidates.product_id = selling.product_id
            left join {{ bought }} as owned
                on candidates.origin_date = owned.origin_date
                and candidates.customer_id = owned.customer_id
                and candidates.product_id = owned.product_id
            where owned.product_id is null
            group by 1, 2, 3, 4
        ) as scored
    ) as ranked
    where rank <= 5
{%- endmacro %}

{#- Each customer's summed prior per method (the weight popularity gets), as a CTE to follow
    recommendation_inputs' in the same `with`; `methods`, if given, a SQL list of the methods
    wanted; `customers` (origin_date, customer_id), if given, adds those who bought nothing yet,
    who get popularity alone. -#}
{% macro recommendation_customer_priors(bought, methods=none, customers=none) -%}
rec_customer_priors as (

    select {{ bought }}.origin_date, rec_priors.method, {{ bought }}.customer_id, sum(rec_priors.prior) as prior_weight
    from {{ bought }}
    inner join rec_priors
        on {{ bought }}.origin_date = rec_priors.origin_date
        and {{ bought }}.product_id = rec_priors.product_id
    {%- if methods %}
    where rec_priors.method in ({{ methods }})
    {%- endif %}
    group by 1, 2, 3
    {%- if customers %}
    union all
    select {{ customers }}.origin_date, methods.method, {{ customers }}.customer_id, 1.0 as prior_weight
    from {{ customers }}
    cross join (select distinct method from rec_priors
        {%- if methods %} where method in ({{ methods }}){% endif %}) as methods
    where not exists (
        select 1 from {{ bought }}
        where {{ bought }}.origin_date = {{ customers }}.origin_date
            and {{ bought }}.customer_id = {{ customers }}.customer_id
    )
    {%- endif %}

)
{%- endmacro %}
