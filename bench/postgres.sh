#!/usr/bin/env bash
# PostgreSQL benchmark: the demo database at a scale whose largest table has at least a million
# rows, loaded into a throwaway PostgreSQL cluster with dbsub's own migrations; then, in the same
# run and on the same data:
#
# - extract: `dbsub extract PG` of that table and the parent rows it references, through
#   `COPY … TO STDOUT` (the default) and through a server-side cursor (DBSUB_PG_READ=cursor),
#   beside `psql -c "\copy (SELECT * FROM t) to stdout csv header" | zstd -3`, one table after
#   the other;
# - ingest: `dbsub ingest PG` of that extract into a fresh copy of the empty migrated schema,
#   beside `psql -c "\copy t (…) from stdin csv header"` of the same CSV (the parts decompressed
#   beforehand), foreign keys checked on both sides; the seed table alone, into a copy that already
#   holds its parents, the same without the seed table's foreign keys, and the whole extract;
# - peak RSS of both commands at two scales.
#
# Exactness: every extract's parts must be byte for byte those of the first extract at its scale
# (COPY or cursor, any --jobs), which is ingested by dbsub into an empty copy of the schema whose
# every table must then hold exactly the source's rows; the script fails otherwise.
#
# Prints Markdown tables for docs/benchmarks.md.
#
#   bench/postgres.sh                # SCALE=40 (SEEDLOT_PARENT_TREE: 1,037,511 rows), 5 runs:
#                                    # 25–35 minutes on 2 cores (PostgreSQL loads ≈ 30,000 rows/s)
#   SCALE=80 RUNS=7 bench/postgres.sh
#   STEPS=ingest bench/postgres.sh   # the ingest steps only: 15–20 minutes
#
# Environment: SCALE (default 40), SMALL_SCALE (default SCALE/4), RUNS (default 5; medians are
# reported, after one discarded warm-up round), TABLE (default: the largest table of the demo),
# STEPS (default "extract ingest": which steps to time and report),
# PG_BIN_DIR (the folder of initdb, pg_ctl and psql; default: PATH, then the highest
# /usr/lib/postgresql/*/bin), KEEP=1 keeps the scratch folder (the cluster is stopped either way).
# Needs PostgreSQL 12 or later (server and psql), sqlite3 (3.38 or later: JSON functions), zstd and
# GNU time (Debian: apt-get install postgresql sqlite3 zstd time). As root, the cluster runs as
# the `postgres` user (initdb refuses root), which the Debian package creates.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

fail() {
    echo "bench/postgres.sh: $*" >&2
    exit 1
}

missing=()
pg_tools
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v zstd >/dev/null || missing+=(zstd)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/postgres.sh needs ${missing[*]}: apt-get install postgresql sqlite3 zstd time" >&2
    exit 1
fi
if ! sqlite3 :memory: "SELECT json_extract('{\"a\":1}', '\$.a')" >/dev/null 2>&1; then
    fail "needs a sqlite3 shell with JSON functions (3.38 or later)"
fi

SCALE=${SCALE:-40}
SMALL_SCALE=${SMALL_SCALE:-$(awk -v s="$SCALE" 'BEGIN { print s / 4 }')}
RUNS=${RUNS:-5}
STEPS=${STEPS:-extract ingest}
want() { [[ " $STEPS " == *" $1 "* ]]; }

cargo build --release
BIN=$PWD/target/release/dbsub
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(rustc --version)," \
    "$("$PG_BIN_DIR/postgres" --version), $("$PSQL" --version), zstd $(zstd -V | grep -o 'v[0-9.]*')"

pg_scratch pg

# The cluster (bench/lib.sh): its socket in the scratch folder; VACUUM (ANALYZE) where a
# database is set up, since autovacuum is off.
pg_start "$PGDIR"
PG=postgres://dbsub@127.0.0.1:$PORT
pq() { # DATABASE ARGS...: psql as the superuser, stopping at the first error
    local db=$1
    shift
    PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U dbsub \
        -d "$db" -v ON_ERROR_STOP=1 "$@"
}
echo "cluster: $PG ($("$PSQL" -X -Atq -h 127.0.0.1 -p "$PORT" -U dbsub -d postgres -c "SHOW shared_buffers") shared_buffers)"

BIG=$W/scale-$SCALE
SMALL=$W/scale-$SMALL_SCALE
mkdir -p "$BIG" "$SMALL"

# Values from a --format json summary or a manifest.
count() { pq "$1" -At -c "SELECT count(*) FROM \"$2\""; }

# dbsub always runs with a clean environment (env -i) in the scale's folder: no .env, the demo's
# data/demo.db as the structural database, the store file://data/store and the part cache
# data/cache of that folder; the source (DBSUB_SOURCE_PG_BENCH) or the target (DBSUB_TARGET_PG)
# is the only variable set, plus DBSUB_PG_READ for the cursor runs.
dbsub() { # DIR [VAR=VALUE...] ARGS...
    local dir=$1
    shift
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$@")
}

