{#- Incremental strategy `replace_window`: delete the run's partition window from the table, then
    insert what the model computed for it. For tables whose rows belong to a day (`meta.window_column`):
    unlike delete+insert on a key, a day that lost all its rows in the source is emptied too, and a
    rerun of any window gives the same table. With `unique_key`, rows of those keys are replaced
    wherever they are (an order that moved into the window). Without a window (a plain `dbt build`)
    the whole table is replaced.

    A custom strategy (dbt looks up `get_incremental_<strategy>_sql`), spelled in SQL both DuckDB and
    Snowflake run. -#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ partition_window(config.meta_require('window_column')) }};
    {%- if unique_key %}

    {#- A statement of its own: an OR would keep either filter from skipping untouched storage. #}
    delete from {{ target }}
    where {{ unique_key }} in (select {{ unique_key }} from {{ source }});
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
