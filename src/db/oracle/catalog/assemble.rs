//! From rows to the model: [`assemble`], one pure function from the rows of every dictionary
//! query to a catalog, and its phases in the order it runs them (columns, tables, keys,
//! indexes, partitioning, sequences, views, stored code and triggers, routines, synonyms, other
//! objects, then grants and dependencies on the objects the catalog holds).

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Result, anyhow};

use crate::catalog::*;

use super::rows::{
    ColumnRow, ConstraintColumnRow, ConstraintRow, DependencyRow, DictionaryRows, GrantRow,
    IndexRow, LocalIndexRow, ObjectRow, PartKeyColumnRow, PartTableRow, PartitionRow, SequenceRow,
    SourceRow, SridRow, SynonymRow, TableRow, TriggerRow, ViewRow,
};
use super::text_forms::{
    HISTORY_TABLES, index_expression, index_method, index_type_read, is_oracle_owner,
    not_null_check_column, object_kind, trigger_events, trigger_timing, unqualified_unit,
};
use super::types::column_type;

type Name = (String, String);

/// An index being assembled, by (table, index): the index and its columns with their
/// positions.
type IndexParts = (Index, Vec<(u32, IndexColumn)>);

fn name(owner: &str, object: &str) -> Name {
    (owner.to_string(), object.to_string())
}

/// Builds the catalog from the rows of every dictionary query, then sorts it
/// ([`Catalog::normalize`]).
///
/// Indexes: those that back a primary or unique key are left out (the key creates its own), as
/// are the types [`index_type_read`] leaves out; a descending column, which Oracle keeps as an
/// expression `"X"`, is the column `X` descending; a function-based index keeps its expression.
///
/// Fails when a foreign key's parent key or a trigger's source is hidden from the user (the
/// `ALL_` views show only what the user has privileges on), or a sequence's number is not an
/// integer.
pub(super) fn assemble(rows: DictionaryRows) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    let mut columns = columns(rows.columns, &rows.srids);
    let mut tables = tables(rows.tables, &mut columns.of);
    let key_indexes = keys(&mut tables, rows.constraints, rows.constraint_columns)?;
    let (index_tables, mut container_indexes) = indexes(&mut tables, rows.indexes, &key_indexes);
    partitioning(
        &mut tables,
        rows.part_tables,
        Keys {
            partition: rows.part_keys,
            subpartition: rows.subpart_keys,
        },
        Parts {
            partitions: rows.partitions,
            subpartitions: rows.subpartitions,
            templates: rows.subpartition_templates,
        },
        &rows.local_indexes,
    );
    sequences(&mut catalog, rows.sequences, &columns.identity_owner)?;
    views(
        &mut catalog,
        rows.views,
        rows.materialized_views,
        &mut columns.of,
    );
    for view in catalog.views.iter_mut().filter(|v| v.materialized) {
        view.indexes = container_indexes
            .remove(&name(&view.schema, &view.name))
            .unwrap_or_default();
    }
    let mut sources = sources(rows.source);
    triggers(&mut catalog, rows.triggers, &mut sources)?;
    routines(&mut catalog, sources);
    synonyms(&mut catalog, rows.synonyms);
    others(&mut catalog, rows.objects);
    // Grants and dependencies are kept only on objects the catalog holds: they come last.
    catalog.tables = tables.into_values().collect();
    let objects = Objects::new(&catalog, index_tables);
    grants(&mut catalog, rows.grants, &objects);
    dependencies(&mut catalog, rows.dependencies, &objects);
    catalog.normalize();
    Ok(catalog)
}

/// The columns of tables and views, before their tables and views take them.
struct Columns {
    /// By (owner, table or view), in the dictionary's order.
    of: HashMap<Name, Vec<Column>>,
    /// The (table, column) of each identity sequence, by (owner, sequence).
    identity_owner: HashMap<Name, (String, String)>,
}

