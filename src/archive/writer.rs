//! Writing an extract into a store, so that an interrupted run resumes and a reader never takes
//! a half-written extract for a complete one:
//!
//! 1. [`SubsetWriter::open`] reads an existing manifest, deletes what a killed run's unfinished
//!    uploads left, and proves the folder writable, before any row is read;
//! 2. each table's parts are written by a [`TableWrite`]: after each part, a progress record in
//!    the store lists the parts done with their checksums; a re-run with the same fingerprint
//!    keeps the parts whose checksums still match and skips their rows;
//! 3. [`SubsetWriter::commit`] writes the manifest last — a part counts only once its checksum
//!    is in it — and then deletes the progress records.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::layout::{SubsetDir, deletes_dir, table_dir};
use super::manifest::{Manifest, PartEntry};
use super::part::TableWriter;
use super::store::Store;
use crate::model::digest::sha256_hex;
use crate::model::redact_url;
use crate::model::value::Value;

/// A subset's folder in a store, being written.
pub struct SubsetWriter {
    store: Store,
    /// The store's URL, as configured (shown redacted only).
    url: String,
    dir: SubsetDir,
    existing: Option<Manifest>,
}

impl SubsetWriter {
    /// Opens the store `url` (whose setting came from `origin`), reads the manifest of `dir`
    /// if there is one, deletes the files of unfinished uploads in it
    /// ([`Store::remove_staging`]) and proves the folder writable.
    ///
    /// Fails when the store cannot be reached or written, and when the subset is complete
    /// already and the whole of it (`whole`: not single tables) is asked without `refresh`;
    /// `subset` names it in that message.
    pub fn open(
        url: &str,
        origin: &str,
        dir: SubsetDir,
        subset: &str,
        whole: bool,
        refresh: bool,
    ) -> Result<SubsetWriter> {
        let shown = redact_url(url);
        let store = Store::open(url)
            .with_context(|| format!("cannot open the store {shown} ({origin})"))?;
        let manifest_key = dir.manifest();
        let existing =
            match store
                .get(&manifest_key)
                .with_context(|| unreachable_store(url))?
            {
                Some(bytes) => Some(Manifest::from_slice(&bytes).with_context(|| {
                    format!("{manifest_key} in the store {shown} is unreadable")
                })?),
                None => None,
            };
        if let Some(done) = &existing
            && whole
            && !refresh
        {
            bail!(
                "{subset} is already complete in the store {shown} (written {}): use --refresh \
                 to extract it again, --table T to refresh single tables, or --subset NAME to \
                 keep both",
                done.created_at
            );
        }
        // A killed run's unfinished uploads (file:// stores keep them as files of their own).
        store.remove_staging(dir.prefix())?;
        let probe = dir.write_probe();
        store
            .put(&probe, Vec::new())
            .and_then(|()| store.delete(&probe))
            .map_err(|e| {
                let hint = if format!("{e:#}").contains("NoSuchBucket") {
                    "the bucket does not exist: create it first"
                } else {
                    "check that it exists and that the credentials may write to it"
                };
                e.context(format!(
                    "cannot write to the store {shown} ({origin}): {hint}"
                ))
            })?;
        Ok(SubsetWriter {
            store,
            url: url.to_string(),
            dir,
            existing,
        })
    }

    /// The manifest a complete earlier extract left, if any.
    pub fn existing(&self) -> Option<&Manifest> {
        self.existing.as_ref()
    }

    /// The store, redacted.
    pub fn store_shown(&self) -> String {
        redact_url(&self.url)
    }

    /// The manifest's key.
    pub fn manifest_key(&self) -> String {
        self.dir.manifest()
    }

    /// Deletes the subset's folder (`--refresh`): the manifest first, so that an extract half
    /// deleted is never taken for a complete one.
    pub fn start_over(&self) -> Result<()> {
        self.store.delete(&self.dir.manifest())?;
        for key in self.store.list(self.dir.prefix())? {
            self.store.delete(&key)?;
        }
        Ok(())
    }

