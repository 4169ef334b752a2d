use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::{SqliteDb, locked};
use crate::catalog::*;
use crate::db::key_order::{KeyKeep, KeyOrder};
use crate::db::sql::double_quote;
use crate::db::sql::range::{chunk_where, decode_key};
use crate::model::DbUrl;
use crate::model::key::KeyValue;
use crate::model::mask::SourceMask;
use crate::model::ports::{RowSource, high_water_text};
use crate::model::row::{Condition, KeyColumn, ReadRequest, RowFilter, Snapshot, recycle};
use crate::model::value::Value;

// ---------------------------------------------------------------------------------------------
// RowSource: reading rows for an extract.

const MIDNIGHT: crate::model::value::Time = crate::model::value::Time {
    hour: 0,
    minute: 0,
    second: 0,
    nanos: 0,
};

/// Tries to start `--jobs` read transactions on one snapshot, waiting longer after each
/// failure (10 ms doubling, at most 320 ms: about 2 s in all).
const SNAPSHOT_ATTEMPTS: u32 = 10;

/// Starts `count` read transactions on the database at `path` with `start`, all seeing the
/// same data.
///
/// SQLite has no shareable snapshot handle, so they start between two readings of
/// `version` (`PRAGMA data_version` on a further connection): equal readings mean no write
/// committed meanwhile. Otherwise it tries again, up to `attempts` times. One transaction is
/// its own snapshot and needs no check.
///
/// Fails when every attempt saw a write commit: the message says to use `--jobs 1`.
pub(super) fn on_one_snapshot<T>(
    path: &Path,
    count: usize,
    attempts: u32,
    mut version: impl FnMut() -> Result<i64>,
    mut start: impl FnMut() -> Result<T>,
) -> Result<Vec<T>> {
    if count == 1 {
        return Ok(vec![start()?]);
    }
    for attempt in 0..attempts {
        let before = version()?;
        let started = (0..count).map(|_| start()).collect::<Result<Vec<T>>>()?;
        if version()? == before {
            return Ok(started);
        }
        drop(started);
        std::thread::sleep(std::time::Duration::from_millis(10 << attempt.min(5)));
    }
    bail!(
        "SQLite database {} was written to during each of {attempts} attempts to start --jobs \
         {count} read transactions on one snapshot: run with --jobs 1 (one transaction is its \
         own snapshot), or when the writes stop",
        path.display()
    )
}

/// Keys per lookup: well under SQLite's limit of 32766 bound variables for composite keys.
const MAX_BATCH: usize = 500;

/// Reads rows from a SQLite database inside one read transaction per connection, all
/// connections on the same snapshot.
pub struct SqliteSource {
    conn: Connection,
    path: PathBuf,
    snapshot: Snapshot,
    locators: HashMap<String, bool>,
}

impl SqliteSource {
    /// Opens `count` read-only connections on the file of `url`, each inside a read
    /// transaction, all on one snapshot ([`on_one_snapshot`]).
    pub fn open(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
        let path = url.file_path()?;
        let taken_at = crate::model::clock::now_rfc3339();
        let watch = SqliteDb::open_path(&path, "main")?.conn;
        let data_version = || -> Result<i64> {
            watch
                .query_row("PRAGMA data_version", [], |r| r.get(0))
                .with_context(|| format!("cannot read SQLite database {}", path.display()))
        };
        let start = || -> Result<Box<dyn RowSource>> {
            let conn = SqliteDb::open_path(&path, "main")?.conn;
            // A read transaction starts with its first read.
            conn.execute_batch("BEGIN DEFERRED")?;
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
                .map_err(|e| match locked(&e, &path) {
                    Some(message) => anyhow!(message),
                    None => anyhow!(e).context(format!(
                        "cannot read SQLite database {} (is it a SQLite database?)",
                        path.display()
                    )),
                })?;
            Ok(Box::new(SqliteSource {
                conn,
                path: path.clone(),
                snapshot: Snapshot {
                    kind: "read transaction".to_string(),
                    id: taken_at.clone(),
                },
                locators: HashMap::new(),
            }))
        };
        on_one_snapshot(&path, count.max(1), SNAPSHOT_ATTEMPTS, data_version, start)
    }

