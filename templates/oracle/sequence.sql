CREATE SEQUENCE {{ s.name }} START WITH {{ s.start }} INCREMENT BY {{ s.increment }}
{%- if let Some(v) = s.min_value %} MINVALUE {{ v }}{% endif %}
{%- if let Some(v) = s.max_value %} MAXVALUE {{ v }}{% endif %}
{%- if s.cycle %} CYCLE{% endif %}
{%- match s.cache %}{% when Some with (n) %} CACHE {{ n }}{% when None %} NOCACHE{% endmatch %};
