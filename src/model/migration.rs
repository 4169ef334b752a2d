//! Migrations as values: a version, a Flyway file name, its statements and checksum, parsed from
//! file names in one place ([`Migration::read_folder`]); what a target's history records.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::digest::sha256_hex;

/// A migration version: dotted numbers compared numerically (`1.0.0.10` > `1.0.0.9`), with
/// missing parts counting as 0 (`1.0` == `1.0.0`), as Flyway compares them.
#[derive(Clone, Debug)]
pub struct Version(Vec<u64>);

impl Version {
    /// Parses `1.0.0` or Flyway's `1_0_0`.
    pub fn parse(text: &str) -> Result<Version> {
        let parts: Result<Vec<u64>, _> = text.split(['.', '_']).map(str::parse::<u64>).collect();
        match parts {
            Ok(parts) if !parts.is_empty() => Ok(Version(parts)),
            _ => bail!("`{text}` is not a version: use dotted numbers such as 1.0.0"),
        }
    }

    /// The first version of a folder: `1.0.0`.
    pub fn first() -> Version {
        Version(vec![1, 0, 0])
    }

    /// The next minor version: `1.2.3` → `1.3.0`, `1.2.3.4` → `1.3.0`.
    pub fn next_minor(&self) -> Version {
        let major = self.0.first().copied().unwrap_or(1);
        let minor = self.0.get(1).copied().unwrap_or(0);
        Version(vec![major, minor + 1, 0])
    }

    /// `self` with one more part: `1.0.0` → `1.0.0.n`.
    pub fn with_part(&self, n: u64) -> Version {
        let mut parts = self.0.clone();
        parts.push(n);
        Version(parts)
    }

    /// The first three parts (what users write with --migration-version).
    pub fn release(&self) -> Version {
        Version(self.0.iter().take(3).copied().collect())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Missing parts count as 0: 1.0 == 1.0.0.
        let len = self.0.len().max(other.0.len());
        (0..len)
            .map(|i| {
                let a = self.0.get(i).copied().unwrap_or(0);
                let b = other.0.get(i).copied().unwrap_or(0);
                a.cmp(&b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Trailing zeros do not change a version, so they must not change its hash.
        let significant = self.0.iter().rposition(|&p| p != 0).map_or(0, |i| i + 1);
        self.0[..significant].hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// One statement of a migration file, with the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub line: usize,
    pub sql: String,
}

/// A versioned migration file: `V<version>__<description>.sql`.
#[derive(Clone, Debug)]
pub struct Migration {
    pub version: Version,
    pub description: String,
    pub file_name: String,
    pub path: PathBuf,
    pub sql: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub checksum: String,
}

impl Migration {
    /// The version and description of a Flyway versioned migration file name, or `None` for
    /// any other file (repeatable `R__` and undo `U` migrations are not dbsub's).
    pub fn parse_file_name(name: &str) -> Option<(Version, String)> {
        let stem = name.strip_suffix(".sql")?.strip_prefix('V')?;
        let (version, description) = stem.split_once("__")?;
        let version = Version::parse(version).ok()?;
        Some((version, description.replace('_', " ")))
    }

    /// Reads every versioned migration in `dir`, sorted by version.
    ///
    /// Fails when the folder cannot be read, a file is not UTF-8, or two files share a version.
    pub fn read_folder(dir: &Path) -> Result<Vec<Migration>> {
        let entries = std::fs::read_dir(dir).with_context(|| {
            format!(
                "cannot read the migration folder {}: check --migration-folder",
                dir.display()
            )
        })?;
        let mut migrations: Vec<Migration> = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some((version, description)) = Migration::parse_file_name(&file_name) else {
                continue;
            };
            let path = entry.path();
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let checksum = sha256_hex(&bytes);
            let sql = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
            migrations.push(Migration {
                version,
                description,
                file_name,
                path,
                sql,
                checksum,
            });
        }
        migrations.sort_by(|a, b| a.version.cmp(&b.version));
        for pair in migrations.windows(2) {
            if pair[0].version == pair[1].version {
                bail!(
                    "{} and {} have the same version {}: rename one",
                    pair[0].file_name,
                    pair[1].file_name,
                    pair[0].version
                );
            }
        }
        Ok(migrations)
    }
}

/// The table in which `dbsub migrate` records applied migrations, in every target.
pub const HISTORY_TABLE: &str = "dbsub_schema_history";

/// A migration recorded as applied in a target's history table.
#[derive(Clone, Debug)]
pub struct Applied {
    pub version: Version,
    pub script: String,
    pub checksum: String,
    /// When it was applied, as the history table records it (RFC 3339 or the database's text
    /// form of its timestamp).
    pub installed_on: String,
}

impl Applied {
    /// A row of the history table. Fails when its version does not parse.
    pub fn from_history(
        version: String,
        script: String,
        checksum: String,
        installed_on: String,
    ) -> Result<Applied> {
        Ok(Applied {
            version: Version::parse(&version)
                .with_context(|| format!("{HISTORY_TABLE} holds an invalid version `{version}`"))?,
            script,
            checksum,
            installed_on,
        })
    }
}

/// Why a migration did not apply: which statement failed (0-based index) and the database's
/// message. `statement` is `None` for failures around the statements (transaction, history).
#[derive(Debug)]
pub struct ApplyError {
    pub statement: Option<(usize, usize)>,
    pub message: String,
}

impl ApplyError {
    pub fn at(index: usize, statement: &Statement, error: impl fmt::Display) -> ApplyError {
        ApplyError {
            statement: Some((index, statement.line)),
            message: error.to_string(),
        }
    }

    pub fn setup(error: impl fmt::Display) -> ApplyError {
        ApplyError {
            statement: None,
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("1.0.0.10") > v("1.0.0.9"));
        assert!(v("1.1.0.1") > v("1.0.0.10"));
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1_2_3"), v("1.2.3"));
        assert_eq!(v("1.2.3.4").next_minor().to_string(), "1.3.0");
        assert!(Version::parse("1.x").is_err());
    }

    #[test]
    fn flyway_file_names() {
        assert_eq!(
            Migration::parse_file_name("V1.0.0.2__seedlot_tables.sql"),
            Some((Version::parse("1.0.0.2").unwrap(), "seedlot tables".into()))
        );
        assert_eq!(Migration::parse_file_name("R__views.sql"), None);
        assert_eq!(Migration::parse_file_name("V1__x.txt"), None);
        assert_eq!(Migration::parse_file_name("Vx__y.sql"), None);
    }
}
