//! `dbsub create-migrations`: Flyway files that create a seed's closure.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::backend;
use crate::catalog::Catalog;
use crate::cli::{Cli, CreateMigrationsArgs, MigrationDirection};
use crate::config::Config;
use crate::graph::{Closure, ClosureOptions, DepGraph, Direction, order};
use crate::migrations::plan::{self, PlanOptions};
use crate::migrations::record::{self, Record, RecordedFile};
use crate::migrations::render;
use crate::model::DbKind;
use crate::model::ddl::Item;
use crate::model::digest::sha256_hex;
use crate::model::migration::Version;
use crate::output::{self, plural};

use super::structural;

pub fn run(cli: &Cli, config: &Config, args: &CreateMigrationsArgs) -> Result<()> {
    let catalog = structural::load_for_seeds(cli, config, &args.seeds)?;
    match write(&catalog, args)? {
        Outcome::Written(summary) => output::result(&summary),
        Outcome::NothingNew(message) => {
            output::note(cli.quiet, &message);
            Ok(())
        }
    }
}

/// What a run did: files written (a summary to print), or nothing new to write.
pub enum Outcome {
    Written(String),
    NothingNew(String),
}

/// Plans, renders and writes the migrations `args` asks for, from `catalog`. Warnings go to
/// stderr as they are found.
///
/// Fails on an unknown seed, a folder of another dialect, a version not above the folder's,
/// or a folder that cannot be written (then nothing new is left in it).
pub fn write(catalog: &Catalog, args: &CreateMigrationsArgs) -> Result<Outcome> {
    let graph = DepGraph::build(catalog);
    let (seeds, exclude) = structural::find_seeds(&graph, catalog, &args.seeds)?;
    let direction = match args.direction {
        MigrationDirection::Parents => Direction::Parents,
        MigrationDirection::Both => Direction::Both,
    };
    let closure = Closure::compute(
        &graph,
        &seeds,
        ClosureOptions {
            direction,
            depth: None,
            exclude,
        },
    );
    let order = order::load_order(&graph, &closure);

    let dialect = backend::dialect(args.dialect);
    let dialect_word = dialect.name();
    let folder = &args.migration_folder;
    let existing = record::read_existing(folder, dialect)?;
    if let Some(record) = &existing.record
        && record.dialect != dialect_word
    {
        bail!(
            "{} holds {} migrations: write {dialect_word} ones into another folder \
             (--migration-folder)",
            folder.display(),
            record.dialect
        );
    }
    let version = args
        .migration_version
        .as_deref()
        .map(Version::parse)
        .transpose()?;
    let name = file_name_part(
        args.migration_name
            .as_deref()
            .unwrap_or(&graph.key(seeds[0]).name),
    );
    // The catalog's own dialect: within it, types, views and code are carried as written.
    let source = catalog
        .source
        .as_ref()
        .and_then(|s| DbKind::from_word(&s.kind))
        .map(backend::dialect);
    let options = PlanOptions {
        dialect,
        source,
        target_schema: args.target_schema.clone(),
        name,
        version,
        grants: args.grants,
        direction,
    };
    let plan = plan::plan(catalog, &graph, &closure, &order, &existing, &options)?;
    for warning in &plan.warnings {
        output::warning(warning);
    }
    if plan.files.is_empty() {
        return Ok(Outcome::NothingNew(format!(
            "Nothing new: every object of the closure ({}) is already created by the files in \
             {}.",
            plural(closure.len(), "object"),
            folder.display()
        )));
    }

    let mut texts = Vec::with_capacity(plan.files.len());
    for file in &plan.files {
        let text = render::render(dialect, &file.model)
            .with_context(|| format!("cannot render {}", file.file_name))?;
        if existing.file_names.contains(&file.file_name) || folder.join(&file.file_name).exists() {
            bail!(
                "{} already exists in {}: pass another --migration-version or \
                 --migration-name",
                file.file_name,
                folder.display()
            );
        }
        texts.push(text);
    }
    let seeds_ids: Vec<String> = seeds
        .iter()
        .map(|&s| crate::graph::render::id(graph.key(s)))
        .collect();
    let mut record = existing
        .record
        .clone()
        .unwrap_or_else(|| Record::new(dialect_word));
    for (file, text) in plan.files.iter().zip(&texts) {
        record.files.push(RecordedFile {
            file: file.file_name.clone(),
            version: file.version.to_string(),
            bucket: file.bucket.word().to_string(),
            seeds: seeds_ids.clone(),
            sha256: sha256_hex(text.as_bytes()),
            creates: file.creates.clone(),
            skipped: file.skipped.clone(),
        });
    }
    let files: Vec<(&str, &str)> = plan
        .files
        .iter()
        .zip(&texts)
        .map(|(f, t)| (f.file_name.as_str(), t.as_str()))
        .collect();
    write_all(folder, &files, &record)?;

    let mut summary = format!(
        "Wrote {} to {} (version {}, {dialect_word}):\n",
        plural(plan.files.len(), "migration"),
        folder.display(),
        plan.version
    );
    for file in &plan.files {
        let skipped = if file.skipped.is_empty() {
            String::new()
        } else {
            format!(
                ", {} kept as a comment",
                plural(file.skipped.len(), "object")
            )
        };
        let statements = file
            .model
            .items
            .iter()
            .filter(|i| !matches!(i, Item::NotTranslated(_)))
            .count();
        summary.push_str(&format!(
            "  {}  {}{skipped}\n",
            file.file_name,
            plural(statements, "statement")
        ));
    }
    Ok(Outcome::Written(summary))
}

/// A file-name-safe, lower-case form of a name: `Seedlot Owner` → `seedlot_owner`.
fn file_name_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_').to_string();
    if trimmed.is_empty() {
        "migration".to_string()
    } else {
        trimmed
    }
}

/// Writes every file under a temporary name, then renames them all, then the record: a failure
/// leaves no new file behind.
fn write_all(folder: &Path, files: &[(&str, &str)], record: &Record) -> Result<()> {
    std::fs::create_dir_all(folder).with_context(|| {
        format!(
            "cannot create the migration folder {}: check the path and its permissions",
            folder.display()
        )
    })?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> Result<()> {
        for (name, text) in files {
            let tmp = folder.join(format!(".{name}.tmp-{}", std::process::id()));
            std::fs::write(&tmp, text).with_context(|| {
                format!(
                    "cannot write into the migration folder {}: check its permissions",
                    folder.display()
                )
            })?;
            staged.push((tmp, folder.join(name)));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            for (tmp, path) in &staged[..i] {
                let _ = std::fs::remove_file(path);
                let _ = std::fs::remove_file(tmp);
            }
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
    }
    record::write_record(folder, record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_parts() {
        assert_eq!(file_name_part("SEEDLOT"), "seedlot");
        assert_eq!(file_name_part("Seedlot Owner-Qty"), "seedlot_owner_qty");
        assert_eq!(file_name_part("!!"), "migration");
    }
}
