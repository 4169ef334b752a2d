//! What a read of rows asks for: key columns, which rows, the request to a source, and the
//! snapshot every read of one extract shares.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::key::Key;
use super::mask::SourceMask;
use crate::catalog::{Column, Table};

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
    /// A user's SQL condition, as written (the seed's `--where`), with its named parameters.
    Where(Condition<'a>),
    /// The rows whose `columns` equal one of `keys` (encoded by [`super::key`]); at
    /// most [`RowSource::max_batch`](super::ports::RowSource::max_batch) keys.
    In {
        columns: &'a [KeyColumn],
        keys: &'a [Key],
    },
    /// The rows whose watermark `column` is above `value` (its text form, docs/archive.md),
    /// bound as text as a condition's parameters are, never written into the SQL; and, when
    /// `and` is given, that this condition selects too (a seed's changed rows).
    Above {
        column: &'a str,
        value: &'a str,
        and: Option<Condition<'a>>,
    },
}

impl<'a> RowFilter<'a> {
    /// The seed condition this filter applies, if any: a source's error names it.
    pub fn condition(&self) -> Option<&Condition<'a>> {
        match self {
            RowFilter::Where(c) | RowFilter::Above { and: Some(c), .. } => Some(c),
            _ => None,
        }
    }
}

/// A seed's condition as the user wrote it, and the values of its named parameters (`:name`,
/// from `--param` or the plan's `[params]`). A source binds the values as text, in its own
/// placeholders; they are never written into the SQL.
#[derive(Clone, Copy, Debug)]
pub struct Condition<'a> {
    pub sql: &'a str,
    pub params: &'a BTreeMap<String, String>,
}

/// What identifies the snapshot an extract read: recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// How the snapshot was taken, e.g. `read transaction`, `repeatable read`, `SCN`.
    pub kind: String,
    /// The snapshot's identifier (SCN, exported snapshot id) or the time it was taken.
    pub id: String,
}

/// One read of rows from a source ([`RowSource::read_rows`](super::ports::RowSource::read_rows)).
#[derive(Clone, Copy, Debug)]
pub struct ReadRequest<'a> {
    pub table: &'a Table,
    /// The archived columns, in the order the values come.
    pub columns: &'a [&'a Column],
    /// Empty, or parallel to `columns`: a masked column is read as its [`SourceMask`] asks,
    /// computed inside the query, so that its value never leaves the source.
    pub masks: &'a [Option<SourceMask>],
    /// The order of the rows: the columns of the table's identity.
    pub order_by: &'a [KeyColumn],
    pub filter: RowFilter<'a>,
    /// Rows to skip first (those an interrupted extract already wrote).
    pub skip: u64,
}

/// An emptied vector of another element type (typically the same type with another lifetime),
/// in the same allocation when the layouts match: the collect of an empty `into_iter().map()`
/// reuses it. Lets a per-row vector of borrowed values be kept across rows.
pub fn recycle<T, U>(mut values: Vec<T>) -> Vec<U> {
    values.clear();
    values.into_iter().map(|_| unreachable!("empty")).collect()
}
