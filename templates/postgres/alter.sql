{% match a -%}
{% when AlterSql::SetDefault with { table, column, default } -%}
ALTER TABLE {{ table }} ALTER COLUMN {{ column }} SET DEFAULT {{ default }};
{%- when AlterSql::AddCheck with { table, check } -%}
ALTER TABLE {{ table }} ADD {% if let Some(n) = check.name %}CONSTRAINT {{ n }} {% endif %}CHECK ({{ check.expression }});
{%- when AlterSql::AddColumn with { table, column } -%}
ALTER TABLE {{ table }} ADD COLUMN {{ column.name }} {{ column.ty }}
{%- if let Some(g) = column.generated %} GENERATED ALWAYS AS ({{ g }}) STORED{% endif %}
{%- if column.not_null %} NOT NULL{% endif %};
{%- endmatch %}
