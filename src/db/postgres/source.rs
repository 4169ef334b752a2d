//! The PostgreSQL row source (extract): `COPY (SELECT …) TO STDOUT` for whole tables and
//! seeds' conditions, and one query with the keys bound as arrays (`= ANY($1)`) for the
//! closure's batches, all in one exported repeatable-read snapshot. Values come in PostgreSQL's
//! text forms, fixed by the session settings of [`super::SESSION`].

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::{Context, Result, anyhow, bail};

use postgres::types::{Format, IsNull, ToSql, Type, to_sql_checked};

use crate::db::sql::params;

use super::conn::Conn;
use super::{key_column_sql, pg_message, qualified};
use crate::catalog::*;
use crate::db::key_order::{KeyKeep, KeyOrder};
use crate::db::sql::double_quote;
use crate::db::sql::range::{chunk_where, decode_key};
use crate::model::DbUrl;
use crate::model::key::{self, KeyValue};
use crate::model::mask::SourceMask;
use crate::model::ports::{RowSource, high_water_text};
use crate::model::row::{
    Condition, KeyColumn, Partition, ReadRequest, RowFilter, Snapshot, recycle,
};
use crate::model::text::{canonical_decimal, decode, parse_datetime};
use crate::model::value::{DateTime, Value};

/// Keys per lookup query: one array parameter per key column, so the query text stays the same
/// whatever the batch.
const MAX_BATCH: usize = 5000;

// ---------------------------------------------------------------------------------------------
// Row source.

/// Reads one extract's rows inside one repeatable-read snapshot.
pub struct PgSource {
    client: Conn,
    url: DbUrl,
    snapshot: Snapshot,
    read: Read,
    /// Whether each table read so far is partitioned, by `(schema, name)`, asked of the
    /// source itself (a catalog snapshot may predate the table's partitioning).
    partitioned: HashMap<(String, String), bool>,
}

/// How whole tables and seeds' conditions are read (key lookups are always one query).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// `COPY (SELECT …) TO STDOUT`: the default, the fastest (docs/benchmarks.md).
    Copy,
    /// A server-side cursor fetched [`CURSOR_ROWS`] rows at a time, for servers or poolers that
    /// refuse COPY: `DBSUB_PG_READ=cursor`.
    Cursor,
}

/// Selects [`Read`]; `copy` or `cursor`.
const READ_VAR: &str = "DBSUB_PG_READ";

/// Rows per FETCH of [`Read::Cursor`].
const CURSOR_ROWS: usize = 10_000;

impl Read {
    fn from_env() -> Result<Read> {
        match std::env::var(READ_VAR).as_deref() {
            Err(_) | Ok("" | "copy") => Ok(Read::Copy),
            Ok("cursor") => Ok(Read::Cursor),
            Ok(other) => bail!("{READ_VAR}={other}: write `copy` (the default) or `cursor`"),
        }
    }
}

/// Opens `count` connections on one snapshot: the first exports its snapshot
/// (`pg_export_snapshot`), the others import it, so every read sees the same data.
pub fn open_sources(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
    let read = Read::from_env()?;
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    let first = Conn::connect(url)?;
    first
        .batch_execute(begin)
        .with_context(|| format!("cannot start a read-only transaction on {url}"))?;
    let id: String = first
        .query_one("SELECT pg_export_snapshot()", &[])
        .with_context(|| format!("cannot export the snapshot of {url}"))?
        .get(0);
    let snapshot = Snapshot {
        kind: "repeatable read".to_string(),
        id: id.clone(),
    };
    let mut sources: Vec<Box<dyn RowSource>> = Vec::with_capacity(count.max(1));
    for _ in 1..count.max(1) {
        let client = Conn::connect(url)?;
        client
            .batch_execute(&format!(
                "{begin}; SET TRANSACTION SNAPSHOT {}",
                crate::db::sql::string_literal(&id)
            ))
            .with_context(|| format!("cannot share the snapshot {id} on {url}"))?;
        sources.push(Box::new(PgSource {
            client,
            url: url.clone(),
            snapshot: snapshot.clone(),
            read,
            partitioned: HashMap::new(),
        }));
    }
    // The exporting transaction stays open as long as its source: the snapshot lives with it.
    sources.insert(
        0,
        Box::new(PgSource {
            client: first,
            url: url.clone(),
            snapshot,
            read,
            partitioned: HashMap::new(),
        }),
    );
    Ok(sources)
}

/// The parameters of a key lookup: one text array per key column.
type KeyArrays = Vec<Vec<Option<String>>>;

/// What a read binds from `$1`, before its masks' secrets: a lookup's key arrays, or the values
/// of a seed condition's parameters.
struct Binds {
    arrays: Option<KeyArrays>,
    values: Vec<String>,
}

impl Binds {
    fn len(&self) -> usize {
        self.arrays.as_ref().map_or(0, Vec::len) + self.values.len()
    }
}

/// A seed condition's parameter value, sent in PostgreSQL's text format whatever the type the
/// server infers for its `$n` (date, timestamp, numeric, text), which then parses it as it
/// parses a literal of that type: `updated_at >= $1` compares timestamps, not text, and a value
/// that is no valid timestamp is an error from the server, never SQL.
#[derive(Debug)]
struct TextParam<'a>(&'a str);

impl ToSql for TextParam<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

