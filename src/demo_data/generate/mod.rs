//! Deterministic generator for the `dbsub` demo "production" database.
//!
//! The schema lives in `data/demo/schema.sql` (a legacy Oracle-style seedlot
//! registry written as SQLite DDL). This module creates a fresh SQLite file,
//! runs that DDL and fills it with realistic, FK-consistent rows. The names,
//! sentences, code tables and settings it draws from are data, in
//! `data/demo/vocabulary.toml` (see `src/demo_data/vocabulary.rs`). All randomness comes from
//! a hand-written SplitMix64 generator seeded with a constant (one stream per
//! table), so a given scale always produces exactly the same rows.
//!
//! The loads run in the order of `build_into`, one file per group of tables: `codes.rs` (code
//! tables and settings), `clients.rs`, `orchards.rs` (orchards and parent trees), then
//! `seedlots.rs`, which loads each seedlot with its child rows (prepared in
//! `seedlot_inserts.rs`, drawn with `seedlot_draws.rs`, tests, requests and attachments from
//! `requests.rs`). `rng.rs` holds the random streams; `rows.rs` the insert, date and audit
//! helpers every table shares.

mod clients;
mod codes;
mod orchards;
mod requests;
mod rng;
mod rows;
mod seedlot_draws;
mod seedlot_inserts;
mod seedlots;

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rusqlite::Connection;
use rusqlite::hooks::Action;

use clients::load_clients;
use codes::{load_app_settings, load_code_tables};
use orchards::{load_orchards, load_parent_trees};
use seedlots::{apply_seedlot_updates, load_seedlots};

/// DDL of the demo database.
const SCHEMA_SQL: &str = include_str!("../../../data/demo/schema.sql");

/// Largest accepted scale (about 100 million rows).
const MAX_SCALE: f64 = 1000.0;

/// Base row counts of the independent entities at scale 1. Everything else
/// is derived from these through per-row probabilities.
const BASE_CLIENTS: u64 = 2_000;
const BASE_ORCHARDS: u64 = 100;
const BASE_PARENT_TREES: u64 = 5_000;
const BASE_SEEDLOTS: u64 = 10_000;

/// Row counts the generator wrote, per table, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStats {
    pub tables: Vec<(String, u64)>,
}

impl DemoStats {
    /// Sum of the row counts of all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// What a build reports as it goes, for a progress bar: each row as SQLite inserts it (the
/// generator's and its triggers'), then each step after the rows. Reporting never changes the
/// rows.
pub trait BuildProgress: Send + Sync {
    /// One row was inserted into `table`.
    fn row(&self, table: &str);
    /// The rows are written; `what` (`checking the foreign keys`) runs now.
    fn step(&self, what: &str);
}

/// Reports nothing.
pub struct NoProgress;

impl BuildProgress for NoProgress {
    fn row(&self, _table: &str) {}
    fn step(&self, _what: &str) {}
}

/// About how many rows a build at `scale` writes (within a few per cent at scale 0.1 and
/// above): the length of its progress bar.
pub fn expected_rows(scale: f64) -> u64 {
    Sizes::new(scale).expected_rows()
}

/// Creates a new SQLite database at `path` (fails if the file exists) holding the demo schema
/// and `scale` × the base data set (scale 1.0 ≈ 100,000 rows in all; 0.01 gives a tiny but
/// complete data set; 10 or 100 for benchmarks). Deterministic: the same scale gives byte-for-byte
/// the same rows every time.
pub fn build_demo_database(path: &Path, scale: f64) -> Result<DemoStats> {
    build_demo_database_reporting(path, scale, Arc::new(NoProgress))
}

/// [`build_demo_database`], telling `progress` about every row and step.
pub fn build_demo_database_reporting(
    path: &Path,
    scale: f64,
    progress: Arc<dyn BuildProgress>,
) -> Result<DemoStats> {
    if !scale.is_finite() || scale <= 0.0 {
        bail!("invalid demo scale {scale}: it must be a finite number greater than 0");
    }
    if scale > MAX_SCALE {
        bail!("invalid demo scale {scale}: the largest supported scale is {MAX_SCALE}");
    }
    // Create the file exclusively so that an existing database is never touched.
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            bail!(
                "refusing to create the demo database: {} already exists",
                path.display()
            );
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create demo database file {}", path.display()));
        }
    }
    match build_into(path, scale, progress) {
        Ok(stats) => Ok(stats),
        Err(e) => {
            // Do not leave a half-built database behind; the original error matters more.
            let _ = std::fs::remove_file(path);
            Err(e)
        }
    }
}

