//! Shared helpers for the CLI tests: a demo database per test, a clean environment, golden
//! files.

#![allow(dead_code)]

pub mod pg;
pub mod s3;
pub mod service;
pub mod target;
pub mod xml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dbsub::archive::csv::{CsvReader, Record};
use dbsub::archive::manifest::Manifest;

/// A temporary working folder with a small demo database in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// An empty working folder.
    pub fn empty() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A working folder with `demo.db` at scale 0.01 (the schema is what the tests read).
    pub fn with_demo() -> Workspace {
        let ws = Workspace::empty();
        dbsub::demo_data::build_demo_database(&ws.demo_db(), 0.01).expect("demo database");
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn demo_db(&self) -> PathBuf {
        self.path().join("demo.db")
    }

    /// `DBSUB_STRUCT_URL` for the demo database.
    pub fn demo_url(&self) -> String {
        format!("sqlite://{}?schema=THE", self.demo_db().display())
    }

    /// dbsub, run in this folder with no DBSUB_* variables but the given ones.
    pub fn dbsub(&self, vars: &[(&str, &str)]) -> Command {
        Command::from_std(self.dbsub_process(vars))
    }

    /// [`Workspace::dbsub`] as a plain command, to spawn and signal.
    pub fn dbsub_process(&self, vars: &[(&str, &str)]) -> std::process::Command {
        let bin = Command::cargo_bin("dbsub").expect("dbsub binary");
        let mut cmd = std::process::Command::new(bin.get_program());
        cmd.current_dir(self.path()).env_clear();
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// A catalog snapshot of the demo with a copy of SEEDLOT in schema ARCHIVE (so that
    /// `seedlot` names two tables); its path.
    pub fn two_schema_snapshot(&self) -> PathBuf {
        let url = dbsub::backend::parse_url(&self.demo_url()).unwrap();
        let mut catalog = dbsub::backend::catalog_reader(&url)
            .unwrap()
            .read_catalog(&[])
            .unwrap();
        let mut copy = catalog.table("THE", "SEEDLOT").unwrap().clone();
        copy.schema = "ARCHIVE".into();
        copy.foreign_keys.clear();
        catalog.tables.push(copy);
        let snapshot = self.path().join("two-schemas.json");
        dbsub::catalog::snapshot::write(&catalog, &snapshot).unwrap();
        snapshot
    }

    /// dbsub with the demo database as the structural database.
    pub fn dbsub_demo(&self) -> Command {
        self.dbsub(&[("DBSUB_STRUCT_URL", &self.demo_url())])
    }
}

/// Where the tests write Oracle statements for `.ci/run`'s grammar check (docs/oracle.md,
/// "Tests"): `$DBSUB_ORACLE_SQL_DIR/migrations`, default `target/oracle-sql/migrations`. Each
/// test writes its own subfolders.
pub fn oracle_migrations_dir() -> PathBuf {
    match std::env::var_os("DBSUB_ORACLE_SQL_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle-sql"),
    }
    .join("migrations")
}

/// Compares `actual` with `tests/golden/<name>`; with `DBSUB_UPDATE_GOLDEN=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("DBSUB_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing: run with DBSUB_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {} (DBSUB_UPDATE_GOLDEN=1 updates it after review)",
        path.display()
    );
}

/// The stdout of a dbsub run with `args` that had to succeed; panics with both outputs when it
/// failed.
pub fn success(out: &std::process::Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "dbsub {args:?} failed:\n{}\n{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// The stderr of a dbsub run with `args` that had to fail; panics with its stdout when it
/// succeeded.
pub fn failure(out: &std::process::Output, args: &[&str]) -> String {
    assert!(
        !out.status.success(),
        "dbsub {args:?} should have failed:\n{}",
        stdout(out)
    );
    stderr(out)
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

/// Every file below `dir`, in no particular order.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every file below `dir` with its bytes, by its path relative to `dir`.
pub fn files_below(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&path).unwrap();
            (relative, bytes)
        })
        .collect()
}

