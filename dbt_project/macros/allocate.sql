{#- One line's exact share of an order-level amount.

    weight_through / weight_before are the line's cumulative weight through it and before it, and
    total_weight its order's, all whole numbers. The line gets R(amount * weight_through / total_weight)
    - R(amount * weight_before / total_weight), R rounding to `scale` decimals half away from zero
    (as round() does); over an order's lines these telescope to R(amount) - R(0) = amount, so
    allocated lines always add up to the header to the last ten-thousandth, without a "last line
    takes the remainder" special case, and each line is within one ten-thousandth of its exact share.

    R is computed on whole numbers (the amount in units of its last decimal), never in floating point:
    DuckDB divides decimals in double precision (15-16 digits), which misses the last decimal of amounts
    from about 10^11. A product too large for 38 digits stops the build; it is never rounded. -#}
{% macro allocate(amount, weight_through, weight_before, total_weight, scale=4) -%}
    {%- set units = 'trunc(' ~ amount ~ ' * 1' ~ '0' * scale ~ ')' -%}
    cast(
        (
            {{ rounded_quotient(units ~ ' * ' ~ weight_through, total_weight) }}
            - {{ rounded_quotient(units ~ ' * ' ~ weight_before, total_weight) }}
        ) * 0.{{ '0' * (scale - 1) }}1
        as decimal(19, {{ scale }})
    )
{%- endmacro %}

{#- numerator / denominator for two whole numbers, rounded half away from zero. -#}
{% macro rounded_quotient(numerator, denominator) -%}
    sign({{ numerator }}) * sign({{ denominator }}) * {{ integer_quotient(
        '2 * abs(' ~ numerator ~ ') + abs(' ~ denominator ~ ')', '2 * abs(' ~ denominator ~ ')'
    ) }}
{%- endmacro %}

{#- dividend / divisor rounded down, for two non-negative whole numbers, exactly. SQL has no portable
    integer division: on Snowflake a division is exact once the remainder is taken off; DuckDB
    divides decimals in double precision, so there HUGEINTs are divided. -#}
{% macro integer_quotient(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_quotient')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_quotient(dividend, divisor) -%}
    ((({{ dividend }}) - mod({{ dividend }}, {{ divisor }})) / ({{ divisor }}))
{%- endmacro %}

{% macro duckdb__integer_quotient(dividend, divisor) -%}
    (cast({{ dividend }} as hugeint) // cast({{ divisor }} as hugeint))
{%- endmacro %}
