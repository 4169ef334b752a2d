//! Oracle rows: the row source (extract).
//!
//! Every connection of one extract reads as of one system change number (SCN): the first
//! connection asks for the current SCN and every query reads `FROM … AS OF SCN :scn`, the SCN
//! bound, never written into the SQL. Values are fetched in the driver's native forms
//! (NUMBER as decimal text, DATE and TIMESTAMP as `oracle::sql_type::Timestamp`, intervals,
//! bytes) and converted to archive values by the pure functions at the end of this file, so
//! that nothing depends on the session's NLS formats; types the driver cannot fetch are turned
//! into text by the server (XMLSERIALIZE, JSON_SERIALIZE, SDO_UTIL.TO_WKTGEOMETRY, ROWIDTOCHAR).
//!
//! A seed's condition is written into the query as the user wrote it: a subquery in it reads
//! the current data unless it says `AS OF SCN` itself, and it may name the table (the query
//! aliases the table by its own name) but not `SCHEMA.TABLE`.
//!
//! Large objects (CLOB, NCLOB, BLOB, LONG, LONG RAW, and XML, JSON and spatial values, which
//! arrive as CLOBs) are read whole, as the driver does by default: a row holds each of its LOBs
//! in memory, and a fetch holds up to [`LOB_FETCH_ROWS`] such rows.

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::{Context, Result, anyhow, bail};
use oracle::sql_type::{IntervalDS, IntervalYM, OracleType, Timestamp, ToSql};

use crate::catalog::*;
use crate::db::sql::double_quote;
use crate::model::DbUrl;
use crate::model::key::{self, KeyValue};
use crate::model::mask::SourceMask;
use crate::model::ports::RowSource;
use crate::model::row::{KeyColumn, ReadRequest, RowFilter, Snapshot, recycle};
use crate::model::text::{canonical_decimal, decode, parse_datetime};
use crate::model::value::{Date, DateTime, Interval, MAX_OFFSET_SECS, Time, Value};

/// The session settings every connection gets before it reads: timestamps WITH LOCAL TIME ZONE
/// arrive in UTC, and numbers that the server turns into text (masks' `TO_CHAR`, a user's
/// condition comparing text with numbers) use `.` as the decimal point. Dates and timestamps
/// are fetched as values, never as text, so the NLS date formats do not matter.
const SESSION: [&str; 2] = [
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
    "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
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
        let query = keys_query(table, columns, order_by, filter, self.scn())?;
        let reads: Vec<(Fetch, Option<&Column>)> = columns
            .iter()
            .map(|k| match k {
                KeyColumn::Locator => Ok((Fetch::Text, None)),
                KeyColumn::Column(name) => {
                    let column = table_column(table, name)?;
                    Ok((fetch_of(column, None), Some(column)))
                }
            })
            .collect::<Result<_>>()?;
        let mut n = 0u64;
        let mut owned: Vec<OwnedKey> = Vec::with_capacity(columns.len());
        // One vector for every row (recycled between rows: its values borrow `owned`).
        let mut spare: Vec<KeyValue<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(table, filter, &query, &mut |row| {
            n += 1;
            owned.clear();
            for (i, (fetch, column)) in reads.iter().enumerate() {
                let value = match column {
                    Some(column) => read_field(row, i, *fetch, column),
                    None => read_text(row, i),
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
            self.scn(),
            locator,
        )?;
        let fetches: Vec<Fetch> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| fetch_of(c, masks.get(i).and_then(Option::as_ref)))
            .collect();
        let mut n = skip;
        let mut values: Vec<Value<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(table, filter, &query, &mut |row| {
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
            each(&values)
        })
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
    } else if let RowFilter::Where(condition) = filter {
        format!("the condition `{condition}` on {name} failed in {url}: {message}")
    } else {
        format!("cannot read {name} from {url}: {message}")
    }
}

// ---------------------------------------------------------------------------------------------
// SQL. Pure: each query is built as text plus named binds, golden-tested below.

/// A query and its named binds (names without the colon).
#[derive(Debug, PartialEq)]
struct Query {
    sql: String,
    binds: Vec<(String, Bind)>,
    /// Whether a column is fetched as a LOB ([`LOB_FETCH_ROWS`]).
    reads_lobs: bool,
}

/// A value bound into a query, with the Oracle type it is bound as: the column's own type,
/// so that a lookup compares without converting the column (and uses its index).
#[derive(Clone, Debug, PartialEq)]
enum Bind {
    /// Decimal text bound as NUMBER (an SCN, a decimal key).
    Number(String),
    Int(i64),
    /// BINARY_DOUBLE
    Double(f64),
    /// BINARY_FLOAT
    Float(f32),
    Varchar(String),
    NVarchar(String),
    Raw(Vec<u8>),
    Date(Timestamp),
    Timestamp(Timestamp),
    TimestampTz(Timestamp),
    IntervalYM(IntervalYM),
    IntervalDS(IntervalDS),
    Bool(bool),
    Null,
}

/// The bind size of a text: its bytes, at least 1 (the driver counts characters, never more).
fn text_size(text: &str) -> u32 {
    u32::try_from(text.len().max(1)).unwrap_or(u32::MAX)
}

impl ToSql for Bind {
    fn oratype(&self, conn: &oracle::Connection) -> oracle::Result<OracleType> {
        Ok(match self {
            Bind::Number(_) => OracleType::Number(0, 0),
            Bind::Int(i) => return i.oratype(conn),
            Bind::Double(_) => OracleType::BinaryDouble,
            Bind::Float(_) => OracleType::BinaryFloat,
            Bind::Varchar(s) => OracleType::Varchar2(text_size(s)),
            Bind::NVarchar(s) => OracleType::NVarchar2(text_size(s)),
            Bind::Raw(b) => OracleType::Raw(u32::try_from(b.len().max(1)).unwrap_or(u32::MAX)),
            Bind::Date(_) => OracleType::Date,
            Bind::Timestamp(_) => OracleType::Timestamp(9),
            Bind::TimestampTz(_) => OracleType::TimestampTZ(9),
            Bind::IntervalYM(_) => OracleType::IntervalYM(9),
            Bind::IntervalDS(_) => OracleType::IntervalDS(9, 9),
            Bind::Bool(_) => OracleType::Boolean,
            Bind::Null => OracleType::Varchar2(1),
        })
    }

    fn to_sql(&self, val: &mut oracle::SqlValue) -> oracle::Result<()> {
        match self {
            Bind::Number(s) | Bind::Varchar(s) | Bind::NVarchar(s) => val.set(&s.as_str()),
            Bind::Int(i) => val.set(i),
            Bind::Double(f) => val.set(f),
            Bind::Float(f) => val.set(f),
            Bind::Raw(b) => val.set(b),
            Bind::Date(t) | Bind::Timestamp(t) | Bind::TimestampTz(t) => val.set(t),
            Bind::IntervalYM(i) => val.set(i),
            Bind::IntervalDS(i) => val.set(i),
            Bind::Bool(b) => val.set(b),
            Bind::Null => val.set_null(),
        }
    }
}

/// `"SCHEMA"."TABLE"`
fn qualified(table: &Table) -> String {
    format!(
        "{}.{}",
        double_quote(&table.schema),
        double_quote(&table.name)
    )
}

/// `FROM "S"."T" AS OF SCN :scn "T"`. The table is aliased by its own name: an object
/// column's attributes (`SDO_SRID`) can only be reached through an alias, and a user's
/// condition that names the table (`"T"."ID" > 5`) still works.
fn from_clause(table: &Table, scn: Option<&str>, binds: &mut Vec<(String, Bind)>) -> String {
    let as_of = match scn {
        Some(scn) => {
            binds.push(("scn".to_string(), Bind::Number(scn.to_string())));
            " AS OF SCN :scn"
        }
        None => "",
    };
    format!(
        " FROM {}{as_of} {}",
        qualified(table),
        double_quote(&table.name)
    )
}

fn key_column_sql(column: &KeyColumn) -> String {
    match column {
        KeyColumn::Column(name) => double_quote(name),
        KeyColumn::Locator => "ROWID".to_string(),
    }
}

/// ` WHERE …` for `filter`, its key values bound as `:k<i>` (one key column) or `:k<i>_<j>`,
/// each typed as its column ([`key_bind`]); a ROWID key is bound as text through CHARTOROWID.
fn where_clause(
    table: &Table,
    filter: RowFilter<'_>,
    binds: &mut Vec<(String, Bind)>,
) -> Result<String> {
    match filter {
        RowFilter::All => Ok(String::new()),
        RowFilter::Where(condition) => Ok(format!(" WHERE ({condition})")),
        RowFilter::In { columns, keys } => {
            if keys.len() > MAX_BATCH {
                bail!(
                    "{} keys in one lookup of {}.{}; Oracle takes at most {MAX_BATCH}",
                    keys.len(),
                    table.schema,
                    table.name
                );
            }
            let targets: Vec<Option<&Column>> = columns
                .iter()
                .map(|k| match k {
                    KeyColumn::Locator => Ok(None),
                    KeyColumn::Column(name) => table_column(table, name).map(Some),
                })
                .collect::<Result<_>>()?;
            let single = columns.len() == 1;
            let mut tuples = Vec::with_capacity(keys.len());
            for (i, key) in keys.iter().enumerate() {
                let values = key::decode(key)?;
                if values.len() != columns.len() {
                    bail!(
                        "a key of {} values for {} columns",
                        values.len(),
                        columns.len()
                    );
                }
                let mut items = Vec::with_capacity(values.len());
                for (j, (value, target)) in values.into_iter().zip(&targets).enumerate() {
                    let name = if single {
                        format!("k{}", i + 1)
                    } else {
                        format!("k{}_{}", i + 1, j + 1)
                    };
                    let bind = key_bind(*target, value).map_err(|why| {
                        anyhow!(
                            "{}.{}, key column {}: {why}",
                            table.schema,
                            table.name,
                            target.map_or("ROWID", |c| c.name.as_str())
                        )
                    })?;
                    items.push(match target {
                        None => format!("CHARTOROWID(:{name})"),
                        Some(_) => format!(":{name}"),
                    });
                    binds.push((name, bind));
                }
                tuples.push(if single {
                    items.remove(0)
                } else {
                    format!("({})", items.join(", "))
                });
            }
            let list: Vec<String> = columns.iter().map(key_column_sql).collect();
            Ok(if single {
                format!(" WHERE {} IN ({})", list[0], tuples.join(", "))
            } else {
                format!(" WHERE ({}) IN ({})", list.join(", "), tuples.join(", "))
            })
        }
    }
}

fn order_clause(order_by: &[KeyColumn]) -> String {
    if order_by.is_empty() {
        return String::new();
    }
    let list: Vec<String> = order_by.iter().map(key_column_sql).collect();
    format!(" ORDER BY {}", list.join(", "))
}

/// What a column is read as: the column itself when the driver can fetch its type, else an
/// expression that turns it into text on the server, or a probe that says only whether it is
/// NULL (BFILE and unmapped types, which fail the row when they are not). `table` is the
/// table's alias (its quoted name).
fn select_expr(column: &Column, table: &str) -> String {
    let name = double_quote(&column.name);
    match &column.neutral_type {
        NeutralType::Xml => format!("XMLSERIALIZE(CONTENT {name} AS CLOB)"),
        NeutralType::Json => format!("JSON_SERIALIZE({name} RETURNING CLOB)"),
        // EWKT, as PostgreSQL's ST_AsEWKT writes it: `SRID=<srid>;<WKT>`, plain WKT without a
        // SRID. Object attributes need the table alias.
        NeutralType::Spatial { .. } => {
            let srid = format!("{table}.{name}.SDO_SRID");
            let wkt = format!("SDO_UTIL.TO_WKTGEOMETRY({name})");
            format!(
                "CASE WHEN {srid} IS NULL THEN {wkt} ELSE 'SRID=' || TO_CHAR({srid}) || ';' || \
                 {wkt} END"
            )
        }
        // ROWIDTOCHAR takes physical rowids only; a UROWID may hold a logical one.
        NeutralType::RowId
            if column
                .native_type
                .to_ascii_uppercase()
                .starts_with("UROWID") =>
        {
            format!("CAST({name} AS VARCHAR2(4000))")
        }
        NeutralType::RowId => format!("ROWIDTOCHAR({name})"),
        NeutralType::Lob { lob: LobKind::File } | NeutralType::Other => {
            format!("CASE WHEN {name} IS NULL THEN NULL ELSE 1 END")
        }
        _ => name,
    }
}

/// Whether a column arrives as a LOB (read whole into memory).
fn is_lob(column: &Column, mask: Option<&SourceMask>) -> bool {
    if mask.is_some_and(SourceMask::replies_text) {
        return false;
    }
    let native = column.native_type.to_ascii_uppercase();
    matches!(
        column.neutral_type,
        NeutralType::Lob { .. }
            | NeutralType::Xml
            | NeutralType::Json
            | NeutralType::Spatial { .. }
    ) || native.starts_with("LONG")
}

/// The select list of a read: each column as [`select_expr`] reads it, or as its mask asks
/// ([`super::mask_select`], whose HMAC pads are bound as RAW by name). An expression is named
/// `dbsub_c<i>` (its position): Oracle needs distinct names under OFFSET, and a name of its own
/// cannot capture a column in ORDER BY.
fn select_list(
    table: &Table,
    columns: &[&Column],
    masks: &[Option<SourceMask>],
) -> (String, Vec<(String, Bind)>) {
    let alias = double_quote(&table.name);
    let mut binds = Vec::new();
    let mut masked = 0;
    let mut items = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let expr = match masks.get(i).and_then(Option::as_ref) {
            Some(mask) => {
                let (sql, pads) = mask_select(column, mask, masked);
                masked += 1;
                binds.extend(pads.into_iter().map(|(name, pad)| (name, Bind::Raw(pad))));
                sql
            }
            None => select_expr(column, &alias),
        };
        if expr == double_quote(&column.name) {
            items.push(expr);
        } else {
            items.push(format!("{expr} AS dbsub_c{}", i + 1));
        }
    }
    (items.join(", "), binds)
}

