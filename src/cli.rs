//! Command-line definitions: one struct per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::catalog::ObjectKind;
use crate::graph::Direction;
use crate::graph::render::Format;
use crate::model::DbKind;

/// Just enough Oracle: cut a small, intact, masked database out of a large one.
///
/// dbsub walks foreign keys and object dependencies from a seed object, writes the migrations
/// that create exactly those objects, extracts the rows they reference and loads them into a
/// local test database. With nothing configured it works on an embedded demo (SQLite files
/// under data/); configure real databases in .env (see env_sample).
#[derive(Parser, Debug)]
#[command(name = "dbsub", version, propagate_version = true)]
pub struct Cli {
    /// Read the catalog from this snapshot (written by `dbsub catalog export`) instead of the
    /// structural database.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// Print only results and errors, no progress notes.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Also print, on stderr, the configuration as dbsub resolved it (the .env file read, every
    /// DBSUB_* setting with passwords and keys hidden, the databases they name) and, at the end,
    /// how long the command took and its exit code.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what a seed object needs (parents) or what needs it (children), as a tree or graph.
    ///
    /// Reads the structural database (DBSUB_STRUCT_URL, else the embedded demo) or a snapshot
    /// given with --catalog.
    #[command(
        name = "show-deps",
        after_help = "Examples:\n  \
            dbsub show-deps --seed-object SEEDLOT\n  \
            dbsub show-deps --seed-object seedlot --direction children --depth 1\n  \
            dbsub show-deps --seed-object THE.SEEDLOT --format mermaid\n  \
            dbsub show-deps --seed-object SEEDLOT --format svg > seedlot.svg\n  \
            dbsub show-deps --seed-object SEEDLOT --format dot | dot -Tsvg > seedlot.svg\n  \
            dbsub show-deps --seed-object SEEDLOT --catalog catalog.json --format json"
    )]
    ShowDeps(ShowDepsArgs),

    /// Write Flyway migrations (V<version>__<name>_<bucket>.sql) that create a seed object and
    /// everything it needs, for Oracle, PostgreSQL or SQLite.
    ///
    /// A second run into the same folder writes only objects the folder does not create yet,
    /// under the next minor version.
    #[command(
        name = "create-migrations",
        after_help = "Examples:\n  \
            dbsub create-migrations --seed-object SEEDLOT\n  \
            dbsub create-migrations --seed-object SEEDLOT --dialect sqlite --migration-folder data/migrations\n  \
            dbsub create-migrations --seed-object SEEDLOT --dialect postgres --target-schema app"
    )]
    CreateMigrations(CreateMigrationsArgs),

    /// Apply a folder's migrations to a SQLite, PostgreSQL or Oracle database, in version order,
    /// recording them in dbsub_schema_history. A convenience for laptops without Java; Flyway
    /// reads the same files. `dbsub migrate info` shows what is applied and pending.
    #[command(after_help = "Examples:\n  \
            dbsub migrate --migration-folder data/migrations\n  \
            dbsub migrate --target PG --migration-folder migrations/pg --dry-run\n  \
            dbsub migrate info")]
    Migrate(MigrateArgs),

    /// Extract the rows of a subset from a source database into the store, as zstd CSV parts
    /// and a manifest.
    #[command(after_help = "Examples:\n  \
            dbsub extract SQLITE DEMO --seed-object SEEDLOT --where \"SEEDLOT_NUMBER LIKE '6%'\"\n  \
            dbsub extract SQLITE DEMO --seed-object SEEDLOT --where \"SEEDLOT_NUMBER LIKE '6%'\" --dry-run\n  \
            dbsub extract SQLITE DEMO --seed-object SEEDLOT --dry-run --format svg > plan.svg\n  \
            dbsub extract PG PROD --seed-object invoice --where \"updated_at >= :from AND updated_at < :to\" --param from=2024-01-01 --param to=2024-02-01\n  \
            dbsub extract ORA PROD --plan seedlot.toml --subset seedlot --jobs 4\n  \
            dbsub extract ORA PROD --plan seedlot.toml --refresh --format json")]
    Extract(ExtractArgs),

    /// Load an extract from the store into the local test database (DBSUB_TARGET_<DBTYPE>):
    /// parts fetched and checked first, tables in load order, one transaction per table, then
    /// verified.
    #[command(after_help = "Examples:\n  \
            dbsub ingest SQLITE DEMO\n  \
            dbsub ingest SQLITE DEMO --refreshdb\n  \
            dbsub ingest SQLITE DEMO --refreshdb --dry-run\n  \
            dbsub ingest SQLITE PROD --subset seedlot --table SEEDLOT --merge")]
    Ingest(IngestArgs),

    /// Check the local test database against what was loaded into it: row counts against the
    /// extract's manifest, and every foreign key among the loaded tables.
    Verify(VerifyArgs),

    /// Work with catalog snapshots.
    #[command(subcommand)]
    Catalog(CatalogCommand),

    /// Run the whole pipeline on an embedded demo database. Needs no configuration and no
    /// network.
    #[command(
        long_about = "Run the whole pipeline on an embedded demo, with no configuration \
        and no network, in the working directory's data/ folder:\n\n\
        1. build the demo \"production\" database data/demo.db (a forest-genetics seedlot \
           registry in SQLite: 36 tables, about 115,000 rows at --scale 1), unless it exists;\n\
        2. print what SEEDLOT needs, as `dbsub show-deps --seed-object SEEDLOT` does;\n\
        3. write the SQLite migrations that create it into data/migrations and apply them to \
           the local test database data/local.db;\n\
        4. extract the first 500 seedlots and every row they reference into the file store \
           data/store, masking the columns that the demo's data classification marks \
           (written to data/demo-run/classification.csv; the masking key is \
           DBSUB_MASKING_KEY, else a random one kept in data/demo-run/masking.key);\n\
        5. load that extract into data/local.db and verify it (row counts, every foreign key).\n\n\
        A second run reuses data/demo.db (--rebuild builds it again) and replaces the loaded \
        rows. At the end it prints the commands that repeat each step."
    )]
    Demo(DemoArgs),

    /// Check the set-up: configuration, the Oracle client, and for every configured database
    /// (and object store) that it answers and grants what its role needs. Exits non-zero when
    /// something would make a command fail.
    #[command(after_help = "Examples:\n  \
            dbsub doctor\n  \
            dbsub doctor --format json")]
    Doctor(DoctorArgs),

    /// Print a shell completion script for dbsub (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:\n  \
            dbsub completions bash > ~/.local/share/bash-completion/completions/dbsub\n  \
            dbsub completions zsh > ~/.zfunc/_dbsub\n  \
            dbsub completions fish > ~/.config/fish/completions/dbsub.fish")]
    Completions(CompletionsArgs),
}