    fn table_name(table: &Table) -> String {
        double_quote(&table.name)
    }

    fn column_list(columns: &[KeyColumn]) -> String {
        columns
            .iter()
            .map(|c| match c {
                KeyColumn::Column(name) => double_quote(name),
                KeyColumn::Locator => "rowid".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `SELECT <select> FROM <table> [WHERE …] [ORDER BY …] [LIMIT ? [OFFSET ?]]` and the
    /// values to bind (a limit of -1: none).
    fn query(
        table: &Table,
        select: &str,
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        skip: u64,
        limit: Option<u64>,
    ) -> Result<(String, Vec<rusqlite::types::Value>)> {
        use rusqlite::types::Value as Sql;
        let mut sql = format!("SELECT {select} FROM {}", Self::table_name(table));
        let mut binds = Vec::new();
        match filter {
            // A scan kept by a key set: the whole table, the keys checked on the client.
            RowFilter::All | RowFilter::Among { .. } => {}
            RowFilter::Where(condition) => {
                // Bound as text: SQLite applies a numeric column's affinity to it, and compares
                // text (ISO dates) as text.
                let (text, values) =
                    crate::db::sql::params::bind(condition, false, &|i| format!("?{}", i + 1))?;
                sql.push_str(&format!(" WHERE ({text})"));
                binds.extend(values.into_iter().map(|v| Sql::Text(v.to_string())));
            }
            RowFilter::Above { column, value, and } => {
                let (lhs, rhs) = match table.column(column).map(|c| &c.neutral_type) {
                    // Dates and times are text in SQLite, written with a space or a `T`
                    // between date and time; the mark is in the archive's form (a `T`).
                    Some(
                        NeutralType::Date
                        | NeutralType::Timestamp { .. }
                        | NeutralType::TimestampTz { .. },
                    ) => (
                        format!("replace({}, 'T', ' ')", double_quote(column)),
                        "replace(?1, 'T', ' ')",
                    ),
                    Some(_) => (double_quote(column), "?1"),
                    None => bail!("{}.{} has no column {column}", table.schema, table.name),
                };
                sql.push_str(&format!(" WHERE ({lhs} > {rhs})"));
                binds.push(Sql::Text(value.to_string()));
                if let Some(condition) = and {
                    let (text, values) =
                        crate::db::sql::params::bind(condition, false, &|i| format!("?{}", i + 2))?;
                    sql.push_str(&format!(" AND ({text})"));
                    binds.extend(values.into_iter().map(|v| Sql::Text(v.to_string())));
                }
            }
            RowFilter::In { columns, keys } => {
                let width = columns.len();
                let tuple = format!("({})", vec!["?"; width].join(", "));
                if width == 1 {
                    sql.push_str(&format!(
                        " WHERE {} IN ({})",
                        Self::column_list(columns),
                        vec!["?"; keys.len()].join(", ")
                    ));
                } else {
                    sql.push_str(&format!(
                        " WHERE ({}) IN (VALUES {})",
                        Self::column_list(columns),
                        vec![tuple; keys.len()].join(", ")
                    ));
                }
                for key in keys {
                    binds.extend(key_binds(key, width)?);
                }
            }
            RowFilter::Partition { .. } => {
                bail!("{}.{}: SQLite has no partitions", table.schema, table.name)
            }
            RowFilter::Range { condition, range } => {
                let condition = match condition {
                    Some(condition) => {
                        let (text, values) =
                            crate::db::sql::params::bind(condition, false, &|i| {
                                format!("?{}", i + 1)
                            })?;
                        binds.extend(values.into_iter().map(|v| Sql::Text(v.to_string())));
                        Some(text)
                    }
                    None => None,
                };
                let columns: Vec<String> = range
                    .columns
                    .iter()
                    .map(|c| Self::column_list(std::slice::from_ref(c)))
                    .collect();
                // Numbered placeholders: each end's values appear several times in the text.
                let mut end = |key: &[u8], _: &str| -> Result<Vec<String>> {
                    let first = binds.len() + 1;
                    binds.extend(key_binds(key, columns.len())?);
                    Ok((0..columns.len())
                        .map(|j| format!("?{}", first + j))
                        .collect())
                };
                sql.push_str(&chunk_where(condition, &columns, &range, &mut end)?);
            }
        }
        if !order_by.is_empty() {
            sql.push_str(&format!(" ORDER BY {}", Self::column_list(order_by)));
        }
        if skip > 0 || limit.is_some() {
            sql.push_str(" LIMIT ?");
            binds.push(Sql::Integer(
                limit.map_or(-1, |n| n.min(i64::MAX as u64) as i64),
            ));
        }
        if skip > 0 {
            sql.push_str(" OFFSET ?");
            binds.push(Sql::Integer(skip as i64));
        }
        Ok((sql, binds))
    }

    /// Runs `sql` and hands every row to `each`; the source's errors name the table (and the
    /// condition, for a seed's).
    fn for_each_row(
        &self,
        table: &Table,
        filter: RowFilter<'_>,
        sql: &str,
        binds: Vec<rusqlite::types::Value>,
        each: &mut dyn FnMut(&rusqlite::Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.failed(table, filter, e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(binds))
            .map_err(|e| self.failed(table, filter, e))?;
        loop {
            match rows.next() {
                Ok(Some(row)) => each(row)?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.failed(table, filter, e)),
            }
        }
    }

    /// Registers the functions that masked columns are read through (see [`mask_select`]):
    /// SQLite computes them inside the query, like a server's SQL functions, so a masked value
    /// never reaches the row conversion. The date-shift key of `masks` is captured by the
    /// function, not written into SQL.
    fn register_mask_functions(&self, masks: &[Option<SourceMask>]) -> Result<()> {
        use rusqlite::functions::FunctionFlags;
        let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
        self.conn
            .create_scalar_function("dbsub_mask_digest", 1, flags, |ctx| {
                Ok(mask_text(ctx.get_raw(0)).map(|t| crate::model::mask::digest_reply(&t)))
            })?;
        let key = masks.iter().flatten().find_map(|m| match m {
            SourceMask::ShiftDays { key, .. } => Some(*key),
            _ => None,
        });
        if let Some(key) = key {
            self.conn
                .create_scalar_function("dbsub_mask_shift_days", 2, flags, move |ctx| {
                    let days: i64 = ctx.get(1)?;
                    let Some(text) = mask_text(ctx.get_raw(0)) else {
                        return Ok(None);
                    };
                    let offset = crate::model::mask::shift_offset(&key, days as u32, &text);
                    crate::model::mask::shift_date_text(&String::from_utf8_lossy(&text), offset)
                        .map(Some)
                        .map_err(|why| rusqlite::Error::UserFunctionError(why.into()))
                })?;
        }
        Ok(())
    }

    fn failed(&self, table: &Table, filter: RowFilter<'_>, err: rusqlite::Error) -> anyhow::Error {
        if let Some(message) = locked(&err, &self.path) {
            return anyhow!("cannot read {}.{}: {message}", table.schema, table.name);
        }
        match filter.condition() {
            Some(Condition { sql: condition, .. }) => anyhow!(
                "the condition `{condition}` on {}.{} failed in SQLite database {}: {err}",
                table.schema,
                table.name,
                self.path.display()
            ),
            _ => anyhow!(
                "cannot read {}.{} from SQLite database {}: {err}",
                table.schema,
                table.name,
                self.path.display()
            ),
        }
    }
}

/// The values of the encoded key `key` of `width` columns, as SQLite binds them.
fn key_binds(key: &[u8], width: usize) -> Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as Sql;
    Ok(decode_key(key, width)?
        .into_iter()
        .map(|v| match v {
            KeyValue::Null => Sql::Null,
            KeyValue::Int(i) => Sql::Integer(i),
            KeyValue::Float(f) => Sql::Real(f),
            KeyValue::Text(t) => Sql::Text(t.to_string()),
            KeyValue::Bytes(b) => Sql::Blob(b.to_vec()),
        })
        .collect())
}

impl RowSource for SqliteSource {
    fn condition_params(&self, condition: &str) -> Vec<String> {
        crate::db::sql::params::names(condition, false)
    }

    fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    fn has_locator(&mut self, table: &Table) -> Result<bool> {
        if let Some(&known) = self.locators.get(&table.name) {
            return Ok(known);
        }
        // WITHOUT ROWID tables have no rowid; preparing a query for it says so.
        let has = self
            .conn
            .prepare(&format!(
                "SELECT rowid FROM {} LIMIT 0",
                Self::table_name(table)
            ))
            .is_ok();
        self.locators.insert(table.name.clone(), has);
        Ok(has)
    }

    fn archived_key(&self, _columns: &[&Column], values: &[Value<'_>], out: &mut Vec<u8>) -> bool {
        // The key scan reads SQLite's storage classes: integers, reals, text and blobs as
        // stored. A decimal column (NUMBER, NUMERIC, DECIMAL: numeric affinity) stores a
        // whole number that fits 64 bits as an integer and any other number as a real, whose
        // archived text is `decimal_from_f64` of it: the key is the one whose text the archive
        // holds, else none. Dates and the like are stored in forms the archive does not keep.
        let mut keys = Vec::with_capacity(values.len());
        for v in values {
            keys.push(
                match v {
                    Value::Null => KeyValue::Null,
                    Value::Int(i) => KeyValue::Int(*i),
                    Value::Bool(b) => KeyValue::Int(i64::from(*b)),
                    Value::Float(f) => KeyValue::Float(*f),
                    Value::Text(t) => KeyValue::Text(t),
                    Value::Bytes(b) => KeyValue::Bytes(b),
                    Value::Decimal(d) => match decimal_key(d) {
                        Some(key) => key,
                        None => return false,
                    },
                    _ => return false,
                }
                .normal(),
            );
        }
        crate::model::key::encode(&keys, out);
        true
    }

    fn high_water(&mut self, table: &Table, column: &Column) -> Result<Option<String>> {
        let sql = format!(
            "SELECT max({}) FROM {}",
            double_quote(&column.name),
            Self::table_name(table)
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.failed(table, RowFilter::All, e))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| self.failed(table, RowFilter::All, e))?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let value = Conv::of(&column.neutral_type).convert(row.get_ref(0)?, &column.neutral_type);
        high_water_text(table, column, value)
    }

    fn estimate_rows(&mut self, table: &Table) -> Result<u64> {
        // SQLite keeps no row count outside sqlite_stat1 (only after ANALYZE). The largest
        // rowid is one b-tree descent: the row count when no row was deleted, more after
        // deletes (which only makes a scan of the table less likely: lookups are the safe
        // side). A WITHOUT ROWID table is counted, walking its b-tree.
        let sql = if self.has_locator(table)? {
            format!(
                "SELECT coalesce(max(rowid), 0) FROM {}",
                Self::table_name(table)
            )
        } else {
            format!("SELECT count(*) FROM {}", Self::table_name(table))
        };
        let n: i64 = self
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| self.failed(table, RowFilter::All, e))?;
        Ok(n as u64)
    }

    fn scan_keys(
        &mut self,
        table: &Table,
        columns: &[KeyColumn],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        filter.refuse_among("a key scan")?;
        let (sql, binds) = Self::query(
            table,
            &Self::column_list(columns),
            order_by,
            filter,
            0,
            None,
        )?;
        // One vector for every row (recycled between rows: its values borrow the row).
        let mut spare: Vec<KeyValue<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(table, filter, &sql, binds, &mut |row| {
            let mut values: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare));
            key_values(table, row, 0..columns.len(), &mut values)?;
            each(&values)?;
            spare = recycle(values);
            Ok(())
        })
    }

    fn read_rows(
        &mut self,
        request: &ReadRequest<'_>,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()> {
        let ReadRequest {
            table,
            columns,
            masks,
            order_by,
            filter,
            skip,
            limit,
        } = *request;
        let locator = self.has_locator(table)?;
        let mask_of = |i: usize| masks.get(i).and_then(Option::as_ref);
        if masks.iter().any(Option::is_some) {
            self.register_mask_functions(masks)?;
        }
        let mut select: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| mask_select(&double_quote(&c.name), mask_of(i)))
            .collect();
        // The rowid, to name a row in an error message.
        if locator {
            select.push("rowid".to_string());
        }
        // A lookup's rows go on in the order of its keys: its key columns are read too.
        let key_at = select.len();
        let mut in_order = match filter {
            RowFilter::In { columns, keys } => {
                select.push(Self::column_list(columns));
                Some((key_at..key_at + columns.len(), KeyOrder::new(keys)))
            }
            _ => None,
        };
        // A scan kept by a key set: its key columns too, and the rows to skip are counted
        // among those it keeps, not skipped by the query.
        let mut keep = match filter {
            RowFilter::Among { columns, keys } => {
                select.push(Self::column_list(columns));
                Some((key_at..key_at + columns.len(), KeyKeep::new(keys, skip)))
            }
            _ => None,
        };
        let (offset, limit) = filter.in_query(skip, limit);
        let (sql, binds) = Self::query(table, &select.join(", "), order_by, filter, offset, limit)?;
        let convs: Vec<Conv> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| match mask_of(i) {
                Some(m) if m.replies_text() => Conv::Text,
                _ => Conv::of(&c.neutral_type),
            })
            .collect();
        let mut n = skip;
        // The lookup's key of each row, in one vector recycled between rows.
        let mut spare_key: Vec<KeyValue<'static>> = Vec::new();
        self.for_each_row(table, filter, &sql, binds, &mut |row| {
            if let Some((at, keep)) = &mut keep {
                let mut key: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                key_values(table, row, at.clone(), &mut key)?;
                let kept = keep.keeps(&key);
                spare_key = recycle(key);
                if !kept? {
                    return Ok(());
                }
            }
            n += 1;
            let mut values: Vec<Value<'_>> = Vec::with_capacity(columns.len());
            for (i, conv) in convs.iter().enumerate() {
                let raw = row.get_ref(i)?;
                match conv.convert(raw, &columns[i].neutral_type) {
                    Ok(v) => values.push(v),
                    Err(why) => {
                        let which = if locator {
                            format!("rowid {}", row.get::<_, i64>(columns.len())?)
                        } else {
                            format!("row {n}")
                        };
                        bail!(
                            "{}.{}, {which}, column {}: {why} (SQLite stores any value in any \
                             column: fix the row at the source, or leave the table out of the \
                             extract)",
                            table.schema,
                            table.name,
                            columns[i].name
                        );
                    }
                }
            }
            match &mut in_order {
                None => each(&values),
                Some((at, order)) => {
                    let mut key: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                    key_values(table, row, at.clone(), &mut key)?;
                    let outcome = order.row(table, &key, &values, each);
                    spare_key = recycle(key);
                    outcome
                }
            }
        })?;
        if let Some((_, keep)) = keep {
            keep.finish(table)?;
        }
        match in_order {
            Some((_, order)) => order.finish(each),
            None => Ok(()),
        }
    }
}

