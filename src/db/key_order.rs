//! The rows of a lookup by keys ([`RowFilter::In`]), handed on in the order of its keys: the
//! order of the closure's key set, which dbsub defines (the bytes of the encoded keys), not the
//! database's collation. A resumed extract skips as many keys as its kept parts hold rows, so
//! its rows must come in exactly that order, whatever order the database returns them in
//! (`'40438'` before `'6872'` as text, `'BV'` before `'M'`, `-10` before `-5`).
//!
//! Every backend reads a lookup's key columns besides the archived ones, as its key scan reads
//! them, and passes each row through a [`KeyOrder`]. Rows that arrive in order pass straight
//! through (integer keys, usually); the others wait, owned, until the rows before them have
//! come: at most one lookup's rows ([`RowSource::max_batch`]).
//!
//! [`RowFilter::In`]: crate::model::row::RowFilter::In
//! [`RowSource::max_batch`]: crate::model::ports::RowSource::max_batch

use std::collections::{BTreeMap, HashMap};

use anyhow::{Result, bail};

use crate::catalog::Table;
use crate::model::key::{Key, KeyValue, encode};
use crate::model::row::KeyLookup;
use crate::model::value::Value;

/// One lookup's rows on their way, put in the order of its keys.
pub(crate) struct KeyOrder<'k> {
    /// Each key's position in the lookup.
    position: HashMap<&'k [u8], usize>,
    /// Rows that came before their turn, by position.
    waiting: BTreeMap<usize, Vec<Value<'static>>>,
    /// The position of the next row to hand on.
    next: usize,
    /// Whether the row of each position has come.
    seen: Vec<bool>,
    /// The key of the current row, encoded.
    buf: Vec<u8>,
}

