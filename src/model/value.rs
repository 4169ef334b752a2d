//! Values as every stage carries them: the neutral form each backend converts its native values
//! into and out of. Their one text form (ISO 8601, exact decimals, hex) is in [`super::text`].

use std::borrow::Cow;

/// A calendar date. `year` is astronomical (year 0 = 1 BC, -4712 = 4713 BC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A time of day with nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
}

/// A date and a time of day, without a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub date: Date,
    pub time: Time,
}

/// An interval: months, days and nanoseconds, each signed (PostgreSQL's model; Oracle's
/// YEAR TO MONTH uses months only, DAY TO SECOND days and nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    pub months: i64,
    pub days: i64,
    pub nanos: i128,
}

/// One value of one column of one row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// An exact decimal in canonical text: optional `-`, digits, optionally `.` and digits; no
    /// exponent, no `+`.
    Decimal(Cow<'a, str>),
    Float(f64),
    /// Character data of any kind (also JSON, XML, UUID, EWKT, ROWID text).
    Text(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Date(Date),
    Time(Time),
    Timestamp(DateTime),
    /// A timestamp and its offset from UTC in seconds.
    TimestampTz(DateTime, i32),
    Interval(Interval),
}

impl Date {
    /// The date `year-month-day` in the proleptic Gregorian calendar; `None` when the month is
    /// not 1..=12 or the day does not exist in that month (30 February, 29 February 2023).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }
}

/// The number of days of `month` (1..=12) in `year`, with the proleptic Gregorian leap rule.
pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date `year-month-day` (H. Hinnant's
/// days-from-civil algorithm, on i64 so that any year fits).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` that is `days` after 1970-01-01 (H.
/// Hinnant's civil-from-days algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `date` plus `days` in the proleptic Gregorian calendar, within years 1 to 9999.
pub fn add_days(date: Date, days: i64) -> Option<Date> {
    let from = days_from_civil(
        i64::from(date.year),
        i64::from(date.month),
        i64::from(date.day),
    );
    let (year, month, day) = civil_from_days(from.checked_add(days)?);
    if !(1..=9999).contains(&year) {
        return None;
    }
    Date::new(year as i32, month as u8, day as u8)
}

impl Time {
    /// The time `hour:minute:second.nanos`; `None` unless hour ≤ 23, minute ≤ 59, second ≤ 59
    /// and nanos < 10⁹. There is no leap second (`23:59:60`) and no PostgreSQL `24:00:00`: a
    /// backend that meets either maps it before it becomes a `Time`.
    pub fn new(hour: u8, minute: u8, second: u8, nanos: u32) -> Option<Time> {
        if hour > 23 || minute > 59 || second > 59 || nanos >= NANOS_PER_SECOND as u32 {
            return None;
        }
        Some(Time {
            hour,
            minute,
            second,
            nanos,
        })
    }
}

pub(crate) const NANOS_PER_SECOND: i128 = 1_000_000_000;
pub(crate) const NANOS_PER_MINUTE: i128 = 60 * NANOS_PER_SECOND;
pub(crate) const NANOS_PER_HOUR: i128 = 60 * NANOS_PER_MINUTE;

/// The largest offset from UTC a `TimestampTz` may carry, in seconds: ±23:59:59. (Real zones
/// stay within ±15:59; the format allows two-digit hours.)
pub const MAX_OFFSET_SECS: i32 = 24 * 3600 - 1;

impl Value<'_> {
    /// The same value, owning its text or bytes.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Decimal(d) => Value::Decimal(Cow::Owned(d.into_owned())),
            Value::Float(f) => Value::Float(f),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Date(d) => Value::Date(d),
            Value::Time(t) => Value::Time(t),
            Value::Timestamp(dt) => Value::Timestamp(dt),
            Value::TimestampTz(dt, offset) => Value::TimestampTz(dt, offset),
            Value::Interval(iv) => Value::Interval(iv),
        }
    }
}
