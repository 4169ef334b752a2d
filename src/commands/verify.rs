//! `dbsub verify DBTYPE`: checks the local test database against what `ingest` recorded in it
//! — each loaded table's row count against its extract's manifest, and every foreign key among
//! the loaded tables (the extract's own, virtual ones included). Reports; never changes a row.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::backend;
use crate::catalog::Catalog;
use crate::cli::{Cli, VerifyArgs};
use crate::config::Config;
use crate::model::ports::{LoadMode, RowSink};
use crate::output::{self, plural};

/// The check of one loaded table.
#[derive(Clone, Debug, Serialize)]
pub struct TableCheck {
    /// The table in the extract (`SCHEMA.NAME`).
    pub table: String,
    /// The table in the target.
    pub target: String,
    /// Rows now; `None` when the table is gone.
    pub rows: Option<u64>,
    /// Rows in the extract.
    pub expected: u64,
    pub mode: LoadMode,
    pub foreign_keys: Vec<KeyCheck>,
    /// What is wrong, in words; empty when the table is fine.
    pub problems: Vec<String>,
}

/// The check of one foreign key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyCheck {
    pub name: String,
    pub parent: String,
    /// Rows whose key matches no parent row.
    pub orphans: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub target: String,
    pub tables: Vec<TableCheck>,
    pub problems: usize,
}

/// `dbsub verify`.
pub fn run(_cli: &Cli, config: &Config, args: &VerifyArgs) -> Result<()> {
    let target = config.target(args.kind)?;
    let mut sink = backend::row_sink(&target.url)?;
    let catalog = sink.catalog()?;
    let report = check(sink.as_mut(), &catalog, &target.url.redacted())?;
    args.format.print(&report, render)?;
    fail_on_problems(&report)
}

/// Fails (after the report was printed) when the report found problems.
pub fn fail_on_problems(report: &Report) -> Result<()> {
    if report.tables.is_empty() {
        bail!(
            "nothing was loaded into {} yet: run `dbsub ingest DBTYPE ENV` first",
            report.target
        );
    }
    if report.problems > 0 {
        bail!(
            "verify found {} in {} (see the report above); nothing was changed",
            plural(report.problems, "problem"),
            report.target
        );
    }
    Ok(())
}

/// Checks every table the target's load records list.
pub fn check(sink: &mut dyn RowSink, catalog: &Catalog, target: &str) -> Result<Report> {
    let records = sink.records()?;
    let table = |name: &str| catalog.tables.iter().find(|t| t.name == name);
    let mut tables = Vec::new();
    let mut problems = 0;
    for record in &records {
        let mut check = TableCheck {
            table: record.extract_table.clone(),
            target: record.table.clone(),
            rows: None,
            expected: record.rows,
            mode: record.mode,
            foreign_keys: Vec::new(),
            problems: Vec::new(),
        };
        let Some(child) = table(&record.table) else {
            check.problems.push(format!(
                "the table {} is gone from the target",
                record.table
            ));
            problems += 1;
            tables.push(check);
            continue;
        };
        let rows = sink.count_rows(child)?;
        check.rows = Some(rows);
        match record.mode {
            LoadMode::Insert if rows != record.rows => check
                .problems
                .push(format!("{rows} rows where the extract has {}", record.rows)),
            LoadMode::Merge if rows < record.rows => check.problems.push(format!(
                "{rows} rows, fewer than the {} merged from the extract",
                record.rows
            )),
            _ => {}
        }
        for key in &record.foreign_keys {
            let Some(parent) = table(&key.parent) else {
                check.problems.push(format!(
                    "{}: the parent table {} is gone from the target",
                    key.name, key.parent
                ));
                continue;
            };
            let orphans = sink.count_orphans(child, &key.columns, parent, &key.parent_columns)?;
            if orphans > 0 {
                check.problems.push(format!(
                    "{}: {} reference rows missing from {} ({} → {})",
                    key.name,
                    plural(orphans as usize, "row"),
                    key.parent,
                    key.columns.join(", "),
                    key.parent_columns.join(", ")
                ));
            }
            check.foreign_keys.push(KeyCheck {
                name: key.name.clone(),
                parent: key.parent.clone(),
                orphans,
            });
        }
        problems += check.problems.len();
        tables.push(check);
    }
    Ok(Report {
        target: target.to_string(),
        tables,
        problems,
    })
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
            if t.problems.is_empty() {
                if t.mode == LoadMode::Merge {
                    "ok (merged)"
                } else {
                    "ok"
                }
            } else {
                "FAILED"
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
