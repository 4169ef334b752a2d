//! `dbsub extract`: the row closure against an independent computation, cycles, plans,
//! resume after a kill, the values that travel, and bad input.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{
    ExtractRows, Workspace, files_below, mixed_code, read_extract, resumed_equals_clean,
    stable_manifest, stderr, stdout, walk,
};
use dbsub::archive::manifest::Manifest;
use rusqlite::Connection;
use serde_json::Value as Json;

/// The seed of most tests: 50 seedlots of the demo at scale 0.01.
const WHERE: &str = "SEEDLOT_NUMBER < '60050'";

struct Extract {
    ws: Workspace,
    store: PathBuf,
}

impl Extract {
    fn demo() -> Extract {
        let ws = Workspace::with_demo();
        let store = ws.path().join("store");
        Extract { ws, store }
    }

    fn vars(&self) -> Vec<(String, String)> {
        vec![
            ("DBSUB_SOURCE_SQLITE_DEMO".into(), self.ws.demo_url()),
            (
                "DBSUB_STORE_DEMO".into(),
                format!("file://{}", self.store.display()),
            ),
        ]
    }

    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        self.command(args, extra).output().unwrap()
    }

    /// `dbsub extract SQLITE DEMO args` with the demo's variables and `extra`.
    fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> std::process::Command {
        let mut vars = self.vars();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut cmd = self.ws.dbsub_process(&refs);
        cmd.args(["extract", "SQLITE", "DEMO"]).args(args);
        cmd
    }

    fn subset_dir(&self, subset: &str) -> PathBuf {
        self.store.join("DEMO/SQLITE").join(subset)
    }

    fn manifest(&self, subset: &str) -> Manifest {
        common::manifest(&self.subset_dir(subset))
    }
}

/// A foreign key: (child, parent, child columns, parent columns).
type Fk = (String, String, Vec<String>, Vec<String>);

/// The FKs of a SQLite database, read with SQLite's own pragma (not dbsub's reader).
fn sqlite_fks(conn: &Connection) -> Vec<Fk> {
    let mut stmt = conn
        .prepare(
            "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\" FROM sqlite_schema m \
             JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1, 2, f.seq",
        )
        .unwrap();
    let mut fks: BTreeMap<(String, i64), Fk> = BTreeMap::new();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (child, id, parent, from, to): (String, i64, String, String, String) = row.unwrap();
        let e = fks
            .entry((child.clone(), id))
            .or_insert((child, parent, vec![], vec![]));
        e.2.push(from);
        e.3.push(to);
    }
    fks.into_values().collect()
}

/// The rowids of each table in the parents closure of `seed WHERE condition`, computed the
/// slow, obvious way: one query per row and foreign key, until nothing changes.
fn independent_closure(db: &Path, seed: &str, condition: &str) -> BTreeMap<String, BTreeSet<i64>> {
    let conn = Connection::open(db).unwrap();
    let fks = sqlite_fks(&conn);
    let mut selected: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut todo: Vec<(String, i64)> = Vec::new();
    let mut stmt = conn
        .prepare(&format!("SELECT rowid FROM \"{seed}\" WHERE {condition}"))
        .unwrap();
    for id in stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap() {
        todo.push((seed.to_string(), id.unwrap()));
    }
    while let Some((table, rowid)) = todo.pop() {
        if !selected.entry(table.clone()).or_default().insert(rowid) {
            continue;
        }
        for (child, parent, from, to) in fks.iter().filter(|f| f.0 == table) {
            let cols = from
                .iter()
                .map(|c| format!("c.\"{c}\""))
                .collect::<Vec<_>>();
            let join = from
                .iter()
                .zip(to)
                .map(|(f, t)| format!("p.\"{t}\" = c.\"{f}\""))
                .collect::<Vec<_>>()
                .join(" AND ");
            let sql = format!(
                "SELECT p.rowid FROM \"{child}\" c JOIN \"{parent}\" p ON {join} \
                 WHERE c.rowid = ?1 AND {}",
                cols.iter()
                    .map(|c| format!("{c} IS NOT NULL"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            );
            let mut q = conn.prepare(&sql).unwrap();
            for id in q.query_map([rowid], |r| r.get::<_, i64>(0)).unwrap() {
                todo.push((parent.clone(), id.unwrap()));
            }
        }
    }
    selected
}

/// Primary-key text of the given rowids, as the CSV writes it.
fn key_texts(
    db: &Path,
    table: &str,
    pk: &[String],
    rowids: &BTreeSet<i64>,
) -> BTreeSet<Vec<String>> {
    let conn = Connection::open(db).unwrap();
    let cols = pk
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {cols} FROM \"{table}\" WHERE rowid = ?1"))
        .unwrap();
    rowids
        .iter()
        .map(|id| {
            stmt.query_row([id], |r| {
                (0..pk.len()).map(|i| r.get::<_, String>(i)).collect()
            })
            .unwrap()
        })
        .collect()
}