/// The query of [`RowSource::read_rows`]: `SELECT <select_list>[, ROWID] FROM … AS OF SCN
/// :scn … [WHERE …] [ORDER BY …] [OFFSET :skip_rows ROWS]`. Skipping is done by the server
/// (12c and later, which dbsub needs anyway for its masks' STANDARD_HASH), so skipped rows do
/// not cross the network.
#[allow(clippy::too_many_arguments)]
fn read_query(
    table: &Table,
    columns: &[&Column],
    masks: &[Option<SourceMask>],
    order_by: &[KeyColumn],
    filter: RowFilter<'_>,
    skip: u64,
    scn: Option<&str>,
    locator: bool,
) -> Result<Query> {
    let (list, mut binds) = select_list(table, columns, masks);
    let rowid = if locator {
        ", ROWIDTOCHAR(ROWID) AS dbsub_rowid"
    } else {
        ""
    };
    let mut sql = format!("SELECT {list}{rowid}");
    sql.push_str(&from_clause(table, scn, &mut binds));
    sql.push_str(&where_clause(table, filter, &mut binds)?);
    sql.push_str(&order_clause(order_by));
    if skip > 0 {
        sql.push_str(" OFFSET :skip_rows ROWS");
        binds.push(("skip_rows".to_string(), Bind::Number(skip.to_string())));
    }
    let reads_lobs = columns
        .iter()
        .enumerate()
        .any(|(i, c)| is_lob(c, masks.get(i).and_then(Option::as_ref)));
    Ok(Query {
        sql,
        binds,
        reads_lobs,
    })
}

/// The query of [`RowSource::scan_keys`]: the key columns (ROWID as text), filtered and
/// ordered like a read.
fn keys_query(
    table: &Table,
    columns: &[KeyColumn],
    order_by: &[KeyColumn],
    filter: RowFilter<'_>,
    scn: Option<&str>,
) -> Result<Query> {
    let alias = double_quote(&table.name);
    let select: Vec<String> = columns
        .iter()
        .map(|k| match k {
            KeyColumn::Locator => Ok("ROWIDTOCHAR(ROWID)".to_string()),
            KeyColumn::Column(name) => Ok(select_expr(table_column(table, name)?, &alias)),
        })
        .collect::<Result<_>>()?;
    let mut binds = Vec::new();
    let mut sql = format!("SELECT {}", select.join(", "));
    sql.push_str(&from_clause(table, scn, &mut binds));
    sql.push_str(&where_clause(table, filter, &mut binds)?);
    sql.push_str(&order_clause(order_by));
    Ok(Query {
        sql,
        binds,
        reads_lobs: false,
    })
}

