//! What a source computes in place of a masked column, so that the value never leaves it: the
//! contract between the masking stage ([`crate::mask`], which decides) and each backend's
//! [`RowSource`](super::ports::RowSource) (which computes it inside its SELECT).

use sha2::{Digest, Sha256};

use super::digest::{hex, hmac};
use super::text::parse_datetime;
use super::value::add_days;

/// What a source computes, inside its SELECT, in place of a masked column's value. NULL stays
/// NULL in every case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceMask {
    /// Any non-NULL text (e.g. `t`) for a value that is not NULL.
    NullOnly,
    /// The lowercase hex SHA-256 of the value's text in UTF-8, followed by its [`shape`]; read
    /// as text whatever the column's type.
    Digest,
    /// The value plus `offset` days, never 0: with `k` the first four bytes (big-endian) of
    /// HMAC-SHA-256(`key`, the value's text in UTF-8) modulo `2 * days`, `offset` is
    /// `k - days + k / days` ([`shift_offset`]). Read as the column's own type.
    ShiftDays { days: u32, key: [u8; 32] },
}

impl SourceMask {
    /// Whether the source's reply is text rather than a value of the column's type.
    pub fn replies_text(&self) -> bool {
        !matches!(self, SourceMask::ShiftDays { .. })
    }
}

/// A value's shape: ASCII lowercase letters become `a`, uppercase `A`, digits `9`; ASCII
/// punctuation, space, tab, CR and LF stay; every other character becomes `*`. Sources compute
/// it in SQL (PostgreSQL: `translate` and `regexp_replace`), SQLite through this function.
pub fn shape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => 'a',
            'A'..='Z' => 'A',
            '0'..='9' => '9',
            ' '..='~' | '\t' | '\n' | '\r' => c,
            _ => '*',
        })
        .collect()
}

/// The characters [`shape`] maps to class markers, and their markers, for sources that
/// compute shapes with SQL's `TRANSLATE`.
pub const SHAPE_FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const SHAPE_TO: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaAAAAAAAAAAAAAAAAAAAAAAAAAA9999999999";

/// HMAC's inner and outer key pads (RFC 2104) for a 32-byte key: a source that has SHA-256
/// but no HMAC computes HMAC(key, m) as SHA-256(outer ‖ SHA-256(inner ‖ m)).
pub fn hmac_pads(key: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
    let mut inner = vec![0x36u8; 64];
    let mut outer = vec![0x5cu8; 64];
    for (i, b) in key.iter().enumerate() {
        inner[i] ^= b;
        outer[i] ^= b;
    }
    (inner, outer)
}

/// The reply of [`SourceMask::Digest`] for `text`, as a source computes it.
pub fn digest_reply(text: &[u8]) -> String {
    let mut out = hex(&Sha256::digest(text));
    out.push_str(&shape(&String::from_utf8_lossy(text)));
    out
}

/// The offset in days of [`SourceMask::ShiftDays`] for a value whose text is `text`.
pub fn shift_offset(key: &[u8; 32], days: u32, text: &[u8]) -> i64 {
    let mac = hmac(key, &[text]);
    let n = u32::from_be_bytes([mac[0], mac[1], mac[2], mac[3]]) as i64;
    let (days, k) = (days as i64, n % (2 * days as i64));
    // 0..2N onto -N..-1 and 1..N: a shifted date is never the real one.
    k - days + k / days
}

/// A date or timestamp written as ISO 8601 text (`2020-02-28`, `2020-02-28 10:00:00+02:00`)
/// moved by `days`: the date part is replaced, the rest (time, zone) kept as written. Sources
/// without date arithmetic in SQL (SQLite) shift through this.
pub fn shift_date_text(text: &str, days: i64) -> Result<String, String> {
    let trimmed = text.trim();
    let (dt, _) = parse_datetime(trimmed)
        .ok_or_else(|| format!("`{trimmed}` is not an ISO 8601 date or timestamp"))?;
    let end = trimmed[1..]
        .find(['T', ' '])
        .map_or(trimmed.len(), |i| i + 1);
    let shifted = add_days(dt.date, days)
        .ok_or_else(|| format!("`{trimmed}` moved by {days} days is outside years 1 to 9999"))?;
    Ok(format!(
        "{:04}-{:02}-{:02}{}",
        shifted.year,
        shifted.month,
        shifted.day,
        &trimmed[end..]
    ))
}
