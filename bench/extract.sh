#!/usr/bin/env bash
# Extract benchmark: the demo database at a scale whose largest table has at least a million
# rows; `dbsub extract` of all of that table (with the parents it references) and of a 1 % seed
# subset of it, with --jobs 1 and --jobs 2; wall time, rows/s, MB/s of CSV and peak RSS, each
# beside the raw pipeline `sqlite3 -csv | zstd -3` measured in the same run on the same data;
# peak RSS at two scales. Prints a Markdown table for docs/benchmarks.md.
#
#   bench/extract.sh                 # SCALE=40 (SEEDLOT_PARENT_TREE: 1,037,511 rows), 5 runs
#   SCALE=80 RUNS=7 bench/extract.sh
#
# Environment: SCALE (default 40), SMALL_SCALE (default SCALE/4), RUNS (default 5; medians are
# reported, after one discarded warm-up round), TABLE (default: the largest table of the demo),
# SPILL_MEMORY (the --key-memory of the spill runs, default 16M), KEEP=1 keeps the scratch
# folder. Needs sqlite3, zstd and GNU time (Debian: apt-get install sqlite3 zstd time).
#
# Exactness: every dbsub run's parts must be byte for byte those of the first run of its kind
# (the full extract at either --jobs or key budget, the 1 % seed, the small scale), and those
# first runs are ingested into an empty database (foreign keys checked) whose every row must be
# a row of the source and whose seed table must hold every seed row; the script fails otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
machine

missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v zstd >/dev/null || missing+=(zstd)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/extract.sh needs ${missing[*]}: apt-get install ${missing[*]}" >&2
    exit 1
fi
if ! sqlite3 :memory: "SELECT json_extract('{\"a\":1}', '\$.a')" >/dev/null 2>&1; then
    echo "bench/extract.sh needs a sqlite3 shell with JSON functions (3.38 or later)" >&2
    exit 1
fi

SCALE=${SCALE:-40}
SMALL_SCALE=${SMALL_SCALE:-$(awk -v s="$SCALE" 'BEGIN { print s / 4 }')}
RUNS=${RUNS:-5}
SPILL_MEMORY=${SPILL_MEMORY:-16M}

cargo build --release
BIN=$PWD/target/release/dbsub

W=$(mktemp -d "${TMPDIR:-/tmp}/dbsub-bench-extract.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "scratch folder (kept): $W"
else
    trap 'rm -rf "$W"' EXIT
fi
BIG=$W/scale-$SCALE
SMALL=$W/scale-$SMALL_SCALE
mkdir -p "$BIG" "$SMALL"

# The raw pipeline: each table through `sqlite3 -csv -header | zstd -3`, one after the other.
cat >"$W/raw.sh" <<'EOF'
#!/usr/bin/env bash
# raw.sh DB OUT_DIR WHERE TABLE...
set -euo pipefail
db=$1 out=$2 where=$3
shift 3
mkdir -p "$out"
for t in "$@"; do
    sqlite3 -csv -header "$db" "SELECT * FROM \"$t\"$where" | zstd -3 -q -f -o "$out/$t.csv.zst"
done
EOF

# Values from a --format json summary.
manifest_tables() { # the summary's tables, without their schema
    sqlite3 :memory: "SELECT substr(t, instr(t, '.') + 1) FROM (SELECT json_extract(value, '\$.table') AS t
                      FROM json_each(readfile('$1'), '\$.tables'))"
}


build_demo() { # DIR SCALE
    (cd "$1" && /usr/bin/time -f "%e %M" -o "$W/time" env -i PATH="$PATH" HOME="$HOME" "$BIN" \
        --quiet demo --scale "$2" --rebuild >/dev/null)
    read -r secs _ <"$W/time"
    echo "demo at scale $2: built in $secs s ($(calc '%.0f' "$(stat -c %s "$1/data/demo.db") / 1e6") MB)"
}
build_demo "$BIG" "$SCALE"
build_demo "$SMALL" "$SMALL_SCALE"
DB=$BIG/data/demo.db

