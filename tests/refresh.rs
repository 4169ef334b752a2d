//! `dbsub ingest` over a subset's refresh chain: the base, then its deltas (`deltas/<n>/`) in
//! order, merged with their deletes; re-runs, gaps, foreign deltas, orphans, kills, two ingests
//! at once, `verify` and `--dry-run`, on SQLite and PostgreSQL targets.
//!
//! The deltas here are made by hand from full extracts of the source's new state (a delta holds
//! a subset of those rows; merging all of them is the same), with the chain's links and the
//! deletes written into their manifests as `extract --incremental` writes them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::target::Target;
use common::{Workspace, failure, pg, stderr, stdout, success};
use dbsub::archive::manifest::{Chain, Deletes, Manifest, PartEntry};
use dbsub::archive::reader::file_sha256;
use rusqlite::Connection;
use serde_json::Value as Json;

/// Customers and their orders; an order has a watermark and a customer a soft-delete flag.
const SHOP: &str = "
CREATE TABLE CUSTOMER (
    ID INTEGER PRIMARY KEY,
    NAME VARCHAR(20) NOT NULL,
    ACTIVE INTEGER NOT NULL,
    UPDATED_AT INTEGER NOT NULL
);
CREATE TABLE ORDERS (
    ID INTEGER PRIMARY KEY,
    CUSTOMER_ID INTEGER NOT NULL REFERENCES CUSTOMER (ID),
    AMOUNT NUMERIC(8,2),
    UPDATED_AT INTEGER NOT NULL
);
";

/// 10 customers; 25 orders of customers 1 to 8.
const SHOP_ROWS: &str = "
INSERT INTO CUSTOMER
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
SELECT i, 'Customer ' || i, 1, 100 FROM n;
INSERT INTO ORDERS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
SELECT i, (i - 1) % 8 + 1, i * 1.25, 100 FROM n;
";

/// The first change: an order updated, new orders of a new customer and of customer 9 (a
/// parent new to the subset), customer 2 soft-deleted, order 5 hard-deleted.
const CHANGE_1: &str = "
UPDATE ORDERS SET AMOUNT = 99.5, UPDATED_AT = 200 WHERE ID = 3;
INSERT INTO CUSTOMER VALUES (11, 'Customer 11', 1, 200);
INSERT INTO ORDERS VALUES (26, 11, 7.5, 200), (27, 11, 8.5, 200), (28, 9, 1.0, 200);
UPDATE CUSTOMER SET ACTIVE = 0, UPDATED_AT = 200 WHERE ID = 2;
DELETE FROM ORDERS WHERE ID = 5;
";

/// The second change: another update, a new order, order 6 hard-deleted.
const CHANGE_2: &str = "
UPDATE ORDERS SET AMOUNT = 0.5, UPDATED_AT = 300 WHERE ID = 26;
INSERT INTO ORDERS VALUES (29, 1, 3.0, 300);
DELETE FROM ORDERS WHERE ID = 6;
";

/// The seed: every order up to 40.
const SEED: [&str; 4] = ["--seed-object", "ORDERS", "--where", "ID <= 40"];

/// A SQLite source (environment APP), its store, and the targets a test makes.
struct Lab {
    ws: Workspace,
    pg: Option<&'static pg::PgCluster>,
}

impl Lab {
    /// A lab whose targets are SQLite files, or PostgreSQL databases (`None` when there is no
    /// PostgreSQL: the test is skipped).
    fn new(on_pg: bool) -> Option<Lab> {
        let pg = if on_pg { Some(pg::cluster()?) } else { None };
        let lab = Lab {
            ws: Workspace::empty(),
            pg,
        };
        Connection::open(lab.src())
            .unwrap()
            .execute_batch(&format!("{SHOP}{SHOP_ROWS}"))
            .unwrap();
        Some(lab)
    }

    fn src(&self) -> PathBuf {
        self.ws.path().join("src.db")
    }

