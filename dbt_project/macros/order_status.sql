{#- The revenue rule, defined once: an order counts as revenue unless AdventureWorks' Status says it
    was Rejected (4) or Cancelled (6). In process (1), Approved (2), Backordered (3) and Shipped (5)
    orders are revenue. AdventureWorks cancels by status rather than deleting, so a cancelled
    order stays in fact_sales (is_revenue false) and leaves every revenue figure. -#}
{% macro order_is_revenue(status) -%}
    ({{ status }} not in (4, 6))
{%- endmacro %}

{#- AdventureWorks' names for SalesOrderHeader.Status. -#}
{% macro order_status_name(status) -%}
    case {{ status }}
        when 1 then 'In process'
        when 2 then 'Approved'
        when 3 then 'Backordered'
        when 4 then 'Rejected'
        when 5 then 'Shipped'
        when 6 then 'Cancelled'
        else 'Unknown'
    end
{%- endmacro %}