impl PgSource {
    /// Whether `table` is a partitioned table in the source (asked once per table).
    fn is_partitioned(&mut self, table: &Table) -> Result<bool> {
        let key = (table.schema.clone(), table.name.clone());
        if let Some(&partitioned) = self.partitioned.get(&key) {
            return Ok(partitioned);
        }
        let partitioned: bool = self
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'p')",
                &[&table.schema, &table.name],
            )
            .map_err(|e| {
                anyhow!(
                    "cannot read the kind of {}.{} in {}: {}",
                    table.schema,
                    table.name,
                    self.url,
                    pg_message(&e)
                )
            })?
            .get(0);
        self.partitioned.insert(key, partitioned);
        Ok(partitioned)
    }

    /// `FROM …` of `table`: a partitioned table's rows are its partitions'; any other table's
    /// are its own (`ONLY`): the rows of a table that inherits from it (old-style inheritance)
    /// are that table's, read as it. A chunk of a partitioned table
    /// ([`RowFilter::Partition`]) reads its leaf partition alone.
    fn relation_sql(&mut self, table: &Table, filter: RowFilter<'_>) -> Result<String> {
        if let RowFilter::Partition { partition, .. } = filter {
            return Ok(format!(
                " FROM ONLY {}.{}",
                double_quote(&partition.schema),
                double_quote(&partition.name)
            ));
        }
        let only = if self.is_partitioned(table)? {
            ""
        } else {
            "ONLY "
        };
        Ok(format!(" FROM {only}{}", qualified(table)))
    }

    /// `FROM … WHERE …` of a read (`from` as [`Self::relation_sql`] gives it), and what it binds:
    /// the key arrays of [`RowFilter::In`], the parameters of [`RowFilter::Where`].
    fn from_where(
        from: String,
        partitioned: bool,
        table: &Table,
        filter: RowFilter<'_>,
        order_by: &[KeyColumn],
        skip: u64,
        limit: Option<u64>,
    ) -> Result<(String, Binds)> {
        let mut sql = from;
        let mut arrays = None;
        let mut values = Vec::new();
        match filter {
            // A scan kept by a key set: the whole table, the keys checked on the client.
            RowFilter::All | RowFilter::Among { .. } => {}
            RowFilter::Partition {
                condition: None, ..
            } => {}
            RowFilter::Where(condition)
            | RowFilter::Partition {
                condition: Some(condition),
                ..
            } => {
                // `$n` without a cast: the value goes as text (`TextParam`) and the server
                // reads it as the type the condition gives it (a date, a timestamp, a number).
                let (text, bound) = params::bind(condition, true, &|i| format!("${}", i + 1))?;
                sql.push_str(&format!(" WHERE ({text})"));
                values = bound.into_iter().map(str::to_string).collect();
            }
            RowFilter::Above { column, value, and } => {
                // `$1` takes the column's type: the mark compares as a timestamp, a number or
                // a text, as the column does.
                sql.push_str(&format!(" WHERE ({} > $1)", double_quote(column)));
                values.push(value.to_string());
                if let Some(condition) = and {
                    let (text, bound) = params::bind(condition, true, &|i| format!("${}", i + 2))?;
                    sql.push_str(&format!(" AND ({text})"));
                    values.extend(bound.into_iter().map(str::to_string));
                }
            }
            RowFilter::In { columns, keys } => {
                // The keys travel as text and are cast to the column's own type, so that the
                // lookup uses its index.
                let cast = |i: usize, column: &KeyColumn| -> Result<String> {
                    let ty = key_type(table, column, partitioned)?;
                    Ok(format!("${}::text[]::{ty}[]", i + 1))
                };
                if let [column] = columns {
                    sql.push_str(&format!(
                        " WHERE {} = ANY({})",
                        key_column_sql(column, partitioned),
                        cast(0, column)?
                    ));
                } else {
                    let list: Vec<String> = columns
                        .iter()
                        .map(|c| key_column_sql(c, partitioned))
                        .collect();
                    let casts: Vec<String> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| cast(i, c))
                        .collect::<Result<_>>()?;
                    sql.push_str(&format!(
                        " WHERE ({}) IN (SELECT * FROM unnest({}))",
                        list.join(", "),
                        casts.join(", ")
                    ));
                }
                let mut by_column: KeyArrays = vec![Vec::with_capacity(keys.len()); columns.len()];
                for key in keys {
                    let values = key::decode(key)?;
                    if values.len() != columns.len() {
                        bail!(
                            "a key of {} values for {} columns",
                            values.len(),
                            columns.len()
                        );
                    }
                    for (i, v) in values.into_iter().enumerate() {
                        by_column[i].push(key_text(v)?);
                    }
                }
                arrays = Some(by_column);
            }
            RowFilter::Range { condition, range } => {
                let condition = match condition {
                    Some(condition) => {
                        let (text, bound) =
                            params::bind(condition, true, &|i| format!("${}", i + 1))?;
                        values = bound.into_iter().map(str::to_string).collect();
                        Some(text)
                    }
                    None => None,
                };
                let columns: Vec<String> = range
                    .columns
                    .iter()
                    .map(|c| key_column_sql(c, partitioned))
                    .collect();
                // Each end's values go as text, cast to the column's type so that the range
                // compares (and uses the index) as the column does.
                let mut end = |key: &[u8], _: &str| -> Result<Vec<String>> {
                    let mut placeholders = Vec::with_capacity(range.columns.len());
                    let decoded = decode_key(key, range.columns.len())?;
                    for (v, column) in decoded.into_iter().zip(range.columns) {
                        let Some(text) = key_text(v)? else {
                            bail!("a chunk's bound of {}.{} is NULL", table.schema, table.name)
                        };
                        values.push(text);
                        let ty = key_type(table, column, partitioned)?;
                        placeholders.push(format!("${}::{ty}", values.len()));
                    }
                    Ok(placeholders)
                };
                sql.push_str(&chunk_where(condition, &columns, &range, &mut end)?);
            }
        }
        if !order_by.is_empty() {
            let list: Vec<String> = order_by
                .iter()
                .map(|c| key_column_sql(c, partitioned))
                .collect();
            sql.push_str(&format!(" ORDER BY {}", list.join(", ")));
        }
        // Counts of dbsub's own, never a value read or given.
        if let Some(limit) = limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        if skip > 0 {
            sql.push_str(&format!(" OFFSET {skip}"));
        }
        Ok((sql, Binds { arrays, values }))
    }

    /// Runs `SELECT <select><from_where>` and hands each row's fields (text, `None` for NULL)
    /// to `each`: through `COPY … TO STDOUT` when there is nothing to bind, else as a query
    /// whose columns are all cast to text.
    ///
    /// `secrets` are further `bytea` parameters, numbered after `binds` (the date-shift keys of
    /// masked columns): a query that binds anything is never a COPY, which cannot bind.
    #[allow(clippy::too_many_arguments)]
    fn for_each_row(
        &mut self,
        table: &Table,
        filter: RowFilter<'_>,
        select: &[String],
        from_where: &str,
        binds: Binds,
        secrets: &[Vec<u8>],
        each: &mut dyn FnMut(&[Option<&str>]) -> Result<()>,
    ) -> Result<()> {
        let url = self.url.clone();
        let failed = |e: postgres::Error| -> anyhow::Error {
            match filter.condition() {
                Some(Condition { sql: condition, .. }) => anyhow!(
                    "the condition `{condition}` on {}.{} failed in {url}: {}",
                    table.schema,
                    table.name,
                    pg_message(&e)
                ),
                _ => anyhow!(
                    "cannot read {}.{} from {url}: {}",
                    table.schema,
                    table.name,
                    pg_message(&e)
                ),
            }
        };
        // Named apart from every column: PostgreSQL names `("id")::text` `id`, and an ORDER BY
        // of a name that is also an output column's sorts by that output, as text (`10` before
        // `9`), so that a seed's bound condition read its keys and its chunks out of key order.
        let texts: Vec<String> = select
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} AS \"dbsub text {i}\"", as_text(s)))
            .collect();
        let Binds { arrays, values } = binds;
        let arrays = match (arrays, secrets.is_empty() && values.is_empty()) {
            (None, false) => Some(Vec::new()),
            (arrays, _) => arrays,
        };
        match (arrays, self.read) {
            (None, Read::Copy) => {
                let sql = format!("COPY (SELECT {}{from_where}) TO STDOUT", select.join(", "));
                let mut rows = CopyText::new(select.len());
                self.client
                    .copy_out(&sql, &mut |data| rows.take(data, each))
                    .map_err(|e| e.told(failed))?;
                rows.finish(each)
            }
            (None, Read::Cursor) => {
                self.client
                    .batch_execute(&format!(
                        "DECLARE dbsub_rows NO SCROLL CURSOR FOR SELECT {}{from_where}",
                        texts.join(", ")
                    ))
                    .map_err(failed)?;
                let client = &self.client;
                let fetched = (|| -> Result<()> {
                    loop {
                        let rows = client
                            .query(&format!("FETCH {CURSOR_ROWS} FROM dbsub_rows"), &[])
                            .map_err(failed)?;
                        for row in &rows {
                            each(&text_fields(row, select.len()).map_err(failed)?)?;
                        }
                        if rows.len() < CURSOR_ROWS {
                            return Ok(());
                        }
                    }
                })();
                // Closed however the read ends: a reader that stops early (a sample of rows)
                // leaves the transaction able to declare the cursor again. After a failed
                // statement the transaction is lost anyway: the first error is the one told.
                let closed = self.client.batch_execute("CLOSE dbsub_rows");
                fetched?;
                closed.map_err(failed)
            }
            (Some(arrays), _) => {
                let sql = format!("SELECT {}{from_where}", texts.join(", "));
                let values: Vec<TextParam<'_>> = values.iter().map(|v| TextParam(v)).collect();
                let params: Vec<&(dyn ToSql + Sync)> = arrays
                    .iter()
                    .map(|a| a as &(dyn ToSql + Sync))
                    .chain(values.iter().map(|v| v as &(dyn ToSql + Sync)))
                    .chain(secrets.iter().map(|s| s as &(dyn ToSql + Sync)))
                    .collect();
                self.client
                    .query_each(&sql, &params, &mut |row| {
                        each(&text_fields(row, select.len()).map_err(failed)?)
                    })
                    .map_err(|e| e.told(failed))
            }
        }
    }
}

