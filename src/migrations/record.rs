//! What a migration folder already creates.
//!
//! dbsub keeps `dbsub-migrations.json` next to the files it writes: per file, its version,
//! bucket, checksum and the objects it creates. Files it did not write (another tool's, or a
//! hand-written one) are scanned for plain `CREATE …` and `ADD CONSTRAINT …` statements, so a
//! second run never creates an object twice.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::model::migration::{Migration, Version};
use crate::model::ports::Dialect;

pub const RECORD_FILE: &str = "dbsub-migrations.json";
const FORMAT: &str = "dbsub-migrations";
const FORMAT_VERSION: u32 = 1;

/// An object a migration creates: its kind as SQL names it (`TABLE`, `INDEX`, `CONSTRAINT`,
/// `PACKAGE BODY`, …), and its schema and name as in the source catalog.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Created {
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema: String,
    pub name: String,
}

/// One file dbsub wrote.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RecordedFile {
    pub file: String,
    pub version: String,
    pub bucket: String,
    /// The seed objects of the run that wrote it (`TABLE:THE.SEEDLOT`).
    pub seeds: Vec<String>,
    pub sha256: String,
    pub creates: Vec<Created>,
    /// Objects kept as comments because the dialect cannot create them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Created>,
}

/// The record kept in a migration folder.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub format: String,
    pub format_version: u32,
    /// `oracle`, `postgres` or `sqlite`.
    pub dialect: String,
    pub files: Vec<RecordedFile>,
}

impl Record {
    pub fn new(dialect: &str) -> Record {
        Record {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            dialect: dialect.to_string(),
            files: Vec::new(),
        }
    }
}

/// What a folder holds: its record, if any, the objects created by every file, and the highest
/// version of any versioned file.
#[derive(Debug, Default)]
pub struct Existing {
    pub record: Option<Record>,
    /// (kind, upper-cased name): schemas are not compared, since files may be remapped.
    pub objects: BTreeSet<(String, String)>,
    pub latest: Option<Version>,
    pub file_names: BTreeSet<String>,
}

impl Existing {
    pub fn has(&self, kind: &str, name: &str) -> bool {
        self.objects
            .contains(&(kind.to_string(), name.to_ascii_uppercase()))
    }
}

/// Reads the record of `dir`, if it has one.
///
/// Fails when the record is not a dbsub record (naming the file), or cannot be read.
pub fn read_record(dir: &Path) -> Result<Option<Record>> {
    let record_path = dir.join(RECORD_FILE);
    if !record_path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&record_path)
        .with_context(|| format!("cannot read {}", record_path.display()))?;
    let record: Record = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a dbsub migration record: restore it from version control, or \
             move the folder's files elsewhere and start again",
            record_path.display()
        )
    })?;
    if record.format != FORMAT || record.format_version != FORMAT_VERSION {
        bail!(
            "{} has format {} version {}; this dbsub reads {FORMAT} version \
             {FORMAT_VERSION}",
            record_path.display(),
            record.format,
            record.format_version
        );
    }
    Ok(Some(record))
}

/// Reads what `dir` already creates, its files of another tool read as `dialect` writes them.
/// A missing folder is an empty one.
///
/// Fails when the record is not a dbsub record (naming the file), or a file cannot be read.
pub fn read_existing(dir: &Path, dialect: &dyn Dialect) -> Result<Existing> {
    let mut existing = Existing::default();
    if !dir.exists() {
        return Ok(existing);
    }
    existing.record = read_record(dir)?;
    let recorded: BTreeSet<String> = existing
        .record
        .iter()
        .flat_map(|r| r.files.iter().map(|f| f.file.clone()))
        .collect();
    for file in existing.record.iter().flat_map(|r| r.files.iter()) {
        for c in file.creates.iter().chain(&file.skipped) {
            existing
                .objects
                .insert((c.kind.clone(), c.name.to_ascii_uppercase()));
        }
    }
    for m in Migration::read_folder(dir)? {
        existing.file_names.insert(m.file_name.clone());
        if existing.latest.as_ref().is_none_or(|v| m.version > *v) {
            existing.latest = Some(m.version.clone());
        }
        if !recorded.contains(&m.file_name) {
            existing.objects.extend(dialect.objects_created(&m.sql));
        }
    }
    Ok(existing)
}

/// Writes the record through a temporary file.
pub fn write_record(dir: &Path, record: &Record) -> Result<()> {
    let path = dir.join(RECORD_FILE);
    let tmp = dir.join(format!("{RECORD_FILE}.tmp-{}", std::process::id()));
    let json = serde_json::to_string_pretty(record)? + "\n";
    std::fs::write(&tmp, json).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}
