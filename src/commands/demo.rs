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
use crate::config::{
    Config, DEMO_CACHE_DIR, DEMO_MIGRATIONS_DIR, DEMO_RUN_DIR, DEMO_SOURCE_URL, DEMO_STORE_URL,
    DEMO_TARGET_URL,
};
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

/// The demo's data classification, in the users' format.
const DEMO_CLASSIFICATION: &str = include_str!("../../data/demo/classification.csv");

/// A new masking key for the demo: 256 bits from the standard library's randomly keyed
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
    let run_dir = PathBuf::from(DEMO_RUN_DIR);
    let masking = DemoMasking::prepare(&run_dir)?;
    extract_subset(catalog, &url, &masking, quiet)?;
    ingest_subset(&target, quiet)?;
    closing_notes(&url, &target, &path, &masking, quiet);
    Ok(())
}

/// The demo's masking: the classification it writes, and its key — `DBSUB_MASKING_KEY`, else
/// its own random key, kept in a file beside the classification so that the extract command
/// it prints masks the same way. The key is never printed: the command reads its file.
struct DemoMasking {
    classification: PathBuf,
    key: String,
    /// The file holding the demo's own key; `None` when the key is `DBSUB_MASKING_KEY`.
    key_file: Option<PathBuf>,
}

impl DemoMasking {
    /// Writes the classification into `dir` (created if missing) and finds the key, writing a
    /// new random one there when there is none yet.
    fn prepare(dir: &Path) -> Result<DemoMasking> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let classification = dir.join("classification.csv");
        std::fs::write(&classification, DEMO_CLASSIFICATION)
            .with_context(|| format!("cannot write {}", classification.display()))?;
        if let Some(key) = std::env::var(mask::KEY_VAR).ok().filter(|k| !k.is_empty()) {
            return Ok(DemoMasking {
                classification,
                key,
                key_file: None,
            });
        }
        let key_file = dir.join("masking.key");
        let key = match std::fs::read_to_string(&key_file) {
            Ok(key) if !key.trim().is_empty() => key.trim().to_string(),
            _ => {
                let key = random_key();
                write_private(&key_file, &key)?;
                key
            }
        };
        Ok(DemoMasking {
            classification,
            key,
            key_file: Some(key_file),
        })
    }

    /// The `dbsub extract` command that extracts the demo's subset again, masked the same way,
    /// as a POSIX shell runs it.
    fn extract_command(&self, source: &DbUrl) -> String {
        let key = match &self.key_file {
            Some(file) => format!("{}=\"$(cat {})\" ", mask::KEY_VAR, file.display()),
            None => String::new(),
        };
        format!(
            "{key}dbsub extract {} DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" \
             --classification {} --strict --refresh",
            source.kind(),
            self.classification.display()
        )
    }
}

/// Writes `text` to a file only its owner can read (where the system has such permissions).
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
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
    let folder = PathBuf::from(DEMO_MIGRATIONS_DIR);
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
            "\nApplied (dbsub migrate --migration-folder {DEMO_MIGRATIONS_DIR}):\n  {}",
            applied.trim_end()
        ),
    );
    Ok(())
}

/// The seed's subset from the demo database (`source`) into the demo's file store, its
/// client tables masked as the users' classification says.
fn extract_subset(
    catalog: Catalog,
    source: &DbUrl,
    masking: &DemoMasking,
    quiet: bool,
) -> Result<()> {
    output::note(
        quiet,
        &format!("\nExtract ({}):", masking.extract_command(source)),
    );
    if let Some(file) = &masking.key_file {
        output::note(
            quiet,
            &format!(
                "  ({} is not set: the demo masks with its own random key, kept in {}.)",
                mask::KEY_VAR,
                file.display()
            ),
        );
    }
    let config = Config::from_vars([(mask::KEY_VAR.to_string(), masking.key.clone())]);
    let mut plan = Plan::from_flags(&[SEED.to_string()], Some(DEMO_WHERE), None);
    plan.masking = Some(MaskingPlan {
        classification: vec![masking.classification.clone()],
        ..MaskingPlan::default()
    });
    let request = extract::Request {
        kind: source.kind(),
        env: "DEMO".to_string(),
        plan,
        subset: "default".to_string(),
        tables: Vec::new(),
        refresh: true,
        incremental: false,
        detect_deletes: false,
        jobs: 2,
        dry_run: false,
        picture: None,
        part_size: 256 << 20,
        key_memory: 24 << 20,
        chunk_rows: crate::cli::DEFAULT_CHUNK_ROWS,
        scan_share: None,
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
    Ok(())
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
    super::verify::fail_after_load(&loaded.verify, loaded.changed())
}

/// Where everything is, and what to try next.
fn closing_notes(source: &DbUrl, target: &DbUrl, path: &Path, masking: &DemoMasking, quiet: bool) {
    let extract = SubsetDir::new("DEMO", source.kind().word(), "default");
    let key_file = masking.key_file.as_ref().map_or(String::new(), |file| {
        format!("\n  {}   its masking key", file.display())
    });
    output::note(
        quiet,
        &format!(
            "\nFiles:\n  {}   the demo \"production\" database\n  {}   its data classification \
             (the masked columns){key_file}\n  {DEMO_MIGRATIONS_DIR}/   the SQLite migrations\n  \
             {}/{}/   the extract (its manifest and zstd CSV parts)\n  {}   \
             the loaded local database\n  {DEMO_CACHE_DIR}/   parts fetched by ingest",
            path.display(),
            masking.classification.display(),
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
             dbsub migrate info   # the demo's migrations, applied to the local database\n  \
             dbsub extract {} DEMO --seed-object {SEED} --where \"{DEMO_WHERE}\" --dry-run --subset x   # the subset plan\n  \
             {}   # extract again, masked the same way\n  \
             dbsub verify {}   # check the local database again",
            source.kind(),
            masking.extract_command(source),
            target.kind()
        ),
    );
}