/// The columns of every table and view: types (a spatial column with its SRID), defaults,
/// identity and virtual columns, comments.
fn columns(rows: Vec<ColumnRow>, srids: &[SridRow]) -> Columns {
    let srids: HashMap<(String, String, String), i32> = srids
        .iter()
        .filter_map(|s| {
            let srid = s.srid?;
            Some(((s.owner.clone(), s.table.clone(), s.column.clone()), srid))
        })
        .collect();
    let mut columns = Columns {
        of: HashMap::new(),
        identity_owner: HashMap::new(),
    };
    for c in rows {
        let (native_type, mut neutral_type) = column_type(&c.ty);
        if let NeutralType::Spatial { srid } = &mut neutral_type {
            *srid = srids
                .get(&(c.owner.clone(), c.table.clone(), c.name.clone()))
                .copied();
        }
        let identity = c.identity_column.then(|| Identity {
            always: c.generation_type.as_deref().map(str::trim) == Some("ALWAYS"),
            sequence: c.identity_sequence.clone(),
        });
        if let (true, Some(sequence)) = (c.identity_column, &c.identity_sequence) {
            let owner = (c.table.clone(), c.name.clone());
            columns
                .identity_owner
                .insert(name(&c.owner, sequence), owner);
        }
        let expression = c
            .data_default
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        // A virtual column's DATA_DEFAULT is its expression; an identity column's is the
        // `"S"."ISEQ$$_n".nextval` that the identity implies.
        let generated = expression.filter(|_| c.virtual_column).map(str::to_string);
        let default = expression
            .filter(|d| !c.virtual_column && !c.identity_column && !d.eq_ignore_ascii_case("NULL"))
            .map(str::to_string);
        columns
            .of
            .entry(name(&c.owner, &c.table))
            .or_default()
            .push(Column {
                name: c.name,
                native_type,
                neutral_type,
                nullable: c.nullable,
                default,
                identity,
                generated,
                comment: c.comment,
            });
    }
    columns
}

/// The tables, history tables aside, with their columns (taken from `columns`) and comments;
/// keys and indexes come later.
fn tables(rows: Vec<TableRow>, columns: &mut HashMap<Name, Vec<Column>>) -> BTreeMap<Name, Table> {
    let mut tables: BTreeMap<Name, Table> = BTreeMap::new();
    for t in rows {
        if HISTORY_TABLES
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&t.name))
        {
            continue;
        }
        tables.insert(
            name(&t.owner, &t.name),
            Table {
                schema: t.owner,
                name: t.name,
                columns: Vec::new(),
                primary_key: None,
                unique_keys: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
                comment: t.comment,
                estimated_rows: t.num_rows,
                temporary: temporary(t.temporary.as_deref(), t.duration.as_deref()),
                partitioning: None,
            },
        );
    }
    for (key, table) in &mut tables {
        table.columns = columns.remove(key).unwrap_or_default();
    }
    tables
}

/// A global temporary table's duration from `ALL_TABLES.TEMPORARY` and `DURATION`:
/// `SYS$SESSION` is `ON COMMIT PRESERVE ROWS`; anything else on a temporary table is
/// `ON COMMIT DELETE ROWS` (`SYS$TRANSACTION`, Oracle's default).
fn temporary(temporary: Option<&str>, duration: Option<&str>) -> Option<Temporary> {
    if temporary.map(str::trim) != Some("Y") {
        return None;
    }
    Some(match duration.map(str::trim) {
        Some("SYS$SESSION") => Temporary::Session,
        _ => Temporary::Transaction,
    })
}

