//! What a load will do: the extract's tables (all, or those `--table` names) mapped onto the
//! target's tables and columns — every problem reported at once, before anything is written —
//! with the key a merge matches by and the foreign keys a load records for `verify`.

use std::collections::HashMap;

use anyhow::{Result, anyhow, bail};

use crate::archive::manifest::{Manifest, TableEntry};
use crate::catalog::lookup::{self, LookupError, ObjectQuery};
use crate::catalog::{Catalog, Column, ObjectKey, ObjectKind, Table};
use crate::model::ports::{
    LoadMode, LoadRecord, PlannedTable, RecordedKey, RowFeed, RowSink, TableLoad,
};
use crate::output::plural;

/// A table of the extract and where it goes in the target.
pub struct Mapped<'m, 'c> {
    pub entry: &'m TableEntry,
    pub table: &'c Table,
    /// Target columns in the order of the extract's columns.
    pub columns: Vec<&'c Column>,
}

/// The tables of an extract mapped onto a target, in load order.
pub struct LoadPlan<'m, 'c> {
    pub manifest: &'m Manifest,
    pub tables: Vec<Mapped<'m, 'c>>,
    pub mode: LoadMode,
    /// The key a merge matches each table by (empty for plain inserts).
    keys: Vec<Vec<String>>,
    /// The target's table of every table of the extract (selected or not), by `SCHEMA.NAME`.
    by_extract_name: HashMap<String, &'c Table>,
}

/// How many times [`LoadPlan::pending`] counts the rows again while other runs keep committing.
const PENDING_ATTEMPTS: u32 = 20;

impl<'m, 'c> LoadPlan<'m, 'c> {
    /// Maps the tables of `manifest` (all, or those `only` names) onto `catalog`, the target's
    /// (`target` names it in messages).
    ///
    /// Fails, naming every problem, when `--table` names no table of the extract, a table or a
    /// column is missing from the target, a NOT NULL column of the target has no value, or a
    /// merge has no key to match by.
    pub fn new(
        manifest: &'m Manifest,
        catalog: &'c Catalog,
        only: &[String],
        mode: LoadMode,
        target: &str,
    ) -> Result<LoadPlan<'m, 'c>> {
        let selected = select_tables(manifest, only)?;
        let tables = map_tables(&selected, catalog, target)?;
        let keys = tables
            .iter()
            .map(|m| merge_key(m, mode == LoadMode::Merge))
            .collect::<Result<_>>()?;
        let by_extract_name = manifest
            .tables
            .iter()
            .filter_map(|e| {
                find_table(catalog, &e.schema, &e.name).map(|t| (e.qualified_name(), t))
            })
            .collect();
        Ok(LoadPlan {
            manifest,
            tables,
            mode,
            keys,
            by_extract_name,
        })
    }

