//! The ports of the pipeline: the traits a backend implements for each role it plays, and the
//! values that cross them. Stages and commands talk to databases only through these; each
//! backend (`src/db/<name>/`) implements them and registers once in [`crate::backend`].

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::ddl::FileModel;
use super::diagnose::{Finding, Use};
use super::key::KeyValue;
use super::migration::{Applied, ApplyError, Migration, Statement};
use super::row::{KeyColumn, Partition, ReadRequest, RowFilter, Snapshot};
use super::url::{DbKind, DbUrl};
use super::value::Value;
use crate::catalog::{Catalog, Column, FkAction, ObjectKind, Partitioning, Table};

/// One database kind: its URL schemes, its dialect, and how each role opens on a URL of it.
/// Registered once in [`crate::backend`]; nothing else names a backend.
pub trait Backend: Sync {
    fn kind(&self) -> DbKind;

    /// The URL schemes of this kind, lower case (`postgres`, `postgresql`).
    fn schemes(&self) -> &'static [&'static str];

    /// The URL's form, for messages: `postgres://user:password@host:port/db`.
    fn url_form(&self) -> &'static str;

    /// Checks that a URL of this kind names everything a connection needs. Fails with a
    /// message that shows the URL redacted and says what to add.
    fn check_url(&self, url: &DbUrl) -> Result<()>;

    fn dialect(&self) -> &'static dyn Dialect;

    /// Opens a catalog reader (the structural database). Fails when the database cannot be
    /// opened or reached; the message names the (redacted) URL and what to do.
    fn catalog_reader(&self, url: &DbUrl) -> Result<Box<dyn CatalogReader>>;

    /// Opens a database to apply migrations to.
    fn migration_target(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>>;

    /// Opens a database to read its migration history only, changing nothing by opening it
    /// (a backend whose open creates a database overrides this). Only
    /// [`MigrationTarget::history`] and `dialect` are called on it.
    fn migration_history(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
        self.migration_target(url)
    }

    /// Opens `count` readers all in one consistent snapshot: every read through any of them
    /// sees the same data, whatever is written to the database meanwhile. Fails when the
    /// database cannot be reached or the snapshot cannot be taken.
    fn row_sources(&self, url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>>;

    /// Opens the local test database to load rows into.
    fn row_sink(&self, url: &DbUrl) -> Result<Box<dyn RowSink>>;

    /// Connects and checks what `role` needs: connectivity, the server's version, the
    /// privileges the commands of that role use. Never fails: a failure is a problem finding.
    fn diagnose(&self, url: &DbUrl, role: Use) -> Vec<Finding>;

    /// A client library this kind loads at run time, for `dbsub doctor`; `None` when the
    /// driver is compiled in.
    fn client_library(&self) -> Option<&'static ClientLibrary> {
        None
    }
}

/// A client library a backend needs at run time (Oracle's Instant Client).
pub struct ClientLibrary {
    /// The report's section: `Oracle client`.
    pub title: &'static str,
    /// Loads it; says what was loaded from where, or fails saying how to install it.
    pub load: fn() -> Result<String>,
    /// Said when it is missing and no database of this kind is configured.
    pub not_needed: &'static str,
}

/// Reads a catalog from a live database.
pub trait CatalogReader {
    /// Reads the given schemas (the connection's own schema when `schemas` is empty) in a
    /// constant number of queries, whatever the number of tables.
    ///
    /// Fails when the database cannot be queried or a schema does not exist.
    fn read_catalog(&mut self, schemas: &[String]) -> Result<Catalog>;
}

/// Reads rows from a source database, read-only, inside one snapshot. Reads are streaming:
/// memory does not grow with the number of rows.
pub trait RowSource: Send {
    fn snapshot(&self) -> &Snapshot;

    /// The most keys one [`RowFilter::In`] may carry.
    fn max_batch(&self) -> usize;

    /// `--scan-share`'s default for this source: from what share of a table's estimated rows
    /// one scan kept by the closure's keys ([`RowFilter::Among`]) reads them faster than key
    /// lookups. A lookup costs several times what a scanned row does (an index probe, a bound
    /// batch); how many times depends on the source. 0.25 where it was measured to be about a
    /// quarter (SQLite: bench/extract.sh, docs/benchmarks.md) and where it was not (Oracle); a
    /// lower share would scan big tables for few rows when the estimate is stale.
    fn scan_share(&self) -> f64 {
        0.25
    }

