//! The source's query text: a read's or a key scan's `SELECT … FROM … AS OF SCN :scn`, its
//! `WHERE` over a seed's condition or a lookup's keys, its `ORDER BY` and `OFFSET`, the select
//! expressions that turn the types the driver cannot fetch into text, and the masks computed by
//! the server ([`mask_select`]). Each query is built as text plus named binds ([`Query`]), every
//! key bound typed as its column ([`Bind`], [`key_bind`]).
//!
//! Separate from the source because it is pure: no connection, every query golden-tested in
//! `tests.rs`.

/// The longest text a VARCHAR2 bind carries into SQL (`MAX_STRING_SIZE = STANDARD`).
const MAX_TEXT_BIND_BYTES: usize = 4000;

use anyhow::{Result, anyhow, bail};
use oracle::sql_type::{IntervalDS, IntervalYM, OracleType, Timestamp, ToSql};

use super::convert::oracle_timestamp;
use super::{MAX_BATCH, table_column};
use crate::catalog::*;
use crate::db::sql::range::{chunk_where, decode_key};
use crate::db::sql::{double_quote, params};
use crate::model::key::{self, KeyValue};
use crate::model::mask::SourceMask;
use crate::model::row::{KeyColumn, RowFilter};
use crate::model::text::{canonical_decimal, decode, parse_datetime};
use crate::model::value::{Interval, Value};

/// A query and its named binds (names without the colon).
#[derive(Debug, PartialEq)]
pub(super) struct Query {
    pub(super) sql: String,
    pub(super) binds: Vec<(String, Bind)>,
    /// Whether a column is fetched as a LOB ([`LOB_FETCH_ROWS`](super::LOB_FETCH_ROWS)).
    pub(super) reads_lobs: bool,
    /// Rows of the result to drop here before the first one read: a resumed read of a LONG
    /// column, which OFFSET cannot skip on the server.
    pub(super) skip_here: u64,
}

