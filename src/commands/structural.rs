//! Where the catalog comes from: a snapshot (`--catalog FILE`), the structural database
//! (`DBSUB_STRUCT_URL`), or, with nothing configured, the embedded demo database, built on
//! first use; and the seeds a command names in it.

use std::collections::HashSet;

use anyhow::{Context, Result, bail};
use petgraph::graph::NodeIndex;

use crate::backend;
use crate::catalog::lookup::LookupError;
use crate::catalog::{Catalog, snapshot};
use crate::cli::{Cli, SeedArgs};
use crate::config::Config;
use crate::graph::DepGraph;

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

/// The catalog for the seeds of a command (`--seed-object S.NAME`, `--schema S`): [`load`],
/// then, when a seed names a schema that read did not cover (PostgreSQL reads only the
/// connection's `current_schema()` unless asked), or a table read has a foreign key into a
/// schema it did not cover, the structural database again with that schema added, until none
/// is missing. A snapshot without a seed's schema fails, naming the schemas it holds.
pub fn load_for_seeds(cli: &Cli, config: &Config, seeds: &SeedArgs) -> Result<Catalog> {
    let catalog = load(cli, config, &[])?;
    let schemas = schemas_read(&catalog);
    let missing = not_read(seed_schemas(seeds), &schemas);
    if let Some(path) = &cli.catalog {
        if missing.is_empty() {
            return Ok(catalog);
        }
        bail!(
            "catalog snapshot {} holds the schemas {}, not {}: export one that does with \
             `dbsub catalog export --schema {} --out FILE` (one --schema per schema)",
            path.display(),
            listed(&schemas),
            missing.join(", "),
            schemas
                .iter()
                .chain(&missing)
                .cloned()
                .collect::<Vec<_>>()
                .join(" --schema ")
        );
    }
    with_parent_schemas(catalog, missing, |schemas| load(cli, config, schemas))
}

/// `catalog` — or, when the schemas `named` were not read, or the tables read have foreign
/// keys into schemas not read (AdventureWorks' person.stateprovince → sales.salesterritory),
/// the catalog `read` again with those added, until none is missing: else such a parent would
/// be neither followed nor created, and its key would fail migrate.
pub fn with_parent_schemas(
    mut catalog: Catalog,
    named: Vec<String>,
    mut read: impl FnMut(&[String]) -> Result<Catalog>,
) -> Result<Catalog> {
    let mut schemas = schemas_read(&catalog);
    let mut missing = not_read(named, &schemas);
    missing.extend(not_read(referred_schemas(&catalog), &schemas));
    while !missing.is_empty() {
        schemas.extend(missing);
        schemas.sort();
        schemas.dedup();
        catalog = read(&schemas)?;
        missing = not_read(referred_schemas(&catalog), &schemas);
    }
    Ok(catalog)
}

/// The schemas a plan's names name (`--schema`, or the `S` of `S.NAME` seeds and tables).
pub fn plan_schemas(plan: &crate::subset::plan::Plan) -> Vec<String> {
    let named = plan
        .seeds
        .iter()
        .map(|s| s.table.as_str())
        .chain(plan.passthrough.iter().map(String::as_str))
        .filter_map(|name| name.split_once('.'))
        .filter(|(s, n)| !s.is_empty() && !n.is_empty())
        .map(|(s, _)| s.to_string());
    plan.schema.iter().cloned().chain(named).collect()
}

/// The `names` that are not among the schemas `read` (case-insensitively), each once.
fn not_read(names: Vec<String>, read: &[String]) -> Vec<String> {
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|s| !read.iter().any(|r| r.eq_ignore_ascii_case(s)))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The schemas the catalog's foreign keys point into. Not those of other
/// dependencies: Oracle's name the system's packages (`SYS.STANDARD`), whose schema is not to
/// be read.
fn referred_schemas(catalog: &Catalog) -> Vec<String> {
    let schemas = catalog
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.ref_schema.clone()));
    schemas.collect()
}

/// The schemas a catalog was read for: those its reader names, and those its objects are in.
fn schemas_read(catalog: &Catalog) -> Vec<String> {
    let mut read: Vec<String> = catalog
        .source
        .iter()
        .flat_map(|s| s.schemas.iter().cloned())
        .chain(catalog.object_keys().into_iter().map(|k| k.schema))
        .collect();
    read.sort();
    read.dedup();
    read
}

/// The seed objects and exclusions `seeds` names in `graph` (built from `catalog`).
///
/// Fails when a name matches nothing (naming the schemas the catalog was read for and how to
/// name a seed of another) or several objects.
pub fn find_seeds(
    graph: &DepGraph,
    catalog: &Catalog,
    seeds: &SeedArgs,
) -> Result<(Vec<NodeIndex>, HashSet<NodeIndex>)> {
    graph
        .seeds_and_exclusions(
            &seeds.seed_objects,
            seeds.schema.as_deref(),
            seeds.object_type,
            &seeds.exclude,
        )
        .map_err(|e| seed_error(e, catalog))
}

/// A seed lookup's error; for a name that matched nothing, with the schemas the catalog was
/// read for and how to name a seed of another.
fn seed_error(err: LookupError, catalog: &Catalog) -> anyhow::Error {
    match err {
        LookupError::NotFound { .. } => anyhow::anyhow!(
            "{err}\n(the catalog holds the schemas {}; name a seed of another schema as \
             SCHEMA.NAME or with --schema S)",
            listed(&schemas_read(catalog))
        ),
        LookupError::Ambiguous { .. } => err.into(),
    }
}

/// The schemas the seeds name: `--schema`, else the `S` of each `S.NAME`.
fn seed_schemas(seeds: &SeedArgs) -> Vec<String> {
    match &seeds.schema {
        Some(schema) => vec![schema.clone()],
        None => seeds
            .seed_objects
            .iter()
            .filter_map(|name| name.split_once('.'))
            .filter(|(s, n)| !s.is_empty() && !n.is_empty())
            .map(|(s, _)| s.to_string())
            .collect(),
    }
}

fn listed(schemas: &[String]) -> String {
    if schemas.is_empty() {
        "(none)".to_string()
    } else {
        schemas.join(", ")
    }
}
