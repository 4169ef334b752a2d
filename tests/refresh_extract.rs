//! `extract --incremental`, the extract side of a refresh (issue 21, item 1), on SQLite and
//! PostgreSQL: a base extract records each watermark's high-water mark; a delta holds exactly
//! the rows changed or new since, with the parents they reference, and (with
//! `--detect-deletes`) the keys of held rows the source lost; the chain is checked; a killed
//! delta resumes to the same parts. The deltas are read back with the archive's own reader.
//!
//! The PostgreSQL tests are skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Workspace, decompressed, failure, files_below, manifest, pg, read_extract, success};
use dbsub::archive::csv::{CsvReader, Record};

/// Customers 1–20 (their `stamp` a text watermark, `O'Brien` in it); invoices 1–30, invoice
/// `i` of customer `i % 10 + 1`, open up to 20; two lines per invoice (`2i-1`, `2i`); a status
/// code table copied whole.
const SCHEMA: &str = "
    CREATE TABLE status_code (code VARCHAR(10) PRIMARY KEY, label VARCHAR(40) NOT NULL);
    CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL,
        stamp VARCHAR(60) NOT NULL);
    CREATE TABLE invoice (id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customer (id),
        status VARCHAR(10) NOT NULL REFERENCES status_code (code),
        deleted INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL);
    CREATE TABLE line (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES invoice (id),
        amount INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL);
    INSERT INTO status_code VALUES ('open', 'Open'), ('closed', 'Closed');";

fn rows() -> Vec<String> {
    let mut sql = Vec::new();
    for c in 1..=20 {
        sql.push(format!(
            "INSERT INTO customer VALUES ({c}, 'customer {c}', '2024-01-01 O''Brien {c:03}')"
        ));
    }
    for i in 1..=30 {
        let status = if i <= 20 { "open" } else { "closed" };
        sql.push(format!(
            "INSERT INTO invoice VALUES ({i}, {}, '{status}', 0, '2024-01-01 10:{:02}:00')",
            i % 10 + 1,
            i
        ));
        for l in [2 * i - 1, 2 * i] {
            sql.push(format!(
                "INSERT INTO line VALUES ({l}, {i}, {l}, '2024-01-01 11:{:02}:00')",
                l % 60
            ));
        }
    }
    sql
}

/// What changes between the base and delta 1.
const CHANGES: &[&str] = &[
    // A changed seed row (its parent, customer 4, is held and unchanged).
    "UPDATE invoice SET updated_at = '2024-02-01 09:00:00' WHERE id = 3",
    // A soft delete: a flag set with the watermark.
    "UPDATE invoice SET deleted = 1, updated_at = '2024-02-01 09:01:00' WHERE id = 5",
    // A new customer and a new seed row of it, with a line (a child of a new seed row).
    "INSERT INTO customer VALUES (21, 'customer 21', '2024-02-01 O''Brien 021')",
    "INSERT INTO invoice VALUES (31, 21, 'open', 0, '2024-02-01 09:02:00')",
    "INSERT INTO line VALUES (61, 31, 61, '2024-02-01 09:03:00')",
    // A new line of a held invoice.
    "INSERT INTO line VALUES (62, 1, 62, '2024-02-01 09:04:00')",
    // A held customer changed; a customer outside the subset changed.
    "UPDATE customer SET stamp = '2024-02-01 O''Brien 002' WHERE id = 2",
    "UPDATE customer SET stamp = '2024-02-01 O''Brien 015' WHERE id = 15",
    // A closed invoice (not in the subset) changed.
    "UPDATE invoice SET updated_at = '2024-02-01 09:05:00' WHERE id = 25",
    // A hard delete: invoice 7 and its lines.
    "DELETE FROM line WHERE invoice_id = 7",
    "DELETE FROM invoice WHERE id = 7",
];

const PLAN: &str = r#"
passthrough = ["status_code"]

[[seed]]
table = "invoice"
where = "status = 'open'"

[[children.edge]]
table = "line"

[refresh]
watermarks = { "invoice" = "updated_at", "line" = "updated_at", "customer" = "stamp" }
"#;

