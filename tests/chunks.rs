//! Big tables written in chunks (`--chunk-rows`): key ranges of a table read by a scan, `--jobs`
//! of them at once, each resumed on its own after a kill; the parts end byte for byte those of
//! an uninterrupted run, and the rows those of an extract written whole. On SQLite and
//! PostgreSQL.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{Workspace, mixed_code, pg, read_extract, same_files, stderr, stdout};
use rusqlite::Connection;
use serde_json::Value as Json;

/// site; lot: a seed with a composite key (site, code), whose text codes sort differently as
/// bytes, in the database and as encoded keys; note: a passthrough table without a key (read
/// by its row locator).
const SCHEMA: &str = "CREATE TABLE site (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
     CREATE TABLE lot (site_id INTEGER NOT NULL REFERENCES site (id), code TEXT NOT NULL,
                       n INTEGER NOT NULL, label TEXT, PRIMARY KEY (site_id, code));
     CREATE TABLE note (body TEXT, at INTEGER);";

/// A value of [`rows`].
enum V {
    I(i32),
    T(String),
}

/// The rows of the three tables: the table and the values of each row.
fn rows() -> Vec<(&'static str, Vec<V>)> {
    let mut rows = Vec::new();
    for i in 0..5 {
        rows.push(("site", vec![V::I(i), V::T(format!("site {i}"))]));
    }
    for i in 0..300usize {
        let label = format!("lot {i} {}", "x".repeat(i % 40));
        let n = i as i32;
        let values = vec![V::I(n % 5), V::T(mixed_code(i)), V::I(n), V::T(label)];
        rows.push(("lot", values));
    }
    for i in 0..120 {
        rows.push(("note", vec![V::T(format!("note {i}")), V::I(i % 7)]));
    }
    rows
}

const PLAN: &str = r#"
passthrough = ["note"]

[[seed]]
table = "lot"
where = "n < 280"
"#;

/// A source database with [`SCHEMA`] and [`rows`], a plan, and the stores extracts write.
struct Chunks {
    ws: Workspace,
    /// `SQLITE` or `PG`.
    kind: &'static str,
    source: String,
    /// The schema the tables are in, as the summary names them.
    schema: &'static str,
}

impl Chunks {
    fn sqlite() -> Chunks {
        let ws = Workspace::empty();
        let path = ws.path().join("app.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        for (table, values) in rows() {
            let marks = vec!["?"; values.len()].join(", ");
            let values = values.into_iter().map(|v| match v {
                V::I(i) => rusqlite::types::Value::Integer(i.into()),
                V::T(t) => rusqlite::types::Value::Text(t),
            });
            let sql = format!("INSERT INTO {table} VALUES ({marks})");
            conn.execute(&sql, rusqlite::params_from_iter(values))
                .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        let source = format!("sqlite://{}?schema=APP", path.display());
        Chunks::new(ws, "SQLITE", source, "APP", PLAN)
    }

    fn postgres(pg: &pg::PgCluster) -> Chunks {
        let source = pg.create_database("chunks");
        let mut client = pg::connect(&source);
        client.batch_execute(SCHEMA).unwrap();
        let mut tx = client.transaction().unwrap();
        for (table, values) in rows() {
            let marks: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
                .iter()
                .map(|v| match v {
                    V::I(i) => i as _,
                    V::T(t) => t as _,
                })
                .collect();
            let sql = format!("INSERT INTO {table} VALUES ({})", marks.join(", "));
            tx.execute(sql.as_str(), &params).unwrap();
        }
        tx.commit().unwrap();
        Chunks::new(Workspace::empty(), "PG", source, "public", PLAN)
    }

    /// Extracts of `plan` from `source`, a `kind` database whose tables are in `schema`.
    fn new(
        ws: Workspace,
        kind: &'static str,
        source: String,
        schema: &'static str,
        plan: &str,
    ) -> Chunks {
        std::fs::write(ws.path().join("plan.toml"), plan).unwrap();
        Chunks {
            ws,
            kind,
            source,
            schema,
        }
    }

    /// `dbsub extract KIND APP --plan plan.toml args --format json` into the store folder
    /// `store`.
    fn run(&self, store: &str, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        self.dbsub(store, extra)
            .args(["extract", self.kind, "APP", "--plan", "plan.toml"])
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap()
    }

    /// dbsub with the source, the store folder `store` and the SQLite target `target.db`.
    fn dbsub(&self, store: &str, extra: &[(&str, &str)]) -> assert_cmd::Command {
        let source_var = format!("DBSUB_SOURCE_{}_APP", self.kind);
        let url = format!("file://{}", self.ws.path().join(store).display());
        let target = format!("sqlite://{}", self.ws.path().join("target.db").display());
        let cache = self.ws.path().join("cache").display().to_string();
        let mut vars = vec![
            (source_var.as_str(), self.source.as_str()),
            ("DBSUB_STORE_APP", url.as_str()),
            ("DBSUB_TARGET_SQLITE", target.as_str()),
            ("DBSUB_CACHE_DIR", cache.as_str()),
        ];
        vars.extend_from_slice(extra);
        self.ws.dbsub(&vars)
    }

    fn dir(&self, store: &str) -> PathBuf {
        self.ws
            .path()
            .join(store)
            .join("APP")
            .join(self.kind)
            .join("default")
    }

    /// The summary's `field` of table `name`.
    fn field(&self, summary: &Json, name: &str, field: &str) -> u64 {
        let table = format!("{}.{name}", self.schema);
        summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table.as_str())
            .unwrap_or_else(|| panic!("{table} in {summary}"))[field]
            .as_u64()
            .unwrap()
    }
}

