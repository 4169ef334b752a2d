//! Fetching and converting fields: how each column is fetched from the driver ([`Fetch`]), and
//! the driver's values (NUMBER as decimal text, `Timestamp`, intervals, bytes) turned into
//! archive values, exactly and whatever the session's NLS formats; also a key value as the
//! closure compares it ([`OwnedKey`]).
//!
//! Separate from the source because everything from the driver's values on is pure and tested
//! offline; only [`read_field`] and [`read_text`] touch a fetched row.

use std::borrow::Cow;

use oracle::sql_type::{IntervalDS, IntervalYM, Timestamp};

use crate::catalog::*;
use crate::model::key::KeyValue;
use crate::model::mask::SourceMask;
use crate::model::text::canonical_decimal;
use crate::model::value::{Date, DateTime, Interval, MAX_OFFSET_SECS, Time, Value};

/// How a column's value is fetched from the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fetch {
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
pub(super) fn fetch_of(column: &Column, mask: Option<&SourceMask>) -> Fetch {
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
pub(super) fn read_field(
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
pub(super) fn read_text(row: &oracle::Row, i: usize) -> Result<Value<'static>, String> {
    match row
        .get::<_, Option<String>>(i)
        .map_err(|e| format!("the driver cannot read it: {e}"))?
    {
        None => Ok(Value::Null),
        Some(text) => text_value(text),
    }
}

/// Why a non-NULL value of a column read through a probe cannot be carried.
pub(super) fn unsupported(column: &Column) -> String {
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
pub(super) fn text_value(text: String) -> Result<Value<'static>, String> {
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
pub(super) fn decimal_value(text: String) -> Result<Value<'static>, String> {
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
pub(super) fn int_value(text: &str) -> Result<Value<'static>, String> {
    let canonical =
        canonical_decimal(text).ok_or_else(|| format!("{text:?} is not a decimal number"))?;
    canonical
        .parse::<i64>()
        .map(Value::Int)
        .map_err(|_| format!("{text} is not a 64-bit integer"))
}

/// BOOLEAN as the driver writes it (`TRUE`, `FALSE`), or a NUMBER flag (`1`, `0`).
pub(super) fn bool_value(text: &str) -> Result<Value<'static>, String> {
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
pub(super) fn oracle_timestamp(dt: DateTime) -> Result<Timestamp, String> {
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
/// in the session's zone, which [`SESSION`](super::SESSION) sets to UTC: their offset is `+00:00`.
pub(super) fn timestamp_value(ts: &Timestamp, ty: &NeutralType) -> Result<Value<'static>, String> {
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
pub(super) fn interval_ym_value(iv: &IntervalYM) -> Value<'static> {
    Value::Interval(Interval {
        months: i64::from(iv.years()) * 12 + i64::from(iv.months()),
        days: 0,
        nanos: 0,
    })
}

/// INTERVAL DAY TO SECOND as days and nanoseconds (a time of day for a `time` column, which
/// Oracle keeps as INTERVAL DAY(0) TO SECOND).
pub(super) fn interval_ds_value(
    iv: &IntervalDS,
    ty: &NeutralType,
) -> Result<Value<'static>, String> {
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

/// Appends the key of archived `values` as the key scan reads it: it turns the values it
/// reads into keys the same way ([`OwnedKey::of`]), so an archived integer NUMBER, whether
/// archived as an integer or as decimal text, is the same key.
pub(super) fn archived_key(values: &[Value<'_>], out: &mut Vec<u8>) {
    let owned: Vec<OwnedKey> = values.iter().map(|v| OwnedKey::of(v.clone())).collect();
    let keys: Vec<KeyValue<'_>> = owned.iter().map(OwnedKey::as_key).collect();
    crate::model::key::encode(&keys, out);
}

/// A key value as the closure compares it: integers (whatever the NUMBER's declared precision)
/// as `Int`, so that a parent's key and its children's foreign keys encode alike; other
/// decimals, dates and intervals as their archive text.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum OwnedKey {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl OwnedKey {
    pub(super) fn of(value: Value<'_>) -> OwnedKey {
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

    pub(super) fn as_key(&self) -> KeyValue<'_> {
        match self {
            OwnedKey::Null => KeyValue::Null,
            OwnedKey::Int(i) => KeyValue::Int(*i),
            OwnedKey::Float(f) => KeyValue::Float(*f),
            OwnedKey::Text(t) => KeyValue::Text(t),
            OwnedKey::Bytes(b) => KeyValue::Bytes(b),
        }
    }
}