    /// Starts writing `schema.name`, whose CSV header is `header`: parts of `part_size` CSV
    /// bytes at most. `fingerprint` says what the parts are made of (plan, columns, masking,
    /// snapshot kind…) and `rows` how many rows the table has: parts an interrupted run left
    /// with the same fingerprint and row count are kept while their checksums match, and
    /// [`TableWrite::skip`] says how many rows they hold.
    pub fn table(
        &self,
        schema: &str,
        name: &str,
        header: &[&str],
        part_size: u64,
        fingerprint: &serde_json::Value,
        rows: u64,
    ) -> Result<TableWrite<'_>> {
        let progress = self.dir.progress(schema, name);
        let folder = table_dir(schema, name);
        let shape = (header, part_size, fingerprint, rows);
        self.write(schema, name, folder, progress, shape)
    }

    /// Starts writing the deletes of `schema.name` in a delta (`--detect-deletes`): the keys
    /// (CSV header `key_columns`) of `rows` rows to delete, in parts under `deletes/`, resumed
    /// as [`Self::table`] resumes a table's rows.
    pub fn deletes(
        &self,
        schema: &str,
        name: &str,
        key_columns: &[&str],
        part_size: u64,
        fingerprint: &serde_json::Value,
        rows: u64,
    ) -> Result<TableWrite<'_>> {
        let progress = self.dir.deletes_progress(schema, name);
        let folder = deletes_dir(schema, name);
        let shape = (key_columns, part_size, fingerprint, rows);
        self.write(schema, name, folder, progress, shape)
    }

    /// A [`TableWrite`] of parts in `folder` whose progress record is at `progress_key`.
    fn write(
        &self,
        schema: &str,
        name: &str,
        folder: String,
        progress_key: String,
        (header, part_size, fingerprint, rows): (&[&str], u64, &serde_json::Value, u64),
    ) -> Result<TableWrite<'_>> {
        let fingerprint = sha256_hex(fingerprint.to_string().as_bytes());
        let mut kept: Vec<PartEntry> = Vec::new();
        if let Some(bytes) = self.store.get(&progress_key)?
            && let Ok(p) = serde_json::from_slice::<Progress>(&bytes)
            && p.fingerprint == fingerprint
            && p.rows == rows
        {
            for part in p.parts {
                match self.store.sha256(&self.dir.key(&part.key))? {
                    Some((sha, bytes)) if sha == part.sha256 && bytes == part.bytes => {
                        kept.push(part)
                    }
                    _ => break,
                }
            }
        }
        let kept_parts = kept.len();
        let skip = kept.iter().map(|p| p.rows).sum();
        Ok(TableWrite {
            subset: self,
            schema: schema.to_string(),
            name: name.to_string(),
            folder: self.dir.key(&folder),
            progress: ProgressRecord {
                key: progress_key,
                fingerprint,
                rows,
            },
            kept_parts,
            skip,
            writer: TableWriter::new(
                &self.store,
                self.dir.prefix(),
                schema,
                name,
                header,
                part_size,
                kept,
            )
            .in_folder(folder),
        })
    }

    /// Writes `manifest` — from now on the extract is complete — and deletes the progress
    /// records of `tables` (`(schema, name)`), which have served.
    pub fn commit(&self, manifest: &Manifest, tables: &[(&str, &str)]) -> Result<()> {
        self.store.put(&self.dir.manifest(), manifest.to_json())?;
        for (schema, name) in tables {
            self.store.delete(&self.dir.progress(schema, name))?;
            self.store
                .delete(&self.dir.deletes_progress(schema, name))?;
        }
        Ok(())
    }
}

/// What the store remembers of a table being written: the parts done so far.
#[derive(Serialize, Deserialize)]
struct Progress {
    fingerprint: String,
    rows: u64,
    parts: Vec<PartEntry>,
}

