//! The scope of a subset: its plan resolved against the catalog into the tables it touches
//! (seeds, parents, children, passthrough tables) and the foreign keys rows flow along.

use std::collections::{BTreeMap, HashMap, VecDeque};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::catalog::lookup::{self, ObjectQuery};
use crate::catalog::{Catalog, ForeignKey, ObjectKey, ObjectKind, Table};

use super::plan::{Children, Plan, VirtualForeignKey};

/// Why a table is in the subset.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Reason {
    /// A seed: the rows its condition selects (all without one).
    Seed {
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
    },
    /// Copied whole.
    Passthrough,
    /// Referenced by rows of `child` through `foreign_key`.
    Parent { child: String, foreign_key: String },
    /// References rows of `parent` through `foreign_key`.
    Child { parent: String, foreign_key: String },
}

/// A table of the subset.
#[derive(Clone, Debug)]
pub struct ScopeTable {
    pub table: Table,
    pub reason: Reason,
    /// The table (index into [`Scope::tables`]) that brought this one in, for the path.
    pub via: Option<usize>,
}

/// A foreign key between two tables of the scope, declared or virtual.
#[derive(Clone, Debug)]
pub struct ScopeEdge {
    pub child: usize,
    pub parent: usize,
    pub foreign_key: ForeignKey,
    pub virtual_key: bool,
}

/// Children to follow along one edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildRule {
    pub edge: usize,
    pub depth: u32,
    pub cap: Option<u64>,
}

/// A plan resolved against a catalog: the tables it touches and how rows flow between them.
#[derive(Clone, Debug)]
pub struct Scope {
    pub tables: Vec<ScopeTable>,
    pub edges: Vec<ScopeEdge>,
    pub child_rules: Vec<ChildRule>,
    /// Foreign keys that are not followed because their parent is excluded: the subset is not
    /// closed over them.
    pub cut: Vec<String>,
    /// The values of the seeds' conditions' named parameters ([`Plan::params`]).
    pub params: BTreeMap<String, String>,
}

impl Scope {
    /// Resolves `plan` against `catalog`.
    ///
    /// Fails when a name in the plan is unknown or ambiguous (the message lists the closest
    /// names), when a seed is not a table, or when a virtual foreign key names columns its
    /// tables do not have.
    pub fn resolve(catalog: &Catalog, plan: &Plan) -> Result<Scope> {
        let names = Names::new(catalog, plan);
        let excluded = plan
            .exclude
            .iter()
            .map(|n| names.find(n, "excluded table"))
            .collect::<Result<_>>()?;
        let foreign_keys = foreign_keys(&names, plan)?;
        let referencing = referencing(&foreign_keys);
        let rules = ChildrenRules::new(&names, plan, &foreign_keys)?;
        let graph = Graph {
            names,
            excluded,
            foreign_keys,
            referencing,
            rules,
        };
        let mut walk = Walk::new(&graph);
        walk.seeds(plan)?;
        walk.passthrough(plan)?;
        walk.run();
        walk.scope.params = plan.params.clone();
        Ok(walk.scope)
    }

    /// The chain of tables from a seed (or passthrough table) to table `i`, e.g.
    /// `THE.SEEDLOT → THE.SEEDLOT_STATUS_CODE`.
    pub fn path(&self, i: usize) -> String {
        let mut chain = vec![i];
        let mut at = i;
        while let Some(via) = self.tables[at].via {
            if chain.contains(&via) {
                break;
            }
            chain.push(via);
            at = via;
        }
        chain
            .iter()
            .rev()
            .map(|&t| self.tables[t].table.key().qualified_name())
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// What brought table `i` in, in words; a table reached first as a parent and also as a
    /// child says both.
    pub fn why(&self, i: usize) -> String {
        let mut why = self.first_reason(i);
        for rule in &self.child_rules {
            let edge = &self.edges[rule.edge];
            if edge.child == i && !matches!(self.tables[i].reason, Reason::Child { .. }) {
                why.push_str(&format!(
                    "; and child via {} of {}",
                    edge.foreign_key.name,
                    self.tables[edge.parent].table.key().qualified_name()
                ));
            }
        }
        why
    }

    fn first_reason(&self, i: usize) -> String {
        match &self.tables[i].reason {
            Reason::Seed { condition: Some(c) } => format!("seed: {c}"),
            Reason::Seed { condition: None } => "seed: all rows".to_string(),
            Reason::Passthrough => "passthrough: all rows".to_string(),
            Reason::Parent { foreign_key, .. } => {
                format!("parent via {foreign_key}: {}", self.path(i))
            }
            Reason::Child { foreign_key, .. } => {
                format!("child via {foreign_key}: {}", self.path(i))
            }
        }
    }
}

/// The tables the plan names, found in the catalog.
struct Names<'a> {
    catalog: &'a Catalog,
    keys: Vec<ObjectKey>,
    /// The schema of names given without one.
    schema: &'a Option<String>,
}