/// The manifest of the extract in `dir`.
pub fn manifest(dir: &Path) -> Manifest {
    Manifest::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The bytes of a part file (zstd).
pub fn decompressed(path: &Path) -> Vec<u8> {
    zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap()
}

/// Every row of every table of an extract, by table name: the header, and each row's fields as
/// (text, quoted).
pub type ExtractRows = BTreeMap<String, (Vec<String>, Vec<Vec<(String, bool)>>)>;

/// The extract in `dir`, read part by part as its manifest lists them; panics when a part or a
/// table does not hold as many rows as the manifest says.
pub fn read_extract(dir: &Path) -> ExtractRows {
    let manifest = manifest(dir);
    let mut out = ExtractRows::new();
    for t in &manifest.tables {
        let mut header = Vec::new();
        let mut rows = Vec::new();
        for part in &t.parts {
            let text = decompressed(&dir.join(&part.key));
            let mut reader = CsvReader::new(&text[..]);
            let mut record = Record::new();
            let mut first = true;
            let mut n = 0;
            while reader.read_record(&mut record).unwrap() {
                let fields: Vec<(String, bool)> = record
                    .iter()
                    .map(|(f, q)| (String::from_utf8(f.to_vec()).unwrap(), q))
                    .collect();
                if first {
                    header = fields.into_iter().map(|(f, _)| f).collect();
                    first = false;
                } else {
                    rows.push(fields);
                    n += 1;
                }
            }
            assert_eq!(n, part.rows, "{}", part.key);
        }
        assert_eq!(rows.len() as u64, t.rows, "{}", t.name);
        out.insert(t.name.clone(), (header, rows));
    }
    out
}

/// The manifest without what differs between any two runs.
pub fn stable_manifest(bytes: &[u8]) -> serde_json::Value {
    let mut m: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    m["created_at"] = serde_json::Value::Null;
    m["snapshot"] = serde_json::Value::Null;
    // Covers the two above.
    m["checksum"] = serde_json::Value::Null;
    m
}

/// Asserts that two stores hold the same files, byte for byte (the manifest aside from its
/// times).
pub fn same_files(a: &Path, b: &Path, what: &str) {
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

/// A key of text whose byte order and whose order as an encoded key (length first) disagree,
/// for row `i`: numbers of several lengths (`6872`, `40438`), letters (`M`, `BV`), mixtures.
pub fn mixed_code(i: usize) -> String {
    let letters = |mut n: usize| {
        let mut s = String::new();
        loop {
            s.insert(0, (b'A' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return s;
            }
        }
    };
    match i % 4 {
        0 => ((i * 7919) % 99991).to_string(),
        1 => letters(i / 4 * 7),
        2 => format!("{}x{i}", i % 7),
        _ => format!("0{i}"),
    }
}

/// An extract into a store folder of the workspace, with extra variables.
pub type ExtractInto<'a> = dyn Fn(&str, &[(&str, &str)]) -> std::process::Output + 'a;

/// Extracts cleanly into the store folder `clean`, then kills extracts after a few parts (in
/// the largest table, written first, and in the last table) and resumes each, asserting that
/// every resumed store holds exactly the clean run's files (the manifest aside from its times).
/// `subset_dir` is where a store folder holds the subset.
pub fn resumed_equals_clean(run: &ExtractInto, subset_dir: &dyn Fn(&str) -> PathBuf) {
    let out = run("clean", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut clean = files_below(&subset_dir("clean"));
    let clean_manifest = clean.remove("manifest.json").unwrap();
    assert!(clean.len() > 15, "several parts per table: {}", clean.len());
    // Parts are recorded one by one, table after table: the last ones are the last table's.
    for after in [3, clean.len() - 2].map(|n| n.to_string()) {
        let store = format!("killed-{after}");
        let killed = run(&store, &[("DBSUB_TEST_ABORT_AFTER_PARTS", &after)]);
        assert!(!killed.status.success(), "the hook kills the process");
        let resumed = run(&store, &[]);
        assert!(resumed.status.success(), "{}", stderr(&resumed));
        let mut got = files_below(&subset_dir(&store));
        let manifest = got.remove("manifest.json").unwrap();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            clean.keys().collect::<Vec<_>>(),
            "killed after {after} parts"
        );
        for (key, bytes) in &got {
            assert!(
                *bytes == clean[key],
                "killed after {after} parts: {key} differs from the clean run's"
            );
        }
        assert_eq!(stable_manifest(&manifest), stable_manifest(&clean_manifest));
    }
}

/// Every row of every table of a SQLite database but dbsub's own tables, each row as the
/// `Debug` form of its values joined by `|`, sorted, by upper-case table name: the whole
/// state, to compare two databases.
pub fn sqlite_contents(path: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE \
             'dbsub%' AND name NOT LIKE 'sqlite%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (t.to_uppercase(), rows)
        })
        .collect()
}
