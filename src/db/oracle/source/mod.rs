//! Oracle rows: the row source (extract).
//!
//! Every connection of one extract reads as of one system change number (SCN): the first
//! connection asks for the current SCN and every query reads `FROM … AS OF SCN :scn`, the SCN
//! bound, never written into the SQL. Values are fetched in the driver's native forms
//! (NUMBER as decimal text, DATE and TIMESTAMP as `oracle::sql_type::Timestamp`, intervals,
//! bytes) and converted to archive values by the pure functions of `convert.rs`, so that
//! nothing depends on the session's NLS formats; types the driver cannot fetch are turned into
//! text by the server (XMLSERIALIZE, JSON_SERIALIZE, SDO_UTIL.TO_WKTGEOMETRY, ROWIDTOCHAR).
//!
//! A seed's condition is written into the query as the user wrote it: a subquery in it reads
//! the current data unless it says `AS OF SCN` itself, and it may name the table (the query
//! aliases the table by its own name) but not `SCHEMA.TABLE`.
//!
//! Large objects (CLOB, NCLOB, BLOB, LONG, LONG RAW, and XML, JSON and spatial values, which
//! arrive as CLOBs) are read whole, as the driver does by default: a row holds each of its LOBs
//! in memory, and a fetch holds up to [`LOB_FETCH_ROWS`] such rows.
//!
//! This file opens the sources in one SCN and is the [`RowSource`] itself. Beside it:
//! `query.rs` (the query text and its typed binds) and `convert.rs` (how each column is
//! fetched, and the driver's values turned into archive values), both pure, and `tests.rs`.

mod convert;
mod query;

use std::collections::HashMap;

use anyhow::{Context, Result, anyhow, bail};
use oracle::sql_type::ToSql;

use crate::catalog::*;
use crate::db::key_order::{KeyKeep, KeyOrder};
use crate::model::DbUrl;
use crate::model::key::KeyValue;
use crate::model::ports::{RowSource, high_water_text};
use crate::model::row::{Condition, KeyColumn, ReadRequest, RowFilter, Snapshot, recycle};
use crate::model::value::Value;
use convert::{Fetch, OwnedKey, fetch_of, read_field, read_text};
use query::{Bind, Query, high_water_query, keys_query, read_query};

/// The session settings every connection gets before it reads: timestamps WITH LOCAL TIME ZONE
/// arrive in UTC, numbers that the server turns into text (masks' `TO_CHAR`, a user's
/// condition comparing text with numbers) use `.` as the decimal point, and `ORDER BY` sorts
/// text by its bytes whatever the client's NLS_LANG: a resumed extract skips the rows an
/// interrupted one wrote by their position in that order, so it must not change between the
/// runs. Dates and timestamps are fetched as values, never as text; the NLS date formats are
/// ISO so that a seed condition's parameter (bound as text, `updated_at >= :from`) converts
/// from `2024-01-01` or `2024-01-01 12:30:00` whatever the client's NLS_LANG.
const SESSION: [&str; 6] = [
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
    "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
    "ALTER SESSION SET NLS_SORT = BINARY",
    "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
    "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
    "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
];

/// The queries that return the current SCN, tried in order: the first needs EXECUTE on
/// DBMS_FLASHBACK, the second SELECT on V$DATABASE.
pub(super) const SCN_QUERIES: [&str; 2] = [
    "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL",
    "SELECT CURRENT_SCN FROM V$DATABASE",
];

/// The snapshot's id when no SCN can be had and one read-only transaction is used instead: the
/// database's clock, with its offset.
const SYSTIMESTAMP_QUERY: &str =
    "SELECT TO_CHAR(SYSTIMESTAMP, 'YYYY-MM-DD\"T\"HH24:MI:SS.FF6TZH:TZM') FROM DUAL";

/// Keys per lookup: Oracle allows at most 1000 expressions in an IN list (ORA-01795).
const MAX_BATCH: usize = 1000;

/// Rows per fetch round trip (prefetch and array size): `DBSUB_ORACLE_FETCH_ROWS`, read once
/// per extract, default `DEFAULT_FETCH_ROWS`.
pub const FETCH_ROWS_VAR: &str = "DBSUB_ORACLE_FETCH_ROWS";
const DEFAULT_FETCH_ROWS: u32 = 1000;
const MAX_FETCH_ROWS: u32 = 100_000;

/// Rows per fetch for a query that reads large objects: each row holds its LOBs whole, so a
/// fetch of many rows could hold gigabytes.
const LOB_FETCH_ROWS: u32 = 100;