impl Command {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::ShowDeps(_) => "show-deps",
            Command::CreateMigrations(_) => "create-migrations",
            Command::Migrate(_) => "migrate",
            Command::Extract(_) => "extract",
            Command::Ingest(_) => "ingest",
            Command::Verify(_) => "verify",
            Command::Catalog(_) => "catalog export",
            Command::Demo(_) => "demo",
            Command::Doctor(_) => "doctor",
            Command::Completions(_) => "completions",
        }
    }

    /// Whether the command reads a catalog, and so can take `--catalog FILE` instead.
    pub fn reads_catalog(&self) -> bool {
        matches!(
            self,
            Command::ShowDeps(_)
                | Command::CreateMigrations(_)
                | Command::Extract(_)
                | Command::Catalog(_)
        )
    }
}

impl Cli {
    /// What clap cannot say in the definitions: the global `--catalog` given to a command
    /// that reads no catalog. Fails with a usage error (exit code 2) naming the command.
    pub fn check(&self) -> Result<(), clap::Error> {
        if self.catalog.is_some() && !self.command.reads_catalog() {
            use clap::CommandFactory;
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--catalog is not used by `dbsub {}`, which reads no catalog: leave it \
                     out (show-deps, create-migrations, extract and catalog export take it)",
                    self.command.name()
                ),
            ));
        }
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How the user names the objects to start from, and the objects to leave out.
#[derive(Args, Debug, Clone, Default)]
pub struct SeedArgs {
    /// The object to start from: NAME or SCHEMA.NAME (case-insensitive when unambiguous).
    /// Repeat for several seeds.
    #[arg(long = "seed-object", value_name = "NAME", required = true)]
    pub seed_objects: Vec<String>,

    /// Look the seed objects up in this schema only.
    #[arg(long, value_name = "S")]
    pub schema: Option<String>,

