//! From rows to the model: [`Rows`], the rows of every query, and [`assemble`], one pure
//! function from them to a catalog, with its phases in the order it runs them (relations,
//! sequences, columns, tables and views, keys, indexes, dependencies, triggers, routines,
//! types, the names routine bodies use, grants) and the text forms they read (foreign-key actions, trigger bits, view and
//! routine sources, literal defaults).

use std::collections::HashMap;

use anyhow::Result;
use postgres::Row;
use postgres::types::Oid;

use crate::catalog::*;

use super::get;
use super::types::neutral_type;

/// The rows of every query.
pub(super) struct Rows {
    pub(super) relations: Vec<Row>,
    pub(super) columns: Vec<Row>,
    pub(super) constraints: Vec<Row>,
    pub(super) indexes: Vec<Row>,
    pub(super) sequences: Vec<Row>,
    pub(super) dependencies: Vec<Row>,
    pub(super) triggers: Vec<Row>,
    pub(super) routines: Vec<Row>,
    pub(super) bodies: Vec<Row>,
    pub(super) types: Vec<Row>,
    pub(super) grants: Vec<Row>,
    /// Partitioned tables and their partitions ([`super::queries::partitions_sql`]).
    pub(super) partitions: Vec<Row>,
    /// Foreign keys declared on partitions themselves.
    pub(super) partition_keys: Vec<Row>,
    /// Indexes created on partitions themselves.
    pub(super) partition_indexes: Vec<Row>,
}

/// A relation of the first query.
struct Relation {
    schema: String,
    name: String,
    relkind: String,
    estimated_rows: Option<u64>,
    comment: Option<String>,
    view_source: Option<String>,
}

impl Relation {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.schema, &self.name, relation_kind(&self.relkind))
    }
}

/// The object kind of a `pg_class.relkind`.
fn relation_kind(relkind: &str) -> ObjectKind {
    match relkind {
        "v" => ObjectKind::View,
        "m" => ObjectKind::MaterializedView,
        "S" => ObjectKind::Sequence,
        "i" | "I" => ObjectKind::Index,
        _ => ObjectKind::Table,
    }
}

/// Builds the catalog from the rows of every query.
///
/// Fails only when a query and this reader disagree about a column's type.
pub(super) fn assemble(rows: Rows) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    let relations = relations(&rows.relations)?;
    catalog.extensions_used = extensions_used(&rows.relations)?;
    let identity_sequences = sequences(&mut catalog, &rows.sequences)?;
    let mut columns = columns(&mut catalog, &rows.columns, &relations, &identity_sequences)?;
    let (mut tables, materialized) = tables_and_views(&mut catalog, relations, &mut columns);
    keys(&mut tables, &rows.constraints)?;
    indexes(
        &mut tables,
        &mut catalog.views,
        &materialized,
        &rows.indexes,
    )?;
    partitioning(
        &mut tables,
        &rows.partitions,
        &rows.partition_keys,
        &rows.partition_indexes,
    )?;
    catalog.tables = tables.into_values().collect();
    dependencies(&mut catalog, &rows.dependencies)?;
    triggers(&mut catalog, &rows.triggers)?;
    routines(&mut catalog, &rows.routines)?;
    types(&mut catalog, &rows.types)?;
    // Last: a body's names resolve against every object read.
    super::bodies::dependencies(&mut catalog, &rows.bodies)?;
    grants(&mut catalog, &rows.grants)?;
    catalog.normalize();
    Ok(catalog)
}

/// The relations (tables, views, materialized views) by oid, in the query's order.
fn relations(rows: &[Row]) -> Result<Vec<(Oid, Relation)>> {
    let mut relations: Vec<(Oid, Relation)> = Vec::with_capacity(rows.len());
    for r in rows {
        let tuples: f64 = get(r, 4)?;
        relations.push((
            get(r, 0)?,
            Relation {
                schema: get(r, 1)?,
                name: get(r, 2)?,
                relkind: get(r, 3)?,
                // -1: never analysed; 0: never analysed before PostgreSQL 14, or empty.
                estimated_rows: (tuples > 0.0).then(|| tuples.round() as u64),
                comment: get(r, 5)?,
                view_source: get::<Option<String>>(r, 6)?.map(|s| view_query(&s)),
            },
        ));
    }
    Ok(relations)
}

