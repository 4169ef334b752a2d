//! Masking: sensitive columns are replaced inside the SELECT the source runs, so that their
//! values never reach dbsub, the network or the archive. docs/masking.md is the user's guide.
//!
//! Which columns: a classification (the users' spreadsheet or a CSV, see [`classification`])
//! and the plan's `[masking]` section, resolved against the subset's tables by [`resolve()`]. A
//! masked column and every column joined to it by a foreign key form one group, masked alike,
//! so that keys still join after masking.
//!
//! How: the source computes a reply that does not reveal the value ([`SourceMask`]), and
//! [`ColumnMask::finish`] turns the reply into the archived value:
//!
//! - `constant`: the source says only whether the value is NULL;
//! - `pseudonym` and `fake:*`: the source returns the SHA-256 of the value's text and its
//!   *shape* (letters, digits and other characters replaced by class markers; ASCII
//!   punctuation and white space kept); dbsub derives the pseudonym from a keyed hash
//!   (HMAC-SHA-256 with `DBSUB_MASKING_KEY`) of that digest. The archive holds nothing the
//!   source sent beyond the shape, which the pseudonym keeps anyway, and the key never leaves
//!   dbsub;
//! - `date_shift:N`: the source moves the value by a number of days in [-N, N] (never 0) from a
//!   keyed hash of the value's text; the source needs that (derived) key, bound as a
//!   parameter and never written into SQL.

pub mod classification;
mod fake;
pub mod personal;
mod resolve;
mod row;

use std::fmt;

use anyhow::{Result, anyhow, bail};

use crate::catalog::{Column, LobKind, NeutralType};
use crate::model::digest::{hex, hmac};
use crate::model::fit::fits;
use crate::model::text;
use crate::model::value::{Date, DateTime, Interval, Time, Value};

use crate::model::mask::{SourceMask, shape};
pub use crate::subset::plan::MaskingPlan;
pub use fake::FakeKind;
pub use resolve::{preview, resolve};
pub use row::TableMasker;

/// The environment variable (or `.env` line) holding the masking key.
pub const KEY_VAR: &str = "DBSUB_MASKING_KEY";
/// The shortest masking key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// The range of `date_shift` without a number of days.
pub const DEFAULT_SHIFT_DAYS: u32 = 90;
/// The SHA-256 digest in a source's reply: 64 lowercase hex digits, then the shape.
pub const DIGEST_HEX: usize = 64;

/// How a column is masked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Not masked (a classification's `public`, or a forced keep).
    Keep,
    /// The same value for every row (`None`: the type's own constant); NULL stays NULL.
    Constant(Option<String>),
    /// A keyed pseudonym of the same length and character classes.
    Pseudonym,
    /// A realistic fake value chosen by a keyed hash.
    Fake(FakeKind),
    /// The date or timestamp moved by a keyed number of days in [-days, days].
    DateShift { days: u32 },
}