/// The first `width` columns of a row whose columns are all text.
fn text_fields(row: &postgres::Row, width: usize) -> Result<Vec<Option<&str>>, postgres::Error> {
    (0..width).map(|i| row.try_get(i)).collect()
}

impl RowSource for PgSource {
    fn condition_params(&self, condition: &str) -> Vec<String> {
        crate::db::sql::params::names(condition, true)
    }

    fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    fn scan_share(&self) -> f64 {
        // A lookup's rows cost several times more here than in SQLite (a bound array of 5,000
        // keys through the extended protocol: ≈ 360,000 rows/s, against ≈ 3,000,000 rows/s
        // scanned by COPY and mostly dropped on the client): bench/heldback.sh's invoice_line,
        // 24 % of its rows selected, 0.67 s by lookups, 0.35 s by one kept scan
        // (docs/benchmarks.md, "Held-back case").
        0.1
    }

    fn has_locator(&mut self, _table: &Table) -> Result<bool> {
        // Every table has a ctid, stable within the snapshot; a partitioned table's locator
        // also names the partition (`key_column_sql`).
        Ok(true)
    }

    fn archived_key(&self, columns: &[&Column], values: &[Value<'_>], out: &mut Vec<u8>) -> bool {
        // The key scan reads each key column's text output (a blank-padded char(n) with its
        // padding, as the archive keeps it): the archive's text where the two agree; not for
        // timestamps, whose output forms differ.
        let mut texts: Vec<Option<String>> = Vec::with_capacity(values.len());
        for v in values {
            texts.push(match v {
                Value::Null => None,
                Value::Int(i) => Some(i.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Text(t) => Some(t.to_string()),
                // The archive keeps a numeric's text as PostgreSQL writes it (its scale too).
                Value::Decimal(d) => Some(d.to_string()),
                Value::Date(d) if (1..=9999).contains(&d.year) => v.text_form(),
                _ => return false,
            });
        }
        let keys: Vec<KeyValue<'_>> = texts
            .iter()
            .zip(columns)
            .map(|(t, c)| key_value(t.as_deref(), is_decimal(c)))
            .collect();
        key::encode(&keys, out);
        true
    }

    fn high_water(&mut self, table: &Table, column: &Column) -> Result<Option<String>> {
        let from = self.relation_sql(table, RowFilter::All)?;
        let sql = format!("SELECT (max({}))::text{from}", double_quote(&column.name));
        let row = self.client.query_one(&sql, &[]).map_err(|e| {
            anyhow!(
                "cannot read the highest {} of {}.{} from {}: {}",
                column.name,
                table.schema,
                table.name,
                self.url,
                pg_message(&e)
            )
        })?;
        let Some(text) = row.get::<_, Option<&str>>(0) else {
            return Ok(None);
        };
        high_water_text(table, column, from_text(text, &column.neutral_type))
    }

    fn partition_rows(&mut self, table: &Table, filter: RowFilter<'_>) -> Result<Vec<Partition>> {
        if !self.is_partitioned(table)? {
            return Ok(Vec::new());
        }
        // One pass over the selected rows, in the snapshot: each row's leaf partition is its
        // `tableoid`. Named in byte order, whatever the database's collation.
        let from = self.relation_sql(table, filter)?;
        let (from_where, binds) = Self::from_where(from, true, table, filter, &[], 0, None)?;
        let sql = format!(
            "SELECT n.nspname::text, c.relname::text, t.rows \
             FROM (SELECT tableoid AS oid, count(*) AS rows{from_where} GROUP BY tableoid) t \
             JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace \
             ORDER BY n.nspname::text COLLATE \"C\", c.relname::text COLLATE \"C\""
        );
        let values: Vec<TextParam<'_>> = binds.values.iter().map(|v| TextParam(v)).collect();
        let params: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&sql, &params).map_err(|e| {
            anyhow!(
                "cannot count the rows of the partitions of {}.{} in {}: {}",
                table.schema,
                table.name,
                self.url,
                pg_message(&e)
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| Partition {
                schema: r.get(0),
                name: r.get(1),
                rows: r.get::<_, i64>(2).max(0) as u64,
            })
            .collect())
    }

    fn estimate_rows(&mut self, table: &Table) -> Result<u64> {
        // The catalog's statistics (`reltuples`) when the table has been analysed: no query.
        if let Some(rows) = table.estimated_rows {
            return Ok(rows);
        }
        // A partitioned table's rows are its leaf partitions' (its own `reltuples` is 0 or -1);
        // a plain table is its own only leaf.
        let row = self
            .client
            .query_one(
                "SELECT COALESCE(sum(greatest(c.reltuples, 0)), 0)::float8 \
                 FROM pg_partition_tree(format('%I.%I', $1::text, $2::text)::regclass) t \
                 JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf",
                &[&table.schema, &table.name],
            )
            .map_err(|e| {
                anyhow!(
                    "cannot estimate the rows of {}.{} in {}: {}",
                    table.schema,
                    table.name,
                    self.url,
                    pg_message(&e)
                )
            })?;
        Ok(row.get::<_, f64>(0) as u64)
    }

    fn scan_keys(
        &mut self,
        table: &Table,
        columns: &[KeyColumn],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        // Keys as text: a child's foreign-key values and its parent's key are then encoded
        // alike whatever their integer widths, and bound back as text arrays.
        filter.refuse_among("a key scan")?;
        let partitioned = self.is_partitioned(table)?;
        let select: Vec<String> = columns
            .iter()
            .map(|c| key_select_sql(table, c, partitioned))
            .collect();
        let from = self.relation_sql(table, filter)?;
        let (from_where, binds) =
            Self::from_where(from, partitioned, table, filter, order_by, 0, None)?;
        let decimal = decimal_keys(table, columns);
        // One vector for every row (recycled between rows: its values borrow the row).
        let mut spare: Vec<KeyValue<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(
            table,
            filter,
            &select,
            &from_where,
            binds,
            &[],
            &mut |fields| {
                let mut values: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare));
                values.extend(fields.iter().zip(&decimal).map(|(f, &d)| key_value(*f, d)));
                each(&values)?;
                spare = recycle(values);
                Ok(())
            },
        )
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
        let partitioned = self.is_partitioned(table)?;
        let from = self.relation_sql(table, filter)?;
        let (offset, limit) = filter.in_query(skip, limit);
        let (from_where, binds) =
            Self::from_where(from, partitioned, table, filter, order_by, offset, limit)?;
        let first_secret = binds.len() + 1;
        let mut secrets: Vec<Vec<u8>> = Vec::new();
        let mut select: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| match masks.get(i).and_then(Option::as_ref) {
                None => select_expr(c),
                Some(mask) => mask_expr(table, c, mask, first_secret, &mut secrets),
            })
            .collect();
        // A lookup's rows go on in the order of its keys, and a scan kept by a key set keeps
        // its rows by them: their key columns are read too, as text like the closure's key
        // scan reads them.
        let (mut in_order, mut keep, mut decimal) = (None, None, Vec::new());
        if let RowFilter::In {
            columns: keys_of, ..
        }
        | RowFilter::Among {
            columns: keys_of, ..
        } = filter
        {
            decimal = decimal_keys(table, keys_of);
            select.extend(
                keys_of
                    .iter()
                    .map(|c| key_select_sql(table, c, partitioned)),
            );
        }
        match filter {
            RowFilter::In { keys, .. } => in_order = Some(KeyOrder::new(keys)),
            RowFilter::Among { keys, .. } => keep = Some(KeyKeep::new(keys, skip)),
            _ => {}
        }
        let as_text: Vec<bool> = (0..columns.len())
            .map(|i| {
                masks
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(|m| m.replies_text())
            })
            .collect();
        let mut n = skip;
        let mut spare: Vec<Value<'static>> = Vec::with_capacity(columns.len());
        // The lookup's key of each row, in one vector recycled between rows.
        let mut spare_key: Vec<KeyValue<'static>> = Vec::new();
        self.for_each_row(
            table,
            filter,
            &select,
            &from_where,
            binds,
            &secrets,
            &mut |fields| {
                let (fields, key) = fields.split_at(columns.len());
                if let Some(keep) = &mut keep {
                    let mut k: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                    k.extend(key.iter().zip(&decimal).map(|(f, &d)| key_value(*f, d)));
                    let kept = keep.keeps(&k);
                    spare_key = recycle(k);
                    if !kept? {
                        return Ok(());
                    }
                }
                n += 1;
                let mut values: Vec<Value<'_>> = recycle(std::mem::take(&mut spare));
                for (i, field) in fields.iter().enumerate() {
                    let column = columns[i];
                    match field {
                        None => values.push(Value::Null),
                        Some(text) if as_text[i] => values.push(Value::Text((*text).into())),
                        Some(text) => match from_text(text, &column.neutral_type) {
                            Ok(v) => values.push(v),
                            Err(why) => bail!(
                                "{}.{}, row {n}, column {}: {why}",
                                table.schema,
                                table.name,
                                column.name
                            ),
                        },
                    }
                }
                let outcome = match &mut in_order {
                    None => each(&values),
                    Some(order) => {
                        let mut k: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                        k.extend(key.iter().zip(&decimal).map(|(f, &d)| key_value(*f, d)));
                        let outcome = order.row(table, &k, &values, each);
                        spare_key = recycle(k);
                        outcome
                    }
                };
                spare = recycle(values);
                outcome
            },
        )?;
        if let Some(keep) = keep {
            keep.finish(table)?;
        }
        match in_order {
            Some(order) => order.finish(each),
            None => Ok(()),
        }
    }
}

