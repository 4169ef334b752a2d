//! The whole pipeline on a real PostgreSQL server (the throwaway cluster of
//! `tests/common/pg.rs`): the demo migrated into PostgreSQL, loaded from a SQLite extract,
//! extracted from PostgreSQL and loaded into a second database, equal row for row; every
//! PostgreSQL type the backend promises, round trip; a NOT NULL foreign-key cycle; triggers,
//! sequences, merge; bad input that changes nothing.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeSet;
use std::process::Output;

use common::pg::contents;
use common::{Workspace, failure, mixed_code, pg, read_extract, resumed_equals_clean, success};
use postgres::Client;

/// A working folder with a store and a cache, and the URLs of PostgreSQL databases.
struct Lab {
    ws: Workspace,
}

impl Lab {
    fn new(ws: Workspace) -> Lab {
        Lab { ws }
    }

    /// dbsub with the lab's store (every environment) and cache, and `vars`.
    fn run(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let store = format!("file://{}", self.ws.path().join("store").display());
        let cache = self.ws.path().join("cache").display().to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("DBSUB_STORE_DEMO", &store),
            ("DBSUB_STORE_PGDEMO", &store),
            ("DBSUB_STORE_APP", &store),
            ("DBSUB_CACHE_DIR", &cache),
        ];
        all.extend_from_slice(vars);
        self.ws.dbsub(&all).args(args).output().unwrap()
    }

    fn ok(&self, vars: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.run(vars, args);
        success(&out, args)
    }

    fn fails(&self, vars: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.run(vars, args);
        failure(&out, args)
    }
}