/// Adds the primary, unique, foreign and check keys to their tables, with their columns in key
/// order. Returns the indexes that back primary and unique keys, by (owner, index).
///
/// Fails when a foreign key's parent key is hidden from the user.
fn keys(
    tables: &mut BTreeMap<Name, Table>,
    constraints: Vec<ConstraintRow>,
    constraint_columns: Vec<ConstraintColumnRow>,
) -> Result<HashSet<Name>> {
    // Key columns by constraint, in key order, with the referenced key's columns.
    let mut key_columns: HashMap<Name, Vec<ConstraintColumnRow>> = HashMap::new();
    for k in constraint_columns {
        key_columns
            .entry(name(&k.owner, &k.constraint))
            .or_default()
            .push(k);
    }
    for columns in key_columns.values_mut() {
        columns.sort_by_key(|k| k.position);
    }
    let mut key_indexes: HashSet<Name> = HashSet::new();
    for c in constraints {
        let Some(table) = tables.get_mut(&name(&c.owner, &c.table)) else {
            continue;
        };
        let keys = key_columns.get(&name(&c.owner, &c.name));
        let columns: Vec<String> = keys
            .map(|k| k.iter().map(|k| k.column.clone()).collect())
            .unwrap_or_default();
        // A name Oracle made up (SYS_C…) is left for the target to make up.
        let given_name = (!c.generated_name).then(|| c.name.clone());
        match c.constraint_type.trim() {
            kind @ ("P" | "U") => {
                if let Some(index) = &c.index_name {
                    let index_owner = c.index_owner.clone().unwrap_or_else(|| c.owner.clone());
                    key_indexes.insert((index_owner, index.clone()));
                }
                let key = Key {
                    name: given_name,
                    columns,
                };
                if kind == "P" {
                    table.primary_key = Some(key);
                } else {
                    table.unique_keys.push(key);
                }
            }
            "R" => table.foreign_keys.push(foreign_key(&c, columns, keys)?),
            "C" => {
                if let Some(check) = check_key(&c, given_name, table) {
                    table.checks.push(check);
                }
            }
            _ => {}
        }
    }
    for t in tables.values_mut() {
        // Declaration order is not in the dictionary; name order is stable.
        t.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(key_indexes)
}

/// The foreign key of a constraint row, given its columns and its key columns' rows.
///
/// Fails when the parent key is hidden from the user.
fn foreign_key(
    c: &ConstraintRow,
    columns: Vec<String>,
    keys: Option<&Vec<ConstraintColumnRow>>,
) -> Result<ForeignKey> {
    let r_owner = c.r_owner.clone().unwrap_or_else(|| c.owner.clone());
    let hidden = || {
        anyhow!(
            "foreign key {} of {}.{} references a key of schema {r_owner} that the \
             user may not see: grant it SELECT_CATALOG_ROLE (dbsub then reads the \
             DBA_ views) or SELECT on the parent table",
            c.name,
            c.owner,
            c.table
        )
    };
    let ref_table = c.r_table.clone().ok_or_else(hidden)?;
    let ref_columns = keys
        .map(|k| k.iter().map(|k| k.r_column.clone()).collect())
        .unwrap_or(Some(Vec::new()))
        .ok_or_else(hidden)?;
    Ok(ForeignKey {
        name: c.name.clone(),
        columns,
        ref_schema: r_owner,
        ref_table,
        ref_columns,
        on_delete: FkAction::parse(c.delete_rule.as_deref().unwrap_or("")).unwrap_or_default(),
        on_update: FkAction::NoAction,
        deferrable: c.deferrable,
        initially_deferred: c.deferred,
        enabled: c.enabled,
    })
}

/// The check of a constraint row, if the table is to have one: not when it is disabled, empty,
/// or the `"X" IS NOT NULL` that a NOT NULL column `X` implies.
fn check_key(c: &ConstraintRow, name: Option<String>, table: &Table) -> Option<Check> {
    // A disabled check does not hold for the data; enabled in a target it would refuse the
    // rows that break it.
    if !c.enabled {
        return None;
    }
    let expression = c
        .search_condition
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())?;
    let not_null = not_null_check_column(expression)
        .is_some_and(|col| table.column(&col).is_some_and(|col| !col.nullable));
    (!not_null).then(|| Check {
        name,
        expression: expression.to_string(),
    })
}

/// The indexes of tables the catalog does not hold as tables (a materialized view's container
/// table), by (owner, table).
type ContainerIndexes = HashMap<Name, Vec<Index>>;

/// Adds the indexes to their tables (see [`assemble`] for those left out), their columns in
/// position order. Returns the table of every index, by (owner, index), for dependencies, and
/// the indexes of other tables (materialized views' container tables), but for those Oracle
/// creates for a fast-refreshed materialized view (`I_SNAP$_…`).
fn indexes(
    tables: &mut BTreeMap<Name, Table>,
    rows: Vec<IndexRow>,
    key_indexes: &HashSet<Name>,
) -> (HashMap<Name, Name>, ContainerIndexes) {
    // One row per column.
    let mut index_tables: HashMap<Name, Name> = HashMap::new();
    let mut indexes: BTreeMap<(Name, Name), IndexParts> = BTreeMap::new();
    for r in rows {
        let index = name(&r.owner, &r.name);
        let table = name(&r.table_owner, &r.table);
        index_tables.insert(index.clone(), table.clone());
        if key_indexes.contains(&index) || !index_type_read(&r.index_type) {
            continue;
        }
        let column = IndexColumn {
            expression: index_expression(&r),
            descending: r.descending,
            opclass: None,
            nulls_first: None,
        };
        let entry = indexes.entry((table, index)).or_insert_with(|| {
            (
                Index {
                    name: r.name.clone(),
                    unique: r.unique,
                    method: index_method(&r.index_type),
                    ..Index::default()
                },
                Vec::new(),
            )
        });
        entry.1.push((r.position, column));
    }
    let mut others = ContainerIndexes::new();
    for ((table, _), (mut index, mut columns)) in indexes {
        columns.sort_by_key(|(position, _)| *position);
        index.columns = columns.into_iter().map(|(_, c)| c).collect();
        match tables.get_mut(&table) {
            Some(table) => table.indexes.push(index),
            None if !index.name.starts_with("I_SNAP$_") => {
                others.entry(table).or_default().push(index)
            }
            None => {}
        }
    }
    (index_tables, others)
}