if [ -z "${TABLE:-}" ]; then
    TABLE=$(for t in $(sqlite3 "$DB" "SELECT name FROM sqlite_schema WHERE type = 'table'
                                     AND name NOT LIKE 'sqlite\_%' ESCAPE '\'"); do
        echo "$(sqlite3 "$DB" "SELECT count(*) FROM \"$t\"") $t"
    done | sort -rn | head -1 | cut -d' ' -f2)
fi
ROWS=$(sqlite3 "$DB" "SELECT count(*) FROM \"$TABLE\"")
# 1 %: a range on the first primary-key column.
PK=$(sqlite3 "$DB" "SELECT name FROM pragma_table_info('$TABLE') WHERE pk = 1")
BOUND=$(sqlite3 "$DB" "SELECT quote(\"$PK\") FROM \"$TABLE\" ORDER BY \"$PK\" LIMIT 1 OFFSET $((ROWS / 100))")
WHERE="\"$PK\" < $BOUND"
ONE_ROWS=$(sqlite3 "$DB" "SELECT count(*) FROM \"$TABLE\" WHERE $WHERE")
echo "seed table: $TABLE, $ROWS rows; 1 % seed: WHERE $WHERE ($ONE_ROWS rows)"

# dbsub always runs with a clean environment (env -i): no DBSUB_* variable and no .env (the
# scratch folders have none), so the source is the demo's data/demo.db and the store
# file://data/store of the scale's folder.
#
# One timed run: `sample KEY DIR COMMAND...` appends "wall_s rss_kb [seed_part_s]" to KEY.runs;
# the command's output goes to KEY.out.
sample() {
    local key=$1 dir=$2
    shift 2
    # Wall time from bash's clock (microseconds; GNU time's %e has only 10 ms), peak RSS from
    # GNU time: the largest resident set of the command or of any one process it waited for.
    local start end line
    start=$EPOCHREALTIME
    (cd "$dir" && /usr/bin/time -f "%M" -o "$W/time" "$@" >"$W/$key.out")
    end=$EPOCHREALTIME
    line="$(calc '%.4f' "$end - $start") $(tail -1 "$W/time")"
    if [ "$ROUND" -gt 0 ]; then
        if head -c1 "$W/$key.out" | grep -q '{'; then
            line="$line $(table_field "$W/$key.out" "$TABLE" seconds)"
            cp "$W/$key.out" "$W/$key.json"
        fi
        echo "$line" >>"$W/$key.runs"
    fi
}
extract() { # KEY DIR SUBSET ARGS...: a dbsub extract of the seed table
    local key=$1 dir=$2 subset=$3
    shift 3
    sample "$key" "$dir" env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet extract SQLITE DEMO \
        --seed-object "$TABLE" --subset "$subset" --refresh --format json "$@"
    # Exactness: every run's parts are byte for byte those of the first run of its kind (`full`,
    # `one`, `small`), which is checked against the source after the rounds.
    local kind=${key%%-*} manifest=$dir/data/store/DEMO/SQLITE/$subset/manifest.json
    [ "$kind" = spill ] && kind=full
    if [ ! -f "$W/ref-$kind.parts" ]; then
        manifest_parts "$manifest" >"$W/ref-$kind.parts"
        cp -r "$dir/data/store/DEMO/SQLITE/$subset" "$W/ref-$kind"
    fi
    same_parts "$key" "$manifest" "$W/ref-$kind.parts"
}

