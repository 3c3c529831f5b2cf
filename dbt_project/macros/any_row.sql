{#- True when at least one row of `relation` meets `condition`: for a decision a model makes at run
    time from its own table. A probe that stops at the first such row (`limit 1`); when no row can
    match, DuckDB answers from its column statistics without reading the table (about a millisecond
    on 20 million rows). False at parse time. -#}
{% macro any_row(relation, condition) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set probe -%}
        select count(*) from (select 1 as found from {{ relation }} where {{ condition }} limit 1) as probe
    {%- endset -%}
    {{ return(run_query(probe).columns[0].values()[0] > 0) }}
{%- endmacro %}