impl<'k> KeyOrder<'k> {
    /// The order of `keys`, the keys of one lookup.
    pub(crate) fn new(keys: &'k [Key]) -> KeyOrder<'k> {
        KeyOrder {
            position: keys.iter().enumerate().map(|(i, k)| (&k[..], i)).collect(),
            waiting: BTreeMap::new(),
            next: 0,
            seen: vec![false; keys.len()],
            buf: Vec::new(),
        }
    }

    /// Takes the row of `table` whose key is `key` (as the source's key scan reads it) and
    /// hands on to `each` every row whose turn has come.
    ///
    /// Fails when the key was not asked for or its row came twice: the lookup would otherwise
    /// write a row twice and lose another.
    pub(crate) fn row(
        &mut self,
        table: &Table,
        key: &[KeyValue<'_>],
        values: &[Value<'_>],
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()> {
        self.buf.clear();
        encode(key, &mut self.buf);
        let Some(&at) = self.position.get(&self.buf[..]) else {
            // The key's values are not shown: they may be what masking hides.
            bail!(
                "{}.{}: the source returned a row whose key the lookup did not ask for (its key \
                 columns compare otherwise than they read): the extract cannot place it",
                table.schema,
                table.name
            );
        };
        if std::mem::replace(&mut self.seen[at], true) {
            bail!(
                "{}.{}: the source returned two rows with one key: the table's key is not unique",
                table.schema,
                table.name
            );
        }
        if at != self.next {
            self.waiting
                .insert(at, values.iter().map(|v| v.clone().into_owned()).collect());
            return Ok(());
        }
        each(values)?;
        self.next += 1;
        self.hand_on_waiting(each)
    }

    /// Hands on the rows still waiting, in order, after the last row of the lookup: rows
    /// after a key that matched no row.
    pub(crate) fn finish(mut self, each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>) -> Result<()> {
        for (_, values) in std::mem::take(&mut self.waiting) {
            each(&values)?;
        }
        Ok(())
    }

    /// Hands on the waiting rows whose turn has come.
    fn hand_on_waiting(&mut self, each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>) -> Result<()> {
        while let Some(values) = self.waiting.remove(&self.next) {
            each(&values)?;
            self.next += 1;
        }
        Ok(())
    }
}

/// The rows of a scan filtered by a key set ([`RowFilter::Among`]) on their way: the rows
/// whose key is in the set pass, after the first `skip` of them (a resumed read's), in the
/// scan's order; the others are dropped before their values are converted.
///
/// [`RowFilter::Among`]: crate::model::row::RowFilter::Among
pub(crate) struct KeyKeep<'k> {
    keys: &'k dyn KeyLookup,
    skip: u64,
    /// Rows kept so far, the skipped ones included.
    kept: u64,
    /// The key of the current row, encoded.
    buf: Vec<u8>,
}

impl<'k> KeyKeep<'k> {
    pub(crate) fn new(keys: &'k dyn KeyLookup, skip: u64) -> KeyKeep<'k> {
        KeyKeep {
            keys,
            skip,
            kept: 0,
            buf: Vec::new(),
        }
    }

    /// Whether the row whose key is `key` (as the source's key scan reads it) is to be handed
    /// on: it is in the set, and past the rows to skip.
    pub(crate) fn keeps(&mut self, key: &[KeyValue<'_>]) -> Result<bool> {
        self.buf.clear();
        encode(key, &mut self.buf);
        if !self.keys.contains(&self.buf)? {
            return Ok(false);
        }
        self.kept += 1;
        Ok(self.kept > self.skip)
    }

    /// Checks, after the scan's last row, that it kept a row for every key of the set: in one
    /// snapshot, a key the closure read has its row, unless the scan's key columns read
    /// otherwise than the key scan's (which would lose rows).
    pub(crate) fn finish(self, table: &Table) -> Result<()> {
        if self.kept != self.keys.len() {
            bail!(
                "{}.{}: a scan of the table found {} of the {} rows the closure selected (its key \
                 columns read otherwise than in the closure's key scan): run again with \
                 --scan-share 2 to read these rows by key lookups, and report the table's key \
                 types",
                table.schema,
                table.name,
                self.kept,
                self.keys.len()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set of the keys 1 to `n`.
    struct UpTo(i64);

    impl KeyLookup for UpTo {
        fn contains(&self, key: &[u8]) -> Result<bool> {
            let values = crate::model::key::decode(key)?;
            Ok(matches!(values[..], [KeyValue::Int(i)] if (1..=self.0).contains(&i)))
        }
        fn len(&self) -> u64 {
            self.0 as u64
        }
    }

    #[test]
    fn a_kept_scan_passes_the_rows_of_its_keys_after_the_ones_to_skip() {
        let keys = UpTo(4);
        let mut keep = KeyKeep::new(&keys, 2);
        let kept: Vec<i64> = [7, 1, 2, 9, 3, 4]
            .into_iter()
            .filter(|&i| keep.keeps(&[KeyValue::Int(i)]).unwrap())
            .collect();
        assert_eq!(
            kept,
            [3, 4],
            "1 and 2 are kept but skipped; 7 and 9 are not in the set"
        );
        keep.finish(&Table::test("S", "T", Vec::new())).unwrap();
    }

    #[test]
    fn a_kept_scan_that_misses_a_key_fails_naming_the_table_and_the_remedy() {
        let keys = UpTo(3);
        let mut keep = KeyKeep::new(&keys, 0);
        for i in [1, 3, 5] {
            keep.keeps(&[KeyValue::Int(i)]).unwrap();
        }
        let err = keep
            .finish(&Table::test("S", "T", Vec::new()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("found 2 of the 3 rows"), "{err}");
        assert!(err.contains("--scan-share 2"), "{err}");
    }
    use crate::model::key::key;

    fn text_key(s: &str) -> Key {
        key(&[KeyValue::Text(s)]).into()
    }

    #[test]
    fn rows_come_out_in_the_order_of_the_keys_whatever_order_they_arrive_in() {
        let t = Table::test("S", "T", Vec::new());
        let mut keys: Vec<Key> = ["6872", "40438", "M", "BV", "x"]
            .iter()
            .map(|s| text_key(s))
            .collect();
        keys.sort();
        let mut order = KeyOrder::new(&keys);
        let mut out = Vec::new();
        let mut each = |values: &[Value<'_>]| {
            out.push(values[0].clone().into_owned());
            Ok(())
        };
        // As SQL's ORDER BY (byte order of the text) returns them; "x" has no row.
        for code in ["40438", "6872", "BV", "M"] {
            order
                .row(
                    &t,
                    &[KeyValue::Text(code)],
                    &[Value::Text(code.into())],
                    &mut each,
                )
                .unwrap();
        }
        order.finish(&mut each).unwrap();
        let text = |s: &str| Value::Text(s.to_string().into());
        assert_eq!(out, [text("M"), text("BV"), text("6872"), text("40438")]);
    }

    #[test]
    fn a_row_not_asked_for_or_twice_fails() {
        let t = Table::test("S", "T", Vec::new());
        let keys = vec![text_key("a"), text_key("b")];
        let mut each = |_: &[Value<'_>]| Ok(());
        let mut order = KeyOrder::new(&keys);
        let err = order
            .row(&t, &[KeyValue::Text("c")], &[], &mut each)
            .unwrap_err();
        assert!(err.to_string().contains("did not ask for"), "{err}");
        order
            .row(&t, &[KeyValue::Text("b")], &[], &mut each)
            .unwrap();
        let err = order
            .row(&t, &[KeyValue::Text("b")], &[], &mut each)
            .unwrap_err();
        assert!(err.to_string().contains("two rows"), "{err}");
    }
}