    /// The named parameters (`:name`) a seed's condition uses, as this source's SQL reads it
    /// (not inside its string literals, quoted names or comments), in order of first use.
    fn condition_params(&self, condition: &str) -> Vec<String>;

    /// Whether `table` has a row locator ([`KeyColumn::Locator`]).
    fn has_locator(&mut self, table: &Table) -> Result<bool>;

    /// The highest value of `column` in `table` in this source's snapshot, in its text form
    /// ([`Value::text_form`]); `None` when no row has a value. An extract records it as the
    /// table's high-water mark, from which the next delta reads ([`RowFilter::Above`]).
    fn high_water(&mut self, table: &Table, column: &Column) -> Result<Option<String>>;

    /// Appends to `out` the encoded key ([`super::key::encode`]) that [`Self::scan_keys`] reads
    /// for a row whose key `columns` hold `values` in an extract (each in its column's type), so
    /// that keys read back from an extract's parts compare with the keys the source reads now.
    /// False, with `out` unspecified, when the source cannot tell for one of the columns'
    /// types: a delta refuses a table with such a key.
    fn archived_key(&self, columns: &[&Column], values: &[Value<'_>], out: &mut Vec<u8>) -> bool;

    /// An estimate of the number of rows of `table` (statistics where the source keeps them).
    fn estimate_rows(&mut self, table: &Table) -> Result<u64>;

    /// The leaf partitions of `table` that hold rows `filter` (all, or a seed's condition)
    /// selects, each with the number of those rows, in the order of their names: the chunks of
    /// a big partitioned table. Empty for a table that is not partitioned, and where the source
    /// reads no partitions.
    fn partition_rows(&mut self, _table: &Table, _filter: RowFilter<'_>) -> Result<Vec<Partition>> {
        Ok(Vec::new())
    }

    /// Calls `each` with the values of `columns` for every row of `table` that `filter`
    /// selects, in the order of `order_by`.
    fn scan_keys(
        &mut self,
        table: &Table,
        columns: &[KeyColumn],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()>;

    /// Calls `each` with every archived column (`request.columns`, in that order) of every row
    /// that `request.filter` selects, in the order of `request.order_by`, after skipping the
    /// first `request.skip` rows; the rows of a lookup by keys ([`RowFilter::In`]) come in the
    /// order of its keys instead, whatever the database's collation, so that a resumed extract
    /// skips exactly the rows an interrupted one wrote. Values are converted by each column's neutral type; a value
    /// that does not fit its type fails with a message naming the table, the row and the column.
    /// A masked column's reply that [`replies_text`](super::mask::SourceMask::replies_text)
    /// comes as [`Value::Text`].
    fn read_rows(
        &mut self,
        request: &ReadRequest<'_>,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()>;
}

/// What [`RowSource::high_water`] returns for `value`, the highest value of `column` in
/// `table` as the source converted it: its text form, or the conversion's error naming them.
pub fn high_water_text(
    table: &Table,
    column: &Column,
    value: Result<Value<'_>, String>,
) -> Result<Option<String>> {
    match value {
        Ok(value) => Ok(value.text_form()),
        Err(why) => bail!(
            "{}.{}, the highest value of column {}: {why}",
            table.schema,
            table.name,
            column.name
        ),
    }
}

/// How rows already in a table meet the loaded ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadMode {
    /// Plain inserts: a row whose key is already there is an error.
    Insert,
    /// Upsert by the table's primary key: new rows are inserted, existing ones updated.
    Merge,
}

/// How a sink keeps the foreign keys that close a cycle out of the way during a load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CycleHandling {
    /// The sink disables exactly those foreign keys (the ones among the loaded tables that are
    /// enabled) before the tables are emptied and loaded, and enables and validates them after
    /// the last table — always, also when a table fails ([`RowSink::disable_foreign_keys`]);
    /// each table loads in its own transaction.
    Disable,
    /// The database cannot switch one constraint off (SQLite): the tables of a cycle load in
    /// one transaction whose foreign-key checks run at its commit.
    OneTransaction,
}

/// Feeds the rows of one table to a sink: calls its argument once per row, with the values in
/// the order of [`TableLoad::columns`], and returns the number of rows. An error that the
/// argument returns comes back with the row's location (table, part, line) added.
pub type RowFeed<'a> = dyn FnMut(&mut dyn FnMut(&[Value<'_>]) -> Result<()>) -> Result<u64> + 'a;