    /// The tables still to load (indexes into [`LoadPlan::tables`]): with plain inserts into a
    /// kept database (`replace` false), a table already loaded from this very extract
    /// (`extract`, `manifest_sha256`) is skipped.
    ///
    /// Fails, changing nothing, when a table holds other rows: ingest loads into empty tables
    /// (`target` names the database in the message).
    pub fn pending(
        &self,
        sink: &mut dyn RowSink,
        extract: &str,
        manifest_sha256: &str,
        replace: bool,
        target: &str,
    ) -> Result<Vec<usize>> {
        if replace || self.mode == LoadMode::Merge {
            return Ok((0..self.tables.len()).collect());
        }
        // The rows are counted between two reads of the records, until both reads agree: a
        // run that commits meanwhile (rows and record in one transaction: a base table, or a
        // delta merged into it) changes the records, and counts taken across its commit could
        // match no record, refusing a table that run loaded from this very extract.
        let mut attempt = 0;
        let (pending, kept, records) = loop {
            attempt += 1;
            let before = sink.records()?;
            let mut pending = Vec::new();
            let mut kept = Vec::new();
            for (i, m) in self.tables.iter().enumerate() {
                match sink.count_rows(m.table)? {
                    0 => pending.push(i),
                    count => kept.push((m, count)),
                }
            }
            if kept.is_empty() {
                break (pending, kept, Vec::new());
            }
            let after = sink.records()?;
            if after == before || attempt == PENDING_ATTEMPTS {
                break (pending, kept, after);
            }
        };
        let records: HashMap<String, LoadRecord> =
            records.into_iter().map(|r| (r.table.clone(), r)).collect();
        let occupied: Vec<(&Mapped<'_, '_>, u64)> = kept
            .into_iter()
            .filter(|(m, count)| {
                !records
                    .get(&m.table.name)
                    .is_some_and(|r| r.is_chain_of(extract, manifest_sha256, *count))
            })
            .collect();
        if !occupied.is_empty() {
            // Loaded from this subset's folder, from another manifest: an earlier base.
            let earlier_base = occupied.iter().any(|(m, _)| {
                records.get(&m.table.name).is_some_and(|r| {
                    let at = r.position();
                    at.base == extract && at.base_sha256 != manifest_sha256
                })
            });
            let names: Vec<String> = occupied
                .iter()
                .map(|(m, count)| format!("{} ({})", m.table.name, plural(*count as usize, "row")))
                .collect();
            bail!(
                "{target} already holds rows in {}: ingest loads into empty tables; {}",
                names.join(", "),
                if earlier_base {
                    "they were loaded from an earlier base extract of this subset (it was \
                     extracted again since): run ingest again with --refreshdb to load the new \
                     base and every delta after it"
                } else {
                    "run it again with --refreshdb to replace those rows, or --merge to upsert \
                     by primary key"
                }
            );
        }
        Ok(pending)
    }