/// The rows per fetch that `DBSUB_ORACLE_FETCH_ROWS` (`setting`) asks for.
///
/// Fails unless the setting is absent, empty, or a whole number from 1 to 100000.
fn fetch_rows_from(setting: Option<&str>) -> Result<u32> {
    let rows = super::rows_setting(
        FETCH_ROWS_VAR,
        setting,
        DEFAULT_FETCH_ROWS as usize,
        MAX_FETCH_ROWS as usize,
    )?;
    // At most MAX_FETCH_ROWS, which fits.
    Ok(rows as u32)
}

// ---------------------------------------------------------------------------------------------
// Opening the sources.

/// How the connections of one extract see one state of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    /// Every query reads `AS OF SCN` this SCN (decimal digits).
    Scn(String),
    /// The only connection is inside a read-only transaction.
    ReadOnlyTransaction,
}

/// Opens `count` readers of the Oracle database `url` names, all reading as of one SCN.
///
/// The SCN comes from DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, else V$DATABASE.CURRENT_SCN;
/// the manifest records it (`Snapshot { kind: "SCN" }`). When neither is readable, one reader
/// (`count` ≤ 1) runs inside a read-only transaction instead (the snapshot's id is then the
/// database's time); several readers cannot share one, and opening them fails with the
/// privileges that would allow it and the `--jobs 1` remedy.
///
/// Also fails when the database cannot be reached or the client library cannot be loaded
/// ([`super::connect`]), or `DBSUB_ORACLE_FETCH_ROWS` is not a number of rows.
pub fn open_sources(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
    let fetch_rows = fetch_rows_from(std::env::var(FETCH_ROWS_VAR).ok().as_deref())?;
    let count = count.max(1);
    let first = session(url)?;
    let (scope, snapshot) = match current_scn(&first) {
        Ok(scn) => (
            Scope::Scn(scn.clone()),
            Snapshot {
                kind: "SCN".to_string(),
                id: scn,
            },
        ),
        Err(why) if count == 1 => {
            first
                .execute("SET TRANSACTION READ ONLY", &[])
                .map_err(|e| {
                    anyhow!(
                        "cannot take a consistent snapshot of {url}: its current SCN cannot be \
                         read ({}), and a read-only transaction cannot be started either: {e}",
                        why.join("; ")
                    )
                })?;
            let id: String = first
                .query_row_as(SYSTIMESTAMP_QUERY, &[])
                .with_context(|| format!("cannot read the time of {url}"))?;
            (
                Scope::ReadOnlyTransaction,
                Snapshot {
                    kind: "read-only transaction".to_string(),
                    id,
                },
            )
        }
        Err(why) => bail!("{}", no_scn_message(url, count, &why)),
    };
    let mut sources: Vec<Box<dyn RowSource>> = Vec::with_capacity(count);
    sources.push(Box::new(OracleSource::new(
        first, url, &scope, &snapshot, fetch_rows,
    )));
    for _ in 1..count {
        sources.push(Box::new(OracleSource::new(
            session(url)?,
            url,
            &scope,
            &snapshot,
            fetch_rows,
        )));
    }
    Ok(sources)
}

/// A connection with the settings of [`SESSION`].
fn session(url: &DbUrl) -> Result<oracle::Connection> {
    let conn = super::connect(url)?;
    for sql in SESSION {
        conn.execute(sql, &[])
            .with_context(|| format!("cannot set up the session on {url} (`{sql}`)"))?;
    }
    Ok(conn)
}

/// The current SCN, or what each way of asking for it answered.
fn current_scn(conn: &oracle::Connection) -> Result<String, Vec<String>> {
    let mut why = Vec::new();
    for sql in SCN_QUERIES {
        match conn.query_row_as::<String>(sql, &[]) {
            Ok(text) => match scn_text(&text) {
                Some(scn) => return Ok(scn),
                None => why.push(format!("`{sql}` returned {text:?}")),
            },
            Err(e) => why.push(format!("`{sql}`: {e}")),
        }
    }
    Err(why)
}

/// An SCN as the driver returns it (NUMBER as text): digits only.
fn scn_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// Why no snapshot could be taken for `count` connections, and what to do.
fn no_scn_message(url: &DbUrl, count: usize, why: &[String]) -> String {
    format!(
        "cannot read the current SCN of {url}, which the {count} connections of this extract \
         need to read one consistent state: the user needs EXECUTE on DBMS_FLASHBACK (for \
         DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER) or SELECT on V$DATABASE (for CURRENT_SCN); \
         ask for one of these grants, or run with --jobs 1, which reads inside one read-only \
         transaction instead ({})",
        why.join("; ")
    )
}