/// A key column's text field as the key set holds it.
/// The type a key column's bound text is cast to: the column's own.
fn key_type(table: &Table, column: &KeyColumn, partitioned: bool) -> Result<String> {
    Ok(match column {
        KeyColumn::Locator if partitioned => "text".to_string(),
        KeyColumn::Locator => "tid".to_string(),
        KeyColumn::Column(name) => table
            .column(name)
            .map(|c| c.native_type.clone())
            .ok_or_else(|| anyhow!("{}.{} has no column {name}", table.schema, table.name))?,
    })
}

/// A key column as the key scan and a lookup's rows read it: the same text whether the query
/// is a COPY (the type's output) or not (a cast to text), so that one row has one key. A
/// blank-padded `char(n)` goes through its output function, which keeps the padding its cast
/// to text drops (as [`select_expr`] reads it for the archive).
fn key_select_sql(table: &Table, column: &KeyColumn, partitioned: bool) -> String {
    match column {
        KeyColumn::Column(name)
            if table.column(name).is_some_and(|c| {
                c.native_type.starts_with("character(") || c.native_type == "bpchar"
            }) =>
        {
            format!("textin(bpcharout({}))", double_quote(name))
        }
        _ => key_column_sql(column, partitioned),
    }
}

/// A key's value as the text it is bound as (`None` for NULL).
fn key_text(value: KeyValue<'_>) -> Result<Option<String>> {
    Ok(match value {
        KeyValue::Null => None,
        KeyValue::Text(t) => Some(t.to_string()),
        KeyValue::Int(n) => Some(n.to_string()),
        KeyValue::Float(f) => Some(f.to_string()),
        KeyValue::Bytes(_) => bail!("a PostgreSQL key is never binary"),
    })
}

