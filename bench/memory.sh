#!/usr/bin/env bash
# Extract memory benchmark: peak RSS of `dbsub extract` with its default settings, from a SQLite
# and from a PostgreSQL source, at two scales of the demo (the seed table 4× larger at the
# second), to show whether the peak stays flat as the tables grow. RSS does not depend on how
# busy the machine is, so one shared machine gives trustworthy figures; wall times are shown
# for information only. Every run is checked: its parts are byte for byte those of a run with a
# key budget large enough that nothing spills. Prints a Markdown table for docs/benchmarks.md.
#
#   bench/memory.sh                  # SCALES="10 40", RUNS=3, both sources: about 10 minutes
#   SCALES="10 40 80" PG=0 bench/memory.sh
#
# Environment: SCALES (default "10 40"), RUNS (default 3; the median and the range are shown),
# TABLE (default: the largest table of the demo), PG=0 skips PostgreSQL, PG_BIN_DIR (the folder
# of initdb, pg_ctl and psql; default: PATH, then the highest /usr/lib/postgresql/*/bin), KEEP=1
# keeps the scratch folder, WORK=DIR uses DIR as the scratch folder and keeps it (a demo already
# in DIR/scale-S/data/demo.db is used as it is). Needs sqlite3 (3.38 or later), GNU time, and for PostgreSQL its
# server and psql; as root, the cluster runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

fail() {
    echo "bench/memory.sh: $*" >&2
    exit 1
}
SCALES=${SCALES:-10 40}
RUNS=${RUNS:-3}
PG=${PG:-1}
command -v sqlite3 >/dev/null && [ -x /usr/bin/time ] ||
    fail "needs sqlite3 and GNU time: apt-get install sqlite3 time"

cargo build --release
BIN=$PWD/target/release/dbsub
machine
if [ -n "${WORK:-}" ]; then
    W=$WORK KEEP=1
    mkdir -p "$W"
else
    W=$(mktemp -d "${TMPDIR:-/tmp}/dbsub-bench-memory.XXXXXX")
fi
chmod 711 "$W"

# The PostgreSQL cluster (trust authentication on 127.0.0.1, autovacuum off), if asked for.
if [ "$PG" = 1 ]; then
    PG_BIN_DIR=$(pg_bin_dir)
    [ -x "${PG_BIN_DIR:-/nonexistent}/initdb" ] || fail "no PostgreSQL binaries: set PG_BIN_DIR, or PG=0"
    as_owner() { "$@"; }
    if [ "$(id -u)" = 0 ]; then
        as_owner() { runuser -u postgres -- "$@"; }
    fi
    rm -rf "$W/pg"
    mkdir -p "$W/pg"
    [ "$(id -u)" = 0 ] && chown postgres: "$W/pg"
    as_owner "$PG_BIN_DIR/initdb" -D "$W/pg/data" -U dbsub --auth=trust -E UTF8 --locale=C >"$W/initdb.log" 2>&1 ||
        fail "initdb failed: $(tail -5 "$W/initdb.log")"
    PORT=$((20000 + RANDOM % 40000))
    as_owner "$PG_BIN_DIR/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $W/pg -c autovacuum=off" start >/dev/null ||
        fail "the server does not start: $(tail -5 "$W/pg/server.log")"
    PGURL=postgres://dbsub@127.0.0.1:$PORT
