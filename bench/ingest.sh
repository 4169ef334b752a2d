#!/usr/bin/env bash
# Ingest benchmark: the demo database at a scale whose largest table has at least a million
# rows, extracted with that table as the seed (the table plus the parent rows it references);
# `dbsub ingest` of that extract into an empty SQLite database made by dbsub's own migrations,
# beside `sqlite3 .import` of the same CSV (the parts decompressed beforehand) into the same
# schema, measured in the same run: the seed table's load, the whole ingest, and peak RSS at
# two scales. Prints a Markdown table for docs/benchmarks.md.
#
#   bench/ingest.sh                  # SCALE=40 (SEEDLOT_PARENT_TREE: 1,037,511 rows), 5 runs
#   SCALE=80 RUNS=7 bench/ingest.sh
#
# Environment: SCALE (default 40), SMALL_SCALE (default SCALE/4), RUNS (default 5; medians are
# reported, after one discarded warm-up round), TABLE (default: the largest table of the demo),
# KEEP=1 keeps the scratch folder. Needs sqlite3 (3.38 or later: JSON functions, .import
# --skip), zstd and GNU time (Debian: apt-get install sqlite3 zstd time).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
machine "$(sqlite3 --version | cut -d' ' -f1-2)"

missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v zstd >/dev/null || missing+=(zstd)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/ingest.sh needs ${missing[*]}: apt-get install ${missing[*]}" >&2
    exit 1
fi
if ! sqlite3 :memory: "SELECT json_extract('{\"a\":1}', '\$.a')" >/dev/null 2>&1; then
    echo "bench/ingest.sh needs a sqlite3 shell with JSON functions (3.38 or later)" >&2
    exit 1
fi

SCALE=${SCALE:-40}
SMALL_SCALE=${SMALL_SCALE:-$(awk -v s="$SCALE" 'BEGIN { print s / 4 }')}
RUNS=${RUNS:-5}
SUBSET=ingest-bench
# The page cache and foreign-key setting of dbsub's SQLite sink (src/db/sqlite/sink.rs).
SINK_PRAGMAS=(-cmd "PRAGMA cache_size = -65536" -cmd "PRAGMA foreign_keys = ON")

cargo build --release
BIN=$PWD/target/release/dbsub

W=$(mktemp -d "${TMPDIR:-/tmp}/dbsub-bench-ingest.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "scratch folder (kept): $W"
else
    trap 'rm -rf "$W"' EXIT
fi
BIG=$W/scale-$SCALE
SMALL=$W/scale-$SMALL_SCALE
mkdir -p "$BIG" "$SMALL"

# Values from a --format json summary or a manifest.
fail() {
    echo "bench/ingest.sh: $*" >&2
    exit 1
}
dbsub() { # DIR ARGS...: dbsub in DIR with a clean environment (see below)
    local dir=$1
    shift
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet "$@")
}

# dbsub always runs with a clean environment (env -i): no DBSUB_* variable but the target, and
# no .env (the scratch folders have none), so the source is the demo's data/demo.db, the store
# file://data/store and the part cache data/cache of the scale's folder.
#
# Per scale: the demo; the extract (seeded by TABLE); the target schema from dbsub's own
# migrations (empty.db, copied for every run); the parts decompressed to one CSV per table (for
# .import, untimed); parents.db, the tables before TABLE in load order loaded by dbsub (untimed),
# which the seed table's .import runs start from.
setup() { # DIR SCALE
    local dir=$1 scale=$2 secs m
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
    dbsub "$dir" extract SQLITE DEMO --seed-object "$TABLE" --subset "$SUBSET" --refresh >/dev/null
    dbsub "$dir" create-migrations --seed-object "$TABLE" --dialect sqlite --migration-folder mig >/dev/null
    dbsub "$dir" migrate --target sqlite://empty.db --migration-folder mig >/dev/null
    m=$dir/data/store/DEMO/SQLITE/$SUBSET/manifest.json
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
    mkdir -p "$dir/csv"
    local q name rows keys k first before=1 parents=()
    while IFS=$'\t' read -r q name rows keys; do
        # Each part starts with the header line; .import skips the first one only.
        first=1
        for k in $keys; do
            if [ "$first" = 1 ]; then
                zstd -dcq "$dir/data/store/DEMO/SQLITE/$SUBSET/$k"
                first=0
            else
                zstd -dcq "$dir/data/store/DEMO/SQLITE/$SUBSET/$k" | tail -n +2
            fi
        done >"$dir/csv/$name.csv"
        [ "$name" = "$TABLE" ] && before=0
        [ "$before" = 0 ] || parents+=(--table "$q")
    done <"$dir/tables.tsv"
    grep -q $'\t'"$TABLE"$'\t' "$dir/tables.tsv" || fail "$TABLE is not in the extract"
    cp "$dir/empty.db" "$dir/parents.db"
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" DBSUB_TARGET_SQLITE=sqlite://parents.db "$BIN" \
        --quiet ingest SQLITE DEMO --subset "$SUBSET" --format json "${parents[@]}" >"$W/parents.json")
    [ "$(json "$W/parents.json" "json_extract(j, '\$.verify.problems')")" = 0 ] ||
        fail "the parents' load into $dir/parents.db has verify problems"
    echo "extract at scale $scale: $(wc -l <"$dir/tables.tsv") tables, $(awk -F'\t' '{ n += $3 } END { print n }' "$dir/tables.tsv") rows," \
        "$(du -cb "$dir/data/store/DEMO/SQLITE/$SUBSET/data" | tail -1 | cut -f1) bytes of parts," \
        "$(du -cb "$dir/csv" | tail -1 | cut -f1) bytes of CSV"
}
setup "$BIG" "$SCALE"
setup "$SMALL" "$SMALL_SCALE"
manifest_rows() { # DIR [TABLE]: the manifest's rows of TABLE, or of all tables
    awk -F'\t' -v t="${2:-}" 't == "" || $2 == t { n += $3 } END { print n + 0 }' "$1/tables.tsv"
}
ROWS=$(manifest_rows "$BIG" "$TABLE")
TOTAL_ROWS=$(manifest_rows "$BIG")
NTABLES=$(wc -l <"$BIG/tables.tsv")
SMALL_ROWS=$(manifest_rows "$SMALL" "$TABLE")
SMALL_TOTAL_ROWS=$(manifest_rows "$SMALL")
echo "seed table: $TABLE, $ROWS rows; the extract: $NTABLES tables, $TOTAL_ROWS rows"

