{#- These columns are NULL (unknown) on every row or on none: for metrics whose source may be
    absent, a mix means rows built before it arrived were never recomputed. Fails with one row
    saying how many rows are known and how many are not. -#}
{% test known_for_all_or_none(model, columns) %}

select
    count(*) as total_rows,
    {% for column in columns -%}
    count({{ column }}) as known_{{ column }}{{ ", " if not loop.last }}
    {%- endfor %}
from {{ model }}
having {% for column in columns -%}
    count({{ column }}) not in (0, count(*)){{ " or " if not loop.last }}
{%- endfor %}

{% endtest %}