    /// What a sink needs to load table `i`: its columns, merge key and rows (`rows`), and the
    /// record written in the same transaction (`extract`, `manifest_sha256` identify the
    /// extract).
    pub fn table_load<'a>(
        &'a self,
        i: usize,
        extract: &str,
        manifest_sha256: &str,
        rows: Box<RowFeed<'a>>,
    ) -> TableLoad<'a> {
        let m = &self.tables[i];
        TableLoad {
            table: m.table,
            columns: m.columns.clone(),
            key: self.keys[i].clone(),
            rows,
            deletes: None,
            after: None,
            record: LoadRecord {
                table: m.table.name.clone(),
                extract_table: m.entry.qualified_name(),
                extract: extract.to_string(),
                manifest_sha256: manifest_sha256.to_string(),
                mode: self.mode,
                rows: m.entry.rows,
                foreign_keys: self.recorded_keys(m),
                loaded_at: crate::model::clock::now_rfc3339(),
                load_set: self
                    .tables
                    .iter()
                    .map(|m| PlannedTable {
                        table: m.table.name.clone(),
                        extract_table: m.entry.qualified_name(),
                        rows: m.entry.rows,
                    })
                    .collect(),
                merged: None,
                deleted: None,
                chain: None,
            },
        }
    }

    /// Of a delta's table `i` with deletes: the keys to delete as a table of the extract (the
    /// key's columns, the deletes' parts, for the part reader) and the target's columns of the
    /// key; `None` when it has no deletes.
    ///
    /// Fails when the key names a column the table does not have in the extract or the target.
    pub fn deletes_of(&self, i: usize) -> Result<Option<(TableEntry, Vec<&'c Column>)>> {
        let m = &self.tables[i];
        let Some(deletes) = &m.entry.deletes else {
            return Ok(None);
        };
        let mut columns = Vec::new();
        let mut targets = Vec::new();
        for name in &deletes.columns {
            let (Some(column), Some(target)) = (
                m.entry.columns.iter().find(|c| &c.name == name),
                find_column(m.table, name),
            ) else {
                bail!(
                    "the deletes of {} are keyed by {name}, a column {} does not have: the delta \
                     is damaged; extract it again",
                    m.entry.qualified_name(),
                    m.table.name
                );
            };
            columns.push(column.clone());
            targets.push(target);
        }
        let keys = TableEntry {
            columns,
            rows: deletes.rows,
            parts: deletes.parts.clone(),
            deletes: None,
            watermark: None,
            ..m.entry.clone()
        };
        Ok(Some((keys, targets)))
    }

    /// The target's foreign keys of a unit's tables whose parent is not a table of the extract:
    /// `(table, foreign key)`.
    pub fn cut_keys(&self, unit: &[usize]) -> Vec<(&'c Table, String)> {
        let mut out = Vec::new();
        for &i in unit {
            let table = self.tables[i].table;
            // With the keys declared on its partitions.
            for fk in table.all_foreign_keys() {
                let inside = self
                    .by_extract_name
                    .values()
                    .any(|t| t.name.eq_ignore_ascii_case(&fk.ref_table));
                if !inside {
                    out.push((table, fk.name));
                }
            }
        }
        out
    }

    /// The extract's names of a unit's tables, for messages.
    pub fn names(&self, unit: &[usize]) -> String {
        unit.iter()
            .map(|&i| self.tables[i].entry.qualified_name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The extract's enforced foreign keys of a table whose parent is also in the extract and
    /// the target, in the target's names.
    fn recorded_keys(&self, m: &Mapped<'_, '_>) -> Vec<RecordedKey> {
        let mut out = Vec::new();
        for fk in &m.entry.foreign_keys {
            // A key the source does not enforce on every row (disabled, or declared on some
            // partitions only) may leave rows without a parent there too: not counted.
            if !fk.enabled {
                continue;
            }
            let parent_name = format!("{}.{}", fk.ref_schema, fk.ref_table);
            let Some(parent) = self.by_extract_name.get(&parent_name) else {
                continue;
            };
            let parent_columns = if fk.ref_columns.is_empty() {
                self.manifest
                    .tables
                    .iter()
                    .find(|t| t.qualified_name() == parent_name)
                    .and_then(|t| t.primary_key.clone())
                    .unwrap_or_default()
            } else {
                fk.ref_columns.clone()
            };
            let columns: Option<Vec<String>> = fk
                .columns
                .iter()
                .map(|c| find_column(m.table, c).map(|c| c.name.clone()))
                .collect();
            let parent_columns: Option<Vec<String>> = parent_columns
                .iter()
                .map(|c| find_column(parent, c).map(|c| c.name.clone()))
                .collect();
            if let (Some(columns), Some(parent_columns)) = (columns, parent_columns)
                && !columns.is_empty()
                && columns.len() == parent_columns.len()
            {
                out.push(RecordedKey {
                    name: fk.name.clone(),
                    columns,
                    parent: parent.name.clone(),
                    parent_columns,
                });
            }
        }
        out
    }
}

/// The tables to load, in load order: all of them, or those `--table` names.
fn select_tables<'m>(manifest: &'m Manifest, only: &[String]) -> Result<Vec<&'m TableEntry>> {
    let by_name: HashMap<String, &TableEntry> = manifest
        .tables
        .iter()
        .map(|t| (t.qualified_name(), t))
        .collect();
    let mut ordered: Vec<&TableEntry> = manifest
        .load_order
        .iter()
        .filter_map(|n| by_name.get(n).copied())
        .collect();
    // Tables the load order does not list (it always lists all of them) go last.
    for t in &manifest.tables {
        if !ordered.iter().any(|o| std::ptr::eq(*o, t)) {
            ordered.push(t);
        }
    }
    if only.is_empty() {
        return Ok(ordered);
    }
    let keys: Vec<ObjectKey> = ordered
        .iter()
        .map(|t| ObjectKey::new(&t.schema, &t.name, ObjectKind::Table))
        .collect();
    let mut keep = Vec::new();
    for name in only {
        let key = lookup::find(&keys, &ObjectQuery::named(name)).map_err(|e| match e {
            LookupError::NotFound { closest, .. } => anyhow!(
                "--table {name}: the extract has no such table{}",
                if closest.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = closest.iter().map(|k| k.qualified_name()).collect();
                    format!("; closest: {}", names.join(", "))
                }
            ),
            LookupError::Ambiguous { candidates, .. } => {
                let names: Vec<String> = candidates.iter().map(|k| k.qualified_name()).collect();
                anyhow!(
                    "--table {name} names {} tables of the extract: write one of {}",
                    names.len(),
                    names.join(", ")
                )
            }
        })?;
        keep.push(key.qualified_name());
    }
    Ok(ordered
        .into_iter()
        .filter(|t| keep.contains(&t.qualified_name()))
        .collect())
}