# The raw extract pipeline: each table through `psql \copy … to stdout csv | zstd -3`, one after
# the other; prints "table seconds" for each.
cat >"$W/raw-extract.sh" <<'EOF'
#!/usr/bin/env bash
# raw-extract.sh PSQL PORT DATABASE OUT_DIR TABLE...
set -euo pipefail
psql=$1 port=$2 db=$3 out=$4
shift 4
mkdir -p "$out"
for t in "$@"; do
    start=$EPOCHREALTIME
    "$psql" -X -q -h 127.0.0.1 -p "$port" -U dbsub -d "$db" -v ON_ERROR_STOP=1 \
        -c "\\copy (SELECT * FROM \"$t\") to stdout csv header" | zstd -3 -q -f -o "$out/$t.csv.zst"
    end=$EPOCHREALTIME
    awk -v t="$t" -v s="$start" -v e="$end" 'BEGIN { printf "%s %.6f\n", t, e - s }'
done
EOF

# Per scale (databases named PREFIX_…):
# - the demo, and the migrations of TABLE's closure for PostgreSQL;
# - PREFIX_empty: the empty schema from dbsub migrate (the template of every ingest run);
# - PREFIX_src: a copy of it into which dbsub loads its SQLite extract of TABLE (TABLE whole and
#   the parent rows it references), then VACUUM (ANALYZE): the source of the extract runs;
# - the subset `ingest`: one dbsub extract PG of PREFIX_src, the archive every ingest run loads;
#   tables.tsv lists its tables in load order, csv/ holds each table's parts decompressed into one
#   CSV (one header), for psql;
# - PREFIX_parents: a copy of PREFIX_empty with the tables before TABLE in load order loaded by
#   dbsub, then VACUUM (ANALYZE): where the seed table's loads start from;
# - PREFIX_nofk: a copy of PREFIX_parents without TABLE's foreign keys: one table with no key to
#   check, the load itself.
setup() { # DIR SCALE PREFIX
    local dir=$1 scale=$2 p=$3 secs m
    (cd "$dir" && /usr/bin/time -f "%e %M" -o "$W/time" env -i PATH="$PATH" HOME="$HOME" "$BIN" \
        --quiet demo --scale "$scale" --rebuild >/dev/null)
    read -r secs _ <"$W/time"
    echo "demo at scale $scale: built in $secs s ($(calc '%.0f' "$(stat -c %s "$dir/data/demo.db") / 1e6") MB)"
    if [ -z "${TABLE:-}" ]; then
        local db=$dir/data/demo.db
        TABLE=$(for t in $(sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table'
                                         AND name NOT LIKE 'sqlite\_%' ESCAPE '\'"); do
            echo "$(sqlite3 "$db" "SELECT count(*) FROM \"$t\"") $t"
        done | sort -rn | head -1 | cut -d' ' -f2)
    fi
    # dbsub's PostgreSQL migrations fold the demo's upper-case names to lower case.
    T=$(tr '[:upper:]' '[:lower:]' <<<"$TABLE")
    dbsub "$dir" "$BIN" --quiet create-migrations --seed-object "$TABLE" --dialect postgres \
        --migration-folder mig >/dev/null 2>"$W/migrations.err" ||
        fail "create-migrations: $(cat "$W/migrations.err")"
    pq postgres -c "CREATE DATABASE ${p}_empty"
    dbsub "$dir" "$BIN" --quiet migrate --target "$PG/${p}_empty" --migration-folder mig >/dev/null
    pq postgres -c "CREATE DATABASE ${p}_src TEMPLATE ${p}_empty"
    dbsub "$dir" "$BIN" --quiet extract SQLITE DEMO --seed-object "$TABLE" --subset load --refresh >/dev/null
    dbsub "$dir" DBSUB_TARGET_PG="$PG/${p}_src" "$BIN" --quiet ingest PG DEMO --subset load \
        --format json >"$W/load.json"
    [ "$(json "$W/load.json" "json_extract(j, '\$.verify.problems')")" = 0 ] ||
        fail "the demo's load into ${p}_src has verify problems"
    pq "${p}_src" -c "VACUUM (ANALYZE)"
    # The archive of the ingest runs.
    dbsub "$dir" DBSUB_SOURCE_PG_BENCH="$PG/${p}_src" "$BIN" --quiet extract PG BENCH \
        --seed-object "$T" --subset ingest --refresh >/dev/null
    m=$dir/data/store/BENCH/PG/ingest/manifest.json
    [ -f "$m" ] || fail "no manifest at $m"
    # tables.tsv: qualified name, target name, rows, part keys (space-separated), in load order.
    sqlite3 -separator $'\t' :memory: "
        WITH m AS (SELECT readfile('$m') AS j),
        t AS (SELECT value AS v FROM json_each((SELECT j FROM m), '\$.tables'))
        SELECT o.value, json_extract(t.v, '\$.name'), json_extract(t.v, '\$.rows'),
               (SELECT group_concat(json_extract(p.value, '\$.key'), ' ')
                FROM json_each(t.v, '\$.parts') p)
        FROM json_each((SELECT j FROM m), '\$.load_order') o
        JOIN t ON json_extract(t.v, '\$.schema') || '.' || json_extract(t.v, '\$.name') = o.value
        ORDER BY o.key" >"$dir/tables.tsv"
    # cycle.tsv: the foreign keys of the load's cycles between two tables (not a table's key to
    # itself, which one COPY satisfies): table, foreign key.
    sqlite3 -separator $'\t' :memory: "
        SELECT substr(json_extract(value, '\$.table'), instr(json_extract(value, '\$.table'), '.') + 1),
               json_extract(value, '\$.foreign_key')
        FROM json_each(readfile('$m'), '\$.cycle_foreign_keys')" >"$dir/cycle.tsv"
    mkdir -p "$dir/csv"
    local q name rows keys k first before=1 parents=()
    while IFS=$'\t' read -r q name rows keys; do
        # Each part starts with the header line: keep the first one only.
        first=1
        for k in $keys; do
            if [ "$first" = 1 ]; then
                zstd -dcq "$dir/data/store/BENCH/PG/ingest/$k"
                first=0
            else
                zstd -dcq "$dir/data/store/BENCH/PG/ingest/$k" | tail -n +2
            fi
        done >"$dir/csv/$name.csv"
        [ "$name" = "$T" ] && before=0
        [ "$before" = 0 ] || parents+=(--table "$q")
    done <"$dir/tables.tsv"
    grep -q $'\t'"$T"$'\t' "$dir/tables.tsv" || fail "$T is not in the extract"
    pq postgres -c "CREATE DATABASE ${p}_parents TEMPLATE ${p}_empty"
    dbsub "$dir" DBSUB_TARGET_PG="$PG/${p}_parents" "$BIN" --quiet ingest PG BENCH --subset ingest \
        --format json "${parents[@]}" >"$W/parents.json"
    [ "$(json "$W/parents.json" "json_extract(j, '\$.verify.problems')")" = 0 ] ||
        fail "the parents' load into ${p}_parents has verify problems"
    pq "${p}_parents" -c "VACUUM (ANALYZE)"
    pq postgres -c "CREATE DATABASE ${p}_nofk TEMPLATE ${p}_parents"
    pq "${p}_nofk" -At -c "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname)
                           FROM pg_constraint WHERE contype = 'f' AND conrelid = '\"$T\"'::regclass" |
        pq "${p}_nofk"
    [ "$(pq "${p}_nofk" -At -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f'
                                AND conrelid = '\"$T\"'::regclass")" = 0 ] ||
        fail "${p}_nofk: $T still has foreign keys"
    echo "extract at scale $scale: $(wc -l <"$dir/tables.tsv") tables, $(awk -F'\t' '{ n += $3 } END { print n }' "$dir/tables.tsv") rows," \
        "$(du -cb "$dir/data/store/BENCH/PG/ingest/data" | tail -1 | cut -f1) bytes of parts," \
        "$(du -cb "$dir/csv" | tail -1 | cut -f1) bytes of CSV;" \
        "database ${p}_src $(pq postgres -At -c "SELECT pg_size_pretty(pg_database_size('${p}_src'))")"
}
setup "$BIG" "$SCALE" big
setup "$SMALL" "$SMALL_SCALE" small
manifest_rows() { # DIR [TABLE]: the manifest's rows of TABLE, or of all tables
    awk -F'\t' -v t="${2:-}" 't == "" || $2 == t { n += $3 } END { print n + 0 }' "$1/tables.tsv"
}
ROWS=$(manifest_rows "$BIG" "$T")
TOTAL_ROWS=$(manifest_rows "$BIG")
NTABLES=$(wc -l <"$BIG/tables.tsv")
SMALL_ROWS=$(manifest_rows "$SMALL" "$T")
SMALL_TOTAL_ROWS=$(manifest_rows "$SMALL")
ALL=$(cut -f2 "$BIG/tables.tsv" | tr '\n' ' ')
TQ=$(awk -F'\t' -v t="$T" '$2 == t { print $1 }' "$BIG/tables.tsv")
# The source databases hold exactly the extract's rows (they were loaded from a subset seeded by
# the same table), so the raw pipeline over the whole tables writes the same rows as dbsub.
SRC_ROWS=0
for t in $ALL; do SRC_ROWS=$((SRC_ROWS + $(count big_src "$t"))); done
echo "seed table: $T, $ROWS rows; the extract: $NTABLES tables, $TOTAL_ROWS rows (the source's tables: $SRC_ROWS rows)"

