//! Database backends. Each backend is one file implementing the traits the pipeline needs;
//! nothing outside this folder knows a dialect's SQL (besides the DDL templates under
//! `templates/<dialect>/`).

pub(crate) mod lex;
pub mod oracle;
pub mod postgres;
pub mod sqlite;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::archive::value::Value;
use crate::catalog::{CatalogReader, Column, Table};
use crate::config::{DbKind, DbUrl};
pub use crate::mask::SourceMask;
use crate::migrations::{MigrationTarget, Statement};
use crate::subset::keys::{Key, KeyValue};

/// Opens a catalog reader on the database `url` names (SQLite file, PostgreSQL or Oracle
/// connection).
///
/// Fails when the database cannot be opened or reached (for Oracle also when Instant Client
/// cannot be loaded); the message names the (redacted) URL and what to do.
pub fn catalog_reader(url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
    match url.kind() {
        DbKind::Sqlite => Ok(Box::new(sqlite::SqliteDb::open_read_only(url)?)),
        DbKind::Postgres => Ok(Box::new(postgres::PgDb::connect(url)?)),
        DbKind::Oracle => Ok(Box::new(oracle::OracleDb::connect(url)?)),
    }
}

/// Opens a database to apply migrations to.
///
/// Fails when it cannot be opened or reached; the message names the (redacted) URL.
pub fn migration_target(url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
    match url.kind() {
        DbKind::Sqlite => Ok(Box::new(sqlite::SqliteDb::open_read_write(url)?)),
        DbKind::Postgres => Ok(Box::new(postgres::PgDb::connect(url)?)),
        DbKind::Oracle => Ok(Box::new(oracle::OracleDb::connect(url)?)),
    }
}

/// Opens `count` readers on the database `url` names, all in one consistent snapshot: every
/// read through any of them sees the same data, whatever is written to the database meanwhile
/// (SQLite: one read transaction each, started together; PostgreSQL: one exported
/// repeatable-read snapshot; Oracle: every query `AS OF` one SCN, or a single read-only
/// transaction when the SCN cannot be read).
///
/// Fails when the database cannot be opened or reached, or the snapshot cannot be taken.
pub fn row_sources(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
    match url.kind() {
        DbKind::Sqlite => sqlite::SqliteSource::open(url, count),
        DbKind::Postgres => postgres::open_sources(url, count),
        DbKind::Oracle => oracle::open_sources(url, count),
    }
}

/// What `dbsub doctor` checks a database for: the role it plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Read for its catalog (the structural database).
    Catalog,
    /// Extracted from, in one snapshot.
    Source,
    /// Migrated and loaded into.
    Target,
}

/// How a [`Finding`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Worth knowing, not a failure (a narrower privilege that still works).
    Info,
    /// Something a command will fail on; the text says what to do.
    Problem,
}

/// One line of `dbsub doctor`'s report on a database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    pub text: String,
}

impl Finding {
    pub fn ok(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Ok,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Info,
            text: text.into(),
        }
    }

    pub fn problem(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Problem,
            text: text.into(),
        }
    }

    /// A failed step as a problem: the error and its causes in one line.
    pub fn failed(e: &anyhow::Error) -> Finding {
        Finding::problem(format!("{e:#}"))
    }
}

/// Connects to the database `url` names and checks what `role` needs of it: connectivity,
/// the server's version, the privileges the commands of that role use. Never fails: a failure
/// is a [`Level::Problem`] finding.
pub fn diagnose(url: &DbUrl, role: Use) -> Vec<Finding> {
    match url.kind() {
        DbKind::Sqlite => sqlite::diagnose(url, role),
        DbKind::Postgres => postgres::diagnose(url, role),
        DbKind::Oracle => oracle::diagnose(url, role),
    }
}

/// A column of a key: a named column, or the source's row locator for a table without a
/// usable key (SQLite's rowid, PostgreSQL's ctid, Oracle's ROWID — each stable within one
/// snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyColumn {
    Column(String),
    Locator,
}

