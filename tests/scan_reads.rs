//! Rows read by one scan kept by the closure's keys (`--scan-share`), rather than by key
//! lookups: the parents the closure reads by scanning their key columns, and the tables whose
//! selected rows are a large share of them. On SQLite and PostgreSQL, over a schema with a
//! text key that sorts otherwise as bytes, a parent referenced by two foreign keys, a foreign
//! key to a unique key that is not the primary key, a self-reference, text and binary values
//! over 4,000 bytes, and a children table without a key (read by its row locator):
//!
//! - a scan and lookups select and write the same rows;
//! - the default share decides by the source's estimate;
//! - a killed scan resumes to the parts of an uninterrupted run, and a resume under another
//!   share starts the table over.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{Workspace, mixed_code, pg, read_extract, same_files, stderr, stdout};
use serde_json::Value as Json;

const CODES: usize = 6000;
const SITES: usize = 300;
const DOCS: usize = 1500;
const LOTS: usize = 7000;
const NOTES: usize = 8000;

/// The schema; `{BLOB}` is the binary type.
const SCHEMA: &str = "CREATE TABLE code (code TEXT PRIMARY KEY, label TEXT NOT NULL);
     CREATE TABLE site (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES site (id),
                        name TEXT NOT NULL);
     CREATE TABLE doc (id INTEGER PRIMARY KEY, ref_code TEXT NOT NULL UNIQUE, body TEXT,
                       image {BLOB});
     CREATE TABLE lot (id INTEGER PRIMARY KEY, n INTEGER NOT NULL,
                       site_id INTEGER REFERENCES site (id),
                       origin TEXT NOT NULL REFERENCES code (code),
                       dest TEXT REFERENCES code (code),
                       doc_ref TEXT REFERENCES doc (ref_code));
     CREATE TABLE note (lot_id INTEGER REFERENCES lot (id), body TEXT);";

/// The seed: 6,500 of the 7,000 lots, their parents, and the notes of those lots.
const PLAN: &str = r#"
[[seed]]
table = "lot"
where = "n < 6500"

[[children.edge]]
table = "note"
"#;

/// A value of [`rows`].
enum V {
    I(i64),
    T(String),
    B(Vec<u8>),
    Null,
}

/// The rows of every table, parents first.
fn rows() -> Vec<(&'static str, Vec<Vec<V>>)> {
    let codes = (0..CODES)
        .map(|i| vec![V::T(mixed_code(i)), V::T(format!("code {i}"))])
        .collect();
    let sites = (0..SITES as i64)
        .map(|i| {
            let parent = if i == 0 { V::Null } else { V::I(i / 2) };
            vec![V::I(i), parent, V::T(format!("site {i}"))]
        })
        .collect();
    let docs = (0..DOCS)
        .map(|i| {
            // Every 50th document is over 4,000 bytes of text and of binary.
            let big = i % 50 == 0;
            let body = if big {
                format!("{i} {}", "ü".repeat(2600))
            } else {
                format!("doc {i}")
            };
            let image = if big {
                V::B((0..5000).map(|b| ((b * 7 + i) % 256) as u8).collect())
            } else {
                V::Null
            };
            vec![V::I(i as i64), V::T(format!("R{i}")), V::T(body), image]
        })
        .collect();
    let lots = (0..LOTS)
        .map(|i| {
            let dest = if i % 10 == 0 {
                V::Null
            } else {
                V::T(mixed_code((i * 3) % CODES))
            };
            vec![
                V::I(i as i64),
                V::I(i as i64),
                V::I(((i * 7) % SITES) as i64),
                V::T(mixed_code(i % CODES)),
                dest,
                V::T(format!("R{}", (i * 11) % DOCS)),
            ]
        })
        .collect();
    let notes = (0..NOTES)
        .map(|i| {
            let lot = if i % 13 == 0 {
                V::Null
            } else {
                V::I((i % LOTS) as i64)
            };
            vec![lot, V::T(format!("note {i}"))]
        })
        .collect();
    vec![
        ("code", codes),
        ("site", sites),
        ("doc", docs),
        ("lot", lots),
        ("note", notes),
    ]
}

/// A source holding [`rows`], and the stores extracts write.
struct Lab {
    ws: Workspace,
    /// `SQLITE` or `PG`.
    kind: &'static str,
    source: String,
    /// The schema the tables are in, as the summary names them.
    schema: &'static str,
}

