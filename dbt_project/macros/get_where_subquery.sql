{#- Tests of partitioned tables check the run's window only, not the whole history every day.
    Their `where` config is the placeholder `__partition_window__` (set per folder in
    dbt_project.yml), replaced here at run time by the window on the tested model's
    `meta.window_column`. Models without one (per-customer and per-product tables, small and
    keyed) and runs without a window (a plain `dbt build`) test the whole table. Overriding
    `get_where_subquery` is dbt's documented hook for dynamic test filters. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__partition_window__' -%}
        {%- set where = none -%}
        {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
        {%- set column = tested.config.meta.get('window_column') if tested else none -%}
        {%- if column and partition_window_bounds() is not none -%}
            {%- set where = partition_window(column) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
