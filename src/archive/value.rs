//! Values as the archive carries them: the neutral form every backend converts its native values
//! into, and the CSV text rules of format v1 (see docs/archive.md).
//!
//! Writing appends to a caller's byte buffer and never allocates; decoding borrows text from the
//! CSV record. Both run once per field of every row.

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;

use super::csv;
use crate::catalog::model::{LobKind, NeutralType};

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
fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
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

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_MINUTE: i128 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: i128 = 60 * NANOS_PER_MINUTE;

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

    /// Appends this value as one CSV field of format v1, exactly as it appears in the file
    /// (quotes included): NULL as nothing, an empty text or byte string as `""`, text quoted
    /// when it needs to be (see [`csv::write_text_field`]), every other value unquoted.
    ///
    /// The caller upholds the invariants of the variants: dates and times are valid (as
    /// [`Date::new`] and [`Time::new`] check), `Decimal` holds canonical text (see
    /// [`canonical_decimal`]), a `TimestampTz` offset is within ±[`MAX_OFFSET_SECS`]. The
    /// writer does not check them, and a field that breaks them does not decode.
    pub fn write_csv(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(i) => write_i64(*i, out),
            Value::Decimal(d) => out.extend_from_slice(d.as_bytes()),
            Value::Float(f) => write_float(*f, out),
            Value::Text(t) => csv::write_text_field(t, out),
            Value::Bytes(b) => write_hex(b, out),
            Value::Date(d) => Stack::append(out, |s| s.date(*d)),
            Value::Time(t) => Stack::append(out, |s| s.time(*t)),
            Value::Timestamp(dt) => Stack::append(out, |s| s.datetime(*dt)),
            Value::TimestampTz(dt, offset) => Stack::append(out, |s| {
                s.datetime(*dt);
                s.offset(*offset);
            }),
            Value::Interval(iv) => write_interval(*iv, out),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing. Everything appends to a byte buffer without allocating: this runs for every field of
// every row.

/// Appends `v` in decimal.
fn write_u64(v: u64, out: &mut Vec<u8>) {
    write_padded(v, 1, out);
}

fn write_i64(v: i64, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(v.unsigned_abs(), out);
}

fn write_i128(v: i128, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    let mut magnitude = v.unsigned_abs();
    // Split into base-10¹⁹ chunks so each one goes through the u64 path.
    const CHUNK: u128 = 10_000_000_000_000_000_000;
    let mut chunks = [0u64; 3];
    let mut count = 0;
    loop {
        chunks[count] = (magnitude % CHUNK) as u64;
        count += 1;
        magnitude /= CHUNK;
        if magnitude == 0 {
            break;
        }
    }
    write_u64(chunks[count - 1], out);
    for &chunk in chunks[..count - 1].iter().rev() {
        write_padded(chunk, 19, out);
    }
}

/// Appends `v` in decimal with at least `width` digits.
fn write_padded(v: u64, width: usize, out: &mut Vec<u8>) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    let mut rest = v;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = at.min(buf.len() - width.min(buf.len()));
    out.extend_from_slice(&buf[start..]);
}

fn write_float(f: f64, out: &mut Vec<u8>) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        // `Display` of f64 is the shortest text that parses back to the same bits, and never
        // uses an exponent. Writing into a Vec cannot fail.
        let _ = write!(out, "{f}");
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_hex(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.is_empty() {
        // Quoted, so that it differs from NULL.
        out.extend_from_slice(b"\"\"");
        return;
    }
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

/// A small buffer on the stack: a date, time or timestamp is formatted here, then appended to
/// the output in one copy. The longest text is 49 bytes: a 10-digit year with its sign, 9
/// fraction digits, and an offset of ±596523:14:07 (i32::MAX seconds).
struct Stack {
    bytes: [u8; 64],
    len: usize,
}

impl Stack {
    fn new() -> Self {
        Stack {
            bytes: [0; 64],
            len: 0,
        }
    }

    /// Formats with `format` on a new stack buffer and appends the result to `out`.
    fn append(out: &mut Vec<u8>, format: impl FnOnce(&mut Stack)) {
        let mut stack = Stack::new();
        format(&mut stack);
        out.extend_from_slice(stack.as_bytes());
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    /// Two digits of `v` (< 100).
    fn two(&mut self, v: u32) {
        self.push(b'0' + (v / 10 % 10) as u8);
        self.push(b'0' + (v % 10) as u8);
    }

    /// `v` with at least `width` (≤ 10) digits.
    fn padded(&mut self, v: u32, width: usize) {
        let mut digits = [b'0'; 10];
        let mut at = digits.len();
        let mut rest = v;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &d in &digits[at.min(digits.len() - width)..] {
            self.push(d);
        }
    }

    fn date(&mut self, d: Date) {
        if !(0..=9999).contains(&d.year) {
            // ISO 8601 expanded representation: a sign and at least four digits.
            self.push(if d.year < 0 { b'-' } else { b'+' });
        }
        self.padded(d.year.unsigned_abs(), 4);
        self.push(b'-');
        self.two(u32::from(d.month));
        self.push(b'-');
        self.two(u32::from(d.day));
    }

    fn time(&mut self, t: Time) {
        self.two(u32::from(t.hour));
        self.push(b':');
        self.two(u32::from(t.minute));
        self.push(b':');
        self.two(u32::from(t.second));
        self.fraction(t.nanos);
    }

    /// `.` and the digits of `nanos` (< 10⁹) without trailing zeros; nothing when it is 0.
    fn fraction(&mut self, nanos: u32) {
        if nanos == 0 {
            return;
        }
        self.push(b'.');
        let mut rest = nanos;
        let mut width = 9;
        while rest.is_multiple_of(10) {
            rest /= 10;
            width -= 1;
        }
        self.padded(rest, width);
    }

    fn datetime(&mut self, dt: DateTime) {
        self.date(dt.date);
        self.push(b'T');
        self.time(dt.time);
    }

    /// `±HH:MM`, and `:SS` when the offset has seconds.
    fn offset(&mut self, offset_secs: i32) {
        self.push(if offset_secs < 0 { b'-' } else { b'+' });
        let magnitude = offset_secs.unsigned_abs();
        self.padded(magnitude / 3600, 2);
        self.push(b':');
        self.two(magnitude / 60 % 60);
        if !magnitude.is_multiple_of(60) {
            self.push(b':');
            self.two(magnitude % 60);
        }
    }
}

fn write_interval(iv: Interval, out: &mut Vec<u8>) {
    out.push(b'P');
    let years = iv.months / 12;
    let months = iv.months % 12;
    if years != 0 {
        write_i64(years, out);
        out.push(b'Y');
    }
    if months != 0 {
        write_i64(months, out);
        out.push(b'M');
    }
    if iv.days != 0 {
        write_i64(iv.days, out);
        out.push(b'D');
    }
    // Truncating division: every part has the sign of `nanos`.
    let hours = iv.nanos / NANOS_PER_HOUR;
    let minutes = iv.nanos % NANOS_PER_HOUR / NANOS_PER_MINUTE;
    let seconds = iv.nanos % NANOS_PER_MINUTE / NANOS_PER_SECOND;
    let fraction = iv.nanos % NANOS_PER_SECOND;
    if iv.nanos != 0 {
        out.push(b'T');
        if hours != 0 {
            write_i128(hours, out);
            out.push(b'H');
        }
        if minutes != 0 {
            write_i128(minutes, out);
            out.push(b'M');
        }
        if seconds != 0 || fraction != 0 {
            if iv.nanos < 0 {
                out.push(b'-');
            }
            write_u64(seconds.unsigned_abs() as u64, out);
            Stack::append(out, |s| s.fraction(fraction.unsigned_abs() as u32));
            out.push(b'S');
        }
    } else if iv.months == 0 && iv.days == 0 {
        out.extend_from_slice(b"T0S");
    }
}

/// Formats as the archive writes it: the archive text is the one text form of these types.
macro_rules! display_via_stack {
    ($ty:ty, $method:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut stack = Stack::new();
                stack.$method(*self);
                // The stack holds ASCII only.
                f.write_str(std::str::from_utf8(stack.as_bytes()).map_err(|_| fmt::Error)?)
            }
        }
    };
}

