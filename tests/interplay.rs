//! Where this round's features meet: a refresh chain (`extract --incremental`,
//! `--detect-deletes`, ingest of base and deltas) written in chunks (`--chunk-rows`, `--jobs`),
//! with key sets spilled to disk (`--key-memory`), killed and resumed, in an S3 store, loaded
//! into PostgreSQL by the large-table path that sets foreign keys aside, and reloaded with
//! `--refreshdb`. Each ends where a fresh full extract of the source's state, ingested into an
//! empty database, ends.
//!
//! The source is SQLite; the targets SQLite, or PostgreSQL (skipped without it unless
//! `DBSUB_REQUIRE_PG=1`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::target::Target;
use common::{Workspace, files_below, pg, stable_manifest, stderr, success};
use serde_json::Value as Json;

/// 60 status codes (a passthrough table); 60 customers (stamp: a watermark); 200 invoices,
/// invoice `i` of customer `i % 50 + 1`; two lines per invoice.
const SCHEMA: &str = "
CREATE TABLE status_code (code VARCHAR(10) PRIMARY KEY, label VARCHAR(40) NOT NULL);
CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, stamp INTEGER NOT NULL);
CREATE TABLE invoice (id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    status VARCHAR(10) NOT NULL REFERENCES status_code (code),
    updated_at INTEGER NOT NULL);
CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    amount INTEGER NOT NULL, updated_at INTEGER NOT NULL);
";

const ROWS: &str = "
INSERT INTO status_code
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59)
SELECT 's' || i, 'status ' || i FROM n;
INSERT INTO customer
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
SELECT i, 'customer ' || i, 100 FROM n;
INSERT INTO invoice
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT i, i % 50 + 1, 's' || (i % 60), 100 FROM n;
INSERT INTO line
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
SELECT i, (i + 1) / 2, i * 3, 100 FROM n;
";

/// The first change: invoices updated (more than a chunk's rows), a held customer changed and one outside the subset, a
/// new invoice of a customer new to the subset with a line, a new line of a held invoice, a
/// status label changed (the passthrough table), invoice 7 and its lines hard-deleted.
const CHANGE_1: &str = "
UPDATE invoice SET updated_at = 200 WHERE id BETWEEN 20 AND 60 OR id IN (3, 122);
UPDATE customer SET name = 'renamed 2', stamp = 200 WHERE id = 2;
UPDATE customer SET name = 'renamed 58', stamp = 200 WHERE id = 58;
INSERT INTO invoice VALUES (201, 55, 's1', 200);
INSERT INTO line VALUES (401, 201, 1, 200), (402, 1, 2, 200);
UPDATE status_code SET label = 'relabelled' WHERE code = 's5';
DELETE FROM line WHERE invoice_id = 7;
DELETE FROM invoice WHERE id = 7;
";

/// The second change: another update, a new invoice, invoice 9 and its lines hard-deleted.
const CHANGE_2: &str = "
UPDATE invoice SET status = 's2', updated_at = 300 WHERE id = 201;
INSERT INTO invoice VALUES (202, 1, 's3', 300);
DELETE FROM line WHERE invoice_id = 9;
DELETE FROM invoice WHERE id = 9;
";

/// The seed: invoices whose id is not a multiple of 5, but those of status `s11` (156 of them).
const PLAN: &str = r#"
passthrough = ["status_code"]

[[seed]]
table = "invoice"
where = "id % 5 <> 0 AND status <> :gone"

[params]
gone = "s11"

[[children.edge]]
table = "line"

[refresh]
watermarks = { "invoice" = "updated_at", "line" = "updated_at", "customer" = "stamp" }
"#;

/// Chunks of 25 rows, two at once: the seed and the passthrough table are cut in several.
const CHUNKED: [&str; 4] = ["--chunk-rows", "25", "--jobs", "2"];

/// A source (environment APP), a store (`store/`, or another one given), and targets.
struct Lab {
    ws: Workspace,
    source: Target,
    pg: Option<&'static pg::PgCluster>,
}

