//! A target database of `ingest`, SQLite or PostgreSQL, as the tests see it: its variable,
//! its rows, its load records.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::Connection;
use serde_json::Value as Json;

use super::pg;

/// A local test database (a target of `ingest`) of either kind.
pub enum Target {
    Sqlite(PathBuf),
    Pg(String),
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "SQLITE",
            Target::Pg(_) => "PG",
        }
    }

    pub fn var(&self) -> (String, String) {
        match self {
            Target::Sqlite(path) => (
                "DBSUB_TARGET_SQLITE".into(),
                format!("sqlite://{}", path.display()),
            ),
            Target::Pg(url) => ("DBSUB_TARGET_PG".into(), url.clone()),
        }
    }

    pub fn exec(&self, sql: &str) {
        match self {
            Target::Sqlite(path) => Connection::open(path).unwrap().execute_batch(sql).unwrap(),
            Target::Pg(url) => pg::connect(url).batch_execute(sql).unwrap(),
        }
    }

    /// Every row of every table but dbsub's history, as text, sorted, by table.
    pub fn contents(&self) -> BTreeMap<String, Vec<String>> {
        match self {
            Target::Pg(url) => pg::contents(url)
                .into_iter()
                .map(|(t, rows)| (t.trim_start_matches("public.").to_uppercase(), rows))
                .collect(),
            Target::Sqlite(path) => super::sqlite_contents(path),
        }
    }

    /// The target's load records, as JSON, by table (lower case).
    pub fn records(&self) -> BTreeMap<String, Json> {
        let rows: Vec<(String, String)> = match self {
            Target::Sqlite(path) => {
                let conn = Connection::open(path).unwrap();
                let Ok(mut stmt) =
                    conn.prepare("SELECT table_name, record FROM dbsub_ingest_history")
                else {
                    return BTreeMap::new();
                };
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Target::Pg(url) => pg::connect(url)
                .query("SELECT table_name, record FROM dbsub_ingest_history", &[])
                .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
                .unwrap_or_default(),
        };
        rows.into_iter()
            .map(|(t, r)| (t.to_lowercase(), serde_json::from_str(&r).unwrap()))
            .collect()
    }
}
