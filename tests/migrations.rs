//! `dbsub create-migrations` and `dbsub migrate`: golden files per dialect, the generated
//! migrations applied to empty SQLite and PostgreSQL databases, incremental runs, and the
//! errors a user meets.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Workspace, pg, stderr, stdout};
use dbsub::backend::{catalog_reader, parse_url};
use dbsub::catalog::{
    Catalog, CatalogSource, Check, Column, Dependency, ForeignKey, Key, NeutralType, ObjectKey,
    ObjectKind, Table, Temporary, View, snapshot,
};

fn create(ws: &Workspace, args: &[&str]) -> std::process::Output {
    ws.dbsub_demo()
        .arg("create-migrations")
        .args(args)
        .output()
        .expect("run")
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// Every file of a folder (but the record), name and text, sorted by name.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Compares a folder with `tests/golden/migrations/<dialect>/`, file by file;
/// `DBSUB_UPDATE_GOLDEN=1` rewrites the golden folder.
fn golden_folder(dialect: &str, dir: &Path) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/migrations")
        .join(dialect);
    if std::env::var_os("DBSUB_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
        for (name, text) in files(dir) {
            std::fs::write(golden.join(name), text).unwrap();
        }
        return;
    }
    assert_eq!(
        files(dir),
        files(&golden),
        "migrations differ from {} (DBSUB_UPDATE_GOLDEN=1 updates them after review)",
        golden.display()
    );
}

#[test]
fn demo_seed_matches_golden_files_in_every_dialect() {
    let ws = Workspace::with_demo();
    for dialect in ["oracle", "postgres", "sqlite"] {
        let dir = ws.path().join(dialect);
        let out = create(
            &ws,
            &[
                "--seed-object",
                "SEEDLOT",
                "--dialect",
                dialect,
                "--migration-folder",
                dir.to_str().unwrap(),
            ],
        );
        ok(out);
        golden_folder(dialect, &dir);
    }
}

/// The catalog of the tables, triggers and views `keys` names, with what may legitimately
/// differ (the source description, row estimates) cleared.
fn restricted(mut catalog: Catalog, tables: &BTreeSet<String>) -> Catalog {
    catalog.source = None;
    catalog.tables.retain(|t| tables.contains(&t.name));
    for t in &mut catalog.tables {
        t.estimated_rows = None;
    }
    catalog.triggers.retain(|t| tables.contains(&t.table_name));
    catalog.views.clear();
    catalog
        .dependencies
        .retain(|d| d.from.kind == dbsub::catalog::ObjectKind::Trigger);
    catalog
}

fn read(url: &str) -> Catalog {
    catalog_reader(&parse_url(url).unwrap())
        .unwrap()
        .read_catalog(&[])
        .unwrap()
}

#[test]
fn sqlite_migrations_applied_to_an_empty_database_equal_the_closure() {
    let ws = Workspace::with_demo();
    ok(create(
        &ws,
        &["--seed-object", "SEEDLOT", "--dialect", "sqlite"],
    ));
    let out = ws.dbsub_demo().arg("migrate").output().unwrap();
    let text = ok(out);
    assert!(
        text.starts_with("Migrated sqlite://data/local.db: 3 migrations applied now, 0 before."),
        "{text}"
    );

    let source = read(&ws.demo_url());
    let local = read(&format!(
        "sqlite://{}?schema=THE",
        ws.path().join("data/local.db").display()
    ));
    let closure: BTreeSet<String> = [
        "SEEDLOT",
        "CLIENT_LOCATION",
        "FOREST_CLIENT",
        "CLIENT_STATUS_CODE",
        "CLIENT_TYPE_CODE",
        "GENETIC_CLASS_CODE",
        "ORCHARD",
        "BEC_ZONE_CODE",
        "ORCHARD_STAGE_CODE",
        "VEGETATION_CODE",
        "SEEDLOT_SOURCE_CODE",
        "SEEDLOT_STATUS_CODE",
        "SEEDLOT_AUDIT",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut local_tables: BTreeSet<String> = local.tables.iter().map(|t| t.name.clone()).collect();
    assert!(local_tables.remove("dbsub_schema_history"));
    assert_eq!(local_tables, closure);
    assert_eq!(restricted(local, &closure), restricted(source, &closure));

    // Applying again does nothing.
    let again = ok(ws.dbsub_demo().arg("migrate").output().unwrap());
    assert!(again.starts_with("Up to date:"), "{again}");
}

#[test]
fn second_run_adds_nothing_and_another_seed_only_the_difference() {
    let ws = Workspace::with_demo();
    let first = ok(create(
        &ws,
        &["--seed-object", "SEEDLOT", "--dialect", "sqlite"],
    ));
    assert!(first.contains("(version 1.0.0, sqlite)"), "{first}");
    let before = files(&ws.path().join("migrations"));

    let out = create(&ws, &["--seed-object", "SEEDLOT", "--dialect", "sqlite"]);
    assert!(out.status.success());
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("Nothing new"), "{}", stderr(&out));
    assert_eq!(files(&ws.path().join("migrations")), before);

    let second = ok(create(
        &ws,
        &["--seed-object", "SMP_MIX", "--dialect", "sqlite"],
    ));
    assert_eq!(
        second,
        "Wrote 2 migrations to migrations (version 1.1.0, sqlite):\n  \
         V1.1.0.1__smp_mix_tables.sql  2 statements\n  \
         V1.1.0.2__smp_mix_indexes.sql  2 statements\n"
    );
    let added =
        std::fs::read_to_string(ws.path().join("migrations/V1.1.0.1__smp_mix_tables.sql")).unwrap();
    assert!(added.contains("CREATE TABLE PARENT_TREE ("));
    assert!(added.contains("CREATE TABLE SMP_MIX ("));
    assert!(!added.contains("CREATE TABLE SEEDLOT ("));
    ok(ws.dbsub_demo().arg("migrate").output().unwrap());
}

#[test]
fn plain_create_statements_of_other_tools_are_recognised() {
    let ws = Workspace::with_demo();
    let dir = ws.path().join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("V3__hand_written.sql"),
        "create table vegetation_code (vegetation_code varchar2(8) primary key);\n",
    )
    .unwrap();
    let out = ok(create(
        &ws,
        &["--seed-object", "VEGETATION_CODE", "--dialect", "sqlite"],
    ));
    assert!(out.is_empty(), "{out}");
    let out = ok(create(
        &ws,
        &["--seed-object", "ORCHARD", "--dialect", "sqlite"],
    ));
    assert!(out.contains("(version 3.1.0, sqlite)"), "{out}");
    let tables = std::fs::read_to_string(dir.join("V3.1.0.1__orchard_tables.sql")).unwrap();
    assert!(!tables.contains("CREATE TABLE VEGETATION_CODE"), "{tables}");
}

#[test]
fn migrate_refuses_a_changed_applied_file_and_names_a_failing_statement() {
    let ws = Workspace::with_demo();
    ok(create(
        &ws,
        &["--seed-object", "ORCHARD", "--dialect", "sqlite"],
    ));
    ok(ws.dbsub_demo().arg("migrate").output().unwrap());
    let tables = ws.path().join("migrations/V1.0.0.1__orchard_tables.sql");
    let text = std::fs::read_to_string(&tables).unwrap();
    std::fs::write(&tables, text.replace("NOT NULL", "NOT NULL ")).unwrap();
    let out = ws.dbsub_demo().arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("V1.0.0.1__orchard_tables.sql was changed after it was applied"),
        "{err}"
    );
    std::fs::write(&tables, text).unwrap();

    // A new file with a bad second statement: named, and nothing of it applied.
    std::fs::write(
        ws.path().join("migrations/V1.1.0.1__broken.sql"),
        "CREATE TABLE OK_ONE (A INTEGER);\n\nCREATE TABLE ORCHARD (A INTEGER);\n",
    )
    .unwrap();
    let out = ws.dbsub_demo().arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("V1.1.0.1__broken.sql: statement 2 of 2 (line 3) failed on sqlite://data/local.db: table ORCHARD already exists; nothing of this file was applied"),
        "{err}"
    );
    let local = read(&format!(
        "sqlite://{}",
        ws.path().join("data/local.db").display()
    ));
    assert!(local.table("main", "OK_ONE").is_none());
}

