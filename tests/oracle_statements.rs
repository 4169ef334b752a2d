//! Every kind of Oracle migration `create-migrations` writes, written out for a grammar nobody
//! here wrote: `.ci/run` checks `$DBSUB_ORACLE_SQL_DIR/migrations` (default
//! `target/oracle-sql/migrations`) with `oracle-sql-check/validate`, as Flyway and `dbsub
//! migrate` split the files. The sets: every object of the Oracle snapshot
//! (tests/data/oracle_catalog.json) as a seed on its own, with its parents, and with its
//! children, its grants and a target schema; all of them again into one folder in two runs
//! (the second writes the next minor version); the demo schema (SQLite) with every table as a
//! seed, in both directions, with and without a target schema. The statements the backend sends itself are written by the unit test
//! `db::oracle::statements`.

mod common;

use std::path::{Path, PathBuf};

use common::{Workspace, stderr};
use dbsub::catalog::{ObjectKind, snapshot};

/// The folders this test writes below [`common::oracle_migrations_dir`].
const SETS: [&str; 5] = [
    "snapshot-parents",
    "snapshot-both-grants-target",
    "snapshot-incremental",
    "demo-both",
    "demo-both-grants-target",
];

fn snapshot_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle_catalog.json")
}

/// Runs `create-migrations` for Oracle into `folder` with `args`; fails the test when it fails.
fn create(ws: &Workspace, vars: &[(&str, &str)], folder: &Path, args: &[&str]) {
    let out = ws
        .dbsub(vars)
        .args(["create-migrations", "--dialect", "oracle", "--quiet"])
        .arg("--migration-folder")
        .arg(folder)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "create-migrations {args:?}: {}",
        stderr(&out)
    );
}

/// The `.sql` files below `dir`.
fn sql_files(dir: &Path) -> usize {
    common::walk(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .count()
}

/// A file-name-safe form of an object's name.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[test]
fn every_kind_of_oracle_migration_is_written_out() {
    let root = common::oracle_migrations_dir();
    // This test's folders only: another test may write one beside them.
    for set in SETS {
        let _ = std::fs::remove_dir_all(root.join(set));
    }
    let ws = Workspace::with_demo();
    let snapshot = snapshot_file();
    let snapshot_arg = snapshot.to_str().unwrap();
    let catalog = snapshot::read(&snapshot).unwrap();

    // Every object of the snapshot as a seed on its own: its parents; its children, grants
    // and a target schema. Objects of a kind the model does not describe are never created;
    // indexes come with their tables.
    let objects: Vec<_> = catalog
        .object_keys()
        .into_iter()
        .filter(|k| !matches!(k.kind, ObjectKind::Other | ObjectKind::Index))
        .collect();
    assert!(objects.len() >= 15, "{objects:?}");
    for (i, key) in objects.iter().enumerate() {
        let name = format!("{}.{}", key.schema, key.name);
        let kind = key.kind.as_str();
        let dir = format!("{:02}_{}_{}", i + 1, slug(kind), slug(&key.name));
        let seed = ["--catalog", snapshot_arg, "--seed-object", &name];
        let typed = ["--object-type", kind];
        create(
            &ws,
            &[],
            &root.join(SETS[0]).join(&dir),
            &[&seed[..], &typed[..]].concat(),
        );
        create(
            &ws,
            &[],
            &root.join(SETS[1]).join(&dir),
            &[
                &seed[..],
                &typed[..],
                &[
                    "--direction",
                    "both",
                    "--grants",
                    "--target-schema",
                    "APP_COPY",
                ],
            ]
            .concat(),
        );
    }
    // All of them into one folder, in three runs (each writes the next minor version): the
    // tables; the views, sequences, triggers, routines and synonyms; the packages (with
    // --object-type: a package and its body share a name).
    let together = root.join(SETS[2]);
    let runs: [(&[ObjectKind], &[&str]); 3] = [
        (&[ObjectKind::Table], &[]),
        (
            &[
                ObjectKind::View,
                ObjectKind::MaterializedView,
                ObjectKind::Sequence,
                ObjectKind::Trigger,
                ObjectKind::Procedure,
                ObjectKind::Function,
                ObjectKind::Synonym,
            ],
            &[],
        ),
        (&[ObjectKind::Package], &["--object-type", "PACKAGE"]),
    ];
    for (kinds, extra) in runs {
        let mut args = vec!["--catalog", snapshot_arg, "--direction", "both", "--grants"];
        args.extend(extra);
        let names: Vec<String> = objects
            .iter()
            .filter(|k| kinds.contains(&k.kind))
            .map(|k| format!("{}.{}", k.schema, k.name))
            .collect();
        for name in &names {
            args.extend(["--seed-object", name.as_str()]);
        }
        create(&ws, &[], &together, &args);
    }

    // The demo schema: every table as a seed, both directions, with and without a target
    // schema.
    let demo_url = ws.demo_url();
    let demo = [("DBSUB_STRUCT_URL", demo_url.as_str())];
    let url = dbsub::backend::parse_url(&demo_url).unwrap();
    let demo_catalog = dbsub::backend::catalog_reader(&url)
        .unwrap()
        .read_catalog(&[])
        .unwrap();
    let mut seeds = Vec::new();
    for t in &demo_catalog.tables {
        seeds.extend(["--seed-object".to_string(), t.name.clone()]);
    }
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    create(
        &ws,
        &demo,
        &root.join(SETS[3]),
        &[&seeds[..], &["--direction", "both"]].concat(),
    );
    create(
        &ws,
        &demo,
        &root.join(SETS[4]),
        &[
            &seeds[..],
            &[
                "--direction",
                "both",
                "--grants",
                "--target-schema",
                "TEST_COPY",
            ],
        ]
        .concat(),
    );

    let files = sql_files(&root);
    assert!(
        files > 100,
        "only {files} migration files in {}",
        root.display()
    );
    eprintln!(
        "{files} Oracle migration files written to {}",
        root.display()
    );
}
