{#- LOCAL: partitioned like its table, written only where the dialect carries the table's
    partitioning (Oracle). -#}
CREATE {% if ix.unique %}UNIQUE {% endif %}{% if let Some(w) = ix.method_word %}{{ w }} {% endif %}INDEX {{ ix.name }} ON {{ ix.table }}
{%- if let Some(m) = ix.using %} USING {{ m }}{% endif %} (
{%- for c in ix.columns %}{{ c.expression }}{% if let Some(o) = c.opclass %} {{ o }}{% endif %}{% if c.descending %} DESC{% endif %}{% match c.nulls_first %}{% when Some with (true) %} NULLS FIRST{% when Some with (false) %} NULLS LAST{% when None %}{% endmatch %}{% if !loop.last %}, {% endif %}{% endfor -%}
)
{%- if !ix.include.is_empty() %} INCLUDE ({{ ix.include }}){% endif %}
{%- if ix.nulls_not_distinct %} NULLS NOT DISTINCT{% endif %}
{%- if ix.local %} LOCAL{% endif %}
{%- if let Some(p) = ix.predicate %} WHERE {{ p }}{% endif %};
