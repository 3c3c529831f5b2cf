with

source as (

    select * from {{ source('raw', 'product_subcategory') }}

),

renamed as (

    select
        product_subcategory_id,
        product_category_id,
        name as subcategory_name,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