/// A key column's text field as the key set holds it: a numeric's without the zeros that end
/// its fraction (`decimal`: PostgreSQL's numeric keeps its scale, and `5.00` in a foreign key
/// equals the `5` it references), then [`KeyValue::normal`] (a text that is an integer's one
/// decimal form is that integer). [`key_text`] binds a text equal to the column's value back.
fn key_value(field: Option<&str>, decimal: bool) -> KeyValue<'_> {
    field.map_or(KeyValue::Null, |text| {
        let text = if decimal { trim_fraction(text) } else { text };
        KeyValue::Text(text).normal()
    })
}

/// A numeric's text without the zeros that end its fraction, nor a point left last: `5.00` is
/// `5`, `-0.50` is `-0.5`; a text without a point (`12`, `NaN`) as it is.
fn trim_fraction(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text)
}

fn is_decimal(column: &Column) -> bool {
    matches!(column.neutral_type, NeutralType::Decimal { .. })
}

/// Whether each of `columns` of `table` is a numeric ([`key_value`]).
fn decimal_keys(table: &Table, columns: &[KeyColumn]) -> Vec<bool> {
    columns
        .iter()
        .map(|c| match c {
            KeyColumn::Column(name) => table.column(name).is_some_and(is_decimal),
            KeyColumn::Locator => false,
        })
        .collect()
}

/// A masked column's select expression: what [`SourceMask`] asks for, computed by the server
/// from the column's text (`::text`, as a key compares), so that its value never leaves it.
/// A date-shift key is pushed onto `secrets` and bound as `$n` (`n` from `first_secret`),
/// never written into the SQL.
fn mask_expr(
    table: &Table,
    column: &Column,
    mask: &SourceMask,
    first_secret: usize,
    secrets: &mut Vec<Vec<u8>>,
) -> String {
    // Qualified: the date shift's subquery must not take it for its own column.
    let name = format!("{}.{}", qualified(table), double_quote(&column.name));
    let utf8 = format!("convert_to({name}::text, 'UTF8')");
    match mask {
        SourceMask::NullOnly => format!("CASE WHEN {name} IS NULL THEN NULL ELSE 't' END"),
        SourceMask::Digest => format!(
            "encode(sha256({utf8}), 'hex') || regexp_replace(translate({name}::text, \
             '{}', '{}'), E'[^ -~\\t\\n\\r]', '*', 'g')",
            crate::model::mask::SHAPE_FROM,
            crate::model::mask::SHAPE_TO
        ),
        SourceMask::ShiftDays { days, key } => {
            // HMAC-SHA-256 from two hashes: the key's inner and outer pads are the parameters.
            let (inner, outer) = crate::model::mask::hmac_pads(key);
            let i = first_secret + secrets.len();
            secrets.push(inner);
            secrets.push(outer);
            let o = i + 1;
            // k is computed once in a derived table, then mapped onto -N..-1 and 1..N.
            let k = format!(
                "('x' || left(encode(sha256(${o}::bytea || sha256(${i}::bytea || {utf8})), \
                 'hex'), 8))::bit(32)::bigint % {}",
                2 * u64::from(*days)
            );
            let offset = format!("(dbsub_shift.k - {days} + dbsub_shift.k / {days})::integer");
            let shifted = match column.neutral_type {
                NeutralType::Date => format!("{name} + {offset}"),
                _ => format!("{name} + make_interval(days => {offset})"),
            };
            format!("(SELECT {shifted} FROM (SELECT {k} AS k) dbsub_shift)")
        }
    }
}