/// The schema of a database: constraints (with their validation state), triggers (with their
/// enabled state) and columns, as text.
fn schema(url: &str) -> Vec<String> {
    let mut client = pg::connect(url);
    client
        .query(
            "SELECT format('constraint %s.%s %s valid=%s', c.conrelid::regclass, c.conname, \
                    pg_get_constraintdef(c.oid), c.convalidated) \
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> 'dbsub_ingest_history' \
             UNION ALL SELECT format('trigger %s.%s enabled=%s', tgrelid::regclass, tgname, \
                    tgenabled) FROM pg_trigger WHERE NOT tgisinternal \
             UNION ALL SELECT format('column %s.%s %s', table_name, column_name, data_type) \
             FROM information_schema.columns WHERE table_schema = 'public' \
               AND table_name <> 'dbsub_ingest_history' \
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn count(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn the_demo_goes_through_postgres_and_back_row_for_row() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::with_demo());
    let first = pg.create_database("demo_first");
    let second = pg.create_database("demo_second");
    let demo = lab.ws.demo_url();

    // The demo's tables in PostgreSQL, from its migrations, in both databases.
    lab.ok(
        &[("DBSUB_STRUCT_URL", &demo)],
        &[
            "create-migrations",
            "--seed-object",
            "SEEDLOT",
            "--dialect",
            "postgres",
        ],
    );
    for url in [&first, &second] {
        lab.ok(&[], &["migrate", "--target", url]);
    }
    let empty_schema = schema(&first);
    assert_eq!(schema(&second), empty_schema);

    // SQLite → PostgreSQL: the demo's subset into the first database.
    lab.ok(
        &[("DBSUB_SOURCE_SQLITE_DEMO", &demo)],
        &[
            "extract",
            "SQLITE",
            "DEMO",
            "--seed-object",
            "SEEDLOT",
            "--where",
            "SEEDLOT_NUMBER < '60050'",
        ],
    );
    let loaded = lab.ok(&[("DBSUB_TARGET_PG", &first)], &["ingest", "PG", "DEMO"]);
    assert!(loaded.contains("foreign keys hold"), "{loaded}");
    let after_first = contents(&first);
    assert!(
        after_first["public.seedlot"].len() == 50,
        "{:?}",
        after_first.keys()
    );
    // The triggers are back on, the constraints are all there and valid.
    assert_eq!(schema(&first), empty_schema);
    // --refreshdb replaces it, the FOREST_CLIENT ⇄ CLIENT_LOCATION cycle included.
    let reloaded = lab.ok(
        &[("DBSUB_TARGET_PG", &first)],
        &["ingest", "PG", "DEMO", "--refreshdb"],
    );
    assert!(reloaded.contains("foreign keys hold"), "{reloaded}");
    assert_eq!(contents(&first), after_first);
    assert_eq!(schema(&first), empty_schema);

    // PostgreSQL → PostgreSQL: everything in the first database, extracted in one snapshot and
    // loaded into the second.
    let summary = lab.ok(
        &[("DBSUB_SOURCE_PG_PGDEMO", &first)],
        &["extract", "PG", "PGDEMO", "--seed-object", "seedlot"],
    );
    assert!(summary.contains("seedlot"), "{summary}");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lab.ws.path().join("store/PGDEMO/PG/default/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["snapshot"]["kind"], "repeatable read",
        "{manifest}"
    );
    lab.ok(&[("DBSUB_TARGET_PG", &second)], &["ingest", "PG", "PGDEMO"]);
    let after_second = contents(&second);
    // Every table, also those the subset leaves empty.
    assert_eq!(
        after_second.keys().collect::<Vec<_>>(),
        after_first.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &after_second {
        assert_eq!(rows, &after_first[table], "{table}");
    }
    // Every table of the subset arrived; verify agrees on its own.
    let seedlots = &after_second["public.seedlot"];
    assert_eq!(seedlots.len(), 50);
    let verified = lab.ok(&[("DBSUB_TARGET_PG", &second)], &["verify", "PG"]);
    assert!(verified.contains("foreign keys hold"), "{verified}");
    assert_eq!(schema(&second), empty_schema);
}

/// Every type the PostgreSQL backend carries, with the values at their edges.
const KINDS: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'very happy');
CREATE TABLE kinds (
    id bigint PRIMARY KEY,
    small smallint, normal integer, big bigint,
    exact numeric(38,10), free numeric, cents numeric(12,2),
    f4 real, f8 double precision,
    flag boolean,
    name varchar(40), fixed char(5), body text,
    raw bytea,
    day date, at timestamp(6), at3 timestamp(3), at_tz timestamptz(6), tod time(6),
    span interval, months interval year to month,
    doc json, docb jsonb, ids integer[], tags text[],
    feeling mood, uid uuid, page xml, addr inet
);
"#;

const KIND_ROWS: &str = r#"
INSERT INTO kinds VALUES
(1, 32767, -2147483648, 9223372036854775807,
 1234567890123456789012345678.0123456789,
 123456789012345678901234567890.000000000000000000000000000001, -0.01,
 3.4028235e38, 1.7976931348623157e308,
 true,
 'Ünïcødé 😀 "q" ''s''', 'ab', E'tab\there\nnew line\r\\ back\\slash',
 '\x00ff10',
 '4713-01-01 BC', '294276-12-31 23:59:59.999999', '2024-02-29 12:00:00.123',
 '2024-06-30 23:59:59.999999+05:30', '23:59:59.999999',
 '-1 year -2 mons +3 days -04:05:06.5', '11 years 11 mons',
 '{"a": [1, 2.50, "x"], "b": null}', '{"b": {"c": true}, "a": 1e3}', '{1,NULL,-3}',
 '{"a b","c\"d",NULL,""}',
 'very happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '<a x="1">t &amp; u</a>', '192.168.0.1'),
(2, -32768, 0, -9223372036854775808,
 -0.0000000001, 0, 0,
 'NaN', '-Infinity',
 false,
 '', '     ', '',
 '\x',
 '0001-01-01', '1970-01-01 00:00:00', '0044-03-15 12:00:00 BC',
 '1900-01-01 00:00:00+00', '00:00:00',
 'PT0S', '-1 mon',
 'null', '[]', '{}', '{}',
 'sad', '00000000-0000-0000-0000-000000000000', '', '10.0.0.0/8'),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, 1, 1, 1, 1, 1e-30, 99999999.99, 1e-45, 5e-324, true, 'x', 'x', 'x', '\x7f', '9999-12-31',
 '2000-01-01 00:00:00.000001', '2000-01-01 00:00:00.001', '2000-01-01 00:00:00.000001+00',
 '12:00:00.5', '1000000 hours 0.000001 seconds', '1 year', '"s"', '"s"', '{0}', '{x}', 'ok',
 'ffffffff-ffff-ffff-ffff-ffffffffffff', '<r/>', '::1');
"#;

#[test]
fn every_postgres_type_travels_exactly() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("kinds_source");
    let target = pg.create_database("kinds_target");
    pg::connect(&source)
        .batch_execute(&format!("{KINDS}{KIND_ROWS}"))
        .unwrap();
    pg::connect(&target).batch_execute(KINDS).unwrap();

    lab.ok(
        &[("DBSUB_SOURCE_PG_APP", &source)],
        &["extract", "PG", "APP", "--seed-object", "kinds"],
    );
    lab.ok(&[("DBSUB_TARGET_PG", &target)], &["ingest", "PG", "APP"]);
    let expected = contents(&source);
    assert_eq!(expected["public.kinds"].len(), 4);
    assert_eq!(contents(&target), expected);

    // The archive holds the values in its own forms (docs/archive.md).
    let part = lab
        .ws
        .path()
        .join("store/APP/PG/default/data/public.kinds/part-00000.csv.zst");
    let csv =
        String::from_utf8(zstd::decode_all(std::fs::File::open(&part).unwrap()).unwrap()).unwrap();
    // Read through a server-side cursor instead of COPY: the same bytes.
    lab.ok(
        &[
            ("DBSUB_SOURCE_PG_APP", &source),
            ("DBSUB_PG_READ", "cursor"),
        ],
        &[
            "extract",
            "PG",
            "APP",
            "--seed-object",
            "kinds",
            "--subset",
            "cursor",
        ],
    );
    let by_cursor = lab
        .ws
        .path()
        .join("store/APP/PG/cursor/data/public.kinds/part-00000.csv.zst");
    assert_eq!(
        zstd::decode_all(std::fs::File::open(&by_cursor).unwrap()).unwrap(),
        csv.as_bytes()
    );
    for wanted in [
        "-4712-01-01",
        "+294276-12-31T23:59:59.999999",
        "-0043-03-15T12:00:00",
        "2024-06-30T18:29:59.999999+00:00",
        "P-1Y-2M3DT-4H-5M-6.5S",
        "123456789012345678901234567890.000000000000000000000000000001",
        "00ff10",
        "NaN",
        "-Infinity",
    ] {
        assert!(csv.contains(wanted), "{wanted} not in\n{csv}");
    }
}