/// The values of the key columns `at` of `row`, as the key set holds them.
/// The value SQLite's numeric affinity stores for the decimal `text` (an archived value), as
/// the key scan reads it; `None` when the stored value's archived text would not be `text`.
fn decimal_key(text: &str) -> Option<KeyValue<'static>> {
    if !text.contains(['.', 'e', 'E']) {
        return text.parse().ok().map(KeyValue::Int);
    }
    let f: f64 = text.parse().ok()?;
    let whole = f.fract() == 0.0 && f.abs() < 9.2e18;
    (!whole && crate::model::text::decimal_from_f64(f).as_deref() == Some(text))
        .then_some(KeyValue::Float(f))
}

fn key_values<'r>(
    table: &Table,
    row: &'r rusqlite::Row<'_>,
    at: std::ops::Range<usize>,
    out: &mut Vec<KeyValue<'r>>,
) -> Result<()> {
    for i in at {
        // Normal (`KeyValue::normal`): a foreign key's TEXT '5' or REAL 5.0 is the key of its
        // INTEGER parent 5, which SQLite's lookup finds by the column's affinity; a scan kept
        // by the key set must find it too.
        out.push(
            match row.get_ref(i)? {
                ValueRef::Null => KeyValue::Null,
                ValueRef::Integer(n) => KeyValue::Int(n),
                ValueRef::Real(f) => KeyValue::Float(f),
                ValueRef::Text(t) => KeyValue::Text(std::str::from_utf8(t).map_err(|_| {
                    anyhow!("{}.{}: a key is not UTF-8 text", table.schema, table.name)
                })?),
                ValueRef::Blob(b) => KeyValue::Bytes(b),
            }
            .normal(),
        );
    }
    Ok(())
}

