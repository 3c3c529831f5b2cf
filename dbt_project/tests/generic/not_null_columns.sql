{#- None of these columns is NULL: one query for a whole row instead of one per column (each dbt
    test is a query and an asset check run on every daily run). A failing row names its NULL
    columns in `null_columns`. -#}
{% test not_null_columns(model, columns) %}

select
    *,
    concat_ws(', ', {% for column in columns -%}
        case when {{ column }} is null then '{{ column }}' end{{ ", " if not loop.last }}
    {%- endfor %}) as null_columns
from {{ model }}
where {% for column in columns -%}
    {{ column }} is null{{ " or " if not loop.last }}
{%- endfor %}

{% endtest %}
