//! The habits of the users' other command-line tools: shell completions, `--verbose`, exit
//! codes by class of failure, `--dry-run` for `ingest` and `migrate`, `migrate info`, and the
//! global `--catalog` refused where a command reads no catalog.

mod common;

use std::path::Path;

use common::{Workspace, files_below, stderr, stdout};
use rusqlite::Connection;

/// `ws` after `dbsub demo --scale 0.01`: the demo database, its migrations applied to
/// data/local.db, its extract in data/store and loaded.
fn demo(ws: &Workspace) {
    let out = ws
        .dbsub(&[])
        .args(["demo", "--scale", "0.01", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn run(ws: &Workspace, vars: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    ws.dbsub(vars).args(args).output().unwrap()
}

/// The names of the tables in a SQLite file.
fn tables(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn completions_are_printed_for_every_shell() {
    let ws = Workspace::empty();
    let bash = run(&ws, &[], &["completions", "bash"]);
    assert!(bash.status.success(), "{}", stderr(&bash));
    let script = stdout(&bash);
    assert!(script.contains("complete -F _dbsub"), "{script}");
    for command in [
        "show-deps",
        "create-migrations",
        "migrate",
        "extract",
        "ingest",
        "verify",
        "doctor",
        "demo",
        "completions",
        "--seed-object",
        "--dry-run",
    ] {
        assert!(script.contains(command), "bash completion lacks {command}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run(&ws, &[], &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("show-deps"), "{shell}");
    }
    let out = run(&ws, &[], &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verbose_shows_the_configuration_with_secrets_hidden_and_how_it_ended() {
    let ws = Workspace::empty();
    let key = "k3y-that-must-never-show-0123456789abcdef";
    let vars = [
        (
            "DBSUB_TARGET_PG",
            "postgres://app:hunter2@db.example:5432/test?password=hunter3",
        ),
        (
            "DBSUB_SOURCE_ORA_PROD",
            "oracle://scott:tiger@prod:1521/SVC",
        ),
        ("DBSUB_MASKING_KEY", key),
        ("DBSUB_CACHE_DIR", "/tmp/parts"),
    ];
    // verify SQLITE: the demo's local database does not exist here, a connection error.
    let out = run(&ws, &vars, &["-v", "verify", "SQLITE"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("configuration: no .env file found"), "{err}");
    assert!(
        err.contains("DBSUB_TARGET_PG = postgres://app:***@db.example:5432/test?…"),
        "{err}"
    );
    assert!(
        err.contains("DBSUB_SOURCE_ORA_PROD = oracle://scott:***@prod:1521/SVC"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "DBSUB_MASKING_KEY = (set, {} characters, hidden)",
            key.len()
        )),
        "{err}"
    );
    assert!(err.contains("DBSUB_CACHE_DIR = /tmp/parts"), "{err}");
    // The databases those settings name, and the demo's for the roles left unset.
    assert!(
        err.contains("target PG database: postgres://app:***@db.example:5432/test"),
        "{err}"
    );
    assert!(
        err.contains(
            "structural database: sqlite://data/demo.db?schema=THE (the embedded demo default)"
        ),
        "{err}"
    );
    assert!(
        err.contains("dbsub verify: ") && err.contains("exit code 4 (connection error)"),
        "{err}"
    );
    for secret in ["hunter2", "hunter3", "tiger", key] {
        assert!(!err.contains(secret), "{secret} shown: {err}");
    }
    // A .env file read is named; without -v none of it is printed.
    std::fs::write(ws.path().join(".env"), "DBSUB_CACHE_DIR=/tmp/other\n").unwrap();
    let out = run(&ws, &[], &["--verbose", "completions", "bash"]);
    let err = stderr(&out);
    assert!(out.status.success());
    assert!(
        err.contains("configuration: read ") && err.contains(".env"),
        "{err}"
    );
    assert!(err.contains("DBSUB_CACHE_DIR = /tmp/other"), "{err}");
    assert!(err.contains("exit code 0"), "{err}");
    let out = run(&ws, &[], &["completions", "bash"]);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    // --verbose and --quiet contradict each other: a usage error.
    let out = run(&ws, &[], &["-v", "-q", "completions", "bash"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exit_codes_tell_usage_configuration_connection_and_data_problems() {
    let ws = Workspace::empty();
    // Usage: clap's 2.
    let out = run(&ws, &[], &["show-deps"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // Configuration: 3, for a missing setting, an unusable one, a bad environment name.
    let out = run(&ws, &[], &["verify", "PG"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("set DBSUB_TARGET_PG"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &ws,
        &[("DBSUB_TARGET_PG", "mysql://x/y")],
        &["verify", "PG"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = run(&ws, &[], &["ingest", "SQLITE", "no such env"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Connection: 4, a database that cannot be opened.
    let missing = [("DBSUB_TARGET_SQLITE", "sqlite://missing.db")];
    let out = run(&ws, &missing, &["verify", "SQLITE"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing.db does not exist"));

    // A data problem: verify finds a row missing from the loaded database, 5.
    demo(&ws);
    let out = run(&ws, &[], &["verify", "SQLITE"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    Connection::open(ws.path().join("data/local.db"))
        .unwrap()
        .execute(
            "DELETE FROM SEEDLOT WHERE SEEDLOT_NUMBER = (SELECT min(SEEDLOT_NUMBER) FROM SEEDLOT)",
            [],
        )
        .unwrap();
    let out = run(&ws, &[], &["verify", "SQLITE"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verify found 1 problem"),
        "{}",
        stderr(&out)
    );
    // Any other failure: 1 (a seed that does not exist).
    let out = run(&ws, &[], &["show-deps", "--seed-object", "NO_SUCH_TABLE"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_bad_env_file_is_a_configuration_error() {
    let ws = Workspace::empty();
    std::fs::write(ws.path().join(".env"), "DBSUB_STRUCT_URL='unterminated\n").unwrap();
    let out = run(&ws, &[], &["doctor"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(".env, line 1: the value of DBSUB_STRUCT_URL cannot be read"),
        "{err}"
    );
    assert!(
        !err.contains("unterminated"),
        "the value is never shown: {err}"
    );
}

/// Ctrl-C during an ingest: the second one stops dbsub at once, with 130 as shells report an
/// interrupted command, and nothing of the target changed. One part of the extract is a named
/// pipe that nobody writes to, so the ingest waits in its fetch, after it has set up its Ctrl-C
/// handling, until the test has sent its signals.
#[cfg(unix)]
#[test]
fn ctrl_c_during_an_ingest_exits_130_and_changes_nothing() {
    use std::time::Duration;

    let ws = Workspace::empty();
    demo(&ws);
    let part = ws
        .path()
        .join("data/store/DEMO/SQLITE/default/data/THE.SEEDLOT/part-00000.csv.zst");
    std::fs::remove_file(&part).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&part)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::remove_dir_all(ws.path().join("data/cache")).unwrap();
    let local = ws.path().join("data/local.db");
    let before = std::fs::read(&local).unwrap();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dbsub"))
        .current_dir(ws.path())
        .env_clear()
        .args(["ingest", "SQLITE", "DEMO", "--refreshdb", "--jobs", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // dbsub creates the part's file in its cache, then waits to open the pipe (nobody
    // writes to it): by then it handles Ctrl-C.
    let partial = ws.path().join(format!(
        "data/cache/DEMO/SQLITE/default/data/THE.SEEDLOT/part-00000.csv.partial-{}",
        child.id()
    ));
    while !partial.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("dbsub ended before it read the part: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Ctrl-C until dbsub is gone: the first asks it to stop, the next one stops it.
    let status = loop {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        std::thread::sleep(Duration::from_millis(50));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        std::fs::read(&local).unwrap() == before,
        "the target changed"
    );
}

#[test]
fn catalog_is_refused_by_commands_that_read_none() {
    let ws = Workspace::empty();
    for args in [
        &["verify", "SQLITE"][..],
        &["migrate"],
        &["migrate", "info"],
        &["ingest", "SQLITE", "DEMO"],
        &["demo"],
        &["doctor"],
        &["completions", "bash"],
    ] {
        let mut with = args.to_vec();
        with.extend(["--catalog", "catalog.json"]);
        let out = run(&ws, &[], &with);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{with:?}: {err}");
        let name = if args[0] == "migrate" {
            "migrate"
        } else {
            args[0]
        };
        assert!(
            err.contains(&format!("--catalog is not used by `dbsub {name}`")),
            "{with:?}: {err}"
        );
    }
    // A command that reads a catalog takes it: here it fails on the missing file instead.
    let out = run(
        &ws,
        &[],
        &[
            "show-deps",
            "--seed-object",
            "X",
            "--catalog",
            "catalog.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("catalog.json"), "{}", stderr(&out));
    assert!(!ws.path().join("data").exists(), "a refused command ran");
}

#[test]
fn demo_help_says_what_the_demo_does() {
    let ws = Workspace::empty();
    let out = run(&ws, &[], &["demo", "--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    for what in [
        "data/demo.db",
        "show-deps --seed-object SEEDLOT",
        "data/migrations",
        "data/local.db",
        "first 500 seedlots",
        "data/store",
        "data/demo-run/classification.csv",
        "DBSUB_MASKING_KEY",
        "verify it",
        "--scale",
        "--rebuild",
    ] {
        assert!(help.contains(what), "demo --help lacks {what}:\n{help}");
    }
    // The command list keeps its one line.
    let out = run(&ws, &[], &["--help"]);
    assert!(
        stdout(&out).contains("demo               Run the whole pipeline on an embedded demo"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn migrate_after_the_demo_finds_its_migrations_and_info_lists_them() {
    let ws = Workspace::empty();
    // Before the demo: the folder is missing, and the message says how to name one.
    let out = run(&ws, &[], &["migrate"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the migration folder migrations does not exist"),
        "{}",
        stderr(&out)
    );
    demo(&ws);
    let out = run(&ws, &[], &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Up to date: sqlite://data/local.db: 0 migrations applied now, 3 before.\n"
    );
    assert!(
        stderr(&out).contains("Using the demo's migrations in data/migrations"),
        "{}",
        stderr(&out)
    );
    // Another target: the demo's folder is not taken for it, but named.
    let out = run(&ws, &[], &["migrate", "--target", "sqlite://other.db"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`dbsub demo` wrote its migrations to data/migrations"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.path().join("other.db").exists());

    let out = run(&ws, &[], &["migrate", "info", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&out);
    assert!(
        info.starts_with("Migrations in data/migrations for sqlite://data/local.db:\n"),
        "{info}"
    );
    for file in [
        "V1.0.0.1__seedlot_tables.sql    1.0.0.1    applied 20",
        "V1.0.0.2__seedlot_indexes.sql   1.0.0.2    applied 20",
        "V1.0.0.3__seedlot_triggers.sql  1.0.0.3    applied 20",
    ] {
        assert!(info.contains(file), "{info}");
    }
    assert!(
        info.ends_with("3 applied, 0 pending, 0 changed since applied, 0 missing.\n"),
        "{info}"
    );
}

#[test]
fn migrate_dry_run_and_info_show_pending_and_changed_files_and_change_nothing() {
    let ws = Workspace::empty();
    demo(&ws);
    // A folder with the demo's first two files, applied to a new database.
    let all = ws.path().join("data/migrations");
    let two = ws.path().join("two");
    std::fs::create_dir(&two).unwrap();
    for (name, bytes) in files_below(&all) {
        if !name.starts_with("V1.0.0.3") {
            std::fs::write(two.join(&name), bytes).unwrap();
        }
    }
    let target = ["--target", "sqlite://db/new.db"];
    // Dry run on a database that does not exist: every file, and no file made.
    let out = run(
        &ws,
        &[],
        &[
            &["migrate", "--dry-run", "--migration-folder", "two"][..],
            &target,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Would apply to sqlite://db/new.db (0 applied before; dry run, nothing changed):\n  \
         V1.0.0.1__seedlot_tables.sql\n  V1.0.0.2__seedlot_indexes.sql\n2 migrations to apply.\n"
    );
    assert!(!ws.path().join("db").exists());
    let out = run(
        &ws,
        &[],
        &[&["migrate", "--migration-folder", "two"][..], &target].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // Against the full folder, with the first file changed since it was applied.
    let folder = ["--migration-folder", "data/migrations"];
    let db = ws.path().join("db/new.db");
    let before = std::fs::read(&db).unwrap();
    let out = run(
        &ws,
        &[],
        &[&["migrate", "--dry-run"][..], &folder, &target].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Would apply to sqlite://db/new.db (2 applied before; dry run, nothing changed):\n  \
         V1.0.0.3__seedlot_triggers.sql\n1 migration to apply.\n"
    );
    let first = all.join("V1.0.0.1__seedlot_tables.sql");
    let mut text = std::fs::read_to_string(&first).unwrap();
    text.push_str("\n-- edited\n");
    std::fs::write(&first, text).unwrap();
    let out = run(
        &ws,
        &[],
        &[&["migrate", "info"][..], &folder, &target].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&out);
    assert!(
        info.contains("V1.0.0.1__seedlot_tables.sql    1.0.0.1    CHECKSUM MISMATCH"),
        "{info}"
    );
    assert!(
        info.contains("V1.0.0.2__seedlot_indexes.sql   1.0.0.2    applied 20"),
        "{info}"
    );
    assert!(
        info.contains("V1.0.0.3__seedlot_triggers.sql  1.0.0.3    pending\n"),
        "{info}"
    );
    assert!(
        info.ends_with("1 applied, 1 pending, 1 changed since applied, 0 missing.\n"),
        "{info}"
    );
    let out = run(
        &ws,
        &[],
        &[
            &["migrate", "info", "--format", "json"][..],
            &folder,
            &target,
        ]
        .concat(),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let states: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["checksum_mismatch", "applied", "pending"]);
    // The dry run refuses what the run would refuse.
    let out = run(
        &ws,
        &[],
        &[&["migrate", "--dry-run"][..], &folder, &target].concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("was changed after it was applied"),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::read(&db).unwrap() == before, "the target changed");

    // A database without a history table keeps having none.
    let plain = ws.path().join("plain.db");
    Connection::open(&plain)
        .unwrap()
        .execute("CREATE TABLE T (X INTEGER)", [])
        .unwrap();
    for action in [&["migrate", "--dry-run"][..], &["migrate", "info"]] {
        let out = run(
            &ws,
            &[],
            &[
                action,
                &["--migration-folder", "two", "--target", "sqlite://plain.db"],
            ]
            .concat(),
        );
        assert!(out.status.success(), "{action:?}: {}", stderr(&out));
    }
    assert_eq!(tables(&plain), ["T"]);
}

#[test]
fn ingest_dry_run_prints_the_load_order_and_changes_nothing() {
    let ws = Workspace::empty();
    demo(&ws);
    let local = ws.path().join("data/local.db");
    let cache = ws.path().join("data/cache");
    let state = || (std::fs::read(&local).unwrap(), files_below(&cache));
    let before = state();

    // Everything is loaded from this extract already.
    let out = run(&ws, &[], &["ingest", "SQLITE", "DEMO", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "Would load file://data/store/DEMO/SQLITE/default into sqlite://data/local.db \
             (dry run: nothing fetched, nothing changed), in load order:\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("already loaded\n").count(), 12, "{text}");
    assert!(
        text.ends_with("0 rows into 0 tables; 0 parts (0 B) to fetch and check.\n"),
        "{text}"
    );

    // --refreshdb: every table emptied, then loaded, in the manifest's load order.
    let out = run(
        &ws,
        &[],
        &[
            "ingest",
            "SQLITE",
            "DEMO",
            "--dry-run",
            "--refreshdb",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let manifest = common::manifest(&ws.path().join("data/store/DEMO/SQLITE/default"));
    let planned: Vec<(String, u64, String)> = plan["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["rows"].as_u64().unwrap(),
                t["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, u64, String)> = manifest
        .tables
        .iter()
        .map(|t| {
            let action = "emptied, then loaded".to_string();
            (t.qualified_name(), t.rows, action)
        })
        .collect();
    assert_eq!(planned, expected);
    assert_eq!(
        plan["rows"].as_u64(),
        Some(manifest.tables.iter().map(|t| t.rows).sum())
    );

    // Into an empty database with the same tables: loaded (appended), nothing emptied.
    let fresh = [("DBSUB_TARGET_SQLITE", "sqlite://fresh.db")];
    let out = run(
        &ws,
        &fresh,
        &[
            "migrate",
            "--migration-folder",
            "data/migrations",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let fresh_before = std::fs::read(ws.path().join("fresh.db")).unwrap();
    let out = run(
        &ws,
        &fresh,
        &[
            "ingest",
            "SQLITE",
            "DEMO",
            "--dry-run",
            "--table",
            "SEEDLOT",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("THE.SEEDLOT ") && text.trim_end().lines().count() == 4,
        "{text}"
    );
    assert!(text.contains("  loaded\n"), "{text}");
    assert!(std::fs::read(ws.path().join("fresh.db")).unwrap() == fresh_before);
    assert!(!tables(&ws.path().join("fresh.db")).contains(&"dbsub_ingest_history".to_string()));
    assert!(
        state() == before,
        "a dry run changed the target or the cache"
    );
}

#[test]
fn migrate_dry_run_and_info_on_postgres() {
    let Some(pg) = common::pg::cluster() else {
        return;
    };
    let ws = Workspace::with_demo();
    let url = pg.create_database("migrate_info");
    let made = ws
        .dbsub_demo()
        .args([
            "create-migrations",
            "--seed-object",
            "ORCHARD",
            "--dialect",
            "postgres",
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let history = |url: &str| -> bool {
        common::pg::connect(url)
            .query_one(
                "SELECT to_regclass('dbsub_schema_history') IS NOT NULL",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let target = ["--target", url.as_str()];
    let out = run(&ws, &[], &[&["migrate", "--dry-run"][..], &target].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(0 applied before; dry run, nothing changed)")
            && stdout(&out).contains("  V1.0.0.1__orchard_tables.sql\n"),
        "{}",
        stdout(&out)
    );
    assert!(!history(&url), "a dry run created the history table");
    let out = run(&ws, &[], &[&["migrate", "info"][..], &target].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("applied 20"), "{}", stdout(&out));
    assert!(!history(&url), "info created the history table");

    let out = run(&ws, &[], &[&["migrate"][..], &target].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&ws, &[], &[&["migrate", "info"][..], &target].concat());
    let info = stdout(&out);
    assert!(
        info.contains("V1.0.0.1__orchard_tables.sql") && info.contains("applied 20"),
        "{info}"
    );
    assert!(info.contains(" 0 pending,"), "{info}");
    let out = run(&ws, &[], &[&["migrate", "--dry-run"][..], &target].concat());
    assert!(
        stdout(&out).contains("nothing to apply"),
        "{}",
        stdout(&out)
    );
}