    /// Look the seed objects up among objects of this type only: TABLE, VIEW, TRIGGER,
    /// PACKAGE, "PACKAGE BODY", PROCEDURE, FUNCTION, SEQUENCE, SYNONYM, TYPE, …
    #[arg(long = "object-type", value_name = "T", value_parser = parse_kind)]
    pub object_type: Option<ObjectKind>,

    /// Leave out these objects and whatever is reachable only through them (NAME or
    /// SCHEMA.NAME; repeatable).
    #[arg(long, value_name = "NAME")]
    pub exclude: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ShowDepsArgs {
    #[command(flatten)]
    pub seeds: SeedArgs,

    /// parents: what the seed needs; children: what needs the seed; both: the children and
    /// everything they need.
    #[arg(long, value_enum, default_value_t = Direction::Parents)]
    pub direction: Direction,

    /// Walk at most N edges from the seed.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// A data classification, as for extract: svg and html mark the tables whose columns it
    /// masks (repeatable; docs/masking.md)
    #[arg(long, value_name = "FILE")]
    pub classification: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrationDirection {
    /// The seed and everything it needs.
    Parents,
    /// Also what needs the seed (its children), with everything those need.
    Both,
}

#[derive(Args, Debug)]
pub struct CreateMigrationsArgs {
    #[command(flatten)]
    pub seeds: SeedArgs,

    /// The folder to write into (created if missing).
    #[arg(
        long,
        value_name = "DIR",
        env = "DBSUB_MIGRATION_FOLDER",
        default_value = "migrations"
    )]
    pub migration_folder: PathBuf,

    /// The name part of the file names; the first seed's name by default.
    #[arg(long, value_name = "NAME")]
    pub migration_name: Option<String>,

    /// The version of this set, such as 1.0.0; by default 1.0.0 in an empty folder, else the
    /// folder's latest version with the minor part bumped.
    #[arg(long, value_name = "VERSION")]
    pub migration_version: Option<String>,

    /// The SQL dialect to write.
    #[arg(long, value_name = "DIALECT", default_value = "oracle", value_parser = dialect_parser())]
    pub dialect: DbKind,

    /// Which objects to create.
    #[arg(long, value_enum, default_value_t = MigrationDirection::Parents)]
    pub direction: MigrationDirection,

    /// Create every object in this schema (names are unqualified otherwise). Not for SQLite.
    #[arg(long, value_name = "S")]
    pub target_schema: Option<String>,

    /// Also write the grants on the created objects.
    #[arg(long)]
    pub grants: bool,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub action: Option<MigrateAction>,

    /// The database to apply to: ORA, PG or SQLITE for the local test database configured in
    /// DBSUB_TARGET_<DBTYPE> (SQLITE defaults to data/local.db), or a URL without a password
    /// (credentials belong in .env).
    #[arg(
        long,
        value_name = "DBTYPE|URL",
        default_value = "SQLITE",
        global = true
    )]
    pub target: String,

    /// The folder of V<version>__<name>.sql files [default: migrations; with the demo's local
    /// database, data/migrations (where `dbsub demo` writes) when ./migrations does not exist]
    #[arg(
        long,
        value_name = "DIR",
        env = "DBSUB_MIGRATION_FOLDER",
        global = true
    )]
    pub migration_folder: Option<PathBuf>,

    /// Print the migrations that would be applied, in order, and apply nothing (the target is
    /// only read: no history table is created, no SQLite file made)
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Per migration file: its version, description, and whether it is applied (when), pending,
    /// or changed since it was applied (checksum mismatch). Changes nothing.
    #[command(after_help = "Examples:\n  \
            dbsub migrate info\n  \
            dbsub migrate info --target PG --migration-folder migrations/pg")]
    Info(MigrateInfoArgs),
}

#[derive(Args, Debug)]
pub struct MigrateInfoArgs {
    /// The report's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The source's database type: ORA, PG or SQLITE (reads DBSUB_SOURCE_<DBTYPE>_<ENV>)
    #[arg(value_name = "DBTYPE", value_enum)]
    pub kind: DbKind,

    /// The environment to read from and whose store to write to (DBSUB_STORE_<ENV>), e.g. PROD
    #[arg(value_name = "ENV")]
    pub env: String,

