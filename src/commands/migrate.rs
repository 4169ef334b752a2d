//! `dbsub migrate`: apply a folder's migrations to a database.

use std::path::Path;

use anyhow::{Result, bail};

use crate::backend::{self, parse_url};
use crate::cli::{Cli, MigrateArgs};
use crate::config::Config;
use crate::migrations::runner;
use crate::model::{DbKind, DbUrl};
use crate::output::{self, plural};

pub fn run(cli: &Cli, config: &Config, args: &MigrateArgs) -> Result<()> {
    let url = target_url(config, &args.target)?;
    output::result(&apply(&url, &args.migration_folder, cli.quiet)?)
}

/// Applies the migrations of `folder` to the database `url` names; returns a one-line summary.
///
/// Fails as [`runner::migrate`] does, and when the database cannot be opened.
pub fn apply(url: &DbUrl, folder: &Path, quiet: bool) -> Result<String> {
    let mut target = backend::migration_target(url)?;
    let name = url.redacted();
    let outcome = runner::migrate(target.as_mut(), &name, folder, |m| {
        output::note(quiet, &format!("applied {}", m.file_name));
    })?;
    Ok(format!(
        "{} {name}: {} applied now, {} before.\n",
        if outcome.applied.is_empty() {
            "Up to date:"
        } else {
            "Migrated"
        },
        plural(outcome.applied.len(), "migration"),
        outcome.already
    ))
}

/// `--target`: a DBTYPE word resolved through DBSUB_TARGET_<DBTYPE>, or a URL that carries no
/// password (command lines are visible to other users; credentials belong in .env).
fn target_url(config: &Config, target: &str) -> Result<DbUrl> {
    if let Some(kind) = DbKind::from_word(target) {
        return Ok(config.target(kind)?.url);
    }
    let url = parse_url(target)?;
    if url.redacted() != url.expose() {
        bail!(
            "--target {} carries a password on the command line, where other users can see \
             it: put the URL in DBSUB_TARGET_{} (.env) and pass --target {}",
            url.redacted(),
            url.kind(),
            url.kind()
        );
    }
    Ok(url)
}