/// The partitioning and subpartitioning key columns of the partitioned tables.
struct Keys {
    partition: Vec<PartKeyColumnRow>,
    subpartition: Vec<PartKeyColumnRow>,
}

/// The partitions, subpartitions and subpartition templates of the partitioned tables.
struct Parts {
    partitions: Vec<PartitionRow>,
    /// With their partition.
    subpartitions: Vec<PartitionRow>,
    templates: Vec<PartitionRow>,
}

/// Partitions (or subpartitions) of `method` from their rows, in position order.
fn partition_list(method: PartitionMethod, mut rows: Vec<PartitionRow>) -> Vec<Partition> {
    rows.sort_by_key(|r| r.position);
    rows.into_iter()
        .map(|r| Partition {
            schema: None,
            bound: partition_bound(method, r.high_value.as_deref()),
            generated_name: generated_partition_name(&r.name),
            name: r.name,
            partitioning: None,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
        })
        .collect()
}

/// The columns of each table's key, by (owner, table), in key order.
fn key_columns(rows: Vec<PartKeyColumnRow>) -> HashMap<Name, Vec<String>> {
    let mut keys: HashMap<Name, Vec<(u32, String)>> = HashMap::new();
    for k in rows {
        keys.entry(name(&k.owner, &k.table))
            .or_default()
            .push((k.position, k.column));
    }
    keys.into_iter()
        .map(|(table, mut columns)| {
            columns.sort_by_key(|(position, _)| *position);
            (table, columns.into_iter().map(|(_, c)| c).collect())
        })
        .collect()
}

/// A partitioning method as `ALL_PART_TABLES` names it; `None` for `NONE` and for methods
/// dbsub does not know.
fn partition_method(word: &str) -> Option<PartitionMethod> {
    match word.trim() {
        "RANGE" => Some(PartitionMethod::Range),
        "LIST" => Some(PartitionMethod::List),
        "HASH" => Some(PartitionMethod::Hash),
        "REFERENCE" => Some(PartitionMethod::Reference),
        "SYSTEM" => Some(PartitionMethod::System),
        _ => None,
    }
}

/// A partition's bound as `CREATE TABLE` writes it, from its `HIGH_VALUE`: `VALUES LESS THAN
/// (…)` for range, `VALUES (…)` for list (`VALUES (DEFAULT)` for the default partition), empty
/// for the methods without bounds.
fn partition_bound(method: PartitionMethod, high_value: Option<&str>) -> String {
    let value = high_value.map(str::trim).filter(|v| !v.is_empty());
    match (method, value) {
        (PartitionMethod::Range, Some(v)) => format!("VALUES LESS THAN ({v})"),
        (PartitionMethod::List, Some(v)) => format!("VALUES ({v})"),
        _ => String::new(),
    }
}

