//! Foreign keys declared on partitions, seen from their partitioned table.
//!
//! PostgreSQL lets a foreign key be declared on a partition rather than on its partitioned
//! table (the only way before PostgreSQL 12, and common in older schemas). The graph has no
//! node for a partition, so such a key counts as the partitioned table's:
//!
//! - declared (with the same columns and referenced table and columns) on every leaf partition,
//!   directly or on a partitioned partition above it, it holds for every row of the table and is
//!   the table's foreign key everywhere: graph, closure, load order, verify;
//! - declared on some partitions only, it is followed all the same (the closure brings the
//!   parents of every row, a superset; a value whose parent row does not exist is simply not
//!   found), but marked disabled (`enabled: false`): the table does not enforce it, so `verify`
//!   does not count its orphans and a target that cannot carry the partitions does not create
//!   it on the plain table.
//!
//! A partitioned table's own foreign keys come first; a partition key of the same shape as one
//! of them is not repeated.

use super::model::{ForeignKey, Partition, Partitioning, Table};

/// Where a foreign key is declared: the table (or partition) and the constraint's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredKey {
    pub schema: String,
    pub table: String,
    pub name: String,
}

/// A foreign key declared on partitions, as its partitioned table's.
#[derive(Clone, Debug)]
pub struct PartitionForeignKey {
    /// The key as the first partition (in the catalog's order) declares it; `enabled` is false
    /// when it is not declared on every leaf partition.
    pub key: ForeignKey,
    /// Every partition declaring it.
    pub declared_on: Vec<DeclaredKey>,
}

impl PartitionForeignKey {
    /// Declared on every leaf partition: the table enforces it for every row.
    pub fn on_every_partition(&self) -> bool {
        self.key.enabled
    }
}

fn same_shape(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.ref_schema == b.ref_schema
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
}

/// Calls `each` with every partition (at every level) and its schema.
pub(crate) fn walk<'a>(
    p: &'a Partitioning,
    schema: &'a str,
    each: &mut dyn FnMut(&'a Partition, &'a str),
) {
    for part in &p.partitions {
        let part_schema = part.schema.as_deref().unwrap_or(schema);
        each(part, part_schema);
        if let Some(sub) = &part.partitioning {
            walk(sub, part_schema, each);
        }
    }
}

/// Whether every leaf partition under `p` is covered by `fk`, declared on it or on a
/// partitioned partition above it.
fn covers_every_leaf(p: &Partitioning, fk: &ForeignKey) -> bool {
    !p.partitions.is_empty()
        && p.partitions.iter().all(|part| {
            part.foreign_keys.iter().any(|f| same_shape(f, fk))
                || part
                    .partitioning
                    .as_deref()
                    .is_some_and(|sub| covers_every_leaf(sub, fk))
        })
}

impl Table {
    /// The foreign keys declared on the table's partitions (at every level) and not on the
    /// table itself, one per shape (columns, referenced table and columns). Empty for a table
    /// that is not partitioned.
    pub fn partition_foreign_keys(&self) -> Vec<PartitionForeignKey> {
        let Some(partitioning) = &self.partitioning else {
            return Vec::new();
        };
        let mut out: Vec<PartitionForeignKey> = Vec::new();
        walk(partitioning, &self.schema, &mut |part, schema| {
            for fk in &part.foreign_keys {
                if self.foreign_keys.iter().any(|own| same_shape(own, fk)) {
                    continue;
                }
                let declared = DeclaredKey {
                    schema: schema.to_string(),
                    table: part.name.clone(),
                    name: fk.name.clone(),
                };
                match out.iter_mut().find(|k| same_shape(&k.key, fk)) {
                    Some(k) => k.declared_on.push(declared),
                    None => out.push(PartitionForeignKey {
                        key: fk.clone(),
                        declared_on: vec![declared],
                    }),
                }
            }
        });
        for k in &mut out {
            k.key.enabled = k.key.enabled && covers_every_leaf(partitioning, &k.key);
        }
        out
    }

    /// The table's own foreign keys, then those declared on its partitions (see the module's
    /// documentation): what the graph, the closure and the loads follow.
    pub fn all_foreign_keys(&self) -> Vec<ForeignKey> {
        let mut all = self.foreign_keys.clone();
        all.extend(self.partition_foreign_keys().into_iter().map(|k| k.key));
        all
    }

    /// Where the foreign key `name` of [`Self::all_foreign_keys`] is declared: on the table
    /// itself, or on each partition declaring it. Empty when there is no such key.
    pub fn declarations_of(&self, name: &str) -> Vec<DeclaredKey> {
        if self.foreign_keys.iter().any(|f| f.name == name) {
            return vec![DeclaredKey {
                schema: self.schema.clone(),
                table: self.name.clone(),
                name: name.to_string(),
            }];
        }
        self.partition_foreign_keys()
            .into_iter()
            .find(|k| k.key.name == name)
            .map(|k| k.declared_on)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::PartitionMethod;

    fn fk(name: &str, column: &str, parent: &str) -> ForeignKey {
        ForeignKey {
            name: name.into(),
            columns: vec![column.into()],
            ref_schema: "s".into(),
            ref_table: parent.into(),
            ref_columns: vec!["id".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: false,
            initially_deferred: false,
            enabled: true,
        }
    }

    fn part(name: &str, fks: Vec<ForeignKey>, sub: Option<Partitioning>) -> Partition {
        Partition {
            schema: None,
            name: name.into(),
            generated_name: false,
            bound: String::new(),
            partitioning: sub.map(Box::new),
            foreign_keys: fks,
            indexes: Vec::new(),
        }
    }

    fn by_list(partitions: Vec<Partition>) -> Partitioning {
        Partitioning {
            method: PartitionMethod::List,
            key: vec!["k".into()],
            interval: None,
            reference: None,
            partitions,
            local_indexes: Vec::new(),
            subpartition_template: Vec::new(),
            row_movement: false,
        }
    }

    #[test]
    fn a_key_on_every_leaf_is_the_tables_and_one_on_some_is_followed_but_disabled() {
        let mut t = Table::test("s", "t", Vec::new());
        t.partitioning = Some(by_list(vec![
            part(
                "t_a",
                vec![
                    fk("t_a_c_fk", "c", "customer"),
                    fk("t_a_s_fk", "s", "staff"),
                ],
                None,
            ),
            // The sub-partitioned partition declares the key for both of its partitions.
            part(
                "t_b",
                vec![fk("t_b_c_fk", "c", "customer")],
                Some(by_list(vec![
                    part("t_b1", vec![], None),
                    part("t_b2", vec![], None),
                ])),
            ),
        ]));
        let keys = t.partition_foreign_keys();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].key.name, "t_a_c_fk");
        assert!(keys[0].on_every_partition());
        assert_eq!(keys[0].declared_on.len(), 2);
        assert_eq!(keys[1].key.name, "t_a_s_fk");
        assert!(!keys[1].on_every_partition());
        let names: Vec<String> = t
            .declarations_of("t_a_c_fk")
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["t_a_c_fk", "t_b_c_fk"]);
        assert_eq!(t.all_foreign_keys().len(), 2);
    }
}