count() { sqlite3 "$1" "SELECT count(*) FROM \"$2\""; }

# Every timed step starts with no dirty page in the OS cache (`sync`), so that none pays for the
# writeback of an earlier step's files.
#
# One dbsub ingest into a fresh copy of empty.db, with --purge: every run fetches the parts from
# the store into the (emptied) cache and checks them, as a first ingest would. Appends
# "wall_s rss_kb seed_table_s sum_of_transactions_s summary_s" to KEY.runs and each table's
# seconds to KEY.tables.
ingest() { # KEY DIR
    local key=$1 dir=$2 start end out=$W/$1.json
    cp "$dir/empty.db" "$dir/run.db"
    sync
    start=$EPOCHREALTIME
    (cd "$dir" && /usr/bin/time -f "%M" -o "$W/time" env -i PATH="$PATH" HOME="$HOME" \
        DBSUB_TARGET_SQLITE=sqlite://run.db "$BIN" --quiet ingest SQLITE DEMO --subset "$SUBSET" \
        --format json --purge >"$out")
    end=$EPOCHREALTIME
    # Sanity: everything loaded, verify found nothing, the seed table holds the manifest's rows.
    [ "$(json "$out" "json_extract(j, '\$.verify.problems')")" = 0 ] || fail "$key: verify problems"
    [ "$(json "$out" "json_extract(j, '\$.rows')")" = "$(manifest_rows "$dir")" ] || fail "$key: rows"
    [ "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$out'), '\$.tables')
                           WHERE json_extract(value, '\$.status') <> 'loaded'")" = 0 ] ||
        fail "$key: a table was not loaded"
    [ "$(count "$dir/run.db" "$TABLE")" = "$(manifest_rows "$dir" "$TABLE")" ] ||
        fail "$key: $TABLE holds $(count "$dir/run.db" "$TABLE") rows"
    [ "$ROUND" -gt 0 ] || return 0
    # The tables of a foreign-key cycle load in one transaction and each reports its seconds:
    # distinct values are the transactions.
    echo "$(calc '%.4f' "$end - $start") $(tail -1 "$W/time") $(table_field "$out" "$TABLE" seconds)" \
        "$(sqlite3 :memory: "SELECT sum(s) FROM (SELECT DISTINCT json_extract(value, '\$.seconds') AS s
                             FROM json_each(readfile('$out'), '\$.tables'))")" \
        "$(json "$out" "json_extract(j, '\$.seconds')")" >>"$W/$key.runs"
    sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.target'), json_extract(value, '\$.seconds')
                                     FROM json_each(readfile('$out'), '\$.tables')" >>"$W/$key.tables"
}

