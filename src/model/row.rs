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
    /// The rows whose `columns` (the table's identity) hold a key of `keys`, read by one scan
    /// of the whole table in the order of the read's `order_by`: a row whose key is not in the
    /// set is skipped on the client, before its values are converted. For a key set that holds
    /// a large share of the table, where one scan costs less than a lookup per key. A read's
    /// `skip` counts the rows kept, not the rows scanned.
    Among {
        columns: &'a [KeyColumn],
        keys: &'a dyn KeyLookup,
    },
    /// One chunk of a table read by a scan: the rows of `range`, and of the seed's condition
    /// when there is one.
    Range {
        condition: Option<Condition<'a>>,
        range: KeyRange<'a>,
    },
    /// One chunk of a partitioned table read by a scan: the rows of its leaf partition
    /// `partition` (as [`RowSource::partition_rows`](super::ports::RowSource::partition_rows)
    /// named it), and of the seed's condition when there is one.
    Partition {
        condition: Option<Condition<'a>>,
        partition: &'a Partition,
    },
}

/// A set of encoded keys ([`super::key`]) that a scan keeps the rows of ([`RowFilter::Among`]).
pub trait KeyLookup {
    /// Whether `key` is in the set.
    fn contains(&self, key: &[u8]) -> anyhow::Result<bool>;
    /// The number of keys in the set: the rows a scan keeps.
    fn len(&self) -> u64;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for dyn KeyLookup + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLookup({} keys)", self.len())
    }
}

impl<'a> RowFilter<'a> {
    /// An error for a [`RowFilter::Among`] given to `what`, which reads no archived rows (a
    /// key scan, a count): only [`RowSource::read_rows`](super::ports::RowSource::read_rows)
    /// keeps a scan's rows by a key set.
    pub fn refuse_among(&self, what: &str) -> anyhow::Result<()> {
        if let RowFilter::Among { .. } = self {
            anyhow::bail!("{what} cannot keep its rows by a key set: this is a bug in dbsub");
        }
        Ok(())
    }

    /// The rows to skip and the limit that a read's query itself takes ([`ReadRequest::skip`],
    /// [`ReadRequest::limit`]): a scan kept by a key set skips among the rows it keeps, on the
    /// client, and neither it nor a lookup (whose rows are put in key order) is limited by its
    /// query; their readers count and stop.
    pub fn in_query(&self, skip: u64, limit: Option<u64>) -> (u64, Option<u64>) {
        match self {
            RowFilter::Among { .. } => (0, None),
            RowFilter::In { .. } => (skip, None),
            _ => (skip, limit),
        }
    }

    /// The seed condition this filter applies, if any: a source's error names it.
    pub fn condition(&self) -> Option<&Condition<'a>> {
        match self {
            RowFilter::Where(c)
            | RowFilter::Above { and: Some(c), .. }
            | RowFilter::Range {
                condition: Some(c), ..
            }
            | RowFilter::Partition {
                condition: Some(c), ..
            } => Some(c),
            _ => None,
        }
    }
}

/// A leaf partition of a table, and how many of the rows a scan selects it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub schema: String,
    pub name: String,
    pub rows: u64,
}

/// A range of a table's identity, in the identity's order (the order a read gives its rows):
/// the rows after the key `after`, up to and including the key `upto`; `None` leaves that
/// end open. Keys are encoded by [`super::key`].
#[derive(Clone, Copy, Debug)]
pub struct KeyRange<'a> {
    pub columns: &'a [KeyColumn],
    pub after: Option<&'a [u8]>,
    pub upto: Option<&'a [u8]>,
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
    /// At most this many rows are wanted (a sample). A source puts the limit in the query when
    /// the query alone decides which rows come (not [`RowFilter::In`], whose rows are put in key
    /// order, nor [`RowFilter::Among`], whose rows are kept on the client): the server then
    /// stops there, instead of reading, sorting and sending the rest of the table to a reader
    /// that has stopped. The reader stops at the limit in any case.
    pub limit: Option<u64>,
}

/// An emptied vector of another element type (typically the same type with another lifetime),
/// in the same allocation when the layouts match: the collect of an empty `into_iter().map()`
/// reuses it. Lets a per-row vector of borrowed values be kept across rows.
pub fn recycle<T, U>(mut values: Vec<T>) -> Vec<U> {
    values.clear();
    values.into_iter().map(|_| unreachable!("empty")).collect()
}
