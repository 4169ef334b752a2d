{% if let Some(note) = t.note -%}
-- {{ note }}
{% endif -%}
CREATE TABLE {{ t.name }} (
{%- for e in t.elements %}
  {% match e -%}
  {% when Element::Column with (c) -%}
    {{ c.name }} {{ c.ty }}
    {%- if let Some(g) = c.generated %} GENERATED ALWAYS AS ({{ g }}) VIRTUAL{% endif %}
    {%- if let Some(d) = c.default %} DEFAULT {{ d }}{% endif %}
    {%- if c.not_null %} NOT NULL{% endif %}
  {%- when _ -%}
    {% include "common/table_constraint.sql" %}
  {%- endmatch %}{% if !loop.last %},{% endif %}
{%- endfor %}
);
