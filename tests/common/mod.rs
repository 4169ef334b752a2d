//! Shared helpers for the CLI tests: a demo database per test, a clean environment, golden
//! files.

#![allow(dead_code)]

pub mod pg;
pub mod s3;
pub mod service;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary working folder with a small demo database in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// An empty working folder.
    pub fn empty() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A working folder with `demo.db` at scale 0.01 (the schema is what the tests read).
    pub fn with_demo() -> Workspace {
        let ws = Workspace::empty();
        dbsub::demo_data::build_demo_database(&ws.demo_db(), 0.01).expect("demo database");
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn demo_db(&self) -> PathBuf {
        self.path().join("demo.db")
    }

    /// `DBSUB_STRUCT_URL` for the demo database.
    pub fn demo_url(&self) -> String {
        format!("sqlite://{}?schema=THE", self.demo_db().display())
    }

    /// dbsub, run in this folder with no DBSUB_* variables but the given ones.
    pub fn dbsub(&self, vars: &[(&str, &str)]) -> Command {
        let mut cmd = Command::cargo_bin("dbsub").expect("dbsub binary");
        cmd.current_dir(self.path()).env_clear();
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// dbsub with the demo database as the structural database.
    pub fn dbsub_demo(&self) -> Command {
        self.dbsub(&[("DBSUB_STRUCT_URL", &self.demo_url())])
    }
}

/// Compares `actual` with `tests/golden/<name>`; with `DBSUB_UPDATE_GOLDEN=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("DBSUB_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing: run with DBSUB_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {} (DBSUB_UPDATE_GOLDEN=1 updates it after review)",
        path.display()
    );
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}
