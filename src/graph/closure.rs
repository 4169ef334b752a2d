//! The objects reachable from one or more seeds.
//!
//! - `parents`: what the seeds need, recursively (FK parents, the tables a view reads, …).
//!   A table brings its triggers along, and so whatever those triggers need (an audit table):
//!   creating or loading the table without them would not behave like production.
//! - `children`: what needs the seeds, recursively (FK children, views, triggers).
//! - `both`: the children, then the parents of everything found. The result is
//!   self-contained: every object in it has what it needs in it, so it can be created.
//!
//! A walk never goes down again after it went up, otherwise `both` would reach the whole
//! connected schema through siblings. `depth` bounds the number of edges walked from a seed.

use std::collections::{HashSet, VecDeque};

use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::DepGraph;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the seed needs: FK parents and dependencies, recursively.
    #[default]
    Parents,
    /// What needs the seed: FK children and dependents, recursively.
    Children,
    /// The children, then the parents of everything found: a self-contained set.
    Both,
}

#[derive(Clone, Debug, Default)]
pub struct ClosureOptions {
    pub direction: Direction,
    /// At most this many edges from a seed; `None` walks to the end.
    pub depth: Option<usize>,
    /// Objects neither included nor walked through (a seed is never excluded).
    pub exclude: HashSet<NodeIndex>,
}

/// Which way a walk is going; a walk goes down (children) first, then up (parents).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Phase {
    Down,
    Up,
}

const UNSEEN: u32 = u32::MAX;

/// Breadth-first walk state: the distance at which each node was reached going down and up.
struct Walk {
    both: bool,
    up: Vec<u32>,
    down: Vec<u32>,
    depth: Vec<u32>,
    members: Vec<NodeIndex>,
    queue: VecDeque<(NodeIndex, Phase)>,
}

impl Walk {
    fn visit(&mut self, node: NodeIndex, phase: Phase, dist: u32) {
        let ix = node.index();
        // Going down may always turn up at no cost (in `both`); going up never turns down.
        let phases: &[Phase] = match phase {
            Phase::Down if self.both => &[Phase::Down, Phase::Up],
            Phase::Down => &[Phase::Down],
            Phase::Up => &[Phase::Up],
        };
        for &p in phases {
            let slot = match p {
                Phase::Down => &mut self.down[ix],
                Phase::Up => &mut self.up[ix],
            };
            if *slot == UNSEEN {
                *slot = dist;
                self.queue.push_back((node, p));
            }
        }
        if self.depth[ix] == UNSEEN {
            self.depth[ix] = dist;
            self.members.push(node);
        }
    }
}

/// The result of a closure: the member objects and their distance from the nearest seed.
#[derive(Clone, Debug)]
pub struct Closure {
    pub seeds: Vec<NodeIndex>,
    pub options: ClosureOptions,
    /// Distance from the nearest seed, indexed by node; `UNSEEN` outside the closure.
    depth: Vec<u32>,
    /// Members in the order they were found (breadth first).
    members: Vec<NodeIndex>,
}

impl Closure {
    /// Walks `graph` from `seeds` as `options` say.
    pub fn compute(graph: &DepGraph, seeds: &[NodeIndex], options: ClosureOptions) -> Closure {
        let n = graph.node_count();
        let mut walk = Walk {
            both: options.direction == Direction::Both,
            up: vec![UNSEEN; n],
            down: vec![UNSEEN; n],
            depth: vec![UNSEEN; n],
            members: Vec::new(),
            queue: VecDeque::new(),
        };
        let limit = options
            .depth
            .map_or(UNSEEN - 1, |d| d.min(UNSEEN as usize - 1) as u32);
        let start = match options.direction {
            Direction::Parents => Phase::Up,
            Direction::Children | Direction::Both => Phase::Down,
        };
        for &seed in seeds {
            walk.visit(seed, start, 0);
        }
        while let Some((node, phase)) = walk.queue.pop_front() {
            let dist = match phase {
                Phase::Down => walk.down[node.index()],
                Phase::Up => walk.up[node.index()],
            };
            if dist >= limit {
                continue;
            }
            for next in steps(graph, node, phase) {
                if !options.exclude.contains(&next) {
                    walk.visit(next, phase, dist + 1);
                }
            }
        }
        let Walk { depth, members, .. } = walk;
        Closure {
            seeds: seeds.to_vec(),
            options,
            depth,
            members,
        }
    }

    pub fn contains(&self, node: NodeIndex) -> bool {
        self.depth.get(node.index()).is_some_and(|&d| d != UNSEEN)
    }

    /// Distance from the nearest seed, if `node` is a member.
    pub fn depth_of(&self, node: NodeIndex) -> Option<u32> {
        self.depth
            .get(node.index())
            .copied()
            .filter(|&d| d != UNSEEN)
    }

