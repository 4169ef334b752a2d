//! Which objects go in which migration file, and under which version.
//!
//! Files are bucketed by object kind so that each applies on its own, in this order: sequences
//! and types → tables (columns, keys, checks) → foreign keys as `ALTER TABLE … ADD CONSTRAINT`
//! (so that every cycle applies; SQLite keeps them inline) → indexes and comments → views in
//! dependency order → packages, procedures and functions (and the views that call them) →
//! triggers → grants (optional). Within a file, objects come in the load order: parents before
//! children by the dependencies the catalog records (`pg_depend`, `ALL_DEPENDENCIES`), ties by
//! name, cycles broken deterministically (see [`crate::graph::order::load_order`]).
//! Objects already created by the folder's files are left out; objects the dialect cannot
//! create are kept as comments and listed in the warnings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use anyhow::{Result, bail};
use petgraph::graph::NodeIndex;

use super::record::{Created, Existing};
use crate::catalog::{
    Catalog, FkAction, ObjectKey, ObjectKind, Partition, PartitionMethod, Partitioning, Table,
    Temporary,
};
use crate::graph::{Closure, DepGraph, Direction, LoadOrder};
use crate::model::ddl::*;
use crate::model::migration::Version;
use crate::model::ports::{Capabilities, Dialect};

/// The kinds of migration file, in the order they apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    Sequences,
    Tables,
    ForeignKeys,
    Indexes,
    Views,
    Code,
    Triggers,
    Grants,
}

impl Bucket {
    /// The word in file names: `V1.0.0.2__seedlot_tables.sql`.
    pub fn word(self) -> &'static str {
        match self {
            Bucket::Sequences => "sequences",
            Bucket::Tables => "tables",
            Bucket::ForeignKeys => "foreign_keys",
            Bucket::Indexes => "indexes",
            Bucket::Views => "views",
            Bucket::Code => "code",
            Bucket::Triggers => "triggers",
            Bucket::Grants => "grants",
        }
    }

    fn description(self, with_views: bool) -> &'static str {
        match self {
            Bucket::Code if with_views => {
                "packages, procedures and functions, and the views that call them"
            }
            Bucket::Sequences => "sequences and types",
            Bucket::Tables => "tables with their columns, primary and unique keys and checks",
            Bucket::ForeignKeys => "foreign keys, added after every table so that cycles apply",
            Bucket::Indexes => "indexes and comments",
            Bucket::Views => "views and synonyms, in dependency order",
            Bucket::Code => "packages, procedures and functions",
            Bucket::Triggers => "triggers",
            Bucket::Grants => "grants",
        }
    }
}