impl Strategy {
    /// Parses `keep`, `constant`, `constant:TEXT`, `pseudonym`, `fake:KIND`, `date_shift`,
    /// `date_shift:DAYS` (any case around the words).
    pub fn parse(text: &str) -> Result<Strategy> {
        let text = text.trim();
        let (word, arg) = match text.split_once(':') {
            Some((w, a)) => (w.trim().to_ascii_lowercase(), Some(a)),
            None => (text.to_ascii_lowercase(), None),
        };
        let kinds = || {
            FakeKind::ALL
                .iter()
                .map(|k| k.word())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(match (word.as_str(), arg) {
            ("keep", None) => Strategy::Keep,
            ("constant", None) => Strategy::Constant(None),
            ("constant", Some(v)) => Strategy::Constant(Some(v.to_string())),
            ("pseudonym", None) => Strategy::Pseudonym,
            ("fake", Some(kind)) => match FakeKind::parse(&kind.trim().to_ascii_lowercase()) {
                Some(k) => Strategy::Fake(k),
                None => bail!(
                    "unknown fake kind `{}` in `{text}`: use one of {}",
                    kind.trim(),
                    kinds()
                ),
            },
            ("fake", None) => bail!("`fake` needs a kind, e.g. fake:email; kinds: {}", kinds()),
            ("date_shift", None) => Strategy::DateShift {
                days: DEFAULT_SHIFT_DAYS,
            },
            ("date_shift", Some(d)) => match d.trim().parse::<u32>() {
                Ok(days) if (1..=36_500).contains(&days) => Strategy::DateShift { days },
                _ => bail!(
                    "`{text}`: date_shift takes a number of days from 1 to 36500, e.g. \
                     date_shift:30"
                ),
            },
            _ => bail!(
                "unknown masking strategy `{text}`: use keep, constant, constant:TEXT, \
                 pseudonym, fake:KIND ({}), date_shift or date_shift:DAYS",
                kinds()
            ),
        })
    }

    /// Whether the strategy needs the masking key.
    pub fn keyed(&self) -> bool {
        matches!(
            self,
            Strategy::Pseudonym | Strategy::Fake(_) | Strategy::DateShift { .. }
        )
    }

    /// The strategy for a column of type `ty` when the classification names no strategy.
    pub fn default_for(ty: &NeutralType) -> Strategy {
        use NeutralType as N;
        match ty {
            N::Text { .. }
            | N::NationalText { .. }
            | N::Integer { .. }
            | N::Decimal { .. }
            | N::Lob {
                lob: LobKind::Character | LobKind::National,
            } => Strategy::Pseudonym,
            N::Date | N::Timestamp { .. } | N::TimestampTz { .. } => Strategy::DateShift {
                days: DEFAULT_SHIFT_DAYS,
            },
            _ => Strategy::Constant(None),
        }
    }

    /// Whether a column of type `ty` can be masked this way; `Err` says why not and what
    /// would.
    pub fn fits(&self, ty: &NeutralType) -> Result<(), String> {
        use NeutralType as N;
        let texty = matches!(
            ty,
            N::Text { .. }
                | N::NationalText { .. }
                | N::Lob {
                    lob: LobKind::Character | LobKind::National
                }
        );
        match self {
            Strategy::Keep => Ok(()),
            Strategy::Constant(None) => constant_for(ty).map(|_| ()),
            Strategy::Constant(Some(text)) => constant_from_text(text, ty).map(|_| ()),
            Strategy::Pseudonym if texty || matches!(ty, N::Integer { .. } | N::Decimal { .. }) => {
                Ok(())
            }
            Strategy::Pseudonym => Err(format!(
                "a pseudonym keeps the characters of text and the digits of numbers, not a {}: \
                 use {}",
                describe(ty),
                Strategy::default_for(ty)
            )),
            Strategy::Fake(_) if texty => Ok(()),
            Strategy::Fake(kind) => Err(format!(
                "fake:{} makes text, not a {}: use {}",
                kind.word(),
                describe(ty),
                Strategy::default_for(ty)
            )),
            Strategy::DateShift { .. }
                if matches!(ty, N::Date | N::Timestamp { .. } | N::TimestampTz { .. }) =>
            {
                Ok(())
            }
            Strategy::DateShift { .. } => Err(format!(
                "date_shift moves dates and timestamps, not a {}: use {}",
                describe(ty),
                Strategy::default_for(ty)
            )),
        }
    }

    /// What the source computes for a column masked this way.
    fn source(&self, keys: Option<&Keys>) -> Option<SourceMask> {
        match self {
            Strategy::Keep => None,
            Strategy::Constant(_) => Some(SourceMask::NullOnly),
            Strategy::Pseudonym | Strategy::Fake(_) => Some(SourceMask::Digest),
            Strategy::DateShift { days } => Some(SourceMask::ShiftDays {
                days: *days,
                key: keys.expect("checked by resolve").shift,
            }),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Keep => f.write_str("keep"),
            Strategy::Constant(None) => f.write_str("constant"),
            Strategy::Constant(Some(v)) => write!(f, "constant:{v}"),
            Strategy::Pseudonym => f.write_str("pseudonym"),
            Strategy::Fake(k) => write!(f, "fake:{}", k.word()),
            Strategy::DateShift { days } => write!(f, "date_shift:{days}"),
        }
    }
}

fn describe(ty: &NeutralType) -> String {
    use NeutralType as N;
    let what = match ty {
        N::Boolean => "boolean",
        N::Integer { .. } => "integer",
        N::Decimal { .. } => "decimal",
        N::Float { .. } => "float",
        N::Text { .. } | N::NationalText { .. } => "text",
        N::Binary { .. } => "binary",
        N::Date => "date",
        N::Time { .. } => "time",
        N::Timestamp { .. } => "timestamp",
        N::TimestampTz { .. } => "timestamp with time zone",
        N::Interval { .. } => "interval",
        N::Lob {
            lob: LobKind::Binary | LobKind::File,
        } => "binary LOB",
        N::Lob { .. } => "character LOB",
        N::Json => "JSON",
        N::Uuid => "UUID",
        N::Xml => "XML",
        N::Spatial { .. } => "spatial",
        N::RowId => "row id",
        N::Other => "other-type",
    };
    format!("{what} column")
}

/// The keys derived from `DBSUB_MASKING_KEY`: one per use, so that the key a source sees for
/// date shifts tells nothing about pseudonyms.
#[derive(Clone)]
pub struct Keys {
    pseudonym: [u8; 32],
    shift: [u8; 32],
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// Derives the keys from the masking key.
    ///
    /// Fails when the key is shorter than [`MIN_KEY_BYTES`]; the message never shows it.
    pub fn new(master: &str) -> Result<Keys> {
        if master.len() < MIN_KEY_BYTES {
            bail!(
                "{KEY_VAR} is {} bytes long; use a random secret of at least {MIN_KEY_BYTES} \
                 bytes (e.g. the output of `openssl rand -hex 32`)",
                master.len()
            );
        }
        Ok(Keys {
            pseudonym: hmac(master.as_bytes(), &[b"dbsub pseudonym v1"]),
            shift: hmac(master.as_bytes(), &[b"dbsub date shift v1"]),
        })
    }

