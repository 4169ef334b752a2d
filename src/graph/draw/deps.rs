//! The diagram of a `show-deps` closure: its objects, the edges among them, the seeds and the
//! edges the load order breaks.

use std::collections::HashMap;

use super::{Diagram, Link, LinkKind, Node};
use crate::graph::render::Report;
use crate::graph::{Direction, Edge};
use crate::output::plural;

impl Report<'_> {
    /// The closure as a [`Diagram`]: objects sorted by key, edges by (child, parent, name).
    /// `masked` gives, per table (`SCHEMA.NAME`), its masked columns in words.
    pub fn diagram(&self, masked: &HashMap<String, Vec<String>>) -> Diagram {
        let g = self.graph;
        let members = self.sorted_members();
        let index: HashMap<_, usize> = members.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let nodes = members
            .iter()
            .map(|&n| {
                let key = g.key(n);
                Node {
                    kind: key.kind.to_string(),
                    schema: key.schema.clone(),
                    name: key.name.clone(),
                    rows: None,
                    masked: masked
                        .get(&key.qualified_name())
                        .cloned()
                        .unwrap_or_default(),
                    seed: self.closure.seeds.contains(&n),
                    why: None,
                }
            })
            .collect();
        let broken = self.broken_edges();
        let links = self
            .edges()
            .into_iter()
            .map(|e| {
                let (from, to) = g.endpoints(e);
                let (kind, label) = match g.edge(e) {
                    Edge::ForeignKey(fk) => (
                        if fk.nullable {
                            LinkKind::NullableForeignKey
                        } else {
                            LinkKind::ForeignKey
                        },
                        format!(
                            "FK {}: {}{}",
                            fk.name,
                            fk.columns.join(", "),
                            if fk.nullable { " (nullable)" } else { "" }
                        ),
                    ),
                    Edge::TriggerOn => (LinkKind::Dependency, "trigger on its table".into()),
                    Edge::DependsOn => (LinkKind::Dependency, "dependency".into()),
                    Edge::Uses => (LinkKind::Dependency, "uses when it runs".into()),
                };
                // `edges()` keeps the edges with both ends in the closure, all in `index`.
                Link {
                    from: index[&from],
                    to: index[&to],
                    kind,
                    broken: broken.contains(&e),
                    label,
                }
            })
            .collect();
        let seeds: Vec<String> = self
            .closure
            .seeds
            .iter()
            .map(|&s| g.key(s).qualified_name())
            .collect();
        Diagram {
            title: format!(
                "Dependencies of {} ({}): {}, {}",
                seeds.join(", "),
                direction_word(self.closure.options.direction),
                plural(members.len(), "object"),
                plural(self.order.cycles.len(), "cycle")
            ),
            nodes,
            links,
            notes: Vec::new(),
        }
    }
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Parents => "parents",
        Direction::Children => "children",
        Direction::Both => "children and their parents",
    }
}