impl Bucket {
    /// The file of a kind of stored code: types with the sequences (tables may use them),
    /// the rest in the code file.
    fn of_code(kind: ObjectKind) -> Option<Bucket> {
        match kind {
            ObjectKind::Type => Some(Bucket::Sequences),
            ObjectKind::Package
            | ObjectKind::PackageBody
            | ObjectKind::Procedure
            | ObjectKind::Function
            | ObjectKind::TypeBody => Some(Bucket::Code),
            _ => None,
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What the user asked for.
#[derive(Clone)]
pub struct PlanOptions {
    /// The dialect to write.
    pub dialect: &'static dyn Dialect,
    /// The dialect of the catalog's source, when known: within one dialect, types, defaults,
    /// views and code are carried as the source wrote them.
    pub source: Option<&'static dyn Dialect>,
    /// Qualify every name with this schema; `None` writes unqualified names.
    pub target_schema: Option<String>,
    /// The name part of the file names (`seedlot`).
    pub name: String,
    /// `--migration-version`; `None` continues the folder's numbering.
    pub version: Option<Version>,
    pub grants: bool,
    pub direction: Direction,
}

/// One file to write.
#[derive(Debug)]
pub struct PlannedFile {
    pub bucket: Bucket,
    pub version: Version,
    pub file_name: String,
    pub model: FileModel,
    pub creates: Vec<Created>,
    /// Objects kept as comments because the dialect cannot create them.
    pub skipped: Vec<Created>,
}

#[derive(Debug)]
pub struct Plan {
    /// The release version of this run (`1.1.0`); each file adds a part.
    pub version: Version,
    pub files: Vec<PlannedFile>,
    pub warnings: Vec<String>,
}

/// One bucket's content while planning.
#[derive(Default)]
struct BucketContent {
    items: Vec<Item>,
    creates: Vec<Created>,
    skipped: Vec<Created>,
}

struct Planner<'a> {
    catalog: &'a Catalog,
    existing: &'a Existing,
    options: &'a PlanOptions,
    dialect: &'static dyn Dialect,
    can: &'static Capabilities,
    source: Option<&'static dyn Dialect>,
    buckets: BTreeMap<Bucket, BucketContent>,
    warnings: Vec<String>,
    carried_views: Vec<String>,
    /// Views that call stored code (directly or through another such view): created in the
    /// code file, after what they call, rather than in the views file before it.
    views_after_code: HashSet<NodeIndex>,
}

/// Plans the files that create `closure`'s objects not yet created in the folder.
///
/// Fails when `--migration-version` is not above the folder's latest version, or when
/// `--target-schema` is asked of SQLite.
pub fn plan(
    catalog: &Catalog,
    graph: &DepGraph,
    closure: &Closure,
    order: &LoadOrder,
    existing: &Existing,
    options: &PlanOptions,
) -> Result<Plan> {
    if !options.dialect.capabilities().schemas && options.target_schema.is_some() {
        bail!(
            "--target-schema does not apply to {}, which has one schema per file",
            options.dialect.title()
        );
    }
    let release = match (&options.version, &existing.latest) {
        (Some(v), Some(latest)) if v.release() <= latest.release() => bail!(
            "--migration-version {v} is not above the folder's latest version {latest}: pass a \
             higher version, or leave the option out to continue the folder's numbering"
        ),
        (Some(v), _) => v.release(),
        (None, Some(latest)) => latest.release().next_minor(),
        (None, None) => Version::first(),
    };
    let source = options.source;
    let mut planner = Planner {
        catalog,
        existing,
        options,
        dialect: options.dialect,
        can: options.dialect.capabilities(),
        source,
        buckets: BTreeMap::new(),
        warnings: Vec::new(),
        carried_views: Vec::new(),
        views_after_code: HashSet::new(),
    };
    for node in reference_parents_first(&order.order, catalog, graph) {
        planner.object(node, closure, graph);
    }
    if options.grants {
        planner.grants(closure, graph);
    }
    if !planner.carried_views.is_empty() {
        let from = source.map_or("an unknown dialect".to_string(), |d| d.kind().to_string());
        planner.warnings.push(format!(
            "views carried over unchanged from {from}; review their SQL for {}: {}",
            options.dialect.name(),
            planner.carried_views.join(", ")
        ));
    }

    let seeds: Vec<String> = closure
        .seeds
        .iter()
        .map(|&s| graph.key(s).to_string())
        .collect();
    let Planner {
        buckets, warnings, ..
    } = planner;
    // A bucket of objects that cannot be created still gets its file, so that the comments
    // saying so are where a reader looks for the objects.
    let with_ddl: Vec<(Bucket, BucketContent)> = buckets
        .into_iter()
        .filter(|(_, c)| !c.creates.is_empty() || !c.skipped.is_empty())
        .collect();
    let count = with_ddl.len();
    let files = with_ddl
        .into_iter()
        .enumerate()
        .map(|(i, (bucket, content))| {
            let version = release.with_part(i as u64 + 1);
            let file_name = format!("V{version}__{}_{}.sql", options.name, bucket.word());
            let has = |f: fn(&Item) -> bool| content.items.iter().any(f);
            let header = vec![
                format!(
                    "Generated by dbsub {}: {}.",
                    env!("CARGO_PKG_VERSION"),
                    bucket.description(has(|i| matches!(i, Item::View(_))))
                ),
                format!(
                    "Seed: {} ({}). Dialect: {}.",
                    seeds.join(", "),
                    direction_word(options.direction),
                    options.dialect.name()
                ),
                format!(
                    "File {} of {count} of version {release}; apply in version order.",
                    i + 1
                ),
            ];
            PlannedFile {
                bucket,
                version,
                file_name,
                model: FileModel {
                    header,
                    stored_code: bucket == Bucket::Code && has(|i| matches!(i, Item::Code(_))),
                    items: content.items,
                },
                creates: content.creates,
                skipped: content.skipped,
            }
        })
        .collect();
    Ok(Plan {
        version: release,
        files,
        warnings,
    })
}

/// The load order with each reference-partitioned table after the parent it is partitioned
/// by, which Oracle needs to exist (partitioned) first: the load order puts parents first, but
/// a cycle may have been broken at that foreign key.
fn reference_parents_first(
    order: &[NodeIndex],
    catalog: &Catalog,
    graph: &DepGraph,
) -> Vec<NodeIndex> {
    // (child, parent) of every reference-partitioned table in the graph.
    let references: Vec<(NodeIndex, NodeIndex)> = catalog
        .tables
        .iter()
        .filter_map(|t| {
            let fk = reference_key(t)?;
            let child = graph.node_of(&ObjectKey::table(&t.schema, &t.name))?;
            Some((child, graph.node_of(&fk.parent_key())?))
        })
        .collect();
    if references.is_empty() {
        return order.to_vec();
    }
    let mut out = order.to_vec();
    // Each pass moves one table after its parent; a chain of references takes one pass per
    // link, and references never form a cycle (Oracle refuses one), so this ends.
    for _ in 0..out.len() {
        let position: HashMap<NodeIndex, usize> =
            out.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let misplaced = references.iter().find_map(|(child, parent)| {
            let (child, parent) = (*position.get(child)?, *position.get(parent)?);
            (parent > child).then_some((child, parent))
        });
        let Some((child, parent)) = misplaced else {
            break;
        };
        let node = out.remove(child);
        // The parent moved up one with the removal: inserting at its old index puts the child
        // right after it.
        out.insert(parent, node);
    }
    out
}

/// The foreign key a reference-partitioned table is partitioned by.
fn reference_key(table: &Table) -> Option<&crate::catalog::ForeignKey> {
    let p = table.partitioning.as_ref()?;
    if p.method != PartitionMethod::Reference {
        return None;
    }
    let name = p.reference.as_ref()?;
    table.foreign_keys.iter().find(|fk| &fk.name == name)
}

/// A partitioning as a message shows it: `RANGE (SOLD_ON) INTERVAL (…), 2 partitions`.
fn describe_partitioning(p: &Partitioning) -> String {
    let mut text = format!("PARTITION BY {}", p.method.as_str());
    if let Some(fk) = &p.reference {
        text.push_str(&format!(" ({fk})"));
    } else if !p.key.is_empty() {
        text.push_str(&format!(" ({})", p.key.join(", ")));
    }
    if let Some(interval) = &p.interval {
        text.push_str(&format!(" INTERVAL ({interval})"));
    }
    if let Some(sub) = p.partitions.iter().find_map(|x| x.partitioning.as_deref()) {
        text.push_str(&format!(
            " SUBPARTITION BY {} ({})",
            sub.method.as_str(),
            sub.key.join(", ")
        ));
    }
    if !p.partitions.is_empty() {
        let n = p.partitions.len();
        text.push_str(&format!(", {n} partition{}", if n == 1 { "" } else { "s" }));
    }
    text
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Parents => "parents",
        Direction::Children => "children",
        Direction::Both => "parents and children",
    }
}

impl Planner<'_> {
    fn name(&self, name: &str) -> String {
        let ident = self.dialect.ident(name, self.source.map(|d| d.name_case()));
        match &self.options.target_schema {
            Some(schema) => format!("{}.{ident}", self.dialect.ident(schema, None)),
            None => ident,
        }
    }