fn summary(out: &std::process::Output) -> Json {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_str(&stdout(out)).unwrap()
}

/// Extracts whole, in chunks with three jobs and with one: the chunks' parts are the same
/// with any number of jobs, and hold the rows of the whole extract in its order.
fn chunks_hold_the_rows_of_a_whole_extract(c: &Chunks) {
    let whole = summary(&c.run("whole", &[], &[]));
    assert_eq!(c.field(&whole, "lot", "chunks"), 1);
    let parallel = summary(&c.run("parallel", &["--chunk-rows", "40", "--jobs", "3"], &[]));
    // 280 seed rows: 6 chunks of 40 and the rest; note's 120 rows by locator: 3 of 40.
    assert_eq!(c.field(&parallel, "lot", "rows"), 280);
    assert_eq!(c.field(&parallel, "lot", "chunks"), 7);
    assert_eq!(c.field(&parallel, "note", "chunks"), 3);
    // site is read by key lookups: never cut.
    assert_eq!(c.field(&parallel, "site", "chunks"), 1);
    let serial = summary(&c.run("serial", &["--chunk-rows", "40", "--jobs", "1"], &[]));
    assert_eq!(c.field(&serial, "lot", "chunks"), 7);

    assert_eq!(
        read_extract(&c.dir("parallel")),
        read_extract(&c.dir("whole")),
        "the chunks' parts, in chunk order, hold the whole extract's rows in its order"
    );
    let manifest = common::manifest(&c.dir("parallel"));
    let lot = manifest.tables.iter().find(|t| t.name == "lot").unwrap();
    let keys: Vec<&str> = lot.parts.iter().map(|p| p.key.as_str()).collect();
    let folder = format!("data/{}.lot", c.schema);
    assert_eq!(keys[0], format!("{folder}/chunk-00000/part-00000.csv.zst"));
    assert_eq!(keys[6], format!("{folder}/chunk-00006/part-00000.csv.zst"));
    assert!(
        !c.dir("parallel").join("progress").exists(),
        "the manifest replaces every chunk's progress record"
    );
    same_files(
        &c.dir("parallel"),
        &c.dir("serial"),
        "--jobs 3 and --jobs 1",
    );
}

/// The parts the progress records of an interrupted extract list as written, and whether
/// their table or chunk was finished.
fn recorded_parts(dir: &Path) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    for path in common::walk(&dir.join("progress")) {
        // A record being written when the kill came is still under its staging name
        // (`chunk-00001.json#3`, possibly empty): the store never reads it.
        if path.to_string_lossy().contains('#') {
            continue;
        }
        let progress: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let listed = progress["parts"].as_array().unwrap();
        let rows: u64 = listed.iter().map(|p| p["rows"].as_u64().unwrap()).sum();
        let complete = rows == progress["rows"].as_u64().unwrap();
        for p in listed {
            parts.push((p["key"].as_str().unwrap().to_string(), complete));
        }
    }
    parts
}

