{#- Every pair is listed both ways with the same count, support and lift; support and confidence
    are shares in (0, 1], lift is positive, a product is never paired with itself, and no pair is
    on more orders than either product. Attached to product_affinity (meta.dagster.ref). -#}
{{ config(meta={'dagster': {'ref': {'name': 'product_affinity'}}}) }}

select
    affinity.product_id,
    affinity.paired_product_id

from {{ ref('product_affinity') }} as affinity
left join {{ ref('product_affinity') }} as mirrored
    on affinity.product_id = mirrored.paired_product_id
    and affinity.paired_product_id = mirrored.product_id
where mirrored.product_id is null
    or affinity.orders_with_both <> mirrored.orders_with_both
    or abs(affinity.support - mirrored.support) > 1e-12
    or abs(affinity.lift - mirrored.lift) > 1e-9 * affinity.lift
    or affinity.support <= 0 or affinity.support > 1
    or affinity.confidence <= 0 or affinity.confidence > 1
    or affinity.lift <= 0
    or affinity.product_id = affinity.paired_product_id
    or affinity.orders_with_both > affinity.orders_with_product
    or affinity.orders_with_both > affinity.orders_with_paired_product