// ---------------------------------------------------------------------------------------------
// The source.

/// Reads one extract's rows from Oracle, as of the extract's SCN.
struct OracleSource {
    conn: oracle::Connection,
    url: DbUrl,
    scope: Scope,
    snapshot: Snapshot,
    fetch_rows: u32,
    /// Whether each table (schema, name) has a usable ROWID.
    locators: HashMap<(String, String), bool>,
}

impl OracleSource {
    fn new(
        conn: oracle::Connection,
        url: &DbUrl,
        scope: &Scope,
        snapshot: &Snapshot,
        fetch_rows: u32,
    ) -> OracleSource {
        OracleSource {
            conn,
            url: url.clone(),
            scope: scope.clone(),
            snapshot: snapshot.clone(),
            fetch_rows,
            locators: HashMap::new(),
        }
    }

    fn scn(&self) -> Option<&str> {
        match &self.scope {
            Scope::Scn(scn) => Some(scn),
            Scope::ReadOnlyTransaction => None,
        }
    }

    /// Runs `query` and hands every row to `each`; the driver's errors name the table (and the
    /// condition, for a seed's) and say what to do about the flashback ones.
    fn for_each_row(
        &self,
        table: &Table,
        filter: RowFilter<'_>,
        query: &Query,
        each: &mut dyn FnMut(&oracle::Row) -> Result<()>,
    ) -> Result<()> {
        let failed = |e: oracle::Error| {
            anyhow!(read_error(
                table,
                filter,
                &self.url,
                self.scn(),
                &e.to_string()
            ))
        };
        let rows_per_fetch = if query.reads_lobs {
            self.fetch_rows.min(LOB_FETCH_ROWS)
        } else {
            self.fetch_rows
        };
        let mut stmt = self
            .conn
            .statement(&query.sql)
            .prefetch_rows(rows_per_fetch)
            .fetch_array_size(rows_per_fetch)
            .build()
            .map_err(failed)?;
        let params: Vec<(&str, &dyn ToSql)> = query
            .binds
            .iter()
            .map(|(name, bind)| (name.as_str(), bind as &dyn ToSql))
            .collect();
        let rows = stmt.query_named(&params).map_err(failed)?;
        for row in rows {
            each(&row.map_err(failed)?)?;
        }
        Ok(())
    }

    /// The first row's values of a dictionary query (`None` when it has no row).
    fn dictionary_row(&self, sql: &str, table: &Table) -> Result<Option<oracle::Row>> {
        let failed = |e: oracle::Error| {
            anyhow!(
                "cannot read the dictionary entry of {}.{} in {}: {e}",
                table.schema,
                table.name,
                self.url
            )
        };
        let mut stmt = self.conn.statement(sql).build().map_err(failed)?;
        // Bound as VARCHAR2, as the dictionary's columns are.
        let owner = Bind::Varchar(table.schema.clone());
        let name = Bind::Varchar(table.name.clone());
        let mut rows = stmt
            .query_named(&[("owner", &owner), ("name", &name)])
            .map_err(failed)?;
        rows.next().transpose().map_err(failed)
    }
}

impl RowSource for OracleSource {
    fn condition_params(&self, condition: &str) -> Vec<String> {
        crate::db::sql::params::names(condition, false)
    }

    fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    /// Ordinary heap tables (also partitioned and clustered ones) have a ROWID that is stable
    /// within the snapshot. Index-organized tables have only logical rowids, which change when
    /// a row's key moves, and external tables have none: both answer `false`, as does a table
    /// the user cannot see in ALL_TABLES.
    fn has_locator(&mut self, table: &Table) -> Result<bool> {
        let key = (table.schema.clone(), table.name.clone());
        if let Some(&known) = self.locators.get(&key) {
            return Ok(known);
        }
        let row = self.dictionary_row(LOCATOR_QUERY, table)?;
        let has = match row {
            Some(row) => {
                let read = || -> oracle::Result<bool> {
                    let iot: Option<String> = row.get(0)?;
                    let external: i64 = row.get(1)?;
                    Ok(iot.is_none() && external == 0)
                };
                read().with_context(|| {
                    format!(
                        "cannot read the organization of {}.{}",
                        table.schema, table.name
                    )
                })?
            }
            None => false,
        };
        self.locators.insert(key, has);
        Ok(has)
    }

