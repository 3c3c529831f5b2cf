with

source as (

    select * from {{ source('raw', 'product_cost_history') }}

),

renamed as (

    select
        product_id,
        cast(start_date as {{ dbt.type_timestamp() }}) as valid_from,
        {#- EndDate is the period's last day, inclusive; valid_to is the exclusive bound, so an
            order at any time of that day falls inside. NULL: the current cost. -#}
        cast({{ dbt.dateadd('day', 1, 'end_date') }} as {{ dbt.type_timestamp() }}) as valid_to,
        cast(standard_cost as decimal(19, 4)) as standard_cost,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