    /// A fingerprint of the keys for an extract's resume check: it changes with the key, and
    /// tells nothing about it.
    pub fn fingerprint(&self) -> String {
        hex(&hmac(&self.pseudonym, &[b"dbsub resume check"])[..8])
    }
}

/// A stream of keyed bytes for one value: HMAC-SHA-256(key, label ‖ digest ‖ counter) blocks.
pub struct Stream {
    key: [u8; 32],
    seed: Vec<u8>,
    block: [u8; 32],
    used: usize,
    counter: u32,
}

impl Stream {
    fn new(key: &[u8; 32], label: &str, digest: &[u8]) -> Stream {
        let mut seed = Vec::with_capacity(label.len() + 1 + digest.len());
        seed.extend_from_slice(label.as_bytes());
        seed.push(0);
        seed.extend_from_slice(digest);
        Stream {
            key: *key,
            seed,
            block: [0; 32],
            used: 32,
            counter: 0,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == 32 {
            self.block = hmac(&self.key, &[&self.seed, &self.counter.to_be_bytes()]);
            self.counter += 1;
            self.used = 0;
        }
        self.used += 1;
        self.block[self.used - 1]
    }

    pub fn next_u32(&mut self) -> u32 {
        u32::from_be_bytes([
            self.next_byte(),
            self.next_byte(),
            self.next_byte(),
            self.next_byte(),
        ])
    }

    /// A number below `n` (n ≤ 2^16), without modulo bias worth measuring.
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }
}

/// A masked column of a subset table.
#[derive(Clone, Debug, PartialEq)]
pub struct MaskedColumn {
    pub column: String,
    pub strategy: Strategy,
    /// The column (`SCHEMA.TABLE.COLUMN`) whose rule this one follows through foreign keys.
    pub follows: Option<String>,
    /// Where the rule comes from (file and row, or the plan).
    pub origin: String,
    /// A key column's pseudonym, computed by dbsub from the value the closure reads anyway,
    /// with a keyed permutation that keeps distinct keys distinct ([`key_pseudonym`]).
    pub by_dbsub: bool,
}

/// The masking of a subset: per table of the scope, its masked columns.
#[derive(Clone, Debug, Default)]
pub struct Masking {
    /// Parallel to [`Scope::tables`](crate::subset::Scope::tables).
    pub tables: Vec<Vec<MaskedColumn>>,
    /// Classification lines that name no table or column of the source.
    pub unknown: Vec<String>,
    /// Parallel to `tables`: the columns a classification line or the plan names, masked or
    /// kept (the others are unclassified: [`personal`] looks at them).
    pub classified: Vec<Vec<String>>,
    keys: Option<Keys>,
}

impl Masking {
    /// Whether any column is masked.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(Vec::is_empty)
    }