#[test]
fn the_closure_equals_an_independent_computation_and_every_fk_resolves() {
    let ex = Extract::demo();
    let out = ex.run(&["--seed-object", "SEEDLOT", "--where", WHERE], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = ex.manifest("default");
    let rows = read_extract(&ex.subset_dir("default"));
    let expected = independent_closure(&ex.ws.demo_db(), "SEEDLOT", WHERE);

    // The same tables, and in each the same rows (by primary key).
    let extracted_tables: BTreeSet<&String> = rows
        .iter()
        .filter(|(_, (_, r))| !r.is_empty())
        .map(|(t, _)| t)
        .collect();
    assert_eq!(extracted_tables, expected.keys().collect::<BTreeSet<_>>());
    assert!(
        expected.len() >= 8,
        "the demo subset spans the code tables and the cycle"
    );
    for t in &manifest.tables {
        let pk = t
            .primary_key
            .clone()
            .expect("every demo parent table has a key");
        let (header, data) = &rows[&t.name];
        let pos: Vec<usize> = pk
            .iter()
            .map(|c| header.iter().position(|h| h == c).unwrap())
            .collect();
        let got: BTreeSet<Vec<String>> = data
            .iter()
            .map(|r| pos.iter().map(|&p| r[p].0.clone()).collect())
            .collect();
        assert_eq!(got.len(), data.len(), "{}: no row twice", t.name);
        let want = key_texts(&ex.ws.demo_db(), &t.name, &pk, &expected[&t.name]);
        assert_eq!(got, want, "{}", t.name);
    }

    // Every foreign key among the extracted rows finds its parent among them.
    for t in &manifest.tables {
        let (header, data) = &rows[&t.name];
        for fk in &t.foreign_keys {
            let (p_header, p_data) = &rows[&fk.ref_table];
            let cpos: Vec<usize> = fk
                .columns
                .iter()
                .map(|c| header.iter().position(|h| h == c).unwrap())
                .collect();
            let ppos: Vec<usize> = fk
                .ref_columns
                .iter()
                .map(|c| p_header.iter().position(|h| h == c).unwrap())
                .collect();
            let parents: BTreeSet<Vec<&str>> = p_data
                .iter()
                .map(|r| ppos.iter().map(|&p| r[p].0.as_str()).collect())
                .collect();
            for r in data {
                let v: Vec<&str> = cpos.iter().map(|&p| r[p].0.as_str()).collect();
                let null = cpos.iter().any(|&p| r[p].0.is_empty() && !r[p].1);
                assert!(
                    null || parents.contains(&v),
                    "{}.{} {v:?} has no parent",
                    t.name,
                    fk.name
                );
            }
        }
    }
    // The cycle FOREST_CLIENT ↔ CLIENT_LOCATION is in the subset and reported for the loader.
    assert!(
        manifest
            .cycle_foreign_keys
            .iter()
            .any(|k| k.foreign_key == "FOREST_CLIENT_PRIMARY_LOCN_FK"),
        "{:?}",
        manifest.cycle_foreign_keys
    );
    let pos = |n: &str| manifest.load_order.iter().position(|t| t == n).unwrap();
    assert!(pos("THE.SEEDLOT_STATUS_CODE") < pos("THE.SEEDLOT"));
    assert!(pos("THE.FOREST_CLIENT") < pos("THE.CLIENT_LOCATION"));
}

/// A small schema with a two-table cycle, a self-reference, a composite and nullable FK.
fn cycle_db(dir: &Path) -> PathBuf {
    let path = dir.join("app.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE REGION (ID INTEGER PRIMARY KEY, NAME TEXT NOT NULL,
             CAPITAL_ID INTEGER REFERENCES CITY (ID));
         CREATE TABLE CITY (ID INTEGER PRIMARY KEY, REGION_ID INTEGER NOT NULL REFERENCES REGION (ID),
             NAME TEXT NOT NULL);
         CREATE TABLE EMP (ID INTEGER PRIMARY KEY, BOSS_ID INTEGER REFERENCES EMP (ID),
             CITY_ID INTEGER REFERENCES CITY (ID));
         CREATE TABLE ROOM (BLD VARCHAR2(5), NO NUMBER(4), CITY_ID INTEGER, PRIMARY KEY (BLD, NO));
         CREATE TABLE DESK (ID INTEGER PRIMARY KEY, BLD VARCHAR2(5), NO NUMBER(4),
             EMP_ID INTEGER REFERENCES EMP (ID),
             CONSTRAINT DESK_ROOM_FK FOREIGN KEY (BLD, NO) REFERENCES ROOM (BLD, NO));
         INSERT INTO REGION VALUES (1, 'North', 7), (2, 'South', NULL), (3, 'East', NULL);
         INSERT INTO CITY VALUES (1, 1, 'Aa'), (2, 1, 'Bb'), (3, 1, 'Cc'), (7, 2, 'Gg'), (8, 3, 'Hh');
         INSERT INTO EMP VALUES (1, NULL, 8), (3, 1, NULL), (5, 3, 2), (6, 5, 3);
         INSERT INTO ROOM VALUES ('B', 1, 1), ('B', 2, 1), ('C', 1, 3);
         INSERT INTO DESK VALUES (1, 'B', 1, 5), (2, NULL, 1, 6), (3, 'C', 1, NULL);",
    )
    .unwrap();
    path
}

