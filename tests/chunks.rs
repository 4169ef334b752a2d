//! Big tables written in chunks (`--chunk-rows`): key ranges of a table read by a scan, `--jobs`
//! of them at once, each resumed on its own after a kill; the parts end byte for byte those of
//! an uninterrupted run, and the rows those of an extract written whole.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{Workspace, files_below, mixed_code, read_extract, stable_manifest, stderr, stdout};
use rusqlite::Connection;
use serde_json::Value as Json;

const SCHEMA: &str = "CREATE TABLE SITE (ID INTEGER PRIMARY KEY, NAME TEXT NOT NULL);
     CREATE TABLE LOT (CODE TEXT PRIMARY KEY, N INTEGER NOT NULL,
                       SITE_ID INTEGER REFERENCES SITE (ID), LABEL TEXT);
     CREATE TABLE NOTE (BODY TEXT, AT INTEGER);";

/// LOT: a seed of text keys whose byte order and SQLite's order disagree with their encoded
/// order, each referencing a SITE; NOTE: a passthrough table without a key (read by rowid).
fn chunks_db(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    for i in 0..20 {
        conn.execute("INSERT INTO SITE VALUES (?1, ?2)", (i, format!("site {i}")))
            .unwrap();
    }
    for i in 0..300usize {
        conn.execute(
            "INSERT INTO LOT VALUES (?1, ?2, ?3, ?4)",
            (
                mixed_code(i),
                i as i64,
                (i % 20) as i64,
                format!("lot {i} {}", "x".repeat(i % 40)),
            ),
        )
        .unwrap();
    }
    for i in 0..120 {
        conn.execute(
            "INSERT INTO NOTE VALUES (?1, ?2)",
            (format!("note {i}"), i % 7),
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

const PLAN: &str = r#"
passthrough = ["NOTE"]

[[seed]]
table = "APP.LOT"
where = "N < 280"
"#;

struct Chunks {
    ws: Workspace,
}

impl Chunks {
    fn new() -> Chunks {
        let ws = Workspace::empty();
        chunks_db(&ws.path().join("app.db"));
        std::fs::write(ws.path().join("plan.toml"), PLAN).unwrap();
        Chunks { ws }
    }

    /// `dbsub extract SQLITE APP --plan plan.toml args` into the store folder `store`.
    fn run(&self, store: &str, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        self.dbsub(store, extra)
            .args(["extract", "SQLITE", "APP", "--plan", "plan.toml"])
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap()
    }

    /// dbsub with the source `app.db`, the store folder `store` and the target `target.db`.
    fn dbsub(&self, store: &str, extra: &[(&str, &str)]) -> assert_cmd::Command {
        let source = format!(
            "sqlite://{}?schema=APP",
            self.ws.path().join("app.db").display()
        );
        let url = format!("file://{}", self.ws.path().join(store).display());
        let target = format!("sqlite://{}", self.ws.path().join("target.db").display());
        let cache = self.ws.path().join("cache").display().to_string();
        let mut vars = vec![
            ("DBSUB_SOURCE_SQLITE_APP", source.as_str()),
            ("DBSUB_STORE_APP", url.as_str()),
            ("DBSUB_TARGET_SQLITE", target.as_str()),
            ("DBSUB_CACHE_DIR", cache.as_str()),
        ];
        vars.extend_from_slice(extra);
        self.ws.dbsub(&vars)
    }

    fn dir(&self, store: &str) -> PathBuf {
        self.ws.path().join(store).join("APP/SQLITE/default")
    }
}

/// The summary's `field` of `table`.
fn table_field(summary: &Json, table: &str, field: &str) -> u64 {
    summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == table)
        .unwrap_or_else(|| panic!("{table} in {summary}"))[field]
        .as_u64()
        .unwrap()
}

fn summary(out: &std::process::Output) -> Json {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_str(&stdout(out)).unwrap()
}

/// Asserts that two stores hold the same files, byte for byte (the manifest aside from its
/// times).
fn same_files(a: &Path, b: &Path, what: &str) {
    let mut a = files_below(a);
    let mut b = files_below(b);
    let (ma, mb) = (
        a.remove("manifest.json").unwrap(),
        b.remove("manifest.json").unwrap(),
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (key, bytes) in &a {
        assert!(*bytes == b[key], "{what}: {key} differs");
    }
    assert_eq!(stable_manifest(&ma), stable_manifest(&mb), "{what}");
}

#[test]
fn a_big_table_is_written_in_chunks_in_parallel_with_the_rows_of_a_whole_extract() {
    let c = Chunks::new();
    let whole = summary(&c.run("whole", &[], &[]));
    assert_eq!(table_field(&whole, "APP.LOT", "chunks"), 1);
    let parallel = summary(&c.run("parallel", &["--chunk-rows", "40", "--jobs", "3"], &[]));
    // 280 seed rows: 6 chunks of 40 and the rest; NOTE's 120 rows by rowid: 3 of 40.
    assert_eq!(table_field(&parallel, "APP.LOT", "rows"), 280);
    assert_eq!(table_field(&parallel, "APP.LOT", "chunks"), 7);
    assert_eq!(table_field(&parallel, "APP.NOTE", "chunks"), 3);
    // SITE is read by key lookups: never cut.
    assert_eq!(table_field(&parallel, "APP.SITE", "chunks"), 1);
    let serial = summary(&c.run("serial", &["--chunk-rows", "40", "--jobs", "1"], &[]));
    assert_eq!(table_field(&serial, "APP.LOT", "chunks"), 7);

    // The chunks' parts, in chunk order, hold the rows of the whole extract in its order.
    assert_eq!(
        read_extract(&c.dir("parallel")),
        read_extract(&c.dir("whole"))
    );
    let manifest = common::manifest(&c.dir("parallel"));
    let lot = manifest.tables.iter().find(|t| t.name == "LOT").unwrap();
    let keys: Vec<&str> = lot.parts.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys[0], "data/APP.LOT/chunk-00000/part-00000.csv.zst");
    assert_eq!(keys[6], "data/APP.LOT/chunk-00006/part-00000.csv.zst");
    assert!(
        !c.dir("parallel").join("progress").exists(),
        "the manifest replaces every chunk's progress record"
    );
    // Three jobs or one: the same parts, byte for byte.
    same_files(
        &c.dir("parallel"),
        &c.dir("serial"),
        "--jobs 3 and --jobs 1",
    );

    // Ingest reads a chunked extract as any other: the seed's rows, all of NOTE.
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
    let lots = "SELECT CODE, N FROM LOT WHERE N < 280 ORDER BY N";
    let notes = "SELECT BODY, count(*) FROM NOTE GROUP BY BODY ORDER BY 1";
    assert_eq!(rows(&target, lots), rows(&source, lots), "the seed's rows");
    assert_eq!(
        rows(&target, notes),
        rows(&source, notes),
        "every NOTE, once"
    );
    let all = rows(&target, "SELECT 'all', count(*) FROM LOT");
    assert_eq!(all, [("all".to_string(), 280)]);
}

/// The parts the progress records of an interrupted extract list as written.
fn recorded_parts(dir: &Path) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    for path in common::walk(&dir.join("progress")) {
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

#[test]
fn a_killed_chunked_extract_resumes_per_chunk_and_ends_identical_to_a_clean_one() {
    let c = Chunks::new();
    let args = ["--chunk-rows", "40", "--jobs", "2", "--part-size", "1K"];
    let clean = summary(&c.run("clean", &args, &[]));
    assert!(
        table_field(&clean, "APP.LOT", "parts") >= 14,
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
        // Mark every recorded part: a resume must keep them, not write them again.
        let recorded = recorded_parts(&dir);
        assert!(
            recorded.iter().any(|(_, complete)| *complete),
            "killed after {after} parts: a chunk was finished"
        );
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for (key, _) in &recorded {
            let file = std::fs::File::options()
                .append(true)
                .open(dir.join(key))
                .unwrap();
            file.set_modified(old).unwrap();
        }
        let resumed = summary(&c.run(&store, &args, &[]));
        let kept: u64 = ["APP.LOT", "APP.NOTE", "APP.SITE"]
            .iter()
            .map(|t| table_field(&resumed, t, "kept_parts"))
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
