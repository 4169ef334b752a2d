//! What extract prints: the dry run's plan and masked columns, warnings, the summary.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::Summary;
use crate::graph::draw::{Diagram, Link, LinkKind, Node};
use crate::mask::Masking;
use crate::output::{self, human_bytes};
use crate::subset::{Reason, Scope};

/// Lists the classification lines that name no table or column of the source (at most 20).
pub(super) fn warn_unknown(unknown: &[String]) {
    if unknown.is_empty() {
        return;
    }
    let mut text = format!(
        "{} of the classification name no table or column of the source (ignored):",
        output::plural(unknown.len(), "line")
    );
    for line in unknown.iter().take(20) {
        text.push_str(&format!("\n  {line}"));
    }
    if unknown.len() > 20 {
        text.push_str(&format!("\n  … and {} more", unknown.len() - 20));
    }
    output::warning(&text);
}

/// The dry run's list of masked columns, in load order.
pub(super) fn render_masking(scope: &Scope, order: &[usize], masking: &Masking) -> String {
    if masking.is_empty() {
        return "\nMasked columns: none.\n".to_string();
    }
    let rows: Vec<(String, String, String)> = order
        .iter()
        .flat_map(|&i| {
            let table = scope.tables[i].table.key().qualified_name();
            masking.table(i).iter().map(move |m| {
                (
                    format!("{table}.{}", m.column),
                    m.strategy.to_string(),
                    match &m.follows {
                        Some(f) => format!("follows {f} (foreign key)"),
                        None => m.origin.clone(),
                    },
                )
            })
        })
        .collect();
    let width = output::name_width(rows.iter().map(|r| r.0.as_str()));
    let rule_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "\nMasked columns ({}), computed by the source:\n{:<width$}  {:<rule_width$}  FROM\n",
        rows.len(),
        "COLUMN",
        "RULE"
    );
    for (column, rule, from) in rows {
        out.push_str(&format!("{column:<width$}  {rule:<rule_width$}  {from}\n"));
    }
    out
}

pub(super) fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg}").expect("a valid template"),
    );
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The dry run's table: every table in load order, why it is there, estimated rows and (once
/// the closure ran) exact rows.
pub(super) fn render_plan(
    scope: &Scope,
    order: &[usize],
    estimates: &[u64],
    exact: Option<&[u64]>,
) -> String {
    let mut out = String::new();
    match exact {
        None => out.push_str(&format!(
            "Subset plan: {} in load order (estimated rows: the whole table)\n",
            output::plural(scope.tables.len(), "table")
        )),
        Some(rows) => out.push_str(&format!(
            "\nRows selected: {} in {} (nothing written: --dry-run)\n",
            rows.iter().sum::<u64>(),
            output::plural(scope.tables.len(), "table")
        )),
    }
    let name_width = scope
        .tables
        .iter()
        .map(|t| t.table.key().qualified_name().len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "{:<name_width$}  {:>10}  {:>10}  WHY\n",
        "TABLE", "ESTIMATED", "ROWS"
    ));
    for &i in order {
        let t = &scope.tables[i];
        let rows = exact.map_or("…".to_string(), |r| r[i].to_string());
        out.push_str(&format!(
            "{:<name_width$}  {:>10}  {:>10}  {}\n",
            t.table.key().qualified_name(),
            estimates.get(i).map_or("?".to_string(), |e| e.to_string()),
            rows,
            scope.why(i)
        ));
    }
    out
}