/// The target's table for an extract's table: the same name (any case; the same schema
/// where the target has several).
fn find_table<'c>(catalog: &'c Catalog, schema: &str, name: &str) -> Option<&'c Table> {
    let named: Vec<&Table> = catalog
        .tables
        .iter()
        .filter(|t| t.name.eq_ignore_ascii_case(name))
        .collect();
    match named.as_slice() {
        [one] => Some(one),
        [] => None,
        many => many
            .iter()
            .find(|t| t.schema.eq_ignore_ascii_case(schema) && t.name == name)
            .or_else(|| many.iter().find(|t| t.schema.eq_ignore_ascii_case(schema)))
            .copied(),
    }
}

fn find_column<'c>(table: &'c Table, name: &str) -> Option<&'c Column> {
    table.columns.iter().find(|c| c.name == name).or_else(|| {
        table
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    })
}

/// Maps the selected tables onto the target; every problem is reported at once.
fn map_tables<'m, 'c>(
    selected: &[&'m TableEntry],
    catalog: &'c Catalog,
    target: &str,
) -> Result<Vec<Mapped<'m, 'c>>> {
    let mut problems = Vec::new();
    let mut missing_tables = Vec::new();
    let mut out = Vec::new();
    for entry in selected {
        let Some(table) = find_table(catalog, &entry.schema, &entry.name) else {
            missing_tables.push(entry.qualified_name());
            continue;
        };
        let mut columns = Vec::new();
        for c in &entry.columns {
            match find_column(table, &c.name) {
                Some(col) if col.generated.is_some() => problems.push(format!(
                    "{}.{} is a generated column in the target: it cannot be loaded",
                    table.name, col.name
                )),
                Some(col) => columns.push(col),
                None => problems.push(format!(
                    "{} has no column {} (the extract's {})",
                    table.name, c.name, c.native_type
                )),
            }
        }
        for col in &table.columns {
            let loaded = entry
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&col.name));
            if !loaded
                && !col.nullable
                && col.default.is_none()
                && col.identity.is_none()
                && col.generated.is_none()
            {
                problems.push(format!(
                    "{}.{} is NOT NULL without a default and the extract has no such column",
                    table.name, col.name
                ));
            }
        }
        out.push(Mapped {
            entry,
            table,
            columns,
        });
    }
    if !missing_tables.is_empty() {
        bail!(
            "{target} has no table {}: apply the migrations first (dbsub create-migrations \
             --seed-object … --dialect …, then dbsub migrate --target …), or leave the table \
             out with --table",
            missing_tables.join(", ")
        );
    }
    if !problems.is_empty() {
        bail!(
            "the extract does not fit {target}: {}; apply the migrations that match the \
             extract's schema",
            problems.join("; ")
        );
    }
    Ok(out)
}

/// The key a merge matches by: the primary key, else a unique key of NOT NULL columns.
fn merge_key(m: &Mapped<'_, '_>, merge: bool) -> Result<Vec<String>> {
    if !merge {
        return Ok(Vec::new());
    }
    if let Some(pk) = &m.table.primary_key {
        return Ok(pk.columns.clone());
    }
    let unique = m.table.unique_keys.iter().find(|k| {
        k.columns
            .iter()
            .all(|c| find_column(m.table, c).is_some_and(|col| !col.nullable))
    });
    match unique {
        Some(k) => Ok(k.columns.clone()),
        None => bail!(
            "--merge needs a primary key or a unique key of NOT NULL columns; {} has neither: \
             load it with --refreshdb instead",
            m.table.name
        ),
    }
}