/// One table's parts being written, resuming an interrupted run.
pub struct TableWrite<'s> {
    subset: &'s SubsetWriter,
    schema: String,
    name: String,
    /// The store folder of the parts.
    folder: String,
    progress: ProgressRecord,
    kept_parts: usize,
    skip: u64,
    writer: TableWriter<'s>,
}

impl TableWrite<'_> {
    /// Rows the kept parts hold: the read starts after them.
    pub fn skip(&self) -> u64 {
        self.skip
    }

    /// Parts kept from an interrupted run.
    pub fn kept_parts(&self) -> usize {
        self.kept_parts
    }

    /// Compressed bytes of the parts completed so far.
    pub fn bytes(&self) -> u64 {
        self.writer.parts().iter().map(|p| p.bytes).sum()
    }

    /// Appends one row; when it completes a part, records it and returns its compressed bytes.
    pub fn write_row(&mut self, values: &[Value<'_>]) -> Result<Option<u64>> {
        match self.writer.write_row(values)? {
            Some(part) => {
                self.progress.record(self.subset, self.writer.parts())?;
                Ok(Some(part.bytes))
            }
            None => Ok(None),
        }
    }

    /// Completes the last part and returns every part of the table. Fails when the parts do
    /// not hold the table's rows (the source changed between the runs of an interrupted
    /// extract). Parts of an earlier, longer attempt that are not among them are deleted.
    pub fn finish(self) -> Result<Vec<PartEntry>> {
        let (parts, last) = self.writer.finish()?;
        if last.is_some() {
            self.progress.record(self.subset, &parts)?;
        }
        let rows: u64 = parts.iter().map(|p| p.rows).sum();
        if rows != self.progress.rows {
            bail!(
                "{}.{}: {rows} rows were read, but the closure selected {}: the source changed \
                 between the runs of an interrupted extract; run again with --refresh",
                self.schema,
                self.name,
                self.progress.rows
            );
        }
        let store = &self.subset.store;
        let dir = &self.subset.dir;
        for key in store.list(&self.folder)? {
            if !parts.iter().any(|p| p.key == dir.relative(&key)) {
                store.delete(&key)?;
            }
        }
        Ok(parts)
    }
}

/// Where a table's progress record is, and what it says besides the parts.
struct ProgressRecord {
    key: String,
    fingerprint: String,
    rows: u64,
}

impl ProgressRecord {
    /// Records `parts` as the table's parts done so far.
    fn record(&self, subset: &SubsetWriter, parts: &[PartEntry]) -> Result<()> {
        let progress = Progress {
            fingerprint: self.fingerprint.clone(),
            rows: self.rows,
            parts: parts.to_vec(),
        };
        subset.store.put(
            &self.key,
            serde_json::to_vec(&progress).expect("progress always serializes"),
        )?;
        abort_hook();
        Ok(())
    }
}

fn unreachable_store(url: &str) -> String {
    format!(
        "cannot reach the store {}: check the URL and, for a cloud store, its credentials and \
         endpoint (AWS_ENDPOINT, AWS_REGION, …)",
        redact_url(url)
    )
}

/// Parts completed by this process, for the test hooks below.
static PARTS_DONE: AtomicU64 = AtomicU64::new(0);

/// Test hooks, right after the N-th part is recorded: `DBSUB_TEST_ABORT_AFTER_PARTS=N` aborts
/// the process (as a kill would), to prove that an extract resumes;
/// `DBSUB_TEST_PAUSE_AFTER_PARTS=N` waits for Ctrl-C (at most a minute), so that a test can
/// interrupt an extract that is sure to be under way.
fn abort_hook() {
    let done = PARTS_DONE.fetch_add(1, Ordering::SeqCst) + 1;
    let setting = |var: &str| std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok());
    if setting("DBSUB_TEST_ABORT_AFTER_PARTS").is_some_and(|n| done >= n) {
        std::process::abort();
    }
    if setting("DBSUB_TEST_PAUSE_AFTER_PARTS") == Some(done) {
        for _ in 0..6000 {
            if crate::output::interrupted() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
