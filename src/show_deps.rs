//! `dbsub show-deps`: the closure of a seed object, rendered as a tree or a graph.

use std::collections::HashSet;

use anyhow::Result;
use petgraph::graph::NodeIndex;

use crate::catalog::ObjectQuery;
use crate::cli::{Cli, ShowDepsArgs};
use crate::config::Config;
use crate::graph::render::Report;
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::{output, structural};

pub fn run(cli: &Cli, config: &Config, args: &ShowDepsArgs) -> Result<()> {
    let catalog = structural::load(cli, config, &[])?;
    let graph = DepGraph::build(&catalog);
    let seeds = resolve(&graph, args, &args.seed_objects, true)?;
    let exclude: HashSet<NodeIndex> = resolve(&graph, args, &args.exclude, false)?
        .into_iter()
        .collect();
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
    output::result(&report.render(args.format))
}

/// Finds the objects the user named. `--schema` and `--object-type` narrow the seeds only:
/// an exclusion may be of any kind and schema.
fn resolve(
    graph: &DepGraph,
    args: &ShowDepsArgs,
    names: &[String],
    seeds: bool,
) -> Result<Vec<NodeIndex>> {
    let mut nodes = Vec::new();
    for name in names {
        let query = ObjectQuery {
            name: name.clone(),
            schema: if seeds { args.schema.clone() } else { None },
            kind: if seeds { args.object_type } else { None },
        };
        let node = graph.find(&query)?;
        if !nodes.contains(&node) {
            nodes.push(node);
        }
    }
    Ok(nodes)
}
