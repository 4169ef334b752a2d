{% include "common/header.sql" %}
{% for item in m.items -%}
{% match item -%}
{% when Item::Sequence with (s) -%}
{% include "oracle/sequence.sql" %}
{% when Item::Table with (t) -%}
{% include "oracle/table.sql" %}
{% when Item::ForeignKey with (fk) -%}
{% include "oracle/foreign_key.sql" %}
{% when Item::Index with (ix) -%}
{% include "common/index.sql" %}
{% when Item::Comment with (c) -%}
COMMENT ON {{ c.on }} {{ c.target }} IS {{ c.literal }};
{% when Item::View with (v) -%}
CREATE {% if v.materialized %}MATERIALIZED VIEW{% else %}OR REPLACE VIEW{% endif %} {{ v.name }}
{%- if let Some(columns) = v.columns %} ({{ columns }}){% endif %} AS
{{ v.query }};
{% when Item::Code with (code) -%}
CREATE OR REPLACE {{ code.definition }}
/
{% if let Some(name) = code.disabled_trigger -%}
ALTER TRIGGER {{ name }} DISABLE;
{% endif -%}
{% when Item::Synonym with (syn) -%}
CREATE OR REPLACE SYNONYM {{ syn.name }} FOR {{ syn.target }};
{% when Item::Grant with (g) -%}
{% include "common/grant.sql" %}
{% when Item::Alter with (a) -%}
{% include "oracle/alter.sql" %}
{% when Item::Extension with (e) -%}
-- NOT CREATED: EXTENSION {{ e }}
{% when Item::NotTranslated with (note) -%}
{% include "common/note.sql" %}
{% endmatch %}
{% endfor %}
