//! Writing a table's rows as parts: CSV (see [`super::csv`]) through a streaming zstd encoder
//! into a streaming upload, hashing the compressed bytes on the way. A new part starts when
//! the current one holds `part_size` bytes of CSV.

use std::io::Write;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::layout::{part_key_in, table_dir};
use super::manifest::PartEntry;
use super::store::{Store, Upload};
use crate::model::digest::hex;
use crate::model::value::Value;

/// zstd level: the command-line tool's default, a good speed/size balance for CSV.
pub const LEVEL: i32 = 3;

/// Counts and hashes what passes through to the upload.
pub(crate) struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> Hashing<W> {
    pub(crate) fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the SHA-256 (lowercase hex) and the number of bytes written.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hasher.update(&data[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct OpenPart<'s> {
    encoder: zstd::stream::write::Encoder<'static, Hashing<Upload<'s>>>,
    key: String,
    rows: u64,
    csv_bytes: u64,
}

/// Writes one table's parts under a subset's folder.
pub struct TableWriter<'s> {
    store: &'s Store,
    prefix: String,
    /// The folder of the parts, relative to `prefix`.
    folder: String,
    header: Vec<u8>,
    part_size: u64,
    parts: Vec<PartEntry>,
    open: Option<OpenPart<'s>>,
    row: Vec<u8>,
}

impl<'s> TableWriter<'s> {
    /// A writer for `schema.name` whose first `kept` parts are already in the store.
    pub fn new(
        store: &'s Store,
        prefix: &str,
        schema: &str,
        name: &str,
        columns: &[&str],
        part_size: u64,
        kept: Vec<PartEntry>,
    ) -> TableWriter<'s> {
        let mut header = Vec::new();
        super::csv::write_header(columns, &mut header);
        TableWriter {
            store,
            prefix: prefix.to_string(),
            folder: table_dir(schema, name),
            header,
            part_size: part_size.max(1),
            parts: kept,
            open: None,
            row: Vec::with_capacity(4096),
        }
    }

    /// The same writer, its parts in `folder` (relative to the subset's folder) rather than
    /// the table's own: a delta's deletes.
    pub fn in_folder(self, folder: String) -> TableWriter<'s> {
        TableWriter { folder, ..self }
    }

    /// The parts completed so far.
    pub fn parts(&self) -> &[PartEntry] {
        &self.parts
    }

    /// Appends one row. Returns the entry of a part this row completed, if any.
    pub fn write_row(&mut self, values: &[Value<'_>]) -> Result<Option<PartEntry>> {
        if self.open.is_none() {
            self.start()?;
        }
        self.row.clear();
        super::csv::write_row(values, &mut self.row);
        let part = self.open.as_mut().expect("started above");
        part.encoder
            .write_all(&self.row)
            .with_context(|| format!("cannot write {}", part.key))?;
        part.rows += 1;
        part.csv_bytes += self.row.len() as u64;
        if part.csv_bytes >= self.part_size {
            return self.close().map(Some);
        }
        Ok(None)
    }

    fn start(&mut self) -> Result<()> {
        let relative = part_key_in(&self.folder, self.parts.len());
        let key = format!("{}/{relative}", self.prefix);
        let upload = self.store.upload(&key);
        let hashing = Hashing::new(upload);
        let mut encoder = zstd::stream::write::Encoder::new(hashing, LEVEL)?;
        encoder.include_checksum(true)?;
        // One worker: compression runs beside the reading thread. The output does not depend
        // on the number of workers, so a resumed extract writes identical parts.
        encoder.multithread(1)?;
        encoder.write_all(&self.header)?;
        self.open = Some(OpenPart {
            encoder,
            key: relative,
            rows: 0,
            csv_bytes: self.header.len() as u64,
        });
        Ok(())
    }

    /// Completes the open part: the upload finishes, and its entry is returned.
    fn close(&mut self) -> Result<PartEntry> {
        let part = self.open.take().expect("a part is open");
        let key = part.key;
        let hashing = part
            .encoder
            .finish()
            .with_context(|| format!("cannot compress {key}"))?;
        let (upload, sha256, bytes) = hashing.finish();
        let entry = PartEntry {
            key: key.clone(),
            rows: part.rows,
            bytes,
            sha256,
        };
        upload.finish()?;
        self.parts.push(entry.clone());
        Ok(entry)
    }

    /// Completes the last part; returns every part of the table (none for a table without
    /// rows) and the entry of the part completed now, if any.
    pub fn finish(mut self) -> Result<(Vec<PartEntry>, Option<PartEntry>)> {
        let last = match self.open {
            Some(_) => Some(self.close()?),
            None => None,
        };
        Ok((self.parts, last))
    }
}
