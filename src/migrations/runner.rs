//! `dbsub migrate`: applies a folder's versioned files to a database, in version order, each
//! in one transaction where the database allows, recording them in `dbsub_schema_history`.

use std::path::Path;

use anyhow::{Result, bail};

use super::record::read_record;
use crate::model::migration::Migration;
use crate::model::ports::MigrationTarget;

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// File names applied by this run, in order.
    pub applied: Vec<String>,
    /// How many files were already applied.
    pub already: usize,
}

/// Applies the files of `dir` not yet applied to `target`.
///
/// Fails, before applying anything, when the folder has no migrations, was written for another
/// dialect, a file already applied has changed since, or a file is missing below one already
/// applied; and, after applying the files before it, when a statement fails: the message names
/// the file, the statement and its line, and the database's reason. `target_name` names the
/// target in messages (a redacted URL).
pub fn migrate(
    target: &mut dyn MigrationTarget,
    target_name: &str,
    dir: &Path,
    mut on_applied: impl FnMut(&Migration),
) -> Result<Outcome> {
    let migrations = Migration::read_folder(dir)?;
    if migrations.is_empty() {
        bail!(
            "{} holds no migration (V<version>__<name>.sql): write some with `dbsub \
             create-migrations`, or check --migration-folder",
            dir.display()
        );
    }
    let dialect = target.dialect();
    let dialect_word = dialect.name();
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
    let applied = target.applied()?;
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
    let pending: Vec<&Migration> = migrations
        .iter()
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
    let mut outcome = Outcome {
        already: migrations.len() - pending.len(),
        ..Outcome::default()
    };
    for m in pending {
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