impl<'a> Names<'a> {
    /// Looks names up among the catalog's objects, in the plan's schema when they give none.
    fn new(catalog: &'a Catalog, plan: &'a Plan) -> Names<'a> {
        Names {
            catalog,
            keys: catalog.object_keys(),
            schema: &plan.schema,
        }
    }

    /// The table `name` (what the plan names it for: `what`); fails when it is unknown,
    /// ambiguous or not a table.
    fn find(&self, name: &str, what: &str) -> Result<ObjectKey> {
        let query = ObjectQuery {
            name: name.to_string(),
            schema: if name.contains('.') {
                None
            } else {
                self.schema.clone()
            },
            kind: Some(ObjectKind::Table),
        };
        // Tables first, so that a view or index of the same name makes no ambiguity; then any
        // object, to say that what the name names holds no rows.
        let key = match lookup::find(&self.keys, &query) {
            Ok(key) => key,
            Err(lookup::LookupError::NotFound { .. }) => lookup::find(
                &self.keys,
                &ObjectQuery {
                    kind: None,
                    ..query
                },
            )
            .map_err(|e| anyhow::anyhow!("{what} `{name}`: {e}"))?,
            Err(e) => bail!("{what} `{name}`: {e}"),
        };
        if key.kind != ObjectKind::Table {
            bail!(
                "{what} `{name}` is a {} ({}): only tables hold rows",
                key.kind,
                key.qualified_name()
            );
        }
        Ok(key)
    }

    /// The table of a key [`Names::find`] returned.
    fn table(&self, key: &ObjectKey) -> &'a Table {
        self.catalog
            .table(&key.schema, &key.name)
            .expect("lookup found a table key, so the table exists")
    }
}

/// Every table's foreign keys, each with `true` when it is virtual.
type ForeignKeys = HashMap<ObjectKey, Vec<(ForeignKey, bool)>>;

/// The declared foreign keys of every table of the catalog (with those declared on its
/// partitions), then the plan's virtual ones.
fn foreign_keys(names: &Names, plan: &Plan) -> Result<ForeignKeys> {
    let mut fks: ForeignKeys = HashMap::new();
    for t in &names.catalog.tables {
        fks.insert(
            t.key(),
            t.all_foreign_keys()
                .into_iter()
                .map(|f| (f, false))
                .collect(),
        );
    }
    for (i, v) in plan.virtual_foreign_keys.iter().enumerate() {
        let (child, fk) = virtual_foreign_key(names, v, i)?;
        fks.entry(child).or_default().push((fk, true));
    }
    Ok(fks)
}

