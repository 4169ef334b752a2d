//! Masking: no original value of a masked column in the archive, keys that still join after
//! the load, determinism by key, the users' spreadsheet, the same masks computed by SQLite and
//! PostgreSQL, and bad input that fails before anything is read.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{
    Workspace, decompressed, failure, manifest, pg, read_extract, stderr, stdout, success, walk,
};
use rusqlite::Connection;

const KEY: &str = "masking-test-key-0123456789abcdef";
const OTHER_KEY: &str = "another-masking-key-fedcba9876543210";
const WHERE: &str = "SEEDLOT_NUMBER < '60050'";
/// The demo's classification (the users' format).
const CLASSIFICATION: &str = include_str!("../data/demo/classification.csv");

struct Lab {
    ws: Workspace,
}

impl Lab {
    fn demo() -> Lab {
        let lab = Lab {
            ws: Workspace::with_demo(),
        };
        std::fs::write(lab.at("classification.csv"), CLASSIFICATION).unwrap();
        lab
    }

    fn at(&self, p: &str) -> PathBuf {
        self.ws.path().join(p)
    }

    fn run(&self, args: &[&str], key: Option<&str>) -> Output {
        let mut vars = vec![
            ("DBSUB_SOURCE_SQLITE_DEMO".to_string(), self.ws.demo_url()),
            (
                "DBSUB_STORE_DEMO".to_string(),
                format!("file://{}", self.at("store").display()),
            ),
            (
                "DBSUB_TARGET_SQLITE".to_string(),
                format!("sqlite://{}", self.at("target.db").display()),
            ),
            (
                "DBSUB_CACHE_DIR".to_string(),
                self.at("cache").display().to_string(),
            ),
            ("DBSUB_STRUCT_URL".to_string(), self.ws.demo_url()),
        ];
        if let Some(k) = key {
            vars.push(("DBSUB_MASKING_KEY".to_string(), k.to_string()));
        }
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.ws.dbsub(&refs).args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str], key: Option<&str>) -> String {
        let out = self.run(args, key);
        success(&out, args)
    }

    fn fails(&self, args: &[&str], key: Option<&str>) -> String {
        let out = self.run(args, key);
        failure(&out, args)
    }

    /// Extracts the demo subset as `subset` with the classification and `key`.
    fn extract(&self, subset: &str, key: &str) {
        self.ok(
            &[
                "extract",
                "SQLITE",
                "DEMO",
                "--seed-object",
                "SEEDLOT",
                "--where",
                WHERE,
                "--classification",
                "classification.csv",
                "--subset",
                subset,
            ],
            Some(key),
        );
    }

    fn subset_dir(&self, subset: &str) -> PathBuf {
        self.at("store/DEMO/SQLITE").join(subset)
    }
}

/// Every table of an extract: header and rows of fields (`None` for NULL).
type Tables = BTreeMap<String, (Vec<String>, Vec<Vec<Option<String>>>)>;

fn read_tables(dir: &Path) -> Tables {
    read_extract(dir)
        .into_iter()
        .map(|(table, (header, rows))| {
            // An empty field that is not quoted is NULL.
            let rows = rows
                .into_iter()
                .map(|fields| {
                    fields
                        .into_iter()
                        .map(|(text, quoted)| (quoted || !text.is_empty()).then_some(text))
                        .collect()
                })
                .collect();
            (table, (header, rows))
        })
        .collect()
}

