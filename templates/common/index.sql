{#- LOCAL: partitioned like its table, written only where the dialect carries the table's
    partitioning (Oracle). -#}
CREATE {% if ix.unique %}UNIQUE {% endif %}INDEX {{ ix.name }} ON {{ ix.table }} (
{%- for c in ix.columns %}{{ c.expression }}{% if c.descending %} DESC{% endif %}{% if !loop.last %}, {% endif %}{% endfor -%}
)
{%- if ix.local %} LOCAL{% endif %}
{%- if let Some(p) = ix.predicate %} WHERE {{ p }}{% endif %};
