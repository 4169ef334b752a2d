//! Time windows with bound values: `--where "updated_at >= :from AND updated_at < :to" --param
//! from=… --param to=…` on SQLite and PostgreSQL (Oracle's statement text and binds are unit
//! tests of `db::oracle::source`). The values are bound, never written into the SQL: a window
//! on a timestamp and on a date column selects exactly its rows, a number compares as a number,
//! values that would break formatted SQL (`O'Brien`, `2024-01-01'; --`) are plain values, a
//! missing or unused parameter is an error naming it before anything is read, and a resumed
//! extract with other values starts over.
//!
//! The PostgreSQL tests are skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Workspace, failure, pg, read_extract, stdout, success};

/// 300 events 8 hours apart from 2023-12-01 06:00: December holds ids 1–93, January 94–186
/// (three a day: 2024-01-10 is 121–123), February 187–273. Event 5's owner is O'Brien; the
/// amount is the id modulo 200.
const EVENTS: &str = "
    CREATE TABLE EVENT (ID INTEGER PRIMARY KEY, UPDATED_AT TIMESTAMP NOT NULL, DAY DATE NOT NULL,
        OWNER VARCHAR(40) NOT NULL, AMOUNT NUMERIC(10, 2) NOT NULL, NOTE VARCHAR(200));";

fn sqlite_source(dir: &Path) -> PathBuf {
    let path = dir.join("app.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(EVENTS).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 300)
         INSERT INTO EVENT SELECT id,
             datetime('2023-12-01 06:00:00', '+' || ((id - 1) * 8) || ' hours'),
             date(datetime('2023-12-01 06:00:00', '+' || ((id - 1) * 8) || ' hours')),
             CASE id WHEN 5 THEN 'O''Brien' ELSE 'owner ' || id END, id % 200,
             'a note long enough to make several small parts of one window, row ' || id
         FROM n;",
    )
    .unwrap();
    path
}

fn pg_source(cluster: &pg::PgCluster) -> String {
    let url = cluster.create_database("windows");
    let mut client = pg::connect(&url);
    client.batch_execute(EVENTS).unwrap();
    client
        .batch_execute(
            "INSERT INTO event SELECT id,
                 timestamp '2023-12-01 06:00' + (id - 1) * interval '8 hours',
                 (timestamp '2023-12-01 06:00' + (id - 1) * interval '8 hours')::date,
                 CASE id WHEN 5 THEN 'O''Brien' ELSE 'owner ' || id END, id % 200,
                 'a note long enough to make several small parts of one window, row ' || id
             FROM generate_series(1, 300) id;",
        )
        .unwrap();
    url
}

/// A source (`kind`: SQLITE or PG, the environment APP) and a store in a working folder.
struct Lab {
    ws: Workspace,
    kind: &'static str,
    vars: Vec<(String, String)>,
}

impl Lab {
    fn sqlite() -> Lab {
        let ws = Workspace::empty();
        let db = sqlite_source(ws.path());
        let source = format!("sqlite://{}", db.display());
        Lab::new(ws, "SQLITE", ("DBSUB_SOURCE_SQLITE_APP", source))
    }

    fn pg() -> Option<Lab> {
        let source = pg_source(pg::cluster()?);
        Some(Lab::new(
            Workspace::empty(),
            "PG",
            ("DBSUB_SOURCE_PG_APP", source),
        ))
    }

    fn new(ws: Workspace, kind: &'static str, source: (&str, String)) -> Lab {
        let store = format!("file://{}", ws.path().join("store").display());
        let vars = vec![
            (source.0.to_string(), source.1),
            ("DBSUB_STORE_APP".to_string(), store),
        ];
        Lab { ws, kind, vars }
    }

    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut vars: Vec<(&str, &str)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        vars.extend_from_slice(extra);
        self.ws
            .dbsub(&vars)
            .args(["extract", self.kind, "APP", "--seed-object", "EVENT"])
            .args(args)
            .output()
            .unwrap()
    }

    fn subset_dir(&self, subset: &str) -> PathBuf {
        self.ws
            .path()
            .join("store/APP")
            .join(self.kind)
            .join(subset)
    }

    /// The ids an extract into `subset` wrote.
    fn ids(&self, subset: &str) -> BTreeSet<i64> {
        let rows = read_extract(&self.subset_dir(subset));
        let (header, rows) = rows
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case("event"))
            .map(|(_, r)| r)
            .unwrap();
        if rows.is_empty() {
            return BTreeSet::new();
        }
        let id = header
            .iter()
            .position(|h| h.eq_ignore_ascii_case("id"))
            .unwrap();
        rows.iter().map(|r| r[id].0.parse().unwrap()).collect()
    }

    /// Extracts `condition` with `params` into `subset`, and returns the ids.
    fn window(&self, subset: &str, condition: &str, params: &[&str]) -> BTreeSet<i64> {
        let mut args = vec!["--subset", subset, "--where", condition];
        for p in params {
            args.extend(["--param", p]);
        }
        success(&self.run(&args, &[]), &args);
        self.ids(subset)
    }
}

