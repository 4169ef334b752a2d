//! Reading a table's parts back: zstd, then CSV (see [`super::csv`]), then each field decoded by
//! its column's neutral type from the manifest. Streaming: memory does not grow with the part.
//!
//! Every error names the table, the part and the line, so that a user can find the bytes.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};

use super::csv::{CsvError, CsvReader, Record};
use super::manifest::{PartEntry, TableEntry};
use crate::model::digest::hex;
use crate::model::text::decode;
use crate::model::value::Value;

/// The SHA-256 (lowercase hex) and size of a local file, read in a stream.
pub fn file_sha256(path: &Path) -> Result<(String, u64)> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}

/// Whether a local copy of `part` is the one the manifest lists: same size and SHA-256. The
/// error says which differs.
pub fn check_part(path: &Path, part: &PartEntry) -> Result<()> {
    let (sha256, size) = file_sha256(path)?;
    check_digest(part, &sha256, size)
}

/// Whether bytes whose SHA-256 and size are `sha256` and `size` are the part the manifest
/// lists. The error says which differs.
pub fn check_digest(part: &PartEntry, sha256: &str, size: u64) -> Result<()> {
    if size != part.bytes {
        bail!(
            "{} has {size} bytes, the manifest says {}: the part is truncated or damaged",
            part.key,
            part.bytes
        );
    }
    if sha256 != part.sha256 {
        bail!(
            "{}: checksum mismatch (SHA-256 {sha256}, the manifest says {}): the part is damaged",
            part.key,
            part.sha256
        );
    }
    Ok(())
}

/// Reads every row of one table from local copies of its parts, in part order.
pub struct TableReader<'m> {
    table: &'m TableEntry,
    record: Record,
    values: Vec<Value<'static>>,
    rows: u64,
}

impl<'m> TableReader<'m> {
    pub fn new(table: &'m TableEntry) -> Self {
        TableReader {
            table,
            record: Record::new(),
            values: Vec::with_capacity(table.columns.len()),
            rows: 0,
        }
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Calls `each` with the values of every row of the part at `path` (the local copy of
    /// `part`), in the manifest's column order. An error from `each` comes back with the
    /// table, part and line of the row it refused.
    pub fn read_part(
        &mut self,
        part: &PartEntry,
        path: &Path,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()> {
        let table = self.table;
        let at = |line: u64| format!("{}, line {line}", part.key);
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let decoder = zstd::stream::read::Decoder::new(file)
            .map_err(|e| anyhow!("{}: not a zstd file ({e})", at(1)))?;
        let mut csv = CsvReader::new(BufReader::with_capacity(1 << 16, decoder));
        let columns = &table.columns;
        let csv_error = |e: CsvError| match e {
            CsvError::Io { line, source } => anyhow!(
                "{}: cannot decompress the part ({source}): it is truncated or damaged; fetch it \
                 again (dbsub ingest --purge) or extract again",
                at(line)
            ),
            other => anyhow!("{}, {other}: the part is damaged; extract again", part.key),
        };
        // The header: the manifest's column names, in order.
        if !csv.read_record(&mut self.record).map_err(csv_error)? {
            bail!("{}: the part is empty (no header row)", at(1));
        }
        let names: Vec<&[u8]> = self.record.iter().map(|(f, _)| f).collect();
        let expected: Vec<&[u8]> = columns.iter().map(|c| c.name.as_bytes()).collect();
        if names != expected {
            bail!(
                "{}: the header has the columns {}; the manifest lists {}: the part does not \
                 belong to this manifest; extract again",
                at(1),
                show_names(&names),
                show_names(&expected)
            );
        }
        let mut rows = 0u64;
        loop {
            if !csv.read_record(&mut self.record).map_err(csv_error)? {
                break;
            }
            let line = self.record.line();
            if self.record.len() != columns.len() {
                bail!(
                    "{}: {} fields where the table has {} columns",
                    at(line),
                    self.record.len(),
                    columns.len()
                );
            }
            let mut decoded = recycle(std::mem::take(&mut self.values));
            for ((field, quoted), column) in self.record.iter().zip(columns) {
                match decode(field, quoted, &column.neutral_type) {
                    Ok(v) => decoded.push(v),
                    Err(e) => bail!("{}, column {}: {e}", at(line), column.name),
                }
            }
            let outcome = each(&decoded);
            self.values = recycle(decoded);
            outcome.map_err(|e| e.context(at(line)))?;
            rows += 1;
        }
        if rows != part.rows {
            bail!(
                "{}: {rows} rows where the manifest says {}: the part does not belong to this \
                 manifest; extract again",
                at(self.record.line()),
                part.rows
            );
        }
        self.rows += rows;
        Ok(())
    }
}

/// An emptied vector of another element type (typically the same type with another lifetime),
/// in the same allocation when the layouts match: the collect of an empty `into_iter().map()`
/// reuses it. Lets a per-row vector of borrowed values be kept across rows.
pub(crate) fn recycle<T, U>(mut values: Vec<T>) -> Vec<U> {
    values.clear();
    values.into_iter().map(|_| unreachable!("empty")).collect()
}

fn show_names(names: &[&[u8]]) -> String {
    let shown: Vec<String> = names
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    format!("({})", shown.join(", "))
}