/// Kills chunked extracts after a few parts and resumes them: every part recorded before the
/// kill is kept, not written again (finished chunks included), and the store ends holding
/// exactly the parts of an uninterrupted run.
fn a_killed_extract_resumes_per_chunk(c: &Chunks) {
    let args = ["--chunk-rows", "40", "--jobs", "2", "--part-size", "1K"];
    let clean = summary(&c.run("clean", &args, &[]));
    assert!(
        c.field(&clean, "lot", "parts") >= 14,
        "at least two parts per chunk: {clean}"
    );
    for after in ["6", "15"] {
        let store = format!("killed-{after}");
        let killed = c.run(&store, &args, &[("DBSUB_TEST_ABORT_AFTER_PARTS", after)]);
        assert!(!killed.status.success(), "the hook kills the process");
        let dir = c.dir(&store);
        assert!(
            !dir.join("manifest.json").exists(),
            "no manifest after a kill"
        );
        // With two jobs and two parts or more per chunk, six parts finish a chunk.
        let recorded = recorded_parts(&dir);
        assert!(
            recorded
                .iter()
                .any(|(key, complete)| *complete && key.contains("/chunk-")),
            "killed after {after} parts: a chunk was finished"
        );
        // Dated far back: a part written again would have a new date.
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for (key, _) in &recorded {
            let file = std::fs::File::options()
                .append(true)
                .open(dir.join(key))
                .unwrap();
            file.set_modified(old).unwrap();
        }
        let resumed = summary(&c.run(&store, &args, &[]));
        let kept: u64 = ["lot", "note", "site"]
            .iter()
            .map(|t| c.field(&resumed, t, "kept_parts"))
            .sum();
        assert_eq!(
            kept,
            recorded.len() as u64,
            "killed after {after}: {resumed}"
        );
        for (key, _) in &recorded {
            let modified = std::fs::metadata(dir.join(key))
                .unwrap()
                .modified()
                .unwrap();
            assert_eq!(
                modified, old,
                "killed after {after}: {key} was written again"
            );
        }
        same_files(
            &dir,
            &c.dir("clean"),
            &format!("killed after {after} parts"),
        );
    }
}

#[test]
fn sqlite_a_big_table_is_written_in_chunks_with_the_rows_of_a_whole_extract() {
    let c = Chunks::sqlite();
    chunks_hold_the_rows_of_a_whole_extract(&c);

    // Ingest reads a chunked extract as any other: the seed's rows, all of note, once each.
    let target = c.ws.path().join("target.db");
    Connection::open(&target)
        .unwrap()
        .execute_batch(SCHEMA)
        .unwrap();
    let ingest = c
        .dbsub("parallel", &[])
        .args(["ingest", "SQLITE", "APP"])
        .output()
        .unwrap();
    assert!(ingest.status.success(), "{}", stderr(&ingest));
    let rows = |db: &Path, sql: &str| -> Vec<(String, i64)> {
        let conn = Connection::open(db).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let source = c.ws.path().join("app.db");
    let lots = "SELECT code, n FROM lot WHERE n < 280 ORDER BY n";
    let notes = "SELECT body, count(*) FROM note GROUP BY body ORDER BY 1";
    assert_eq!(rows(&target, lots), rows(&source, lots), "the seed's rows");
    assert_eq!(
        rows(&target, notes),
        rows(&source, notes),
        "every note, once"
    );
    let all = rows(&target, "SELECT 'all', count(*) FROM lot");
    assert_eq!(all, [("all".to_string(), 280)]);
}

#[test]
fn sqlite_a_killed_chunked_extract_resumes_per_chunk_and_ends_identical_to_a_clean_one() {
    a_killed_extract_resumes_per_chunk(&Chunks::sqlite());
}

#[test]
fn postgres_a_big_table_is_written_in_chunks_with_the_rows_of_a_whole_extract() {
    let Some(pg) = pg::cluster() else { return };
    chunks_hold_the_rows_of_a_whole_extract(&Chunks::postgres(pg));
}

#[test]
fn postgres_a_killed_chunked_extract_resumes_per_chunk_and_ends_identical_to_a_clean_one() {
    let Some(pg) = pg::cluster() else { return };
    a_killed_extract_resumes_per_chunk(&Chunks::postgres(pg));
}

#[test]
fn postgres_a_big_partitioned_table_is_cut_by_its_partitions() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("chunks_partitioned");
    let mut client = pg::connect(&source);
    client
        .batch_execute(
            "CREATE TABLE reading (site integer NOT NULL, at integer NOT NULL, v text,
                 PRIMARY KEY (site, at)) PARTITION BY RANGE (at);
             CREATE TABLE reading_a PARTITION OF reading FOR VALUES FROM (0) TO (100);
             CREATE TABLE \"Reading B\" PARTITION OF reading FOR VALUES FROM (100) TO (200);
             CREATE TABLE reading_c PARTITION OF reading FOR VALUES FROM (200) TO (300);
             INSERT INTO reading SELECT i % 3, i, repeat('v', i % 30) FROM generate_series(0, 299) i;",
        )
        .unwrap();
    let plan =
        "[[seed]]\ntable = \"reading\"\nwhere = \"at >= :from\"\n\n[params]\nfrom = \"50\"\n";
    let c = Chunks::new(Workspace::empty(), "PG", source, "public", plan);
    let args = ["--chunk-rows", "40", "--part-size", "1K"];
    let whole = summary(&c.run("whole", &["--part-size", "1K"], &[]));
    assert_eq!(c.field(&whole, "reading", "chunks"), 1);
    let parallel = summary(&c.run("parallel", &[&args[..], &["--jobs", "3"]].concat(), &[]));
    // 250 rows: 50 in reading_a, 100 in "Reading B", 100 in reading_c: a chunk each.
    assert_eq!(c.field(&parallel, "reading", "rows"), 250);
    assert_eq!(c.field(&parallel, "reading", "chunks"), 3);
    let serial = summary(&c.run("serial", &[&args[..], &["--jobs", "1"]].concat(), &[]));
    assert_eq!(c.field(&serial, "reading", "chunks"), 3);
    same_files(
        &c.dir("parallel"),
        &c.dir("serial"),
        "--jobs 3 and --jobs 1",
    );
    let manifest = common::manifest(&c.dir("parallel"));
    let chunk_rows: Vec<u64> = (0..3)
        .map(|n| {
            let folder = format!("data/public.reading/chunk-{n:05}/");
            let parts = manifest.tables[0].parts.iter();
            parts
                .filter(|p| p.key.starts_with(&folder))
                .map(|p| p.rows)
                .sum()
        })
        .collect();
    assert_eq!(
        chunk_rows,
        [100, 50, 100],
        "in the byte order of the partitions' names: `Reading B` first"
    );

    // The same rows as the whole extract, each once (a partition's rows in key order).
    let sorted = |store: &str| {
        let mut rows = read_extract(&c.dir(store)).remove("reading").unwrap().1;
        rows.sort();
        rows
    };
    assert_eq!(sorted("parallel"), sorted("whole"));

    // Killed after a partition's parts and resumed: the parts of an uninterrupted run.
    let killed = c.run(
        "killed",
        &[&args[..], &["--jobs", "1"]].concat(),
        &[("DBSUB_TEST_ABORT_AFTER_PARTS", "4")],
    );
    assert!(!killed.status.success(), "the hook kills the process");
    let resumed = summary(&c.run("killed", &[&args[..], &["--jobs", "1"]].concat(), &[]));
    assert_eq!(c.field(&resumed, "reading", "kept_parts"), 4, "{resumed}");
    same_files(&c.dir("killed"), &c.dir("serial"), "killed and resumed");
}

