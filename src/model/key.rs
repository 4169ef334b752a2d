//! Row keys as they travel between the subset's closure and a [`RowSource`]: one value per key
//! column in the source's own representation, encoded into bytes that compare equal exactly when
//! the keys are equal.
//!
//! [`RowSource`]: super::ports::RowSource

use anyhow::{Context, Result, bail};

/// One column value of a key as the source returned it (its own representation: SQLite's
/// storage classes, PostgreSQL's text form of a numeric, …). Two rows refer to the same key
/// exactly when their encoded bytes are equal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyValue<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> KeyValue<'a> {
    /// The value in the form a key compares in whatever form the source stored it in, for a
    /// source that compares a key column's values by their numbers (PostgreSQL reads its keys as
    /// text and casts them back; SQLite converts by the column's affinity): a text that is an
    /// integer's one decimal form (no sign but `-`, no leading zero, not `-0`, within 64 bits)
    /// is that integer, and so is a real that is exactly one. Then a foreign key of TEXT values
    /// `'5'` meets its parent's INTEGER `5` in a key set, as it does in the source's lookup;
    /// and a key set holds one-integer keys as bare `i64`s. Any other value is as it was; the
    /// integer's text is exactly the text it came from, so one text has one key.
    pub fn normal(self) -> KeyValue<'a> {
        match self {
            KeyValue::Text(text) => canonical_int(text).map_or(self, KeyValue::Int),
            // Within i64's range and whole: `as` is exact there (-0.0 is 0).
            KeyValue::Float(f)
                if f.fract() == 0.0
                    && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) =>
            {
                KeyValue::Int(f as i64)
            }
            other => other,
        }
    }
}

/// The integer whose decimal form `text` is, when it is that form exactly.
fn canonical_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let canonical = match digits {
        [] => false,
        [b'0'] => digits.len() == text.len(),
        [first, rest @ ..] => {
            (b'1'..=b'9').contains(first)
                && rest.iter().all(u8::is_ascii_digit)
                && digits.len() <= 19
        }
    };
    if canonical { text.parse().ok() } else { None }
}

const NULL: u8 = 0;
const INT: u8 = 1;
const FLOAT: u8 = 2;
const TEXT: u8 = 3;
const BYTES: u8 = 4;

/// A key tuple, encoded: a tag byte per value, then its payload (integers big-endian with the
/// sign bit flipped so that byte order is numeric order; text and bytes length-prefixed).
pub type Key = Box<[u8]>;

/// Appends the encoding of `values` to `out`.
pub fn encode(values: &[KeyValue<'_>], out: &mut Vec<u8>) {
    for v in values {
        match *v {
            KeyValue::Null => out.push(NULL),
            KeyValue::Int(i) => {
                out.push(INT);
                out.extend_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
            }
            KeyValue::Float(f) => {
                out.push(FLOAT);
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
            KeyValue::Text(s) => {
                out.push(TEXT);
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            KeyValue::Bytes(b) => {
                out.push(BYTES);
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// Decodes a key produced by [`encode`]. Fails on bytes that no encoding produced.
pub fn decode(mut key: &[u8]) -> Result<Vec<KeyValue<'_>>> {
    let mut values = Vec::with_capacity(2);
    while let Some((&tag, rest)) = key.split_first() {
        key = rest;
        let value = match tag {
            NULL => KeyValue::Null,
            INT | FLOAT => {
                let Some((bytes, rest)) = key.split_first_chunk::<8>() else {
                    bail!("corrupt key: a number is cut short");
                };
                key = rest;
                let raw = u64::from_be_bytes(*bytes);
                if tag == INT {
                    KeyValue::Int((raw ^ (1 << 63)) as i64)
                } else {
                    KeyValue::Float(f64::from_bits(raw))
                }
            }
            TEXT | BYTES => {
                let Some((len, rest)) = key.split_first_chunk::<4>() else {
                    bail!("corrupt key: a length is cut short");
                };
                let len = u32::from_be_bytes(*len) as usize;
                if rest.len() < len {
                    bail!("corrupt key: a value is cut short");
                }
                let (bytes, rest) = rest.split_at(len);
                key = rest;
                if tag == TEXT {
                    KeyValue::Text(std::str::from_utf8(bytes).context("corrupt key: bad UTF-8")?)
                } else {
                    KeyValue::Bytes(bytes)
                }
            }
            other => bail!("corrupt key: unknown tag {other}"),
        };
        values.push(value);
    }
    Ok(values)
}

/// A key that is one integer: the common case, held as a bare `i64`.
pub(crate) fn as_int(key: &[u8]) -> Option<i64> {
    match key {
        [INT, rest @ ..] if rest.len() == 8 => {
            let raw = u64::from_be_bytes(rest.try_into().ok()?);
            Some((raw ^ (1 << 63)) as i64)
        }
        _ => None,
    }
}

/// The encoding of the one-integer key `i`.
pub(crate) fn int_key(i: i64) -> [u8; 9] {
    let mut k = [INT; 9];
    k[1..].copy_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
    k
}

/// The encoding of `values`, as a new vector (for tests that build keys by hand).
#[cfg(test)]
pub(crate) fn key(values: &[KeyValue<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(values, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_key_is_an_integer_for_an_integers_one_text_and_for_a_whole_real() {
        use KeyValue::*;
        for (value, normal) in [
            (Text("0"), Int(0)),
            (Text("-7"), Int(-7)),
            (Text("9223372036854775807"), Int(i64::MAX)),
            (Text("-9223372036854775808"), Int(i64::MIN)),
            (Float(5.0), Int(5)),
            (Float(-0.0), Int(0)),
            (Float(-9_223_372_036_854_775_808.0), Int(i64::MIN)),
            (Int(3), Int(3)),
            (Null, Null),
        ] {
            assert_eq!(value.normal(), normal, "{value:?}");
        }
        for value in [
            Text(""),
            Text("-0"),
            Text("007"),
            Text("+7"),
            Text(" 7"),
            Text("7.0"),
            Text("9223372036854775808"),
            Text("abc"),
            Float(5.5),
            Float(9_223_372_036_854_775_808.0),
            Float(f64::NAN),
            Float(f64::INFINITY),
            Bytes(b"5"),
        ] {
            let normal = value.normal();
            assert!(
                format!("{normal:?}") == format!("{value:?}"),
                "{value:?} became {normal:?}"
            );
        }
    }

    #[test]
    fn keys_round_trip_and_integers_sort_numerically() {
        let values = [
            KeyValue::Int(-5),
            KeyValue::Null,
            KeyValue::Text("é,\"x\""),
            KeyValue::Bytes(&[0, 255]),
            KeyValue::Float(-0.5),
        ];
        assert_eq!(decode(&key(&values)).unwrap(), values);
        let mut ints = [i64::MAX, -1, 0, i64::MIN, 7];
        let mut encoded: Vec<Vec<u8>> = ints.iter().map(|&i| key(&[KeyValue::Int(i)])).collect();
        encoded.sort();
        ints.sort();
        let decoded: Vec<i64> = encoded
            .iter()
            .map(|k| match decode(k).unwrap()[0] {
                KeyValue::Int(i) => i,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(decoded, ints);
        assert!(decode(&[9]).is_err());
        assert!(decode(&[INT, 1, 2]).is_err());
    }
}
