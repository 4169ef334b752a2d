//! `dbsub demo`: the pipeline on the embedded default, with no configuration and no network.
//!
//! The whole pipeline: build the demo "production" database (a forest-genetics seedlot registry
//! in SQLite, see data/demo/README.md), show the dependencies of SEEDLOT, write the SQLite
//! migrations that create them and apply those to a local database, extract the subset of the
//! first 500 seedlots into the demo's file store, ingest it into the local database and verify.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::archive::layout::SubsetDir;
use crate::backend::{self, parse_url};
use crate::catalog::Catalog;
use crate::catalog::ObjectQuery;
use crate::cli::{Cli, CreateMigrationsArgs, DemoArgs, MigrationDirection, SeedArgs};
use crate::config::{Config, DEMO_CACHE_DIR, DEMO_SOURCE_URL, DEMO_STORE_URL, DEMO_TARGET_URL};
use crate::demo_data;
use crate::graph::render::Report;
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::mask::{self, MaskingPlan};
use crate::model::DbUrl;
use crate::output::{self, plural};
use crate::subset::Plan;

use super::create_migrations::{self, Outcome};
use super::{extract, ingest, migrate, verify};

/// The seed object the demo shows.
const SEED: &str = "SEEDLOT";

/// Where the demo writes its SQLite migrations.
const DEMO_MIGRATIONS: &str = "data/migrations";

/// The demo's data classification, in the users' format.
const DEMO_CLASSIFICATION: &str = include_str!("../../data/demo/classification.csv");

/// A masking key for one demo run: 256 bits from the standard library's randomly keyed
/// hasher (the demo needs no cryptographic generator: its data is invented).
fn random_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..4)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(i);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// The demo's seed rows: the first 500 seedlots.
const DEMO_WHERE: &str = "SEEDLOT_NUMBER < '60500'";

pub fn run(cli: &Cli, args: &DemoArgs) -> Result<()> {
    let quiet = cli.quiet;
    let url = parse_url(DEMO_SOURCE_URL)?;
    let path = url.file_path()?;
    if path.exists() && !args.rebuild {
        output::note(
            quiet,
            &format!(
                "Using the demo database {} (dbsub demo --rebuild builds it again).",
                path.display()
            ),
        );
    } else {
        demo_data::build(&path, args.scale, quiet)?;
    }
    let catalog = backend::catalog_reader(&url)?.read_catalog(&[])?;
    show_seed(&catalog, quiet)?;
    let target = parse_url(DEMO_TARGET_URL)?;
    migrations(&catalog, &target, quiet)?;
    let classification = extract_subset(catalog, &url, &path, quiet)?;
    ingest_subset(&target, quiet)?;
    closing_notes(&url, &target, &path, &classification, quiet);
    Ok(())
}

/// What the seed needs, as `dbsub show-deps` prints it.
fn show_seed(catalog: &Catalog, quiet: bool) -> Result<()> {
    let graph = DepGraph::build(catalog);
    let seed = graph.find(&ObjectQuery::named(SEED))?;
    let closure = Closure::compute(&graph, &[seed], ClosureOptions::default());
    let order = order::load_order(&graph, &closure);
    output::note(
        quiet,
        &format!(
            "\nThe demo schema has {}, {} and {}. What {SEED} needs (its parents), as \
             dbsub show-deps --seed-object {SEED} prints it:\n",
            plural(catalog.tables.len(), "table"),
            plural(catalog.views.len(), "view"),
            plural(catalog.triggers.len(), "trigger")
        ),
    );
    output::result(
        &Report {
            graph: &graph,
            closure: &closure,
            order: &order,
        }
        .text(),
    )
}

/// Migrations for the seed's closure, applied to an empty local database (`target`).
fn migrations(catalog: &Catalog, target: &DbUrl, quiet: bool) -> Result<()> {
    let folder = PathBuf::from(DEMO_MIGRATIONS);
    let request = CreateMigrationsArgs {
        seeds: SeedArgs {
            seed_objects: vec![SEED.to_string()],
            ..SeedArgs::default()
        },
        migration_folder: folder.clone(),
        migration_name: None,
        migration_version: None,
        dialect: target.kind(),
        direction: MigrationDirection::Parents,
        target_schema: None,
        grants: false,
    };
    output::note(
        quiet,
        &format!(
            "\nMigrations (dbsub create-migrations --dialect {}):",
            backend::dialect(target.kind()).name()
        ),
    );
    match create_migrations::write(catalog, &request)? {
        Outcome::Written(summary) => output::note(quiet, summary.trim_end()),
        Outcome::NothingNew(message) => output::note(quiet, &message),
    }
    let applied = migrate::apply(target, &folder, true)?;
    output::note(
        quiet,
        &format!(
            "\nApplied (dbsub migrate --migration-folder {DEMO_MIGRATIONS}):\n  {}",
            applied.trim_end()
        ),
    );
    Ok(())
}