/// A source (SQLite or PostgreSQL, the environment APP), a store and a plan in a working folder.
struct Lab {
    ws: Workspace,
    kind: &'static str,
    vars: Vec<(String, String)>,
    exec: Box<dyn Fn(&str)>,
}

impl Lab {
    fn sqlite() -> Lab {
        let ws = Workspace::empty();
        let path = ws.path().join("app.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        for sql in rows() {
            conn.execute(&sql, []).unwrap();
        }
        let source = format!("sqlite://{}", path.display());
        let exec = Box::new(move |sql: &str| {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(sql).unwrap();
        });
        Lab::new(ws, "SQLITE", source, exec)
    }

    fn pg() -> Option<Lab> {
        let url = pg::cluster()?.create_database("refresh");
        let mut client = pg::connect(&url);
        client.batch_execute(SCHEMA).unwrap();
        client.batch_execute(&rows().join(";\n")).unwrap();
        let exec_url = url.clone();
        let exec = Box::new(move |sql: &str| {
            pg::connect(&exec_url).batch_execute(sql).unwrap();
        });
        Some(Lab::new(Workspace::empty(), "PG", url, exec))
    }

    fn new(ws: Workspace, kind: &'static str, source: String, exec: Box<dyn Fn(&str)>) -> Lab {
        std::fs::write(ws.path().join("plan.toml"), PLAN).unwrap();
        let store = format!("file://{}", ws.path().join("store").display());
        let vars = vec![
            (format!("DBSUB_SOURCE_{kind}_APP"), source),
            ("DBSUB_STORE_APP".to_string(), store),
        ];
        Lab {
            ws,
            kind,
            vars,
            exec,
        }
    }

    fn extract(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        // `extra` over the lab's own variables (another store).
        let mut vars = extra.to_vec();
        for (k, v) in &self.vars {
            if !extra.iter().any(|(e, _)| e == k) {
                vars.push((k, v));
            }
        }
        self.ws
            .dbsub(&vars)
            .args(["extract", self.kind, "APP", "--plan", "plan.toml"])
            .args(args)
            .output()
            .unwrap()
    }

    fn base(&self) -> PathBuf {
        self.ws
            .path()
            .join("store/APP")
            .join(self.kind)
            .join("default")
    }

    fn delta(&self, n: u32) -> PathBuf {
        self.base().join(format!("deltas/{n:05}"))
    }
}

