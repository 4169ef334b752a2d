//! Renders a closure: an indented text tree, JSON, Graphviz DOT and Mermaid; SVG and HTML
//! through [`super::draw`].
//!
//! Every format is deterministic: objects are sorted by key, edges by their ends and name.
//! The JSON format is documented in docs/show-deps.md.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use petgraph::graph::{EdgeIndex, NodeIndex};
use serde::Serialize;

use super::closure::{Phase, step_edges};
use super::draw::Picture;
use super::{Closure, DepGraph, Direction, Edge, LoadOrder};
use crate::catalog::{ObjectKey, ObjectKind};
use crate::output::plural;

/// The output formats of `show-deps`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An indented tree, one `KIND: SCHEMA.NAME` per line, then the cycles.
    #[default]
    Text,
    /// Objects, edges, cycles and load order, for scripts (see docs/show-deps.md).
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// An SVG picture drawn by dbsub: cycles, broken edges and seeds marked, with a legend.
    Svg,
    /// A self-contained HTML page with the SVG picture and a table of the objects.
    Html,
}

/// A closure with its load order, ready to render.
pub struct Report<'a> {
    pub graph: &'a DepGraph,
    pub closure: &'a Closure,
    pub order: &'a LoadOrder,
}

impl Report<'_> {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Json => self.json(),
            Format::Dot => self.dot(),
            Format::Mermaid => self.mermaid(),
            Format::Svg => Picture::Svg.render(&self.diagram(&HashMap::new())),
            Format::Html => Picture::Html.render(&self.diagram(&HashMap::new())),
        }
    }

    /// Edges with both ends in the closure, sorted by (child, parent, name).
    pub(super) fn edges(&self) -> Vec<EdgeIndex> {
        let g = self.graph;
        let mut edges: Vec<EdgeIndex> = self
            .closure
            .members()
            .iter()
            .flat_map(|&n| g.parents(n))
            .filter(|&(_, p)| self.closure.contains(p))
            .map(|(e, _)| e)
            .collect();
        edges.sort_by(|&a, &b| edge_sort_key(g, a).cmp(&edge_sort_key(g, b)));
        edges
    }

    pub(super) fn sorted_members(&self) -> Vec<NodeIndex> {
        let mut nodes = self.closure.members().to_vec();
        nodes.sort_by(|&a, &b| self.graph.key(a).cmp(self.graph.key(b)));
        nodes
    }

    pub(super) fn broken_edges(&self) -> HashSet<EdgeIndex> {
        self.order.broken().map(|b| b.edge).collect()
    }

    /// The indented tree, then a summary line and the cycle report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut shown: HashSet<NodeIndex> = HashSet::new();
        for &seed in &self.closure.seeds {
            self.tree(seed, &mut shown, &mut out);
        }
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        out.push_str(&self.cycle_report());
        out
    }

    /// One seed's tree, depth first with an explicit stack (FK chains can be deep).
    fn tree(&self, seed: NodeIndex, shown: &mut HashSet<NodeIndex>, out: &mut String) {
        let g = self.graph;
        let direction = self.closure.options.direction;
        let limit = self.closure.options.depth.unwrap_or(usize::MAX);
        let start = match direction {
            Direction::Parents => Phase::Up,
            Direction::Children | Direction::Both => Phase::Down,
        };
        struct Frame {
            node: NodeIndex,
            phase: Phase,
            via: Option<(EdgeIndex, bool)>,
            level: usize,
        }
        // The nodes walked to here, each with whether it was reached by a `Uses` edge.
        let mut path: Vec<(NodeIndex, bool)> = Vec::new();
        let mut stack = vec![Some(Frame {
            node: seed,
            phase: start,
            via: None,
            level: 0,
        })];
        // A `None` marks the end of a node's children: pop it from the path.
        while let Some(item) = stack.pop() {
            let Some(frame) = item else {
                path.pop();
                continue;
            };
            let key = g.key(frame.node);
            let _ = write!(out, "{}{key}", "  ".repeat(frame.level));
            if let Some((edge, up)) = frame.via {
                let _ = write!(out, "  [{}]", edge_label(g.edge(edge), up));
            }
            let by_use =
                |via: Option<(EdgeIndex, bool)>| via.is_some_and(|(e, _)| *g.edge(e) == Edge::Uses);
            if let Some(at) = path.iter().position(|&(n, _)| n == frame.node) {
                // What code uses when it runs closes no cycle of the load order.
                let uses = by_use(frame.via) || path[at + 1..].iter().any(|&(_, u)| u);
                out.push_str(if uses {
                    "  (see above)\n"
                } else {
                    "  (cycle)\n"
                });
                continue;
            }
            if !shown.insert(frame.node) {
                out.push_str("  (see above)\n");
                continue;
            }
            out.push('\n');
            if frame.level >= limit {
                continue;
            }
            let mut next: Vec<(EdgeIndex, NodeIndex, bool, Phase)> = Vec::new();
            let mut phases = vec![frame.phase];
            if frame.phase == Phase::Down && direction == Direction::Both {
                phases.push(Phase::Up);
            }
            for phase in phases {
                for (edge, node, up) in step_edges(g, frame.node, phase) {
                    let came_by = frame.via.is_some_and(|(e, _)| e == edge);
                    if !came_by && self.closure.contains(node) {
                        let phase = if phase == Phase::Up || up {
                            Phase::Up
                        } else {
                            Phase::Down
                        };
                        next.push((edge, node, up, phase));
                    }
                }
            }
            // Parents first, then children; by key and edge name within each.
            next.sort_by(|a, b| {
                (!a.2, g.key(a.1), edge_name(g.edge(a.0)), a.0.index()).cmp(&(
                    !b.2,
                    g.key(b.1),
                    edge_name(g.edge(b.0)),
                    b.0.index(),
                ))
            });
            path.push((frame.node, by_use(frame.via)));
            stack.push(None);
            for (edge, node, up, phase) in next.into_iter().rev() {
                stack.push(Some(Frame {
                    node,
                    phase,
                    via: Some((edge, up)),
                    level: frame.level + 1,
                }));
            }
        }
    }

    /// `14 objects (12 tables, 1 trigger, 1 view), 21 edges, 2 cycles`
    pub fn summary(&self) -> String {
        let mut by_kind: BTreeMap<ObjectKind, usize> = BTreeMap::new();
        for &n in self.closure.members() {
            *by_kind.entry(self.graph.key(n).kind).or_default() += 1;
        }
        let kinds: Vec<String> = by_kind
            .iter()
            .map(|(kind, count)| plural(*count, &kind.as_str().to_lowercase()))
            .collect();
        format!(
            "{} ({}), {}, {}\n",
            plural(self.closure.len(), "object"),
            kinds.join(", "),
            plural(self.edges().len(), "edge"),
            plural(self.order.cycles.len(), "cycle")
        )
    }

    /// Each cycle, and the edges that break it with the path each one closes.
    pub fn cycle_report(&self) -> String {
        let g = self.graph;
        let mut out = String::new();
        if self.order.cycles.is_empty() {
            return out;
        }
        out.push_str("Cycles, and the edges a load defers to break them:\n");
        for (i, cycle) in self.order.cycles.iter().enumerate() {
            let members: Vec<String> = cycle
                .members
                .iter()
                .map(|&m| g.key(m).to_string())
                .collect();
            let _ = write!(out, "  {}. {}", i + 1, members.join(", "));
            if cycle.members.len() == 1 {
                out.push_str(" (self-reference)");
            }
            if cycle.heuristic {
                out.push_str(" (large cycle: broken edges chosen by heuristic)");
            }
            out.push('\n');
            for b in &cycle.broken {
                let what = match g.edge(b.edge) {
                    Edge::ForeignKey(fk) => {
                        let mut s = format!("FK {}", fk.name);
                        let flags: Vec<&str> = [
                            (fk.nullable, "nullable"),
                            (fk.deferrable, "deferrable"),
                            (
                                !fk.nullable && !fk.deferrable,
                                "NOT NULL: disable while loading",
                            ),
                        ]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, w)| *w)
                        .collect();
                        let _ = write!(s, " ({})", flags.join(", "));
                        s
                    }
                    other => format!(
                        "{} edge (no foreign key: this cycle cannot be deferred)",
                        other.kind_word()
                    ),
                };
                let mut path = vec![g.key(b.child).qualified_name()];
                if b.path.is_empty() {
                    path.push(g.key(b.parent).qualified_name());
                } else {
                    path.extend(b.path.iter().map(|&n| g.key(n).qualified_name()));
                }
                let _ = writeln!(out, "     break {what}: {}", path.join(" -> "));
            }
        }
        out
    }

    pub fn json(&self) -> String {
        let g = self.graph;
        let broken = self.broken_edges();
        let position: BTreeMap<NodeIndex, usize> = self
            .order
            .order
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, i))
            .collect();
        let objects = self
            .sorted_members()
            .into_iter()
            .map(|n| {
                let key = g.key(n);
                JsonObject {
                    id: id(key),
                    kind: key.kind.as_str(),
                    schema: &key.schema,
                    name: &key.name,
                    seed: self.closure.seeds.contains(&n),
                    depth: self.closure.depth_of(n).unwrap_or(0),
                    load_position: position.get(&n).copied().unwrap_or(0),
                }
            })
            .collect();
        let edges = self
            .edges()
            .into_iter()
            .map(|e| {
                let (from, to) = g.endpoints(e);
                let fk = g.edge(e).fk();
                JsonEdge {
                    from: id(g.key(from)),
                    to: id(g.key(to)),
                    kind: g.edge(e).kind_word(),
                    name: fk.map(|f| f.name.as_str()),
                    columns: fk.map(|f| f.columns.as_slice()),
                    ref_columns: fk.map(|f| f.ref_columns.as_slice()),
                    nullable: fk.map(|f| f.nullable),
                    deferrable: fk.map(|f| f.deferrable),
                    enabled: fk.map(|f| f.enabled),
                    broken: broken.contains(&e),
                }
            })
            .collect();
        let cycles = self
            .order
            .cycles
            .iter()
            .map(|c| JsonCycle {
                members: c.members.iter().map(|&m| id(g.key(m))).collect(),
                self_reference: c.members.len() == 1,
                heuristic: c.heuristic,
                broken: c
                    .broken
                    .iter()
                    .map(|b| JsonBroken {
                        from: id(g.key(b.child)),
                        to: id(g.key(b.parent)),
                        kind: g.edge(b.edge).kind_word(),
                        name: g.edge(b.edge).fk().map(|f| f.name.as_str()),
                        path: b.path.iter().map(|&n| id(g.key(n))).collect(),
                    })
                    .collect(),
            })
            .collect();
        let doc = JsonReport {
            format: "dbsub-deps",
            format_version: 1,
            seeds: self.closure.seeds.iter().map(|&s| id(g.key(s))).collect(),
            direction: self.closure.options.direction,
            depth: self.closure.options.depth,
            objects,
            edges,
            cycles,
            load_order: self.order.order.iter().map(|&n| id(g.key(n))).collect(),
        };
        // Serializing plain structs of strings, numbers and booleans cannot fail.
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    pub fn dot(&self) -> String {
        let g = self.graph;
        let broken = self.broken_edges();
        let mut out = String::from(
            "digraph dbsub {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  \
             edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for n in self.sorted_members() {
            let key = g.key(n);
            let shape = match key.kind {
                ObjectKind::Table => "box",
                ObjectKind::View | ObjectKind::MaterializedView => "ellipse",
                ObjectKind::Trigger => "hexagon",
                _ => "component",
            };
            let seed = if self.closure.seeds.contains(&n) {
                ", penwidth=3"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} [label={}, shape={shape}{seed}];",
                dot_quote(&id(key)),
                dot_quote(&format!("{}\n{} {}", key.name, key.kind, key.schema))
            );
        }
        for e in self.edges() {
            let (from, to) = g.endpoints(e);
            let mut attrs = Vec::new();
            match g.edge(e) {
                Edge::ForeignKey(fk) => {
                    attrs.push(format!("label={}", dot_quote(&fk.columns.join(",\n"))));
                    if fk.nullable {
                        attrs.push("style=dashed".into());
                    }
                }
                other => {
                    attrs.push(format!(
                        "label={}",
                        dot_quote(&other.kind_word().replace('_', " "))
                    ));
                    attrs.push("style=dotted".into());
                }
            }
            if broken.contains(&e) {
                attrs.push("color=red".into());
            }
            let _ = writeln!(
                out,
                "  {} -> {} [{}];",
                dot_quote(&id(g.key(from))),
                dot_quote(&id(g.key(to))),
                attrs.join(", ")
            );
        }
        out.push_str("}\n");
        out
    }

    pub fn mermaid(&self) -> String {
        let g = self.graph;
        let broken = self.broken_edges();
        let nodes = self.sorted_members();
        let short: BTreeMap<NodeIndex, String> = nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, format!("n{i}")))
            .collect();
        let mut out = String::from("flowchart LR\n");
        for &n in &nodes {
            let label = mermaid_quote(&g.key(n).to_string());
            let (open, close) = match g.key(n).kind {
                ObjectKind::Table => ("[", "]"),
                ObjectKind::View | ObjectKind::MaterializedView => ("([", "])"),
                _ => ("{{", "}}"),
            };
            let _ = writeln!(out, "  {}{open}{label}{close}", short[&n]);
        }
        let mut broken_links = Vec::new();
        for (link, e) in self.edges().into_iter().enumerate() {
            let (from, to) = g.endpoints(e);
            let (arrow, label) = match g.edge(e) {
                Edge::ForeignKey(fk) if fk.nullable => ("-.->", fk.columns.join(", ")),
                Edge::ForeignKey(fk) => ("-->", fk.columns.join(", ")),
                other => ("-.->", other.kind_word().replace('_', " ")),
            };
            let _ = writeln!(
                out,
                "  {} {arrow}|{}| {}",
                short[&from],
                mermaid_quote(&label),
                short[&to]
            );
            if broken.contains(&e) {
                broken_links.push(link.to_string());
            }
        }
        let seeds: Vec<&str> = self
            .closure
            .seeds
            .iter()
            .filter_map(|s| short.get(s).map(String::as_str))
            .collect();
        if !seeds.is_empty() {
            out.push_str("  classDef seed stroke-width:3px\n");
            let _ = writeln!(out, "  class {} seed", seeds.join(","));
        }
        if !broken_links.is_empty() {
            let _ = writeln!(out, "  linkStyle {} stroke:red", broken_links.join(","));
        }
        out
    }
}

