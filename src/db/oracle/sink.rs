//! Oracle row sink: loads an extract into a local test Oracle database.
//!
//! Rows go in with array DML ([`oracle::Batch`]): `INSERT … VALUES (:1, …)`, or for `--merge`
//! `MERGE … USING (SELECT :1 "A", … FROM DUAL)`, [`BATCH_ROWS_VAR`] rows per round trip, every
//! value bound with a type taken from its target column ([`Slot`]). XMLTYPE, JSON and
//! SDO_GEOMETRY columns get their bind wrapped in the type's constructor ([`Wrap`]).
//!
//! Oracle commits before and after every DDL statement. What a load switches off — the loaded
//! tables' enabled triggers, `GENERATED ALWAYS` on the identity columns it writes, and foreign
//! keys whose parents are not in the extract — is therefore switched off before the load's
//! transaction begins, and switched on again after its commit or rollback: always, also when
//! the load fails ([`Switched`]); a failure to switch something back on is added to the
//! outcome with the statement to run. Only a process killed in between leaves them off
//! (`ALL_TRIGGERS.STATUS`, `ALL_CONSTRAINTS.STATUS` and `ALL_TAB_IDENTITY_COLS` show it).
//!
//! The session is fixed by [`SESSION`]: UTC, `.` as the decimal point, ISO date formats, so
//! that nothing depends on the server's or the client's NLS settings.

use std::borrow::Cow;

use anyhow::{Context, Result, anyhow, bail};
use oracle::sql_type::{IntervalDS, IntervalYM, OracleType, Timestamp, ToSql};
use oracle::{Batch, Connection};

use super::OracleDb;
use crate::catalog::*;
use crate::db::sql::double_quote;
use crate::model::DbUrl;
use crate::model::ports::{
    CatalogReader, CycleHandling, INGEST_HISTORY, LoadMode, LoadRecord, RowSink, TableLoad,
};
use crate::model::text::decimal_from_f64;
use crate::model::value::{DateTime, Interval, Time, Value};

/// The session settings the sink relies on, run once after connecting: timestamps without a
/// zone are not shifted, numbers and dates converted from text (columns dbsub does not map)
/// are read the same whatever the server's NLS settings.
const SESSION: [&str; 5] = [
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
    "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
    "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
    "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
    "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
];

/// The setting for the rows sent per round trip (array DML), read once when the sink opens.
pub const BATCH_ROWS_VAR: &str = "DBSUB_ORACLE_BATCH_ROWS";

/// Rows per round trip when [`BATCH_ROWS_VAR`] is not set.
pub const DEFAULT_BATCH_ROWS: usize = 1000;

/// The most rows per round trip: the bind buffers of one batch live in memory at once.
const MAX_BATCH_ROWS: usize = 100_000;

/// A text bind starts with this many bytes per row; the driver grows it when a longer value
/// comes, so wide columns do not cost their full width times the batch size up front.
const INITIAL_TEXT_BYTES: u32 = 256;

/// The rows per round trip that `setting` (the value of [`BATCH_ROWS_VAR`]) asks for.
fn batch_rows(setting: Option<&str>) -> Result<usize> {
    super::rows_setting(BATCH_ROWS_VAR, setting, DEFAULT_BATCH_ROWS, MAX_BATCH_ROWS)
}

// ---------------------------------------------------------------------------------------------
// Binds: how a target column's values are bound.

/// The type a column's values are bound as.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Slot {
    /// A 64-bit integer (integer columns, NUMBER(1) booleans).
    Int,
    /// NUMBER from decimal text: every digit kept, no NLS dependence (the driver parses it).
    Number,
    /// BINARY_DOUBLE; Oracle converts it for BINARY_FLOAT and FLOAT(b) columns.
    Double,
    /// Oracle 23ai's BOOLEAN.
    Boolean,
    Varchar(u32),
    NVarchar(u32),
    /// CHAR and NCHAR bind blank-padded, so that a merge matches padded keys.
    Char(u32),
    NChar(u32),
    Clob,
    NClob,
    Long,
    Raw(u32),
    Blob,
    LongRaw,
    /// DATE: a date and a time of day to the second.
    Date,
    Timestamp,
    /// TIMESTAMP WITH [LOCAL] TIME ZONE, bound with the value's offset.
    TimestampTz,
    IntervalDs,
    IntervalYm,
}

impl Slot {
    fn oracle_type(&self) -> OracleType {
        match *self {
            Slot::Int => OracleType::Int64,
            Slot::Number => OracleType::Number(0, 0),
            Slot::Double => OracleType::BinaryDouble,
            Slot::Boolean => OracleType::Boolean,
            Slot::Varchar(n) => OracleType::Varchar2(n),
            Slot::NVarchar(n) => OracleType::NVarchar2(n),
            Slot::Char(n) => OracleType::Char(n),
            Slot::NChar(n) => OracleType::NChar(n),
            Slot::Clob => OracleType::CLOB,
            Slot::NClob => OracleType::NCLOB,
            Slot::Long => OracleType::Long,
            Slot::Raw(n) => OracleType::Raw(n),
            Slot::Blob => OracleType::BLOB,
            Slot::LongRaw => OracleType::LongRaw,
            Slot::Date => OracleType::Date,
            Slot::Timestamp => OracleType::Timestamp(9),
            Slot::TimestampTz => OracleType::TimestampTZ(9),
            Slot::IntervalDs => OracleType::IntervalDS(9, 9),
            Slot::IntervalYm => OracleType::IntervalYM(9),
        }
    }

    fn is_text(&self) -> bool {
        matches!(
            self,
            Slot::Varchar(_)
                | Slot::NVarchar(_)
                | Slot::Char(_)
                | Slot::NChar(_)
                | Slot::Clob
                | Slot::NClob
                | Slot::Long
        )
    }

    fn is_binary(&self) -> bool {
        matches!(self, Slot::Raw(_) | Slot::Blob | Slot::LongRaw)
    }
}

/// How a column's bind appears in the statement. A NULL never reaches a constructor: the
/// wrapped forms test a flag bind (1 or NULL) first, and Oracle evaluates CASE lazily.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrap {
    /// `:n`
    Plain,
    /// `XMLTYPE(:n)` of the text as a CLOB.
    Xml,
    /// `JSON(:n)` of the text as a CLOB (Oracle 21c's JSON type).
    Json,
    /// `SDO_GEOMETRY(:wkt, :srid)` (12.1 and later): the EWKT's `SRID=n;` split off and bound
    /// as a number.
    Spatial,
}

impl Wrap {
    /// The binds one value takes.
    fn binds(self) -> usize {
        match self {
            Wrap::Plain => 1,
            Wrap::Xml | Wrap::Json => 2,
            Wrap::Spatial => 3,
        }
    }

    /// The expression for a value whose binds start at position `n`.
    fn expr(self, n: usize) -> String {
        match self {
            Wrap::Plain => format!(":{n}"),
            Wrap::Xml => format!(
                "CASE WHEN :{n} IS NULL THEN NULL ELSE XMLTYPE(:{}) END",
                n + 1
            ),
            Wrap::Json => format!("CASE WHEN :{n} IS NULL THEN NULL ELSE JSON(:{}) END", n + 1),
            Wrap::Spatial => format!(
                "CASE WHEN :{n} IS NULL THEN NULL ELSE SDO_GEOMETRY(:{}, :{}) END",
                n + 1,
                n + 2
            ),
        }
    }
}

/// The type name of a native type: upper case, without its length or precision and without
/// the owner of an object type (`MDSYS.SDO_GEOMETRY` → `SDO_GEOMETRY`).
fn native_name(native: &str) -> String {
    let upper = native.trim().to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or_default().trim();
    let base = base.rsplit('.').next().unwrap_or(base);
    base.trim_matches('"').to_string()
}

/// The bytes a text of `length` in `semantics` may take in UTF-8, for the first bind buffer.
fn text_bytes(length: Option<u32>, semantics: LengthSemantics) -> u32 {
    let most = match (length, semantics) {
        (Some(n), LengthSemantics::Byte) => n,
        (Some(n), LengthSemantics::Char) => n.saturating_mul(4),
        (None, _) => INITIAL_TEXT_BYTES,
    };
    most.clamp(1, INITIAL_TEXT_BYTES)
}

/// The slot of a character column, by its native type first.
fn text_slot(native: &str, fixed: bool, national: bool, bytes: u32) -> Slot {
    match native {
        "CLOB" => Slot::Clob,
        "NCLOB" => Slot::NClob,
        "LONG" => Slot::Long,
        "CHAR" => Slot::Char(bytes),
        "NCHAR" => Slot::NChar(bytes),
        "VARCHAR2" | "VARCHAR" => Slot::Varchar(bytes),
        "NVARCHAR2" => Slot::NVarchar(bytes),
        _ => match (national, fixed) {
            (false, false) => Slot::Varchar(bytes),
            (false, true) => Slot::Char(bytes),
            (true, false) => Slot::NVarchar(bytes),
            (true, true) => Slot::NChar(bytes),
        },
    }
}

fn binary_slot(native: &str, length: Option<u32>) -> Slot {
    match native {
        "BLOB" => Slot::Blob,
        "LONG RAW" => Slot::LongRaw,
        "RAW" => Slot::Raw(length.unwrap_or(16).clamp(1, 2000)),
        _ => match length {
            Some(n) if n <= 2000 => Slot::Raw(n.max(1)),
            _ => Slot::Blob,
        },
    }
}

/// The slot of a document (JSON, XML, WKT) kept in a plain column.
fn document_slot(native: &str) -> Slot {
    match native {
        "BLOB" => Slot::Blob,
        "CLOB" | "NCLOB" | "LONG" | "CHAR" | "NCHAR" | "NVARCHAR2" | "VARCHAR2" | "VARCHAR" => {
            text_slot(native, false, false, INITIAL_TEXT_BYTES)
        }
        _ => Slot::Clob,
    }
}

/// How the values of `column` are bound: its slot and its wrap. `Err` says why the column
/// cannot be loaded at all.
fn plan_column(column: &Column) -> Result<(Slot, Wrap), String> {
    use NeutralType as N;
    let native = native_name(&column.native_type);
    let plain = |slot: Slot| Ok((slot, Wrap::Plain));
    match &column.neutral_type {
        N::Boolean if native == "BOOLEAN" => plain(Slot::Boolean),
        N::Boolean | N::Integer { .. } => plain(Slot::Int),
        N::Decimal { .. } => plain(Slot::Number),
        N::Float { .. } => plain(Slot::Double),
        N::Text {
            length,
            semantics,
            fixed,
        } => plain(text_slot(
            &native,
            *fixed,
            false,
            text_bytes(*length, *semantics),
        )),
        N::NationalText { length, fixed } => plain(text_slot(
            &native,
            *fixed,
            true,
            text_bytes(*length, LengthSemantics::Char),
        )),
        N::Binary { length, .. } => plain(binary_slot(&native, *length)),
        N::Uuid if matches!(native.as_str(), "RAW" | "BLOB") => plain(binary_slot(&native, None)),
        N::Uuid => plain(text_slot(&native, false, false, 36)),
        N::Date => plain(Slot::Date),
        N::Time { .. } => plain(Slot::IntervalDs),
        N::Timestamp { .. } if native == "DATE" => plain(Slot::Date),
        N::Timestamp { .. } => plain(Slot::Timestamp),
        N::TimestampTz { .. } => plain(Slot::TimestampTz),
        N::Interval {
            fields: IntervalFields::YearToMonth,
            ..
        } => plain(Slot::IntervalYm),
        N::Interval { .. } => plain(Slot::IntervalDs),
        N::Lob {
            lob: LobKind::Character,
        } if native == "NCLOB" => plain(Slot::NClob),
        N::Lob {
            lob: LobKind::Character,
        } => plain(Slot::Clob),
        N::Lob {
            lob: LobKind::National,
        } => plain(Slot::NClob),
        N::Lob {
            lob: LobKind::Binary,
        } => plain(binary_slot(&native, None)),
        N::Lob { lob: LobKind::File } => Err(
            "a BFILE points at a file on the database server, which an extract does not \
                  carry: leave the column out of the target table (or make it a BLOB) and \
                  apply the migrations again"
                .to_string(),
        ),
        N::Json if native == "JSON" => Ok((Slot::Clob, Wrap::Json)),
        N::Xml if native == "XMLTYPE" => Ok((Slot::Clob, Wrap::Xml)),
        N::Spatial { .. } if native == "SDO_GEOMETRY" => Ok((Slot::Clob, Wrap::Spatial)),
        N::Json | N::Xml | N::Spatial { .. } => plain(document_slot(&native)),
        // Oracle converts the text: a ROWID's, or a type dbsub does not map.
        N::RowId | N::Other => plain(text_slot(&native, false, false, 64)),
    }
}

