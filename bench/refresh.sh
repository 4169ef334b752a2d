#!/usr/bin/env bash
# Refresh benchmark: a delta against a full re-extract, in the same run. The demo database at a
# scale whose SEEDLOT_PARENT_TREE has about a million rows, seeded by that table (all its rows and
# the parent rows they reference), with watermarks on it and on SEEDLOT; a base extract ingested
# into a SQLite target; then PCT % of the seed rows change (a new UPDATE_TIMESTAMP and a new
# CONE_COUNT). Timed, each round: `extract --incremental` (the delta) beside `extract --refresh` of
# the same plan into another subset (the full re-extract of the new state), and `ingest` of the
# delta into a copy of the base-loaded target beside `ingest` of the full extract into an empty
# one. Every round checks that the refreshed target's seed table equals the source's, row for row.
# Prints a Markdown table for docs/benchmarks.md.
#
#   bench/refresh.sh                 # SCALE=40 (1,037,511 seed rows), PCT=1, 5 runs
#   SCALE=10 RUNS=3 bench/refresh.sh
#
# Environment: SCALE (default 40), PCT (default 1), RUNS (default 5; medians are reported after
# one discarded warm-up round), KEEP=1 keeps the scratch folder. Needs sqlite3 (3.38 or later)
# and GNU time (Debian: apt-get install sqlite3 time).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
machine "$(sqlite3 --version | cut -d' ' -f1-2)"

missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/refresh.sh needs ${missing[*]}: apt-get install ${missing[*]}" >&2
    exit 1
fi

SCALE=${SCALE:-40}
PCT=${PCT:-1}
RUNS=${RUNS:-5}
TABLE=SEEDLOT_PARENT_TREE

cargo build --release
BIN=$PWD/target/release/dbsub