impl Lab {
    /// A lab with a SQLite source whose targets are SQLite files, or PostgreSQL databases
    /// (`None` when there is no PostgreSQL: the test is skipped).
    fn new(on_pg: bool) -> Option<Lab> {
        Lab::with_source(on_pg, false)
    }

    /// A lab whose source, and whose targets, are SQLite or PostgreSQL databases.
    fn with_source(on_pg: bool, source_on_pg: bool) -> Option<Lab> {
        let pg = if on_pg || source_on_pg {
            Some(pg::cluster()?)
        } else {
            None
        };
        let ws = Workspace::empty();
        let source = match pg {
            Some(cluster) if source_on_pg => Target::Pg(cluster.create_database("source")),
            _ => Target::Sqlite(ws.path().join("src.db")),
        };
        let lab = Lab {
            ws,
            source,
            pg: pg.filter(|_| on_pg),
        };
        lab.change(&format!("{SCHEMA}{ROWS}"));
        std::fs::write(lab.ws.path().join("plan.toml"), PLAN).unwrap();
        std::fs::write(
            lab.ws.path().join("fresh.toml"),
            format!("name = \"fresh\"\n{PLAN}"),
        )
        .unwrap();
        Some(lab)
    }

    fn change(&self, sql: &str) {
        self.source.exec(sql);
    }

    /// The folder of the subset in the file store `store`.
    fn subset_dir(&self, store: &str, subset: &str) -> PathBuf {
        let path = self.ws.path().join(store).join("APP");
        path.join(self.source.kind()).join(subset)
    }

    /// A new empty target with the source's tables.
    fn target(&self, name: &str) -> Target {
        let target = match self.pg {
            Some(cluster) => Target::Pg(cluster.create_database(name)),
            None => Target::Sqlite(self.ws.path().join(format!("{name}.db"))),
        };
        target.exec(SCHEMA);
        target
    }

    /// dbsub with `args`, the source, the file store `store/`, `target`, then `extra` (which
    /// may name another store).
    fn run(&self, target: Option<&Target>, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let at = |p: &str| self.ws.path().join(p).display().to_string();
        let mut vars = vec![
            (
                format!("DBSUB_SOURCE_{}_APP", self.source.kind()),
                self.source.var().1,
            ),
            ("DBSUB_STORE_APP".into(), format!("file://{}", at("store"))),
            ("DBSUB_CACHE_DIR".into(), at("cache")),
        ];
        vars.extend(target.map(Target::var));
        for (k, v) in extra {
            vars.retain(|(key, _)| key != k);
            vars.push((k.to_string(), v.to_string()));
        }
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.ws.dbsub_process(&refs).args(args).output().unwrap()
    }

    /// `extract` of the source with the plan and `args`.
    fn extract_out(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let head = ["extract", self.source.kind(), "APP", "--plan", "plan.toml"];
        self.run(None, &[&head[..], args].concat(), extra)
    }

    /// `extract` with the plan and `args`, which must succeed: its `--format json` summary.
    fn extract(&self, args: &[&str], extra: &[(&str, &str)]) -> Json {
        let all = [&["--quiet", "--format", "json"][..], args].concat();
        serde_json::from_str(&success(&self.extract_out(&all, extra), &all)).unwrap()
    }

    /// `ingest` of the subset into `target` with `args`, which must succeed: its summary.
    fn ingest(&self, target: &Target, args: &[&str], extra: &[(&str, &str)]) -> Json {
        let all = [
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
        let out = self.run(Some(target), &all, extra);
        serde_json::from_str(&success(&out, &all)).unwrap()
    }

    /// What a fresh full extract (unchunked) of the source's state ingested into an empty
    /// target holds.
    fn fresh(&self, name: &str) -> BTreeMap<String, Vec<String>> {
        let kind = self.source.kind();
        let args = ["extract", kind, "APP", "--plan", "fresh.toml", "--quiet"];
        success(&self.run(None, &args, &[]), &args);
        let target = self.target(name);
        self.ingest(&target, &["--subset", "fresh"], &[]);
        target.contents()
    }
}

/// The part files below `dir` that lie in a chunk's folder.
fn chunk_parts(dir: &Path) -> Vec<String> {
    files_below(dir)
        .into_keys()
        .filter(|k| k.contains("/chunk-") && k.ends_with(".csv.zst"))
        .collect()
}

/// The deltas of an ingest summary: (sequence, status).
fn deltas(summary: &Json) -> Vec<(u64, String)> {
    summary["deltas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let status = d["status"].as_str().unwrap().to_string();
            (d["sequence"].as_u64().unwrap(), status)
        })
        .collect()
}

