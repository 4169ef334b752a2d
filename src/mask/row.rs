//! Masking one table's rows on their way into the archive: each masked column's reply from the
//! source turned into its archived value ([`ColumnMask::finish`]), and a check that masking
//! kept every unique key unique.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

use super::{ColumnMask, Masking};
use crate::catalog::{Column, Table};
use crate::model::mask::SourceMask;
use crate::model::row::recycle;
use crate::model::value::Value;

/// The masking of one table of a subset, applied row by row.
pub struct TableMasker {
    /// Parallel to the archived columns; empty when nothing is masked.
    column_masks: Vec<Option<ColumnMask>>,
    source_masks: Vec<Option<SourceMask>>,
    /// Shared by the maskers of one table's chunks ([`TableMasker::share`]); `None` when no
    /// unique key holds a masked column.
    unique: Option<Arc<Mutex<MaskedKeys>>>,
    /// The masked row's vector, kept across rows (borrowed values, no copies of the columns
    /// that are not masked).
    spare: Vec<Value<'static>>,
}

impl TableMasker {
    /// The masking of table `index` of the subset (`table`, archived as `columns`).
    pub fn new(masking: &Masking, index: usize, table: &Table, columns: &[&Column]) -> TableMasker {
        let column_masks = masking.column_masks(index, columns);
        let source_masks = if column_masks.iter().any(Option::is_some) {
            column_masks
                .iter()
                .map(|m| m.as_ref().and_then(|m| m.source.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let unique = MaskedKeys::new(table, columns, masking.table(index));
        TableMasker {
            unique: (!unique.keys.is_empty()).then(|| Arc::new(Mutex::new(unique))),
            column_masks,
            source_masks,
            spare: Vec::new(),
        }
    }

    /// A masker for another part of the same table's rows (a chunk, written beside the others):
    /// the same masks, and the same masked keys, so that two chunks whose pseudonyms collide
    /// are found as two rows of one chunk are.
    pub fn share(&self) -> TableMasker {
        TableMasker {
            column_masks: self.column_masks.clone(),
            source_masks: self.source_masks.clone(),
            unique: self.unique.clone(),
            spare: Vec::new(),
        }
    }

    /// What the source computes for each column (empty when nothing is masked): the masks of
    /// a [`ReadRequest`](crate::model::row::ReadRequest).
    pub fn source_masks(&self) -> &[Option<SourceMask>] {
        &self.source_masks
    }

    /// Hands `write` the row `values` as the source replied it, masked. Fails (naming `table`)
    /// when a reply cannot be masked or masking made two keys equal.
    pub fn mask(
        &mut self,
        values: &[Value<'_>],
        table: &str,
        write: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()> {
        if self.source_masks.is_empty() {
            return write(values);
        }
        let mut masked: Vec<Value<'_>> = recycle(std::mem::take(&mut self.spare));
        for (value, mask) in values.iter().zip(&self.column_masks) {
            masked.push(match mask {
                None => value.clone(),
                Some(m) => m
                    .finish(value.clone())
                    .with_context(|| format!("cannot mask {table}"))?,
            });
        }
        if let Some(unique) = &self.unique {
            unique
                .lock()
                .map_err(|_| anyhow::anyhow!("{table}: another chunk's masking failed"))?
                .check(&masked, table)?;
        }
        write(&masked)?;
        self.spare = recycle(masked);
        Ok(())
    }
}

/// The unique keys (primary and unique) of a table that contain a masked column: masking must
/// not make two keys equal, or the load would fail. Each masked key tuple is remembered as a
/// 128-bit hash (16 bytes per row and key).
struct MaskedKeys {
    keys: Vec<(Vec<usize>, HashSet<[u8; 16]>)>,
    buf: Vec<u8>,
}

impl MaskedKeys {
    fn new(table: &Table, columns: &[&Column], masked: &[super::MaskedColumn]) -> MaskedKeys {
        let keys = table
            .primary_key
            .iter()
            .chain(&table.unique_keys)
            .filter(|k| {
                k.columns
                    .iter()
                    .any(|c| masked.iter().any(|m| &m.column == c))
            })
            .filter_map(|k| {
                k.columns
                    .iter()
                    .map(|c| columns.iter().position(|col| &col.name == c))
                    .collect::<Option<Vec<usize>>>()
            })
            .map(|idx| (idx, HashSet::new()))
            .collect();
        MaskedKeys {
            keys,
            buf: Vec::new(),
        }
    }

    /// Fails when the masked `row` repeats a key of an earlier row.
    fn check(&mut self, row: &[Value<'_>], table: &str) -> Result<()> {
        use sha2::{Digest, Sha256};
        for (columns, seen) in &mut self.keys {
            if columns.iter().any(|&i| row[i] == Value::Null) {
                continue;
            }
            self.buf.clear();
            for &i in columns.iter() {
                row[i].write_csv(&mut self.buf);
                self.buf.push(0xff);
            }
            let hash = Sha256::digest(&self.buf);
            let mut short = [0u8; 16];
            short.copy_from_slice(&hash[..16]);
            if !seen.insert(short) {
                bail!(
                    "{table}: masking made two different keys equal (a collision of their \
                     pseudonyms); the rows would not load. The key's values are too short for \
                     distinct pseudonyms of the same length: mask the key with another \
                     strategy, or keep it"
                );
            }
        }
        Ok(())
    }
}
