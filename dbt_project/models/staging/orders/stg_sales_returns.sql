{#- Sales.SalesReturn is optional (real AdventureWorks has none). Without it this model is an
    empty, typed relation, and marts report return metrics as NULL. -#}
with

{% if relation_exists(source('raw', 'sales_return')) %}

source as (

    select * from {{ source('raw', 'sales_return') }}

),

renamed as (

    select
        sales_return_id,
        sales_order_id,
        sales_order_detail_id,
        cast(return_date as {{ dbt.type_timestamp() }}) as return_date,
        return_qty,
        return_reason,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

{% else %}

renamed as (

    select
        cast(null as {{ dbt.type_bigint() }}) as sales_return_id,
        cast(null as {{ dbt.type_bigint() }}) as sales_order_id,
        cast(null as {{ dbt.type_bigint() }}) as sales_order_detail_id,
        cast(null as {{ dbt.type_timestamp() }}) as return_date,
        cast(null as {{ dbt.type_bigint() }}) as return_qty,
        cast(null as {{ dbt.type_string() }}) as return_reason,
        cast(null as {{ dbt.type_timestamp() }}) as modified_at
    where 1 = 0

)

{% endif %}

select * from renamed