/// A base written in chunks, ingested; a change; a delta written in chunks (its seed and its
/// passthrough table cut in several), ingested: the target equals a fresh extract's.
fn a_chunked_base_and_delta_end_as_a_fresh_extract(lab: &Lab) {
    lab.extract(&CHUNKED, &[]);
    let base = lab.subset_dir("store", "default");
    let parts = chunk_parts(&base);
    assert!(
        parts.iter().any(|k| k.contains("invoice/chunk-00003/"))
            && parts.iter().any(|k| k.contains("status_code/chunk-00002/")),
        "{parts:?}"
    );
    let target = lab.target("chain");
    lab.ingest(&target, &[], &[]);

    lab.change(CHANGE_1);
    let delta = lab.extract(
        &[&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat(),
        &[],
    );
    assert_eq!(delta["delta"], 1, "{delta}");
    let parts = chunk_parts(&base.join("deltas/00001"));
    // A delta reads its seed's rows by key (not chunked), its passthrough tables by a scan.
    assert!(
        parts.iter().any(|k| k.contains("status_code/chunk-00002/")),
        "the passthrough table in chunks: {parts:?}"
    );
    let summary = lab.ingest(&target, &[], &[]);
    assert_eq!(deltas(&summary), [(1, "applied".to_string())], "{summary}");
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
    assert_eq!(target.contents(), lab.fresh("fresh"));
}

#[test]
fn sqlite_a_chunked_base_and_delta_end_as_a_fresh_extract() {
    a_chunked_base_and_delta_end_as_a_fresh_extract(&Lab::new(false).unwrap());
}

#[test]
fn postgres_a_chunked_base_and_delta_end_as_a_fresh_extract() {
    let Some(lab) = Lab::new(true) else { return };
    a_chunked_base_and_delta_end_as_a_fresh_extract(&lab);
}

/// The same from a PostgreSQL source: a chunk's key range, the seed's condition with its bound
/// parameter and the watermark in one query.
#[test]
fn postgres_source_a_chunked_base_and_delta_end_as_a_fresh_extract() {
    let Some(lab) = Lab::with_source(false, true) else {
        return;
    };
    a_chunked_base_and_delta_end_as_a_fresh_extract(&lab);
}

/// Copies every file of the store `from` into the folder `to` (a second store with the same
/// extracts).
fn copy_store(lab: &Lab, from: &str, to: &str) -> String {
    let other = lab.ws.path().join(to);
    for (key, bytes) in files_below(&lab.ws.path().join(from)) {
        let path = other.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    format!("file://{}", other.display())
}

/// Asserts that the extract in the folder `sub` of the subset (the base, or a delta) in two
/// stores holds the same part files, byte for byte, and the same manifest but for its times.
fn same_parts(lab: &Lab, one: &str, other: &str, sub: &str) {
    let dir = |store: &str| lab.subset_dir(store, "default").join(sub);
    let mut a = files_below(&dir(one));
    let mut b = files_below(&dir(other));
    let manifests = (
        a.remove("manifest.json").unwrap(),
        b.remove("manifest.json").unwrap(),
    );
    assert!(a.len() > 6, "several parts: {:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (key, bytes) in &a {
        assert!(b[key] == *bytes, "{key} differs between {one} and {other}");
    }
    let stable = |bytes: &[u8]| {
        let mut m = stable_manifest(bytes);
        // The link to the previous manifest: its checksum covers its own creation time.
        m["refresh"]["after"] = Json::Null;
        m
    };
    assert_eq!(stable(&manifests.0), stable(&manifests.1));
}

/// A chunked base whose closure's key sets spill to disk with a tiny `--key-memory` writes the
/// parts of one with a big budget; so does a delta whose held keys spill too, its deletes taken
/// out of a spilled set, and the next delta, whose held keys are the base's less delta 1's
/// deletes.
#[test]
fn spilled_key_sets_write_the_same_parts() {
    let lab = Lab::new(false).unwrap();
    let store = format!("file://{}", lab.ws.path().join("small").display());
    let small = [("DBSUB_STORE_APP", store.as_str())];
    let base = |memory: &'static str| {
        let sizes = ["--part-size", "1K", "--key-memory", memory];
        [&CHUNKED[..], &sizes].concat()
    };
    lab.extract(&base("512M"), &[]);
    let err = stderr(&lab.extract_out(&base("1K"), &small));
    assert!(err.contains("moved to disk"), "the base spills: {err}");
    same_parts(&lab, "store", "small", "");
    let args =
        |memory: &'static str| [&base(memory)[..], &["--incremental", "--detect-deletes"]].concat();
    for (n, change) in [(1, CHANGE_1), (2, CHANGE_2)] {
        lab.change(change);
        lab.extract(&args("512M"), &[]);
        let err = stderr(&lab.extract_out(&args("1K"), &small));
        assert!(err.contains("moved to disk"), "delta {n} spills: {err}");
        same_parts(&lab, "store", "small", &format!("deltas/{n:05}"));
    }
}

/// A delta in chunks killed after a few parts, run again, writes the parts of an
/// uninterrupted one.
#[test]
fn a_killed_chunked_delta_resumes_to_the_same_parts() {
    let lab = Lab::new(false).unwrap();
    lab.extract(&CHUNKED, &[]);
    lab.change(CHANGE_1);
    let other = copy_store(&lab, "store", "other");
    let args = [
        &CHUNKED[..],
        &["--incremental", "--detect-deletes", "--part-size", "1K"],
    ]
    .concat();
    lab.extract(&args, &[]);
    for after in ["2", "5"] {
        let killed = [
            ("DBSUB_STORE_APP", other.as_str()),
            ("DBSUB_TEST_ABORT_AFTER_PARTS", after),
        ];
        let out = lab.extract_out(&args, &killed);
        assert!(
            !out.status.success(),
            "the hook kills it after {after} parts"
        );
    }
    lab.extract(&args, &[("DBSUB_STORE_APP", other.as_str())]);
    same_parts(&lab, "store", "other", "deltas/00001");
}

/// Every foreign key of a PostgreSQL database with its definition and validation state.
fn constraints(url: &str) -> Vec<String> {
    pg::connect(url)
        .query(
            "SELECT format('%s.%s %s valid=%s', conrelid::regclass, conname, \
                    pg_get_constraintdef(oid), convalidated) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'f' \
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// PostgreSQL: a base whose large tables' foreign keys are set aside and added back
/// (`DBSUB_TEST_LARGE_LOAD_ROWS`), then two deltas with deletes and merges: every key is back
/// as it was, verify finds nothing, and the target equals a fresh extract's.
#[test]
fn postgres_large_loads_then_deltas_keep_the_foreign_keys() {
    let Some(lab) = Lab::new(true) else { return };
    let large = [("DBSUB_TEST_LARGE_LOAD_ROWS", "20")];
    lab.extract(&CHUNKED, &[]);
    let target = lab.target("large");
    let Target::Pg(url) = &target else {
        unreachable!("a PostgreSQL lab")
    };
    let keys = constraints(url);
    assert_eq!(keys.len(), 3, "{keys:?}");
    let oids = key_oids(url);
    lab.ingest(&target, &[], &large);
    assert_eq!(constraints(url), keys);
    let after = key_oids(url);
    assert!(
        oids.iter().all(|o| !after.contains(o)),
        "the keys were set aside and added back: {oids:?} {after:?}"
    );
    let incremental = [&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat();
    for (n, change) in [(1, CHANGE_1), (2, CHANGE_2)] {
        lab.change(change);
        lab.extract(&incremental, &[]);
        let summary = lab.ingest(&target, &[], &large);
        let applied = deltas(&summary);
        assert_eq!(
            applied.last(),
            Some(&(n, "applied".to_string())),
            "{summary}"
        );
        assert_eq!(summary["verify"]["problems"], 0, "{summary}");
        assert_eq!(constraints(url), keys, "after delta {n}");
    }
    let args = ["verify", "PG"];
    success(&lab.run(Some(&target), &args, &[]), &args);
    let fresh = lab.fresh("fresh");
    assert_eq!(target.contents(), fresh);

    // The whole chain again, over the loaded tables: emptied, their keys set aside once.
    let summary = lab.ingest(&target, &["--refreshdb"], &large);
    assert_eq!(deltas(&summary).len(), 2, "{summary}");
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
    assert_eq!(constraints(url), keys, "after --refreshdb");
    assert_eq!(target.contents(), fresh);
}

/// The object id of each foreign key: a key dropped and added back gets a new one.
fn key_oids(url: &str) -> Vec<u32> {
    pg::connect(url)
        .query(
            "SELECT oid FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace AND contype = 'f'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// `--refreshdb` over a chain (a base and two deltas) empties the tables and loads the base and
/// both deltas again: the target equals one that applied them one by one, and a fresh
/// extract's.
fn refreshdb_reloads_a_whole_chain(lab: &Lab) {
    lab.extract(&CHUNKED, &[]);
    let one_by_one = lab.target("one_by_one");
    let reloaded = lab.target("reloaded");
    lab.ingest(&one_by_one, &[], &[]);
    lab.ingest(&reloaded, &[], &[]);
    let incremental = [&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat();
    for change in [CHANGE_1, CHANGE_2] {
        lab.change(change);
        lab.extract(&incremental, &[]);
        lab.ingest(&one_by_one, &[], &[]);
    }
    let summary = lab.ingest(&reloaded, &["--refreshdb"], &[]);
    assert_eq!(
        deltas(&summary),
        [(1, "applied".to_string()), (2, "applied".to_string())],
        "{summary}"
    );
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
    let contents = reloaded.contents();
    assert_eq!(contents, one_by_one.contents());
    assert_eq!(contents, lab.fresh("fresh"));
}

#[test]
fn sqlite_refreshdb_reloads_a_whole_chain() {
    refreshdb_reloads_a_whole_chain(&Lab::new(false).unwrap());
}

#[test]
fn postgres_refreshdb_reloads_a_whole_chain() {
    let Some(lab) = Lab::new(true) else { return };
    refreshdb_reloads_a_whole_chain(&lab);
}

/// A chunked base and delta in an S3 store (the moto server of `tests/common/s3.rs`), the delta
/// killed after a few parts and resumed: its parts are those of an uninterrupted delta in a file
/// store, and the chain ingested from S3 equals a fresh extract's.
#[test]
fn sqlite_a_killed_chunked_delta_in_an_s3_store() {
    let Some(server) = common::s3::server() else {
        return;
    };
    let lab = Lab::new(false).unwrap();
    let bucket = server.create_bucket("interplay");
    let store = bucket.url("dbsub");
    let env = server.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.push(("DBSUB_STORE_APP", &store));
    lab.extract(&CHUNKED, &vars);
    lab.extract(&CHUNKED, &[]);
    let target = lab.target("chain");
    lab.ingest(&target, &[], &vars);
    lab.change(CHANGE_1);
    let incremental = [
        &CHUNKED[..],
        &["--incremental", "--detect-deletes", "--part-size", "1K"],
    ]
    .concat();
    lab.extract(&incremental, &[]);
    let mut killed = vars.clone();
    killed.push(("DBSUB_TEST_ABORT_AFTER_PARTS", "3"));
    assert!(!lab.extract_out(&incremental, &killed).status.success());
    assert_eq!(lab.extract(&incremental, &vars)["delta"], 1);

    let prefix = "dbsub/APP/SQLITE/default/deltas/00001/";
    let in_s3: Vec<String> = bucket
        .keys()
        .into_iter()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
        .filter(|k| k.ends_with(".csv.zst"))
        .collect();
    let clean = files_below(&lab.subset_dir("store", "default").join("deltas/00001"));
    let parts: Vec<&String> = clean.keys().filter(|k| k.ends_with(".csv.zst")).collect();
    assert!(parts.len() > 6, "{parts:?}");
    assert!(
        parts.iter().any(|k| k.contains("/chunk-00002/")),
        "{parts:?}"
    );
    assert_eq!(in_s3.iter().collect::<Vec<_>>(), parts);
    for key in parts {
        assert!(bucket.get(&format!("{prefix}{key}")) == clean[key], "{key}");
    }
    let summary = lab.ingest(&target, &[], &vars);
    assert_eq!(deltas(&summary), [(1, "applied".to_string())], "{summary}");
    assert_eq!(target.contents(), lab.fresh("fresh"));
}

/// A delta killed after its watermark tables were written, the source changed (rows of the
/// delta updated again: their watermarks move, the delta's row counts stay), the delta resumed,
/// then the next delta: the target ends as a fresh extract's. Kept parts of the earlier
/// snapshot under the later high-water mark would hide those updates from every later delta.
#[test]
fn a_delta_resumed_after_the_source_changed_loses_nothing() {
    let lab = Lab::new(false).unwrap();
    lab.extract(&CHUNKED, &[]);
    let target = lab.target("chain");
    lab.ingest(&target, &[], &[]);
    lab.change(CHANGE_1);
    let args = [
        "--chunk-rows",
        "25",
        "--jobs",
        "1",
        "--incremental",
        "--detect-deletes",
        "--part-size",
        "1K",
    ];
    let out = lab.extract_out(&args, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "6")]);
    assert!(!out.status.success(), "the hook kills it");
    let progress = lab
        .subset_dir("store", "default")
        .join("deltas/00001/progress");
    for table in ["customer", "invoice", "line"] {
        let done = progress.join(format!("main.{table}.json"));
        assert!(done.exists(), "the kill left {table} written");
    }
    lab.change(
        "UPDATE customer SET name = 'renamed again', stamp = 250 WHERE id = 2;
         UPDATE invoice SET status = 's4', updated_at = 250 WHERE id = 3;
         UPDATE line SET amount = 0, updated_at = 250 WHERE id = 402;",
    );
    lab.extract(&args, &[]);
    lab.extract(&args, &[]);
    lab.ingest(&target, &[], &[]);
    assert_eq!(target.contents(), lab.fresh("fresh"));
}

/// `--table` (refresh single tables of a complete extract) on a subset with a refresh chain is
/// refused before anything is written: the base's new high-water marks would claim changes of
/// the tables it did not read again, and its new checksum would cut its deltas off. The chain
/// goes on.
#[test]
fn refreshing_one_table_of_a_chain_is_refused() {
    let lab = Lab::new(false).unwrap();
    lab.extract(&CHUNKED, &[]);
    lab.change(CHANGE_1);
    let incremental = [&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat();
    lab.extract(&incremental, &[]);
    let base = lab.subset_dir("store", "default");
    let before = files_below(&base);
    let args = ["--table", "invoice"];
    let err = common::failure(&lab.extract_out(&args, &[]), &args);
    assert!(
        err.contains("--table") && err.contains("[refresh]") && err.contains("--incremental"),
        "{err}"
    );
    assert!(files_below(&base) == before, "nothing written");
    lab.change(CHANGE_2);
    assert_eq!(lab.extract(&incremental, &[])["delta"], 2);
}

/// Masked columns (pseudonyms of a customer's name and of a passthrough table's label) in a
/// chunked base and a delta: the chain ingested ends as a fresh masked extract does, so each
/// value is masked alike in every chunk and every extract.
#[test]
fn a_masked_chunked_chain_ends_as_a_fresh_extract() {
    let lab = Lab::new(false).unwrap();
    let masked = format!(
        "{PLAN}\n[masking.columns]\n\"customer.name\" = \"pseudonym\"\n\
         \"status_code.label\" = \"pseudonym\"\n"
    );
    std::fs::write(lab.ws.path().join("plan.toml"), &masked).unwrap();
    let fresh_plan = format!("name = \"fresh\"\n{masked}");
    std::fs::write(lab.ws.path().join("fresh.toml"), fresh_plan).unwrap();
    let key = [(
        "DBSUB_MASKING_KEY",
        "a key of thirty-two bytes or more, for tests",
    )];
    lab.extract(&CHUNKED, &key);
    let target = lab.target("chain");
    lab.ingest(&target, &[], &[]);
    lab.change(CHANGE_1);
    let incremental = [&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat();
    lab.extract(&incremental, &key);
    lab.ingest(&target, &[], &[]);
    let contents = target.contents();
    // The rows' text values show as their bytes.
    let plain = format!("{:?}", "renamed 2".as_bytes());
    let customers = &contents["CUSTOMER"];
    assert!(customers.len() > 40, "{customers:?}");
    assert!(!customers.iter().any(|r| r.contains(&plain)), "masked");
    let args = [
        "extract",
        "SQLITE",
        "APP",
        "--plan",
        "fresh.toml",
        "--quiet",
    ];
    success(&lab.run(None, &args, &key), &args);
    let fresh = lab.target("fresh");
    lab.ingest(&fresh, &["--subset", "fresh"], &[]);
    assert_eq!(contents, fresh.contents());
}

/// A seed with a composite key whose text part sorts differently as bytes, in the database and
/// as an encoded key ([`common::mixed_code`]), cut into chunks: a delta recognises the held
/// keys read back from the base's chunks, lists the deleted ones, and the chain ingested equals
/// a fresh extract's.
fn a_composite_text_key_in_chunks_and_deltas(lab: &Lab) {
    let schema = "CREATE TABLE lot (site_id INTEGER NOT NULL, code VARCHAR(20) NOT NULL,
                  n INTEGER NOT NULL, label VARCHAR(20) NOT NULL, updated_at INTEGER NOT NULL,
                  PRIMARY KEY (site_id, code));";
    let rows: Vec<String> = (0..150)
        .map(|i| format!("({}, '{}', {i}, 'lot', 100)", i % 3, common::mixed_code(i)))
        .collect();
    lab.change(&format!(
        "{schema} INSERT INTO lot VALUES {};",
        rows.join(", ")
    ));
    let plan = "[[seed]]\ntable = \"lot\"\nwhere = \"n < 140\"\n\n\
                [refresh]\nwatermarks = { \"lot\" = \"updated_at\" }\n";
    std::fs::write(lab.ws.path().join("plan.toml"), plan).unwrap();
    std::fs::write(
        lab.ws.path().join("fresh.toml"),
        format!("name = \"fresh\"\n{plan}"),
    )
    .unwrap();
    lab.extract(&CHUNKED, &[]);
    let target = lab.target("lots");
    target.exec(schema);
    lab.ingest(&target, &[], &[]);
    lab.change(&format!(
        "UPDATE lot SET label = 'changed', updated_at = 200 WHERE n % 9 = 0;
         DELETE FROM lot WHERE code IN ('{}', '{}');
         INSERT INTO lot VALUES (5, 'new', 5, 'new', 200);",
        common::mixed_code(13),
        common::mixed_code(22)
    ));
    let incremental = [&CHUNKED[..], &["--incremental", "--detect-deletes"]].concat();
    let delta = lab.extract(&incremental, &[]);
    let lot = delta["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"].as_str().unwrap().ends_with("lot"))
        .unwrap();
    // 16 rows of n < 140 with n % 9 = 0 updated; the new one; 2 deleted.
    assert_eq!(
        (&lot["rows"], &lot["deletes"]),
        (&17.into(), &2.into()),
        "{delta}"
    );
    lab.ingest(&target, &[], &[]);
    let fresh = lab.target("fresh");
    fresh.exec(schema);
    let args = [
        "extract",
        lab.source.kind(),
        "APP",
        "--plan",
        "fresh.toml",
        "--quiet",
    ];
    success(&lab.run(None, &args, &[]), &args);
    lab.ingest(&fresh, &["--subset", "fresh"], &[]);
    assert_eq!(target.contents(), fresh.contents());
}

#[test]
fn sqlite_a_composite_text_key_in_chunks_and_deltas() {
    a_composite_text_key_in_chunks_and_deltas(&Lab::new(false).unwrap());
}

#[test]
fn postgres_a_composite_text_key_in_chunks_and_deltas() {
    let Some(lab) = Lab::with_source(true, true) else {
        return;
    };
    a_composite_text_key_in_chunks_and_deltas(&lab);
}
