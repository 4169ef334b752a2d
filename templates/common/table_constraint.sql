{#- The lines of CREATE TABLE other than columns, the same in every dialect. Inline foreign
    keys (with their actions) appear only in SQLite, which keeps them in CREATE TABLE. -#}
{% match e -%}
{% when Element::PrimaryKey with (k) -%}
{% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}PRIMARY KEY ({{ k.columns }})
{%- when Element::Unique with (k) -%}
{% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}UNIQUE ({{ k.columns }})
{%- when Element::Check with (k) -%}
{% if let Some(n) = k.name %}CONSTRAINT {{ n }} {% endif %}CHECK ({{ k.expression }})
{%- when Element::ForeignKey with (fk) -%}
CONSTRAINT {{ fk.name }} FOREIGN KEY ({{ fk.columns }}) REFERENCES {{ fk.ref_table }} ({{ fk.ref_columns }})
{%- if let Some(action) = fk.on_delete %} ON DELETE {{ action }}{% endif %}
{%- if let Some(action) = fk.on_update %} ON UPDATE {{ action }}{% endif %}
{%- if fk.deferrable %} DEFERRABLE INITIALLY {% if fk.initially_deferred %}DEFERRED{% else %}IMMEDIATE{% endif %}{% endif %}
{%- when Element::Column with (_c) -%}
{%- endmatch -%}
