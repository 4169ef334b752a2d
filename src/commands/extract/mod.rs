//! `dbsub extract DBTYPE ENV`: the rows of a subset, from a source database into the store.
//!
//! 1. the plan (file or flags) is resolved against the source's catalog into a scope of tables;
//! 2. the row closure runs in the source's snapshot, keys only;
//! 3. each table's rows stream into zstd CSV parts (`--jobs` tables at once, each with its own
//!    connection in the same snapshot), masked on the way; an interrupted extract resumes where
//!    it stopped ([`crate::archive::writer`]);
//! 4. the manifest is written last.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressDrawTarget};
use serde::Serialize;

use crate::archive::layout::{SubsetDir, validate_subset_name};
use crate::archive::manifest::{self, Chain, CycleKey, Manifest, TableEntry, Watermark};
use crate::archive::writer::SubsetWriter;
use crate::backend;
use crate::catalog::{Catalog, ObjectKey, snapshot};
use crate::cli::{Cli, ExtractArgs, ExtractFormat, SummaryFormat};
use crate::config::{Config, DbKind};
use crate::graph::draw::{Diagram, Picture};
use crate::mask::{self, Masking};
use crate::model::exit::Class;
use crate::model::ports::RowSource;
use crate::model::row::Snapshot;
use crate::output;
use crate::subset::closure::{self, Delta, TableRows};
use crate::subset::keys::Budget;
use crate::subset::{Plan, Scope};

mod delta;
mod personal;
mod report;
mod write;

use report::{plan_diagram, progress_bar, render_masking, render_plan, render_summary};
use write::{Ctx, Job};

/// What `run` needs besides the command line: `dbsub demo` calls [`extract`] directly.
pub struct Request {
    pub kind: DbKind,
    pub env: String,
    pub plan: Plan,
    pub subset: String,
    pub tables: Vec<String>,
    pub refresh: bool,
    /// `--incremental`: the next delta of the subset.
    pub incremental: bool,
    /// `--detect-deletes`: with `incremental`, the keys of held rows the source lost.
    pub detect_deletes: bool,
    pub jobs: usize,
    pub dry_run: bool,
    /// With `dry_run`: draw the plan instead of printing its tables.
    pub picture: Option<Picture>,
    pub part_size: u64,
    pub key_memory: u64,
    /// Rows per chunk of a table read by a scan (`--chunk-rows`).
    pub chunk_rows: u64,
    /// `--scan-share`: when a table's selected rows are read by a scan; `None`: the source's
    /// own default ([`RowSource::scan_share`]).
    pub scan_share: Option<closure::ScanShare>,
    /// Classification files (`--classification`), besides the plan's.
    pub classification: Vec<PathBuf>,
    /// `--strict`: unknown classification lines and unclassified columns that look personal
    /// are errors rather than warnings.
    pub strict: bool,
    pub quiet: bool,
}

/// The outcome of one table.
#[derive(Clone, Debug, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    pub parts: usize,
    /// Compressed bytes in the store.
    pub bytes: u64,
    /// Parts kept from an interrupted extract.
    pub kept_parts: usize,
    /// The chunks the table was written in (1: whole).
    pub chunks: usize,
    /// How its rows were read: `all` (a scan of the whole table), `condition` (a scan with the
    /// seed's condition), `lookups` (by key, in batches) or `scan` (one scan that kept the
    /// closure's keys: `--scan-share`).
    pub read: &'static str,
    /// The seconds its tasks took, added up (a table written in chunks by several jobs at once
    /// counts each chunk's).
    pub seconds: f64,
    /// The table's watermark in this extract's snapshot (`[refresh]`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_water: Option<HighWater>,
    /// Of a delta with `--detect-deletes`: the keys of held rows the source no longer has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes: Option<u64>,
}

/// A watermark column and its highest value.
#[derive(Clone, Debug, Serialize)]
pub struct HighWater {
    pub column: String,
    pub value: Option<String>,
}

