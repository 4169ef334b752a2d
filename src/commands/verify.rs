//! `dbsub verify DBTYPE`: checks the local test database against what `ingest` recorded in it
//! ([`crate::load::verify`]) and prints the report.

use anyhow::Result;

use crate::backend;
use crate::cli::{Cli, VerifyArgs};
use crate::config::Config;
use crate::load::verify::{self, Report};
use crate::model::exit::Class;
use crate::model::ports::LoadMode;
use crate::output::{self, plural};

/// `dbsub verify`.
pub fn run(_cli: &Cli, config: &Config, args: &VerifyArgs) -> Result<()> {
    let target = config.target(args.kind)?;
    let mut sink = backend::row_sink(&target.url)?;
    let catalog = sink.catalog()?;
    let report = verify::check(sink.as_mut(), &catalog, &target.url.redacted())?;
    args.format.print(&report, render)?;
    fail_on_problems(&report)
}

/// Fails when nothing was loaded, or when `report` found a problem: a data problem, exit
/// code 5 ([`Class::DataProblem`]).
pub fn fail_on_problems(report: &Report) -> Result<()> {
    verify::fail_on_problems(report).map_err(|e| data_problem(report, e))
}

/// Fails when the verify that ends an ingest found a problem, saying whether the ingest changed
/// the target (`changed`): exit code 5 too.
pub fn fail_after_load(report: &Report, changed: bool) -> Result<()> {
    verify::fail_after_load(report, changed).map_err(|e| data_problem(report, e))
}

/// `e` marked as a data problem when `report` found one.
fn data_problem(report: &Report, e: anyhow::Error) -> anyhow::Error {
    if report.problems > 0 {
        Class::DataProblem.wrap(e)
    } else {
        e
    }
}

/// The report for people: one line per table, then the problems.
pub fn render(report: &Report) -> String {
    let mut out = format!("Verify {}:\n", report.target);
    let width = output::name_width(report.tables.iter().map(|t| t.table.as_str()));
    out.push_str(&format!(
        "  {:<width$}  {:>10}  {:>10}  {:<12}  RESULT\n",
        "TABLE", "ROWS", "EXTRACT", "FOREIGN KEYS"
    ));
    for t in &report.tables {
        let keys_ok = t.foreign_keys.iter().filter(|k| k.orphans == 0).count();
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}  {:<12}  {}\n",
            t.table,
            t.rows.map_or("-".to_string(), |r| r.to_string()),
            t.expected,
            format!("{keys_ok}/{} ok", t.foreign_keys.len()),
            match (t.problems.is_empty(), t.merged, t.delta) {
                (false, _, _) => "FAILED".to_string(),
                (true, Some(m), Some(delta)) => format!(
                    "ok (delta {delta}: {} inserted, {} updated, {} deleted)",
                    m.inserted,
                    m.updated,
                    t.deleted.unwrap_or(0)
                ),
                (true, Some(m), None) => format!(
                    "ok (merged: {} inserted, {} updated)",
                    m.inserted, m.updated
                ),
                (true, None, _) if t.mode == LoadMode::Merge => "ok (merged)".to_string(),
                (true, None, _) => "ok".to_string(),
            }
        ));
    }
    for t in &report.tables {
        for p in &t.problems {
            out.push_str(&format!("  {}: {p}\n", t.table));
        }
    }
    let keys: usize = report.tables.iter().map(|t| t.foreign_keys.len()).sum();
    if report.problems == 0 {
        out.push_str(&format!(
            "All {} match their extract; {keys} foreign {}.\n",
            plural(report.tables.len(), "table"),
            if keys == 1 { "key holds" } else { "keys hold" }
        ));
    } else {
        out.push_str(&format!("{} found.\n", plural(report.problems, "problem")));
    }
    out
}