/// Whether Oracle made up a partition's name: `SYS_P<n>` for a partition, `SYS_SUBP<n>` for a
/// subpartition, which the DDL did not name (Oracle asks users not to give names starting with
/// `SYS_`).
pub(super) fn generated_partition_name(name: &str) -> bool {
    ["SYS_SUBP", "SYS_P"].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Sets the partitioning of each partitioned table: its method and key, its interval or the
/// foreign key it is partitioned by, its partitions in position order with their bounds (not
/// those the database added for an interval: it adds them again on insert), a composite
/// table's subpartitions under each partition and its subpartition template, and its local
/// indexes. Partitions are never
/// tables of the catalog: `ALL_TABLES` lists the partitioned table only.
fn partitioning(
    tables: &mut BTreeMap<Name, Table>,
    part_tables: Vec<PartTableRow>,
    keys: Keys,
    parts: Parts,
    local_indexes: &[LocalIndexRow],
) {
    let mut keys_of = key_columns(keys.partition);
    let mut subkeys_of = key_columns(keys.subpartition);
    let mut partitions_of: HashMap<Name, Vec<PartitionRow>> = HashMap::new();
    for p in parts.partitions {
        partitions_of
            .entry(name(&p.owner, &p.table))
            .or_default()
            .push(p);
    }
    // By (owner, table, partition).
    let mut subpartitions_of: HashMap<(String, String, String), Vec<PartitionRow>> = HashMap::new();
    for s in parts.subpartitions {
        let partition = s.partition.clone().unwrap_or_default();
        subpartitions_of
            .entry((s.owner.clone(), s.table.clone(), partition))
            .or_default()
            .push(s);
    }
    let mut templates_of: HashMap<Name, Vec<PartitionRow>> = HashMap::new();
    for s in parts.templates {
        templates_of
            .entry(name(&s.owner, &s.table))
            .or_default()
            .push(s);
    }
    let local: HashSet<Name> = local_indexes
        .iter()
        .map(|i| name(&i.owner, &i.name))
        .collect();
    for t in part_tables {
        let key = name(&t.owner, &t.table);
        let Some(table) = tables.get_mut(&key) else {
            continue;
        };
        let Some(method) = partition_method(&t.partitioning_type) else {
            continue;
        };
        let sub_method = t.subpartitioning_type.as_deref().and_then(partition_method);
        let sub_key = subkeys_of.remove(&key).unwrap_or_default();
        let rows: Vec<PartitionRow> = partitions_of
            .remove(&key)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.interval)
            .collect();
        let mut partitions = partition_list(method, rows);
        if let Some(sub_method) = sub_method {
            for p in &mut partitions {
                let subs = subpartitions_of
                    .remove(&(t.owner.clone(), t.table.clone(), p.name.clone()))
                    .unwrap_or_default();
                p.partitioning = Some(Box::new(Partitioning {
                    method: sub_method,
                    key: sub_key.clone(),
                    interval: None,
                    reference: None,
                    partitions: partition_list(sub_method, subs),
                    local_indexes: Vec::new(),
                    subpartition_template: Vec::new(),
                    row_movement: false,
                }));
            }
        }
        let template = templates_of.remove(&key).unwrap_or_default();
        let subpartition_template = match sub_method {
            Some(sub_method) => partition_list(sub_method, template),
            None => Vec::new(),
        };
        let reference = t
            .ref_constraint
            .filter(|c| method == PartitionMethod::Reference && !c.is_empty());
        table.partitioning = Some(Partitioning {
            method,
            // A reference-partitioned table has its parent's key, not one of its own.
            key: match method {
                PartitionMethod::Reference => Vec::new(),
                _ => keys_of.remove(&key).unwrap_or_default(),
            },
            interval: t
                .interval
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty()),
            reference,
            partitions,
            local_indexes: table
                .indexes
                .iter()
                .filter(|i| local.contains(&name(&t.owner, &i.name)))
                .map(|i| i.name.clone())
                .collect(),
            subpartition_template,
            row_movement: t.row_movement,
        });
    }
}

/// Adds the sequences, each where it stands, with the identity column it belongs to.
///
/// Fails when a sequence's number is not an integer.
fn sequences(
    catalog: &mut Catalog,
    rows: Vec<SequenceRow>,
    identity_owner: &HashMap<Name, (String, String)>,
) -> Result<()> {
    for s in rows {
        let number = |text: &str, field: &str| -> Result<i128> {
            text.trim().parse().map_err(|_| {
                anyhow!(
                    "sequence {}.{}: {field} `{text}` is not an integer",
                    s.owner,
                    s.name
                )
            })
        };
        let cache = u64::try_from(number(&s.cache_size, "CACHE_SIZE")?).unwrap_or(0);
        catalog.sequences.push(Sequence {
            // Where the sequence stands: a recreated one continues from there.
            start: number(&s.last_number, "LAST_NUMBER")?,
            increment: number(&s.increment_by, "INCREMENT_BY")?,
            min_value: Some(number(&s.min_value, "MIN_VALUE")?),
            max_value: Some(number(&s.max_value, "MAX_VALUE")?),
            cycle: s.cycle,
            cache: (cache > 0).then_some(cache),
            owned_by: identity_owner.get(&name(&s.owner, &s.name)).cloned(),
            schema: s.owner,
            name: s.name,
        });
    }
    Ok(())
}