/// The extensions each relation uses (the relations query's last column).
fn extensions_used(rows: &[Row]) -> Result<Vec<ExtensionUse>> {
    let mut used = Vec::new();
    for r in rows {
        let (schema, name): (String, String) = (get(r, 1)?, get(r, 2)?);
        for extension in get::<Vec<String>>(r, 7)? {
            used.push(ExtensionUse {
                schema: schema.clone(),
                name: name.clone(),
                extension,
            });
        }
    }
    Ok(used)
}

/// Identity sequences by (schema, table, column), for `Identity::sequence`.
type IdentitySequences = HashMap<(String, String, String), String>;

/// Adds the sequences, with the column that owns them. Returns the identity sequences.
fn sequences(catalog: &mut Catalog, rows: &[Row]) -> Result<IdentitySequences> {
    let mut identity_sequences = IdentitySequences::new();
    for r in rows {
        let owner_schema: Option<String> = get(r, 8)?;
        let owner_table: Option<String> = get(r, 9)?;
        let owner_column: Option<String> = get(r, 10)?;
        let deptype: Option<String> = get(r, 11)?;
        let name: String = get(r, 1)?;
        let owned_by = match (owner_schema, owner_table, owner_column) {
            (Some(schema), Some(table), Some(column)) => {
                if deptype.as_deref() == Some("i") {
                    identity_sequences
                        .insert((schema, table.clone(), column.clone()), name.clone());
                }
                Some((table, column))
            }
            _ => None,
        };
        let cache: i64 = get(r, 7)?;
        catalog.sequences.push(Sequence {
            schema: get(r, 0)?,
            name,
            start: get::<i64>(r, 2)?.into(),
            increment: get::<i64>(r, 3)?.into(),
            min_value: Some(get::<i64>(r, 4)?.into()),
            max_value: Some(get::<i64>(r, 5)?.into()),
            cycle: get(r, 6)?,
            cache: u64::try_from(cache).ok(),
            owned_by,
        });
    }
    Ok(identity_sequences)
}

/// The columns of every relation by its oid: types, defaults, identity (with its sequence),
/// generated columns, comments. Adds the dependency of a relation on the enum or domain a
/// column uses.
fn columns(
    catalog: &mut Catalog,
    rows: &[Row],
    relations: &[(Oid, Relation)],
    identity_sequences: &IdentitySequences,
) -> Result<HashMap<Oid, Vec<Column>>> {
    let keys: HashMap<Oid, ObjectKey> = relations.iter().map(|(o, r)| (*o, r.key())).collect();
    let mut columns_of: HashMap<Oid, Vec<Column>> = HashMap::new();
    for r in rows {
        let oid: Oid = get(r, 0)?;
        let Some(owner) = keys.get(&oid) else {
            continue;
        };
        let name: String = get(r, 1)?;
        let base_name: String = get(r, 3)?;
        let category: String = get(r, 4)?;
        let typmod: i32 = get(r, 5)?;
        let identity: String = get(r, 8)?;
        let identity = match identity.as_str() {
            "a" | "d" => Some(Identity {
                always: identity == "a",
                sequence: identity_sequences
                    .get(&(owner.schema.clone(), owner.name.clone(), name.clone()))
                    .cloned(),
            }),
            _ => None,
        };
        let type_schema: Option<String> = get(r, 11)?;
        let type_name: Option<String> = get(r, 12)?;
        if let (Some(schema), Some(type_name)) = (type_schema, type_name) {
            catalog.dependencies.push(Dependency {
                from: owner.clone(),
                to: ObjectKey::new(schema, type_name, ObjectKind::Type),
            });
        }
        columns_of.entry(oid).or_default().push(Column {
            native_type: get(r, 2)?,
            neutral_type: neutral_type(&base_name, category.chars().next().unwrap_or('X'), typmod),
            nullable: get(r, 6)?,
            default: get::<Option<String>>(r, 7)?.map(|d| simplify_default(&d)),
            identity,
            generated: get(r, 9)?,
            comment: get(r, 10)?,
            name,
        });
    }
    Ok(columns_of)
}