/// What a column is read as: its own text form, or EWKT for PostGIS geometry.
fn select_expr(column: &Column) -> String {
    let name = double_quote(&column.name);
    match column.neutral_type {
        NeutralType::Spatial { .. } => format!("ST_AsEWKT({name})"),
        // A cast to text would drop the padding (see `as_text`).
        NeutralType::Text { fixed: true, .. } | NeutralType::NationalText { fixed: true, .. }
            if column.native_type.starts_with("character(") || column.native_type == "bpchar" =>
        {
            format!("textin(bpcharout({name}))")
        }
        // Likewise `inet`: its cast to text always adds the netmask.
        NeutralType::Other if column.native_type == "inet" => format!("textin(inet_out({name}))"),
        _ => name,
    }
}

/// A select expression as text, for the queries that are not COPY: through the type's output
/// function, as COPY writes it. (`char(n)` and `inet` are read through their output functions by
/// `select_expr`: their casts to text differ from it.)
fn as_text(expr: &str) -> String {
    format!("({expr})::text")
}

/// A field of PostgreSQL's text output (with the settings of [`SESSION`]) as an archive value
/// of a column of type `ty`. `Err` says why it has no archive form (`NaN` in a numeric,
/// `infinity` in a date…).
pub(crate) fn from_text<'a>(text: &'a str, ty: &NeutralType) -> Result<Value<'a>, String> {
    use NeutralType as N;
    let unsupported = |what: &str| {
        format!("{text:?} is {what}, which the archive cannot carry; fix the value at the source")
    };
    Ok(match ty {
        // `t`/`f` from the output function (COPY), `true`/`false` from a cast to text.
        N::Boolean => match text {
            "t" | "true" => Value::Bool(true),
            "f" | "false" => Value::Bool(false),
            _ => return Err(format!("{text:?} is not a boolean")),
        },
        N::Integer { .. } => Value::Int(
            text.parse()
                .map_err(|_| format!("{text:?} is not a 64-bit integer"))?,
        ),
        N::Decimal { .. } => match canonical_decimal(text) {
            Some(d) => Value::Decimal(d),
            None if matches!(text, "NaN" | "Infinity" | "-Infinity") => {
                return Err(unsupported("not a finite number"));
            }
            None => return Err(format!("{text:?} is not a decimal number")),
        },
        N::Float { .. } => decode(text.as_bytes(), false, ty).map_err(|e| e.to_string())?,
        N::Binary { .. }
        | N::Lob {
            lob: LobKind::Binary,
        } => {
            let hex = text
                .strip_prefix("\\x")
                .ok_or_else(|| format!("{text:?} is not bytea in hex form"))?;
            match decode(hex.as_bytes(), true, ty) {
                Ok(v) => v.into_owned(),
                Err(e) => return Err(e.to_string()),
            }
        }
        N::Date => {
            let (dt, _) = pg_datetime(text).ok_or_else(|| unsupported("not a finite date"))?;
            Value::Date(dt.date)
        }
        N::Timestamp { .. } => match pg_datetime(text) {
            Some((dt, None)) => Value::Timestamp(dt),
            _ => return Err(unsupported("not a finite timestamp")),
        },
        N::TimestampTz { .. } => match pg_datetime(text) {
            Some((dt, Some(offset))) => Value::TimestampTz(dt, offset),
            _ => return Err(unsupported("not a finite timestamp with a time zone")),
        },
        N::Time { .. } | N::Interval { .. } => {
            decode(text.as_bytes(), false, ty).map_err(|e| e.to_string())?
        }
        N::Text { .. }
        | N::NationalText { .. }
        | N::Lob { .. }
        | N::Json
        | N::Uuid
        | N::Xml
        | N::Spatial { .. }
        | N::RowId
        | N::Other => Value::Text(Cow::Borrowed(text)),
    })
}

/// A date or timestamp as PostgreSQL writes it in ISO style: a year of at least four digits,
/// ` BC` after it for years before 1 (astronomical year = 1 − year). `None` for `infinity`.
fn pg_datetime(text: &str) -> Option<(DateTime, Option<i32>)> {
    let (text, bc) = match text.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    // PostgreSQL writes years past 9999 with more digits and no sign; the archive's parser
    // wants the sign then.
    let long_year = text.find('-').is_some_and(|dash| dash > 4);
    let signed;
    let text = if long_year {
        signed = format!("+{text}");
        signed.as_str()
    } else {
        text
    };
    let (mut dt, offset) = parse_datetime(text)?;
    if bc {
        dt.date.year = 1 - dt.date.year;
    }
    Some((dt, offset))
}