/// A masked column's select expression (see [`SqliteSource::register_mask_functions`]).
fn mask_select(column: &str, mask: Option<&SourceMask>) -> String {
    match mask {
        None => column.to_string(),
        Some(SourceMask::NullOnly) => format!("CASE WHEN {column} IS NULL THEN NULL ELSE 't' END"),
        Some(SourceMask::Digest) => format!("dbsub_mask_digest({column})"),
        Some(SourceMask::ShiftDays { days, .. }) => {
            format!("dbsub_mask_shift_days({column}, {days})")
        }
    }
}

/// A value's text as a masking function hashes it: text as stored, numbers as the archive
/// writes them, blobs as their bytes; `None` for NULL.
fn mask_text(raw: ValueRef<'_>) -> Option<Vec<u8>> {
    match raw {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string().into_bytes()),
        ValueRef::Real(f) => Some(real_text(f).into_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(t.to_vec()),
    }
}

/// A REAL's text in a character column (and for masking): its exact decimal digits.
fn real_text(f: f64) -> String {
    crate::model::text::decimal_from_f64(f).unwrap_or_else(|| f.to_string())
}

/// How a SQLite value becomes an archive value, by the column's neutral type.
#[derive(Clone, Copy, Debug)]
enum Conv {
    Bool,
    Int,
    Decimal,
    Float,
    Text,
    Binary,
    Date,
    Timestamp,
    TimestampTz,
    /// Other types (time, interval): the stored text must already be in the archive's form.
    Parsed,
}

