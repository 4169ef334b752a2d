{% if let Some(note) = t.note -%}
-- {{ note }}
{% endif -%}
CREATE {% if t.preserve_rows.is_some() %}GLOBAL TEMPORARY {% endif %}TABLE {{ t.name }} (
{%- for e in t.elements %}
  {% match e -%}
  {% when Element::Column with (c) -%}
    {{ c.name }} {{ c.ty }}
    {%- if let Some(g) = c.generated %} GENERATED ALWAYS AS ({{ g }}) VIRTUAL{% endif %}
    {%- if let Some(d) = c.default %} DEFAULT {{ d }}{% endif %}
    {%- if let Some(always) = c.identity %} GENERATED {% if always %}ALWAYS{% else %}BY DEFAULT{% endif %} AS IDENTITY{% endif %}
    {%- if c.not_null %} NOT NULL{% endif %}
  {%- when _ -%}
    {% include "common/table_constraint.sql" %}
  {%- endmatch %}{% if !loop.last %},{% endif %}
{%- endfor %}
)
{%- if let Some(preserve) = t.preserve_rows %} ON COMMIT {% if preserve %}PRESERVE{% else %}DELETE{% endif %} ROWS{% endif %}
{%- if let Some(p) = t.partitioning %}
PARTITION BY {{ p.method }}
  {%- if let Some(fk) = p.reference %} ({{ fk }}){% else if !p.key.is_empty() %} ({{ p.key }}){% endif %}
  {%- if let Some(interval) = p.interval %} INTERVAL ({{ interval }}){% endif %}
  {%- if let Some(n) = p.quantity %} PARTITIONS {{ n }}{% endif %}
  {%- if let Some(sub) = p.subpartition_by %}
SUBPARTITION BY {{ sub.method }} ({{ sub.key }})
    {%- if !sub.template.is_empty() %} SUBPARTITION TEMPLATE (
    {%- for s in sub.template %}
  SUBPARTITION{% if !s.name.is_empty() %} {{ s.name }}{% endif %}{% if !s.bound.is_empty() %} {{ s.bound }}{% endif %}{% if !loop.last %},{% endif %}
    {%- endfor %}
)
    {%- endif %}
  {%- endif %}
  {%- if !p.nested.is_empty() %} (
  {%- for part in p.nested %}
  PARTITION{% if !part.name.is_empty() %} {{ part.name }}{% endif %}{% if !part.bound.is_empty() %} {{ part.bound }}{% endif %}
    {%- if !part.subpartitions.is_empty() %} (
    {%- for sub in part.subpartitions %}
    SUBPARTITION{% if !sub.name.is_empty() %} {{ sub.name }}{% endif %}{% if !sub.bound.is_empty() %} {{ sub.bound }}{% endif %}{% if !loop.last %},{% endif %}
    {%- endfor %}
  ){% endif %}{% if !loop.last %},{% endif %}
  {%- endfor %}
)
  {%- endif %}
  {%- if p.row_movement %}
ENABLE ROW MOVEMENT
  {%- endif %}
{%- endif %};