display_via_stack!(Date, date);
display_via_stack!(Time, time);
display_via_stack!(DateTime, datetime);

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(32);
        write_interval(*self, &mut out);
        // The writer emits ASCII only.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Decimals.

/// Exponents beyond this are rejected by [`canonical_decimal`]: the result would be longer than
/// any database's exact numbers (PostgreSQL: 131072 digits before the point, 16383 after).
pub const MAX_DECIMAL_EXPONENT: u32 = 150_000;

/// Validates decimal text and returns it in canonical form: an optional `-`, the integer digits
/// without leading zeros (at least `0`), and `.` and the fraction digits when there are any.
///
/// Accepts an optional sign, digits with an optional `.` fraction (`5.`, `.5`), and an optional
/// exponent (`1.5E+3`, `2e-2`). The scale is kept as written: `12.50` stays `12.50`, and an
/// exponent moves the point (`1.50E+1` → `15.0`, `1.5E+3` → `1500`, `1E-3` → `0.001`). Zero has
/// no sign (`-0.00` → `0.00`). Returns the input borrowed when it is already canonical, and
/// `None` for anything else: empty text, spaces, `NaN`, `Infinity`, an exponent beyond
/// ±[`MAX_DECIMAL_EXPONENT`].
pub fn canonical_decimal(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    let mut i = 0;
    let (negative, plus) = match b.first() {
        Some(b'-') => (true, false),
        Some(b'+') => (false, true),
        _ => (false, false),
    };
    if negative || plus {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &s[int_start..i];
    let mut has_point = false;
    let mut frac_part = "";
    if i < b.len() && b[i] == b'.' {
        has_point = true;
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_part = &s[start..i];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut exponent: i64 = 0;
    let mut has_exponent = false;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        has_exponent = true;
        i += 1;
        let exp_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(b[i] - b'0'));
            i += 1;
        }
        if i == start || exponent > i64::from(MAX_DECIMAL_EXPONENT) {
            return None;
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return None;
    }
    let is_zero = int_part.bytes().chain(frac_part.bytes()).all(|d| d == b'0');
    let canonical = !plus
        && !has_exponent
        && !int_part.is_empty()
        && (int_part == "0" || !int_part.starts_with('0'))
        && (!has_point || !frac_part.is_empty())
        && !(negative && is_zero);
    if canonical {
        return Some(Cow::Borrowed(s));
    }

    // The number is `digits × 10^-scale`.
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let mut scale = frac_part.len() as i64 - exponent;
    if scale < 0 {
        digits.resize(digits.len() + scale.unsigned_abs() as usize, b'0');
        scale = 0;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        let pad = scale + 1 - digits.len();
        digits.splice(0..0, std::iter::repeat_n(b'0', pad));
    }
    let point = digits.len() - scale;
    let first_nonzero = digits[..point].iter().position(|&d| d != b'0');
    let int_digits = match first_nonzero {
        Some(p) => &digits[p..point],
        None => &digits[point - 1..point],
    };
    let mut text = String::with_capacity(digits.len() + 2);
    if negative && !is_zero {
        text.push('-');
    }
    // Only ASCII digits went into `digits`.
    text.extend(int_digits.iter().map(|&d| char::from(d)));
    if scale > 0 {
        text.push('.');
        text.extend(digits[point..].iter().map(|&d| char::from(d)));
    }
    Some(Cow::Owned(text))
}

/// The shortest decimal text that parses back to `f`, without an exponent (`1e-7` →
/// `0.0000001`, `12.5` → `12.5`, `3.0` → `3`, `-0.0` → `0`); `None` for NaN and infinities,
/// which no exact decimal can hold.
pub fn decimal_from_f64(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some("0".to_owned());
    }
    Some(f.to_string())
}

// ---------------------------------------------------------------------------------------------
// Parsing dates, times and intervals.

/// A position in ASCII text being parsed.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a [u8]) -> Self {
        Cursor { s, at: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn at_end(&self) -> bool {
        self.at == self.s.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Consumes a sign when there is one; `Some(true)` for `-`.
    fn sign(&mut self) -> Option<bool> {
        if self.eat(b'-') {
            Some(true)
        } else if self.eat(b'+') {
            Some(false)
        } else {
            None
        }
    }

    /// The run of ASCII digits at the cursor (possibly empty).
    fn digit_run(&mut self) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        &self.s[start..self.at]
    }

    /// Exactly `n` digits (and no more digits right after them are consumed).
    fn fixed_digits(&mut self, n: usize) -> Option<u32> {
        let digits = self.s.get(self.at..self.at + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += n;
        Some(
            digits
                .iter()
                .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0')),
        )
    }
}

/// The value of a run of digits, `None` when it does not fit an i128.
fn digits_value(digits: &[u8]) -> Option<i128> {
    digits.iter().try_fold(0i128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(i128::from(d - b'0'))
    })
}

/// `YYYY-MM-DD`, or with an expanded year: a sign and at least four digits.
fn parse_date_at(c: &mut Cursor<'_>) -> Option<Date> {
    let year = match c.sign() {
        Some(negative) => {
            let digits = c.digit_run();
            if digits.len() < 4 {
                return None;
            }
            let magnitude = digits_value(digits)?;
            i32::try_from(if negative { -magnitude } else { magnitude }).ok()?
        }
        None => c.fixed_digits(4)? as i32,
    };
    if !c.eat(b'-') {
        return None;
    }
    let month = c.fixed_digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.fixed_digits(2)?;
    Date::new(year, month as u8, day as u8)
}

/// `HH:MM:SS[.f{1,9}]`; with `seconds_optional`, also `HH:MM`.
fn parse_time_at(c: &mut Cursor<'_>, seconds_optional: bool) -> Option<Time> {
    let hour = c.fixed_digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.fixed_digits(2)?;
    let (second, nanos) = if c.eat(b':') {
        let second = c.fixed_digits(2)?;
        let nanos = if c.eat(b'.') {
            let digits = c.digit_run();
            if digits.is_empty() || digits.len() > 9 {
                return None;
            }
            let value = digits_value(digits)? as u32;
            value * 10u32.pow(9 - digits.len() as u32)
        } else {
            0
        };
        (second, nanos)
    } else if seconds_optional {
        (0, 0)
    } else {
        return None;
    };
    Time::new(hour as u8, minute as u8, second as u8, nanos)
}

