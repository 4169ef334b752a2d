ALTER TABLE {{ fk.table }} ADD CONSTRAINT {{ fk.name }}
  FOREIGN KEY ({{ fk.columns }}) REFERENCES {{ fk.ref_table }} ({{ fk.ref_columns }})
{%- if let Some(action) = fk.on_delete %} ON DELETE {{ action }}{% endif %}
{%- if let Some(action) = fk.on_update %} ON UPDATE {{ action }}{% endif %}
{%- if fk.deferrable %} DEFERRABLE INITIALLY {% if fk.initially_deferred %}DEFERRED{% else %}IMMEDIATE{% endif %}{% endif %};
