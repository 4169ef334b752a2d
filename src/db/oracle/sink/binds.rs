//! How a target column's values are bound: each loaded column gets a [`Slot`] (the Oracle type
//! its values are bound as, taken from the target column) and a [`Wrap`] (a constructor around
//! the bind for XMLTYPE, JSON and SDO_GEOMETRY); [`bind_value`] turns an archive value into its
//! bind, and a [`TablePlan`] holds a table's statement with every column's plan.
//!
//! Separate from the sink because it is pure: no connection, every conversion (dates to
//! Oracle's years, intervals, UUIDs, EWKT) testable offline.

use std::borrow::Cow;

use anyhow::{Result, bail};
use oracle::sql_type::{IntervalDS, IntervalYM, OracleType, Timestamp, ToSql};

use super::sql::{delete_by_key_sql, insert_sql, merge_sql, qualified, update_sql};
use crate::catalog::*;
use crate::db::sql::double_quote;
use crate::model::ports::LoadMode;
use crate::model::text::decimal_from_f64;
use crate::model::value::{DateTime, Interval, Time, Value};

/// A text bind starts with this many bytes per row; the driver grows it when a longer value
/// comes, so wide columns do not cost their full width times the batch size up front.
const INITIAL_TEXT_BYTES: u32 = 256;

/// The type a column's values are bound as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Slot {
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
    pub(super) fn oracle_type(&self) -> OracleType {
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

    /// A LOB (bound as a temporary LOB) or a LONG: Oracle wants such binds after every bind
    /// that may hold more than 4000 bytes (ORA-24816), and the driver grows text binds past
    /// 4000 bytes (powers of two, 4 bytes a character).
    pub(super) fn is_large(&self) -> bool {
        matches!(
            self,
            Slot::Clob | Slot::NClob | Slot::Long | Slot::Blob | Slot::LongRaw
        )
    }

    /// LONG or LONG RAW: Oracle takes more than 4000 bytes of them only straight into the
    /// column of an INSERT or a one-row UPDATE, never in a subquery's select list.
    pub(super) fn is_long(&self) -> bool {
        matches!(self, Slot::Long | Slot::LongRaw)
    }
}

