{#- The partition window filter for incremental models: `column >= min_date and column < max_date`
    (half-open, so a midnight belongs to exactly one day). Without --vars it selects everything. -#}
{% macro partition_window(column) -%}
    {%- if var('min_date') is not none and var('max_date') is not none -%}
        {{ column }} >= cast('{{ var("min_date") }}' as {{ dbt.type_timestamp() }})
        and {{ column }} < cast('{{ var("max_date") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
