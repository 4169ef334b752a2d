{% if let Some(note) = t.note -%}
-- {{ note }}
{% endif -%}
CREATE TABLE {{ t.name }} (
{%- for e in t.elements %}
  {% match e -%}
  {% when Element::Column with (c) -%}
    {{ c.name }} {{ c.ty }}
    {%- if let Some(g) = c.generated %} GENERATED ALWAYS AS ({{ g }}) STORED{% endif %}
    {%- if let Some(d) = c.default %} DEFAULT {{ d }}{% endif %}
    {%- if let Some(always) = c.identity %} GENERATED {% if always %}ALWAYS{% else %}BY DEFAULT{% endif %} AS IDENTITY{% endif %}
    {%- if c.not_null %} NOT NULL{% endif %}
  {%- when _ -%}
    {% include "common/table_constraint.sql" %}
  {%- endmatch %}{% if !loop.last %},{% endif %}
{%- endfor %}
);