/// One table of a load.
pub struct TableLoad<'a> {
    /// The table in the target's catalog.
    pub table: &'a Table,
    /// The target's columns, in the order the feed gives values.
    pub columns: Vec<&'a Column>,
    /// The key a merge matches rows by (target column names).
    pub key: Vec<String>,
    pub rows: Box<RowFeed<'a>>,
    /// Of a delta written with `--detect-deletes`: the keys of rows to delete, in the same
    /// transaction, after every table of the load has its rows in, children before parents.
    pub deletes: Option<KeyDeletes<'a>>,
    /// Of a delta: where the table must stand in its refresh chain when the load's transaction
    /// begins, checked under the load's lock ([`TableLoad::check_position`]), so that a delta
    /// never applies twice or out of order. `None`: not checked (a base's load).
    pub after: Option<ChainPosition>,
    /// Written in the same transaction as the rows.
    pub record: LoadRecord,
}

/// The keys of the rows a load deletes: the feed gives the values of `columns` (the target's
/// columns of the table's identity), one row per key. The sink binds them, never formats them;
/// a key that matches no row deletes nothing, and the rows deleted are counted into
/// [`LoadRecord::deleted`].
pub struct KeyDeletes<'a> {
    pub columns: Vec<&'a Column>,
    pub keys: Box<RowFeed<'a>>,
}

impl TableLoad<'_> {
    /// Checks, inside the load's transaction and under its lock, that the table's load record
    /// (`current`, as the sink reads it there) stands where [`TableLoad::after`] says: fails
    /// with [`Moved`] (the load writes nothing) when another ingest applied a delta to the table
    /// meanwhile, or someone reloaded it.
    pub fn check_position(&self, current: Option<&LoadRecord>) -> Result<()> {
        let Some(wanted) = &self.after else {
            return Ok(());
        };
        let now = current.map(LoadRecord::position);
        if now.as_ref() != Some(wanted) {
            return Err(Moved {
                table: self.table.name.clone(),
            }
            .into());
        }
        Ok(())
    }
}

/// Where a table stands in a subset's refresh chain: the base it was loaded from and the last
/// delta applied to it (0: none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPosition {
    /// The base extract (store, redacted, and folder) and the SHA-256 of its manifest.
    pub base: String,
    pub base_sha256: String,
    pub sequence: u32,
}

/// A delta's table whose load record, read under the load's lock, is not where the ingest
/// found it: another ingest applied the delta (or reloaded the table) meanwhile. The load wrote
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{table} was changed by another ingest while this one ran (its load record moved): this run \
     wrote nothing to it"
)]
pub struct Moved {
    /// The table in the target.
    pub table: String,
}

/// The table in a target where loads are recorded ([`LoadRecord`]).
pub const INGEST_HISTORY: &str = "dbsub_ingest_history";

/// What the target remembers of a loaded table, in its `dbsub_ingest_history` table: so that
/// a re-run knows what is already loaded, and `verify` what to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadRecord {
    /// The table in the target.
    pub table: String,
    /// The table in the extract (`SCHEMA.NAME`).
    pub extract_table: String,
    /// The extract: its store (redacted) and folder.
    pub extract: String,
    /// The SHA-256 of the extract's manifest.
    pub manifest_sha256: String,
    pub mode: LoadMode,
    /// Rows in the extract.
    pub rows: u64,
    /// The foreign keys among loaded tables, in the target's names.
    pub foreign_keys: Vec<RecordedKey>,
    pub loaded_at: String,
    /// Every table the ingest that wrote this record set out to load (this one included), so
    /// that `verify` finds a table it left unloaded. Empty in records of older releases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_set: Vec<PlannedTable>,
    /// What a merge ([`LoadMode::Merge`]) did with the rows, counted by the sink in the load's
    /// transaction; `None` for a plain load (and in records of older releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeCounts>,
    /// Of a delta's load: the rows its deletes removed ([`TableLoad::deletes`]), counted by the
    /// sink in the load's transaction; `None` when it had none to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u64>,
    /// Of a delta's load (`extract`, `manifest_sha256` are the delta's): the chain the table
    /// follows and how many rows it held before the delta was applied, as its records prove
    /// them. `None` for a base's load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<AppliedDelta>,
}

