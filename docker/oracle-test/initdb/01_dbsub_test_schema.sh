#!/bin/bash
# Init script of the local test database (service `oracle-test` in docker-compose.yml).
# gvenzl/oracle-free runs /container-entrypoint-initdb.d/* once, on the first start of an empty
# data volume, as the `oracle` OS user, after it has created ORACLE_DATABASE and APP_USER.
# Written to work whether it is executed or (without its x bit) sourced by the entrypoint.
#
# Makes sure the schema that Flyway migrates (DBSUB_MIGRATION_SCHEMA, default THE) exists as a
# user that can log in with APP_USER_PASSWORD, and can create every kind of object dbsub's
# migrations hold. When it is APP_USER (the default: `the`), the user already exists and only
# gets the grants.

dbsub_test_schema_init() {
  local pdb="${ORACLE_DATABASE:-FREEPDB1}"
  local schema="${DBSUB_MIGRATION_SCHEMA:-THE}"
  local password="${APP_USER_PASSWORD:-}"
  local ident='^[A-Za-z][A-Za-z0-9_$#]{0,127}$'
  if ! [[ "${schema}" =~ ${ident} ]]; then
    echo "dbsub: DBSUB_MIGRATION_SCHEMA '${schema}' is not a plain Oracle identifier" >&2
    return 1
  fi
  if [ -z "${password}" ] || [[ "${password}" == *[\"\']* ]]; then
    echo "dbsub: APP_USER_PASSWORD must be set and must not contain quotes" >&2
    return 1
  fi
  schema="${schema^^}"

  sqlplus -s / as sysdba <<SQL
WHENEVER SQLERROR EXIT SQL.SQLCODE
SET SERVEROUTPUT ON FEEDBACK OFF
ALTER SESSION SET CONTAINER = ${pdb};
DECLARE
  n PLS_INTEGER;
BEGIN
  SELECT COUNT(*) INTO n FROM dba_users WHERE username = '${schema}';
  IF n = 0 THEN
    EXECUTE IMMEDIATE 'CREATE USER ${schema} IDENTIFIED BY "${password}"'
      || ' DEFAULT TABLESPACE USERS QUOTA UNLIMITED ON USERS';
    DBMS_OUTPUT.PUT_LINE('dbsub: created user ${schema}');
  ELSE
    EXECUTE IMMEDIATE 'ALTER USER ${schema} QUOTA UNLIMITED ON USERS';
    DBMS_OUTPUT.PUT_LINE('dbsub: user ${schema} exists');
  END IF;
END;
/
GRANT CREATE SESSION, CREATE TABLE, CREATE VIEW, CREATE SEQUENCE, CREATE PROCEDURE,
      CREATE TRIGGER, CREATE TYPE, CREATE SYNONYM, CREATE MATERIALIZED VIEW TO ${schema};
EXIT
SQL
}

dbsub_test_schema_init
