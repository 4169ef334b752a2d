//! Writing a table's rows as parts: CSV (see [`super::csv`]) through a streaming zstd encoder
//! into a streaming upload, hashing the compressed bytes on the way. A new part starts when
//! the current one holds `part_size` bytes of CSV.

use std::io::Write;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::layout::part_key_in;
use super::manifest::PartEntry;
use super::store::{Store, Upload};
use crate::model::digest::hex;
use crate::model::value::Value;

/// zstd level: the command-line tool's default, a good speed/size balance for CSV.
pub const LEVEL: i32 = 3;

/// zstd's window at level 3 for large inputs (2 MiB); a part smaller than that gets a window of
/// its own size.
const MAX_WINDOW_LOG: u32 = 21;
/// The worker's jobs: zstd's default for this window is 8 MiB, and its buffers (a few jobs' input
/// and output) were 33 MiB of a job's 42 MiB. With 1 MiB jobs, 57 MB of the demo's CSV took a
/// process peak of 22 MiB instead of 52 (19 MiB without a worker), in the same time, and
/// compressed as well (ratio 4.02 against 4.01).
const JOB_SIZE: u32 = 1 << 20;

/// The zstd settings of one part of at most about `part_size` bytes of CSV (besides level 3): a
/// checksum, a window no larger than the part, and one worker thread with small jobs, so that
/// compression runs beside the reading thread in a few MiB. The output depends on these
/// settings only (not on the number of workers or the machine), so that a resumed extract
/// writes identical parts.
fn part_settings(part_size: u64) -> [zstd::stream::raw::CParameter; 4] {
    use zstd::stream::raw::CParameter;
    // The smallest window log that holds the part, between zstd's minimum and the default.
    let window_log =
        (u64::BITS - part_size.saturating_sub(1).leading_zeros()).clamp(10, MAX_WINDOW_LOG);
    [
        CParameter::ChecksumFlag(true),
        CParameter::WindowLog(window_log),
        CParameter::NbWorkers(1),
        CParameter::JobSize(JOB_SIZE),
    ]
}

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
    /// The parts' folder, relative to the subset's.
    folder: String,
    header: Vec<u8>,
    part_size: u64,
    parts: Vec<PartEntry>,
    open: Option<OpenPart<'s>>,
    row: Vec<u8>,
}

impl<'s> TableWriter<'s> {
    /// A writer of parts into `folder` (relative to the subset's folder `prefix`: a table's
    /// or a chunk's) whose first `kept` parts are already in the store.
    pub fn new(
        store: &'s Store,
        prefix: &str,
        folder: &str,
        columns: &[&str],
        part_size: u64,
        kept: Vec<PartEntry>,
    ) -> TableWriter<'s> {
        let mut header = Vec::new();
        super::csv::write_header(columns, &mut header);
        TableWriter {
            store,
            prefix: prefix.to_string(),
            folder: folder.to_string(),
            header,
            part_size: part_size.max(1),
            parts: kept,
            open: None,
            row: Vec::with_capacity(4096),
        }
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
        for setting in part_settings(self.part_size) {
            encoder.set_parameter(setting)?;
        }
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The bytes the compression context of a part holds once `csv` went through it.
    fn context_bytes(part_size: u64, csv: &[u8]) -> usize {
        let mut cctx = zstd::zstd_safe::CCtx::create();
        let mut out = Vec::new();
        {
            let mut raw = zstd::stream::raw::Encoder::with_context(&mut cctx);
            raw.set_parameter(zstd::stream::raw::CParameter::CompressionLevel(LEVEL))
                .unwrap();
            for setting in part_settings(part_size) {
                raw.set_parameter(setting).unwrap();
            }
            let mut writer = zstd::stream::zio::Writer::new(&mut out, raw);
            writer.write_all(csv).unwrap();
            writer.finish().unwrap();
        }
        assert_eq!(zstd::decode_all(&out[..]).unwrap(), csv);
        cctx.sizeof()
    }

    #[test]
    fn a_parts_compression_context_takes_a_few_mib() {
        // 24 MiB of CSV-like rows: enough for zstd's default jobs (8 MiB) to fill their buffers.
        let mut csv = Vec::new();
        let mut i = 0u64;
        while csv.len() < 24 << 20 {
            let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
            writeln!(
                csv,
                "{i},{x},LOT-{},2023-05-17T13:26:16,\"text {x}\"",
                x % 977
            )
            .unwrap();
            i += 1;
        }
        let big = context_bytes(256 << 20, &csv);
        assert!(big < 8 << 20, "{big} bytes for a 256 MiB part");
        let small = context_bytes(64 << 10, &csv[..1 << 20]);
        assert!(small < 8 << 20, "{small} bytes for a 64 KiB part");
        // A small part gets a window of its size. (Not compared through the contexts' sizes:
        // the worker's buffers in them depend on how many jobs were in flight at once, which
        // a busy machine changes; one run measured a 64 KiB part's context at 7.4 MB and a
        // 256 MiB part's at 6.6 MB.)
        let window = |part_size: u64| {
            part_settings(part_size)
                .into_iter()
                .find_map(|s| match s {
                    zstd::stream::raw::CParameter::WindowLog(log) => Some(log),
                    _ => None,
                })
                .expect("a window log")
        };
        assert_eq!(window(64 << 10), 16);
        assert_eq!(window(1), 10);
        assert_eq!(window(256 << 20), MAX_WINDOW_LOG);
    }
}