    fn ident(&self, name: &str) -> String {
        self.dialect.ident(name, self.source.map(|d| d.name_case()))
    }

    /// Text carried from `schema` (a query, code, a type or a default) naming the objects as
    /// created: the source schema's qualifiers become `--target-schema`'s, or go. Where the
    /// text also uses the schema's name for something else, it stays as written, with a
    /// warning naming `what`.
    fn carried(&mut self, text: &str, schema: &str, what: &str) -> String {
        let target = self
            .options
            .target_schema
            .as_deref()
            .map(|t| self.dialect.ident(t, None));
        match self.dialect.requalify(text, schema, target.as_deref()) {
            Some(text) => text,
            None => {
                self.warnings.push(format!(
                    "{what} uses the name {schema} for something other than its schema (an \
                     alias?): its {schema}. qualifiers are left as written; review them"
                ));
                text.to_string()
            }
        }
    }

    /// A stored-code definition as created: carried (see [`Self::carried`]), and with
    /// `--target-schema` its unit (and a trigger's table) qualified like every other object.
    fn carried_unit(&mut self, definition: &str, key: &ObjectKey) -> String {
        let text = self.carried(definition.trim(), &key.schema, &key.to_string());
        match &self.options.target_schema {
            Some(target) => self
                .dialect
                .qualify_unit(&text, &self.dialect.ident(target, None)),
            None => text,
        }
    }

    fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn bucket(&mut self, bucket: Bucket) -> &mut BucketContent {
        self.buckets.entry(bucket).or_default()
    }

    fn add(&mut self, bucket: Bucket, item: Item, kind: &str, key: &ObjectKey) {
        let content = self.bucket(bucket);
        content.items.push(item);
        content.creates.push(Created {
            kind: kind.to_string(),
            schema: key.schema.clone(),
            name: key.name.clone(),
        });
    }

    /// Keeps an object the dialect cannot create as a comment, and warns.
    fn not_translated(&mut self, bucket: Bucket, key: &ObjectKey, why: &str, source: &str) {
        self.warnings.push(format!(
            "not created in {} (kept as a comment in the {bucket} file): {key}: {why}",
            self.dialect.name()
        ));
        let content = self.bucket(bucket);
        content.items.push(Item::NotTranslated(NoteSql {
            what: key.to_string(),
            why: why.to_string(),
            source_lines: source.lines().map(str::to_string).collect(),
        }));
        content.skipped.push(Created {
            kind: key.kind.as_str().to_string(),
            schema: key.schema.clone(),
            name: key.name.clone(),
        });
    }

    fn same_dialect(&self) -> bool {
        self.source.map(|d| d.kind()) == Some(self.dialect.kind())
    }

    fn cross_reason(&self, what: &str) -> String {
        let from = self
            .source
            .map_or("an unknown dialect".to_string(), |d| d.kind().to_string());
        format!(
            "{what} written for {from} cannot be translated to {}",
            self.dialect.name()
        )
    }

    fn object(&mut self, node: NodeIndex, closure: &Closure, graph: &DepGraph) {
        let key = graph.key(node);
        // A record written before trigger keys carried their table names a trigger bare.
        let bare = (key.kind == ObjectKind::Trigger)
            .then(|| key.name.split_once('.').map(|(_, name)| name))
            .flatten();
        if self.existing.has(key.kind.as_str(), &key.name)
            || bare.is_some_and(|name| self.existing.has("TRIGGER", name))
        {
            return;
        }
        match key.kind {
            ObjectKind::Table => self.table(key, closure, graph),
            ObjectKind::View | ObjectKind::MaterializedView => {
                let calls_code = graph.parents(node).any(|(_, parent)| {
                    self.views_after_code.contains(&parent)
                        || Bucket::of_code(graph.key(parent).kind) == Some(Bucket::Code)
                });
                let bucket = if calls_code {
                    self.views_after_code.insert(node);
                    Bucket::Code
                } else {
                    Bucket::Views
                };
                self.view(key, bucket)
            }
            ObjectKind::Sequence => self.sequence(key),
            ObjectKind::Trigger => self.trigger(key),
            ObjectKind::Type
            | ObjectKind::Package
            | ObjectKind::PackageBody
            | ObjectKind::Procedure
            | ObjectKind::Function
            | ObjectKind::TypeBody => {
                if let Some(bucket) = Bucket::of_code(key.kind) {
                    self.code(key, bucket);
                }
            }
            ObjectKind::Synonym => self.synonym(key),
            ObjectKind::Other => self.other(key),
            // Indexes come with their table; they are never graph nodes.
            ObjectKind::Index => {}
        }
    }