# Before every timed step: a checkpoint, then sync, so that no step pays for the writeback of an
# earlier one's pages (the server's or the OS's).
quiesce() {
    pq postgres -c CHECKPOINT
    sync
}

# One timed command: `sample KEY DIR COMMAND...` appends "wall_s rss_kb" to KEY.runs, and when
# the output is a dbsub JSON summary, " seed_table_s summary_s sum_of_tables_s" too, and each
# table's seconds to KEY.tables; the command's output goes to KEY.out. Wall time from bash's
# clock, peak RSS from GNU time: the largest resident set of the command or of any one process
# it waited for.
sample() {
    local key=$1 dir=$2 start end line
    shift 2
    quiesce
    start=$EPOCHREALTIME
    (cd "$dir" && /usr/bin/time -f "%M" -o "$W/time" "$@" >"$W/$key.out")
    end=$EPOCHREALTIME
    line="$(calc '%.4f' "$end - $start") $(tail -1 "$W/time")"
    [ "$ROUND" -gt 0 ] || return 0
    if head -c1 "$W/$key.out" | grep -q '{'; then
        cp "$W/$key.out" "$W/$key.json"
        line="$line $(table_field "$W/$key.out" "$T" seconds) $(json "$W/$key.out" "json_extract(j, '\$.seconds')")"
        line="$line $(sqlite3 :memory: "SELECT sum(json_extract(value, '\$.seconds'))
                                        FROM json_each(readfile('$W/$key.out'), '\$.tables')")"
        sqlite3 -separator ' ' :memory: "SELECT substr(t, instr(t, '.') + 1), s FROM
            (SELECT json_extract(value, '\$.table') AS t, json_extract(value, '\$.seconds') AS s
             FROM json_each(readfile('$W/$key.out'), '\$.tables'))" >>"$W/$key.tables"
    fi
    echo "$line" >>"$W/$key.runs"
}
extract() { # KEY DIR PREFIX [VAR=VALUE...] -- ARGS...: a dbsub extract of the seed table
    local key=$1 dir=$2 p=$3 vars=()
    shift 3
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    sample "$key" "$dir" env -i PATH="$PATH" HOME="$HOME" DBSUB_SOURCE_PG_BENCH="$PG/${p}_src" \
        "${vars[@]}" "$BIN" --quiet extract PG BENCH --seed-object "$T" --subset "$key" --refresh \
        "$@"
    # Sanity: the same rows as the archive of the ingest runs.
    if head -c1 "$W/$key.out" | grep -q '{'; then
        [ "$(json "$W/$key.out" "json_extract(j, '\$.rows')")" = "$(manifest_rows "$dir")" ] ||
            fail "$key: $(json "$W/$key.out" "json_extract(j, '\$.rows')") rows, not $(manifest_rows "$dir")"
        # Exactness: its parts are byte for byte those of the first extract of this source
        # (COPY or cursor, any --jobs), which is checked against the source after the rounds.
        local manifest=$dir/data/store/BENCH/PG/$key/manifest.json
        if [ ! -f "$W/ref-$p.parts" ]; then
            manifest_parts "$manifest" >"$W/ref-$p.parts"
            cp -r "$dir/data/store/BENCH/PG/$key" "$W/ref-$p"
        fi
        same_parts "$key" "$manifest" "$W/ref-$p.parts"
    fi
}
# The first extract of a source (PREFIX) ingested by dbsub into a fresh copy of its empty schema:
# every table must then hold exactly the source's rows (PREFIX_src holds only the rows the
# extract selects), compared as the sorted text of all its rows.
check_extract() { # DIR PREFIX
    local dir=$1 p=$2 t
    rm -rf "$dir/data/store/BENCH/PG/check"
    cp -r "$W/ref-$p" "$dir/data/store/BENCH/PG/check"
    fresh "${p}_empty"
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" DBSUB_TARGET_PG="$PG/run" "$BIN" --quiet \
        ingest PG BENCH --subset check >/dev/null) || fail "check: the ingest of the $p extract failed"
    for t in $ALL; do
        digest() { pq "$1" -At -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, E'\\n'
                                   ORDER BY r::text)), '') FROM \"$t\" r"; }
        [ "$(digest run)" = "$(digest "${p}_src")" ] || fail "check: $t of the $p extract differs from the source"
    done
    pq postgres -c "DROP DATABASE run"
    echo "checked: the $p extract holds exactly the source's rows" >&2
}
raw_extract() { # KEY DIR PREFIX TABLE...
    local key=$1 dir=$2 p=$3
    shift 3
    sample "$key" "$dir" bash "$W/raw-extract.sh" "$PSQL" "$PORT" "${p}_src" "$W/$key" "$@"
    [ "$ROUND" -gt 0 ] && cat "$W/$key.out" >>"$W/$key.tables"
    return 0
}