# Round 0 warms up (the page cache, and every later dbsub run replaces an existing extract);
# the rounds interleave the steps so that a slow moment of the machine hits all of them.
for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
    echo "round $ROUND of $RUNS (0: warm-up)" >&2
    extract full-j1 "$BIG" full-j1 --jobs 1
    extract full-j2 "$BIG" full-j2 --jobs 2
    [ "$ROUND" -eq 0 ] && ALL=$(manifest_tables "$W/full-j1.out" | tr '\n' ' ')
    # shellcheck disable=SC2086
    sample raw-all "$BIG" bash "$W/raw.sh" "$DB" "$W/raw" "" $ALL
    sample raw-seed "$BIG" bash "$W/raw.sh" "$DB" "$W/raw" "" "$TABLE"
    sample dry-full "$BIG" env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet extract SQLITE DEMO \
        --seed-object "$TABLE" --subset dry --dry-run
    extract one-j1 "$BIG" one-j1 --jobs 1 --where "$WHERE"
    extract one-j2 "$BIG" one-j2 --jobs 2 --where "$WHERE"
    sample raw-one "$BIG" bash "$W/raw.sh" "$DB" "$W/raw-one" " WHERE $WHERE" "$TABLE"
    extract spill-j1 "$BIG" spill-j1 --jobs 1 --key-memory "$SPILL_MEMORY"
    # The small scale: peak RSS against table size.
    extract small-j1 "$SMALL" full-j1 --jobs 1
    extract small-j2 "$SMALL" full-j2 --jobs 2
    # shellcheck disable=SC2086
    sample small-raw-all "$SMALL" bash "$W/raw.sh" "$SMALL/data/demo.db" "$W/raw-small" "" $ALL
    sample small-dry "$SMALL" env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet extract SQLITE DEMO \
        --seed-object "$TABLE" --subset dry --dry-run
    extract small-spill-j1 "$SMALL" spill-j1 --jobs 1 --key-memory "$SPILL_MEMORY"
done

# The checked archives: each ingested into an empty database migrated by dbsub (foreign keys on),
# whose every row must be a row of the source, and whose seed table must hold every seed row.
check_archive() { # KIND DIR WHERE
    local kind=$1 dir=$2 where=$3 target=$W/check-$1.db
    rm -rf "$dir/data/store/DEMO/SQLITE/check-$kind"
    cp -r "$W/ref-$kind" "$dir/data/store/DEMO/SQLITE/check-$kind"
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet create-migrations \
        --seed-object "$TABLE" --dialect sqlite --migration-folder "$W/check-mig" >/dev/null &&
        env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet migrate --target "sqlite://$target" \
            --migration-folder "$W/check-mig" >/dev/null &&
        env -i PATH="$PATH" HOME="$HOME" DBSUB_TARGET_SQLITE="sqlite://$target" "$BIN" --quiet \
            ingest SQLITE DEMO --subset "check-$kind" >/dev/null)
    check_against_source "$kind" "$dir/data/demo.db" "$target" "$where" "$TABLE"
    echo "checked: the $kind extract holds only the source's rows, and every seed row" >&2
}
check_archive full "$BIG" ""
check_archive one "$BIG" "$WHERE"
check_archive small "$SMALL" ""