impl Lab {
    fn sqlite() -> Lab {
        let ws = Workspace::empty();
        let path = ws.path().join("app.db");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&SCHEMA.replace("{BLOB}", "BLOB"))
            .unwrap();
        let tx = conn.transaction().unwrap();
        for (table, rows) in rows() {
            let marks = vec!["?"; rows[0].len()].join(", ");
            let mut insert = tx
                .prepare(&format!("INSERT INTO {table} VALUES ({marks})"))
                .unwrap();
            for row in rows {
                let values = row.into_iter().map(|v| match v {
                    V::I(i) => rusqlite::types::Value::Integer(i),
                    V::T(t) => rusqlite::types::Value::Text(t),
                    V::B(b) => rusqlite::types::Value::Blob(b),
                    V::Null => rusqlite::types::Value::Null,
                });
                insert.execute(rusqlite::params_from_iter(values)).unwrap();
            }
        }
        tx.commit().unwrap();
        let source = format!("sqlite://{}?schema=APP", path.display());
        Lab::new(ws, "SQLITE", source, "APP")
    }

    /// `analyse`: whether the tables are analysed, so that the source has estimates.
    fn postgres(pg: &pg::PgCluster, analyse: bool) -> Lab {
        let source = pg.create_database("scan_reads");
        let mut client = pg::connect(&source);
        client
            .batch_execute(&SCHEMA.replace("{BLOB}", "bytea"))
            .unwrap();
        let mut tx = client.transaction().unwrap();
        for (table, rows) in rows() {
            let marks: Vec<String> = (1..=rows[0].len()).map(|i| format!("${i}")).collect();
            let sql = format!("INSERT INTO {table} VALUES ({})", marks.join(", "));
            let insert = tx.prepare(&sql).unwrap();
            let types = insert.params().to_vec();
            for row in rows {
                let owned: Vec<Box<dyn postgres::types::ToSql + Sync>> = row
                    .into_iter()
                    .zip(&types)
                    .map(|(v, ty)| -> Box<dyn postgres::types::ToSql + Sync> {
                        match v {
                            V::I(i) if *ty == postgres::types::Type::INT4 => Box::new(i as i32),
                            V::I(i) => Box::new(i),
                            V::T(t) => Box::new(t),
                            V::B(b) => Box::new(b),
                            V::Null if *ty == postgres::types::Type::INT4 => Box::new(None::<i32>),
                            V::Null if *ty == postgres::types::Type::BYTEA => {
                                Box::new(None::<Vec<u8>>)
                            }
                            V::Null => Box::new(None::<String>),
                        }
                    })
                    .collect();
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|b| b.as_ref()).collect();
                tx.execute(&insert, &params).unwrap();
            }
        }
        tx.commit().unwrap();
        if analyse {
            client.batch_execute("ANALYZE").unwrap();
        }
        Lab::new(Workspace::empty(), "PG", source, "public")
    }

    fn new(ws: Workspace, kind: &'static str, source: String, schema: &'static str) -> Lab {
        std::fs::write(ws.path().join("plan.toml"), PLAN).unwrap();
        Lab {
            ws,
            kind,
            source,
            schema,
        }
    }

    /// `dbsub extract KIND APP --plan plan.toml --format json args` into the store folder
    /// `store`, with `extra` variables.
    fn run(&self, store: &str, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        let source_var = format!("DBSUB_SOURCE_{}_APP", self.kind);
        let url = format!("file://{}", self.ws.path().join(store).display());
        let cache = self.ws.path().join("cache").display().to_string();
        let mut vars = vec![
            (source_var.as_str(), self.source.as_str()),
            ("DBSUB_STORE_APP", url.as_str()),
            ("DBSUB_CACHE_DIR", cache.as_str()),
        ];
        vars.extend_from_slice(extra);
        self.ws
            .dbsub(&vars)
            .args(["extract", self.kind, "APP", "--plan", "plan.toml"])
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap()
    }

    /// The summary of a successful extract.
    fn extract(&self, store: &str, args: &[&str]) -> Json {
        let out = self.run(store, args, &[]);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }

    fn dir(&self, store: &str) -> PathBuf {
        self.ws
            .path()
            .join(store)
            .join("APP")
            .join(self.kind)
            .join("default")
    }

    /// How the summary says each table was read.
    fn reads(&self, summary: &Json) -> BTreeMap<String, String> {
        summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let name = t["table"].as_str().unwrap();
                let name = name.strip_prefix(&format!("{}.", self.schema)).unwrap();
                (name.to_string(), t["read"].as_str().unwrap().to_string())
            })
            .collect()
    }

    /// The rows of each table of the extract in `store`, sorted: the same rows in any order.
    fn rows(&self, store: &str) -> BTreeMap<String, Vec<Vec<(String, bool)>>> {
        read_extract(&self.dir(store))
            .into_iter()
            .map(|(table, (_, mut rows))| {
                rows.sort();
                (table, rows)
            })
            .collect()
    }
}

