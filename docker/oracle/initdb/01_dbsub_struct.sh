#!/bin/bash
# Init script of the structural database (service `oracle` in docker-compose.yml).
# gvenzl/oracle-free runs /container-entrypoint-initdb.d/* once, on the first start of an empty
# data volume, as the `oracle` OS user, after it has created ORACLE_DATABASE and APP_USER.
# Written to work whether it is executed or (without its x bit) sourced by the entrypoint.

dbsub_struct_init() {
  local pdb="${ORACLE_DATABASE:-FREEPDB1}"
  local app_user="${APP_USER:-}"
  if [ -z "${app_user}" ]; then
    echo "dbsub: APP_USER is empty; no catalog grants to give"
    return 0
  fi
  local ident='^[A-Za-z][A-Za-z0-9_$#]{0,127}$'
  if ! [[ "${app_user}" =~ ${ident} ]]; then
    echo "dbsub: APP_USER '${app_user}' is not a plain Oracle identifier" >&2
    return 1
  fi
  # dbsub reads the catalog as APP_USER; the imported schemas may belong to other users, so let
  # it read the DBA_* dictionary views too (a local, schema-only database).
  sqlplus -s / as sysdba <<SQL
WHENEVER SQLERROR EXIT SQL.SQLCODE
ALTER SESSION SET CONTAINER = ${pdb};
GRANT SELECT_CATALOG_ROLE TO ${app_user};
GRANT SELECT ANY DICTIONARY TO ${app_user};
EXIT
SQL
}

dbsub_struct_init