# .import of the tables on lines FIRST to LAST of tables.tsv, in load order, into a fresh copy of
# BASE, one sqlite3 process per table (each .import is one transaction). Appends
# "sum_s max_rss_kb seed_table_s rows_rejected" to KEY.runs and each table's seconds to
# KEY.tables. .import has no NULL marker: an empty field arrives as '' and a row that then fails
# a constraint is reported on stderr and skipped; the seed table must keep all its rows.
import() { # KEY DIR BASE FIRST LAST [SQLITE3 OPTIONS...]
    local key=$1 dir=$2 base=$3 first=$4 last=$5
    shift 5
    local db=$dir/raw.db q name rows keys start end secs total=0 rss=0 seed="" rejected=0 r n=0
    cp "$dir/$base" "$db"
    # Written back before the clock starts: else the first COMMIT's fsync of the copy pays for
    # writing the whole copy (parents.db is 145 MB at scale 40).
    sync
    while IFS=$'\t' read -r q name rows keys; do
        n=$((n + 1))
        if [ "$n" -lt "$first" ] || [ "$n" -gt "$last" ]; then continue; fi
        start=$EPOCHREALTIME
        /usr/bin/time -f "%M" -o "$W/time" sqlite3 "$@" "$db" \
            ".import --csv --skip 1 '$dir/csv/$name.csv' \"$name\"" 2>"$W/import.err"
        end=$EPOCHREALTIME
        secs=$(calc '%.6f' "$end - $start")
        total=$(calc '%.6f' "$total + $secs")
        r=$(tail -1 "$W/time")
        [ "$r" -gt "$rss" ] && rss=$r
        r=$(grep -c 'INSERT failed' "$W/import.err" || true)
        if grep -v 'INSERT failed' "$W/import.err" | grep -q .; then
            fail "$key: sqlite3 .import of $name: $(head -3 "$W/import.err")"
        fi
        rejected=$((rejected + r))
        [ "$ROUND" -gt 0 ] && echo "$name $secs" >>"$W/$key.tables"
        if [ "$name" = "$TABLE" ]; then
            seed=$secs
            [ "$r" = 0 ] || fail "$key: .import rejected $r rows of $TABLE: $(head -3 "$W/import.err")"
            [ "$(count "$db" "$TABLE")" = "$rows" ] || fail "$key: $TABLE holds $(count "$db" "$TABLE") rows"
        fi
    done <"$dir/tables.tsv"
    [ "$ROUND" -gt 0 ] && echo "$total $rss $seed $rejected" >>"$W/$key.runs"
    return 0
}
SEED_LINE=$(awk -F'\t' -v t="$TABLE" '$2 == t { print NR }' "$BIG/tables.tsv")
SMALL_SEED_LINE=$(awk -F'\t' -v t="$TABLE" '$2 == t { print NR }' "$SMALL/tables.tsv")
SMALL_NTABLES=$(wc -l <"$SMALL/tables.tsv")

# Round 0 warms up (the page cache); the rounds interleave the steps so that a slow moment of
# the machine hits all of them.
for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
    echo "round $ROUND of $RUNS (0: warm-up)" >&2
    ingest dbsub "$BIG"
    import raw-all "$BIG" empty.db 1 "$NTABLES"
    import raw-seed "$BIG" parents.db "$SEED_LINE" "$SEED_LINE"
    import raw-seed-cache "$BIG" parents.db "$SEED_LINE" "$SEED_LINE" -cmd "PRAGMA cache_size = -65536"
    import raw-seed-sink "$BIG" parents.db "$SEED_LINE" "$SEED_LINE" "${SINK_PRAGMAS[@]}"
    # The small scale: peak RSS against table size.
    ingest small-dbsub "$SMALL"
    import small-raw-all "$SMALL" empty.db 1 "$SMALL_NTABLES"
    import small-raw-seed "$SMALL" parents.db "$SMALL_SEED_LINE" "$SMALL_SEED_LINE"
done

median() { # KEY COLUMN
    awk -v c="$2" '{ print $c }' "$W/$1.runs" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}


REJECTED=$(median raw-all 4)
SMALL_REJECTED=$(median small-raw-all 4)
echo
echo "Medians of $RUNS runs. Scale $SCALE: $TABLE has $(group "$ROWS") rows; the extract is $NTABLES tables,"
echo "$(group "$TOTAL_ROWS") rows ($TABLE and the parent rows it references). dbsub: \`dbsub ingest SQLITE DEMO"
echo "--subset $SUBSET --format json --purge\` into a copy of the empty migrated schema. Raw: \`sqlite3 DB"
echo "\".import --csv --skip 1 T.csv T\"\`, one process per table in load order, the CSV decompressed"
echo "beforehand. \"vs raw\" = dbsub rows/s ÷ raw rows/s (goal ≥ 0.8×); \"time ratio\" = dbsub time ÷ raw time."
echo
echo "| step | rows | dbsub time | rows/s | peak RSS | raw: what | raw time | raw rows/s | vs raw | time ratio |"
echo "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
SEED_S=$(median dbsub 3)
line "$TABLE: its load (transaction) in the ingest, the tables before it loaded" "$ROWS" "$SEED_S" "" \
    ".import, sqlite3 defaults, into the tables before it (peak RSS $(mib "$(median raw-seed 2)"))" \
    "$ROWS" "$(median raw-seed 3)"