    /// The masked columns of scope table `i`.
    pub fn table(&self, i: usize) -> &[MaskedColumn] {
        self.tables.get(i).map_or(&[], Vec::as_slice)
    }

    /// A fingerprint of the rules and the key, for resuming an interrupted extract.
    pub fn fingerprint(&self) -> String {
        let rules: Vec<Vec<String>> = self
            .tables
            .iter()
            .map(|t| {
                t.iter()
                    .map(|m| format!("{}={}", m.column, m.strategy))
                    .collect()
            })
            .collect();
        format!(
            "{rules:?}/{}",
            self.keys.as_ref().map_or(String::new(), Keys::fingerprint)
        )
    }

    /// The masks of `columns` (the archived columns of scope table `i`, in order): `None`
    /// for a column that is not masked.
    pub fn column_masks(&self, i: usize, columns: &[&Column]) -> Vec<Option<ColumnMask>> {
        columns
            .iter()
            .map(|c| {
                self.table(i)
                    .iter()
                    .find(|m| m.column == c.name)
                    .map(|m| ColumnMask::new(m, c, self.keys.as_ref()))
            })
            .collect()
    }
}

/// How one column of a read is masked: what the source computes and how its reply becomes
/// the archived value.
#[derive(Clone, Debug)]
pub struct ColumnMask {
    /// What the source computes; `None`: the value itself (a key masked by dbsub).
    pub source: Option<SourceMask>,
    strategy: Strategy,
    by_dbsub: bool,
    ty: NeutralType,
    column: String,
    constant: Option<Value<'static>>,
    keys: Option<Keys>,
}

impl ColumnMask {
    fn new(masked: &MaskedColumn, column: &Column, keys: Option<&Keys>) -> ColumnMask {
        let strategy = &masked.strategy;
        let constant = match strategy {
            Strategy::Constant(None) => constant_for(&column.neutral_type).ok(),
            Strategy::Constant(Some(t)) => constant_from_text(t, &column.neutral_type).ok(),
            _ => None,
        };
        ColumnMask {
            source: if masked.by_dbsub {
                None
            } else {
                strategy.source(keys)
            },
            strategy: strategy.clone(),
            by_dbsub: masked.by_dbsub,
            ty: column.neutral_type.clone(),
            column: column.name.clone(),
            constant,
            keys: keys.cloned(),
        }
    }