/// Every decompressed byte of an extract's parts, and its manifest.
fn archive_bytes(dir: &Path) -> String {
    let mut all = String::from_utf8(std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for entry in walk(&dir.join("data")) {
        all.push_str(&String::from_utf8(decompressed(&entry)).unwrap());
    }
    all
}

/// A column of an extracted table.
fn column(tables: &Tables, table: &str, column: &str) -> Vec<Option<String>> {
    let (header, rows) = &tables[table];
    let i = header.iter().position(|h| h == column).unwrap();
    rows.iter().map(|r| r[i].clone()).collect()
}

/// The masked (non-public) columns of the demo classification, and the foreign-key columns
/// that reference FOREST_CLIENT.CLIENT_NUMBER.
fn masked_columns() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = CLASSIFICATION
        .lines()
        .skip(1)
        .filter(|l| !l.contains(",Public,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    for (t, c) in [
        ("CLIENT_LOCATION", "CLIENT_NUMBER"),
        ("SEEDLOT", "APPLICANT_CLIENT_NUMBER"),
        ("SEEDLOT", "COLLECTION_CLI_NUMBER"),
        ("ORCHARD", "OPERATOR_CLIENT_NUMBER"),
    ] {
        out.push((t.to_string(), c.to_string()));
    }
    out
}

#[test]
fn no_original_value_of_a_masked_column_is_in_the_archive_and_keys_still_join() {
    let lab = Lab::demo();
    lab.extract("masked", KEY);
    let dir = lab.subset_dir("masked");
    let archive = archive_bytes(&dir);

    // Every original value of every masked column (of the whole source, not only the subset),
    // as the source holds it: none is anywhere in the decompressed archive.
    let source = Connection::open(lab.ws.demo_db()).unwrap();
    // Values that unmasked columns hold too, or inside longer texts (the demo's generator
    // reuses its phrases), may appear; only those are not checked.
    let masked = masked_columns();
    let mut public: BTreeSet<String> = BTreeSet::new();
    let tables: Vec<String> = source
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in &tables {
        let cols: Vec<String> = source
            .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for c in cols
            .iter()
            .filter(|c| !masked.contains(&(t.clone(), (*c).clone())))
        {
            let sql = format!(
                "SELECT DISTINCT CAST(\"{c}\" AS TEXT) FROM \"{t}\" \
                 WHERE \"{c}\" IS NOT NULL AND typeof(\"{c}\") <> 'blob'"
            );
            let mut stmt = source.prepare(&sql).unwrap();
            public.extend(
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap),
            );
        }
    }
    let mut checked = 0;
    for (table, col) in masked {
        let sql = format!(
            "SELECT DISTINCT CAST(\"{col}\" AS TEXT) FROM \"{table}\" WHERE \"{col}\" IS NOT NULL"
        );
        let mut stmt = source.prepare(&sql).unwrap();
        let values: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for v in values
            .iter()
            .filter(|v| v.chars().count() >= 4 && !public.iter().any(|p| p.contains(v.as_str())))
        {
            assert!(
                !archive.contains(v.as_str()),
                "the original value `{v}` of {table}.{col} is in the archive"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} values checked");

    // The manifest says what was masked and how, and nothing about the key.
    let manifest = manifest(&dir);
    let rules: BTreeMap<String, (String, Option<String>)> = manifest
        .tables
        .iter()
        .flat_map(|t| {
            t.masked.iter().map(move |m| {
                (
                    format!("{}.{}", t.name, m.column),
                    (m.rule.clone(), m.follows.clone()),
                )
            })
        })
        .collect();
    assert_eq!(
        rules["FOREST_CLIENT.CLIENT_NUMBER"],
        ("pseudonym".to_string(), None)
    );
    assert_eq!(
        rules["SEEDLOT.APPLICANT_CLIENT_NUMBER"],
        (
            "pseudonym".to_string(),
            Some("THE.FOREST_CLIENT.CLIENT_NUMBER".to_string())
        )
    );
    assert_eq!(rules["CLIENT_LOCATION.EMAIL_ADDRESS"].0, "fake:email");
    assert_eq!(rules["FOREST_CLIENT.BIRTHDATE"].0, "date_shift:180");
    assert!(
        !rules.contains_key("FOREST_CLIENT.CLIENT_ACRONYM"),
        "public stays"
    );
    assert!(!archive.contains(KEY));

    // Masked values keep their shape; NULLs stay NULL.
    let tables = read_tables(&dir);
    for n in column(&tables, "FOREST_CLIENT", "CLIENT_NUMBER")
        .iter()
        .flatten()
    {
        assert!(n.len() == 8 && n.bytes().all(|b| b.is_ascii_digit()), "{n}");
    }
    let emails = column(&tables, "CLIENT_LOCATION", "EMAIL_ADDRESS");
    let nulls = source
        .query_row(
            "SELECT count(*) FROM CLIENT_LOCATION WHERE EMAIL_ADDRESS IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert!(nulls > 0 && emails.iter().any(Option::is_none));
    assert!(emails.iter().flatten().all(|e| e.contains("@example.")));

    // Loaded into a migrated target, every foreign key holds: the masked keys still join.
    lab.ok(
        &[
            "create-migrations",
            "--seed-object",
            "SEEDLOT",
            "--dialect",
            "sqlite",
            "--migration-folder",
            "migrations",
        ],
        None,
    );
    lab.ok(
        &[
            "migrate",
            "--migration-folder",
            "migrations",
            "--target",
            &format!("sqlite://{}", lab.at("target.db").display()),
        ],
        None,
    );
    lab.ok(&["ingest", "SQLITE", "DEMO", "--subset", "masked"], None);
    let verified = lab.ok(&["verify", "SQLITE"], None);
    assert!(verified.contains("foreign keys hold"), "{verified}");
    let target = Connection::open(lab.at("target.db")).unwrap();
    let (locations, joined): (i64, i64) = target
        .query_row(
            "SELECT (SELECT count(*) FROM CLIENT_LOCATION), \
             (SELECT count(*) FROM CLIENT_LOCATION l JOIN FOREST_CLIENT c \
              ON c.CLIENT_NUMBER = l.CLIENT_NUMBER)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(locations > 0);
    assert_eq!(locations, joined);
}

#[test]
fn the_same_key_gives_the_same_values_and_another_key_other_ones() {
    let lab = Lab::demo();
    lab.extract("one", KEY);
    lab.extract("again", KEY);
    lab.extract("other", OTHER_KEY);
    let one = read_tables(&lab.subset_dir("one"));
    assert_eq!(one, read_tables(&lab.subset_dir("again")));
    let other = read_tables(&lab.subset_dir("other"));
    for (table, col) in masked_columns() {
        let (a, b) = (column(&one, &table, &col), column(&other, &table, &col));
        assert_eq!(a.len(), b.len());
        let (present, differ) = a
            .iter()
            .zip(&b)
            .filter(|(x, _)| x.is_some())
            .fold((0, 0), |(p, d), (x, y)| (p + 1, d + usize::from(x != y)));
        // Constants do not depend on the key; fakes come from short lists.
        if present > 0 && !col.starts_with("ADDRESS_2") && col != "CLIENT_COMMENT" {
            assert!(
                differ * 2 > present,
                "{table}.{col}: {differ} of {present} differ"
            );
        }
    }
    // Columns that are not masked are the same.
    assert_eq!(
        column(&one, "SEEDLOT", "SEEDLOT_NUMBER"),
        column(&other, "SEEDLOT", "SEEDLOT_NUMBER")
    );
    assert_eq!(
        column(&one, "FOREST_CLIENT", "CLIENT_ACRONYM"),
        column(&other, "FOREST_CLIENT", "CLIENT_ACRONYM")
    );
}

#[test]
fn the_users_spreadsheet_with_several_sheets_drives_the_masking() {
    use rust_xlsxwriter::Workbook;
    let lab = Lab::demo();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Clients").unwrap();
    sheet
        .write(0, 0, "Data classification, seedlot registry")
        .unwrap();
    for (c, h) in ["TABLE NAME", "COLUMN NAME", "INFO SECURITY CLASS"]
        .iter()
        .enumerate()
    {
        sheet.write(2, c as u16, *h).unwrap();
    }
    let rows = [
        ("FOREST_CLIENT", "CLIENT_NAME", "Protected B"),
        ("FOREST_CLIENT", "CLIENT_ACRONYM", "Public"),
        ("FOREST_CLIENT", "BIRTHDATE", "Confidential"),
        ("NO_SUCH_TABLE", "X", "Protected A"),
    ];
    for (r, (t, c, k)) in rows.iter().enumerate() {
        sheet.write(3 + r as u32, 0, *t).unwrap();
        sheet.write(3 + r as u32, 1, *c).unwrap();
        sheet.write(3 + r as u32, 2, *k).unwrap();
    }
    let sheet = book.add_worksheet().set_name("Readme").unwrap();
    sheet.write(0, 0, "Nothing to see here").unwrap();
    let sheet = book.add_worksheet().set_name("Locations").unwrap();
    for (c, h) in [
        "Column Name",
        "Table Name",
        "Info Security Class",
        "Strategy",
    ]
    .iter()
    .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, "EMAIL_ADDRESS").unwrap();
    sheet.write(1, 1, "CLIENT_LOCATION").unwrap();
    sheet.write(1, 2, "Protected B").unwrap();
    sheet.write(1, 3, "fake:email").unwrap();
    sheet.write(2, 0, "NO_SUCH_COLUMN").unwrap();
    sheet.write(2, 1, "CLIENT_LOCATION").unwrap();
    sheet.write(2, 2, "Protected B").unwrap();
    book.save(lab.at("classification.xlsx")).unwrap();

    let out = lab.run(
        &[
            "extract",
            "SQLITE",
            "DEMO",
            "--seed-object",
            "SEEDLOT",
            "--where",
            WHERE,
            "--classification",
            "classification.xlsx",
            "--dry-run",
        ],
        Some(KEY),
    );
    let (text, warnings) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{text}\n{warnings}");
    let line = |needle: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no line {needle} in:\n{text}"))
            .to_string()
    };
    assert!(line("THE.FOREST_CLIENT.CLIENT_NAME ").contains("pseudonym"));
    assert!(line("THE.FOREST_CLIENT.CLIENT_NAME ").contains("sheet Clients, row 4"));
    assert!(line("THE.FOREST_CLIENT.BIRTHDATE ").contains("date_shift:90"));
    assert!(line("THE.CLIENT_LOCATION.EMAIL_ADDRESS ").contains("fake:email"));
    assert!(line("THE.CLIENT_LOCATION.EMAIL_ADDRESS ").contains("sheet Locations, row 2"));
    assert!(!text.contains("CLIENT_ACRONYM"), "{text}");
    // The lines that name nothing of the source are listed, and nothing was written.
    assert!(
        warnings.contains("2 lines of the classification"),
        "{warnings}"
    );
    assert!(warnings.contains("NO_SUCH_TABLE"), "{warnings}");
    assert!(
        warnings.contains("has no column NO_SUCH_COLUMN"),
        "{warnings}"
    );
    assert!(!lab.at("store").exists());
}

#[test]
fn bad_masking_input_fails_before_anything_is_read() {
    let lab = Lab::demo();
    let extract = |extra: &[&str], key: Option<&str>| -> String {
        let mut args = vec![
            "extract",
            "SQLITE",
            "DEMO",
            "--seed-object",
            "SEEDLOT",
            "--where",
            WHERE,
        ];
        args.extend_from_slice(extra);
        let err = lab.fails(&args, key);
        assert!(!lab.at("store").exists(), "nothing may be written: {err}");
        err
    };

    // A spreadsheet (here a CSV export) without the expected columns.
    std::fs::write(
        lab.at("wrong.csv"),
        "TABLE,FIELD,CLASS\nFOREST_CLIENT,CLIENT_NAME,x\n",
    )
    .unwrap();
    let err = extract(&["--classification", "wrong.csv"], Some(KEY));
    assert!(
        err.contains("wrong.csv") && err.contains("TABLE NAME") && err.contains("COLUMN NAME"),
        "{err}"
    );

    // A strategy that does not fit the column's type, named with the column.
    let plan = |masking: &str| {
        std::fs::write(
            lab.at("plan.toml"),
            format!(
                "[[seed]]\ntable = \"SEEDLOT\"\nwhere = \"{WHERE}\"\n\n[masking]\n\
                 classification = \"classification.csv\"\n{masking}\n"
            ),
        )
        .unwrap();
    };
    let extract_plan = |key: Option<&str>| -> String {
        let err = lab.fails(&["extract", "SQLITE", "DEMO", "--plan", "plan.toml"], key);
        assert!(!lab.at("store").exists(), "nothing may be written: {err}");
        err
    };
    plan("[masking.columns]\n\"FOREST_CLIENT.BIRTHDATE\" = \"fake:email\"");
    let err = extract_plan(Some(KEY));
    assert!(
        err.contains("cannot mask THE.FOREST_CLIENT.BIRTHDATE with fake:email")
            && err.contains("date_shift"),
        "{err}"
    );
    plan("[masking.columns]\n\"CLIENT_LOCATION.CLIENT_LOCN_NAME\" = \"date_shift:3\"");
    let err = extract_plan(Some(KEY));
    assert!(err.contains("date_shift moves dates"), "{err}");
    plan("[masking.columns]\n\"FOREST_CLIENT.CLIENT_NAME\" = \"scramble\"");
    let err = extract_plan(Some(KEY));
    assert!(err.contains("unknown masking strategy `scramble`"), "{err}");

    // Keys that join must be masked alike.
    plan("[masking.columns]\n\"SEEDLOT.APPLICANT_CLIENT_NUMBER\" = \"keep\"");
    let err = extract_plan(Some(KEY));
    assert!(
        err.contains("THE.SEEDLOT.APPLICANT_CLIENT_NUMBER is forced to keep")
            && err.contains("THE.FOREST_CLIENT.CLIENT_NUMBER"),
        "{err}"
    );
    plan("[masking.columns]\n\"FOREST_CLIENT.CLIENT_NUMBER\" = \"constant\"");
    let err = extract_plan(Some(KEY));
    assert!(
        err.contains("key column") && err.contains("use pseudonym"),
        "{err}"
    );

    // The key: missing, or too short (and never shown).
    let err = extract(&["--classification", "classification.csv"], None);
    assert!(err.contains("DBSUB_MASKING_KEY is not set"), "{err}");
    let err = extract(
        &["--classification", "classification.csv"],
        Some("tiny-secret"),
    );
    assert!(
        err.contains("at least 16 bytes") && !err.contains("tiny-secret"),
        "{err}"
    );

    // Without a keyed strategy, no key is needed.
    std::fs::write(
        lab.at("constants.csv"),
        "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nFOREST_CLIENT,CLIENT_COMMENT,Protected A\n",
    )
    .unwrap();
    std::fs::write(
        lab.at("plan.toml"),
        format!(
            "[[seed]]\ntable = \"SEEDLOT\"\nwhere = \"{WHERE}\"\n\n[masking]\n\
             classification = \"constants.csv\"\ndefault = \"constant\"\n"
        ),
    )
    .unwrap();
    let shown = lab.ok(
        &[
            "extract",
            "SQLITE",
            "DEMO",
            "--plan",
            "plan.toml",
            "--dry-run",
        ],
        None,
    );
    assert!(
        shown.contains("THE.FOREST_CLIENT.CLIENT_COMMENT  constant"),
        "{shown}"
    );
}

/// The same tables in PostgreSQL and SQLite, masked alike: the two sources compute the same
/// digests, shapes and date shifts, so every masked value is equal; the PostgreSQL extract
/// loads into a second PostgreSQL database with its keys joined.
#[test]
fn postgresql_and_sqlite_compute_the_same_masks_and_the_subset_loads() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    let ddl = "CREATE TABLE client (id varchar(12) PRIMARY KEY, name varchar(60), \
               email varchar(80), phone varchar(20), born date, seen timestamp(3), note text); \
               CREATE TABLE visit (id integer PRIMARY KEY, \
               client_id varchar(12) NOT NULL REFERENCES client (id), memo varchar(40));";
    let names = [
        "José Ñúñez",
        "王小明",
        "O'Brien, Pat",
        "",
        "Anna-Lena Berg",
        "Tab\there",
    ];
    let mut rows = String::new();
    for i in 1..=40 {
        let name = if i % 7 == 0 {
            "NULL".to_string()
        } else {
            format!("'{}'", names[i % names.len()].replace('\'', "''"))
        };
        rows.push_str(&format!(
            "INSERT INTO client VALUES ('C-{i:04}', {name}, 'person{i}@corp.example', \
             '(250) 555-{:04}', '19{:02}-0{}-1{}', '2021-05-0{} 07:08:09.{}', 'note {i}');",
            1000 + i,
            40 + i,
            1 + i % 9,
            i % 9,
            1 + i % 9,
            // No trailing zero: SQLite keeps the text as written, PostgreSQL drops it.
            101 + 2 * i
        ));
    }
    for i in 1..=60 {
        rows.push_str(&format!(
            "INSERT INTO visit VALUES ({i}, 'C-{:04}', 'visit memo {i}');",
            1 + i % 40
        ));
    }
    let source = cluster.create_database("mask_src");
    let target = cluster.create_database("mask_dst");
    let mut client = pg::connect(&source);
    client.batch_execute(ddl).unwrap();
    client.batch_execute(&rows).unwrap();
    pg::connect(&target).batch_execute(ddl).unwrap();

    let ws = Workspace::empty();
    let sqlite = ws.path().join("app.db");
    let conn = Connection::open(&sqlite).unwrap();
    conn.execute_batch(ddl).unwrap();
    conn.execute_batch(&rows).unwrap();
    drop(conn);

    std::fs::write(
        ws.path().join("classification.csv"),
        "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS,STRATEGY\n\
         client,id,Protected B,\n\
         client,name,Protected B,pseudonym\n\
         client,email,Protected B,fake:email\n\
         client,phone,Protected B,fake:phone\n\
         client,born,Protected B,date_shift:30\n\
         client,seen,Protected A,date_shift:10\n\
         client,note,Protected A,constant\n\
         visit,memo,Protected A,\n",
    )
    .unwrap();
    let store = format!("file://{}", ws.path().join("store").display());
    let sqlite_url = format!("sqlite://{}?schema=public", sqlite.display());
    let vars = [
        ("DBSUB_SOURCE_PG_APP", source.as_str()),
        ("DBSUB_SOURCE_SQLITE_APP", sqlite_url.as_str()),
        ("DBSUB_STORE_APP", store.as_str()),
        ("DBSUB_TARGET_PG", target.as_str()),
        ("DBSUB_MASKING_KEY", KEY),
    ];
    let run = |args: &[&str]| {
        let out = ws.dbsub(&vars).args(args).output().unwrap();
        success(&out, args)
    };
    for kind in ["PG", "SQLITE"] {
        run(&[
            "extract",
            kind,
            "APP",
            "--seed-object",
            "visit",
            "--classification",
            "classification.csv",
        ]);
    }
    let pg_dir = ws.path().join("store/APP/PG/default");
    let pg_tables = read_tables(&pg_dir);
    let sqlite_tables = read_tables(&ws.path().join("store/APP/SQLITE/default"));
    // (SQLite's DATE is a timestamp in dbsub's catalog: its values end in T00:00:00.)
    let day = |v: Vec<Option<String>>| -> Vec<Option<String>> {
        v.into_iter()
            .map(|x| x.map(|t| t.trim_end_matches("T00:00:00").to_string()))
            .collect()
    };
    for col in ["id", "name", "email", "phone", "born", "seen", "note"] {
        let a = column(&pg_tables, "client", col);
        assert_eq!(a.len(), 40);
        assert_eq!(
            day(a),
            day(column(&sqlite_tables, "client", col)),
            "client.{col}"
        );
    }
    assert_eq!(
        column(&pg_tables, "visit", "memo"),
        column(&sqlite_tables, "visit", "memo")
    );
    // Shapes, NULLs, empty strings and shifted dates.
    let names_out: BTreeSet<Option<String>> =
        column(&pg_tables, "client", "name").into_iter().collect();
    assert!(names_out.contains(&None) && names_out.contains(&Some(String::new())));
    let archive = archive_bytes(&pg_dir);
    for original in [
        "José Ñúñez",
        "王小明",
        "O'Brien",
        "corp.example",
        "C-0001",
        "note 1",
        "visit memo",
        "1941-02-12",
    ] {
        assert!(
            !archive.contains(original),
            "`{original}` is in the archive"
        );
    }
    for id in column(&pg_tables, "client", "id").iter().flatten() {
        assert!(id.starts_with("A-") || id.as_bytes()[1] == b'-', "{id}");
    }

    // The PostgreSQL extract loads, and the masked keys join.
    run(&["ingest", "PG", "APP", "--source", "PG"]);
    let verified = run(&["verify", "PG"]);
    assert!(verified.contains("1 foreign key holds"), "{verified}");
    let joined: i64 = pg::connect(&target)
        .query_one(
            "SELECT count(*) FROM visit v JOIN client c ON c.id = v.client_id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(joined, 60);
}