fn range(from: i64, to: i64) -> BTreeSet<i64> {
    (from..=to).collect()
}

/// Every check but the resume, on one backend.
fn windows_select_exactly_their_rows(lab: &Lab) {
    // A month on the timestamp column: the value `2024-01-01` is a timestamp at midnight.
    let (ts, day) = ("UPDATED_AT", "DAY");
    let month = format!("{ts} >= :from AND {ts} < :to");
    let got = lab.window("month", &month, &["from=2024-01-01", "to=2024-02-01"]);
    assert_eq!(got, range(94, 186), "{}: the January window", lab.kind);

    // Two days on the date column, a parameter used twice.
    let days = format!("{day} >= :from AND {day} < :to AND {day} <> :to");
    let got = lab.window("days", &days, &["from=2024-01-10", "to=2024-01-12"]);
    assert_eq!(got, range(121, 126), "{}: the two days", lab.kind);

    // A number compares as a number (as text, 16 would be above 150).
    let got = lab.window("amount", "AMOUNT >= :min", &["min=150"]);
    assert_eq!(got, range(150, 199), "{}: amounts of 150 and up", lab.kind);

    // A quote in the value is a quote, not the end of a literal.
    let got = lab.window("quote", "OWNER = :owner", &["owner=O'Brien"]);
    assert_eq!(got, BTreeSet::from([5]), "{}: O'Brien's event", lab.kind);

    // A colon in a string literal or a comment is no parameter.
    let got = lab.window(
        "literal",
        "OWNER <> ':owner' AND ID = :id -- :not_a_parameter",
        &["id=7"],
    );
    assert_eq!(got, BTreeSet::from([7]), "{}: a literal colon", lab.kind);
}

/// A value that would end the literal and comment out the rest if it were written into the SQL
/// is one value: on a text column it matches nothing; on a date column it is not a date (an
/// error from the database, naming the condition, on PostgreSQL; no row on SQLite, where a date
/// is text).
fn an_injected_value_is_only_a_value(lab: &Lab) {
    let value = "2024-01-01'; --";
    let got = lab.window("owner", "OWNER = :owner", &[&format!("owner={value}")]);
    assert!(got.is_empty(), "{}: {got:?}", lab.kind);
    let args = [
        "--subset",
        "injected",
        "--where",
        "DAY >= :from AND ID < 0",
        "--param",
        "from=2024-01-01'; --",
    ];
    let out = lab.run(&args, &[]);
    if out.status.success() {
        assert!(lab.ids("injected").is_empty(), "{}", lab.kind);
    } else {
        let err = failure(&out, &args);
        assert!(
            err.contains("the condition `DAY >= :from AND ID < 0`")
                && err.contains("invalid input syntax for type date"),
            "{}: {err}",
            lab.kind
        );
    }
}

/// A parameter without a value, or a value no condition uses, fails before the source is read
/// (no store folder), naming it.
fn parameters_must_match_the_condition(lab: &Lab) {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--where", "ID >= :from AND ID < :to", "--param", "from=1"],
            "uses the parameter :to, which has no value: add --param to=VALUE",
        ),
        (
            &[
                "--where",
                "ID >= :from",
                "--param",
                "from=1",
                "--param",
                "upto=9",
            ],
            "the parameter upto is given, but no seed condition uses :upto",
        ),
        (
            &["--where", "ID >= :from", "--param", "from"],
            "--param from has no value: write --param NAME=VALUE",
        ),
        (
            &[
                "--where",
                "ID >= :from",
                "--param",
                "from=1",
                "--param",
                "from=2",
            ],
            "--param from is given twice",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["--subset", "bad"];
        all.extend_from_slice(args);
        let err = failure(&lab.run(&all, &[]), &all);
        assert!(err.contains(expected), "{}: {err}", lab.kind);
        assert!(
            !lab.subset_dir("bad").exists(),
            "{}: nothing written",
            lab.kind
        );
    }
}

