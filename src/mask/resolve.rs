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
    let (rules, unknown, classified) = rules(catalog, scope, plan, extra, schema)?;
    let keys = masking_keys(&rules, key)?;
    Ok(Masking {
        tables: per_table(scope, &rules),
        unknown,
        classified,
        keys,
    })
}

/// What [`resolve`] would mask in each table of `scope` with the classification files `extra`
/// and no plan, without the masking key: for showing it (`show-deps --classification`), never
/// for masking. Also the lines that name nothing. Fails as [`resolve`] does, but for the key.
pub fn preview(
    catalog: &Catalog,
    scope: &Scope,
    extra: &[PathBuf],
    schema: Option<&str>,
) -> Result<(Vec<Vec<MaskedColumn>>, Vec<String>)> {
    let (rules, unknown, _) = rules(catalog, scope, None, extra, schema)?;
    Ok((per_table(scope, &rules), unknown))
}

/// The masking rules of `scope`'s columns, the lines that name nothing, and the columns of
/// each table of `scope` the classification names (masked or kept), sorted.
fn rules(
    catalog: &Catalog,
    scope: &Scope,
    plan: Option<&MaskingPlan>,
    extra: &[PathBuf],
    schema: Option<&str>,
) -> Result<(Rules, Vec<String>, Vec<Vec<String>>)> {
    let default = default_strategy(plan)?;
    let mut said = classified(plan, extra)?;
    said.extend(plan_columns(plan)?);
    let (said, unknown) = decide(catalog, said, schema);
    let classified = scope
        .tables
        .iter()
        .map(|st| {
            let key = st.table.key();
            let mut names: Vec<String> = said
                .keys()
                .filter(|(t, _)| *t == key)
                .map(|(_, c)| c.clone())
                .collect();
            names.sort();
            names
        })
        .collect();
    let decided = Decided {
        catalog,
        default,
        said,
        in_scope: scope.tables.iter().map(|t| t.table.key()).collect(),
    };
    Ok((decided.rules(&Groups::of(scope))?, unknown, classified))
}

/// The masking rules by column.
type Rules = HashMap<ColumnId, MaskedColumn>;

/// The plan's `default` strategy; `None` when absent or `auto` (by the column's type).
fn default_strategy(plan: Option<&MaskingPlan>) -> Result<Option<Strategy>> {
    Ok(match plan.and_then(|p| p.default.as_deref()) {
        None | Some("auto") => None,
        Some(text) => Some(
            Strategy::parse(text).map_err(|e| anyhow!("[masking] default = \"{text}\": {e}"))?,
        ),
    })
}

/// The lines of the classification files, the plan's then `extra`: `public` ones keep their
/// column, the others mask it.
fn classified(plan: Option<&MaskingPlan>, extra: &[PathBuf]) -> Result<Vec<Said>> {
    let mut said = Vec::new();
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
    Ok(said)
}

/// The plan's `[masking.columns]`: forced rules, which win over the classification.
fn plan_columns(plan: Option<&MaskingPlan>) -> Result<Vec<Said>> {
    let mut said = Vec::new();
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
    Ok(said)
}

/// The statement that holds for each column of the catalog, and the lines for
/// [`Masking::unknown`] of those that name no table or column of it.
fn decide(
    catalog: &Catalog,
    said: Vec<Said>,
    schema: Option<&str>,
) -> (HashMap<ColumnId, Said>, Vec<String>) {
    let keys: Vec<ObjectKey> = catalog.object_keys();
    let mut unknown = Vec::new();
    let mut decided: HashMap<ColumnId, Said> = HashMap::new();
    for s in said {
        let id = match locate(catalog, &keys, &s, schema) {
            Ok(id) => id,
            Err(line) => {
                unknown.push(line);
                continue;
            }
        };
        if overrides(&s, decided.get(&id)) {
            decided.insert(id, s);
        }
    }
    (decided, unknown)
}

/// The catalog column statement `s` names; `Err`: the line for [`Masking::unknown`].
fn locate(
    catalog: &Catalog,
    keys: &[ObjectKey],
    s: &Said,
    schema: Option<&str>,
) -> Result<ColumnId, String> {
    let query = ObjectQuery {
        name: s.table.clone(),
        schema: if s.table.contains('.') {
            None
        } else {
            schema.map(str::to_string)
        },
        kind: Some(ObjectKind::Table),
    };
    let table = match lookup::find(keys, &query) {
        Ok(k) => catalog
            .table(&k.schema, &k.name)
            .expect("found a table key"),
        Err(e) => return Err(format!("{}: table {}: {e}", s.origin, s.table)),
    };
    let Some(column) = find_column(table, &s.column) else {
        return Err(format!(
            "{}: {}.{} has no column {}",
            s.origin, table.schema, table.name, s.column
        ));
    };
    Ok((table.key(), column.name.clone()))
}

/// Whether statement `s` replaces `old` on the same column: the plan's win over the
/// classification's, and among classification lines a mask wins over `public`.
fn overrides(s: &Said, old: Option<&Said>) -> bool {
    match old {
        None => true,
        Some(old) => {
            (s.forced && !old.forced)
                || (s.forced == old.forced
                    && old.strategy == Some(Strategy::Keep)
                    && s.strategy != Some(Strategy::Keep))
        }
    }
}

