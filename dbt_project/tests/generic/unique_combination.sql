{#- No two rows share these columns' values (NULLs compare equal): the key of a table whose key is
    several columns. dbt_utils has one; packages cannot be installed here. -#}
{% test unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