    /// A seed table (repeatable); every row it references comes along
    #[arg(
        long = "seed-object",
        value_name = "NAME",
        required_unless_present = "plan",
        conflicts_with = "plan"
    )]
    pub seed_objects: Vec<String>,

    /// Which seed rows, as an SQL condition on the seed table (all rows when absent)
    #[arg(long = "where", value_name = "SQL", requires = "seed_objects")]
    pub condition: Option<String>,

    /// A value for the condition's named parameter `:NAME`, bound by the source (never written
    /// into the SQL); repeatable, and over a plan file's [params]
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// The schema of names given without one
    #[arg(long, value_name = "S")]
    pub schema: Option<String>,

    /// A subset plan file (TOML): seeds, children, passthrough, excluded tables, virtual
    /// foreign keys, masking (docs/extract.md)
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// A data classification (.xlsx/.ods spreadsheet or .csv with TABLE NAME, COLUMN NAME,
    /// INFO SECURITY CLASS): every class but `public` is masked at the source (repeatable;
    /// docs/masking.md)
    #[arg(long, value_name = "FILE")]
    pub classification: Vec<PathBuf>,

    /// Write only these tables of the subset (repeatable); the other tables of an existing
    /// extract are kept
    #[arg(long = "table", value_name = "T")]
    pub tables: Vec<String>,

    /// Start over: delete the subset's extract in the store first
    #[arg(long)]
    pub refresh: bool,

    /// Write the next delta of the subset: the rows changed or new since its last extract,
    /// by the plan's [refresh] watermarks (docs/extract.md, Refresh)
    #[arg(long, requires = "plan", conflicts_with_all = ["refresh", "tables", "dry_run"])]
    pub incremental: bool,

    /// With --incremental: also list the keys of rows the subset holds that the source no
    /// longer has (hard deletes), for ingest to delete
    #[arg(long, requires = "incremental")]
    pub detect_deletes: bool,

    /// Tables written at once, each with its own connection in the same snapshot
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// The subset's name in the store (default: the plan's name, else `default`)
    #[arg(long, value_name = "NAME")]
    pub subset: Option<String>,

    /// Print the plan (tables, why each is included, estimated and exact row counts) and
    /// write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Refuse, before anything is written, when a classification line names no table or
    /// column, or an unclassified column looks personal by its name or sampled values
    /// (docs/masking.md); without it these are warnings
    #[arg(long)]
    pub strict: bool,

    /// CSV bytes per part before compression (K, M, G suffixes)
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub part_size: u64,

    /// Memory for the closure's key sets and key queues before they spill to disk (K, M, G
    /// suffixes)
    #[arg(long, value_name = "SIZE", default_value = "24M", value_parser = parse_size)]
    pub key_memory: u64,

    /// Rows per chunk of a table read by a scan (a seed, a passthrough table): a bigger table
    /// is written in chunks of key ranges, --jobs at once, each resumed on its own
    /// (docs/extract.md, "Chunks")
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHUNK_ROWS, value_parser = clap::value_parser!(u64).range(1..))]
    pub chunk_rows: u64,

    /// Read a table by one scan that keeps the selected rows, rather than by key lookups,
    /// when they are at least this share of its estimated rows (default: 0.1 from PostgreSQL,
    /// 0.25 from SQLite and Oracle; above 1: never scan; docs/extract.md, "How rows are read")
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub scan_share: Option<f64>,

    /// The summary's format; svg and html draw the plan of a --dry-run
    #[arg(long, value_enum, default_value_t = ExtractFormat::Text)]
    pub format: ExtractFormat,
}

/// A share for `--scan-share`: a number from 0 up (0 scans whenever a lookup would take more
/// than one batch; above 1 never scans).
fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a share: give a number such as 0.25 (a quarter of the table), or 2 \
             to never scan"
        )),
    }
}

/// `--chunk-rows`' default: a chunk is then a few hundred MB of CSV and seconds to a minute of
/// work, so a kill loses little and `--jobs` has chunks to share, while a billion-row table is
/// still only a thousand range queries and progress records.
pub const DEFAULT_CHUNK_ROWS: u64 = 1_000_000;

/// What `extract` prints: its summary, or the picture of a dry run's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtractFormat {
    /// A table for people
    Text,
    /// One JSON document for scripts
    Json,
    /// With --dry-run: the plan as an SVG picture (tables, foreign keys, cycles, masked tables)
    Svg,
    /// With --dry-run: a self-contained HTML page with the picture and a table of the plan
    Html,
}