    fn subset_dir(&self, subset: &str) -> PathBuf {
        self.ws.path().join("store/APP/SQLITE").join(subset)
    }

    /// A new empty target with the shop's tables.
    fn target(&self, name: &str) -> Target {
        let target = match self.pg {
            Some(cluster) => Target::Pg(cluster.create_database(name)),
            None => Target::Sqlite(self.ws.path().join(format!("{name}.db"))),
        };
        target.exec(SHOP);
        target
    }

    fn change(&self, sql: &str) {
        Connection::open(self.src())
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }

    fn run(&self, target: &Target, args: &[&str], extra: &[(&str, &str)]) -> Output {
        self.command(Some(target), args, extra).output().unwrap()
    }

    fn command(
        &self,
        target: Option<&Target>,
        args: &[&str],
        extra: &[(&str, &str)],
    ) -> std::process::Command {
        let at = |p: &str| self.ws.path().join(p).display().to_string();
        let mut vars = vec![
            (
                "DBSUB_SOURCE_SQLITE_APP".to_string(),
                format!("sqlite://{}?schema=APP", at("src.db")),
            ),
            ("DBSUB_STORE_APP".into(), format!("file://{}", at("store"))),
            ("DBSUB_CACHE_DIR".into(), at("cache")),
        ];
        vars.extend(target.map(Target::var));
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut cmd = self.ws.dbsub_process(&refs);
        cmd.args(args);
        cmd
    }

    /// A full extract of the source's state into `subset`.
    fn extract(&self, subset: &str) {
        let args = [&["extract", "SQLITE", "APP", "--subset", subset][..], &SEED].concat();
        let out = self.command(None, &args, &[]).output().unwrap();
        success(&out, &args);
    }

    /// The base of the chain: a full extract whose manifest starts a refresh chain.
    fn base(&self) {
        self.extract("default");
        rewrite(&self.subset_dir("default"), |m| {
            m.refresh = Some(Chain {
                sequence: 0,
                after: None,
            })
        });
    }

    /// Delta `n` of the chain: the source changed by `change`, extracted in full, its manifest
    /// continuing the manifest `after` (the one before it when `None`), with `deletes` (table,
    /// IDs) to delete.
    fn delta(&self, n: u32, change: &str, deletes: &[(&str, &[i64])]) {
        self.change(change);
        let scratch = format!("scratch-{n}");
        self.extract(&scratch);
        let dir = self.subset_dir("default").join(format!("deltas/{n:05}"));
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        std::fs::rename(self.subset_dir(&scratch), &dir).unwrap();
        let previous = if n == 1 {
            self.subset_dir("default")
        } else {
            self.subset_dir("default")
                .join(format!("deltas/{:05}", n - 1))
        };
        let after = read_manifest(&previous).checksum;
        rewrite(&dir, |m| {
            m.refresh = Some(Chain { sequence: n, after });
            for (table, ids) in deletes {
                let entry = m.tables.iter_mut().find(|t| t.name == *table).unwrap();
                entry.deletes = Some(write_deletes(&dir, &entry.qualified_name(), ids));
            }
        });
    }

    /// `ingest` into `target`, which must succeed: its `--format json` summary.
    fn ingest(&self, target: &Target, args: &[&str]) -> Json {
        let args = [
            &[
                "ingest",
                target.kind(),
                "APP",
                "--quiet",
                "--format",
                "json",
            ][..],
            args,
        ]
        .concat();
        let out = self.run(target, &args, &[]);
        serde_json::from_str(&success(&out, &args)).unwrap()
    }

    /// What a fresh full extract of the source's state ingested into an empty target holds.
    fn fresh(&self, name: &str) -> BTreeMap<String, Vec<String>> {
        self.extract(name);
        let target = self.target(name);
        self.ingest(&target, &["--subset", name]);
        target.contents()
    }
}