/// What the rules of foreign-key groups are decided from.
struct Decided<'a> {
    catalog: &'a Catalog,
    /// The strategy of a masked column whose statement names none; `None`: by its type.
    default: Option<Strategy>,
    /// The statement that holds for each column.
    said: HashMap<ColumnId, Said>,
    /// The tables of the subset.
    in_scope: HashSet<ObjectKey>,
}

impl Decided<'_> {
    /// The rules of every group with a statement on a column of the subset, group by group
    /// in column order.
    fn rules(&self, groups: &Groups) -> Result<Rules> {
        let mut members_of: BTreeMap<ColumnId, Vec<ColumnId>> = BTreeMap::new();
        for id in self.said.keys().filter(|(t, _)| self.in_scope.contains(t)) {
            members_of.insert(id.clone(), groups.members(id));
        }
        let mut rules = Rules::new();
        let mut done: HashSet<ColumnId> = HashSet::new();
        for (id, members) in &members_of {
            if done.contains(id) {
                continue;
            }
            done.extend(members.iter().cloned());
            self.group(members, &mut rules)?;
        }
        Ok(rules)
    }

    /// The rules of a group's members in the subset when one of them is masked: one strategy
    /// for all, which must fit each column and keep keys distinct.
    fn group(&self, members: &[ColumnId], rules: &mut Rules) -> Result<()> {
        // The masked members and their rules.
        let masked: Vec<(&ColumnId, &Said)> = members
            .iter()
            .filter_map(|m| self.said.get(m).map(|s| (m, s)))
            .filter(|(_, s)| s.strategy != Some(Strategy::Keep))
            .collect();
        let Some((&first, others)) = masked.split_first() else {
            return Ok(());
        };
        let strategy = self.agreed(first, others)?;
        self.no_forced_keep(members, first)?;
        let is_key = members.len() > 1 || members.iter().any(|m| in_unique_key(self.catalog, m));
        // Keys the closure follows (foreign-key groups, primary keys) are read by dbsub anyway:
        // their pseudonyms are computed there, as a permutation, so that no two collide.
        let by_dbsub = strategy == Strategy::Pseudonym
            && (members.len() > 1 || members.iter().any(|m| in_primary_key(self.catalog, m)));
        let (first, first_said) = first;
        for m in members.iter().filter(|(t, _)| self.in_scope.contains(t)) {
            self.check_fits(m, &strategy, is_key)?;
            let own = self
                .said
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
        Ok(())
    }

    /// The strategy the masked members of a group agree on; fails when two differ.
    fn agreed(
        &self,
        (first, first_said): (&ColumnId, &Said),
        others: &[(&ColumnId, &Said)],
    ) -> Result<Strategy> {
        let strategy = self.strategy(first, first_said);
        for &(m, s) in others {
            let other = self.strategy(m, s);
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
        Ok(strategy)
    }

    /// Fails when a member of a masked group (`first` its first masked member) is forced to
    /// `keep`.
    fn no_forced_keep(
        &self,
        members: &[ColumnId],
        (first, first_said): (&ColumnId, &Said),
    ) -> Result<()> {
        if let Some((m, s)) = members
            .iter()
            .filter_map(|m| self.said.get(m).map(|s| (m, s)))
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
        Ok(())
    }

    /// Fails when `strategy` cannot mask column `m`: not for its type, or, on a key column
    /// (`is_key`), one that would make different keys equal.
    fn check_fits(&self, m: &ColumnId, strategy: &Strategy, is_key: bool) -> Result<()> {
        if let Err(why) = strategy.fits(&self.column(m).neutral_type) {
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
        Ok(())
    }

    /// The strategy of masked column `m` with statement `s`: its own, else the plan's
    /// default, else the one for its type.
    fn strategy(&self, m: &ColumnId, s: &Said) -> Strategy {
        s.strategy
            .clone()
            .or_else(|| self.default.clone())
            .unwrap_or_else(|| Strategy::default_for(&self.column(m).neutral_type))
    }

    /// The catalog's column `m` (of a table of the subset or joined to one).
    fn column(&self, m: &ColumnId) -> &Column {
        let t = self
            .catalog
            .table(&m.0.schema, &m.0.name)
            .expect("a scope table");
        t.column(&m.1).expect("a column of the table")
    }
}

/// The keys derived from `key`; fails when a rule needs them and `key` is not set.
fn masking_keys(rules: &Rules, key: Option<&str>) -> Result<Option<Keys>> {
    let keyed = rules.values().any(|m| m.strategy.keyed());
    Ok(match key {
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
    })
}

/// Each scope table's masked columns, in the table's column order.
fn per_table(scope: &Scope, rules: &Rules) -> Vec<Vec<MaskedColumn>> {
    scope
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
        .collect()
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
    /// The columns joined by the subset's foreign keys: each group is masked alike.
    fn of(scope: &Scope) -> Groups {
        let mut groups = Groups::default();
        for e in &scope.edges {
            let (child, parent) = (&scope.tables[e.child].table, &scope.tables[e.parent].table);
            for (c, p) in e.foreign_key.columns.iter().zip(&e.foreign_key.ref_columns) {
                groups.join((child.key(), c.to_string()), (parent.key(), p.to_string()));
            }
        }
        groups
    }

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