W=$(mktemp -d "${TMPDIR:-/tmp}/dbsub-bench-refresh.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "scratch folder (kept): $W"
else
    trap 'rm -rf "$W"' EXIT
fi
D=$W/demo
mkdir -p "$D"
fail() {
    echo "bench/refresh.sh: $*" >&2
    exit 1
}
# dbsub in $D with a clean environment: the source is the demo's data/demo.db, the store
# file://data/store; TARGET names the SQLite target file.
run() { # TARGET ARGS...
    local target=$1
    shift
    (cd "$D" && /usr/bin/time -f "%e %M" -o "$W/time" env -i PATH="$PATH" HOME="$HOME" \
        DBSUB_TARGET_SQLITE="sqlite://$target" "$BIN" --quiet "$@")
}

run none.db demo --scale "$SCALE" --rebuild >/dev/null
cat >"$D/plan.toml" <<EOF
name = "refresh-bench"

[[seed]]
table = "$TABLE"

[refresh]
watermarks = { "$TABLE" = "UPDATE_TIMESTAMP", "SEEDLOT" = "UPDATE_TIMESTAMP" }
EOF
SRC=$D/data/demo.db
STORE=$D/data/store/DEMO/SQLITE
ROWS=$(sqlite3 "$SRC" "SELECT count(*) FROM $TABLE")

run none.db extract SQLITE DEMO --plan plan.toml --refresh >/dev/null
run none.db create-migrations --seed-object "$TABLE" --dialect sqlite --migration-folder mig >/dev/null
run empty.db migrate --target sqlite://empty.db --migration-folder mig >/dev/null
cp "$D/empty.db" "$D/base.db"
run base.db ingest SQLITE DEMO --subset refresh-bench --format json >"$W/base.json"
[ "$(json "$W/base.json" "json_extract(j, '\$.verify.problems')")" = 0 ] || fail "the base ingest has verify problems"
SUBSET_ROWS=$(json "$W/base.json" "json_extract(j, '\$.rows')")

# The change: PCT % of the seed rows, spread over the table, with a watermark above every one
# the base recorded.
sqlite3 "$SRC" "UPDATE $TABLE SET UPDATE_TIMESTAMP = '2099-01-01 00:00:00', CONE_COUNT = CONE_COUNT + 1
                WHERE rowid % (100 / $PCT) = 0"
CHANGED=$(sqlite3 "$SRC" "SELECT count(*) FROM $TABLE WHERE UPDATE_TIMESTAMP = '2099-01-01 00:00:00'")
echo "scale $SCALE: $TABLE has $(group "$ROWS") rows, the subset $(group "$SUBSET_ROWS") rows; $(group "$CHANGED") seed rows changed"

# The refreshed target's seed table against the source's: equal, both ways.
same_as_source() { # DB
    local diff
    diff=$(sqlite3 "$1" "ATTACH '$SRC' AS src;
        SELECT (SELECT count(*) FROM (SELECT * FROM main.$TABLE EXCEPT SELECT * FROM src.$TABLE))
             + (SELECT count(*) FROM (SELECT * FROM src.$TABLE EXCEPT SELECT * FROM main.$TABLE))")
    [ "$diff" = 0 ] || fail "$1: $diff rows of $TABLE differ from the source"
}
timed() { # KEY: appends "seconds rss_kb" of the last run to KEY.runs (rounds > 0)
    [ "$ROUND" -gt 0 ] && cat "$W/time" >>"$W/$1.runs"
    return 0
}

for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
    echo "round $ROUND of $RUNS (0: warm-up)" >&2
    rm -rf "$STORE/refresh-bench/deltas"
    sync
    run none.db extract SQLITE DEMO --plan plan.toml --incremental --format json >"$W/delta.json"
    timed delta-extract
    DELTA_ROWS=$(json "$W/delta.json" "json_extract(j, '\$.rows')")
    [ "$(sqlite3 :memory: "SELECT json_extract(value, '\$.rows') FROM json_each(readfile('$W/delta.json'), '\$.tables')
                           WHERE json_extract(value, '\$.table') LIKE '%$TABLE'")" = "$CHANGED" ] ||
        fail "the delta does not hold the $CHANGED changed rows of $TABLE"
    sync
    run none.db extract SQLITE DEMO --plan plan.toml --subset full-bench --refresh --format json >"$W/full.json"
    timed full-extract
    FULL_ROWS=$(json "$W/full.json" "json_extract(j, '\$.rows')")

    cp "$D/base.db" "$D/run.db"
    sync
    run run.db ingest SQLITE DEMO --subset refresh-bench --format json >"$W/delta-ingest.json"
    timed delta-ingest
    [ "$(json "$W/delta-ingest.json" "json_extract(j, '\$.verify.problems')")" = 0 ] || fail "delta ingest: verify problems"
    same_as_source "$D/run.db"
    cp "$D/empty.db" "$D/full.db"
    sync
    run full.db ingest SQLITE DEMO --subset full-bench --format json >"$W/full-ingest.json"
    timed full-ingest
    [ "$(json "$W/full-ingest.json" "json_extract(j, '\$.verify.problems')")" = 0 ] || fail "full ingest: verify problems"
    same_as_source "$D/full.db"
done

median() { # KEY COLUMN
    awk -v c="$2" '{ print $c }' "$W/$1.runs" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
spread() { # KEY: min–max of the seconds
    awk '{ print $1 }' "$W/$1.runs" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f s", lo, hi }'
}
row() { # LABEL ROWS_TEXT DELTA_KEY FULL_KEY
    printf '| %s | %s | %s (%s) | %s | %s (%s) | %s | %s |\n' "$1" "$2" \
        "$(calc '%.2f s' "$(median "$3" 1)")" "$(spread "$3")" "$(mib "$(median "$3" 2)")" \
        "$(calc '%.2f s' "$(median "$4" 1)")" "$(spread "$4")" "$(mib "$(median "$4" 2)")" \
        "$(calc '%.1f×' "$(median "$4" 1) / $(median "$3" 1)")"
}
echo
echo "Medians of $RUNS runs (spread in brackets). Scale $SCALE: the subset is $TABLE ($(group "$ROWS") rows) and"
echo "the parent rows it references, $(group "$SUBSET_ROWS") rows; $PCT % of $TABLE changed ($(group "$CHANGED") rows)."
echo "Delta: \`dbsub extract SQLITE DEMO --plan plan.toml --incremental\`, then \`dbsub ingest SQLITE DEMO"
echo "--subset refresh-bench\` into a copy of the base-loaded target. Full: \`dbsub extract … --subset full-bench"
echo "--refresh\` of the same plan, then its ingest into the empty migrated schema. \"faster\" = full time ÷ delta time."
echo
echo "| step | rows written | delta | delta peak RSS | full | full peak RSS | faster |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
ROWS_TEXT="$(group "$DELTA_ROWS") / $(group "$FULL_ROWS")"
row "extract" "$ROWS_TEXT" delta-extract full-extract
row "ingest (fetch + check + load + verify)" "$ROWS_TEXT" delta-ingest full-ingest