    fn table(&mut self, key: &ObjectKey, closure: &Closure, graph: &DepGraph) {
        let Some(table) = self.catalog.table(&key.schema, &key.name) else {
            self.warnings.push(format!(
                "{key} is referenced but is not in the catalog (another schema?): not created"
            ));
            return;
        };
        let name = self.name(&table.name);
        let mut elements: Vec<Element> = table
            .columns
            .iter()
            .map(|c| Element::Column(self.column(table, c)))
            .collect();
        if let Some(pk) = &table.primary_key {
            elements.push(Element::PrimaryKey(KeySql {
                name: pk.name.as_deref().map(|n| self.ident(n)),
                columns: self.list(&pk.columns),
            }));
        }
        for uk in &table.unique_keys {
            elements.push(Element::Unique(KeySql {
                name: uk.name.as_deref().map(|n| self.ident(n)),
                columns: self.list(&uk.columns),
            }));
        }
        for check in &table.checks {
            elements.push(Element::Check(CheckSql {
                name: check.name.as_deref().map(|n| self.ident(n)),
                expression: check.expression.clone(),
            }));
        }
        let (preserve_rows, mut note) = self.temporary(table, key);
        let (mut partitioning, partition_note) = self.partitioning(table, key, closure, graph);
        note = note.or(partition_note);
        // Oracle wants the foreign key a table is partitioned by in its CREATE TABLE.
        let reference = partitioning
            .as_ref()
            .and(reference_key(table))
            .map(|fk| fk.name.clone());
        let inline_fks = self.can.inline_foreign_keys;
        let mut later_fks = Vec::new();
        let mut inline_names = Vec::new();
        let mut reference_written = false;
        for fk in &table.foreign_keys {
            let Some(sql) = self.foreign_key(table, fk, closure, graph) else {
                continue;
            };
            // PostgreSQL names constraints per table: recorded as `TABLE.NAME`.
            let per_table = format!("{}.{}", table.name, fk.name);
            let partitions_by = reference.as_ref() == Some(&fk.name);
            reference_written |= partitions_by;
            if inline_fks || partitions_by {
                elements.push(Element::ForeignKey(sql));
                inline_names.push(per_table);
            } else {
                later_fks.push((per_table, sql));
            }
        }
        if reference.is_some() && !reference_written {
            // Its foreign key is not created (the planner said why): nor can the partitioning be.
            partitioning = None;
        }
        let local_indexes = match (&partitioning, &table.partitioning) {
            (Some(_), Some(p)) => p.local_indexes.clone(),
            _ => Vec::new(),
        };
        self.add(
            Bucket::Tables,
            Item::Table(TableSql {
                name: name.clone(),
                elements,
                preserve_rows,
                note,
                partitioning,
            }),
            "TABLE",
            key,
        );
        for fk_name in inline_names {
            self.bucket(Bucket::Tables).creates.push(Created {
                kind: "CONSTRAINT".into(),
                schema: key.schema.clone(),
                name: fk_name,
            });
        }
        for (fk_name, sql) in later_fks {
            // A record written before names the constraint bare.
            let bare = fk_name.split_once('.').map_or(fk_name.as_str(), |(_, n)| n);
            if self.existing.has("CONSTRAINT", &fk_name) || self.existing.has("CONSTRAINT", bare) {
                continue;
            }
            let content = self.bucket(Bucket::ForeignKeys);
            content.items.push(Item::ForeignKey(sql));
            content.creates.push(Created {
                kind: "CONSTRAINT".into(),
                schema: key.schema.clone(),
                name: fk_name,
            });
        }
        self.indexes_and_comments(table, key, &name, &local_indexes);
    }

    /// The table's partitioning where the dialect carries it (see
    /// [`Self::partitioning_carried`]); elsewhere a comment line and a warning saying what to
    /// do: the table is created unpartitioned, with the same rows.
    fn partitioning(
        &mut self,
        table: &Table,
        key: &ObjectKey,
        closure: &Closure,
        graph: &DepGraph,
    ) -> (Option<PartitioningSql>, Option<String>) {
        let Some(p) = &table.partitioning else {
            return (None, None);
        };
        if let Err(why) = self.partitioning_carried(table, closure, graph, 0) {
            let what = describe_partitioning(p);
            self.warnings.push(format!(
                "{key} is partitioned in the source ({what}); {why}: it is created as a plain \
                 table, which holds the same rows; partition it by hand if the tests need its \
                 partitions"
            ));
            let note = format!(
                "{}.{} is partitioned in the source ({what}); created unpartitioned here.",
                key.schema, key.name
            );
            return (None, Some(note));
        }
        let subpartition_by = p
            .partitions
            .iter()
            .find_map(|x| x.partitioning.as_deref())
            .map(|sub| SubpartitionBySql {
                method: sub.method.as_str(),
                key: self.list(&sub.key),
                template: p
                    .subpartition_template
                    .iter()
                    .map(|s| PartitionSql {
                        name: self.partition_name(s),
                        bound: s.bound.clone(),
                        subpartitions: Vec::new(),
                    })
                    .collect(),
            });
        let partitions = match p.method {
            // Oracle gives a reference-partitioned table one partition per partition of its
            // parent, named as the parent's; listing them would have to match their number.
            PartitionMethod::Reference => Vec::new(),
            _ => p
                .partitions
                .iter()
                .map(|x| PartitionSql {
                    name: self.partition_name(x),
                    bound: x.bound.clone(),
                    subpartitions: x
                        .partitioning
                        .iter()
                        .flat_map(|sub| &sub.partitions)
                        .map(|s| PartitionSql {
                            name: self.partition_name(s),
                            bound: s.bound.clone(),
                            subpartitions: Vec::new(),
                        })
                        .collect(),
                })
                .collect(),
        };
        // Hash partitions that are all unnamed and undivided: `PARTITIONS n`.
        let quantity = (p.method == PartitionMethod::Hash
            && !partitions.is_empty()
            && partitions
                .iter()
                .all(|x| x.name.is_empty() && x.subpartitions.is_empty()))
        .then_some(partitions.len());
        let partitions = if quantity.is_some() {
            Vec::new()
        } else {
            partitions
        };
        let sql = PartitioningSql {
            method: p.method.as_str(),
            key: self.list(&p.key),
            interval: p.interval.clone(),
            reference: p.reference.as_deref().map(|fk| self.ident(fk)),
            subpartition_by,
            partitions,
            quantity,
            row_movement: p.row_movement,
        };
        (Some(sql), None)
    }