# A fresh database RUN_DB, copied from a template (untimed; CREATE DATABASE … TEMPLATE copies the
# files).
fresh() { # TEMPLATE
    pq postgres -c "DROP DATABASE IF EXISTS run" -c "CREATE DATABASE run TEMPLATE $1"
}
# One dbsub ingest into a fresh copy of TEMPLATE, with --purge: every run fetches the parts from
# the store into the (emptied) cache and checks them, as a first ingest would. Appends
# "wall_s rss_kb seed_table_s sum_of_transactions_s summary_s" to KEY.runs and each table's
# seconds to KEY.tables.
ingest() { # KEY DIR TEMPLATE [--table T...]
    local key=$1 dir=$2 template=$3 start end out=$W/$1.json
    shift 3
    fresh "$template"
    quiesce
    start=$EPOCHREALTIME
    (cd "$dir" && /usr/bin/time -f "%M" -o "$W/time" env -i PATH="$PATH" HOME="$HOME" \
        DBSUB_TARGET_PG="$PG/run" "$BIN" --quiet ingest PG BENCH --subset ingest --format json \
        --purge "$@" >"$out")
    end=$EPOCHREALTIME
    # Sanity: verify found nothing, every table is loaded, the seed table holds the manifest's rows.
    [ "$(json "$out" "json_extract(j, '\$.verify.problems')")" = 0 ] || fail "$key: verify problems"
    [ "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$out'), '\$.tables')
                           WHERE json_extract(value, '\$.status') <> 'loaded'")" = 0 ] ||
        fail "$key: a table was not loaded"
    [ "$(count run "$T")" = "$(manifest_rows "$dir" "$T")" ] || fail "$key: $T holds $(count run "$T") rows"
    pq postgres -c "DROP DATABASE run"
    [ "$ROUND" -gt 0 ] || return 0
    # The tables of a foreign-key cycle load in one transaction and each reports its seconds:
    # distinct values are the transactions.
    echo "$(calc '%.4f' "$end - $start") $(tail -1 "$W/time") $(table_field "$out" "$T" seconds)" \
        "$(sqlite3 :memory: "SELECT sum(s) FROM (SELECT DISTINCT json_extract(value, '\$.seconds') AS s
                             FROM json_each(readfile('$out'), '\$.tables'))")" \
        "$(json "$out" "json_extract(j, '\$.seconds')")" >>"$W/$key.runs"
    sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.target'), json_extract(value, '\$.seconds')
                                     FROM json_each(readfile('$out'), '\$.tables')" >>"$W/$key.tables"
}
# units.txt: the tables of each of dbsub's load transactions, one transaction a line, in load
# order (consecutive tables with the same seconds in the summary of a whole ingest).
units() { # SUMMARY
    sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.target'), json_extract(value, '\$.seconds')
                                     FROM json_each(readfile('$1'), '\$.tables')" |
        awk 'NR > 1 && $2 != s { print "" } { printf "%s ", $1; s = $2 } END { print "" }' >"$W/units.txt"
}
columns() { # CSV: its header's names, quoted, for a column list (dbsub ends lines with CRLF)
    head -1 "$1" | tr -d '\r' | sed 's/[^,]*/"&"/g'
}
# The raw load of the units on lines FIRST to LAST of units.txt, in load order, into a fresh
# copy of TEMPLATE, one psql process per unit, each one transaction:
# - one table: `psql -c "\copy t (columns) from stdin csv header" <t.csv`, the issue's command;
# - the tables of a foreign-key cycle: one psql session that does what dbsub does, in one
#   transaction: drop the cycle's foreign keys, \copy each table, add the keys back.
# Foreign keys are checked as the rows go in (PostgreSQL's RI triggers), the cycle's when they
# are added back. Appends "sum_s max_rss_kb seed_table_s" to KEY.runs and each unit's seconds
# (under the name of its first table) to KEY.tables.
copy_in() { # KEY DIR TEMPLATE FIRST LAST
    local key=$1 dir=$2 template=$3 first=$4 last=$5
    local n=0 unit start end secs total=0 rss=0 seed="" r name fk cols
    fresh "$template"
    quiesce
    while read -r -a unit <&3; do
        n=$((n + 1))
        if [ "$n" -lt "$first" ] || [ "$n" -gt "$last" ]; then continue; fi
        if [ "${#unit[@]}" = 1 ]; then
            name=${unit[0]}
            cols=$(columns "$dir/csv/$name.csv")
            start=$EPOCHREALTIME
            /usr/bin/time -f "%M" -o "$W/time" "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U dbsub -d run \
                -v ON_ERROR_STOP=1 -c "\\copy \"$name\" ($cols) from stdin csv header" <"$dir/csv/$name.csv"
            end=$EPOCHREALTIME
        else
            {
                echo "BEGIN;"
                echo "CREATE TEMP TABLE bench_fks (t text, fk text, def text);"
                while IFS=$'\t' read -r name fk; do
                    [[ " ${unit[*]} " == *" $name "* ]] || continue
                    echo "INSERT INTO bench_fks SELECT '$name', '$fk', pg_get_constraintdef(oid)" \
                        "FROM pg_constraint WHERE conrelid = '\"$name\"'::regclass AND conname = '$fk';"
                    echo "ALTER TABLE \"$name\" DROP CONSTRAINT \"$fk\";"
                done <"$dir/cycle.tsv"
                for name in "${unit[@]}"; do
                    echo "\\copy \"$name\" ($(columns "$dir/csv/$name.csv")) from '$dir/csv/$name.csv' csv header"
                done
                echo "SELECT format('ALTER TABLE %I ADD CONSTRAINT %I %s', t, fk, def) FROM bench_fks \\gexec"
                echo "COMMIT;"
            } >"$W/unit.sql"
            start=$EPOCHREALTIME
            /usr/bin/time -f "%M" -o "$W/time" "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U dbsub -d run \
                -v ON_ERROR_STOP=1 -f "$W/unit.sql"
            end=$EPOCHREALTIME
        fi
        secs=$(calc '%.6f' "$end - $start")
        total=$(calc '%.6f' "$total + $secs")
        r=$(tail -1 "$W/time")
        [ "$r" -gt "$rss" ] && rss=$r
        [ "$ROUND" -gt 0 ] && echo "${unit[0]} $secs" >>"$W/$key.tables"
        if [[ " ${unit[*]} " == *" $T "* ]]; then
            seed=$secs
            [ "$(count run "$T")" = "$(manifest_rows "$dir" "$T")" ] || fail "$key: $T holds $(count run "$T") rows"
        fi
    done 3<"$W/units.txt"
    pq postgres -c "DROP DATABASE run"
    [ "$ROUND" -gt 0 ] && echo "$total $rss $seed" >>"$W/$key.runs"
    return 0
}

