with

source as (

    select * from {{ source('raw', 'sales_order_header') }}

),

renamed as (

    select
        sales_order_id,
        sales_order_number,
        cast(order_date as {{ dbt.type_timestamp() }}) as order_date,
        cast(due_date as {{ dbt.type_timestamp() }}) as due_date,
        cast(ship_date as {{ dbt.type_timestamp() }}) as ship_date,
        status,
        {{ order_status_name('status') }} as status_name,
        {{ order_is_revenue('status') }} as is_revenue,
        online_order_flag as is_online_order,
        customer_id,
        sales_person_id,
        territory_id,
        bill_to_address_id,
        ship_to_address_id,
        ship_method_id,
        cast(sub_total as decimal(19, 4)) as subtotal,
        cast(tax_amt as decimal(19, 4)) as tax_amount,
        cast(freight as decimal(19, 4)) as freight,
        cast(total_due as decimal(19, 4)) as total_due,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