    /// The archived value for the source's `reply`.
    ///
    /// Fails when the reply is not what the source was asked for, or when a pseudonym of a
    /// number does not parse (a value that is not written as plain digits).
    pub fn finish<'a>(&self, reply: Value<'a>) -> Result<Value<'a>> {
        if reply == Value::Null {
            return Ok(Value::Null);
        }
        if self.by_dbsub {
            let key = &self.keys.as_ref().expect("checked by resolve").pseudonym;
            let text = match &reply {
                Value::Text(t) | Value::Decimal(t) => t.to_string(),
                Value::Int(i) => i.to_string(),
                _ => bail!(
                    "column {}: a key of this type has no pseudonym",
                    self.column
                ),
            };
            let numeric = matches!(
                self.ty,
                NeutralType::Integer { .. } | NeutralType::Decimal { .. }
            );
            return self.typed(key_pseudonym(key, &text, numeric));
        }
        match &self.strategy {
            Strategy::Keep | Strategy::DateShift { .. } => Ok(reply),
            Strategy::Constant(_) => Ok(self.constant.clone().expect("checked by fits")),
            Strategy::Pseudonym | Strategy::Fake(_) => {
                let Value::Text(text) = &reply else {
                    bail!("column {}: the source's reply is not text", self.column);
                };
                let (digest, shape) = match (text.get(..DIGEST_HEX), text.get(DIGEST_HEX..)) {
                    (Some(d), Some(s)) if d.bytes().all(|b| b.is_ascii_hexdigit()) => (d, s),
                    _ => bail!(
                        "column {}: the source's reply is not a digest and a shape",
                        self.column
                    ),
                };
                let key = &self.keys.as_ref().expect("checked by resolve").pseudonym;
                match &self.strategy {
                    Strategy::Fake(kind) => {
                        let mut stream = Stream::new(key, kind.word(), digest.as_bytes());
                        let fake = fake::fake(*kind, &mut stream, shape);
                        Ok(Value::Text(truncate(fake, &self.ty).into()))
                    }
                    _ => {
                        let mut stream = Stream::new(key, "pseudonym", digest.as_bytes());
                        self.pseudonym(&mut stream, shape)
                    }
                }
            }
        }
    }

    fn pseudonym<'a>(&self, stream: &mut Stream, shape: &str) -> Result<Value<'a>> {
        use NeutralType as N;
        let numeric = matches!(self.ty, N::Integer { .. } | N::Decimal { .. });
        let mut out = String::with_capacity(shape.len());
        let mut previous: Option<char> = None;
        let mut chars = shape.chars().peekable();
        while let Some(c) = chars.next() {
            let next = match c {
                'a' | '*' => char::from(b'a' + stream.below(26) as u8),
                'A' => char::from(b'A' + stream.below(26) as u8),
                '9' => {
                    // A number's leading digit stays non-zero, so it keeps its length.
                    let leading = numeric
                        && !previous.is_some_and(|p| p.is_ascii_digit())
                        && chars.peek() == Some(&'9');
                    if leading {
                        char::from(b'1' + stream.below(9) as u8)
                    } else {
                        char::from(b'0' + stream.below(10) as u8)
                    }
                }
                other => other,
            };
            out.push(next);
            previous = Some(next);
        }
        self.typed(out)
    }

    /// A pseudonym's text as a value of the column's type.
    fn typed<'a>(&self, out: String) -> Result<Value<'a>> {
        use NeutralType as N;
        let bad = || {
            anyhow!(
                "column {}: a value is not written as plain digits, so it has no pseudonym \
                 of its type; mask the column with constant",
                self.column
            )
        };
        match self.ty {
            N::Integer { bits } => {
                let mut n: i64 = out.parse().map_err(|_| bad())?;
                // Beyond a narrow integer's range: fold back into it.
                let max = if bits >= 64 {
                    i64::MAX
                } else {
                    (1i64 << (bits - 1)) - 1
                };
                if n > max || n < -max {
                    n %= max;
                }
                Ok(Value::Int(n))
            }
            N::Decimal { .. } => Ok(Value::Decimal(
                text::canonical_decimal(&out)
                    .ok_or_else(bad)?
                    .into_owned()
                    .into(),
            )),
            _ => Ok(Value::Text(out.into())),
        }
    }
}

/// A key's pseudonym: a keyed permutation of the strings of `text`'s shape, so that distinct
/// keys keep distinct pseudonyms of the same length and character classes. ASCII letters and
/// digits are replaced (a number's leading digit stays non-zero when `numeric`); every other
/// character is kept. The permutation is a ten-round Feistel network over the two halves of
/// the replaceable positions, each round adding keyed pseudo-random symbols to one half from
/// the other (mixed radix 9, 10 or 26 per position), tweaked by the shape; a single position is
/// mapped through a keyed shuffle of its alphabet.
pub fn key_pseudonym(key: &[u8; 32], text: &str, numeric: bool) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    // (position, radix, symbol, first symbol's character)
    let mut slots: Vec<(usize, u32, u32, u8)> = Vec::new();
    for i in 0..chars.len() {
        let c = chars[i];
        let leading = numeric
            && c.is_ascii_digit()
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        let slot = match c {
            '1'..='9' if leading => (9, c as u32 - '1' as u32, b'1'),
            '0'..='9' => (10, c as u32 - '0' as u32, b'0'),
            'a'..='z' => (26, c as u32 - 'a' as u32, b'a'),
            'A'..='Z' => (26, c as u32 - 'A' as u32, b'A'),
            _ => continue,
        };
        slots.push((i, slot.0, slot.1, slot.2));
    }
    let tweak = shape(text);
    match slots.len() {
        0 => {}
        1 => {
            let (_, radix, symbol, _) = &mut slots[0];
            let mut stream = Stream::new(key, "key pseudonym 1", tweak.as_bytes());
            let mut alphabet: Vec<u32> = (0..*radix).collect();
            for j in (1..alphabet.len()).rev() {
                alphabet.swap(j, stream.below(j as u32 + 1) as usize);
            }
            *symbol = alphabet[*symbol as usize];
        }
        n => {
            let half = n / 2;
            let mut seed = tweak.into_bytes();
            let tweak_len = seed.len();
            for round in 0..10u8 {
                let (from, to) = if round % 2 == 0 {
                    (half..n, 0..half)
                } else {
                    (0..half, half..n)
                };
                seed.truncate(tweak_len);
                seed.push(round);
                seed.extend(slots[from].iter().map(|s| s.2 as u8));
                let mut stream = Stream::new(key, "key pseudonym", &seed);
                for slot in &mut slots[to] {
                    slot.2 = (slot.2 + stream.below(slot.1)) % slot.1;
                }
            }
        }
    }
    for (i, _, symbol, first) in slots {
        chars[i] = char::from(first + symbol as u8);
    }
    chars.into_iter().collect()
}

