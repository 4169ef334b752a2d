//! Reading an extract back: finding its manifest in a store ([`Extract::find`]), keeping checked
//! local copies of its parts ([`PartCache`]), and reading a table's parts — zstd, then CSV (see
//! [`super::csv`]), then each field decoded by its column's neutral type from the manifest.
//! Streaming: memory does not grow with the part.
//!
//! Every error names the table, the part and the line, so that a user can find the bytes.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};

use super::csv::{CsvError, CsvReader, Record};
use super::layout::{SubsetDir, subset_of_manifest};
use super::manifest::{Manifest, PartEntry, TableEntry};
use super::part::Hashing;
use super::store::Store;
use crate::model::digest::hex;
use crate::model::text::decode;
use crate::model::value::Value;
use crate::model::{DbKind, redact_url};

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

/// Counts the rows of the local copy of `part` at `path` — decompressed and read as CSV, its
/// header row left out — and compares them with the manifest's count. Ingest runs it on every
/// part before anything is emptied or written, so that a manifest whose counts were changed
/// stops the load before it starts.
pub fn check_rows(path: &Path, part: &PartEntry) -> Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let decoder = zstd::stream::read::Decoder::new(file)
        .map_err(|e| anyhow!("{}: not a zstd file ({e})", part.key))?;
    let mut csv = CsvReader::new(BufReader::with_capacity(1 << 16, decoder));
    let mut record = Record::new();
    let mut records = 0u64;
    while csv.read_record(&mut record).map_err(|e| match e {
        CsvError::Io { line, source } => anyhow!(
            "{}, line {line}: cannot decompress the part ({source}): it is truncated or damaged; \
             fetch it again (dbsub ingest --purge) or extract again",
            part.key
        ),
        other => anyhow!("{}, {other}: the part is damaged; extract again", part.key),
    })? {
        records += 1;
    }
    // The first record is the header.
    let rows = records.saturating_sub(1);
    if rows != part.rows {
        bail!(
            "{}: {rows} rows where the manifest says {}: the manifest was changed after extract \
             wrote it, or the part does not belong to it; re-run extract",
            part.key,
            part.rows
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

/// An extract found in a store: its folder, manifest, and what identifies it.
pub struct Extract {
    pub dir: SubsetDir,
    pub manifest: Manifest,
    /// The SHA-256 of the manifest's bytes.
    pub manifest_sha256: String,
    /// The store (redacted) and folder, as load records name the extract.
    pub id: String,
}

impl Extract {
    /// Finds and reads the manifest of the extract `subset` of `env`: under the folder of the
    /// kind asked for (`source`), else of `preferred` (the target's kind), else of the only
    /// other kind (of `kinds`) the store has the subset for.
    ///
    /// Fails when there is none (naming what the store has, or the extract to run first), when
    /// several kinds have it and none was asked for, or when the manifest is unreadable.
    pub fn find(
        store: &Store,
        env: &str,
        preferred: DbKind,
        source: Option<DbKind>,
        subset: &str,
    ) -> Result<Extract> {
        let (dir, bytes) = find_manifest(store, env, preferred, source, subset)?;
        let manifest = Manifest::from_slice(&bytes).with_context(|| {
            format!(
                "cannot read {} in the store {}",
                dir.manifest(),
                redact_url(store.url())
            )
        })?;
        Ok(Extract {
            manifest_sha256: hex(&Sha256::digest(&bytes)),
            id: format!("{}/{}", redact_url(store.url()), dir.prefix()),
            dir,
            manifest,
        })
    }
}

/// The subset's manifest: under `<ENV>/<DBTYPE>/<subset>` for the source kind asked for, else
/// the target's kind, else the only kind the store has the subset for.
fn find_manifest(
    store: &Store,
    env: &str,
    kind: DbKind,
    source: Option<DbKind>,
    subset: &str,
) -> Result<(SubsetDir, Vec<u8>)> {
    let kinds: Vec<DbKind> = match source {
        Some(k) => vec![k],
        None => {
            let mut all = vec![kind];
            all.extend(DbKind::all().iter().copied().filter(|k| *k != kind));
            all
        }
    };
    // The kind asked for (or the target's own) wins; another kind only when it is the one
    // the store has.
    let mut found = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let dir = SubsetDir::new(env, k.word(), subset);
        if let Some(bytes) = store.get(&dir.manifest())? {
            if i == 0 {
                return Ok((dir, bytes));
            }
            found.push((dir, bytes));
        }
    }
    match found.len() {
        1 => Ok(found.pop().expect("one")),
        0 => {
            let there: Vec<String> = store
                .list(env)?
                .into_iter()
                .filter_map(|k| subset_of_manifest(&k).map(str::to_string))
                .collect();
            bail!(
                "no extract `{subset}` for {env} in the store {}{}: {}",
                redact_url(store.url()),
                source.map_or(String::new(), |k| format!(" from {k}")),
                if there.is_empty() {
                    format!(
                        "run `dbsub extract {} {env} …` first",
                        source.unwrap_or(kind).word()
                    )
                } else {
                    format!(
                        "the store has {}; choose one with --subset (and --source)",
                        there.join(", ")
                    )
                }
            )
        }
        _ => {
            let at: Vec<&str> = found.iter().map(|(d, _)| d.prefix()).collect();
            bail!(
                "the store has the subset `{subset}` extracted from several databases ({}): \
                 choose one with --source",
                at.join(", ")
            )
        }
    }
}

/// How many parts came from the store and how many from the cache.
#[derive(Clone, Copy, Debug)]
pub struct Fetched {
    pub parts: usize,
    pub bytes: u64,
    pub cached: usize,
}

impl Fetched {
    /// The counts of this fetch and `other` together.
    pub fn and(self, other: Fetched) -> Fetched {
        Fetched {
            parts: self.parts + other.parts,
            bytes: self.bytes + other.bytes,
            cached: self.cached + other.cached,
        }
    }
}

/// The local copies of an extract's parts: `<cache>/<ENV>/<DBTYPE>/<subset>/<part key>`, each
/// checked against the manifest before any row is read.
pub struct PartCache {
    root: PathBuf,
}

impl PartCache {
    /// The cache of the extract in `dir`, under the cache folder `cache`.
    pub fn new(cache: &Path, dir: &SubsetDir) -> PartCache {
        PartCache {
            root: cache.join(dir.prefix()),
        }
    }

    /// The local copy of `part`.
    pub fn path(&self, part: &PartEntry) -> PathBuf {
        self.root.join(&part.key)
    }

    /// Deletes every cached part of the extract (`--purge`).
    pub fn purge(&self) -> Result<()> {
        if self.root.exists() {
            std::fs::remove_dir_all(&self.root)
                .with_context(|| format!("cannot empty the cache {}", self.root.display()))?;
        }
        Ok(())
    }

    /// Makes each part's local copy, `jobs` at a time: a cached copy whose SHA-256 matches is
    /// kept, anything else is fetched from `store` (the extract's folder `dir`) into a
    /// temporary file, checked, and then moved into place; then its rows are counted against
    /// the manifest ([`check_rows`]). `progress` hears the bytes of each
    /// part done; `proceed` is asked before each part and stops the fetch with its error.
    pub fn fetch(
        &self,
        store: &Store,
        dir: &SubsetDir,
        parts: &[&PartEntry],
        jobs: usize,
        progress: &(dyn Fn(u64) + Sync),
        proceed: &(dyn Fn() -> Result<()> + Sync),
    ) -> Result<Fetched> {
        let next = AtomicU64::new(0);
        let fetched_bytes = AtomicU64::new(0);
        let fetched = AtomicU64::new(0);
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..jobs.clamp(1, parts.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                        if i >= parts.len() || failure.lock().expect("not poisoned").is_some() {
                            return;
                        }
                        let part = parts[i];
                        let checked = proceed()
                            .and_then(|()| self.fetch_part(store, dir, part))
                            .and_then(|fetched| {
                                check_rows(&self.path(part), part)?;
                                Ok(fetched)
                            });
                        match checked {
                            Ok(true) => {
                                fetched.fetch_add(1, Ordering::SeqCst);
                                fetched_bytes.fetch_add(part.bytes, Ordering::SeqCst);
                            }
                            Ok(false) => {}
                            Err(e) => {
                                failure.lock().expect("not poisoned").get_or_insert(e);
                                return;
                            }
                        }
                        progress(part.bytes);
                    }
                });
            }
        });
        if let Some(e) = failure.into_inner().expect("not poisoned") {
            return Err(e);
        }
        let parts_fetched = fetched.into_inner() as usize;
        Ok(Fetched {
            parts: parts_fetched,
            bytes: fetched_bytes.into_inner(),
            cached: parts.len() - parts_fetched,
        })
    }

    /// One part's local copy; `true` when it was fetched now, `false` when the cache had it.
    fn fetch_part(&self, store: &Store, dir: &SubsetDir, part: &PartEntry) -> Result<bool> {
        let path = self.path(part);
        if path.exists() && check_part(&path, part).is_ok() {
            return Ok(false);
        }
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create the cache folder {}", folder.display()))?;
        }
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        let key = dir.key(&part.key);
        // Hashed on the way into the file, so the copy is checked without reading it again.
        let written = (|| -> Result<Option<(String, u64)>> {
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            let mut out = Hashing::new(std::io::BufWriter::new(file));
            let found = store.read_chunks(&key, &mut |chunk| {
                out.write_all(chunk)
                    .with_context(|| format!("cannot write {}", partial.display()))
            })?;
            let (mut file, sha256, size) = out.finish();
            file.flush()
                .with_context(|| format!("cannot write {}", partial.display()))?;
            Ok(found.then_some((sha256, size)))
        })();
        let outcome = written.and_then(|digest| {
            let Some((sha256, size)) = digest else {
                bail!(
                    "{key} is listed in the manifest but missing from the store {}: the \
                     extract is incomplete; extract again",
                    redact_url(store.url())
                );
            };
            check_digest(part, &sha256, size).map_err(|e| {
                anyhow!(
                    "{e} in the store {} ({}): extract again (dbsub extract … --refresh)",
                    redact_url(store.url()),
                    dir.prefix()
                )
            })
        });
        if let Err(e) = outcome {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, &path)
            .with_context(|| format!("cannot move {} into the cache", partial.display()))?;
        Ok(true)
    }
}