/// Adds the views and materialized views, with their columns (taken from `columns`), query and
/// comment.
fn views(
    catalog: &mut Catalog,
    views: Vec<ViewRow>,
    materialized_views: Vec<ViewRow>,
    columns: &mut HashMap<Name, Vec<Column>>,
) {
    for (rows, materialized) in [(views, false), (materialized_views, true)] {
        for v in rows {
            catalog.views.push(View {
                columns: columns.remove(&name(&v.owner, &v.name)).unwrap_or_default(),
                source: v.text.as_deref().unwrap_or("").trim().to_string(),
                schema: v.owner,
                name: v.name,
                materialized,
                comment: v.comment,
                indexes: Vec::new(),
            });
        }
    }
}

/// The source of each stored unit, by (owner, kind, name).
type Sources = BTreeMap<(String, String, String), String>;

/// The stored code: the lines of each unit joined in line order, unqualified
/// ([`unqualified_unit`]).
fn sources(rows: Vec<SourceRow>) -> Sources {
    let mut units: BTreeMap<(String, String, String), Vec<(u32, String)>> = BTreeMap::new();
    for s in rows {
        units
            .entry((s.owner, s.kind.trim().to_string(), s.name))
            .or_default()
            .push((s.line, s.text));
    }
    units
        .into_iter()
        .map(|(key, mut lines)| {
            lines.sort_by_key(|(line, _)| *line);
            let text: String = lines.into_iter().map(|(_, text)| text).collect();
            let source = unqualified_unit(&text, &key.0);
            (key, source)
        })
        .collect()
}

/// Adds the triggers on tables, each with its source (taken from `sources`).
///
/// Fails when a table trigger's source is hidden from the user.
fn triggers(catalog: &mut Catalog, rows: Vec<TriggerRow>, sources: &mut Sources) -> Result<()> {
    for t in rows {
        // Triggers on views, schemas and the database have no table to hang on.
        let (Some(table_owner), Some(table_name)) = (t.table_owner, t.table) else {
            continue;
        };
        if t.base_object_type.trim() != "TABLE" {
            continue;
        }
        let source = sources
            .remove(&(t.owner.clone(), "TRIGGER".to_string(), t.name.clone()))
            .ok_or_else(|| {
                anyhow!(
                    "the source of trigger {}.{} is hidden from the user (not in ALL_SOURCE): \
                     grant it SELECT_CATALOG_ROLE, so that dbsub reads DBA_SOURCE",
                    t.owner,
                    t.name
                )
            })?;
        let (timing, for_each_row) = trigger_timing(&t.trigger_type);
        catalog.triggers.push(Trigger {
            schema: t.owner,
            name: t.name,
            table_schema: table_owner,
            table_name,
            timing,
            events: trigger_events(&t.triggering_event),
            for_each_row,
            enabled: t.enabled,
            source,
        });
    }
    Ok(())
}

/// Adds the routines (packages and their bodies, procedures, functions, types and their
/// bodies) from the sources the triggers left.
fn routines(catalog: &mut Catalog, sources: Sources) {
    for ((owner, kind, unit), source) in sources {
        let kind = object_kind(&kind);
        if matches!(kind, ObjectKind::Trigger | ObjectKind::Other) {
            continue;
        }
        catalog.routines.push(Routine {
            schema: owner,
            name: unit,
            kind,
            source,
        });
    }
}

/// Adds the synonyms.
fn synonyms(catalog: &mut Catalog, rows: Vec<SynonymRow>) {
    for s in rows {
        catalog.synonyms.push(Synonym {
            // Over a database link without an owner, the remote user's own object: no schema
            // (the synonym's owner would name a local one).
            target_schema: match (&s.table_owner, &s.db_link) {
                (Some(owner), _) => owner.clone(),
                (None, Some(link)) if !link.is_empty() => String::new(),
                (None, _) => s.owner.clone(),
            },
            target_name: s.table,
            db_link: s.db_link.filter(|l| !l.is_empty()),
            schema: s.owner,
            name: s.name,
        });
    }
}