/// `text` cut to the length of a column of type `ty` (characters, or bytes for byte
/// semantics), at a character boundary.
fn truncate(mut text: String, ty: &NeutralType) -> String {
    use crate::catalog::LengthSemantics;
    let (length, bytes) = match ty {
        NeutralType::Text {
            length: Some(n),
            semantics,
            ..
        } => (*n as usize, *semantics == LengthSemantics::Byte),
        NeutralType::NationalText {
            length: Some(n), ..
        } => (*n as usize, false),
        _ => return text,
    };
    let cut = if bytes {
        let mut end = length.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        end
    } else {
        text.char_indices()
            .nth(length)
            .map_or(text.len(), |(i, _)| i)
    };
    text.truncate(cut);
    text
}

/// The `constant` strategy's value for a column of type `ty`.
fn constant_for(ty: &NeutralType) -> Result<Value<'static>, String> {
    use NeutralType as N;
    let epoch = Date::new(1970, 1, 1).expect("a date");
    let midnight = Time::new(0, 0, 0, 0).expect("a time");
    Ok(match ty {
        N::Boolean => Value::Bool(false),
        N::Integer { .. } => Value::Int(0),
        N::Decimal { .. } => Value::Decimal("0".into()),
        N::Float { .. } => Value::Float(0.0),
        N::Text { .. } | N::NationalText { .. } => {
            Value::Text(truncate("MASKED".to_string(), ty).into())
        }
        N::Lob {
            lob: LobKind::Character | LobKind::National,
        } => Value::Text("MASKED".into()),
        N::Lob { .. } => Value::Bytes(Vec::new().into()),
        N::Binary {
            fixed: true,
            length,
        } => Value::Bytes(vec![0u8; length.unwrap_or(0) as usize].into()),
        N::Binary { .. } => Value::Bytes(Vec::new().into()),
        N::Date => Value::Date(epoch),
        N::Time { .. } => Value::Time(midnight),
        N::Timestamp { .. } => Value::Timestamp(DateTime {
            date: epoch,
            time: midnight,
        }),
        N::TimestampTz { .. } => Value::TimestampTz(
            DateTime {
                date: epoch,
                time: midnight,
            },
            0,
        ),
        N::Interval { .. } => Value::Interval(Interval {
            months: 0,
            days: 0,
            nanos: 0,
        }),
        N::Json => Value::Text("{}".into()),
        N::Xml => Value::Text("<masked/>".into()),
        N::Uuid => Value::Text("00000000-0000-0000-0000-000000000000".into()),
        N::Spatial { .. } | N::RowId | N::Other => {
            return Err(format!(
                "dbsub has no constant for a {}: give one with constant:VALUE, or leave the \
                 column out of the extract",
                describe(ty)
            ));
        }
    })
}

/// A `constant:TEXT` value for a column of type `ty`, read as the archive writes that type.
fn constant_from_text(text: &str, ty: &NeutralType) -> Result<Value<'static>, String> {
    let v = text::decode(text.as_bytes(), true, ty)
        .map_err(|e| format!("constant:{text} is not a value of the column's type: {e}"))?;
    fits(&v, ty).map_err(|e| format!("constant:{text} does not fit the column: {e}"))?;
    Ok(v.into_owned())
}

#[cfg(test)]
mod tests;
