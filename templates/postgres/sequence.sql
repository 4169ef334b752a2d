CREATE SEQUENCE {{ s.name }} START WITH {{ s.start }} INCREMENT BY {{ s.increment }}
{%- match s.min_value %}{% when Some with (v) %} MINVALUE {{ v }}{% when None %} NO MINVALUE{% endmatch %}
{%- match s.max_value %}{% when Some with (v) %} MAXVALUE {{ v }}{% when None %} NO MAXVALUE{% endmatch %}
{%- if s.cycle %} CYCLE{% endif %}
{%- if let Some(n) = s.cache %} CACHE {{ n }}{% endif %};