/// The stable textual id of an object in JSON and DOT: `TABLE:THE.SEEDLOT`.
pub fn id(key: &ObjectKey) -> String {
    format!("{}:{}.{}", key.kind, key.schema, key.name)
}

fn edge_name(edge: &Edge) -> &str {
    edge.fk().map_or("", |f| f.name.as_str())
}

fn edge_sort_key(g: &DepGraph, e: EdgeIndex) -> (&ObjectKey, &ObjectKey, &str) {
    let (from, to) = g.endpoints(e);
    (g.key(from), g.key(to), edge_name(g.edge(e)))
}

/// How a tree line relates to the line above it: `up` when it is what the line above needs.
fn edge_label(edge: &Edge, up: bool) -> String {
    match (edge, up) {
        (Edge::ForeignKey(fk), true) => format!(
            "FK {}: {}{}",
            fk.name,
            fk.columns.join(", "),
            if fk.nullable { "; nullable" } else { "" }
        ),
        (Edge::ForeignKey(fk), false) => {
            format!("child by FK {}: {}", fk.name, fk.columns.join(", "))
        }
        (Edge::TriggerOn, true) => "fires on".into(),
        (Edge::TriggerOn, false) => "trigger".into(),
        (Edge::DependsOn, true) => "dependency".into(),
        (Edge::DependsOn, false) => "dependent".into(),
        (Edge::Uses, true) => "uses".into(),
        (Edge::Uses, false) => "used by".into(),
    }
}

fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Mermaid labels go in double quotes; a quote inside becomes the entity `#quot;`.
fn mermaid_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;"))
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    format_version: u32,
    seeds: Vec<String>,
    direction: Direction,
    depth: Option<usize>,
    objects: Vec<JsonObject<'a>>,
    edges: Vec<JsonEdge<'a>>,
    cycles: Vec<JsonCycle<'a>>,
    load_order: Vec<String>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    id: String,
    kind: &'static str,
    schema: &'a str,
    name: &'a str,
    seed: bool,
    depth: u32,
    load_position: usize,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: String,
    to: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ref_columns: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nullable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deferrable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    broken: bool,
}

#[derive(Serialize)]
struct JsonCycle<'a> {
    members: Vec<String>,
    self_reference: bool,
    heuristic: bool,
    broken: Vec<JsonBroken<'a>>,
}

#[derive(Serialize)]
struct JsonBroken<'a> {
    from: String,
    to: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    path: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{ClosureOptions, order};
    use super::*;

    fn report_text(direction: Direction, seed: &str) -> String {
        let g = DepGraph::build(&catalog(vec![
            table("CLIENT", &[("LOC_ID", "LOC", true)]),
            table("LOC", &[("CLIENT_ID", "CLIENT", false)]),
            table(
                "LOT",
                &[("LOC_ID", "LOC", true), ("CODE_ID", "CODE", false)],
            ),
            table("CODE", &[]),
            table(
                "TREE",
                &[("MUM_ID", "TREE", true), ("LOT_ID", "LOT", false)],
            ),
        ]));
        let seed = g.node_of(&t(seed)).unwrap();
        let closure = Closure::compute(
            &g,
            &[seed],
            ClosureOptions {
                direction,
                ..Default::default()
            },
        );
        let order = order::load_order(&g, &closure);
        Report {
            graph: &g,
            closure: &closure,
            order: &order,
        }
        .text()
    }

    #[test]
    fn text_tree_marks_cycles_and_repeats() {
        let text = report_text(Direction::Parents, "LOT");
        let expected = "\
TABLE: S.LOT
  TABLE: S.CODE  [FK LOT_FK2: CODE_ID]
  TABLE: S.LOC  [FK LOT_FK1: LOC_ID; nullable]
    TABLE: S.CLIENT  [FK LOC_FK1: CLIENT_ID]
      TABLE: S.LOC  [FK CLIENT_FK1: LOC_ID; nullable]  (cycle)

4 objects (4 tables), 4 edges, 1 cycle

Cycles, and the edges a load defers to break them:
  1. TABLE: S.CLIENT, TABLE: S.LOC
     break FK CLIENT_FK1 (nullable): S.CLIENT -> S.LOC -> S.CLIENT
";
        assert_eq!(text, expected);
    }

    #[test]
    fn text_tree_children_and_self_reference() {
        let text = report_text(Direction::Children, "CODE");
        let expected = "\
TABLE: S.CODE
  TABLE: S.LOT  [child by FK LOT_FK2: CODE_ID]
    TABLE: S.TREE  [child by FK TREE_FK2: LOT_ID]
      TABLE: S.TREE  [child by FK TREE_FK1: MUM_ID]  (cycle)

3 objects (3 tables), 3 edges, 1 cycle

Cycles, and the edges a load defers to break them:
  1. TABLE: S.TREE (self-reference)
     break FK TREE_FK1 (nullable): S.TREE -> S.TREE
";
        assert_eq!(text, expected);
    }

    #[test]
    fn both_shows_parents_of_children_without_walking_back() {
        let text = report_text(Direction::Both, "CODE");
        assert!(
            text.starts_with(
                "TABLE: S.CODE\n  TABLE: S.LOT  [child by FK LOT_FK2: CODE_ID]\n    \
             TABLE: S.LOC  [FK LOT_FK1: LOC_ID; nullable]\n"
            ),
            "{text}"
        );
        assert!(!text.contains("[FK LOT_FK2: CODE_ID]  (cycle)"), "{text}");
    }
}
