//! The dependency graph of a catalog.
//!
//! Nodes are catalog objects (every kind but indexes, which belong to their table). An edge
//! points from the object that needs to the object it needs:
//!
//! - a foreign key: child table → parent table (with its columns and nullability);
//! - a trigger on a table: trigger → table;
//! - an object dependency: a view → the tables it reads, a trigger → the audit table it writes,
//!   a package body → its package, a synonym → its target.
//!
//! "Parents" of an object are what it needs (outgoing edges); "children" are what needs it.
//!
//! - [`closure`]: the objects reachable from seeds in a direction, with a depth and exclusions.
//! - [`order`]: strongly connected components, the cycle report and the load order.
//! - [`render`]: text tree, JSON, DOT and Mermaid.
//! - [`draw`]: the layered layout and the SVG and HTML pictures.

pub mod closure;
pub mod draw;
pub mod order;
pub mod render;

use std::collections::{HashMap, HashSet};

use petgraph::Direction as PgDirection;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::catalog::{Catalog, ObjectKey, ObjectKind, lookup};

pub use closure::{Closure, ClosureOptions, Direction};
pub use order::LoadOrder;

/// A foreign key as an edge: the child's columns and the parent's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FkEdge {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_columns: Vec<String>,
    /// A child row may have no parent (some FK column accepts NULL).
    pub nullable: bool,
    pub deferrable: bool,
    pub enabled: bool,
}

/// Why one object needs another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    ForeignKey(FkEdge),
    /// The trigger fires on the table.
    TriggerOn,
    /// Any other object dependency.
    DependsOn,
    /// Stored code uses the object when it runs (a name in a string body), but not to be
    /// created: walked like a dependency, left out of the load order.
    Uses,
}

impl Edge {
    pub fn fk(&self) -> Option<&FkEdge> {
        match self {
            Edge::ForeignKey(fk) => Some(fk),
            _ => None,
        }
    }

    /// A short word for the edge's kind, as used in JSON: `foreign_key`, `trigger_on`,
    /// `depends_on`, `uses`.
    pub fn kind_word(&self) -> &'static str {
        match self {
            Edge::ForeignKey(_) => "foreign_key",
            Edge::TriggerOn => "trigger_on",
            Edge::DependsOn => "depends_on",
            Edge::Uses => "uses",
        }
    }
}

/// The dependency graph of one catalog.
pub struct DepGraph {
    /// Topology only, so that walking it touches compact memory; keys and edges live in the
    /// vectors below, indexed by node and edge index.
    graph: DiGraph<(), ()>,
    keys: Vec<ObjectKey>,
    edges: Vec<Edge>,
    index: HashMap<ObjectKey, NodeIndex>,
    /// The trigger-on edges into each table, so that walking up to a table finds its triggers
    /// without scanning all its children (a code table may have thousands).
    triggers_on: HashMap<NodeIndex, Vec<(EdgeIndex, NodeIndex)>>,
}

impl DepGraph {
    /// Builds the graph of every object in `catalog`. A foreign key or dependency that points
    /// outside the catalog (a schema that was not read) still gets a node for its target.
    pub fn build(catalog: &Catalog) -> DepGraph {
        let mut g = DepGraph {
            graph: DiGraph::with_capacity(
                catalog.tables.len() + catalog.views.len(),
                catalog.tables.len() * 3 + catalog.dependencies.len(),
            ),
            keys: Vec::with_capacity(catalog.tables.len() + catalog.views.len()),
            edges: Vec::with_capacity(catalog.tables.len() * 3 + catalog.dependencies.len()),
            index: HashMap::with_capacity(catalog.tables.len() + catalog.views.len()),
            triggers_on: HashMap::new(),
        };
        for key in catalog.object_keys() {
            if key.kind != ObjectKind::Index {
                g.node(key);
            }
        }
        for table in &catalog.tables {
            let child = g.node(table.key());
            // With the keys declared on its partitions: the graph has no node for a partition.
            for fk in &table.all_foreign_keys() {
                let parent = g.node(fk.parent_key());
                let edge = FkEdge {
                    name: fk.name.clone(),
                    columns: fk.columns.clone(),
                    ref_columns: fk.ref_columns.clone(),
                    nullable: table.fk_is_nullable(fk),
                    deferrable: fk.deferrable,
                    enabled: fk.enabled,
                };
                g.add_edge(child, parent, Edge::ForeignKey(edge));
            }
        }
        for trigger in &catalog.triggers {
            let from = g.node(trigger.key());
            let to = g.node(trigger.table_key());
            let edge = g.add_edge(from, to, Edge::TriggerOn);
            g.triggers_on.entry(to).or_default().push((edge, from));
        }
        for synonym in &catalog.synonyms {
            let from = g.node(synonym.key());
            // Over a database link the target is in another database: nothing here to create
            // first, and a local object of the same name is not it.
            if synonym.db_link.is_some() {
                continue;
            }
            let target = g
                .resolve_any_kind(&synonym.target_schema, &synonym.target_name)
                .unwrap_or_else(|| {
                    g.node(ObjectKey::table(
                        &synonym.target_schema,
                        &synonym.target_name,
                    ))
                });
            g.add_dependency(from, target);
        }
        for dep in &catalog.dependencies {
            let (from, to) = (g.node(dep.from.clone()), g.node(dep.to.clone()));
            g.add_dependency(from, to);
        }
        for dep in &catalog.run_time_dependencies {
            let (from, to) = (g.node(dep.from.clone()), g.node(dep.to.clone()));
            if from != to && g.graph.find_edge(from, to).is_none() {
                g.add_edge(from, to, Edge::Uses);
            }
        }
        g
    }