median() { # KEY COLUMN
    awk -v c="$2" '{ print $c }' "$W/$1.runs" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# CSV sizes, uncompressed: dbsub's from its own parts, the raw pipeline's from sqlite3's output.
dbsub_csv() { # DIR SUBSET [TABLE]: bytes of CSV in the parts
    parts_csv "$1/data/store/DEMO/SQLITE/$2" "${3:-}"
}
raw_csv() { # DB WHERE TABLE...
    local db=$1 where=$2 t n=0
    shift 2
    for t in "$@"; do
        n=$((n + $(sqlite3 -csv -header "$db" "SELECT * FROM \"$t\"$where" | wc -c)))
    done
    echo "$n"
}
raw_rows() { # DB WHERE TABLE...
    local db=$1 where=$2 t n=0
    shift 2
    for t in "$@"; do n=$((n + $(sqlite3 "$db" "SELECT count(*) FROM \"$t\"$where"))); done
    echo "$n"
}

# shellcheck disable=SC2086
{
    RAW_ALL_ROWS=$(raw_rows "$DB" "" $ALL)
    RAW_ALL_CSV=$(raw_csv "$DB" "" $ALL)
    SMALL_RAW_ROWS=$(raw_rows "$SMALL/data/demo.db" "" $ALL)
    SMALL_RAW_CSV=$(raw_csv "$SMALL/data/demo.db" "" $ALL)
}
RAW_SEED_CSV=$(raw_csv "$DB" "" "$TABLE")
RAW_ONE_CSV=$(raw_csv "$DB" " WHERE $WHERE" "$TABLE")
NTABLES=$(wc -w <<<"$ALL")

# One line of the table. Arguments: label, rows, seconds, csv bytes, rss kb (or ""), raw label,
# raw rows, raw seconds, raw csv bytes, raw rss kb.
line() {
    local rss="" mbs="" rawcell="" raw_t="" raw_rate="" tput="" tratio=""
    [ -n "$4" ] && mbs="$(calc '%.1f' "$4 / 1e6 / $3")"
    [ -n "$5" ] && rss="$(calc '%.0f MiB' "$5 / 1024")"
    if [ -n "$6" ]; then
        rawcell="$6: $(group "$7") rows, $(calc '%.1f' "$9 / 1e6") MB CSV, $(calc '%.0f MiB' "${10} / 1024")"
        raw_t="$(calc '%.3f s' "$8")"
        raw_rate="$(group "$(calc '%.0f' "$7 / $8")") rows/s, $(calc '%.1f' "$9 / 1e6 / $8") MB/s"
        tput="$(calc '%.2f×' "($2 / $3) / ($7 / $8)")"
        tratio="$(calc '%.2f×' "$3 / $8")"
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(group "$2")" \
        "$(calc '%.3f s' "$3")" "$(group "$(calc '%.0f' "$2 / $3")")" \
        "$mbs" "$rss" "$rawcell" "$raw_t" "$raw_rate" "$tput" "$tratio"
}

FULL_ROWS=$(json "$W/full-j1.json" "json_extract(j, '\$.rows')")
ONE_TOTAL_ROWS=$(json "$W/one-j1.json" "json_extract(j, '\$.rows')")
SMALL_ROWS=$(json "$W/small-j1.json" "json_extract(j, '\$.rows')")
SMALL_SEED_ROWS=$(table_field "$W/small-j1.json" "$TABLE" rows)
FULL_CSV=$(dbsub_csv "$BIG" full-j1)
SEED_CSV=$(dbsub_csv "$BIG" full-j1 "$TABLE")
ONE_CSV=$(dbsub_csv "$BIG" one-j1)
ONE_SEED_CSV=$(dbsub_csv "$BIG" one-j1 "$TABLE")
SMALL_CSV=$(dbsub_csv "$SMALL" full-j1)

echo
echo "Compressed: dbsub full extract $(dir_bytes "$BIG/data/store/DEMO/SQLITE/full-j1/data") bytes," \
    "raw pipeline over the same $NTABLES tables whole $(dir_bytes "$W/raw") bytes;" \
    "CSV: dbsub $FULL_CSV bytes ($FULL_ROWS rows), raw $RAW_ALL_CSV bytes ($RAW_ALL_ROWS rows)."
echo
echo "Medians of $RUNS runs. Scale $SCALE: $TABLE has $ROWS rows; the full extract is $NTABLES tables"
echo "($TABLE and its parents). Raw pipeline: sqlite3 -csv -header | zstd -3, one table after the"
echo "other. MB = 10^6 bytes of uncompressed CSV. \"vs raw\" = dbsub rows/s ÷ raw"
echo "rows/s (goal ≥ 0.8×); \"time ratio\" = dbsub time ÷ raw time (the doc's usual ratio)."
echo
echo "| step | rows | dbsub time | rows/s | CSV MB/s | peak RSS | raw pipeline: what, peak RSS | raw time | raw throughput | vs raw | time ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
for j in 1 2; do
    line "full extract, \`--jobs $j\`: all $NTABLES tables (wall)" "$FULL_ROWS" "$(median full-j$j 1)" \
        "$FULL_CSV" "$(median full-j$j 2)" "the $NTABLES tables whole" "$RAW_ALL_ROWS" \
        "$(median raw-all 1)" "$RAW_ALL_CSV" "$(median raw-all 2)"
    line "full extract, \`--jobs $j\`: $TABLE's part" "$ROWS" "$(median full-j$j 3)" "$SEED_CSV" "" \
        "$TABLE whole" "$ROWS" "$(median raw-seed 1)" "$RAW_SEED_CSV" "$(median raw-seed 2)"
done
line "full extract: catalog + closure only (\`--dry-run\`)" "$FULL_ROWS" "$(median dry-full 1)" \
    "" "$(median dry-full 2)" "" "" "" "" ""
line "full extract, \`--jobs 1 --key-memory $SPILL_MEMORY\` (key sets spill to disk)" "$FULL_ROWS" \
    "$(median spill-j1 1)" "$FULL_CSV" "$(median spill-j1 2)" "" "" "" "" ""
for j in 1 2; do
    line "1 % seed, \`--jobs $j\`: all tables (wall)" "$ONE_TOTAL_ROWS" "$(median one-j$j 1)" \
        "$ONE_CSV" "$(median one-j$j 2)" "$TABLE WHERE $WHERE only" "$ONE_ROWS" \
        "$(median raw-one 1)" "$RAW_ONE_CSV" "$(median raw-one 2)"
    line "1 % seed, \`--jobs $j\`: $TABLE's part" "$ONE_ROWS" "$(median one-j$j 3)" "$ONE_SEED_CSV" "" \
        "$TABLE WHERE $WHERE" "$ONE_ROWS" "$(median raw-one 1)" "$RAW_ONE_CSV" "$(median raw-one 2)"
done
for j in 1 2; do
    line "scale $SMALL_SCALE ($TABLE: $(group "$SMALL_SEED_ROWS") rows): full extract, \`--jobs $j\` (wall)" \
        "$SMALL_ROWS" "$(median small-j$j 1)" "$SMALL_CSV" "$(median small-j$j 2)" \
        "the $NTABLES tables whole" "$SMALL_RAW_ROWS" "$(median small-raw-all 1)" "$SMALL_RAW_CSV" \
        "$(median small-raw-all 2)"
done
line "scale $SMALL_SCALE: catalog + closure only (\`--dry-run\`)" "$SMALL_ROWS" "$(median small-dry 1)" \
    "" "$(median small-dry 2)" "" "" "" "" ""
line "scale $SMALL_SCALE: full extract, \`--jobs 1 --key-memory $SPILL_MEMORY\`" "$SMALL_ROWS" \
    "$(median small-spill-j1 1)" "$SMALL_CSV" "$(median small-spill-j1 2)" "" "" "" "" ""

echo
echo "Peak RSS, scale $SMALL_SCALE → $SCALE ($(group "$SMALL_SEED_ROWS") → $(group "$ROWS") rows in $TABLE):" \
    "--jobs 1 $(calc '%.0f' "$(median small-j1 2) / 1024") → $(calc '%.0f' "$(median full-j1 2) / 1024") MiB," \
    "--jobs 2 $(calc '%.0f' "$(median small-j2 2) / 1024") → $(calc '%.0f' "$(median full-j2 2) / 1024") MiB," \
    "--key-memory $SPILL_MEMORY $(calc '%.0f' "$(median small-spill-j1 2) / 1024") → $(calc '%.0f' "$(median spill-j1 2) / 1024") MiB," \
    "raw pipeline $(calc '%.0f' "$(median small-raw-all 2) / 1024") → $(calc '%.0f' "$(median raw-all 2) / 1024") MiB."
