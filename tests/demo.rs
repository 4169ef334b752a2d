//! `dbsub demo` and the embedded-demo fallback, with no configuration at all.

mod common;

use common::{Workspace, stderr, stdout};

#[test]
fn demo_builds_the_database_and_shows_seedlot() {
    let ws = Workspace::empty();
    let out = ws
        .dbsub(&[])
        .args(["demo", "--scale", "0.01"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("TABLE: THE.SEEDLOT\n"), "{text}");
    assert!(text.contains("TRIGGER: THE.SEEDLOT_AUDIT_TRG"), "{text}");
    assert!(
        text.contains("break FK FOREST_CLIENT_PRIMARY_LOCN_FK"),
        "{text}"
    );
    let notes = stderr(&out);
    assert!(
        notes.contains("Built the demo database data/demo.db: 36 tables"),
        "{notes}"
    );
    assert!(ws.path().join("data/demo.db").exists());
    // The demo database, the migrations, the local database it applied them to and loaded,
    // the store and the parts cache; no temporary file left behind.
    let mut made: Vec<String> = std::fs::read_dir(ws.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            "cache",
            "demo-classification.csv",
            "demo.db",
            "local.db",
            "migrations",
            "store"
        ]
    );
    // The personal columns of the client tables are masked: the emails are fakes, the
    // birth dates moved, the client numbers still join.
    let local = rusqlite::Connection::open(ws.path().join("data/local.db")).unwrap();
    let (emails, fakes, joined, locations): (i64, i64, i64, i64) = local
        .query_row(
            "SELECT count(EMAIL_ADDRESS), \
             count(CASE WHEN EMAIL_ADDRESS LIKE '%@example.%' THEN 1 END), \
             (SELECT count(*) FROM CLIENT_LOCATION l JOIN FOREST_CLIENT c \
              ON c.CLIENT_NUMBER = l.CLIENT_NUMBER), count(*) FROM CLIENT_LOCATION",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert!(
        emails > 0 && emails == fakes,
        "{emails} emails, {fakes} fakes"
    );
    assert_eq!(joined, locations);
    assert!(notes.contains("masks with a random key"), "{notes}");
    assert!(
        notes.contains("Wrote 3 migrations to data/migrations (version 1.0.0, sqlite)"),
        "{notes}"
    );
    assert!(
        notes.contains("Migrated sqlite://data/local.db: 3 migrations applied now, 0 before."),
        "{notes}"
    );
    // SEEDLOT's subset in the demo's file store, with its manifest.
    assert!(
        notes.contains("in file://data/store/DEMO/SQLITE/default/manifest.json"),
        "{notes}"
    );
    assert!(
        ws.path()
            .join("data/store/DEMO/SQLITE/default/data/THE.SEEDLOT/part-00000.csv.zst")
            .exists()
    );

    // The extract loaded into the local database, and verified.
    assert!(
        text.contains("Verify sqlite://data/local.db:")
            && text.contains("THE.SEEDLOT ")
            && text.trim_end().ends_with("foreign keys hold."),
        "{text}"
    );
    let local = rusqlite::Connection::open(ws.path().join("data/local.db")).unwrap();
    let (seedlots, recorded): (i64, i64) = local
        .query_row(
            "SELECT (SELECT count(*) FROM SEEDLOT), (SELECT count(*) FROM dbsub_ingest_history)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        seedlots > 0 && recorded == 12,
        "{seedlots} seedlots, {recorded} tables recorded"
    );
    drop(local);

    // A second run reuses it and replaces the loaded rows; --quiet leaves only the result.
    let again = ws.dbsub(&[]).args(["demo", "--quiet"]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(stdout(&again), text);
    assert!(stderr(&again).is_empty(), "{}", stderr(&again));
}

#[test]
fn show_deps_with_nothing_configured_uses_the_demo() {
    let ws = Workspace::empty();
    let out = ws
        .dbsub(&[])
        .args([
            "show-deps",
            "--seed-object",
            "SEEDLOT",
            "--format",
            "mermaid",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("flowchart LR\n"));
    assert!(stderr(&out).contains("building the embedded demo database data/demo.db"));
}

#[test]
fn bad_scale_is_refused() {
    let ws = Workspace::empty();
    let out = ws
        .dbsub(&[])
        .args(["demo", "--scale", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--scale must be a positive number"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.path().join("data/demo.db").exists());
}
