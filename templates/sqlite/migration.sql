{% include "common/header.sql" %}
{% for item in m.items -%}
{% match item -%}
{% when Item::Sequence with (s) -%}
-- NOT CREATED: SEQUENCE {{ s.name }}: SQLite has no sequences
{% when Item::Table with (t) -%}
{% include "sqlite/table.sql" %}
{% when Item::ForeignKey with (fk) -%}
-- NOT CREATED: FOREIGN KEY {{ fk.name }} ON {{ fk.table }}: SQLite adds foreign keys only with CREATE TABLE
{% when Item::Index with (ix) -%}
{% include "common/index.sql" %}
{% when Item::Comment with (c) -%}
-- COMMENT ON {{ c.on }} {{ c.target }}: {{ c.literal }}
{% when Item::View with (v) -%}
CREATE VIEW {{ v.name }}
{%- if let Some(columns) = v.columns %} ({{ columns }}){% endif %} AS
{{ v.query }};
{% when Item::Code with (code) -%}
CREATE {{ code.definition }};
{% when Item::Synonym with (syn) -%}
-- NOT CREATED: SYNONYM {{ syn.name }} FOR {{ syn.target }}: SQLite has no synonyms
{% when Item::Grant with (g) -%}
-- NOT CREATED: GRANT {{ g.privilege }} ON {{ g.object }} TO {{ g.grantee }}: SQLite has no grants
{% when Item::Alter with (_a) -%}
-- NOT CREATED: SQLite has no stored code, so no table piece waits for it
{% when Item::Extension with (e) -%}
-- NOT CREATED: EXTENSION {{ e }}
{% when Item::NotTranslated with (note) -%}
{% include "common/note.sql" %}
{% endmatch %}
{% endfor %}