fn read_manifest(dir: &Path) -> Manifest {
    Manifest::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Changes the manifest in `dir` and writes it again, sealed with its new checksum.
fn rewrite(dir: &Path, edit: impl FnOnce(&mut Manifest)) {
    let mut manifest = read_manifest(dir);
    edit(&mut manifest);
    std::fs::write(dir.join("manifest.json"), manifest.to_json()).unwrap();
}

/// Writes the keys `ids` (column ID) of `table` as a deletes part in the delta folder `dir`.
fn write_deletes(dir: &Path, table: &str, ids: &[i64]) -> Deletes {
    let key = format!("deletes/{table}/part-00000.csv.zst");
    let mut csv = String::from("ID\n");
    for id in ids {
        csv.push_str(&format!("{id}\n"));
    }
    let path = dir.join(&key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, zstd::encode_all(csv.as_bytes(), 3).unwrap()).unwrap();
    let (sha256, bytes) = file_sha256(&path).unwrap();
    Deletes {
        columns: vec!["ID".into()],
        rows: ids.len() as u64,
        parts: vec![PartEntry {
            key,
            rows: ids.len() as u64,
            bytes,
            sha256,
        }],
    }
}

/// The deltas of an ingest summary: (sequence, status).
fn deltas(summary: &Json) -> Vec<(u64, String)> {
    summary["deltas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["sequence"].as_u64().unwrap(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A delta's counts in an ingest summary, by table: (inserted, updated, deleted).
fn delta_counts(summary: &Json, i: usize) -> BTreeMap<String, (u64, u64, u64)> {
    summary["deltas"][i]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                (
                    t["inserted"].as_u64().unwrap(),
                    t["updated"].as_u64().unwrap(),
                    t["deleted"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

/// Base, ingest, a change with a hard delete, delta 1 with its deletes, ingest: the target
/// holds what a fresh extract of the new state holds; a re-run applies nothing; verify agrees.
fn a_delta_brings_the_target_to_the_sources_new_state(lab: &Lab) {
    lab.base();
    let target = lab.target("chain");
    let first = lab.ingest(&target, &[]);
    assert!(deltas(&first).is_empty(), "{first}");

    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    let second = lab.ingest(&target, &[]);
    assert_eq!(deltas(&second), [(1, "applied".to_string())], "{second}");
    // 28 orders in the new state less order 5 (deleted): 3 inserted (26 to 28), 24 updated;
    // customers 1 to 9 and 11: 2 inserted (9, 11), 8 updated.
    assert_eq!(
        delta_counts(&second, 0),
        BTreeMap::from([
            ("APP.CUSTOMER".to_string(), (2, 8, 0)),
            ("APP.ORDERS".to_string(), (3, 24, 1)),
        ]),
        "{second}"
    );
    assert_eq!(second["verify"]["problems"], 0, "{second}");
    assert_eq!(target.contents(), lab.fresh("fresh"));
    let records = target.records();
    assert_eq!(records["orders"]["deleted"], 1, "{records:?}");
    assert_eq!(records["orders"]["chain"]["position"]["sequence"], 1);
    assert_eq!(records["orders"]["chain"]["rows_before"], 25);

    // A re-run: the base is loaded, the delta applied.
    let again = lab.ingest(&target, &[]);
    assert_eq!(deltas(&again), [(1, "already applied".to_string())]);
    assert!(
        again["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "already loaded"),
        "{again}"
    );
    assert_eq!(target.records(), records, "nothing written again");
    let args = ["verify", target.kind()];
    let text = success(&lab.run(&target, &args, &[]), &args);
    assert!(text.contains("All 2 tables match"), "{text}");
    assert!(
        text.contains("ok (delta 1: 3 inserted, 24 updated, 1 deleted)"),
        "{text}"
    );
}

#[test]
fn sqlite_a_delta_brings_the_target_to_the_sources_new_state() {
    a_delta_brings_the_target_to_the_sources_new_state(&Lab::new(false).unwrap());
}

#[test]
fn postgres_a_delta_brings_the_target_to_the_sources_new_state() {
    let Some(lab) = Lab::new(true) else { return };
    a_delta_brings_the_target_to_the_sources_new_state(&lab);
}

/// Two deltas applied by one ingest, or each by its own, leave the same target.
#[test]
fn two_deltas_at_once_or_one_by_one_give_the_same_target() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    let (stepwise, at_once) = (lab.target("stepwise"), lab.target("at_once"));
    lab.ingest(&stepwise, &[]);
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    assert_eq!(deltas(&lab.ingest(&stepwise, &[])), [(1, "applied".into())]);
    lab.delta(2, CHANGE_2, &[("ORDERS", &[6])]);
    assert_eq!(
        deltas(&lab.ingest(&stepwise, &[])),
        [(1, "already applied".into()), (2, "applied".into())]
    );
    let summary = lab.ingest(&at_once, &[]);
    assert_eq!(
        deltas(&summary),
        [(1, "applied".into()), (2, "applied".into())]
    );
    assert_eq!(stepwise.contents(), at_once.contents());
    assert_eq!(stepwise.contents(), lab.fresh("fresh"));
    // The records prove the same counts either way: 28 orders less 5 and 6, plus 29.
    for target in [&stepwise, &at_once] {
        let args = ["verify", target.kind(), "--format", "json"];
        let report: Json =
            serde_json::from_str(&success(&lab.run(target, &args, &[]), &args)).unwrap();
        let orders = report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == "APP.ORDERS")
            .unwrap();
        assert_eq!(
            (orders["rows"].as_u64(), orders["expected"].as_u64()),
            (Some(27), Some(27))
        );
    }
}

/// A chain with a delta missing in the middle, or a delta made after another base, is refused
/// before anything is written, naming the delta and the remedy.
#[test]
fn a_broken_chain_is_refused_before_anything_is_loaded() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    lab.delta(1, CHANGE_1, &[]);
    lab.delta(2, CHANGE_2, &[]);
    let deltas_dir = lab.subset_dir("default").join("deltas");
    std::fs::rename(deltas_dir.join("00002"), deltas_dir.join("00003")).unwrap();
    let target = lab.target("broken");
    let args = ["ingest", "SQLITE", "APP"];
    let err = failure(&lab.run(&target, &args, &[]), &args);
    assert!(
        err.contains("nothing was loaded")
            && err.contains(
                "the refresh chain of default is broken: APP/SQLITE/default/deltas/00003 has a \
                 manifest, but delta 2 has none"
            ),
        "{err}"
    );
    assert!(target.records().is_empty());
    assert!(target.contents().values().all(Vec::is_empty));

    // The base extracted again after delta 1 was made (a new manifest): delta 1 does not
    // continue it.
    std::fs::remove_dir_all(deltas_dir.join("00003")).unwrap();
    rewrite(&lab.subset_dir("default"), |m| {
        m.created_at = "2030-01-01T00:00:00Z".into()
    });
    let err = failure(&lab.run(&target, &args, &[]), &args);
    assert!(
        err.contains(
            "APP/SQLITE/default/deltas/00001 does not continue APP/SQLITE/default (its \
             refresh.after is not that manifest's checksum)"
        ) && err.contains("--refreshdb"),
        "{err}"
    );
    assert!(target.contents().values().all(Vec::is_empty));
}

/// A target holding a chain of a base that was extracted again since is refused, naming the
/// remedy; `--refreshdb` loads the new base.
#[test]
fn a_target_of_an_earlier_base_is_refused_until_refreshdb() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    let target = lab.target("earlier");
    lab.ingest(&target, &[]);
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    lab.ingest(&target, &[]);
    // The base extracted again (a new manifest), its old deltas gone.
    std::fs::remove_dir_all(lab.subset_dir("default").join("deltas")).unwrap();
    rewrite(&lab.subset_dir("default"), |m| {
        m.created_at = "2030-01-01T00:00:00Z".into()
    });
    let before = target.contents();
    let args = ["ingest", "SQLITE", "APP"];
    let err = failure(&lab.run(&target, &args, &[]), &args);
    assert!(
        err.contains("they were loaded from an earlier base extract of this subset")
            && err.contains("--refreshdb to load the new base and every delta after it"),
        "{err}"
    );
    assert_eq!(target.contents(), before);
    let summary = lab.ingest(&target, &["--refreshdb"]);
    assert!(deltas(&summary).is_empty(), "{summary}");
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
}

/// A delete whose row other rows still reference fails the delta's load, which writes nothing:
/// no other row is deleted to make the key hold.
fn a_delete_that_would_orphan_rows_changes_nothing(lab: &Lab) {
    lab.base();
    let target = lab.target("orphans");
    lab.ingest(&target, &[]);
    let before = (target.contents(), target.records());
    // Customer 1 is deleted in the delta, its orders are not.
    lab.delta(1, CHANGE_1, &[("CUSTOMER", &[1])]);
    let args = ["ingest", target.kind(), "APP"];
    let err = failure(&lab.run(&target, &args, &[]), &args);
    assert!(
        err.contains("cannot apply delta 1") && err.to_lowercase().contains("foreign key"),
        "{err}"
    );
    assert_eq!((target.contents(), target.records()), before);
}

/// A table outside the subset whose key to a delta's table says ON DELETE CASCADE: the delta's
/// delete would take its rows along, and is refused.
#[test]
fn postgres_a_delete_that_would_cascade_changes_nothing() {
    let Some(lab) = Lab::new(true) else { return };
    lab.base();
    let target = lab.target("cascade");
    target.exec(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, \
         order_id INTEGER REFERENCES orders (id) ON DELETE CASCADE)",
    );
    lab.ingest(&target, &[]);
    target.exec("INSERT INTO note VALUES (1, 5), (2, 6)");
    let before = (target.contents(), target.records());
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    let args = ["ingest", "PG", "APP"];
    let err = failure(&lab.run(&target, &args, &[]), &args);
    assert!(
        err.contains("ON DELETE action change 1 row of public.note: nothing was written"),
        "{err}"
    );
    assert_eq!((target.contents(), target.records()), before);
}

#[test]
fn sqlite_a_delete_that_would_orphan_rows_changes_nothing() {
    a_delete_that_would_orphan_rows_changes_nothing(&Lab::new(false).unwrap());
}

#[test]
fn postgres_a_delete_that_would_orphan_rows_changes_nothing() {
    let Some(lab) = Lab::new(true) else { return };
    a_delete_that_would_orphan_rows_changes_nothing(&lab);
}

/// An ingest killed inside a delta's transaction leaves the delta out entirely; the next run
/// applies it and the target is the one an uninterrupted run leaves.
#[test]
fn a_killed_delta_leaves_nothing_and_a_rerun_applies_it() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    let target = lab.target("killed");
    lab.ingest(&target, &[]);
    let before = (target.contents(), target.records());
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    // The base is loaded: the rows counted are the delta's (10 customers, then orders).
    let out = lab.run(
        &target,
        &["ingest", "SQLITE", "APP", "--quiet"],
        &[("DBSUB_TEST_ABORT_AFTER_ROWS", "15")],
    );
    // Killed (SIGABRT), not failed.
    assert_eq!(out.status.code(), None, "{}", stderr(&out));
    assert_eq!((target.contents(), target.records()), before);
    let summary = lab.ingest(&target, &[]);
    assert_eq!(deltas(&summary), [(1, "applied".into())], "{summary}");
    assert_eq!(target.contents(), lab.fresh("fresh"));
}

/// Two ingests at once: the delta is applied once, its counts and the target's rows are those
/// of one run.
#[test]
fn two_ingests_at_once_apply_a_delta_once() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    let fresh = lab.fresh("fresh");
    let mut failed = Vec::new();
    for round in 0..4 {
        // Both ingests find an empty target: each loads the base or finds it loaded, then
        // applies the delta or finds it applied.
        let target = lab.target(&format!("race{round}"));
        let outs: Vec<Output> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        lab.run(
                            &target,
                            &["ingest", "SQLITE", "APP", "--quiet", "--format", "json"],
                            &[],
                        )
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut applied = 0;
        for out in &outs {
            if !out.status.success() {
                failed.push(format!("round {round}: {}", stderr(out)));
                continue;
            }
            let summary: Json = serde_json::from_str(&stdout(out)).unwrap();
            match deltas(&summary).as_slice() {
                [(1, status)] if status == "applied" => applied += 1,
                [(1, status)] if status == "already applied" => {}
                other => failed.push(format!("round {round}: {other:?}")),
            }
        }
        if applied != 1 {
            failed.push(format!("round {round}: applied by {applied} runs"));
        }
        if target.contents() != fresh {
            failed.push(format!("round {round}: the target differs"));
        }
        let orders = &target.records()["orders"];
        if orders["merged"]["inserted"] != 3 || orders["deleted"] != 1 {
            failed.push(format!("round {round}: {orders}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// After deltas, verify expects the rows the records prove — the base's, plus those inserted,
/// less those deleted — and says so when the table holds more or fewer.
#[test]
fn verify_counts_the_rows_the_chain_leaves() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    let target = lab.target("verify");
    lab.ingest(&target, &[]);
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    // The summary counts the delta's rows and tables, and says what it did.
    let args = ["ingest", "SQLITE", "APP", "--quiet"];
    let text = success(&lab.run(&target, &args, &[]), &args);
    assert!(
        text.contains("37 rows into 2 tables")
            && text.contains("deltas/00001): applied in")
            && text.contains(": 5 inserted, 32 updated, 1 deleted"),
        "{text}"
    );
    let args = ["verify", "SQLITE"];
    success(&lab.run(&target, &args, &[]), &args);
    // One more row than the chain leaves (but as many as the delta holds): not a match.
    target.exec("INSERT INTO ORDERS VALUES (5, 1, 1.0, 100)");
    let out = lab.run(&target, &args, &[]);
    let text = format!("{}{}", failure(&out, &args), stdout(&out));
    assert!(
        text.contains("28 rows where the base and deltas 1 to 1 leave 27"),
        "{text}"
    );
}

/// `--dry-run` lists the deltas it would apply, and then those applied.
#[test]
fn a_dry_run_lists_the_deltas_to_apply() {
    let lab = Lab::new(false).unwrap();
    lab.base();
    let target = lab.target("dry");
    lab.delta(1, CHANGE_1, &[("ORDERS", &[5])]);
    let args = ["ingest", "SQLITE", "APP", "--dry-run"];
    let text = success(&lab.run(&target, &args, &[]), &args);
    assert!(
        text.contains(
            "would merge 37 rows into APP.CUSTOMER, APP.ORDERS and delete the rows of 1 key; 3 \
             parts"
        ),
        "{text}"
    );
    assert!(target.records().is_empty(), "a dry run writes nothing");
    lab.ingest(&target, &[]);
    let args = ["ingest", "SQLITE", "APP", "--dry-run", "--format", "json"];
    let plan: Json = serde_json::from_str(&success(&lab.run(&target, &args, &[]), &args)).unwrap();
    assert_eq!(plan["deltas"][0]["action"], "already applied", "{plan}");
}

// ---------------------------------------------------------------------------------------------
// End to end: `extract --incremental` from a changed source, then `ingest`.

/// Invoices (the seed: the open ones), their lines (children) and customers (parents), each
/// with a version that grows with every change (the watermark) and an invoice's soft-delete
/// flag.
const SALES: &str = "
CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL,
    version INTEGER NOT NULL);
CREATE TABLE invoice (id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    status VARCHAR(10) NOT NULL, deleted INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    amount INTEGER NOT NULL, version INTEGER NOT NULL);
";

/// Customers 1–20; invoices 1–30 (`i` of customer `i % 10 + 1`, open up to 20), two lines each.
fn sales_rows() -> String {
    let mut sql = String::new();
    for c in 1..=20 {
        sql.push_str(&format!(
            "INSERT INTO customer VALUES ({c}, 'customer {c}', 1);\n"
        ));
    }
    for i in 1..=30 {
        let status = if i <= 20 { "open" } else { "closed" };
        sql.push_str(&format!(
            "INSERT INTO invoice VALUES ({i}, {}, '{status}', 0, 1);\n",
            i % 10 + 1
        ));
        for l in [2 * i - 1, 2 * i] {
            sql.push_str(&format!("INSERT INTO line VALUES ({l}, {i}, {l}, 1);\n"));
        }
    }
    sql
}

const SALES_PLAN: &str = r#"
[[seed]]
table = "invoice"
where = "status = 'open'"

[[children.edge]]
table = "line"

[refresh]
watermarks = { "invoice" = "version", "line" = "version", "customer" = "version" }
"#;

/// Updated rows with new versions, new seed rows, a new parent and a parent new to the
/// subset, a soft delete, and hard deletes: line 4, and invoice 7 with its lines.
const SALES_CHANGES: &str = "
UPDATE line SET amount = 999, version = 2 WHERE id = 3;
UPDATE customer SET name = 'renamed', version = 2 WHERE id = 2;
UPDATE invoice SET deleted = 1, version = 2 WHERE id = 5;
INSERT INTO customer VALUES (21, 'customer 21', 2);
INSERT INTO invoice VALUES (31, 21, 'open', 0, 2), (32, 15, 'open', 0, 2);
INSERT INTO line VALUES (61, 31, 61, 2), (62, 1, 62, 2);
DELETE FROM line WHERE id IN (4, 13, 14);
DELETE FROM invoice WHERE id = 7;
";

/// The rows `SALES_CHANGES` deletes: (table, id).
const HARD_DELETED: [(&str, i64); 4] = [("LINE", 4), ("LINE", 13), ("LINE", 14), ("INVOICE", 7)];

/// Removes the hard-deleted rows from a target's contents; how many there were.
fn hard_deleted(rows: &mut BTreeMap<String, Vec<String>>) -> usize {
    // A row's text starts with its id: `(4,…` in PostgreSQL, `Integer(4)|…` in SQLite.
    let id = |row: &str| -> i64 {
        let digits: String = row
            .trim_start_matches("Integer")
            .trim_start_matches('(')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    let mut removed = 0;
    for (table, rows) in rows.iter_mut() {
        let before = rows.len();
        rows.retain(|r| !HARD_DELETED.contains(&(table.as_str(), id(r))));
        removed += before - rows.len();
    }
    removed
}

/// A source of `kind` with the sales, its store and plan, and targets of the same kind.
struct Pipeline {
    ws: Workspace,
    kind: &'static str,
    source: Target,
    pg: Option<&'static pg::PgCluster>,
}

impl Pipeline {
    fn new(on_pg: bool) -> Option<Pipeline> {
        let ws = Workspace::empty();
        std::fs::write(ws.path().join("plan.toml"), SALES_PLAN).unwrap();
        let (kind, source, pg) = if on_pg {
            let cluster = pg::cluster()?;
            (
                "PG",
                Target::Pg(cluster.create_database("sales")),
                Some(cluster),
            )
        } else {
            ("SQLITE", Target::Sqlite(ws.path().join("sales.db")), None)
        };
        source.exec(&format!("{SALES}{}", sales_rows()));
        Some(Pipeline {
            ws,
            kind,
            source,
            pg,
        })
    }

    fn target(&self, name: &str) -> Target {
        let target = match self.pg {
            Some(cluster) => Target::Pg(cluster.create_database(name)),
            None => Target::Sqlite(self.ws.path().join(format!("{name}.db"))),
        };
        target.exec(SALES);
        target
    }

    fn run(&self, target: Option<&Target>, args: &[&str]) -> String {
        let at = |p: &str| self.ws.path().join(p).display().to_string();
        let source = self.source.var().1;
        let mut vars = vec![
            (format!("DBSUB_SOURCE_{}_APP", self.kind), source),
            ("DBSUB_STORE_APP".into(), format!("file://{}", at("store"))),
            ("DBSUB_CACHE_DIR".into(), at("cache")),
        ];
        vars.extend(target.map(Target::var));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = self.ws.dbsub_process(&refs).args(args).output().unwrap();
        success(&out, args)
    }

    fn extract(&self, args: &[&str]) {
        let args = [
            &["extract", self.kind, "APP", "--plan", "plan.toml"][..],
            args,
        ]
        .concat();
        self.run(None, &args);
    }

    fn ingest(&self, target: &Target, args: &[&str]) -> Json {
        let args = [
            &["ingest", self.kind, "APP", "--quiet", "--format", "json"][..],
            args,
        ]
        .concat();
        serde_json::from_str(&self.run(Some(target), &args)).unwrap()
    }
}

/// The issue's test: base extract and ingest; the source changed; `extract --incremental`
/// (with `--detect-deletes` when `detect`) and ingest: the target holds what a fresh full
/// extract of the new state ingested into an empty database holds — but for the hard-deleted
/// rows, which only `--detect-deletes` removes (a parent with its children: children first). A
/// re-run applies nothing.
fn an_incremental_refresh_equals_a_fresh_extract(p: &Pipeline, detect: bool) {
    p.extract(&[]);
    let target = p.target("refreshed");
    p.ingest(&target, &[]);
    p.source.exec(SALES_CHANGES);
    let mut incremental = vec!["--incremental"];
    if detect {
        incremental.push("--detect-deletes");
    }
    p.extract(&incremental);
    let summary = p.ingest(&target, &[]);
    assert_eq!(deltas(&summary), [(1, "applied".into())], "{summary}");
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");

    p.extract(&["--subset", "fresh"]);
    let fresh = p.target("fresh");
    p.ingest(&fresh, &["--subset", "fresh"]);
    let mut expected = fresh.contents();
    let mut got = target.contents();
    assert_eq!(hard_deleted(&mut expected), 0, "not in the fresh extract");
    assert_eq!(
        hard_deleted(&mut got),
        if detect { 0 } else { HARD_DELETED.len() },
        "the hard-deleted rows are gone only with --detect-deletes"
    );
    assert_eq!(got, expected, "{}", p.kind);
    assert!(
        got["LINE"].len() > 30 && got["CUSTOMER"].len() > 10,
        "{got:?}"
    );

    let again = p.ingest(&target, &[]);
    assert_eq!(deltas(&again), [(1, "already applied".into())], "{again}");
}

#[test]
fn sqlite_an_incremental_refresh_equals_a_fresh_extract() {
    an_incremental_refresh_equals_a_fresh_extract(&Pipeline::new(false).unwrap(), false);
}

#[test]
fn postgres_an_incremental_refresh_equals_a_fresh_extract() {
    let Some(p) = Pipeline::new(true) else { return };
    an_incremental_refresh_equals_a_fresh_extract(&p, false);
}

#[test]
fn sqlite_an_incremental_refresh_with_detected_deletes_equals_a_fresh_extract() {
    an_incremental_refresh_equals_a_fresh_extract(&Pipeline::new(false).unwrap(), true);
}

#[test]
fn postgres_an_incremental_refresh_with_detected_deletes_equals_a_fresh_extract() {
    let Some(p) = Pipeline::new(true) else { return };
    an_incremental_refresh_equals_a_fresh_extract(&p, true);
}