    fn node(&mut self, key: ObjectKey) -> NodeIndex {
        if let Some(&ix) = self.index.get(&key) {
            return ix;
        }
        let ix = self.graph.add_node(());
        self.keys.push(key.clone());
        self.index.insert(key, ix);
        ix
    }

    fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) -> EdgeIndex {
        let ix = self.graph.add_edge(from, to, ());
        self.edges.push(edge);
        ix
    }

    /// Adds a dependency unless it is a self-dependency or repeats an edge already there
    /// (Oracle lists a trigger's dependency on its own table, for instance).
    fn add_dependency(&mut self, from: NodeIndex, to: NodeIndex) {
        if from != to && self.graph.find_edge(from, to).is_none() {
            self.add_edge(from, to, Edge::DependsOn);
        }
    }

    fn resolve_any_kind(&self, schema: &str, name: &str) -> Option<NodeIndex> {
        ObjectKind::ALL.iter().find_map(|&kind| {
            self.index
                .get(&ObjectKey::new(schema, name, kind))
                .copied()
                .filter(|_| kind != ObjectKind::Synonym)
        })
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    pub fn key(&self, node: NodeIndex) -> &ObjectKey {
        &self.keys[node.index()]
    }

    pub fn edge(&self, edge: EdgeIndex) -> &Edge {
        &self.edges[edge.index()]
    }

    /// The (child/needing, parent/needed) ends of an edge.
    pub fn endpoints(&self, edge: EdgeIndex) -> (NodeIndex, NodeIndex) {
        // Edge indices handed out by this graph are always valid: nothing is ever removed.
        self.graph
            .edge_endpoints(edge)
            .unwrap_or((NodeIndex::end(), NodeIndex::end()))
    }

    pub fn node_of(&self, key: &ObjectKey) -> Option<NodeIndex> {
        self.index.get(key).copied()
    }

    /// Finds the node a user names; see [`lookup::find`].
    pub fn find(&self, query: &lookup::ObjectQuery) -> Result<NodeIndex, lookup::LookupError> {
        let key = lookup::find(&self.keys, query)?;
        Ok(self.index[&key])
    }

    /// Finds every object named in `names` (see [`lookup::find`]); `schema` and `kind` narrow
    /// the search. Duplicates are dropped.
    pub fn find_all(
        &self,
        names: &[String],
        schema: Option<&str>,
        kind: Option<ObjectKind>,
    ) -> Result<Vec<NodeIndex>, lookup::LookupError> {
        let mut nodes = Vec::new();
        for name in names {
            let node = self.find(&lookup::ObjectQuery {
                name: name.clone(),
                schema: schema.map(str::to_string),
                kind,
            })?;
            if !nodes.contains(&node) {
                nodes.push(node);
            }
        }
        Ok(nodes)
    }

    /// The seeds and the exclusions a user named. `schema` and `kind` narrow the seeds only:
    /// an exclusion may be of any kind and schema.
    pub fn seeds_and_exclusions(
        &self,
        seeds: &[String],
        schema: Option<&str>,
        kind: Option<ObjectKind>,
        exclude: &[String],
    ) -> Result<(Vec<NodeIndex>, HashSet<NodeIndex>), lookup::LookupError> {
        let seeds = self.find_all(seeds, schema, kind)?;
        let exclude = self.find_all(exclude, None, None)?.into_iter().collect();
        Ok((seeds, exclude))
    }

    /// Edges to what `node` needs: (edge, parent).
    pub fn parents(&self, node: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex)> + '_ {
        self.graph
            .edges_directed(node, PgDirection::Outgoing)
            .map(|e| (e.id(), e.target()))
    }

    /// Edges from what needs `node`: (edge, child).
    pub fn children(&self, node: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex)> + '_ {
        self.graph
            .edges_directed(node, PgDirection::Incoming)
            .map(|e| (e.id(), e.source()))
    }

    /// Edges from the triggers on `node`: (edge, trigger).
    pub fn triggers_on(&self, node: NodeIndex) -> &[(EdgeIndex, NodeIndex)] {
        self.triggers_on.get(&node).map_or(&[], Vec::as_slice)
    }

    #[cfg(test)]
    pub(crate) fn inner(&self) -> &DiGraph<(), ()> {
        &self.graph
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Small hand-built catalogs for the graph tests.

    use crate::catalog::*;

    pub fn col(name: &str, nullable: bool) -> Column {
        let number = NeutralType::Decimal {
            precision: Some(10),
            scale: Some(0),
        };
        Column {
            nullable,
            ..Column::test(name, "NUMBER(10)", number)
        }
    }

    /// A table `name` in schema `S` with an `ID` key and one column per FK.
    /// `fks`: (fk column, parent table, nullable).
    pub fn table(name: &str, fks: &[(&str, &str, bool)]) -> Table {
        let mut columns = vec![col("ID", false)];
        let mut foreign_keys = Vec::new();
        for (i, (column, parent, nullable)) in fks.iter().enumerate() {
            if !columns.iter().any(|c| c.name == *column) {
                columns.push(col(column, *nullable));
            }
            foreign_keys.push(ForeignKey {
                name: format!("{name}_FK{}", i + 1),
                columns: vec![column.to_string()],
                ref_schema: "S".into(),
                ref_table: parent.to_string(),
                ref_columns: vec!["ID".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                deferrable: false,
                initially_deferred: false,
                enabled: true,
            });
        }
        Table {
            primary_key: Some(Key {
                name: Some(format!("{name}_PK")),
                columns: vec!["ID".into()],
            }),
            foreign_keys,
            ..Table::test("S", name, columns)
        }
    }

    pub fn catalog(tables: Vec<Table>) -> Catalog {
        Catalog {
            tables,
            ..Catalog::default()
        }
    }

    pub fn t(name: &str) -> ObjectKey {
        ObjectKey::table("S", name)
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::catalog::{Dependency, Synonym, Trigger, View};

    #[test]
    fn builds_fk_trigger_and_dependency_edges() {
        let mut catalog = catalog(vec![
            table("PARENT", &[]),
            table("CHILD", &[("PARENT_ID", "PARENT", true)]),
            table("AUDIT", &[]),
        ]);
        catalog.triggers.push(Trigger {
            schema: "S".into(),
            name: "CHILD_TRG".into(),
            table_schema: "S".into(),
            table_name: "CHILD".into(),
            timing: "AFTER".into(),
            events: vec!["UPDATE".into()],
            for_each_row: true,
            enabled: true,
            source: String::new(),
        });
        catalog.views.push(View {
            schema: "S".into(),
            name: "V".into(),
            materialized: false,
            columns: vec![],
            source: String::new(),
            comment: None,
            indexes: Vec::new(),
        });
        catalog.synonyms.push(Synonym {
            schema: "S".into(),
            name: "PAR".into(),
            target_schema: "S".into(),
            target_name: "PARENT".into(),
            db_link: None,
        });
        let trg = ObjectKey::new("S", "CHILD.CHILD_TRG", ObjectKind::Trigger);
        let view = ObjectKey::new("S", "V", ObjectKind::View);
        catalog.dependencies = vec![
            Dependency {
                from: trg.clone(),
                to: t("AUDIT"),
            },
            // Repeats the trigger-on edge: not added twice.
            Dependency {
                from: trg.clone(),
                to: t("CHILD"),
            },
            Dependency {
                from: view.clone(),
                to: t("CHILD"),
            },
        ];
        let g = DepGraph::build(&catalog);
        assert_eq!(g.node_count(), 6);
        assert_eq!(g.edge_count(), 5);
        let child = g.node_of(&t("CHILD")).unwrap();
        let (edge, parent) = g.parents(child).next().unwrap();
        assert_eq!(g.key(parent), &t("PARENT"));
        let fk = g.edge(edge).fk().unwrap();
        assert!(fk.nullable);
        assert_eq!(fk.columns, vec!["PARENT_ID"]);
        let mut kids: Vec<_> = g
            .children(child)
            .map(|(e, n)| (g.key(n).name.clone(), g.edge(e).kind_word()))
            .collect();
        kids.sort();
        assert_eq!(
            kids,
            vec![
                ("CHILD.CHILD_TRG".into(), "trigger_on"),
                ("V".into(), "depends_on")
            ]
        );
        let syn = g
            .node_of(&ObjectKey::new("S", "PAR", ObjectKind::Synonym))
            .unwrap();
        assert_eq!(g.key(g.parents(syn).next().unwrap().1), &t("PARENT"));
    }

    #[test]
    fn a_synonym_over_a_database_link_depends_on_nothing_here() {
        let mut catalog = catalog(vec![table("RATE", &[])]);
        catalog.synonyms.push(Synonym {
            schema: "S".into(),
            name: "FX".into(),
            target_schema: "S".into(),
            target_name: "RATE".into(),
            db_link: Some("FINLINK".into()),
        });
        let g = DepGraph::build(&catalog);
        let syn = g
            .node_of(&ObjectKey::new("S", "FX", ObjectKind::Synonym))
            .expect("the synonym is a node, to be seeded");
        assert_eq!(
            g.parents(syn).count(),
            0,
            "the local RATE is not its target"
        );
    }

    #[test]
    fn fk_to_an_unread_schema_gets_a_node() {
        let mut child = table("CHILD", &[("X_ID", "X", false)]);
        child.foreign_keys[0].ref_schema = "OTHER".into();
        let g = DepGraph::build(&catalog(vec![child]));
        assert!(g.node_of(&ObjectKey::table("OTHER", "X")).is_some());
    }
}
