//! `dbsub demo` and the embedded-demo fallback, with no configuration at all.

mod common;

use std::path::Path;

use common::{Workspace, read_extract, stderr, stdout};

#[test]
fn demo_builds_the_database_and_shows_seedlot() {
    let ws = Workspace::empty();
    let out = run_demo(&ws);
    let text = stdout(&out);
    assert!(text.starts_with("TABLE: THE.SEEDLOT\n"), "{text}");
    assert!(
        text.contains("TRIGGER: THE.SEEDLOT.SEEDLOT_AUDIT_TRG"),
        "{text}"
    );
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
            "demo-run",
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
    assert!(
        notes.contains("the demo masks with its own random key, kept in data/demo-run/masking.key"),
        "{notes}"
    );
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

/// The demo at scale 0.01 in `ws`, which must succeed.
fn run_demo(ws: &Workspace) -> std::process::Output {
    let out = ws
        .dbsub(&[])
        .args(["demo", "--scale", "0.01"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

#[test]
fn the_demo_s_extract_command_works_as_printed() {
    let ws = Workspace::empty();
    let notes = stderr(&run_demo(&ws));
    let extract = ws.path().join("data/store/DEMO/SQLITE/default");
    let before = read_extract(&extract);
    // The command the demo's closing notes give for extracting again, run as printed by a
    // POSIX shell with dbsub on the PATH and nothing configured.
    let line = notes
        .lines()
        .find(|l| l.contains("# extract again, masked the same way"))
        .unwrap_or_else(|| panic!("no extract command in the notes:\n{notes}"));
    let command = line.split("   #").next().unwrap().trim();
    assert!(command.contains("dbsub extract SQLITE DEMO"), "{command}");
    let key = std::fs::read_to_string(ws.path().join("data/demo-run/masking.key")).unwrap();
    assert!(
        !notes.contains(key.trim()),
        "the notes print the masking key"
    );
    let bin = assert_cmd::cargo::cargo_bin("dbsub");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(ws.path())
        .env_clear()
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {}", stderr(&out));
    // The same rows, masked with the same key: the same pseudonyms.
    assert_eq!(read_extract(&extract), before);
}

#[test]
fn the_demo_leaves_nothing_untracked_in_the_repository() {
    // A checkout of this repository: its .gitignore in an empty git work tree.
    let ws = Workspace::empty();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(ws.path())
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    git(&["init", "-q"]);
    let ignore = Path::new(env!("CARGO_MANIFEST_DIR")).join(".gitignore");
    std::fs::copy(ignore, ws.path().join(".gitignore")).unwrap();
    run_demo(&ws);
    assert_eq!(
        git(&["status", "--porcelain", "--untracked-files=all"]),
        "?? .gitignore\n"
    );
    assert!(ws.path().join("data/demo-run/classification.csv").exists());
}

#[test]
fn the_readme_tour_s_refresh_works_as_written() {
    // The README's refresh block, run as written after `dbsub demo` (its default scale), by a
    // POSIX shell with dbsub on the PATH; its `sqlite3` line (the CLI need not be installed)
    // runs its SQL through SQLite here.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("--incremental"))
        .expect("README has a shell block with a refresh");
    let (before, rest) = block.split_once("sqlite3 data/demo.db \"").unwrap();
    let (sql, after) = rest.split_once("\"\n").unwrap();
    let ws = Workspace::empty();
    let demo = ws.dbsub(&[]).args(["demo", "--quiet"]).output().unwrap();
    assert!(demo.status.success(), "{}", stderr(&demo));
    let bin = assert_cmd::cargo::cargo_bin("dbsub");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sh = |script: &str| {
        let out = std::process::Command::new("sh")
            .args(["-ec", script])
            .current_dir(ws.path())
            .env_clear()
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        stdout(&out)
    };
    sh(before);
    let source = rusqlite::Connection::open(ws.path().join("data/demo.db")).unwrap();
    assert_eq!(source.execute(sql, []).unwrap(), 2, "{sql}");
    drop(source);
    let out = sh(after);
    // What the block's last comment says the ingest prints.
    let shown = after.lines().last().unwrap().trim_start_matches('#').trim();
    let words: Vec<&str> = shown.split_whitespace().collect();
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == words),
        "the README shows `{shown}`; the ingest printed:\n{out}"
    );
    let local = rusqlite::Connection::open(ws.path().join("data/local.db")).unwrap();
    let changed: i64 = local
        .query_row(
            "SELECT count(*) FROM SEEDLOT WHERE SEEDLOT_COMMENT = 'cones rechecked'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(changed, 2);
}