/// What a delta's load record remembers of the chain: where the table stands now, and the rows
/// it held before (`None` when no record proves them: the base was merged into rows that were
/// there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDelta {
    pub position: ChainPosition,
    pub rows_before: Option<u64>,
}

/// The rows of one table's merge: `inserted` had a key the table did not hold, `updated` had
/// one it held (their row now holds the extract's values); together, the rows of the extract.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeCounts {
    pub inserted: u64,
    pub updated: u64,
}

impl MergeCounts {
    /// The counts of a merge of `fed` rows that grew the table from `before` to `after` rows,
    /// both counted in the merge's transaction while no one else could write the table (a
    /// merge deletes nothing, so the growth is the rows inserted).
    ///
    /// Fails when the counts cannot be of such a merge (someone else wrote the table).
    pub fn from_growth(table: &str, fed: u64, before: u64, after: u64) -> Result<MergeCounts> {
        match after.checked_sub(before) {
            Some(inserted) if inserted <= fed => Ok(MergeCounts {
                inserted,
                updated: fed - inserted,
            }),
            _ => bail!(
                "the merge of {fed} rows into {table} took it from {before} to {after} rows: \
                 another program wrote the table during the merge, its counts cannot be told"
            ),
        }
    }
}

/// A table an ingest set out to load, as its load records remember it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedTable {
    /// The table in the target.
    pub table: String,
    /// The table in the extract (`SCHEMA.NAME`).
    pub extract_table: String,
    /// Rows in the extract.
    pub rows: u64,
}

impl LoadRecord {
    /// Whether this record is of a plain load of the extract `extract` (with the manifest
    /// `manifest_sha256`) whose table holds `rows` rows now, as many as it loaded.
    pub fn is_load_of(&self, extract: &str, manifest_sha256: &str, rows: u64) -> bool {
        self.extract == extract && self.manifest_sha256 == manifest_sha256 && self.rows == rows
    }

    /// Whether this record is of the base `extract` (`manifest_sha256`) loaded plainly, or of
    /// deltas applied after that load, and its table holds `rows` rows now, as many as the
    /// records prove.
    pub fn is_chain_of(&self, extract: &str, manifest_sha256: &str, rows: u64) -> bool {
        match &self.chain {
            None => self.is_load_of(extract, manifest_sha256, rows),
            Some(applied) => {
                applied.position.base == extract
                    && applied.position.base_sha256 == manifest_sha256
                    && self.expected_rows() == Some(rows)
            }
        }
    }

    /// Where the table stands in its refresh chain: after a base's load, that base (this
    /// record's extract) and sequence 0.
    pub fn position(&self) -> ChainPosition {
        match &self.chain {
            Some(applied) => applied.position.clone(),
            None => ChainPosition {
                base: self.extract.clone(),
                base_sha256: self.manifest_sha256.clone(),
                sequence: 0,
            },
        }
    }

    /// The rows the table must hold, as the records prove them: a plain load's rows; after a
    /// delta, the rows before it plus those its merge inserted less those its deletes removed.
    /// `None` when nothing proves an exact count (a merge into rows that were there).
    pub fn expected_rows(&self) -> Option<u64> {
        match (&self.chain, self.mode) {
            (None, LoadMode::Insert) => Some(self.rows),
            (None, LoadMode::Merge) => None,
            (Some(applied), _) => {
                let inserted = self.merged.map_or(0, |m| m.inserted);
                applied
                    .rows_before?
                    .checked_add(inserted)?
                    .checked_sub(self.deleted.unwrap_or(0))
            }
        }
    }
}

#[cfg(test)]
impl LoadRecord {
    /// The record of a load of `rows` rows into `table` (of the extract's schema APP) from the
    /// extract `file:///store/PROD/ORA/default`, with nothing else to say.
    pub(crate) fn sample(table: &str, mode: LoadMode, rows: u64) -> LoadRecord {
        LoadRecord {
            table: table.to_string(),
            extract_table: format!("APP.{table}"),
            extract: "file:///store/PROD/ORA/default".to_string(),
            manifest_sha256: String::new(),
            mode,
            rows,
            foreign_keys: Vec::new(),
            loaded_at: String::new(),
            load_set: Vec::new(),
            merged: None,
            deleted: None,
            chain: None,
        }
    }
}