    /// A partition's name as written: empty for a name the source's database made up, so that
    /// the target makes up its own.
    fn partition_name(&self, partition: &Partition) -> String {
        if partition.generated_name {
            String::new()
        } else {
            self.ident(&partition.name)
        }
    }

    /// Whether `table` is created partitioned here: the dialect carries its partitioning, and a
    /// reference-partitioned table's parent is created partitioned in the same set of
    /// migrations (or was by an earlier one). `Err` says why not.
    fn partitioning_carried(
        &self,
        table: &Table,
        closure: &Closure,
        graph: &DepGraph,
        depth: usize,
    ) -> Result<(), String> {
        let Some(p) = &table.partitioning else {
            return Err(format!(
                "{}.{} is not partitioned",
                table.schema, table.name
            ));
        };
        let Some(source) = self.source else {
            return Err(format!(
                "{} cannot carry the partitioning of an unknown dialect",
                self.dialect.title()
            ));
        };
        self.dialect.carries_partitioning(source, p)?;
        if p.method != PartitionMethod::Reference {
            return Ok(());
        }
        let Some(fk) = reference_key(table) else {
            return Err(format!(
                "the foreign key it is partitioned by ({}) is not among its foreign keys",
                p.reference.as_deref().unwrap_or("none named")
            ));
        };
        let parent = fk.parent_key();
        if self.existing.has("TABLE", &parent.name) {
            return Ok(());
        }
        let in_closure = graph.node_of(&parent).is_some_and(|n| closure.contains(n));
        let parent_table = self
            .catalog
            .table(&parent.schema, &parent.name)
            .filter(|_| in_closure);
        let Some(parent_table) = parent_table else {
            return Err(format!(
                "it is partitioned by reference through foreign key {} to {parent}, which is \
                 outside this set of migrations",
                fk.name
            ));
        };
        // References never form a cycle (Oracle refuses one); the depth only bounds a broken
        // catalog.
        if depth > 32 {
            return Err(format!(
                "its chain of references through {parent} does not end"
            ));
        }
        self.partitioning_carried(parent_table, closure, graph, depth + 1)
            .map_err(|why| {
                format!(
                    "it is partitioned by reference through foreign key {} to {parent}, which \
                     is created unpartitioned ({why})",
                    fk.name
                )
            })
    }

    /// Whether a global temporary table keeps its rows for the session, where the dialect
    /// creates such tables; elsewhere a comment line and a warning: the table is created as an
    /// ordinary one.
    fn temporary(&mut self, table: &Table, key: &ObjectKey) -> (Option<bool>, Option<String>) {
        let Some(temporary) = table.temporary else {
            return (None, None);
        };
        let preserve = temporary == Temporary::Session;
        if self.can.global_temporary_tables {
            return (Some(preserve), None);
        }
        let rows = if preserve { "PRESERVE" } else { "DELETE" };
        let why = format!(
            "a global temporary table in the source (ON COMMIT {rows} ROWS); {} has none, so it \
             is created as an ordinary table",
            self.dialect.title()
        );
        self.warnings.push(format!("{key}: {why}"));
        (None, Some(format!("{}.{} is {why}.", key.schema, key.name)))
    }