/// Adds the objects of kinds the model does not describe, one per name.
fn others(catalog: &mut Catalog, rows: Vec<ObjectRow>) {
    let mut seen: HashSet<Name> = HashSet::new();
    for o in rows {
        // A Java source and its class share a name, and so a key: the first is kept.
        if object_kind(&o.object_type) == ObjectKind::Other && seen.insert(name(&o.owner, &o.name))
        {
            catalog.others.push(OtherObject {
                schema: o.owner,
                name: o.name,
                object_type: o.object_type,
            });
        }
    }
}

/// The objects of the catalog, once every object is in it, for grants and dependencies to be
/// checked against.
struct Objects {
    /// Every object of the catalog.
    known: HashSet<ObjectKey>,
    /// The materialized views, by (owner, name).
    materialized: HashSet<Name>,
    /// The table of every index, by (owner, index).
    index_tables: HashMap<Name, Name>,
    /// The objects of kinds dbsub does not create, by (owner, name): an external table is a
    /// `TABLE` in the dependencies but one of these in the catalog.
    others: HashSet<Name>,
    /// The key of every trigger (`TABLE.NAME`), by (owner, name) as the dictionary names it.
    triggers: HashMap<Name, ObjectKey>,
}

impl Objects {
    fn new(catalog: &Catalog, index_tables: HashMap<Name, Name>) -> Objects {
        Objects {
            known: catalog.object_keys().into_iter().collect(),
            materialized: catalog
                .views
                .iter()
                .filter(|v| v.materialized)
                .map(|v| name(&v.schema, &v.name))
                .collect(),
            index_tables,
            triggers: catalog
                .triggers
                .iter()
                .map(|t| (name(&t.schema, &t.name), t.key()))
                .collect(),
            others: catalog
                .others
                .iter()
                .map(|o| name(&o.schema, &o.name))
                .collect(),
        }
    }

    /// The model's key for an object the dictionary names: a materialized view's container
    /// table is the materialized view.
    fn key(&self, owner: &str, object: &str, object_type: &str) -> ObjectKey {
        let mut kind = object_kind(object_type);
        if kind == ObjectKind::Trigger
            && let Some(key) = self.triggers.get(&name(owner, object))
        {
            return key.clone();
        }
        if kind == ObjectKind::Table && self.materialized.contains(&name(owner, object)) {
            kind = ObjectKind::MaterializedView;
        }
        if kind == ObjectKind::Table && self.others.contains(&name(owner, object)) {
            kind = ObjectKind::Other;
        }
        ObjectKey::new(owner, object, kind)
    }
}

/// Adds the grants on objects of the catalog.
fn grants(catalog: &mut Catalog, rows: Vec<GrantRow>, objects: &Objects) {
    for g in rows {
        let object = objects.key(
            &g.owner,
            &g.name,
            g.object_type.as_deref().unwrap_or("TABLE"),
        );
        if objects.known.contains(&object) {
            catalog.grants.push(Grant {
                object,
                grantee: g.grantee,
                privilege: g.privilege,
                grantable: g.grantable,
            });
        }
    }
}

/// Adds the dependencies of objects of the catalog, an index's standing for its table's; not
/// those on Oracle's own schemas, on indexes, on missing objects, or of a trigger on its table.
fn dependencies(catalog: &mut Catalog, rows: Vec<DependencyRow>, objects: &Objects) {
    let trigger_tables: HashMap<ObjectKey, ObjectKey> = catalog
        .triggers
        .iter()
        .map(|t| (t.key(), t.table_key()))
        .collect();
    for d in rows {
        if is_oracle_owner(&d.referenced_owner) || d.referenced_kind.trim() == "NON-EXISTENT" {
            continue;
        }
        let mut from = objects.key(&d.owner, &d.name, &d.kind);
        // An index needs what its expression calls; its table (or materialized view) stands
        // for it.
        if from.kind == ObjectKind::Index {
            match objects.index_tables.get(&name(&from.schema, &from.name)) {
                Some((owner, table)) => from = objects.key(owner, table, "TABLE"),
                None => continue,
            }
        }
        let to = objects.key(&d.referenced_owner, &d.referenced_name, &d.referenced_kind);
        let on_own_table = trigger_tables.get(&from) == Some(&to);
        if to.kind == ObjectKind::Index
            || from == to
            || on_own_table
            || !objects.known.contains(&from)
        {
            continue;
        }
        catalog.dependencies.push(Dependency { from, to });
    }
}
