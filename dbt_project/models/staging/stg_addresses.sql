with

source as (

    select * from {{ source('raw', 'address') }}

),

renamed as (

    select
        address_id,
        address_line1,
        address_line2,
        city,
        state_province_id,
        postal_code,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