    fn column(&mut self, table: &Table, c: &crate::catalog::Column) -> ColumnSql {
        // Within one dialect the native type and default are kept as the source wrote them.
        let same = self.same_dialect();
        // An object type of the source schema (`APP.ADDRESS_T`) is the type as created.
        let ty = match if same {
            Ok(self.carried(
                &c.native_type,
                &table.schema,
                &format!("the type of {}.{}.{}", table.schema, table.name, c.name),
            ))
        } else {
            self.dialect.column_type(c)
        } {
            Ok(ty) => ty,
            Err(why) => {
                self.warnings.push(format!(
                    "column {}.{}.{}: {why}; written with its source type `{}`, which may not \
                     apply",
                    table.schema, table.name, c.name, c.native_type
                ));
                c.native_type.clone()
            }
        };
        // A PostgreSQL serial column: its default draws from the sequence it owns. In another
        // dialect it is an identity column instead (in SQLite, its INTEGER PRIMARY KEY).
        let serial = !same && c.identity.is_none() && self.serial_sequence(table, c).is_some();
        let identity = if !self.can.identity_columns {
            // SQLite's identity is the INTEGER PRIMARY KEY rowid alias, which the type gives.
            None
        } else if serial {
            Some(false)
        } else {
            c.identity.as_ref().map(|i| i.always)
        };
        let generated = c.generated.clone().filter(|g| !g.is_empty());
        let drawn = !serial
            && identity.is_none()
            && generated.is_none()
            && !self.drawn_default_kept(table, c);
        ColumnSql {
            name: self.ident(&c.name),
            ty,
            default: c
                .default
                .as_deref()
                .filter(|_| identity.is_none() && generated.is_none() && !serial && !drawn)
                .map(|d| {
                    if same {
                        self.carried(
                            d,
                            &table.schema,
                            &format!("the default of {}.{}.{}", table.schema, table.name, c.name),
                        )
                    } else {
                        self.dialect.default_expr(c, d)
                    }
                }),
            identity,
            generated,
            not_null: !c.nullable,
        }
    }

