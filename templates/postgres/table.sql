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
){% if let Some(p) = t.partitioning %} PARTITION BY {{ p.method }} ({{ p.key }}){% endif %};
{%- if let Some(p) = t.partitioning %}
{%- for part in p.partitions %}
CREATE TABLE {{ part.name }} PARTITION OF {{ part.parent }} {{ part.bound }}
{%- if let Some(m) = part.sub_method %} PARTITION BY {{ m }} ({{ part.sub_key }}){% endif %};
{%- endfor %}
{%- endif %}
