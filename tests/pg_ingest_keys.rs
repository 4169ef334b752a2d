//! PostgreSQL: a large plain load sets its table's checked foreign keys aside and adds them back,
//! validated, inside its transaction (src/db/postgres/sink.rs). Every key comes back exactly as it
//! was (definition, validation state), an orphan fails the load and leaves the target as it was,
//! and two ingests at once still load each row once.
//!
//! `DBSUB_TEST_LARGE_LOAD_ROWS` lowers "large" so that a few hundred rows take that path.
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeMap;
use std::process::Output;

use common::pg::contents;
use common::{Workspace, failure, pg, success};

/// Tables of more than 100 rows are large here: `entry` (200) and `reading` (300), not
/// `region` or `account` (30 each).
const LARGE: (&str, &str) = ("DBSUB_TEST_LARGE_LOAD_ROWS", "100");

/// Keys of every kind: ON DELETE / ON UPDATE actions, composite and MATCH FULL, deferrable
/// (initially deferred or not), self-referencing, NOT VALID, declared on a partitioned table
/// and on one partition only.
const SCHEMA: &str = "
CREATE TABLE region (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE account (a integer, b integer, region_id integer NOT NULL REFERENCES region (id),
                      PRIMARY KEY (a, b));
CREATE TABLE entry (
    id integer PRIMARY KEY,
    region_id integer NOT NULL REFERENCES region (id) ON DELETE CASCADE,
    acc_a integer, acc_b integer,
    parent_id integer REFERENCES entry (id) ON DELETE SET NULL,
    alt_region integer,
    CONSTRAINT entry_account_fk FOREIGN KEY (acc_a, acc_b) REFERENCES account (a, b)
        MATCH FULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE entry ADD CONSTRAINT entry_alt_region_fk FOREIGN KEY (alt_region)
    REFERENCES region (id) NOT VALID;
CREATE TABLE reading (id integer, entry_id integer NOT NULL, region_id integer NOT NULL,
                      at date NOT NULL, PRIMARY KEY (id, at),
                      CONSTRAINT reading_entry_fk FOREIGN KEY (entry_id) REFERENCES entry (id)
                          ON UPDATE CASCADE DEFERRABLE)
    PARTITION BY RANGE (at);
CREATE TABLE reading_2023 PARTITION OF reading FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE reading_2024 PARTITION OF reading FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE reading_2024 ADD CONSTRAINT reading_2024_region_fk FOREIGN KEY (region_id)
    REFERENCES region (id) ON DELETE RESTRICT;
";

const ROWS: &str = "
INSERT INTO region SELECT i, 'region ' || i FROM generate_series(1, 30) i;
INSERT INTO account SELECT i, i * 2, i FROM generate_series(1, 30) i;
INSERT INTO entry SELECT i, i % 30 + 1, CASE WHEN i % 5 <> 0 THEN i % 30 + 1 END,
                         CASE WHEN i % 5 <> 0 THEN (i % 30 + 1) * 2 END,
                         CASE WHEN i > 1 THEN i - 1 END, 1
    FROM generate_series(1, 200) i;
INSERT INTO reading SELECT i, i % 200 + 1, i % 30 + 1,
                           DATE '2023-06-01' + (i % 400) FROM generate_series(1, 300) i;
";

/// Every constraint of the schema with its definition and validation state, by table.
fn constraints(url: &str) -> Vec<String> {
    pg::connect(url)
        .query(
            "SELECT format('%s.%s %s valid=%s', conrelid::regclass, conname, \
                    pg_get_constraintdef(oid), convalidated) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
               AND conrelid::regclass::text <> 'dbsub_ingest_history' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The object id of each foreign key (by table and name): a key dropped and added back gets a
/// new one.
fn key_oids(url: &str) -> BTreeMap<String, u32> {
    pg::connect(url)
        .query(
            "SELECT format('%s.%s', conrelid::regclass, conname), oid FROM pg_constraint \
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Every table small: the rows are checked as they come.
const ROW_CHECKS: (&str, &str) = ("DBSUB_TEST_LARGE_LOAD_ROWS", "1000000000");

/// The keys of `before` that are not the same objects in `after`.
fn replaced(before: &BTreeMap<String, u32>, after: &BTreeMap<String, u32>) -> Vec<String> {
    before
        .iter()
        .filter(|(name, oid)| after.get(*name) != Some(*oid))
        .map(|(name, _)| name.clone())
        .collect()
}

struct Lab {
    ws: Workspace,
}

impl Lab {
    /// A lab whose store holds the extract of `reading` from a new source database.
    fn extracted(pg: &pg::PgCluster, name_hint: &str) -> Lab {
        let lab = Lab {
            ws: Workspace::empty(),
        };
        let source = pg.create_database(name_hint);
        pg::connect(&source)
            .batch_execute(&format!("{SCHEMA}{ROWS}"))
            .unwrap();
        let args = ["extract", "PG", "APP", "--seed-object", "reading"];
        success(&lab.run(&[("DBSUB_SOURCE_PG_APP", &source)], &args), &args);
        lab
    }

    fn run(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let store = format!("file://{}", self.ws.path().join("store").display());
        let cache = self.ws.path().join("cache").display().to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("DBSUB_STORE_APP", &store),
            ("DBSUB_CACHE_DIR", &cache),
            LARGE,
        ];
        all.extend_from_slice(vars);
        self.ws.dbsub(&all).args(args).output().unwrap()
    }
}

#[test]
fn a_large_loads_foreign_keys_come_back_exactly_and_an_orphan_changes_nothing() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::extracted(pg, "keys_source");

    // The whole extract into an empty copy of the schema.
    let target = pg.create_database("keys_target");
    pg::connect(&target).batch_execute(SCHEMA).unwrap();
    let before = constraints(&target);
    let oids = key_oids(&target);
    let args = ["ingest", "PG", "APP"];
    let out = success(&lab.run(&[("DBSUB_TARGET_PG", &target)], &args), &args);
    assert!(out.contains("foreign keys hold"), "{out}");
    assert_eq!(constraints(&target), before, "every key as it was");
    // The same rows as a load that checks every row as it comes.
    let reference = pg.create_database("keys_reference");
    pg::connect(&reference).batch_execute(SCHEMA).unwrap();
    let reference_oids = key_oids(&reference);
    let vars = [("DBSUB_TARGET_PG", reference.as_str()), ROW_CHECKS];
    success(&lab.run(&vars, &args), &args);
    // There only the self-reference, a key among the loaded tables, was set aside.
    assert_eq!(
        replaced(&reference_oids, &key_oids(&reference)),
        ["entry.entry_parent_id_fkey"]
    );
    assert!(contents(&target) == contents(&reference), "the rows differ");
    assert_eq!(contents(&target)["public.reading"].len(), 300);
    // The large tables' checked keys were set aside and added back (new objects); the NOT VALID
    // key and the small table's key checked the rows as they came (the same objects).
    assert_eq!(
        replaced(&oids, &key_oids(&target)),
        [
            "entry.entry_account_fk",
            "entry.entry_parent_id_fkey",
            "entry.entry_region_id_fkey",
            "reading.reading_entry_fk",
            "reading_2023.reading_entry_fk",
            "reading_2024.reading_2024_region_fk",
            "reading_2024.reading_entry_fk",
        ]
    );

    // An orphan: the target's region lacks row 7, which entries reference. Adding the key back
    // fails, names it and the missing parent, and the load leaves the target as it was.
    let orphans = pg.create_database("keys_orphan");
    let mut client = pg::connect(&orphans);
    client.batch_execute(SCHEMA).unwrap();
    client
        .batch_execute(
            "INSERT INTO region SELECT i, 'region ' || i FROM generate_series(1, 30) i WHERE i <> 7;
             INSERT INTO account SELECT i, i * 2, 1 FROM generate_series(1, 30) i;",
        )
        .unwrap();
    let before = (
        constraints(&orphans),
        key_oids(&orphans),
        contents(&orphans),
    );
    let args = ["ingest", "PG", "APP", "--table", "entry"];
    let err = failure(&lab.run(&[("DBSUB_TARGET_PG", &orphans)], &args), &args);
    assert!(err.contains("entry_region_id_fkey"), "{err}");
    assert!(err.contains("(region_id)=(7) is not present"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        !err.contains("COPY entry"),
        "checked once, not row by row: {err}"
    );
    let after = (
        constraints(&orphans),
        key_oids(&orphans),
        contents(&orphans),
    );
    assert_eq!(after, before, "the table and its keys as they were");
}

#[test]
fn two_large_ingests_at_once_load_each_row_once_and_keep_the_keys() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::extracted(pg, "keys_race_source");
    // What one ingest loads.
    let single = pg.create_database("keys_race_single");
    pg::connect(&single).batch_execute(SCHEMA).unwrap();
    let args = ["ingest", "PG", "APP"];
    success(&lab.run(&[("DBSUB_TARGET_PG", &single)], &args), &args);
    let loaded = contents(&single);
    let mut failed = Vec::new();
    for round in 0..3 {
        let target = pg.create_database(&format!("keys_race_target_{round}"));
        pg::connect(&target).batch_execute(SCHEMA).unwrap();
        let before = constraints(&target);
        let vars = [("DBSUB_TARGET_PG", target.as_str())];
        let args = ["ingest", "PG", "APP", "--quiet", "--format", "json"];
        let (first, second) = std::thread::scope(|scope| {
            let first = scope.spawn(|| lab.run(&vars, &args));
            let second = scope.spawn(|| lab.run(&vars, &args));
            (first.join().unwrap(), second.join().unwrap())
        });
        for out in [&first, &second] {
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                failed.push(format!("round {round}: failed: {err}"));
            }
        }
        if contents(&target) != loaded {
            failed.push(format!("round {round}: the rows differ from one ingest's"));
        }
        if constraints(&target) != before {
            failed.push(format!("round {round}: the constraints changed"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
