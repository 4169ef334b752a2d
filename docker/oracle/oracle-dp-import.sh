#!/bin/bash
# oracle-dp-import (docker-compose.yml): one Data Pump import into the structural database.
#
# Runs in a throwaway container of the same gvenzl/oracle-free image as `oracle`, for its impdp and
# sqlplus clients, once `oracle` is healthy. The database server reads the dump file itself, from
# the folder that both containers mount at /opt/dbsub/dpdump (DBSUB_DATAPUMP_DIR on the host),
# through the DIRECTORY object DBSUB_DPDUMP that this script creates.
#
#  - no dump file: prints how to add one and exits 0;
#  - the target schema already has tables: skips and exits 0 (DBSUB_DATAPUMP_FORCE=1 imports
#    anyway; objects that exist are then skipped by impdp);
#  - impdp exit code 5 (finished, with errors such as "user already exists"): a warning, exit 0;
#  - anything else that fails: exit 1.
# Settings: the DBSUB_DATAPUMP_* variables, documented in env_sample and docs/struct_db.md.
set -euo pipefail

DB_HOST="${DBSUB_DB_HOST:-oracle}"
PDB="${DBSUB_STRUCT_PDB:-DBDOCK_STRUCT_01}"
DUMP_DIR=/opt/dbsub/dpdump
HOST_DUMP_DIR="${DBSUB_DATAPUMP_DIR:-./docker/oracle/dpdump}"
DIR_OBJECT=DBSUB_DPDUMP
DUMP_FILES="${DBSUB_DATAPUMP_FILE:-struct.dmp}"
CONTENT="${DBSUB_DATAPUMP_CONTENT:-METADATA_ONLY}"
IDENT='^[A-Za-z][A-Za-z0-9_$#]{0,127}$'
PAIR='^[A-Za-z][A-Za-z0-9_$#]{0,127}:[A-Za-z][A-Za-z0-9_$#]{0,127}$'

log() { echo "oracle-dp-import: $*"; }
die() { echo "oracle-dp-import: ERROR: $*" >&2; exit 1; }
trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# Split a comma-separated list into the array named $2, trimming blanks and dropping empty items.
split_list() {
  local -n _list="$2"
  local item
  local -a items
  _list=()
  IFS=',' read -r -a items <<<"$1"
  for item in "${items[@]}"; do
    item="$(trim "${item}")"
    [ -n "${item}" ] && _list+=("${item}")
  done
  return 0
}

# --- settings -------------------------------------------------------------------------------
[ -n "${ORACLE_PASSWORD:-}" ] || die "ORACLE_PASSWORD is empty"
case "${ORACLE_PASSWORD}" in
  *[\"\'@/[:space:]]*) die "ORACLE_PASSWORD must not contain quotes, '@', '/' or blanks (it goes into an impdp connect string)" ;;
esac
[[ "${PDB}" =~ ${IDENT} ]] || die "DBSUB_STRUCT_PDB '${PDB}' is not a plain Oracle identifier"
CONTENT="${CONTENT^^}"
case "${CONTENT}" in
  ALL | METADATA_ONLY | DATA_ONLY) ;;
  *) die "DBSUB_DATAPUMP_CONTENT must be ALL, METADATA_ONLY or DATA_ONLY, not '${CONTENT}'" ;;
esac

files=() schemas=() remap_schemas=() remap_tablespaces=()
split_list "${DUMP_FILES}" files
[ "${#files[@]}" -gt 0 ] || die "DBSUB_DATAPUMP_FILE is empty"
split_list "${DBSUB_DATAPUMP_SCHEMAS:-}" schemas
split_list "${DBSUB_DATAPUMP_REMAP_SCHEMA:-}" remap_schemas
split_list "${DBSUB_DATAPUMP_REMAP_TABLESPACE:-}" remap_tablespaces

