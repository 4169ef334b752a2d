{% include "common/header.sql" %}
{% if m.stored_code -%}
SET check_function_bodies = false;

{% endif -%}
{% for item in m.items -%}
{% match item -%}
{% when Item::Sequence with (s) -%}
{% include "postgres/sequence.sql" %}
{% when Item::Table with (t) -%}
{% include "postgres/table.sql" %}
{% when Item::ForeignKey with (fk) -%}
{% include "postgres/foreign_key.sql" %}
{% when Item::Index with (ix) -%}
{% include "common/index.sql" %}
{% when Item::Comment with (c) -%}
COMMENT ON {{ c.on }} {{ c.target }} IS {{ c.literal }};
{% when Item::View with (v) -%}
CREATE {% if v.materialized %}MATERIALIZED VIEW{% else %}OR REPLACE VIEW{% endif %} {{ v.name }}
{%- if let Some(columns) = v.columns %} ({{ columns }}){% endif %} AS
{{ v.query }};
{% when Item::Code with (code) -%}
CREATE {% if code.or_replace %}OR REPLACE {% endif %}{{ code.definition }};
{% when Item::Synonym with (syn) -%}
-- NOT CREATED: SYNONYM {{ syn.name }} FOR {{ syn.target }}: PostgreSQL has no synonyms
{% when Item::Grant with (g) -%}
{% include "common/grant.sql" %}
{% when Item::Alter with (a) -%}
{% include "postgres/alter.sql" %}
{% when Item::Extension with (e) -%}
CREATE EXTENSION IF NOT EXISTS {{ e }};
{% when Item::NotTranslated with (note) -%}
{% include "common/note.sql" %}
{% endmatch %}
{% endfor %}