    /// The catalog's statistics when it has them, else ALL_TABLES.NUM_ROWS; 0 for a table
    /// that was never analysed.
    fn archived_key(&self, _columns: &[&Column], values: &[Value<'_>], out: &mut Vec<u8>) -> bool {
        convert::archived_key(values, out);
        true
    }

    fn high_water(&mut self, table: &Table, column: &Column) -> Result<Option<String>> {
        let query = high_water_query(table, column, self.scn());
        let fetch = fetch_of(column, None);
        let mut high = None;
        self.for_each_row(table, RowFilter::All, &query, &mut |row| {
            high = high_water_text(table, column, read_field(row, 0, fetch, column))?;
            Ok(())
        })?;
        Ok(high)
    }

    fn estimate_rows(&mut self, table: &Table) -> Result<u64> {
        if let Some(rows) = table.estimated_rows {
            return Ok(rows);
        }
        let row = self.dictionary_row(ESTIMATE_QUERY, table)?;
        Ok(match row {
            Some(row) => row
                .get::<_, Option<u64>>(0)
                .with_context(|| {
                    format!(
                        "cannot read the row count of {}.{}",
                        table.schema, table.name
                    )
                })?
                .unwrap_or(0),
            None => 0,
        })
    }

    fn scan_keys(
        &mut self,
        table: &Table,
        columns: &[KeyColumn],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        if matches!(filter, RowFilter::In { keys: [], .. }) {
            return Ok(());
        }
        filter.refuse_among("a key scan")?;
        let query = keys_query(table, columns, order_by, filter, self.scn())?;
        let reads = KeyReads::of(table, columns)?;
        let mut n = 0u64;
        let mut owned: Vec<OwnedKey> = Vec::with_capacity(columns.len());
        // One vector for every row (recycled between rows: its values borrow `owned`).
        let mut spare: Vec<KeyValue<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(table, filter, &query, &mut |row| {
            n += 1;
            reads.read(table, row, 0, n, &mut owned)?;
            let mut values: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare));
            values.extend(owned.iter().map(OwnedKey::as_key));
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
        if matches!(filter, RowFilter::In { keys: [], .. }) {
            return Ok(());
        }
        // The ROWID, to name a row in an error message.
        let locator = self.has_locator(table)?;
        let query = read_query(
            table,
            columns,
            masks,
            order_by,
            filter,
            skip,
            limit,
            self.scn(),
            locator,
        )?;
        let fetches: Vec<Fetch> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| fetch_of(c, masks.get(i).and_then(Option::as_ref)))
            .collect();
        // A lookup's rows go on in the order of its keys, read after the columns and ROWID.
        let mut in_order = match filter {
            RowFilter::In {
                columns: keys_of,
                keys,
            } => Some((KeyReads::of(table, keys_of)?, KeyOrder::new(keys))),
            _ => None,
        };
        // A scan kept by a key set: its key columns, read after the columns and ROWID, decide
        // before the row's own values are fetched (a LOB's included).
        let mut keep = match filter {
            RowFilter::Among {
                columns: keys_of,
                keys,
            } => Some((KeyReads::of(table, keys_of)?, KeyKeep::new(keys, skip))),
            _ => None,
        };
        let key_at = columns.len() + usize::from(locator);
        let mut owned: Vec<OwnedKey> = Vec::new();
        let mut n = skip;
        let mut dropped = 0;
        let mut values: Vec<Value<'static>> = Vec::with_capacity(columns.len());
        // The lookup's key of each row, in one vector recycled between rows.
        let mut spare_key: Vec<KeyValue<'static>> = Vec::new();
        self.for_each_row(table, filter, &query, &mut |row| {
            if dropped < query.skip_here {
                dropped += 1;
                return Ok(());
            }
            if let Some((reads, keep)) = &mut keep {
                reads.read(table, row, key_at, n + 1, &mut owned)?;
                let mut key: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                key.extend(owned.iter().map(OwnedKey::as_key));
                let kept = keep.keeps(&key);
                spare_key = recycle(key);
                if !kept? {
                    return Ok(());
                }
            }
            n += 1;
            values.clear();
            for (i, column) in columns.iter().enumerate() {
                match read_field(row, i, fetches[i], column) {
                    Ok(v) => values.push(v),
                    Err(why) => {
                        let rowid = locator
                            .then(|| row.get::<_, String>(columns.len()).ok())
                            .flatten();
                        let which = match rowid {
                            Some(rowid) => format!("row {n} (ROWID {rowid})"),
                            None => format!("row {n}"),
                        };
                        bail!(
                            "{}.{}, {which}, column {}: {why}",
                            table.schema,
                            table.name,
                            column.name
                        );
                    }
                }
            }
            match &mut in_order {
                None => each(&values),
                Some((reads, order)) => {
                    reads.read(table, row, key_at, n, &mut owned)?;
                    let mut key: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare_key));
                    key.extend(owned.iter().map(OwnedKey::as_key));
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

/// How the key columns of a scan or lookup are fetched: ROWID as text, a column as its type.
struct KeyReads<'t>(Vec<(Fetch, Option<&'t Column>)>);

impl<'t> KeyReads<'t> {
    fn of(table: &'t Table, columns: &[KeyColumn]) -> Result<KeyReads<'t>> {
        columns
            .iter()
            .map(|k| match k {
                KeyColumn::Locator => Ok((Fetch::Text, None)),
                KeyColumn::Column(name) => {
                    let column = table_column(table, name)?;
                    Ok((fetch_of(column, None), Some(column)))
                }
            })
            .collect::<Result<_>>()
            .map(KeyReads)
    }

    /// Reads the key of `row` (row `n` of the query), whose fields start at `at`, into `owned`
    /// as the closure's key set holds it.
    fn read(
        &self,
        table: &Table,
        row: &oracle::Row,
        at: usize,
        n: u64,
        owned: &mut Vec<OwnedKey>,
    ) -> Result<()> {
        owned.clear();
        for (i, (fetch, column)) in self.0.iter().enumerate() {
            let value = match column {
                Some(column) => read_field(row, at + i, *fetch, column),
                None => read_text(row, at + i),
            };
            match value {
                Ok(v) => owned.push(OwnedKey::of(v)),
                Err(why) => bail!(
                    "{}.{}, row {n}, key column {}: {why}",
                    table.schema,
                    table.name,
                    column.map_or("ROWID", |c| c.name.as_str())
                ),
            }
        }
        Ok(())
    }
}

/// Whether a table is index-organized (IOT_TYPE not NULL) and whether it is external.
const LOCATOR_QUERY: &str = "SELECT t.IOT_TYPE, (SELECT COUNT(*) FROM ALL_EXTERNAL_TABLES e \
     WHERE e.OWNER = t.OWNER AND e.TABLE_NAME = t.TABLE_NAME) FROM ALL_TABLES t \
     WHERE t.OWNER = :owner AND t.TABLE_NAME = :name";

/// The optimizer's row count of a table (NULL until it is analysed).
const ESTIMATE_QUERY: &str =
    "SELECT NUM_ROWS FROM ALL_TABLES WHERE OWNER = :owner AND TABLE_NAME = :name";

fn table_column<'t>(table: &'t Table, name: &str) -> Result<&'t Column> {
    table
        .column(name)
        .ok_or_else(|| anyhow!("{}.{} has no column {name}", table.schema, table.name))
}

/// A driver error while reading `table`, as the user should read it: the flashback errors say
/// what to do, a seed's failing condition is quoted.
fn read_error(
    table: &Table,
    filter: RowFilter<'_>,
    url: &DbUrl,
    scn: Option<&str>,
    message: &str,
) -> String {
    let name = format!("{}.{}", table.schema, table.name);
    let as_of = scn.map_or_else(
        || "inside the extract's read-only transaction".to_string(),
        |scn| format!("as of SCN {scn}"),
    );
    if message.contains("ORA-01031") && scn.is_some() {
        format!(
            "cannot read {name} {as_of} in {url} (ORA-01031, insufficient privileges): reading \
             another user's table as of an SCN needs the FLASHBACK privilege on it; ask for \
             `GRANT FLASHBACK ON {name} TO <user>` (or FLASHBACK ANY TABLE) besides SELECT"
        )
    } else if ["ORA-01555", "ORA-08180", "ORA-08181"]
        .iter()
        .any(|code| message.contains(code))
    {
        format!(
            "cannot read {name} {as_of} in {url}: the database no longer keeps the undo data \
             for that point in time ({message}); re-run the extract (it takes a new SCN), and \
             if it keeps failing ask the DBA to raise UNDO_RETENTION (and the undo tablespace) \
             above the extract's duration"
        )
    } else if message.contains("ORA-01466") {
        format!(
            "cannot read {name} {as_of} in {url}: its definition changed after that point \
             (ORA-01466); re-run the extract"
        )
    } else if let Some(Condition { sql: condition, .. }) = filter.condition() {
        format!("the condition `{condition}` on {name} failed in {url}: {message}")
    } else {
        format!("cannot read {name} from {url}: {message}")
    }
}

#[cfg(test)]
pub(super) mod statements;
#[cfg(test)]
mod tests;
