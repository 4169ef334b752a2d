//! The embedded demo: a deterministic generator of the demo "production" database (a
//! forest-genetics seedlot registry in SQLite, see data/demo/README.md), which every command
//! falls back to when nothing is configured.

mod generate;
mod vocabulary;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::output;

use generate::{BuildProgress, NoProgress, build_demo_database_reporting, expected_rows};
pub use generate::{DemoStats, build_demo_database};

/// About 115,000 rows.
pub const DEFAULT_SCALE: f64 = 1.0;

/// Builds the demo database at `path` at the default scale unless it is there already, saying
/// why: no `what` (`structural database`) is configured in the variable `var`.
pub fn ensure(path: &Path, what: &str, var: &str, quiet: bool) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    output::note(
        quiet,
        &format!(
            "No {what} is configured ({var}): building the embedded demo database {} first.",
            path.display()
        ),
    );
    build(path, DEFAULT_SCALE, quiet).map(|_| ())
}

/// Builds the demo database at `path` (replacing it), through a temporary file so that an
/// interrupted build never leaves a half-built database behind.
pub fn build(path: &Path, scale: f64, quiet: bool) -> Result<DemoStats> {
    if !scale.is_finite() || scale <= 0.0 {
        bail!("--scale must be a positive number, such as 1 or 0.1; got {scale}");
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    // A name of this process's own, so that two dbsub started at once never share one.
    let tmp = path.with_extension(format!("db.building-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_file(&tmp)
            .with_context(|| format!("cannot remove the leftover {}", tmp.display()))?;
    }
    let started = Instant::now();
    let bar = (!quiet).then(|| Arc::new(BuildBar::new(expected_rows(scale))));
    let progress: Arc<dyn BuildProgress> = match &bar {
        Some(bar) => Arc::clone(bar) as Arc<dyn BuildProgress>,
        None => Arc::new(NoProgress),
    };
    let stats = build_demo_database_reporting(&tmp, scale, progress)
        .with_context(|| format!("cannot build the demo database {}", path.display()));
    if let Some(bar) = bar {
        bar.bar.finish_and_clear();
    }
    let stats = match stats {
        Ok(stats) => stats,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move the demo database into {}", path.display()))?;
    output::note(
        quiet,
        &format!(
            "Built the demo database {}: {} tables, {} rows (scale {scale}) in {:.1} s.",
            path.display(),
            stats.tables.len(),
            stats.total_rows(),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(stats)
}

/// The build's progress bar (stderr, drawn only on a terminal): rows written of about how many,
/// the table being written, the rate and the time left; then the step after the rows.
struct BuildBar {
    bar: indicatif::ProgressBar,
    rows: AtomicU64,
}

/// Rows between two updates of the bar: the rows come faster than a bar needs to move.
const ROWS_PER_UPDATE: u64 = 512;

impl BuildBar {
    fn new(expected: u64) -> Self {
        BuildBar {
            bar: output::rows_bar(&indicatif::MultiProgress::new(), "demo database", expected),
            rows: AtomicU64::new(0),
        }
    }

    fn show(&self, rows: u64) {
        // The expected count is an estimate: a longer build lengthens the bar.
        if self.bar.length().is_some_and(|len| rows > len) {
            self.bar.set_length(rows);
        }
        self.bar.set_position(rows);
    }
}

impl BuildProgress for BuildBar {
    fn row(&self, table: &str) {
        let rows = self.rows.fetch_add(1, Ordering::Relaxed) + 1;
        if rows.is_multiple_of(ROWS_PER_UPDATE) {
            self.bar.set_prefix(table.to_string());
            self.show(rows);
        }
    }

    fn step(&self, what: &str) {
        let rows = self.rows.load(Ordering::Relaxed);
        self.bar.set_length(rows);
        self.show(rows);
        self.bar.set_message(what.to_string());
    }
}