/// One value as it is bound, borrowing text and bytes from the row.
#[derive(Clone, Debug)]
enum Bound<'v> {
    Null,
    Int(i64),
    Number(Cow<'v, str>),
    Double(f64),
    Bool(bool),
    Text(&'v str),
    Bytes(Cow<'v, [u8]>),
    Timestamp(Timestamp),
    IntervalDs(IntervalDS),
    IntervalYm(IntervalYM),
}

/// The NULL of every slot: a bind whose type is set takes a NULL of any Rust type.
static NULL: Option<i64> = None;

impl Bound<'_> {
    fn sql(&self) -> &dyn ToSql {
        match self {
            Bound::Null => &NULL,
            Bound::Int(i) => i,
            Bound::Number(Cow::Borrowed(s)) => s,
            Bound::Number(Cow::Owned(s)) => s,
            Bound::Double(f) => f,
            Bound::Bool(b) => b,
            Bound::Text(s) => s,
            Bound::Bytes(Cow::Borrowed(b)) => b,
            Bound::Bytes(Cow::Owned(b)) => b,
            Bound::Timestamp(t) => t,
            Bound::IntervalDs(i) => i,
            Bound::IntervalYm(i) => i,
        }
    }
}

/// The binds of one value: one, or up to three for a wrapped column.
struct Binds<'v> {
    items: [Bound<'v>; 3],
    len: usize,
}

impl<'v> Binds<'v> {
    fn one(bound: Bound<'v>) -> Binds<'v> {
        Binds {
            items: [bound, Bound::Null, Bound::Null],
            len: 1,
        }
    }

    fn of(items: [Bound<'v>; 3], len: usize) -> Binds<'v> {
        Binds { items, len }
    }

    fn iter(&self) -> impl Iterator<Item = &Bound<'v>> {
        self.items[..self.len].iter()
    }
}

/// What a value is, for messages.
fn value_kind(value: &Value<'_>) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Decimal(_) => "a decimal number",
        Value::Float(_) => "a floating-point number",
        Value::Text(_) => "text",
        Value::Bytes(_) => "binary data",
        Value::Date(_) => "a date",
        Value::Time(_) => "a time of day",
        Value::Timestamp(_) => "a timestamp",
        Value::TimestampTz(..) => "a timestamp with a time zone",
        Value::Interval(_) => "an interval",
    }
}

/// A value bound into `slot`, for a column of type `neutral`. `Err` says why the value cannot
/// go into the column.
fn bind_value<'v>(
    value: &'v Value<'_>,
    slot: &Slot,
    neutral: &NeutralType,
) -> Result<Bound<'v>, String> {
    let refused = || {
        Err(format!(
            "{} cannot be stored in this column (bound as {:?})",
            value_kind(value),
            slot.oracle_type()
        ))
    };
    Ok(match (slot, value) {
        (_, Value::Null) => Bound::Null,
        (Slot::Int | Slot::Number, Value::Int(i)) => Bound::Int(*i),
        (Slot::Int | Slot::Number, Value::Bool(b)) => Bound::Int(i64::from(*b)),
        (Slot::Int, Value::Decimal(d)) => match d.parse::<i64>() {
            Ok(i) => Bound::Int(i),
            Err(_) => {
                return Err(format!(
                    "{d} is not a whole number within 64 bits; the column holds integers"
                ));
            }
        },
        (Slot::Number, Value::Decimal(d)) => Bound::Number(Cow::Borrowed(d.as_ref())),
        (Slot::Number, Value::Float(f)) => match decimal_from_f64(*f) {
            Some(d) => Bound::Number(Cow::Owned(d)),
            None => {
                return Err(format!(
                    "{f} has no NUMBER form: declare the column BINARY_DOUBLE in the target to \
                     keep NaN and infinities"
                ));
            }
        },
        (Slot::Double, Value::Float(f)) => Bound::Double(*f),
        (Slot::Double, Value::Int(i)) => {
            let f = *i as f64;
            if f as i64 != *i || f.abs() >= 9.2e18 {
                return Err(format!(
                    "{i} has more digits than a BINARY_DOUBLE keeps: declare the column NUMBER \
                     in the target"
                ));
            }
            Bound::Double(f)
        }
        (Slot::Double, Value::Decimal(d)) => match d.parse::<f64>() {
            Ok(f) => Bound::Double(f),
            Err(_) => return refused(),
        },
        (Slot::Boolean, Value::Bool(b)) => Bound::Bool(*b),
        (Slot::Boolean, Value::Int(i @ (0 | 1))) => Bound::Bool(*i == 1),
        (s, Value::Text(t)) if s.is_text() => Bound::Text(t.as_ref()),
        (s, Value::Bytes(b)) if s.is_binary() => Bound::Bytes(Cow::Borrowed(b.as_ref())),
        (s, Value::Text(t)) if s.is_binary() => match neutral {
            NeutralType::Uuid => Bound::Bytes(Cow::Owned(uuid_bytes(t)?)),
            NeutralType::Json | NeutralType::Xml | NeutralType::Spatial { .. } => {
                Bound::Bytes(Cow::Borrowed(t.as_bytes()))
            }
            _ => return refused(),
        },
        (Slot::Date | Slot::Timestamp, Value::Date(d)) => Bound::Timestamp(timestamp(
            DateTime {
                date: *d,
                time: Time {
                    hour: 0,
                    minute: 0,
                    second: 0,
                    nanos: 0,
                },
            },
            None,
        )?),
        (Slot::Date, Value::Timestamp(dt)) if dt.time.nanos != 0 => {
            return Err(
                "a DATE keeps whole seconds and the value has a fraction of a second (it would \
                 be cut): declare the column TIMESTAMP in the target"
                    .to_string(),
            );
        }
        (Slot::Date | Slot::Timestamp, Value::Timestamp(dt)) => {
            Bound::Timestamp(timestamp(*dt, None)?)
        }
        (Slot::TimestampTz, Value::TimestampTz(dt, offset)) => {
            Bound::Timestamp(timestamp(*dt, Some(*offset))?)
        }
        (Slot::IntervalDs, Value::Time(t)) if matches!(neutral, NeutralType::Time { .. }) => {
            Bound::IntervalDs(
                IntervalDS::new(
                    0,
                    i32::from(t.hour),
                    i32::from(t.minute),
                    i32::from(t.second),
                    t.nanos as i32,
                )
                .map_err(|e| e.to_string())?,
            )
        }
        (Slot::IntervalDs, Value::Interval(iv))
            if matches!(neutral, NeutralType::Interval { .. }) =>
        {
            Bound::IntervalDs(interval_ds(iv)?)
        }
        (Slot::IntervalYm, Value::Interval(iv)) => Bound::IntervalYm(interval_ym(iv)?),
        _ => return refused(),
    })
}

/// The year Oracle writes for an astronomical year: there is no year 0, 1 BC is -1.
fn oracle_year(year: i32) -> Result<i32, String> {
    let oracle = if year >= 1 { year } else { year - 1 };
    if (-4712..=9999).contains(&oracle) {
        Ok(oracle)
    } else {
        Err(format!(
            "the year {year} is outside what Oracle stores (4712 BC to 9999 AD)"
        ))
    }
}

/// A date and time as Oracle binds it, with an offset from UTC in seconds when it has one.
fn timestamp(dt: DateTime, offset: Option<i32>) -> Result<Timestamp, String> {
    let ts = Timestamp::new(
        oracle_year(dt.date.year)?,
        u32::from(dt.date.month),
        u32::from(dt.date.day),
        u32::from(dt.time.hour),
        u32::from(dt.time.minute),
        u32::from(dt.time.second),
        dt.time.nanos,
    )
    .map_err(|e| e.to_string())?;
    let Some(offset) = offset else {
        return Ok(ts);
    };
    if offset % 60 != 0 || !(-12 * 3600..=14 * 3600).contains(&offset) {
        return Err(format!(
            "the offset {offset} s from UTC is not one Oracle keeps (whole minutes from -12:00 \
             to +14:00)"
        ));
    }
    ts.and_tz_offset(offset).map_err(|e| e.to_string())
}

const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;

/// An interval of days and time: months do not fit.
fn interval_ds(iv: &Interval) -> Result<IntervalDS, String> {
    if iv.months != 0 {
        return Err(format!(
            "the interval {iv} has months, which an INTERVAL DAY TO SECOND column does not keep"
        ));
    }
    let total = i128::from(iv.days) * NANOS_PER_DAY + iv.nanos;
    let sign = if total < 0 { -1 } else { 1 };
    let abs = total.abs();
    let days = abs / NANOS_PER_DAY;
    let rest = abs % NANOS_PER_DAY;
    if days > 999_999_999 {
        return Err(format!(
            "the interval {iv} is longer than Oracle's 999999999 days"
        ));
    }
    let second = 1_000_000_000i128;
    let part = |v: i128| sign * v as i32;
    IntervalDS::new(
        part(days),
        part(rest / (3600 * second)),
        part(rest / (60 * second) % 60),
        part(rest / second % 60),
        part(rest % second),
    )
    .map_err(|e| e.to_string())
}

/// An interval of years and months: days and time do not fit.
fn interval_ym(iv: &Interval) -> Result<IntervalYM, String> {
    if iv.days != 0 || iv.nanos != 0 {
        return Err(format!(
            "the interval {iv} has days or time, which an INTERVAL YEAR TO MONTH column does \
             not keep"
        ));
    }
    let years = iv.months / 12;
    if years.abs() > 999_999_999 {
        return Err(format!(
            "the interval {iv} is longer than Oracle's 999999999 years"
        ));
    }
    IntervalYM::new(years as i32, (iv.months % 12) as i32).map_err(|e| e.to_string())
}

/// The 16 bytes of a UUID written as text (`8-4-4-4-12` hexadecimal digits, braces allowed).
fn uuid_bytes(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .trim_matches(|c| c == '{' || c == '}')
        .bytes()
        .filter(|&b| b != b'-')
        .collect();
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    if digits.len() != 32 {
        return Err(format!("`{text}` is not a UUID"));
    }
    digits
        .chunks_exact(2)
        .map(|pair| match (nibble(pair[0]), nibble(pair[1])) {
            (Some(high), Some(low)) => Ok(high << 4 | low),
            _ => Err(format!("`{text}` is not a UUID")),
        })
        .collect()
}

/// An EWKT's SRID and its WKT: `SRID=4326;POINT(1 2)` → (4326, `POINT(1 2)`).
fn split_ewkt(text: &str) -> Result<(Option<i64>, &str), String> {
    let trimmed = text.trim_start();
    let Some(rest) = trimmed
        .get(..5)
        .filter(|head| head.eq_ignore_ascii_case("SRID="))
        .and_then(|_| trimmed.get(5..))
    else {
        return Ok((None, text));
    };
    let Some((srid, wkt)) = rest.split_once(';') else {
        return Err(format!(
            "`{text}` has `SRID=` but no `;` before the geometry"
        ));
    };
    let srid = srid
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("`{srid}` in `SRID={srid};` is not a number"))?;
    Ok((Some(srid), wkt))
}

/// A loaded column: where its value is in the row, and how it is bound.
struct ColumnPlan<'a> {
    column: &'a Column,
    /// The value's position in the feed's rows.
    index: usize,
    slot: Slot,
    wrap: Wrap,
}

impl ColumnPlan<'_> {
    /// The binds of `value`, in the order of [`Wrap::expr`].
    fn bind<'v>(&self, value: &'v Value<'_>) -> Result<Binds<'v>, String> {
        let neutral = &self.column.neutral_type;
        match (self.wrap, value) {
            (Wrap::Plain, _) => Ok(Binds::one(bind_value(value, &self.slot, neutral)?)),
            (wrap, Value::Null) => Ok(Binds::of(
                [Bound::Null, Bound::Null, Bound::Null],
                wrap.binds(),
            )),
            (Wrap::Xml | Wrap::Json, Value::Text(t)) => Ok(Binds::of(
                [Bound::Int(1), Bound::Text(t.as_ref()), Bound::Null],
                2,
            )),
            (Wrap::Spatial, Value::Text(t)) => {
                let (srid, wkt) = split_ewkt(t)?;
                Ok(Binds::of(
                    [
                        Bound::Int(1),
                        Bound::Text(wkt),
                        srid.map_or(Bound::Null, Bound::Int),
                    ],
                    3,
                ))
            }
            (_, other) => Err(format!(
                "{} cannot be stored in this column (it takes text)",
                value_kind(other)
            )),
        }
    }
}

