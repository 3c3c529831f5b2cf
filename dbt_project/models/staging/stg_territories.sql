with

source as (

    select * from {{ source('raw', 'sales_territory') }}

),

renamed as (

    select
        territory_id,
        name as territory_name,
        country_region_code,
        "group" as territory_group,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
