//! `dbsub show-deps`: the closure of a seed object, rendered as a tree or a graph.

use anyhow::Result;

use crate::cli::{Cli, ShowDepsArgs};
use crate::config::Config;
use crate::graph::render::Report;
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::output;

use super::structural;

pub fn run(cli: &Cli, config: &Config, args: &ShowDepsArgs) -> Result<()> {
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
    output::result(&report.render(args.format))
}
