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
use crate::migrations::{MigrationTarget, Statement};
use crate::subset::keys::{Key, KeyValue};

/// Opens a catalog reader on the database `url` names.
///
/// Fails when the database cannot be opened, and for kinds this build cannot read yet.
pub fn catalog_reader(url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
    match url.kind() {
        DbKind::Sqlite => Ok(Box::new(sqlite::SqliteDb::open_read_only(url)?)),
        kind @ (DbKind::Oracle | DbKind::Postgres) => bail!(
            "reading the catalog of a {kind} database ({url}) is not part of this build yet: \
             point DBSUB_STRUCT_URL at a SQLite database, or pass a snapshot with --catalog FILE"
        ),
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
/// read through any of them sees the same data, whatever is written to the database meanwhile.
///
/// Fails when the database cannot be opened or reached, or the snapshot cannot be taken.
pub fn row_sources(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
    match url.kind() {
        DbKind::Sqlite => sqlite::SqliteSource::open(url, count),
        kind @ (DbKind::Oracle | DbKind::Postgres) => bail!(
            "extracting rows from a {kind} database ({url}) is not part of this build yet: \
             only SQLite sources are"
        ),
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
    fn read_rows(
        &mut self,
        table: &Table,
        columns: &[&Column],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        skip: u64,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()>;
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