/// The position in `Catalog::views` of each materialized view, by oid.
type Materialized = HashMap<Oid, usize>;

/// Adds the views and materialized views, with their columns (taken from `columns`), query and
/// comment. Returns the tables by oid, with their columns, comment and estimated rows (keys and
/// indexes come later), and where each materialized view is, for its indexes.
fn tables_and_views(
    catalog: &mut Catalog,
    relations: Vec<(Oid, Relation)>,
    columns: &mut HashMap<Oid, Vec<Column>>,
) -> (HashMap<Oid, Table>, Materialized) {
    let mut tables: HashMap<Oid, Table> = HashMap::new();
    let mut materialized = Materialized::new();
    for (oid, rel) in relations {
        let columns = columns.remove(&oid).unwrap_or_default();
        match rel.relkind.as_str() {
            "v" | "m" => {
                if rel.relkind == "m" {
                    materialized.insert(oid, catalog.views.len());
                }
                catalog.views.push(View {
                    schema: rel.schema,
                    name: rel.name,
                    materialized: rel.relkind == "m",
                    columns,
                    source: rel.view_source.unwrap_or_default(),
                    comment: rel.comment,
                    indexes: Vec::new(),
                })
            }
            _ => {
                tables.insert(
                    oid,
                    Table {
                        schema: rel.schema,
                        name: rel.name,
                        columns,
                        primary_key: None,
                        unique_keys: Vec::new(),
                        foreign_keys: Vec::new(),
                        checks: Vec::new(),
                        indexes: Vec::new(),
                        comment: rel.comment,
                        estimated_rows: rel.estimated_rows,
                        temporary: None,
                        partitioning: None,
                    },
                );
            }
        }
    }
    (tables, materialized)
}

/// Adds the primary, unique, foreign and check keys to their tables.
fn keys(tables: &mut HashMap<Oid, Table>, rows: &[Row]) -> Result<()> {
    for r in rows {
        let Some(table) = tables.get_mut(&get::<Oid>(r, 0)?) else {
            continue;
        };
        let name: String = get(r, 1)?;
        let kind: String = get(r, 2)?;
        let columns: Vec<String> = get(r, 3)?;
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(Key {
                    name: Some(name),
                    columns,
                })
            }
            "u" => table.unique_keys.push(Key {
                name: Some(name),
                columns,
            }),
            "f" => table.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_schema: get::<Option<String>>(r, 4)?.unwrap_or_default(),
                ref_table: get::<Option<String>>(r, 5)?.unwrap_or_default(),
                ref_columns: get(r, 6)?,
                on_delete: fk_action(&get::<String>(r, 7)?),
                on_update: fk_action(&get::<String>(r, 8)?),
                deferrable: get(r, 9)?,
                initially_deferred: get(r, 10)?,
                // PostgreSQL cannot disable a constraint (NOT VALID only skips existing rows).
                enabled: true,
            }),
            "c" => table.checks.push(Check {
                name: Some(name),
                expression: get::<Option<String>>(r, 11)?.unwrap_or_default(),
            }),
            _ => {}
        }
    }
    for t in tables.values_mut() {
        // Declaration order is lost in pg_constraint; name order is stable.
        t.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(())
}