/// The `i`-th virtual foreign key of the plan and its child table; fails when its tables lack
/// its columns, the column counts differ, or it names no referenced columns of a parent
/// without a primary key.
fn virtual_foreign_key(
    names: &Names,
    v: &VirtualForeignKey,
    i: usize,
) -> Result<(ObjectKey, ForeignKey)> {
    let child = names.find(&v.table, "virtual foreign key table")?;
    let parent = names.find(&v.references, "virtual foreign key reference")?;
    let (ct, pt) = (names.table(&child), names.table(&parent));
    let ref_columns = match &v.referenced_columns {
        Some(cols) => cols.clone(),
        None => match &pt.primary_key {
            Some(pk) => pk.columns.clone(),
            None => bail!(
                "virtual foreign key from {} to {}: {} has no primary key; name its \
                 referenced_columns",
                child.qualified_name(),
                parent.qualified_name(),
                parent.qualified_name()
            ),
        },
    };
    if ref_columns.len() != v.columns.len() {
        bail!(
            "virtual foreign key from {}: {} columns reference {} columns",
            child.qualified_name(),
            v.columns.len(),
            ref_columns.len()
        );
    }
    for (t, cols) in [(ct, &v.columns), (pt, &ref_columns)] {
        if let Some(missing) = cols.iter().find(|c| t.column(c).is_none()) {
            bail!(
                "virtual foreign key: {}.{} has no column `{missing}`",
                t.schema,
                t.name
            );
        }
    }
    let name = v
        .name
        .clone()
        .unwrap_or_else(|| format!("{}_VFK{}", ct.name, i + 1));
    let fk = ForeignKey {
        name,
        columns: v.columns.clone(),
        ref_schema: parent.schema.clone(),
        ref_table: parent.name.clone(),
        ref_columns,
        on_delete: Default::default(),
        on_update: Default::default(),
        deferrable: false,
        initially_deferred: false,
        enabled: true,
    };
    Ok((child, fk))
}

/// The child tables of each parent, as (child, index into the child's foreign keys), in a
/// stable order, for the children rules.
fn referencing(fks: &ForeignKeys) -> HashMap<ObjectKey, Vec<(ObjectKey, usize)>> {
    let mut referencing: HashMap<ObjectKey, Vec<(ObjectKey, usize)>> = HashMap::new();
    for (child, list) in fks {
        for (i, (fk, _)) in list.iter().enumerate() {
            referencing
                .entry(fk.parent_key())
                .or_default()
                .push((child.clone(), i));
        }
    }
    for list in referencing.values_mut() {
        list.sort();
    }
    referencing
}

/// The plan's children rules: per edge (child table, and foreign key name when given), else
/// the plan-wide depth and cap.
struct ChildrenRules<'a> {
    /// (child table, foreign key name, depth, cap)
    edges: Vec<(ObjectKey, Option<String>, u32, Option<u64>)>,
    children: &'a Children,
}

impl<'a> ChildrenRules<'a> {
    /// Finds the tables of the plan's children edges; fails when an edge names a foreign key
    /// its table does not have.
    fn new(names: &Names, plan: &'a Plan, fks: &ForeignKeys) -> Result<ChildrenRules<'a>> {
        let mut edges = Vec::new();
        for e in &plan.children.edges {
            let key = names.find(&e.table, "children edge table")?;
            if let Some(name) = &e.foreign_key
                && !fks[&key]
                    .iter()
                    .any(|(f, _)| f.name.eq_ignore_ascii_case(name))
            {
                bail!(
                    "children edge: {} has no foreign key `{name}`",
                    key.qualified_name()
                );
            }
            edges.push((key, e.foreign_key.clone(), e.depth, e.cap));
        }
        Ok(ChildrenRules {
            edges,
            children: &plan.children,
        })
    }

    /// The depth and cap of the children of `child` along `fk`; `None` when they are not
    /// followed.
    fn rule_for(&self, child: &ObjectKey, fk: &ForeignKey) -> Option<(u32, Option<u64>)> {
        let specific = self.edges.iter().find(|(t, name, _, _)| {
            t == child
                && name
                    .as_ref()
                    .is_none_or(|n| n.eq_ignore_ascii_case(&fk.name))
        });
        match specific {
            Some((_, _, depth, cap)) => Some((*depth, cap.or(self.children.cap))),
            None if self.children.depth > 0 => Some((self.children.depth, self.children.cap)),
            None => None,
        }
    }
}

/// What the walk over the tables reads: the plan's names, foreign keys and rules.
struct Graph<'a> {
    names: Names<'a>,
    excluded: Vec<ObjectKey>,
    foreign_keys: ForeignKeys,
    referencing: HashMap<ObjectKey, Vec<(ObjectKey, usize)>>,
    rules: ChildrenRules<'a>,
}