/// Two tables that reference each other with NOT NULL foreign keys: in the source the keys are
/// deferrable (so that rows could be written), in the target they are not.
const CYCLE: &str = "
CREATE TABLE owner (id integer PRIMARY KEY, pet_id integer NOT NULL, name text);
CREATE TABLE pet (id integer PRIMARY KEY, owner_id integer NOT NULL REFERENCES owner (id),
                  best_friend integer REFERENCES pet (id));
ALTER TABLE owner ADD CONSTRAINT owner_pet_fk FOREIGN KEY (pet_id) REFERENCES pet (id) {DEFER};
";

#[test]
fn a_not_null_cycle_loads_and_its_keys_come_back_validated() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("cycle_source");
    let target = pg.create_database("cycle_target");
    let mut src = pg::connect(&source);
    src.batch_execute(&CYCLE.replace("{DEFER}", "DEFERRABLE INITIALLY DEFERRED"))
        .unwrap();
    src.batch_execute(
        "BEGIN;
         INSERT INTO owner SELECT i, i, 'owner ' || i FROM generate_series(1, 20) i;
         INSERT INTO pet SELECT i, i, CASE WHEN i > 1 THEN i - 1 END FROM generate_series(20, 1, -1) i;
         COMMIT;",
    )
    .unwrap();
    pg::connect(&target)
        .batch_execute(&CYCLE.replace("{DEFER}", ""))
        .unwrap();
    let before = schema(&target);

    lab.ok(
        &[("DBSUB_SOURCE_PG_APP", &source)],
        &[
            "extract",
            "PG",
            "APP",
            "--seed-object",
            "pet",
            "--where",
            "id > 15",
        ],
    );
    let out = lab.ok(&[("DBSUB_TARGET_PG", &target)], &["ingest", "PG", "APP"]);
    assert!(out.contains("foreign keys hold"), "{out}");
    // pet 16..20 and, through best_friend, every pet down to 1; their owners.
    let mut client = pg::connect(&target);
    assert_eq!(count(&mut client, "SELECT count(*) FROM pet"), 20);
    assert_eq!(count(&mut client, "SELECT count(*) FROM owner"), 20);
    assert_eq!(schema(&target), before, "the keys are back, validated");

    // --refreshdb replaces the loaded cycle: emptying it sets the keys among its tables aside
    // (and adds them back) inside the transaction, rather than refusing as if other tables
    // referenced it.
    let loaded = contents(&target);
    let out = lab.ok(
        &[("DBSUB_TARGET_PG", &target)],
        &["ingest", "PG", "APP", "--refreshdb"],
    );
    assert!(out.contains("foreign keys hold"), "{out}");
    assert_eq!(contents(&target), loaded);
    assert_eq!(schema(&target), before, "the keys are back, validated");

    // A table outside the load that references the cycle still stops the emptying.
    let mut client = pg::connect(&target);
    client
        .batch_execute(
            "CREATE TABLE visit (id integer PRIMARY KEY, pet_id integer NOT NULL REFERENCES pet (id));
             INSERT INTO visit VALUES (1, 20);",
        )
        .unwrap();
    let err = lab.fails(
        &[("DBSUB_TARGET_PG", &target)],
        &["ingest", "PG", "APP", "--refreshdb"],
    );
    assert!(err.contains("visit"), "{err}");
    assert_eq!(count(&mut client, "SELECT count(*) FROM pet"), 20);
}

