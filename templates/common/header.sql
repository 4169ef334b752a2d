{% for line in m.header -%}
-- {{ line }}
{% endfor %}