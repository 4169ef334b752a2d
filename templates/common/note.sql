-- NOT CREATED: {{ note.what }}: {{ note.why }}
{%- for line in note.source_lines %}
--   {{ line }}
{%- endfor %}