/// A shop with a trigger on its items, an identity and a serial column.
const SHOP: &str = "
CREATE TABLE customer (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(20) NOT NULL);
CREATE TABLE item (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customer (id),
                   sku varchar(12) NOT NULL, qty integer);
CREATE TABLE item_log (id serial PRIMARY KEY, what text NOT NULL);
CREATE FUNCTION log_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO item_log (what) VALUES (TG_OP || ' ' || NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER item_logged AFTER INSERT OR UPDATE ON item FOR EACH ROW EXECUTE FUNCTION log_item();
";

const SHOP_ROWS: &str = "
INSERT INTO customer (name) SELECT 'customer ' || i FROM generate_series(1, 10) i;
INSERT INTO item (customer_id, sku, qty) SELECT i % 10 + 1, 'SKU-' || i, i FROM generate_series(1, 100) i;
DELETE FROM item_log;
";

#[test]
fn triggers_stay_quiet_sequences_move_on_and_merge_upserts() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("shop_source");
    let target = pg.create_database("shop_target");
    pg::connect(&source)
        .batch_execute(&format!("{SHOP}{SHOP_ROWS}"))
        .unwrap();
    pg::connect(&target).batch_execute(SHOP).unwrap();
    let src = [("DBSUB_SOURCE_PG_APP", source.as_str())];
    let tgt = [("DBSUB_TARGET_PG", target.as_str())];
    let extract = |condition: &str| {
        lab.ok(
            &src,
            &[
                "extract",
                "PG",
                "APP",
                "--seed-object",
                "item",
                "--where",
                condition,
                "--refresh",
            ],
        )
    };
    extract("id <= 60");
    let out = lab.ok(&tgt, &["ingest", "PG", "APP", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let moved = summary["identities"].to_string();
    assert!(moved.contains("item_id_seq"), "{moved}");
    assert!(moved.contains("customer_id_seq"), "{moved}");

    let mut client = pg::connect(&target);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item"), 60);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item_log"), 0);
    // New rows get keys after the loaded ones.
    client
        .batch_execute(
            "INSERT INTO customer (name) VALUES ('new');
             INSERT INTO item (customer_id, sku) VALUES (1, 'new');",
        )
        .unwrap();
    assert_eq!(
        count(&mut client, "SELECT max(id)::bigint FROM customer"),
        11
    );
    assert_eq!(count(&mut client, "SELECT max(id)::bigint FROM item"), 61);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item_log"), 1);
    client
        .batch_execute("DELETE FROM item WHERE sku = 'new'; DELETE FROM item_log; DELETE FROM customer WHERE name = 'new'")
        .unwrap();

    // Merge: changed rows are updated, new ones added, others kept; no trigger fires.
    pg::connect(&source)
        .batch_execute("UPDATE item SET qty = -qty WHERE id <= 10")
        .unwrap();
    client
        .batch_execute("UPDATE item SET qty = 1000 WHERE id = 50; DELETE FROM item_log")
        .unwrap();
    extract("id <= 10 OR id > 90");
    lab.ok(&tgt, &["ingest", "PG", "APP", "--merge"]);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item"), 70);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM item WHERE qty < 0"),
        10
    );
    assert_eq!(
        count(&mut client, "SELECT qty::bigint FROM item WHERE id = 50"),
        1000
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM item_log"), 0);
    let triggers = schema(&target);
    assert!(
        triggers
            .iter()
            .any(|t| t == "trigger item.item_logged enabled=O"),
        "{triggers:?}"
    );
}

