//! Oracle, live: runs only when DBSUB_TEST_ORACLE_URL names a database (the GitHub Actions
//! workflow .github/workflows/oracle.yml sets it to a gvenzl/oracle-free service container).
//! The user it names must be allowed to create tables; the test drops what it creates first.

mod common;

use std::collections::BTreeSet;

use common::{Workspace, stderr, stdout};

fn oracle_url() -> Option<String> {
    match std::env::var("DBSUB_TEST_ORACLE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("Oracle live tests skipped: DBSUB_TEST_ORACLE_URL is not set");
            None
        }
    }
}

/// The tables of SEEDLOT's closure in the demo schema.
const CLOSURE: [&str; 13] = [
    "BEC_ZONE_CODE",
    "CLIENT_LOCATION",
    "CLIENT_STATUS_CODE",
    "CLIENT_TYPE_CODE",
    "FOREST_CLIENT",
    "GENETIC_CLASS_CODE",
    "ORCHARD",
    "ORCHARD_STAGE_CODE",
    "SEEDLOT",
    "SEEDLOT_AUDIT",
    "SEEDLOT_SOURCE_CODE",
    "SEEDLOT_STATUS_CODE",
    "VEGETATION_CODE",
];

fn connect(url: &str) -> oracle::Connection {
    let parsed = url::Url::parse(url).expect("DBSUB_TEST_ORACLE_URL is a URL");
    let connect_string = format!(
        "//{}:{}{}",
        parsed.host_str().unwrap_or_default(),
        parsed.port().unwrap_or(1521),
        parsed.path()
    );
    oracle::Connection::connect(
        parsed.username(),
        parsed.password().unwrap_or_default(),
        connect_string,
    )
    .expect("connect to DBSUB_TEST_ORACLE_URL")
}

#[test]
fn oracle_migrations_apply_to_a_live_database() {
    let Some(url) = oracle_url() else { return };
    let conn = connect(&url);
    for table in CLOSURE.iter().chain(&["DBSUB_SCHEMA_HISTORY"]) {
        // Dropping what an earlier run left; "does not exist" is fine.
        let _ = conn.execute(
            &format!("DROP TABLE {table} CASCADE CONSTRAINTS PURGE"),
            &[],
        );
    }

    let ws = Workspace::with_demo();
    let out = ws
        .dbsub_demo()
        .args([
            "create-migrations",
            "--seed-object",
            "SEEDLOT",
            "--dialect",
            "oracle",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws
        .dbsub(&[
            ("DBSUB_STRUCT_URL", &ws.demo_url()),
            ("DBSUB_TARGET_ORA", &url),
        ])
        .args(["migrate", "--target", "ORA"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("4 migrations applied now"),
        "{}",
        stdout(&out)
    );

    let tables: BTreeSet<String> = conn
        .query_as::<String>(
            "SELECT table_name FROM user_tables WHERE table_name <> 'DBSUB_SCHEMA_HISTORY'",
            &[],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|t| CLOSURE.contains(&t.as_str()))
        .collect();
    assert_eq!(tables.len(), CLOSURE.len(), "{tables:?}");
    let (fks,): (i64,) = conn
        .query_row_as(
            "SELECT COUNT(*) FROM user_constraints WHERE constraint_type = 'R' \
             AND table_name IN (SELECT table_name FROM user_tables)",
            &[],
        )
        .unwrap();
    assert!(fks >= 15, "{fks} foreign keys");

    // Again: nothing to do.
    let out = ws
        .dbsub(&[("DBSUB_TARGET_ORA", &url)])
        .args(["migrate", "--target", "ORA"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("Up to date:"), "{}", stderr(&out));
}
