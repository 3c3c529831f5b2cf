with

source as (

    select * from {{ source('raw', 'sales_order_detail') }}

),

renamed as (

    select
        sales_order_id,
        sales_order_detail_id,
        product_id,
        special_offer_id,
        order_qty,
        cast(unit_price as decimal(19, 4)) as unit_price,
        cast(unit_price_discount as decimal(19, 4)) as unit_price_discount,
        cast(line_total as decimal(38, 6)) as line_total,
        carrier_tracking_number,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
