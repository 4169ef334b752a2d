//! Where the catalog comes from: a snapshot (`--catalog FILE`), the structural database
//! (`DBSUB_STRUCT_URL`), or, with nothing configured, the embedded demo database, built on
//! first use.

use anyhow::{Context, Result, bail};

use crate::backend;
use crate::catalog::{Catalog, snapshot};
use crate::cli::Cli;
use crate::config::Config;

/// Loads the catalog the command should work on.
///
/// Fails when the snapshot cannot be read, or the structural database cannot be opened or read;
/// the message names the file or the (redacted) URL and where the setting came from.
pub fn load(cli: &Cli, config: &Config, schemas: &[String]) -> Result<Catalog> {
    if let Some(path) = &cli.catalog {
        let mut catalog = snapshot::read(path)?;
        catalog.retain_schemas(schemas);
        if catalog.tables.is_empty() && !schemas.is_empty() {
            bail!(
                "catalog snapshot {} has no table in schema {}: check --schema",
                path.display(),
                schemas.join(", ")
            );
        }
        return Ok(catalog);
    }
    let structural = config.structural()?;
    super::demo_if_unconfigured(
        &structural,
        "structural database",
        "DBSUB_STRUCT_URL",
        cli.quiet,
    )?;
    let mut reader = backend::catalog_reader(&structural.url).with_context(|| {
        format!(
            "cannot open the structural database {} ({})",
            structural.url, structural.origin
        )
    })?;
    let mut catalog = reader.read_catalog(schemas).with_context(|| {
        format!(
            "cannot read the catalog of {} ({})",
            structural.url, structural.origin
        )
    })?;
    // The URL as configured (redacted), rather than the reader's own spelling of it.
    if let Some(source) = &mut catalog.source {
        source.url = structural.url.redacted();
    }
    Ok(catalog)
}
