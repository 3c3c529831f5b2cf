with

source as (

    select * from {{ source('raw', 'country_region') }}

),

renamed as (

    select
        country_region_code,
        name as country_region_name,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