/// A catalog of three tables in a cycle of NOT NULL foreign keys.
fn not_null_cycle() -> Catalog {
    let column = |name: &str| Column {
        name: name.into(),
        native_type: "INTEGER".into(),
        neutral_type: NeutralType::Integer { bits: 64 },
        nullable: name != "X",
        default: None,
        identity: None,
        generated: None,
        comment: None,
    };
    let table = |name: &str, parent: &str| Table {
        schema: "S".into(),
        name: name.into(),
        columns: vec![
            Column {
                nullable: false,
                ..column("ID")
            },
            Column {
                nullable: false,
                ..column("PARENT_ID")
            },
        ],
        primary_key: Some(Key {
            name: Some(format!("{name}_PK")),
            columns: vec!["ID".into()],
        }),
        unique_keys: vec![],
        foreign_keys: vec![ForeignKey {
            name: format!("{name}_FK"),
            columns: vec!["PARENT_ID".into()],
            ref_schema: "S".into(),
            ref_table: parent.into(),
            ref_columns: vec!["ID".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: false,
            initially_deferred: false,
            enabled: true,
        }],
        checks: vec![],
        indexes: vec![],
        comment: None,
        estimated_rows: None,
        temporary: None,
        partitioning: None,
    };
    Catalog {
        source: Some(CatalogSource {
            kind: "SQLITE".into(),
            url: "sqlite://cycle.db".into(),
            read_at: "2026-01-01T00:00:00Z".into(),
            schemas: Vec::new(),
        }),
        tables: vec![table("A", "B"), table("B", "C"), table("C", "A")],
        ..Catalog::default()
    }
}

/// A working folder with the migrations of [`not_null_cycle`] in `dialect`, written by
/// `create-migrations` from a snapshot of it; and that command's report.
fn cycle_migrations(dialect: &str) -> (Workspace, String) {
    let (ws, out) = snapshot_migrations(&not_null_cycle(), dialect);
    (ws, ok(out))
}

/// A working folder with the migrations of `catalog` in `dialect`, written by
/// `create-migrations` from a snapshot of it; and that command's output.
fn snapshot_migrations(catalog: &Catalog, dialect: &str) -> (Workspace, std::process::Output) {
    let ws = Workspace::empty();
    snapshot::write(catalog, &ws.path().join("catalog.json")).unwrap();
    let out = snapshot_migrations_again(&ws, dialect);
    (ws, out)
}

/// `create-migrations` of [`snapshot_migrations`]'s snapshot, again into its folder.
fn snapshot_migrations_again(ws: &Workspace, dialect: &str) -> std::process::Output {
    ws.dbsub(&[])
        .args([
            "create-migrations",
            "--seed-object",
            "A",
            "--dialect",
            dialect,
            "--catalog",
        ])
        .arg(ws.path().join("catalog.json"))
        .output()
        .unwrap()
}

/// A global temporary table is one in Oracle, without the foreign keys Oracle forbids on it
/// (to it and from it); in PostgreSQL it is an ordinary table, with its foreign keys, a comment
/// line saying so and a warning.
#[test]
fn a_global_temporary_table_is_one_in_oracle_and_an_ordinary_table_elsewhere() {
    let mut catalog = not_null_cycle();
    catalog.tables[1].temporary = Some(Temporary::Transaction);
    let ws = Workspace::empty();
    let snapshot_file = ws.path().join("gtt.json");
    snapshot::write(&catalog, &snapshot_file).unwrap();
    let run = |dialect: &str| {
        let folder = ws.path().join(dialect);
        let out = ws
            .dbsub(&[])
            .args(["create-migrations", "--seed-object", "A", "--dialect"])
            .arg(dialect)
            .arg("--catalog")
            .arg(&snapshot_file)
            .arg("--migration-folder")
            .arg(&folder)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let sql: String = files(&folder).into_iter().map(|(_, text)| text).collect();
        (sql, stderr(&out))
    };

    let (sql, warnings) = run("oracle");
    assert!(
        sql.contains("CREATE GLOBAL TEMPORARY TABLE B (")
            && sql.contains(") ON COMMIT DELETE ROWS;"),
        "{sql}"
    );
    assert_eq!(sql.matches("CREATE TABLE").count(), 2, "{sql}");
    // A references B and B references C: neither is written; C references A: written.
    assert!(!sql.contains("A_FK") && !sql.contains("B_FK"), "{sql}");
    assert!(sql.contains("ADD CONSTRAINT C_FK"), "{sql}");
    for fk in ["A_FK", "B_FK"] {
        assert!(
            warnings.contains(&format!("foreign key {fk} of S.")),
            "{warnings}"
        );
    }

    let (sql, warnings) = run("postgres");
    assert!(!sql.contains("TEMPORARY TABLE"), "{sql}");
    assert!(
        sql.contains(
            "-- S.B is a global temporary table in the source (ON COMMIT DELETE ROWS); \
             PostgreSQL has none, so it is created as an ordinary table.\nCREATE TABLE b ("
        ),
        "{sql}"
    );
    assert_eq!(sql.matches("ADD CONSTRAINT").count(), 3, "{sql}");
    assert!(
        warnings.contains("TABLE: S.B: a global temporary table"),
        "{warnings}"
    );

    let (sql, _) = run("sqlite");
    assert!(
        sql.contains("SQLite has none, so it is created as an ordinary table.\nCREATE TABLE B ("),
        "{sql}"
    );
}

/// Oracle defaults drawn from sequences: SQLite has none, so each is left out with a warning
/// naming the column (the rowid alias numbers the key), and the migrations apply.
/// The SQL of every file in the workspace's `migrations` folder.
fn migrations_sql(ws: &Workspace) -> String {
    files(&ws.path().join("migrations"))
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// `migrate` of the workspace's `migrations` folder into a new database of the throwaway
/// PostgreSQL cluster, which succeeds; its URL, or `None` without a cluster.
fn migrate_into_postgres(ws: &Workspace, name_hint: &str) -> Option<String> {
    let url = pg::cluster()?.create_database(name_hint);
    ok(ws
        .dbsub(&[])
        .args(["migrate", "--target", &url])
        .output()
        .unwrap());
    Some(url)
}

/// `migrate` of the workspace's `migrations` folder into a new SQLite file succeeds.
fn migrate_into_sqlite(ws: &Workspace) {
    let target = format!("sqlite://{}", ws.path().join("local.db").display());
    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &target])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn sequence_defaults_are_reported_and_left_out_in_sqlite() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "ORACLE".into();
    catalog.tables[0].columns[0].default = Some("\"S\".\"A_SEQ\".nextval".into());
    catalog.tables[1].columns[1].default = Some("B_SEQ.NEXTVAL".into());
    let (ws, out) = snapshot_migrations(&catalog, "sqlite");
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        warnings.contains(
            "column S.A.ID: its default draws from sequence S.A_SEQ, and SQLite has no \
             sequences: the default is left out; as the table's INTEGER PRIMARY KEY"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains("column S.B.PARENT_ID: its default draws from sequence B_SEQ"),
        "{warnings}"
    );
    let sql = migrations_sql(&ws);
    assert!(!sql.to_ascii_uppercase().contains("NEXTVAL"), "{sql}");
    migrate_into_sqlite(&ws);
}

/// PostgreSQL prints `x >= 0` as `(x >= (0)::numeric)` and `x LIKE 'a%'` as `(x ~~
/// 'a%'::text)`: written in standard SQL elsewhere; a regular expression is reported instead.
#[test]
fn postgres_checks_are_written_in_standard_sql_or_reported_in_sqlite() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    catalog.tables[0].checks = vec![
        Check {
            name: Some("a_positive".into()),
            expression: "(\"ID\" >= (0)::numeric)".into(),
        },
        Check {
            name: Some("a_like".into()),
            expression: "((\"ID\")::text ~~ '1%'::text)".into(),
        },
        Check {
            name: Some("a_digits".into()),
            expression: "((\"ID\")::text ~ '^[0-9]+$'::text)".into(),
        },
    ];
    let (ws, out) = snapshot_migrations(&catalog, "sqlite");
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        warnings.contains(
            "check a_digits of S.A: `((\"ID\")::text ~ '^[0-9]+$'::text)` is written in \
             PostgreSQL syntax that SQLite does not read: not created"
        ),
        "{warnings}"
    );
    let sql = migrations_sql(&ws);
    assert!(sql.contains("a_positive CHECK ((\"ID\" >= (0)))"), "{sql}");
    assert!(sql.contains("a_like CHECK (((\"ID\") LIKE '1%'))"), "{sql}");
    assert!(!sql.contains("a_digits"), "{sql}");
    migrate_into_sqlite(&ws);
}