/// An extract killed after its first part, run again with other values: the parts of the first
/// window (as many rows as the second) are not kept.
fn a_resumed_extract_with_other_values_starts_over(lab: &Lab) {
    let window = |from: &'static str, to: &'static str| {
        [
            "--subset",
            "resumed",
            "--part-size",
            "1K",
            "--format",
            "json",
            "--where",
            "UPDATED_AT >= :from AND UPDATED_AT < :to",
            "--param",
            from,
            "--param",
            to,
        ]
    };
    let first = window("from=2024-01-01", "to=2024-01-21");
    let killed = lab.run(&first, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "1")]);
    assert!(!killed.status.success(), "{}: the hook kills it", lab.kind);
    assert!(lab.subset_dir("resumed").join("progress").exists());

    let second = window("from=2024-02-01", "to=2024-02-21");
    let out = lab.run(&second, &[]);
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!("{e}: {}", success(&out, &second));
    });
    // EVENT is the subset's only table.
    let kept = &summary["tables"][0]["kept_parts"];
    assert_eq!(kept, 0, "{}: no part of the other window is kept", lab.kind);
    assert_eq!(lab.ids("resumed"), range(187, 246), "{}", lab.kind);
    // The manifest records the condition and its values, for a re-run.
    let manifest = common::manifest(&lab.subset_dir("resumed"));
    let plan = &manifest.subset.plan;
    assert_eq!(plan["params"]["from"], "2024-02-01", "{plan}");
    assert_eq!(
        plan["seed"][0]["where"],
        "UPDATED_AT >= :from AND UPDATED_AT < :to"
    );
}

#[test]
fn sqlite_windows_bind_their_values() {
    let lab = Lab::sqlite();
    windows_select_exactly_their_rows(&lab);
    an_injected_value_is_only_a_value(&lab);
    parameters_must_match_the_condition(&lab);
    a_resumed_extract_with_other_values_starts_over(&lab);
}

#[test]
fn postgres_windows_bind_their_values() {
    let Some(lab) = Lab::pg() else { return };
    windows_select_exactly_their_rows(&lab);
    an_injected_value_is_only_a_value(&lab);
    parameters_must_match_the_condition(&lab);
    a_resumed_extract_with_other_values_starts_over(&lab);
    // PostgreSQL's `::` is a cast, not a parameter.
    let got = lab.window("cast", "UPDATED_AT::date = :day", &["day=2024-01-10"]);
    assert_eq!(got, range(121, 123));
}

#[test]
fn a_plan_files_params_are_used_and_param_flags_win() {
    let lab = Lab::sqlite();
    let plan = lab.ws.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[seed]]\ntable = \"EVENT\"\nwhere = \"DAY >= :from AND DAY < :to\"\n\n\
         [params]\nfrom = \"2024-01-10\"\nto = \"2024-01-11\"\n",
    )
    .unwrap();
    let plan = plan.display().to_string();
    let vars: Vec<(&str, &str)> = lab
        .vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let extract = |subset: &str, extra: &[&str]| {
        let mut args = vec![
            "extract", "SQLITE", "APP", "--plan", &plan, "--subset", subset,
        ];
        args.extend_from_slice(extra);
        let out = lab.ws.dbsub(&vars).args(&args).output().unwrap();
        success(&out, &args);
    };
    extract("plan", &[]);
    assert_eq!(lab.ids("plan"), range(121, 123));
    extract("flag", &["--param", "to=2024-01-12"]);
    assert_eq!(lab.ids("flag"), range(121, 126));
}

/// Kinds 1–5 and items 1–50 (item i of kind i % 5 + 1).
const SHOP: &str = "
    CREATE TABLE KIND (ID INTEGER PRIMARY KEY, NAME VARCHAR(20) NOT NULL);
    CREATE TABLE ITEM (ID INTEGER PRIMARY KEY, KIND_ID INTEGER NOT NULL REFERENCES KIND (ID),
        QTY INTEGER NOT NULL);";
