{#- The one staging model with joins: every consumer of products needs the two-level hierarchy,
    so it is resolved once here (as the foundation issue asks) from the staged lookups. -#}
with

source as (

    select * from {{ source('raw', 'product') }}

),

renamed as (

    select
        product_id,
        name as product_name,
        product_number,
        make_flag,
        finished_goods_flag as is_finished_good,
        color,
        size,
        safety_stock_level,
        reorder_point,
        cast(standard_cost as decimal(19, 4)) as standard_cost,
        cast(list_price as decimal(19, 4)) as list_price,
        product_subcategory_id,
        cast(sell_start_date as {{ dbt.type_timestamp() }}) as sell_start_date,
        cast(sell_end_date as {{ dbt.type_timestamp() }}) as sell_end_date,
        cast(modified_date as {{ dbt.type_timestamp() }}) as modified_at

    from source

),

subcategories as (

    select * from {{ ref('stg_product_subcategories') }}

),

categories as (

    select * from {{ ref('stg_product_categories') }}

)

select
    renamed.*,
    subcategories.subcategory_name,
    subcategories.product_category_id,
    categories.category_name

from renamed
left join subcategories
    on renamed.product_subcategory_id = subcategories.product_subcategory_id
left join categories
    on subcategories.product_category_id = categories.product_category_id