#[test]
fn a_resume_that_cuts_the_table_otherwise_starts_its_chunks_over_and_leaves_no_stale_part() {
    let c = Chunks::sqlite();
    let first = ["--chunk-rows", "40", "--jobs", "1", "--part-size", "1K"];
    for (store, then) in [("to-60", "60"), ("to-whole", "1000")] {
        let killed = c.run(store, &first, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "13")]);
        assert!(!killed.status.success(), "the hook kills the process");
        let args = ["--chunk-rows", then, "--jobs", "1", "--part-size", "1K"];
        let resumed = summary(&c.run(store, &args, &[]));
        assert_eq!(
            c.field(&resumed, "lot", "kept_parts"),
            0,
            "another cut keeps no chunk: {resumed}"
        );
        let clean = format!("clean-{then}");
        summary(&c.run(&clean, &args, &[]));
        same_files(
            &c.dir(store),
            &c.dir(&clean),
            &format!("40 rows, then {then}"),
        );
    }
}

#[test]
fn masked_keys_that_collide_in_two_chunks_fail_as_in_one() {
    // code is unique and masked by pseudonyms, which keep one digit and a non-zero leading
    // digit: ten codes 0–9 have nine pseudonyms, so two collide — here in two chunks, each
    // row being a chunk of its own.
    let ws = Workspace::empty();
    let path = ws.path().join("app.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, code INTEGER NOT NULL UNIQUE);
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
             INSERT INTO tag SELECT i + 1, i FROM n;",
        )
        .unwrap();
    let plan = "[[seed]]\ntable = \"tag\"\n\n[masking.columns]\n\"tag.code\" = \"pseudonym\"\n";
    let key = [("DBSUB_MASKING_KEY", "0123456789abcdef0123456789abcdef")];
    let source = format!("sqlite://{}?schema=APP", path.display());
    let c = Chunks::new(ws, "SQLITE", source, "APP", plan);
    let out = c.run("store", &["--chunk-rows", "1", "--jobs", "2"], &key);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("masking made two different keys equal"),
        "{}",
        stderr(&out)
    );
}
