{#- One line's exact share of an order-level amount.

    share_through / share_before are the line's cumulative weight share after and before it.
    The line gets round(amount * share_through) - round(amount * share_before); over an order's
    lines these telescope to round(amount * 1) - round(amount * 0) = amount, so allocated lines
    always add up to the header to the last ten-thousandth, without a "last line takes the
    remainder" special case. -#}
{% macro allocate(amount, share_through, share_before, scale=4) -%}
    cast(
        cast(round({{ amount }} * {{ share_through }}, {{ scale }}) as decimal(19, {{ scale }}))
        - cast(round({{ amount }} * {{ share_before }}, {{ scale }}) as decimal(19, {{ scale }}))
        as decimal(19, {{ scale }})
    )
{%- endmacro %}