/// An offset from UTC in seconds. Strict (the archive): `±HH:MM[:SS]`. Lenient (sources): also
/// `Z`, `±HH` and `±HHMM`.
fn parse_offset_at(c: &mut Cursor<'_>, lenient: bool) -> Option<i32> {
    if lenient && c.eat(b'Z') {
        return Some(0);
    }
    let negative = c.sign()?;
    let hours = c.fixed_digits(2)?;
    let (minutes, seconds) = if c.eat(b':') {
        let minutes = c.fixed_digits(2)?;
        let seconds = if c.eat(b':') { c.fixed_digits(2)? } else { 0 };
        (minutes, seconds)
    } else if lenient && c.peek().is_some_and(|b| b.is_ascii_digit()) {
        (c.fixed_digits(2)?, 0)
    } else if lenient {
        (0, 0)
    } else {
        return None;
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    let magnitude = (hours * 3600 + minutes * 60 + seconds) as i32;
    Some(if negative { -magnitude } else { magnitude })
}

/// Parses a date or timestamp as sources write them, e.g. SQLite's `2024-01-31 12:30:00`.
///
/// Accepts `YYYY-MM-DD` (midnight), or a date, `T` or a space, and `HH:MM[:SS[.f]]` with one to
/// nine fraction digits, then an optional offset: `Z`, `±HH`, `±HHMM`, `±HH:MM` or `±HH:MM:SS`
/// (returned in seconds, within ±23:59:59). A year outside 0000..=9999 is written with a sign and
/// at least four digits (`-4712-01-01`, `+10000-01-01`). Returns `None` for anything else,
/// including dates that do not exist (`2023-02-29`) and leading or trailing spaces.
pub fn parse_datetime(s: &str) -> Option<(DateTime, Option<i32>)> {
    let mut c = Cursor::new(s.as_bytes());
    let date = parse_date_at(&mut c)?;
    if c.at_end() {
        let midnight = Time::new(0, 0, 0, 0)?;
        return Some((
            DateTime {
                date,
                time: midnight,
            },
            None,
        ));
    }
    if !(c.eat(b'T') || c.eat(b' ')) {
        return None;
    }
    let time = parse_time_at(&mut c, true)?;
    let offset = if c.at_end() {
        None
    } else {
        Some(parse_offset_at(&mut c, true)?)
    };
    c.at_end().then_some((DateTime { date, time }, offset))
}

/// The archive's timestamp: `<date>T<HH:MM:SS[.f]>`.
fn parse_archive_datetime(c: &mut Cursor<'_>) -> Option<DateTime> {
    let date = parse_date_at(c)?;
    if !c.eat(b'T') {
        return None;
    }
    let time = parse_time_at(c, false)?;
    Some(DateTime { date, time })
}

/// The archive's interval: an ISO 8601 duration with a sign on any component, as
/// [`Value::write_csv`] writes it.
fn parse_interval(s: &[u8]) -> Option<Interval> {
    let mut c = Cursor::new(s);
    if !c.eat(b'P') {
        return None;
    }
    let (mut years, mut months, mut days) = (0i128, 0i128, 0i128);
    let (mut hours, mut minutes, mut nanos) = (0i128, 0i128, 0i128);
    let mut in_time = false;
    // Designators must come in order, each at most once: Y M D T H M S.
    let mut next = 0;
    let mut any = false;
    while !c.at_end() {
        if !in_time && c.eat(b'T') {
            in_time = true;
            next = next.max(3);
            // `T` must be followed by a component.
            if c.at_end() {
                return None;
            }
            continue;
        }
        let negative = c.sign().unwrap_or(false);
        let digits = c.digit_run();
        if digits.is_empty() {
            return None;
        }
        let whole = digits_value(digits)?;
        let mut fraction = 0i128;
        if in_time && c.eat(b'.') {
            let digits = c.digit_run();
            if digits.is_empty() || digits.len() > 9 {
                return None;
            }
            fraction = digits_value(digits)? * 10i128.pow(9 - digits.len() as u32);
            if c.peek() != Some(b'S') {
                return None;
            }
        }
        let designator = c.peek()?;
        c.at += 1;
        let slot = match (in_time, designator) {
            (false, b'Y') => 0,
            (false, b'M') => 1,
            (false, b'D') => 2,
            (true, b'H') => 3,
            (true, b'M') => 4,
            (true, b'S') => 5,
            _ => return None,
        };
        if slot < next {
            return None;
        }
        next = slot + 1;
        any = true;
        let signed = |v: i128| if negative { -v } else { v };
        match slot {
            0 => years = signed(whole),
            1 => months = signed(whole),
            2 => days = signed(whole),
            3 => hours = signed(whole),
            4 => minutes = signed(whole),
            _ => {
                nanos = signed(whole.checked_mul(NANOS_PER_SECOND)?.checked_add(fraction)?);
            }
        }
    }
    if !any {
        return None;
    }
    let total_months = years.checked_mul(12)?.checked_add(months)?;
    let total_nanos = hours
        .checked_mul(NANOS_PER_HOUR)?
        .checked_add(minutes.checked_mul(NANOS_PER_MINUTE)?)?
        .checked_add(nanos)?;
    Some(Interval {
        months: i64::try_from(total_months).ok()?,
        days: i64::try_from(days).ok()?,
        nanos: total_nanos,
    })
}

// ---------------------------------------------------------------------------------------------
// Decoding a CSV field.

/// A field that does not hold a value of its column's type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {}", shown(.found))]
pub struct DecodeError {
    /// What the column's type needs, e.g. `a date (YYYY-MM-DD)`.
    pub expected: &'static str,
    /// The field's text, cut after 40 characters.
    pub found: String,
}

const SHOWN_CHARS: usize = 40;

fn shown(found: &str) -> String {
    if found.is_empty() {
        "\"\" (an empty string; NULL is written as an unquoted empty field)".to_owned()
    } else {
        format!("{found:?}")
    }
}

/// How a neutral type's values are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Bool,
    Int,
    Decimal,
    Float,
    Text,
    Bytes,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
}

impl Form {
    fn of(ty: &NeutralType) -> Form {
        match ty {
            NeutralType::Boolean => Form::Bool,
            NeutralType::Integer { .. } => Form::Int,
            NeutralType::Decimal { .. } => Form::Decimal,
            NeutralType::Float { .. } => Form::Float,
            NeutralType::Binary { .. }
            | NeutralType::Lob {
                lob: LobKind::Binary,
            } => Form::Bytes,
            NeutralType::Text { .. }
            | NeutralType::NationalText { .. }
            | NeutralType::Lob {
                lob: LobKind::Character | LobKind::National | LobKind::File,
            }
            | NeutralType::Json
            | NeutralType::Uuid
            | NeutralType::Xml
            | NeutralType::Spatial { .. }
            | NeutralType::RowId
            | NeutralType::Other => Form::Text,
            NeutralType::Date => Form::Date,
            NeutralType::Time { .. } => Form::Time,
            NeutralType::Timestamp { .. } => Form::Timestamp,
            NeutralType::TimestampTz { .. } => Form::TimestampTz,
            NeutralType::Interval { .. } => Form::Interval,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Form::Bool => "a boolean (true or false)",
            Form::Int => "a 64-bit integer",
            Form::Decimal => "a decimal number",
            Form::Float => "a floating-point number (digits, NaN, Infinity or -Infinity)",
            Form::Text => "UTF-8 text",
            Form::Bytes => "bytes as pairs of hexadecimal digits",
            Form::Date => "a date (YYYY-MM-DD)",
            Form::Time => "a time of day (HH:MM:SS[.fraction])",
            Form::Timestamp => "a timestamp (YYYY-MM-DDTHH:MM:SS[.fraction])",
            Form::TimestampTz => {
                "a timestamp with an offset (YYYY-MM-DDTHH:MM:SS[.fraction]±HH:MM[:SS])"
            }
            Form::Interval => "an ISO 8601 duration (e.g. P1Y2M3DT4H5M6.5S)",
        }
    }

    fn error(self, field: &[u8]) -> DecodeError {
        let text = String::from_utf8_lossy(field);
        let mut found: String = text.chars().take(SHOWN_CHARS).collect();
        if text.chars().nth(SHOWN_CHARS).is_some() {
            found.push('…');
        }
        DecodeError {
            expected: self.expected(),
            found,
        }
    }
}

