{#- The discount band of a line's unit_price_discount, as discount_impact reports it. -#}
{% macro discount_band(discount) -%}
    case
        when {{ discount }} = 0 then '0% (none)'
        when {{ discount }} <= 0.05 then '1-5%'
        when {{ discount }} <= 0.10 then '6-10%'
        when {{ discount }} <= 0.20 then '11-20%'
        when {{ discount }} <= 0.35 then '21-35%'
        else '36% and over'
    end
{%- endmacro %}
