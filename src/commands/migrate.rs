//! `dbsub migrate`: apply a folder's migrations to a database; `--dry-run` lists what it would
//! apply, `dbsub migrate info` where each file stands. Both only read the target.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::backend::{self, parse_url};
use crate::cli::{Cli, MigrateAction, MigrateArgs};
use crate::config::{Config, DEMO_MIGRATIONS_DIR, Origin};
use crate::migrations::runner::{self, State, Status};
use crate::model::exit::Class;
use crate::model::{DbKind, DbUrl};
use crate::output::{self, plural};

/// The folder `--migration-folder` names when it is not given.
const DEFAULT_FOLDER: &str = "migrations";

pub fn run(cli: &Cli, config: &Config, args: &MigrateArgs) -> Result<()> {
    let (url, origin) = target_url(config, &args.target)?;
    let folder = migration_folder(args.migration_folder.as_deref(), &origin, cli.quiet)?;
    match &args.action {
        Some(MigrateAction::Info(info)) => {
            let mut target = backend::migration_history(&url)?;
            let statuses = runner::status(target.as_mut(), &url.redacted(), &folder)?;
            info.format
                .print(&statuses, |s| render_info(s, &folder, &url))
        }
        None if args.dry_run => output::result(&dry_run(&url, &folder)?),
        None => output::result(&apply(&url, &folder, cli.quiet)?),
    }
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

/// What [`apply`] would apply, in order, read without changing the target.
fn dry_run(url: &DbUrl, folder: &Path) -> Result<String> {
    let mut target = backend::migration_history(url)?;
    let name = url.redacted();
    let pending = runner::pending(target.as_mut(), &name, folder)?;
    if pending.migrations.is_empty() {
        return Ok(format!(
            "Up to date: {name}: nothing to apply, {} before (dry run).\n",
            plural(pending.already, "migration")
        ));
    }
    let mut out = format!(
        "Would apply to {name} ({} applied before; dry run, nothing changed):\n",
        pending.already
    );
    for m in &pending.migrations {
        out.push_str(&format!("  {}\n", m.file_name));
    }
    out.push_str(&format!(
        "{} to apply.\n",
        plural(pending.migrations.len(), "migration")
    ));
    Ok(out)
}

/// `dbsub migrate info` for people: one line per version.
fn render_info(statuses: &[Status], folder: &Path, url: &DbUrl) -> String {
    let mut out = format!(
        "Migrations in {} for {}:\n",
        folder.display(),
        url.redacted()
    );
    let width = output::name_width(statuses.iter().map(|s| s.script.as_str())).max(6);
    out.push_str(&format!(
        "  {:<width$}  {:<9}  STATE\n",
        "SCRIPT", "VERSION"
    ));
    for s in statuses {
        let state = match &s.state {
            State::Applied { installed_on } => format!("applied {installed_on}"),
            State::Pending => "pending".to_string(),
            State::ChecksumMismatch { applied, now } => {
                format!("CHECKSUM MISMATCH: changed since applied ({applied} then, {now} now)")
            }
            State::FileMissing => "applied, but the file is missing".to_string(),
        };
        out.push_str(&format!(
            "  {:<width$}  {:<9}  {state}\n",
            s.script, s.version
        ));
    }
    let count = |f: fn(&State) -> bool| statuses.iter().filter(|s| f(&s.state)).count();
    out.push_str(&format!(
        "{} applied, {} pending, {} changed since applied, {} missing.\n",
        count(|s| matches!(s, State::Applied { .. })),
        count(|s| *s == State::Pending),
        count(|s| matches!(s, State::ChecksumMismatch { .. })),
        count(|s| *s == State::FileMissing)
    ));
    out
}

/// `--migration-folder`, or its default: `migrations`; with the demo's local database as the
/// target and no `migrations` folder, the demo's (`data/migrations`), said in a note. Fails
/// when the folder does not exist, saying where the demo's are.
fn migration_folder(given: Option<&Path>, target: &Origin, quiet: bool) -> Result<PathBuf> {
    let demo = Path::new(DEMO_MIGRATIONS_DIR);
    let folder = match given {
        Some(folder) => folder.to_path_buf(),
        None if !Path::new(DEFAULT_FOLDER).exists() && *target == Origin::Demo && demo.is_dir() => {
            output::note(
                quiet,
                &format!(
                    "Using the demo's migrations in {DEMO_MIGRATIONS_DIR} (there is no \
                     ./{DEFAULT_FOLDER} folder and the target is the demo's local database)."
                ),
            );
            demo.to_path_buf()
        }
        None => PathBuf::from(DEFAULT_FOLDER),
    };
    if !folder.is_dir() {
        let demo_hint = if demo.is_dir() && folder != demo {
            format!("; `dbsub demo` wrote its migrations to {DEMO_MIGRATIONS_DIR}")
        } else {
            String::new()
        };
        return Err(Class::Configuration.error(format!(
            "the migration folder {} does not exist: pass --migration-folder DIR or set \
             DBSUB_MIGRATION_FOLDER{demo_hint}",
            folder.display()
        )));
    }
    Ok(folder)
}

/// `--target`: a DBTYPE word resolved through DBSUB_TARGET_<DBTYPE>, or a URL that carries no
/// password (command lines are visible to other users; credentials belong in .env).
fn target_url(config: &Config, target: &str) -> Result<(DbUrl, Origin)> {
    if let Some(kind) = DbKind::from_word(target) {
        let resolved = config.target(kind)?;
        return Ok((resolved.url, resolved.origin));
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
    Ok((url, Origin::Variable("--target".to_string())))
}