/// Decodes one CSV field (its content, unescaped, and whether it was quoted) as a value of a
/// column of type `ty`, borrowing text from `field`.
///
/// An unquoted empty field is NULL for every type. A quoted empty field is the empty string for
/// character types and the empty byte string for binary types, and an error for any other type.
/// Otherwise quoting does not matter. Fails when the text is not what format v1 writes for the
/// type (see docs/archive.md); decimals are also accepted in any form [`canonical_decimal`]
/// accepts, and returned canonical.
pub fn decode<'a>(
    field: &'a [u8],
    quoted: bool,
    ty: &NeutralType,
) -> Result<Value<'a>, DecodeError> {
    let form = Form::of(ty);
    if field.is_empty() {
        return match (quoted, form) {
            (false, _) => Ok(Value::Null),
            (true, Form::Text) => Ok(Value::Text(Cow::Borrowed(""))),
            (true, Form::Bytes) => Ok(Value::Bytes(Cow::Borrowed(&[]))),
            (true, _) => Err(form.error(field)),
        };
    }
    let value = match form {
        Form::Text => std::str::from_utf8(field)
            .ok()
            .map(|t| Value::Text(Cow::Borrowed(t))),
        Form::Bytes => decode_hex(field).map(|b| Value::Bytes(Cow::Owned(b))),
        Form::Bool => match field {
            b"true" => Some(Value::Bool(true)),
            b"false" => Some(Value::Bool(false)),
            _ => None,
        },
        Form::Int => std::str::from_utf8(field)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Value::Int),
        Form::Decimal => std::str::from_utf8(field)
            .ok()
            .and_then(canonical_decimal)
            .map(Value::Decimal),
        Form::Float => parse_float(field).map(Value::Float),
        Form::Date => {
            let mut c = Cursor::new(field);
            let date = parse_date_at(&mut c);
            date.filter(|_| c.at_end()).map(Value::Date)
        }
        Form::Time => {
            let mut c = Cursor::new(field);
            let time = parse_time_at(&mut c, false);
            time.filter(|_| c.at_end()).map(Value::Time)
        }
        Form::Timestamp => {
            let mut c = Cursor::new(field);
            let dt = parse_archive_datetime(&mut c);
            dt.filter(|_| c.at_end()).map(Value::Timestamp)
        }
        Form::TimestampTz => {
            let mut c = Cursor::new(field);
            parse_archive_datetime(&mut c).and_then(|dt| {
                let offset = parse_offset_at(&mut c, false)?;
                c.at_end().then_some(Value::TimestampTz(dt, offset))
            })
        }
        Form::Interval => parse_interval(field).map(Value::Interval),
    };
    value.ok_or_else(|| form.error(field))
}

fn decode_hex(field: &[u8]) -> Option<Vec<u8>> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    if !field.len().is_multiple_of(2) {
        return None;
    }
    field
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