const SHOP_ROWS: &str = "
    INSERT INTO KIND VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five');
    INSERT INTO ITEM (ID, KIND_ID, QTY) WITH RECURSIVE n(i) AS
        (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i, i % 5 + 1, i FROM n;";
/// Items 1–4 change, a new kind 6 and item 51 of it.
const SHOP_CHANGES: &str = "
    UPDATE ITEM SET QTY = -QTY WHERE ID <= 4;
    INSERT INTO KIND VALUES (6, 'six');
    INSERT INTO ITEM VALUES (51, 6, 51);";

/// Items 1–30 loaded; then the source changes ([`SHOP_CHANGES`]) and items 27–51 are merged:
/// items 27–30 and kinds 1–5 are there (updated), items 31–51 and kind 6 are new (inserted).
/// The counts are in the text and JSON reports, in the load history (`history`: the target's
/// records, as JSON text) and in `verify`.
fn merge_counts_its_rows(
    kind: &str,
    vars: &[(&str, &str)],
    change_source: &dyn Fn(&str),
    history: &dyn Fn() -> Vec<String>,
) {
    let ws = Workspace::empty();
    let store = format!("file://{}", ws.path().join("store").display());
    let mut vars = vars.to_vec();
    vars.push(("DBSUB_STORE_APP", &store));
    let run = |args: &[&str]| {
        let out = ws.dbsub(&vars).args(args).output().unwrap();
        success(&out, args)
    };
    let extract = |condition: &str, param: &str| {
        run(&[
            "extract",
            kind,
            "APP",
            "--seed-object",
            "ITEM",
            "--where",
            condition,
            "--param",
            param,
            "--refresh",
        ])
    };
    extract("ID <= :last", "last=30");
    let text = run(&["ingest", kind, "APP"]);
    assert!(
        !text.contains("INSERTED"),
        "a plain load has no merge counts: {text}"
    );

    change_source(SHOP_CHANGES);
    extract("ID > :first", "first=26");
    let text = run(&["ingest", kind, "APP", "--merge"]);
    let line = |table: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.to_ascii_uppercase().contains(&format!(".{table} ")))
            .unwrap_or_else(|| panic!("no line of {table}: {text}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    assert!(
        text.contains("INSERTED") && text.contains("UPDATED"),
        "{text}"
    );
    // TABLE ROWS STATUS TIME s INSERTED UPDATED
    assert_eq!(line("ITEM")[5..], ["21", "4"], "{text}");
    assert_eq!(line("KIND")[5..], ["1", "5"], "{text}");

    // Again, as JSON: everything is there now (all updated).
    let json = run(&["ingest", kind, "APP", "--merge", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let merged = |table: &str| {
        summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"].as_str().unwrap().eq_ignore_ascii_case(table))
            .map(|t| t["merged"].clone())
            .unwrap()
    };
    assert_eq!(
        merged("ITEM"),
        serde_json::json!({"inserted": 0, "updated": 25})
    );
    assert_eq!(
        merged("KIND"),
        serde_json::json!({"inserted": 0, "updated": 6})
    );

    // The load history keeps the last merge's counts, and verify reads them.
    let records = history();
    assert_eq!(records.len(), 2, "{records:?}");
    for record in &records {
        let record: serde_json::Value = serde_json::from_str(record).unwrap();
        assert_eq!(record["mode"], "merge", "{record}");
        assert_eq!(record["merged"]["inserted"], 0, "{record}");
    }
    let verified = run(&["verify", kind]);
    assert!(
        verified.contains("ok (merged: 0 inserted, 25 updated)"),
        "{verified}"
    );
}

#[test]
fn sqlite_merge_counts_inserted_and_updated_rows() {
    let ws = Workspace::empty();
    let (source, target) = (ws.path().join("shop.db"), ws.path().join("local.db"));
    let conn = rusqlite::Connection::open(&source).unwrap();
    conn.execute_batch(&format!("{SHOP}{SHOP_ROWS}")).unwrap();
    rusqlite::Connection::open(&target)
        .unwrap()
        .execute_batch(SHOP)
        .unwrap();
    let (source_url, target_url) = (
        format!("sqlite://{}", source.display()),
        format!("sqlite://{}", target.display()),
    );
    merge_counts_its_rows(
        "SQLITE",
        &[
            ("DBSUB_SOURCE_SQLITE_APP", &source_url),
            ("DBSUB_TARGET_SQLITE", &target_url),
        ],
        &|sql| conn.execute_batch(sql).unwrap(),
        &|| {
            let sql = "SELECT group_concat(record, char(10)) FROM \
                       (SELECT record FROM dbsub_ingest_history ORDER BY table_name)";
            let all: String = rusqlite::Connection::open(&target)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap();
            all.lines().map(str::to_string).collect()
        },
    );
}

#[test]
fn postgres_merge_counts_inserted_and_updated_rows() {
    let Some(cluster) = pg::cluster() else { return };
    let (source, target) = (
        cluster.create_database("shop_source"),
        cluster.create_database("shop_target"),
    );
    pg::connect(&source)
        .batch_execute(&format!("{SHOP}{SHOP_ROWS}"))
        .unwrap();
    pg::connect(&target).batch_execute(SHOP).unwrap();
    merge_counts_its_rows(
        "PG",
        &[
            ("DBSUB_SOURCE_PG_APP", &source),
            ("DBSUB_TARGET_PG", &target),
        ],
        &|sql| pg::connect(&source).batch_execute(sql).unwrap(),
        &|| {
            pg::connect(&target)
                .query(
                    "SELECT record FROM dbsub_ingest_history ORDER BY table_name",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        },
    );
}
