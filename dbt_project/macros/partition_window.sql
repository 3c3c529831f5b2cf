{#- The partition window a Dagster run builds: [SALES_WINDOW_START, SALES_WINDOW_END), two ISO
    dates in the dbt invocation's environment (sales_assets/dbt_assets.py sets them). Unset, as in
    a plain `dbt build`, the window is the whole history.

    Read only while executing, never while parsing: dbt records every env_var() a parse reads and
    re-parses the files that read it whenever its value changes, and `--vars` would re-parse the
    whole project. A daily run therefore reuses the partial parse untouched. -#}
{% macro partition_window_bounds() -%}
    {%- if execute -%}
        {%- set start = env_var('SALES_WINDOW_START', '') -%}
        {%- set end = env_var('SALES_WINDOW_END', '') -%}
        {%- if start and end -%}
            {{ return((start, end)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- `column >= start and column < end` for the window (half-open, so a midnight belongs to exactly
    one day); `1 = 1` without one. -#}
{% macro partition_window(column) -%}
    {%- set bounds = partition_window_bounds() -%}
    {%- if bounds is not none -%}
        {{ column }} >= {{ window_timestamp(bounds[0]) }} and {{ column }} < {{ window_timestamp(bounds[1]) }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- For models derived from fact_sales: the days a run rebuilds (macros/rebuilt.sql) when updating
    the model, everything when the model is first built (a model added to a running project starts
    complete, not with one day). `days` is `order_days` or `return_days`. -#}
{% macro incremental_window(column, days='order_days') -%}
    {%- if not is_incremental() -%}
        1 = 1
    {%- elif days == 'return_days' -%}
        {{ rebuilt_return_days(column) }}
    {%- else -%}
        {{ rebuilt_order_days(column) }}
    {%- endif -%}
{%- endmacro %}

{% macro window_timestamp(day) -%}
    cast('{{ day }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
