//! Messages that name the thing and the remedy: a store without credentials, a seed name that
//! is ambiguous for extract, a plan file's bad line, a PostgreSQL schema the default catalog
//! read does not cover.

mod common;

use common::{Workspace, failure, pg, stderr, stdout, success};

/// A server that answers every request with 403 Forbidden, as an instance metadata endpoint
/// outside a cloud machine does (or a proxy that denies it); its address.
fn forbidding_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    format!("http://{address}")
}

#[test]
fn a_store_without_credentials_says_which_variables_to_set() {
    let ws = Workspace::with_demo();
    let metadata = forbidding_server();
    let out = ws
        .dbsub(&[
            ("DBSUB_STORE_PROD", "s3://bucket/dbsub"),
            ("AWS_ENDPOINT", "http://127.0.0.1:1"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_METADATA_ENDPOINT", &metadata),
        ])
        .args(["doctor", "--format", "json"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("in the store s3://bucket/dbsub: no credentials for it: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{text}"
    );
}

#[test]
fn an_ambiguous_seed_of_extract_is_resolved_with_what_extract_accepts() {
    let ws = Workspace::with_demo();
    let snapshot = ws.two_schema_snapshot();
    let url = ws.demo_url();
    let args = [
        "extract",
        "SQLITE",
        "DEMO",
        "--dry-run",
        "--seed-object",
        "seedlot",
    ];
    let out = ws
        .dbsub(&[("DBSUB_SOURCE_SQLITE_DEMO", &url)])
        .args(args)
        .arg("--catalog")
        .arg(&snapshot)
        .output()
        .unwrap();
    let err = failure(&out, &args);
    assert!(
        err.contains("names 2 objects; name it as SCHEMA.NAME (or with --schema S):"),
        "{err}"
    );
    assert!(!err.contains("--object-type"), "{err}");
}

#[test]
fn a_plan_file_error_names_the_file_and_line() {
    let ws = Workspace::with_demo();
    let url = ws.demo_url();
    for (plan, line) in [
        ("name = \"x\"\n\n[[seed]]\ntable = \"SEEDLOTT\"\n", 4),
        (
            "[[seed]]\ntable = \"SEEDLOT\"\nwhere = \"NO_SUCH_COLUMN = 1\"\n",
            3,
        ),
        (
            "[[seed]]\ntable = \"SEEDLOT\"\n\n[masking]\ndefault = \"bogus\"\n",
            5,
        ),
    ] {
        std::fs::write(ws.path().join("plan.toml"), plan).unwrap();
        let args = [
            "extract",
            "SQLITE",
            "DEMO",
            "--dry-run",
            "--plan",
            "plan.toml",
        ];
        let out = ws
            .dbsub(&[("DBSUB_SOURCE_SQLITE_DEMO", &url)])
            .args(args)
            .output()
            .unwrap();
        let err = failure(&out, &args);
        let error = err
            .lines()
            .find(|l| l.starts_with("dbsub: "))
            .unwrap_or_default();
        assert!(
            error.starts_with(&format!("dbsub: in the plan file plan.toml, line {line}: ")),
            "{plan}: {err}"
        );
    }
}

#[test]
fn a_postgres_schema_named_by_the_seed_is_read_and_a_missing_one_named() {
    let Some(pg) = pg::cluster() else { return };
    let url = pg.create_database("other_schema");
    pg::connect(&url)
        .batch_execute("CREATE SCHEMA a; CREATE TABLE a.item (id int PRIMARY KEY);")
        .unwrap();
    let ws = Workspace::empty();
    let args = ["show-deps", "--seed-object", "item", "--schema", "a"];
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", &url)])
        .args(args)
        .output()
        .unwrap();
    let text = success(&out, &args);
    assert!(text.starts_with("TABLE: a.item\n"), "{text}");
    // Without a schema: the one read (public, empty) is named, and how to name another.
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", &url)])
        .args(["show-deps", "--seed-object", "item"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        err.contains(
            "(the catalog holds the schemas public; name a seed of another schema as \
             SCHEMA.NAME or with --schema S)"
        ),
        "{err}"
    );
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", &url)])
        .args(["show-deps", "--seed-object", "b.item"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(err.contains("schema `b` does not exist"), "{err}");
    let listed: Vec<&str> = err
        .split_once("the schemas there are ")
        .map(|(_, rest)| rest.lines().next().unwrap_or("").split(", ").collect())
        .unwrap_or_default();
    assert!(listed.contains(&"a"), "{err}");
}