fn reads(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(t, r)| (t.to_string(), r.to_string()))
        .collect()
}

/// Every keyed read as a scan (`--scan-share 0`), as lookups (`2`), and as the default share
/// decides: the same rows in every table, the numbers the schema gives.
fn scans_and_lookups_read_the_same_rows(lab: &Lab, default_reads: &[(&str, &str)]) {
    let scanned = lab.extract("scanned", &["--scan-share", "0"]);
    assert_eq!(
        lab.reads(&scanned),
        reads(&[
            ("code", "scan"),
            ("doc", "scan"),
            ("lot", "condition"),
            ("note", "scan"),
            ("site", "scan"),
        ])
    );
    assert!(scanned["closure_scans"].as_u64().unwrap() >= 3, "{scanned}");
    let looked_up = lab.extract("looked-up", &["--scan-share", "2"]);
    assert_eq!(
        lab.reads(&looked_up),
        reads(&[
            ("code", "lookups"),
            ("doc", "lookups"),
            ("lot", "condition"),
            ("note", "lookups"),
            ("site", "lookups"),
        ])
    );
    assert_eq!(looked_up["closure_scans"], 0);
    let by_default = lab.extract("default", &[]);
    assert_eq!(lab.reads(&by_default), reads(default_reads));

    let rows = lab.rows("looked-up");
    let counts: BTreeMap<&str, usize> = rows.iter().map(|(t, r)| (t.as_str(), r.len())).collect();
    // 6,500 lots reference every code (as origin), every document, and 300 sites whose
    // parents are sites; notes without a lot are not children of any.
    let notes = (0..NOTES)
        .filter(|i| i % 13 != 0 && i % LOTS < 6500)
        .count();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("code", CODES),
            ("doc", DOCS),
            ("lot", 6500),
            ("note", notes),
            ("site", SITES),
        ])
    );
    assert!(
        rows == lab.rows("scanned"),
        "a scan reads the rows lookups read"
    );
    assert!(rows == lab.rows("default"), "so does the default share");
}

/// Kills extracts that read by scans after a few parts and resumes them: the store ends as
/// an uninterrupted one. A resume under another share starts the scanned tables over and ends
/// as a clean extract under that share.
fn a_killed_scan_resumes_to_the_clean_parts(lab: &Lab) {
    let args = ["--scan-share", "0", "--part-size", "16K"];
    common::resumed_equals_clean(&|store, extra| lab.run(store, &args, extra), &|store| {
        lab.dir(store)
    });

    let lookups = ["--scan-share", "2", "--part-size", "16K"];
    lab.extract("clean-lookups", &lookups);
    let killed = lab.run("switched", &args, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "4")]);
    assert!(!killed.status.success(), "the hook kills the process");
    lab.extract("switched", &lookups);
    same_files(
        &lab.dir("switched"),
        &lab.dir("clean-lookups"),
        "killed scanning, resumed looking up",
    );
}

#[test]
fn sqlite_scans_and_lookups_read_the_same_rows() {
    let lab = Lab::sqlite();
    // SQLite counts rows for its estimate; 300 sites are one lookup (500 keys).
    scans_and_lookups_read_the_same_rows(
        &lab,
        &[
            ("code", "scan"),
            ("doc", "scan"),
            ("lot", "condition"),
            ("note", "scan"),
            ("site", "lookups"),
        ],
    );
}

#[test]
fn sqlite_a_killed_scan_resumes_to_the_clean_parts() {
    a_killed_scan_resumes_to_the_clean_parts(&Lab::sqlite());
}

