//! `dbsub extract` into an S3 store: the moto server of `tests/common/s3.rs`, a fresh bucket per
//! test. The objects are compared with the same extract into a `file://` store (zstd output is
//! deterministic, so the parts are byte-identical). Skipped when there is no moto, unless
//! `DBSUB_REQUIRE_S3=1`; the unreachable-store test needs no server and always runs.

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt as _;
use std::process::Output;

use common::s3::{self, Bucket};
use common::{Workspace, files_below, stderr, stdout};
use sha2::{Digest as _, Sha256};

/// Seed rows that exist at the demo's scale 0.01 (SEEDLOT_NUMBER runs from 60000).
const SEED: [&str; 4] = [
    "--seed-object",
    "SEEDLOT",
    "--where",
    "SEEDLOT_NUMBER < '60050'",
];
/// Where the extract lands under a store's prefix.
const SUBSET_DIR: &str = "DEMO/SQLITE/default";
/// The prefix inside the bucket.
const PREFIX: &str = "dbsub";

/// `dbsub extract SQLITE DEMO` of the seed rows into `store`, with `extra` variables and
/// arguments; a JSON summary on stdout.
fn extract(
    ws: &Workspace,
    store: &str,
    extra_vars: &[(&str, String)],
    extra_args: &[&str],
) -> Output {
    let source = format!("sqlite://{}?schema=THE", ws.demo_db().display());
    let mut vars: Vec<(&str, &str)> = vec![
        ("DBSUB_SOURCE_SQLITE_DEMO", &source),
        ("DBSUB_STORE_DEMO", store),
    ];
    vars.extend(extra_vars.iter().map(|(k, v)| (*k, v.as_str())));
    ws.dbsub(&vars)
        .args(["extract", "SQLITE", "DEMO", "--quiet", "--format", "json"])
        .args(SEED)
        .args(extra_args)
        .output()
        .expect("run dbsub")
}

fn succeeded(out: &Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        stderr(out)
    );
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{what}: the summary is not JSON ({e}):\n{}", stdout(out)))
}

/// The same extract into a new `file://` store in the workspace: every file, by its key
/// relative to the store's root.
fn file_store_extract(ws: &Workspace, name: &str, part_size: &str) -> BTreeMap<String, Vec<u8>> {
    let root = ws.path().join(name);
    let out = extract(
        ws,
        &format!("file://{}", root.display()),
        &[],
        &["--part-size", part_size],
    );
    succeeded(&out, "the extract into a file store");
    files_below(&root)
}