/// The dry run's plan as a [`Diagram`] (its title left to the caller): one box per table with
/// its selected and estimated rows, why it is there and its masked columns; one arrow per
/// foreign key rows follow, those in `cycle_keys` (`(SCHEMA.TABLE, foreign key)`) marked
/// broken; the foreign keys not followed as notes.
pub(super) fn plan_diagram(
    scope: &Scope,
    masking: &Masking,
    estimates: &[u64],
    exact: &[u64],
    cycle_keys: &[(String, String)],
) -> Diagram {
    let nodes = scope
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let rows = match (exact.get(i), estimates.get(i)) {
                (Some(rows), Some(whole)) => format!("{rows} of ≈ {whole} rows"),
                (Some(rows), None) => format!("{rows} rows"),
                (None, _) => "? rows".to_string(),
            };
            Node {
                kind: "TABLE".to_string(),
                schema: t.table.schema.clone(),
                name: t.table.name.clone(),
                rows: Some(rows),
                masked: masking
                    .table(i)
                    .iter()
                    .map(|m| format!("{} ({})", m.column, m.strategy))
                    .collect(),
                seed: matches!(t.reason, Reason::Seed { .. }),
                why: Some(scope.why(i)),
            }
        })
        .collect();
    let links = scope
        .edges
        .iter()
        .map(|e| {
            let child = &scope.tables[e.child].table;
            let fk = &e.foreign_key;
            let nullable = child.fk_is_nullable(fk);
            let broken = cycle_keys
                .iter()
                .any(|(t, name)| *t == child.key().qualified_name() && *name == fk.name);
            Link {
                from: e.child,
                to: e.parent,
                kind: if nullable {
                    LinkKind::NullableForeignKey
                } else {
                    LinkKind::ForeignKey
                },
                broken,
                label: format!(
                    "{} {}: {}{}",
                    if e.virtual_key { "virtual FK" } else { "FK" },
                    fk.name,
                    fk.columns.join(", "),
                    if nullable { " (nullable)" } else { "" }
                ),
            }
        })
        .collect();
    Diagram {
        title: String::new(),
        nodes,
        links,
        notes: scope
            .cut
            .iter()
            .map(|c| format!("not followed: {c}"))
            .collect(),
    }
}

pub(super) fn render_summary(s: &Summary) -> String {
    let width = output::name_width(s.tables.iter().map(|t| t.table.as_str()));
    let mut out = format!(
        "{:<width$}  {:>10}  {:>5}  {:>10}  {:>8}\n",
        "TABLE", "ROWS", "PARTS", "BYTES", "SECONDS"
    );
    for t in &s.tables {
        out.push_str(&format!(
            "{:<width$}  {:>10}  {:>5}  {:>10}  {:>8.2}{}\n",
            t.table,
            t.rows,
            t.parts,
            human_bytes(t.bytes),
            t.seconds,
            if t.kept_parts > 0 {
                format!("  ({} kept from the interrupted run)", t.kept_parts)
            } else {
                String::new()
            }
        ));
    }
    let marks: Vec<String> = s
        .tables
        .iter()
        .filter_map(|t| {
            let w = t.high_water.as_ref()?;
            Some(format!(
                "{}.{} {}",
                t.table,
                w.column,
                w.value.as_deref().unwrap_or("(no value)")
            ))
        })
        .collect();
    if !marks.is_empty() {
        out.push_str(&format!("High-water marks: {}.\n", marks.join(", ")));
    }
    let deletes: Vec<String> = s
        .tables
        .iter()
        .filter_map(|t| Some(format!("{} {}", t.table, t.deletes?)))
        .collect();
    if !deletes.is_empty() {
        out.push_str(&format!(
            "Rows the subset held that the source no longer has (deletes): {}.\n",
            deletes.join(", ")
        ));
    }
    if let Some(n) = s.delta {
        out.push_str(&format!(
            "Delta {n} of the subset: the rows changed or new since the last extract.\n"
        ));
    }
    out.push_str(&format!(
        "Extracted {} rows of {} ({}) in {:.2} s into {}/{} (snapshot: {} {}).",
        s.rows,
        output::plural(s.tables.len(), "table"),
        human_bytes(s.bytes),
        s.seconds,
        s.store,
        s.manifest,
        s.snapshot.kind,
        s.snapshot.id
    ));
    out.push('\n');
    out
}