fn parse_float(field: &[u8]) -> Option<f64> {
    match field {
        b"NaN" => return Some(f64::NAN),
        b"Infinity" => return Some(f64::INFINITY),
        b"-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // Rust also reads `inf`, `nan` and the like; the archive has one spelling for each.
    if !field
        .iter()
        .all(|b| matches!(b, b'0'..=b'9' | b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    std::str::from_utf8(field).ok()?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Fitting a value into a target column.

/// Whether `value` can be stored in a column of type `ty` without being changed: integers in
/// range, decimals within precision and scale, text and binary within their length, fractions
/// of seconds within the precision, a time zone where the column keeps one. `Err` says why
/// not, in words for a message that also names the column. Types dbsub does not map
/// ([`NeutralType::Other`]) accept any value.
pub fn fits(value: &Value<'_>, ty: &NeutralType) -> Result<(), String> {
    use NeutralType as N;
    let kind = match value {
        Value::Null => return Ok(()),
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Decimal(_) | Value::Float(_) => "a number",
        Value::Text(_) => "text",
        Value::Bytes(_) => "binary data",
        Value::Date(_) => "a date",
        Value::Time(_) => "a time of day",
        Value::Timestamp(_) => "a timestamp",
        Value::TimestampTz(..) => "a timestamp with a time zone",
        Value::Interval(_) => "an interval",
    };
    let refuse = || {
        Err(format!(
            "{kind} does not fit a column of type {}",
            describe(ty)
        ))
    };
    match (value, ty) {
        (_, N::Other) => Ok(()),
        (Value::Bool(_), N::Boolean) => Ok(()),
        (Value::Bool(_), N::Integer { .. } | N::Decimal { .. }) => Ok(()),
        (Value::Int(i), N::Boolean) if *i == 0 || *i == 1 => Ok(()),
        (Value::Int(i), N::Integer { bits }) => int_in_range(*i as i128, *bits),
        (Value::Int(i), N::Decimal { precision, scale }) => {
            decimal_fits(&i.to_string(), *precision, *scale)
        }
        (Value::Int(_) | Value::Float(_), N::Float { .. }) => Ok(()),
        (Value::Decimal(d), N::Decimal { precision, scale }) => decimal_fits(d, *precision, *scale),
        (Value::Decimal(d), N::Integer { bits }) => match d.parse::<i128>() {
            Ok(i) => int_in_range(i, *bits),
            Err(_) => Err(format!(
                "{d} is not a whole number; the column holds integers"
            )),
        },
        (Value::Decimal(_), N::Float { .. }) => Ok(()),
        (
            Value::Text(t),
            N::Text {
                length, semantics, ..
            },
        ) => {
            let (n, unit) = match semantics {
                crate::catalog::model::LengthSemantics::Byte => (t.len(), "bytes"),
                crate::catalog::model::LengthSemantics::Char => (t.chars().count(), "characters"),
            };
            length_fits(n, *length, unit)
        }
        (Value::Text(t), N::NationalText { length, .. }) => {
            length_fits(t.chars().count(), *length, "characters")
        }
        (
            Value::Text(_),
            N::Lob {
                lob: LobKind::Character | LobKind::National | LobKind::File,
            }
            | N::Json
            | N::Xml
            | N::Spatial { .. }
            | N::RowId
            | N::Uuid,
        ) => Ok(()),
        (Value::Bytes(b), N::Binary { length, .. }) => length_fits(b.len(), *length, "bytes"),
        (
            Value::Bytes(_),
            N::Lob {
                lob: LobKind::Binary,
            },
        ) => Ok(()),
        (Value::Bytes(b), N::Uuid) => length_fits(b.len(), Some(16), "bytes"),
        (Value::Date(_), N::Date | N::Timestamp { .. }) => Ok(()),
        (Value::Timestamp(dt), N::Date) => {
            if dt.time
                == (Time {
                    hour: 0,
                    minute: 0,
                    second: 0,
                    nanos: 0,
                })
            {
                Ok(())
            } else {
                Err("a timestamp with a time of day does not fit a date column".to_string())
            }
        }
        (Value::Time(t), N::Time { precision }) => nanos_fit(t.nanos, *precision),
        (Value::Timestamp(dt), N::Timestamp { precision }) => nanos_fit(dt.time.nanos, *precision),
        (Value::TimestampTz(dt, _), N::TimestampTz { precision, .. }) => {
            nanos_fit(dt.time.nanos, *precision)
        }
        (Value::Interval(_), N::Interval { .. }) => Ok(()),
        _ => refuse(),
    }
}

/// A type as a message shows it.
fn describe(ty: &NeutralType) -> String {
    serde_json::to_value(ty)
        .ok()
        .and_then(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Object(map) => {
                map.get("type").and_then(|k| k.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .unwrap_or_else(|| format!("{ty:?}"))
}

fn int_in_range(i: i128, bits: u16) -> Result<(), String> {
    let bits = bits.clamp(2, 64) as u32;
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    if (min..=max).contains(&i) {
        Ok(())
    } else {
        Err(format!(
            "{i} is out of range for a {bits}-bit integer column"
        ))
    }
}

/// A canonical decimal against `NUMBER(precision, scale)`: at most `scale` digits after the
/// point (none dropped, so the value is not rounded) and at most `precision - scale` before it.
fn decimal_fits(d: &str, precision: Option<u16>, scale: Option<i16>) -> Result<(), String> {
    let digits = d.trim_start_matches('-');
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let scale = scale.unwrap_or(if precision.is_some() { 0 } else { i16::MAX });
    if scale < i16::MAX && frac.len() as i64 > scale.max(0) as i64 {
        return Err(format!(
            "{d} has {} digits after the point; the column keeps {} (it would be rounded)",
            frac.len(),
            scale.max(0)
        ));
    }
    if scale < 0 {
        let zeros = int.len() - int.trim_end_matches('0').len();
        if !int.is_empty() && (zeros as i64) < -(scale as i64) {
            return Err(format!(
                "{d} is not a multiple of 10^{}; the column rounds to it",
                -scale
            ));
        }
    }
    if let Some(p) = precision {
        let room = p as i64 - scale.min(p as i16) as i64;
        if int.len() as i64 > room {
            return Err(format!(
                "{d} has {} digits before the point; the column ({p}, {scale}) holds {room}",
                int.len()
            ));
        }
    }
    Ok(())
}

fn length_fits(n: usize, length: Option<u32>, unit: &str) -> Result<(), String> {
    match length {
        Some(max) if n > max as usize => {
            Err(format!("the value has {n} {unit}; the column holds {max}"))
        }
        _ => Ok(()),
    }
}

fn nanos_fit(nanos: u32, precision: Option<u8>) -> Result<(), String> {
    let p = precision.unwrap_or(9).min(9) as u32;
    if nanos.is_multiple_of(10u32.pow(9 - p)) {
        Ok(())
    } else {
        Err(format!(
            "the fraction of a second has more than {p} digits; the column keeps {p} (it would \
             be rounded)"
        ))
    }
}

#[cfg(test)]
mod fit_tests {
    use super::*;
    use crate::catalog::model::LengthSemantics;

    fn dec(p: u16, s: i16) -> NeutralType {
        NeutralType::Decimal {
            precision: Some(p),
            scale: Some(s),
        }
    }

    #[test]
    fn decimals_fit_by_precision_and_scale_without_rounding() {
        let d = |s: &'static str| Value::Decimal(Cow::Borrowed(s));
        assert!(fits(&d("1234.56"), &dec(6, 2)).is_ok());
        assert!(fits(&d("-0.5"), &dec(1, 1)).is_ok());
        assert!(
            fits(&d("12345.6"), &dec(6, 2))
                .unwrap_err()
                .contains("before the point")
        );
        assert!(
            fits(&d("1.234"), &dec(6, 2))
                .unwrap_err()
                .contains("rounded")
        );
        assert!(fits(&d("1200"), &dec(4, -2)).is_ok());
        assert!(fits(&d("1250"), &dec(4, -2)).is_err());
        assert!(fits(&Value::Int(99_999), &dec(5, 0)).is_ok());
        assert!(fits(&Value::Int(100_000), &dec(5, 0)).is_err());
        let unbounded = NeutralType::Decimal {
            precision: None,
            scale: None,
        };
        assert!(fits(&d("123456789012345678901234567890.123456789"), &unbounded).is_ok());
    }

    #[test]
    fn integers_text_binary_and_times_fit_their_columns() {
        assert!(fits(&Value::Int(32767), &NeutralType::Integer { bits: 16 }).is_ok());
        assert!(fits(&Value::Int(32768), &NeutralType::Integer { bits: 16 }).is_err());
        let varchar = |n, semantics| NeutralType::Text {
            length: Some(n),
            semantics,
            fixed: false,
        };
        let t = Value::Text(Cow::Borrowed("héllo"));
        assert!(fits(&t, &varchar(5, LengthSemantics::Char)).is_ok());
        assert!(
            fits(&t, &varchar(5, LengthSemantics::Byte))
                .unwrap_err()
                .contains("6 bytes")
        );
        assert!(
            fits(&t, &NeutralType::Integer { bits: 64 })
                .unwrap_err()
                .contains("text")
        );
        let raw = NeutralType::Binary {
            length: Some(2),
            fixed: false,
        };
        assert!(fits(&Value::Bytes(Cow::Borrowed(&[1, 2, 3])), &raw).is_err());
        let dt = DateTime {
            date: Date::new(2024, 2, 29).unwrap(),
            time: Time::new(1, 2, 3, 123_000_000).unwrap(),
        };
        assert!(
            fits(
                &Value::Timestamp(dt),
                &NeutralType::Timestamp { precision: Some(3) }
            )
            .is_ok()
        );
        assert!(
            fits(
                &Value::Timestamp(dt),
                &NeutralType::Timestamp { precision: Some(0) }
            )
            .is_err()
        );
        assert!(fits(&Value::Timestamp(dt), &NeutralType::Date).is_err());
        let tz = NeutralType::TimestampTz {
            precision: Some(6),
            local: false,
        };
        assert!(fits(&Value::Timestamp(dt), &tz).is_err());
        assert!(fits(&Value::Null, &NeutralType::Integer { bits: 16 }).is_ok());
        assert!(fits(&t, &NeutralType::Other).is_ok());
    }
}

/// Generators of values per neutral type, for the property tests here and in `csv`.
#[cfg(test)]
pub(crate) mod strategies {
    use super::*;
    use crate::catalog::model::{IntervalFields, LengthSemantics};
    use proptest::prelude::*;

    pub fn date() -> impl Strategy<Value = Date> {
        (-4712i32..=294_276, 1u8..=12, 1u8..=31).prop_map(|(year, month, day)| Date {
            year,
            month,
            day: day.min(days_in_month(year, month)),
        })
    }

    fn nanos() -> impl Strategy<Value = u32> {
        prop_oneof![
            Just(0u32),
            0u32..1_000_000_000,
            (0u32..1000).prop_map(|ms| ms * 1_000_000),
            (0u32..1_000_000).prop_map(|us| us * 1000),
        ]
    }

    pub fn time() -> impl Strategy<Value = Time> {
        (0u8..24, 0u8..60, 0u8..60, nanos()).prop_map(|(hour, minute, second, nanos)| Time {
            hour,
            minute,
            second,
            nanos,
        })
    }

    pub fn datetime() -> impl Strategy<Value = DateTime> {
        (date(), time()).prop_map(|(date, time)| DateTime { date, time })
    }

    /// -15:59:59 ..= +15:59:59, whole minutes more often than not.
    pub fn offset() -> impl Strategy<Value = i32> {
        let max = 15 * 3600 + 59 * 60 + 59;
        prop_oneof![Just(0), (-959i32..=959).prop_map(|m| m * 60), -max..=max]
    }

    pub fn interval() -> impl Strategy<Value = Interval> {
        let small = -40i64..40;
        (
            prop_oneof![small.clone(), any::<i64>()],
            prop_oneof![small, any::<i64>()],
            prop_oneof![
                Just(0i128),
                (-100_000i128..100_000).prop_map(|s| s * NANOS_PER_SECOND),
                -100 * NANOS_PER_HOUR..100 * NANOS_PER_HOUR,
                any::<i64>().prop_map(i128::from),
                any::<i128>(),
            ],
        )
            .prop_map(|(months, days, nanos)| Interval {
                months,
                days,
                nanos,
            })
    }

    /// Canonical decimal text: up to 20 integer and 20 fraction digits, either sign.
    pub fn decimal() -> impl Strategy<Value = String> {
        (any::<bool>(), "0|[1-9][0-9]{0,19}", "[0-9]{0,20}").prop_map(|(negative, int, frac)| {
            let zero = int == "0" && frac.bytes().all(|d| d == b'0');
            let mut text = String::new();
            if negative && !zero {
                text.push('-');
            }
            text.push_str(&int);
            if !frac.is_empty() {
                text.push('.');
                text.push_str(&frac);
            }
            text
        })
    }

    pub fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            any::<f64>(),
            (1u64..1 << 52).prop_map(f64::from_bits),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(0.0),
        ]
    }

    pub fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ ,\"\r\n\tab\u{e9}\u{1F600}]{0,12}",
            Just(String::new()),
            Just(" ".to_owned()),
        ]
    }

    /// One neutral type of each way of writing values, and some of their aliases.
    pub fn column_type() -> impl Strategy<Value = NeutralType> {
        prop_oneof![
            Just(NeutralType::Boolean),
            Just(NeutralType::Integer { bits: 64 }),
            Just(NeutralType::Decimal {
                precision: None,
                scale: None
            }),
            Just(NeutralType::Float { bits: Some(53) }),
            Just(NeutralType::Text {
                length: None,
                semantics: LengthSemantics::Char,
                fixed: false
            }),
            Just(NeutralType::NationalText {
                length: Some(10),
                fixed: true
            }),
            Just(NeutralType::Lob {
                lob: LobKind::Character
            }),
            Just(NeutralType::Json),
            Just(NeutralType::Binary {
                length: None,
                fixed: false
            }),
            Just(NeutralType::Lob {
                lob: LobKind::Binary
            }),
            Just(NeutralType::Date),
            Just(NeutralType::Time { precision: None }),
            Just(NeutralType::Timestamp { precision: Some(9) }),
            Just(NeutralType::TimestampTz {
                precision: Some(6),
                local: false
            }),
            Just(NeutralType::Interval {
                fields: IntervalFields::Any,
                leading_precision: None,
                fractional_precision: None
            }),
        ]
    }

    /// A value of a column of type `ty`, NULL one time in seven.
    pub fn value_of(ty: &NeutralType) -> BoxedStrategy<Value<'static>> {
        let value = match Form::of(ty) {
            Form::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Form::Int => prop_oneof![
                any::<i64>(),
                Just(i64::MIN),
                Just(i64::MAX),
                Just(0),
                -1000i64..1000
            ]
            .prop_map(Value::Int)
            .boxed(),
            Form::Decimal => decimal().prop_map(|d| Value::Decimal(d.into())).boxed(),
            Form::Float => float().prop_map(Value::Float).boxed(),
            Form::Text => text().prop_map(|t| Value::Text(t.into())).boxed(),
            Form::Bytes => proptest::collection::vec(any::<u8>(), 0..16)
                .prop_map(|b| Value::Bytes(b.into()))
                .boxed(),
            Form::Date => date().prop_map(Value::Date).boxed(),
            Form::Time => time().prop_map(Value::Time).boxed(),
            Form::Timestamp => datetime().prop_map(Value::Timestamp).boxed(),
            Form::TimestampTz => (datetime(), offset())
                .prop_map(|(dt, offset)| Value::TimestampTz(dt, offset))
                .boxed(),
            Form::Interval => interval().prop_map(Value::Interval).boxed(),
        };
        prop_oneof![1 => Just(Value::Null), 6 => value].boxed()
    }

    /// Equality with every NaN equal to every NaN, and -0.0 different from 0.0.
    pub fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            _ => a == b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{IntervalFields, LengthSemantics};
    use proptest::prelude::*;

    fn csv(value: &Value<'_>) -> String {
        let mut out = Vec::new();
        value.write_csv(&mut out);
        String::from_utf8(out).expect("the writer writes UTF-8")
    }

    fn date(year: i32, month: u8, day: u8) -> Date {
        Date::new(year, month, day).expect("a valid date")
    }

    fn time(hour: u8, minute: u8, second: u8, nanos: u32) -> Time {
        Time::new(hour, minute, second, nanos).expect("a valid time")
    }

    fn datetime(d: Date, t: Time) -> DateTime {
        DateTime { date: d, time: t }
    }

    const TEXT: NeutralType = NeutralType::Text {
        length: None,
        semantics: LengthSemantics::Byte,
        fixed: false,
    };
    const BINARY: NeutralType = NeutralType::Binary {
        length: None,
        fixed: false,
    };
    const INTERVAL: NeutralType = NeutralType::Interval {
        fields: IntervalFields::Any,
        leading_precision: None,
        fractional_precision: None,
    };
    const DECIMAL: NeutralType = NeutralType::Decimal {
        precision: None,
        scale: None,
    };
    const TIMESTAMP_TZ: NeutralType = NeutralType::TimestampTz {
        precision: None,
        local: false,
    };

    const INT: NeutralType = NeutralType::Integer { bits: 64 };
    const FLOAT: NeutralType = NeutralType::Float { bits: None };
    const TIME: NeutralType = NeutralType::Time { precision: None };
    const TIMESTAMP: NeutralType = NeutralType::Timestamp { precision: None };

    fn text(t: &'static str) -> Value<'static> {
        Value::Text(t.into())
    }

    fn interval(months: i64, days: i64, nanos: i128) -> Value<'static> {
        Value::Interval(Interval {
            months,
            days,
            nanos,
        })
    }

    /// Each rule of docs/archive.md: the exact field text, the column type, and the value.
    fn examples() -> Vec<(&'static str, NeutralType, Value<'static>)> {
        let noon = time(12, 0, 0, 0);
        let d = date(2024, 1, 31);
        let ts = |t| Value::TimestampTz(datetime(d, noon), t);
        let (h, m, s) = (NANOS_PER_HOUR, NANOS_PER_MINUTE, NANOS_PER_SECOND);
        vec![
            ("", NeutralType::Integer { bits: 32 }, Value::Null),
            ("", TEXT, Value::Null),
            ("\"\"", TEXT, text("")),
            ("plain", TEXT, text("plain")),
            ("in ner", TEXT, text("in ner")),
            ("\"a,b\"", TEXT, text("a,b")),
            ("\"say \"\"hi\"\"\"", TEXT, text("say \"hi\"")),
            ("\"two\r\nlines\"", TEXT, text("two\r\nlines")),
            ("\" padded\"", TEXT, text(" padded")),
            ("\"padded\t\"", TEXT, text("padded\t")),
            ("\u{e9}t\u{e9}", NeutralType::Json, text("\u{e9}t\u{e9}")),
            ("true", NeutralType::Boolean, Value::Bool(true)),
            ("false", NeutralType::Boolean, Value::Bool(false)),
            ("0", INT, Value::Int(0)),
            ("-42", NeutralType::Integer { bits: 16 }, Value::Int(-42)),
            ("-9223372036854775808", INT, Value::Int(i64::MIN)),
            ("9223372036854775807", INT, Value::Int(i64::MAX)),
            ("12.50", DECIMAL, Value::Decimal("12.50".into())),
            ("-0.001", DECIMAL, Value::Decimal("-0.001".into())),
            ("12.5", FLOAT, Value::Float(12.5)),
            ("3", FLOAT, Value::Float(3.0)),
            ("0.0000001", FLOAT, Value::Float(1e-7)),
            ("1000000000000000000000", FLOAT, Value::Float(1e21)),
            ("-0", FLOAT, Value::Float(-0.0)),
            ("Infinity", FLOAT, Value::Float(f64::INFINITY)),
            ("-Infinity", FLOAT, Value::Float(f64::NEG_INFINITY)),
            (
                "00abff",
                BINARY,
                Value::Bytes(vec![0x00, 0xab, 0xff].into()),
            ),
            ("\"\"", BINARY, Value::Bytes(Vec::new().into())),
            (
                "01",
                NeutralType::Lob {
                    lob: LobKind::Binary,
                },
                Value::Bytes(vec![1].into()),
            ),
            ("2024-01-31", NeutralType::Date, Value::Date(d)),
            ("0000-01-01", NeutralType::Date, Value::Date(date(0, 1, 1))),
            (
                "0099-12-31",
                NeutralType::Date,
                Value::Date(date(99, 12, 31)),
            ),
            (
                "-0001-01-01",
                NeutralType::Date,
                Value::Date(date(-1, 1, 1)),
            ),
            (
                "-4712-01-01",
                NeutralType::Date,
                Value::Date(date(-4712, 1, 1)),
            ),
            (
                "+10000-01-01",
                NeutralType::Date,
                Value::Date(date(10000, 1, 1)),
            ),
            ("12:00:00", TIME, Value::Time(noon)),
            ("12:00:00.5", TIME, Value::Time(time(12, 0, 0, 500_000_000))),
            ("23:59:59.000000001", TIME, Value::Time(time(23, 59, 59, 1))),
            (
                "2024-01-31T08:05:03.12",
                TIMESTAMP,
                Value::Timestamp(datetime(d, time(8, 5, 3, 120_000_000))),
            ),
            ("2024-01-31T12:00:00+00:00", TIMESTAMP_TZ, ts(0)),
            (
                "2024-01-31T12:00:00+05:30",
                TIMESTAMP_TZ,
                ts(5 * 3600 + 30 * 60),
            ),
            ("2024-01-31T12:00:00-01:02:03", TIMESTAMP_TZ, ts(-3723)),
            ("2024-01-31T12:00:00-00:00:30", TIMESTAMP_TZ, ts(-30)),
            ("PT0S", INTERVAL, interval(0, 0, 0)),
            ("P1Y2M3D", INTERVAL, interval(14, 3, 0)),
            ("P-1Y-2M3D", INTERVAL, interval(-14, 3, 0)),
            ("P1Y", INTERVAL, interval(12, 0, 0)),
            (
                "P1DT4H5M6.5S",
                INTERVAL,
                interval(0, 1, 4 * h + 5 * m + 6_500_000_000),
            ),
            ("PT-1H-30M", INTERVAL, interval(0, 0, -(h + 30 * m))),
            ("P2DT-0.5S", INTERVAL, interval(0, 2, -s / 2)),
            ("PT0.000000001S", INTERVAL, interval(0, 0, 1)),
        ]
    }

    /// The content of a field as the CSV reader hands it over: quotes removed, `""` undoubled.
    fn unquote(field: &str) -> (String, bool) {
        match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
            Some(inner) => (inner.replace("\"\"", "\""), true),
            None => (field.to_owned(), false),
        }
    }

    #[test]
    fn each_value_is_written_as_documented_and_decodes_back() {
        for (text, ty, value) in examples() {
            assert_eq!(csv(&value), text, "{value:?}");
            let (content, quoted) = unquote(text);
            let decoded =
                decode(content.as_bytes(), quoted, &ty).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(decoded, value, "{text}");
        }
    }

    #[test]
    fn nan_is_written_nan_and_reads_back_as_nan() {
        assert_eq!(csv(&Value::Float(f64::NAN)), "NaN");
        let ty = NeutralType::Float { bits: Some(24) };
        assert!(matches!(decode(b"NaN", false, &ty), Ok(Value::Float(f)) if f.is_nan()));
    }

    #[test]
    fn quoted_empty_is_empty_text_or_bytes_and_an_error_for_other_types() {
        assert_eq!(
            decode(b"", true, &NeutralType::Uuid),
            Ok(Value::Text("".into()))
        );
        assert_eq!(decode(b"", false, &NeutralType::Uuid), Ok(Value::Null));
        assert_eq!(
            decode(b"", true, &BINARY),
            Ok(Value::Bytes(Vec::new().into()))
        );
        assert_eq!(decode(b"", false, &BINARY), Ok(Value::Null));
        assert_eq!(decode(b"", false, &NeutralType::Date), Ok(Value::Null));
        let err = decode(b"", true, &NeutralType::Integer { bits: 64 }).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected a 64-bit integer, found \"\" (an empty string; NULL is written as an \
             unquoted empty field)"
        );
    }

    #[test]
    fn decode_errors_say_what_was_expected_and_show_the_text() {
        let cases: Vec<(&[u8], NeutralType, &str)> = vec![
            (
                b"2020-13-01",
                NeutralType::Date,
                "expected a date (YYYY-MM-DD), found \"2020-13-01\"",
            ),
            (
                b"2023-02-29",
                NeutralType::Date,
                "expected a date (YYYY-MM-DD), found \"2023-02-29\"",
            ),
            (
                b"yes",
                NeutralType::Boolean,
                "expected a boolean (true or false), found \"yes\"",
            ),
            (
                b"9223372036854775808",
                NeutralType::Integer { bits: 64 },
                "expected a 64-bit integer, found \"9223372036854775808\"",
            ),
            (b"1,5", DECIMAL, "expected a decimal number, found \"1,5\""),
            (
                b"inf",
                NeutralType::Float { bits: None },
                "expected a floating-point number (digits, NaN, Infinity or -Infinity), found \
                 \"inf\"",
            ),
            (
                b"abc",
                BINARY,
                "expected bytes as pairs of hexadecimal digits, found \"abc\"",
            ),
            (b"\xff", TEXT, "expected UTF-8 text, found \"\u{fffd}\""),
            (
                b"24:00:00",
                NeutralType::Time { precision: None },
                "expected a time of day (HH:MM:SS[.fraction]), found \"24:00:00\"",
            ),
            (
                b"2024-01-31 12:00:00",
                NeutralType::Timestamp { precision: None },
                "expected a timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]), found \
                 \"2024-01-31 12:00:00\"",
            ),
            (
                b"2024-01-31T12:00:00Z",
                TIMESTAMP_TZ,
                "expected a timestamp with an offset (YYYY-MM-DDTHH:MM:SS[.fraction]±HH:MM[:SS]), \
                 found \"2024-01-31T12:00:00Z\"",
            ),
            (
                b"P1H",
                INTERVAL,
                "expected an ISO 8601 duration (e.g. P1Y2M3DT4H5M6.5S), found \"P1H\"",
            ),
            (
                b"line one\nline two, and then a great deal more text",
                NeutralType::Date,
                "expected a date (YYYY-MM-DD), found \"line one\\nline two, and then a great deal…\"",
            ),
        ];
        for (field, ty, message) in cases {
            let err = decode(field, false, &ty).expect_err(message);
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn timestamp_fields_are_strict() {
        let ts = NeutralType::Timestamp { precision: None };
        for bad in [
            "2024-01-31",
            "2024-01-31T12:00",
            "2024-01-31T12:00:00.",
            "2024-01-31T12:00:00.1234567891",
            "2024-01-31T12:00:00+00:00",
            " 2024-01-31T12:00:00",
            "24-01-31T12:00:00",
            "20240-01-31T12:00:00",
        ] {
            assert!(decode(bad.as_bytes(), false, &ts).is_err(), "{bad}");
        }
        for bad in [
            "2024-01-31T12:00:00",
            "2024-01-31T12:00:00+24:00",
            "2024-01-31T12:00:00+0100",
        ] {
            assert!(
                decode(bad.as_bytes(), false, &TIMESTAMP_TZ).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn interval_fields_reject_what_the_writer_never_writes() {
        for bad in [
            "",
            "P",
            "PT",
            "P1DT",
            "P1M1Y",
            "PT1S1M",
            "P1.5D",
            "PT1.S",
            "P--1D",
            "-P1D",
            "P1D ",
            "P1W",
            "PT1.1234567891S",
        ] {
            assert!(parse_interval(bad.as_bytes()).is_none(), "{bad}");
        }
        assert_eq!(
            parse_interval(b"P14M"),
            Some(Interval {
                months: 14,
                days: 0,
                nanos: 0
            })
        );
    }

    #[test]
    fn intervals_at_the_limits_round_trip() {
        for iv in [
            Interval {
                months: i64::MIN,
                days: i64::MIN,
                nanos: i128::MIN,
            },
            Interval {
                months: i64::MAX,
                days: i64::MAX,
                nanos: i128::MAX,
            },
            Interval {
                months: i64::MIN,
                days: i64::MAX,
                nanos: -1,
            },
        ] {
            let text = csv(&Value::Interval(iv));
            assert_eq!(parse_interval(text.as_bytes()), Some(iv), "{text}");
        }
        assert_eq!(
            csv(&Value::Interval(Interval {
                months: 0,
                days: 0,
                nanos: i128::MAX
            })),
            "PT47261439850130342147690917H41M55.884105727S"
        );
    }

    #[test]
    fn dates_and_times_exist_or_are_refused() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(0, 2, 29).is_some());
        assert!(Date::new(-4, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(-1, 2, 29).is_none());
        assert!(Date::new(2024, 4, 31).is_none());
        assert!(Date::new(2024, 13, 1).is_none());
        assert!(Date::new(2024, 0, 1).is_none());
        assert!(Date::new(2024, 1, 0).is_none());
        assert!(Time::new(23, 59, 59, 999_999_999).is_some());
        assert!(Time::new(24, 0, 0, 0).is_none());
        assert!(Time::new(23, 60, 0, 0).is_none());
        assert!(Time::new(23, 59, 60, 0).is_none());
        assert!(Time::new(0, 0, 0, 1_000_000_000).is_none());
    }

    #[test]
    fn display_is_the_archive_text() {
        let dt = datetime(date(-44, 3, 15), time(9, 30, 0, 250_000_000));
        assert_eq!(dt.to_string(), "-0044-03-15T09:30:00.25");
        assert_eq!(dt.date.to_string(), "-0044-03-15");
        assert_eq!(dt.time.to_string(), "09:30:00.25");
        let iv = Interval {
            months: 1,
            days: 0,
            nanos: NANOS_PER_SECOND,
        };
        assert_eq!(iv.to_string(), "P1MT1S");
    }

    #[test]
    fn decimals_are_canonicalised_keeping_their_scale() {
        let cases = [
            ("0", Some("0")),
            ("12.50", Some("12.50")),
            ("-3", Some("-3")),
            ("+3", Some("3")),
            ("007", Some("7")),
            ("-007.10", Some("-7.10")),
            ("000", Some("0")),
            ("-0", Some("0")),
            ("-0.00", Some("0.00")),
            (".5", Some("0.5")),
            ("-.5", Some("-0.5")),
            ("5.", Some("5")),
            ("1.5E+3", Some("1500")),
            ("1.5e3", Some("1500")),
            ("1.50E+1", Some("15.0")),
            ("1E-3", Some("0.001")),
            ("-12.5e-4", Some("-0.00125")),
            ("0.000E+5", Some("0")),
            ("0e-2", Some("0.00")),
            ("123E0", Some("123")),
            ("", None),
            ("-", None),
            (".", None),
            ("+.", None),
            ("1e", None),
            ("1e+", None),
            ("1.2.3", None),
            (" 1", None),
            ("1 ", None),
            ("1,5", None),
            ("NaN", None),
            ("Infinity", None),
            ("0x10", None),
            ("1e150001", None),
            ("1e-99999999999999999999999", None),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical_decimal(input).as_deref(), expected, "{input}");
        }
        assert!(matches!(
            canonical_decimal("-12.50"),
            Some(Cow::Borrowed("-12.50"))
        ));
        assert!(matches!(canonical_decimal("1e3"), Some(Cow::Owned(_))));
    }

    #[test]
    fn a_decimal_field_keeps_canonical_text_and_canonicalises_other_text() {
        assert_eq!(
            decode(b"12.50", false, &DECIMAL),
            Ok(Value::Decimal("12.50".into()))
        );
        assert_eq!(
            decode(b"+1.5E+3", false, &DECIMAL),
            Ok(Value::Decimal("1500".into()))
        );
    }

    #[test]
    fn floats_become_decimals_without_exponent() {
        assert_eq!(decimal_from_f64(1e-7).as_deref(), Some("0.0000001"));
        assert_eq!(decimal_from_f64(12.5).as_deref(), Some("12.5"));
        assert_eq!(decimal_from_f64(3.0).as_deref(), Some("3"));
        assert_eq!(decimal_from_f64(-0.0).as_deref(), Some("0"));
        assert_eq!(decimal_from_f64(0.1).as_deref(), Some("0.1"));
        assert_eq!(
            decimal_from_f64(-2.5e22).as_deref(),
            Some("-25000000000000000000000")
        );
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(f64::INFINITY), None);
        assert_eq!(decimal_from_f64(f64::NEG_INFINITY), None);
        let tiny = decimal_from_f64(f64::from_bits(1)).expect("finite");
        assert!(tiny.starts_with("0.000") && tiny.ends_with("5"), "{tiny}");
    }

    #[test]
    fn source_timestamps_are_parsed_leniently() {
        let d = date(2024, 1, 31);
        let ok = [
            ("2024-01-31", datetime(d, time(0, 0, 0, 0)), None),
            ("2024-01-31 12:30", datetime(d, time(12, 30, 0, 0)), None),
            ("2024-01-31T12:30", datetime(d, time(12, 30, 0, 0)), None),
            (
                "2024-01-31 12:30:45",
                datetime(d, time(12, 30, 45, 0)),
                None,
            ),
            (
                "2024-01-31 12:30:45.1",
                datetime(d, time(12, 30, 45, 100_000_000)),
                None,
            ),
            (
                "2024-01-31 12:30:45.123456789",
                datetime(d, time(12, 30, 45, 123_456_789)),
                None,
            ),
            (
                "2024-01-31 12:30:45Z",
                datetime(d, time(12, 30, 45, 0)),
                Some(0),
            ),
            (
                "2024-01-31 12:30:45+02",
                datetime(d, time(12, 30, 45, 0)),
                Some(7200),
            ),
            (
                "2024-01-31 12:30-0530",
                datetime(d, time(12, 30, 0, 0)),
                Some(-19_800),
            ),
            (
                "2024-01-31T12:30:45+05:45",
                datetime(d, time(12, 30, 45, 0)),
                Some(20_700),
            ),
            (
                "2024-01-31T12:30:45-00:00:30",
                datetime(d, time(12, 30, 45, 0)),
                Some(-30),
            ),
            (
                "-4712-01-01",
                datetime(date(-4712, 1, 1), time(0, 0, 0, 0)),
                None,
            ),
            (
                "+10000-02-29 00:00",
                datetime(date(10000, 2, 29), time(0, 0, 0, 0)),
                None,
            ),
        ];
        for (text, dt, offset) in ok {
            assert_eq!(parse_datetime(text), Some((dt, offset)), "{text}");
        }
        for bad in [
            "",
            "2024-1-31",
            "2024-01-31 ",
            " 2024-01-31",
            "2024-01-31  12:30",
            "2024-01-31 12",
            "2024-01-31 12:30:45.",
            "2024-01-31 12:30:45.1234567890",
            "2024-01-31 24:00:00",
            "2024-01-31 12:60:00",
            "2024-01-31 12:30:60",
            "2024-01-31Z",
            "2024-01-31 12:30:45 +02:00",
            "2024-01-31 12:30:45+2",
            "2024-01-31 12:30:45+24:00",
            "2024-01-31 12:30:45+02:60",
            "2024-01-31 12:30:45z",
            "2023-02-29",
            "2024-02-30 00:00",
            "10000-01-01",
            "+999-01-01",
            "+99999999999-01-01",
            "2024/01/31",
            "31.01.2024",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn decimal_from_f64_parses_back_to_the_same_float(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            match decimal_from_f64(f) {
                None => prop_assert!(!f.is_finite()),
                Some(text) => {
                    prop_assert!(!text.contains(['e', 'E']), "{}", text);
                    prop_assert_eq!(canonical_decimal(&text), Some(Cow::Borrowed(text.as_str())));
                    let back: f64 = text.parse().expect("decimal text parses as f64");
                    if f == 0.0 {
                        prop_assert_eq!(back.to_bits(), 0);
                    } else {
                        prop_assert_eq!(back.to_bits(), bits);
                    }
                }
            }
        }

        #[test]
        fn parse_datetime_reads_archive_timestamps(
            dt in strategies::datetime(),
            offset in strategies::offset(),
        ) {
            prop_assert_eq!(parse_datetime(&csv(&Value::Timestamp(dt))), Some((dt, None)));
            prop_assert_eq!(
                parse_datetime(&csv(&Value::TimestampTz(dt, offset))),
                Some((dt, Some(offset)))
            );
        }

        #[test]
        fn exponent_forms_canonicalise_to_the_plain_form(text in strategies::decimal()) {
            // The number is `all × 10^-scale`; both forms below keep that scale.
            let (sign, digits) = match text.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", text.as_str()),
            };
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            let all = format!("{int}{frac}");
            let scale = frac.len() as i64;
            for written in [
                format!("{sign}{all}E-{scale}"),
                format!("{sign}0.{all}e{:+}", all.len() as i64 - scale),
            ] {
                let canonical = canonical_decimal(&written);
                prop_assert_eq!(
                    canonical.as_deref(),
                    Some(text.as_str()),
                    "{}",
                    written
                );
            }
        }
    }
}