/// How a column's bind appears in the statement. A NULL never reaches a constructor: the
/// wrapped forms test a flag bind (1 or NULL) first, and Oracle evaluates CASE lazily.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wrap {
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

    /// The slot of each bind, in the order of [`Wrap::expr`]: the NULL flag and the SRID are
    /// numbers (the driver cannot put an integer into a LOB bind), the document is `value`.
    pub(super) fn slots(self, value: &Slot) -> Vec<Slot> {
        match self {
            Wrap::Plain => vec![value.clone()],
            Wrap::Xml | Wrap::Json => vec![Slot::Int, value.clone()],
            Wrap::Spatial => vec![Slot::Int, value.clone(), Slot::Int],
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
pub(super) fn native_name(native: &str) -> String {
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
pub(super) fn plan_column(column: &Column) -> Result<(Slot, Wrap), String> {
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
        // The catalog reads LONG as a character LOB: it binds as LONG, straight into its column.
        N::Lob {
            lob: LobKind::Character,
        } if native == "LONG" => plain(Slot::Long),
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
pub(super) enum Bound<'v> {
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
    pub(super) fn sql(&self) -> &dyn ToSql {
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
pub(super) struct Binds<'v> {
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

    pub(super) fn iter(&self) -> impl Iterator<Item = &Bound<'v>> {
        self.items[..self.len].iter()
    }
}

/// What a value is, for messages.
pub(super) fn value_kind(value: &Value<'_>) -> &'static str {
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
pub(super) fn timestamp(dt: DateTime, offset: Option<i32>) -> Result<Timestamp, String> {
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
pub(super) struct ColumnPlan<'a> {
    pub(super) column: &'a Column,
    /// The value's position in the feed's rows.
    pub(super) index: usize,
    pub(super) slot: Slot,
    pub(super) wrap: Wrap,
}

impl ColumnPlan<'_> {
    /// The binds of `value`, in the order of [`Wrap::expr`].
    pub(super) fn bind<'v>(&self, value: &'v Value<'_>) -> Result<Binds<'v>, String> {
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
pub(super) struct TablePlan<'a> {
    pub(super) table: &'a Table,
    pub(super) columns: Vec<ColumnPlan<'a>>,
    /// Every bind's slot, in position order.
    pub(super) slots: Vec<Slot>,
    pub(super) sql: String,
    /// For a merge that binds a LONG: the UPDATE each row goes through first (`sql` is then
    /// the INSERT of a row it did not find).
    pub(super) by_row: Option<RowByRow>,
}

/// A merge row by row: `UPDATE … SET <the other columns> WHERE <the key>`, its binds' slots,
/// and the order of the table plan's columns it binds.
pub(super) struct RowByRow {
    pub(super) sql: String,
    pub(super) slots: Vec<Slot>,
    pub(super) order: Vec<usize>,
}

/// The (quoted column, expression) pairs of the columns at `which`, their binds numbered on
/// from the slots already in `slots`, to which theirs are added.
fn numbered(
    planned: &[ColumnPlan<'_>],
    which: &[usize],
    slots: &mut Vec<Slot>,
) -> Vec<(String, String)> {
    which
        .iter()
        .map(|&i| {
            let plan = &planned[i];
            let expr = (
                double_quote(&plan.column.name),
                plan.wrap.expr(slots.len() + 1),
            );
            slots.extend(plan.wrap.slots(&plan.slot));
            expr
        })
        .collect()
}

impl<'a> TablePlan<'a> {
    /// Plans the load of `columns` (in the feed's order) into `table`. Virtual columns are left
    /// out: Oracle computes them. Fails naming every column that cannot be loaded, and a merge
    /// key that is not among the loaded columns.
    pub(super) fn new(
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
        // LOB and LONG binds after every other (ORA-24816): the order of an INSERT's or a
        // MERGE's columns is free. A stable sort keeps the feed's order otherwise.
        planned.sort_by_key(|p| p.slot.is_large());
        let all: Vec<usize> = (0..planned.len()).collect();
        let mut slots = Vec::new();
        let exprs = numbered(&planned, &all, &mut slots);
        let mut by_row = None;
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
                let (keyed, rest): (Vec<usize>, Vec<usize>) = all
                    .iter()
                    .partition(|&&i| key.contains(&planned[i].column.name));
                if !rest.is_empty() && planned.iter().any(|p| p.slot.is_long()) {
                    // A LONG bind may not sit in MERGE's `USING (SELECT …)`: each row is an
                    // UPDATE by its key, then an INSERT when it found no row.
                    let mut update_slots = Vec::new();
                    let set = numbered(&planned, &rest, &mut update_slots);
                    let matching = numbered(&planned, &keyed, &mut update_slots);
                    by_row = Some(RowByRow {
                        sql: update_sql(&qualified(table), &set, &matching),
                        slots: update_slots,
                        order: rest.iter().chain(&keyed).copied().collect(),
                    });
                    insert_sql(&qualified(table), &exprs)
                } else {
                    let key: Vec<String> = key.iter().map(|k| double_quote(k)).collect();
                    merge_sql(&qualified(table), &exprs, &key)
                }
            }
        };
        Ok(TablePlan {
            table,
            columns: planned,
            slots,
            sql,
            by_row,
        })
    }

    /// Plans the deletes of `table`'s rows by `key` (the feed gives the key's values in this
    /// order): `DELETE FROM t WHERE "K" = :1 AND …`, each bind typed by its column as a load's.
    pub(super) fn delete_by_key(table: &'a Table, key: &[&'a Column]) -> Result<TablePlan<'a>> {
        let mut plan = TablePlan::new(table, key, &[], LoadMode::Insert)?;
        let all: Vec<usize> = (0..plan.columns.len()).collect();
        let mut slots = Vec::new();
        let exprs = numbered(&plan.columns, &all, &mut slots);
        plan.sql = delete_by_key_sql(&qualified(table), &exprs);
        plan.slots = slots;
        Ok(plan)
    }

    /// The loaded NUMBER columns with a precision, as `NAME NUMBER(p,s)`: where ORA-01438
    /// comes from.
    pub(super) fn bounded_numbers(&self) -> Vec<String> {
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