check_pairs() {
  local name="$1" pair
  shift
  for pair in "$@"; do
    [[ "${pair}" =~ ${PAIR} ]] ||
      die "${name}: '${pair}' is not SOURCE:TARGET"
  done
}
check_pairs DBSUB_DATAPUMP_REMAP_SCHEMA "${remap_schemas[@]}"
check_pairs DBSUB_DATAPUMP_REMAP_TABLESPACE "${remap_tablespaces[@]}"
for s in "${schemas[@]}"; do
  [[ "${s}" =~ ${IDENT} ]] || die "DBSUB_DATAPUMP_SCHEMAS: '${s}' is not a plain Oracle identifier"
done

# --- the dump file --------------------------------------------------------------------------
for f in "${files[@]}"; do
  case "${f}" in
    */* | *:*) die "DBSUB_DATAPUMP_FILE names files inside DBSUB_DATAPUMP_DIR, not paths: '${f}'" ;;
  esac
  # Data Pump substitution variables (%U, %L, …) match any numbered piece of the set.
  pattern="${f//%[UuLl]/*}"
  found="$(compgen -G "${DUMP_DIR}/${pattern}" || true)"
  if [ -z "${found}" ]; then
    log "no dump file '${f}' in ${HOST_DUMP_DIR} (mounted at ${DUMP_DIR}); nothing to import."
    log "To load the structural database:"
    log "  1. export the schema(s) from the source database, e.g."
    log "       expdp system SCHEMAS=THE CONTENT=METADATA_ONLY DIRECTORY=DATA_PUMP_DIR DUMPFILE=struct.dmp"
    log "  2. copy the .dmp file(s) into ${HOST_DUMP_DIR} (readable by everyone: chmod a+r),"
    log "     and set DBSUB_DATAPUMP_FILE in .env if the name is not struct.dmp;"
    log "  3. set DBSUB_DATAPUMP_REMAP_TABLESPACE (e.g. THE_DATA:USERS,THE_INDEX:USERS) for the"
    log "     source tablespaces, and DBSUB_DATAPUMP_REMAP_SCHEMA if the schema must be renamed;"
    log "  4. run: docker compose up oracle-dp-import"
    log "See docs/struct_db.md."
    exit 0
  fi
  while IFS= read -r path; do
    [ -r "${path}" ] || die "${path#"${DUMP_DIR}/"} is not readable by the database (uid $(id -u)); run: chmod a+r ${HOST_DUMP_DIR}/*"
  done <<<"${found}"
done

# --- SQL*Plus against the PDB, as SYSTEM ----------------------------------------------------
connect_string="//${DB_HOST}:1521/${PDB}"
sql() {
  sqlplus -s -L /nolog <<SQL
WHENEVER SQLERROR EXIT SQL.SQLCODE
WHENEVER OSERROR EXIT FAILURE
SET HEADING OFF FEEDBACK OFF PAGESIZE 0 LINESIZE 200 TRIMOUT ON VERIFY OFF ECHO OFF
CONNECT system/"${ORACLE_PASSWORD}"@${connect_string}
$1
EXIT
SQL
}

# The schemas the import writes into: the listed ones (renamed by REMAP_SCHEMA), else the
# remap targets, else APP_USER (the user dbsub logs in as).
declare -A remap=()
for pair in "${remap_schemas[@]}"; do
  src="${pair%%:*}"
  remap["${src^^}"]="${pair#*:}"
done
targets=()
if [ "${#schemas[@]}" -gt 0 ]; then
  for s in "${schemas[@]}"; do
    t="${remap[${s^^}]:-${s}}"
    targets+=("${t^^}")
  done
elif [ "${#remap_schemas[@]}" -gt 0 ]; then
  for pair in "${remap_schemas[@]}"; do
    t="${pair#*:}"
    targets+=("${t^^}")
  done
else
  app_user="${APP_USER:-THE}"
  [[ "${app_user}" =~ ${IDENT} ]] || die "APP_USER '${app_user}' is not a plain Oracle identifier"
  targets+=("${app_user^^}")
fi
in_list="$(printf "'%s'," "${targets[@]}")"
in_list="${in_list%,}"

log "connecting to ${connect_string} as SYSTEM"
answer="$(sql "SELECT 'TABLES=' || COUNT(*) FROM dba_tables WHERE owner IN (${in_list});")" ||
  die "cannot query ${connect_string}: ${answer}"
tables="$(sed -n 's/^[[:space:]]*TABLES=\([0-9][0-9]*\)[[:space:]]*$/\1/p' <<<"${answer}")"
[ -n "${tables}" ] || die "unexpected answer from ${connect_string}: ${answer}"
if [ "${tables}" -gt 0 ] && [ "${DBSUB_DATAPUMP_FORCE:-}" != "1" ]; then
  log "schema(s) ${in_list} already hold ${tables} table(s): skipping the import"
  log "(set DBSUB_DATAPUMP_FORCE=1 to import anyway, or start from an empty database with"
  log " docker compose rm -sf oracle && docker volume rm <project>_oracle-data)"
  exit 0
fi

log "creating DIRECTORY ${DIR_OBJECT} -> ${DUMP_DIR}"
answer="$(sql "CREATE OR REPLACE DIRECTORY ${DIR_OBJECT} AS '${DUMP_DIR}';")" ||
  die "cannot create the DIRECTORY object: ${answer}"

# --- impdp ----------------------------------------------------------------------------------
# A parameter file keeps the password off the command line and needs no shell quoting.
parfile="$(mktemp /tmp/dbsub-impdp.XXXXXX.par)"
trap 'rm -f "${parfile}"' EXIT
chmod 600 "${parfile}"
{
  echo "USERID=\"system/${ORACLE_PASSWORD}@${connect_string}\""
  echo "DIRECTORY=${DIR_OBJECT}"
  echo "DUMPFILE=$(IFS=','; echo "${files[*]}")"
  # The folder may be read-only for the server; impdp's progress goes to this container's output.
  echo "NOLOGFILE=YES"
  echo "CONTENT=${CONTENT}"
  [ "${#schemas[@]}" -gt 0 ] && echo "SCHEMAS=$(IFS=','; echo "${schemas[*]}")"
  for pair in "${remap_schemas[@]}"; do echo "REMAP_SCHEMA=${pair}"; done
  for pair in "${remap_tablespaces[@]}"; do echo "REMAP_TABLESPACE=${pair}"; done
  # Free-form extra parameters, one per ';'-separated item, e.g. EXCLUDE=STATISTICS;PARALLEL=2.
  IFS=';' read -r -a extra <<<"${DBSUB_DATAPUMP_OPTIONS:-}"
  for item in "${extra[@]}"; do
    item="$(trim "${item}")"
    [ -n "${item}" ] && echo "${item}"
  done
  true
} >"${parfile}"

log "impdp with:"
grep -v '^USERID=' "${parfile}" | sed 's/^/    /'
set +e
impdp parfile="${parfile}"
rc=$?
set -e
case "${rc}" in
  0) log "impdp finished without errors" ;;
  5) log "WARNING: impdp finished with errors (exit code 5), see the ORA- lines above;"
     log "         'already exists' errors (e.g. ORA-31684 for APP_USER) are expected." ;;
  *) die "impdp failed (exit code ${rc})" ;;
esac

# --- what is there now ----------------------------------------------------------------------
log "objects in ${in_list}:"
sql "SELECT RPAD(owner, 30) || RPAD(object_type, 24) || LPAD(COUNT(*), 8)
         || DECODE(SUM(DECODE(status, 'VALID', 0, 1)), 0, NULL,
                   '  (' || SUM(DECODE(status, 'VALID', 0, 1)) || ' invalid)')
  FROM dba_objects WHERE owner IN (${in_list})
 GROUP BY owner, object_type ORDER BY owner, object_type;" | sed 's/^/    /'
log "done: point DBSUB_STRUCT_URL at oracle://<APP_USER>:<APP_USER_PASSWORD>@localhost:<DBSUB_STRUCT_PORT>/${PDB}"