/// A PostgreSQL view into SQLite: PostgreSQL's spellings of standard SQL (casts of literals
/// and to text, `~~`) are rewritten and the view applies; one that keeps other PostgreSQL
/// syntax (a regular expression) is reported and kept as a comment, not a `migrate` failure.
#[test]
fn postgres_views_are_written_in_standard_sql_or_reported_in_sqlite() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    let view = |name: &str, query: &str| View {
        schema: "S".into(),
        name: name.into(),
        materialized: false,
        columns: Vec::new(),
        source: query.into(),
        comment: None,
        indexes: Vec::new(),
    };
    catalog.views = vec![
        view(
            "NAMES",
            "SELECT (\"ID\")::text || ' '::text AS label FROM \"A\" \
             WHERE (\"ID\")::text ~~ '1%'::text",
        ),
        view(
            "DIGITS",
            "SELECT \"ID\" FROM \"A\" WHERE (\"ID\")::text ~ '^[0-9]+$'::text",
        ),
    ];
    for name in ["NAMES", "DIGITS"] {
        catalog.dependencies.push(Dependency {
            from: ObjectKey::new("S", name, ObjectKind::View),
            to: ObjectKey::table("S", "A"),
        });
    }
    let ws = Workspace::empty();
    let snapshot_file = ws.path().join("catalog.json");
    snapshot::write(&catalog, &snapshot_file).unwrap();
    let out = ws
        .dbsub(&[])
        .args([
            "create-migrations",
            "--seed-object",
            "NAMES",
            "--seed-object",
            "DIGITS",
        ])
        .args(["--dialect", "sqlite", "--catalog"])
        .arg(&snapshot_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        warnings.contains(
            "VIEW: S.DIGITS: its query uses PG syntax that SQLite does not read (a cast, an \
             operator or an array)"
        ),
        "{warnings}"
    );
    let sql = migrations_sql(&ws);
    assert!(
        sql.contains("SELECT (\"ID\") || ' ' AS label FROM \"A\" WHERE (\"ID\") LIKE '1%'"),
        "{sql}"
    );
    migrate_into_sqlite(&ws);
}

/// A PostgreSQL view using syntax the target does not read is reported and kept as a comment:
/// an aggregate's `FILTER (WHERE …)` in Oracle (SQLite reads it), `ILIKE` in both.
#[test]
fn postgres_view_syntax_the_target_does_not_read_is_reported() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    let view = |name: &str, query: &str| View {
        schema: "S".into(),
        name: name.into(),
        materialized: false,
        columns: Vec::new(),
        source: query.into(),
        comment: None,
        indexes: Vec::new(),
    };
    catalog.views = vec![
        view(
            "COUNTED",
            "SELECT count(*) FILTER (WHERE \"ID\" > 1) AS n FROM \"A\"",
        ),
        view("LIKES", "SELECT \"ID\" FROM \"A\" WHERE 'x' ILIKE 'X'"),
    ];
    for name in ["COUNTED", "LIKES"] {
        catalog.dependencies.push(Dependency {
            from: ObjectKey::new("S", name, ObjectKind::View),
            to: ObjectKey::table("S", "A"),
        });
    }
    let ws = Workspace::empty();
    let snapshot_file = ws.path().join("catalog.json");
    snapshot::write(&catalog, &snapshot_file).unwrap();
    let create = |dialect: &str| {
        ws.dbsub(&[])
            .args([
                "create-migrations",
                "--seed-object",
                "COUNTED",
                "--seed-object",
                "LIKES",
            ])
            .args([
                "--dialect",
                dialect,
                "--migration-folder",
                dialect,
                "--catalog",
            ])
            .arg(&snapshot_file)
            .output()
            .unwrap()
    };
    let oracle = create("oracle");
    let warnings = stderr(&oracle);
    assert!(oracle.status.success(), "{warnings}");
    assert!(
        warnings.contains(
            "VIEW: S.COUNTED: its query uses an aggregate's FILTER (WHERE …) clause, which \
             Oracle does not read"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains("VIEW: S.LIKES: its query uses ILIKE, which Oracle does not read"),
        "{warnings}"
    );
    let sqlite = create("sqlite");
    let warnings = stderr(&sqlite);
    assert!(sqlite.status.success(), "{warnings}");
    assert!(!warnings.contains("VIEW: S.COUNTED"), "{warnings}");
    assert!(
        warnings.contains("VIEW: S.LIKES: its query uses ILIKE, which SQLite does not read"),
        "{warnings}"
    );
    let sql: String = files(&ws.path().join("sqlite"))
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(sql.contains("FILTER (WHERE"), "{sql}");
}

/// A column whose type has no equivalent in the target (PostgreSQL `text[]` into Oracle) is
/// created with a type that holds its values' text form, reported; not written with the source's
/// type name, which Oracle would refuse at `migrate`. SQLite takes any type name.
#[test]
fn a_type_without_an_equivalent_is_created_as_text_and_reported() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    catalog.tables[0].columns.push(Column {
        name: "TAGS".into(),
        native_type: "text[]".into(),
        neutral_type: NeutralType::Other,
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        comment: None,
    });
    let (ws, out) = snapshot_migrations(&catalog, "oracle");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "column S.A.TAGS: type `text[]` has no Oracle equivalent in dbsub; created as CLOB, \
             which holds its values' text form"
        ),
        "{}",
        stderr(&out)
    );
    let sql = migrations_sql(&ws);
    assert!(sql.contains("\"TAGS\" CLOB"), "{sql}");
    assert!(!sql.contains("text[]"), "{sql}");

    let (ws, out) = snapshot_migrations(&catalog, "sqlite");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("written with its source type `text[]`"));
    migrate_into_sqlite(&ws);
}

#[test]
fn a_not_null_three_table_cycle_applies_in_sqlite() {
    let (ws, report) = cycle_migrations("sqlite");
    assert!(
        report.contains("V1.0.0.1__a_tables.sql  3 statements"),
        "{report}"
    );
    let out = ws.dbsub(&[]).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn postgres_migrations_apply_and_create_exactly_the_closure() {
    let Some(pg) = pg::cluster() else { return };
    let ws = Workspace::with_demo();
    ok(create(
        &ws,
        &[
            "--seed-object",
            "SEEDLOT",
            "--direction",
            "both",
            "--dialect",
            "postgres",
        ],
    ));
    let url = pg.create_database("migrate");
    // The harness's URL has no password, so it may be passed on the command line.
    let out = ok(ws
        .dbsub_demo()
        .args(["migrate", "--target", &url])
        .output()
        .unwrap());
    assert!(
        out.contains(": 5 migrations applied now, 0 before."),
        "{out}"
    );

    let source = read(&ws.demo_url());
    let mut client = pg::connect(&url);
    let tables: BTreeSet<String> = client
        .query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_type = 'BASE TABLE' AND table_name <> 'dbsub_schema_history'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0).to_uppercase())
        .collect();
    // `both` from SEEDLOT: its children and everything they need; APP_SETTING is unrelated.
    assert!(tables.contains("SEEDLOT") && tables.contains("NURSERY_SHIPMENT"));
    assert!(tables.contains("PARENT_TREE") && !tables.contains("APP_SETTING"));
    let views: BTreeSet<String> = client
        .query(
            "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0).to_uppercase())
        .collect();
    assert_eq!(
        views,
        BTreeSet::from([
            "ORCHARD_SEEDLOT_VW".to_string(),
            "SEEDLOT_SUMMARY_VW".to_string()
        ])
    );
    for table in &tables {
        let expected = source.table("THE", table).unwrap();
        let columns: Vec<(String, bool)> = client
            .query(
                "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&table.to_lowercase()],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, String>(0).to_uppercase(), r.get(1)))
            .collect();
        let wanted: Vec<(String, bool)> = expected
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.nullable))
            .collect();
        assert_eq!(columns, wanted, "columns of {table}");
        let constraints: BTreeSet<String> = client
            .query(
                "SELECT c.conname || ' ' || c.contype::text || ' ' || \
                 COALESCE(f.relname, '') FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid \
                 LEFT JOIN pg_class f ON f.oid = c.confrelid \
                 WHERE t.relname = $1 AND c.contype IN ('p', 'u', 'f')",
                &[&table.to_lowercase()],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0).to_uppercase())
            .collect();
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        if let Some(pk) = &expected.primary_key {
            wanted.insert(format!("{} P ", pk.name.clone().unwrap()));
        }
        for uk in &expected.unique_keys {
            wanted.insert(format!("{} U ", uk.name.clone().unwrap()));
        }
        for fk in &expected.foreign_keys {
            wanted.insert(format!("{} F {}", fk.name, fk.ref_table));
        }
        assert_eq!(constraints, wanted, "keys of {table}");
        let indexes: BTreeSet<String> = client
            .query(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                &[&table.to_lowercase()],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0).to_uppercase())
            .collect();
        let wanted: BTreeSet<String> = expected.indexes.iter().map(|i| i.name.clone()).collect();
        assert_eq!(indexes, wanted, "indexes of {table}");
    }
}

