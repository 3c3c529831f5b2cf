with

source as (

    select * from {{ source('raw', 'state_province') }}

),

renamed as (

    select
        state_province_id,
        trim(state_province_code) as state_province_code,
        name as state_province_name,
        country_region_code,
        territory_id,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
