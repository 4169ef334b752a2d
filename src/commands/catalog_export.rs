//! `dbsub catalog export`: the structural database's catalog as a JSON snapshot.

use anyhow::Result;

use super::structural;
use crate::catalog::snapshot;
use crate::cli::{CatalogExportArgs, Cli};
use crate::config::Config;
use crate::output::{self, plural};

pub fn run(cli: &Cli, config: &Config, args: &CatalogExportArgs) -> Result<()> {
    let catalog = structural::load(cli, config, &args.schema)?;
    snapshot::write(&catalog, &args.out)?;
    output::note(
        cli.quiet,
        &format!(
            "Wrote {}: {}, {}, {}, {}.",
            args.out.display(),
            plural(catalog.tables.len(), "table"),
            plural(catalog.views.len(), "view"),
            plural(catalog.triggers.len(), "trigger"),
            plural(
                catalog.sequences.len() + catalog.routines.len() + catalog.synonyms.len(),
                "other object"
            )
        ),
    );
    Ok(())
}