/// Adds the indexes to their tables and materialized views, with their columns (or
/// expressions), operator classes and NULLs order, predicate, method, `INCLUDE` columns, `NULLS NOT
/// DISTINCT` and the extensions they need.
fn indexes(
    tables: &mut HashMap<Oid, Table>,
    views: &mut [View],
    materialized: &Materialized,
    rows: &[Row],
) -> Result<()> {
    for r in rows {
        let oid: Oid = get(r, 0)?;
        let indexes = match tables.get_mut(&oid) {
            Some(table) => &mut table.indexes,
            None => match materialized.get(&oid).and_then(|&at| views.get_mut(at)) {
                Some(view) => &mut view.indexes,
                None => continue,
            },
        };
        let expressions: Vec<Option<String>> = get(r, 3)?;
        let descending: Vec<bool> = get(r, 4)?;
        let opclasses: Vec<Option<String>> = get(r, 7)?;
        let nulls_first: Vec<Option<bool>> = get(r, 11)?;
        indexes.push(Index {
            name: get(r, 1)?,
            unique: get(r, 2)?,
            columns: expressions
                .into_iter()
                .zip(descending)
                .zip(opclasses)
                .zip(nulls_first)
                .map(
                    |(((expression, descending), opclass), nulls_first)| IndexColumn {
                        expression: expression.unwrap_or_default(),
                        descending,
                        opclass,
                        nulls_first,
                    },
                )
                .collect(),
            predicate: get(r, 5)?,
            method: get(r, 6)?,
            include: get(r, 8)?,
            nulls_not_distinct: get(r, 9)?,
            extensions: get(r, 10)?,
        });
    }
    Ok(())
}

/// One row of the partitions query: a partitioned table (no parent) or a partition.
struct PartitionRow {
    oid: Oid,
    parent: Option<Oid>,
    schema: String,
    name: String,
    bound: String,
    tuples: f64,
    /// Set when the relation is itself partitioned.
    method: Option<PartitionMethod>,
    key: Vec<String>,
}

/// Sets the partitioning of the partitioned tables: method, key and partitions at every level,
/// each partition with the foreign keys and indexes declared on it alone. A partitioned table's
/// estimated rows are its leaf partitions' (its own `reltuples` is 0 or -1).
fn partitioning(
    tables: &mut HashMap<Oid, Table>,
    rows: &[Row],
    key_rows: &[Row],
    index_rows: &[Row],
) -> Result<()> {
    let mut parts: Vec<PartitionRow> = Vec::with_capacity(rows.len());
    for r in rows {
        let strategy: Option<String> = get(r, 6)?;
        let keydef: Option<String> = get(r, 7)?;
        parts.push(PartitionRow {
            oid: get(r, 0)?,
            parent: get(r, 1)?,
            schema: get(r, 2)?,
            name: get(r, 3)?,
            bound: get::<Option<String>>(r, 4)?.unwrap_or_default(),
            tuples: get(r, 5)?,
            method: strategy.as_deref().and_then(|s| match s {
                "r" => Some(PartitionMethod::Range),
                "l" => Some(PartitionMethod::List),
                "h" => Some(PartitionMethod::Hash),
                _ => None,
            }),
            key: keydef.as_deref().map(partition_key).unwrap_or_default(),
        });
    }
    // The partitions' own keys and indexes, read into empty tables by the phases above.
    let mut own: HashMap<Oid, Table> = parts
        .iter()
        .filter(|p| p.parent.is_some())
        .map(|p| (p.oid, empty_table(&p.schema, &p.name)))
        .collect();
    keys(&mut own, key_rows)?;
    indexes(&mut own, &mut [], &Materialized::default(), index_rows)?;
    let mut children: HashMap<Oid, Vec<usize>> = HashMap::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(parent) = p.parent {
            children.entry(parent).or_default().push(i);
        }
    }
    for top in parts.iter().filter(|p| p.parent.is_none()) {
        let Some(table) = tables.get_mut(&top.oid) else {
            continue;
        };
        let mut leaf_rows = 0.0;
        let built = partitioning_of(top, &parts, &children, &mut own, &mut leaf_rows);
        table.partitioning = Some(built);
        if leaf_rows > 0.0 {
            table.estimated_rows = Some(leaf_rows.round() as u64);
        }
    }
    Ok(())
}

