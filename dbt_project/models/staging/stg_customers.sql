with

source as (

    select * from {{ source('raw', 'customer') }}

),

renamed as (

    select
        customer_id,
        person_id,
        store_id,
        territory_id,
        account_number,
        case
            when person_id is not null and store_id is not null then 'store_contact'
            when store_id is not null then 'store'
            else 'individual'
        end as customer_type,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