/// A key value as a bind typed for `column` (`None`: the ROWID locator, bound as text).
/// Keys come from [`OwnedKey::of`]: whole numbers as integers, other decimals, dates and
/// intervals as their archive text, which is parsed back here.
fn key_bind(column: Option<&Column>, value: KeyValue<'_>) -> Result<Bind, String> {
    use NeutralType as N;
    let Some(column) = column else {
        return match value {
            KeyValue::Text(t) => Ok(Bind::Varchar(t.to_string())),
            other => Err(format!("a ROWID key must be text, not {other:?}")),
        };
    };
    let ty = &column.neutral_type;
    let mismatch = || {
        format!(
            "a key value {value:?} does not fit the column's type `{}`",
            column.native_type
        )
    };
    Ok(match (ty, value) {
        (_, KeyValue::Null) => Bind::Null,
        (N::Boolean, KeyValue::Int(i @ (0 | 1))) => Bind::Bool(i == 1),
        (N::Integer { .. } | N::Decimal { .. }, KeyValue::Int(i)) => Bind::Int(i),
        (N::Integer { .. } | N::Decimal { .. }, KeyValue::Text(t))
            if canonical_decimal(t).is_some() =>
        {
            Bind::Number(t.to_string())
        }
        (N::Float { bits: Some(b) }, KeyValue::Float(f)) if *b <= 24 => Bind::Float(f as f32),
        (N::Float { .. }, KeyValue::Float(f)) => Bind::Double(f),
        (
            N::NationalText { .. }
            | N::Lob {
                lob: LobKind::National,
            },
            KeyValue::Text(t),
        ) => Bind::NVarchar(t.to_string()),
        (
            N::Text { .. } | N::Lob { .. } | N::Json | N::Xml | N::Uuid | N::RowId | N::Other,
            KeyValue::Text(t),
        ) => Bind::Varchar(t.to_string()),
        (
            N::Binary { .. }
            | N::Lob {
                lob: LobKind::Binary,
            },
            KeyValue::Bytes(b),
        ) => Bind::Raw(b.to_vec()),
        (N::Date | N::Timestamp { .. } | N::TimestampTz { .. }, KeyValue::Text(t)) => {
            let (dt, offset) = parse_datetime(t).ok_or_else(mismatch)?;
            let ts = oracle_timestamp(dt)?;
            match (ty, offset) {
                (N::TimestampTz { .. }, Some(offset)) => Bind::TimestampTz(
                    ts.and_tz_offset(offset)
                        .map_err(|e| format!("offset {offset} s: {e}"))?,
                ),
                (N::Timestamp { precision: Some(0) } | N::Date, None) => Bind::Date(ts),
                (N::Timestamp { .. }, None) => Bind::Timestamp(ts),
                _ => return Err(mismatch()),
            }
        }
        (N::Interval { fields, .. }, KeyValue::Text(t)) => {
            let Ok(Value::Interval(iv)) = decode(t.as_bytes(), false, ty) else {
                return Err(mismatch());
            };
            match fields {
                IntervalFields::YearToMonth if iv.days == 0 && iv.nanos == 0 => {
                    let months = i32::try_from(iv.months).map_err(|_| mismatch())?;
                    Bind::IntervalYM(
                        IntervalYM::new(months / 12, months % 12).map_err(|e| e.to_string())?,
                    )
                }
                IntervalFields::DayToSecond | IntervalFields::Any if iv.months == 0 => {
                    Bind::IntervalDS(interval_ds(iv).ok_or_else(mismatch)?)
                }
                _ => return Err(mismatch()),
            }
        }
        _ => return Err(mismatch()),
    })
}

/// An interval of days and nanoseconds as Oracle's DAY TO SECOND (all parts of one sign).
fn interval_ds(iv: Interval) -> Option<IntervalDS> {
    let total = i128::from(iv.days) * 86_400_000_000_000 + iv.nanos;
    let sign: i128 = if total < 0 { -1 } else { 1 };
    let abs = total.abs();
    let days = i32::try_from(abs / 86_400_000_000_000).ok()?;
    let rest = abs % 86_400_000_000_000;
    let nanos = i32::try_from(rest % 1_000_000_000).ok()?;
    let seconds = i32::try_from(rest / 1_000_000_000 % 60).ok()?;
    let minutes = i32::try_from(rest / 60_000_000_000 % 60).ok()?;
    let hours = i32::try_from(rest / 3_600_000_000_000).ok()?;
    let s = i32::try_from(sign).ok()?;
    IntervalDS::new(s * days, s * hours, s * minutes, s * seconds, s * nanos).ok()
}

// ---------------------------------------------------------------------------------------------
// Values. The driver fetches; everything from its values on is pure.

/// How a column's value is fetched from the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fetch {
    /// A String (character types, CLOBs and the server's text conversions).
    Text,
    /// NUMBER as the driver's decimal text, never through a float.
    Decimal,
    /// NUMBER as text, which must be a 64-bit integer.
    Int,
    Bool,
    Float,
    Bytes,
    /// DATE, TIMESTAMP [WITH [LOCAL] TIME ZONE] as the driver's Timestamp.
    DateTime,
    IntervalYM,
    IntervalDS,
    /// A probe that is NULL or 1: any other value fails the row (BFILE, unmapped types).
    Probe,
}

/// How `column` (masked by `mask`) is fetched.
fn fetch_of(column: &Column, mask: Option<&SourceMask>) -> Fetch {
    use NeutralType as N;
    if mask.is_some_and(SourceMask::replies_text) {
        return Fetch::Text;
    }
    match &column.neutral_type {
        N::Boolean => Fetch::Bool,
        N::Integer { .. } => Fetch::Int,
        N::Decimal { .. } => Fetch::Decimal,
        N::Float { .. } => Fetch::Float,
        N::Binary { .. }
        | N::Lob {
            lob: LobKind::Binary,
        } => Fetch::Bytes,
        N::Lob { lob: LobKind::File } | N::Other => Fetch::Probe,
        N::Date | N::Timestamp { .. } | N::TimestampTz { .. } => Fetch::DateTime,
        N::Interval {
            fields: IntervalFields::YearToMonth,
            ..
        } => Fetch::IntervalYM,
        N::Time { .. } | N::Interval { .. } => Fetch::IntervalDS,
        N::Text { .. }
        | N::NationalText { .. }
        | N::Lob { .. }
        | N::Json
        | N::Xml
        | N::Spatial { .. }
        | N::RowId
        | N::Uuid => Fetch::Text,
    }
}

/// Column `i` of `row` as an archive value of `column`'s type. `Err` says why it has none.
fn read_field(
    row: &oracle::Row,
    i: usize,
    fetch: Fetch,
    column: &Column,
) -> Result<Value<'static>, String> {
    let ty = &column.neutral_type;
    let driver = |e: oracle::Error| format!("the driver cannot read it: {e}");
    Ok(match fetch {
        Fetch::Text => return read_text(row, i),
        Fetch::Decimal | Fetch::Int | Fetch::Bool => {
            match row.get::<_, Option<String>>(i).map_err(driver)? {
                None => Value::Null,
                Some(text) => match fetch {
                    Fetch::Decimal => decimal_value(text)?,
                    Fetch::Int => int_value(&text)?,
                    _ => bool_value(&text)?,
                },
            }
        }
        Fetch::Float => row
            .get::<_, Option<f64>>(i)
            .map_err(driver)?
            .map_or(Value::Null, Value::Float),
        Fetch::Bytes => row
            .get::<_, Option<Vec<u8>>>(i)
            .map_err(driver)?
            .map_or(Value::Null, |b| Value::Bytes(Cow::Owned(b))),
        Fetch::DateTime => match row.get::<_, Option<Timestamp>>(i).map_err(driver)? {
            None => Value::Null,
            Some(ts) => timestamp_value(&ts, ty)?,
        },
        Fetch::IntervalYM => row
            .get::<_, Option<IntervalYM>>(i)
            .map_err(driver)?
            .map_or(Value::Null, |iv| interval_ym_value(&iv)),
        Fetch::IntervalDS => match row.get::<_, Option<IntervalDS>>(i).map_err(driver)? {
            None => Value::Null,
            Some(iv) => interval_ds_value(&iv, ty)?,
        },
        Fetch::Probe => match row.get::<_, Option<i64>>(i).map_err(driver)? {
            None => Value::Null,
            Some(_) => return Err(unsupported(column)),
        },
    })
}

/// Column `i` as text, checked for the driver's replacement character.
fn read_text(row: &oracle::Row, i: usize) -> Result<Value<'static>, String> {
    match row
        .get::<_, Option<String>>(i)
        .map_err(|e| format!("the driver cannot read it: {e}"))?
    {
        None => Ok(Value::Null),
        Some(text) => text_value(text),
    }
}

/// Why a non-NULL value of a column read through a probe cannot be carried.
fn unsupported(column: &Column) -> String {
    let remedy = "mask the column as `constant` in the plan's [masking] section \
                  (docs/masking.md), or leave the table out of the extract";
    match column.neutral_type {
        NeutralType::Lob { lob: LobKind::File } => format!(
            "a BFILE points at a file on the database server, outside the database, which dbsub \
             does not copy; {remedy}"
        ),
        _ => format!(
            "its type `{}` is not one dbsub can read; {remedy}",
            column.native_type
        ),
    }
}

/// Text from the driver. The client replaces bytes that are not valid in the database
/// character set with U+FFFD; such a value would be archived changed, so it fails instead.
fn text_value(text: String) -> Result<Value<'static>, String> {
    if text.contains('\u{FFFD}') {
        return Err(
            "the column holds bytes that are not valid in the database character set (the \
             client replaced them with U+FFFD); fix the value at the source, or mask the column"
                .to_string(),
        );
    }
    Ok(Value::Text(Cow::Owned(text)))
}

