CREATE {% if ix.unique %}UNIQUE {% endif %}INDEX {{ ix.name }} ON {{ ix.table }} (
{%- for c in ix.columns %}{{ c.expression }}{% if c.descending %} DESC{% endif %}{% if !loop.last %}, {% endif %}{% endfor -%}
)
{%- if let Some(p) = ix.predicate %} WHERE {{ p }}{% endif %};