    /// Whether the column's default can be written here: `false`, with a warning naming the
    /// column and what to do, for a default drawn from a sequence (one no column owns; a serial
    /// column's is handled as an identity) where the dialect has no sequences.
    fn drawn_default_kept(&mut self, table: &Table, c: &crate::catalog::Column) -> bool {
        let sequence = match (self.can.sequences, self.source, c.default.as_deref()) {
            (false, Some(source), Some(default)) => match source.default_sequence(default) {
                Some(sequence) => sequence,
                None => return true,
            },
            _ => return true,
        };
        let rowid_alias = !self.can.identity_columns
            && matches!(c.neutral_type, crate::catalog::NeutralType::Integer { .. })
            && table
                .primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns == [c.name.as_str()]);
        let remedy = if rowid_alias {
            "as the table's INTEGER PRIMARY KEY the column is its rowid alias, which numbers a \
             row inserted without it max + 1 (per table, not shared with other users of the \
             sequence)"
        } else {
            "rows inserted without the column get NULL (or fail NOT NULL): give it a value on \
             insert"
        };
        self.warnings.push(format!(
            "column {}.{}.{}: its default draws from sequence {sequence}, and {} has no \
             sequences: the default is left out; {remedy}",
            table.schema,
            table.name,
            c.name,
            self.dialect.title()
        ));
        false
    }

    /// The sequence a column owns and draws its default from (a PostgreSQL serial column).
    fn serial_sequence(
        &self,
        table: &Table,
        column: &crate::catalog::Column,
    ) -> Option<&crate::catalog::Sequence> {
        let default = column.default.as_deref()?;
        self.catalog.sequences.iter().find(|s| {
            s.schema == table.schema
                && s.owned_by
                    .as_ref()
                    .is_some_and(|(t, c)| *t == table.name && *c == column.name)
                && default.contains(s.name.as_str())
        })
    }

    /// A foreign key's DDL, or `None` (with a warning) when it cannot be created here.
    fn foreign_key(
        &mut self,
        table: &Table,
        fk: &crate::catalog::ForeignKey,
        closure: &Closure,
        graph: &DepGraph,
    ) -> Option<FkSql> {
        let parent = fk.parent_key();
        let parent_here = graph.node_of(&parent).is_some_and(|n| closure.contains(n))
            || self.existing.has("TABLE", &parent.name);
        if !parent_here {
            self.warnings.push(format!(
                "foreign key {} of {}.{} references {parent}, which is outside this set of \
                 migrations: not created",
                fk.name, table.schema, table.name
            ));
            return None;
        }
        let parent_temporary = self
            .catalog
            .table(&parent.schema, &parent.name)
            .is_some_and(|p| p.temporary.is_some());
        if self.can.global_temporary_tables && (table.temporary.is_some() || parent_temporary) {
            // Oracle: "You cannot specify any foreign key constraints on temporary tables."
            self.warnings.push(format!(
                "foreign key {} of {}.{} involves a global temporary table, which {} does not \
                 allow: not created",
                fk.name,
                table.schema,
                table.name,
                self.dialect.title()
            ));
            return None;
        }
        if !fk.enabled && !self.can.disabled_foreign_keys {
            self.warnings.push(format!(
                "foreign key {} of {}.{} is disabled in the source and {} cannot create a \
                 disabled foreign key: not created",
                fk.name,
                table.schema,
                table.name,
                self.dialect.name()
            ));
            return None;
        }
        let ref_columns = if fk.ref_columns.is_empty() {
            // REFERENCES parent without columns: the parent's primary key.
            self.catalog
                .table(&parent.schema, &parent.name)
                .and_then(|p| p.primary_key.as_ref())
                .map(|pk| pk.columns.clone())
                .unwrap_or_default()
        } else {
            fk.ref_columns.clone()
        };
        let (on_delete, on_update) = self.fk_actions(fk);
        Some(FkSql {
            table: self.name(&table.name),
            name: self.ident(&fk.name),
            columns: self.list(&fk.columns),
            ref_table: self.name(&parent.name),
            ref_columns: self.list(&ref_columns),
            on_delete,
            on_update,
            deferrable: fk.deferrable,
            initially_deferred: fk.initially_deferred,
            disabled: !fk.enabled,
        })
    }

    /// A foreign key's ON DELETE and ON UPDATE actions as the dialect writes them: the default
    /// (NO ACTION) is not written; an action the dialect lacks is left out with a warning, but
    /// for RESTRICT, which is written as the default it equals but for when it is checked.
    fn fk_actions(
        &mut self,
        fk: &crate::catalog::ForeignKey,
    ) -> (Option<&'static str>, Option<&'static str>) {
        let title = self.dialect.title();
        let on_delete = match fk.on_delete {
            FkAction::NoAction => None,
            a if self.can.on_delete.contains(&a) => Some(a.as_sql()),
            FkAction::Restrict => None,
            a => {
                self.warnings.push(format!(
                    "foreign key {}: {title} has no ON DELETE {}; created without an ON DELETE \
                     action",
                    fk.name,
                    a.as_sql()
                ));
                None
            }
        };
        let on_update = match fk.on_update {
            FkAction::NoAction => None,
            a if self.can.on_update => Some(a.as_sql()),
            a => {
                self.warnings.push(format!(
                    "foreign key {}: {title} has no ON UPDATE {}; created without it",
                    fk.name,
                    a.as_sql()
                ));
                None
            }
        };
        (on_delete, on_update)
    }

    /// The table's indexes (`local`: those partitioned like the table, where its partitioning
    /// is carried) and comments.
    fn indexes_and_comments(
        &mut self,
        table: &Table,
        key: &ObjectKey,
        name: &str,
        local: &[String],
    ) {
        for ix in &table.indexes {
            if self.existing.has("INDEX", &ix.name) {
                continue;
            }
            let ix_key = ObjectKey::new(&key.schema, &ix.name, ObjectKind::Index);
            if ix.predicate.is_some() && !self.can.partial_indexes {
                let why = format!("{} has no partial indexes (WHERE)", self.dialect.title());
                self.not_translated(Bucket::Indexes, &ix_key, &why, "");
                continue;
            }
            let item = Item::Index(IndexSql {
                name: self.name(&ix.name),
                table: name.to_string(),
                unique: ix.unique,
                columns: ix
                    .columns
                    .iter()
                    .map(|c| IndexColumnSql {
                        // A plain column name follows the dialect's naming; an expression is
                        // carried as written.
                        expression: if table.column(&c.expression).is_some() {
                            self.ident(&c.expression)
                        } else {
                            c.expression.clone()
                        },
                        descending: c.descending,
                    })
                    .collect(),
                predicate: ix.predicate.clone(),
                local: local.contains(&ix.name),
            });
            self.add(Bucket::Indexes, item, "INDEX", &ix_key);
        }
        if !self.can.comments {
            return;
        }
        let mut comments = Vec::new();
        if let Some(text) = &table.comment {
            comments.push(CommentSql {
                on: "TABLE",
                target: name.to_string(),
                literal: self.dialect.literal(text),
            });
        }
        for c in &table.columns {
            if let Some(text) = &c.comment {
                comments.push(CommentSql {
                    on: "COLUMN",
                    target: format!("{name}.{}", self.ident(&c.name)),
                    literal: self.dialect.literal(text),
                });
            }
        }
        let content = self.bucket(Bucket::Indexes);
        content
            .items
            .extend(comments.into_iter().map(Item::Comment));
    }

    fn view(&mut self, key: &ObjectKey, bucket: Bucket) {
        let Some(view) = self
            .catalog
            .views
            .iter()
            .find(|v| v.schema == key.schema && v.name == key.name)
        else {
            return;
        };
        if view.materialized && !self.can.materialized_views {
            let why = format!("{} has no materialized views", self.dialect.title());
            self.not_translated(bucket, key, &why, &view.source);
            return;
        }
        if !self.same_dialect() {
            self.carried_views.push(key.qualified_name());
        }
        let names: Vec<String> = view.columns.iter().map(|c| c.name.clone()).collect();
        let item = Item::View(ViewSql {
            name: self.name(&view.name),
            materialized: view.materialized,
            columns: (!names.is_empty()).then(|| self.list(&names)),
            query: self.carried(view.source.trim(), &view.schema, &key.to_string()),
        });
        self.add(bucket, item, key.kind.as_str(), key);
    }

    fn sequence(&mut self, key: &ObjectKey) {
        let Some(seq) = self
            .catalog
            .sequences
            .iter()
            .find(|s| s.schema == key.schema && s.name == key.name)
        else {
            return;
        };
        let owner = seq.owned_by.as_ref().and_then(|(table, column)| {
            self.catalog
                .table(&seq.schema, table)
                .and_then(|t| t.column(column))
        });
        // An identity column's own sequence: the column creates it. A serial column's is
        // created within its dialect, which its default needs; elsewhere the column becomes an
        // identity column, which creates its own.
        if owner.is_some_and(|c| c.identity.is_some() || !self.same_dialect()) {
            return;
        }
        if !self.can.sequences {
            let why = format!("{} has no sequences", self.dialect.title());
            self.not_translated(Bucket::Sequences, key, &why, "");
            return;
        }
        // Start at 1 (or the lowest allowed value); loading moves the sequence past the keys.
        let start = if seq.increment >= 0 {
            seq.min_value.unwrap_or(1).max(1)
        } else {
            seq.max_value.unwrap_or(-1).min(-1)
        };
        // A maximum beyond the dialect's (Oracle's default, in PostgreSQL's bigint) is dropped.
        let max_value = match self.can.sequence_max {
            Some(limit) => seq.max_value.filter(|&m| m <= limit),
            None => seq.max_value,
        };
        let item = Item::Sequence(SequenceSql {
            name: self.name(&seq.name),
            start,
            increment: seq.increment,
            min_value: seq.min_value,
            max_value,
            cycle: seq.cycle,
            cache: seq.cache.filter(|&c| c > 1),
        });
        self.add(Bucket::Sequences, item, "SEQUENCE", key);
    }

    fn trigger(&mut self, key: &ObjectKey) {
        let Some(trigger) = self.catalog.triggers.iter().find(|t| t.key() == *key) else {
            return;
        };
        if !self.same_dialect() {
            let why = self.cross_reason("trigger code");
            self.not_translated(Bucket::Triggers, key, &why, &trigger.source);
            return;
        }
        let item = Item::Code(CodeSql {
            definition: self.carried_unit(&trigger.source, key),
            or_replace: self.or_replace(ObjectKind::Trigger),
            disabled_trigger: (!trigger.enabled).then(|| self.name(&trigger.name)),
        });
        self.add(Bucket::Triggers, item, "TRIGGER", key);
    }

    fn code(&mut self, key: &ObjectKey, bucket: Bucket) {
        let Some(routine) = self
            .catalog
            .routines
            .iter()
            .find(|r| r.schema == key.schema && r.name == key.name && r.kind == key.kind)
        else {
            return;
        };
        if !self.same_dialect() {
            let why = self.cross_reason("stored code");
            self.not_translated(bucket, key, &why, &routine.source);
            return;
        }
        let item = Item::Code(CodeSql {
            definition: self.carried_unit(&routine.source, key),
            or_replace: self.or_replace(key.kind),
            disabled_trigger: None,
        });
        self.add(bucket, item, key.kind.as_str(), key);
    }

    /// An object of a kind dbsub does not create (a Java class, a library, …): listed as not
    /// created, so that the migration says what is missing rather than failing later.
    fn other(&mut self, key: &ObjectKey) {
        let object_type = self
            .catalog
            .others
            .iter()
            .find(|o| o.schema == key.schema && o.name == key.name)
            .map_or("this kind of", |o| o.object_type.as_str());
        let why = format!(
            "{object_type} objects are not created by dbsub; create it by hand (or with Data \
             Pump) if the subset's code needs it"
        );
        self.not_translated(Bucket::Code, key, &why, "");
    }

    /// Whether stored code of `kind` is written `CREATE OR REPLACE` (PostgreSQL has no such
    /// form for types and domains, and its triggers have it only since version 14).
    fn or_replace(&self, kind: ObjectKind) -> bool {
        !self.can.create_without_replace.contains(&kind)
    }

    fn synonym(&mut self, key: &ObjectKey) {
        let Some(syn) = self
            .catalog
            .synonyms
            .iter()
            .find(|s| s.schema == key.schema && s.name == key.name)
        else {
            return;
        };
        if !self.can.synonyms {
            let why = format!("{} has no synonyms", self.dialect.name());
            let link = syn
                .db_link
                .as_deref()
                .map_or(String::new(), |l| format!("@{l}"));
            let text = format!(
                "SYNONYM {} FOR {}.{}{link}",
                syn.name, syn.target_schema, syn.target_name
            );
            self.not_translated(Bucket::Views, key, &why, &text);
            return;
        }
        let target = if syn.db_link.is_some() {
            // A remote object: its schema (if the dictionary names one) is the remote one.
            [&syn.target_schema, &syn.target_name]
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| self.ident(p))
                .collect::<Vec<_>>()
                .join(".")
        } else if syn.target_schema == syn.schema {
            self.name(&syn.target_name)
        } else {
            format!(
                "{}.{}",
                self.ident(&syn.target_schema),
                self.ident(&syn.target_name)
            )
        };
        // A synonym over a database link names a remote object: written with its link, which
        // must exist in the target too (dbsub does not create links).
        let target = match &syn.db_link {
            Some(link) => {
                self.warnings.push(format!(
                    "synonym {key} points over database link {link}: create the link in the \
                     target, or the synonym resolves to nothing"
                ));
                format!("{target}@{link}")
            }
            None => target,
        };
        let item = Item::Synonym(SynonymSql {
            name: self.name(&syn.name),
            target,
        });
        self.add(Bucket::Views, item, "SYNONYM", key);
    }

    fn grants(&mut self, closure: &Closure, graph: &DepGraph) {
        for grant in &self.catalog.grants {
            let in_closure = graph
                .node_of(&grant.object)
                .is_some_and(|n| closure.contains(n));
            let record_name = format!(
                "{} {} {}",
                grant.privilege, grant.object.name, grant.grantee
            );
            if !in_closure || self.existing.has("GRANT", &record_name) {
                continue;
            }
            if !self.can.grants {
                self.warnings.push(format!(
                    "{} has no grants: {} on {} to {} not created",
                    self.dialect.title(),
                    grant.privilege,
                    grant.object,
                    grant.grantee
                ));
                continue;
            }
            let item = Item::Grant(GrantSql {
                privilege: grant.privilege.clone(),
                object: self.name(&grant.object.name),
                grantee: self.ident(&grant.grantee),
                grantable: grant.grantable,
            });
            let content = self.bucket(Bucket::Grants);
            content.items.push(item);
            content.creates.push(Created {
                kind: "GRANT".into(),
                schema: grant.object.schema.clone(),
                name: record_name,
            });
        }
    }
}