/// A table's load: its statement and the binds of each row.
struct TablePlan<'a> {
    table: &'a Table,
    columns: Vec<ColumnPlan<'a>>,
    /// Every bind's slot, in position order.
    slots: Vec<Slot>,
    sql: String,
}

impl<'a> TablePlan<'a> {
    /// Plans the load of `columns` (in the feed's order) into `table`. Virtual columns are left
    /// out: Oracle computes them. Fails naming every column that cannot be loaded, and a merge
    /// key that is not among the loaded columns.
    fn new(
        table: &'a Table,
        columns: &[&'a Column],
        key: &[String],
        mode: LoadMode,
    ) -> Result<TablePlan<'a>> {
        let mut planned = Vec::with_capacity(columns.len());
        let mut problems = Vec::new();
        for (index, &column) in columns.iter().enumerate() {
            if column.generated.is_some() {
                continue;
            }
            match plan_column(column) {
                Ok((slot, wrap)) => planned.push(ColumnPlan {
                    column,
                    index,
                    slot,
                    wrap,
                }),
                Err(why) => problems.push(format!(
                    "column {} ({}): {why}",
                    column.name, column.native_type
                )),
            }
        }
        if !problems.is_empty() {
            bail!(
                "{} cannot be loaded: {}",
                qualified(table),
                problems.join("; ")
            );
        }
        if planned.is_empty() {
            bail!(
                "{} cannot be loaded: the extract has none of its stored columns",
                qualified(table)
            );
        }
        let mut slots = Vec::new();
        let mut exprs = Vec::with_capacity(planned.len());
        for plan in &planned {
            exprs.push((
                double_quote(&plan.column.name),
                plan.wrap.expr(slots.len() + 1),
            ));
            for _ in 0..plan.wrap.binds() {
                slots.push(plan.slot.clone());
            }
        }
        let sql = match mode {
            LoadMode::Insert => insert_sql(&qualified(table), &exprs),
            LoadMode::Merge => {
                let missing: Vec<&String> = key
                    .iter()
                    .filter(|k| !planned.iter().any(|p| &p.column.name == *k))
                    .collect();
                if key.is_empty() || !missing.is_empty() {
                    bail!(
                        "--merge matches the rows of {} by ({}), and the extract lacks {}: load \
                         it with --refreshdb instead",
                        qualified(table),
                        key.join(", "),
                        missing
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                let key: Vec<String> = key.iter().map(|k| double_quote(k)).collect();
                merge_sql(&qualified(table), &exprs, &key)
            }
        };
        Ok(TablePlan {
            table,
            columns: planned,
            slots,
            sql,
        })
    }

    /// The loaded NUMBER columns with a precision, as `NAME NUMBER(p,s)`: where ORA-01438
    /// comes from.
    fn bounded_numbers(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|p| {
                matches!(
                    p.column.neutral_type,
                    NeutralType::Decimal {
                        precision: Some(_),
                        ..
                    } | NeutralType::Integer { .. }
                        | NeutralType::Boolean
                ) && native_name(&p.column.native_type) == "NUMBER"
            })
            .map(|p| format!("{} {}", p.column.name, p.column.native_type))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// SQL text.

/// `"SCHEMA"."NAME"`
fn qualified(table: &Table) -> String {
    qualified_name(&table.schema, &table.name)
}

fn qualified_name(schema: &str, name: &str) -> String {
    format!("{}.{}", double_quote(schema), double_quote(name))
}

/// `INSERT INTO t ("A", …) VALUES (:1, …)` from (quoted column, expression) pairs.
fn insert_sql(table: &str, columns: &[(String, String)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let exprs: Vec<&str> = columns.iter().map(|(_, e)| e.as_str()).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        exprs.join(", ")
    )
}

/// A one-row upsert by `key` (quoted names) from (quoted column, expression) pairs; without
/// an UPDATE branch when every column is in the key.
fn merge_sql(table: &str, columns: &[(String, String)], key: &[String]) -> String {
    let select: Vec<String> = columns.iter().map(|(n, e)| format!("{e} {n}")).collect();
    let on: Vec<String> = key.iter().map(|k| format!("d.{k} = s.{k}")).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|(n, _)| !key.contains(n))
        .map(|(n, _)| format!("d.{n} = s.{n}"))
        .collect();
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let values: Vec<String> = columns.iter().map(|(n, _)| format!("s.{n}")).collect();
    let mut sql = format!(
        "MERGE INTO {table} d USING (SELECT {} FROM DUAL) s ON ({})",
        select.join(", "),
        on.join(" AND ")
    );
    if !updates.is_empty() {
        sql.push_str(&format!(
            " WHEN MATCHED THEN UPDATE SET {}",
            updates.join(", ")
        ));
    }
    sql.push_str(&format!(
        " WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    ));
    sql
}

fn delete_sql(table: &Table) -> String {
    format!("DELETE FROM {}", qualified(table))
}

fn count_sql(table: &Table) -> String {
    format!("SELECT COUNT(*) FROM {}", qualified(table))
}

fn disable_constraint_sql(table: &Table, name: &str) -> String {
    format!(
        "ALTER TABLE {} DISABLE CONSTRAINT {}",
        qualified(table),
        double_quote(name)
    )
}

/// `ENABLE VALIDATE` checks every row; `ENABLE NOVALIDATE` only rows written from now on.
fn enable_constraint_sql(table: &Table, name: &str, validate: bool) -> String {
    format!(
        "ALTER TABLE {} ENABLE {} CONSTRAINT {}",
        qualified(table),
        if validate { "VALIDATE" } else { "NOVALIDATE" },
        double_quote(name)
    )
}

fn triggers_sql(table: &Table, enable: bool) -> String {
    format!(
        "ALTER TABLE {} {} ALL TRIGGERS",
        qualified(table),
        if enable { "ENABLE" } else { "DISABLE" }
    )
}

fn enable_trigger_sql(owner: &str, name: &str) -> String {
    format!("ALTER TRIGGER {} ENABLE", qualified_name(owner, name))
}

/// How an identity column generates its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Generation {
    Always,
    ByDefault,
    ByDefaultOnNull,
}

impl Generation {
    /// From `ALL_TAB_IDENTITY_COLS.GENERATION_TYPE` and `ALL_TAB_COLUMNS.DEFAULT_ON_NULL`.
    fn of(generation_type: &str, on_null: Option<&str>) -> Generation {
        match (generation_type, on_null) {
            ("ALWAYS", _) => Generation::Always,
            (_, Some("YES")) => Generation::ByDefaultOnNull,
            _ => Generation::ByDefault,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Generation::Always => "GENERATED ALWAYS AS IDENTITY",
            Generation::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
            Generation::ByDefaultOnNull => "GENERATED BY DEFAULT ON NULL AS IDENTITY",
        }
    }
}

/// Sets how an identity column generates, keeping its sequence; with `past_max`, also moves
/// the sequence past the column's largest value (`START WITH LIMIT VALUE`).
fn identity_sql(table: &Table, column: &str, generation: Generation, past_max: bool) -> String {
    format!(
        "ALTER TABLE {} MODIFY ({} {}{})",
        qualified(table),
        double_quote(column),
        generation.sql(),
        if past_max {
            " (START WITH LIMIT VALUE)"
        } else {
            ""
        }
    )
}

/// Oracle 18c and later: the next value of the sequence becomes `next`.
fn sequence_restart_sql(sequence: &ObjectKey, next: i128) -> String {
    format!(
        "ALTER SEQUENCE {} RESTART START WITH {next}",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

/// Before 18c a sequence cannot restart: its increment is set to the gap, one value drawn,
/// and the increment set back.
fn sequence_increment_sql(sequence: &ObjectKey, by: i128) -> String {
    format!(
        "ALTER SEQUENCE {} INCREMENT BY {by}",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

fn nextval_sql(sequence: &ObjectKey) -> String {
    format!(
        "SELECT {}.NEXTVAL FROM DUAL",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

/// The largest (or, for a descending sequence, smallest) value of a column, as text.
fn extreme_sql(table: &Table, column: &str, largest: bool) -> String {
    format!(
        "SELECT {}({}) FROM {}",
        if largest { "MAX" } else { "MIN" },
        double_quote(column),
        qualified(table)
    )
}

/// The load records' table; its name unquoted, as the other sinks write it.
fn history_ddl() -> String {
    format!(
        "CREATE TABLE {INGEST_HISTORY} (TABLE_NAME VARCHAR2(512) PRIMARY KEY, \
         EXTRACT_NAME CLOB NOT NULL, ROW_COUNT NUMBER(20) NOT NULL, \
         LOADED_AT VARCHAR2(64) NOT NULL, RECORD CLOB NOT NULL)"
    )
}

fn history_delete_sql() -> String {
    format!("DELETE FROM {INGEST_HISTORY} WHERE TABLE_NAME = :1")
}

fn history_insert_sql() -> String {
    format!(
        "INSERT INTO {INGEST_HISTORY} (TABLE_NAME, EXTRACT_NAME, ROW_COUNT, LOADED_AT, RECORD) \
         VALUES (:1, :2, :3, :4, :5)"
    )
}

fn history_select_sql() -> String {
    format!("SELECT TABLE_NAME, RECORD FROM {INGEST_HISTORY} ORDER BY TABLE_NAME")
}

const HISTORY_EXISTS_SQL: &str = "SELECT COUNT(*) FROM USER_TABLES WHERE TABLE_NAME = :1";

const TRIGGERS_SQL: &str = "SELECT OWNER, TRIGGER_NAME, STATUS FROM ALL_TRIGGERS \
                            WHERE TABLE_OWNER = :1 AND TABLE_NAME = :2 \
                            AND BASE_OBJECT_TYPE = 'TABLE' ORDER BY OWNER, TRIGGER_NAME";

const IDENTITY_SQL: &str = "SELECT i.COLUMN_NAME, i.GENERATION_TYPE, c.DEFAULT_ON_NULL \
                            FROM ALL_TAB_IDENTITY_COLS i JOIN ALL_TAB_COLUMNS c \
                            ON c.OWNER = i.OWNER AND c.TABLE_NAME = i.TABLE_NAME \
                            AND c.COLUMN_NAME = i.COLUMN_NAME \
                            WHERE i.OWNER = :1 AND i.TABLE_NAME = :2 ORDER BY i.COLUMN_NAME";

const CONSTRAINT_STATE_SQL: &str = "SELECT STATUS, VALIDATED FROM ALL_CONSTRAINTS \
                                    WHERE OWNER = :1 AND TABLE_NAME = :2 \
                                    AND CONSTRAINT_NAME = :3";

const CONSTRAINT_TABLE_SQL: &str =
    "SELECT TABLE_NAME FROM ALL_CONSTRAINTS WHERE OWNER = :1 AND CONSTRAINT_NAME = :2";

const SEQUENCE_INCREMENT_SQL: &str = "SELECT INCREMENT_BY FROM ALL_SEQUENCES \
                                      WHERE SEQUENCE_OWNER = :1 AND SEQUENCE_NAME = :2";

// ---------------------------------------------------------------------------------------------
// Messages.

/// A driver error as text: Oracle's own `ORA-nnnnn: …` where there is one.
fn ora(e: &oracle::Error) -> String {
    e.db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// The names Oracle quotes in a message: `"S"."T"."C"` → `S`, `T`, `C`.
fn quoted_names(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

/// The constraint an ORA-00001/02291/02292/02298 message names: `(OWNER.NAME)`.
fn constraint_in(message: &str) -> Option<(&str, &str)> {
    let start = message.find('(')? + 1;
    let end = start + message[start..].find(')')?;
    message[start..end].split_once('.')
}

/// Why one row of a batch failed, and what to do. `row` counts the table's rows from 1 across
/// its parts in order; `before_here` is how many rows before the one whose location the feed
/// adds (when the batch was sent from inside the feed); `more` counts the batch's other
/// failed rows.
fn row_failure(
    table: &str,
    numbers: &[String],
    code: i32,
    message: &str,
    row: u64,
    before_here: Option<usize>,
    more: usize,
) -> String {
    let at = match before_here {
        Some(0) => format!("this row (row {row} of {table})"),
        Some(n) => format!(
            "the row {n} rows before this one, in the batch sent here (row {row} of {table}, \
             counting its rows across its parts in order)"
        ),
        None => format!("row {row} of {table} (counting its rows across its parts in order)"),
    };
    let names = quoted_names(message);
    let column = names.get(2).copied().unwrap_or("?");
    let what = match code {
        12899 => format!(
            "column {column}: the value is longer than the column holds ({message}): widen the \
             column in the target (VARCHAR2(n CHAR) counts characters, VARCHAR2(n) bytes), or \
             apply the migrations that match the extract"
        ),
        1438 => format!(
            "a number has more digits than its column allows ({message}); the NUMBER columns \
             with a precision are {}: widen the column in the target, or apply the migrations \
             that match the extract",
            if numbers.is_empty() {
                "none of the loaded ones".to_string()
            } else {
                numbers.join(", ")
            }
        ),
        1400 => format!(
            "column {column} is NOT NULL in the target and the row has no value ({message}): \
             apply the migrations that match the extract"
        ),
        1 => format!(
            "{message}: a row with the same key is already in {table}: run again with \
             --refreshdb to replace the rows, or --merge to upsert them"
        ),
        2291 => format!(
            "{message}: the row's parent is not in the target: load the parent table first, \
             or run verify to see what is missing (no row is ever deleted to make a key hold)"
        ),
        2290 => format!(
            "{message}: the row breaks a check constraint of the target: the target's check \
             differs from the source's; apply the migrations that match the extract"
        ),
        _ => message.to_string(),
    };
    let others = match more {
        0 => String::new(),
        1 => "; 1 more row of the same batch failed too".to_string(),
        n => format!("; {n} more rows of the same batch failed too"),
    };
    format!("{at}: {what}{others}")
}

/// The message for a foreign key that did not validate and stays disabled.
fn not_validated(table: &Table, name: &str, reason: &str, orphans: Option<u64>) -> String {
    let rows = match orphans {
        Some(0) | None => String::new(),
        Some(1) => format!(" (1 row of {} has no parent)", table.name),
        Some(n) => format!(" ({n} rows of {} have no parent)", table.name),
    };
    format!(
        "foreign key {}.{name} did not validate{rows}: {reason}; it is left DISABLED and no \
         row was deleted: load the missing parent rows (or fix the rows yourself), then run \
         {}",
        qualified(table),
        enable_constraint_sql(table, name, true)
    )
}

/// `error`, with what went wrong afterwards (switching things back on) added.
fn with_also(error: anyhow::Error, also: &[String]) -> anyhow::Error {
    if also.is_empty() {
        error
    } else {
        anyhow!("{error:#}; besides: {}", also.join("; "))
    }
}

// ---------------------------------------------------------------------------------------------
// The sink.

/// Loads rows into a local test Oracle database with array DML ([`BATCH_ROWS_VAR`] rows per
/// round trip); each [`RowSink::load`] is one transaction.
pub struct OracleSink {
    db: OracleDb,
    batch_rows: usize,
    /// The catalog read by [`RowSink::catalog`], kept to find the sequences the tables'
    /// triggers draw from.
    catalog: Option<Catalog>,
}

/// Something switched off before a load's transaction, and the statements that switch it on
/// again after its commit or after its rollback.
struct Switched {
    what: String,
    after_commit: Vec<String>,
    after_rollback: Vec<String>,
}

impl OracleSink {
    /// Connects to the Oracle database `url` names and sets the session up (`SESSION`).
    ///
    /// Fails when [`BATCH_ROWS_VAR`] is not a number of rows, when Oracle Instant Client is
    /// missing, or when the database cannot be reached or refuses the login; the message names
    /// the (redacted) URL.
    pub fn open(url: &DbUrl) -> Result<OracleSink> {
        let batch_rows = batch_rows(std::env::var(BATCH_ROWS_VAR).ok().as_deref())?;
        let db = OracleDb {
            conn: super::connect(url)?,
            url: url.clone(),
        };
        for statement in SESSION {
            db.conn
                .execute(statement, &[])
                .map_err(|e| anyhow!("cannot set up the session on {url}: {}", ora(&e)))?;
        }
        Ok(OracleSink {
            db,
            batch_rows,
            catalog: None,
        })
    }

    /// The rows sent per round trip ([`BATCH_ROWS_VAR`]).
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    fn conn(&self) -> &Connection {
        &self.db.conn
    }

    fn fail(&self, what: &str, e: &oracle::Error) -> anyhow::Error {
        anyhow!("{what} in {}: {}", self.db.url, ora(e))
    }

    fn run(&self, sql: &str) -> Result<(), oracle::Error> {
        self.conn().execute(sql, &[]).map(|_| ())
    }

    /// Creates the load records' table when it is missing (DDL: before any transaction).
    fn ensure_history(&self) -> Result<()> {
        let name = INGEST_HISTORY.to_ascii_uppercase();
        let count: i64 = self
            .conn()
            .query_row_as(HISTORY_EXISTS_SQL, &[&name])
            .map_err(|e| self.fail("cannot read the tables", &e))?;
        if count > 0 {
            return Ok(());
        }
        match self.run(&history_ddl()) {
            // Another ingest created it meanwhile.
            Err(e) if ora(&e).starts_with("ORA-00955") => Ok(()),
            other => other.map_err(|e| self.fail(&format!("cannot create {name}"), &e)),
        }
    }

    /// The enabled triggers of `table`: (owner, name).
    fn enabled_triggers(&self, table: &Table) -> Result<Vec<(String, String)>> {
        let rows = self
            .conn()
            .query_as::<(String, String, String)>(TRIGGERS_SQL, &[&table.schema, &table.name])
            .map_err(|e| self.fail(&format!("cannot list the triggers of {}", table.name), &e))?;
        let mut out = Vec::new();
        for row in rows {
            let (owner, name, status) = row.map_err(|e| {
                self.fail(&format!("cannot list the triggers of {}", table.name), &e)
            })?;
            if status == "ENABLED" {
                out.push((owner, name));
            }
        }
        Ok(out)
    }

    /// The identity columns of `table` and how they generate (none before Oracle 12c, which
    /// has no identity columns).
    fn identity_columns(&self, table: &Table) -> Result<Vec<(String, Generation)>> {
        let rows = match self.conn().query_as::<(String, String, Option<String>)>(
            IDENTITY_SQL,
            &[&table.schema, &table.name],
        ) {
            Ok(rows) => rows,
            Err(e) if ora(&e).starts_with("ORA-00942") => return Ok(Vec::new()),
            Err(e) => {
                return Err(self.fail(
                    &format!("cannot read the identity columns of {}", table.name),
                    &e,
                ));
            }
        };
        let mut out = Vec::new();
        for row in rows {
            let (column, generation, on_null) = row.map_err(|e| {
                self.fail(
                    &format!("cannot read the identity columns of {}", table.name),
                    &e,
                )
            })?;
            out.push((column, Generation::of(&generation, on_null.as_deref())));
        }
        Ok(out)
    }

    /// Whether a constraint is enabled, and whether it is validated; `None` when there is no
    /// such constraint.
    fn constraint_state(&self, table: &Table, name: &str) -> Result<Option<(bool, bool)>> {
        let row = self.conn().query_row_as::<(String, Option<String>)>(
            CONSTRAINT_STATE_SQL,
            &[&table.schema, &table.name, &name],
        );
        match row {
            Ok((status, validated)) => Ok(Some((
                status == "ENABLED",
                validated.as_deref() == Some("VALIDATED"),
            ))),
            Err(e) if e.kind() == oracle::ErrorKind::NoDataFound => Ok(None),
            Err(e) => Err(self.fail(
                &format!("cannot read foreign key {name} of {}", table.name),
                &e,
            )),
        }
    }

    /// Switches off what a load or an emptying of `tables` must not meet: their enabled
    /// triggers, `GENERATED ALWAYS` on the identity columns `always` names, and the enabled
    /// foreign keys `unchecked` names. Each step is recorded in `done` once it succeeded.
    fn switch_off(
        &self,
        tables: &[&Table],
        always: &[(&Table, String)],
        unchecked: &[(&Table, &str)],
        done: &mut Vec<Switched>,
    ) -> Result<()> {
        for table in tables {
            let triggers = self.enabled_triggers(table)?;
            if triggers.is_empty() {
                continue;
            }
            self.run(&triggers_sql(table, false)).map_err(|e| {
                self.fail(
                    &format!("cannot disable the triggers of {}", table.name),
                    &e,
                )
            })?;
            let back: Vec<String> = triggers
                .iter()
                .map(|(owner, name)| enable_trigger_sql(owner, name))
                .collect();
            done.push(Switched {
                what: format!("the triggers of {}", qualified(table)),
                after_commit: back.clone(),
                after_rollback: back,
            });
        }
        for (table, column) in always {
            self.run(&identity_sql(table, column, Generation::ByDefault, false))
                .map_err(|e| {
                    self.fail(
                        &format!(
                            "cannot let {}.{column} (GENERATED ALWAYS AS IDENTITY) take the \
                             extract's values",
                            table.name
                        ),
                        &e,
                    )
                })?;
            let back = vec![identity_sql(table, column, Generation::Always, false)];
            done.push(Switched {
                what: format!("GENERATED ALWAYS of {}.{column}", qualified(table)),
                after_commit: back.clone(),
                after_rollback: back,
            });
        }
        for (table, name) in unchecked {
            let Some((true, validated)) = self.constraint_state(table, name)? else {
                continue;
            };
            self.run(&disable_constraint_sql(table, name))
                .map_err(|e| {
                    self.fail(
                        &format!("cannot disable foreign key {name} of {}", table.name),
                        &e,
                    )
                })?;
            done.push(Switched {
                what: format!("foreign key {}.{name}", qualified(table)),
                // Its parents are not in the extract: the loaded rows are not checked.
                after_commit: vec![enable_constraint_sql(table, name, false)],
                after_rollback: vec![enable_constraint_sql(table, name, validated)],
            });
        }
        Ok(())
    }

    /// Switches back on what [`OracleSink::switch_off`] switched off, last first, trying every
    /// statement; returns what failed, with the statement to run by hand.
    fn switch_on(&self, done: &[Switched], committed: bool) -> Vec<String> {
        let mut failed = Vec::new();
        for switched in done.iter().rev() {
            let statements = if committed {
                &switched.after_commit
            } else {
                &switched.after_rollback
            };
            for sql in statements {
                if let Err(e) = self.run(sql) {
                    failed.push(format!(
                        "{} could not be switched on again ({}): run `{sql}`",
                        switched.what,
                        ora(&e)
                    ));
                }
            }
        }
        failed
    }

    /// Runs `work` as one transaction between switching off and on again: commits when it
    /// succeeds, rolls back when it fails; whatever was switched off is switched on again in
    /// both cases, and a failure to do so is added to the outcome.
    fn transaction(
        &self,
        tables: &[&Table],
        always: &[(&Table, String)],
        unchecked: &[(&Table, &str)],
        work: &mut dyn FnMut(&Connection) -> Result<()>,
    ) -> Result<()> {
        let mut done = Vec::new();
        let outcome = self
            .switch_off(tables, always, unchecked, &mut done)
            .and_then(|()| work(self.conn()))
            .and_then(|()| {
                self.conn()
                    .commit()
                    .map_err(|e| self.fail("cannot commit", &e))
            });
        let committed = outcome.is_ok();
        let mut also = Vec::new();
        if !committed && let Err(e) = self.conn().rollback() {
            also.push(format!("the rollback failed too ({})", ora(&e)));
        }
        also.extend(self.switch_on(&done, committed));
        match outcome {
            Ok(()) if also.is_empty() => Ok(()),
            Ok(()) => bail!("the rows are in, but {}", also.join("; ")),
            Err(e) => Err(with_also(e, &also)),
        }
    }

    /// The rows of `child` (columns `columns`) whose parent (`parent`, `parent_columns`) is
    /// missing.
    fn orphans(
        &self,
        child: &Table,
        columns: &[String],
        parent: &str,
        parent_columns: &[String],
    ) -> Result<u64> {
        let sql = crate::db::sql::orphans_sql(&qualified(child), columns, parent, parent_columns);
        let count: i64 = self.conn().query_row_as(&sql, &[]).map_err(|e| {
            self.fail(
                &format!("cannot check the rows of {} against {parent}", child.name),
                &e,
            )
        })?;
        Ok(count.max(0) as u64)
    }

    /// The orphans of foreign key `name` of `table`, when the catalog describes it.
    fn key_orphans(&self, table: &Table, name: &str) -> Option<u64> {
        let fk = table.foreign_keys.iter().find(|f| f.name == name)?;
        if fk.ref_columns.is_empty() || fk.ref_columns.len() != fk.columns.len() {
            return None;
        }
        self.orphans(
            table,
            &fk.columns,
            &qualified_name(&fk.ref_schema, &fk.ref_table),
            &fk.ref_columns,
        )
        .ok()
    }

    /// The catalog kept from [`RowSink::catalog`], read now when there is none.
    fn cached_catalog(&mut self) -> Result<&Catalog> {
        if self.catalog.is_none() {
            self.catalog = Some(CatalogReader::read_catalog(&mut self.db, &[])?);
        }
        self.catalog
            .as_ref()
            .ok_or_else(|| anyhow!("the catalog of {} could not be kept", self.db.url))
    }

    /// Moves `sequence` past the loaded keys of `table` (column `key`); says what it did.
    fn advance_sequence(
        &self,
        table: &Table,
        key: &str,
        sequence: &ObjectKey,
    ) -> Result<Option<String>> {
        let seq_name = qualified_name(&sequence.schema, &sequence.name);
        let increment: i64 = self
            .conn()
            .query_row_as(SEQUENCE_INCREMENT_SQL, &[&sequence.schema, &sequence.name])
            .map_err(|e| self.fail(&format!("cannot read sequence {seq_name}"), &e))?;
        let ascending = increment >= 0;
        let extreme: Option<String> = self
            .conn()
            .query_row_as(&extreme_sql(table, key, ascending), &[])
            .map_err(|e| self.fail(&format!("cannot read the keys of {}", table.name), &e))?;
        let Some(loaded) = extreme.and_then(|t| t.trim().parse::<i128>().ok()) else {
            return Ok(None);
        };
        // Drawing one value is the only exact way to know where a cached sequence is.
        let drawn: String = self
            .conn()
            .query_row_as(&nextval_sql(sequence), &[])
            .map_err(|e| self.fail(&format!("cannot read sequence {seq_name}"), &e))?;
        let drawn: i128 = drawn
            .trim()
            .parse()
            .map_err(|_| anyhow!("sequence {seq_name} returned `{drawn}`, not a whole number"))?;
        let behind = if ascending {
            drawn < loaded
        } else {
            drawn > loaded
        };
        if !behind {
            return Ok(None);
        }
        let increment = i128::from(increment);
        let (major, _) = self
            .conn()
            .server_version()
            .map_err(|e| self.fail("cannot read the server version", &e))?;
        if major.major() >= 18 {
            self.run(&sequence_restart_sql(sequence, loaded + increment))
                .map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
        } else {
            // The next value drawn is `loaded`, then the increment is as it was.
            self.run(&sequence_increment_sql(sequence, loaded - drawn))
                .map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
            let jumped: Result<String, _> = self.conn().query_row_as(&nextval_sql(sequence), &[]);
            let restored = self.run(&sequence_increment_sql(sequence, increment));
            jumped.map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
            restored.map_err(|e| {
                self.fail(
                    &format!(
                        "sequence {seq_name} was moved but its increment could not be set \
                         back to {increment}: run `{}`",
                        sequence_increment_sql(sequence, increment)
                    ),
                    &e,
                )
            })?;
        }
        Ok(Some(format!(
            "{}.{} → {} ({}.{key})",
            sequence.schema,
            sequence.name,
            loaded + increment,
            table.name
        )))
    }
}

/// The sequences the triggers of `table` draw from, by the catalog's dependencies (a trigger
/// on the table that depends on a sequence).
fn trigger_sequences(catalog: &Catalog, table: &Table) -> Vec<ObjectKey> {
    let triggers: Vec<ObjectKey> = catalog
        .triggers
        .iter()
        .filter(|t| t.table_schema == table.schema && t.table_name == table.name)
        .map(|t| t.key())
        .collect();
    let mut out: Vec<ObjectKey> = catalog
        .dependencies
        .iter()
        .filter(|d| d.to.kind == ObjectKind::Sequence && triggers.contains(&d.from))
        .map(|d| d.to.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The table's key column when it has exactly one and it holds whole numbers: what a sequence
/// filled through a trigger.
fn single_numeric_key(table: &Table) -> Option<&str> {
    let pk = table.primary_key.as_ref()?;
    let [name] = pk.columns.as_slice() else {
        return None;
    };
    let column = table.column(name)?;
    match column.neutral_type {
        NeutralType::Integer { .. }
        | NeutralType::Decimal {
            scale: None | Some(0),
            ..
        } => Some(name),
        _ => None,
    }
}

/// Sends the batch. A row Oracle refused comes back naming its row in the table (`first` rows
/// were sent before this batch of `rows`), what is wrong and what to do; `inside_feed` when the
/// feed adds the location of the batch's last row.
fn send(
    batch: &mut Batch<'_>,
    plan: &TablePlan<'_>,
    first: u64,
    rows: usize,
    inside_feed: bool,
) -> Result<()> {
    let Err(e) = batch.execute() else {
        return Ok(());
    };
    let table = qualified(plan.table);
    match e.batch_errors().and_then(|errors| {
        errors
            .iter()
            .min_by_key(|d| d.offset())
            .map(|d| (d, errors.len()))
    }) {
        Some((worst, count)) => {
            let offset = worst.offset() as usize;
            bail!(row_failure(
                &table,
                &plan.bounded_numbers(),
                worst.code(),
                worst.message(),
                first + offset as u64 + 1,
                inside_feed.then(|| rows.saturating_sub(offset + 1)),
                count - 1,
            ))
        }
        None => bail!("cannot load {table}: {}", ora(&e)),
    }
}

/// Loads the rows of `load` as `plan` says, `batch_rows` at a time.
fn load_rows(
    conn: &Connection,
    load: &mut TableLoad<'_>,
    plan: &TablePlan<'_>,
    batch_rows: usize,
) -> Result<()> {
    let table = qualified(plan.table);
    let prepare = |e: oracle::Error| anyhow!("cannot prepare the load of {table}: {}", ora(&e));
    let mut batch = conn
        .batch(&plan.sql, batch_rows)
        .with_batch_errors()
        .build()
        .map_err(prepare)?;
    for (i, slot) in plan.slots.iter().enumerate() {
        batch
            .set_type(i + 1, &slot.oracle_type())
            .map_err(prepare)?;
    }
    let mut pending = 0usize;
    let mut sent = 0u64;
    (load.rows)(&mut |values| {
        let mut position = 1;
        for column in &plan.columns {
            let name = &column.column.name;
            let value = values.get(column.index).ok_or_else(|| {
                anyhow!(
                    "the row has {} values; column {name} is value {}",
                    values.len(),
                    column.index + 1
                )
            })?;
            let binds = column
                .bind(value)
                .map_err(|why| anyhow!("column {name} ({}): {why}", column.column.native_type))?;
            for bound in binds.iter() {
                batch
                    .set(position, bound.sql())
                    .map_err(|e| anyhow!("column {name}: {}", ora(&e)))?;
                position += 1;
            }
        }
        batch
            .append_row(&[])
            .map_err(|e| anyhow!("cannot add the row to the batch: {}", ora(&e)))?;
        pending += 1;
        if pending == batch_rows {
            let first = sent;
            sent += pending as u64;
            pending = 0;
            send(&mut batch, plan, first, batch_rows, true)?;
        }
        Ok(())
    })?;
    if pending > 0 {
        send(&mut batch, plan, sent, pending, false)?;
    }
    Ok(())
}

/// Writes a table's load record, in the load's transaction.
fn write_record(conn: &Connection, record: &LoadRecord) -> Result<()> {
    let text = serde_json::to_string(record)
        .map_err(|e| anyhow!("cannot write the load record of {}: {e}", record.table))?;
    let failed =
        |e: oracle::Error| anyhow!("cannot record the load of {}: {}", record.table, ora(&e));
    conn.execute(&history_delete_sql(), &[&record.table])
        .map_err(failed)?;
    conn.execute(
        &history_insert_sql(),
        &[
            &record.table,
            &(&record.extract, &OracleType::CLOB),
            &record.rows,
            &record.loaded_at,
            &(&text, &OracleType::CLOB),
        ],
    )
    .map_err(failed)?;
    Ok(())
}

impl RowSink for OracleSink {
    fn catalog(&mut self) -> Result<Catalog> {
        let catalog = CatalogReader::read_catalog(&mut self.db, &[])?;
        self.catalog = Some(catalog.clone());
        Ok(catalog)
    }

    fn cycle_handling(&self) -> CycleHandling {
        // Oracle switches one constraint off (DDL, committed at once) and validates it when it
        // is switched on: each table loads in its own transaction.
        CycleHandling::Disable
    }

    fn count_rows(&mut self, table: &Table) -> Result<u64> {
        let count: i64 = self
            .conn()
            .query_row_as(&count_sql(table), &[])
            .map_err(|e| self.fail(&format!("cannot count the rows of {}", table.name), &e))?;
        Ok(count.max(0) as u64)
    }

    fn records(&mut self) -> Result<Vec<LoadRecord>> {
        let name = INGEST_HISTORY.to_ascii_uppercase();
        let count: i64 = self
            .conn()
            .query_row_as(HISTORY_EXISTS_SQL, &[&name])
            .map_err(|e| self.fail("cannot read the tables", &e))?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let rows = self
            .conn()
            .query_as::<(String, String)>(&history_select_sql(), &[])
            .map_err(|e| self.fail(&format!("cannot read {name}"), &e))?;
        let mut out = Vec::new();
        for row in rows {
            let (table, text) = row.map_err(|e| self.fail(&format!("cannot read {name}"), &e))?;
            out.push(serde_json::from_str(&text).with_context(|| {
                format!(
                    "the {name} row of {table} is damaged: load that table again with --refreshdb"
                )
            })?);
        }
        Ok(out)
    }

    fn empty(&mut self, tables: &[&Table]) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        self.ensure_history()?;
        let names: Vec<String> = tables.iter().map(|t| qualified(t)).collect();
        let mut blocked: Option<(String, String)> = None;
        let outcome = self.transaction(tables, &[], &[], &mut |conn| {
            for table in tables {
                if let Err(e) = conn.execute(&delete_sql(table), &[]) {
                    let message = ora(&e);
                    if message.starts_with("ORA-02292")
                        && let Some((owner, name)) = constraint_in(&message)
                    {
                        blocked = Some((owner.to_string(), name.to_string()));
                    }
                    bail!("cannot empty {}: {message}", qualified(table));
                }
                conn.execute(&history_delete_sql(), &[&table.name])
                    .map_err(|e| anyhow!("cannot update {INGEST_HISTORY}: {}", ora(&e)))?;
            }
            Ok(())
        });
        let Err(e) = outcome else {
            return Ok(());
        };
        let Some((owner, key)) = blocked else {
            return Err(e);
        };
        // Which table holds the rows that would lose their parents.
        let child: Option<String> = self
            .conn()
            .query_row_as(CONSTRAINT_TABLE_SQL, &[&owner, &key])
            .ok();
        Err(anyhow!(
            "emptying {} would leave rows of {} without their parents (foreign key {owner}.{key}); \
             nothing was deleted: load that table too, or empty it first ({e:#})",
            names.join(", "),
            child.map_or_else(
                || "another table".to_string(),
                |c| qualified_name(&owner, &c)
            ),
        ))
    }

    fn load(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        // Everything that can be refused is refused before anything changes.
        let mut plans = Vec::with_capacity(tables.len());
        for load in tables.iter() {
            plans.push(TablePlan::new(load.table, &load.columns, &load.key, mode)?);
        }
        self.ensure_history()?;
        let loaded: Vec<&Table> = plans.iter().map(|p| p.table).collect();
        let mut always = Vec::new();
        for plan in &plans {
            for (column, generation) in self.identity_columns(plan.table)? {
                let written = plan.columns.iter().any(|c| c.column.name == column);
                if generation == Generation::Always && written {
                    always.push((plan.table, column));
                }
            }
        }
        let unchecked: Vec<(&Table, &str)> = unchecked
            .iter()
            .filter(|(t, _)| loaded.iter().any(|l| l.key() == t.key()))
            .copied()
            .collect();
        let batch_rows = self.batch_rows;
        self.transaction(&loaded, &always, &unchecked, &mut |conn| {
            for (load, plan) in tables.iter_mut().zip(&plans) {
                load_rows(conn, load, plan, batch_rows)?;
                write_record(conn, &load.record)?;
            }
            Ok(())
        })
    }

    /// Disables the keys in order; when one cannot be disabled, the ones before it are
    /// enabled (and validated) again, so that either all or none are off.
    fn disable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        for (i, (table, name)) in keys.iter().enumerate() {
            let Err(e) = self.run(&disable_constraint_sql(table, name)) else {
                continue;
            };
            let mut also = Vec::new();
            for (t, n) in keys[..i].iter().rev() {
                let sql = enable_constraint_sql(t, n, true);
                if let Err(e) = self.run(&sql) {
                    also.push(format!(
                        "foreign key {}.{n} could not be enabled again ({}): run `{sql}`",
                        qualified(t),
                        ora(&e)
                    ));
                }
            }
            return Err(with_also(
                self.fail(
                    &format!("cannot disable foreign key {}.{name}", qualified(table)),
                    &e,
                ),
                &also,
            ));
        }
        Ok(())
    }

    /// Enables and validates every key, also after one fails; fails afterwards naming each key
    /// that did not validate (with its orphan rows), which stays disabled. No row is deleted.
    fn enable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        let mut failed = Vec::new();
        for (table, name) in keys {
            if let Err(e) = self.run(&enable_constraint_sql(table, name, true)) {
                let orphans = self.key_orphans(table, name);
                failed.push(not_validated(table, name, &ora(&e), orphans));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            bail!("{}", failed.join("; "))
        }
    }

    /// Identity columns move with `START WITH LIMIT VALUE` (their generation kept); a sequence
    /// that a trigger of the table draws from (by the catalog's dependencies) moves past the
    /// largest value of the table's single numeric key: `ALTER SEQUENCE … RESTART START WITH`
    /// from 18c, before that by drawing one value with the increment set to the gap.
    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>> {
        let mut moved = Vec::new();
        for (column, generation) in self.identity_columns(table)? {
            let largest: Option<String> = self
                .conn()
                .query_row_as(&extreme_sql(table, &column, true), &[])
                .map_err(|e| self.fail(&format!("cannot read the keys of {}", table.name), &e))?;
            let Some(largest) = largest else {
                continue;
            };
            self.run(&identity_sql(table, &column, generation, true))
                .map_err(|e| {
                    self.fail(
                        &format!("cannot move the identity of {}.{column}", table.name),
                        &e,
                    )
                })?;
            moved.push(format!(
                "{}.{column} identity → past {}",
                table.name,
                largest.trim()
            ));
        }
        let sequences = trigger_sequences(self.cached_catalog()?, table);
        if let Some(key) = single_numeric_key(table) {
            for sequence in &sequences {
                moved.extend(self.advance_sequence(table, key, sequence)?);
            }
        }
        Ok(moved)
    }

    fn count_orphans(
        &mut self,
        child: &Table,
        columns: &[String],
        parent: &Table,
        parent_columns: &[String],
    ) -> Result<u64> {
        self.orphans(child, columns, &qualified(parent), parent_columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Dependency, ForeignKey, Trigger};
    use crate::model::ports::*;
    use crate::model::value::Date;
    use crate::model::value::*;

    fn varchar(n: u32) -> NeutralType {
        NeutralType::Text {
            length: Some(n),
            semantics: LengthSemantics::Char,
            fixed: false,
        }
    }

    fn number(p: u16, s: i16) -> NeutralType {
        NeutralType::Decimal {
            precision: Some(p),
            scale: Some(s),
        }
    }

    /// A bound value as text, for exact comparisons.
    fn shown(bound: &Bound<'_>) -> String {
        match bound {
            Bound::Null => "NULL".into(),
            Bound::Int(i) => format!("int {i}"),
            Bound::Number(n) => format!("number {n}"),
            Bound::Double(f) => format!("double {f}"),
            Bound::Bool(b) => format!("bool {b}"),
            Bound::Text(t) => format!("text {t}"),
            Bound::Bytes(b) => format!("bytes {b:?}"),
            Bound::Timestamp(t) => format!(
                "ts {}-{}-{} {}:{}:{}.{} {:+}:{}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.nanosecond(),
                t.tz_hour_offset(),
                t.tz_minute_offset()
            ),
            Bound::IntervalDs(i) => format!(
                "ds {} {}:{}:{}.{}",
                i.days(),
                i.hours(),
                i.minutes(),
                i.seconds(),
                i.nanoseconds()
            ),
            Bound::IntervalYm(i) => format!("ym {}-{}", i.years(), i.months()),
        }
    }

    fn bind(value: &Value<'_>, col: &Column) -> Result<Vec<String>, String> {
        let (slot, wrap) = plan_column(col)?;
        let plan = ColumnPlan {
            column: col,
            index: 0,
            slot,
            wrap,
        };
        Ok(plan.bind(value)?.iter().map(shown).collect())
    }

    fn bind_one(value: Value<'_>, col: &Column) -> Result<String, String> {
        bind(&value, col).map(|mut v| v.remove(0))
    }

    fn dt(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, n: u32) -> DateTime {
        DateTime {
            date: Date::new(y, mo, d).unwrap(),
            time: Time::new(h, mi, s, n).unwrap(),
        }
    }

    #[test]
    fn the_session_fixes_zone_numbers_and_formats() {
        assert!(SESSION.iter().all(|s| s.starts_with("ALTER SESSION SET ")));
        assert!(SESSION.contains(&"ALTER SESSION SET TIME_ZONE = '+00:00'"));
        assert!(SESSION.contains(&"ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'"));
        assert!(
            SESSION
                .iter()
                .any(|s| s.contains("NLS_DATE_FORMAT = 'YYYY-MM-DD"))
        );
    }

    #[test]
    fn the_batch_size_comes_from_the_environment_within_bounds() {
        assert_eq!(batch_rows(None).unwrap(), 1000);
        assert_eq!(batch_rows(Some("")).unwrap(), 1000);
        assert_eq!(batch_rows(Some(" 250 ")).unwrap(), 250);
        let err = batch_rows(Some("0")).unwrap_err().to_string();
        assert!(err.contains("DBSUB_ORACLE_BATCH_ROWS=0"), "{err}");
        assert!(batch_rows(Some("lots")).is_err());
        assert!(batch_rows(Some("100001")).is_err());
    }

    #[test]
    fn inserts_and_merges_are_built_from_quoted_names_and_binds() {
        let cols = vec![
            ("\"ID\"".to_string(), ":1".to_string()),
            ("\"Name\"".to_string(), ":2".to_string()),
        ];
        assert_eq!(
            insert_sql("\"S\".\"T\"", &cols),
            r#"INSERT INTO "S"."T" ("ID", "Name") VALUES (:1, :2)"#
        );
        assert_eq!(
            merge_sql("\"S\".\"T\"", &cols, &["\"ID\"".to_string()]),
            r#"MERGE INTO "S"."T" d USING (SELECT :1 "ID", :2 "Name" FROM DUAL) s ON (d."ID" = s."ID") WHEN MATCHED THEN UPDATE SET d."Name" = s."Name" WHEN NOT MATCHED THEN INSERT ("ID", "Name") VALUES (s."ID", s."Name")"#
        );
        // Every column in the key: nothing to update.
        assert_eq!(
            merge_sql(
                "\"S\".\"L\"",
                &cols,
                &["\"ID\"".to_string(), "\"Name\"".to_string()]
            ),
            r#"MERGE INTO "S"."L" d USING (SELECT :1 "ID", :2 "Name" FROM DUAL) s ON (d."ID" = s."ID" AND d."Name" = s."Name") WHEN NOT MATCHED THEN INSERT ("ID", "Name") VALUES (s."ID", s."Name")"#
        );
    }

    #[test]
    fn xml_json_and_geometry_binds_are_wrapped_and_numbered_in_order() {
        let t = Table::test(
            "APP",
            "DOC",
            vec![
                Column::test("ID", "NUMBER(10)", number(10, 0)),
                Column::test("BODY", "XMLTYPE", NeutralType::Xml),
                Column::test("META", "JSON", NeutralType::Json),
                Column::test(
                    "AREA",
                    "MDSYS.SDO_GEOMETRY",
                    NeutralType::Spatial { srid: None },
                ),
                Column::test("NOTE", "VARCHAR2(10 CHAR)", varchar(10)),
                {
                    let mut v = Column::test("TOTAL", "NUMBER", number(10, 0));
                    v.generated = Some("\"ID\" * 2".into());
                    v
                },
            ],
        );
        let cols: Vec<&Column> = t.columns.iter().collect();
        let plan = TablePlan::new(&t, &cols, &[], LoadMode::Insert).unwrap();
        assert_eq!(
            plan.sql,
            "INSERT INTO \"APP\".\"DOC\" (\"ID\", \"BODY\", \"META\", \"AREA\", \"NOTE\") VALUES \
             (:1, CASE WHEN :2 IS NULL THEN NULL ELSE XMLTYPE(:3) END, \
             CASE WHEN :4 IS NULL THEN NULL ELSE JSON(:5) END, \
             CASE WHEN :6 IS NULL THEN NULL ELSE SDO_GEOMETRY(:7, :8) END, :9)"
        );
        assert_eq!(
            plan.slots,
            vec![
                Slot::Number,
                Slot::Clob,
                Slot::Clob,
                Slot::Clob,
                Slot::Clob,
                Slot::Clob,
                Slot::Clob,
                Slot::Clob,
                Slot::Varchar(40),
            ]
        );
        let merge = TablePlan::new(&t, &cols, &["ID".to_string()], LoadMode::Merge).unwrap();
        assert!(merge.sql.starts_with(
            "MERGE INTO \"APP\".\"DOC\" d USING (SELECT :1 \"ID\", CASE WHEN :2 IS NULL THEN \
             NULL ELSE XMLTYPE(:3) END \"BODY\","
        ));
        let geo = &t.columns[3];
        assert_eq!(
            bind(&Value::Text("SRID=4326;POINT(1 2)".into()), geo).unwrap(),
            ["int 1", "text POINT(1 2)", "int 4326"]
        );
        assert_eq!(
            bind(&Value::Text("POINT(1 2)".into()), geo).unwrap(),
            ["int 1", "text POINT(1 2)", "NULL"]
        );
        assert_eq!(bind(&Value::Null, geo).unwrap(), ["NULL", "NULL", "NULL"]);
        assert!(bind(&Value::Text("SRID=x;POINT(1 2)".into()), geo).is_err());
        assert_eq!(
            bind(&Value::Text("<a/>".into()), &t.columns[1]).unwrap(),
            ["int 1", "text <a/>"]
        );
        assert!(bind(&Value::Int(1), &t.columns[2]).is_err());
    }

    #[test]
    fn a_merge_key_missing_from_the_extract_and_bfile_columns_are_refused_up_front() {
        let t = Table::test(
            "APP",
            "F",
            vec![
                Column::test("ID", "NUMBER", number(10, 0)),
                Column::test("SCAN", "BFILE", NeutralType::Lob { lob: LobKind::File }),
            ],
        );
        let cols: Vec<&Column> = t.columns.iter().collect();
        let err = TablePlan::new(&t, &cols, &[], LoadMode::Insert)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("column SCAN (BFILE)"), "{err}");
        let only_id: Vec<&Column> = cols[..1].to_vec();
        let err = TablePlan::new(&t, &only_id, &["CODE".to_string()], LoadMode::Merge)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("lacks CODE"), "{err}");
    }

    #[test]
    fn ddl_for_keys_triggers_identities_sequences_and_records() {
        let t = Table::test("APP", "ORDER", Vec::new());
        assert_eq!(
            disable_constraint_sql(&t, "FK_1"),
            r#"ALTER TABLE "APP"."ORDER" DISABLE CONSTRAINT "FK_1""#
        );
        assert_eq!(
            enable_constraint_sql(&t, "FK_1", true),
            r#"ALTER TABLE "APP"."ORDER" ENABLE VALIDATE CONSTRAINT "FK_1""#
        );
        assert_eq!(
            enable_constraint_sql(&t, "FK_1", false),
            r#"ALTER TABLE "APP"."ORDER" ENABLE NOVALIDATE CONSTRAINT "FK_1""#
        );
        assert_eq!(
            triggers_sql(&t, false),
            r#"ALTER TABLE "APP"."ORDER" DISABLE ALL TRIGGERS"#
        );
        assert_eq!(
            triggers_sql(&t, true),
            r#"ALTER TABLE "APP"."ORDER" ENABLE ALL TRIGGERS"#
        );
        assert_eq!(
            enable_trigger_sql("APP", "ORDER_BI"),
            r#"ALTER TRIGGER "APP"."ORDER_BI" ENABLE"#
        );
        assert_eq!(
            identity_sql(&t, "ID", Generation::ByDefault, false),
            r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED BY DEFAULT AS IDENTITY)"#
        );
        assert_eq!(
            identity_sql(&t, "ID", Generation::Always, false),
            r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED ALWAYS AS IDENTITY)"#
        );
        assert_eq!(
            identity_sql(&t, "ID", Generation::ByDefaultOnNull, true),
            r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH LIMIT VALUE))"#
        );
        assert_eq!(Generation::of("ALWAYS", Some("NO")), Generation::Always);
        assert_eq!(
            Generation::of("BY DEFAULT", Some("YES")),
            Generation::ByDefaultOnNull
        );
        assert_eq!(Generation::of("BY DEFAULT", None), Generation::ByDefault);
        let seq = ObjectKey::new("APP", "ORDER_SEQ", ObjectKind::Sequence);
        assert_eq!(
            sequence_restart_sql(&seq, 1001),
            r#"ALTER SEQUENCE "APP"."ORDER_SEQ" RESTART START WITH 1001"#
        );
        assert_eq!(
            sequence_increment_sql(&seq, -40),
            r#"ALTER SEQUENCE "APP"."ORDER_SEQ" INCREMENT BY -40"#
        );
        assert_eq!(
            nextval_sql(&seq),
            r#"SELECT "APP"."ORDER_SEQ".NEXTVAL FROM DUAL"#
        );
        assert_eq!(
            extreme_sql(&t, "ID", true),
            r#"SELECT MAX("ID") FROM "APP"."ORDER""#
        );
        assert_eq!(delete_sql(&t), r#"DELETE FROM "APP"."ORDER""#);
        assert_eq!(count_sql(&t), r#"SELECT COUNT(*) FROM "APP"."ORDER""#);
        assert_eq!(
            history_ddl(),
            "CREATE TABLE dbsub_ingest_history (TABLE_NAME VARCHAR2(512) PRIMARY KEY, \
             EXTRACT_NAME CLOB NOT NULL, ROW_COUNT NUMBER(20) NOT NULL, \
             LOADED_AT VARCHAR2(64) NOT NULL, RECORD CLOB NOT NULL)"
        );
        assert_eq!(
            history_insert_sql(),
            "INSERT INTO dbsub_ingest_history (TABLE_NAME, EXTRACT_NAME, ROW_COUNT, LOADED_AT, \
             RECORD) VALUES (:1, :2, :3, :4, :5)"
        );
        assert_eq!(
            history_delete_sql(),
            "DELETE FROM dbsub_ingest_history WHERE TABLE_NAME = :1"
        );
        assert_eq!(
            history_select_sql(),
            "SELECT TABLE_NAME, RECORD FROM dbsub_ingest_history ORDER BY TABLE_NAME"
        );
    }

    #[test]
    fn orphans_are_counted_with_oracle_sql() {
        let child = Table::test("APP", "LINE", Vec::new());
        let parent = Table::test("APP", "ORDER", Vec::new());
        assert_eq!(
            crate::db::sql::orphans_sql(
                &qualified(&child),
                &["ORDER_ID".to_string()],
                &qualified(&parent),
                &["ID".to_string()]
            ),
            r#"SELECT count(*) FROM "APP"."LINE" c WHERE c."ORDER_ID" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "APP"."ORDER" p WHERE p."ID" = c."ORDER_ID")"#
        );
    }

    #[test]
    fn numbers_bind_exactly_and_refuse_what_does_not_fit() {
        let dec = Column::test("AMOUNT", "NUMBER(38,10)", number(38, 10));
        let int = Column::test("QTY", "NUMBER(10)", NeutralType::Integer { bits: 32 });
        let flag = Column::test("ACTIVE", "NUMBER(1)", NeutralType::Boolean);
        let boolean = Column::test("ACTIVE", "BOOLEAN", NeutralType::Boolean);
        let float = Column::test(
            "RATE",
            "BINARY_DOUBLE",
            NeutralType::Float { bits: Some(53) },
        );
        let long_decimal = "12345678901234567890123456.0123456789";
        assert_eq!(
            bind_one(Value::Decimal(long_decimal.into()), &dec).unwrap(),
            format!("number {long_decimal}")
        );
        assert_eq!(bind_one(Value::Int(-7), &dec).unwrap(), "int -7");
        assert_eq!(bind_one(Value::Float(0.1), &dec).unwrap(), "number 0.1");
        assert!(
            bind_one(Value::Float(f64::NAN), &dec)
                .unwrap_err()
                .contains("BINARY_DOUBLE")
        );
        assert_eq!(bind_one(Value::Int(5), &int).unwrap(), "int 5");
        assert_eq!(
            bind_one(Value::Decimal("42".into()), &int).unwrap(),
            "int 42"
        );
        assert!(bind_one(Value::Decimal("4.2".into()), &int).is_err());
        assert_eq!(bind_one(Value::Bool(true), &flag).unwrap(), "int 1");
        assert_eq!(
            bind_one(Value::Bool(false), &boolean).unwrap(),
            "bool false"
        );
        assert_eq!(bind_one(Value::Int(1), &boolean).unwrap(), "bool true");
        assert!(bind_one(Value::Int(2), &boolean).is_err());
        assert_eq!(bind_one(Value::Float(2.5), &float).unwrap(), "double 2.5");
        assert_eq!(bind_one(Value::Int(3), &float).unwrap(), "double 3");
        assert!(bind_one(Value::Int(i64::MAX), &float).is_err());
        assert_eq!(
            bind_one(Value::Decimal("1.25".into()), &float).unwrap(),
            "double 1.25"
        );
        assert_eq!(bind_one(Value::Null, &dec).unwrap(), "NULL");
        // Values of another kind: refused, naming what they are.
        let err = bind_one(Value::Bytes(vec![1u8].into()), &dec).unwrap_err();
        assert!(err.starts_with("binary data cannot be stored"), "{err}");
        assert!(bind_one(Value::Text("1".into()), &int).is_err());
        assert!(bind_one(Value::Date(Date::new(2024, 1, 1).unwrap()), &float).is_err());
    }

    #[test]
    fn text_and_binary_bind_by_their_native_types() {
        let cases = [
            ("VARCHAR2(10 CHAR)", varchar(10), Slot::Varchar(40)),
            (
                "VARCHAR2(4000)",
                NeutralType::Text {
                    length: Some(4000),
                    semantics: LengthSemantics::Byte,
                    fixed: false,
                },
                Slot::Varchar(256),
            ),
            (
                "CHAR(3)",
                NeutralType::Text {
                    length: Some(3),
                    semantics: LengthSemantics::Byte,
                    fixed: true,
                },
                Slot::Char(3),
            ),
            (
                "NVARCHAR2(20)",
                NeutralType::NationalText {
                    length: Some(20),
                    fixed: false,
                },
                Slot::NVarchar(80),
            ),
            (
                "NCHAR(2)",
                NeutralType::NationalText {
                    length: Some(2),
                    fixed: true,
                },
                Slot::NChar(8),
            ),
            (
                "CLOB",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
                Slot::Clob,
            ),
            (
                "CLOB",
                NeutralType::Text {
                    length: None,
                    semantics: LengthSemantics::Char,
                    fixed: false,
                },
                Slot::Clob,
            ),
            (
                "NCLOB",
                NeutralType::Lob {
                    lob: LobKind::National,
                },
                Slot::NClob,
            ),
            (
                "RAW(16)",
                NeutralType::Binary {
                    length: Some(16),
                    fixed: false,
                },
                Slot::Raw(16),
            ),
            (
                "BLOB",
                NeutralType::Lob {
                    lob: LobKind::Binary,
                },
                Slot::Blob,
            ),
            ("RAW(16)", NeutralType::Uuid, Slot::Raw(16)),
            ("VARCHAR2(36)", NeutralType::Uuid, Slot::Varchar(36)),
            ("CLOB", NeutralType::Json, Slot::Clob),
            ("BLOB", NeutralType::Json, Slot::Blob),
            ("UROWID", NeutralType::RowId, Slot::Varchar(64)),
            ("MONEY", NeutralType::Other, Slot::Varchar(64)),
        ];
        for (native, neutral, slot) in cases {
            let c = Column::test("C", native, neutral.clone());
            assert_eq!(
                plan_column(&c),
                Ok((slot, Wrap::Plain)),
                "{native} {neutral:?}"
            );
        }
        let text = Column::test("NAME", "VARCHAR2(10 CHAR)", varchar(10));
        assert_eq!(
            bind_one(Value::Text("Zoë".into()), &text).unwrap(),
            "text Zoë"
        );
        assert!(bind_one(Value::Int(3), &text).is_err());
        let raw = Column::test(
            "H",
            "RAW(4)",
            NeutralType::Binary {
                length: Some(4),
                fixed: false,
            },
        );
        assert_eq!(
            bind_one(Value::Bytes(vec![0u8, 255].into()), &raw).unwrap(),
            "bytes [0, 255]"
        );
        assert!(bind_one(Value::Text("00ff".into()), &raw).is_err());
        let uuid = Column::test("U", "RAW(16)", NeutralType::Uuid);
        assert_eq!(
            bind_one(
                Value::Text("00010203-0405-0607-0809-0a0b0c0d0e0f".into()),
                &uuid
            )
            .unwrap(),
            "bytes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]"
        );
        assert!(bind_one(Value::Text("not-a-uuid".into()), &uuid).is_err());
        let json_blob = Column::test("J", "BLOB", NeutralType::Json);
        assert_eq!(
            bind_one(Value::Text("{}".into()), &json_blob).unwrap(),
            "bytes [123, 125]"
        );
    }

    #[test]
    fn dates_timestamps_and_intervals_bind_as_oracle_keeps_them() {
        let date = Column::test("D", "DATE", NeutralType::Timestamp { precision: Some(0) });
        let sql_date = Column::test("D", "DATE", NeutralType::Date);
        let ts = Column::test(
            "T",
            "TIMESTAMP(6)",
            NeutralType::Timestamp { precision: Some(6) },
        );
        let tstz = Column::test(
            "Z",
            "TIMESTAMP(6) WITH TIME ZONE",
            NeutralType::TimestampTz {
                precision: Some(6),
                local: false,
            },
        );
        assert_eq!(plan_column(&date).unwrap().0, Slot::Date);
        assert_eq!(plan_column(&sql_date).unwrap().0, Slot::Date);
        assert_eq!(plan_column(&ts).unwrap().0, Slot::Timestamp);
        assert_eq!(
            bind_one(Value::Timestamp(dt(2024, 2, 29, 23, 59, 58, 0)), &date).unwrap(),
            "ts 2024-2-29 23:59:58.0 +0:0"
        );
        assert!(
            bind_one(Value::Timestamp(dt(2024, 2, 29, 23, 59, 58, 5)), &date)
                .unwrap_err()
                .contains("whole seconds")
        );
        assert_eq!(
            bind_one(Value::Date(Date::new(2024, 1, 2).unwrap()), &sql_date).unwrap(),
            "ts 2024-1-2 0:0:0.0 +0:0"
        );
        // Year 0 is 1 BC, which Oracle writes -1.
        assert_eq!(
            bind_one(Value::Date(Date::new(-43, 3, 15).unwrap()), &sql_date).unwrap(),
            "ts -44-3-15 0:0:0.0 +0:0"
        );
        assert!(
            bind_one(Value::Date(Date::new(10000, 1, 1).unwrap()), &sql_date)
                .unwrap_err()
                .contains("9999")
        );
        assert_eq!(
            bind_one(Value::Timestamp(dt(2024, 1, 2, 3, 4, 5, 123_456_000)), &ts).unwrap(),
            "ts 2024-1-2 3:4:5.123456000 +0:0"
        );
        assert_eq!(
            bind_one(
                Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), -(5 * 3600 + 30 * 60)),
                &tstz
            )
            .unwrap(),
            "ts 2024-1-2 3:4:5.0 -5:-30"
        );
        assert!(
            bind_one(Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 61), &tstz)
                .unwrap_err()
                .contains("whole minutes")
        );
        assert!(bind_one(Value::Timestamp(dt(2024, 1, 2, 3, 4, 5, 0)), &tstz).is_err());
        assert!(bind_one(Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 0), &ts).is_err());

        let ds = Column::test(
            "I",
            "INTERVAL DAY(9) TO SECOND(9)",
            NeutralType::Interval {
                fields: IntervalFields::DayToSecond,
                leading_precision: Some(9),
                fractional_precision: Some(9),
            },
        );
        let ym = Column::test(
            "Y",
            "INTERVAL YEAR(2) TO MONTH",
            NeutralType::Interval {
                fields: IntervalFields::YearToMonth,
                leading_precision: Some(2),
                fractional_precision: None,
            },
        );
        let time = Column::test(
            "AT",
            "INTERVAL DAY(0) TO SECOND(6)",
            NeutralType::Time { precision: Some(6) },
        );
        let iv = |months, days, nanos| {
            Value::Interval(Interval {
                months,
                days,
                nanos,
            })
        };
        assert_eq!(
            bind_one(iv(0, 1, 3_723_000_000_001), &ds).unwrap(),
            "ds 1 1:2:3.1"
        );
        // Days and time of opposite signs become one signed interval.
        assert_eq!(
            bind_one(iv(0, -1, 3_600_000_000_000), &ds).unwrap(),
            "ds 0 -23:0:0.0"
        );
        assert!(bind_one(iv(1, 0, 0), &ds).unwrap_err().contains("months"));
        assert_eq!(bind_one(iv(-14, 0, 0), &ym).unwrap(), "ym -1--2");
        assert!(bind_one(iv(0, 1, 0), &ym).unwrap_err().contains("days"));
        assert_eq!(
            bind_one(Value::Time(Time::new(13, 5, 9, 500).unwrap()), &time).unwrap(),
            "ds 0 13:5:9.500"
        );
    }

    #[test]
    fn batch_failures_name_the_row_the_column_and_the_remedy() {
        let numbers = vec!["AMOUNT NUMBER(5,2)".to_string()];
        let m = row_failure(
            "\"APP\".\"T\"",
            &numbers,
            12899,
            "ORA-12899: value too large for column \"APP\".\"T\".\"NAME\" (actual: 12, maximum: 10)",
            1235,
            Some(765),
            0,
        );
        assert!(
            m.starts_with(
                "the row 765 rows before this one, in the batch sent here (row 1235 of \"APP\".\"T\""
            ),
            "{m}"
        );
        assert!(m.contains("column NAME: the value is longer"), "{m}");
        assert!(m.contains("widen the column"), "{m}");
        let m = row_failure(
            "\"APP\".\"T\"",
            &numbers,
            1438,
            "ORA-01438: value larger than specified precision allowed for this column",
            7,
            None,
            2,
        );
        assert!(m.starts_with("row 7 of \"APP\".\"T\""), "{m}");
        assert!(m.contains("AMOUNT NUMBER(5,2)"), "{m}");
        assert!(
            m.ends_with("; 2 more rows of the same batch failed too"),
            "{m}"
        );
        let m = row_failure(
            "\"APP\".\"T\"",
            &[],
            2291,
            "ORA-02291: integrity constraint (APP.T_FK) violated - parent key not found",
            1,
            Some(0),
            0,
        );
        assert!(m.starts_with("this row (row 1 of"), "{m}");
        assert!(m.contains("load the parent table first"), "{m}");
        assert_eq!(
            constraint_in(
                "ORA-02292: integrity constraint (APP.LINE_ORDER_FK) violated - child record found"
            ),
            Some(("APP", "LINE_ORDER_FK"))
        );
        assert_eq!(
            quoted_names("ORA-01400: cannot insert NULL into (\"APP\".\"T\".\"ID\")"),
            ["APP", "T", "ID"]
        );
    }

    #[test]
    fn a_key_that_does_not_validate_is_named_with_its_orphans_and_left_disabled() {
        let t = Table::test("APP", "LINE", Vec::new());
        let m = not_validated(
            &t,
            "LINE_ORDER_FK",
            "ORA-02298: cannot validate (APP.LINE_ORDER_FK) - parent keys not found",
            Some(3),
        );
        assert_eq!(
            m,
            "foreign key \"APP\".\"LINE\".LINE_ORDER_FK did not validate (3 rows of LINE have no \
             parent): ORA-02298: cannot validate (APP.LINE_ORDER_FK) - parent keys not found; it \
             is left DISABLED and no row was deleted: load the missing parent rows (or fix the \
             rows yourself), then run ALTER TABLE \"APP\".\"LINE\" ENABLE VALIDATE CONSTRAINT \
             \"LINE_ORDER_FK\""
        );
    }

    #[test]
    fn sequences_come_from_the_triggers_dependencies_and_the_single_numeric_key() {
        let mut orders = Table::test(
            "APP",
            "ORDERS",
            vec![
                Column::test(
                    "ID",
                    "NUMBER",
                    NeutralType::Decimal {
                        precision: None,
                        scale: None,
                    },
                ),
                Column::test("NAME", "VARCHAR2(10)", varchar(10)),
            ],
        );
        orders.primary_key = Some(Key {
            name: None,
            columns: vec!["ID".into()],
        });
        orders.foreign_keys.push(ForeignKey {
            name: "FK".into(),
            columns: vec!["NAME".into()],
            ref_schema: "APP".into(),
            ref_table: "X".into(),
            ref_columns: vec!["N".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: false,
            initially_deferred: false,
            enabled: true,
        });
        let trigger = |name: &str, on: &str| Trigger {
            schema: "APP".into(),
            name: name.into(),
            table_schema: "APP".into(),
            table_name: on.into(),
            timing: "BEFORE".into(),
            events: vec!["INSERT".into()],
            for_each_row: true,
            enabled: true,
            source: String::new(),
        };
        let seq = |name: &str| ObjectKey::new("APP", name, ObjectKind::Sequence);
        let catalog = Catalog {
            triggers: vec![trigger("ORDERS_BI", "ORDERS"), trigger("OTHER_BI", "OTHER")],
            dependencies: vec![
                Dependency {
                    from: ObjectKey::new("APP", "ORDERS_BI", ObjectKind::Trigger),
                    to: seq("ORDERS_SEQ"),
                },
                Dependency {
                    from: ObjectKey::new("APP", "ORDERS_BI", ObjectKind::Trigger),
                    to: ObjectKey::table("APP", "AUDIT"),
                },
                Dependency {
                    from: ObjectKey::new("APP", "OTHER_BI", ObjectKind::Trigger),
                    to: seq("OTHER_SEQ"),
                },
            ],
            ..Catalog::default()
        };
        assert_eq!(
            trigger_sequences(&catalog, &orders),
            vec![seq("ORDERS_SEQ")]
        );
        assert_eq!(single_numeric_key(&orders), Some("ID"));
        orders.primary_key = Some(Key {
            name: None,
            columns: vec!["NAME".into()],
        });
        assert_eq!(single_numeric_key(&orders), None);
    }

    /// Every value kind against every neutral type: a value binds exactly when the feed's
    /// `fits` accepts it, except where listed (and BFILE, which no value loads into).
    #[test]
    fn every_value_kind_binds_where_it_fits_and_is_refused_where_it_does_not() {
        use NeutralType as N;
        let targets: Vec<(&str, NeutralType)> = vec![
            ("NUMBER(1)", N::Boolean),
            ("BOOLEAN", N::Boolean),
            ("NUMBER(10)", N::Integer { bits: 32 }),
            ("NUMBER(38,10)", number(38, 10)),
            ("BINARY_DOUBLE", N::Float { bits: Some(53) }),
            ("VARCHAR2(100 CHAR)", varchar(100)),
            (
                "NVARCHAR2(100)",
                N::NationalText {
                    length: Some(100),
                    fixed: false,
                },
            ),
            (
                "RAW(16)",
                N::Binary {
                    length: Some(16),
                    fixed: false,
                },
            ),
            ("DATE", N::Date),
            (
                "INTERVAL DAY(0) TO SECOND(9)",
                N::Time { precision: Some(9) },
            ),
            ("DATE", N::Timestamp { precision: Some(0) }),
            ("TIMESTAMP(9)", N::Timestamp { precision: Some(9) }),
            (
                "TIMESTAMP(9) WITH TIME ZONE",
                N::TimestampTz {
                    precision: Some(9),
                    local: false,
                },
            ),
            (
                "INTERVAL YEAR(9) TO MONTH",
                N::Interval {
                    fields: IntervalFields::YearToMonth,
                    leading_precision: Some(9),
                    fractional_precision: None,
                },
            ),
            (
                "INTERVAL DAY(9) TO SECOND(9)",
                N::Interval {
                    fields: IntervalFields::DayToSecond,
                    leading_precision: Some(9),
                    fractional_precision: Some(9),
                },
            ),
            (
                "CLOB",
                N::Lob {
                    lob: LobKind::Character,
                },
            ),
            (
                "NCLOB",
                N::Lob {
                    lob: LobKind::National,
                },
            ),
            (
                "BLOB",
                N::Lob {
                    lob: LobKind::Binary,
                },
            ),
            ("JSON", N::Json),
            ("RAW(16)", N::Uuid),
            ("XMLTYPE", N::Xml),
            ("SDO_GEOMETRY", N::Spatial { srid: Some(4326) }),
            ("UROWID", N::RowId),
            ("ANYDATA", N::Other),
        ];
        let values: Vec<Value<'static>> = vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(1),
            Value::Decimal("1".into()),
            Value::Float(1.0),
            Value::Text("00010203-0405-0607-0809-0a0b0c0d0e0f".into()),
            Value::Bytes(vec![0u8, 1].into()),
            Value::Date(Date::new(2024, 1, 2).unwrap()),
            Value::Time(Time::new(1, 2, 3, 0).unwrap()),
            Value::Timestamp(dt(2024, 1, 2, 0, 0, 0, 0)),
            Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 3600),
            Value::Interval(Interval {
                months: 0,
                days: 1,
                nanos: 5,
            }),
        ];
        // Where binding is stricter than `fits`: a day interval has no year-to-month form,
        // and a type dbsub does not map takes text only.
        let stricter = |native: &str, value: &Value<'_>| {
            (native == "INTERVAL YEAR(9) TO MONTH" && matches!(value, Value::Interval(_)))
                || (native == "ANYDATA" && !matches!(value, Value::Null | Value::Text(_)))
        };
        // Where binding is looser: the feed refuses these before they are bound.
        let looser = |native: &str, value: &Value<'_>| {
            (native == "NUMBER(38,10)" && matches!(value, Value::Float(_)))
                || (native == "NUMBER(1)" && matches!(value, Value::Decimal(_)))
        };
        let mut wrong = Vec::new();
        for (native, neutral) in &targets {
            let c = Column::test("C", native, neutral.clone());
            for value in &values {
                let bound = bind(value, &c);
                let fits = crate::model::fit::fits(value, neutral).is_ok();
                let expected = if stricter(native, value) {
                    false
                } else if looser(native, value) {
                    true
                } else {
                    fits
                };
                if bound.is_ok() != expected {
                    wrong.push(format!("{} into {native}: {bound:?}", value_kind(value)));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // No value goes into a BFILE.
        let bfile = Column::test("C", "BFILE", N::Lob { lob: LobKind::File });
        assert!(values.iter().all(|v| bind(v, &bfile).is_err()));
    }

    #[test]
    fn native_names_lose_precision_and_owner() {
        assert_eq!(native_name("timestamp(6) with time zone"), "TIMESTAMP");
        assert_eq!(native_name("MDSYS.SDO_GEOMETRY"), "SDO_GEOMETRY");
        assert_eq!(native_name("\"SYS\".\"XMLTYPE\""), "XMLTYPE");
        assert_eq!(native_name("LONG RAW"), "LONG RAW");
        assert_eq!(native_name("VARCHAR2(30 CHAR)"), "VARCHAR2");
    }
}