    /// Members in the order they were found (seeds first, then breadth first).
    pub fn members(&self) -> &[NodeIndex] {
        &self.members
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// The nodes one step from `node` in a phase: parents when going up (plus the triggers on a
/// table, which come with it), children when going down.
pub(crate) fn steps(
    graph: &DepGraph,
    node: NodeIndex,
    phase: Phase,
) -> impl Iterator<Item = NodeIndex> + '_ {
    step_edges(graph, node, phase).map(|(_, n, _)| n)
}

/// Like [`steps`], with the edge taken and whether it was walked towards a parent.
pub(crate) fn step_edges(
    graph: &DepGraph,
    node: NodeIndex,
    phase: Phase,
) -> impl Iterator<Item = (petgraph::graph::EdgeIndex, NodeIndex, bool)> + '_ {
    // Build only the side the phase walks: filtering the other side would still iterate it.
    let going_up = phase == Phase::Up;
    let parents = going_up
        .then(|| graph.parents(node).map(|(e, n)| (e, n, true)))
        .into_iter()
        .flatten();
    let triggers = going_up
        .then(|| graph.triggers_on(node).iter().map(|&(e, n)| (e, n, false)))
        .into_iter()
        .flatten();
    let children = (!going_up)
        .then(|| graph.children(node).map(|(e, n)| (e, n, false)))
        .into_iter()
        .flatten();
    parents.chain(triggers).chain(children)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::catalog::{ObjectKey, ObjectKind, Trigger};

    fn names(g: &DepGraph, c: &Closure) -> Vec<String> {
        let mut v: Vec<String> = c.members().iter().map(|&n| g.key(n).name.clone()).collect();
        v.sort();
        v
    }

    fn run(g: &DepGraph, seed: &str, direction: Direction, depth: Option<usize>) -> Closure {
        let seed = g.node_of(&t(seed)).unwrap();
        Closure::compute(
            g,
            &[seed],
            ClosureOptions {
                direction,
                depth,
                ..Default::default()
            },
        )
    }

    /// A ← B ← C, D ← C (C references B and D; B references A), E ← B, F alone.
    fn chain() -> DepGraph {
        DepGraph::build(&catalog(vec![
            table("A", &[]),
            table("B", &[("A_ID", "A", false)]),
            table("C", &[("B_ID", "B", false), ("D_ID", "D", true)]),
            table("D", &[]),
            table("E", &[("B_ID", "B", false)]),
            table("F", &[]),
        ]))
    }

    #[test]
    fn parents_walks_up_only() {
        let g = chain();
        assert_eq!(
            names(&g, &run(&g, "C", Direction::Parents, None)),
            ["A", "B", "C", "D"]
        );
    }

    #[test]
    fn children_walks_down_only() {
        let g = chain();
        assert_eq!(
            names(&g, &run(&g, "B", Direction::Children, None)),
            ["B", "C", "E"]
        );
    }

    #[test]
    fn both_adds_the_parents_of_children_but_not_siblings_children() {
        let g = chain();
        // B's children C and E, and C's other parent D; A is B's parent. F is unrelated.
        assert_eq!(
            names(&g, &run(&g, "B", Direction::Both, None)),
            ["A", "B", "C", "D", "E"]
        );
        // From E: up to B and A, but not down again to C.
        assert_eq!(
            names(&g, &run(&g, "E", Direction::Both, None)),
            ["A", "B", "E"]
        );
    }

    #[test]
    fn depth_limit_counts_edges_from_the_seed() {
        let g = chain();
        let c = run(&g, "C", Direction::Parents, Some(1));
        assert_eq!(names(&g, &c), ["B", "C", "D"]);
        assert_eq!(c.depth_of(g.node_of(&t("B")).unwrap()), Some(1));
        assert_eq!(c.depth_of(g.node_of(&t("A")).unwrap()), None);
        assert_eq!(names(&g, &run(&g, "C", Direction::Parents, Some(0))), ["C"]);
    }

    #[test]
    fn exclusions_are_not_walked_through() {
        let g = chain();
        let seed = g.node_of(&t("C")).unwrap();
        let mut options = ClosureOptions::default();
        options.exclude.insert(g.node_of(&t("B")).unwrap());
        let c = Closure::compute(&g, &[seed], options);
        assert_eq!(names(&g, &c), ["C", "D"]);
    }

    #[test]
    fn several_seeds_and_disconnected_parts() {
        let g = chain();
        let seeds = [g.node_of(&t("E")).unwrap(), g.node_of(&t("F")).unwrap()];
        let c = Closure::compute(&g, &seeds, ClosureOptions::default());
        assert_eq!(names(&g, &c), ["A", "B", "E", "F"]);
    }

    #[test]
    fn cycles_and_self_references_terminate() {
        let g = DepGraph::build(&catalog(vec![
            table("X", &[("Y_ID", "Y", true), ("X_ID", "X", true)]),
            table("Y", &[("Z_ID", "Z", false)]),
            table("Z", &[("X_ID", "X", false)]),
        ]));
        for direction in [Direction::Parents, Direction::Children, Direction::Both] {
            assert_eq!(names(&g, &run(&g, "X", direction, None)), ["X", "Y", "Z"]);
        }
    }

    #[test]
    fn a_table_brings_its_triggers_and_what_they_need() {
        let mut cat = catalog(vec![
            table("T", &[]),
            table("AUDIT", &[]),
            table("CHILD", &[("T_ID", "T", false)]),
        ]);
        cat.triggers.push(Trigger {
            schema: "S".into(),
            name: "T_TRG".into(),
            table_schema: "S".into(),
            table_name: "T".into(),
            timing: "AFTER".into(),
            events: vec!["UPDATE".into()],
            for_each_row: true,
            enabled: true,
            source: String::new(),
        });
        cat.dependencies.push(crate::catalog::Dependency {
            from: ObjectKey::new("S", "T.T_TRG", ObjectKind::Trigger),
            to: t("AUDIT"),
        });
        let g = DepGraph::build(&cat);
        assert_eq!(
            names(&g, &run(&g, "CHILD", Direction::Parents, None)),
            ["AUDIT", "CHILD", "T", "T.T_TRG"]
        );
    }
}
