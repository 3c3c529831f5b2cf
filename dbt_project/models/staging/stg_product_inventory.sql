with

source as (

    select * from {{ source('raw', 'product_inventory') }}

),

renamed as (

    select
        product_id,
        location_id,
        shelf,
        bin,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
