//! PostgreSQL partitioned tables through the whole pipeline (the throwaway cluster of
//! `tests/common/pg.rs`): a range-partitioned table by month with a DEFAULT partition and a
//! partition in another schema, whose foreign keys are declared on the partitions only (three
//! on every partition, one on two partitions only); a list-partitioned table with a
//! sub-partitioned partition; a hash-partitioned table; partitions with their own indexes.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeSet;

use common::{Workspace, pg, read_extract, stderr, stdout};

const SCHEMA: &str = "
CREATE SCHEMA archive;
CREATE TABLE customer (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE staff (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE store (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE promo (id int PRIMARY KEY, code text NOT NULL);

CREATE TABLE payment (
  payment_id int NOT NULL,
  payment_date date NOT NULL,
  customer_id int NOT NULL,
  staff_id int NOT NULL,
  store_id int NOT NULL,
  promo_id int,
  amount numeric(6,2) NOT NULL,
  PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE archive.payment_2021 PARTITION OF payment
  FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE TABLE payment_2022_01 PARTITION OF payment
  FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_2022_02 PARTITION OF payment
  FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
CREATE TABLE payment_2022_03 PARTITION OF payment
  FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');
CREATE TABLE payment_other PARTITION OF payment DEFAULT;
DO $$
DECLARE p text;
BEGIN
  FOREACH p IN ARRAY ARRAY['archive.payment_2021', 'payment_2022_01', 'payment_2022_02',
                           'payment_2022_03', 'payment_other'] LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %s_customer_fk FOREIGN KEY (customer_id) '
                   'REFERENCES customer', p, regexp_replace(p, '^.*[.]', ''));
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %s_staff_fk FOREIGN KEY (staff_id) '
                   'REFERENCES staff', p, regexp_replace(p, '^.*[.]', ''));
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %s_store_fk FOREIGN KEY (store_id) '
                   'REFERENCES store (id)', p, regexp_replace(p, '^.*[.]', ''));
  END LOOP;
END $$;
-- On two partitions only: other rows may name a promotion that does not exist.
ALTER TABLE payment_2022_01 ADD CONSTRAINT payment_2022_01_promo_fk
  FOREIGN KEY (promo_id) REFERENCES promo;
ALTER TABLE payment_2022_02 ADD CONSTRAINT payment_2022_02_promo_fk
  FOREIGN KEY (promo_id) REFERENCES promo;
CREATE INDEX payment_2022_01_customer ON payment_2022_01 (customer_id);
CREATE INDEX payment_other_amount ON payment_other (amount DESC) WHERE amount > 5;
CREATE INDEX payment_staff ON payment (staff_id);

CREATE TABLE rental (
  id int NOT NULL,
  region text NOT NULL,
  kind int NOT NULL,
  customer_id int NOT NULL REFERENCES customer,
  PRIMARY KEY (id, region, kind)
) PARTITION BY LIST (region);
CREATE TABLE rental_eu PARTITION OF rental FOR VALUES IN ('eu', 'uk')
  PARTITION BY RANGE (kind);
CREATE TABLE rental_eu_low PARTITION OF rental_eu FOR VALUES FROM (MINVALUE) TO (10);
CREATE TABLE rental_eu_high PARTITION OF rental_eu FOR VALUES FROM (10) TO (MAXVALUE);
CREATE TABLE rental_us PARTITION OF rental FOR VALUES IN ('us');
CREATE TABLE rental_rest PARTITION OF rental DEFAULT;
-- In another schema, with a partition of its own there.
CREATE TABLE archive.rental_jp PARTITION OF rental FOR VALUES IN ('jp')
  PARTITION BY RANGE (kind);
CREATE TABLE archive.rental_jp_all PARTITION OF archive.rental_jp DEFAULT;
CREATE INDEX rental_us_kind ON rental_us (kind);

CREATE TABLE event (
  id serial PRIMARY KEY,
  payload text,
  customer_id int REFERENCES customer
) PARTITION BY HASH (id);
CREATE TABLE event_0 PARTITION OF event FOR VALUES WITH (modulus 3, remainder 0);
CREATE TABLE event_1 PARTITION OF event FOR VALUES WITH (modulus 3, remainder 1);
CREATE TABLE event_2 PARTITION OF event FOR VALUES WITH (modulus 3, remainder 2);
";

const ROWS: &str = "
INSERT INTO customer SELECT i, 'customer ' || i FROM generate_series(1, 30) i;
INSERT INTO staff SELECT i, 'staff ' || i FROM generate_series(1, 4) i;
INSERT INTO store SELECT i, 'store ' || i FROM generate_series(1, 3) i;
INSERT INTO promo SELECT i, 'P' || i FROM generate_series(1, 6) i;
-- Every month of 2021-2023: the archive, three monthly partitions and the default.
INSERT INTO payment
SELECT i, date '2021-06-01' + (i * 7), 1 + (i * 7) % 30, 1 + i % 4, 1 + i % 3,
       CASE WHEN i % 5 = 0 THEN NULL
            WHEN date '2021-06-01' + (i * 7) BETWEEN '2022-01-01' AND '2022-02-28'
              THEN 1 + i % 6
            ELSE 1 + i % 9 END,
       (i % 13) + 0.5
FROM generate_series(1, 120) i;
INSERT INTO rental SELECT i, (ARRAY['eu', 'uk', 'us', 'jp'])[1 + i % 4], i % 20, 1 + i % 30
FROM generate_series(1, 80) i;
INSERT INTO event SELECT i, 'event ' || i, CASE WHEN i % 4 = 0 THEN NULL ELSE 1 + i % 30 END
FROM generate_series(1, 40) i;
ANALYZE;
-- Created after the rows: a load must not fire it (it is cloned onto every partition).
CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.payload := upper(NEW.payload);
  RETURN NEW;
END $$;
CREATE TRIGGER shout BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION shout();
";

/// dbsub in `ws` with `vars`; its stdout and stderr together, and whether it succeeded.
fn run(ws: &Workspace, vars: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let out = ws.dbsub(vars).args(args).output().unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success(), text)
}