#[test]
fn a_not_null_three_table_cycle_applies_in_postgres() {
    let Some(pg) = pg::cluster() else { return };
    let (ws, _) = cycle_migrations("postgres");
    let url = pg.create_database("cycle");
    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut client = pg::connect(&url);
    let fks: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(fks, 3);
}

#[test]
fn bad_input_is_explained_and_nothing_is_half_written() {
    let ws = Workspace::with_demo();
    // Unwritable folder: its parent is a file.
    std::fs::write(ws.path().join("a-file"), "x").unwrap();
    let out = create(
        &ws,
        &[
            "--seed-object",
            "SEEDLOT",
            "--migration-folder",
            "a-file/migrations",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot create the migration folder a-file/migrations"),
        "{}",
        stderr(&out)
    );

    // A version that is not above the folder's.
    ok(create(
        &ws,
        &["--seed-object", "ORCHARD", "--dialect", "sqlite"],
    ));
    let before = files(&ws.path().join("migrations"));
    let out = create(
        &ws,
        &[
            "--seed-object",
            "SEEDLOT",
            "--dialect",
            "sqlite",
            "--migration-version",
            "1.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("--migration-version 1.0.0 is not above the folder's latest version 1.0.0.2"),
        "{}",
        stderr(&out)
    );
    // Another dialect into the same folder.
    let out = create(&ws, &["--seed-object", "SEEDLOT", "--dialect", "postgres"]);
    assert!(
        stderr(&out).contains("migrations holds sqlite migrations"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files(&ws.path().join("migrations")), before);

    // Unknown dialect: clap lists the possible values.
    let out = create(&ws, &["--seed-object", "SEEDLOT", "--dialect", "mysql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[possible values: oracle, postgres, sqlite]"));

    // An object kind dbsub has no template for.
    let mut json: serde_json::Value =
        serde_json::from_str(&snapshot::to_json(&not_null_cycle()).unwrap()).unwrap();
    json["catalog"]["dependencies"] = serde_json::json!([{
        "from": {"schema": "S", "name": "J", "kind": "JAVA SOURCE"},
        "to": {"schema": "S", "name": "A", "kind": "TABLE"}
    }]);
    std::fs::write(ws.path().join("java.json"), json.to_string()).unwrap();
    let out = ws
        .dbsub(&[])
        .args([
            "create-migrations",
            "--seed-object",
            "A",
            "--migration-folder",
            "j",
            "--catalog",
            "java.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("JAVA SOURCE"), "{err}");
    assert!(!ws.path().join("j").exists());

    // A password on the command line is refused, without being printed.
    let out = ws
        .dbsub_demo()
        .args(["migrate", "--target", "postgres://u:hunter2@127.0.0.1:1/db"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("put the URL in DBSUB_TARGET_PG"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn oracle_target_problems_are_explained_without_the_password() {
    let ws = Workspace::with_demo();
    ok(create(
        &ws,
        &["--seed-object", "ORCHARD", "--dialect", "oracle"],
    ));
    // Port 1 on loopback: nothing listens. Without Instant Client (as on the project's
    // machines) the message says so; with it, the connection is refused.
    let out = ws
        .dbsub(&[(
            "DBSUB_TARGET_ORA",
            "oracle://the:hunter2@127.0.0.1:1/NOWHERE",
        )])
        .args(["migrate", "--target", "ORA"])
        .output()
        .unwrap();
    // A connection error: exit code 4.
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to oracle://the:***@127.0.0.1:1/NOWHERE"),
        "{err}"
    );
    assert!(
        err.contains("Instant Client was not found (DPI-1047)") || err.contains("no listener"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

/// The DDL written from a snapshot of an Oracle-style schema as the Oracle catalog reader
/// returns it (tests/data/oracle_catalog.json, kept equal to the reader's assembly by a unit
/// test in src/db/oracle/catalog/tests.rs): every column type, identity and virtual columns, a
/// foreign-key cycle, function-based and descending indexes, a view and a materialized view,
/// with an index, bitmap and domain indexes (the domain index kept as a comment), a synonym, a
/// type, code depending on a Java class (kept as a comment), a disabled trigger,
/// a global temporary table (an ordinary table with a comment line in PostgreSQL), and a second
/// run that adds a package body.
#[test]
fn an_oracle_snapshot_matches_golden_files_in_oracle_and_postgres() {
    let ws = Workspace::empty();
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle_catalog.json");
    // The third run writes into schema TGT: every object created there, the source schema's
    // qualifiers (in a column's object type, a view, a trigger) renamed with it.
    for (dialect, folder, target) in [
        ("oracle", "oracle-snapshot-oracle", None),
        ("postgres", "oracle-snapshot-postgres", None),
        ("oracle", "oracle-snapshot-oracle-target", Some("TGT")),
    ] {
        let dir = ws.path().join(folder);
        let mut common = vec![
            "--catalog",
            snapshot.to_str().unwrap(),
            "--dialect",
            dialect,
            "--migration-folder",
            dir.to_str().unwrap(),
        ];
        if let Some(target) = target {
            common.extend(["--target-schema", target]);
        }
        let seeds = [
            "TYPE_SAMPLE",
            "LEGACY_NOTE",
            "SESSION_CART",
            "CUSTOMER_V",
            "CUSTOMER_CITY_MV",
            "CHECKSUM_OF",
            "ARCHIVE_CUSTOMER",
            "ADDRESS_BI",
            "CLIENT",
            "FX_RATE",
        ];
        let mut args: Vec<&str> = common.to_vec();
        args.extend(seeds.iter().flat_map(|s| ["--seed-object", *s]));
        ok(ws
            .dbsub(&[])
            .arg("create-migrations")
            .args(&args)
            .output()
            .unwrap());
        let mut args: Vec<&str> = common.to_vec();
        args.extend([
            "--seed-object",
            "CUSTOMER_API",
            "--object-type",
            "PACKAGE BODY",
        ]);
        ok(ws
            .dbsub(&[])
            .arg("create-migrations")
            .args(&args)
            .output()
            .unwrap());
        golden_folder(folder, &dir);
    }
}

/// A view that also uses its schema's name as a table alias (`FROM APP.CUSTOMER app`): its
/// `app.` qualifiers may be the alias, so they are not rewritten, and the warning says so.
#[test]
fn a_schema_name_used_as_an_alias_is_left_as_written_with_a_warning() {
    let ws = Workspace::empty();
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle_catalog.json");
    let text = std::fs::read_to_string(snapshot)
        .unwrap()
        .replace(
            "SELECT c.ID, UPPER(c.NAME)",
            "SELECT app.ID, UPPER(app.NAME)",
        )
        .replace("FROM APP.CUSTOMER c\\n", "FROM APP.CUSTOMER app\\n")
        .replace("= c.MAIN_ADDRESS_ID", "= app.MAIN_ADDRESS_ID")
        .replace("WHERE c.STATUS", "WHERE app.STATUS");
    let catalog = ws.path().join("aliased.json");
    std::fs::write(&catalog, text).unwrap();
    let dir = ws.path().join("out");
    let out = ws
        .dbsub(&[])
        .arg("create-migrations")
        .args([
            "--catalog",
            catalog.to_str().unwrap(),
            "--dialect",
            "oracle",
        ])
        .args(["--migration-folder", dir.to_str().unwrap()])
        .args(["--seed-object", "CUSTOMER_V", "--target-schema", "TGT"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("VIEW: APP.CUSTOMER_V uses the name APP for something other than its schema"),
        "{}",
        stderr(&out)
    );
    let views = files(&dir)
        .into_iter()
        .find(|(name, _)| name.ends_with("_views.sql"))
        .expect("a views file")
        .1;
    assert!(
        views.contains("SELECT app.ID, UPPER(app.NAME), a.CITY\n  FROM APP.CUSTOMER app"),
        "{views}"
    );
}

/// Stored code in a chain (`a_top` calls `b_mid`, which calls `c_base`: name order is the
/// reverse of what creation needs), `c_base` calling into a cycle (`x_one` and `y_two` call
/// each other), and a view calling `a_top`, as a PostgreSQL catalog records them.
fn calling_code() -> Catalog {
    use dbsub::catalog::{Dependency, ObjectKey, ObjectKind, Routine, View};
    let function = |name: &str, calls: &str| Routine {
        schema: "public".into(),
        name: name.into(),
        kind: ObjectKind::Function,
        source: format!(
            "FUNCTION public.{name}()\n RETURNS integer\n LANGUAGE sql\nAS $function$ SELECT \
             {calls} $function$"
        ),
    };
    let key = |name: &str, kind| ObjectKey::new("public", name, kind);
    let calls = |from: &str, from_kind, to: &str| Dependency {
        from: key(from, from_kind),
        to: key(to, ObjectKind::Function),
    };
    let f = ObjectKind::Function;
    Catalog {
        source: Some(CatalogSource {
            kind: "PG".into(),
            url: "postgres://host/calls".into(),
            read_at: "2026-01-01T00:00:00Z".into(),
            schemas: vec!["public".into()],
        }),
        routines: vec![
            function("a_top", "b_mid() + 1"),
            function("b_mid", "c_base() + 1"),
            function("c_base", "CASE WHEN false THEN x_one() ELSE 40 END"),
            function("x_one", "CASE WHEN false THEN y_two() ELSE 1 END"),
            function("y_two", "CASE WHEN false THEN x_one() ELSE 2 END"),
        ],
        views: vec![View {
            schema: "public".into(),
            name: "answers".into(),
            materialized: false,
            columns: Vec::new(),
            source: "SELECT a_top() AS answer".into(),
            comment: None,
            indexes: Vec::new(),
        }],
        dependencies: vec![
            calls("answers", ObjectKind::View, "a_top"),
            calls("a_top", f, "b_mid"),
            calls("b_mid", f, "c_base"),
            calls("c_base", f, "x_one"),
            calls("x_one", f, "y_two"),
            calls("y_two", f, "x_one"),
        ],
        ..Catalog::default()
    }
}

/// Code is created in dependency order (parents first, a cycle broken the same way every run),
/// not name order; the view calling it comes after it, in the code file; and the result applies
/// to PostgreSQL.
#[test]
fn code_is_written_in_dependency_order_and_views_calling_it_after_it() {
    let write = || {
        let ws = Workspace::empty();
        let snapshot_file = ws.path().join("calls.json");
        snapshot::write(&calling_code(), &snapshot_file).unwrap();
        ok(ws
            .dbsub(&[])
            .args([
                "create-migrations",
                "--seed-object",
                "answers",
                "--dialect",
                "postgres",
                "--catalog",
            ])
            .arg(&snapshot_file)
            .output()
            .unwrap());
        ws
    };
    let ws = write();
    let folder = ws.path().join("migrations");
    let written = files(&folder);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["V1.0.0.1__answers_code.sql"],
        "no views file before it"
    );
    let code = &written[0].1;
    assert!(
        code.contains("\nSET check_function_bodies = false;\n"),
        "{code}"
    );
    let created: Vec<&str> = code
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE OR REPLACE "))
        .collect();
    assert_eq!(
        created,
        // The cycle is broken at x_one's call of y_two (x_one first by name); y_two, free
        // then, comes by name after the others that are ready.
        [
            "FUNCTION x_one()",
            "FUNCTION c_base()",
            "FUNCTION b_mid()",
            "FUNCTION a_top()",
            "VIEW answers AS",
            "FUNCTION y_two()",
        ],
        "{code}"
    );
    assert_eq!(files(&write().path().join("migrations")), written);

    let Some(url) = migrate_into_postgres(&ws, "calls") else {
        return;
    };
    let answer: i32 = pg::connect(&url)
        .query_one("SELECT answer FROM answers", &[])
        .unwrap()
        .get(0);
    assert_eq!(answer, 42);
}

/// The Oracle snapshot's partitioned tables (tests/data/oracle_catalog.json): range with an
/// interval and a local index, list with DEFAULT, hash, composite range-list, and SALES_LINE
/// partitioned by reference to SALES.
const PARTITIONED: [&str; 4] = ["SALES_LINE", "REGION_NOTE", "SESSION_LOG", "SHIPMENT"];

/// The Oracle snapshot the partitioning tests start from.
fn oracle_snapshot() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle_catalog.json")
}

/// `create-migrations` from `catalog` in `dialect` into `folder` with `seeds`, which must
/// succeed; its warnings.
fn catalog_migrations(
    ws: &Workspace,
    catalog: &Path,
    dialect: &str,
    folder: &Path,
    seeds: &[&str],
) -> String {
    let out = ws
        .dbsub(&[])
        .args(["create-migrations", "--dialect", dialect, "--catalog"])
        .arg(catalog)
        .arg("--migration-folder")
        .arg(folder)
        .args(seeds.iter().flat_map(|s| ["--seed-object", *s]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// The text of the tables file of a folder.
fn tables_file(dir: &Path) -> String {
    files(dir)
        .into_iter()
        .find(|(name, _)| name.ends_with("_tables.sql"))
        .expect("a tables file")
        .1
}

/// Into Oracle, each table keeps its partitioning clauses, no storage: `INTERVAL` with only the
/// partitions the DDL made, `VALUES (DEFAULT)`, hash partitions by name, subpartitions under
/// their partitions, `PARTITION BY REFERENCE` with its foreign key inside the CREATE TABLE
/// after the parent's, and `LOCAL` indexes.
#[test]
fn oracle_partitioned_tables_keep_their_partitioning_in_oracle() {
    let ws = Workspace::empty();
    let dir = ws.path().join("oracle-partitioned-oracle");
    let warnings = catalog_migrations(&ws, &oracle_snapshot(), "oracle", &dir, &PARTITIONED);
    assert!(!warnings.contains("partition"), "{warnings}");
    let sql: String = files(&dir).into_iter().map(|(_, text)| text).collect();
    for clause in ["TABLESPACE", "STORAGE", "COMPRESS", "SEGMENT"] {
        assert!(!sql.contains(clause), "{clause}: {sql}");
    }
    let parent = sql.find("CREATE TABLE SALES (").expect("SALES");
    let child = sql.find("CREATE TABLE SALES_LINE (").expect("SALES_LINE");
    assert!(parent < child, "{sql}");
    // The foreign key SALES_LINE is partitioned by is in its CREATE TABLE, not added later.
    assert_eq!(sql.matches("SALES_LINE_SALE_FK").count(), 2, "{sql}");
    golden_folder("oracle-partitioned-oracle", &dir);
}

/// A reference-partitioned table whose parent is left out of the subset (here: a catalog
/// without it, as when the parent's schema is not read) is created unpartitioned, and
/// `create-migrations` says so.
#[test]
fn a_reference_partitioned_table_without_its_parent_is_created_unpartitioned() {
    let ws = Workspace::empty();
    let mut catalog = snapshot::read(&oracle_snapshot()).unwrap();
    catalog.tables.retain(|t| t.name != "SALES");
    let without = ws.path().join("without_sales.json");
    snapshot::write(&catalog, &without).unwrap();
    let dir = ws.path().join("without");
    let warnings = catalog_migrations(&ws, &without, "oracle", &dir, &PARTITIONED);
    assert!(
        warnings.contains(
            "TABLE: APP.SALES_LINE: partitioned in the source (PARTITION BY REFERENCE \
             (SALES_LINE_SALE_FK), 1 partition: P2023); it is partitioned by reference through \
             foreign key SALES_LINE_SALE_FK to TABLE: APP.SALES, which is outside this set of \
             migrations, so it is created as one plain table that holds every partition's rows. \
             Rows load as they are"
        ),
        "{warnings}"
    );
    let tables = tables_file(&dir);
    let line = &tables[tables
        .find("CREATE TABLE SALES_LINE (")
        .expect("SALES_LINE")..];
    let statement = &line[..line.find(';').unwrap()];
    assert!(!statement.contains("PARTITION"), "{statement}");
    assert!(!statement.contains("FOREIGN KEY"), "{statement}");
    assert!(
        tables.contains("-- APP.SALES_LINE is partitioned in the source"),
        "{tables}"
    );
    // The others keep theirs.
    assert!(tables.contains("PARTITION BY HASH (ID)"), "{tables}");
}

/// Oracle partitioning into SQLite and PostgreSQL: every partitioned table is reported by
/// name with what to do and created as a plain table; the files apply.
#[test]
fn oracle_partitioning_is_reported_per_table_into_sqlite_and_postgres() {
    let ws = Workspace::empty();
    for dialect in ["sqlite", "postgres"] {
        let dir = ws.path().join(dialect);
        let warnings = catalog_migrations(&ws, &oracle_snapshot(), dialect, &dir, &PARTITIONED);
        let title = if dialect == "sqlite" {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        for (table, what) in [
            (
                "SALES",
                "PARTITION BY RANGE (SOLD_ON) INTERVAL (NUMTOYMINTERVAL(1,'MONTH')), 1 partition: \
                 P2023",
            ),
            (
                "SALES_LINE",
                "PARTITION BY REFERENCE (SALES_LINE_SALE_FK), 1 partition: P2023",
            ),
            (
                "REGION_NOTE",
                "PARTITION BY LIST (REGION), 2 partitions: P_EU, P_OTHER",
            ),
            (
                "SESSION_LOG",
                "PARTITION BY HASH (ID), 2 partitions: SYS_P201, SYS_P202",
            ),
            (
                "SHIPMENT",
                // Two partitions and their four subpartitions.
                "PARTITION BY RANGE (SHIPPED_ON) SUBPARTITION BY LIST (REGION), 6 partitions: \
                 P2023, P2023_EU, P2023_REST, PMAX, PMAX_EU, SYS_SUBP301",
            ),
        ] {
            let expected = format!(
                "TABLE: APP.{table}: partitioned in the source ({what}); {title} cannot create \
                 this partitioning, so it is created as one plain table that holds every \
                 partition's rows. Rows load as they are; to keep the partitioning, migrate to a \
                 database of the source's kind"
            );
            assert!(warnings.contains(&expected), "{expected}\n{warnings}");
        }
        let sql: String = files(&dir).into_iter().map(|(_, text)| text).collect();
        // Only the comment line above each CREATE TABLE names the partitioning.
        assert!(!sql.contains("\nPARTITION BY"), "{sql}");
        assert!(!sql.contains(" LOCAL"), "{sql}");
        assert!(
            sql.contains("-- APP.SHIPMENT is partitioned in the source"),
            "{sql}"
        );
    }
    // The files apply: SQLite into a file; PostgreSQL into a throwaway cluster, if there is one.
    let cluster = pg::cluster();
    let mut targets = vec![(
        format!("sqlite://{}", ws.path().join("local.db").display()),
        "sqlite",
    )];
    if let Some(pg) = &cluster {
        targets.push((pg.create_database("oracle_partitions"), "postgres"));
    }
    for (target, folder) in targets {
        let out = ws
            .dbsub(&[])
            .args(["migrate", "--target", &target, "--migration-folder"])
            .arg(ws.path().join(folder))
            .output()
            .unwrap();
        assert!(out.status.success(), "{folder}: {}", stderr(&out));
    }
}

/// Oracle needs a reference-partitioned table's parent created first. The load order puts
/// parents first, but a cycle may be broken at that foreign key: here SALES also references
/// SALES_LINE (NOT NULL) and the partitioning key is deferrable, the cheaper one to break, so
/// the load order has SALES_LINE first; the tables file still creates SALES first.
#[test]
fn a_reference_partitioned_table_follows_its_parent_also_in_a_cycle() {
    use dbsub::catalog::FkAction;
    let ws = Workspace::empty();
    let mut catalog = snapshot::read(&oracle_snapshot()).unwrap();
    let line = catalog
        .tables
        .iter_mut()
        .find(|t| t.name == "SALES_LINE")
        .unwrap();
    line.foreign_keys[0].deferrable = true;
    let sales = catalog
        .tables
        .iter_mut()
        .find(|t| t.name == "SALES")
        .unwrap();
    let first_line_no = Column {
        name: "FIRST_LINE_NO".into(),
        ..sales.columns[0].clone()
    };
    sales.columns.push(first_line_no);
    sales.foreign_keys.push(ForeignKey {
        name: "SALES_FIRST_LINE_FK".into(),
        columns: vec!["ID".into(), "FIRST_LINE_NO".into()],
        ref_schema: "APP".into(),
        ref_table: "SALES_LINE".into(),
        ref_columns: vec!["SALE_ID".into(), "LINE_NO".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        enabled: true,
    });
    let cyclic = ws.path().join("cyclic.json");
    snapshot::write(&catalog, &cyclic).unwrap();
    let dir = ws.path().join("cyclic");
    catalog_migrations(&ws, &cyclic, "oracle", &dir, &["SALES_LINE"]);
    let tables = tables_file(&dir);
    let parent = tables.find("CREATE TABLE SALES (").expect("SALES");
    let child = tables
        .find("CREATE TABLE SALES_LINE (")
        .expect("SALES_LINE");
    assert!(parent < child, "{tables}");
    assert!(
        tables.contains("PARTITION BY REFERENCE (SALES_LINE_SALE_FK)"),
        "{tables}"
    );
}

/// A system-partitioned table is created plain in Oracle too: every insert into one names its
/// partition, which a load cannot; `create-migrations` says so rather than `ingest` failing.
#[test]
fn a_system_partitioned_table_is_created_plain_with_a_warning() {
    let ws = Workspace::empty();
    let dir = ws.path().join("system");
    let warnings = catalog_migrations(&ws, &oracle_snapshot(), "oracle", &dir, &["INBOX"]);
    assert!(
        warnings.contains(
            "TABLE: APP.INBOX: partitioned in the source (PARTITION BY SYSTEM, 2 partitions: P1, \
             P2); a \
             load cannot insert into a system-partitioned table, whose every insert names its \
             partition (ORA-14701), so it is created as one plain table that holds every \
             partition's rows. Rows load as they are"
        ),
        "{warnings}"
    );
    let sql: String = files(&dir).into_iter().map(|(_, text)| text).collect();
    assert!(!sql.contains("\nPARTITION BY"), "{sql}");
}

/// An Oracle schema whose table A has a virtual column and a function-based index on
/// deterministic user functions, as `ALL_DEPENDENCIES` records them (the table needs each).
fn table_calling_code() -> Catalog {
    use dbsub::catalog::{Dependency, Index, IndexColumn, ObjectKey, ObjectKind, Routine};
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "ORA".into();
    let a = &mut catalog.tables[0];
    let text = |name: &str| Column {
        name: name.into(),
        native_type: "VARCHAR2(10 CHAR)".into(),
        neutral_type: NeutralType::Text {
            length: Some(10),
            semantics: dbsub::catalog::LengthSemantics::Char,
            fixed: false,
        },
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        comment: None,
    };
    a.columns.push(text("CODE"));
    a.columns.push(Column {
        native_type: "NUMBER".into(),
        neutral_type: NeutralType::Decimal {
            precision: None,
            scale: None,
        },
        generated: Some("\"IS_VALID\"(\"CODE\")".into()),
        comment: Some("1 for a valid code".into()),
        ..text("CODE_OK")
    });
    let column_index = |name: &str, expression: &str| Index {
        name: name.into(),
        unique: false,
        columns: vec![IndexColumn {
            expression: expression.into(),
            descending: false,
            opclass: None,
            nulls_first: None,
        }],
        predicate: None,
        method: None,
        include: Vec::new(),
        nulls_not_distinct: false,
        extensions: Vec::new(),
    };
    a.indexes.push(column_index("A_CODE_OK_IX", "CODE_OK"));
    a.indexes
        .push(column_index("A_CODE_IX", "\"NORMALIZED\"(\"CODE\")"));
    let function = |name: &str, returns: &str, body: &str| Routine {
        schema: "S".into(),
        name: name.into(),
        kind: ObjectKind::Function,
        source: format!(
            "FUNCTION {name} (P_CODE IN VARCHAR2) RETURN {returns} DETERMINISTIC IS\nBEGIN\n  \
             RETURN {body};\nEND;"
        ),
    };
    catalog.routines = vec![
        function(
            "IS_VALID",
            "NUMBER",
            "CASE WHEN P_CODE IS NULL THEN 0 ELSE 1 END",
        ),
        function("NORMALIZED", "VARCHAR2", "LOWER(P_CODE)"),
    ];
    catalog.dependencies = ["IS_VALID", "NORMALIZED"]
        .into_iter()
        .map(|f| Dependency {
            from: ObjectKey::new("S", "A", ObjectKind::Table),
            to: ObjectKey::new("S", f, ObjectKind::Function),
        })
        .collect();
    catalog
}

/// A virtual column and a function-based index that call user functions are added after the
/// code file, by `ALTER TABLE` and `CREATE INDEX`, with the index and comment on that column,
/// not in the tables and indexes files before it (where `migrate` failed: the function did not
/// exist yet); the statements pass the Oracle grammar check (`.ci/run`), a second run adds
/// nothing, and into PostgreSQL, which does not get the Oracle functions, they are left out and
/// reported.
#[test]
fn oracle_virtual_columns_and_indexes_calling_functions_come_after_the_code() {
    let (ws, out) = snapshot_migrations(&table_calling_code(), "oracle");
    let warnings = stderr(&out);
    assert!(out.status.success(), "{warnings}");
    let folder = ws.path().join("migrations");
    let written = files(&folder);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "V1.0.0.1__a_tables.sql",
            "V1.0.0.2__a_foreign_keys.sql",
            "V1.0.0.3__a_code.sql",
            "V1.0.0.4__a_table_code.sql",
        ]
    );
    for (name, text) in &written[..2] {
        assert!(
            !text.contains("IS_VALID") && !text.contains("NORMALIZED"),
            "{name}:\n{text}"
        );
    }
    assert!(
        written[0].1.contains("CODE VARCHAR2(10 CHAR)"),
        "{}",
        written[0].1
    );
    assert_eq!(
        written[3]
            .1
            .lines()
            .filter(|l| !l.starts_with("--") && !l.is_empty())
            .collect::<Vec<_>>(),
        [
            "ALTER TABLE A ADD (CODE_OK NUMBER GENERATED ALWAYS AS (\"IS_VALID\"(\"CODE\")) \
             VIRTUAL);",
            // An index and a comment on the column come after it.
            "CREATE INDEX A_CODE_OK_IX ON A (CODE_OK);",
            "CREATE INDEX A_CODE_IX ON A (\"NORMALIZED\"(\"CODE\"));",
            "COMMENT ON COLUMN A.CODE_OK IS '1 for a valid code';",
        ]
    );
    assert!(
        warnings.contains(
            "generated column S.A.CODE_OK calls code created in the code file: it is added after \
             that code"
        ),
        "{warnings}"
    );
    let check = common::oracle_migrations_dir().join("table-code");
    let _ = std::fs::remove_dir_all(&check);
    std::fs::create_dir_all(&check).unwrap();
    for (name, text) in &written {
        std::fs::write(check.join(name), text).unwrap();
    }

    let again = snapshot_migrations_again(&ws, "oracle");
    assert!(stderr(&again).contains("Nothing new"), "{}", stderr(&again));
    assert_eq!(files(&folder), written);

    let (ws, out) = snapshot_migrations(&table_calling_code(), "postgres");
    let warnings = stderr(&out);
    assert!(out.status.success(), "{warnings}");
    let sql: String = migrations_sql(&ws)
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect();
    for left_out in ["CODE_OK", "code_ok", "NORMALIZED", "IS_VALID"] {
        assert!(!sql.contains(left_out), "{left_out} in\n{sql}");
    }
    assert!(
        warnings.contains(
            "generated column S.A.CODE_OK: it calls FUNCTION: S.IS_VALID, which is not created \
             in postgres: left out"
        ),
        "{warnings}"
    );
    for index in ["A_CODE_OK_IX", "A_CODE_IX"] {
        assert!(
            warnings.contains(&format!("INDEX: S.{index}: it calls FUNCTION: S.")),
            "{warnings}"
        );
    }
    migrate_into_postgres(&ws, "table_code");
}

/// [`not_null_cycle`] read from `kind`, A's ID drawing from `a_default`'s sequence A_SEQ,
/// which the set creates (A needs it, as the catalog records), and B's PARENT_ID from
/// `b_default`'s sequence B_SEQ, which is not in the catalog.
fn sequence_defaults(kind: &str, a_default: &str, b_default: &str) -> Catalog {
    use dbsub::catalog::{Dependency, ObjectKey, ObjectKind, Sequence};
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = kind.into();
    catalog.tables[0].columns[0].default = Some(a_default.into());
    catalog.tables[1].columns[1].default = Some(b_default.into());
    catalog.sequences.push(Sequence {
        schema: "S".into(),
        name: "A_SEQ".into(),
        start: 1,
        increment: 1,
        min_value: None,
        max_value: None,
        cycle: false,
        cache: None,
        owned_by: None,
    });
    catalog.dependencies.push(Dependency {
        from: ObjectKey::new("S", "A", ObjectKind::Table),
        to: ObjectKey::new("S", "A_SEQ", ObjectKind::Sequence),
    });
    catalog
}

/// A default drawn from a sequence is written in the target's form (Oracle `S.NEXTVAL`,
/// PostgreSQL `nextval('s')`) when the set creates the sequence; one drawn from a sequence it
/// does not create is left out and reported, naming the column. PostgreSQL applies the result.
#[test]
fn sequence_defaults_are_translated_between_postgres_and_oracle() {
    let b_reported = "column S.B.PARENT_ID: its default draws from sequence ";
    let catalog = sequence_defaults(
        "PG",
        "nextval('\"A_SEQ\"'::regclass)",
        "nextval('S.B_SEQ'::regclass)",
    );
    let (ws, out) = snapshot_migrations(&catalog, "oracle");
    let warnings = stderr(&out);
    assert!(out.status.success(), "{warnings}");
    assert!(
        warnings.contains(&format!(
            "{b_reported}S.B_SEQ, which this set of migrations does not create: the default is \
             left out"
        )),
        "{warnings}"
    );
    let sql = migrations_sql(&ws);
    assert!(sql.contains(" DEFAULT \"A_SEQ\".NEXTVAL NOT NULL"), "{sql}");
    assert!(!sql.contains("nextval"), "{sql}");
    let check = common::oracle_migrations_dir().join("sequence-defaults");
    let _ = std::fs::remove_dir_all(&check);
    std::fs::create_dir_all(&check).unwrap();
    for (name, text) in files(&ws.path().join("migrations")) {
        std::fs::write(check.join(name), text).unwrap();
    }

    let catalog = sequence_defaults("ORA", "\"S\".\"A_SEQ\".\"NEXTVAL\"", "B_SEQ.nextval");
    let (ws, out) = snapshot_migrations(&catalog, "postgres");
    let warnings = stderr(&out);
    assert!(out.status.success(), "{warnings}");
    assert!(
        warnings.contains(&format!(
            "{b_reported}B_SEQ, which this set of migrations does not create"
        )),
        "{warnings}"
    );
    let sql = migrations_sql(&ws);
    assert!(sql.contains(" DEFAULT nextval('a_seq') NOT NULL"), "{sql}");
    assert!(!sql.to_ascii_uppercase().contains(".NEXTVAL"), "{sql}");

    let Some(url) = migrate_into_postgres(&ws, "sequence_defaults") else {
        return;
    };
    let default: String = pg::connect(&url)
        .query_one(
            "SELECT column_default::text FROM information_schema.columns \
             WHERE table_name = 'a' AND column_name = 'id'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(default, "nextval('a_seq'::regclass)");
}

/// SQLite has no comments and numbers only a single-column INTEGER PRIMARY KEY: a table's
/// comments, and its identity columns but that one, are reported once per table, naming the
/// columns, rather than dropped silently.
#[test]
fn comments_and_identities_sqlite_cannot_carry_are_reported() {
    use dbsub::catalog::Identity;
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    let identity = || {
        Some(Identity {
            always: false,
            sequence: None,
        })
    };
    let a = &mut catalog.tables[0];
    a.comment = Some("The A's".into());
    a.columns[1].comment = Some("Its parent".into());
    let b = &mut catalog.tables[1];
    b.columns[0].identity = identity();
    b.columns[1].identity = identity();
    b.columns[0].comment = Some("The key".into());
    let (ws, out) = snapshot_migrations(&catalog, "sqlite");
    let warnings = stderr(&out);
    assert!(out.status.success(), "{warnings}");
    let lines = |text: &str| warnings.lines().filter(|l| l.contains(text)).count();
    assert!(
        warnings.contains(
            "TABLE: S.A: SQLite has no comments: not carried: the table's and those of columns \
             PARENT_ID"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains("TABLE: S.B: SQLite has no comments: not carried: those of columns ID\n"),
        "{warnings}"
    );
    assert!(
        warnings.contains(
            "TABLE: S.B: SQLite numbers only a table's single-column INTEGER PRIMARY KEY (its \
             rowid), so these identity columns are created as plain columns: PARENT_ID;"
        ),
        "{warnings}"
    );
    assert_eq!(lines("has no comments"), 2, "{warnings}");
    assert_eq!(lines("numbers only"), 1, "{warnings}");
    migrate_into_sqlite(&ws);
}

/// Every object is created in one schema, so two objects of different source schemas with one
/// name (AdventureWorks' views `hr.d` and `pr.d`) cannot both be created: `create-migrations`
/// says which and what to do, rather than writing a second CREATE that fails `migrate` (or, for
/// a view of the same columns, silently replaces the first).
#[test]
fn objects_of_different_schemas_with_one_name_are_refused_at_generation() {
    let mut catalog = not_null_cycle();
    catalog.tables[2].schema = "T".into();
    catalog.tables[2].name = "A".into();
    catalog.tables[1].foreign_keys[0].ref_schema = "T".into();
    catalog.tables[1].foreign_keys[0].ref_table = "A".into();
    catalog.tables[2].foreign_keys[0].name = "T_A_FK".into();
    let ws = Workspace::empty();
    let snapshot_file = ws.path().join("catalog.json");
    snapshot::write(&catalog, &snapshot_file).unwrap();
    for dialect in ["postgres", "sqlite", "oracle"] {
        let out = ws
            .dbsub(&[])
            .args([
                "create-migrations",
                "--seed-object",
                "S.A",
                "--dialect",
                dialect,
            ])
            .arg("--migration-folder")
            .arg(ws.path().join(dialect))
            .arg("--catalog")
            .arg(&snapshot_file)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{dialect}: {err}");
        assert!(
            err.contains("objects of different schemas would be created under one name")
                && err.contains("TABLE: S.A")
                && err.contains("TABLE: T.A")
                && err.contains("--exclude"),
            "{dialect}: {err}"
        );
        assert!(
            !ws.path()
                .join(dialect)
                .join("V1.0.0.1__A_tables.sql")
                .exists()
        );
    }
}

/// A second run into the same folder refuses an object whose name an earlier run created from
/// another schema: the record says the name is created, so it would be skipped as already
/// there while the other schema's object stands in its place.
#[test]
fn an_object_named_like_one_an_earlier_run_created_from_another_schema_is_refused() {
    let mut catalog = not_null_cycle();
    let mut other = catalog.tables[0].clone();
    other.schema = "T".into();
    other.foreign_keys.clear();
    catalog.tables.push(other);
    let ws = Workspace::empty();
    let snapshot_file = ws.path().join("catalog.json");
    snapshot::write(&catalog, &snapshot_file).unwrap();
    let folder = ws.path().join("migrations");
    let run = |seed: &str| {
        ws.dbsub(&[])
            .args([
                "create-migrations",
                "--seed-object",
                seed,
                "--dialect",
                "postgres",
            ])
            .arg("--migration-folder")
            .arg(&folder)
            .arg("--catalog")
            .arg(&snapshot_file)
            .output()
            .unwrap()
    };
    let first = run("S.A");
    assert!(first.status.success(), "{}", stderr(&first));
    let files = std::fs::read_dir(&folder).unwrap().count();
    let second = run("T.A");
    let err = stderr(&second);
    assert!(!second.status.success(), "{err}");
    assert!(
        err.contains("TABLE: T.A and S.A created before") && err.contains("--exclude"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), files);
}

/// The comments on tables and columns go in the indexes file: a subset whose tables have no
/// index but their keys (AdventureWorks' 68 tables, 427 comments) still gets that file, rather
/// than every comment lost without a word.
#[test]
fn comments_of_tables_without_indexes_are_written() {
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    catalog.tables[0].comment = Some("The A's.".into());
    catalog.tables[1].columns[1].comment = Some("Its parent.".into());
    let (ws, out) = snapshot_migrations(&catalog, "postgres");
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = migrations_sql(&ws);
    assert!(
        sql.contains(r#"COMMENT ON TABLE "A" IS 'The A''s.';"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"COMMENT ON COLUMN "B"."PARENT_ID" IS 'Its parent.';"#),
        "{sql}"
    );
}

/// A PostgreSQL view over a table with a domain column depends on the domain, which SQLite does
/// not create: its columns are created with the base type, so the view is created too
/// (AdventureWorks' 15 views over `"Name"` and `"Phone"` columns were all kept out).
#[test]
fn a_view_over_a_domain_column_is_created_where_the_domain_is_not() {
    use dbsub::catalog::{Dependency, ObjectKey, ObjectKind, Routine, View};
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    catalog.routines.push(Routine {
        schema: "S".into(),
        name: "Name".into(),
        kind: ObjectKind::Type,
        source: "DOMAIN \"Name\" AS character varying(50)".into(),
    });
    catalog.tables[0].columns[1].native_type = "\"Name\"".into();
    catalog.views.push(View {
        schema: "S".into(),
        name: "V".into(),
        materialized: false,
        columns: Vec::new(),
        source: "SELECT \"A\".\"ID\" FROM \"A\"".into(),
        comment: None,
        indexes: Vec::new(),
    });
    let view = ObjectKey::new("S", "V", ObjectKind::View);
    catalog.dependencies = vec![
        Dependency {
            from: view.clone(),
            to: ObjectKey::new("S", "A", ObjectKind::Table),
        },
        Dependency {
            from: view,
            to: ObjectKey::new("S", "Name", ObjectKind::Type),
        },
    ];
    let ws = Workspace::empty();
    snapshot::write(&catalog, &ws.path().join("catalog.json")).unwrap();
    let out = ws
        .dbsub(&[])
        .args([
            "create-migrations",
            "--seed-object",
            "V",
            "--dialect",
            "sqlite",
        ])
        .arg("--catalog")
        .arg(ws.path().join("catalog.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("VIEW: S.V"), "{}", stderr(&out));
    let sql = migrations_sql(&ws);
    assert!(sql.contains("CREATE VIEW \"V\""), "{sql}");
    migrate_into_sqlite(&ws);
}

/// A table or view using an extension (AdventureWorks: `uuid_generate_v1()` of `uuid-ossp` in
/// defaults, `crosstab` of `tablefunc` in a view): PostgreSQL creates the extension first, once;
/// SQLite reports the tables in one warning and keeps the view as a comment.
#[test]
fn extensions_are_created_first_in_postgres_and_reported_elsewhere() {
    use dbsub::catalog::{Dependency, ExtensionUse, ObjectKey, ObjectKind, View};
    let mut catalog = not_null_cycle();
    catalog.source.as_mut().unwrap().kind = "PG".into();
    catalog.tables[0].columns[1].default = Some("uuid_generate_v1()".into());
    catalog.views.push(View {
        schema: "S".into(),
        name: "PIVOT".into(),
        materialized: false,
        columns: Vec::new(),
        source: "SELECT * FROM crosstab('SELECT 1, 2, 3') AS ct(a integer, b integer)".into(),
        comment: None,
        indexes: Vec::new(),
    });
    catalog.dependencies.push(Dependency {
        from: ObjectKey::new("S", "PIVOT", ObjectKind::View),
        to: ObjectKey::new("S", "A", ObjectKind::Table),
    });
    let uses = |name: &str, extension: &str| ExtensionUse {
        schema: "S".into(),
        name: name.into(),
        extension: extension.into(),
    };
    catalog.extensions_used = vec![
        uses("A", "uuid-ossp"),
        uses("B", "uuid-ossp"),
        uses("PIVOT", "tablefunc"),
    ];
    let ws = Workspace::empty();
    snapshot::write(&catalog, &ws.path().join("catalog.json")).unwrap();
    let run = |dialect: &str| {
        let out = ws
            .dbsub(&[])
            .args([
                "create-migrations",
                "--seed-object",
                "PIVOT",
                "--dialect",
                dialect,
            ])
            .arg("--migration-folder")
            .arg(ws.path().join(dialect))
            .arg("--catalog")
            .arg(ws.path().join("catalog.json"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let sql: String = files(&ws.path().join(dialect))
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        (stderr(&out), sql)
    };
    let (_, sql) = run("postgres");
    let created = |what: &str| sql.find(what).unwrap_or_else(|| panic!("no {what}: {sql}"));
    assert_eq!(
        sql.matches("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";")
            .count(),
        1
    );
    assert!(created("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";") < created("CREATE TABLE"));
    assert!(created("CREATE EXTENSION IF NOT EXISTS tablefunc;") < created("VIEW \"PIVOT\""));
    let (warnings, sql) = run("sqlite");
    assert!(!sql.contains("EXTENSION"), "{sql}");
    assert!(
        warnings.contains("extension uuid-ossp, which SQLite does not have, is used by 2 tables")
            && warnings.contains("S.A")
            && warnings.contains("S.B"),
        "{warnings}"
    );
    assert!(
        warnings.contains("VIEW: S.PIVOT: it uses extension tablefunc"),
        "{warnings}"
    );
}
