//! `dbsub demo`: the pipeline on the embedded default, with no configuration and no network.
//!
//! The whole pipeline: build the demo "production" database (a forest-genetics seedlot registry
//! in SQLite, see data/demo/README.md), show the dependencies of SEEDLOT, write the SQLite
//! migrations that create them and apply those to a local database, extract the subset of the
//! first 500 seedlots into the demo's file store, ingest it into the local database and verify.

mod generate;
mod vocabulary;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::catalog::{CatalogReader, ObjectQuery};
use crate::cli::{
    Cli, CreateMigrationsArgs, DemoArgs, MigrationDialect, MigrationDirection, SeedArgs,
};
use crate::config::{Config, DEMO_SOURCE_URL, DEMO_TARGET_URL, DbKind, DbUrl};
use crate::create_migrations::{self, Outcome};
use crate::db::sqlite::SqliteDb;
use crate::extract;
use crate::graph::render::Report;
use crate::graph::{Closure, ClosureOptions, DepGraph, order};
use crate::ingest;
use crate::mask::{self, MaskingPlan};
use crate::migrate;
use crate::output::{self, plural};
use crate::subset::Plan;
use crate::verify;

pub use generate::{DemoStats, build_demo_database};

/// About 115,000 rows.
pub const DEFAULT_SCALE: f64 = 1.0;

/// The seed object the demo shows.
const SEED: &str = "SEEDLOT";

/// Where the demo writes its SQLite migrations.
const DEMO_MIGRATIONS: &str = "data/migrations";

/// The demo's data classification, in the users' format.
const DEMO_CLASSIFICATION: &str = include_str!("../data/demo/classification.csv");

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
    let url = DbUrl::parse(DEMO_SOURCE_URL)?;
    let path = url.sqlite_path()?;
    if path.exists() && !args.rebuild {
        output::note(
            cli.quiet,
            &format!(
                "Using the demo database {} (dbsub demo --rebuild builds it again).",
                path.display()
            ),
        );
    } else {
        build(&path, args.scale, cli.quiet)?;
    }

    let mut db = SqliteDb::open_read_only(&url)?;
    let catalog = db.read_catalog(&[])?;
    let graph = DepGraph::build(&catalog);
    let seed = graph.find(&ObjectQuery::named(SEED))?;
    let closure = Closure::compute(&graph, &[seed], ClosureOptions::default());
    let order = order::load_order(&graph, &closure);
    output::note(
        cli.quiet,
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
    )?;

    // Migrations for SEEDLOT's closure, applied to an empty local SQLite database.
    let folder = PathBuf::from(DEMO_MIGRATIONS);
    let request = CreateMigrationsArgs {
        seeds: SeedArgs {
            seed_objects: vec![SEED.to_string()],
            ..SeedArgs::default()
        },
        migration_folder: folder.clone(),
        migration_name: None,
        migration_version: None,
        dialect: MigrationDialect::Sqlite,
        direction: MigrationDirection::Parents,
        target_schema: None,
        grants: false,
    };
    output::note(
        cli.quiet,
        "\nMigrations (dbsub create-migrations --dialect sqlite):",
    );
    match create_migrations::write(&catalog, &request)? {
        Outcome::Written(summary) => output::note(cli.quiet, summary.trim_end()),
        Outcome::NothingNew(message) => output::note(cli.quiet, &message),
    }
    let target = DbUrl::parse(DEMO_TARGET_URL)?;
    let applied = migrate::apply(&target, &folder, true)?;
    output::note(
        cli.quiet,
        &format!(
            "\nApplied (dbsub migrate --migration-folder {DEMO_MIGRATIONS}):\n  {}",
            applied.trim_end()
        ),
    );
    // The rows: SEEDLOT's subset into the demo's file store.
    output::note(
        cli.quiet,
        &format!(
            "\nExtract (dbsub extract SQLITE DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" \
             --classification data/demo/classification.csv --refresh):"
        ),
    );
    // The personal columns of the client tables are masked as the users' classification
    // says (data/demo/classification.csv).
    let classification = path.with_file_name("demo-classification.csv");
    std::fs::write(&classification, DEMO_CLASSIFICATION)
        .with_context(|| format!("cannot write {}", classification.display()))?;
    let key = std::env::var(mask::KEY_VAR).ok().filter(|k| !k.is_empty());
    if key.is_none() {
        output::note(
            cli.quiet,
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
        kind: DbKind::Sqlite,
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
        quiet: true,
    };
    let summary =
        extract::extract(&config, &request, Some(catalog.clone()))?.expect("not a dry run");
    output::note(
        cli.quiet,
        &format!(
            "  {} rows of {} ({}) in {}/{}",
            summary.rows,
            plural(summary.tables.len(), "table"),
            extract::human_bytes(summary.bytes),
            summary.store,
            summary.manifest
        ),
    );
    // The rows into the local database, then verified.
    output::note(
        cli.quiet,
        "\nIngest (dbsub ingest SQLITE DEMO --refreshdb), then verify:",
    );
    let request = ingest::Request {
        kind: DbKind::Sqlite,
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
        cli.quiet,
        &format!(
            "  {} rows into {} in {:.1} s",
            loaded.rows, loaded.target, loaded.seconds
        ),
    );
    output::result(&format!("\n{}", verify::render(&loaded.verify)))?;
    verify::fail_on_problems(&loaded.verify)?;
    output::note(
        cli.quiet,
        &format!(
            "\nFiles:\n  {}   the demo \"production\" database\n  {}   its data classification \
             (the masked columns)\n  {DEMO_MIGRATIONS}/   the SQLite migrations\n  \
             data/store/DEMO/SQLITE/default/   the extract (manifest.json, zstd CSV parts)\n  {}   \
             the loaded local database\n  data/cache/   parts fetched by ingest",
            path.display(),
            classification.display(),
            DEMO_TARGET_URL.trim_start_matches("sqlite://")
        ),
    );
    output::note(
        cli.quiet,
        &format!(
            "\nNext:\n  dbsub show-deps --seed-object {SEED} --format mermaid   # draw it\n  \
             dbsub show-deps --seed-object {SEED} --direction children   # what needs it\n  \
             dbsub create-migrations --seed-object {SEED} --migration-folder /tmp/oracle   # Oracle DDL\n  \
             dbsub catalog export --out catalog.json   # an offline snapshot of the schema\n  \
             dbsub extract SQLITE DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" --dry-run --subset x   # the subset plan\n  \
             dbsub verify SQLITE   # check the local database again"
        ),
    );
    Ok(())
}

/// Builds the demo database at `path` (replacing it), through a temporary file so that an
/// interrupted build never leaves a half-built database behind.
pub fn build(path: &Path, scale: f64, quiet: bool) -> Result<DemoStats> {
    if !scale.is_finite() || scale <= 0.0 {
        bail!("--scale must be a positive number, such as 1 or 0.1; got {scale}");
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    // A name of this process's own, so that two dbsub started at once never share one.
    let tmp = path.with_extension(format!("db.building-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_file(&tmp)
            .with_context(|| format!("cannot remove the leftover {}", tmp.display()))?;
    }
    let started = Instant::now();
    let stats = build_demo_database(&tmp, scale)
        .with_context(|| format!("cannot build the demo database {}", path.display()));
    let stats = match stats {
        Ok(stats) => stats,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move the demo database into {}", path.display()))?;
    output::note(
        quiet,
        &format!(
            "Built the demo database {}: {} tables, {} rows (scale {scale}) in {:.1} s.",
            path.display(),
            stats.tables.len(),
            stats.total_rows(),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(stats)
}
