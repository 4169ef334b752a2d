//! `dbsub migrate`: applies a folder's versioned files to a database, in version order, each
//! in one transaction where the database allows, recording them in `dbsub_schema_history`.

use std::path::Path;

use anyhow::{Result, bail};

use super::record::read_record;
use crate::model::migration::{Applied, Migration, Version};
use crate::model::ports::MigrationTarget;

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// File names applied by this run, in order.
    pub applied: Vec<String>,
    /// How many files were already applied.
    pub already: usize,
}

/// What a run would do: the files not applied yet, in the order they would apply.
#[derive(Debug)]
pub struct Pending {
    pub migrations: Vec<Migration>,
    /// How many files are already applied.
    pub already: usize,
}

/// Where one file of a folder stands on a target, for `dbsub migrate info`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Applied, with the time the history table records.
    Applied { installed_on: String },
    /// Not applied yet.
    Pending,
    /// Applied, but the file changed since: its checksum then and now.
    ChecksumMismatch { applied: String, now: String },
    /// Recorded as applied, but the folder has no file of this version.
    FileMissing,
}

/// One version of a folder or of a target's history, and where it stands.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub version: String,
    pub description: String,
    /// The file name (from the history when the file is missing).
    pub script: String,
    #[serde(flatten)]
    pub state: State,
}

/// Every version of `dir` and of `target`'s history, in version order, with where each stands.
/// Changes nothing. Fails as [`pending`] does on an empty folder or another dialect's files.
pub fn status(
    target: &mut dyn MigrationTarget,
    target_name: &str,
    dir: &Path,
) -> Result<Vec<Status>> {
    let (migrations, applied) = read(target, target_name, dir)?;
    let mut out: Vec<(Version, Status)> = migrations
        .iter()
        .map(|m| {
            let state = match applied.iter().find(|a| a.version == m.version) {
                None => State::Pending,
                Some(a) if a.checksum != m.checksum => State::ChecksumMismatch {
                    applied: short(&a.checksum).to_string(),
                    now: short(&m.checksum).to_string(),
                },
                Some(a) => State::Applied {
                    installed_on: a.installed_on.clone(),
                },
            };
            let status = Status {
                version: m.version.to_string(),
                description: m.description.clone(),
                script: m.file_name.clone(),
                state,
            };
            (m.version.clone(), status)
        })
        .collect();
    for a in &applied {
        if !migrations.iter().any(|m| m.version == a.version) {
            let description = Migration::parse_file_name(&a.script)
                .map(|(_, d)| d)
                .unwrap_or_default();
            let status = Status {
                version: a.version.to_string(),
                description,
                script: a.script.clone(),
                state: State::FileMissing,
            };
            out.push((a.version.clone(), status));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// The files of `dir` not yet applied to `target`, in order. Changes nothing.
///
/// Fails when the folder has no migrations, was written for another dialect, a file already
/// applied has changed since, or a file is missing below one already applied. `target_name`
/// names the target in messages (a redacted URL).
pub fn pending(target: &mut dyn MigrationTarget, target_name: &str, dir: &Path) -> Result<Pending> {
    let (migrations, applied) = read(target, target_name, dir)?;
    for a in &applied {
        match migrations.iter().find(|m| m.version == a.version) {
            Some(m) if m.checksum != a.checksum => bail!(
                "{} was changed after it was applied to {target_name} (checksum {} then, {} \
                 now): restore the applied text, or put the change in a new migration with a \
                 higher version",
                m.file_name,
                short(&a.checksum),
                short(&m.checksum)
            ),
            _ => {}
        }
    }
    let highest_applied = applied.iter().map(|a| &a.version).max();
    let already = migrations
        .iter()
        .filter(|m| applied.iter().any(|a| a.version == m.version))
        .count();
    let pending: Vec<Migration> = migrations
        .into_iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .collect();
    if let (Some(high), Some(first)) = (highest_applied, pending.first())
        && first.version < *high
    {
        bail!(
            "{} is not applied to {target_name}, but version {high} already is: migrations \
             apply in version order only; give the file a version above {high}",
            first.file_name
        );
    }
    Ok(Pending {
        migrations: pending,
        already,
    })
}

/// The folder's migrations and the target's history, once the folder is known to hold
/// migrations of the target's dialect.
fn read(
    target: &mut dyn MigrationTarget,
    target_name: &str,
    dir: &Path,
) -> Result<(Vec<Migration>, Vec<Applied>)> {
    let migrations = Migration::read_folder(dir)?;
    if migrations.is_empty() {
        bail!(
            "{} holds no migration (V<version>__<name>.sql): write some with `dbsub \
             create-migrations`, or check --migration-folder",
            dir.display()
        );
    }
    let dialect_word = target.dialect().name();
    if let Some(record) = read_record(dir)?
        && record.dialect != dialect_word
    {
        bail!(
            "{} holds {} migrations and {target_name} is a {dialect_word} database: apply them \
             to a {} database, or write {dialect_word} ones with `dbsub create-migrations \
             --dialect {dialect_word}` into another folder",
            dir.display(),
            record.dialect,
            record.dialect
        );
    }
    Ok((migrations, target.history()?))
}

/// Applies the files of `dir` not yet applied to `target`, creating its history table first.
///
/// Fails, before applying anything, as [`pending`] does; and, after applying the files before
/// it, when a statement fails: the message names the file, the statement and its line, and the
/// database's reason. `target_name` names the target in messages (a redacted URL).
pub fn migrate(
    target: &mut dyn MigrationTarget,
    target_name: &str,
    dir: &Path,
    mut on_applied: impl FnMut(&Migration),
) -> Result<Outcome> {
    // Every check before the first change: a wrong folder leaves no history table behind.
    let Pending {
        migrations: pending,
        already,
    } = pending(target, target_name, dir)?;
    target.create_history()?;
    let dialect = target.dialect();
    let mut outcome = Outcome {
        already,
        ..Outcome::default()
    };
    for m in &pending {
        let statements = dialect.split_statements(&m.sql);
        if let Err(e) = target.apply(m, &statements) {
            let rolled_back = if dialect.capabilities().transactional_ddl {
                "nothing of this file was applied".to_string()
            } else {
                format!(
                    "{} commits each DDL statement: the statements before it stay applied",
                    dialect.title()
                )
            };
            match e.statement {
                Some((index, line)) => bail!(
                    "{}: statement {} of {} (line {line}) failed on {target_name}: {}; \
                     {rolled_back}",
                    m.file_name,
                    index + 1,
                    statements.len(),
                    e.message
                ),
                None => bail!(
                    "{} could not be applied to {target_name}: {}",
                    m.file_name,
                    e.message
                ),
            }
        }
        on_applied(m);
        outcome.applied.push(m.file_name.clone());
    }
    Ok(outcome)
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}
