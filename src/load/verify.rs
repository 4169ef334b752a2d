//! `verify`: the local test database against what loads recorded in it — each loaded table's
//! row count against its extract's manifest, every foreign key among the loaded tables (the
//! extract's own, virtual ones included), and every table an ingest set out to load but left
//! without a record. Reports; never changes a row.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::model::ports::{LoadMode, MergeCounts, RowSink};
use crate::output::plural;

/// The check of one loaded table.
#[derive(Clone, Debug, Serialize)]
pub struct TableCheck {
    /// The table in the extract (`SCHEMA.NAME`).
    pub table: String,
    /// The table in the target.
    pub target: String,
    /// Rows now; `None` when the table is gone.
    pub rows: Option<u64>,
    /// Rows in the extract; after deltas, the rows the chain's records prove (the base's rows,
    /// plus those the deltas' merges inserted, less those their deletes removed).
    pub expected: u64,
    pub mode: LoadMode,
    /// Of a merge: the rows it inserted and updated, as its load record says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeCounts>,
    /// Of a table a delta was applied to: the last delta's number and the rows its deletes
    /// removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u64>,
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

/// Fails (after the summary was printed) when the verify that ends an ingest found problems,
/// saying whether that ingest changed the target (`changed`: it loaded or merged a table).
pub fn fail_after_load(report: &Report, changed: bool) -> Result<()> {
    if report.problems == 0 {
        return Ok(());
    }
    let problems = plural(report.problems, "problem");
    if changed {
        bail!(
            "the load changed {}, but verify then found {problems} (see the report above): run \
             `dbsub verify` to see them again, and ingest with --refreshdb to replace the tables",
            report.target
        );
    }
    fail_on_problems(report)
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
            expected: record.expected_rows().unwrap_or(record.rows),
            mode: record.mode,
            merged: record.merged,
            delta: record.chain.as_ref().map(|c| c.position.sequence),
            deleted: record.deleted,
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
        match (record.expected_rows(), &record.chain) {
            (Some(expected), None) if rows != expected => check
                .problems
                .push(format!("{rows} rows where the extract has {expected}")),
            (Some(expected), Some(applied)) if rows != expected => check.problems.push(format!(
                "{rows} rows where the base and deltas 1 to {} leave {expected}",
                applied.position.sequence
            )),
            // A merge into rows that were there: at least its own rows are.
            (None, _) if rows < record.rows => check.problems.push(format!(
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
    // The tables an ingest set out to load and left without a record: emptied by --refreshdb
    // and not loaded again, or never reached.
    for planned in records.iter().flat_map(|r| &r.load_set) {
        let seen = records.iter().any(|r| r.table == planned.table)
            || tables.iter().any(|t| t.target == planned.table);
        if seen {
            continue;
        }
        let rows = match table(&planned.table) {
            Some(t) => Some(sink.count_rows(t)?),
            None => None,
        };
        tables.push(TableCheck {
            table: planned.extract_table.clone(),
            target: planned.table.clone(),
            rows,
            expected: planned.rows,
            mode: LoadMode::Insert,
            merged: None,
            delta: None,
            deleted: None,
            foreign_keys: Vec::new(),
            problems: vec![
                "not loaded: the ingest that loaded the other tables did not finish it; run \
                 ingest again"
                    .to_string(),
            ],
        });
        problems += 1;
    }
    Ok(Report {
        target: target.to_string(),
        tables,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_load_a_problem_is_never_said_to_have_changed_nothing() {
        let report = Report {
            target: "sqlite://data/local.db".to_string(),
            tables: vec![TableCheck {
                table: "APP.NOTE".to_string(),
                target: "NOTE".to_string(),
                rows: Some(10),
                expected: 5,
                mode: LoadMode::Insert,
                merged: None,
                delta: None,
                deleted: None,
                foreign_keys: Vec::new(),
                problems: vec!["10 rows where the extract has 5".to_string()],
            }],
            problems: 1,
        };
        let loaded = fail_after_load(&report, true).unwrap_err().to_string();
        assert!(
            loaded.starts_with(
                "the load changed sqlite://data/local.db, but verify then found 1 problem"
            ),
            "{loaded}"
        );
        assert!(!loaded.contains("nothing was changed"), "{loaded}");
        // A run that loaded nothing (every table already loaded) did not change anything.
        let skipped = fail_after_load(&report, false).unwrap_err().to_string();
        assert!(skipped.contains("nothing was changed"), "{skipped}");
        let fine = Report {
            problems: 0,
            ..report
        };
        assert!(fail_after_load(&fine, true).is_ok());
    }
}
