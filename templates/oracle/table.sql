CREATE TABLE {{ t.name }} (
{%- for e in t.elements %}
  {% match e -%}
  {% when Element::Column with (c) -%}
    {{ c.name }} {{ c.ty }}
    {%- if let Some(g) = c.generated %} GENERATED ALWAYS AS ({{ g }}) VIRTUAL{% endif %}
    {%- if let Some(d) = c.default %} DEFAULT {{ d }}{% endif %}
    {%- if let Some(always) = c.identity %} GENERATED {% if always %}ALWAYS{% else %}BY DEFAULT{% endif %} AS IDENTITY{% endif %}
    {%- if c.not_null %} NOT NULL{% endif %}
  {%- when Element::PrimaryKey with (k) -%}
    {% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}PRIMARY KEY ({{ k.columns }})
  {%- when Element::Unique with (k) -%}
    {% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}UNIQUE ({{ k.columns }})
  {%- when Element::Check with (k) -%}
    {% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}CHECK ({{ k.expression }})
  {%- when Element::ForeignKey with (fk) -%}
    CONSTRAINT {{ fk.name }} FOREIGN KEY ({{ fk.columns }}) REFERENCES {{ fk.ref_table }} ({{ fk.ref_columns }})
  {%- endmatch %}{% if !loop.last %},{% endif %}
{%- endfor %}
);