#[derive(Args, Debug, Clone)]
pub struct IngestArgs {
    /// The local test database's type: ORA, PG or SQLITE (loads into DBSUB_TARGET_<DBTYPE>)
    #[arg(value_name = "DBTYPE", value_enum)]
    pub kind: DbKind,

    /// The environment whose extract to load (from its store, DBSUB_STORE_<ENV>), e.g. PROD
    #[arg(value_name = "ENV")]
    pub env: String,

    /// The subset's name in the store
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub subset: String,

    /// The database type the extract was read from, when the store holds the subset for more
    /// than one (default: DBTYPE, else the only one there)
    #[arg(long, value_name = "DBTYPE", value_enum)]
    pub source: Option<DbKind>,

    /// Load only these tables (repeatable)
    #[arg(long = "table", value_name = "T")]
    pub tables: Vec<String>,

    /// Empty the loaded tables first (children before parents), then load
    #[arg(long, conflicts_with = "merge")]
    pub refreshdb: bool,

    /// Upsert by primary key into tables that may already hold rows
    #[arg(long)]
    pub merge: bool,

    /// Empty the local cache of fetched parts first
    #[arg(long)]
    pub purge: bool,

    /// Print what would be loaded — the tables in load order, their rows, whether each would
    /// be emptied first (--refreshdb), appended to, merged, or is already loaded — and change
    /// nothing: no part is fetched, the target is only read
    #[arg(long)]
    pub dry_run: bool,

    /// Parts fetched and checked at once
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// The local test database's type: ORA, PG or SQLITE (checks DBSUB_TARGET_<DBTYPE>)
    #[arg(value_name = "DBTYPE", value_enum)]
    pub kind: DbKind,

    /// The report's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// How a command's closing summary is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// A table for people
    Text,
    /// One JSON document for scripts
    Json,
}

impl SummaryFormat {
    /// Prints a command's closing summary: pretty JSON, or `text()` for people.
    pub fn print<T: serde::Serialize>(
        self,
        summary: &T,
        text: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        match self {
            SummaryFormat::Json => crate::output::result(&format!(
                "{}\n",
                serde_json::to_string_pretty(summary).expect("a summary always serializes")
            )),
            SummaryFormat::Text => crate::output::result(&text(summary)),
        }
    }
}

/// Parses a size: bytes, or a number with a K, M or G suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size: write a number, optionally with K, M or G")
    })?;
    let factor: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches(['B', 'I'])
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("`{text}` has an unknown unit: use K, M or G")),
    };
    match n.checked_mul(factor) {
        Some(0) | None => Err(format!("`{text}` is not a usable size")),
        Some(size) => Ok(size),
    }
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Write the structural database's catalog to a JSON snapshot that other commands read
    /// with --catalog FILE, offline.
    Export(CatalogExportArgs),
}

#[derive(Args, Debug)]
pub struct CatalogExportArgs {
    /// The snapshot file to write (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Schemas to read (repeatable); the connection's own schema when absent.
    #[arg(long, value_name = "S")]
    pub schema: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The report's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Size of the demo data: 1 is about 115,000 rows; 0.01 is tiny; 10 or more for
    /// benchmarks.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub scale: f64,

    /// Rebuild the demo database even if data/demo.db exists.
    #[arg(long)]
    pub rebuild: bool,
}

/// `--dialect`: the registry's dialect names, each standing for its kind of database.
fn dialect_parser() -> impl clap::builder::TypedValueParser<Value = DbKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(crate::backend::dialect_names()).map(|name| {
        crate::backend::dialect_named(&name)
            .expect("the parser accepts the registry's names only")
            .kind()
    })
}

fn parse_kind(text: &str) -> Result<ObjectKind, String> {
    ObjectKind::parse(text).ok_or_else(|| {
        let kinds: Vec<&str> = ObjectKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown object type; use one of: {}", kinds.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn object_types_parse_as_users_type_them() {
        assert_eq!(parse_kind("package_body"), Ok(ObjectKind::PackageBody));
        assert_eq!(parse_kind("Table"), Ok(ObjectKind::Table));
        assert!(parse_kind("tabel").unwrap_err().contains("TABLE, VIEW"));
    }
}
