with

source as (

    select * from {{ source('raw', 'store') }}

),

renamed as (

    select
        business_entity_id as store_id,
        name as store_name,
        sales_person_id,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