fn ok(ws: &Workspace, vars: &[(&str, &str)], args: &[&str]) -> String {
    let (success, text) = run(ws, vars, args);
    assert!(success, "dbsub {args:?} failed:\n{text}");
    text
}

/// The rows of `sql`, each as its columns' text joined by ` | `.
fn rows(url: &str, sql: &str) -> Vec<String> {
    pg::connect(url)
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<_, Option<String>>(i).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// The partitioning, partitions, bounds, indexes, triggers and constraints of the tables of the
/// fixture (dbsub's and Flyway's own left out), in a stable order.
fn structure(url: &str) -> Vec<String> {
    let ours = "n.nspname IN ('public', 'archive') AND c.relname !~ '^(dbsub|flyway)'";
    let mut all = Vec::new();
    all.extend(rows(
        url,
        &format!(
            "SELECT c.relname::text, pg_get_partkeydef(c.oid) FROM pg_partitioned_table pt \
             JOIN pg_class c ON c.oid = pt.partrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {ours} ORDER BY 1"
        ),
    ));
    all.extend(rows(
        url,
        &format!(
            "SELECT n.nspname::text, c.relname::text, p.relname::text, c.relkind::text, \
               pg_get_expr(c.relpartbound, c.oid) \
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND {ours} ORDER BY 1, 2"
        ),
    ));
    all.extend(rows(
        url,
        &format!(
            "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {ours} ORDER BY 1, 2"
        ),
    ));
    all.extend(rows(
        url,
        &format!(
            "SELECT c.relname::text, t.tgname::text FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND {ours} ORDER BY 1, 2"
        ),
    ));
    all.extend(rows(
        url,
        &format!(
            "SELECT c.relname::text, k.conname::text, pg_get_constraintdef(k.oid), \
               (k.conparentid <> 0)::text \
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {ours} ORDER BY 1, 2"
        ),
    ));
    all
}

/// The migrations of the three partitioned tables for `dialect`, applied to `target`; the
/// report of `create-migrations`.
fn migrations(ws: &Workspace, source: &str, dialect: &str, target: &str) -> String {
    let struct_url = [("DBSUB_STRUCT_URL", source)];
    let folder = ["--migration-folder", dialect];
    let mut create = vec!["create-migrations", "--dialect", dialect];
    for seed in ["payment", "rental", "event"] {
        create.extend(["--seed-object", seed]);
    }
    let created = ok(ws, &struct_url, &[&create[..], &folder[..]].concat());
    ok(
        ws,
        &struct_url,
        &[&["migrate", "--target", target][..], &folder[..]].concat(),
    );
    created
}

/// A new database of the throwaway cluster holding `sql`'s tables and rows.
fn database_with(pg: &pg::PgCluster, name_hint: &str, sql: &str) -> String {
    let url = pg.create_database(name_hint);
    pg::connect(&url).batch_execute(sql).unwrap();
    url
}

/// The ids of an extracted table's rows (its first column), and how many rows it has.
fn extracted_ids(extract: &common::ExtractRows, table: &str) -> (BTreeSet<String>, usize) {
    let (_, rows) = extract
        .get(table)
        .unwrap_or_else(|| panic!("{table} not in the extract: {:?}", extract.keys()));
    let ids = rows.iter().map(|r| r[0].0.clone()).collect();
    (ids, rows.len())
}

#[test]
fn foreign_keys_declared_on_partitions_bring_their_parents() {
    let Some(pg) = pg::cluster() else { return };
    let ws = Workspace::empty();
    let source = database_with(pg, "partitions_closure", &format!("{SCHEMA}{ROWS}"));
    let struct_url = [("DBSUB_STRUCT_URL", source.as_str())];

    // The catalog: the partitioning at every level, and the rows of the partitions.
    let mut reader =
        dbsub::backend::catalog_reader(&dbsub::backend::parse_url(&source).unwrap()).unwrap();
    let catalog = reader.read_catalog(&["public".to_string()]).unwrap();
    let payment = catalog.table("public", "payment").unwrap();
    assert_eq!(payment.estimated_rows, Some(120));
    let by = payment.partitioning.as_ref().unwrap();
    assert_eq!(by.key, ["payment_date"]);
    let names: Vec<(Option<&str>, &str, &str)> = by
        .partitions
        .iter()
        .map(|p| (p.schema.as_deref(), p.name.as_str(), p.bound.as_str()))
        .collect();
    assert_eq!(names[0].0, Some("archive"));
    assert_eq!(names[4], (None, "payment_other", "DEFAULT"));
    assert_eq!(by.partitions[1].indexes[0].name, "payment_2022_01_customer");
    assert_eq!(by.partitions[1].foreign_keys.len(), 4);
    assert!(catalog.table("public", "payment_2022_01").is_none());
    let rental = catalog.table("public", "rental").unwrap();
    let eu = &rental.partitioning.as_ref().unwrap().partitions[0];
    assert_eq!(eu.bound, "FOR VALUES IN ('eu', 'uk')");
    assert_eq!(eu.partitioning.as_ref().unwrap().partitions.len(), 2);

    // show-deps from the partitioned table lists the parents of its partitions' keys.
    let tree = ok(&ws, &struct_url, &["show-deps", "--seed-object", "payment"]);
    for parent in ["customer", "staff", "store", "promo"] {
        assert!(
            tree.contains(&format!("TABLE: public.{parent}")),
            "{parent} missing:\n{tree}"
        );
    }
    assert!(!tree.contains("TABLE: public.payment_2022_01"), "{tree}");
    // And the children of a parent include the partitioned table, through a key declared on
    // two of its partitions only.
    let args = [
        "show-deps",
        "--seed-object",
        "promo",
        "--direction",
        "children",
    ];
    let children = ok(&ws, &struct_url, &args);
    assert!(children.contains("TABLE: public.payment"), "{children}");

    // The seed rows of a few customers bring every parent they reference, each row once.
    let condition = "customer_id IN (1, 8, 15) OR payment_date >= '2023-01-01'";
    let store = format!("file://{}", ws.path().join("store").display());
    let extracted = ok(
        &ws,
        &[
            ("DBSUB_SOURCE_PG_APP", source.as_str()),
            ("DBSUB_STORE_APP", &store),
        ],
        &[
            "extract",
            "PG",
            "APP",
            "--seed-object",
            "payment",
            "--where",
            condition,
        ],
    );
    let extract = read_extract(&ws.path().join("store/APP/PG/default"));
    let closure = |sql: &str| -> BTreeSet<String> {
        rows(&source, &sql.replace("{seed}", condition))
            .into_iter()
            .collect()
    };
    let (payments, n) = extracted_ids(&extract, "payment");
    let seed = closure("SELECT payment_id::text FROM payment WHERE {seed}");
    assert_eq!(payments, seed, "{extracted}");
    assert_eq!(n, seed.len(), "a payment written twice:\n{extracted}");
    for (parent, column) in [
        ("customer", "customer_id"),
        ("staff", "staff_id"),
        ("store", "store_id"),
        ("promo", "promo_id"),
    ] {
        // Independently: the parent rows the seed rows name that exist.
        let expected = closure(&format!(
            "SELECT id::text FROM {parent} WHERE id IN \
             (SELECT {column} FROM payment WHERE {{seed}})"
        ));
        let (ids, n) = extracted_ids(&extract, parent);
        assert_eq!(ids, expected, "{parent}:\n{extracted}");
        assert_eq!(n, expected.len(), "{parent} row written twice");
    }
    // Some seed rows of the default partition name a promotion that does not exist (no key
    // there): extracted as they are, nothing reported missing.
    let dangling = closure(
        "SELECT payment_id::text FROM payment WHERE ({seed}) \
         AND promo_id NOT IN (SELECT id FROM promo)",
    );
    assert!(!dangling.is_empty(), "the fixture lost its dangling rows");
    let manifest = common::manifest(&ws.path().join("store/APP/PG/default"));
    let payment = manifest
        .tables
        .iter()
        .find(|t| t.name == "payment")
        .unwrap();
    let promo_key = payment
        .foreign_keys
        .iter()
        .find(|k| k.ref_table == "promo")
        .expect("the promo key is recorded");
    assert!(!promo_key.enabled, "{promo_key:?}");

    // A children plan from a customer reaches its payments through the partitions' keys.
    let plan = ws.path().join("children.toml");
    std::fs::write(
        &plan,
        "name = \"children\"\n[[seed]]\ntable = \"customer\"\nwhere = \"id = 8\"\n\
         [children]\ndepth = 1\ncap = 1000\n",
    )
    .unwrap();
    let vars = [
        ("DBSUB_SOURCE_PG_APP", source.as_str()),
        ("DBSUB_STORE_APP", store.as_str()),
    ];
    let plan_arg = plan.to_string_lossy().to_string();
    let text = ok(&ws, &vars, &["extract", "PG", "APP", "--plan", &plan_arg]);
    let extract = read_extract(&ws.path().join("store/APP/PG/children"));
    let (payments, n) = extracted_ids(&extract, "payment");
    let expected: BTreeSet<String> = rows(
        &source,
        "SELECT payment_id::text FROM payment WHERE customer_id = 8",
    )
    .into_iter()
    .collect();
    assert!(!expected.is_empty());
    assert_eq!(payments, expected, "{text}");
    assert_eq!(n, expected.len());

    // A key-less partitioned table: each partition numbers its rows on its own (both first
    // rows are ctid (0,1)), so its row locator also names the partition; every row comes once.
    pg::connect(&source)
        .batch_execute(
            "CREATE TABLE note (body text, customer_id int) PARTITION BY LIST (customer_id); \
             CREATE TABLE note_1 PARTITION OF note FOR VALUES IN (1); \
             CREATE TABLE note_other PARTITION OF note DEFAULT; \
             INSERT INTO note VALUES ('a', 1), ('b', 2), ('c', 1), ('d', 3);",
        )
        .unwrap();
    let vars = [
        ("DBSUB_SOURCE_PG_APP", source.as_str()),
        ("DBSUB_STORE_APP", store.as_str()),
    ];
    ok(
        &ws,
        &vars,
        &[
            "extract",
            "PG",
            "APP",
            "--seed-object",
            "note",
            "--subset",
            "notes",
            "--part-size",
            "1",
        ],
    );
    let extract = read_extract(&ws.path().join("store/APP/PG/notes"));
    let (bodies, n) = extracted_ids(&extract, "note");
    assert_eq!(
        bodies,
        ["a", "b", "c", "d"].map(String::from).into(),
        "{extract:?}"
    );
    assert_eq!(n, 4);
}

#[test]
fn partitioned_tables_migrate_and_load_into_postgres_and_sqlite() {
    let Some(pg) = pg::cluster() else { return };
    let ws = Workspace::empty();
    let source = database_with(pg, "partitions_source", &format!("{SCHEMA}{ROWS}"));
    let store = format!("file://{}", ws.path().join("store").display());
    let source_vars = [
        ("DBSUB_SOURCE_PG_APP", source.as_str()),
        ("DBSUB_STORE_APP", store.as_str()),
    ];
    let mut extract = vec!["extract", "PG", "APP"];
    for seed in ["payment", "rental", "event"] {
        extract.extend(["--seed-object", seed]);
    }
    ok(&ws, &source_vars, &extract);

    // PostgreSQL: the same partitioning, partitions, bounds, indexes and constraints.
    let target = pg.create_database("partitions_target");
    pg::connect(&target)
        .batch_execute("CREATE SCHEMA archive")
        .unwrap();
    let created = migrations(&ws, &source, "postgres", &target);
    assert!(!created.contains("plain table"), "{created}");
    assert_eq!(structure(&target), structure(&source));
    let loaded = ok(
        &ws,
        &[("DBSUB_TARGET_PG", &target), ("DBSUB_STORE_APP", &store)],
        &["ingest", "PG", "APP"],
    );
    let tables = [
        "customer", "staff", "store", "promo", "payment", "rental", "event",
    ];
    for table in tables {
        let sql = format!("SELECT tableoid::regclass::text, t::text FROM {table} t ORDER BY 2");
        assert_eq!(
            rows(&target, &sql),
            rows(&source, &sql),
            "{table}:\n{loaded}"
        );
    }
    // The sequence of the partitioned table's serial column moved past the loaded ids.
    let next = rows(&target, "SELECT nextval('event_id_seq')::text");
    assert!(next[0].parse::<i64>().unwrap() > 40, "{next:?}:\n{loaded}");
    // Loaded again over itself: the keys declared on partitions are set aside and restored.
    ok(
        &ws,
        &[("DBSUB_TARGET_PG", &target), ("DBSUB_STORE_APP", &store)],
        &["ingest", "PG", "APP", "--refreshdb"],
    );
    assert_eq!(structure(&target), structure(&source));

    // SQLite: plain tables, each partitioned table reported with what it means.
    let file = ws.path().join("local.db");
    let sqlite = format!("sqlite://{}", file.display());
    let created = migrations(&ws, &source, "sqlite", &sqlite);
    for (table, by) in [
        (
            "payment",
            "PARTITION BY RANGE (payment_date), 5 partitions: payment_2021, payment_2022_01, \
             payment_2022_02, payment_2022_03, payment_other",
        ),
        (
            "rental",
            "PARTITION BY LIST (region), 7 partitions: rental_eu, rental_eu_high, \
             rental_eu_low, rental_jp, rental_jp_all, rental_rest, rental_us",
        ),
        (
            "event",
            "PARTITION BY HASH (id), 3 partitions: event_0, event_1, event_2",
        ),
    ] {
        assert!(
            created.contains(&format!("public.{table}: partitioned in the source ({by})")),
            "{table} not reported:\n{created}"
        );
    }
    assert!(
        created.contains("payment_2022_01_promo_fk (on payment_2022_01, payment_2022_02)"),
        "{created}"
    );
    ok(
        &ws,
        &[
            ("DBSUB_TARGET_SQLITE", &sqlite),
            ("DBSUB_STORE_APP", &store),
        ],
        &["ingest", "SQLITE", "APP"],
    );
    let conn = rusqlite::Connection::open(&file).unwrap();
    let tables_sql = std::fs::read_to_string(
        common::walk(&ws.path().join("sqlite"))
            .into_iter()
            .find(|f| f.to_string_lossy().ends_with("_tables.sql"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        tables_sql.contains("-- public.payment is partitioned in the source"),
        "{tables_sql}"
    );
    let fks: Vec<String> = conn
        .prepare("SELECT \"table\" FROM pragma_foreign_key_list('payment') ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(fks, ["customer", "staff", "store"]);
    for table in tables {
        let sql = format!("SELECT count(*) FROM {table}");
        let count: i64 = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
        let expected = rows(&source, &format!("SELECT count(*)::text FROM {table}"));
        assert_eq!(vec![count.to_string()], expected, "{table}");
    }

    // Oracle does not take PostgreSQL's partitioning either: plain tables, reported per table.
    let struct_url = [("DBSUB_STRUCT_URL", source.as_str())];
    let mut create = vec!["create-migrations", "--dialect", "oracle"];
    create.extend(["--migration-folder", "oracle", "--seed-object", "rental"]);
    let created = ok(&ws, &struct_url, &create);
    assert!(
        created.contains(
            "public.rental: partitioned in the source (PARTITION BY LIST (region), 7 \
             partitions: rental_eu, rental_eu_high, rental_eu_low, rental_jp, rental_jp_all, \
             rental_rest, rental_us); Oracle cannot create this partitioning"
        ),
        "{created}"
    );
    let sql: String = common::walk(&ws.path().join("oracle"))
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "sql"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let statements = sql.lines().filter(|l| !l.starts_with("--"));
    assert!(
        !statements.into_iter().any(|l| l.contains("PARTITION")),
        "{sql}"
    );
}

#[test]
fn rows_of_an_inheriting_table_are_read_once_by_their_own_table() {
    let Some(pg) = pg::cluster() else { return };
    let ws = Workspace::empty();
    // Old-style partitioning by inheritance: PostgreSQL's `SELECT … FROM reading` also returns
    // the rows of reading_2020.
    let source = database_with(
        pg,
        "inheritance_source",
        "CREATE TABLE reading (id int PRIMARY KEY, v int NOT NULL); \
         CREATE TABLE reading_2020 (CHECK (id > 100)) INHERITS (reading); \
         ALTER TABLE reading_2020 ADD PRIMARY KEY (id); \
         INSERT INTO reading VALUES (1, 10), (2, 20); \
         INSERT INTO reading_2020 VALUES (101, 10), (102, 20), (103, 30);",
    );
    let store = format!("file://{}", ws.path().join("store").display());
    let vars = [
        ("DBSUB_SOURCE_PG_APP", source.as_str()),
        ("DBSUB_STORE_APP", store.as_str()),
    ];
    let args = [
        "extract",
        "PG",
        "APP",
        "--seed-object",
        "reading",
        "--seed-object",
        "reading_2020",
    ];
    let text = ok(&ws, &vars, &args);
    let extract = read_extract(&ws.path().join("store/APP/PG/default"));
    let ids = |table: &str| {
        extracted_ids(&extract, table)
            .0
            .into_iter()
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("reading"), ["1", "2"], "{text}");
    assert_eq!(ids("reading_2020"), ["101", "102", "103"], "{text}");

    // Into plain tables of another PostgreSQL database: each row once.
    let target = pg.create_database("inheritance_target");
    let struct_url = [("DBSUB_STRUCT_URL", source.as_str())];
    let create = [
        "create-migrations",
        "--dialect",
        "postgres",
        "--seed-object",
        "reading",
        "--seed-object",
        "reading_2020",
    ];
    ok(&ws, &struct_url, &create);
    ok(&ws, &struct_url, &["migrate", "--target", &target]);
    ok(
        &ws,
        &[("DBSUB_TARGET_PG", &target), ("DBSUB_STORE_APP", &store)],
        &["ingest", "PG", "APP"],
    );
    let count = |table: &str| rows(&target, &format!("SELECT count(*)::text FROM {table}"));
    assert_eq!(count("reading"), ["2"]);
    assert_eq!(count("reading_2020"), ["3"]);
}
