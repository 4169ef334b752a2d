# Helpers the benchmark scripts share; sourced by bench/extract.sh, ingest.sh and postgres.sh
# after they cd to the repository root. `table_median` reads $W, the script's scratch folder.

machine() { # [EXTRA]: the machine line every benchmark prints first
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(rustc --version)${1:+, $1}"
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
group() { # integer with thousands separators
    awk -v n="$1" 'BEGIN { s = sprintf("%d", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'
}
mib() { calc '%.0f MiB' "$1 / 1024"; }
json() { sqlite3 :memory: "SELECT $2 FROM (SELECT readfile('$1') AS j)"; }
table_field() { # SUMMARY TABLE FIELD: a field of one table (named without its schema)
    sqlite3 :memory: "SELECT json_extract(value, '\$.$3') FROM json_each(readfile('$1'), '\$.tables')
                      WHERE substr(json_extract(value, '\$.table'),
                                   instr(json_extract(value, '\$.table'), '.') + 1) = '$2'"
}
table_median() { # KEY TABLE
    awk -v t="$2" '$1 == t { print $2 }' "$W/$1.tables" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
spread() { # KEY COLUMN RAW_KEY RAW_COLUMN: the lowest and highest per-round time ratio
    paste -d' ' <(awk -v c="$2" '{ print $c }' "$W/$1.runs") <(awk -v c="$4" '{ print $c }' "$W/$3.runs") |
        awk '{ r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
             END { printf "%.2f–%.2f", lo, hi }'
}
dir_bytes() { du -cb "$@" | tail -1 | cut -f1; }
# One line of the table. Arguments: label, rows, seconds, rss kb (or ""), raw label (or ""),
# raw rows, raw seconds.
line() {
    local rss="" raw_t="" raw_rate="" tput="" tratio=""
    [ -n "$4" ] && rss=$(mib "$4")
    if [ -n "$5" ]; then
        raw_t="$(calc '%.3f s' "$7")"
        raw_rate="$(group "$(calc '%.0f' "$6 / $7")")"
        tput="$(calc '%.2f×' "($2 / $3) / ($6 / $7)")"
        tratio="$(calc '%.2f×' "$3 / $7")"
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(group "$2")" \
        "$(calc '%.3f s' "$3")" "$(group "$(calc '%.0f' "$2 / $3")")" "$rss" "$5" "$raw_t" \
        "$raw_rate" "$tput" "$tratio"
}
# PostgreSQL's binaries: PG_BIN_DIR, else initdb on PATH, else the highest Debian version.
pg_bin_dir() {
    if [ -n "${PG_BIN_DIR:-}" ]; then
        echo "$PG_BIN_DIR"
    elif command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v initdb)")"
    else
        find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1
    fi
}
# Exactness of an extract's archive (issue 20: every benchmark run checks its rows).
manifest_parts() { # MANIFEST: one line per part, "<table> <rows> <sha256>", in manifest order
    sqlite3 :memory: "SELECT json_extract(t.value, '\$.schema') || '.' || json_extract(t.value, '\$.name')
                             || ' ' || json_extract(p.value, '\$.rows') || ' ' || json_extract(p.value, '\$.sha256')
                      FROM json_each(readfile('$1'), '\$.tables') t, json_each(t.value, '\$.parts') p"
}
same_parts() { # LABEL MANIFEST REFERENCE_PARTS_FILE: the archive's parts are byte for byte the reference's
    if ! diff -q <(manifest_parts "$2") "$3" >/dev/null; then
        echo "$1: its parts differ from the checked archive's ($2 against $3)" >&2
        exit 1
    fi
}
check_against_source() { # LABEL DB TARGET_DB WHERE SEED: every table of TARGET_DB (an ingest of the
    # archive, foreign keys checked) holds only rows of DB, value for value, and the seed table
    # holds every row of DB's that WHERE (SQL, or empty) selects
    local label=$1 db=$2 target=$3 where=$4 seed=$5 t extra want got
    for t in $(sqlite3 "$target" "SELECT name FROM sqlite_schema WHERE type = 'table'
                                  AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND lower(name) NOT LIKE 'dbsub\_%' ESCAPE '\'"); do
        extra=$(sqlite3 "$target" "ATTACH '$db' AS s; SELECT count(*) FROM (SELECT * FROM main.\"$t\"
                                   EXCEPT SELECT * FROM s.\"$t\")")
        if [ "$extra" != 0 ]; then
            echo "$label: $t holds $extra rows that the source does not" >&2
            exit 1
        fi
    done
    want=$(sqlite3 "$db" "SELECT count(*) FROM \"$seed\"${where:+ WHERE $where}")
    got=$(sqlite3 "$target" "SELECT count(*) FROM \"$seed\"")
    if [ "$want" != "$got" ]; then
        echo "$label: $seed holds $got rows, the source's seed rows are $want" >&2
        exit 1
    fi
}
parts_csv() { # SUBSET_DIR [TABLE]: bytes of CSV in an extract's parts (a chunked table's included)
    find "$1/data" -path "$1/data/*${2:+.$2}/*" -name 'part-*.csv.zst' -print0 | sort -z |
        xargs -0 -r zstd -dcq | wc -c
}
# A throwaway PostgreSQL cluster (bench/postgres.sh, bench/heldback.sh); these use the script's
# `fail`. pg_tools: sets PG_BIN_DIR and PSQL, adds the binaries that are missing to the array
# `missing`, and defines as_owner, which runs the cluster's commands (as root: as the postgres
# user, since initdb refuses root).
pg_tools() {
    local b
    PG_BIN_DIR=$(pg_bin_dir)
    for b in initdb pg_ctl psql; do
        [ -n "$PG_BIN_DIR" ] && [ -x "$PG_BIN_DIR/$b" ] || missing+=("postgresql ($b)")
    done
    PSQL=$PG_BIN_DIR/psql
    as_owner() { "$@"; }
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || fail "as root, needs a 'postgres' user to run the cluster (initdb refuses root)"
        as_owner() { runuser -u postgres -- "$@"; }
    fi
}
# pg_start DIR: a cluster in DIR/data (DIR's parents must be reachable by its owner), trust
# authentication for the superuser dbsub, on 127.0.0.1 and a free port (set in PORT), its socket
# and log in DIR. Settings are the defaults (shared_buffers 128 MB, fsync and synchronous_commit
# on) except autovacuum, which is off so that no worker starts in the middle of a timed step: the
# scripts run VACUUM (ANALYZE) themselves where a database is set up. pg_stop DIR stops it.
pg_start() {
    local dir=$1 p
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$PG_BIN_DIR/initdb" -D "$dir/data" -U dbsub --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        fail "initdb failed: $(tail -5 "$dir/initdb.log")"
    PORT=""
    for _ in $(seq 1 20); do # a port in use, or taken between the probe and the bind: another
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        if as_owner "$PG_BIN_DIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $p -k $dir -c autovacuum=off" start >/dev/null; then
            PORT=$p
            return
        fi
    done
    fail "the PostgreSQL server does not start: $(tail -5 "$dir/server.log")"
}
pg_stop() { # DIR
    if [ -f "$1/data/postmaster.pid" ]; then
        as_owner "$PG_BIN_DIR/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}
# pg_scratch NAME: the scratch folder W (reachable by the cluster's owner) and the cluster's
# folder PGDIR=$W/pg; at exit the cluster stops and W is removed (KEEP=1 keeps it).
pg_scratch() {
    W=$(mktemp -d "${TMPDIR:-/tmp}/dbsub-bench-$1.XXXXXX")
    chmod 711 "$W"
    PGDIR=$W/pg
    trap pg_cleanup EXIT
    trap 'exit 130' INT TERM
}
pg_cleanup() {
    pg_stop "$PGDIR"
    if [ "${KEEP:-0}" = 1 ]; then
        echo "scratch folder (kept): $W" >&2
    else
        rm -rf "$W"
    fi
}
