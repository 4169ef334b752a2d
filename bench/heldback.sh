#!/usr/bin/env bash
# Held-back extract benchmark (issue 20): a schema dbsub was NOT tuned on. A logistics /
# order-management database (bench/heldback.sql: 14 tables, text and composite keys, a
# self-reference, a customer ↔ address foreign-key cycle, two keys from invoice to address, NULL
# and half-NULL foreign keys, NUMERIC money, dates and timestamps, quotes, commas, newlines,
# non-ASCII and > 4,000-byte texts), generated deterministically in SQLite (2.5 million rows
# at SCALE=1) and copied into a throwaway PostgreSQL cluster. The plan seeds `invoice WHERE id <=
# :n` with its invoice_line children: at SCALE=1 a closure of 486,817 rows in 9 tables.
#
# Each round, on both sources: `dbsub extract … --plan` with --jobs 1 and --jobs 2, beside the raw
# pipeline over the same 9 tables WHOLE (it cannot select the closure: `sqlite3 -csv -header |
# zstd -3`, `psql \copy (SELECT * FROM t) to stdout csv header | zstd -3`, one table after the
# other). Every run checks that each table of the manifest holds exactly the closure's rows (the
# closure computed by hand-written SQL, below); once per script run, both sources' archives are
# ingested into an empty SQLite database (`dbsub migrate`, `dbsub ingest`) and compared row for
# row with the source's closure (EXCEPT both ways). Any difference exits 1. Prints Markdown tables
# for docs/benchmarks.md.
#
#   bench/heldback.sh                         # SCALE=1, 5 runs: about 1.5 minutes on 2 cores
#   DBSUB_BIN=/tmp/dbsub RUNS=3 bench/heldback.sh   # a given binary, no build: about 1 minute
#   SCALE=0.05 RUNS=1 bench/heldback.sh       # a quick look: 15 seconds
#
# Environment: SCALE (default 1: the row counts scale with it), SEED_N (the seed's :n, default
# 60,000 × SCALE of the 250,000 × SCALE invoices), RUNS (default 5; medians are reported after
# one discarded warm-up round; the steps are interleaved), DBSUB_BIN (the dbsub binary; default:
# target/release/dbsub, built by `cargo build --release`), PG_BIN_DIR (the folder of initdb,
# pg_ctl and psql; default: PATH, then the highest /usr/lib/postgresql/*/bin), KEEP=1 keeps the
# scratch folder (the cluster is stopped either way). Needs sqlite3 (3.38 or later: JSON
# functions and generate_series), zstd, GNU time and PostgreSQL 12 or later (Debian: apt-get
# install sqlite3 zstd time postgresql). As root, the cluster runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

