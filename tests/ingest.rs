//! `dbsub ingest` and `dbsub verify`: the loaded database equals the extracted rows, cycles of
//! NOT NULL foreign keys, a killed load that continues, bad input that writes nothing, merge,
//! refresh and the cache of fetched parts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Workspace, stderr, stdout};
use dbsub::archive::csv::{CsvReader, Record};
use dbsub::archive::manifest::{Manifest, TableEntry};
use dbsub::archive::reader::file_sha256;
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::Value as Json;

/// A small shop: ITEM → ORDERS → CUSTOMER, with text that needs quoting, NULLs, empty strings,
/// line breaks and decimals.
const SHOP_TABLES: &str = "
CREATE TABLE CUSTOMER (
    ID INTEGER PRIMARY KEY,
    NAME VARCHAR(20) NOT NULL,
    CITY VARCHAR(10),
    BALANCE NUMBER(6,2)
);
CREATE TABLE ORDERS (
    ID INTEGER PRIMARY KEY,
    CUSTOMER_ID INTEGER NOT NULL REFERENCES CUSTOMER (ID),
    AMOUNT NUMBER(6,2),
    NOTE TEXT
);
CREATE TABLE ITEM (
    ID INTEGER PRIMARY KEY,
    ORDER_ID INTEGER NOT NULL REFERENCES ORDERS (ID),
    SKU VARCHAR(8) NOT NULL,
    QTY INTEGER
);
CREATE TABLE ITEM_LOG (ID INTEGER PRIMARY KEY AUTOINCREMENT, WHAT TEXT NOT NULL);
";

/// The target's triggers: any of them firing during a load shows (a row in ITEM_LOG, or the
/// load of CUSTOMER refused).
const SHOP_TRIGGERS: &str = "
CREATE TRIGGER ITEM_INSERTED AFTER INSERT ON ITEM
BEGIN
    INSERT INTO ITEM_LOG (WHAT) VALUES ('insert ' || NEW.ID);
END;
CREATE TRIGGER ITEM_UPDATED AFTER UPDATE ON ITEM
BEGIN
    INSERT INTO ITEM_LOG (WHAT) VALUES ('update ' || NEW.ID);
END;
CREATE TRIGGER ITEM_DELETED AFTER DELETE ON ITEM
BEGIN
    INSERT INTO ITEM_LOG (WHAT) VALUES ('delete ' || OLD.ID);
END;
CREATE TRIGGER CUSTOMER_FROZEN BEFORE INSERT ON CUSTOMER
BEGIN
    SELECT RAISE(ABORT, 'customers are frozen');
END;
";

/// 10 customers, 40 orders (of customers 1 to 6), 100 items.
const SHOP_DATA: &str = "
INSERT INTO CUSTOMER
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
SELECT i, 'Customer ' || i,
       CASE i % 4 WHEN 0 THEN 'Oslo' WHEN 1 THEN 'Bø, Tel' WHEN 2 THEN NULL ELSE 'Say \"hi\"' END,
       round(i * 12.34, 2)
FROM n;
INSERT INTO ORDERS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
SELECT i, i % 6 + 1, i * 1.25,
       CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'a, \"b\"' ELSE 'two' || char(10) || 'lines' END
FROM n;
INSERT INTO ITEM
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
SELECT i, (i - 1) % 40 + 1, printf('SKU-%04d', i), CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 END
FROM n;
";

/// The CREATE TABLE of ITEM in `SHOP_TABLES`.
fn item_table() -> &'static str {
    let start = SHOP_TABLES.find("CREATE TABLE ITEM ").unwrap();
    let end = SHOP_TABLES.find("CREATE TABLE ITEM_LOG").unwrap();
    &SHOP_TABLES[start..end]
}