/// The seed's subset from the demo database (`source`, the file `path`) into the demo's file
/// store, its client tables masked as the users' classification says; returns where the
/// classification was written.
fn extract_subset(catalog: Catalog, source: &DbUrl, path: &Path, quiet: bool) -> Result<PathBuf> {
    output::note(
        quiet,
        &format!(
            "\nExtract (dbsub extract {} DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" \
             --classification data/demo/classification.csv --strict --refresh):",
            source.kind()
        ),
    );
    let classification = path.with_file_name("demo-classification.csv");
    std::fs::write(&classification, DEMO_CLASSIFICATION)
        .with_context(|| format!("cannot write {}", classification.display()))?;
    let key = std::env::var(mask::KEY_VAR).ok().filter(|k| !k.is_empty());
    if key.is_none() {
        output::note(
            quiet,
            &format!(
                "  ({} is not set: this run masks with a random key, so its pseudonyms differ \
                 from run to run.)",
                mask::KEY_VAR
            ),
        );
    }
    let config = Config::from_vars([(mask::KEY_VAR.to_string(), key.unwrap_or_else(random_key))]);
    let mut plan = Plan::from_flags(&[SEED.to_string()], Some(DEMO_WHERE), None);
    plan.masking = Some(MaskingPlan {
        classification: vec![classification.clone()],
        ..MaskingPlan::default()
    });
    let request = extract::Request {
        kind: source.kind(),
        env: "DEMO".to_string(),
        plan,
        subset: "default".to_string(),
        tables: Vec::new(),
        refresh: true,
        jobs: 2,
        dry_run: false,
        part_size: 256 << 20,
        key_memory: 512 << 20,
        classification: Vec::new(),
        strict: true,
        quiet: true,
    };
    let summary = extract::extract(&config, &request, Some(catalog))?.expect("not a dry run");
    output::note(
        quiet,
        &format!(
            "  {} rows of {} ({}) in {}/{}",
            summary.rows,
            plural(summary.tables.len(), "table"),
            output::human_bytes(summary.bytes),
            summary.store,
            summary.manifest
        ),
    );
    Ok(classification)
}

/// The subset into the local database (`target`), then verified.
fn ingest_subset(target: &DbUrl, quiet: bool) -> Result<()> {
    output::note(
        quiet,
        &format!(
            "\nIngest (dbsub ingest {} DEMO --refreshdb), then verify:",
            target.kind()
        ),
    );
    let request = ingest::Request {
        kind: target.kind(),
        env: "DEMO".to_string(),
        subset: "default".to_string(),
        source: None,
        tables: Vec::new(),
        refreshdb: true,
        merge: false,
        purge: false,
        jobs: 2,
        quiet: true,
    };
    let loaded = ingest::ingest(&Config::default(), &request)?;
    output::note(
        quiet,
        &format!(
            "  {} rows into {} in {:.1} s",
            loaded.rows, loaded.target, loaded.seconds
        ),
    );
    output::result(&format!("\n{}", verify::render(&loaded.verify)))?;
    crate::load::verify::fail_on_problems(&loaded.verify)
}

/// Where everything is, and what to try next.
fn closing_notes(source: &DbUrl, target: &DbUrl, path: &Path, classification: &Path, quiet: bool) {
    let extract = SubsetDir::new("DEMO", source.kind().word(), "default");
    output::note(
        quiet,
        &format!(
            "\nFiles:\n  {}   the demo \"production\" database\n  {}   its data classification \
             (the masked columns)\n  {DEMO_MIGRATIONS}/   the SQLite migrations\n  \
             {}/{}/   the extract (its manifest and zstd CSV parts)\n  {}   \
             the loaded local database\n  {DEMO_CACHE_DIR}/   parts fetched by ingest",
            path.display(),
            classification.display(),
            DEMO_STORE_URL.trim_start_matches("file://"),
            extract.prefix(),
            DEMO_TARGET_URL.trim_start_matches("sqlite://")
        ),
    );
    output::note(
        quiet,
        &format!(
            "\nNext:\n  dbsub show-deps --seed-object {SEED} --format mermaid   # draw it\n  \
             dbsub show-deps --seed-object {SEED} --direction children   # what needs it\n  \
             dbsub create-migrations --seed-object {SEED} --migration-folder /tmp/oracle   # Oracle DDL\n  \
             dbsub catalog export --out catalog.json   # an offline snapshot of the schema\n  \
             dbsub extract {} DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" --dry-run --subset x   # the subset plan\n  \
             dbsub verify {}   # check the local database again",
            source.kind(),
            target.kind()
        ),
    );
}
