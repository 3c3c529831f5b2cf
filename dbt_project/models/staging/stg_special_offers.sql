with

source as (

    select * from {{ source('raw', 'special_offer') }}

),

renamed as (

    select
        special_offer_id,
        description as special_offer_description,
        cast(discount_pct as decimal(10, 4)) as discount_pct,
        type as special_offer_type,
        category as special_offer_category,
        cast(start_date as {{ dbt.type_timestamp() }}) as starts_at,
        cast(end_date as {{ dbt.type_timestamp() }}) as ends_at,
        min_qty,
        max_qty,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