/// A value bound into a query, with the Oracle type it is bound as: the column's own type,
/// so that a lookup compares without converting the column (and uses its index).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Bind {
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
///
/// A global temporary table is read without `AS OF SCN`: its rows are each session's own, so
/// the extract's session sees none at any SCN, and there is no shared state to be consistent
/// with.
fn from_clause(table: &Table, scn: Option<&str>, binds: &mut Vec<(String, Bind)>) -> String {
    let as_of = match scn.filter(|_| table.temporary.is_none()) {
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

/// ` WHERE …` for `filter`, a seed condition's parameters bound as `:w<i>`, its key values bound as `:k<i>` (one key column) or `:k<i>_<j>`,
/// each typed as its column ([`key_bind`]); a ROWID key is bound as text through CHARTOROWID.
fn where_clause(
    table: &Table,
    filter: RowFilter<'_>,
    binds: &mut Vec<(String, Bind)>,
) -> Result<String> {
    match filter {
        // A scan kept by a key set: the whole table, the keys checked on the client.
        RowFilter::All | RowFilter::Among { .. } => Ok(String::new()),
        RowFilter::Partition { .. } => bail!(
            "{}.{}: the Oracle source reads no partitions on their own",
            table.schema,
            table.name
        ),
        RowFilter::Range { condition, range } => {
            let condition = match condition {
                Some(condition) => {
                    // ` WHERE (<condition>)`: the condition, bound as a seed's.
                    let clause = where_clause(table, RowFilter::Where(condition), binds)?;
                    let text = clause
                        .strip_prefix(" WHERE (")
                        .and_then(|t| t.strip_suffix(')'));
                    Some(text.unwrap_or(&clause).to_string())
                }
                None => None,
            };
            let columns: Vec<String> = range.columns.iter().map(key_column_sql).collect();
            chunk_where(condition, &columns, &range, &mut |key, end| {
                range_end(table, range.columns, key, end, binds)
            })
        }
        RowFilter::Where(condition) => {
            // Named binds of dbsub's own (`:w1`), so that a user's `:scn` or `:k1` cannot meet
            // dbsub's; bound as VARCHAR2, which Oracle converts to the type the condition
            // compares with (dates and timestamps by the session's ISO formats, [`SESSION`]).
            //
            // [`SESSION`]: super::SESSION
            let (text, values) = params::bind(condition, false, &|i| format!(":w{}", i + 1))?;
            // A VARCHAR2 bind in SQL holds at most 4000 bytes (MAX_STRING_SIZE = STANDARD).
            if let Some(long) = values.iter().find(|v| v.len() > MAX_TEXT_BIND_BYTES) {
                bail!(
                    "a parameter of the condition `{}` is {} bytes long; Oracle compares at most \
                     {MAX_TEXT_BIND_BYTES} bytes of bound text: shorten the value",
                    condition.sql,
                    long.len()
                );
            }
            binds.extend(
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("w{}", i + 1), Bind::Varchar(v.to_string()))),
            );
            Ok(format!(" WHERE ({text})"))
        }
        RowFilter::Above { column, value, and } => {
            // The mark is bound typed as its column ([`key_bind`]): a date compares as a date,
            // whatever the session's NLS formats.
            let target = table_column(table, column)?;
            let bind = key_bind(Some(target), KeyValue::Text(value)).map_err(|why| {
                anyhow!(
                    "{}.{}, the high-water mark {value:?} of column {column}: {why}",
                    table.schema,
                    table.name
                )
            })?;
            binds.push(("mark".to_string(), bind));
            let mut sql = format!(" WHERE ({} > :mark)", double_quote(column));
            if let Some(condition) = and {
                let more = where_clause(table, RowFilter::Where(condition), binds)?;
                sql.push_str(&more.replacen(" WHERE ", " AND ", 1));
            }
            Ok(sql)
        }
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
                    items.push(bind_key_value(table, *target, value, name, binds)?);
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

/// The placeholders of one end of a chunk's key range, its values bound as `:<end><j>`, each
/// typed as its column ([`key_bind`]); a ROWID through CHARTOROWID. Each placeholder appears
/// several times in a composite key's range: a named bind binds every occurrence of its name.
fn range_end(
    table: &Table,
    columns: &[KeyColumn],
    key: &[u8],
    end: &str,
    binds: &mut Vec<(String, Bind)>,
) -> Result<Vec<String>> {
    let values = decode_key(key, columns.len())?;
    let mut placeholders = Vec::with_capacity(values.len());
    for (j, (value, column)) in values.into_iter().zip(columns).enumerate() {
        let target = match column {
            KeyColumn::Locator => None,
            KeyColumn::Column(name) => Some(table_column(table, name)?),
        };
        let name = format!("{end}{}", j + 1);
        placeholders.push(bind_key_value(table, target, value, name, binds)?);
    }
    Ok(placeholders)
}

/// Binds one key value as `:name`, typed as its column `target` ([`key_bind`]; `None`: the
/// ROWID), and returns its placeholder (through CHARTOROWID for a ROWID).
fn bind_key_value(
    table: &Table,
    target: Option<&Column>,
    value: KeyValue<'_>,
    name: String,
    binds: &mut Vec<(String, Bind)>,
) -> Result<String> {
    let bind = key_bind(target, value).map_err(|why| {
        anyhow!(
            "{}.{}, key column {}: {why}",
            table.schema,
            table.name,
            target.map_or("ROWID", |c| c.name.as_str())
        )
    })?;
    let placeholder = match target {
        None => format!("CHARTOROWID(:{name})"),
        Some(_) => format!(":{name}"),
    };
    binds.push((name, bind));
    Ok(placeholder)
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
pub(super) fn is_lob(column: &Column, mask: Option<&SourceMask>) -> bool {
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
/// ([`mask_select`], whose HMAC pads are bound as RAW by name). An expression is named
/// `dbsub_c<i>` (its position): Oracle needs distinct names under OFFSET, and a name of its own
/// cannot capture a column in ORDER BY.
/// Fails naming the table and column when a mask cannot be computed by the server.
pub(super) fn select_list(
    table: &Table,
    columns: &[&Column],
    masks: &[Option<SourceMask>],
) -> Result<(String, Vec<(String, Bind)>)> {
    let alias = double_quote(&table.name);
    let mut binds = Vec::new();
    let mut masked = 0;
    let mut items = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let expr = match masks.get(i).and_then(Option::as_ref) {
            Some(mask) => {
                if let Some(why) = mask_refusal(column, mask) {
                    bail!(
                        "{}.{} column {} ({}) cannot be masked: {why}",
                        table.schema,
                        table.name,
                        column.name,
                        column.native_type
                    );
                }
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
    Ok((items.join(", "), binds))
}

/// Why the server cannot compute `mask` for `column`, and what it can; `None` when it can.
/// Masked values never leave the source, so nothing is masked here instead.
pub(super) fn mask_refusal(column: &Column, mask: &SourceMask) -> Option<String> {
    let native = column.native_type.trim().to_ascii_uppercase();
    if native.starts_with("LONG") {
        // SQL Language Reference, LONG data type: a LONG column cannot appear in built-in
        // functions, expressions or conditions, so not even `IS NULL` is computed on it.
        return Some(
            "Oracle allows no function or condition on a LONG column, so the server cannot \
             mask it (no mask works): mark the column keep if it holds no personal data (the \
             plan's [masking.columns], \"TABLE.COLUMN\" = \"keep\"), or convert it to a CLOB \
             (or BLOB) in the source"
                .to_string(),
        );
    }
    let lob_or_object = matches!(
        column.neutral_type,
        NeutralType::Lob { .. }
            | NeutralType::Xml
            | NeutralType::Json
            | NeutralType::Spatial { .. }
    );
    match mask {
        // TO_CHAR of a CLOB longer than a VARCHAR2 fails (ORA-22835); it takes no BLOB,
        // XMLTYPE, JSON or SDO_GEOMETRY at all.
        SourceMask::Digest if lob_or_object => Some(
            "pseudonym and fake read the value as text with TO_CHAR, which fails on a CLOB over \
             4000 bytes (ORA-22835) and takes no BLOB, XMLTYPE, JSON or SDO_GEOMETRY: mask the \
             column with constant, which works for it (the plan's [masking.columns], \
             \"TABLE.COLUMN\" = \"constant\")"
                .to_string(),
        ),
        _ => None,
    }
}

/// The query of [`RowSource::read_rows`](crate::model::ports::RowSource::read_rows):
/// `SELECT <select_list>[, ROWID][, <a lookup's key columns>] FROM … AS OF SCN :scn …
/// [WHERE …] [ORDER BY …] [OFFSET :skip_rows ROWS] [FETCH FIRST :limit_rows ROWS ONLY]`.
/// Skipping and limiting are done by the server (12c and later, which dbsub needs anyway for its
/// masks' STANDARD_HASH), so skipped rows do not cross the network and a sample's query stops
/// at its limit.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_query(
    table: &Table,
    columns: &[&Column],
    masks: &[Option<SourceMask>],
    order_by: &[KeyColumn],
    filter: RowFilter<'_>,
    skip: u64,
    limit: Option<u64>,
    scn: Option<&str>,
    locator: bool,
) -> Result<Query> {
    let (list, mut binds) = select_list(table, columns, masks)?;
    let rowid = if locator {
        ", ROWIDTOCHAR(ROWID) AS dbsub_rowid"
    } else {
        ""
    };
    // A lookup's rows go on in the order of its keys, and a scan kept by a key set keeps its
    // rows by them: their key columns are read too, as the key scan reads them.
    let keys = match filter {
        RowFilter::In { columns, .. } | RowFilter::Among { columns, .. } => {
            key_select(table, columns)?
                .into_iter()
                .enumerate()
                .map(|(i, expr)| format!(", {expr} AS dbsub_k{}", i + 1))
                .collect()
        }
        _ => String::new(),
    };
    let (skip, limit) = filter.in_query(skip, limit);
    let mut sql = format!("SELECT {list}{rowid}{keys}");
    sql.push_str(&from_clause(table, scn, &mut binds));
    sql.push_str(&where_clause(table, filter, &mut binds)?);
    sql.push_str(&order_clause(order_by));
    // Oracle rewrites OFFSET into an inline view with ROW_NUMBER(), and a LONG may not be in a
    // subquery's select list (ORA-00997): the rows of a table with a LONG are skipped here.
    let long = columns.iter().any(|c| {
        c.native_type
            .trim()
            .to_ascii_uppercase()
            .starts_with("LONG")
    });
    // For the same reason a table with a LONG is not limited in the query: its reader stops.
    let mut skip_here = 0;
    if skip > 0 && long {
        skip_here = skip;
    } else if skip > 0 {
        sql.push_str(" OFFSET :skip_rows ROWS");
        binds.push(("skip_rows".to_string(), Bind::Number(skip.to_string())));
    }
    if let Some(limit) = limit.filter(|_| !long) {
        sql.push_str(" FETCH FIRST :limit_rows ROWS ONLY");
        binds.push(("limit_rows".to_string(), Bind::Number(limit.to_string())));
    }
    let reads_lobs = columns
        .iter()
        .enumerate()
        .any(|(i, c)| is_lob(c, masks.get(i).and_then(Option::as_ref)));
    Ok(Query {
        sql,
        binds,
        reads_lobs,
        skip_here,
    })
}

/// The query of [`RowSource::high_water`](crate::model::ports::RowSource::high_water):
/// the highest value of `column`, read as a read reads it.
pub(super) fn high_water_query(table: &Table, column: &Column, scn: Option<&str>) -> Query {
    let mut binds = Vec::new();
    let mut sql = format!(
        "SELECT MAX({})",
        select_expr(column, &double_quote(&table.name))
    );
    sql.push_str(&from_clause(table, scn, &mut binds));
    Query {
        sql,
        binds,
        reads_lobs: false,
        skip_here: 0,
    }
}

/// The query of [`RowSource::scan_keys`](crate::model::ports::RowSource::scan_keys): the key columns (ROWID as text), filtered and
/// ordered like a read.
pub(super) fn keys_query(
    table: &Table,
    columns: &[KeyColumn],
    order_by: &[KeyColumn],
    filter: RowFilter<'_>,
    scn: Option<&str>,
) -> Result<Query> {
    let mut binds = Vec::new();
    let mut sql = format!("SELECT {}", key_select(table, columns)?.join(", "));
    sql.push_str(&from_clause(table, scn, &mut binds));
    sql.push_str(&where_clause(table, filter, &mut binds)?);
    sql.push_str(&order_clause(order_by));
    Ok(Query {
        sql,
        binds,
        reads_lobs: false,
        skip_here: 0,
    })
}

/// The select expressions of key columns: ROWID as text, a column as a read reads it.
fn key_select(table: &Table, columns: &[KeyColumn]) -> Result<Vec<String>> {
    let alias = double_quote(&table.name);
    columns
        .iter()
        .map(|k| match k {
            KeyColumn::Locator => Ok("ROWIDTOCHAR(ROWID)".to_string()),
            KeyColumn::Column(name) => Ok(select_expr(table_column(table, name)?, &alias)),
        })
        .collect()
}

/// A key value as a bind typed for `column` (`None`: the ROWID locator, bound as text).
/// Keys come from [`OwnedKey::of`](super::convert::OwnedKey::of): whole numbers as integers, other decimals, dates and
/// intervals as their archive text, which is parsed back here.
pub(super) fn key_bind(column: Option<&Column>, value: KeyValue<'_>) -> Result<Bind, String> {
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
pub(super) fn interval_ds(iv: Interval) -> Option<IntervalDS> {
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
