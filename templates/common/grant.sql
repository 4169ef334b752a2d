GRANT {{ g.privilege }} ON {{ g.object }} TO {{ g.grantee }}{% if g.grantable %} WITH GRANT OPTION{% endif %};