#[test]
fn bad_input_is_explained_and_changes_nothing() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("bad_source");
    let target = pg.create_database("bad_target");
    pg::connect(&source)
        .batch_execute(&format!("{SHOP}{SHOP_ROWS}"))
        .unwrap();
    // The target's sku is too narrow for the extract's values.
    pg::connect(&target)
        .batch_execute(&SHOP.replace("sku varchar(12)", "sku varchar(5)"))
        .unwrap();
    lab.ok(
        &[("DBSUB_SOURCE_PG_APP", &source)],
        &["extract", "PG", "APP", "--seed-object", "item"],
    );
    let tgt = [("DBSUB_TARGET_PG", target.as_str())];
    let before = schema(&target);

    // customer loads; item is refused before any of its rows is written.
    let err = lab.fails(&tgt, &["ingest", "PG", "APP"]);
    assert!(err.contains("sku"), "{err}");
    assert!(err.contains("character varying(5)"), "{err}");
    assert!(err.contains("line 11"), "{err}");
    assert_eq!(schema(&target), before);
    let mut client = pg::connect(&target);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item"), 0);

    // A foreign key whose parent rows are not loaded: refused, nothing written.
    let fresh = pg.create_database("bad_fresh");
    pg::connect(&fresh).batch_execute(SHOP).unwrap();
    let before = (schema(&fresh), contents(&fresh));
    let err = lab.fails(
        &[("DBSUB_TARGET_PG", &fresh)],
        &["ingest", "PG", "APP", "--table", "item"],
    );
    assert!(err.contains("customer"), "{err}");
    assert_eq!((schema(&fresh), contents(&fresh)), before);

    // A constraint only the target has: PostgreSQL refuses the row during COPY; its message
    // names the row, and nothing is written.
    let checked = pg.create_database("bad_checked");
    pg::connect(&checked)
        .batch_execute(&SHOP.replace("qty integer", "qty integer CHECK (qty < 50)"))
        .unwrap();
    let before = (schema(&checked), contents(&checked));
    let err = lab.fails(
        &[("DBSUB_TARGET_PG", &checked)],
        &[
            "ingest", "PG", "APP", "--table", "customer", "--table", "item",
        ],
    );
    assert!(err.contains("violates check constraint"), "{err}");
    assert!(err.contains("COPY item, line"), "{err}");
    let mut client = pg::connect(&checked);
    assert_eq!(count(&mut client, "SELECT count(*) FROM item"), 0);
    assert_eq!(schema(&checked), before.0);

    // An unknown database, a refused connection: named, without credentials.
    let missing = target.replace("bad_target", "no_such_database");
    let err = lab.fails(&[("DBSUB_TARGET_PG", &missing)], &["ingest", "PG", "APP"]);
    assert!(err.contains("no_such_database"), "{err}");
    assert!(err.contains("create the database"), "{err}");
    let secret = format!("postgres://dbsub:Sup3rSecret@127.0.0.1:{}/x", pg.port() + 1);
    let err = lab.fails(&[("DBSUB_TARGET_PG", &secret)], &["ingest", "PG", "APP"]);
    assert!(!err.contains("Sup3rSecret"), "{err}");
    assert!(err.contains("cannot connect"), "{err}");
    assert!(err.contains("is the server running"), "{err}");
}

