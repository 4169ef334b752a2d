//! The one text form of values (format v1 of the archive, see docs/archive.md): how each value is
//! written as a CSV field and read back for a column of a given type. The archive's files, the
//! PostgreSQL COPY stream and every backend's text conversions use it, so a value means the same
//! text everywhere.
//!
//! Writing appends to a caller's byte buffer and never allocates; decoding borrows text from the
//! field. Both run once per field of every row.

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;

use super::value::*;
use crate::catalog::model::{LobKind, NeutralType};

impl Value<'_> {
    /// Appends this value as one CSV field of format v1, exactly as it appears in the file
    /// (quotes included): NULL as nothing, an empty text or byte string as `""`, text quoted
    /// when it needs to be (see [`write_text_field`]), every other value unquoted.
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
            Value::Text(t) => write_text_field(t, out),
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

impl Value<'_> {
    /// The value's text form, as a CSV field holds it once unquoted: `None` for NULL, a text
    /// as it is, any other value as [`Value::write_csv`] writes it (never quoted).
    pub fn text_form(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Text(t) => Some(t.to_string()),
            other => {
                let mut out = Vec::new();
                other.write_csv(&mut out);
                Some(String::from_utf8_lossy(&out).into_owned())
            }
        }
    }
}

/// Appends `text` as one CSV field. It is quoted when it is empty (so that it differs from
/// NULL), contains `,` `"` `\r` or `\n`, or starts or ends with a space or a tab (RFC 4180 keeps
/// such spaces, but many loaders trim unquoted fields); inside quotes `"` is doubled.
pub fn write_text_field(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let needs_quotes = match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            matches!(first, b' ' | b'\t')
                || matches!(last, b' ' | b'\t')
                || bytes
                    .iter()
                    .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        }
        _ => true,
    };
    if !needs_quotes {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for piece in bytes.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(piece);
        if piece.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
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
pub(crate) enum Form {
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
    pub(crate) fn of(ty: &NeutralType) -> Form {
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

#[cfg(test)]
mod tests;