fn build_into(path: &Path, scale: f64, progress: Arc<dyn BuildProgress>) -> Result<DemoStats> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot open demo database {}", path.display()))?;
    conn.pragma_update(None, "foreign_keys", true)
        .context("enabling foreign keys")?;
    conn.pragma_update(None, "synchronous", "OFF")
        .context("setting synchronous = OFF")?;
    let fk_on: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .context("reading PRAGMA foreign_keys")?;
    if fk_on != 1 {
        bail!("this SQLite build does not enforce foreign keys");
    }
    // SQLite tells of every row it inserts, the triggers' rows too, so the count is exact
    // without touching the loaders.
    let rows = Arc::clone(&progress);
    conn.update_hook(Some(move |action, _db: &str, table: &str, _rowid| {
        if action == Action::SQLITE_INSERT {
            rows.row(table);
        }
    }))
    .context("watching the rows for the progress bar")?;

    let tx = conn
        .transaction()
        .context("starting the load transaction")?;
    tx.execute_batch(SCHEMA_SQL)
        .context("creating the demo schema (data/demo/schema.sql)")?;
    let sizes = Sizes::new(scale);
    load_code_tables(&tx)?;
    load_app_settings(&tx)?;
    let locations = load_clients(&tx, sizes.clients)?;
    let mut orchards = load_orchards(&tx, sizes.orchards, &locations)?;
    load_parent_trees(&tx, sizes.parent_trees, &mut orchards)?;
    let pending = load_seedlots(&tx, sizes.seedlots, &locations, &orchards)?;
    apply_seedlot_updates(&tx, &pending)?;
    progress.step("committing");
    tx.commit().context("committing the demo data")?;
    conn.update_hook(None::<fn(Action, &str, &str, i64)>)
        .context("watching the rows for the progress bar")?;

    progress.step("checking the foreign keys");
    check_foreign_keys(&conn)?;
    progress.step("counting the rows");
    collect_stats(&conn)
}

/// Rows per thousand of each independent entity, with its dependent rows, at scale 1 (from
/// the row counts of a scale-1 build); the code tables and settings do not scale.
const ROWS_PER_1000_CLIENTS: u64 = 2_962;
const ROWS_PER_1000_ORCHARDS: u64 = 1_000;
const ROWS_PER_1000_PARENT_TREES: u64 = 2_948;
const ROWS_PER_1000_SEEDLOTS: u64 = 9_389;
const FIXED_ROWS: u64 = 143;

/// Numbers of independent entities for a scale; never below one.
struct Sizes {
    clients: usize,
    orchards: usize,
    parent_trees: usize,
    seedlots: usize,
}

impl Sizes {
    fn new(scale: f64) -> Self {
        let f = |base: u64| ((base as f64 * scale).round() as usize).max(1);
        Sizes {
            clients: f(BASE_CLIENTS),
            orchards: f(BASE_ORCHARDS),
            parent_trees: f(BASE_PARENT_TREES),
            seedlots: f(BASE_SEEDLOTS),
        }
    }

    /// About how many rows these entities make: see [`expected_rows`].
    fn expected_rows(&self) -> u64 {
        let per = |n: usize, per_1000: u64| n as u64 * per_1000 / 1000;
        FIXED_ROWS
            + per(self.clients, ROWS_PER_1000_CLIENTS)
            + per(self.orchards, ROWS_PER_1000_ORCHARDS)
            + per(self.parent_trees, ROWS_PER_1000_PARENT_TREES)
            + per(self.seedlots, ROWS_PER_1000_SEEDLOTS)
    }
}

// ---------------------------------------------------------------------------
// Checks and statistics
// ---------------------------------------------------------------------------

fn check_foreign_keys(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("PRAGMA foreign_key_check")
        .context("preparing PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([]).context("running PRAGMA foreign_key_check")?;
    if let Some(row) = rows.next().context("reading PRAGMA foreign_key_check")? {
        let table: String = row.get(0).context("reading PRAGMA foreign_key_check")?;
        bail!("the generated demo data violates a foreign key of table {table}");
    }
    Ok(())
}

fn collect_stats(conn: &Connection) -> Result<DemoStats> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )
        .context("listing the demo tables")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .context("listing the demo tables")?
        .collect::<rusqlite::Result<Vec<String>>>()
        .context("listing the demo tables")?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let count: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM \"{name}\""), [], |r| {
                r.get(0)
            })
            .with_context(|| format!("counting the rows of {name}"))?;
        tables.push((name, count as u64));
    }
    Ok(DemoStats { tables })
}

#[cfg(test)]
mod tests;