/// The statuses of a re-run that finds CUSTOMER and ORDERS loaded and loads ITEM.
fn item_reloaded() -> BTreeMap<String, String> {
    [
        ("APP.CUSTOMER", "already loaded"),
        ("APP.ORDERS", "already loaded"),
        ("APP.ITEM", "loaded"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// ITEM's triggers in `SHOP_TRIGGERS`.
fn item_triggers() -> &'static str {
    let end = SHOP_TRIGGERS
        .find("CREATE TRIGGER CUSTOMER_FROZEN")
        .unwrap();
    &SHOP_TRIGGERS[..end]
}

/// The seed of the shop tests: 30 items, their 30 orders and the 6 customers of those.
const SHOP_WHERE: &str = "ID <= 30";

/// A working folder with a source database `src.db` (schema APP, environment APP), its store,
/// a target database `target.db` and a cache, all configured for dbsub.
struct Lab {
    ws: Workspace,
}

impl Lab {
    /// A lab whose source is built by `sql`.
    fn new(sql: &str) -> Lab {
        let lab = Lab {
            ws: Workspace::empty(),
        };
        Connection::open(lab.src())
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        lab
    }

    /// The shop, extracted with `SHOP_WHERE`, and an empty target with the shop's tables and
    /// triggers.
    fn shop(extract_args: &[&str]) -> Lab {
        let lab = Lab::new(&format!("{SHOP_TABLES}{SHOP_DATA}"));
        let out = lab.extract(
            &[
                &["--seed-object", "ITEM", "--where", SHOP_WHERE][..],
                extract_args,
            ]
            .concat(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        lab.create_target(&format!("{SHOP_TABLES}{SHOP_TRIGGERS}"));
        lab
    }

    fn src(&self) -> PathBuf {
        self.ws.path().join("src.db")
    }

    fn target(&self) -> PathBuf {
        self.ws.path().join("target.db")
    }

    fn cache(&self) -> PathBuf {
        self.ws.path().join("cache")
    }

    fn subset_dir(&self) -> PathBuf {
        self.ws.path().join("store/APP/SQLITE/default")
    }

    /// The cached copy of a part.
    fn cached(&self, key: &str) -> PathBuf {
        self.cache().join("APP/SQLITE/default").join(key)
    }

    fn manifest(&self) -> Manifest {
        manifest_of(&self.subset_dir())
    }

    /// (Re)creates the target database from `sql`.
    fn create_target(&self, sql: &str) {
        let _ = std::fs::remove_file(self.target());
        Connection::open(self.target())
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }

    fn vars(&self) -> Vec<(String, String)> {
        let at = |p: &str| self.ws.path().join(p).display().to_string();
        vec![
            (
                "DBSUB_SOURCE_SQLITE_APP".into(),
                format!("sqlite://{}?schema=APP", at("src.db")),
            ),
            ("DBSUB_STORE_APP".into(), format!("file://{}", at("store"))),
            (
                "DBSUB_TARGET_SQLITE".into(),
                format!("sqlite://{}", at("target.db")),
            ),
            ("DBSUB_CACHE_DIR".into(), at("cache")),
        ]
    }

    /// dbsub with the lab's variables, then `extra` (which override them).
    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut vars = self.vars();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.ws.dbsub(&refs).args(args).output().unwrap()
    }

    fn extract(&self, args: &[&str]) -> Output {
        self.run(&[&["extract", "SQLITE", "APP"][..], args].concat(), &[])
    }

    fn ingest(&self, args: &[&str]) -> Output {
        self.ingest_with(args, &[])
    }

    fn ingest_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        self.run(&[&["ingest", "SQLITE", "APP"][..], args].concat(), extra)
    }

    /// `ingest --format json`, which must succeed; the summary.
    fn ingest_json(&self, args: &[&str]) -> Json {
        let out = self.ingest(&[args, &["--format", "json"]].concat());
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }

    fn verify(&self) -> Output {
        self.run(&["verify", "SQLITE"], &[])
    }
}

fn manifest_of(dir: &Path) -> Manifest {
    Manifest::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The status of each table in an ingest summary, by extract name.
fn statuses(summary: &Json) -> BTreeMap<String, String> {
    summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn count(conn: &Connection, table: &str) -> u64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as u64
}

/// Everything a failed ingest must leave as it was: the schema (tables, indexes, triggers) and
/// every row of every table.
#[derive(Debug, PartialEq)]
struct State {
    schema: Vec<(String, String, Option<String>)>,
    rows: BTreeMap<String, Vec<String>>,
}

fn state(db: &Path) -> State {
    let conn = Connection::open(db).unwrap();
    let schema: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut rows = BTreeMap::new();
    for (kind, name, _) in &schema {
        if kind == "table" {
            rows.insert(name.clone(), table_rows(&conn, &q(name)));
        }
    }
    State { schema, rows }
}

/// Every row of a table, each rendered as its values, sorted.
fn table_rows(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
    let n = stmt.column_count();
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            let values: Vec<Sql> = (0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
            Ok(format!("{values:?}"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out.sort();
    out
}

/// The schema without dbsub's own record of the loads.
fn user_schema(state: &State) -> Vec<&(String, String, Option<String>)> {
    state
        .schema
        .iter()
        .filter(|(_, name, _)| !name.contains("dbsub_ingest_history"))
        .collect()
}

/// The rows of a table with an integer ID, by ID.
fn rows_by_id(conn: &Connection, table: &str) -> BTreeMap<i64, String> {
    let mut stmt = conn.prepare(&format!("SELECT ID, * FROM {table}")).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let values: Vec<Sql> = (1..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
        Ok((r.get::<_, i64>(0)?, format!("{values:?}")))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The primary-key text of every row of a table in the extract, read from its parts.
fn extract_keys(dir: &Path, table: &TableEntry) -> BTreeSet<Vec<String>> {
    let pk = table.primary_key.clone().expect("a primary key");
    let mut keys = BTreeSet::new();
    let mut n = 0;
    for part in &table.parts {
        let bytes = std::fs::read(dir.join(&part.key)).unwrap();
        let text = zstd::decode_all(&bytes[..]).unwrap();
        let mut reader = CsvReader::new(&text[..]);
        let mut record = Record::new();
        assert!(reader.read_record(&mut record).unwrap(), "a header");
        let header: Vec<String> = record
            .iter()
            .map(|(f, _)| String::from_utf8(f.to_vec()).unwrap())
            .collect();
        let pos: Vec<usize> = pk
            .iter()
            .map(|c| header.iter().position(|h| h == c).unwrap())
            .collect();
        while reader.read_record(&mut record).unwrap() {
            let fields: Vec<&[u8]> = record.iter().map(|(f, _)| f).collect();
            keys.insert(
                pos.iter()
                    .map(|&p| String::from_utf8(fields[p].to_vec()).unwrap())
                    .collect(),
            );
            n += 1;
        }
    }
    assert_eq!(n, table.rows, "{}", table.name);
    keys
}

/// The IDs of a table in the extract (the shop's and the cycle's keys are one integer).
fn extract_ids(dir: &Path, table: &str) -> BTreeSet<i64> {
    let manifest = manifest_of(dir);
    let entry = manifest.tables.iter().find(|t| t.name == table).unwrap();
    extract_keys(dir, entry)
        .into_iter()
        .map(|k| k[0].parse().unwrap())
        .collect()
}

/// The loaded database holds exactly the extract's rows, each equal to its source row: per
/// table the manifest's row count, the extract's keys, and no row that differs from the
/// source in either direction.
fn assert_loaded_equals_source(target: &Path, source: &Path, dir: &Path) {
    let manifest = manifest_of(dir);
    let conn = Connection::open(target).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS src", [source.to_str().unwrap()])
        .unwrap();
    for t in &manifest.tables {
        let name = q(&t.name);
        assert_eq!(count(&conn, &format!("main.{name}")), t.rows, "{}", t.name);
        let pk = t.primary_key.clone().expect("a primary key");
        let cols = pk
            .iter()
            .map(|c| format!("CAST({} AS TEXT)", q(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let loaded: BTreeSet<Vec<String>> = conn
            .prepare(&format!("SELECT {cols} FROM main.{name}"))
            .unwrap()
            .query_map([], |r| {
                (0..pk.len()).map(|i| r.get::<_, String>(i)).collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            loaded,
            extract_keys(dir, t),
            "{}: the extract's keys",
            t.name
        );
        let not_in_source = count(
            &conn,
            &format!("(SELECT * FROM main.{name} EXCEPT SELECT * FROM src.{name})"),
        );
        assert_eq!(
            not_in_source, 0,
            "{}: rows that differ from the source",
            t.name
        );
        let same_key = pk
            .iter()
            .map(|c| format!("s.{0} = m.{0}", q(c)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let not_loaded = count(
            &conn,
            &format!(
                "(SELECT * FROM src.{name} s WHERE EXISTS (SELECT 1 FROM main.{name} m WHERE \
                 {same_key}) EXCEPT SELECT * FROM main.{name})"
            ),
        );
        assert_eq!(not_loaded, 0, "{}: source rows loaded differently", t.name);
    }
    let broken: Vec<String> = conn
        .prepare("SELECT \"table\" FROM main.pragma_foreign_key_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(broken.is_empty(), "foreign keys broken in {broken:?}");
}

/// The foreign keys verify checks: those of the extract whose parent is in the extract too.
fn extract_foreign_keys(manifest: &Manifest) -> usize {
    let names: BTreeSet<String> = manifest.tables.iter().map(|t| t.name.clone()).collect();
    manifest
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .filter(|fk| names.contains(&fk.ref_table))
        .count()
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

/// Rewrites the manifest's JSON, leaving its checksum as it was (so that the edit shows).
fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Json)) {
    let path = dir.join("manifest.json");
    let mut m: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

/// Rewrites the manifest's JSON and its checksum, as a deliberate forger would.
fn forge_manifest(dir: &Path, edit: impl FnOnce(&mut Json)) {
    edit_manifest(dir, |m| {
        edit(m);
        m.as_object_mut().unwrap().remove("checksum");
    });
    let path = dir.join("manifest.json");
    let unsealed = Manifest::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::write(&path, unsealed.to_json()).unwrap();
}

/// Replaces a part's bytes and makes the manifest agree with them (size, SHA-256 and, when
/// given, rows), so that the part passes the checksum.
fn replace_part(dir: &Path, key: &str, bytes: &[u8], rows: Option<u64>) {
    std::fs::write(dir.join(key), bytes).unwrap();
    let (sha256, size) = file_sha256(&dir.join(key)).unwrap();
    forge_manifest(dir, |m| {
        for t in m["tables"].as_array_mut().unwrap() {
            let mut total = 0;
            for p in t["parts"].as_array_mut().unwrap() {
                if p["key"] == key {
                    p["bytes"] = size.into();
                    p["sha256"] = sha256.clone().into();
                    if let Some(rows) = rows {
                        p["rows"] = rows.into();
                    }
                }
                total += p["rows"].as_u64().unwrap();
            }
            t["rows"] = total.into();
        }
    });
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn triggers(db: &Path) -> Vec<(String, String)> {
    Connection::open(db)
        .unwrap()
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn item_log(db: &Path) -> Vec<String> {
    table_rows(&Connection::open(db).unwrap(), "ITEM_LOG")
}

/// The demo's 50 seedlots, as the extract tests take them.
const DEMO_WHERE: &str = "SEEDLOT_NUMBER < '60050'";

#[test]
fn the_demo_subset_loads_into_migrated_tables_row_for_row() {
    let ws = Workspace::with_demo();
    let vars = [("DBSUB_SOURCE_SQLITE_DEMO", ws.demo_url())];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ok = |out: Output| {
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    // The target's tables from the migrations, into the default target data/local.db.
    ok(ws
        .dbsub_demo()
        .args(["create-migrations", "--seed-object", "SEEDLOT"])
        .args(["--dialect", "sqlite"])
        .output()
        .unwrap());
    ok(ws.dbsub_demo().arg("migrate").output().unwrap());
    let local = ws.path().join("data/local.db");
    let triggers_before = triggers(&local);
    assert!(
        triggers_before
            .iter()
            .any(|(n, _)| n == "SEEDLOT_AUDIT_TRG"),
        "the migrations create the demo's trigger: {triggers_before:?}"
    );

    // Extract into the default store, ingest from it into the default target and cache.
    ok(ws
        .dbsub(&vars)
        .args(["extract", "SQLITE", "DEMO", "--seed-object", "SEEDLOT"])
        .args(["--where", DEMO_WHERE])
        .output()
        .unwrap());
    let dir = ws.path().join("data/store/DEMO/SQLITE/default");
    let manifest = manifest_of(&dir);
    let report = ok(ws
        .dbsub(&[])
        .args(["ingest", "SQLITE", "DEMO"])
        .output()
        .unwrap());
    let keys = extract_foreign_keys(&manifest);
    assert!(keys >= 10, "the demo subset has foreign keys to check");
    let last_line = format!(
        "All {} tables match their extract; {keys} foreign keys hold.\n",
        manifest.tables.len()
    );
    assert!(report.ends_with(&last_line), "{report}");
    for t in &manifest.tables {
        assert!(
            report.contains(&format!("{}.{} ", t.schema, t.name)),
            "{} in {report}",
            t.name
        );
    }
    assert!(
        ws.path()
            .join("data/cache/DEMO/SQLITE/default")
            .join(&manifest.tables[0].parts[0].key)
            .exists(),
        "parts are cached under data/cache"
    );

    assert_loaded_equals_source(&local, &ws.demo_db(), &dir);
    // The seed rows, independently of the extract: the source's rows under the condition.
    let conn = Connection::open(&local).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS src",
        [ws.demo_db().to_str().unwrap()],
    )
    .unwrap();
    let seedlots = |sql: &str| -> BTreeSet<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        seedlots("SELECT SEEDLOT_NUMBER FROM main.SEEDLOT"),
        seedlots(&format!(
            "SELECT SEEDLOT_NUMBER FROM src.SEEDLOT WHERE {DEMO_WHERE}"
        ))
    );
    // The trigger is still there, unchanged, and wrote nothing.
    assert_eq!(triggers(&local), triggers_before);
    assert_eq!(count(&conn, "main.SEEDLOT_AUDIT"), 0);

    // verify on its own agrees.
    let verified = ok(ws.dbsub(&[]).args(["verify", "SQLITE"]).output().unwrap());
    assert!(verified.ends_with(&last_line), "{verified}");
    let json: Json = serde_json::from_str(&ok(ws
        .dbsub(&[])
        .args(["verify", "SQLITE", "--format", "json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(json["problems"], 0, "{json}");
    assert_eq!(
        json["tables"].as_array().unwrap().len(),
        manifest.tables.len()
    );
}

#[test]
fn the_shop_loads_with_triggers_off_and_verify_counts_its_keys() {
    let lab = Lab::shop(&[]);
    let triggers_before = triggers(&lab.target());
    let out = lab.ingest(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.ends_with("All 3 tables match their extract; 2 foreign keys hold.\n"),
        "{report}"
    );
    let manifest = lab.manifest();
    let rows: Vec<(&str, u64)> = manifest
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.rows))
        .collect();
    assert_eq!(rows, [("CUSTOMER", 6), ("ORDERS", 30), ("ITEM", 30)]);
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
    assert_eq!(triggers(&lab.target()), triggers_before);
    assert!(
        item_log(&lab.target()).is_empty(),
        "the insert trigger did not fire"
    );
    let verified = lab.verify();
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).ends_with("All 3 tables match their extract; 2 foreign keys hold.\n")
    );
}

#[test]
fn a_cycle_of_not_null_foreign_keys_loads_in_one_transaction() {
    let source = "
        CREATE TABLE A (ID INTEGER PRIMARY KEY,
            B_ID INTEGER NOT NULL REFERENCES B (ID) DEFERRABLE INITIALLY DEFERRED,
            LABEL TEXT);
        CREATE TABLE B (ID INTEGER PRIMARY KEY,
            A_ID INTEGER NOT NULL REFERENCES A (ID) DEFERRABLE INITIALLY DEFERRED,
            LABEL TEXT);
    ";
    // Two rings of five: A1 → B1 → A2 → … → B5 → A1, and A6 … B10 → A6.
    let data = "
        PRAGMA foreign_keys = ON;
        BEGIN;
        INSERT INTO A
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
        SELECT i, i, 'a' || i FROM n;
        INSERT INTO B
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
        SELECT i, CASE WHEN i % 5 = 0 THEN i - 4 ELSE i + 1 END, 'b' || i FROM n;
        COMMIT;
    ";
    let lab = Lab::new(&format!("{source}{data}"));
    let out = lab.extract(&["--seed-object", "A", "--where", "ID = 2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = lab.manifest();
    assert!(
        !manifest.cycle_foreign_keys.is_empty(),
        "the extract reports the cycle"
    );
    assert_eq!(
        extract_ids(&lab.subset_dir(), "A"),
        (1..=5).collect::<BTreeSet<i64>>()
    );
    assert_eq!(
        extract_ids(&lab.subset_dir(), "B"),
        (1..=5).collect::<BTreeSet<i64>>()
    );

    // The target's keys are checked at once: only the loader's deferral lets the rows in.
    let target = source.replace(" DEFERRABLE INITIALLY DEFERRED", "");
    assert_ne!(target, source);
    lab.create_target(&target);
    let out = lab.ingest(&[]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).ends_with("All 2 tables match their extract; 2 foreign keys hold.\n"),
        "{}",
        stdout(&out)
    );
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
    assert!(lab.verify().status.success());
}

#[test]
fn a_killed_load_leaves_its_table_as_it_was_and_a_rerun_continues() {
    let lab = Lab::shop(&["--part-size", "200"]);
    let manifest = lab.manifest();
    let rows: BTreeMap<&str, u64> = manifest
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.rows))
        .collect();
    let item_parts = manifest.tables[2].parts.len();
    assert!(item_parts >= 2, "ITEM has several parts: {item_parts}");
    let before = state(&lab.target());

    // Killed in the middle of ITEM, the last table.
    let abort_at = rows["CUSTOMER"] + rows["ORDERS"] + rows["ITEM"] / 2;
    let killed = lab.ingest_with(
        &[],
        &[("DBSUB_TEST_ABORT_AFTER_ROWS", &abort_at.to_string())],
    );
    assert!(!killed.status.success(), "the hook kills the process");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(killed.status.signal(), Some(6), "SIGABRT");
    }
    let after = state(&lab.target());
    assert_eq!(
        user_schema(&after),
        user_schema(&before),
        "the tables and their triggers are all still there"
    );
    assert!(after.rows["ITEM"].is_empty(), "ITEM was rolled back");
    assert!(after.rows["ITEM_LOG"].is_empty());
    assert_eq!(after.rows["CUSTOMER"].len() as u64, rows["CUSTOMER"]);
    assert_eq!(after.rows["ORDERS"].len() as u64, rows["ORDERS"]);
    let recorded: Vec<String> = Connection::open(lab.target())
        .unwrap()
        .prepare("SELECT table_name FROM dbsub_ingest_history ORDER BY table_name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(recorded, ["CUSTOMER", "ORDERS"]);

    // Run again: what was loaded stays, ITEM loads.
    let summary = lab.ingest_json(&[]);
    assert_eq!(statuses(&summary), item_reloaded(), "{summary}");
    assert_eq!(summary["rows"], rows["ITEM"], "{summary}");
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
    assert_eq!(user_schema(&state(&lab.target())), user_schema(&before));
    assert!(item_log(&lab.target()).is_empty());

    // And once more: nothing left to do.
    let summary = lab.ingest_json(&[]);
    assert!(
        statuses(&summary).values().all(|s| s == "already loaded"),
        "{summary}"
    );
    assert_eq!(summary["rows"], 0, "{summary}");
}

#[test]
fn bad_input_is_explained_and_leaves_the_target_as_it_was() {
    let lab = Lab::shop(&[]);
    let dir = lab.subset_dir();
    let pristine = lab.ws.path().join("pristine");
    copy_dir(&dir, &pristine);
    let manifest = lab.manifest();
    let key = |table: &str| {
        manifest
            .tables
            .iter()
            .find(|t| t.name == table)
            .unwrap()
            .parts[0]
            .key
            .clone()
    };
    let (customer, item) = (key("CUSTOMER"), key("ITEM"));
    assert_eq!(customer, "data/APP.CUSTOMER/part-00000.csv.zst");
    let target = format!("{SHOP_TABLES}{SHOP_TRIGGERS}");
    let narrow = |from: &str, to: &str| {
        assert!(target.contains(from), "{from}");
        target.replacen(from, to, 1)
    };

    struct Case {
        what: &'static str,
        target: String,
        store: Box<dyn Fn(&Path)>,
        args: Vec<&'static str>,
        wanted: Vec<String>,
    }
    let unchanged = || -> Box<dyn Fn(&Path)> { Box::new(|_| {}) };
    let s = |t: &str| t.to_string();
    let customer_part = customer.clone();
    let item_part = item.clone();
    let item_part2 = item.clone();
    let customer_part2 = customer.clone();
    let cases = vec![
        Case {
            what: "missing manifest",
            target: target.clone(),
            store: unchanged(),
            args: vec!["--subset", "other"],
            wanted: vec![
                s("no extract `other`"),
                s("the store has APP/SQLITE/default"),
            ],
        },
        Case {
            what: "another format version",
            target: target.clone(),
            store: Box::new(|dir| edit_manifest(dir, |m| m["format_version"] = 2.into())),
            args: vec![],
            wanted: vec![s("format version 2")],
        },
        Case {
            what: "a damaged part in the store",
            target: target.clone(),
            store: Box::new(move |dir| flip_byte(&dir.join(&item_part), 20)),
            args: vec![],
            wanted: vec![s("checksum mismatch"), s("extract again"), item.clone()],
        },
        Case {
            what: "a truncated part in the store",
            target: target.clone(),
            store: Box::new(move |dir| {
                let path = dir.join(&item_part2);
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            }),
            args: vec![],
            wanted: vec![s("truncated or damaged"), s("extract again"), item.clone()],
        },
        Case {
            what: "a truncated zstd frame that the manifest agrees with",
            target: target.clone(),
            store: Box::new(move |dir| {
                let bytes = std::fs::read(dir.join(&customer_part)).unwrap();
                replace_part(dir, &customer_part, &bytes[..bytes.len() / 2], None);
            }),
            args: vec![],
            wanted: vec![s("truncated or damaged"), customer.clone()],
        },
        Case {
            what: "a row with a field too many",
            target: target.clone(),
            store: Box::new(move |dir| {
                let csv = "ID,NAME,CITY,BALANCE\r\n1,One,Oslo,1.5\r\n2,Two,Oslo,2.5,extra\r\n";
                let bytes = zstd::encode_all(csv.as_bytes(), 3).unwrap();
                replace_part(dir, &customer_part2, &bytes, Some(2));
            }),
            args: vec![],
            wanted: vec![format!(
                "{customer}, line 3: 5 fields where the table has 4 columns"
            )],
        },
        Case {
            what: "text longer than the target's column",
            target: narrow("CITY VARCHAR(10)", "CITY VARCHAR(3)"),
            store: unchanged(),
            args: vec![],
            wanted: vec![
                s("column CITY"),
                format!("{customer}, line "),
                s("APP.CUSTOMER"),
            ],
        },
        Case {
            what: "a decimal with more digits than the target's column",
            target: narrow("BALANCE NUMBER(6,2)", "BALANCE NUMBER(3,1)"),
            store: unchanged(),
            args: vec![],
            wanted: vec![
                s("column BALANCE"),
                format!("{customer}, line 2"),
                s("12.34"),
            ],
        },
        Case {
            what: "a table missing from the target",
            target: target
                .replace(item_table(), "")
                .replace(item_triggers(), ""),
            store: unchanged(),
            args: vec![],
            wanted: vec![s("has no table APP.ITEM"), s("apply the migrations")],
        },
        Case {
            what: "a column missing from the target",
            target: narrow(
                "    AMOUNT NUMBER(6,2),\n    NOTE TEXT\n",
                "    AMOUNT NUMBER(6,2)\n",
            ),
            store: unchanged(),
            args: vec![],
            wanted: vec![s("has no column NOTE")],
        },
        Case {
            what: "a table that already holds rows",
            target: format!(
                "{SHOP_TABLES}INSERT INTO CUSTOMER VALUES (99, 'Someone else', NULL, NULL);\
                 {SHOP_TRIGGERS}"
            ),
            store: unchanged(),
            args: vec![],
            wanted: vec![
                s("already holds rows in CUSTOMER (1 row)"),
                s("--refreshdb"),
                s("--merge"),
            ],
        },
        Case {
            what: "a child without its parents",
            target: target.clone(),
            store: unchanged(),
            args: vec!["--table", "ITEM"],
            wanted: vec![s("APP.ITEM"), s("nothing was written")],
        },
    ];
    // Every case runs; what went wrong in any of them is reported together at the end.
    let mut failed = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        lab.create_target(&case.target);
        (case.store)(&dir);
        let before = state(&lab.target());
        // A cache of its own, so that no case finds the parts of another.
        let cache = lab.ws.path().join(format!("cache-{n}"));
        let out = lab.ingest_with(&case.args, &[("DBSUB_CACHE_DIR", cache.to_str().unwrap())]);
        let err = stderr(&out);
        if out.status.code() != Some(1) || !err.starts_with("dbsub: ") {
            failed.push(format!(
                "{}: exit {:?}, stderr {err}",
                case.what,
                out.status.code()
            ));
        }
        for w in &case.wanted {
            if !err.contains(w.as_str()) {
                failed.push(format!("{}: `{w}` not in {err}", case.what));
            }
        }
        if let Some(twice) = repeated(&err) {
            failed.push(format!("{}: `{twice}` twice in a row in {err}", case.what));
        }
        if !stdout(&out).is_empty() {
            failed.push(format!("{}: printed {}", case.what, stdout(&out)));
        }
        let after = state(&lab.target());
        if after != before {
            failed.push(format!(
                "{}: the target changed: {}",
                case.what,
                changes(&before, &after)
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
        copy_dir(&pristine, &dir);
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A part of a message that follows itself (`cannot load T: cannot load T: …`): an error
/// says what happened once.
fn repeated(message: &str) -> Option<String> {
    let parts: Vec<&str> = message.split(": ").collect();
    parts
        .windows(2)
        .find(|w| w[0] == w[1])
        .map(|w| w[0].to_string())
}

/// What differs between two states of a database, briefly.
fn changes(before: &State, after: &State) -> String {
    let mut out = Vec::new();
    for s in &after.schema {
        if !before.schema.contains(s) {
            out.push(format!("new {} {}", s.0, s.1));
        }
    }
    for s in &before.schema {
        if !after.schema.contains(s) {
            out.push(format!("{} {} gone or changed", s.0, s.1));
        }
    }
    for (table, rows) in &after.rows {
        if before.rows.get(table).is_some_and(|b| b != rows) {
            out.push(format!("rows of {table} changed"));
        }
    }
    out.join(", ")
}

#[test]
fn a_failure_on_a_later_table_keeps_the_earlier_ones_and_a_rerun_finishes() {
    let lab = Lab::shop(&[]);
    // ITEM's SKU holds 8 characters in the source, 3 in the target.
    let narrow =
        format!("{SHOP_TABLES}{SHOP_TRIGGERS}").replace("SKU VARCHAR(8)", "SKU VARCHAR(3)");
    lab.create_target(&narrow);
    let out = lab.ingest(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for w in [
        "APP.ITEM",
        "data/APP.ITEM/part-00000.csv.zst, line 2",
        "column SKU",
    ] {
        assert!(err.contains(w), "`{w}` not in {err}");
    }
    let manifest = lab.manifest();
    let conn = Connection::open(lab.target()).unwrap();
    assert_eq!(count(&conn, "CUSTOMER"), manifest.tables[0].rows);
    assert_eq!(count(&conn, "ORDERS"), manifest.tables[1].rows);
    assert_eq!(count(&conn, "ITEM"), 0);
    assert_eq!(
        triggers(&lab.target()).len(),
        SHOP_TRIGGERS.matches("CREATE TRIGGER").count(),
        "the triggers are back"
    );

    // Widen the column: a new, empty ITEM with its triggers.
    conn.execute_batch(&format!(
        "DROP TABLE ITEM; {} {}",
        item_table(),
        item_triggers()
    ))
    .unwrap();
    drop(conn);
    let summary = lab.ingest_json(&[]);
    assert_eq!(statuses(&summary), item_reloaded(), "{summary}");
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
    assert!(item_log(&lab.target()).is_empty());
    assert!(lab.verify().status.success());
}

#[test]
fn verify_reports_missing_rows_and_orphans() {
    let lab = Lab::shop(&[]);
    let out = lab.verify();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing was loaded"),
        "{}",
        stderr(&out)
    );
    assert!(lab.ingest(&[]).status.success());
    // Delete a customer that orders reference (the connection does not enforce keys).
    Connection::open(lab.target())
        .unwrap()
        .execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM CUSTOMER WHERE ID = 2;")
        .unwrap();
    let out = lab.verify();
    // A data problem found: exit code 5.
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("verify found 2 problems"),
        "{}",
        stderr(&out)
    );
    let report = stdout(&out);
    assert!(
        report.contains("5 rows where the extract has 6"),
        "{report}"
    );
    assert!(
        report.contains("reference rows missing from CUSTOMER"),
        "{report}"
    );
}

#[test]
fn merge_updates_changed_rows_adds_new_ones_and_keeps_the_rest() {
    let lab = Lab::shop(&[]);
    assert!(lab.ingest(&[]).status.success());
    let first = lab.ws.path().join("first");
    copy_dir(&lab.subset_dir(), &first);
    let old_src = lab.ws.path().join("src-before.db");
    std::fs::copy(lab.src(), &old_src).unwrap();

    // Change the source, then extract another set of items: 21 to 30 again (changed), 31 and
    // up new, 1 to 20 no longer (so that the target keeps them as they were, even 5, changed
    // since, and 6, deleted since).
    Connection::open(lab.src())
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE ITEM SET QTY = 100 + ID WHERE ID BETWEEN 21 AND 40;
             UPDATE ITEM SET SKU = 'GONE-005' WHERE ID = 5;
             DELETE FROM ITEM WHERE ID = 6;
             UPDATE ORDERS SET NOTE = 'changed' WHERE ID IN (3, 25);
             UPDATE CUSTOMER SET CITY = 'Bergen', BALANCE = 0.5 WHERE ID = 2;
             INSERT INTO ORDERS VALUES (41, 1, 99.99, 'new');
             INSERT INTO ITEM VALUES (101, 41, 'NEW-0101', 1), (102, 3, 'NEW-0102', NULL);",
        )
        .unwrap();
    let out = lab.extract(&["--seed-object", "ITEM", "--where", "ID > 20", "--refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let summary = lab.ingest_json(&["--merge"]);
    assert!(
        statuses(&summary).values().all(|s| s == "merged"),
        "{summary}"
    );
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");

    // Each row: from the second extract where it has it, else as the first one loaded it.
    let conn = Connection::open(lab.target()).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS new", [lab.src().to_str().unwrap()])
        .unwrap();
    conn.execute("ATTACH DATABASE ?1 AS old", [old_src.to_str().unwrap()])
        .unwrap();
    for table in ["CUSTOMER", "ORDERS", "ITEM"] {
        let (was, now) = (
            extract_ids(&first, table),
            extract_ids(&lab.subset_dir(), table),
        );
        let (old, new) = (
            rows_by_id(&conn, &format!("old.{table}")),
            rows_by_id(&conn, &format!("new.{table}")),
        );
        let want: BTreeMap<i64, String> = was
            .union(&now)
            .map(|id| {
                let row = if now.contains(id) { &new[id] } else { &old[id] };
                (*id, row.clone())
            })
            .collect();
        assert_eq!(rows_by_id(&conn, &format!("main.{table}")), want, "{table}");
        // The merge's counts: the extract's rows the first load had are updated, the others
        // inserted.
        let merged = summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"] == table)
            .map(|t| t["merged"].clone())
            .unwrap();
        let updated = now.intersection(&was).count();
        let counts = serde_json::json!({"inserted": now.len() - updated, "updated": updated});
        assert_eq!(merged, counts, "{table}");
    }
    let items: BTreeSet<i64> = rows_by_id(&conn, "main.ITEM").into_keys().collect();
    assert!(items.contains(&1) && items.contains(&101) && items.contains(&100));
    assert!(items.contains(&6), "the merge deletes nothing");
    assert_eq!(
        conn.query_row("SELECT SKU FROM main.ITEM WHERE ID = 5", [], |r| r
            .get::<_, String>(0))
            .unwrap(),
        "SKU-0005"
    );
    assert_eq!(
        conn.query_row("SELECT QTY FROM main.ITEM WHERE ID = 25", [], |r| r
            .get::<_, i64>(0))
            .unwrap(),
        125
    );
    assert!(
        item_log(&lab.target()).is_empty(),
        "neither the insert nor the update trigger fired"
    );

    let verified = lab.verify();
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).contains("ok (merged: 72 inserted, 10 updated)"),
        "{}",
        stdout(&verified)
    );
}

#[test]
fn refreshdb_replaces_whatever_the_tables_hold() {
    let lab = Lab::shop(&[]);
    assert!(lab.ingest(&[]).status.success());
    let conn = Connection::open(lab.target()).unwrap();
    conn.execute_batch(
        "DELETE FROM ITEM WHERE ID <= 5;
         UPDATE ITEM SET QTY = 999 WHERE ID = 10;
         INSERT INTO ITEM VALUES (500, 1, 'EXTRA', 1);
         DELETE FROM ITEM_LOG;",
    )
    .unwrap();
    drop(conn);

    // Without --refreshdb the changed table is refused and kept.
    let before = state(&lab.target());
    let out = lab.ingest(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("already holds rows in ITEM (26 rows)") && err.contains("--refreshdb"),
        "{err}"
    );
    assert_eq!(state(&lab.target()), before);

    let summary = lab.ingest_json(&["--refreshdb"]);
    assert!(
        statuses(&summary).values().all(|s| s == "loaded"),
        "{summary}"
    );
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
    assert!(item_log(&lab.target()).is_empty());
    assert!(lab.verify().status.success());
}

#[test]
fn parts_come_from_the_cache_unless_purged_or_damaged() {
    let lab = Lab::shop(&["--part-size", "200"]);
    let manifest = lab.manifest();
    let parts: usize = manifest.tables.iter().map(|t| t.parts.len()).sum();
    assert!(parts > 3, "several parts: {parts}");

    let summary = lab.ingest_json(&["--jobs", "3"]);
    assert_eq!(summary["fetched_parts"], parts, "{summary}");
    assert_eq!(summary["cached_parts"], 0, "{summary}");

    let summary = lab.ingest_json(&["--refreshdb"]);
    assert_eq!(summary["fetched_parts"], 0, "{summary}");
    assert_eq!(summary["cached_parts"], parts, "{summary}");

    let summary = lab.ingest_json(&["--refreshdb", "--purge"]);
    assert_eq!(summary["fetched_parts"], parts, "{summary}");
    assert_eq!(summary["cached_parts"], 0, "{summary}");

    // A damaged copy in the cache is fetched again, silently.
    let key = &manifest.tables[2].parts[1].key;
    flip_byte(&lab.cached(key), 10);
    let out = lab.ingest(&["--refreshdb", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("checksum"), "{}", stderr(&out));
    let summary: Json = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["fetched_parts"], 1, "{summary}");
    assert_eq!(summary["cached_parts"], parts - 1, "{summary}");
    assert_eq!(
        std::fs::read(lab.cached(key)).unwrap(),
        std::fs::read(lab.subset_dir().join(key)).unwrap()
    );
    assert_loaded_equals_source(&lab.target(), &lab.src(), &lab.subset_dir());
}

/// Runs a refused ingest and checks that it says `wanted` and changes nothing.
fn assert_refused(lab: &Lab, args: &[&str], wanted: &[&str]) {
    let before = state(&lab.target());
    let out = lab.ingest(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
    let err = stderr(&out);
    for w in wanted {
        assert!(err.contains(w), "{args:?}: `{w}` not in {err}");
    }
    assert_eq!(state(&lab.target()), before, "{args:?} changed the target");
}

#[test]
fn merge_refresh_and_table_choices_are_guarded() {
    let lab = Lab::shop(&[]);
    assert_refused(
        &lab,
        &["--table", "ITEMS"],
        &["--table ITEMS: the extract has no such table; closest: APP.ITEM"],
    );
    assert_refused(
        &lab,
        &["--source", "PG"],
        &["no extract `default` for APP", "from PG"],
    );

    // --merge matches rows by a key: a target table without one is refused before anything
    // is written.
    lab.create_target(&SHOP_TABLES.replace(
        "CREATE TABLE ITEM (\n    ID INTEGER PRIMARY KEY,",
        "CREATE TABLE ITEM (\n    ID INTEGER,",
    ));
    assert_refused(
        &lab,
        &["--merge"],
        &["--merge needs a primary key", "ITEM", "--refreshdb"],
    );

    // --refreshdb would cascade into a table that is not being loaded: nothing is deleted.
    lab.create_target(&format!(
        "{SHOP_TABLES}
         CREATE TABLE CUSTOMER_NOTE (ID INTEGER PRIMARY KEY,
             CUSTOMER_ID INTEGER NOT NULL REFERENCES CUSTOMER (ID) ON DELETE CASCADE);"
    ));
    let summary = lab.ingest_json(&[]);
    assert_eq!(summary["verify"]["problems"], 0, "{summary}");
    let conn = Connection::open(lab.target()).unwrap();
    conn.execute_batch(
        "INSERT INTO CUSTOMER_NOTE (ID, CUSTOMER_ID) SELECT 1, min(ID) FROM CUSTOMER",
    )
    .unwrap();
    drop(conn);
    assert_refused(
        &lab,
        &["--refreshdb"],
        &[
            "--refreshdb would empty CUSTOMER",
            "CUSTOMER_NOTE",
            "nothing was deleted",
        ],
    );

    // A target foreign key whose parent is not in the extract: loaded, and said.
    lab.create_target(&SHOP_TABLES.replace(
        "    BALANCE NUMBER(6,2)\n);",
        "    BALANCE NUMBER(6,2),\n    REGION_ID INTEGER REFERENCES REGION (ID)\n);\n\
         CREATE TABLE REGION (ID INTEGER PRIMARY KEY);",
    ));
    let out = lab.ingest(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "warning: foreign key CUSTOMER.CUSTOMER_FK1 → REGION points outside the extract"
        ),
        "{text}"
    );
}

/// ITEM's entry in the manifest's JSON.
fn item_entry(m: &mut Json) -> &mut Json {
    m["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == "ITEM")
        .unwrap()
}

/// One row fewer for ITEM, in its first part and in the table: counts edited consistently.
fn one_item_fewer(m: &mut Json) {
    let item = item_entry(m);
    let part = item["parts"][0]["rows"].as_u64().unwrap();
    item["parts"][0]["rows"] = (part - 1).into();
    let rows = item["rows"].as_u64().unwrap();
    item["rows"] = (rows - 1).into();
}

/// ITEM's last part left out, the table's count adjusted.
fn last_item_part_dropped(m: &mut Json) {
    let item = item_entry(m);
    let part = item["parts"].as_array_mut().unwrap().pop().unwrap();
    let rows = item["rows"].as_u64().unwrap();
    item["rows"] = (rows - part["rows"].as_u64().unwrap()).into();
}

#[test]
fn refreshdb_refuses_an_edited_manifest_before_emptying_anything() {
    let lab = Lab::shop(&["--part-size", "200"]);
    let dir = lab.subset_dir();
    let pristine = lab.ws.path().join("pristine");
    copy_dir(&dir, &pristine);
    let items = lab
        .manifest()
        .tables
        .iter()
        .find(|t| t.name == "ITEM")
        .unwrap()
        .parts
        .len();
    assert!(items > 1, "{items}");
    assert!(lab.ingest(&[]).status.success());
    let loaded = state(&lab.target());
    let manifest_key = "APP/SQLITE/default/manifest.json";
    let first_item_part = "data/APP.ITEM/part-00000.csv.zst";

    type Edit = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "counts edited consistently",
            Box::new(|dir| edit_manifest(dir, one_item_fewer)),
            vec![manifest_key, "checksum does not match", "re-run extract"],
        ),
        (
            "a part dropped, the counts adjusted",
            Box::new(|dir| edit_manifest(dir, last_item_part_dropped)),
            vec![manifest_key, "checksum does not match", "re-run extract"],
        ),
        (
            "counts edited consistently and the checksum forged",
            Box::new(|dir| forge_manifest(dir, one_item_fewer)),
            vec![
                first_item_part,
                "rows where the manifest says",
                "re-run extract",
            ],
        ),
        (
            "only the table's count edited",
            Box::new(|dir| {
                forge_manifest(dir, |_| {});
                edit_manifest(dir, |m| {
                    m.as_object_mut().unwrap().remove("checksum");
                    item_entry(m)["rows"] = 29.into();
                });
            }),
            vec![manifest_key, "29 rows for APP.ITEM", "re-run extract"],
        ),
    ];
    let mut failed = Vec::new();
    for (what, edit, wanted) in &cases {
        edit(&dir);
        // The parts are in the cache from the first load: they are counted all the same.
        let out = lab.ingest(&["--refreshdb"]);
        let err = stderr(&out);
        if out.status.code() != Some(1) {
            failed.push(format!("{what}: exit {:?}: {err}", out.status.code()));
        }
        for w in wanted {
            if !err.contains(w) {
                failed.push(format!("{what}: `{w}` not in {err}"));
            }
        }
        let after = state(&lab.target());
        if after != loaded {
            failed.push(format!(
                "{what}: the target changed: {}",
                changes(&loaded, &after)
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
        copy_dir(&pristine, &dir);
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));

    // A manifest of an older dbsub, without a checksum, still loads, with a warning.
    edit_manifest(&dir, |m| {
        m.as_object_mut().unwrap().remove("checksum");
    });
    let out = lab.ingest(&["--refreshdb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("has no checksum"), "{said}");
    let mut now = state(&lab.target()).rows;
    let mut then = loaded.rows.clone();
    for rows in [&mut now, &mut then] {
        rows.remove("dbsub_ingest_history");
    }
    assert!(now == then, "the same rows again");
}

/// A table without any key, 5000 rows: nothing but an emptiness check keeps a second load out.
const NOTES: &str = "
CREATE TABLE NOTE (TXT TEXT, N INTEGER);
INSERT INTO NOTE
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
SELECT 'note ' || i, i % 7 FROM n;
";

#[test]
fn two_ingests_at_once_load_a_keyless_table_once() {
    let lab = Lab::new(NOTES);
    let out = lab.extract(&["--seed-object", "NOTE"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = lab.manifest().tables[0].rows;
    assert_eq!(expected, 5000);
    let mut failed = Vec::new();
    for round in 0..5 {
        lab.create_target("CREATE TABLE NOTE (TXT TEXT, N INTEGER);");
        // Two processes at once, each from its own thread.
        let outs: Vec<Output> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| lab.ingest(&["--quiet", "--format", "json"])))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let conn = Connection::open(lab.target()).unwrap();
        let rows = count(&conn, "NOTE");
        if rows != expected {
            failed.push(format!("round {round}: {rows} rows"));
        }
        // Each run either loaded the table, or found it loaded by the other; a run that fails
        // says what happened, and never that nothing was changed.
        let mut loaded = 0;
        for out in &outs {
            let err = stderr(out);
            if err.contains("nothing was changed") {
                failed.push(format!("round {round}: {err}"));
            }
            if !out.status.success() {
                failed.push(format!("round {round}: failed: {err}"));
                continue;
            }
            let summary: Json = serde_json::from_str(&stdout(out)).unwrap();
            match statuses(&summary)["APP.NOTE"].as_str() {
                "loaded" => loaded += 1,
                "already loaded" => {}
                other => failed.push(format!("round {round}: status {other}")),
            }
        }
        if loaded != 1 {
            failed.push(format!("round {round}: loaded by {loaded} runs"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn verify_names_a_table_that_a_refreshdb_emptied_and_did_not_load_again() {
    let lab = Lab::shop(&[]);
    assert!(lab.ingest(&[]).status.success());
    let rows: BTreeMap<String, u64> = lab
        .manifest()
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.rows))
        .collect();
    // --refreshdb empties all three tables, loads CUSTOMER and ORDERS, and is killed in ITEM.
    let abort_at = rows["CUSTOMER"] + rows["ORDERS"] + 1;
    let killed = lab.ingest_with(
        &["--refreshdb"],
        &[("DBSUB_TEST_ABORT_AFTER_ROWS", &abort_at.to_string())],
    );
    assert!(!killed.status.success());
    let conn = Connection::open(lab.target()).unwrap();
    assert_eq!(count(&conn, "ITEM"), 0);
    assert_eq!(count(&conn, "ORDERS"), rows["ORDERS"]);

    let out = lab.verify();
    assert_eq!(out.status.code(), Some(5), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(!report.contains("match their extract"), "{report}");
    assert!(
        report.contains("APP.ITEM: not loaded") && report.contains("run ingest again"),
        "{report}"
    );
    let item_line = report
        .lines()
        .find(|l| l.trim_start().starts_with("APP.ITEM "))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(item_line.contains("FAILED"), "{item_line}");
    assert!(
        stderr(&out).contains("verify found 1 problem"),
        "{}",
        stderr(&out)
    );

    // Ingest again: ITEM loads, and verify is content.
    let summary = lab.ingest_json(&[]);
    assert_eq!(statuses(&summary), item_reloaded(), "{summary}");
    assert!(lab.verify().status.success());
}