fn app_vars(dir: &Path) -> Vec<(String, String)> {
    vec![
        (
            "DBSUB_SOURCE_SQLITE_APP".into(),
            format!("sqlite://{}?schema=APP", dir.join("app.db").display()),
        ),
        (
            "DBSUB_STORE_APP".into(),
            format!("file://{}", dir.join("store").display()),
        ),
    ]
}

fn app_run(ws: &Workspace, args: &[&str]) -> std::process::Output {
    let vars = app_vars(ws.path());
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ws.dbsub(&refs)
        .args(["extract", "SQLITE", "APP"])
        .args(args)
        .output()
        .unwrap()
}

/// The first column of every row of each table.
fn ids(rows: &ExtractRows) -> BTreeMap<String, Vec<String>> {
    rows.iter()
        .map(|(t, (_, r))| (t.clone(), r.iter().map(|f| f[0].0.clone()).collect()))
        .collect()
}

#[test]
fn cycles_self_references_and_composite_nullable_keys_close() {
    let ws = Workspace::empty();
    cycle_db(ws.path());
    let out = app_run(&ws, &["--seed-object", "DESK", "--where", "ID IN (1, 2)"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_extract(&ws.path().join("store/APP/SQLITE/default"));
    let got = ids(&rows);
    // DESK 1 → room (B,1), emp 5 → boss 3 → boss 1 → city 8 → region 3; emp 5 → city 2 →
    // region 1 → capital 7 → region 2. DESK 2 has no room (NULL in the composite key): emp 6
    // → city 3.
    assert_eq!(got["DESK"], ["1", "2"]);
    assert_eq!(got["EMP"], ["1", "3", "5", "6"]);
    assert_eq!(got["CITY"], ["2", "3", "7", "8"]);
    assert_eq!(got["REGION"], ["1", "2", "3"]);
    assert_eq!(got["ROOM"], ["B"]);
}

#[test]
fn a_self_referencing_table_taken_whole_counts_each_row_once() {
    // EMP is a seed without a condition (all its rows) and references itself: its bosses are
    // among its rows already, and must not be read, or counted, again.
    let ws = Workspace::empty();
    cycle_db(ws.path());
    let out = app_run(&ws, &["--seed-object", "EMP"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = ws.path().join("store/APP/SQLITE/default");
    let got = ids(&read_extract(&dir));
    assert_eq!(got["EMP"], ["1", "3", "5", "6"]);
    let manifest =
        Manifest::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let emp = manifest.tables.iter().find(|t| t.name == "EMP").unwrap();
    assert_eq!(emp.rows, 4);
}

#[test]
fn a_plan_file_takes_children_with_caps_and_passthrough_tables() {
    let ws = Workspace::empty();
    cycle_db(ws.path());
    std::fs::write(
        ws.path().join("plan.toml"),
        r#"
name = "regions"
passthrough = ["ROOM"]
exclude = ["DESK"]

[[seed]]
table = "APP.REGION"
where = "ID = 1"

[[children.edge]]
table = "CITY"
foreign_key = "CITY_FK1"
cap = 2
"#,
    )
    .unwrap();
    let dry = app_run(&ws, &["--plan", "plan.toml", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let plan = stdout(&dry);
    assert!(
        plan.contains("APP.ROOM") && plan.contains("passthrough: all rows"),
        "{plan}"
    );
    assert!(
        plan.contains("and child via CITY_FK1 of APP.REGION"),
        "{plan}"
    );
    assert!(plan.contains("seed: ID = 1"), "{plan}");
    assert!(
        !ws.path().join("store").exists(),
        "a dry run writes nothing"
    );

    let out = app_run(&ws, &["--plan", "plan.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_extract(&ws.path().join("store/APP/SQLITE/regions"));
    let got = ids(&rows);
    // Region 1's cities, at most 2 (the lowest keys), plus city 7, its capital, and 7's region.
    assert_eq!(got["CITY"], ["1", "2", "7"]);
    assert_eq!(got["REGION"], ["1", "2"]);
    assert_eq!(got["ROOM"], ["B", "B", "C"], "passthrough: the whole table");
    assert!(!got.contains_key("DESK") && !got.contains_key("EMP"));

    // The children read by one scan of CITY that keeps region 1's (--scan-share 0) rather than
    // by a lookup: the same rows, within the same cap.
    let args = ["--plan", "plan.toml", "--scan-share", "0", "--refresh"];
    let out = app_run(&ws, &[&args[..], &["--format", "json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Json = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(summary["closure_scans"].as_u64().unwrap() >= 1, "{summary}");
    let scanned = ids(&read_extract(&ws.path().join("store/APP/SQLITE/regions")));
    assert_eq!(scanned, got);
}

/// The seed of most tests in parts of 2 KiB: many parts for a kill to fall between.
const SMALL_PARTS: [&str; 6] = [
    "--seed-object",
    "SEEDLOT",
    "--where",
    WHERE,
    "--part-size",
    "2K",
];

#[test]
fn a_killed_extract_resumes_and_ends_identical_to_a_clean_one() {
    let ex = Extract::demo();
    let args = SMALL_PARTS;
    let killed = ex.run(&args, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "3")]);
    assert!(!killed.status.success(), "the hook kills the process");
    let dir = ex.subset_dir("default");
    assert!(
        !dir.join("manifest.json").exists(),
        "no manifest after a kill"
    );
    assert!(
        dir.join("progress").exists(),
        "the progress of the parts written"
    );
    // What a kill during an upload leaves in a folder store: the part under a staging name.
    let staged = dir.join("data/THE.SEEDLOT/part-00006.csv.zst#1");
    std::fs::write(&staged, b"half a part").unwrap();

    let mut resumed_args = args.to_vec();
    resumed_args.extend(["--format", "json"]);
    let resumed = ex.run(&resumed_args, &[]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let summary: Json = serde_json::from_str(&stdout(&resumed)).unwrap();
    let kept: u64 = summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kept_parts"].as_u64().unwrap())
        .sum();
    assert!(kept >= 2, "parts of the killed run are kept: {summary}");
    assert!(
        !dir.join("progress").exists(),
        "the manifest replaces the progress files"
    );
    assert!(!staged.exists(), "the resume deletes the killed upload");

    // A clean run into another store: every part byte for byte the same.
    let clean_store = ex.ws.path().join("clean");
    let clean = ex.run(
        &args,
        &[(
            "DBSUB_STORE_DEMO",
            &format!("file://{}", clean_store.display()),
        )],
    );
    assert!(clean.status.success(), "{}", stderr(&clean));
    let mut a = files_below(&dir);
    let mut b = files_below(&clean_store.join("DEMO/SQLITE/default"));
    let (ma, mb) = (
        a.remove("manifest.json").unwrap(),
        b.remove("manifest.json").unwrap(),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.len() > 10, "several parts per table: {}", a.len());
    assert!(a == b, "the resumed store differs from the clean one");
    assert_eq!(stable_manifest(&ma), stable_manifest(&mb));
}

#[test]
fn a_complete_extract_is_not_overwritten_without_refresh_and_tables_refresh_alone() {
    let ex = Extract::demo();
    let args = ["--seed-object", "SEEDLOT", "--where", WHERE];
    assert!(ex.run(&args, &[]).status.success());
    let again = ex.run(&args, &[]);
    assert!(!again.status.success());
    let err = stderr(&again);
    assert!(
        err.contains("already complete") && err.contains("--refresh"),
        "{err}"
    );

    let before = ex.manifest("default");
    let one = ex.run(&[&args[..], &["--table", "seedlot"]].concat(), &[]);
    assert!(one.status.success(), "{}", stderr(&one));
    let after = ex.manifest("default");
    assert_eq!(after.tables.len(), before.tables.len());
    assert_eq!(after.tables, before.tables, "same data, same parts");
    assert!(stdout(&one).contains("THE.SEEDLOT ") && !stdout(&one).contains("THE.ORCHARD "));

    // A killed upload's file (which no listing shows) goes with a refresh too.
    let staged = ex
        .subset_dir("default")
        .join("data/THE.SEEDLOT/part-00000.csv.zst#3");
    std::fs::write(&staged, b"half a part").unwrap();
    let refreshed = ex.run(&[&args[..], &["--refresh"]].concat(), &[]);
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    assert!(!staged.exists(), "the refresh deletes the killed upload");
    assert_eq!(ex.manifest("default").tables, before.tables);
}

#[test]
fn bad_input_is_explained_and_writes_nothing() {
    let ex = Extract::demo();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            vec!["--seed-object", "SEEDLOTS"],
            vec![],
            vec!["seed table `SEEDLOTS`", "SEEDLOT"],
        ),
        (
            vec!["--seed-object", "SEEDLOT", "--where", "NO_SUCH_COLUMN = 1"],
            vec![],
            vec!["THE.SEEDLOT", "no such column: NO_SUCH_COLUMN"],
        ),
        (
            vec!["--seed-object", "SEEDLOT_SUMMARY_VW"],
            vec![],
            vec!["is a VIEW", "only tables hold rows"],
        ),
        (
            vec!["--seed-object", "SEEDLOT", "--where", WHERE],
            vec![("DBSUB_STORE_DEMO", "file:///proc/dbsub-store")],
            vec!["cannot create the store folder /proc/dbsub-store"],
        ),
        (
            vec!["--seed-object", "SEEDLOT", "--where", WHERE],
            vec![("DBSUB_STORE_DEMO", "ftp://somewhere")],
            vec!["not a store URL"],
        ),
        (
            vec!["--seed-object", "SEEDLOT", "--subset", "../x"],
            vec![],
            vec!["not a subset name"],
        ),
    ];
    for (args, vars, wanted) in cases {
        let out = ex.run(&args, &vars);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        for w in wanted {
            assert!(err.contains(w), "{args:?}: `{w}` not in {err}");
        }
    }
    assert!(
        !ex.store.exists() || walk(&ex.store).is_empty(),
        "nothing was written"
    );

    // An unknown table and a typo in a plan file.
    std::fs::write(
        ex.ws.path().join("p.toml"),
        "[[seed]]\ntable = \"SEEDLOT\"\n[[children.edge]]\ntable = \"NOPE\"\n",
    )
    .unwrap();
    let out = ex.run(&["--plan", "p.toml"], &[]);
    assert!(
        stderr(&out).contains("children edge table `NOPE`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        ex.ws.path().join("p.toml"),
        "[[seed]]\ntabel = \"SEEDLOT\"\n",
    )
    .unwrap();
    let out = ex.run(&["--plan", "p.toml"], &[]);
    let err = stderr(&out);
    assert!(
        err.contains("p.toml is not a valid subset plan") && err.contains("tabel"),
        "{err}"
    );
}

#[test]
fn a_value_that_does_not_fit_its_column_names_the_row() {
    let ws = Workspace::empty();
    cycle_db(ws.path());
    let conn = Connection::open(ws.path().join("app.db")).unwrap();
    conn.execute("INSERT INTO ROOM VALUES ('Z', 'twelve', 1)", [])
        .unwrap();
    let out = app_run(&ws, &["--seed-object", "ROOM"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("APP.ROOM, rowid 4, column NO: `twelve` is not a decimal number"),
        "{err}"
    );
    assert!(
        !ws.path()
            .join("store/APP/SQLITE/default/manifest.json")
            .exists()
    );
}

/// Python's csv and zstandard modules read the extract back to the source's rows.
#[test]
fn an_independent_reader_gets_the_source_rows_back() {
    let have = std::process::Command::new("python3")
        .args(["-c", "import zstandard"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        if std::env::var_os("DBSUB_REQUIRE_S3").is_some() {
            panic!("python3 with zstandard is required: pip install zstandard");
        }
        eprintln!("skipped: python3 with the zstandard module is not installed");
        return;
    }
    let ex = Extract::demo();
    let out = ex.run(
        &[
            "--seed-object",
            "SEEDLOT",
            "--where",
            WHERE,
            "--part-size",
            "8K",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_extract.py");
    let check = std::process::Command::new("python3")
        .arg(script)
        .arg(ex.subset_dir("default"))
        .arg(ex.ws.demo_db())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    assert!(stdout(&check).contains("rows match"), "{}", stdout(&check));
}

/// `TABLE` boxes of a drawn plan: (table, the lines of its tooltip).
fn drawn_tables(svg: &str) -> BTreeMap<String, Vec<String>> {
    common::xml::parse(svg)
        .titles
        .iter()
        .filter_map(|t| t.strip_prefix("TABLE "))
        .map(|t| {
            let mut lines = t.lines().map(str::to_string);
            let table = lines.next().unwrap_or_default();
            (table, lines.collect())
        })
        .collect()
}

#[test]
fn a_dry_run_draws_its_plan_with_the_text_plans_rows_and_masked_columns() {
    let ex = Extract::demo();
    std::fs::write(
        ex.ws.path().join("classification.csv"),
        include_str!("../data/demo/classification.csv"),
    )
    .unwrap();
    let key = [("DBSUB_MASKING_KEY", "a-test-key-of-32-bytes-0123456789")];
    let args = |format: &'static str| {
        vec![
            "--seed-object",
            "SEEDLOT",
            "--where",
            WHERE,
            "--classification",
            "classification.csv",
            "--dry-run",
            "--format",
            format,
        ]
    };
    let text = ex.run(&args("text"), &key);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = stdout(&text);
    // The text plan: the selected rows per table (its last table), the masked columns.
    let (head, selected) = text.split_once("\nRows selected:").expect("rows selected");
    let rows: BTreeMap<String, String> = selected
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    let mut masked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let masking = head
        .split_once("computed by the source:\n")
        .expect("masked")
        .1;
    for line in masking.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (table, column) = f[0].rsplit_once('.').unwrap();
        masked
            .entry(table.to_string())
            .or_default()
            .push(format!("{column} ({})", f[1]));
    }
    assert!(masked.len() >= 2, "{text}");

    let svg = ex.run(&args("svg"), &key);
    assert!(svg.status.success(), "{}", stderr(&svg));
    let svg = stdout(&svg);
    assert!(
        svg.starts_with("<?xml"),
        "only the picture on stdout: {svg}"
    );
    let drawn = drawn_tables(&svg);
    assert_eq!(
        drawn.keys().collect::<Vec<_>>(),
        rows.keys().collect::<Vec<_>>()
    );
    for (table, lines) in &drawn {
        let rows_line = lines.iter().find(|l| l.starts_with("rows: ")).unwrap();
        assert!(
            rows_line.starts_with(&format!("rows: {} of ≈ ", rows[table])),
            "{table}: {rows_line}"
        );
        let masked_line = lines.iter().find(|l| l.starts_with("masked columns: "));
        match masked.get(table) {
            Some(columns) => {
                assert!(lines.contains(&"masked".to_string()), "{table}: {lines:?}");
                assert_eq!(
                    masked_line.map(String::as_str),
                    Some(format!("masked columns: {}", columns.join(", ")).as_str())
                );
            }
            None => assert!(masked_line.is_none() && !lines.contains(&"masked".to_string())),
        }
    }
    assert!(drawn["THE.SEEDLOT"].contains(&"seed".to_string()));
    // The demo's client tables reference each other: the cycle and its broken key are marked.
    assert!(drawn["THE.FOREST_CLIENT"].contains(&"in a cycle".to_string()));
    assert!(svg.contains("FK FOREST_CLIENT_PRIMARY_LOCN_FK"));
    assert!(svg.contains("broken to load the cycle"));

    let html = ex.run(&args("html"), &key);
    assert!(html.status.success(), "{}", stderr(&html));
    let page = common::xml::parse(&stdout(&html));
    assert_eq!(page.count("tr"), 1 + rows.len());

    assert!(!ex.store.exists(), "a dry run writes nothing");
    let out = ex.run(&["--seed-object", "SEEDLOT", "--format", "svg"], &key);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--format svg draws the plan of a dry run"),
        "{}",
        stderr(&out)
    );
    assert!(!ex.store.exists(), "a refused picture writes nothing");
}

#[test]
fn an_extract_with_a_tiny_key_memory_writes_the_same_parts() {
    let ex = Extract::demo();
    let run = |subset: &str, extra: &[&str]| {
        let args = [
            &[
                "--seed-object",
                "SEEDLOT",
                "--where",
                WHERE,
                "--part-size",
                "4K",
            ][..],
            &["--subset", subset],
            extra,
        ]
        .concat();
        let out = ex.run(&args, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    let parts = |subset: &str| {
        let m = ex.manifest(subset);
        m.tables
            .iter()
            .map(|t| (t.name.clone(), t.rows, t.parts.clone()))
            .collect::<Vec<_>>()
    };
    run("roomy", &[]);
    // 1 KiB: every key set moves to disk at once and the queues go to their files.
    let tiny = run("tiny", &["--key-memory", "1K"]);
    assert!(stderr(&tiny).contains("moved to disk"), "{}", stderr(&tiny));
    let (roomy, tiny) = (parts("roomy"), parts("tiny"));
    assert!(roomy.iter().filter(|(_, _, p)| p.len() > 1).count() >= 2);
    assert_eq!(roomy, tiny, "byte for byte the same parts");
}

/// A database whose seed LOT (rows 1..=600) references two rows of CODE (text keys of
/// [`mixed_code`]) and one of SPOT (integer keys, negative ones too) each.
fn mixed_keys_db(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE CODE (CODE TEXT PRIMARY KEY, LABEL TEXT NOT NULL);
         CREATE TABLE SPOT (ID INTEGER PRIMARY KEY, LABEL TEXT NOT NULL);
         CREATE TABLE LOT (ID INTEGER PRIMARY KEY, CODE_A TEXT REFERENCES CODE (CODE),
             CODE_B TEXT REFERENCES CODE (CODE), SPOT_ID INTEGER REFERENCES SPOT (ID));
         BEGIN;",
    )
    .unwrap();
    for i in 0..1200 {
        conn.execute(
            "INSERT INTO CODE VALUES (?1, ?2)",
            (mixed_code(i), format!("code {i} {}", "x".repeat(i % 13))),
        )
        .unwrap();
    }
    let spot = |i: i64| (i * 7919) % 20011 - 10000;
    for i in 0..600i64 {
        conn.execute(
            "INSERT INTO SPOT VALUES (?1, ?2)",
            (spot(i), format!("spot {i}")),
        )
        .unwrap();
        conn.execute(
            "INSERT INTO LOT VALUES (?1, ?2, ?3, ?4)",
            (
                i + 1,
                mixed_code(2 * i as usize),
                mixed_code(2 * i as usize + 1),
                spot(i),
            ),
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

#[test]
fn a_resumed_extract_of_text_and_integer_keys_writes_the_clean_runs_parts() {
    let ws = Workspace::empty();
    mixed_keys_db(&ws.path().join("app.db"));
    let source = format!("sqlite://{}?schema=APP", ws.path().join("app.db").display());
    let run = |store: &str, extra: &[(&str, &str)]| {
        let url = format!("file://{}", ws.path().join(store).display());
        let mut vars = vec![("DBSUB_SOURCE_SQLITE_APP", source.as_str())];
        vars.push(("DBSUB_STORE_APP", &url));
        vars.extend_from_slice(extra);
        ws.dbsub(&vars)
            .args(["extract", "SQLITE", "APP", "--seed-object", "LOT"])
            .args(["--where", "ID <= 550", "--part-size", "2K"])
            .output()
            .unwrap()
    };
    let subset_dir = |store: &str| ws.path().join(store).join("APP/SQLITE/default");
    resumed_equals_clean(&run, &subset_dir);
    let rows = read_extract(&subset_dir("clean"));
    let codes: BTreeSet<String> = rows["CODE"].1.iter().map(|r| r[0].0.clone()).collect();
    assert_eq!(codes.len(), 1100, "each selected code once");
    assert_eq!(rows["SPOT"].1.len(), 550);
}

#[test]
fn ctrl_c_stops_an_extract_with_how_to_resume_and_leaves_no_spill_file() {
    let ex = Extract::demo();
    let tmp = ex.ws.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // The closure's key sets and queues spill to TMPDIR.
    let args = [&SMALL_PARTS[..], &["--key-memory", "1K"]].concat();
    let tmpdir = tmp.display().to_string();
    let child = ex
        .command(
            &args,
            &[("TMPDIR", &tmpdir), ("DBSUB_TEST_PAUSE_AFTER_PARTS", "2")],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Under way once a part is in the store (the hook then waits for Ctrl-C).
    let data = ex.subset_dir("default").join("data");
    for _ in 0..6000 {
        if data.exists() && !walk(&data).is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "interrupted (Ctrl-C): the parts written so far are kept; run the same \
                      command again to resume"
        ),
        "{err}"
    );
    assert!(err.contains("moved to disk"), "the closure spilled: {err}");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "spill files left: {left:?}");

    let resumed = ex.run(&args, &[]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(stdout(&resumed).contains("kept from the interrupted run"));
}