/// The partitioning of `of` (a partitioned table or partition), its partitions in the query's
/// order (by name); adds the leaf partitions' estimated rows to `leaf_rows`.
fn partitioning_of(
    of: &PartitionRow,
    parts: &[PartitionRow],
    children: &HashMap<Oid, Vec<usize>>,
    own: &mut HashMap<Oid, Table>,
    leaf_rows: &mut f64,
) -> Partitioning {
    let mut partitions = Vec::new();
    for &i in children.get(&of.oid).map(Vec::as_slice).unwrap_or_default() {
        let p = &parts[i];
        let sub = match p.method {
            Some(_) => Some(Box::new(partitioning_of(
                p, parts, children, own, leaf_rows,
            ))),
            None => {
                if p.tuples > 0.0 {
                    *leaf_rows += p.tuples;
                }
                None
            }
        };
        let declared = own.remove(&p.oid);
        let (foreign_keys, indexes) =
            declared.map_or_else(Default::default, |t| (t.foreign_keys, t.indexes));
        partitions.push(Partition {
            schema: (p.schema != of.schema).then(|| p.schema.clone()),
            name: p.name.clone(),
            generated_name: false,
            bound: p.bound.clone(),
            partitioning: sub,
            foreign_keys,
            indexes,
        });
    }
    Partitioning {
        method: of.method.unwrap_or(PartitionMethod::Range),
        key: of.key.clone(),
        interval: None,
        reference: None,
        partitions,
        local_indexes: Vec::new(),
        subpartition_template: Vec::new(),
        row_movement: false,
    }
}

/// A table with a name and nothing else.
fn empty_table(schema: &str, name: &str) -> Table {
    Table {
        schema: schema.to_string(),
        name: name.to_string(),
        ..Table::default()
    }
}

