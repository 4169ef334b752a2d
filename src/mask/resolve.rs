//! Which columns are masked and how: statements from classification files and the plan's
//! `[masking]` section, resolved against the catalog, then agreed per foreign-key group.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

use crate::catalog::lookup::{self, ObjectQuery};
use crate::catalog::{Catalog, Column, ObjectKey, ObjectKind, Table};
use crate::subset::Scope;

use super::{
    KEY_VAR, Keys, MIN_KEY_BYTES, MaskedColumn, Masking, MaskingPlan, Strategy, classification,
};

/// Resolves what to mask in the tables of `scope`: the plan's `[masking]` section, its
/// classification files and `extra` ones (`--classification`), with `key` the masking key when
/// one is set. `schema` is the schema of names given without one.
///
/// Fails before anything is read when a file is unreadable, a strategy is unknown or does not
/// fit its column's type, two columns joined by a foreign key are given different rules (or
/// one is forced to `keep`), a key column is given a strategy that cannot keep it unique, or a
/// keyed strategy is asked for without the key. Lines naming unknown tables or columns are
/// listed in [`Masking::unknown`].
pub fn resolve(
    catalog: &Catalog,
    scope: &Scope,
    plan: Option<&MaskingPlan>,
    extra: &[PathBuf],
    schema: Option<&str>,
    key: Option<&str>,
) -> Result<Masking> {
    let default = match plan.and_then(|p| p.default.as_deref()) {
        None | Some("auto") => None,
        Some(text) => Some(
            Strategy::parse(text).map_err(|e| anyhow!("[masking] default = \"{text}\": {e}"))?,
        ),
    };
    let mut said: Vec<Said> = Vec::new();
    let files = plan
        .map(|p| p.classification.as_slice())
        .unwrap_or(&[])
        .iter()
        .chain(extra);
    for file in files {
        for entry in classification::read(file)? {
            let strategy = match (&entry.strategy, entry.masked()) {
                (_, false) => Some(Strategy::Keep),
                (None, true) => None,
                (Some(text), true) => {
                    Some(Strategy::parse(text).map_err(|e| anyhow!("{}: {e}", entry.origin))?)
                }
            };
            said.push(Said {
                table: entry.table,
                column: entry.column,
                strategy,
                forced: false,
                origin: entry.origin,
            });
        }
    }
    for (name, text) in plan.map(|p| &p.columns).into_iter().flatten() {
        let origin = format!("[masking.columns] \"{name}\"");
        let Some((table, column)) = name.rsplit_once('.') else {
            bail!("{origin}: name the column as TABLE.COLUMN or SCHEMA.TABLE.COLUMN");
        };
        said.push(Said {
            table: table.to_string(),
            column: column.to_string(),
            strategy: Some(Strategy::parse(text).map_err(|e| anyhow!("{origin}: {e}"))?),
            forced: true,
            origin,
        });
    }

    // Each statement on a column of the catalog; the plan's win over the classification's,
    // and among classification lines a mask wins over `public`.
    let keys: Vec<ObjectKey> = catalog.object_keys();
    let mut unknown = Vec::new();
    let mut decided: HashMap<ColumnId, Said> = HashMap::new();
    for s in said {
        let query = ObjectQuery {
            name: s.table.clone(),
            schema: if s.table.contains('.') {
                None
            } else {
                schema.map(str::to_string)
            },
            kind: Some(ObjectKind::Table),
        };
        let table = match lookup::find(&keys, &query) {
            Ok(k) => catalog
                .table(&k.schema, &k.name)
                .expect("found a table key"),
            Err(e) => {
                unknown.push(format!("{}: table {}: {e}", s.origin, s.table));
                continue;
            }
        };
        let Some(column) = find_column(table, &s.column) else {
            unknown.push(format!(
                "{}: {}.{} has no column {}",
                s.origin, table.schema, table.name, s.column
            ));
            continue;
        };
        let id = (table.key(), column.name.clone());
        let replace = match decided.get(&id) {
            None => true,
            Some(old) => {
                (s.forced && !old.forced)
                    || (s.forced == old.forced
                        && old.strategy == Some(Strategy::Keep)
                        && s.strategy != Some(Strategy::Keep))
            }
        };
        if replace {
            decided.insert(id, s);
        }
    }

    // Columns joined by the subset's foreign keys form groups masked alike.
    let mut groups = Groups::default();
    for e in &scope.edges {
        let (child, parent) = (&scope.tables[e.child].table, &scope.tables[e.parent].table);
        for (c, p) in e.foreign_key.columns.iter().zip(&e.foreign_key.ref_columns) {
            groups.join((child.key(), c.to_string()), (parent.key(), p.to_string()));
        }
    }
    let in_scope: HashSet<ObjectKey> = scope.tables.iter().map(|t| t.table.key()).collect();
    let mut rules: HashMap<ColumnId, MaskedColumn> = HashMap::new();
    let mut members_of: BTreeMap<ColumnId, Vec<ColumnId>> = BTreeMap::new();
    for id in decided.keys().filter(|(t, _)| in_scope.contains(t)) {
        members_of.insert(id.clone(), groups.members(id));
    }
    let mut done: HashSet<ColumnId> = HashSet::new();
    for (id, members) in &members_of {
        if done.contains(id) {
            continue;
        }
        done.extend(members.iter().cloned());
        // The masked members and their rules.
        let masked: Vec<(&ColumnId, &Said)> = members
            .iter()
            .filter_map(|m| decided.get(m).map(|s| (m, s)))
            .filter(|(_, s)| s.strategy != Some(Strategy::Keep))
            .collect();
        let Some(&(first, first_said)) = masked.first() else {
            continue;
        };
        let type_of = |m: &ColumnId| -> &Column {
            let t = catalog
                .table(&m.0.schema, &m.0.name)
                .expect("a scope table");
            t.column(&m.1).expect("a column of the table")
        };
        let strategy_of = |m: &ColumnId, s: &Said| -> Strategy {
            s.strategy
                .clone()
                .or_else(|| default.clone())
                .unwrap_or_else(|| Strategy::default_for(&type_of(m).neutral_type))
        };
        let strategy = strategy_of(first, first_said);
        for &(m, s) in &masked[1..] {
            let other = strategy_of(m, s);
            if other != strategy {
                bail!(
                    "{} ({strategy}, {}) and {} ({other}, {}) are joined by foreign keys, so \
                     they must be masked alike: give them the same strategy",
                    column_name(first),
                    first_said.origin,
                    column_name(m),
                    s.origin
                );
            }
        }
        if let Some((m, s)) = members
            .iter()
            .filter_map(|m| decided.get(m).map(|s| (m, s)))
            .find(|(_, s)| s.forced && s.strategy == Some(Strategy::Keep))
        {
            bail!(
                "{} is forced to keep ({}) but is joined by foreign keys to {}, which is masked \
                 ({}): keys that join must be masked alike; drop the keep or the mask",
                column_name(m),
                s.origin,
                column_name(first),
                first_said.origin
            );
        }
        let is_key = members.len() > 1 || members.iter().any(|m| in_unique_key(catalog, m));
        // Keys the closure follows (foreign-key groups, primary keys) are read by dbsub anyway:
        // their pseudonyms are computed there, as a permutation, so that no two collide.
        let by_dbsub = strategy == Strategy::Pseudonym
            && (members.len() > 1 || members.iter().any(|m| in_primary_key(catalog, m)));
        for m in members.iter().filter(|(t, _)| in_scope.contains(t)) {
            let column = type_of(m);
            if let Err(why) = strategy.fits(&column.neutral_type) {
                bail!("cannot mask {} with {strategy}: {why}", column_name(m));
            }
            if is_key && matches!(strategy, Strategy::Constant(_) | Strategy::Fake(_)) {
                bail!(
                    "cannot mask {} with {strategy}: it is a key column (or joined to one by \
                     foreign keys), and {strategy} would make different keys equal; use \
                     pseudonym",
                    column_name(m)
                );
            }
            let own = decided
                .get(m)
                .filter(|s| s.strategy != Some(Strategy::Keep));
            rules.insert(
                m.clone(),
                MaskedColumn {
                    column: m.1.clone(),
                    strategy: strategy.clone(),
                    follows: match own {
                        Some(_) => None,
                        None => Some(column_name(first)),
                    },
                    origin: own.map_or(first_said.origin.clone(), |s| s.origin.clone()),
                    by_dbsub,
                },
            );
        }
    }

    let keyed = rules.values().any(|m| m.strategy.keyed());
    let keys = match key {
        Some(k) => Some(Keys::new(k)?),
        None if keyed => {
            let example = rules
                .iter()
                .find(|(_, m)| m.strategy.keyed())
                .map(|(id, m)| format!("{} ({})", column_name(id), m.strategy))
                .unwrap_or_default();
            bail!(
                "{KEY_VAR} is not set, and masking {example} needs it: set it in the \
                 environment or .env to a random secret of at least {MIN_KEY_BYTES} bytes \
                 (e.g. `openssl rand -hex 32`), the same for every extract whose pseudonyms \
                 must agree; or use the constant strategy"
            );
        }
        None => None,
    };
    let tables = scope
        .tables
        .iter()
        .map(|st| {
            let mut masked: Vec<MaskedColumn> = st
                .table
                .columns
                .iter()
                .filter_map(|c| rules.get(&(st.table.key(), c.name.clone())).cloned())
                .collect();
            masked.sort_by_key(|m| st.table.columns.iter().position(|c| c.name == m.column));
            masked
        })
        .collect();
    Ok(Masking {
        tables,
        unknown,
        keys,
    })
}