/// The outcome of an extract.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub store: String,
    pub manifest: String,
    pub subset: String,
    /// The delta's number (`--incremental`); `None` for a base or plain extract.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<u32>,
    pub snapshot: Snapshot,
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    pub bytes: u64,
    pub closure_queries: u64,
    /// Of the closure's queries, the scans of a whole table instead of lookups
    /// (`--scan-share`): a parent's that kept the keys asked for, a child's that kept the
    /// children of the parents a children rule asks for.
    pub closure_scans: u64,
    pub seconds: f64,
}

/// `dbsub extract`.
pub fn run(cli: &Cli, config: &Config, args: &ExtractArgs) -> Result<()> {
    let mut plan = match &args.plan {
        Some(path) => Plan::read(path)?,
        None => Plan::from_flags(
            &args.seed_objects,
            args.condition.as_deref(),
            args.schema.as_deref(),
        ),
    };
    plan.add_params(&args.params)?;
    let subset = args
        .subset
        .clone()
        .or_else(|| plan.name.clone())
        .unwrap_or_else(|| "default".to_string());
    let (summary_format, picture) = match args.format {
        ExtractFormat::Text => (SummaryFormat::Text, None),
        ExtractFormat::Json => (SummaryFormat::Json, None),
        ExtractFormat::Svg => (SummaryFormat::Text, Some(Picture::Svg)),
        ExtractFormat::Html => (SummaryFormat::Text, Some(Picture::Html)),
    };
    if picture.is_some() && !args.dry_run {
        bail!(
            "--format {} draws the plan of a dry run, and this extract would write: add \
             --dry-run, or use --format text or json for the summary",
            if picture == Some(Picture::Svg) {
                "svg"
            } else {
                "html"
            }
        );
    }
    let request = Request {
        kind: args.kind,
        env: args.env.clone(),
        plan,
        subset,
        tables: args.tables.clone(),
        refresh: args.refresh,
        incremental: args.incremental,
        detect_deletes: args.detect_deletes,
        jobs: args.jobs as usize,
        dry_run: args.dry_run,
        picture,
        part_size: args.part_size,
        key_memory: args.key_memory,
        chunk_rows: args.chunk_rows,
        scan_share: args.scan_share.map(closure::ScanShare),
        classification: args.classification.clone(),
        strict: args.strict,
        quiet: cli.quiet,
    };
    let catalog = match &cli.catalog {
        Some(path) => Some(snapshot::read(path)?),
        None => None,
    };
    match extract(config, &request, catalog)? {
        None => Ok(()),
        Some(summary) => summary_format.print(&summary, render_summary),
    }
}