#[test]
fn postgres_scans_and_lookups_read_the_same_rows() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::postgres(pg, true);
    // A lookup takes 5,000 keys: only the 6,000 codes and the notes are past one.
    scans_and_lookups_read_the_same_rows(
        &lab,
        &[
            ("code", "scan"),
            ("doc", "lookups"),
            ("lot", "condition"),
            ("note", "scan"),
            ("site", "lookups"),
        ],
    );
    // Through a server-side cursor instead of COPY. The sample of code's unclassified labels
    // stops reading early: its cursor was left open, and the read of the same table failed
    // with "cursor already exists".
    let out = lab.run(
        "cursor",
        &["--scan-share", "0"],
        &[("DBSUB_PG_READ", "cursor")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(lab.rows("cursor") == lab.rows("looked-up"));
}

#[test]
fn postgres_scans_from_a_tenth_of_a_table_by_default() {
    let Some(pg) = pg::cluster() else { return };
    let lab = Lab::postgres(pg, true);
    // 52,000 codes no lot references: the 6,000 the lots do are then 10.3 % of the table, past
    // PostgreSQL's default share (0.1) and under SQLite's and Oracle's (0.25).
    let mut client = pg::connect(&lab.source);
    client
        .batch_execute(
            "INSERT INTO code SELECT 'unused ' || i, 'label ' || i \
             FROM generate_series(1, 52000) i; ANALYZE code",
        )
        .unwrap();
    let by_default = lab.extract("default", &[]);
    assert_eq!(lab.reads(&by_default)["code"], "scan");
    let quarter = lab.extract("quarter", &["--scan-share", "0.25"]);
    assert_eq!(lab.reads(&quarter)["code"], "lookups");
    assert!(lab.rows("default") == lab.rows("quarter"));
    assert_eq!(lab.rows("default")["code"].len(), CODES);
}

#[test]
fn postgres_a_killed_scan_resumes_to_the_clean_parts() {
    let Some(pg) = pg::cluster() else { return };
    a_killed_scan_resumes_to_the_clean_parts(&Lab::postgres(pg, true));
}

#[test]
fn postgres_tables_never_analysed_are_looked_up() {
    let Some(pg) = pg::cluster() else { return };
    // No statistics: the size of a table is unknown, and a scan could read far more rows than
    // lookups would.
    let lab = Lab::postgres(pg, false);
    let summary = lab.extract("store", &[]);
    assert_eq!(
        lab.reads(&summary),
        reads(&[
            ("code", "lookups"),
            ("doc", "lookups"),
            ("lot", "condition"),
            ("note", "lookups"),
            ("site", "lookups"),
        ])
    );
    assert_eq!(summary["closure_scans"], 0);
}

/// SQLite keeps a value in the storage class its column's affinity gives it: a foreign key
/// declared TEXT holds `'5'` and one declared REAL holds `5.0` where the parent's INTEGER
/// PRIMARY KEY holds `5`. A lookup finds the parent (SQLite converts by the parent column's
/// affinity); a scan kept by the key set must find the same rows, for the parents of seeds
/// and for the children of a children rule alike. (Before keys were held in their normal
/// form, the scans found none of them.)
#[test]
fn sqlite_keys_of_other_storage_classes_are_found_by_a_scan_as_by_a_lookup() {
    let ws = Workspace::empty();
    let path = ws.path().join("mixed.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE lot (id INTEGER PRIMARY KEY, pid TEXT REFERENCES parent (id));
             CREATE TABLE gauge (id INTEGER PRIMARY KEY, pid REAL REFERENCES parent (id));
             CREATE TABLE note (id INTEGER PRIMARY KEY, parent_id TEXT REFERENCES parent (id));
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO parent SELECT i, 'parent ' || i FROM n;
             INSERT INTO lot SELECT id, CASE WHEN id % 10 = 0 THEN NULL ELSE id END
                 FROM parent WHERE id <= 2400;
             INSERT INTO gauge SELECT id, id + 0.0 FROM parent WHERE id > 2400;
             INSERT INTO note SELECT id, id % 3000 + 1 FROM parent;",
        )
        .unwrap();
    let kinds: Vec<(String, String)> = rusqlite::Connection::open(&path)
        .unwrap()
        .prepare(
            "SELECT 'lot', typeof(pid) FROM lot WHERE pid IS NOT NULL
             UNION SELECT 'gauge', typeof(pid) FROM gauge UNION SELECT 'note', typeof(parent_id) FROM note",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        kinds,
        [("gauge", "real"), ("lot", "text"), ("note", "text")]
            .map(|(t, k)| (t.to_string(), k.to_string()))
    );
    std::fs::write(
        ws.path().join("plan.toml"),
        "[[seed]]\ntable = \"lot\"\n\n[[seed]]\ntable = \"gauge\"\n\n\
         [[seed]]\ntable = \"parent\"\nwhere = \"id <= 1000\"\n\n\
         [[children.edge]]\ntable = \"note\"\n",
    )
    .unwrap();
    let source = format!("sqlite://{}", path.display());
    let extract = |store: &str, share: &str| {
        let (summary, rows) = extract_at_share(&ws, "SQLITE", &source, store, share);
        let counts: BTreeMap<String, usize> = rows
            .iter()
            .map(|(t, (_, r))| (t.clone(), r.len()))
            .collect();
        (summary, counts)
    };
    let (looked_up, by_lookups) = extract("lookups", "2");
    let (scanned, by_scans) = extract("scans", "0");
    assert_eq!(looked_up["closure_scans"], 0);
    assert!(scanned["closure_scans"].as_u64().unwrap() >= 2, "{scanned}");
    // The parents: the 1,000 seeds, the lots' above them (1,400 less the 140 NULLs) through
    // text, gauge's 600 through reals; the notes of the 1,000 seeded parents, through text.
    let expected: BTreeMap<String, usize> = [
        ("gauge", 600),
        ("lot", 2400),
        ("note", 1000),
        ("parent", 2860),
    ]
    .map(|(t, n)| (t.to_string(), n))
    .into();
    assert_eq!(by_lookups, expected);
    assert_eq!(by_scans, expected);
}

/// PostgreSQL's numeric keeps the scale of its column or of the value written: a foreign key of
/// `numeric(10,0)` or of a numeric without a scale holds `5` or `5.0` where its parent's
/// `numeric(10,2)` key holds `5.00`, equal for PostgreSQL. A scan kept by the key set must find
/// the parents a lookup finds. (Before numeric keys were taken without the zeros that end their
/// fraction, the scans found none of them.)
#[test]
fn postgres_numeric_keys_of_other_scales_are_found_by_a_scan_as_by_a_lookup() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("numeric_keys");
    pg::connect(&source)
        .batch_execute(
            "CREATE TABLE parent (id numeric(10,2) PRIMARY KEY, name text);
             CREATE TABLE lot (id integer PRIMARY KEY, pid numeric(10,0) REFERENCES parent (id));
             CREATE TABLE gauge (id integer PRIMARY KEY, pid numeric REFERENCES parent (id));
             INSERT INTO parent SELECT i, 'parent ' || i FROM generate_series(1, 3000) i;
             INSERT INTO lot SELECT i, i FROM generate_series(1, 2000) i;
             INSERT INTO gauge SELECT i, (i + 2000)::numeric(10,1) FROM generate_series(1, 500) i;
             ANALYZE;",
        )
        .unwrap();
    let ws = Workspace::empty();
    std::fs::write(
        ws.path().join("plan.toml"),
        "[[seed]]\ntable = \"lot\"\n\n[[seed]]\ntable = \"gauge\"\n",
    )
    .unwrap();
    let extract = |store: &str, share: &str| {
        let (summary, rows) = extract_at_share(&ws, "PG", &source, store, share);
        (summary, rows["parent"].1.len())
    };
    let (looked_up, by_lookups) = extract("lookups", "2");
    let (scanned, by_scans) = extract("scans", "0");
    assert_eq!(looked_up["closure_scans"], 0);
    assert!(scanned["closure_scans"].as_u64().unwrap() >= 1, "{scanned}");
    assert_eq!((by_lookups, by_scans), (2500, 2500));
}

/// `dbsub extract KIND APP --plan plan.toml --scan-share SHARE` from `source` into the store
/// folder `store` of `ws`: its summary, and the rows of each table it wrote.
fn extract_at_share(
    ws: &Workspace,
    kind: &str,
    source: &str,
    store: &str,
    share: &str,
) -> (Json, common::ExtractRows) {
    let url = format!("file://{}", ws.path().join(store).display());
    let source_var = format!("DBSUB_SOURCE_{kind}_APP");
    let out = ws
        .dbsub(&[(&source_var, source), ("DBSUB_STORE_APP", &url)])
        .args([
            "extract",
            kind,
            "APP",
            "--plan",
            "plan.toml",
            "--format",
            "json",
        ])
        .args(["--scan-share", share])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = read_extract(&ws.path().join(store).join("APP").join(kind).join("default"));
    (summary, rows)
}