/// A column by name: exactly, else ignoring ASCII case when that is unambiguous.
fn find_column<'a>(table: &'a Table, name: &str) -> Option<&'a Column> {
    let name = name.trim();
    table.column(name).or_else(|| {
        let mut found = table
            .columns
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    })
}

fn column_name(id: &ColumnId) -> String {
    format!("{}.{}.{}", id.0.schema, id.0.name, id.1)
}

/// Whether the column is part of its table's primary key.
fn in_primary_key(catalog: &Catalog, id: &ColumnId) -> bool {
    catalog
        .table(&id.0.schema, &id.0.name)
        .and_then(|t| t.primary_key.as_ref())
        .is_some_and(|k| k.columns.contains(&id.1))
}

/// Whether the column is part of its table's primary key or a unique key.
fn in_unique_key(catalog: &Catalog, id: &ColumnId) -> bool {
    catalog.table(&id.0.schema, &id.0.name).is_some_and(|t| {
        t.primary_key
            .iter()
            .chain(&t.unique_keys)
            .any(|k| k.columns.contains(&id.1))
    })
}

/// Union-find over columns.
#[derive(Default)]
struct Groups {
    parent: HashMap<ColumnId, ColumnId>,
}

impl Groups {
    fn root(&self, id: &ColumnId) -> ColumnId {
        let mut at = id.clone();
        while let Some(p) = self.parent.get(&at) {
            if *p == at {
                break;
            }
            at = p.clone();
        }
        at
    }

    fn join(&mut self, a: ColumnId, b: ColumnId) {
        let (ra, rb) = (self.root(&a), self.root(&b));
        if ra != rb {
            self.parent.insert(ra, rb);
        }
    }

    /// Every column of `id`'s group, `id` included, in a stable order.
    fn members(&self, id: &ColumnId) -> Vec<ColumnId> {
        let root = self.root(id);
        let mut all: Vec<ColumnId> = self
            .parent
            .keys()
            .filter(|k| self.root(k) == root)
            .cloned()
            .collect();
        if !all.contains(id) {
            all.push(id.clone());
        }
        all.sort();
        all
    }
}

/// One statement about one column: from a classification line or the plan.
struct Said {
    table: String,
    column: String,
    /// `None`: masked by the default strategy.
    strategy: Option<Strategy>,
    /// From the plan's `columns` (a forced rule), not a classification.
    forced: bool,
    origin: String,
}

/// A column of the catalog: its table's key and its name as the catalog spells it.
type ColumnId = (ObjectKey, String);