/// The ids of each table of the extract in `dir` (the first column), by lower-case name.
fn ids(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    read_extract(dir)
        .into_iter()
        .map(|(t, (_, rows))| {
            let ids = rows.into_iter().map(|r| r[0].0.clone()).collect();
            (t.to_ascii_lowercase(), ids)
        })
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The keys each table's deletes list (the first column), by lower-case name; a table without
/// deletes is left out.
fn deletes(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for t in manifest(dir).tables {
        let Some(deletes) = &t.deletes else { continue };
        let mut keys = BTreeSet::new();
        for part in &deletes.parts {
            let text = decompressed(&dir.join(&part.key));
            let mut reader = CsvReader::new(&text[..]);
            let mut record = Record::new();
            assert!(reader.read_record(&mut record).unwrap(), "a header");
            let header: Vec<&[u8]> = record.iter().map(|(f, _)| f).collect();
            assert_eq!(header.len(), deletes.columns.len(), "{}", part.key);
            while reader.read_record(&mut record).unwrap() {
                let (field, _) = record.iter().next().unwrap();
                keys.insert(String::from_utf8(field.to_vec()).unwrap());
            }
        }
        assert_eq!(keys.len() as u64, deletes.rows, "{}", t.name);
        out.insert(t.name.to_ascii_lowercase(), keys);
    }
    out
}

/// Each table's recorded high-water mark, by lower-case name.
fn marks(dir: &Path) -> BTreeMap<String, Option<String>> {
    manifest(dir)
        .tables
        .iter()
        .filter_map(|t| {
            let w = t.watermark.as_ref()?;
            Some((t.name.to_ascii_lowercase(), w.high_water.clone()))
        })
        .collect()
}

fn a_base_records_its_marks_and_a_delta_holds_the_changes(lab: &Lab) {
    let kind = lab.kind;
    success(&lab.extract(&[], &[]), &["base"]);
    let base = manifest(&lab.base());
    let chain = base
        .refresh
        .as_ref()
        .expect("a base of a plan with [refresh]");
    assert_eq!(
        (chain.sequence, chain.after.as_deref()),
        (0, None),
        "{kind}"
    );
    let expected = BTreeMap::from([
        (
            "customer".to_string(),
            Some("2024-01-01 O'Brien 020".to_string()),
        ),
        (
            "invoice".to_string(),
            Some("2024-01-01T10:30:00".to_string()),
        ),
        ("line".to_string(), Some("2024-01-01T11:59:00".to_string())),
    ]);
    // The whole table's highest value, not the subset's: invoice 30 is closed.
    assert_eq!(marks(&lab.base()), expected, "{kind}");
    let got = ids(&lab.base());
    assert_eq!(got["invoice"].len(), 20, "{kind}");
    assert_eq!(got["line"].len(), 40, "{kind}");

    for sql in CHANGES {
        (lab.exec)(sql);
    }
    let args = ["--incremental", "--detect-deletes", "--format", "json"];
    let out = lab.extract(&args, &[]);
    let summary: serde_json::Value = serde_json::from_str(&success(&out, &args)).unwrap();
    assert_eq!(summary["delta"], 1, "{kind}: {summary}");
    let got = ids(&lab.delta(1));
    assert_eq!(got["invoice"], set(&["3", "31", "5"]), "{kind}");
    assert_eq!(got["customer"], set(&["2", "21"]), "{kind}");
    assert_eq!(got["line"], set(&["61", "62"]), "{kind}");
    assert_eq!(got["status_code"], set(&["closed", "open"]), "{kind}");
    // The hard delete: invoice 7 and its lines; no other table lost a held row.
    let gone = deletes(&lab.delta(1));
    assert_eq!(gone["invoice"], set(&["7"]), "{kind}");
    assert_eq!(gone["line"], set(&["13", "14"]), "{kind}");
    assert!(gone["customer"].is_empty(), "{kind}");
    assert!(!gone.contains_key("status_code"), "{kind}: copied whole");
    let delta = manifest(&lab.delta(1));
    let chain = delta.refresh.as_ref().expect("a delta's chain");
    assert_eq!(chain.sequence, 1, "{kind}");
    assert_eq!(chain.after, base.checksum, "{kind}");
    let marks = marks(&lab.delta(1));
    assert_eq!(
        marks["customer"].as_deref(),
        Some("2024-02-01 O'Brien 021"),
        "{kind}"
    );
    assert_eq!(
        marks["invoice"].as_deref(),
        Some("2024-02-01T09:05:00"),
        "{kind}"
    );
    let tables = summary["tables"].as_array().unwrap();
    let invoice = tables
        .iter()
        .find(|t| {
            t["table"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .ends_with("invoice")
        })
        .unwrap();
    assert_eq!(invoice["rows"], 3, "{kind}: {summary}");
    assert_eq!(
        invoice["high_water"]["value"], "2024-02-01T09:05:00",
        "{kind}"
    );

    // Nothing changed since: delta 2 holds no changed row (the code table is copied whole),
    // and no delete (delta 1's deletes left the chain's keys).
    let args = ["--incremental", "--detect-deletes"];
    success(&lab.extract(&args, &[]), &args);
    let got = ids(&lab.delta(2));
    let gone = deletes(&lab.delta(2));
    for table in ["invoice", "customer", "line"] {
        assert!(got[table].is_empty(), "{kind}: {table}: {:?}", got[table]);
        assert!(gone[table].is_empty(), "{kind}: {table}: {:?}", gone[table]);
    }
    let chain = manifest(&lab.delta(2)).refresh.unwrap();
    assert_eq!(chain.after, delta.checksum, "{kind}");
}

#[test]
fn sqlite_a_delta_holds_exactly_the_changes() {
    let lab = Lab::sqlite();
    a_base_records_its_marks_and_a_delta_holds_the_changes(&lab);
}

#[test]
fn postgres_a_delta_holds_exactly_the_changes() {
    let Some(lab) = Lab::pg() else { return };
    a_base_records_its_marks_and_a_delta_holds_the_changes(&lab);
}

/// Runs `extract` with `plan` as the plan file (written over `plan.toml`) and `args`; the error.
fn refused(lab: &Lab, plan: &str, args: &[&str]) -> String {
    std::fs::write(lab.ws.path().join("plan.toml"), plan).unwrap();
    failure(&lab.extract(args, &[]), args)
}

/// Each refusal names what is wrong and what to do, before anything is written.
fn wrong_uses_are_refused(lab: &Lab) {
    let kind = lab.kind;
    let incremental = ["--incremental"];
    let err = refused(lab, PLAN, &incremental);
    assert!(
        err.contains("has no complete base extract") && err.contains("without --incremental"),
        "{kind}: {err}"
    );
    // The watermarks are checked before any row is read, with the plan's line.
    let bad_table = PLAN.replace("\"customer\" = \"stamp\"", "\"nothere\" = \"stamp\"");
    let err = refused(lab, &bad_table, &[]);
    assert!(
        err.contains("names the table `nothere`, which this subset does not read")
            && err.contains("plan.toml, line 12"),
        "{kind}: {err}"
    );
    let bad_column = PLAN.replace("\"customer\" = \"stamp\"", "\"customer\" = \"stomp\"");
    let err = refused(lab, &bad_column, &[]);
    assert!(
        err.contains("gives `customer` the column `stomp`") && err.contains("(its columns: "),
        "{kind}: {err}"
    );
    // A column that does not sort (a LOB or LONG on Oracle, binary here) is no watermark.
    let blob = if kind == "SQLITE" { "BLOB" } else { "BYTEA" };
    (lab.exec)(&format!("ALTER TABLE customer ADD COLUMN photo {blob}"));
    let unsorted = PLAN.replace("\"customer\" = \"stamp\"", "\"customer\" = \"photo\"");
    let err = refused(lab, &unsorted, &[]);
    assert!(
        err.contains("the column `photo`, of type") && err.contains("which does not sort"),
        "{kind}: {err}"
    );
    (lab.exec)("ALTER TABLE customer DROP COLUMN photo");
    let passthrough = PLAN.replace("\"customer\" = \"stamp\"", "\"status_code\" = \"label\"");
    let err = refused(lab, &passthrough, &[]);
    assert!(
        err.contains("the passthrough table `status_code`"),
        "{kind}: {err}"
    );
    assert!(!lab.base().exists(), "{kind}: nothing written");

    // Flags that do not go together.
    for args in [
        &["--incremental", "--refresh"][..],
        &["--incremental", "--table", "invoice"],
        &["--detect-deletes"],
    ] {
        let err = refused(lab, PLAN, args);
        assert!(
            err.contains("cannot be used with") || err.contains("required arguments"),
            "{kind}: {args:?}: {err}"
        );
    }

    // A base without [refresh] cannot be followed by a delta.
    let plain = PLAN.split("[refresh]").next().unwrap();
    std::fs::write(lab.ws.path().join("plan.toml"), plain).unwrap();
    success(&lab.extract(&[], &[]), &["plain base"]);
    let err = refused(lab, PLAN, &incremental);
    assert!(
        err.contains("was written without [refresh] watermarks") && err.contains("--refresh"),
        "{kind}: {err}"
    );
    let err = refused(lab, plain, &incremental);
    assert!(err.contains("the plan has none"), "{kind}: {err}");

    // A base with watermarks, then a plan that selects other rows.
    std::fs::write(lab.ws.path().join("plan.toml"), PLAN).unwrap();
    success(&lab.extract(&["--refresh"], &[]), &["base"]);
    let other = PLAN.replace("status = 'open'", "status = 'closed'");
    let err = refused(lab, &other, &incremental);
    assert!(
        err.contains("differs from the one the base extract"),
        "{kind}: {err}"
    );
    // Other [refresh] watermarks are fine.
    let fewer = PLAN.replace(", \"customer\" = \"stamp\"", "");
    std::fs::write(lab.ws.path().join("plan.toml"), fewer).unwrap();
    let out = lab.extract(&incremental, &[]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "{kind}: {err}");
    assert!(
        err.contains("no watermark for") && err.contains("customer"),
        "{kind}: {err}"
    );

    // A broken chain: delta 1's manifest gone while delta 2 has one.
    std::fs::write(lab.ws.path().join("plan.toml"), PLAN).unwrap();
    success(&lab.extract(&incremental, &[]), &["delta 2"]);
    std::fs::remove_file(lab.delta(1).join("manifest.json")).unwrap();
    let err = refused(lab, PLAN, &incremental);
    assert!(
        err.contains("the refresh chain of")
            && err.contains("deltas/00002 has a manifest, but delta 1 has none"),
        "{kind}: {err}"
    );

    // A table whose rows have no key: a delta cannot recognise them.
    (lab.exec)("CREATE TABLE note (invoice_id INTEGER REFERENCES invoice (id), body VARCHAR(20))");
    let keyless = "name = \"keyless\"\n[[seed]]\ntable = \"note\"\n\n[refresh]\nwatermarks = {}\n";
    std::fs::write(lab.ws.path().join("plan.toml"), keyless).unwrap();
    success(&lab.extract(&[], &[]), &["keyless base"]);
    let err = refused(lab, keyless, &incremental);
    assert!(
        err.contains("has no primary key and no unique key of NOT NULL columns"),
        "{kind}: {err}"
    );

    // A masked key: the extract does not hold the source's keys.
    let masked =
        format!("name = \"masked\"\n{PLAN}\n[masking.columns]\n\"customer.id\" = \"pseudonym\"\n");
    std::fs::write(lab.ws.path().join("plan.toml"), &masked).unwrap();
    let key = [(
        "DBSUB_MASKING_KEY",
        "a key of thirty-two bytes or more, for tests",
    )];
    success(&lab.extract(&[], &key), &["masked base"]);
    let out = lab.extract(&incremental, &key);
    let err = failure(&out, &incremental);
    assert!(
        err.contains("the key column") && err.contains("is masked"),
        "{kind}: {err}"
    );
}

#[test]
fn sqlite_wrong_uses_are_refused() {
    let lab = Lab::sqlite();
    wrong_uses_are_refused(&lab);
    // SQLite stores a date as text in more than one form: its archived text is no key.
    (lab.exec)(
        "CREATE TABLE account (no DATE PRIMARY KEY); INSERT INTO account VALUES ('2024-01-05');",
    );
    let plan = "name = \"accounts\"\n[[seed]]\ntable = \"account\"\n\n[refresh]\nwatermarks = {}\n";
    std::fs::write(lab.ws.path().join("plan.toml"), plan).unwrap();
    success(&lab.extract(&[], &[]), &["accounts base"]);
    let err = refused(&lab, plan, &["--incremental"]);
    assert!(
        err.contains("the key of main.account (no) is of a type whose archived form")
            && !err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn postgres_wrong_uses_are_refused() {
    let Some(lab) = Lab::pg() else { return };
    wrong_uses_are_refused(&lab);
}

/// A delta killed after a few parts, run again, writes the parts of an uninterrupted delta.
fn a_killed_delta_resumes_to_the_same_parts(lab: &Lab) {
    let kind = lab.kind;
    success(&lab.extract(&[], &[]), &["base"]);
    for sql in CHANGES {
        (lab.exec)(sql);
    }
    // A second store with the same base.
    let store = lab.ws.path().join("store");
    let other = lab.ws.path().join("other");
    for (key, bytes) in files_below(&store) {
        let path = other.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let args = ["--incremental", "--detect-deletes", "--part-size", "1"];
    success(&lab.extract(&args, &[]), &args);
    let other_store = format!("file://{}", other.display());
    let other_vars = [("DBSUB_STORE_APP", other_store.as_str())];
    let mut killed = other_vars.to_vec();
    killed.push(("DBSUB_TEST_ABORT_AFTER_PARTS", "3"));
    let out = lab.extract(&args, &killed);
    assert!(!out.status.success(), "{kind}: the hook kills it");
    assert!(
        !other
            .join("APP")
            .join(kind)
            .join("default/deltas/00001/manifest.json")
            .exists()
    );
    success(&lab.extract(&args, &other_vars), &args);

    let clean_dir = lab.delta(1);
    let resumed_dir = other.join("APP").join(kind).join("default/deltas/00001");
    let mut clean = files_below(&clean_dir);
    let mut resumed = files_below(&resumed_dir);
    let clean_manifest = clean.remove("manifest.json").unwrap();
    let resumed_manifest = resumed.remove("manifest.json").unwrap();
    assert!(clean.len() > 6, "{kind}: several parts: {:?}", clean.keys());
    assert_eq!(
        resumed.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>(),
        "{kind}"
    );
    for (key, bytes) in &clean {
        assert!(resumed[key] == *bytes, "{kind}: {key} differs");
    }
    let stable = |bytes: &[u8]| {
        let mut m = common::stable_manifest(bytes);
        // The chain's link: the same base, so the same checksum.
        m["source"] = serde_json::Value::Null;
        m
    };
    assert_eq!(stable(&clean_manifest), stable(&resumed_manifest), "{kind}");
}

#[test]
fn sqlite_a_killed_delta_resumes_to_the_same_parts() {
    a_killed_delta_resumes_to_the_same_parts(&Lab::sqlite());
}

#[test]
fn postgres_a_killed_delta_resumes_to_the_same_parts() {
    let Some(lab) = Lab::pg() else { return };
    a_killed_delta_resumes_to_the_same_parts(&lab);
}

/// A seed without a condition: a delta holds its new and changed rows only; a numeric key with
/// a scale (`5.00`, as PostgreSQL writes it) and a blank-padded CHAR(n) key are recognised from
/// one extract to the next, and a deleted one is listed as it was archived.
fn a_seed_without_condition_and_a_numeric_key(lab: &Lab) {
    let kind = lab.kind;
    let plan = "name = \"accounts\"\n[[seed]]\ntable = \"customer\"\n\n[[seed]]\ntable = \"account\"\n\n\
                [[seed]]\ntable = \"region\"\n\n[refresh]\nwatermarks = { \"customer\" = \"stamp\" }\n";
    (lab.exec)(
        "CREATE TABLE account (no NUMERIC(12, 2) PRIMARY KEY, label VARCHAR(20) NOT NULL);
         INSERT INTO account VALUES (5, 'five'), (6.5, 'six and a half'), (7, 'seven');
         CREATE TABLE region (code CHAR(4) PRIMARY KEY, label VARCHAR(20) NOT NULL);
         INSERT INTO region VALUES ('N', 'north'), ('SE', 'south-east'), ('W', 'west');",
    );
    std::fs::write(lab.ws.path().join("plan.toml"), plan).unwrap();
    success(&lab.extract(&[], &[]), &["base"]);
    let dir = lab.base().with_file_name("accounts");
    assert_eq!(ids(&dir)["customer"].len(), 20, "{kind}");
    for sql in CHANGES {
        (lab.exec)(sql);
    }
    (lab.exec)(
        "DELETE FROM account WHERE no = 7; INSERT INTO account VALUES (8, 'eight');
         DELETE FROM region WHERE code = 'W'; INSERT INTO region VALUES ('NE', 'north-east');",
    );
    let args = ["--incremental", "--detect-deletes"];
    success(&lab.extract(&args, &[]), &args);
    let delta = dir.join("deltas/00001");
    let got = ids(&delta);
    assert_eq!(got["customer"], set(&["15", "2", "21"]), "{kind}");
    // PostgreSQL's numeric keeps the column's scale; SQLite stores whole numbers as integers
    // (5, 7, 8) and 6.5 as a real: each archived as it was read, each recognised as held. A
    // delete is listed by its key, whose numeric has no zeros ending its fraction (`7`, which
    // the target's numeric equals to `7.00`).
    let new = if kind == "SQLITE" { "8" } else { "8.00" };
    assert_eq!(got["account"], set(&[new]), "{kind}");
    assert_eq!(deletes(&delta)["account"], set(&["7"]), "{kind}");
    // A blank-padded CHAR(4) key: PostgreSQL archives and scans it padded; SQLite keeps what
    // was inserted.
    let (new, gone) = if kind == "SQLITE" {
        ("NE", "W")
    } else {
        ("NE  ", "W   ")
    };
    assert_eq!(got["region"], set(&[new]), "{kind}");
    assert_eq!(deletes(&delta)["region"], set(&[gone]), "{kind}");
}

#[test]
fn sqlite_a_seed_without_condition_and_a_numeric_key() {
    a_seed_without_condition_and_a_numeric_key(&Lab::sqlite());
}

#[test]
fn postgres_a_seed_without_condition_and_a_numeric_key() {
    let Some(lab) = Lab::pg() else { return };
    a_seed_without_condition_and_a_numeric_key(&lab);
}

/// The chain in an S3 store (the moto server of `tests/common/s3.rs`): delta 2 finds delta 1
/// by listing the bucket, and reads the keys its parts hold.
#[test]
fn sqlite_deltas_follow_each_other_in_an_s3_store() {
    let Some(server) = common::s3::server() else {
        return;
    };
    let lab = Lab::sqlite();
    let bucket = server.create_bucket("refresh");
    let store = bucket.url("dbsub");
    let env = server.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.push(("DBSUB_STORE_APP", &store));
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&success(&lab.extract(&all, &vars), &all)).unwrap()
    };
    let rows = |summary: &serde_json::Value, table: &str| {
        let tables = summary["tables"].as_array().unwrap();
        let t = tables
            .iter()
            .find(|t| t["table"].as_str().unwrap().ends_with(table))
            .unwrap();
        (t["rows"].as_u64().unwrap(), t["deletes"].as_u64())
    };
    assert_eq!(rows(&json(&[]), "invoice"), (20, None));
    for sql in CHANGES {
        (lab.exec)(sql);
    }
    let incremental = ["--incremental", "--detect-deletes"];
    let first = json(&incremental);
    assert_eq!(first["delta"], 1, "{first}");
    assert_eq!(rows(&first, "invoice"), (3, Some(1)));
    let second = json(&incremental);
    assert_eq!(second["delta"], 2, "{second}");
    assert_eq!(rows(&second, "invoice"), (0, Some(0)));
    assert_eq!(rows(&second, "line"), (0, Some(0)));
    assert!(!lab.base().exists(), "nothing in the file store");
}

/// A blank-padded CHAR(n) key read two ways in one extract, with no delta: `region` is a seed
/// (its keys scanned by COPY) and the parent of `shop` (looked up by key): each row has one key
/// and is written once.
#[test]
fn postgres_a_char_key_scanned_and_looked_up_is_one_key() {
    let Some(lab) = Lab::pg() else { return };
    (lab.exec)(
        "CREATE TABLE region (code CHAR(4) PRIMARY KEY, label VARCHAR(20) NOT NULL);
         INSERT INTO region VALUES ('N', 'north'), ('SE', 'south-east'), ('W', 'west');
         CREATE TABLE shop (id INTEGER PRIMARY KEY,
             region CHAR(4) NOT NULL REFERENCES region (code));
         INSERT INTO shop VALUES (1, 'N'), (2, 'SE'), (3, 'W');",
    );
    let plan = "name = \"shops\"\n[[seed]]\ntable = \"region\"\nwhere = \"code <> 'W'\"\n\n\
                [[seed]]\ntable = \"shop\"\n";
    std::fs::write(lab.ws.path().join("plan.toml"), plan).unwrap();
    success(&lab.extract(&[], &[]), &["shops"]);
    let dir = lab.base().with_file_name("shops");
    let region = manifest(&dir)
        .tables
        .into_iter()
        .find(|t| t.name == "region")
        .unwrap();
    assert_eq!(region.rows, 3, "each region once");
    assert_eq!(ids(&dir)["region"], set(&["N   ", "SE  ", "W   "]));
}