impl Graph<'_> {
    /// Why the walk stops at `parent` (excluded, or not in the catalog); `None` when it goes on.
    fn stop_at(&self, parent: &ObjectKey) -> Option<&'static str> {
        if self.excluded.contains(parent) {
            Some("excluded")
        } else if self
            .names
            .catalog
            .table(&parent.schema, &parent.name)
            .is_none()
        {
            Some("not in the catalog")
        } else {
            None
        }
    }
}

/// The walk from the seeds and passthrough tables along foreign keys: parents always,
/// children when a rule asks, building the scope.
struct Walk<'a> {
    graph: &'a Graph<'a>,
    scope: Scope,
    index: HashMap<ObjectKey, usize>,
    /// Tables to walk from; `true` when reached as seed or child, so that its children are
    /// followed (the depth remaining is tracked per rule).
    queue: VecDeque<(usize, bool)>,
    /// Each edge of the scope by (child, foreign key name).
    seen_edges: HashMap<(usize, String), usize>,
}

impl<'a> Walk<'a> {
    /// A walk that has reached no table yet.
    fn new(graph: &'a Graph<'a>) -> Walk<'a> {
        Walk {
            graph,
            scope: Scope {
                tables: Vec::new(),
                edges: Vec::new(),
                child_rules: Vec::new(),
                cut: Vec::new(),
                params: BTreeMap::new(),
            },
            index: HashMap::new(),
            queue: VecDeque::new(),
            seen_edges: HashMap::new(),
        }
    }

    /// Adds the seeds; fails when one is also excluded or is named twice.
    fn seeds(&mut self, plan: &Plan) -> Result<()> {
        for seed in &plan.seeds {
            let key = self.graph.names.find(&seed.table, "seed table")?;
            if self.graph.excluded.contains(&key) {
                bail!(
                    "{} is both a seed and excluded: remove it from one of the two",
                    key.qualified_name()
                );
            }
            if self.index.contains_key(&key) {
                bail!(
                    "seed {} is named twice: join the conditions with OR in one seed",
                    key.qualified_name()
                );
            }
            let reason = Reason::Seed {
                condition: seed.condition.clone(),
            };
            self.add(&key, reason, None, true);
        }
        Ok(())
    }

    /// Adds the passthrough tables, whose children are not followed; fails when one is also
    /// a seed.
    fn passthrough(&mut self, plan: &Plan) -> Result<()> {
        for name in &plan.passthrough {
            let key = self.graph.names.find(name, "passthrough table")?;
            if self.index.contains_key(&key) {
                bail!(
                    "{} is both a seed and a passthrough table: a passthrough table is copied \
                     whole, so remove it from one of the two",
                    key.qualified_name()
                );
            }
            self.add(&key, Reason::Passthrough, None, false);
        }
        Ok(())
    }

    /// Walks from every queued table until no new table or edge turns up.
    fn run(&mut self) {
        while let Some((i, downward)) = self.queue.pop_front() {
            self.parents(i);
            if downward {
                self.children(i);
            }
        }
    }

    /// Follows the foreign keys of table `i` to its parents; those into excluded or unknown
    /// tables are cut.
    fn parents(&mut self, i: usize) {
        let graph = self.graph;
        let key = self.scope.tables[i].table.key();
        for (fk, v) in graph.foreign_keys.get(&key).into_iter().flatten() {
            let parent = fk.parent_key();
            if let Some(what) = graph.stop_at(&parent) {
                let cut = format!(
                    "{} → {} ({}): the parent is {what}",
                    key.qualified_name(),
                    parent.qualified_name(),
                    fk.name
                );
                if !self.scope.cut.contains(&cut) {
                    self.scope.cut.push(cut);
                }
                continue;
            }
            let reason = Reason::Parent {
                child: key.qualified_name(),
                foreign_key: fk.name.clone(),
            };
            let p = self.add(&parent, reason, Some(i), false);
            self.edge(i, p, fk, *v);
        }
    }

    /// Follows the foreign keys into table `i` to the children a rule asks for, recording
    /// the rule of each edge.
    fn children(&mut self, i: usize) {
        let graph = self.graph;
        let key = self.scope.tables[i].table.key();
        for (child, fk_ix) in graph.referencing.get(&key).into_iter().flatten() {
            let (fk, v) = &graph.foreign_keys[child][*fk_ix];
            if graph.excluded.contains(child) {
                continue;
            }
            let Some((depth, cap)) = graph.rules.rule_for(child, fk) else {
                continue;
            };
            if depth == 0 {
                continue;
            }
            let reason = Reason::Child {
                parent: key.qualified_name(),
                foreign_key: fk.name.clone(),
            };
            let c = self.add(child, reason, Some(i), true);
            let e = self.edge(c, i, fk, *v);
            if !self.scope.child_rules.iter().any(|r| r.edge == e) {
                self.scope.child_rules.push(ChildRule {
                    edge: e,
                    depth,
                    cap,
                });
            }
        }
    }

    /// The index of table `key`, added and queued when new; a table reached first as a parent
    /// and now `downward` (as a child) is queued again, so that its children are followed.
    fn add(
        &mut self,
        key: &ObjectKey,
        reason: Reason,
        via: Option<usize>,
        downward: bool,
    ) -> usize {
        if let Some(&i) = self.index.get(key) {
            if downward && matches!(self.scope.tables[i].reason, Reason::Parent { .. }) {
                self.queue.push_back((i, true));
            }
            return i;
        }
        let i = self.scope.tables.len();
        self.scope.tables.push(ScopeTable {
            table: self.graph.names.table(key).clone(),
            reason,
            via,
        });
        self.index.insert(key.clone(), i);
        self.queue.push_back((i, downward));
        i
    }

    /// The index of the edge `fk` from table `child` to table `parent`, added when new.
    fn edge(&mut self, child: usize, parent: usize, fk: &ForeignKey, virtual_key: bool) -> usize {
        let edges = &mut self.scope.edges;
        *self
            .seen_edges
            .entry((child, fk.name.clone()))
            .or_insert_with(|| {
                edges.push(ScopeEdge {
                    child,
                    parent,
                    foreign_key: fk.clone(),
                    virtual_key,
                });
                edges.len() - 1
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testutil::{catalog, table};

    fn scope(tables: Vec<Table>, plan: &str) -> Result<Scope> {
        Scope::resolve(&catalog(tables), &Plan::parse(plan).unwrap())
    }

    fn names(scope: &Scope) -> Vec<String> {
        scope.tables.iter().map(|t| t.table.name.clone()).collect()
    }

    #[test]
    fn parents_are_followed_children_only_when_asked() {
        let tables = || {
            vec![
                table("A", &[("B_ID", "B", false)]),
                table("B", &[("C_ID", "C", true)]),
                table("C", &[]),
                table("D", &[("A_ID", "A", false)]),
            ]
        };
        let s = scope(tables(), "[[seed]]\ntable = \"A\"\n").unwrap();
        assert_eq!(names(&s), ["A", "B", "C"]);
        assert_eq!(s.path(2), "S.A → S.B → S.C");
        assert!(s.child_rules.is_empty());
        let s = scope(
            tables(),
            "[[seed]]\ntable = \"A\"\n[children]\ndepth = 1\ncap = 2\n",
        )
        .unwrap();
        assert_eq!(names(&s), ["A", "B", "D", "C"]);
        assert_eq!(s.child_rules.len(), 1);
        assert_eq!(s.child_rules[0].cap, Some(2));
        assert!(s.why(2).starts_with("child via"), "{}", s.why(2));
    }

    #[test]
    fn excluded_parents_cut_the_walk_and_are_reported() {
        let s = scope(
            vec![table("A", &[("B_ID", "B", true)]), table("B", &[])],
            "exclude = [\"B\"]\n[[seed]]\ntable = \"A\"\n",
        )
        .unwrap();
        assert_eq!(names(&s), ["A"]);
        assert_eq!(s.cut.len(), 1, "{:?}", s.cut);
    }

    #[test]
    fn unknown_names_say_what_they_were_for() {
        let err = scope(
            vec![table("SEEDLOT", &[])],
            "[[seed]]\ntable = \"SEEDLOTS\"\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("seed table `SEEDLOTS`"), "{text}");
        assert!(text.contains("SEEDLOT"), "{text}");
    }
}