/// COPY's text format, taken in the pieces the server sends: one row per line, fields
/// separated by tabs, `\N` for NULL and backslash escapes within fields. Hands `each` the
/// fields of every row; a line cut between two pieces is put together first.
struct CopyText {
    width: usize,
    /// The start of a line whose end has not come yet.
    partial: Vec<u8>,
    unescaped: Vec<u8>,
    /// Where each field of a line is: in the line (no escapes) or in `unescaped`; `None`
    /// for NULL.
    spans: Vec<Option<(bool, usize, usize)>>,
    row: u64,
    spare: Vec<Option<&'static str>>,
}

impl CopyText {
    fn new(width: usize) -> CopyText {
        CopyText {
            width,
            partial: Vec::new(),
            unescaped: Vec::with_capacity(256),
            spans: Vec::with_capacity(width),
            row: 0,
            spare: Vec::with_capacity(width),
        }
    }

    /// Takes the next piece of the data: every line it completes goes to `each`.
    fn take(
        &mut self,
        mut data: &[u8],
        each: &mut dyn FnMut(&[Option<&str>]) -> Result<()>,
    ) -> Result<()> {
        while let Some(end) = memchr::memchr(b'\n', data) {
            let line = &data[..end];
            data = &data[end + 1..];
            if self.partial.is_empty() {
                self.line(line, each)?;
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                let outcome = self.line(&whole, each);
                whole.clear();
                self.partial = whole;
                outcome?;
            }
        }
        self.partial.extend_from_slice(data);
        Ok(())
    }

    /// After the last piece: a last line without its newline is a row too.
    fn finish(&mut self, each: &mut dyn FnMut(&[Option<&str>]) -> Result<()>) -> Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let whole = std::mem::take(&mut self.partial);
        self.line(&whole, each)
    }

    fn line(
        &mut self,
        line: &[u8],
        each: &mut dyn FnMut(&[Option<&str>]) -> Result<()>,
    ) -> Result<()> {
        let CopyText {
            width,
            unescaped,
            spans,
            row,
            spare,
            ..
        } = self;
        *row += 1;
        unescaped.clear();
        spans.clear();
        for raw in line.split(|&b| b == b'\t') {
            let start = raw.as_ptr() as usize - line.as_ptr() as usize;
            if raw == b"\\N" {
                spans.push(None);
            } else if raw.contains(&b'\\') {
                let from = unescaped.len();
                unescape(raw, unescaped);
                spans.push(Some((true, from, unescaped.len())));
            } else {
                spans.push(Some((false, start, start + raw.len())));
            }
        }
        if spans.len() != *width {
            bail!(
                "COPY row {row} has {} fields, expected {width}",
                spans.len()
            );
        }
        // One check of the line's UTF-8 for its unescaped fields (they end at tabs, which
        // are ASCII); a field with escapes is checked on its own (`\x` escapes make bytes).
        let text =
            std::str::from_utf8(line).map_err(|_| anyhow!("COPY row {row} is not UTF-8 text"))?;
        let mut fields: Vec<Option<&str>> = recycle(std::mem::take(spare));
        for span in spans.iter() {
            fields.push(match *span {
                None => None,
                Some((false, from, to)) => Some(&text[from..to]),
                Some((true, from, to)) => Some(
                    std::str::from_utf8(&unescaped[from..to])
                        .map_err(|_| anyhow!("COPY row {row} is not UTF-8 text"))?,
                ),
            });
        }
        let outcome = each(&fields);
        *spare = recycle(fields);
        outcome
    }
}

