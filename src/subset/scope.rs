//! The scope of a subset: its plan resolved against the catalog into the tables it touches
//! (seeds, parents, children, passthrough tables) and the foreign keys rows flow along.

use std::collections::{HashMap, VecDeque};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::catalog::lookup::{self, ObjectQuery};
use crate::catalog::{Catalog, ForeignKey, ObjectKey, ObjectKind, Table};

use super::plan::Plan;

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
}

impl Scope {
    /// Resolves `plan` against `catalog`.
    ///
    /// Fails when a name in the plan is unknown or ambiguous (the message lists the closest
    /// names), when a seed is not a table, or when a virtual foreign key names columns its
    /// tables do not have.
    pub fn resolve(catalog: &Catalog, plan: &Plan) -> Result<Scope> {
        let keys: Vec<ObjectKey> = catalog.object_keys();
        let find = |name: &str, what: &str| -> Result<ObjectKey> {
            let query = ObjectQuery {
                name: name.to_string(),
                schema: if name.contains('.') {
                    None
                } else {
                    plan.schema.clone()
                },
                kind: None,
            };
            let key =
                lookup::find(&keys, &query).map_err(|e| anyhow::anyhow!("{what} `{name}`: {e}"))?;
            if key.kind != ObjectKind::Table {
                bail!(
                    "{what} `{name}` is a {} ({}): only tables hold rows",
                    key.kind,
                    key.qualified_name()
                );
            }
            Ok(key)
        };
        let table_of = |key: &ObjectKey| -> &Table {
            catalog
                .table(&key.schema, &key.name)
                .expect("lookup found a table key, so the table exists")
        };

        let excluded: Vec<ObjectKey> = plan
            .exclude
            .iter()
            .map(|n| find(n, "excluded table"))
            .collect::<Result<_>>()?;

        // Every table's foreign keys, declared and virtual.
        let mut fks: HashMap<ObjectKey, Vec<(ForeignKey, bool)>> = HashMap::new();
        for t in &catalog.tables {
            fks.insert(
                t.key(),
                t.foreign_keys.iter().map(|f| (f.clone(), false)).collect(),
            );
        }
        for (i, v) in plan.virtual_foreign_keys.iter().enumerate() {
            let child = find(&v.table, "virtual foreign key table")?;
            let parent = find(&v.references, "virtual foreign key reference")?;
            let (ct, pt) = (table_of(&child), table_of(&parent));
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
            fks.entry(child).or_default().push((
                ForeignKey {
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
                },
                true,
            ));
        }
        // Child tables per parent, for children rules.
        let mut referencing: HashMap<ObjectKey, Vec<(ObjectKey, usize)>> = HashMap::new();
        for (child, list) in &fks {
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

        // Per-edge child rules, by child table (and FK name).
        let mut edge_rules: Vec<(ObjectKey, Option<String>, u32, Option<u64>)> = Vec::new();
        for e in &plan.children.edges {
            let key = find(&e.table, "children edge table")?;
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
            edge_rules.push((key, e.foreign_key.clone(), e.depth, e.cap));
        }
        let rule_for = |child: &ObjectKey, fk: &ForeignKey| -> Option<(u32, Option<u64>)> {
            let specific = edge_rules.iter().find(|(t, name, _, _)| {
                t == child
                    && name
                        .as_ref()
                        .is_none_or(|n| n.eq_ignore_ascii_case(&fk.name))
            });
            match specific {
                Some((_, _, depth, cap)) => Some((*depth, cap.or(plan.children.cap))),
                None if plan.children.depth > 0 => Some((plan.children.depth, plan.children.cap)),
                None => None,
            }
        };

        let mut scope = Scope {
            tables: Vec::new(),
            edges: Vec::new(),
            child_rules: Vec::new(),
            cut: Vec::new(),
        };
        let mut index: HashMap<ObjectKey, usize> = HashMap::new();
        // (table, children depth remaining is tracked per rule; `true` when reached as seed or
        // child, so that its children are followed)
        let mut queue: VecDeque<(usize, bool)> = VecDeque::new();
        let add = |scope: &mut Scope,
                   index: &mut HashMap<ObjectKey, usize>,
                   queue: &mut VecDeque<(usize, bool)>,
                   key: &ObjectKey,
                   reason: Reason,
                   via: Option<usize>,
                   downward: bool|
         -> usize {
            if let Some(&i) = index.get(key) {
                if downward && matches!(scope.tables[i].reason, Reason::Parent { .. }) {
                    // Reached again as a child: its children are followed too.
                    queue.push_back((i, true));
                }
                return i;
            }
            let i = scope.tables.len();
            scope.tables.push(ScopeTable {
                table: table_of(key).clone(),
                reason,
                via,
            });
            index.insert(key.clone(), i);
            queue.push_back((i, downward));
            i
        };
        for seed in &plan.seeds {
            let key = find(&seed.table, "seed table")?;
            if excluded.contains(&key) {
                bail!(
                    "{} is both a seed and excluded: remove it from one of the two",
                    key.qualified_name()
                );
            }
            if index.contains_key(&key) {
                bail!(
                    "seed {} is named twice: join the conditions with OR in one seed",
                    key.qualified_name()
                );
            }
            let reason = Reason::Seed {
                condition: seed.condition.clone(),
            };
            add(&mut scope, &mut index, &mut queue, &key, reason, None, true);
        }
        for name in &plan.passthrough {
            let key = find(name, "passthrough table")?;
            if index.contains_key(&key) {
                bail!(
                    "{} is both a seed and a passthrough table: a passthrough table is copied \
                     whole, so remove it from one of the two",
                    key.qualified_name()
                );
            }
            add(
                &mut scope,
                &mut index,
                &mut queue,
                &key,
                Reason::Passthrough,
                None,
                false,
            );
        }
        let mut seen_edges: HashMap<(usize, String), usize> = HashMap::new();
        let mut edge_of =
            |scope: &mut Scope, child: usize, parent: usize, fk: &ForeignKey, v: bool| {
                *seen_edges
                    .entry((child, fk.name.clone()))
                    .or_insert_with(|| {
                        scope.edges.push(ScopeEdge {
                            child,
                            parent,
                            foreign_key: fk.clone(),
                            virtual_key: v,
                        });
                        scope.edges.len() - 1
                    })
            };
        while let Some((i, downward)) = queue.pop_front() {
            let key = scope.tables[i].table.key();
            for (fk, v) in fks.get(&key).cloned().unwrap_or_default() {
                let parent = fk.parent_key();
                if excluded.contains(&parent)
                    || catalog.table(&parent.schema, &parent.name).is_none()
                {
                    let what = if excluded.contains(&parent) {
                        "excluded"
                    } else {
                        "not in the catalog"
                    };
                    let cut = format!(
                        "{} → {} ({}): the parent is {what}",
                        key.qualified_name(),
                        parent.qualified_name(),
                        fk.name
                    );
                    if !scope.cut.contains(&cut) {
                        scope.cut.push(cut);
                    }
                    continue;
                }
                let reason = Reason::Parent {
                    child: key.qualified_name(),
                    foreign_key: fk.name.clone(),
                };
                let p = add(
                    &mut scope,
                    &mut index,
                    &mut queue,
                    &parent,
                    reason,
                    Some(i),
                    false,
                );
                edge_of(&mut scope, i, p, &fk, v);
            }
            if !downward {
                continue;
            }
            for (child, fk_ix) in referencing.get(&key).cloned().unwrap_or_default() {
                let (fk, v) = fks[&child][fk_ix].clone();
                if excluded.contains(&child) {
                    continue;
                }
                let Some((depth, cap)) = rule_for(&child, &fk) else {
                    continue;
                };
                if depth == 0 {
                    continue;
                }
                let reason = Reason::Child {
                    parent: key.qualified_name(),
                    foreign_key: fk.name.clone(),
                };
                let c = add(
                    &mut scope,
                    &mut index,
                    &mut queue,
                    &child,
                    reason,
                    Some(i),
                    true,
                );
                let e = edge_of(&mut scope, c, i, &fk, v);
                if !scope.child_rules.iter().any(|r| r.edge == e) {
                    scope.child_rules.push(ChildRule {
                        edge: e,
                        depth,
                        cap,
                    });
                }
            }
        }
        Ok(scope)
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