fail() { echo "bench/heldback.sh: $*" >&2 && exit 1; }
missing=()
pg_tools
for c in sqlite3 zstd /usr/bin/time; do command -v "$c" >/dev/null || missing+=("${c##*/}"); done
[ ${#missing[@]} = 0 ] || fail "needs ${missing[*]}: apt-get install postgresql sqlite3 zstd time"
sqlite3 :memory: "SELECT json_extract('{\"a\":1}', '\$.a'), (SELECT count(*) FROM generate_series(1, 2))" \
    >/dev/null 2>&1 || fail "needs a sqlite3 shell with JSON functions and generate_series (3.38 or later)"

SCALE=${SCALE:-1}
RUNS=${RUNS:-5}
n_of() { calc '%.0f' "$1 * $SCALE"; } # BASE: BASE × SCALE, rounded
NCUST=$(n_of 80000)
NPROD=$(n_of 15000)
NINV=$(n_of 250000)
NEVENT=$(n_of 200000)
SEED_N=${SEED_N:-$(n_of 60000)}

if [ -n "${DBSUB_BIN:-}" ]; then
    BIN=$DBSUB_BIN
else
    cargo build --release
    BIN=$PWD/target/release/dbsub
fi
[ -x "$BIN" ] || fail "no dbsub binary at $BIN"
machine "$(sqlite3 --version | cut -d' ' -f1-2), $("$PG_BIN_DIR/postgres" --version), zstd $(zstd -V | grep -o 'v[0-9.]*')"
echo "dbsub: $BIN ($("$BIN" --version), modified $(date -u -r "$BIN" '+%F %H:%M UTC'), sha256 $(sha256sum "$BIN" | cut -c1-12))"
SCHEMA_SQL=$PWD/bench/heldback.sql

pg_scratch heldback
mkdir -p "$W/run"
DB=$W/heldback.db
SECONDS=0

# ---------------------------------------------------------------------------------------------
# The data, deterministic: h(x, k) below is a multiplicative hash mod the prime 1,000,003 that
# stands in for randomness. Invoice ids grow with their dates; invoice_line has 1–7 lines per
# invoice (4 on average); 3 % of invoices ship to another customer's address, 15 % have no
# shipping address; a tenth of the addresses have no region (a half-NULL composite key).
h() { echo "((($1) * $2 + 12345) % 1000003)"; }
country_of() { # EXPR: a country code from a number
    echo "(char(65 + (($1) % 60) / 26) || char(65 + (($1) % 60) % 26))"
}
long_text() { # WORD LENGTH: a text of LENGTH bytes
    echo "substr(replace(hex(zeroblob($2)), '00', '$1 '), 1, $2)"
}
sed 's/--CYCLE/, CONSTRAINT customer_default_address_fk FOREIGN KEY (default_address_id) REFERENCES address (id)/' \
    "$SCHEMA_SQL" | sqlite3 "$DB"
sqlite3 "$DB" >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO country
SELECT $(country_of 'value - 1'),
       CASE value % 7 WHEN 0 THEN 'Côte-' || value WHEN 3 THEN 'São Tomé ' || value ELSE 'Country ' || value END,
       CASE value % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' WHEN 2 THEN 'GBP' ELSE 'JPY' END
FROM generate_series(1, 60);
INSERT INTO region
SELECT c.code, printf('R%02d', r.value), c.name || ' / region ' || r.value
FROM country c, generate_series(1, 12) r;
INSERT INTO customer
SELECT printf('C%08d', value),
       CASE value % 11 WHEN 0 THEN 'O''Brien & Sons ' || value WHEN 1 THEN 'Müller, Schmidt GmbH ' || value
                       WHEN 2 THEN '"Quoted" Trading ' || value ELSE 'Customer ' || value END,
       CASE WHEN value % 13 = 0 THEN NULL ELSE 'c' || value || '@example.com' END,
       $(country_of "$(h value 7919)"),
       CASE WHEN value % 17 = 0 THEN NULL ELSE 2 * value - 1 END,
       CASE WHEN value % 9 = 0 THEN NULL ELSE ($(h value 104729) % 10000000) / 100.0 END,
       datetime('2015-01-01', '+' || ($(h value 15485863) * 300) || ' seconds'),
       CASE WHEN value % 997 = 0 THEN $(long_text account 4500)
            WHEN value % 50 = 0 THEN 'line one' || char(10) || 'line two, with a comma; "quoted"'
            ELSE NULL END
FROM generate_series(1, $NCUST);
INSERT INTO address
SELECT value, printf('C%08d', (value + 1) / 2),
       ($(h value 31) % 999 + 1) || ' ' || CASE value % 5 WHEN 0 THEN 'Rue de l''Église' WHEN 1 THEN 'Hauptstraße'
                                                          ELSE 'Main Street' END,
       'City ' || ($(h value 37) % 5000), CASE WHEN value % 20 = 0 THEN NULL ELSE printf('%05d', $(h value 41) % 100000) END,
       $(country_of "$(h value 43)"),
       CASE WHEN value % 10 = 0 THEN NULL ELSE printf('R%02d', 1 + $(h value 47) % 12) END
FROM generate_series(1, 2 * $NCUST);
INSERT INTO warehouse
SELECT value, 'Warehouse ' || value, $(country_of "$(h value 53)"), printf('R%02d', 1 + value % 12)
FROM generate_series(1, 40);
INSERT INTO supplier
SELECT value, CASE value % 6 WHEN 0 THEN 'Fournisseur "Élite", S.A. ' ELSE 'Supplier ' END || value,
       $(country_of "$(h value 59)")
FROM generate_series(1, 400);
INSERT INTO category
SELECT value, CASE WHEN value <= 10 THEN NULL WHEN value <= 60 THEN 1 + (value - 11) % 10 ELSE 11 + (value - 61) % 50 END,
       'Category ' || value
FROM generate_series(1, 250);
INSERT INTO product
SELECT value, printf('SKU-%07d', value), 'Product ' || value,
       CASE WHEN value % 9 = 0 THEN 11 + $(h value 61) % 50 ELSE 61 + $(h value 67) % 190 END,
       CASE WHEN value % 20 = 0 THEN NULL ELSE 1 + $(h value 71) % 400 END,
       (100 + $(h value 73) % 99900) / 100.0,
       CASE WHEN value % 15 = 0 THEN NULL ELSE ($(h value 79) % 5000 + 25) / 100.0 END,
       CASE WHEN value % 400 = 0 THEN $(long_text spec 5200) ELSE 'Product ' || value || ', standard issue' END
FROM generate_series(1, $NPROD);
CREATE TEMP TABLE inv AS
SELECT value AS id, 1 + $(h value 83) % $NCUST AS c, $(h value 89) % 100 AS ship, $(h value 97) AS r
FROM generate_series(1, $NINV);
INSERT INTO invoice
SELECT id, printf('C%08d', c), 2 * c - 1,
       CASE WHEN ship < 15 THEN NULL WHEN ship < 18 THEN 2 * (1 + r % $NCUST) ELSE 2 * c END,
       date('2020-01-01', '+' || (id * 1461 / $NINV) || ' days'),
       date('2020-01-01', '+' || (id * 1461 / $NINV + 30) || ' days'),
       CASE r % 10 WHEN 0 THEN 'CANCELLED' WHEN 1 THEN 'OPEN' WHEN 2 THEN 'OVERDUE' ELSE 'PAID' END,
       CASE r % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' WHEN 2 THEN 'GBP' ELSE 'JPY' END,
       (r % 10000000) / 100.0,
       CASE WHEN id % 1000 = 0 THEN $(long_text remark 4500)
            WHEN id % 37 = 0 THEN 'Deliver to the back door; ask for "Jo", O''Neill' || char(10) || 'Gate code 1234'
            ELSE NULL END
FROM inv;
INSERT INTO invoice_line
SELECT i.id, s.value, 1 + $(h 'i.id * 8 + s.value' 101) % $NPROD, 1 + $(h 'i.id * 8 + s.value' 103) % 20,
       (100 + $(h 'i.id * 8 + s.value' 107) % 50000) / 100.0,
       CASE WHEN s.value % 3 = 0 THEN ($(h 'i.id * 8 + s.value' 109) % 30) + 0.5 ELSE NULL END
FROM inv i JOIN generate_series(1, 7) s ON s.value <= 1 + i.r % 7;
INSERT INTO shipment
SELECT id, id, 1 + r % 40, datetime(date('2020-01-01', '+' || (id * 1461 / $NINV + 2) || ' days'), '+' || (r % 86400) || ' seconds'),
       CASE r % 3 WHEN 0 THEN 'DHL' WHEN 1 THEN 'UPS' ELSE 'La Poste' END,
       CASE WHEN r % 7 = 0 THEN NULL ELSE printf('TRK%012d', r * 7919 + id) END
FROM inv WHERE ship < 80;
INSERT INTO shipment_item
SELECT l.invoice_id, l.invoice_id, l.line_no, l.quantity
FROM invoice_line l JOIN inv i ON i.id = l.invoice_id WHERE i.ship < 80 AND i.id % 2 = 0;
INSERT INTO payment
SELECT id, id, datetime(date('2020-01-01', '+' || (id * 1461 / $NINV + 20) || ' days'), '+' || (r % 86400) || ' seconds'),
       (r % 10000000) / 100.0, CASE r % 3 WHEN 0 THEN 'CARD' WHEN 1 THEN 'TRANSFER' ELSE 'CASH' END,
       CASE WHEN r % 5 = 0 THEN NULL ELSE 'REF-' || id END
FROM inv WHERE r % 10 <> 0;
INSERT INTO event_log
SELECT value, CASE value % 3 WHEN 0 THEN 'invoice' WHEN 1 THEN 'customer' ELSE 'shipment' END,
       CASE value % 3 WHEN 1 THEN printf('C%08d', 1 + value % $NCUST) ELSE CAST(1 + value % $NINV AS TEXT) END,
       datetime('2020-01-01', '+' || (value * 600) || ' seconds'), 'user' || (value % 97),
       '{"field": "status", "old": "OPEN", "new": "PAID", "note": "a, b; \"c\""}'
FROM generate_series(1, $NEVENT);
COMMIT;
EOF
TABLES_ALL="country region customer address warehouse supplier category product invoice invoice_line
shipment shipment_item payment event_log"
count() { sqlite3 "$DB" "SELECT count(*) FROM \"$1\""; }
TOTAL=0
for t in $TABLES_ALL; do TOTAL=$((TOTAL + $(count "$t"))); done
echo "source: $(wc -w <<<"$TABLES_ALL") tables, $(group "$TOTAL") rows, $(calc '%.0f' "$(stat -c %s "$DB") / 1e6") MB" \
    "(SCALE $SCALE; built in $SECONDS s)"

# ---------------------------------------------------------------------------------------------
# The closure, by hand: the seed invoices, their lines, and every row they reference,
# recursively, as key tables k_<table> in closure.db. customer and address reference each other
# (an invoice's addresses may belong to another customer; a customer has a default address), so
# those two are repeated until neither grows. A half-NULL (country_code, region_code) references
# nothing.
C=$W/closure.db
sqlite3 "$C" <<EOF
ATTACH '$DB' AS src;
CREATE TABLE k_invoice AS SELECT id FROM src.invoice WHERE id <= $SEED_N;
CREATE TABLE k_invoice_line AS SELECT invoice_id, line_no FROM src.invoice_line WHERE invoice_id IN (SELECT id FROM k_invoice);
CREATE TABLE k_address (id PRIMARY KEY);
INSERT OR IGNORE INTO k_address SELECT billing_address_id FROM src.invoice WHERE id IN (SELECT id FROM k_invoice);
INSERT OR IGNORE INTO k_address SELECT shipping_address_id FROM src.invoice
    WHERE id IN (SELECT id FROM k_invoice) AND shipping_address_id IS NOT NULL;
CREATE TABLE k_customer (customer_no PRIMARY KEY);
INSERT OR IGNORE INTO k_customer SELECT customer_no FROM src.invoice WHERE id IN (SELECT id FROM k_invoice);
EOF
while :; do
    before=$(sqlite3 "$C" "SELECT (SELECT count(*) FROM k_address) + (SELECT count(*) FROM k_customer)")
    sqlite3 "$C" "ATTACH '$DB' AS src;
        INSERT OR IGNORE INTO k_customer SELECT customer_no FROM src.address WHERE id IN (SELECT id FROM k_address);
        INSERT OR IGNORE INTO k_address SELECT default_address_id FROM src.customer
            WHERE customer_no IN (SELECT customer_no FROM k_customer) AND default_address_id IS NOT NULL;"
    after=$(sqlite3 "$C" "SELECT (SELECT count(*) FROM k_address) + (SELECT count(*) FROM k_customer)")
    [ "$before" = "$after" ] && break
done
sqlite3 "$C" <<EOF
ATTACH '$DB' AS src;
CREATE TABLE k_product AS SELECT DISTINCT product_id AS id FROM src.invoice_line
    WHERE (invoice_id, line_no) IN (SELECT invoice_id, line_no FROM k_invoice_line);
CREATE TABLE k_supplier AS SELECT DISTINCT supplier_id AS id FROM src.product
    WHERE id IN (SELECT id FROM k_product) AND supplier_id IS NOT NULL;
CREATE TABLE k_category AS WITH RECURSIVE up(id) AS (
        SELECT category_id FROM src.product WHERE id IN (SELECT id FROM k_product)
        UNION SELECT c.parent_id FROM src.category c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL)
    SELECT id FROM up;
CREATE TABLE k_region AS SELECT DISTINCT country_code, region_code FROM src.address
    WHERE id IN (SELECT id FROM k_address) AND region_code IS NOT NULL;
CREATE TABLE k_country AS
    SELECT country_code AS code FROM src.customer WHERE customer_no IN (SELECT customer_no FROM k_customer)
    UNION SELECT country_code FROM k_region
    UNION SELECT country_code FROM src.supplier WHERE id IN (SELECT id FROM k_supplier);
EOF
# The closure's tables and their keys.
declare -A KEY=([country]=code [region]="country_code, region_code" [customer]=customer_no [address]=id
    [supplier]=id [category]=id [product]=id [invoice]=id [invoice_line]="invoice_id, line_no")
CLOSURE_TABLES="country region customer address supplier category product invoice invoice_line"
declare -A CLOSURE_ROWS=()
CLOSURE_TOTAL=0 RAW_ROWS=0
for t in $CLOSURE_TABLES; do
    CLOSURE_ROWS[$t]=$(sqlite3 "$C" "SELECT count(*) FROM k_$t")
    CLOSURE_TOTAL=$((CLOSURE_TOTAL + CLOSURE_ROWS[$t]))
    RAW_ROWS=$((RAW_ROWS + $(count "$t")))
done
echo "seed: invoice WHERE id <= $SEED_N ($(group "${CLOSURE_ROWS[invoice]}") of $(group "$NINV") invoices)" \
    "with its invoice_line children; the closure: $(group "$CLOSURE_TOTAL") rows in" \
    "$(wc -w <<<"$CLOSURE_TABLES") tables ($(for t in $CLOSURE_TABLES; do printf '%s %s, ' "$t" "$(group "${CLOSURE_ROWS[$t]}")"; done | sed 's/, $//'));" \
    "the same tables whole: $(group "$RAW_ROWS") rows"

cat >"$W/plan.toml" <<EOF
name = "heldback"

[[seed]]
table = "invoice"
where = "id <= :n"

[params]
n = "$SEED_N"

[[children.edge]]
table = "invoice_line"
EOF

# ---------------------------------------------------------------------------------------------
# The PostgreSQL copy: a throwaway cluster (bench/lib.sh: trust authentication, 127.0.0.1, a
# free port, autovacuum off), the same schema and rows (sqlite3 -csv → psql \copy), customer's
# key to address added after the load, then VACUUM (ANALYZE).
pg_start "$PGDIR"
PG=postgres://dbsub@127.0.0.1:$PORT/heldback
pq() { # ARGS...: psql into the database heldback, stopping at the first error
    PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U dbsub \
        -d heldback -v ON_ERROR_STOP=1 "$@"
}
"$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U dbsub -d postgres -c "CREATE DATABASE heldback"
pq -f "$SCHEMA_SQL"
PG_START=$SECONDS
for t in $TABLES_ALL; do
    sqlite3 -csv "$DB" "SELECT * FROM \"$t\"" | pq -c "\\copy \"$t\" from stdin csv"
    [ "$(pq -At -c "SELECT count(*) FROM \"$t\"")" = "$(count "$t")" ] || fail "PostgreSQL's $t differs from SQLite's"
done
pq -c "ALTER TABLE customer ADD CONSTRAINT customer_default_address_fk FOREIGN KEY (default_address_id)
       REFERENCES address (id)" -c "VACUUM (ANALYZE)"
echo "PostgreSQL copy: loaded in $((SECONDS - PG_START)) s, $(pq -At -c "SELECT pg_size_pretty(pg_database_size('heldback'))")" \
    "(every table's row count equals SQLite's)"

# ---------------------------------------------------------------------------------------------
# The runs. dbsub runs in $W/run with a clean environment (env -i): the source is the only
# variable set (DBSUB_SOURCE_SQLITE_HB or DBSUB_SOURCE_PG_HB), the store is the default
# file://data/store of that folder.
RUN=$W/run
cat >"$W/raw-sqlite.sh" <<'EOF'
#!/usr/bin/env bash
# raw-sqlite.sh DB OUT_DIR TABLE...: prints "table seconds" for each
set -euo pipefail
db=$1 out=$2
shift 2
mkdir -p "$out"
for t in "$@"; do
    start=$EPOCHREALTIME
    sqlite3 -csv -header "$db" "SELECT * FROM \"$t\"" | zstd -3 -q -f -o "$out/$t.csv.zst"
    awk -v t="$t" -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%s %.6f\n", t, e - s }'
done
EOF
cat >"$W/raw-pg.sh" <<'EOF'
#!/usr/bin/env bash
# raw-pg.sh PSQL PORT OUT_DIR TABLE...: prints "table seconds" for each
set -euo pipefail
psql=$1 port=$2 out=$3
shift 3
mkdir -p "$out"
for t in "$@"; do
    start=$EPOCHREALTIME
    "$psql" -X -q -h 127.0.0.1 -p "$port" -U dbsub -d heldback -v ON_ERROR_STOP=1 \
        -c "\\copy (SELECT * FROM \"$t\") to stdout csv header" | zstd -3 -q -f -o "$out/$t.csv.zst"
    awk -v t="$t" -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%s %.6f\n", t, e - s }'
done
EOF
source_var() { # KIND: the source variable of dbsub's environment
    case $1 in
    SQLITE) echo "DBSUB_SOURCE_SQLITE_HB=sqlite://$DB" ;;
    PG) echo "DBSUB_SOURCE_PG_HB=$PG" ;;
    esac
}
# One timed command: `sample KEY COMMAND...` appends "wall_s rss_kb" to KEY.runs (after the
# warm-up round), and each table's seconds to KEY.tables ("table seconds" lines: a dbsub
# summary's, or the raw scripts' output). Wall time from bash's clock, peak RSS from GNU time
# (the largest resident set of the command or of any one process it waited for). Before each:
# a checkpoint and sync, so that no step pays for the writeback of an earlier one.
sample() {
    local key=$1 start end
    shift
    pq -c CHECKPOINT
    sync
    start=$EPOCHREALTIME
    (cd "$RUN" && /usr/bin/time -f "%M" -o "$W/time" "$@" >"$W/$key.out") ||
        fail "$key failed: $*"
    end=$EPOCHREALTIME
    [ "$ROUND" -gt 0 ] || return 0
    if head -c1 "$W/$key.out" | grep -q '{'; then
        # A summary: its own seconds and the sum of its tables' seconds too.
        echo "$(calc '%.4f' "$end - $start") $(tail -1 "$W/time") $(json "$W/$key.out" "json_extract(j, '\$.seconds')")" \
            "$(sqlite3 :memory: "SELECT sum(json_extract(value, '\$.seconds')) FROM json_each(readfile('$W/$key.out'), '\$.tables')")" \
            >>"$W/$key.runs"
        cp "$W/$key.out" "$W/$key.json"
        sqlite3 -separator ' ' :memory: "SELECT substr(t, instr(t, '.') + 1), s FROM
            (SELECT json_extract(value, '\$.table') AS t, json_extract(value, '\$.seconds') AS s
             FROM json_each(readfile('$W/$key.out'), '\$.tables'))" >>"$W/$key.tables"
    else
        echo "$(calc '%.4f' "$end - $start") $(tail -1 "$W/time")" >>"$W/$key.runs"
        cat "$W/$key.out" >>"$W/$key.tables"
    fi
}
# Exactness of one extract: the manifest's tables are the closure's, each with the closure's
# row count.
check_manifest() { # KIND SUBSET
    local m=$RUN/data/store/HB/$1/$2/manifest.json got want
    [ -f "$m" ] || fail "$1 $2: no manifest at $m"
    got=$(sqlite3 :memory: "SELECT json_extract(value, '\$.name') || ' ' || json_extract(value, '\$.rows')
                            FROM json_each(readfile('$m'), '\$.tables') ORDER BY 1")
    want=$(for t in $CLOSURE_TABLES; do echo "$t ${CLOSURE_ROWS[$t]}"; done | sort)
    [ "$got" = "$want" ] || fail "$1 $2: the manifest's tables and rows differ from the closure's:
$(diff <(echo "$want") <(echo "$got") || true)
(< the closure by SQL, > the manifest $m)"
}
extract() { # KIND JOBS
    local key=$1-j$2
    sample "$key" env -i PATH="$PATH" HOME="$HOME" "$(source_var "$1")" "$BIN" --quiet extract "$1" HB \
        --plan "$W/plan.toml" --subset "$key" --refresh --format json --jobs "$2"
    check_manifest "$1" "$key"
}

for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
    echo "round $ROUND of $RUNS (0: warm-up)" >&2
    extract SQLITE 1
    extract SQLITE 2
    # shellcheck disable=SC2086
    sample raw-sqlite bash "$W/raw-sqlite.sh" "$DB" "$W/raw" $CLOSURE_TABLES
    extract PG 1
    extract PG 2
    # shellcheck disable=SC2086
    sample raw-pg bash "$W/raw-pg.sh" "$PSQL" "$PORT" "$W/raw" $CLOSURE_TABLES
done

# ---------------------------------------------------------------------------------------------
# Exactness, row for row: each source's --jobs 2 archive ingested into an empty SQLite database
# made by dbsub's own migrations, each table compared with the source's closure rows (EXCEPT both
# ways, over the source's columns).
(cd "$RUN" && env -i PATH="$PATH" HOME="$HOME" DBSUB_STRUCT_URL="sqlite://$DB" "$BIN" --quiet \
    create-migrations --seed-object invoice --seed-object invoice_line --dialect sqlite --migration-folder mig >/dev/null) ||
    fail "create-migrations failed"
for kind in SQLITE PG; do
    target=$W/target-$kind.db
    (cd "$RUN" && env -i PATH="$PATH" HOME="$HOME" "$BIN" --quiet migrate --target "sqlite://$target" \
        --migration-folder mig >/dev/null) || fail "migrate into $target failed"
    (cd "$RUN" && env -i PATH="$PATH" HOME="$HOME" DBSUB_TARGET_SQLITE="sqlite://$target" "$BIN" --quiet \
        ingest SQLITE HB --source "$kind" --subset "$kind-j2" --format json >"$W/ingest-$kind.json") ||
        fail "ingest of the $kind extract failed: $(cat "$W/ingest-$kind.json")"
    [ "$(json "$W/ingest-$kind.json" "json_extract(j, '\$.verify.problems')")" = 0 ] ||
        fail "ingest of the $kind extract: verify problems: $(cat "$W/ingest-$kind.json")"
    for t in $CLOSURE_TABLES; do
        # dbsub reads SQLite's DATE as Oracle's, a timestamp(0) (docs/types.md): '2020-01-31'
        # arrives as '2020-01-31 00:00:00', so DATE columns are compared through datetime().
        cols=$(sqlite3 "$DB" "SELECT group_concat(CASE WHEN upper(type) = 'DATE' THEN 'datetime(\"' || name || '\")'
                                                     ELSE '\"' || name || '\"' END, ', ')
                              FROM pragma_table_info('$t')")
        diff=$(sqlite3 "$C" "ATTACH '$DB' AS src; ATTACH '$target' AS tgt;
            SELECT (SELECT count(*) FROM (SELECT $cols FROM tgt.\"$t\" EXCEPT
                        SELECT $cols FROM src.\"$t\" WHERE (${KEY[$t]}) IN (SELECT * FROM k_$t))),
                   (SELECT count(*) FROM (SELECT $cols FROM src.\"$t\" WHERE (${KEY[$t]}) IN (SELECT * FROM k_$t)
                        EXCEPT SELECT $cols FROM tgt.\"$t\")),
                   (SELECT count(*) FROM tgt.\"$t\")")
        [ "$diff" = "0|0|${CLOSURE_ROWS[$t]}" ] ||
            fail "the $kind extract ingested into $target: $t differs from the source's closure (rows only in the target | only in the source | target rows): $diff, want 0|0|${CLOSURE_ROWS[$t]}"
    done
done
echo "exactness: every run's manifest holds the closure's $(wc -w <<<"$CLOSURE_TABLES") tables with its row counts;" \
    "both --jobs 2 archives, ingested into SQLite, equal the source's closure row for row"
for kind in SQLITE PG; do
    # The tables of one load transaction share its seconds in the summary.
    echo "ingest of the $kind archive into SQLite (a check, not timed against a baseline):" \
        "$(calc '%.1f s' "$(json "$W/ingest-$kind.json" "json_extract(j, '\$.seconds')")") for" \
        "$(group "$(json "$W/ingest-$kind.json" "json_extract(j, '\$.rows')")") rows; its slowest transaction:" \
        "$(sqlite3 :memory: "SELECT group_concat(t, ' + ') || printf(', %.1f s', s) FROM
            (SELECT json_extract(value, '\$.target') AS t, json_extract(value, '\$.seconds') AS s
             FROM json_each(readfile('$W/ingest-$kind.json'), '\$.tables'))
            WHERE s = (SELECT max(json_extract(value, '\$.seconds'))
                       FROM json_each(readfile('$W/ingest-$kind.json'), '\$.tables'))")"
done

# ---------------------------------------------------------------------------------------------
median() { # KEY COLUMN: the median of a column of KEY.runs
    awk -v c="$2" '{ print $c }' "$W/$1.runs" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
read_of() { # KEY TABLE: how dbsub read the table (the summary's `read`)
    table_field "$W/$1.json" "$2" read
}
echo
echo "Medians of $RUNS runs (after a warm-up round), SCALE $SCALE. dbsub: \`extract … --plan\` of the"
echo "closure ($(group "$CLOSURE_TOTAL") rows); raw: the same $(wc -w <<<"$CLOSURE_TABLES") tables WHOLE ($(group "$RAW_ROWS") rows: the raw"
echo "pipeline cannot select the closure), one table after the other. \"vs raw\" = dbsub rows/s ÷"
echo "raw rows/s; \"time ratio\" = dbsub time ÷ raw time. Only these ratios, measured in the same"
echo "round on a shared machine, mean anything; the absolute times do not."
echo
echo "| step | rows | dbsub time | rows/s | peak RSS | raw: what | raw time | raw rows/s | vs raw | time ratio | time ratio, lowest–highest round |"
echo "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for kind in SQLITE PG; do
    raw=raw-sqlite what="sqlite3 -csv -header \\| zstd -3"
    [ "$kind" = PG ] && raw=raw-pg what="psql \\copy … to stdout csv header \\| zstd -3"
    for j in 1 2; do
        printf '%s %s |\n' "$(line "$kind, \`--jobs $j\`" "$CLOSURE_TOTAL" "$(median "$kind-j$j" 1)" \
            "$(median "$kind-j$j" 2)" "$what (peak RSS $(mib "$(median "$raw" 2)"))" "$RAW_ROWS" \
            "$(median "$raw" 1)")" "$(spread "$kind-j$j" 1 "$raw" 1)"
    done
done
echo
for kind in SQLITE PG; do
    for j in 1 2; do
        if [ "$j" = 1 ]; then
            how="the summary's seconds − its tables' (catalog + closure, as bench/postgres.sh counts it)"
            how="$how $(calc '%.3f s' "$(median "$kind-j1" 3) - $(median "$kind-j1" 4)")"
        else
            how="its tables' seconds add up to $(calc '%.3f s' "$(median "$kind-j2" 4)") (written two at once)"
        fi
        echo "- $kind, --jobs $j: dbsub's own clock (the summary's seconds) $(calc '%.3f s' "$(median "$kind-j$j" 3)")" \
            "of $(calc '%.3f s' "$(median "$kind-j$j" 1)") wall; $how;" \
            "closure_queries $(json "$W/$kind-j$j.json" "json_extract(j, '\$.closure_queries')")," \
            "closure_scans $(json "$W/$kind-j$j.json" "json_extract(j, '\$.closure_scans')")"
    done
done
echo
echo "Per table (medians; dbsub: the summary's seconds of the table, --jobs 1; raw: that table's"
echo "pipeline, whole; \"read\": how dbsub read the table, from its summary):"
echo
echo "| table | closure rows | whole table | read (SQLite) | dbsub SQLite | raw SQLite | read (PG) | dbsub PG | raw PG |"
echo "| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |"
for t in $CLOSURE_TABLES; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$(group "${CLOSURE_ROWS[$t]}")" \
        "$(group "$(count "$t")")" "$(read_of SQLITE-j1 "$t")" "$(calc '%.3f s' "$(table_median SQLITE-j1 "$t")")" \
        "$(calc '%.3f s' "$(table_median raw-sqlite "$t")")" "$(read_of PG-j1 "$t")" \
        "$(calc '%.3f s' "$(table_median PG-j1 "$t")")" "$(calc '%.3f s' "$(table_median raw-pg "$t")")"
done
echo
echo "Commands (in a folder with no .env; W is the scratch folder):"
echo
echo '```'
echo "env -i PATH=\"\$PATH\" DBSUB_SOURCE_SQLITE_HB=sqlite://\$W/heldback.db dbsub --quiet extract SQLITE HB --plan plan.toml --subset SQLITE-j1 --refresh --format json --jobs 1"
echo "env -i PATH=\"\$PATH\" DBSUB_SOURCE_PG_HB=postgres://dbsub@127.0.0.1:PORT/heldback dbsub --quiet extract PG HB --plan plan.toml --subset PG-j1 --refresh --format json --jobs 1"
echo "sqlite3 -csv -header \$W/heldback.db 'SELECT * FROM \"t\"' | zstd -3 -q -f -o t.csv.zst    # each table"
echo "psql -c '\\copy (SELECT * FROM \"t\") to stdout csv header' | zstd -3 -q -f -o t.csv.zst  # each table"
echo '```'
echo
echo "plan.toml:"
echo
echo '```toml'
cat "$W/plan.toml"
echo '```'
echo
echo "The script took $((SECONDS / 60)) min $((SECONDS % 60)) s."