/// The key of `pg_get_partkeydef`'s `RANGE (a, (lower(b)))`: its columns and expressions,
/// split at the commas outside parentheses and quotes.
pub(super) fn partition_key(definition: &str) -> Vec<String> {
    let text = definition.trim();
    let inner = match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// Adds what views read, what column defaults use and what functions and procedures use.
fn dependencies(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    let kind = |word: &str| match word {
        "proc p" => ObjectKind::Procedure,
        // An aggregate is created and called as a function.
        "proc f" | "proc a" => ObjectKind::Function,
        "type" => ObjectKind::Type,
        relkind => relation_kind(relkind),
    };
    for r in rows {
        catalog.dependencies.push(Dependency {
            from: ObjectKey::new(
                get::<String>(r, 0)?,
                get::<String>(r, 1)?,
                kind(&get::<String>(r, 2)?),
            ),
            to: ObjectKey::new(
                get::<String>(r, 3)?,
                get::<String>(r, 4)?,
                kind(&get::<String>(r, 5)?),
            ),
        });
    }
    Ok(())
}

/// Adds the triggers, and the dependency of each on its function unless that function is the
/// system's or an extension's.
fn triggers(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    for r in rows {
        let schema: String = get(r, 0)?;
        let table: String = get(r, 1)?;
        let name: String = get(r, 2)?;
        let tgtype: i32 = get(r, 3)?;
        let enabled: String = get(r, 4)?;
        let definition: String = get(r, 5)?;
        let system_function: bool = get(r, 9)?;
        let (timing, events) = trigger_shape(tgtype);
        let trigger = Trigger {
            schema: schema.clone(),
            name,
            table_schema: schema,
            table_name: table,
            timing,
            events,
            for_each_row: tgtype & TRIGGER_ROW != 0,
            enabled: enabled != "D",
            source: definition
                .trim()
                .strip_prefix("CREATE ")
                .unwrap_or(definition.trim())
                .to_string(),
        };
        if !system_function {
            let prokind: String = get(r, 8)?;
            catalog.dependencies.push(Dependency {
                from: trigger.key(),
                to: ObjectKey::new(
                    get::<String>(r, 6)?,
                    get::<String>(r, 7)?,
                    if prokind == "p" {
                        ObjectKind::Procedure
                    } else {
                        ObjectKind::Function
                    },
                ),
            });
        }
        catalog.triggers.push(trigger);
    }
    Ok(())
}

/// Adds the functions, procedures and aggregates, the overloads of a name in one routine.
fn routines(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    // Overloads share a name, and so a key: one routine holds all their definitions.
    let mut routine_at: HashMap<ObjectKey, usize> = HashMap::new();
    for r in rows {
        let schema: String = get(r, 0)?;
        let name: String = get(r, 1)?;
        let prokind: String = get(r, 2)?;
        let definition: String = get(r, 3)?;
        let quoted_schema: String = get(r, 4)?;
        let kind = if prokind == "p" {
            ObjectKind::Procedure
        } else {
            ObjectKind::Function
        };
        let source = routine_source(&definition, &quoted_schema);
        let key = ObjectKey::new(&schema, &name, kind);
        match routine_at.get(&key) {
            Some(&at) => {
                let routine = &mut catalog.routines[at];
                routine.source = format!("{};\nCREATE OR REPLACE {source}", routine.source);
            }
            None => {
                routine_at.insert(key, catalog.routines.len());
                catalog.routines.push(Routine {
                    schema,
                    name,
                    kind,
                    source,
                });
            }
        }
    }
    Ok(())
}

/// Adds the enum and domain types (as routines of kind type), and the dependency of a domain on
/// the enum or domain it is based on.
fn types(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    for r in rows {
        let schema: String = get(r, 0)?;
        let name: String = get(r, 1)?;
        let quoted: String = get(r, 2)?;
        let typtype: String = get(r, 3)?;
        let source = if typtype == "e" {
            let labels: Vec<String> = get(r, 4)?;
            format!("TYPE {quoted} AS ENUM ({})", labels.join(", "))
        } else {
            let base: String = get(r, 5)?;
            let default: Option<String> = get(r, 6)?;
            let not_null: bool = get(r, 7)?;
            let checks: Vec<String> = get(r, 8)?;
            let mut source = format!("DOMAIN {quoted} AS {base}");
            if let Some(default) = default {
                source.push_str(&format!(" DEFAULT {default}"));
            }
            if not_null {
                source.push_str(" NOT NULL");
            }
            for check in checks {
                source.push(' ');
                source.push_str(&check);
            }
            source
        };
        let routine = Routine {
            schema,
            name,
            kind: ObjectKind::Type,
            source,
        };
        if let (Some(base_schema), Some(base_name)) =
            (get::<Option<String>>(r, 9)?, get::<Option<String>>(r, 10)?)
        {
            catalog.dependencies.push(Dependency {
                from: routine.key(),
                to: ObjectKey::new(base_schema, base_name, ObjectKind::Type),
            });
        }
        catalog.routines.push(routine);
    }
    Ok(())
}

/// Adds the privileges granted on the relations.
fn grants(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    for r in rows {
        let relkind: String = get(r, 2)?;
        catalog.grants.push(Grant {
            object: ObjectKey::new(
                get::<String>(r, 0)?,
                get::<String>(r, 1)?,
                relation_kind(&relkind),
            ),
            grantee: get(r, 3)?,
            privilege: get(r, 4)?,
            grantable: get(r, 5)?,
        });
    }
    Ok(())
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

// `pg_trigger.tgtype` bits (PostgreSQL's catalog/pg_trigger.h).
pub(super) const TRIGGER_ROW: i32 = 1 << 0;
pub(super) const TRIGGER_BEFORE: i32 = 1 << 1;
pub(super) const TRIGGER_INSERT: i32 = 1 << 2;
pub(super) const TRIGGER_DELETE: i32 = 1 << 3;
const TRIGGER_UPDATE: i32 = 1 << 4;
pub(super) const TRIGGER_TRUNCATE: i32 = 1 << 5;
pub(super) const TRIGGER_INSTEAD: i32 = 1 << 6;

/// Timing (`BEFORE`, `AFTER`, `INSTEAD OF`) and events of a `tgtype`.
pub(super) fn trigger_shape(tgtype: i32) -> (String, Vec<String>) {
    let timing = if tgtype & TRIGGER_INSTEAD != 0 {
        "INSTEAD OF"
    } else if tgtype & TRIGGER_BEFORE != 0 {
        "BEFORE"
    } else {
        "AFTER"
    };
    let events = [
        (TRIGGER_INSERT, "INSERT"),
        (TRIGGER_UPDATE, "UPDATE"),
        (TRIGGER_DELETE, "DELETE"),
        (TRIGGER_TRUNCATE, "TRUNCATE"),
    ]
    .into_iter()
    .filter(|(bit, _)| tgtype & bit != 0)
    .map(|(_, word)| word.to_string())
    .collect();
    (timing.to_string(), events)
}

/// `pg_get_viewdef`'s text as a view's source: the query, without the leading blank and the
/// closing `;`.
pub(super) fn view_query(definition: &str) -> String {
    definition
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_string()
}

/// `pg_get_functiondef`'s `CREATE OR REPLACE FUNCTION schema.name(…) …` as a routine's source:
/// `FUNCTION name(…) …`, unqualified like every other object dbsub creates, so that a
/// migration puts it in the target's schema.
pub(super) fn routine_source(definition: &str, quoted_schema: &str) -> String {
    let text = definition.trim();
    let text = text.strip_prefix("CREATE OR REPLACE ").unwrap_or(text);
    for word in ["FUNCTION ", "PROCEDURE "] {
        if let Some(rest) = text.strip_prefix(word)
            && let Some(name) = rest
                .strip_prefix(quoted_schema)
                .and_then(|r| r.strip_prefix('.'))
        {
            return format!("{word}{name}");
        }
    }
    text.to_string()
}

/// A default that is one typed literal, as PostgreSQL prints `DEFAULT 'new'` (`'new'::text`)
/// or `DEFAULT -1` (`'-1'::integer`), written as the literal alone: the column's type gives it
/// the same value, and the text then reads the same in every dialect. Anything else is kept.
pub(super) fn simplify_default(expr: &str) -> String {
    let expr = expr.trim();
    let (literal, cast) = if let Some(rest) = expr.strip_prefix("NULL::") {
        ("NULL", rest)
    } else if expr.starts_with('\'') {
        // The closing quote: a quote not followed by another (a doubled quote is data).
        let bytes = expr.as_bytes();
        let mut i = 1;
        let mut end = None;
        while i < bytes.len() {
            if bytes[i] == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                end = Some(i);
                break;
            }
            i += 1;
        }
        let Some(end) = end else {
            return expr.to_string();
        };
        let Some(cast) = expr[end + 1..].strip_prefix("::") else {
            return expr.to_string();
        };
        (&expr[..=end], cast)
    } else {
        return expr.to_string();
    };
    // A type name only: no operator, no further expression.
    let type_name_only = cast
        .chars()
        .all(|c| c.is_alphanumeric() || " _(),.\"[]:".contains(c));
    if !type_name_only {
        return expr.to_string();
    }
    let numeric_type = [
        "smallint",
        "integer",
        "bigint",
        "numeric",
        "real",
        "double precision",
    ]
    .iter()
    .any(|t| cast.starts_with(t));
    let inner = &literal[1..literal.len().saturating_sub(1)];
    if numeric_type && literal != "NULL" && inner.parse::<f64>().is_ok() && !inner.contains(' ') {
        return inner.to_string();
    }
    literal.to_string()
}
