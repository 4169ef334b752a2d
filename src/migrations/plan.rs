//! Which objects go in which migration file, and under which version.
//!
//! Files are bucketed by object kind so that each applies on its own, in this order: sequences
//! and types → tables (columns, keys, checks) → foreign keys as `ALTER TABLE … ADD CONSTRAINT`
//! (so that every cycle applies; SQLite keeps them inline) → indexes and comments → views in
//! dependency order (a materialized view's indexes right after it) → packages, procedures and functions (and the views that call them) →
//! the defaults, checks, generated columns and indexes that call that code (the catalog records
//! a table's need for code: `pg_depend`, `ALL_DEPENDENCIES`), added by `ALTER TABLE` → triggers → grants (optional). Within a file, objects come in the load order: parents before
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
    Catalog, Column, FkAction, ForeignKey, Index, ObjectKey, ObjectKind, Partition,
    PartitionMethod, Partitioning, Table, Temporary,
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
    /// The pieces of tables that call stored code created in the code file.
    AfterCode,
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
            Bucket::AfterCode => "table_code",
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
            Bucket::AfterCode => {
                "the defaults, checks, generated columns and indexes of tables that call the code \
                 before them"
            }
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
    /// The tables using each extension the dialect does not have, reported once per extension.
    extension_users: BTreeMap<String, Vec<String>>,
    /// Views that call stored code (directly or through another such view): created in the
    /// code file, after what they call, rather than in the views file before it.
    views_after_code: HashSet<NodeIndex>,
    /// Extensions this run creates for indexes' operator classes, each once.
    extensions: HashSet<String>,
    /// The objects kept as comments: a view that uses one is not created either.
    left_out: HashSet<ObjectKey>,
    /// Every object of the set (the closure), created by this run or an earlier one.
    in_set: HashSet<ObjectKey>,
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
    same_names_from_several_schemas(order.order.iter().map(|&n| graph.key(n)), options)?;
    same_names_as_recorded(order.order.iter().map(|&n| graph.key(n)), existing)?;
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
        extension_users: BTreeMap::new(),
        views_after_code: HashSet::new(),
        extensions: HashSet::new(),
        left_out: HashSet::new(),
        in_set: order.order.iter().map(|&n| graph.key(n).clone()).collect(),
    };
    for node in reference_parents_first(&order.order, catalog, graph) {
        planner.object(node, closure, graph);
    }
    if options.grants {
        planner.grants(closure, graph);
    }
    for (extension, users) in std::mem::take(&mut planner.extension_users) {
        planner.warnings.push(format!(
            "extension {extension}, which {} does not have, is used by {} (a function in a \
             default, check or index, or a column's type): created without it, with what calls \
             it as written; review those: {}",
            options.dialect.title(),
            crate::output::plural(users.len(), "table"),
            users.join(", ")
        ));
    }
    if !planner.carried_views.is_empty() {
        let from = source.map_or("an unknown dialect".to_string(), |d| d.kind().to_string());
        planner.warnings.push(format!(
            "views carried over from {from}, their SQL as written but for spellings of standard \
             SQL (casts of literals, ~~); review it for {}, as functions of {from}'s own do not \
             translate: {}",
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
    // saying so are where a reader looks for the objects; so does one of only `COMMENT ON`s
    // (the indexes file of tables without indexes), which create nothing of their own.
    let with_ddl: Vec<(Bucket, BucketContent)> = buckets
        .into_iter()
        .filter(|(_, c)| !c.items.is_empty() || !c.creates.is_empty() || !c.skipped.is_empty())
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

/// A partitioning as a message shows it: `PARTITION BY RANGE (SOLD_ON) INTERVAL (…)`.
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
    // Composite (Oracle): every partition subpartitioned the same way. PostgreSQL may
    // partition some partitions only, each its own way: its message counts them instead.
    let composite = p.partitions.iter().all(|x| x.partitioning.is_some());
    if let Some(sub) = p
        .partitions
        .iter()
        .find_map(|x| x.partitioning.as_deref())
        .filter(|_| composite)
    {
        text.push_str(&format!(
            " SUBPARTITION BY {} ({})",
            sub.method.as_str(),
            sub.key.join(", ")
        ));
    }
    text
}

/// An index as the comment of one not created shows it: `INDEX n ON t USING gin (c opclass)`.
fn index_text(ix: &Index, on: &str) -> String {
    let using = ix
        .method
        .as_deref()
        .map_or(String::new(), |m| format!(" USING {m}"));
    let columns: Vec<String> = ix
        .columns
        .iter()
        .map(|c| {
            let mut text = c.expression.clone();
            if let Some(opclass) = &c.opclass {
                text.push(' ');
                text.push_str(opclass);
            }
            if c.descending {
                text.push_str(" DESC");
            }
            match c.nulls_first {
                Some(true) => text.push_str(" NULLS FIRST"),
                Some(false) => text.push_str(" NULLS LAST"),
                None => {}
            }
            text
        })
        .collect();
    let predicate = ix
        .predicate
        .as_deref()
        .map_or(String::new(), |p| format!(" WHERE {p}"));
    format!(
        "{}INDEX {} ON {on}{using} ({}){predicate}",
        if ix.unique { "UNIQUE " } else { "" },
        ix.name,
        columns.join(", ")
    )
}

/// The stored code a table's pieces call, by whether this run creates it.
#[derive(Default)]
struct CodeNeeds {
    /// Created in the code file, after the table.
    later: Vec<ObjectKey>,
    /// Not created in the target's dialect (the source's is another).
    not_created: Vec<ObjectKey>,
    /// Generated columns added after the code they call.
    later_columns: Vec<String>,
    /// Generated columns left out, with the code they call.
    left_out_columns: Vec<(String, ObjectKey)>,
}

impl CodeNeeds {
    /// What a piece of a table (its expression, `text`) calls, by the names in it.
    /// A piece that names a generated column added later or left out follows that column.
    fn called_by(&self, text: &str) -> Calls {
        if self.later.iter().any(|code| names(text, &code.name))
            || self.later_columns.iter().any(|c| names(text, c))
        {
            return Calls::Later;
        }
        let left_out = self
            .left_out_columns
            .iter()
            .find(|(c, _)| names(text, c))
            .map(|(_, code)| code);
        match left_out.or_else(|| self.not_created.iter().find(|code| names(text, &code.name))) {
            Some(code) => Calls::NotCreated(code.clone()),
            None => Calls::Nothing,
        }
    }
}

/// What a piece of a table calls.
enum Calls {
    Nothing,
    /// Code created after the table: the piece is added after it.
    Later,
    /// Code not created in this dialect: the piece is left out.
    NotCreated(ObjectKey),
}

/// Whether `text` (an expression) names `name` as an identifier, in any case, quoted or not:
/// which of a table's pieces calls the code the catalog says the table needs.
fn names(text: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '#';
    let upper = text.to_uppercase();
    let name = name.to_uppercase();
    upper.match_indices(&name).any(|(at, _)| {
        let before = upper[..at].chars().next_back();
        let after = upper[at + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Whether `c` is `table`'s single-column integer primary key: SQLite's rowid alias, which
/// numbers rows inserted without it (SQLite's only identity).
fn rowid_alias(table: &Table, c: &Column) -> bool {
    matches!(c.neutral_type, crate::catalog::NeutralType::Integer { .. })
        && table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns == [c.name.as_str()])
}

/// A sequence's name as a default names it (`s`, `APP.S`, `"My Seq"`): its schema, if any,
/// and name, unquoted.
fn split_sequence_name(text: &str) -> (Option<String>, String) {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part)),
            _ => part.push(ch),
        }
    }
    match parts.pop() {
        Some(schema) => (Some(schema), part),
        None => (None, part),
    }
}

/// Fails when two objects of different source schemas would be created under one name: every
/// object is written into one schema (`--target-schema`'s, or the target's default), where
/// relations (tables, views, sequences) and types share a name space in every dialect, so the
/// second `CREATE` would fail `migrate`, or silently replace the first view.
fn same_names_from_several_schemas<'k>(
    keys: impl Iterator<Item = &'k ObjectKey>,
    options: &PlanOptions,
) -> Result<()> {
    let mut by_name: BTreeMap<String, Vec<&ObjectKey>> = BTreeMap::new();
    for key in keys {
        if matches!(
            key.kind,
            ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::Type
                | ObjectKind::Synonym
        ) {
            by_name
                .entry(
                    options
                        .dialect
                        .ident(&key.name, options.source.map(|d| d.name_case())),
                )
                .or_default()
                .push(key);
        }
    }
    let clashes: Vec<String> = by_name
        .into_values()
        .filter(|keys| {
            keys.iter()
                .any(|k| !k.schema.eq_ignore_ascii_case(&keys[0].schema))
        })
        .map(|keys| {
            keys.iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    bail!(
        "objects of different schemas would be created under one name, as every object is \
         created in one schema: {}. Leave one of each out (--exclude SCHEMA.NAME), or write each \
         source schema's objects in a run of their own into a schema of their own (--schema, \
         --target-schema)",
        clashes.join("; ")
    )
}

/// Fails when an object would take the name of one that an earlier run into the folder created
/// from another source schema: the folder's record says that name is created, so the object
/// would be skipped as already there while the other schema's object stands in its place.
fn same_names_as_recorded<'k>(
    keys: impl Iterator<Item = &'k ObjectKey>,
    existing: &Existing,
) -> Result<()> {
    let Some(record) = &existing.record else {
        return Ok(());
    };
    let recorded: Vec<&Created> = record.files.iter().flat_map(|f| &f.creates).collect();
    let clashes: Vec<String> = keys
        .filter_map(|key| {
            let earlier = recorded.iter().find(|c| {
                c.kind == key.kind.as_str()
                    && c.name.eq_ignore_ascii_case(&key.name)
                    && !c.schema.is_empty()
                    && !c.schema.eq_ignore_ascii_case(&key.schema)
            })?;
            Some(format!(
                "{key} and {}.{} created before",
                earlier.schema, earlier.name
            ))
        })
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    bail!(
        "objects would take the names of objects an earlier run into this folder created from \
         another schema: {}. Leave them out (--exclude SCHEMA.NAME), or write them into a folder \
         and schema of their own (--migration-folder, --target-schema)",
        clashes.join("; ")
    )
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
        self.left_out.insert(key.clone());
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
                // A domain or enum not created is no reason to leave the view out: the tables'
                // columns of it are created with its base type, and a cast to it in the query
                // is not portable, which keeps the view out anyway.
                let missing = graph
                    .parents(node)
                    .map(|(_, parent)| graph.key(parent))
                    .find(|parent| self.left_out.contains(*parent) && !self.domain_or_enum(parent))
                    .cloned();
                self.view(key, bucket, missing)
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
        self.identities_not_carried(table, key);
        let mut needs = self.code_needed(key, closure, graph);
        let mut after_code = Vec::new();
        let mut elements = Vec::new();
        for c in &table.columns {
            let column = self.column(table, c);
            if let Some(column) =
                self.column_calling_code(table, c, column, &mut needs, &mut after_code)
            {
                elements.push(Element::Column(column));
            }
        }
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
            if let Some(expression) = self.check_expression(table, check) {
                let sql = CheckSql {
                    name: check.name.as_deref().map(|n| self.ident(n)),
                    expression,
                };
                let what = format!(
                    "check{} of {}.{}",
                    check
                        .name
                        .as_deref()
                        .map_or(String::new(), |n| format!(" {n}")),
                    table.schema,
                    table.name
                );
                match self.calls_code(&needs, &sql.expression, &what) {
                    Calls::Nothing => elements.push(Element::Check(sql)),
                    Calls::Later => {
                        let check_name = check.name.as_deref().unwrap_or("CHECK");
                        after_code.push((
                            Item::Alter(AlterSql::AddCheck {
                                table: name.clone(),
                                check: sql,
                            }),
                            ("CONSTRAINT", format!("{}.{check_name}", table.name)),
                        ));
                    }
                    Calls::NotCreated(_) => {}
                }
            }
        }
        let (preserve_rows, mut note) = self.temporary(table, key);
        let carried = match &table.partitioning {
            Some(_) => self.partitioning_carried(table, closure, graph, 0),
            None => Ok(()),
        };
        let mut partitions = match carried {
            Ok(()) => self.partitions(table, &name),
            Err(_) => None,
        };
        // Oracle wants the foreign key a table is partitioned by in its CREATE TABLE.
        let reference = partitions
            .as_ref()
            .and(reference_key(table))
            .map(|fk| fk.name.clone());
        let inline_fks = self.can.inline_foreign_keys;
        let mut later_fks = Vec::new();
        let mut inline_names = Vec::new();
        let mut reference_written = false;
        let mut table_fks = table.foreign_keys.clone();
        if let Err(why) = &carried {
            let (enforced, why) = self.plain_partitioned(table, key, why);
            table_fks.extend(enforced);
            note = note.or(Some(why));
        }
        for fk in &table_fks {
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
            partitions = None;
        }
        let local_indexes = match (&partitions, &table.partitioning) {
            (Some(_), Some(p)) => p.local_indexes.clone(),
            _ => Vec::new(),
        };
        // The foreign keys declared on the partitions themselves, on each partition.
        for (part, part_name) in partitions.iter().flat_map(|p| &p.1) {
            for fk in &part.foreign_keys {
                if let Some(mut sql) = self.foreign_key(table, fk, closure, graph) {
                    sql.table = part_name.clone();
                    later_fks.push((format!("{}.{}", part.name, fk.name), sql));
                }
            }
        }
        self.extensions_first(Bucket::Tables, key);
        self.add(
            Bucket::Tables,
            Item::Table(TableSql {
                name: name.clone(),
                elements,
                preserve_rows,
                note,
                partitioning: partitions.as_ref().map(|p| p.0.clone()),
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
        let content = self.bucket(Bucket::AfterCode);
        for (item, (kind, piece)) in after_code {
            content.items.push(item);
            content.creates.push(Created {
                kind: kind.to_string(),
                schema: key.schema.clone(),
                name: piece,
            });
        }
        self.indexes(table, &table.indexes, key, &name, &local_indexes, &needs);
        self.comments(table, &name, &needs);
        for (part, part_name) in partitions.iter().flat_map(|p| &p.1) {
            self.indexes(table, &part.indexes, key, part_name, &[], &needs);
        }
    }

    /// Where the dialect has no identity columns (SQLite, whose only one is the rowid alias):
    /// one warning naming the table's other identity and serial columns, which are created
    /// plain.
    fn identities_not_carried(&mut self, table: &Table, key: &ObjectKey) {
        if self.can.identity_columns {
            return;
        }
        let numbered: Vec<&str> = table
            .columns
            .iter()
            .filter(|c| c.identity.is_some() || self.serial_sequence(table, c).is_some())
            .filter(|c| !rowid_alias(table, c))
            .map(|c| c.name.as_str())
            .collect();
        if numbered.is_empty() {
            return;
        }
        self.warnings.push(format!(
            "{key}: {} numbers only a table's single-column INTEGER PRIMARY KEY (its rowid), so \
             these identity columns are created as plain columns: {}; rows inserted without them \
             get NULL (or fail NOT NULL): give them values on insert",
            self.dialect.title(),
            numbered.join(", ")
        ));
    }

    /// The stored code a table's defaults, checks, generated columns or indexes call, as the
    /// catalog records it (`pg_depend`, `ALL_DEPENDENCIES`: a table's need for a function).
    fn code_needed(&self, key: &ObjectKey, closure: &Closure, graph: &DepGraph) -> CodeNeeds {
        let mut needs = CodeNeeds::default();
        let Some(node) = graph.node_of(key) else {
            return needs;
        };
        for (_, parent) in graph.parents(node) {
            let code = graph.key(parent);
            if Bucket::of_code(code.kind) != Some(Bucket::Code)
                || self.existing.has(code.kind.as_str(), &code.name)
            {
                continue;
            }
            if !self.same_dialect() {
                needs.not_created.push(code.clone());
            } else if closure.contains(parent) {
                needs.later.push(code.clone());
            }
        }
        needs
    }

    /// Whether a piece of a table (`text`, named `what`) calls code the table needs: code
    /// created later, in the code file (the piece is added after it), or code not created in
    /// this dialect (the piece is left out, with a warning).
    fn calls_code(&mut self, needs: &CodeNeeds, text: &str, what: &str) -> Calls {
        match needs.called_by(text) {
            Calls::NotCreated(code) => {
                let why = self.not_created_reason(&code);
                self.warnings.push(format!(
                    "{what}: {why}: left out; add an equivalent by hand if the tests need it"
                ));
                Calls::NotCreated(code)
            }
            calls => calls,
        }
    }

    fn not_created_reason(&self, code: &ObjectKey) -> String {
        format!(
            "it calls {code}, which is not created in {}",
            self.dialect.name()
        )
    }

    /// A column as created in the table, or `None` for a generated column that calls code
    /// created later, which is added at the end of the table after that code; a default that
    /// calls such code is set after it.
    fn column_calling_code(
        &mut self,
        table: &Table,
        c: &Column,
        mut column: ColumnSql,
        needs: &mut CodeNeeds,
        after_code: &mut Vec<(Item, (&'static str, String))>,
    ) -> Option<ColumnSql> {
        let what = |piece: &str| {
            format!(
                "the {piece} of column {}.{}.{}",
                table.schema, table.name, c.name
            )
        };
        let table_name = self.name(&table.name);
        if let Some(default) = column.default.clone() {
            match self.calls_code(needs, &default, &what("default")) {
                Calls::Nothing => {}
                Calls::Later => {
                    after_code.push((
                        Item::Alter(AlterSql::SetDefault {
                            table: table_name.clone(),
                            column: column.name.clone(),
                            default,
                        }),
                        ("DEFAULT", format!("{}.{}", table.name, c.name)),
                    ));
                    column.default = None;
                }
                Calls::NotCreated(_) => column.default = None,
            }
        }
        if let Some(generated) = column.generated.clone() {
            let what = format!(
                "generated column {}.{}.{}",
                table.schema, table.name, c.name
            );
            match self.calls_code(needs, &generated, &what) {
                Calls::Nothing => {}
                Calls::Later => {
                    self.warnings.push(format!(
                        "generated column {}.{}.{} calls code created in the code file: it is \
                         added after that code (ALTER TABLE … ADD), so it comes last in the \
                         table rather than in the source's column order",
                        table.schema, table.name, c.name
                    ));
                    after_code.push((
                        Item::Alter(AlterSql::AddColumn {
                            table: table_name,
                            column,
                        }),
                        ("COLUMN", format!("{}.{}", table.name, c.name)),
                    ));
                    // The checks and indexes on it come after it.
                    needs.later_columns.push(c.name.clone());
                    return None;
                }
                Calls::NotCreated(code) => {
                    // Extracts hold no generated values: a plain column would hold NULLs.
                    needs.left_out_columns.push((c.name.clone(), code));
                    return None;
                }
            }
        }
        Some(column)
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
        self.dialect.carries_partitioning(p)?;
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

    /// A partitioned table's partitioning (carried: see [`Self::partitioning_carried`]), with
    /// every partition (at every level) and its name as created; `None` for a table that is not
    /// partitioned.
    fn partitions<'t>(
        &self,
        table: &'t Table,
        name: &str,
    ) -> Option<(PartitioningSql, Vec<(&'t Partition, String)>)> {
        let p = table.partitioning.as_ref()?;
        let mut partitions = Vec::new();
        let mut created = Vec::new();
        self.partitions_of(table, p, &table.schema, name, &mut partitions, &mut created);
        let subpartition_by = p
            .partitions
            .iter()
            .find_map(|x| x.partitioning.as_deref())
            .map(|sub| SubpartitionBySql {
                method: sub.method.as_str(),
                key: self.partition_key(table, &sub.key),
                template: p
                    .subpartition_template
                    .iter()
                    .map(|s| self.nested_partition(s, name, Vec::new()))
                    .collect(),
            });
        let nested: Vec<PartitionSql> = match p.method {
            // Oracle gives a reference-partitioned table one partition per partition of its
            // parent, named as the parent's; listing them would have to match their number.
            PartitionMethod::Reference => Vec::new(),
            _ => p
                .partitions
                .iter()
                .map(|x| {
                    let subs = x
                        .partitioning
                        .iter()
                        .flat_map(|sub| &sub.partitions)
                        .map(|s| self.nested_partition(s, &x.name, Vec::new()))
                        .collect();
                    self.nested_partition(x, name, subs)
                })
                .collect(),
        };
        // Hash partitions that are all unnamed and undivided: `PARTITIONS n`.
        let quantity = (p.method == PartitionMethod::Hash
            && !nested.is_empty()
            && nested
                .iter()
                .all(|x| x.name.is_empty() && x.subpartitions.is_empty()))
        .then_some(nested.len());
        let sql = PartitioningSql {
            method: p.method.as_str(),
            key: self.partition_key(table, &p.key),
            partitions,
            nested: if quantity.is_some() {
                Vec::new()
            } else {
                nested
            },
            interval: p.interval.clone(),
            reference: p.reference.as_deref().map(|fk| self.ident(fk)),
            subpartition_by,
            quantity,
            row_movement: p.row_movement,
        };
        Some((sql, created))
    }

    /// A partition as written inside its table's `CREATE TABLE` (Oracle), with `subpartitions`.
    fn nested_partition(
        &self,
        part: &Partition,
        parent: &str,
        subpartitions: Vec<PartitionSql>,
    ) -> PartitionSql {
        PartitionSql {
            name: self.partition_name(part),
            parent: parent.to_string(),
            bound: part.bound.clone(),
            sub_method: None,
            sub_key: String::new(),
            subpartitions,
        }
    }

    /// The partitions of `p` (of `parent`, as created, in `schema`), each after its parent.
    fn partitions_of<'t>(
        &self,
        table: &Table,
        p: &'t Partitioning,
        schema: &str,
        parent: &str,
        out: &mut Vec<PartitionSql>,
        created: &mut Vec<(&'t Partition, String)>,
    ) {
        for part in &p.partitions {
            let part_schema = part.schema.as_deref().unwrap_or(schema);
            // A partition in another schema than its table's stays there, unless everything
            // goes to one.
            let name = match &self.options.target_schema {
                None if part_schema != table.schema => {
                    format!("{}.{}", self.ident(part_schema), self.ident(&part.name))
                }
                _ => self.name(&part.name),
            };
            let sub = part.partitioning.as_deref();
            out.push(PartitionSql {
                name: name.clone(),
                parent: parent.to_string(),
                bound: part.bound.clone(),
                sub_method: sub.map(|s| s.method.as_str()),
                sub_key: sub.map_or_else(String::new, |s| self.partition_key(table, &s.key)),
                subpartitions: Vec::new(),
            });
            created.push((part, name.clone()));
            if let Some(sub) = sub {
                self.partitions_of(table, sub, part_schema, &name, out, created);
            }
        }
    }

    /// A partition key as written: a column by the dialect's naming, an expression as the
    /// source wrote it.
    fn partition_key(&self, table: &Table, key: &[String]) -> String {
        key.iter()
            .map(|k| match table.column(k) {
                Some(_) => self.ident(k),
                None => k.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A partitioned table the dialect creates plain: the warning (also the table's note), and
    /// the foreign keys declared on every partition, which hold for every row of the plain
    /// table. Those declared on some partitions only would not: not created, and said so.
    fn plain_partitioned(
        &mut self,
        table: &Table,
        key: &ObjectKey,
        reason: &str,
    ) -> (Vec<ForeignKey>, String) {
        let Some(p) = &table.partitioning else {
            return (Vec::new(), String::new());
        };
        let mut parts = Vec::new();
        let mut own_indexes = Vec::new();
        crate::catalog::partitions::walk(p, &table.schema, &mut |part, _| {
            parts.push(part.name.as_str());
            own_indexes.extend(part.indexes.iter().map(|ix| ix.name.as_str()));
        });
        let mut enforced = Vec::new();
        let mut partial = Vec::new();
        for k in table.partition_foreign_keys() {
            if k.on_every_partition() {
                enforced.push(k.key);
            } else {
                let on: Vec<&str> = k.declared_on.iter().map(|d| d.table.as_str()).collect();
                partial.push(format!("{} (on {})", k.key.name, on.join(", ")));
            }
        }
        let mut why = format!(
            "partitioned in the source ({}, {}: {}); {reason}, so it is created as one plain \
             table that holds every partition's rows",
            describe_partitioning(p),
            crate::output::plural(parts.len(), "partition"),
            parts.join(", "),
        );
        if !enforced.is_empty() {
            why.push_str("; the foreign keys declared on every partition are the table's");
        }
        if !own_indexes.is_empty() {
            why.push_str(&format!(
                "; not created: {} declared on partitions, {} (create them on the table if the \
                 tests need them)",
                crate::output::plural(own_indexes.len(), "index"),
                own_indexes.join(", ")
            ));
        }
        if !partial.is_empty() {
            why.push_str(&format!(
                "; not created, as they do not hold for every row: the foreign keys declared on \
                 some partitions only, {}",
                partial.join(", ")
            ));
        }
        why.push_str(". Rows load as they are");
        if !self.same_dialect() {
            why.push_str("; to keep the partitioning, migrate to a database of the source's kind");
        }
        self.warnings.push(format!("{key}: {why}"));
        (enforced, format!("{}.{} is {why}", key.schema, key.name))
    }

    /// A check's expression as written here: as the source wrote it within one dialect, else
    /// in standard SQL; `None`, with a warning naming the check, when it uses syntax only the
    /// source's dialect has (a check that fails `migrate` would stop every file after it).
    fn check_expression(&mut self, table: &Table, check: &crate::catalog::Check) -> Option<String> {
        let source = match self.source {
            Some(source) if !self.same_dialect() => source,
            _ => return Some(check.expression.clone()),
        };
        let portable = source.portable_check(&check.expression);
        if portable.is_none() {
            let name = check
                .name
                .as_deref()
                .map_or(String::new(), |n| format!(" {n}"));
            self.warnings.push(format!(
                "check{name} of {}.{}: `{}` is written in {} syntax that {} does not read: not \
                 created; add an equivalent check by hand if the tests need it",
                table.schema,
                table.name,
                check.expression,
                source.title(),
                self.dialect.title()
            ));
        }
        portable
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
                let (ty, how) = match self.dialect.text_fallback_type() {
                    Some(text) => (
                        text.to_string(),
                        format!("created as {text}, which holds its values' text form"),
                    ),
                    None => (
                        c.native_type.clone(),
                        format!("written with its source type `{}`", c.native_type),
                    ),
                };
                self.warnings.push(format!(
                    "column {}.{}.{}: {why}; {how}",
                    table.schema, table.name, c.name
                ));
                ty
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
                .and_then(|d| {
                    if same {
                        Some(self.carried(
                            d,
                            &table.schema,
                            &format!("the default of {}.{}.{}", table.schema, table.name, c.name),
                        ))
                    } else {
                        self.cross_default(table, c, d)
                    }
                }),
            identity,
            generated,
            not_null: !c.nullable,
        }
    }

    /// A default of another dialect, as this one writes it: one drawn from a sequence this set
    /// of migrations creates (or an earlier one did) in this dialect's form; `None`, with a
    /// warning naming the column and what to do, for one drawn from a sequence it does not.
    fn cross_default(&mut self, table: &Table, c: &Column, default: &str) -> Option<String> {
        let drawn_from = self.source.and_then(|s| s.default_sequence(default));
        let Some(sequence) = drawn_from.filter(|_| self.can.sequences) else {
            return Some(self.dialect.default_expr(c, default));
        };
        let (schema, name) = match split_sequence_name(&sequence) {
            (Some(schema), name) => (schema, name),
            (None, name) => (table.schema.clone(), name),
        };
        let created = self.catalog.sequences.iter().find(|s| {
            s.schema.eq_ignore_ascii_case(&schema)
                && s.name.eq_ignore_ascii_case(&name)
                && (self
                    .in_set
                    .contains(&ObjectKey::new(&s.schema, &s.name, ObjectKind::Sequence))
                    || self.existing.has("SEQUENCE", &s.name))
        });
        if let Some(expr) = created.and_then(|s| self.dialect.sequence_default(&self.name(&s.name)))
        {
            return Some(expr);
        }
        self.warnings.push(format!(
            "column {}.{}.{}: its default draws from sequence {sequence}, which this set of \
             migrations does not create: the default is left out; add the sequence as a seed \
             object (--seed-object {sequence}), or give the column a value on insert",
            table.schema, table.name, c.name
        ));
        None
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
        let rowid_alias = !self.can.identity_columns && rowid_alias(table, c);
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

    /// `indexes` of `table` (its own, or one of its partitions') on `name`, the table or
    /// partition as created (`local`: those partitioned like the table): in the indexes file,
    /// or, for one whose expressions call code the code file creates, after that code.
    fn indexes(
        &mut self,
        table: &Table,
        indexes: &[Index],
        key: &ObjectKey,
        name: &str,
        local: &[String],
        needs: &CodeNeeds,
    ) {
        for ix in indexes {
            let local = local.contains(&ix.name);
            let mut text: Vec<&str> = ix.columns.iter().map(|c| c.expression.as_str()).collect();
            text.extend(ix.predicate.as_deref());
            let bucket = match needs.called_by(&text.join(" ")) {
                Calls::Nothing => Bucket::Indexes,
                Calls::Later => Bucket::AfterCode,
                Calls::NotCreated(code) => {
                    let ix_key = ObjectKey::new(&key.schema, &ix.name, ObjectKind::Index);
                    let why = self.not_created_reason(&code);
                    self.not_translated(Bucket::Indexes, &ix_key, &why, &index_text(ix, name));
                    continue;
                }
            };
            self.index(bucket, &key.schema, name, &table.columns, ix, local);
        }
    }

    /// The comments on a table and its columns, in the indexes file; on a generated column
    /// added after the code it calls, after it; on one left out, none.
    fn comments(&mut self, table: &Table, name: &str, needs: &CodeNeeds) {
        if !self.can.comments {
            let mut lost: Vec<String> = table
                .comment
                .iter()
                .map(|_| "the table's".to_string())
                .collect();
            let columns: Vec<&str> = table
                .columns
                .iter()
                .filter(|c| c.comment.is_some())
                .map(|c| c.name.as_str())
                .collect();
            if !columns.is_empty() {
                lost.push(format!("those of columns {}", columns.join(", ")));
            }
            if !lost.is_empty() {
                self.warnings.push(format!(
                    "{}: {} has no comments: not carried: {}",
                    table.key(),
                    self.dialect.title(),
                    lost.join(" and ")
                ));
            }
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
        let mut after_code = Vec::new();
        for c in &table.columns {
            let Some(text) = &c.comment else { continue };
            let comment = CommentSql {
                on: "COLUMN",
                target: format!("{name}.{}", self.ident(&c.name)),
                literal: self.dialect.literal(text),
            };
            if needs.later_columns.contains(&c.name) {
                after_code.push(Item::Comment(comment));
            } else if !needs.left_out_columns.iter().any(|(l, _)| *l == c.name) {
                comments.push(comment);
            }
        }
        self.bucket(Bucket::AfterCode).items.extend(after_code);
        let content = self.bucket(Bucket::Indexes);
        content
            .items
            .extend(comments.into_iter().map(Item::Comment));
    }

    /// An index of a table or materialized view (`on`, as written), into `bucket`: what the
    /// dialect lacks is left out, with a warning, or, for a method it lacks, the whole index
    /// (kept as a comment); a bitmap index, which differs from a B-tree only in storage, is
    /// created as a B-tree.
    fn index(
        &mut self,
        bucket: Bucket,
        schema: &str,
        on: &str,
        columns: &[Column],
        ix: &Index,
        local: bool,
    ) {
        if self.existing.has("INDEX", &ix.name) {
            return;
        }
        let ix_key = ObjectKey::new(schema, &ix.name, ObjectKind::Index);
        let title = self.dialect.title();
        let can = &self.can.indexes;
        let described = || index_text(ix, on);
        if ix.predicate.is_some() && !self.can.partial_indexes {
            let why = format!("{title} has no partial indexes (WHERE)");
            self.not_translated(bucket, &ix_key, &why, &described());
            return;
        }
        let (method_word, using) = match ix.method.as_deref() {
            None => (None, None),
            Some(m) if can.methods.contains(&m) && can.method_before_index => {
                (Some(m.to_ascii_uppercase()), None)
            }
            Some(m) if can.methods.contains(&m) => (None, Some(m.to_string())),
            Some("bitmap") => {
                self.warnings.push(format!(
                    "{ix_key}: {title} has no bitmap indexes: created as a B-tree index"
                ));
                (None, None)
            }
            Some("domain") => {
                let why = "a domain index (Oracle Text, Spatial, …) is not created by dbsub; \
                           create it by hand if the subset's queries need it";
                self.not_translated(bucket, &ix_key, why, &described());
                return;
            }
            Some(m) => {
                let why = format!(
                    "the {m} index method is not one dbsub creates in {title}; create an index \
                     that suits the queries by hand if they need one"
                );
                self.not_translated(bucket, &ix_key, &why, &described());
                return;
            }
        };
        let mut left_out = Vec::new();
        let opclasses: Vec<&str> = ix
            .columns
            .iter()
            .filter_map(|c| c.opclass.as_deref())
            .collect();
        if !opclasses.is_empty() && !can.operator_classes {
            left_out.push(format!("operator classes ({})", opclasses.join(", ")));
        }
        if !ix.include.is_empty() && !can.include {
            left_out.push(format!("INCLUDE ({})", ix.include.join(", ")));
        }
        if ix.columns.iter().any(|c| c.nulls_first.is_some()) && !can.nulls_order {
            left_out.push("NULLS FIRST/LAST".to_string());
        }
        if ix.nulls_not_distinct && !can.nulls_not_distinct {
            left_out.push("NULLS NOT DISTINCT (so NULLs count as distinct)".to_string());
        }
        if !left_out.is_empty() {
            self.warnings.push(format!(
                "{ix_key}: created without {}, which {title} does not have",
                left_out.join(", ")
            ));
        }
        if can.operator_classes && can.extensions {
            for extension in &ix.extensions {
                let user = format!("{ix_key} uses an operator class of extension");
                if !self.create_extension(bucket, extension, &user) {
                    self.warnings.push(format!(
                        "{user} {extension}, which these files create before it (CREATE \
                         EXTENSION IF NOT EXISTS)"
                    ));
                }
            }
        }
        let item = Item::Index(IndexSql {
            name: self.name(&ix.name),
            table: on.to_string(),
            unique: ix.unique,
            method_word,
            using,
            columns: ix
                .columns
                .iter()
                .map(|c| IndexColumnSql {
                    // A plain column name follows the dialect's naming; an expression is
                    // carried as written.
                    expression: if columns.iter().any(|col| col.name == c.expression) {
                        self.ident(&c.expression)
                    } else {
                        c.expression.clone()
                    },
                    opclass: c.opclass.clone().filter(|_| can.operator_classes),
                    descending: c.descending,
                    nulls_first: c.nulls_first.filter(|_| can.nulls_order),
                })
                .collect(),
            include: if can.include {
                self.list(&ix.include)
            } else {
                String::new()
            },
            nulls_not_distinct: ix.nulls_not_distinct && can.nulls_not_distinct,
            predicate: ix.predicate.clone(),
            local,
        });
        self.add(bucket, item, "INDEX", &ix_key);
    }

    fn domain_or_enum(&self, key: &ObjectKey) -> bool {
        self.catalog
            .routines
            .iter()
            .any(|r| r.key() == *key && r.is_domain_or_enum())
    }

    /// The extensions the table or view `key` uses.
    fn extensions_of(&self, key: &ObjectKey) -> Vec<String> {
        self.catalog
            .extensions_used
            .iter()
            .filter(|u| u.schema == key.schema && u.name == key.name)
            .map(|u| u.extension.clone())
            .collect()
    }

    /// Why a view cannot be created where the dialect has no extensions: it calls an
    /// extension's function (`crosstab(…) AS ct(a integer, …)`) or reads its type.
    fn extensions_lacking(&self, key: &ObjectKey) -> Option<String> {
        if self.can.indexes.extensions {
            return None;
        }
        let used = self.extensions_of(key);
        (!used.is_empty()).then(|| {
            format!(
                "it uses extension {} (its functions or types), which {} does not have; write \
                 the view by hand if the tests need it",
                used.join(", "),
                self.dialect.title()
            )
        })
    }

    /// The extensions the table or view `key` uses (a function in a default, check, index or
    /// query; a column's type): created in `bucket` before it, each once, where the dialect has
    /// extensions; reported elsewhere, as what calls them is carried as written.
    fn extensions_first(&mut self, bucket: Bucket, key: &ObjectKey) {
        for extension in self.extensions_of(key) {
            if !self.can.indexes.extensions {
                self.extension_users
                    .entry(extension)
                    .or_default()
                    .push(key.qualified_name());
            } else {
                self.create_extension(bucket, &extension, &format!("{key} uses extension"));
            }
        }
    }

    /// `CREATE EXTENSION IF NOT EXISTS` of `extension` in `bucket`, with a warning saying who
    /// needs it (`user`, followed by the extension's name), unless an earlier object created it;
    /// whether it is created here.
    fn create_extension(&mut self, bucket: Bucket, extension: &str, user: &str) -> bool {
        if !self.extensions.insert(extension.to_string()) {
            return false;
        }
        self.warnings.push(format!(
            "{user} {extension}: the {bucket} file creates it first (CREATE EXTENSION IF NOT \
             EXISTS), which needs it installed on the target's server and the privilege to \
             create it"
        ));
        let item = Item::Extension(self.dialect.ident(extension, None));
        self.bucket(bucket).items.push(item);
        true
    }

    /// A view or materialized view, with a materialized view's indexes; kept as a comment where
    /// the dialect has no materialized views or the view uses an object that is not created
    /// (`missing`: an aggregate or function of another dialect), which it would fail without.
    fn view(&mut self, key: &ObjectKey, bucket: Bucket, missing: Option<ObjectKey>) {
        let Some(view) = self
            .catalog
            .views
            .iter()
            .find(|v| v.schema == key.schema && v.name == key.name)
        else {
            return;
        };
        let why = match missing {
            Some(missing) => Some(format!(
                "it uses {missing}, which is not created in {}",
                self.dialect.name()
            )),
            None => (view.materialized && !self.can.materialized_views)
                .then(|| format!("{} has no materialized views", self.dialect.title()))
                .or_else(|| self.extensions_lacking(key)),
        };
        if let Some(why) = why {
            self.not_translated(bucket, key, &why, &view.source);
            for ix in &view.indexes {
                let ix_key = ObjectKey::new(&key.schema, &ix.name, ObjectKind::Index);
                let why = format!("its materialized view {key} is not created");
                self.not_translated(bucket, &ix_key, &why, &index_text(ix, &view.name));
            }
            return;
        }
        // From another dialect, the query in standard SQL where the source's spellings are
        // only spellings (PostgreSQL's casts of literals, `~~`); a query that keeps syntax
        // only the source reads would fail `migrate`: reported instead.
        let mut query = view.source.trim().to_string();
        if let Some(source) = self.source.filter(|_| !self.same_dialect()) {
            let Some(portable) = source.portable_check(&query) else {
                let why = format!(
                    "its query uses {} syntax that {} does not read (a cast, an operator or an \
                     array); write the view by hand if the tests need it",
                    source.kind(),
                    self.dialect.title()
                );
                self.not_translated(bucket, key, &why, &view.source);
                return;
            };
            query = portable;
            if let Some(what) = self.dialect.unread_query_syntax(&query) {
                let why = format!(
                    "its query uses {what}, which {} does not read; write the view by hand if \
                     the tests need it",
                    self.dialect.title()
                );
                self.not_translated(bucket, key, &why, &view.source);
                return;
            }
        }
        if !self.same_dialect() {
            self.carried_views.push(key.qualified_name());
        }
        self.extensions_first(bucket, key);
        let names: Vec<String> = view.columns.iter().map(|c| c.name.clone()).collect();
        let item = Item::View(ViewSql {
            name: self.name(&view.name),
            materialized: view.materialized,
            columns: (!names.is_empty()).then(|| self.list(&names)),
            query: self.carried(&query, &view.schema, &key.to_string()),
        });
        self.add(bucket, item, key.kind.as_str(), key);
        // A materialized view's indexes right after it: the indexes file comes before it.
        let name = self.name(&view.name);
        for ix in &view.indexes {
            self.index(bucket, &key.schema, &name, &view.columns, ix, false);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_names_code_as_a_whole_identifier_in_any_case_quoted_or_not() {
        assert!(names("lower_unaccent(name)", "LOWER_UNACCENT"));
        assert!(names("\"S\".\"NORMALIZED\"(\"CODE\")", "NORMALIZED"));
        assert!(names("pkg.f(x) + 1", "PKG"));
        assert!(!names("lower_unaccent_v2(name)", "lower_unaccent"));
        assert!(!names("my_lower(name)", "lower"));
        assert!(!names("x$f(name)", "f"));
    }

    #[test]
    fn a_sequence_name_splits_into_schema_and_name_outside_quotes() {
        assert_eq!(split_sequence_name("s"), (None, "s".to_string()));
        assert_eq!(
            split_sequence_name("APP.S"),
            (Some("APP".to_string()), "S".to_string())
        );
        assert_eq!(
            split_sequence_name("\"My.App\".\"Seq\""),
            (Some("My.App".to_string()), "Seq".to_string())
        );
    }
}