fi
cleanup() {
    if [ -f "$W/pg/data/postmaster.pid" ]; then
        as_owner "$PG_BIN_DIR/pg_ctl" -D "$W/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "scratch folder (kept): $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pq() { # DATABASE ARGS...
    local db=$1
    shift
    PGOPTIONS="-c client_min_messages=warning" "$PG_BIN_DIR/psql" -X -q -h 127.0.0.1 -p "$PORT" \
        -U dbsub -d "$db" -v ON_ERROR_STOP=1 "$@"
}

# dbsub runs with a clean environment in the scale's folder: the demo's data/demo.db, the store
# file://data/store; the PostgreSQL source is DBSUB_SOURCE_PG_BENCH.
dbsub() { # DIR [VAR=VALUE...] ARGS...
    local dir=$1
    shift
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$@")
}
# The parts of a subset: "key rows sha256" per part, in manifest order.
parts() { # MANIFEST
    sqlite3 :memory: "SELECT json_extract(p.value, '\$.key') || ' ' || json_extract(p.value, '\$.rows')
                      || ' ' || json_extract(p.value, '\$.sha256')
                      FROM json_each(readfile('$1'), '\$.tables') t, json_each(t.value, '\$.parts') p"
}
# One measured extract: appends "rss_kb wall_s" to KEY.runs and checks its parts against REF.
measure() { # KEY DIR KIND REF [VAR=VALUE...] -- ARGS...
    local key=$1 dir=$2 kind=$3 ref=$4 vars=() start end
    shift 4
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    read -ra kind <<<"$kind" # DBTYPE NAME
    start=$EPOCHREALTIME
    dbsub "$dir" "${vars[@]}" /usr/bin/time -f "%M" -o "$W/time" "$BIN" --quiet extract "${kind[@]}" \
        --seed-object "$T" --subset "$key" --refresh "$@" >/dev/null
    end=$EPOCHREALTIME
    echo "$(tail -1 "$W/time") $(calc '%.3f' "$end - $start")" >>"$W/$key.runs"
    if [ "$ref" != - ]; then
        local m
        m=$(find "$dir/data/store" -path "*/$key/manifest.json")
        [ "$(parts "$m")" = "$(cat "$ref")" ] || fail "$key: its parts differ from the unspilled run's"
    fi
}
stat_kb() { # KEY: "median (min–max) MiB" of the runs' peak RSS
    awk '{ print $1 }' "$W/$1.runs" | sort -n | awk '{ a[NR] = $1 } END {
        printf "%.0f MiB (%.0f–%.0f)", a[int((NR + 1) / 2)] / 1024, a[1] / 1024, a[NR] / 1024 }'
}
wall() { awk '{ print $2 }' "$W/$1.runs" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

ROWS_LINE=()
for s in $SCALES; do
    dir=$W/scale-$s
    mkdir -p "$dir"
    [ -f "$dir/data/demo.db" ] || dbsub "$dir" "$BIN" --quiet demo --scale "$s" --rebuild >/dev/null
    if [ -z "${TABLE:-}" ]; then
        TABLE=$(for t in $(sqlite3 "$dir/data/demo.db" "SELECT name FROM sqlite_schema WHERE type = 'table'
                                         AND name NOT LIKE 'sqlite\_%' ESCAPE '\'"); do
            echo "$(sqlite3 "$dir/data/demo.db" "SELECT count(*) FROM \"$t\"") $t"
        done | sort -rn | head -1 | cut -d' ' -f2)
    fi
    T=$TABLE
    seed_rows=$(sqlite3 "$dir/data/demo.db" "SELECT count(*) FROM \"$T\"")
    # The reference: a key budget that holds every key (nothing spills).
    measure "sqlite-ref-$s" "$dir" "SQLITE DEMO" - -- --key-memory 4G
    parts "$dir/data/store/DEMO/SQLITE/sqlite-ref-$s/manifest.json" >"$W/sqlite-ref-$s.parts"
    rows=$(awk '{ n += $2 } END { print n }' "$W/sqlite-ref-$s.parts")
    # The seed is the whole table: its parts hold every row of it.
    [ "$(awk -v t=".$T/" 'index($1, t) { n += $2 } END { print n }' "$W/sqlite-ref-$s.parts")" = "$seed_rows" ] ||
        fail "the extract at scale $s does not hold the $seed_rows rows of $T"
    for ((r = 1; r <= RUNS; r++)); do
        for j in 1 2; do
            measure "sqlite-j$j-$s" "$dir" "SQLITE DEMO" "$W/sqlite-ref-$s.parts" -- --jobs "$j"
        done
        measure "sqlite-dry-$s" "$dir" "SQLITE DEMO" - -- --dry-run
    done
    ROWS_LINE+=("sqlite $s $seed_rows $rows")
    [ "$PG" = 1 ] || continue
    # The PostgreSQL source: dbsub's migrations of the closure, loaded with the reference subset
    # (so the source holds exactly the rows the extract selects).
    T=$(tr '[:upper:]' '[:lower:]' <<<"$TABLE")
    rm -rf "$dir/mig"
    dbsub "$dir" "$BIN" --quiet create-migrations --seed-object "$TABLE" --dialect postgres \
        --migration-folder mig >/dev/null
    pq postgres -c "CREATE DATABASE src_$s"
    dbsub "$dir" "$BIN" --quiet migrate --target "$PGURL/src_$s" --migration-folder mig >/dev/null
    dbsub "$dir" DBSUB_TARGET_PG="$PGURL/src_$s" "$BIN" --quiet ingest PG DEMO --subset "sqlite-ref-$s" \
        >/dev/null
    pq "src_$s" -c "VACUUM (ANALYZE)"
    src=DBSUB_SOURCE_PG_BENCH=$PGURL/src_$s
    measure "pg-ref-$s" "$dir" "PG BENCH" - "$src" -- --key-memory 4G
    parts "$dir/data/store/BENCH/PG/pg-ref-$s/manifest.json" >"$W/pg-ref-$s.parts"
    [ "$(awk '{ n += $2 } END { print n }' "$W/pg-ref-$s.parts")" = "$rows" ] ||
        fail "the PostgreSQL extract at scale $s does not hold the SQLite extract's $rows rows"
    for ((r = 1; r <= RUNS; r++)); do
        for j in 1 2; do
            measure "pg-j$j-$s" "$dir" "PG BENCH" "$W/pg-ref-$s.parts" "$src" -- --jobs "$j"
        done
        measure "pg-dry-$s" "$dir" "PG BENCH" - "$src" -- --dry-run
    done
    ROWS_LINE+=("pg $s $seed_rows $rows")
    T=$TABLE
done

echo
echo "Peak RSS (GNU time's maximum resident set), median of $RUNS runs (min–max), default settings;"
echo "each run's parts equal those of a run with --key-memory 4G (nothing spilled). Wall time for"
echo "information only (shared machine)."
echo
echo "| source | scale | $TABLE rows | rows extracted | \`--jobs 1\` | \`--jobs 2\` | \`--dry-run\` (closure) | wall, \`--jobs 1\` |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for line in "${ROWS_LINE[@]}"; do
    read -r kind s seed_rows rows <<<"$line"
    name=SQLite
    [ "$kind" = pg ] && name=PostgreSQL
    echo "| $name | $s | $(group "$seed_rows") | $(group "$rows") | $(stat_kb "$kind-j1-$s") |" \
        "$(stat_kb "$kind-j2-$s") | $(stat_kb "$kind-dry-$s") | $(wall "$kind-j1-$s") s |"
done
