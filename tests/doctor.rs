//! `dbsub doctor`, and the message every Oracle command gives when Oracle Instant Client is
//! missing (as on the machines that run this suite; where a client is installed, the client
//! checks are skipped).

mod common;

use common::{Workspace, stderr, stdout};

/// Whether this machine has an Oracle client dbsub can load.
fn client_installed(ws: &Workspace) -> bool {
    let out = ws.dbsub(&[]).arg("doctor").output().expect("run doctor");
    stdout(&out).contains("Oracle Instant Client ") && stdout(&out).contains(" loaded")
}

#[test]
fn doctor_passes_on_the_demo_and_lists_every_database() {
    let ws = Workspace::with_demo();
    let out = ws.dbsub_demo().arg("doctor").output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("structural  sqlite://"), "{text}");
    assert!(text.contains("(from DBSUB_STRUCT_URL)"), "{text}");
    assert!(text.contains("ok      opened"), "{text}");
    assert!(
        text.contains("target SQLITE  sqlite://data/local.db"),
        "{text}"
    );
    assert!(text.contains("does not exist yet"), "{text}");
    assert!(!text.contains("PROBLEM"), "{text}");
    // Checking creates nothing.
    assert!(!ws.path().join("data").exists());
}

#[test]
fn doctor_reports_problems_with_remedies_and_fails() {
    let ws = Workspace::with_demo();
    let store = format!("file://{}/store", ws.path().display());
    let out = ws
        .dbsub(&[
            ("DBSUB_STRUCT_URL", &ws.demo_url()),
            (
                "DBSUB_SOURCE_ORA_PROD",
                "oracle://scott:tiger-s3cret@localhost:1/ORCL",
            ),
            (
                "DBSUB_TARGET_PG",
                "postgres://dbsub:pg-s3cret@127.0.0.1:1/none",
            ),
            ("DBSUB_STORE_PROD", &store),
            ("DBSUB_MASKING_KEY", "short"),
            ("DBSUB_ORACLE_CLIENT_LIB_DIR", "/nonexistent/instantclient"),
        ])
        .args(["doctor", "--format", "json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let (text, err) = (stdout(&out), stderr(&out));
    for secret in ["tiger-s3cret", "pg-s3cret", "short\""] {
        assert!(
            !text.contains(secret) && !err.contains(secret),
            "{text}{err}"
        );
    }
    assert!(err.contains("problems found"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON report");
    let section = |title: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["title"] == title)
            .unwrap_or_else(|| panic!("no section {title} in {text}"))
            .clone()
    };
    let first = |title: &str| section(title)["findings"][0].clone();
    assert_eq!(first("target PG")["level"], "problem");
    assert!(
        first("target PG")["text"]
            .as_str()
            .unwrap()
            .contains("is the server running"),
        "{text}"
    );
    assert_eq!(first("store PROD")["level"], "ok");
    let key = &section("configuration")["findings"][1];
    assert_eq!(key["level"], "problem");
    assert!(key["text"].as_str().unwrap().contains("at least 16 bytes"));
    // The client was looked for in the folder the setting names, and both remedies are given.
    let client = first("Oracle client");
    assert_eq!(client["level"], "problem");
    let message = client["text"].as_str().unwrap();
    for needle in [
        "DPI-1047",
        "/nonexistent/instantclient (DBSUB_ORACLE_CLIENT_LIB_DIR)",
        "install Oracle Instant Client",
        "docker compose run --rm dbsub",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    assert_eq!(first("source ORA PROD")["level"], "problem");
}

#[test]
fn a_missing_oracle_client_is_explained_by_every_oracle_command() {
    let ws = Workspace::with_demo();
    if client_installed(&ws) {
        eprintln!("skipped: an Oracle client is installed here");
        return;
    }
    let url = "oracle://scott:tiger-s3cret@localhost:1/ORCL";
    let vars = [
        ("DBSUB_STRUCT_URL", url),
        ("DBSUB_SOURCE_ORA_PROD", url),
        ("DBSUB_TARGET_ORA", url),
    ];
    // (`ingest` reads the store before the target: it meets the client through the same
    // `row_sink` as `verify`; `migrate` checks that its folder exists before it connects.)
    let commands: [&[&str]; 6] = [
        &["show-deps", "--seed-object", "SEEDLOT"],
        &["create-migrations", "--seed-object", "SEEDLOT"],
        &["catalog", "export", "--out", "catalog.json"],
        &["extract", "ORA", "PROD", "--seed-object", "SEEDLOT"],
        &["migrate", "--target", "ORA", "--migration-folder", "."],
        &["verify", "ORA"],
    ];
    for args in commands {
        let out = ws.dbsub(&vars).args(args).output().unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            err.contains("Oracle Instant Client was not found (DPI-1047)")
                && err.contains("DBSUB_ORACLE_CLIENT_LIB_DIR")
                && err.contains("docker compose run --rm dbsub"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("tiger-s3cret"), "{err}");
    }
}
