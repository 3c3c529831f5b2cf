with

source as (

    select * from {{ source('raw', 'product_category') }}

),

renamed as (

    select
        product_category_id,
        name as category_name,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
