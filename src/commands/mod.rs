//! One orchestration file per command: each reads top to bottom — resolve the settings, open
//! what the command needs through the registry ([`crate::backend`]), run the stages, print the
//! result. The work itself lives in the stages (`catalog`, `graph`, `migrations`, `subset`,
//! `mask`, `archive`, `load`).

pub mod catalog_export;
pub mod completions;
pub mod create_migrations;
pub mod demo;
pub mod doctor;
pub mod extract;
pub mod ingest;
pub mod migrate;
pub mod show_deps;
pub mod structural;
pub mod verify;

use anyhow::Result;

use crate::config::{Origin, Resolved};
use crate::demo_data;

/// With nothing configured for a database, the command works on the embedded demo: builds it
/// first when it is not there yet. `what` and `var` name the unset setting for the note.
fn demo_if_unconfigured(database: &Resolved, what: &str, var: &str, quiet: bool) -> Result<()> {
    if database.origin == Origin::Demo {
        demo_data::ensure(&database.url.file_path()?, what, var, quiet)?;
    }
    Ok(())
}