line "$TABLE, the same" "$ROWS" "$SEED_S" "" \
    ".import, \`cache_size = -65536\` (peak RSS $(mib "$(median raw-seed-cache 2)"))" \
    "$ROWS" "$(median raw-seed-cache 3)"
line "$TABLE, the same" "$ROWS" "$SEED_S" "" \
    ".import, dbsub's settings: \`cache_size = -65536\`, \`foreign_keys = ON\` (peak RSS $(mib "$(median raw-seed-sink 2)"))" \
    "$ROWS" "$(median raw-seed-sink 3)"
line "whole ingest, $NTABLES tables (wall: fetch + SHA-256 + load + verify)" "$TOTAL_ROWS" \
    "$(median dbsub 1)" "$(median dbsub 2)" \
    "the $NTABLES .imports, sqlite3 defaults ($(group "$REJECTED") rows rejected; peak RSS $(mib "$(median raw-all 2)"))" \
    "$TOTAL_ROWS" "$(median raw-all 1)"
line "whole ingest, $NTABLES tables: sum of its load transactions" "$TOTAL_ROWS" "$(median dbsub 4)" "" \
    "the same" "$TOTAL_ROWS" "$(median raw-all 1)"
line "scale $SMALL_SCALE ($TABLE: $(group "$SMALL_ROWS") rows): $TABLE's load" "$SMALL_ROWS" \
    "$(median small-dbsub 3)" "" \
    ".import, sqlite3 defaults (peak RSS $(mib "$(median small-raw-seed 2)"))" "$SMALL_ROWS" \
    "$(median small-raw-seed 3)"
line "scale $SMALL_SCALE: whole ingest, $NTABLES tables (wall)" "$SMALL_TOTAL_ROWS" \
    "$(median small-dbsub 1)" "$(median small-dbsub 2)" \
    "the $NTABLES .imports, sqlite3 defaults ($(group "$SMALL_REJECTED") rows rejected; peak RSS $(mib "$(median small-raw-all 2)"))" \
    "$SMALL_TOTAL_ROWS" "$(median small-raw-all 1)"

echo
echo "Per transaction, scale $SCALE (medians; dbsub: its summary's seconds, which the tables of one"
echo "transaction share; .import: the whole-ingest baseline's processes, one per table, summed):"
echo
echo "| table(s) | rows | dbsub load | .import | time ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
# The tables of one dbsub transaction: consecutive tables with equal seconds in the last summary.
sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.target'), json_extract(value, '\$.seconds')
                                 FROM json_each(readfile('$W/dbsub.json'), '\$.tables')" |
    awk 'NR > 1 && $2 != s { print "" } { printf "%s ", $1; s = $2 } END { print "" }' |
    while read -r -a unit; do
        names="" rows=0 r=0
        for name in "${unit[@]}"; do
            names="$names${names:+ + }$name"
            rows=$((rows + $(manifest_rows "$BIG" "$name")))
            r=$(calc '%.6f' "$r + $(table_median raw-all "$name")")
        done
        d=$(table_median dbsub "${unit[0]}")
        printf '| %s | %s | %s | %s | %s |\n' "$names" "$(group "$rows")" "$(calc '%.3f s' "$d")" \
            "$(calc '%.3f s' "$r")" "$(calc '%.2f×' "$d / $r")"
    done

echo
echo "dbsub's own clock (the summary's seconds) $(calc '%.3f' "$(median dbsub 5)") s of $(calc '%.3f' "$(median dbsub 1)") s wall;" \
    "fetch + check + verify + start ≈ $(calc '%.3f' "$(median dbsub 1) - $(median dbsub 4)") s."
echo "Per-round time ratios (lowest–highest of $RUNS): $TABLE's load $(spread dbsub 3 raw-seed 3) (.import defaults)," \
    "$(spread dbsub 3 raw-seed-sink 3) (.import with dbsub's settings); whole ingest (wall) $(spread dbsub 1 raw-all 1)," \
    "sum of its load transactions $(spread dbsub 4 raw-all 1); scale $SMALL_SCALE whole (wall) $(spread small-dbsub 1 small-raw-all 1)."
echo "Peak RSS, scale $SMALL_SCALE → $SCALE ($(group "$SMALL_ROWS") → $(group "$ROWS") rows in $TABLE):" \
    "dbsub ingest $(mib "$(median small-dbsub 2)") → $(mib "$(median dbsub 2)")," \
    "sqlite3 .import (defaults) $(mib "$(median small-raw-all 2)") → $(mib "$(median raw-all 2)")."