/// Appends a COPY text field with its backslash escapes resolved.
fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        if b != b'\\' || i == raw.len() {
            out.push(b);
            continue;
        }
        let c = raw[i];
        i += 1;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' if raw.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u32;
                for _ in 0..2 {
                    match raw.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::postgres::sink::write_copy_value;
    use crate::model::value::*;
    use crate::model::value::{Interval, Time};
    use std::borrow::Cow;

    #[test]
    fn a_limit_goes_before_the_offset_and_is_only_dbsubs_own_count() {
        let table = Table::test(
            "public",
            "t",
            vec![crate::catalog::Column::test(
                "id",
                "bigint",
                crate::catalog::NeutralType::Integer { bits: 64 },
            )],
        );
        let id = [KeyColumn::Column("id".into())];
        let sql = |skip: u64, limit: Option<u64>| {
            let from = " FROM \"public\".\"t\"".to_string();
            let (sql, binds) =
                PgSource::from_where(from, false, &table, RowFilter::All, &id, skip, limit)
                    .unwrap();
            assert!(binds.arrays.is_none() && binds.values.is_empty());
            sql
        };
        assert_eq!(
            sql(0, Some(1000)),
            " FROM \"public\".\"t\" ORDER BY \"id\" LIMIT 1000"
        );
        assert_eq!(
            sql(500, Some(1000)),
            " FROM \"public\".\"t\" ORDER BY \"id\" LIMIT 1000 OFFSET 500"
        );
        assert_eq!(
            sql(500, None),
            " FROM \"public\".\"t\" ORDER BY \"id\" OFFSET 500"
        );
    }

    /// The rows of COPY text, read whole and in pieces of every size: each way gives the same.
    fn read(text: &str) -> Vec<Vec<Option<String>>> {
        let width = text.lines().next().map_or(0, |l| l.split('\t').count());
        let in_pieces = |size: usize| {
            let mut rows: Vec<Vec<Option<String>>> = Vec::new();
            let mut each = |fields: &[Option<&str>]| {
                rows.push(fields.iter().map(|f| f.map(str::to_string)).collect());
                Ok(())
            };
            let mut copy = CopyText::new(width);
            for piece in text.as_bytes().chunks(size) {
                copy.take(piece, &mut each).unwrap();
            }
            copy.finish(&mut each).unwrap();
            rows
        };
        let whole = in_pieces(text.len().max(1));
        for size in 1..text.len() {
            assert_eq!(in_pieces(size), whole, "in pieces of {size} bytes");
        }
        whole
    }

    #[test]
    fn a_key_text_is_an_integer_only_in_its_one_decimal_form_and_binds_back_as_itself() {
        for text in [
            "0",
            "7",
            "-7",
            "1234567890",
            "9223372036854775807",
            "-9223372036854775808",
        ] {
            let value = key_value(Some(text), false);
            assert!(matches!(value, KeyValue::Int(_)), "{text}");
            assert_eq!(key_text(value).unwrap().as_deref(), Some(text));
        }
        for text in [
            "",
            "-",
            "-0",
            "00",
            "007",
            "+7",
            " 7",
            "7 ",
            "1e3",
            "1.0",
            "9223372036854775808",
            "-9223372036854775809",
            "12345678901234567890",
            "٣",
            "0x1",
            "abc",
        ] {
            assert_eq!(
                key_value(Some(text), false),
                KeyValue::Text(text),
                "{text:?}"
            );
        }
        assert_eq!(key_value(None, false), KeyValue::Null);
        // A numeric's key: without the zeros that end its fraction; text keys keep theirs.
        for (text, key) in [
            ("5.00", KeyValue::Int(5)),
            ("5", KeyValue::Int(5)),
            ("0.000", KeyValue::Int(0)),
            ("-0.50", KeyValue::Text("-0.5")),
            ("100", KeyValue::Int(100)),
            ("100.10", KeyValue::Text("100.1")),
            ("NaN", KeyValue::Text("NaN")),
        ] {
            assert_eq!(key_value(Some(text), true), key, "{text}");
        }
        assert_eq!(key_value(Some("5.00"), false), KeyValue::Text("5.00"));
    }

    #[test]
    fn a_copy_row_is_one_line_whatever_the_pieces_and_a_last_line_needs_no_newline() {
        assert_eq!(
            read("1\tx\n2\t\\N"),
            vec![
                vec![Some("1".into()), Some("x".into())],
                vec![Some("2".into()), None]
            ]
        );
        let refused = |width: usize, data: &[u8]| {
            let err = CopyText::new(width)
                .take(data, &mut |_| Ok(()))
                .unwrap_err();
            err.to_string()
        };
        assert_eq!(
            refused(2, b"1\t2\t3\n"),
            "COPY row 1 has 3 fields, expected 2"
        );
        assert_eq!(refused(1, b"ok\n\xff\n"), "COPY row 2 is not UTF-8 text");
    }

    #[test]
    fn copy_text_fields_are_unescaped_and_null_is_distinct() {
        let rows = read("1\ta\\tb\\nc\\\\d\t\\N\n2\t\\101\\x41\t\n");
        assert_eq!(
            rows,
            vec![
                vec![Some("1".into()), Some("a\tb\nc\\d".into()), None],
                vec![Some("2".into()), Some("AA".into()), Some(String::new())],
            ]
        );
    }

    #[test]
    fn written_text_reads_back() {
        let text = "tab\there\nline\\slash\r";
        let mut out = Vec::new();
        write_copy_value(&Value::Text(Cow::Borrowed(text)), &mut out);
        out.push(b'\t');
        write_copy_value(&Value::Null, &mut out);
        out.push(b'\n');
        let rows = read(std::str::from_utf8(&out).unwrap());
        assert_eq!(rows, vec![vec![Some(text.to_string()), None]]);
    }

    #[test]
    fn postgres_text_forms_become_archive_values() {
        let ts = |precision| NeutralType::Timestamp { precision };
        assert_eq!(
            from_text("0044-03-15 BC", &NeutralType::Date).unwrap(),
            Value::Date(Date::new(-43, 3, 15).unwrap())
        );
        let Value::TimestampTz(dt, 0) = from_text(
            "2024-01-02 03:04:05.123456+00",
            &NeutralType::TimestampTz {
                precision: None,
                local: false,
            },
        )
        .unwrap() else {
            panic!("not a timestamp with a zone")
        };
        assert_eq!(dt.time, Time::new(3, 4, 5, 123_456_000).unwrap());
        assert!(from_text("infinity", &ts(None)).is_err());
        assert!(from_text("2024-01-02 03:04:05+00", &ts(None)).is_err());
        assert_eq!(
            from_text(
                "P1Y2M-3DT4H5M-6.5S",
                &NeutralType::Interval {
                    fields: crate::catalog::IntervalFields::Any,
                    leading_precision: None,
                    fractional_precision: None
                }
            )
            .unwrap(),
            Value::Interval(Interval {
                months: 14,
                days: -3,
                nanos: 4 * 3_600_000_000_000 + 5 * 60_000_000_000 - 6_500_000_000,
            })
        );
        let dec = NeutralType::Decimal {
            precision: None,
            scale: None,
        };
        assert!(from_text("NaN", &dec).unwrap_err().contains("finite"));
        assert_eq!(
            from_text("-12.500", &dec).unwrap(),
            Value::Decimal(Cow::Borrowed("-12.500"))
        );
        let bytes = NeutralType::Binary {
            length: None,
            fixed: false,
        };
        assert_eq!(
            from_text("\\x00ff", &bytes).unwrap(),
            Value::Bytes(Cow::Owned(vec![0, 255]))
        );
        assert_eq!(
            from_text("1e+300", &NeutralType::Float { bits: Some(53) }).unwrap(),
            Value::Float(1e300)
        );
    }

    #[test]
    fn dates_before_year_one_and_after_9999_are_written_as_postgres_reads_them() {
        let write = |v: Value<'_>| {
            let mut out = Vec::new();
            write_copy_value(&v, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            write(Value::Date(Date::new(-43, 3, 15).unwrap())),
            "0044-03-15 BC"
        );
        assert_eq!(
            write(Value::Date(Date::new(10000, 1, 1).unwrap())),
            "10000-01-01"
        );
        assert_eq!(write(Value::Bytes(Cow::Borrowed(&[0, 255]))), "\\\\x00ff");
        // And they read back as the same values.
        assert_eq!(
            from_text("0044-03-15 BC", &NeutralType::Date).unwrap(),
            Value::Date(Date::new(-43, 3, 15).unwrap())
        );
    }
}
