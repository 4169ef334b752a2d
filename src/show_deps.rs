//! `dbsub show-deps`: the closure of a seed object, rendered as a tree or a graph.

use std::collections::HashSet;

use anyhow::Result;
use petgraph::graph::NodeIndex;

use crate::cli::{Cli, ShowDepsArgs};
use crate::config::Config;
use crate::graph::render::Report;
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::{output, structural};

pub fn run(cli: &Cli, config: &Config, args: &ShowDepsArgs) -> Result<()> {
    let catalog = structural::load(cli, config, &[])?;
    let graph = DepGraph::build(&catalog);
    let seeds = graph.find_all(&args.seed_objects, args.schema.as_deref(), args.object_type)?;
    // --schema and --object-type narrow the seeds only: an exclusion may be of any kind.
    let exclude: HashSet<NodeIndex> = graph
        .find_all(&args.exclude, None, None)?
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
