//! `dbsub show-deps`: the closure of a seed object, rendered as a tree, a graph or a picture.

use std::collections::HashMap;

use anyhow::{Result, bail};

use crate::catalog::{Catalog, ObjectKind};
use crate::cli::{Cli, ShowDepsArgs};
use crate::config::Config;
use crate::graph::draw::Picture;
use crate::graph::render::{Format, Report};
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::output;
use crate::subset::{Plan, Scope};

use super::structural;

pub fn run(cli: &Cli, config: &Config, args: &ShowDepsArgs) -> Result<()> {
    let picture = match args.format {
        Format::Svg => Some(Picture::Svg),
        Format::Html => Some(Picture::Html),
        _ => None,
    };
    if picture.is_none() && !args.classification.is_empty() {
        bail!(
            "--classification marks the masked tables of a picture only: add --format svg or \
             --format html"
        );
    }
    let catalog = structural::load_for_seeds(cli, config, &args.seeds)?;
    let graph = DepGraph::build(&catalog);
    let (seeds, exclude) = structural::find_seeds(&graph, &catalog, &args.seeds)?;
    let closure = Closure::compute(
        &graph,
        &seeds,
        ClosureOptions {
            direction: args.direction,
            depth: args.depth,
            exclude,
        },
    );
    let order = order::load_order(&graph, &closure);
    let report = Report {
        graph: &graph,
        closure: &closure,
        order: &order,
    };
    let text = match picture {
        Some(picture) => {
            let tables: Vec<String> = closure
                .members()
                .iter()
                .map(|&n| graph.key(n))
                .filter(|k| {
                    k.kind == ObjectKind::Table && catalog.table(&k.schema, &k.name).is_some()
                })
                .map(|k| k.qualified_name())
                .collect();
            let masked = masked_columns(&catalog, tables, args)?;
            let mut diagram = report.diagram(&masked);
            // The source's statistics, where the catalog has them.
            for node in &mut diagram.nodes {
                let rows = (node.kind == ObjectKind::Table.as_str())
                    .then(|| catalog.table(&node.schema, &node.name))
                    .flatten()
                    .and_then(|t| t.estimated_rows);
                node.rows = rows.map(|r| format!("≈ {r} rows"));
            }
            picture.render(&diagram)
        }
        None => report.render(args.format),
    };
    output::result(&text)
}

/// Per table (`SCHEMA.NAME`), the columns `--classification` masks, in words: what an extract
/// of these tables would mask (foreign keys agree on their rules as they do there).
fn masked_columns(
    catalog: &Catalog,
    tables: Vec<String>,
    args: &ShowDepsArgs,
) -> Result<HashMap<String, Vec<String>>> {
    if args.classification.is_empty() || tables.is_empty() {
        return Ok(HashMap::new());
    }
    let plan = Plan {
        passthrough: tables,
        ..Plan::default()
    };
    let scope = Scope::resolve(catalog, &plan)?;
    let (masked, unknown) = crate::mask::preview(catalog, &scope, &args.classification, None)?;
    if !unknown.is_empty() {
        output::warning(&format!(
            "{} of the classification name no table or column of the catalog (ignored)",
            output::plural(unknown.len(), "line")
        ));
    }
    Ok(scope
        .tables
        .iter()
        .zip(masked)
        .filter(|(_, m)| !m.is_empty())
        .map(|(t, m)| {
            let columns = m
                .iter()
                .map(|c| format!("{} ({})", c.column, c.strategy))
                .collect();
            (t.table.key().qualified_name(), columns)
        })
        .collect())
}