/// Runs an extract; `None` for a dry run (which prints its plan). `catalog` overrides reading
/// the source's own catalog.
pub fn extract(
    config: &Config,
    req: &Request,
    catalog: Option<Catalog>,
) -> Result<Option<Summary>> {
    let started = Instant::now();
    output::catch_interrupt();
    validate_subset_name(&req.subset)?;
    let env = crate::config::env_name(&req.env)?;
    let source = config.source(req.kind, &env)?;
    super::demo_if_unconfigured(
        &source,
        "source",
        &format!("DBSUB_SOURCE_{}_{env}", req.kind.word()),
        req.quiet,
    )?;
    let jobs = if req.dry_run { 1 } else { req.jobs.max(1) };
    let mut sources = backend::row_sources(&source.url, jobs)
        .with_context(|| format!("cannot open the source {} ({})", source.url, source.origin))?;
    let catalog = match catalog {
        Some(c) => c,
        // The connection's schema, the plan's and those of the tables' parents.
        None => backend::catalog_reader(&source.url)
            .and_then(|mut r| {
                let catalog = r.read_catalog(&[])?;
                let schemas = super::structural::plan_schemas(&req.plan);
                super::structural::with_parent_schemas(catalog, schemas, |s| r.read_catalog(s))
            })
            .with_context(|| format!("cannot read the catalog of the source {}", source.url))?,
    };

    // The seeds' parameters before anything is read: each one used has a value, each value is
    // used.
    req.plan
        .check_params(&|condition| sources[0].condition_params(condition))
        .map_err(|e| req.plan.locate(e))?;

    // What to extract: the plan's tables, their masking, in load order.
    let Planned {
        scope,
        masking,
        only,
        order,
        cycle_keys,
    } = plan(&catalog, req, config)?;

    // The watermarks, each a column of a table of the subset, before any row is read.
    let watermarks = scope
        .watermarks(&req.plan)
        .map_err(|e| req.plan.locate(e))?;

    // A base rewritten in part would record high-water marks for tables it did not read again
    // (hiding their changes from every delta) and cut its deltas off with its new checksum.
    if !only.is_empty() && !req.dry_run && req.plan.refresh.is_some() {
        bail!(
            "--table cannot refresh single tables of a subset whose plan has [refresh] \
             watermarks: the base's high-water marks hold for all its tables at once, and its \
             deltas continue it as it is; bring the changes with --incremental, or extract the \
             whole base again with --refresh (a new chain)"
        );
    }

    // The store before the closure: a wrong URL, missing bucket, complete extract or (for a
    // delta) broken refresh chain fails fast.
    let mut previous = None;
    let writer = if req.dry_run {
        None
    } else {
        let (url, origin) = config.store(&env)?;
        let mut dir = SubsetDir::new(&env, req.kind.word(), &req.subset);
        let subset = format!("subset `{}` of {} {env}", req.subset, req.kind);
        if req.incremental {
            let chain = delta::Previous::open(&url, &dir, &subset, &req.plan)?;
            dir = chain.next_dir();
            previous = Some(chain);
        }
        let whole = only.is_empty();
        Some(SubsetWriter::open(
            &url,
            &origin.to_string(),
            dir,
            &subset,
            whole,
            req.refresh,
        )?)
    };

    // The plan with estimates first, so that a long closure shows what it is working on.
    let main = &mut sources[0];
    let mut estimates = Vec::with_capacity(scope.tables.len());
    if req.dry_run {
        for t in &scope.tables {
            estimates.push(main.estimate_rows(&t.table)?);
        }
        if req.picture.is_none() {
            output::result(&render_plan(&scope, &order, &estimates, None))?;
            output::result(&render_masking(&scope, &order, &masking))?;
        }
    }
    // Spill files are deleted from the folder as soon as they are open: nothing is left, even
    // by a killed run.
    let budget = Budget::new(req.key_memory, &std::env::temp_dir());
    if let Some(p) = &previous {
        output::note(
            req.quiet,
            &format!(
                "Delta {} of subset `{}`: reading the keys the earlier extracts hold.",
                p.chain().sequence,
                req.subset
            ),
        );
    }
    let start = match &previous {
        Some(p) => Some(
            p.start(&scope, &masking, &watermarks, main.as_mut(), &budget)
                .map_err(before_any_row)?,
        ),
        None => None,
    };
    let deleted = match &start {
        Some(start) if req.detect_deletes => {
            delta::deleted(start, &scope, main.as_mut(), &budget, &stop_if_interrupted)
                .map_err(before_any_row)?
        }
        _ => Vec::new(),
    };
    let (rows, stats) =
        run_closure(&scope, main.as_mut(), req, &budget, start).map_err(|e| req.plan.locate(e))?;
    // Before anything is written: under --strict nothing leaves when a column looks personal.
    personal::check_values(&scope, &masking, main.as_mut(), &rows, req.strict)?;
    let Some(writer) = writer else {
        let exact: Vec<u64> = rows.iter().map(|r| r.rows).collect();
        let text = match req.picture {
            None => render_plan(&scope, &order, &estimates, Some(&exact)),
            Some(picture) => {
                let title = format!("Subset `{}` of {} {env} (dry run)", req.subset, req.kind);
                let plan = plan_diagram(&scope, &masking, &estimates, &exact, &cycle_keys);
                picture.render(&Diagram { title, ..plan })
            }
        };
        output::result(&text)?;
        return Ok(None);
    };
    if req.refresh {
        writer.start_over()?;
    }
    // The high-water marks, in the snapshot the rows are read in.
    let mut marks = Vec::with_capacity(watermarks.len());
    for w in &watermarks {
        let table = &scope.tables[w.table].table;
        let column = table
            .column(&w.column)
            .expect("a watermark names a column of its table");
        marks.push((
            w.table,
            column.name.clone(),
            sources[0].high_water(table, column)?,
        ));
    }

    // The rows, table by table, then the manifest that vouches for them.
    let snapshot = sources[0].snapshot().clone();
    let mut fingerprint_base = serde_json::json!({
        "format_version": manifest::FORMAT_VERSION,
        // Rows looked up by key come in the key set's order (earlier builds wrote them in the
        // database's order within a lookup), and PostgreSQL's reads that bind a value in key
        // order (earlier builds sorted them by the key's text): parts written in another order
        // are not resumed; nor those from before keys were held in their normal form
        // (`KeyValue::normal`: the key set's order, and so a lookup's, changed).
        "row_order": "key set; bound PostgreSQL reads by key; normal keys",
        "plan": &req.plan,
        "part_size": req.part_size,
        "snapshot_kind": &snapshot.kind,
        "masking": masking.fingerprint(),
    });
    // A delta's parts continue one chain: those of a delta after another one are not kept.
    if let Some(p) = &previous {
        fingerprint_base["chain"] = serde_json::json!(p.chain());
    }
    let ctx = Ctx {
        scope: &scope,
        writer: &writer,
        part_size: req.part_size,
        chunk_rows: req.chunk_rows,
        fingerprint_base,
        marks: &marks,
        masking: &masking,
        progress: if req.quiet {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        } else {
            MultiProgress::new()
        },
    };
    let jobs: Vec<Job> = scope
        .tables
        .iter()
        .enumerate()
        .zip(rows)
        .filter(|((_, t), _)| only.is_empty() || only.contains(&t.table.key()))
        .map(|((index, _), selected)| Job { index, selected })
        .collect();
    let mut done = ctx.write_tables(&mut sources, jobs)?;
    for d in deleted {
        let (deletes, rows) = (ctx.write_deletes(&d)?, d.keys.len());
        if let Some((_, entry, summary)) = done.iter_mut().find(|(i, _, _)| *i == d.table) {
            entry.deletes = Some(deletes);
            summary.deletes = Some(rows);
        }
    }
    done.sort_by_key(|(i, _, _)| order.iter().position(|o| o == i));

    let load_order: Vec<String> = order
        .iter()
        .map(|&i| scope.tables[i].table.key().qualified_name())
        .collect();
    let mut tables = table_entries(&done, &only, writer.existing(), &load_order);
    for (t, column, high_water) in &marks {
        let name = scope.tables[*t].table.key().qualified_name();
        if let Some(entry) = tables.iter_mut().find(|e| e.qualified_name() == name) {
            entry.watermark = Some(Watermark {
                column: column.clone(),
                high_water: high_water.clone(),
            });
        }
    }
    let mut manifest = Manifest::new(
        manifest::Source {
            kind: req.kind.word().to_string(),
            env: env.clone(),
            url: source.url.redacted(),
        },
        snapshot.clone(),
        manifest::Subset {
            name: req.subset.clone(),
            plan: serde_json::to_value(&req.plan).expect("a plan always serializes"),
            cut: scope.cut.clone(),
        },
        load_order,
        cycle_keys
            .into_iter()
            .map(|(table, foreign_key)| CycleKey { table, foreign_key })
            .collect(),
        tables,
    );
    manifest.refresh = match &previous {
        Some(p) => Some(p.chain()),
        None => req.plan.refresh.as_ref().map(|_| Chain {
            sequence: 0,
            after: None,
        }),
    };
    let written: Vec<(&str, &str)> = done
        .iter()
        .map(|(_, e, _)| (e.schema.as_str(), e.name.as_str()))
        .collect();
    writer.commit(&manifest, &written)?;

    let mut tables: Vec<TableSummary> = done.into_iter().map(|(_, _, s)| s).collect();
    for (t, column, high_water) in marks {
        let name = scope.tables[t].table.key().qualified_name();
        if let Some(summary) = tables.iter_mut().find(|s| s.table == name) {
            summary.high_water = Some(HighWater {
                column,
                value: high_water,
            });
        }
    }
    Ok(Some(Summary {
        store: writer.store_shown(),
        manifest: writer.manifest_key(),
        subset: req.subset.clone(),
        delta: manifest
            .refresh
            .as_ref()
            .map(|c| c.sequence)
            .filter(|&n| n > 0),
        snapshot,
        rows: tables.iter().map(|t| t.rows).sum(),
        bytes: tables.iter().map(|t| t.bytes).sum(),
        tables,
        closure_queries: stats.queries,
        closure_scans: stats.scans,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

/// The subset a request asks for, resolved against the source's catalog.
struct Planned {
    scope: Scope,
    masking: Masking,
    /// The tables `--table` names (empty: all).
    only: Vec<ObjectKey>,
    /// The scope's tables in load order, and the foreign keys that close cycles.
    order: Vec<usize>,
    cycle_keys: Vec<(String, String)>,
}

/// Resolves the plan against `catalog` into the scope of tables, their masking and load
/// order; warns of foreign keys not followed, classification lines that name nothing and
/// unclassified columns whose names look personal (`--strict`: fails on the last two).
fn plan(catalog: &Catalog, req: &Request, config: &Config) -> Result<Planned> {
    let scope = Scope::resolve(catalog, &req.plan).map_err(|e| req.plan.locate(e))?;
    for cut in &scope.cut {
        output::warning(&format!(
            "not followed: {cut}; the subset is not closed over it"
        ));
    }
    let masking = mask::resolve(
        catalog,
        &scope,
        req.plan.masking.as_ref(),
        &req.classification,
        req.plan.schema.as_deref(),
        config.masking_key(),
    )
    .map_err(|e| req.plan.locate(e))?;
    personal::check_names(&scope, &masking, req.strict)?;
    let only = scope.tables_named(&req.tables)?;
    let (order, cycle_keys) = scope.load_order();
    Ok(Planned {
        scope,
        masking,
        only,
        order,
        cycle_keys,
    })
}

/// The row closure of `scope` in the source's snapshot, keys only, with a spinner; its key
/// sets spill to a temporary folder past `--key-memory`.
fn run_closure(
    scope: &Scope,
    source: &mut dyn RowSource,
    req: &Request,
    budget: &Budget,
    delta: Option<Delta>,
) -> Result<(Vec<TableRows>, closure::Stats)> {
    let share = (req.scan_share).unwrap_or_else(|| closure::ScanShare(source.scan_share()));
    let bar = progress_bar(req.quiet, "closure");
    bar.set_message("seed rows");
    let result = closure::close(
        scope,
        source,
        budget,
        req.chunk_rows,
        share,
        delta,
        &mut |table, rows| {
            bar.set_message(format!("{table}: {rows} rows"));
            bar.inc(1);
        },
        &stop_if_interrupted,
    );
    bar.finish_and_clear();
    let (rows, stats) = result.map_err(before_any_row)?;
    if stats.spilled > 0 {
        output::note(
            req.quiet,
            &format!(
                "{} of the closure moved to disk (--key-memory {} bytes).",
                output::plural(stats.spilled as usize, "key set"),
                req.key_memory
            ),
        );
    }
    Ok((rows, stats))
}

/// `err`, or when Ctrl-C stopped the work that selects the rows, an error saying so.
fn before_any_row(err: anyhow::Error) -> anyhow::Error {
    if output::interrupted() {
        Class::Interrupted.error(
            "interrupted (Ctrl-C) while selecting the rows, before any was written: run the \
             same command again to start",
        )
    } else {
        err
    }
}

/// Fails once Ctrl-C was pressed: the extract's loops ask at every row.
fn stop_if_interrupted() -> Result<()> {
    if output::interrupted() {
        anyhow::bail!("interrupted (Ctrl-C)");
    }
    Ok(())
}

/// The manifest's tables in `load_order`: those written now, and when single tables were
/// refreshed (`only`), the others as the earlier manifest has them.
fn table_entries(
    done: &[(usize, TableEntry, TableSummary)],
    only: &[ObjectKey],
    existing: Option<&Manifest>,
    load_order: &[String],
) -> Vec<TableEntry> {
    let mut entries: Vec<TableEntry> = done.iter().map(|(_, e, _)| e.clone()).collect();
    if !only.is_empty()
        && let Some(old) = existing
    {
        for old_entry in &old.tables {
            if !entries
                .iter()
                .any(|e| e.schema == old_entry.schema && e.name == old_entry.name)
            {
                entries.push(old_entry.clone());
            }
        }
    }
    entries.sort_by_key(|e| load_order.iter().position(|o| *o == e.qualified_name()));
    entries
}