impl Conv {
    fn of(ty: &NeutralType) -> Conv {
        match ty {
            NeutralType::Boolean => Conv::Bool,
            NeutralType::Integer { .. } => Conv::Int,
            NeutralType::Decimal { .. } => Conv::Decimal,
            NeutralType::Float { .. } => Conv::Float,
            NeutralType::Binary { .. }
            | NeutralType::Lob {
                lob: LobKind::Binary,
            } => Conv::Binary,
            NeutralType::Date => Conv::Date,
            NeutralType::Timestamp { .. } => Conv::Timestamp,
            NeutralType::TimestampTz { .. } => Conv::TimestampTz,
            NeutralType::Time { .. } | NeutralType::Interval { .. } => Conv::Parsed,
            _ => Conv::Text,
        }
    }

    fn convert<'a>(self, raw: ValueRef<'a>, ty: &NeutralType) -> Result<Value<'a>, String> {
        use crate::model::text as v;
        use std::borrow::Cow;
        let text = |t: &'a [u8]| {
            std::str::from_utf8(t).map_err(|_| "the text is not valid UTF-8".to_string())
        };
        Ok(match (self, raw) {
            (_, ValueRef::Null) => Value::Null,
            (Conv::Bool, ValueRef::Integer(0)) => Value::Bool(false),
            (Conv::Bool, ValueRef::Integer(1)) => Value::Bool(true),
            (Conv::Int | Conv::Decimal, ValueRef::Integer(i)) => Value::Int(i),
            (Conv::Int, ValueRef::Real(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                Value::Int(f as i64)
            }
            (Conv::Int, ValueRef::Text(t)) => Value::Int(
                text(t)?
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{}` is not an integer", String::from_utf8_lossy(t)))?,
            ),
            (Conv::Decimal, ValueRef::Real(f)) => Value::Decimal(Cow::Owned(
                v::decimal_from_f64(f).ok_or_else(|| format!("{f} is not a finite number"))?,
            )),
            (Conv::Decimal, ValueRef::Text(t)) => {
                let t = text(t)?;
                Value::Decimal(Cow::Owned(
                    v::canonical_decimal(t.trim())
                        .ok_or_else(|| format!("`{t}` is not a decimal number"))?
                        .into(),
                ))
            }
            (Conv::Float, ValueRef::Real(f)) => Value::Float(f),
            // An integer in a float column: its digits, exactly.
            (Conv::Float, ValueRef::Integer(i)) => Value::Int(i),
            (Conv::Text, ValueRef::Text(t)) => Value::Text(Cow::Borrowed(text(t)?)),
            (Conv::Text, ValueRef::Integer(i)) => Value::Text(Cow::Owned(i.to_string())),
            (Conv::Text, ValueRef::Real(f)) => Value::Text(Cow::Owned(real_text(f))),
            (Conv::Text, ValueRef::Blob(b)) => Value::Text(Cow::Borrowed(
                std::str::from_utf8(b)
                    .map_err(|_| "binary bytes in a character column".to_string())?,
            )),
            (Conv::Binary, ValueRef::Blob(b)) => Value::Bytes(Cow::Borrowed(b)),
            (Conv::Binary, ValueRef::Text(t)) => Value::Bytes(Cow::Borrowed(t)),
            (Conv::Date | Conv::Timestamp | Conv::TimestampTz, ValueRef::Text(t)) => {
                let t = text(t)?;
                let (dt, offset) = v::parse_datetime(t.trim())
                    .ok_or_else(|| format!("`{t}` is not an ISO 8601 date or timestamp"))?;
                match (self, offset) {
                    (Conv::Date, None) if dt.time == MIDNIGHT => Value::Date(dt.date),
                    (Conv::Date, _) => return Err(format!("`{t}` is not a date (it has a time)")),
                    (Conv::Timestamp, None) => Value::Timestamp(dt),
                    (Conv::Timestamp, Some(_)) => {
                        return Err(format!("`{t}` has a time zone; the column has none"));
                    }
                    (_, Some(offset)) => Value::TimestampTz(dt, offset),
                    (_, None) => {
                        return Err(format!(
                            "`{t}` has no time zone offset; the column needs one"
                        ));
                    }
                }
            }
            (Conv::Parsed, ValueRef::Text(t)) => v::decode(t, true, ty)
                .map_err(|e| e.to_string())?
                .into_owned(),
            (_, other) => {
                return Err(format!(
                    "a {} value does not fit the column's type",
                    match other.data_type() {
                        rusqlite::types::Type::Integer => "integer",
                        rusqlite::types::Type::Real => "real",
                        rusqlite::types::Type::Text => "text",
                        rusqlite::types::Type::Blob => "blob",
                        rusqlite::types::Type::Null => "null",
                    }
                ));
            }
        })
    }
}