/// NUMBER text as the driver writes it (`-0.5`, `0.000…1`, `1000…0`; other clients write
/// `-.5` or `1E-130`) in the archive's canonical form, exactly.
fn decimal_value(text: String) -> Result<Value<'static>, String> {
    let rewritten = canonical_decimal(&text).map(|c| match c {
        Cow::Borrowed(_) => None,
        Cow::Owned(o) => Some(o),
    });
    match rewritten {
        Some(None) => Ok(Value::Decimal(Cow::Owned(text))),
        Some(Some(canonical)) => Ok(Value::Decimal(Cow::Owned(canonical))),
        None => Err(format!(
            "{text:?} is not a finite decimal number, which the archive cannot carry"
        )),
    }
}

/// NUMBER text of an integer column.
fn int_value(text: &str) -> Result<Value<'static>, String> {
    let canonical =
        canonical_decimal(text).ok_or_else(|| format!("{text:?} is not a decimal number"))?;
    canonical
        .parse::<i64>()
        .map(Value::Int)
        .map_err(|_| format!("{text} is not a 64-bit integer"))
}

/// BOOLEAN as the driver writes it (`TRUE`, `FALSE`), or a NUMBER flag (`1`, `0`).
fn bool_value(text: &str) -> Result<Value<'static>, String> {
    match text {
        "TRUE" | "1" => Ok(Value::Bool(true)),
        "FALSE" | "0" => Ok(Value::Bool(false)),
        _ => Err(format!("{text:?} is not a boolean")),
    }
}

/// Oracle's year (no year 0; −1 is 1 BC) as an astronomical year (0 is 1 BC), which the
/// archive carries: −4712 (4712 BC, Oracle's first year) becomes −4711.
fn astronomical_year(year: i32) -> Result<i32, String> {
    match year {
        0 => Err("year 0, which Oracle does not have".to_string()),
        y if y < 0 => Ok(y + 1),
        y => Ok(y),
    }
}

/// A Timestamp's date and time.
///
/// The calendar fields are carried as Oracle shows them. Oracle counts days before
/// 15 October 1582 in the Julian calendar, the archive in the proleptic Gregorian one: a date
/// before then keeps its label (so that it loads back into Oracle unchanged), and a Julian-only
/// day (29 February 1500) fails the row instead of being moved.
fn datetime_from_oracle(ts: &Timestamp) -> Result<DateTime, String> {
    let shown = || {
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            ts.year(),
            ts.month(),
            ts.day(),
            ts.hour(),
            ts.minute(),
            ts.second()
        )
    };
    let small = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    let year = astronomical_year(ts.year()).map_err(|why| format!("{}: {why}", shown()))?;
    let date = Date::new(year, small(ts.month()), small(ts.day())).ok_or_else(|| {
        format!(
            "{} is not a day of the proleptic Gregorian calendar the archive uses (Oracle \
             counts days before 15 October 1582 in the Julian calendar); fix the value at the \
             source",
            shown()
        )
    })?;
    let time = Time::new(
        small(ts.hour()),
        small(ts.minute()),
        small(ts.second()),
        ts.nanosecond(),
    )
    .ok_or_else(|| format!("{} is not a time of day", shown()))?;
    Ok(DateTime { date, time })
}

/// An archive date and time as the driver's Timestamp (astronomical year back to Oracle's).
fn oracle_timestamp(dt: DateTime) -> Result<Timestamp, String> {
    let year = if dt.date.year <= 0 {
        dt.date.year - 1
    } else {
        dt.date.year
    };
    Timestamp::new(
        year,
        u32::from(dt.date.month),
        u32::from(dt.date.day),
        u32::from(dt.time.hour),
        u32::from(dt.time.minute),
        u32::from(dt.time.second),
        dt.time.nanos,
    )
    .map_err(|e| format!("{dt} cannot be an Oracle timestamp: {e}"))
}

/// A DATE or TIMESTAMP [WITH [LOCAL] TIME ZONE] value as a value of a column of type `ty`.
///
/// WITH TIME ZONE keeps the value's own offset; a value stored with a region name
/// (`Europe/Paris`) arrives as the offset that region had at that instant, so the archive
/// holds the same instant with its offset, not the region. WITH LOCAL TIME ZONE values arrive
/// in the session's zone, which [`SESSION`] sets to UTC: their offset is `+00:00`.
fn timestamp_value(ts: &Timestamp, ty: &NeutralType) -> Result<Value<'static>, String> {
    let dt = datetime_from_oracle(ts)?;
    Ok(match ty {
        NeutralType::TimestampTz { .. } => {
            let offset = ts.tz_offset();
            if offset.abs() > MAX_OFFSET_SECS {
                return Err(format!(
                    "the offset of {dt} ({offset} s) is beyond ±23:59:59"
                ));
            }
            Value::TimestampTz(dt, offset)
        }
        NeutralType::Date if dt.time == MIDNIGHT => Value::Date(dt.date),
        NeutralType::Date => return Err(format!("{dt} is not a date (it has a time of day)")),
        _ => Value::Timestamp(dt),
    })
}

const MIDNIGHT: Time = Time {
    hour: 0,
    minute: 0,
    second: 0,
    nanos: 0,
};

/// INTERVAL YEAR TO MONTH as months.
fn interval_ym_value(iv: &IntervalYM) -> Value<'static> {
    Value::Interval(Interval {
        months: i64::from(iv.years()) * 12 + i64::from(iv.months()),
        days: 0,
        nanos: 0,
    })
}

/// INTERVAL DAY TO SECOND as days and nanoseconds (a time of day for a `time` column, which
/// Oracle keeps as INTERVAL DAY(0) TO SECOND).
fn interval_ds_value(iv: &IntervalDS, ty: &NeutralType) -> Result<Value<'static>, String> {
    let nanos = ((i128::from(iv.hours()) * 60 + i128::from(iv.minutes())) * 60
        + i128::from(iv.seconds()))
        * 1_000_000_000
        + i128::from(iv.nanoseconds());
    if let NeutralType::Time { .. } = ty {
        let small = |v: i32| u8::try_from(v).ok();
        return match (
            iv.days(),
            small(iv.hours()),
            small(iv.minutes()),
            small(iv.seconds()),
        ) {
            (0, Some(h), Some(m), Some(s)) => u32::try_from(iv.nanoseconds())
                .ok()
                .and_then(|ns| Time::new(h, m, s, ns))
                .map(Value::Time),
            _ => None,
        }
        .ok_or_else(|| format!("{iv} is not a time of day"));
    }
    Ok(Value::Interval(Interval {
        months: 0,
        days: i64::from(iv.days()),
        nanos,
    }))
}

/// A key value as the closure compares it: integers (whatever the NUMBER's declared precision)
/// as `Int`, so that a parent's key and its children's foreign keys encode alike; other
/// decimals, dates and intervals as their archive text.
#[derive(Clone, Debug, PartialEq)]
enum OwnedKey {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl OwnedKey {
    fn of(value: Value<'_>) -> OwnedKey {
        match value {
            Value::Null => OwnedKey::Null,
            Value::Bool(b) => OwnedKey::Int(i64::from(b)),
            Value::Int(i) => OwnedKey::Int(i),
            Value::Decimal(d) => match d.parse::<i64>() {
                Ok(i) if !d.contains('.') => OwnedKey::Int(i),
                _ => OwnedKey::Text(d.into_owned()),
            },
            Value::Float(f) => OwnedKey::Float(f),
            Value::Text(t) => OwnedKey::Text(t.into_owned()),
            Value::Bytes(b) => OwnedKey::Bytes(b.into_owned()),
            other => {
                let mut text = Vec::with_capacity(40);
                other.write_csv(&mut text);
                OwnedKey::Text(String::from_utf8_lossy(&text).into_owned())
            }
        }
    }

    fn as_key(&self) -> KeyValue<'_> {
        match self {
            OwnedKey::Null => KeyValue::Null,
            OwnedKey::Int(i) => KeyValue::Int(*i),
            OwnedKey::Float(f) => KeyValue::Float(*f),
            OwnedKey::Text(t) => KeyValue::Text(t),
            OwnedKey::Bytes(b) => KeyValue::Bytes(b),
        }
    }
}

