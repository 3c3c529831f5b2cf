{#- Incremental strategy `replace_window`: delete what the run rebuilds from the table, then insert
    what the model computed for it. `meta.rebuilds` names what that is:
    - `window`: the rows dated in the run's partition window (`meta.window_column`);
    - `order_days` / `return_days`: those and the days an edit took rows from (macros/rebuilt.sql);
    - `customers`: the rows of the customers the run touched (macros/touched_customers.sql).
    Unlike delete+insert on a key, a day (or customer) that lost all its rows is emptied too, and
    a rerun of any window gives the same table. With `unique_key`, rows of those keys are replaced
    wherever they are (an order that moved into the window). Without a window (a plain `dbt
    build`) the whole table is replaced.

    A custom strategy (dbt looks up `get_incremental_<strategy>_sql`), spelled in SQL both DuckDB and
    Snowflake run. -#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set rebuilds = config.meta_require('rebuilds') -%}
    delete from {{ target }}
    where {{ rebuilt_scope(rebuilds) }};
    {%- if unique_key %}

    {#- A statement of its own: an OR would keep either filter from skipping untouched storage. #}
    delete from {{ target }}
    where {{ unique_key }} in (select {{ unique_key }} from {{ source }});
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}

{% macro rebuilt_scope(rebuilds) -%}
    {%- if rebuilds == 'window' -%}
        {{ partition_window(config.meta_require('window_column')) }}
    {%- elif rebuilds == 'order_days' -%}
        {{ rebuilt_order_days(config.meta_require('window_column')) }}
    {%- elif rebuilds == 'return_days' -%}
        {{ rebuilt_return_days(config.meta_require('window_column')) }}
    {%- elif rebuilds == 'customers' -%}
        customer_id in ({{ touched_customers() }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("meta.rebuilds must be window, order_days, return_days or customers, not " ~ rebuilds) }}
    {%- endif -%}
{%- endmacro %}
