{#- Use the configured schema as is (staging, analytics), not dbt's default "<target>_<schema>",
    so the warehouse has the same three schemas everywhere: raw, staging, analytics. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