/// A masked column's select expression for an Oracle source ([`SourceMask`]), computed by the
/// server so that the value never leaves it, and the binds it needs (`:dbsub_mask_<n>_i`,
/// `:dbsub_mask_<n>_o`: a date-shift key's HMAC pads, never written into SQL). `n` tells the
/// masked columns of one query apart. The value's text is `TO_CHAR` with fixed formats for
/// dates and timestamps (no NLS dependence), as UTF-8 (`UTL_I18N.STRING_TO_RAW`), hashed with
/// `STANDARD_HASH` (12c and later).
pub fn mask_select(
    column: &Column,
    mask: &SourceMask,
    n: usize,
) -> (String, Vec<(String, Vec<u8>)>) {
    let name = double_quote(&column.name);
    let text = match column.neutral_type {
        NeutralType::Date | NeutralType::Timestamp { precision: Some(0) } => {
            format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS')")
        }
        NeutralType::Timestamp { .. } => format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS.FF')"),
        NeutralType::TimestampTz { .. } => {
            format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS.FF TZH:TZM')")
        }
        _ => format!("TO_CHAR({name})"),
    };
    let utf8 = format!("UTL_I18N.STRING_TO_RAW({text}, 'AL32UTF8')");
    match mask {
        SourceMask::NullOnly => (
            format!("CASE WHEN {name} IS NULL THEN NULL ELSE 't' END"),
            Vec::new(),
        ),
        SourceMask::Digest => (
            format!(
                "LOWER(RAWTOHEX(STANDARD_HASH({utf8}, 'SHA256'))) || REGEXP_REPLACE(TRANSLATE(\
                 {text}, '{}', '{}'), '[^ -~' || CHR(9) || CHR(10) || CHR(13) || ']', '*')",
                crate::model::mask::SHAPE_FROM,
                crate::model::mask::SHAPE_TO
            ),
            Vec::new(),
        ),
        SourceMask::ShiftDays { days, key } => {
            let (inner, outer) = crate::model::mask::hmac_pads(key);
            let (i, o) = (format!("dbsub_mask_{n}_i"), format!("dbsub_mask_{n}_o"));
            // k = the HMAC's first four bytes mod 2N; the offset k - N + TRUNC(k / N) is never
            // 0. (k is written twice: Oracle has no way to name it inside a select item.)
            let k = format!(
                "MOD(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(UTL_RAW.CONCAT(:{o}, \
                 STANDARD_HASH(UTL_RAW.CONCAT(:{i}, {utf8}), 'SHA256')), 'SHA256')), 1, 8), \
                 'XXXXXXXX'), {})",
                2 * u64::from(*days)
            );
            (
                format!("{name} + NUMTODSINTERVAL({k} - {days} + TRUNC({k} / {days}), 'DAY')"),
                vec![(i, inner), (o, outer)],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LengthSemantics;
    use crate::model::DbKind;
    use crate::model::key::{self, KeyValue};
    use crate::model::mask::SourceMask;
    use crate::model::row::*;
    use crate::model::value::*;
    use std::borrow::Cow;

    fn number(p: u16, s: i16) -> NeutralType {
        NeutralType::Decimal {
            precision: Some(p),
            scale: Some(s),
        }
    }

    fn varchar(n: u32) -> NeutralType {
        NeutralType::Text {
            length: Some(n),
            semantics: LengthSemantics::Byte,
            fixed: false,
        }
    }

    fn sample() -> Table {
        Table::test(
            "HR",
            "EMP",
            vec![
                Column::test("ID", "NUMBER(10)", number(10, 0)),
                Column::test("SEQ", "NUMBER(5)", number(5, 0)),
                Column::test("NAME", "VARCHAR2(30)", varchar(30)),
                Column::test(
                    "LOCAL_NAME",
                    "NVARCHAR2(30)",
                    NeutralType::NationalText {
                        length: Some(30),
                        fixed: false,
                    },
                ),
                Column::test("DOC", "XMLTYPE", NeutralType::Xml),
                Column::test("GEOM", "SDO_GEOMETRY", NeutralType::Spatial { srid: None }),
                Column::test("REF_ROW", "ROWID", NeutralType::RowId),
                Column::test("ANY_ROW", "UROWID(4000)", NeutralType::RowId),
                Column::test("DATA", "JSON", NeutralType::Json),
                Column::test("SCAN", "BFILE", NeutralType::Lob { lob: LobKind::File }),
                Column::test(
                    "BORN",
                    "DATE",
                    NeutralType::Timestamp { precision: Some(0) },
                ),
                Column::test(
                    "SEEN",
                    "TIMESTAMP(6) WITH TIME ZONE",
                    NeutralType::TimestampTz {
                        precision: Some(6),
                        local: false,
                    },
                ),
                Column::test(
                    "PHOTO",
                    "RAW(16)",
                    NeutralType::Binary {
                        length: Some(16),
                        fixed: false,
                    },
                ),
            ],
        )
    }

    fn key(values: &[KeyValue<'_>]) -> key::Key {
        let mut out = Vec::new();
        key::encode(values, &mut out);
        out.into_boxed_slice()
    }

    fn names(binds: &[(String, Bind)]) -> Vec<&str> {
        binds.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn session_settings_fix_the_zone_and_the_decimal_point() {
        assert_eq!(
            SESSION,
            [
                "ALTER SESSION SET TIME_ZONE = '+00:00'",
                "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
            ]
        );
        assert_eq!(
            SCN_QUERIES,
            [
                "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL",
                "SELECT CURRENT_SCN FROM V$DATABASE",
            ]
        );
        assert_eq!(scn_text(" 123456789012 "), Some("123456789012".into()));
        assert_eq!(scn_text("1.5"), None);
        assert_eq!(scn_text(""), None);
    }

    #[test]
    fn fetch_rows_come_from_the_setting_within_bounds() {
        assert_eq!(fetch_rows_from(None).unwrap(), 1000);
        assert_eq!(fetch_rows_from(Some(" ")).unwrap(), 1000);
        assert_eq!(fetch_rows_from(Some("5000")).unwrap(), 5000);
        for bad in ["0", "-1", "lots", "100001"] {
            let e = fetch_rows_from(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("DBSUB_ORACLE_FETCH_ROWS"), "{e}");
        }
    }

    #[test]
    fn without_an_scn_several_connections_are_refused_with_the_grants_and_jobs_1() {
        let url = DbUrl::new(DbKind::Oracle, "oracle://scott:tiger@db:1521/PROD");
        let message = no_scn_message(&url, 4, &["ORA-00904: invalid identifier".into()]);
        for needed in [
            "EXECUTE on DBMS_FLASHBACK",
            "SELECT on V$DATABASE",
            "--jobs 1",
            "ORA-00904",
        ] {
            assert!(message.contains(needed), "{message}");
        }
        assert!(!message.contains("tiger"), "{message}");
    }

    #[test]
    fn flashback_errors_say_what_to_do() {
        let url = DbUrl::new(DbKind::Oracle, "oracle://scott:tiger@db:1521/PROD");
        let t = sample();
        let privilege = read_error(
            &t,
            RowFilter::All,
            &url,
            Some("42"),
            "ORA-01031: insufficient privileges",
        );
        assert!(
            privilege.contains("GRANT FLASHBACK ON HR.EMP"),
            "{privilege}"
        );
        assert!(privilege.contains("as of SCN 42"), "{privilege}");
        for code in [
            "ORA-01555: snapshot too old",
            "ORA-08180: no snapshot found",
        ] {
            let undo = read_error(&t, RowFilter::All, &url, Some("42"), code);
            assert!(undo.contains("UNDO_RETENTION"), "{undo}");
            assert!(undo.contains("re-run"), "{undo}");
        }
        let ddl = read_error(&t, RowFilter::All, &url, Some("42"), "ORA-01466: unable");
        assert!(ddl.contains("re-run"), "{ddl}");
        let seed = read_error(
            &t,
            RowFilter::Where("ID >"),
            &url,
            Some("42"),
            "ORA-00936: missing expression",
        );
        assert!(
            seed.starts_with("the condition `ID >` on HR.EMP failed"),
            "{seed}"
        );
        let plain = read_error(&t, RowFilter::All, &url, None, "ORA-03113: end-of-file");
        assert!(plain.starts_with("cannot read HR.EMP from"), "{plain}");
    }

    #[test]
    fn select_list_reads_server_side_types_as_text_and_masks_with_bound_pads() {
        let t = sample();
        let columns: Vec<&Column> = t.columns.iter().collect();
        let (sql, binds) = select_list(&t, &columns, &[]);
        assert_eq!(
            sql,
            "\"ID\", \"SEQ\", \"NAME\", \"LOCAL_NAME\", \
             XMLSERIALIZE(CONTENT \"DOC\" AS CLOB) AS dbsub_c5, \
             CASE WHEN \"EMP\".\"GEOM\".SDO_SRID IS NULL THEN SDO_UTIL.TO_WKTGEOMETRY(\"GEOM\") \
             ELSE 'SRID=' || TO_CHAR(\"EMP\".\"GEOM\".SDO_SRID) || ';' || \
             SDO_UTIL.TO_WKTGEOMETRY(\"GEOM\") END AS dbsub_c6, \
             ROWIDTOCHAR(\"REF_ROW\") AS dbsub_c7, \
             CAST(\"ANY_ROW\" AS VARCHAR2(4000)) AS dbsub_c8, \
             JSON_SERIALIZE(\"DATA\" RETURNING CLOB) AS dbsub_c9, \
             CASE WHEN \"SCAN\" IS NULL THEN NULL ELSE 1 END AS dbsub_c10, \
             \"BORN\", \"SEEN\", \"PHOTO\""
        );
        assert!(binds.is_empty());

        let masked = [&t.columns[2], &t.columns[10]];
        let key = [7u8; 32];
        let masks = [
            Some(SourceMask::NullOnly),
            Some(SourceMask::ShiftDays { days: 30, key }),
        ];
        let (sql, binds) = select_list(&t, &masked, &masks);
        let (null_only, _) = super::mask_select(&t.columns[2], &SourceMask::NullOnly, 0);
        let (shift, pads) = super::mask_select(&t.columns[10], masks[1].as_ref().unwrap(), 1);
        assert_eq!(sql, format!("{null_only} AS dbsub_c1, {shift} AS dbsub_c2"));
        assert_eq!(names(&binds), ["dbsub_mask_1_i", "dbsub_mask_1_o"]);
        let (inner, outer) = crate::model::mask::hmac_pads(&key);
        assert_eq!(
            binds,
            vec![
                ("dbsub_mask_1_i".to_string(), Bind::Raw(inner)),
                ("dbsub_mask_1_o".to_string(), Bind::Raw(outer)),
            ]
        );
        assert_eq!(pads.len(), 2);
        assert!(!sql.contains("0707"), "the key is bound, never in the SQL");
    }

    #[test]
    fn reads_are_as_of_the_bound_scn_with_skips_on_the_server() {
        let t = sample();
        let columns = [&t.columns[0], &t.columns[2]];
        let q = read_query(
            &t,
            &columns,
            &[],
            &[KeyColumn::Column("ID".into())],
            RowFilter::Where("\"NAME\" LIKE 'A%'"),
            500,
            Some("987654321"),
            true,
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT \"ID\", \"NAME\", ROWIDTOCHAR(ROWID) AS dbsub_rowid FROM \"HR\".\"EMP\" \
             AS OF SCN :scn \"EMP\" WHERE (\"NAME\" LIKE 'A%') ORDER BY \"ID\" \
             OFFSET :skip_rows ROWS"
        );
        assert_eq!(
            q.binds,
            vec![
                ("scn".to_string(), Bind::Number("987654321".into())),
                ("skip_rows".to_string(), Bind::Number("500".into())),
            ]
        );
        assert!(!q.sql.contains("987654321"));
        assert!(!q.reads_lobs);

        // Inside a read-only transaction there is no AS OF; no skip, no OFFSET.
        let q = read_query(&t, &columns, &[], &[], RowFilter::All, 0, None, false).unwrap();
        assert_eq!(q.sql, "SELECT \"ID\", \"NAME\" FROM \"HR\".\"EMP\" \"EMP\"");
        assert!(q.binds.is_empty());

        let lobs = [&t.columns[4]];
        let q = read_query(&t, &lobs, &[], &[], RowFilter::All, 0, None, false).unwrap();
        assert!(q.reads_lobs);
    }

    #[test]
    fn lookups_bind_one_column_keys_typed_as_their_column() {
        let t = sample();
        let columns = [KeyColumn::Column("NAME".into())];
        let keys = [key(&[KeyValue::Text("Ann")]), key(&[KeyValue::Text("Bob")])];
        let q = keys_query(
            &t,
            &columns,
            &columns,
            RowFilter::In {
                columns: &columns,
                keys: &keys,
            },
            Some("77"),
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT \"NAME\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
             WHERE \"NAME\" IN (:k1, :k2) ORDER BY \"NAME\""
        );
        assert_eq!(
            q.binds,
            vec![
                ("scn".to_string(), Bind::Number("77".into())),
                ("k1".to_string(), Bind::Varchar("Ann".into())),
                ("k2".to_string(), Bind::Varchar("Bob".into())),
            ]
        );
    }

    #[test]
    fn lookups_bind_two_column_keys_as_tuples() {
        let t = sample();
        let columns = [
            KeyColumn::Column("ID".into()),
            KeyColumn::Column("SEQ".into()),
        ];
        let keys = [
            key(&[KeyValue::Int(1), KeyValue::Int(2)]),
            key(&[KeyValue::Text("12345678901234567890"), KeyValue::Null]),
        ];
        let all = [&t.columns[0], &t.columns[1]];
        let q = read_query(
            &t,
            &all,
            &[],
            &columns,
            RowFilter::In {
                columns: &columns,
                keys: &keys,
            },
            0,
            Some("5"),
            false,
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT \"ID\", \"SEQ\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
             WHERE (\"ID\", \"SEQ\") IN ((:k1_1, :k1_2), (:k2_1, :k2_2)) ORDER BY \"ID\", \"SEQ\""
        );
        assert_eq!(names(&q.binds), ["scn", "k1_1", "k1_2", "k2_1", "k2_2"]);
        assert_eq!(q.binds[1].1, Bind::Int(1));
        assert_eq!(q.binds[3].1, Bind::Number("12345678901234567890".into()));
        assert_eq!(q.binds[4].1, Bind::Null);
    }

    #[test]
    fn the_rowid_locator_is_read_as_text_and_bound_back_through_chartorowid() {
        let t = sample();
        let columns = [KeyColumn::Locator];
        let keys = [key(&[KeyValue::Text("AAAFd1AAFAAAABSAA/")])];
        let q = keys_query(&t, &columns, &columns, RowFilter::All, Some("9")).unwrap();
        assert_eq!(
            q.sql,
            "SELECT ROWIDTOCHAR(ROWID) FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" ORDER BY ROWID"
        );
        let cols = [&t.columns[0]];
        let q = read_query(
            &t,
            &cols,
            &[],
            &columns,
            RowFilter::In {
                columns: &columns,
                keys: &keys,
            },
            0,
            Some("9"),
            true,
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT \"ID\", ROWIDTOCHAR(ROWID) AS dbsub_rowid FROM \"HR\".\"EMP\" AS OF SCN \
             :scn \"EMP\" WHERE ROWID IN (CHARTOROWID(:k1)) ORDER BY ROWID"
        );
        assert_eq!(q.binds[1].1, Bind::Varchar("AAAFd1AAFAAAABSAA/".into()));
    }

    #[test]
    fn lookups_refuse_unknown_columns_and_oversized_batches() {
        let t = sample();
        let columns = [KeyColumn::Column("NOPE".into())];
        let keys = [key(&[KeyValue::Int(1)])];
        let filter = RowFilter::In {
            columns: &columns,
            keys: &keys,
        };
        assert!(keys_query(&t, &columns, &[], filter, None).is_err());
        let columns = [KeyColumn::Column("ID".into())];
        let many: Vec<key::Key> = (0..1001).map(|i| key(&[KeyValue::Int(i)])).collect();
        let filter = RowFilter::In {
            columns: &columns,
            keys: &many,
        };
        let e = keys_query(&t, &columns, &[], filter, None).unwrap_err();
        assert!(e.to_string().contains("at most 1000"), "{e}");
    }

    #[test]
    fn keys_bind_as_their_columns_types() {
        let t = sample();
        let c = |name: &str| t.column(name);
        assert_eq!(
            key_bind(c("LOCAL_NAME"), KeyValue::Text("Zoë")).unwrap(),
            Bind::NVarchar("Zoë".into())
        );
        assert_eq!(
            key_bind(c("PHOTO"), KeyValue::Bytes(&[1, 2])).unwrap(),
            Bind::Raw(vec![1, 2])
        );
        let Bind::Date(ts) = key_bind(c("BORN"), KeyValue::Text("-0043-03-15T10:00:00")).unwrap()
        else {
            panic!("a DATE key binds as DATE")
        };
        assert_eq!((ts.year(), ts.month(), ts.hour()), (-44, 3, 10));
        let Bind::TimestampTz(ts) =
            key_bind(c("SEEN"), KeyValue::Text("2024-01-02T03:04:05.5+05:30")).unwrap()
        else {
            panic!("a TIMESTAMP WITH TIME ZONE key binds with its offset")
        };
        assert_eq!((ts.tz_offset(), ts.nanosecond()), (19_800, 500_000_000));
        assert!(key_bind(c("ID"), KeyValue::Text("abc")).is_err());
        assert!(key_bind(None, KeyValue::Int(3)).is_err());
        let ym = Column::test(
            "TERM",
            "INTERVAL YEAR(2) TO MONTH",
            NeutralType::Interval {
                fields: IntervalFields::YearToMonth,
                leading_precision: Some(2),
                fractional_precision: None,
            },
        );
        assert_eq!(
            key_bind(Some(&ym), KeyValue::Text("P1Y2M")).unwrap(),
            Bind::IntervalYM(IntervalYM::new(1, 2).unwrap())
        );
        let ds = Column::test(
            "WAIT",
            "INTERVAL DAY(2) TO SECOND(6)",
            NeutralType::Interval {
                fields: IntervalFields::DayToSecond,
                leading_precision: Some(2),
                fractional_precision: Some(6),
            },
        );
        assert_eq!(
            key_bind(Some(&ds), KeyValue::Text("P-1DT-2H-0.5S")).unwrap(),
            Bind::IntervalDS(IntervalDS::new(-1, -2, 0, 0, -500_000_000).unwrap())
        );
    }

    #[test]
    fn numbers_are_exact_decimals_whatever_form_the_driver_writes() {
        let dec = |s: &str| decimal_value(s.to_string());
        let text = |v: Value<'static>| match v {
            Value::Decimal(d) => d.into_owned(),
            other => panic!("not a decimal: {other:?}"),
        };
        assert_eq!(text(dec("0").unwrap()), "0");
        assert_eq!(text(dec("-.5").unwrap()), "-0.5");
        assert_eq!(text(dec("-0.5").unwrap()), "-0.5");
        assert_eq!(
            text(dec("1E-130").unwrap()),
            format!("0.{}1", "0".repeat(129))
        );
        assert_eq!(
            text(dec("1.0E+125").unwrap()),
            format!("1{}", "0".repeat(125))
        );
        let big = "12345678901234567890123456789012345678";
        assert_eq!(text(dec(big).unwrap()), big);
        assert_eq!(
            text(dec(&format!("-0.{big}")).unwrap()),
            format!("-0.{big}")
        );
        assert!(dec("~").is_err());
        assert!(dec("NaN").is_err());
        assert_eq!(int_value("42").unwrap(), Value::Int(42));
        assert_eq!(
            int_value("-9223372036854775808").unwrap(),
            Value::Int(i64::MIN)
        );
        assert!(int_value(big).unwrap_err().contains("64-bit"));
        assert!(int_value("1.5").is_err());
        assert_eq!(bool_value("TRUE").unwrap(), Value::Bool(true));
        assert_eq!(bool_value("0").unwrap(), Value::Bool(false));
        assert!(bool_value("2").is_err());
    }

    #[test]
    fn text_with_replacement_characters_fails_the_row() {
        assert_eq!(
            text_value("Zoë".into()).unwrap(),
            Value::Text(Cow::Owned("Zoë".into()))
        );
        let why = text_value("Zo\u{FFFD}".into()).unwrap_err();
        assert!(
            why.contains("not valid in the database character set"),
            "{why}"
        );
    }

    #[test]
    fn dates_and_timestamps_keep_every_field_and_years_before_christ() {
        let date_ty = NeutralType::Timestamp { precision: Some(0) };
        let ts = Timestamp::new(2024, 2, 29, 23, 59, 59, 0).unwrap();
        let Value::Timestamp(dt) = timestamp_value(&ts, &date_ty).unwrap() else {
            panic!("a DATE is a timestamp")
        };
        assert_eq!(dt.to_string(), "2024-02-29T23:59:59");

        let ts = Timestamp::new(2024, 1, 2, 3, 4, 5, 123_456_789).unwrap();
        let ts_ty = NeutralType::Timestamp { precision: Some(9) };
        let Value::Timestamp(dt) = timestamp_value(&ts, &ts_ty).unwrap() else {
            panic!("a TIMESTAMP is a timestamp")
        };
        assert_eq!(dt.time.nanos, 123_456_789);

        // Oracle's first day, 1 January 4712 BC, is astronomical year -4711; the archive
        // writes it in ISO 8601's expanded form.
        let first = Timestamp::new(-4712, 1, 1, 0, 0, 0, 0).unwrap();
        let v = timestamp_value(&first, &date_ty).unwrap();
        let mut csv = Vec::new();
        v.write_csv(&mut csv);
        assert_eq!(String::from_utf8(csv).unwrap(), "-4711-01-01T00:00:00");
        let Value::Timestamp(dt) = v else { panic!() };
        assert_eq!(oracle_timestamp(dt).unwrap().year(), -4712);
        let one_bc = Timestamp::new(-1, 12, 31, 0, 0, 0, 0).unwrap();
        let Value::Timestamp(dt) = timestamp_value(&one_bc, &date_ty).unwrap() else {
            panic!()
        };
        assert_eq!(dt.date.year, 0);
        let last = Timestamp::new(9999, 12, 31, 23, 59, 59, 0).unwrap();
        assert!(timestamp_value(&last, &date_ty).is_ok());

        // A Julian-only leap day is not moved: the row fails.
        let julian = Timestamp::new(1500, 2, 29, 0, 0, 0, 0).unwrap();
        let why = timestamp_value(&julian, &date_ty).unwrap_err();
        assert!(why.contains("Julian"), "{why}");
        let zero = Timestamp::new(0, 1, 1, 0, 0, 0, 0).unwrap();
        assert!(timestamp_value(&zero, &date_ty).is_err());
    }

    #[test]
    fn timestamps_with_zones_keep_their_offset() {
        let tz = NeutralType::TimestampTz {
            precision: Some(6),
            local: false,
        };
        let ts = Timestamp::new(2024, 7, 1, 12, 0, 0, 500_000)
            .unwrap()
            .and_tz_hm_offset(-3, -30)
            .unwrap();
        let v = timestamp_value(&ts, &tz).unwrap();
        let mut csv = Vec::new();
        v.write_csv(&mut csv);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "2024-07-01T12:00:00.0005-03:30"
        );
        let local = NeutralType::TimestampTz {
            precision: Some(6),
            local: true,
        };
        let utc = Timestamp::new(2024, 7, 1, 10, 0, 0, 0)
            .unwrap()
            .and_tz_offset(0)
            .unwrap();
        assert!(matches!(
            timestamp_value(&utc, &local).unwrap(),
            Value::TimestampTz(_, 0)
        ));
    }

    #[test]
    fn intervals_become_months_or_days_and_nanoseconds() {
        let ym = IntervalYM::new(-1, -2).unwrap();
        assert_eq!(
            interval_ym_value(&ym),
            Value::Interval(Interval {
                months: -14,
                days: 0,
                nanos: 0
            })
        );
        let ds_ty = NeutralType::Interval {
            fields: IntervalFields::DayToSecond,
            leading_precision: Some(9),
            fractional_precision: Some(9),
        };
        let ds = IntervalDS::new(3, 4, 5, 6, 7).unwrap();
        assert_eq!(
            interval_ds_value(&ds, &ds_ty).unwrap(),
            Value::Interval(Interval {
                months: 0,
                days: 3,
                nanos: ((4 * 60 + 5) * 60 + 6) * 1_000_000_000 + 7,
            })
        );
        let neg = IntervalDS::new(-1, -2, 0, 0, -500_000_000).unwrap();
        let v = interval_ds_value(&neg, &ds_ty).unwrap();
        assert_eq!(v.clone().into_owned(), v);
        let Value::Interval(iv) = v else { panic!() };
        assert_eq!(interval_ds(iv), Some(neg));
        let time = NeutralType::Time { precision: Some(3) };
        assert_eq!(
            interval_ds_value(&IntervalDS::new(0, 8, 5, 3, 120_000_000).unwrap(), &time).unwrap(),
            Value::Time(Time::new(8, 5, 3, 120_000_000).unwrap())
        );
        assert!(interval_ds_value(&IntervalDS::new(1, 0, 0, 0, 0).unwrap(), &time).is_err());
    }

    #[test]
    fn columns_are_fetched_by_their_neutral_type() {
        let t = sample();
        let fetches: Vec<Fetch> = t.columns.iter().map(|c| fetch_of(c, None)).collect();
        use Fetch as F;
        assert_eq!(
            fetches,
            [
                F::Decimal,
                F::Decimal,
                F::Text,
                F::Text,
                F::Text,
                F::Text,
                F::Text,
                F::Text,
                F::Text,
                F::Probe,
                F::DateTime,
                F::DateTime,
                F::Bytes
            ]
        );
        assert_eq!(
            fetch_of(&t.columns[9], Some(&SourceMask::NullOnly)),
            F::Text
        );
        let shift = SourceMask::ShiftDays {
            days: 3,
            key: [0; 32],
        };
        assert_eq!(fetch_of(&t.columns[10], Some(&shift)), F::DateTime);
        let bfile = unsupported(&t.columns[9]);
        assert!(
            bfile.contains("BFILE") && bfile.contains("constant"),
            "{bfile}"
        );
        let other = Column::test("X", "MDSYS.SDO_TOPO_GEOMETRY", NeutralType::Other);
        assert!(unsupported(&other).contains("MDSYS.SDO_TOPO_GEOMETRY"));
        assert!(is_lob(&t.columns[4], None));
        assert!(!is_lob(&t.columns[4], Some(&SourceMask::Digest)));
        assert!(is_lob(
            &Column::test(
                "L",
                "LONG",
                NeutralType::Lob {
                    lob: LobKind::Character
                }
            ),
            None
        ));
    }

    #[test]
    fn keys_encode_alike_whatever_the_number_precision() {
        assert_eq!(
            OwnedKey::of(Value::Decimal(Cow::Borrowed("42"))),
            OwnedKey::Int(42)
        );
        assert_eq!(OwnedKey::of(Value::Int(42)), OwnedKey::Int(42));
        assert_eq!(
            OwnedKey::of(Value::Decimal(Cow::Borrowed("4.2"))),
            OwnedKey::Text("4.2".into())
        );
        let big = "123456789012345678901234567890";
        assert_eq!(
            OwnedKey::of(Value::Decimal(Cow::Borrowed(big))),
            OwnedKey::Text(big.into())
        );
        let ts = Timestamp::new(2024, 1, 2, 3, 4, 5, 0).unwrap();
        let date = timestamp_value(&ts, &NeutralType::Timestamp { precision: Some(0) }).unwrap();
        let k = OwnedKey::of(date);
        assert_eq!(k, OwnedKey::Text("2024-01-02T03:04:05".into()));
        // And back: the text binds as the DATE it came from.
        let column = Column::test("D", "DATE", NeutralType::Timestamp { precision: Some(0) });
        assert_eq!(key_bind(Some(&column), k.as_key()).unwrap(), Bind::Date(ts));
    }

    /// Live: runs when DBSUB_TEST_ORACLE_URL names a database whose user may create tables.
    #[test]
    fn live_rows_read_as_of_one_scn() {
        let Ok(raw) = std::env::var("DBSUB_TEST_ORACLE_URL") else {
            eprintln!("Oracle live row test skipped: DBSUB_TEST_ORACLE_URL is not set");
            return;
        };
        if raw.trim().is_empty() {
            return;
        }
        let url = DbUrl::new(DbKind::Oracle, &raw);
        let conn = session(&url).unwrap();
        let _ = conn.execute("DROP TABLE DBSUB_ROWS_T PURGE", &[]);
        conn.execute(
            "CREATE TABLE DBSUB_ROWS_T (ID NUMBER(10) PRIMARY KEY, AMOUNT NUMBER, \
             NAME VARCHAR2(30), BORN DATE, SEEN TIMESTAMP(6) WITH TIME ZONE, \
             WAIT INTERVAL DAY(2) TO SECOND(6), PHOTO RAW(4), NOTE CLOB)",
            &[],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO DBSUB_ROWS_T VALUES (1, -0.5, 'Ann', \
             TO_DATE('-4712-01-01', 'SYYYY-MM-DD'), \
             TIMESTAMP '2024-07-01 12:00:00.5 -03:30', INTERVAL '1 02:03:04.5' DAY TO SECOND, \
             HEXTORAW('00FF'), 'long text')",
            &[],
        )
        .unwrap();
        conn.commit().unwrap();
        let user: String = conn.query_row_as("SELECT USER FROM DUAL", &[]).unwrap();
        let catalog_table = Table::test(
            &user,
            "DBSUB_ROWS_T",
            vec![
                Column::test("ID", "NUMBER(10)", number(10, 0)),
                Column::test(
                    "AMOUNT",
                    "NUMBER",
                    NeutralType::Decimal {
                        precision: None,
                        scale: None,
                    },
                ),
                Column::test("NAME", "VARCHAR2(30)", varchar(30)),
                Column::test(
                    "BORN",
                    "DATE",
                    NeutralType::Timestamp { precision: Some(0) },
                ),
                Column::test(
                    "SEEN",
                    "TIMESTAMP(6) WITH TIME ZONE",
                    NeutralType::TimestampTz {
                        precision: Some(6),
                        local: false,
                    },
                ),
                Column::test(
                    "WAIT",
                    "INTERVAL DAY(2) TO SECOND(6)",
                    NeutralType::Interval {
                        fields: IntervalFields::DayToSecond,
                        leading_precision: Some(2),
                        fractional_precision: Some(6),
                    },
                ),
                Column::test(
                    "PHOTO",
                    "RAW(4)",
                    NeutralType::Binary {
                        length: Some(4),
                        fixed: false,
                    },
                ),
                Column::test(
                    "NOTE",
                    "CLOB",
                    NeutralType::Lob {
                        lob: LobKind::Character,
                    },
                ),
            ],
        );
        // Two readers on one SCN when the user may read it; else one read-only transaction.
        let mut sources = match open_sources(&url, 2) {
            Ok(sources) => {
                assert_eq!(sources[0].snapshot(), sources[1].snapshot());
                assert_eq!(sources[0].snapshot().kind, "SCN");
                sources
            }
            Err(e) => {
                assert!(e.to_string().contains("--jobs 1"), "{e:#}");
                let sources = open_sources(&url, 1).unwrap();
                assert_eq!(sources[0].snapshot().kind, "read-only transaction");
                sources
            }
        };
        // A row written after the snapshot is not seen.
        conn.execute("INSERT INTO DBSUB_ROWS_T (ID, NAME) VALUES (2, 'Bob')", &[])
            .unwrap();
        conn.commit().unwrap();
        let columns: Vec<&Column> = catalog_table.columns.iter().collect();
        let mut rows = Vec::new();
        let last = sources.len() - 1;
        sources[last]
            .read_rows(
                &ReadRequest {
                    table: &catalog_table,
                    columns: &columns,
                    masks: &[],
                    order_by: &[KeyColumn::Column("ID".into())],
                    filter: RowFilter::All,
                    skip: 0,
                },
                &mut |values| {
                    let mut line = Vec::new();
                    for v in values {
                        v.write_csv(&mut line);
                        line.push(b'|');
                    }
                    rows.push(String::from_utf8(line).unwrap());
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            rows,
            [
                "1|-0.5|Ann|-4711-01-01T00:00:00|2024-07-01T12:00:00.5-03:30|P1DT2H3M4.5S|00ff|long text|"
            ]
        );
        let mut keys_seen = Vec::new();
        let id = [KeyColumn::Column("ID".into())];
        sources[0]
            .scan_keys(&catalog_table, &id, &id, RowFilter::All, &mut |k| {
                keys_seen.push(format!("{k:?}"));
                Ok(())
            })
            .unwrap();
        assert_eq!(keys_seen, ["[Int(1)]"]);
        drop(sources);
        let _ = conn.execute("DROP TABLE DBSUB_ROWS_T PURGE", &[]);
    }

    #[test]
    fn masked_columns_are_computed_by_the_server_with_bound_keys() {
        let text = Column::test(
            "EMAIL",
            "",
            NeutralType::Text {
                length: Some(80),
                semantics: LengthSemantics::Char,
                fixed: false,
            },
        );
        let (sql, binds) = mask_select(&text, &SourceMask::NullOnly, 0);
        assert_eq!(sql, r#"CASE WHEN "EMAIL" IS NULL THEN NULL ELSE 't' END"#);
        assert!(binds.is_empty());
        let (sql, binds) = mask_select(&text, &SourceMask::Digest, 0);
        assert_eq!(
            sql,
            format!(
                "LOWER(RAWTOHEX(STANDARD_HASH(UTL_I18N.STRING_TO_RAW(TO_CHAR(\"EMAIL\"), \
                 'AL32UTF8'), 'SHA256'))) || REGEXP_REPLACE(TRANSLATE(TO_CHAR(\"EMAIL\"), \
                 '{}', '{}'), '[^ -~' || CHR(9) || CHR(10) || CHR(13) || ']', '*')",
                crate::model::mask::SHAPE_FROM,
                crate::model::mask::SHAPE_TO
            )
        );
        assert!(binds.is_empty());
        let born = Column::test("BORN", "", NeutralType::Timestamp { precision: Some(0) });
        let key = [3u8; 32];
        let (sql, binds) = mask_select(&born, &SourceMask::ShiftDays { days: 30, key }, 2);
        let k = "MOD(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_o, \
                 STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_i, UTL_I18N.STRING_TO_RAW(\
                 TO_CHAR(\"BORN\", 'YYYY-MM-DD HH24:MI:SS'), 'AL32UTF8')), 'SHA256')), \
                 'SHA256')), 1, 8), 'XXXXXXXX'), 60)";
        assert_eq!(
            sql,
            format!("\"BORN\" + NUMTODSINTERVAL({k} - 30 + TRUNC({k} / 30), 'DAY')")
        );
        let (inner, outer) = crate::model::mask::hmac_pads(&key);
        assert_eq!(
            binds,
            vec![
                ("dbsub_mask_2_i".to_string(), inner),
                ("dbsub_mask_2_o".to_string(), outer)
            ]
        );
        // The key is bound, never in the SQL.
        assert!(!sql.contains("0303"));
    }
}