/// A foreign key `verify` checks, in the target's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedKey {
    pub name: String,
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

/// A table that held rows when its load's transaction began, under the load's lock
/// ([`LoadMode::Insert`]): another ingest, or another program, wrote them after this ingest
/// had found the table empty. The load wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{table} holds {} that {} not there when this ingest began: another ingest (or program) \
     loaded it meanwhile; this run wrote nothing to it",
    if *rows == 1 { "1 row".to_string() } else { format!("{rows} rows") },
    if *rows == 1 { "was" } else { "were" }
)]
pub struct Occupied {
    /// The table in the target.
    pub table: String,
    pub rows: u64,
}

impl Occupied {
    /// Fails with [`Occupied`] for the first of `tables` that holds rows, as `count` counts
    /// them (a sink's count inside its load transaction, under its lock).
    pub fn refuse(tables: &[&Table], count: &mut dyn FnMut(&Table) -> Result<u64>) -> Result<()> {
        for table in tables {
            let rows = count(table)?;
            if rows > 0 {
                return Err(Occupied {
                    table: table.name.clone(),
                    rows,
                }
                .into());
            }
        }
        Ok(())
    }
}

/// Loads rows into a local test database. COPY (PostgreSQL) and array DML (Oracle) fit
/// behind [`RowSink::load`]: the feed pushes rows one by one and the sink batches them as its
/// database likes.
pub trait RowSink {
    /// The target's catalog, to map the extract's tables and columns onto.
    fn catalog(&mut self) -> Result<Catalog>;

    fn cycle_handling(&self) -> CycleHandling;

    fn count_rows(&mut self, table: &Table) -> Result<u64>;

    /// What earlier loads recorded (empty when nothing was ever loaded).
    fn records(&mut self) -> Result<Vec<LoadRecord>>;

    /// Deletes every row of `tables`, in that order (children before parents), and their
    /// records, in one transaction. Fails, changing nothing, when rows of other tables would
    /// lose their parents.
    fn empty(&mut self, tables: &[&Table]) -> Result<()>;

    /// Loads `tables` in one transaction: each table's triggers off, its rows in (`mode`), its
    /// triggers back on, its record written. With [`LoadMode::Insert`] the sink first locks
    /// the tables against other writers until its commit or rollback (each database its own
    /// way: SQLite `BEGIN IMMEDIATE`, PostgreSQL `LOCK TABLE`, Oracle `LOCK TABLE … IN
    /// EXCLUSIVE MODE`) and then fails with [`Occupied`] when one of them holds rows: two
    /// ingests at once never load a table twice. Every foreign key is checked (at the latest at the
    /// commit) and a violation fails the load naming the key, except the `unchecked` ones
    /// (`(table, foreign key)`: their parents are not part of the extract), which are not
    /// checked for the loaded rows — a sink that cannot leave out single keys checks none
    /// then. On any error the transaction rolls back: the tables are as they were.
    fn load(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()>;

    /// Disables the foreign keys `(table, name)` ([`CycleHandling::Disable`] sinks only), all or
    /// none: when one cannot be disabled, those disabled before it are enabled again and the
    /// call fails.
    fn disable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        let _ = keys;
        bail!("this database cannot disable single foreign keys")
    }

    /// Enables and validates foreign keys that [`RowSink::disable_foreign_keys`] disabled. Tries
    /// every key, also after one fails, then fails naming each key that did not validate (with
    /// its orphan rows): that key stays disabled, and no row is ever deleted to make it hold.
    fn enable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        let _ = keys;
        bail!("this database cannot disable single foreign keys")
    }

    /// Moves the sequences and identity columns of `table` past its loaded keys; says what it
    /// moved.
    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>>;

    /// The rows of `child` whose `columns` (all not NULL) match no row of `parent`.
    fn count_orphans(
        &mut self,
        child: &Table,
        columns: &[String],
        parent: &Table,
        parent_columns: &[String],
    ) -> Result<u64>;
}

/// A database that migrations can be applied to. Each backend implements it.
pub trait MigrationTarget {
    /// The dialect its migrations are written in.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Creates the history table if it is missing.
    fn create_history(&mut self) -> Result<()>;