/// Which rows of a table a read returns.
#[derive(Clone, Copy, Debug)]
pub enum RowFilter<'a> {
    All,
    /// A user's SQL condition, as written (the seed's `--where`).
    Where(&'a str),
    /// The rows whose `columns` equal one of `keys` (encoded by [`crate::subset::keys`]); at
    /// most [`RowSource::max_batch`] keys.
    In {
        columns: &'a [KeyColumn],
        keys: &'a [Key],
    },
}

/// What identifies the snapshot an extract read: recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// How the snapshot was taken, e.g. `read transaction`, `repeatable read`, `SCN`.
    pub kind: String,
    /// The snapshot's identifier (SCN, exported snapshot id) or the time it was taken.
    pub id: String,
}

/// Reads rows from a source database, read-only, inside one snapshot. Reads are streaming:
/// memory does not grow with the number of rows.
pub trait RowSource: Send {
    fn snapshot(&self) -> &Snapshot;

    /// The most keys one [`RowFilter::In`] may carry.
    fn max_batch(&self) -> usize;

    /// Whether `table` has a row locator ([`KeyColumn::Locator`]).
    fn has_locator(&mut self, table: &Table) -> Result<bool>;

    /// An estimate of the number of rows of `table` (statistics where the source keeps them).
    fn estimate_rows(&mut self, table: &Table) -> Result<u64>;

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

