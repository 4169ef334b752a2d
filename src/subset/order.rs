//! The scope's tables in the order they load, and the tables a user names among them.

use anyhow::{Result, anyhow};

use super::Scope;
use crate::catalog::lookup::{self, ObjectQuery};
use crate::catalog::{Catalog, ObjectKey, Table};
use crate::graph::{Closure, ClosureOptions, DepGraph, Direction};

impl Scope {
    /// The tables `names` names (`--table`), as keys.
    ///
    /// Fails, naming it, on a name that is no table of the subset.
    pub fn tables_named(&self, names: &[String]) -> Result<Vec<ObjectKey>> {
        let keys: Vec<ObjectKey> = self.tables.iter().map(|t| t.table.key()).collect();
        names
            .iter()
            .map(|n| {
                lookup::find(&keys, &ObjectQuery::named(n))
                    .map_err(|e| anyhow!("--table `{n}` is not a table of this subset: {e}"))
            })
            .collect()
    }

    /// The scope's tables in load order (indexes into [`Scope::tables`]), and the foreign keys
    /// that close cycles, `(child table, foreign key)` with the table as `SCHEMA.NAME`.
    pub fn load_order(&self) -> (Vec<usize>, Vec<(String, String)>) {
        let scope = self;
        let mut tables: Vec<Table> = scope.tables.iter().map(|t| t.table.clone()).collect();
        for t in &mut tables {
            t.foreign_keys.clear();
        }
        for e in &scope.edges {
            tables[e.child].foreign_keys.push(e.foreign_key.clone());
        }
        let catalog = Catalog {
            tables,
            ..Catalog::default()
        };
        let graph = DepGraph::build(&catalog);
        let seeds: Vec<_> = (0..graph.node_count())
            .map(petgraph::graph::NodeIndex::new)
            .collect();
        let closure = Closure::compute(
            &graph,
            &seeds,
            ClosureOptions {
                direction: Direction::Parents,
                ..ClosureOptions::default()
            },
        );
        let order = crate::graph::order::load_order(&graph, &closure);
        let index_of = |key: &ObjectKey| {
            scope
                .tables
                .iter()
                .position(|t| t.table.key() == *key)
                .expect("the graph holds the scope's tables only")
        };
        let tables = order
            .order
            .iter()
            .map(|&n| index_of(graph.key(n)))
            .collect();
        let cycle_keys = order
            .broken()
            .map(|b| {
                (
                    graph.key(b.child).qualified_name(),
                    graph
                        .edge(b.edge)
                        .fk()
                        .map(|f| f.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        (tables, cycle_keys)
    }
}
