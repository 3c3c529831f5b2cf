{#- What a run rebuilds beyond its partition window, so that edits which take rows OUT of other
    days and customers are corrected by the run that loads them (the source's edits move orders
    between days and customers, and delete them).

    int_order_placements remembers, for every order, the day and customer it sat on before it
    last moved or vanished. A run for a window therefore also rebuilds:
    - the days its orders moved away from (an order corrected from the 3rd to the 9th leaves the
      3rd's daily rows one order too many until the 3rd is rebuilt);
    - the return days of its orders' returns (the returns tables take a line's product from
      fact_sales);
    - the customers its orders were taken from.
    The lists are read once per model at run time; a day or customer already in the window adds
    nothing, so a run without moves costs exactly its window. -#}

{#- Days (ISO dates) outside the window that the window's orders moved away from. -#}
{% macro moved_from_days() -%}
    {%- set placements = ref('int_order_placements') -%}
    {%- if not execute or partition_window_bounds() is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct cast(previous_order_date as date) from {{ placements }}
        where previous_order_date is not null
            and {{ partition_window('order_date') }}
            and not ({{ partition_window('previous_order_date') }})
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#- Return days (ISO dates) outside the window holding returns of the window's orders: those in
    it now, and those that left it (deleted, or moved to a day not loaded yet). -#}
{% macro returned_order_days() -%}
    {%- set placements = ref('int_order_placements') -%}
    {%- set returns = ref('stg_sales_returns') -%}
    {%- if not execute or partition_window_bounds() is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct cast(return_date as date) from {{ returns }}
        where sales_order_id in ({{ window_orders(placements) }})
            and not ({{ partition_window('return_date') }})
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#- The orders a window's run replaced: in the window now, or there until this run. -#}
{% macro window_orders(placements) -%}
    select sales_order_id from {{ placements }}
    where {{ partition_window('order_date') }}
        or (order_date is null and {{ partition_window('previous_order_date') }})
{%- endmacro %}

{#- `column` in the window or on one of `days`. -#}
{% macro window_or_days(column, days) -%}
    {%- if days -%}
        ({{ partition_window(column) }} or cast({{ column }} as date) in (
            {%- for day in days %}cast('{{ day }}' as date){% if not loop.last %}, {% endif %}{% endfor -%}
        ))
    {%- else -%}
        {{ partition_window(column) }}
    {%- endif -%}
{%- endmacro %}

{#- The order days a run rebuilds: its window and the days its orders moved away from. -#}
{% macro rebuilt_order_days(column) -%}
    {{ window_or_days(column, moved_from_days()) }}
{%- endmacro %}

{#- The return days a run rebuilds: its window and the return days of its orders' returns. -#}
{% macro rebuilt_return_days(column) -%}
    {{ window_or_days(column, returned_order_days()) }}
{%- endmacro %}