/// Every object of the bucket under `PREFIX/`, by its key relative to that prefix.
fn s3_objects(bucket: &Bucket<'_>) -> BTreeMap<String, Vec<u8>> {
    let mut objects = BTreeMap::new();
    for key in bucket.keys() {
        let relative = key
            .strip_prefix(&format!("{PREFIX}/"))
            .unwrap_or_else(|| panic!("{key} is outside the store's prefix {PREFIX}/"))
            .to_string();
        objects.insert(relative, bucket.get(&key));
    }
    objects
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks that `objects` (an S3 store's, by key relative to its prefix) are exactly the
/// manifest and the parts it lists, that each part matches its checksum and size in the
/// manifest, and that the parts equal `expected`'s (a file store's) byte for byte.
fn assert_manifest_and_parts(
    objects: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, Vec<u8>>,
) {
    let manifest_key = format!("{SUBSET_DIR}/manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(
        objects
            .get(&manifest_key)
            .unwrap_or_else(|| panic!("no {manifest_key} in {:?}", objects.keys())),
    )
    .expect("the manifest is JSON");

    let mut listed = vec![manifest_key.clone()];
    for table in manifest["tables"].as_array().expect("tables") {
        for part in table["parts"].as_array().expect("parts") {
            let key = format!("{SUBSET_DIR}/{}", part["key"].as_str().expect("a part key"));
            let bytes = objects
                .get(&key)
                .unwrap_or_else(|| panic!("the manifest lists {key}, which is not in the bucket"));
            assert_eq!(
                Some(sha256_hex(bytes).as_str()),
                part["sha256"].as_str(),
                "{key}: the manifest's sha256 is not that of the object"
            );
            assert_eq!(
                Some(bytes.len() as u64),
                part["bytes"].as_u64(),
                "{key}: the manifest's size is not that of the object"
            );
            listed.push(key);
        }
    }
    listed.sort();
    let in_bucket: Vec<&String> = objects.keys().collect();
    assert_eq!(
        in_bucket,
        listed.iter().collect::<Vec<_>>(),
        "the bucket holds other objects than the manifest and its parts"
    );

    // The same keys as the file store's, and the same bytes for every part (the manifests
    // differ: creation time, snapshot).
    assert_eq!(
        objects.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the S3 store and the file store hold different keys"
    );
    for (key, bytes) in objects {
        if *key != manifest_key {
            assert!(
                *bytes == expected[key],
                "{key} differs from the file store's ({} bytes in S3, {} in the folder)",
                bytes.len(),
                expected[key].len()
            );
        }
    }
}

fn total(summary: &serde_json::Value, field: &str) -> u64 {
    summary["tables"]
        .as_array()
        .expect("tables in the summary")
        .iter()
        .map(|t| {
            t[field]
                .as_u64()
                .unwrap_or_else(|| panic!("{field} in {t}"))
        })
        .sum()
}

#[test]
fn each_bucket_is_new_and_empty() {
    let Some(s3) = s3::server() else { return };
    let first = s3.create_bucket("fresh");
    let second = s3.create_bucket("fresh");
    assert_ne!(first.name(), second.name());
    assert!(first.keys().is_empty());
    assert!(second.keys().is_empty());
    assert!(s3.endpoint().starts_with("http://127.0.0.1:"));
    eprintln!(
        "moto ({}) on port {}, started in {:?}",
        s3.command(),
        s3.port(),
        s3.startup_time()
    );
}

#[test]
fn an_extract_into_s3_holds_the_manifest_and_the_file_stores_parts() {
    let Some(s3) = s3::server() else { return };
    let ws = Workspace::with_demo();
    let bucket = s3.create_bucket("extract");

    let out = extract(&ws, &bucket.url(PREFIX), &s3.env(), &["--part-size", "4K"]);
    let summary = succeeded(&out, "the extract into S3");
    assert!(total(&summary, "rows") > 0, "no rows selected: {summary}");
    assert!(
        total(&summary, "parts") > summary["tables"].as_array().unwrap().len() as u64,
        "--part-size 4K should split some table into several parts: {summary}"
    );
    assert_eq!(summary["store"], bucket.url(PREFIX).as_str());

    let expected = file_store_extract(&ws, "file-store", "4K");
    assert_manifest_and_parts(&s3_objects(&bucket), &expected);
}

#[test]
fn a_complete_extract_in_s3_is_kept_unless_refreshed() {
    let Some(s3) = s3::server() else { return };
    let ws = Workspace::with_demo();
    let bucket = s3.create_bucket("refresh");
    let store = bucket.url(PREFIX);

    succeeded(
        &extract(&ws, &store, &s3.env(), &["--part-size", "2K"]),
        "the first extract",
    );
    let before = s3_objects(&bucket);

    // The manifest is read back from S3: the subset is complete.
    let again = extract(&ws, &store, &s3.env(), &["--part-size", "2K"]);
    assert!(!again.status.success(), "a second extract succeeded");
    let message = stderr(&again);
    assert!(message.contains("already complete"), "{message}");
    assert!(message.contains(&store), "{message}");
    assert_eq!(
        s3_objects(&bucket),
        before,
        "the refused run changed the bucket"
    );

    // --refresh starts over; with a larger part size the old parts must be gone from the bucket.
    succeeded(
        &extract(&ws, &store, &s3.env(), &["--part-size", "4K", "--refresh"]),
        "the extract with --refresh",
    );
    let expected = file_store_extract(&ws, "file-store", "4K");
    assert_manifest_and_parts(&s3_objects(&bucket), &expected);
    assert!(
        before.len() > expected.len(),
        "the 2K extract should have more parts than the 4K one"
    );
}

#[test]
fn an_interrupted_extract_into_s3_resumes_with_the_parts_it_kept() {
    let Some(s3) = s3::server() else { return };
    let ws = Workspace::with_demo();
    let bucket = s3.create_bucket("resume");
    let store = bucket.url(PREFIX);

    let mut aborting = s3.env();
    aborting.push(("DBSUB_TEST_ABORT_AFTER_PARTS", "2".to_string()));
    let out = extract(&ws, &store, &aborting, &["--part-size", "2K"]);
    assert!(
        !out.status.success(),
        "the extract ran to the end despite DBSUB_TEST_ABORT_AFTER_PARTS=2"
    );
    assert_eq!(
        out.status.signal(),
        Some(6),
        "expected SIGABRT ({}):\n{}",
        out.status,
        stderr(&out)
    );
    let left = bucket.keys();
    assert!(
        !left.iter().any(|k| k.ends_with("/manifest.json")),
        "an interrupted extract left a manifest: {left:?}"
    );
    assert!(
        left.iter().any(|k| k.contains("/progress/")),
        "no progress record in the bucket after the abort: {left:?}"
    );

    let resumed = succeeded(
        &extract(&ws, &store, &s3.env(), &["--part-size", "2K"]),
        "the resumed extract",
    );
    assert!(
        total(&resumed, "kept_parts") > 0,
        "the resumed extract kept no part of the interrupted one: {resumed}"
    );

    let expected = file_store_extract(&ws, "file-store", "2K");
    assert_manifest_and_parts(&s3_objects(&bucket), &expected);
}

/// Needs no server: nothing listens on port 1.
#[test]
fn an_unreachable_s3_store_is_named_in_the_error() {
    let ws = Workspace::with_demo();
    let store = "s3://bucket/x";
    let vars: Vec<(&str, String)> = [
        ("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", s3::SECRET_ACCESS_KEY),
        ("AWS_REGION", s3::REGION),
        ("AWS_ENDPOINT", "http://127.0.0.1:1"),
        ("AWS_ALLOW_HTTP", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    let out = extract(&ws, store, &vars, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("store"), "{message}");
    assert!(message.contains(store), "{message}");
    assert!(message.contains("AWS_ENDPOINT"), "{message}");
    assert!(
        message.contains("Connection refused"),
        "the root cause: {message}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

/// A bucket that does not exist is named as such before any work is done.
#[test]
fn a_missing_bucket_is_named_before_the_closure_runs() {
    let Some(s3) = s3::server() else { return };
    let ws = Workspace::with_demo();
    let out = extract(&ws, "s3://no-such-bucket/dbsub", &s3.env(), &[]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("cannot write to the store s3://no-such-bucket/dbsub")
            && message.contains("the bucket does not exist: create it first"),
        "{message}"
    );
    assert!(!message.contains("resume"), "{message}");
}
