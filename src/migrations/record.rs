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

use super::{Migration, Version};
use crate::db::lex::{Token, tokenize};

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

/// Reads what `dir` already creates. A missing folder is an empty one.
///
/// Fails when the record is not a dbsub record (naming the file), or a file cannot be read.
pub fn read_existing(dir: &Path) -> Result<Existing> {
    let mut existing = Existing::default();
    if !dir.exists() {
        return Ok(existing);
    }
    let record_path = dir.join(RECORD_FILE);
    if record_path.exists() {
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
        existing.record = Some(record);
    }
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
            existing.objects.extend(scan_created(&m.sql));
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

/// The objects plain DDL creates: `CREATE [OR REPLACE] [EDITIONABLE] [UNIQUE|BITMAP]
/// [GLOBAL TEMPORARY] KIND [IF NOT EXISTS] [schema.]name` and `ADD CONSTRAINT name`.
pub fn scan_created(sql: &str) -> BTreeSet<(String, String)> {
    const SKIP: &[&str] = &[
        "OR",
        "REPLACE",
        "EDITIONABLE",
        "NONEDITIONABLE",
        "UNIQUE",
        "BITMAP",
        "GLOBAL",
        "TEMPORARY",
        "TEMP",
        "FORCE",
        "NOFORCE",
    ];
    let words = words(sql);
    let mut found = BTreeSet::new();
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    for i in 0..words.len() {
        let w = words[i].to_ascii_uppercase();
        if w == "ADD" && upper(i + 1).as_deref() == Some("CONSTRAINT") {
            if let Some(name) = words.get(i + 2) {
                found.insert(("CONSTRAINT".to_string(), name.to_ascii_uppercase()));
            }
            continue;
        }
        if w != "CREATE" {
            continue;
        }
        let mut j = i + 1;
        while upper(j).is_some_and(|u| SKIP.contains(&u.as_str())) {
            j += 1;
        }
        let Some(first) = upper(j) else { continue };
        let (kind, next) = match (first.as_str(), upper(j + 1).as_deref()) {
            ("PACKAGE" | "TYPE", Some("BODY")) => (format!("{first} BODY"), j + 2),
            ("MATERIALIZED", Some("VIEW")) => ("MATERIALIZED VIEW".to_string(), j + 2),
            (
                "TABLE" | "VIEW" | "INDEX" | "SEQUENCE" | "TRIGGER" | "PACKAGE" | "PROCEDURE"
                | "FUNCTION" | "TYPE" | "SYNONYM",
                _,
            ) => (first.clone(), j + 1),
            _ => continue,
        };
        let mut k = next;
        if upper(k).as_deref() == Some("IF") {
            k += 3; // IF NOT EXISTS
        }
        if let Some(name) = words.get(k) {
            // `schema.name`: the name is the last part.
            let name = name.rsplit('.').next().unwrap_or(name);
            found.insert((kind, name.to_ascii_uppercase()));
        }
    }
    found
}

/// The words of SQL text outside comments and string literals, quotes removed; a dotted name
/// (`"S"."T"`) is one word, `S.T`.
fn words(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joins_previous = false;
    for (_, token) in tokenize(sql) {
        match token {
            Token::Word { text, .. } => match out.last_mut() {
                Some(last) if joins_previous => {
                    last.push('.');
                    last.push_str(&text);
                }
                _ => out.push(text),
            },
            Token::Punct('.') => {
                joins_previous = true;
                continue;
            }
            _ => {}
        }
        joins_previous = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_plain_ddl_creates() {
        let sql = "-- CREATE TABLE COMMENTED (A INT);\n\
                   CREATE TABLE the.seedlot (a int);\n\
                   create unique index if not exists \"Seedlot_IX\" on seedlot (a);\n\
                   CREATE OR REPLACE EDITIONABLE PACKAGE BODY THE.PKG AS BEGIN NULL; END;\n\
                   CREATE GLOBAL TEMPORARY TABLE TMP (A INT);\n\
                   ALTER TABLE X ADD CONSTRAINT X_FK FOREIGN KEY (A) REFERENCES Y (A);\n\
                   INSERT INTO T VALUES ('CREATE TABLE NOT_ME');";
        let found: Vec<String> = scan_created(sql)
            .into_iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        assert_eq!(
            found,
            [
                "CONSTRAINT X_FK",
                "INDEX SEEDLOT_IX",
                "PACKAGE BODY PKG",
                "TABLE SEEDLOT",
                "TABLE TMP"
            ]
        );
    }
}
