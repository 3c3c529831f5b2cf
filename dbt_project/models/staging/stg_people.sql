with

source as (

    select * from {{ source('raw', 'person') }}

),

renamed as (

    select
        business_entity_id as person_id,
        person_type,
        title,
        first_name,
        middle_name,
        last_name,
        trim(first_name || ' ' || last_name) as full_name,
        email_promotion,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

)

select * from renamed