    /// What the history table records; nothing when there is no history table. Changes
    /// nothing (`dbsub migrate --dry-run` and `migrate info` read the target with it).
    fn history(&mut self) -> Result<Vec<Applied>>;

    /// Runs one migration's statements and records it in the history table, in one
    /// transaction where the database allows DDL in transactions.
    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError>;
}

/// How a dialect stores a name written without quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameCase {
    /// Folded to upper case (Oracle).
    Upper,
    /// Folded to lower case (PostgreSQL).
    Lower,
    /// Kept as written, compared without case (SQLite).
    Kept,
}

/// What a dialect's DDL can express, asked by the migration planner and runner instead of
/// naming a database.
#[derive(Clone, Copy, Debug)]
pub struct Capabilities {
    /// Names can be qualified with a schema (`--target-schema`); SQLite has one per file.
    pub schemas: bool,
    /// Foreign keys are written inside `CREATE TABLE`, for a dialect without `ALTER TABLE …
    /// ADD CONSTRAINT`; otherwise they come in their own file, after every table.
    pub inline_foreign_keys: bool,
    /// A foreign key can be created disabled, as the source keeps it.
    pub disabled_foreign_keys: bool,
    /// The `ON DELETE` actions it writes (besides the default, NO ACTION); RESTRICT, where
    /// missing, is written as the default, which it equals but for when it is checked.
    pub on_delete: &'static [FkAction],
    /// It writes `ON UPDATE` actions.
    pub on_update: bool,
    /// `GENERATED … AS IDENTITY` columns (SQLite's INTEGER PRIMARY KEY is its own identity).
    pub identity_columns: bool,
    pub sequences: bool,
    /// The largest value a sequence can have, when smaller than what other dialects allow.
    pub sequence_max: Option<i128>,
    /// Indexes with a `WHERE` predicate.
    pub partial_indexes: bool,
    /// What an index can say besides its columns and predicate.
    pub indexes: IndexCapabilities,
    /// `COMMENT ON TABLE/COLUMN`.
    pub comments: bool,
    pub materialized_views: bool,
    pub synonyms: bool,
    pub grants: bool,
    /// Kinds of stored code written with a plain `CREATE`, because the dialect has no `CREATE
    /// OR REPLACE` for them.
    pub create_without_replace: &'static [ObjectKind],
    /// DDL runs inside a transaction, so a failed migration file leaves nothing behind.
    pub transactional_ddl: bool,
    /// `CREATE GLOBAL TEMPORARY TABLE … ON COMMIT …`: a table whose definition every session
    /// sees and whose rows each session keeps to itself. Without it such a table is created as
    /// an ordinary one.
    pub global_temporary_tables: bool,
}

/// What a dialect's indexes can say besides their columns and predicate.
#[derive(Clone, Copy, Debug)]
pub struct IndexCapabilities {
    /// The access methods it creates besides the default B-tree, as the catalog names them
    /// (`gin`, `bitmap`).
    pub methods: &'static [&'static str],
    /// The method is a word before `INDEX` (Oracle's `CREATE BITMAP INDEX`), not `USING
    /// method` after the table (PostgreSQL).
    pub method_before_index: bool,
    /// Per-column operator classes (PostgreSQL's `jsonb_path_ops`).
    pub operator_classes: bool,
    /// `INCLUDE (columns)`.
    pub include: bool,
    /// `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    /// `NULLS FIRST` / `NULLS LAST` on a column.
    pub nulls_order: bool,
    /// `CREATE EXTENSION IF NOT EXISTS` for what an index's operator classes need.
    pub extensions: bool,
}

/// What DDL generation needs to know about a dialect.
pub trait Dialect: Sync {
    fn kind(&self) -> DbKind;

    /// The dialect's name, as `--dialect` and the migration record spell it: `oracle`.
    fn name(&self) -> &'static str;

    /// The database's name for people: `Oracle`, `PostgreSQL`.
    fn title(&self) -> &'static str;

    fn name_case(&self) -> NameCase;

    fn capabilities(&self) -> &'static Capabilities;

    /// How `name` is written in this dialect's DDL. A name in the source dialect's default case
    /// (`source`: upper for Oracle, lower for PostgreSQL, any simple name for SQLite) is written
    /// in this dialect's default case, unquoted unless it is a reserved word; any other name is
    /// quoted with its case kept. Without a source, a name all in one case counts as the
    /// default case.
    fn ident(&self, name: &str, source: Option<NameCase>) -> String;