# Round 0 warms up (the page cache, the server's buffers; every later extract replaces an
# existing one); the rounds interleave the steps so that a slow moment of the machine hits all of
# them. The small scale runs the whole commands only, for peak RSS against table size.
for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
    echo "round $ROUND of $RUNS (0: warm-up)" >&2
    if want extract; then
        extract copy-j1 "$BIG" big -- --jobs 1 --format json
        extract copy-j2 "$BIG" big -- --jobs 2 --format json
        extract cursor-j1 "$BIG" big DBSUB_PG_READ=cursor -- --jobs 1 --format json
        extract dry "$BIG" big -- --dry-run
        # shellcheck disable=SC2086
        raw_extract raw-extract-all "$BIG" big $ALL
        raw_extract raw-extract-seed "$BIG" big "$T"
        extract small-copy-j1 "$SMALL" small -- --jobs 1 --format json
        extract small-cursor-j1 "$SMALL" small DBSUB_PG_READ=cursor -- --jobs 1 --format json
        # shellcheck disable=SC2086
        raw_extract small-raw-extract-all "$SMALL" small $ALL
    fi
    if want extract && [ "$ROUND" = 0 ]; then
        check_extract "$BIG" big
        check_extract "$SMALL" small
    fi
    want ingest || continue
    # Ingest: the whole extract into the empty schema, then the seed table alone into the
    # schema that holds its parents.
    ingest ingest-all "$BIG" big_empty
    units "$W/ingest-all.json"
    SEED_UNIT=$(awk -v t="$T" '{ for (i = 1; i <= NF; i++) if ($i == t) print NR }' "$W/units.txt")
    NUNITS=$(wc -l <"$W/units.txt")
    copy_in copy-all "$BIG" big_empty 1 "$NUNITS"
    ingest ingest-seed "$BIG" big_parents --table "$TQ"
    copy_in copy-seed "$BIG" big_parents "$SEED_UNIT" "$SEED_UNIT"
    ingest ingest-nofk "$BIG" big_nofk --table "$TQ"
    copy_in copy-nofk "$BIG" big_nofk "$SEED_UNIT" "$SEED_UNIT"
    ingest small-ingest-all "$SMALL" small_empty
    copy_in small-copy-all "$SMALL" small_empty 1 "$NUNITS"