    /// Calls `each` with every archived column (`columns`, in that order) of every row that
    /// `filter` selects, in the order of `order_by`, after skipping the first `skip` rows.
    /// Values are converted by each column's neutral type; a value that does not fit its type
    /// fails with a message naming the table, the row and the column.
    ///
    /// `masks` is empty, or parallel to `columns`: a masked column is read as its
    /// [`SourceMask`] asks, computed inside the query, so that its value never leaves the
    /// source; a reply that [`SourceMask::replies_text`] comes as [`Value::Text`].
    #[allow(clippy::too_many_arguments)]
    fn read_rows(
        &mut self,
        table: &Table,
        columns: &[&Column],
        masks: &[Option<SourceMask>],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        skip: u64,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()>;
}

/// Opens the local test database `url` names, to load rows into.
///
/// Fails when it cannot be opened or reached (for Oracle also when Instant Client is missing or
/// `DBSUB_ORACLE_BATCH_ROWS` is not a number of rows); the message names the (redacted) URL.
pub fn row_sink(url: &DbUrl) -> Result<Box<dyn RowSink>> {
    match url.kind() {
        DbKind::Sqlite => Ok(Box::new(sqlite::SqliteSink::open(url)?)),
        DbKind::Postgres => Ok(Box::new(postgres::PgSink::open(url)?)),
        DbKind::Oracle => Ok(Box::new(oracle::OracleSink::open(url)?)),
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
    /// Written in the same transaction as the rows.
    pub record: LoadRecord,
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
}

/// A foreign key `verify` checks, in the target's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedKey {
    pub name: String,
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

/// Loads rows into a local test database. COPY (PostgreSQL) and array DML (Oracle) fit
/// behind [`RowSink::load`]: the feed pushes rows one by one and the sink batches them as its
/// database likes.
pub trait RowSink {
    /// The target's catalog, to map the extract's tables and columns onto.
    fn catalog(&mut self) -> Result<crate::catalog::Catalog>;

    fn cycle_handling(&self) -> CycleHandling;

    fn count_rows(&mut self, table: &Table) -> Result<u64>;

    /// What earlier loads recorded (empty when nothing was ever loaded).
    fn records(&mut self) -> Result<Vec<LoadRecord>>;

    /// Deletes every row of `tables`, in that order (children before parents), and their
    /// records, in one transaction. Fails, changing nothing, when rows of other tables would
    /// lose their parents.
    fn empty(&mut self, tables: &[&Table]) -> Result<()>;

    /// Loads `tables` in one transaction: each table's triggers off, its rows in (`mode`), its
    /// triggers back on, its record written. Every foreign key is checked (at the latest at the
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

/// What DDL generation needs to know about a dialect.
pub trait Dialect: Sync {
    fn kind(&self) -> DbKind;

    /// How `name` is written in this dialect's DDL. A name in the source's default case
    /// (upper for Oracle, lower for PostgreSQL, any simple name for SQLite) is written in this
    /// dialect's default case, unquoted unless it is a reserved word; any other name is quoted
    /// with its case kept.
    fn ident(&self, name: &str, source: Option<DbKind>) -> String;

    /// The column's neutral type in this dialect (docs/types.md), for a column of another
    /// dialect (within one dialect the native type is kept). `Err` says why the type cannot be
    /// carried over; the caller decides what to do.
    fn column_type(&self, column: &Column) -> Result<String, String>;

    /// A column default of another dialect, as this dialect spells it.
    fn default_expr(&self, column: &Column, expr: &str) -> String;

    /// Splits a migration file into statements, as this dialect's tools do.
    fn split_statements(&self, sql: &str) -> Vec<Statement>;
}

/// The dialect of a database kind.
pub fn dialect(kind: DbKind) -> &'static dyn Dialect {
    match kind {
        DbKind::Oracle => &oracle::OracleDialect,
        DbKind::Postgres => &postgres::PgDialect,
        DbKind::Sqlite => &sqlite::SqliteDialect,
    }
}

/// A name made only of ASCII letters, digits and `extra`, starting with a letter.
pub(crate) fn is_simple(name: &str, extra: &[char]) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
}

/// Whether `name` is written in its source's default case, so that it may be folded to the
/// target's default case without changing its meaning.
pub(crate) fn in_default_case(name: &str, source: Option<DbKind>) -> bool {
    if !is_simple(name, &['$', '#']) {
        return false;
    }
    match source {
        Some(DbKind::Oracle) => name == name.to_ascii_uppercase(),
        Some(DbKind::Postgres) => name == name.to_ascii_lowercase(),
        Some(DbKind::Sqlite) => true,
        None => name == name.to_ascii_uppercase() || name == name.to_ascii_lowercase(),
    }
}

/// How a dialect stores a name written without quotes.
pub(crate) enum Fold {
    Upper,
    Lower,
    Keep,
}

/// A name as a dialect writes it: in its default case (`fold`) without quotes when the source
/// wrote it in the source's default case and it is simple (letters, digits, `_` and
/// `unquoted_extra`); quoted in that case when it is a reserved word; otherwise quoted with its
/// case kept.
pub(crate) fn fold_ident(
    name: &str,
    source: Option<DbKind>,
    fold: Fold,
    reserved: &[&str],
    unquoted_extra: &[char],
) -> String {
    if !in_default_case(name, source) || !is_simple(name, unquoted_extra) {
        return double_quote(name);
    }
    let folded = match fold {
        Fold::Upper => name.to_ascii_uppercase(),
        Fold::Lower => name.to_ascii_lowercase(),
        Fold::Keep => name.to_string(),
    };
    if reserved.contains(&name.to_ascii_uppercase().as_str()) {
        double_quote(&folded)
    } else {
        folded
    }
}

/// Counts the rows of `child` (SQL name) whose `columns`, all not NULL, match no row of `parent`
/// on `parent_columns`: what [`RowSink::count_orphans`] runs.
pub(crate) fn orphans_sql(
    child: &str,
    columns: &[String],
    parent: &str,
    parent_columns: &[String],
) -> String {
    let not_null: Vec<String> = columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", double_quote(c)))
        .collect();
    let matches: Vec<String> = columns
        .iter()
        .zip(parent_columns)
        .map(|(c, p)| format!("p.{} = c.{}", double_quote(p), double_quote(c)))
        .collect();
    format!(
        "SELECT count(*) FROM {child} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
        not_null.join(" AND "),
        matches.join(" AND ")
    )
}

/// `"name"` with embedded double quotes doubled.
pub(crate) fn double_quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal: single quotes doubled. For DDL text (comments, defaults), never for
/// row values, which are always bound.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The byte offset of the first `;` outside quotes, comments and (with `dollar_quotes`)
/// PostgreSQL's `$tag$ … $tag$` bodies.
pub(crate) fn find_semicolon(sql: &str, dollar_quotes: bool) -> Option<usize> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => return Some(i),
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 1);
            }
            b'$' if dollar_quotes => {
                let rest = &sql[i + 1..];
                if let Some(end) = rest.find('$') {
                    let tag = &rest[..end];
                    if tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        let delimiter = format!("${tag}$");
                        let body = i + delimiter.len();
                        if let Some(close) = sql[body..].find(&delimiter) {
                            i = body + close + delimiter.len();
                            continue;
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Counts lines up to increasing offsets without rescanning from the start.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`; offsets must not decrease between calls.
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len()).max(self.offset);
        self.line += self.text[self.offset..offset].matches('\n').count();
        self.offset = offset;
        self.line
    }
}

/// Splits SQL text at `;` outside quotes and comments. `inside_block` is asked, for the
/// statement so far, whether the `;` found is inside a block that does not end it (SQLite's
/// trigger bodies).
pub(crate) fn split_at_semicolons(
    sql: &str,
    dollar_quotes: bool,
    mut inside_block: impl FnMut(&str) -> bool,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut lines = LineCounter::new(sql);
    let (mut start, mut from) = (0, 0);
    while let Some(offset) = find_semicolon(&sql[from..], dollar_quotes) {
        let end = from + offset;
        from = end + 1;
        if inside_block(&sql[start..end]) {
            continue;
        }
        push_statement(&mut out, &sql[start..end], lines.line_at(start));
        start = from;
    }
    push_statement(&mut out, &sql[start..], lines.line_at(start));
    out
}

/// Adds a statement unless it is only whitespace and comments. Leading comments are dropped;
/// the line is that of the statement's first token.
pub(crate) fn push_statement(out: &mut Vec<Statement>, text: &str, line: usize) {
    let rest = skip_blank(text);
    if rest.trim().is_empty() {
        return;
    }
    let skipped = &text[..text.len() - rest.len()];
    out.push(Statement {
        line: line + skipped.matches('\n').count(),
        sql: rest.trim().to_string(),
    });
}

/// The text after leading whitespace and comments.
pub(crate) fn skip_blank(text: &str) -> &str {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r
                .split_once("*/")
                .map_or("", |(_, after)| after)
                .trim_start();
        } else {
            return rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_outside_quotes_and_comments_with_lines() {
        let sql = "-- header\nCREATE TABLE A (X TEXT DEFAULT 'a;b');\n\n/* c; */ INSERT INTO A \
                   VALUES ('it''s');\n-- trailing comment\n";
        let stmts = split_at_semicolons(sql, false, |_| false);
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].line, 2);
        assert_eq!(stmts[0].sql, "CREATE TABLE A (X TEXT DEFAULT 'a;b')");
        assert_eq!(stmts[1].line, 4);
    }

    #[test]
    fn dollar_quoted_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2;";
        let stmts = split_at_semicolons(sql, true, |_| false);
        assert_eq!(stmts.len(), 2);
        assert!(stmts[0].sql.ends_with("LANGUAGE sql"));
        assert_eq!(stmts[1].line, 2);
    }

    #[test]
    fn names_fold_only_from_the_default_case() {
        assert!(in_default_case("SEEDLOT", Some(DbKind::Oracle)));
        assert!(!in_default_case("Seedlot", Some(DbKind::Oracle)));
        assert!(in_default_case("seedlot", Some(DbKind::Postgres)));
        assert!(in_default_case("Seedlot", Some(DbKind::Sqlite)));
        assert!(!in_default_case("MY TABLE", Some(DbKind::Sqlite)));
        assert_eq!(string_literal("it's"), "'it''s'");
    }
}