    /// The column's neutral type in this dialect (docs/types.md), for a column of another
    /// dialect (within one dialect the native type is kept). `Err` says why the type cannot be
    /// carried over; the caller decides what to do.
    fn column_type(&self, column: &Column) -> Result<String, String>;

    /// What this dialect does not read in another dialect's view query, if the query uses any
    /// of it (Oracle: an aggregate's `FILTER (WHERE …)`; neither Oracle nor SQLite: `ILIKE`,
    /// `DISTINCT ON`): the planner reports the view rather than write one that fails
    /// `migrate`. Vendor functions are not known; `None` by default.
    fn unread_query_syntax(&self, query: &str) -> Option<&'static str> {
        let _ = query;
        None
    }

    /// The type a column gets here when its type, from another dialect, has no equivalent
    /// ([`Self::column_type`] refused it): one that holds the values' text form, as the
    /// archive carries them. `None` keeps the source's type name (SQLite accepts any name).
    fn text_fallback_type(&self) -> Option<&'static str> {
        None
    }

    /// `text` as a string literal of DDL (a comment), quotes doubled. Never for row values,
    /// which are always bound.
    fn literal(&self, text: &str) -> String;

    /// A column default of another dialect, as this dialect spells it.
    fn default_expr(&self, column: &Column, expr: &str) -> String;

    /// A CHECK expression or a view's query of this dialect, as its catalog prints it, in
    /// standard SQL for another dialect; `None` when it uses syntax only this dialect has (the
    /// caller reports the check or view rather than write one that fails). By default, as
    /// written.
    fn portable_check(&self, expr: &str) -> Option<String> {
        Some(expr.to_string())
    }

    /// The sequence a column default of this dialect draws its values from, as the default
    /// names it (`nextval('s'::regclass)` in PostgreSQL, `S.NEXTVAL` in Oracle); `None` for
    /// any other expression. A target without sequences cannot carry such a default.
    fn default_sequence(&self, expr: &str) -> Option<String> {
        let _ = expr;
        None
    }

    /// A column default drawing from `sequence` (its name as created, quoted as needed) in this
    /// dialect: `nextval('s')`, `S.NEXTVAL`; `None` where there are no sequences.
    fn sequence_default(&self, sequence: &str) -> Option<String> {
        let _ = sequence;
        None
    }

    /// Whether this dialect creates a source table's `partitioning` as it is (method, key, the
    /// partitions with their bounds), rendering [`crate::model::ddl::PartitioningSql`] with its
    /// templates; `Err` says why not, in words that follow the table's name ("SQLite cannot
    /// create this partitioning"). The default: no; the table is created plain, and
    /// `create-migrations` says so for that table.
    fn carries_partitioning(&self, partitioning: &Partitioning) -> Result<(), String> {
        let _ = partitioning;
        Err(format!("{} cannot create this partitioning", self.title()))
    }

    /// Splits a migration file into statements, as this dialect's tools do.
    fn split_statements(&self, sql: &str) -> Vec<Statement>;

    /// One migration file's text, from this dialect's templates (`templates/<dialect>/`).
    fn render_migration(&self, file: &FileModel) -> Result<String, askama::Error>;

    /// The objects a migration file of this dialect creates, `(KIND, NAME)` upper-cased: what
    /// its plain `CREATE …` and `ADD CONSTRAINT …` statements name (for files dbsub did not
    /// write, so that it never creates an object twice).
    fn objects_created(&self, sql: &str) -> BTreeSet<(String, String)>;

    /// SQL text carried from a source schema (a view's query, stored code, a column's type or
    /// default) with each qualifier naming the source schema `from` (`APP.T`, `"APP"."T"`)
    /// replaced by `to` (the target schema as written, e.g. `TGT`) or removed when `to` is
    /// `None`, so that the text names the objects the migrations create. Outside strings and
    /// comments only; `None` when the text also uses the schema's name otherwise (an alias),
    /// which makes its qualifiers ambiguous. The default, for a dialect without schemas,
    /// returns the text unchanged.
    fn requalify(&self, text: &str, from: &str, to: Option<&str>) -> Option<String> {
        let _ = (from, to);
        Some(text.to_string())
    }

    /// A stored-code definition (without `CREATE OR REPLACE`) whose unit name, and a trigger's
    /// table, are qualified with `schema` (as written) where they are not qualified yet: the
    /// form `--target-schema` writes. The default returns the definition unchanged.
    fn qualify_unit(&self, definition: &str, schema: &str) -> String {
        let _ = schema;
        definition.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(mode: LoadMode, rows: u64) -> LoadRecord {
        LoadRecord {
            extract: "file:///s/APP/SQLITE/default".into(),
            manifest_sha256: "base".into(),
            ..LoadRecord::sample("NOTE", mode, rows)
        }
    }

    /// A delta's record: after the base, `rows_before`, merging `fed` rows of which
    /// `inserted` were new, and deleting `deleted`.
    fn delta(rows_before: Option<u64>, fed: u64, inserted: u64, deleted: u64) -> LoadRecord {
        LoadRecord {
            extract: "file:///s/APP/SQLITE/default/deltas/00002".into(),
            manifest_sha256: "delta 2".into(),
            merged: Some(MergeCounts {
                inserted,
                updated: fed - inserted,
            }),
            deleted: Some(deleted),
            chain: Some(AppliedDelta {
                position: ChainPosition {
                    base: "file:///s/APP/SQLITE/default".into(),
                    base_sha256: "base".into(),
                    sequence: 2,
                },
                rows_before,
            }),
            ..record(LoadMode::Merge, fed)
        }
    }

    #[test]
    fn a_chains_records_prove_the_rows_base_inserts_and_deletes_leave() {
        let base = record(LoadMode::Insert, 100);
        assert_eq!(base.expected_rows(), Some(100));
        assert_eq!(base.position().sequence, 0);
        assert_eq!(base.position().base, base.extract);
        // A merge into rows that were there proves no count.
        assert_eq!(record(LoadMode::Merge, 100).expected_rows(), None);

        let after = delta(Some(100), 10, 3, 2);
        assert_eq!(after.expected_rows(), Some(101));
        assert_eq!(delta(None, 10, 3, 2).expected_rows(), None);
        // The base's load with the deltas after it, holding what the records prove.
        assert!(after.is_chain_of("file:///s/APP/SQLITE/default", "base", 101));
        assert!(!after.is_chain_of("file:///s/APP/SQLITE/default", "base", 100));
        assert!(!after.is_chain_of("file:///s/APP/SQLITE/default", "other base", 101));
        assert!(base.is_chain_of("file:///s/APP/SQLITE/default", "base", 100));
    }

    #[test]
    fn a_deltas_load_refuses_a_table_that_moved_since_it_was_planned() {
        let catalog_table = crate::catalog::Table::test("APP", "NOTE", Vec::new());
        let load = |after: Option<ChainPosition>| TableLoad {
            table: &catalog_table,
            columns: Vec::new(),
            key: Vec::new(),
            rows: Box::new(|_| Ok(0)),
            deletes: None,
            after,
            record: record(LoadMode::Merge, 0),
        };
        let base = record(LoadMode::Insert, 100);
        let applied = delta(Some(100), 10, 3, 2);
        // Planned on the base: loads on the base, not after delta 2 or without a record.
        let planned = load(Some(base.position()));
        assert!(planned.check_position(Some(&base)).is_ok());
        for now in [Some(&applied), None] {
            let err = planned.check_position(now).unwrap_err();
            assert_eq!(
                err.downcast_ref::<Moved>(),
                Some(&Moved {
                    table: "NOTE".into()
                })
            );
        }
        // A base's load checks nothing.
        assert!(load(None).check_position(Some(&applied)).is_ok());
    }

    #[test]
    fn a_merges_counts_are_the_tables_growth_and_the_rest_of_its_rows() {
        let counts = MergeCounts::from_growth("T", 10, 100, 103).unwrap();
        assert_eq!(
            counts,
            MergeCounts {
                inserted: 3,
                updated: 7
            }
        );
        // Rows gone, or more new rows than were fed: someone else wrote the table.
        for (before, after) in [(100, 99), (100, 111)] {
            let err = MergeCounts::from_growth("T", 10, before, after).unwrap_err();
            assert!(err.to_string().contains("another program wrote"), "{err}");
        }
    }
}