done

median() { # KEY COLUMN [COLUMN2]: the median of COLUMN, or of COLUMN - COLUMN2
    awk -v c="$2" -v d="${3:-0}" '{ print (d ? $c - $d : $c) }' "$W/$1.runs" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}


# CSV sizes, uncompressed: dbsub's from its parts, psql's from its own output.
dbsub_csv() { # DIR SUBSET [TABLE]: bytes of CSV in the parts
    parts_csv "$1/data/store/BENCH/PG/$2" "${3:-}"
}
raw_csv() { # KEY: bytes of CSV the raw pipeline wrote
    zstd -dcq "$W/$1"/*.csv.zst | wc -c
}
mb() { calc '%.1f MB' "$1 / 1e6"; }

want extract && echo
want extract && echo "Compressed: dbsub's extract (COPY, --jobs 1) $(dir_bytes "$BIG/data/store/BENCH/PG/copy-j1/data") bytes," \
    "the raw pipeline's $(dir_bytes "$W/raw-extract-all") bytes; CSV: dbsub $(dbsub_csv "$BIG" copy-j1) bytes," \
    "raw $(raw_csv raw-extract-all) bytes; $T alone: dbsub $(dbsub_csv "$BIG" copy-j1 "$T")," \
    "raw $(raw_csv raw-extract-seed) bytes."
echo
echo "Medians of $RUNS runs. Scale $SCALE: $T has $(group "$ROWS") rows; the extract is $NTABLES tables,"
echo "$(group "$TOTAL_ROWS") rows ($T and the parent rows it references), which is all the source holds."
echo "Extract: \`dbsub extract PG BENCH --seed-object $T --refresh --format json\`; raw: \`psql -c"
echo "\"\\copy (SELECT * FROM t) to stdout csv header\" | zstd -3\`, one table after the other."
echo "Ingest: \`dbsub ingest PG BENCH --format json --purge\` into a copy of the empty migrated schema"
echo "(\`--table $TQ\` into a copy that holds the tables before it); raw: \`psql -c \"\\copy t (…)"
echo "from stdin csv header\" < t.csv\`, one process per table in load order, the CSV decompressed beforehand."
echo "\"vs raw\" = dbsub rows/s ÷ raw rows/s (goal ≥ 0.8×); \"time ratio\" = dbsub time ÷ raw time."
echo
echo "| step | rows | dbsub time | rows/s | peak RSS | raw: what | raw time | raw rows/s | vs raw | time ratio |"
echo "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
if want extract; then
RAW_ALL="$NTABLES × psql \\copy … \| zstd -3 (peak RSS $(mib "$(median raw-extract-all 2)"))"
RAW_SEED="$T: psql \\copy … \| zstd -3"
for k in copy-j1 copy-j2 cursor-j1; do
    case $k in
    copy-j1) what="COPY, \`--jobs 1\`" ;;
    copy-j2) what="COPY, \`--jobs 2\`" ;;
    cursor-j1) what="cursor (\`DBSUB_PG_READ=cursor\`), \`--jobs 1\`" ;;
    esac
    line "extract, $what: whole command (wall)" "$TOTAL_ROWS" "$(median $k 1)" "$(median $k 2)" \
        "$RAW_ALL" "$SRC_ROWS" "$(median raw-extract-all 1)"
    line "extract, $what: $T's part (summary)" "$ROWS" "$(median $k 3)" "" "$RAW_SEED" "$ROWS" \
        "$(median raw-extract-seed 1)"
done
line "extract, COPY, \`--jobs 1\`: catalog + closure (the summary's seconds − its tables' seconds)" \
    "$TOTAL_ROWS" "$(median copy-j1 4 5)" "" "" "" ""
line "extract: catalog + closure only (\`--dry-run\`, wall)" "$TOTAL_ROWS" "$(median dry 1)" "$(median dry 2)" "" "" ""
line "scale $SMALL_SCALE ($T: $(group "$SMALL_ROWS") rows): extract, COPY, \`--jobs 1\` (wall)" \
    "$SMALL_TOTAL_ROWS" "$(median small-copy-j1 1)" "$(median small-copy-j1 2)" \
    "$NTABLES × psql \\copy … \| zstd -3" "$SMALL_TOTAL_ROWS" "$(median small-raw-extract-all 1)"
line "scale $SMALL_SCALE: extract, cursor, \`--jobs 1\` (wall)" "$SMALL_TOTAL_ROWS" \
    "$(median small-cursor-j1 1)" "$(median small-cursor-j1 2)" "$NTABLES × psql \\copy … \| zstd -3" \
    "$SMALL_TOTAL_ROWS" "$(median small-raw-extract-all 1)"
fi
if want ingest; then
line "ingest: $T, its load (transaction), the tables before it loaded (\`--table\`)" "$ROWS" \
    "$(median ingest-seed 3)" "" "psql \\copy from stdin, into the tables before it" "$ROWS" \
    "$(median copy-seed 3)"
line "ingest: $T, its load (transaction), the tables before it loaded, $T's foreign keys dropped beforehand (\`--table\`)" \
    "$ROWS" "$(median ingest-nofk 3)" "" "psql \\copy from stdin, into the same" "$ROWS" \
    "$(median copy-nofk 3)"
line "ingest: $T's load within the whole ingest" "$ROWS" "$(median ingest-all 3)" "" \
    "psql \\copy, within the whole raw load" "$ROWS" "$(median copy-all 3)"
line "ingest, whole command, $NTABLES tables (wall: fetch + SHA-256 + load + verify)" "$TOTAL_ROWS" \
    "$(median ingest-all 1)" "$(median ingest-all 2)" \
    "the $NUNITS psql loads, in load order (peak RSS $(mib "$(median copy-all 2)"))" "$TOTAL_ROWS" \
    "$(median copy-all 1)"
line "ingest, whole: sum of its load transactions" "$TOTAL_ROWS" "$(median ingest-all 4)" "" \
    "the same" "$TOTAL_ROWS" "$(median copy-all 1)"
line "scale $SMALL_SCALE: ingest, whole command (wall)" "$SMALL_TOTAL_ROWS" "$(median small-ingest-all 1)" \
    "$(median small-ingest-all 2)" "the $NUNITS psql loads" "$SMALL_TOTAL_ROWS" "$(median small-copy-all 1)"
fi

if want extract; then
echo
echo "Extract per table, scale $SCALE (medians; dbsub: its summary's seconds for the table, --jobs 1: read,"
echo "convert, CSV, zstd, write; raw: that table's psql | zstd pipeline in the whole-extract baseline):"
echo
echo "| table | rows | dbsub reads it | dbsub, COPY | dbsub, cursor | psql \\copy … \\| zstd -3 | time ratio, COPY | time ratio, cursor |"
echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for name in $ALL; do
    rows=$(manifest_rows "$BIG" "$name")
    lookups=$(((rows + 4999) / 5000))
    # How dbsub read it: the summary's `read` (docs/extract.md, "How rows are read").
    case $(table_field "$W/copy-j1.out" "$name" read) in
    all) how="whole table (the seed)" ;;
    condition) how="the seed's condition" ;;
    scan) how="one scan kept by the closure's keys" ;;
    *) how="by key, $lookups lookup$([ "$lookups" = 1 ] || echo s) of ≤ 5,000 keys" ;;
    esac
    d=$(table_median copy-j1 "$name")
    c=$(table_median cursor-j1 "$name")
    r=$(table_median raw-extract-all "$name")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(group "$rows")" "$how" \
        "$(calc '%.3f s' "$d")" "$(calc '%.3f s' "$c")" "$(calc '%.3f s' "$r")" \
        "$(calc '%.2f×' "$d / $r")" "$(calc '%.2f×' "$c / $r")"
done
printf '| **all %s tables** | %s | | %s | %s | %s | %s | %s |\n' "$NTABLES" "$(group "$TOTAL_ROWS")" \
    "$(calc '%.3f s' "$(median copy-j1 5)")" "$(calc '%.3f s' "$(median cursor-j1 5)")" \
    "$(calc '%.3f s' "$(median raw-extract-all 1)")" \
    "$(calc '%.2f×' "$(median copy-j1 5) / $(median raw-extract-all 1)")" \
    "$(calc '%.2f×' "$(median cursor-j1 5) / $(median raw-extract-all 1)")"
fi

if want ingest; then
echo
echo "Per transaction of the whole ingest, scale $SCALE (medians; dbsub: its summary's seconds, which"
echo "the tables of one transaction share; raw: the psql process of that unit):"
echo
echo "| table(s) | rows | dbsub load | psql \\copy | time ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
while read -r -a unit; do
    names="" rows=0
    for name in "${unit[@]}"; do
        names="$names${names:+ + }$name"
        rows=$((rows + $(manifest_rows "$BIG" "$name")))
    done
    d=$(table_median ingest-all "${unit[0]}")
    r=$(table_median copy-all "${unit[0]}")
    printf '| %s | %s | %s | %s | %s |\n' "$names" "$(group "$rows")" "$(calc '%.3f s' "$d")" \
        "$(calc '%.3f s' "$r")" "$(calc '%.2f×' "$d / $r")"
done <"$W/units.txt"
fi

echo
want extract && echo "Per-round time ratios, extract (lowest–highest of $RUNS):" \
    "COPY --jobs 1 whole $(spread copy-j1 1 raw-extract-all 1), part $(spread copy-j1 3 raw-extract-seed 1);" \
    "COPY --jobs 2 whole $(spread copy-j2 1 raw-extract-all 1);" \
    "cursor whole $(spread cursor-j1 1 raw-extract-all 1), part $(spread cursor-j1 3 raw-extract-seed 1)."
want ingest || exit 0
echo "Per-round time ratios, ingest (lowest–highest of $RUNS): $T $(spread ingest-seed 3 copy-seed 3)," \
    "$T without its foreign keys $(spread ingest-nofk 3 copy-nofk 3)," \
    "whole (wall) $(spread ingest-all 1 copy-all 1), whole (sum of transactions) $(spread ingest-all 4 copy-all 1)."
echo "dbsub ingest's own clock (the summary's seconds) $(calc '%.3f' "$(median ingest-all 5)") s of" \
    "$(calc '%.3f' "$(median ingest-all 1)") s wall; fetch + check + verify + start ≈" \
    "$(calc '%.3f' "$(median ingest-all 1) - $(median ingest-all 4)") s."
want extract && echo "Peak RSS of the extract, scale $SMALL_SCALE → $SCALE ($(group "$SMALL_ROWS") → $(group "$ROWS") rows in $T):" \
    "COPY $(mib "$(median small-copy-j1 2)") → $(mib "$(median copy-j1 2)")," \
    "cursor $(mib "$(median small-cursor-j1 2)") → $(mib "$(median cursor-j1 2)")," \
    "raw $(mib "$(median small-raw-extract-all 2)") → $(mib "$(median raw-extract-all 2)")."
echo "Peak RSS of the ingest, scale $SMALL_SCALE → $SCALE:" \
    "ingest $(mib "$(median small-ingest-all 2)") → $(mib "$(median ingest-all 2)");" \
    "raw ingest $(mib "$(median small-copy-all 2)") → $(mib "$(median copy-all 2)")" \
    "(the server's memory is not counted on either side)."