#[test]
fn a_resumed_postgres_extract_of_text_and_integer_keys_writes_the_clean_runs_parts() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("resume_source");
    let mut client = pg::connect(&source);
    client
        .batch_execute(
            "CREATE TABLE code (code text PRIMARY KEY, label text NOT NULL);
             CREATE TABLE spot (id integer PRIMARY KEY, label text NOT NULL);
             CREATE TABLE lot (id integer PRIMARY KEY, code_a text REFERENCES code,
                 code_b text REFERENCES code, spot_id integer REFERENCES spot);",
        )
        .unwrap();
    // Text keys whose collation order is not the key set's; integers, negative ones too
    // (`-10` sorts before `-5`, but not as text keys).
    let mut tx = client.transaction().unwrap();
    for i in 0..1200 {
        let label = format!("code {i} {}", "x".repeat(i % 13));
        tx.execute(
            "INSERT INTO code VALUES ($1, $2)",
            &[&mixed_code(i), &label],
        )
        .unwrap();
    }
    for i in 0..600i32 {
        let spot = (i * 7919) % 20011 - 10000;
        tx.execute(
            "INSERT INTO spot VALUES ($1, $2)",
            &[&spot, &format!("spot {i}")],
        )
        .unwrap();
        let (a, b) = (mixed_code(2 * i as usize), mixed_code(2 * i as usize + 1));
        tx.execute(
            "INSERT INTO lot VALUES ($1, $2, $3, $4)",
            &[&(i + 1), &a, &b, &spot],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let run = |store: &str, extra: &[(&str, &str)]| {
        let url = format!("file://{}", lab.ws.path().join(store).display());
        let mut vars = vec![("DBSUB_SOURCE_PG_APP", source.as_str())];
        vars.push(("DBSUB_STORE_APP", &url));
        vars.extend_from_slice(extra);
        lab.run(
            &vars,
            &[
                "extract",
                "PG",
                "APP",
                "--seed-object",
                "lot",
                "--where",
                "id <= 550",
                "--part-size",
                "2K",
            ],
        )
    };
    let subset_dir = |store: &str| lab.ws.path().join(store).join("APP/PG/default");
    resumed_equals_clean(&run, &subset_dir);
    let rows = read_extract(&subset_dir("clean"));
    let codes: BTreeSet<&str> = rows["code"].1.iter().map(|r| r[0].0.as_str()).collect();
    assert_eq!(codes.len(), 1100, "each selected code once");
    assert_eq!(rows["spot"].1.len(), 550);
}

#[test]
fn two_ingests_at_once_load_a_keyless_table_once() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("race_source");
    let notes = "CREATE TABLE note (txt text, n integer);";
    pg::connect(&source)
        .batch_execute(&format!(
            "{notes} INSERT INTO note SELECT 'note ' || i, i % 7 FROM generate_series(1, 5000) i;"
        ))
        .unwrap();
    lab.ok(
        &[("DBSUB_SOURCE_PG_APP", &source)],
        &["extract", "PG", "APP", "--seed-object", "note"],
    );
    let mut failed = Vec::new();
    for round in 0..5 {
        let target = pg.create_database(&format!("race_target_{round}"));
        pg::connect(&target).batch_execute(notes).unwrap();
        let vars = [("DBSUB_TARGET_PG", target.as_str())];
        let args = ["ingest", "PG", "APP", "--quiet", "--format", "json"];
        let outs: Vec<Output> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| lab.run(&vars, &args)))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let rows = count(&mut pg::connect(&target), "SELECT count(*) FROM note");
        if rows != 5000 {
            failed.push(format!("round {round}: {rows} rows"));
        }
        let mut loaded = 0;
        for out in &outs {
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            if !out.status.success() {
                failed.push(format!("round {round}: failed: {err}"));
                continue;
            }
            let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            match summary["tables"][0]["status"].as_str() {
                Some("loaded") => loaded += 1,
                Some("already loaded") => {}
                other => failed.push(format!("round {round}: status {other:?}")),
            }
        }
        if loaded != 1 {
            failed.push(format!("round {round}: loaded by {loaded} runs"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn refreshdb_refuses_an_edited_manifest_before_emptying_anything() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::new(Workspace::empty());
    let source = pg.create_database("edited_source");
    let target = pg.create_database("edited_target");
    pg::connect(&source)
        .batch_execute(&format!("{SHOP}{SHOP_ROWS}"))
        .unwrap();
    pg::connect(&target).batch_execute(SHOP).unwrap();
    lab.ok(
        &[("DBSUB_SOURCE_PG_APP", &source)],
        &[
            "extract",
            "PG",
            "APP",
            "--seed-object",
            "item",
            "--part-size",
            "1000",
        ],
    );
    let tgt = [("DBSUB_TARGET_PG", target.as_str())];
    lab.ok(&tgt, &["ingest", "PG", "APP"]);
    let loaded = contents(&target);
    let path = lab.ws.path().join("store/APP/PG/default/manifest.json");
    let pristine = std::fs::read(&path).unwrap();
    let item = |m: &serde_json::Value| {
        m["tables"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t["name"] == "item")
            .unwrap()
    };
    // Counts edited consistently (the part's and the table's), and a part dropped with the
    // table's count adjusted.
    type Edit = fn(&mut serde_json::Value, usize);
    let edits: [(&str, Edit); 2] = [
        ("counts", |m, i| {
            let t = &mut m["tables"][i];
            let part = t["parts"][0]["rows"].as_u64().unwrap();
            t["parts"][0]["rows"] = (part - 1).into();
            t["rows"] = (t["rows"].as_u64().unwrap() - 1).into();
        }),
        ("dropped part", |m, i| {
            let t = &mut m["tables"][i];
            let part = t["parts"].as_array_mut().unwrap().pop().unwrap();
            t["rows"] = (t["rows"].as_u64().unwrap() - part["rows"].as_u64().unwrap()).into();
        }),
    ];
    for (what, edit) in edits {
        let mut m: serde_json::Value = serde_json::from_slice(&pristine).unwrap();
        let i = item(&m);
        assert!(m["tables"][i]["parts"].as_array().unwrap().len() > 1);
        edit(&mut m, i);
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        let err = lab.fails(&tgt, &["ingest", "PG", "APP", "--refreshdb"]);
        assert!(
            err.contains("APP/PG/default/manifest.json"),
            "{what}: {err}"
        );
        assert!(err.contains("checksum does not match"), "{what}: {err}");
        assert!(err.contains("re-run extract"), "{what}: {err}");
        assert_eq!(contents(&target), loaded, "{what}");
    }
}
