//! `dbsub ingest DBTYPE ENV`: an extract from the store into the local test database.
//!
//! 1. the manifest is read and every table mapped onto the target's catalog (a missing table
//!    or column stops here, before anything is written);
//! 2. the manifest's checksum is checked, and every part is fetched into the local cache and
//!    checked against the manifest — SHA-256, size and row count (`--jobs` at once) — before
//!    anything is emptied or written;
//! 3. tables load in the manifest's load order, each in one transaction (the tables of a
//!    foreign-key cycle together, where the database cannot switch one key off), triggers off
//!    during their load, every value checked against its target column;
//! 4. then every delta of the subset's refresh chain (`extract --incremental`) the target does
//!    not hold yet, in order, each merged in one transaction with its deletes ([`deltas`]);
//! 5. sequences move past the loaded keys, and `verify` runs.
//!
//! The whole chain — every delta's manifest, its link to the one before, its parts — is read
//! and checked with the base, before anything is written. Each loaded table is recorded in the
//! target (in the same transaction), so a re-run after a failure or a kill skips what is
//! already loaded or applied and continues.

mod deltas;

use std::time::Instant;

use anyhow::{Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::archive::manifest::PartEntry;
use crate::archive::reader::{Extract, PartCache};
use crate::archive::store::Store;
use crate::backend;
use crate::catalog::{Catalog, Table};
use crate::cli::{Cli, IngestArgs};
use crate::config::{Config, DbKind, env_name};
use crate::load::feed::{Progress, feed};
use crate::load::plan::LoadPlan;
use crate::load::{self, cycles, verify};
use crate::model::ports::{CycleHandling, LoadMode, MergeCounts, Occupied, RowSink, TableLoad};
use crate::output::{self, human_bytes, plural};

/// What `run` needs besides the command line: `dbsub demo` calls [`ingest`] directly.
pub struct Request {
    pub kind: DbKind,
    pub env: String,
    pub subset: String,
    pub source: Option<DbKind>,
    pub tables: Vec<String>,
    pub refreshdb: bool,
    pub merge: bool,
    pub purge: bool,
    pub jobs: usize,
    pub quiet: bool,
}

/// The outcome of one table.
#[derive(Clone, Debug, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub target: String,
    pub rows: u64,
    /// `loaded`, `merged`, or `already loaded` (by an earlier run, from the same extract).
    pub status: &'static str,
    /// Of a merged table: the rows inserted and the rows updated (their key was there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeCounts>,
    pub seconds: f64,
}

/// The outcome of an ingest.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The extract: store and folder.
    pub extract: String,
    pub target: String,
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    /// Parts fetched from the store now, and their bytes; parts found in the cache.
    pub fetched_parts: usize,
    pub fetched_bytes: u64,
    pub cached_parts: usize,
    pub seconds: f64,
    /// Sequences and identity columns moved past the loaded keys.
    pub identities: Vec<String>,
    pub warnings: Vec<String>,
    /// The deltas of the subset's refresh chain, in order: applied now or already.
    pub deltas: Vec<deltas::DeltaSummary>,
    pub verify: verify::Report,
}

impl Summary {
    /// Whether this ingest loaded or merged any table, or applied a delta.
    pub fn changed(&self) -> bool {
        self.tables.iter().any(|t| t.status != "already loaded")
            || self.deltas.iter().any(|d| d.status == "applied")
    }
}

/// `dbsub ingest`.
pub fn run(cli: &Cli, config: &Config, args: &IngestArgs) -> Result<()> {
    let request = Request {
        kind: args.kind,
        env: args.env.clone(),
        subset: args.subset.clone(),
        source: args.source,
        tables: args.tables.clone(),
        refreshdb: args.refreshdb,
        merge: args.merge,
        purge: args.purge,
        jobs: args.jobs as usize,
        quiet: cli.quiet,
    };
    if args.dry_run {
        let plan = dry_run(config, &request)?;
        return args.format.print(&plan, render_dry_run);
    }
    let summary = ingest(config, &request)?;
    args.format.print(&summary, render_summary)?;
    super::verify::fail_after_load(&summary.verify, summary.changed())
}

/// Runs an ingest and then `verify`.
pub fn ingest(config: &Config, req: &Request) -> Result<Summary> {
    let started = Instant::now();
    load::catch_interrupt();
    if req.merge && req.refreshdb {
        bail!("--merge and --refreshdb exclude each other: choose one");
    }
    let Opened {
        store,
        extract,
        mut sink,
        catalog,
        target_name,
    } = open(config, req)?;
    // The extract and its deltas onto the target: every problem found before anything is
    // written.
    let chain = deltas::read_chain(&store, &extract)?;
    let (plan, to_load) = plan_load(&extract, &catalog, sink.as_mut(), req, &target_name)?;
    let mut positions =
        deltas::Positions::new(&extract, &plan, &to_load, req.merge, &sink.records()?);
    let planned = deltas::plan(
        &chain,
        &extract,
        &positions,
        &catalog,
        &req.tables,
        &target_name,
    )?;

    // Every part, fetched and checked before any row is written.
    let cache = PartCache::new(&config.cache_dir(), &extract.dir);
    if req.purge {
        cache.purge()?;
    }
    let delta_caches: Vec<PartCache> = planned
        .iter()
        .map(|d| PartCache::new(&config.cache_dir(), &d.extract.dir))
        .collect();
    let parts: Vec<&PartEntry> = to_load
        .iter()
        .flat_map(|&i| plan.tables[i].entry.parts.iter())
        .collect();
    let delta_parts: Vec<Vec<&PartEntry>> = planned.iter().map(|d| d.parts()).collect();
    let bar = fetch_bar(
        req.quiet,
        parts
            .iter()
            .chain(delta_parts.iter().flatten())
            .map(|p| p.bytes)
            .sum(),
    );
    let fetch = |cache: &PartCache, dir, parts: &[&PartEntry]| {
        cache.fetch(
            &store,
            dir,
            parts,
            req.jobs,
            &|bytes| bar.inc(bytes),
            &load::check_interrupt,
        )
    };
    let mut fetched = fetch(&cache, &extract.dir, &parts);
    for ((delta, cache), parts) in planned.iter().zip(&delta_caches).zip(&delta_parts) {
        fetched = fetched.and_then(|sum| {
            let more = fetch(cache, &delta.extract.dir, parts)?;
            Ok(sum.and(more))
        });
    }
    bar.finish_and_clear();
    let fetched = fetched?;

    let mut tables: Vec<TableSummary> = plan
        .tables
        .iter()
        .map(|m| TableSummary {
            table: m.entry.qualified_name(),
            target: m.table.name.clone(),
            rows: m.entry.rows,
            status: "already loaded",
            merged: None,
            seconds: 0.0,
        })
        .collect();
    let mut warnings = load_tables(
        sink.as_mut(),
        &plan,
        &to_load,
        &extract,
        &cache,
        req,
        &mut tables,
    )?;
    let applied = deltas::apply(
        sink.as_mut(),
        &planned,
        &mut positions,
        &delta_caches,
        &progress(req.quiet),
    )?;

    if extract.manifest.checksum.is_none() {
        warnings.insert(
            0,
            format!(
                "the manifest {} has no checksum (an older dbsub wrote it): its parts and row \
                 counts were checked, but a part left out of it with the counts adjusted cannot \
                 be told; extract again to have one",
                extract.dir.manifest()
            ),
        );
    }
    let mut identities = Vec::new();
    let mut moved: Vec<&str> = Vec::new();
    let merged_now = planned
        .iter()
        .zip(&applied)
        .filter(|(_, a)| a.status == "applied")
        .flat_map(|(d, _)| d.pending.iter().map(|&i| d.plan.tables[i].table));
    for table in to_load
        .iter()
        .map(|&i| plan.tables[i].table)
        .chain(merged_now)
    {
        if !moved.contains(&table.name.as_str()) {
            moved.push(&table.name);
            identities.extend(sink.advance_identity(table)?);
        }
    }
    let report = verify::check(sink.as_mut(), &catalog, &target_name)?;
    let rows = tables
        .iter()
        .filter(|t| t.status != "already loaded")
        .map(|t| t.rows)
        .sum::<u64>()
        + applied
            .iter()
            .flat_map(|d| &d.tables)
            .map(|t| t.rows)
            .sum::<u64>();
    Ok(Summary {
        extract: extract.id.clone(),
        target: target_name,
        tables,
        rows,
        fetched_parts: fetched.parts,
        fetched_bytes: fetched.bytes,
        cached_parts: fetched.cached,
        seconds: started.elapsed().as_secs_f64(),
        identities,
        warnings,
        deltas: applied,
        verify: report,
    })
}

/// What an ingest and its dry run start from: the store, the extract found in it, and the
/// target opened with its catalog read.
struct Opened {
    store: Store,
    extract: Extract,
    sink: Box<dyn RowSink>,
    catalog: Catalog,
    /// The target's URL, redacted.
    target_name: String,
}

/// Finds the extract `req` names and opens the target. Fails on a bad environment name, an
/// unconfigured or unreachable target, or no such extract in the store.
fn open(config: &Config, req: &Request) -> Result<Opened> {
    let env = env_name(&req.env)?;
    let (store_url, _) = config.store(&env)?;
    let target = config.target(req.kind)?;
    let store = Store::open(&store_url)?;
    let extract = Extract::find(&store, &env, req.kind, req.source, &req.subset)?;
    let mut sink = backend::row_sink(&target.url)?;
    let catalog = sink.catalog()?;
    Ok(Opened {
        store,
        extract,
        sink,
        catalog,
        target_name: target.url.redacted(),
    })
}

/// The extract mapped onto the target's catalog, and the indexes of its tables to load (all
/// with --refreshdb or --merge, else those not loaded yet). Reads the target, changes nothing;
/// fails on every problem that must stop an ingest before it writes.
fn plan_load<'m, 'c>(
    extract: &'m Extract,
    catalog: &'c Catalog,
    sink: &mut dyn RowSink,
    req: &Request,
    target_name: &str,
) -> Result<(LoadPlan<'m, 'c>, Vec<usize>)> {
    let mode = if req.merge {
        LoadMode::Merge
    } else {
        LoadMode::Insert
    };
    let plan = LoadPlan::new(&extract.manifest, catalog, &req.tables, mode, target_name)?;
    let to_load = plan.pending(
        sink,
        &extract.id,
        &extract.manifest_sha256,
        req.refreshdb,
        target_name,
    )?;
    if req.refreshdb {
        cycles::check_cascades(sink, catalog, &plan.tables)?;
    }
    Ok((plan, to_load))
}

/// Loads the tables `to_load` of `plan` unit by unit (`--refreshdb` empties them first), with
/// the cycle keys the sink needs disabled around it all; fills in each table's summary.
/// Returns the warnings: foreign keys not checked because their parent is outside the
/// extract, cycle keys found disabled.
fn load_tables(
    sink: &mut dyn RowSink,
    plan: &LoadPlan<'_, '_>,
    to_load: &[usize],
    extract: &Extract,
    cache: &PartCache,
    req: &Request,
    tables: &mut [TableSummary],
) -> Result<Vec<String>> {
    let progress = progress(req.quiet);
    let handling = sink.cycle_handling();
    let (units, disabled) = cycles::units(plan, to_load, handling);
    let children_first: Vec<&Table> = to_load
        .iter()
        .rev()
        .map(|&i| plan.tables[i].table)
        .collect();
    let mut warnings = Vec::new();
    cycles::with_keys_disabled(sink, &disabled, &mut |sink| {
        if req.refreshdb {
            sink.empty(&children_first)?;
        }
        for unit in &units {
            // Foreign keys to tables outside the extract (cut by the plan) cannot hold: they
            // are not checked for the loaded rows, and reported.
            let cut_keys = plan.cut_keys(unit);
            let cut: Vec<(&Table, &str)> = cut_keys.iter().map(|(t, k)| (*t, k.as_str())).collect();
            let unit_started = Instant::now();
            let mut loads: Vec<TableLoad<'_>> = unit
                .iter()
                .map(|&i| {
                    let m = &plan.tables[i];
                    let bar = output::rows_bar(&progress, &m.entry.qualified_name(), m.entry.rows);
                    let rows = feed(m, cache, Bar(bar));
                    plan.table_load(i, &extract.id, &extract.manifest_sha256, rows)
                })
                .collect();
            let status = match sink.load(&mut loads, plan.mode, &cut) {
                Ok(()) if req.merge => "merged",
                Ok(()) => "loaded",
                // Another ingest of the same extract loaded the unit meanwhile: it is done.
                Err(e)
                    if e.downcast_ref::<Occupied>().is_some()
                        && loaded_meanwhile(sink, plan, unit, extract)? =>
                {
                    "already loaded"
                }
                Err(e) => return Err(e.context(format!("cannot load {}", plan.names(unit)))),
            };
            let seconds = unit_started.elapsed().as_secs_f64();
            for (&i, load) in unit.iter().zip(&loads) {
                tables[i].status = status;
                tables[i].merged = load.record.merged;
                tables[i].seconds = seconds;
            }
            for (table, key) in cut {
                let parent = table
                    .all_foreign_keys()
                    .into_iter()
                    .find(|f| f.name == key)
                    .map_or("?".to_string(), |f| f.ref_table);
                warnings.push(format!(
                    "foreign key {}.{key} → {parent} points outside the extract: not checked \
                     while loading",
                    table.name
                ));
            }
        }
        Ok(())
    })?;
    if handling == CycleHandling::Disable {
        warnings.extend(cycles::left_disabled(plan));
    }
    Ok(warnings)
}

/// Whether every table of `unit` holds what a load of this very extract recorded (and the
/// deltas applied after it): another ingest of it loaded them while this one ran.
fn loaded_meanwhile(
    sink: &mut dyn RowSink,
    plan: &LoadPlan<'_, '_>,
    unit: &[usize],
    extract: &Extract,
) -> Result<bool> {
    let records = sink.records()?;
    for &i in unit {
        let table = plan.tables[i].table;
        let Some(record) = records.iter().find(|r| r.table == table.name) else {
            return Ok(false);
        };
        let rows = sink.count_rows(table)?;
        if !record.is_chain_of(&extract.id, &extract.manifest_sha256, rows) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Where the tables' row bars are drawn (nowhere with `--quiet`).
fn progress(quiet: bool) -> MultiProgress {
    if quiet {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    }
}

/// The bar of the parts' fetch, `total` bytes.
fn fetch_bar(quiet: bool, total: u64) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:28!} {bar:20} {binary_bytes:>10}/{binary_total_bytes} \
             {binary_bytes_per_sec:>12} ETA {eta:3} {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_prefix("fetch and check parts");
    bar
}

/// A table's row bar, hearing of each row fed to the sink.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn row(&self) {
        self.0.inc(1);
    }

    fn done(&self) {
        self.0.finish();
    }
}

/// The closing summary for people.
fn render_summary(s: &Summary) -> String {
    let width = output::name_width(s.tables.iter().map(|t| t.table.as_str()));
    let mut out = format!("Loaded {} into {}:\n", s.extract, s.target);
    // A merge says what it did with the rows: inserted (new keys) and updated.
    let merged = s.tables.iter().any(|t| t.merged.is_some());
    let counts = |t: &TableSummary| match (merged, t.merged) {
        (false, _) => String::new(),
        (true, None) => format!("  {:>10}  {:>10}", "", ""),
        (true, Some(m)) => format!("  {:>10}  {:>10}", m.inserted, m.updated),
    };
    out.push_str(&format!(
        "  {:<width$}  {:>10}  {:<15} {:>8}{}\n",
        "TABLE",
        "ROWS",
        "STATUS",
        "TIME",
        if merged {
            format!("  {:>10}  {:>10}", "INSERTED", "UPDATED")
        } else {
            String::new()
        }
    ));
    for t in &s.tables {
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:<15} {:>6.1} s{}\n",
            t.table,
            t.rows,
            t.status,
            t.seconds,
            counts(t)
        ));
    }
    // The tables written to: loaded or merged from the base, or by a delta.
    let mut written: Vec<&str> = s
        .tables
        .iter()
        .filter(|t| t.status != "already loaded")
        .map(|t| t.target.as_str())
        .collect();
    written.extend(
        s.deltas
            .iter()
            .flat_map(|d| &d.tables)
            .map(|t| t.target.as_str()),
    );
    written.sort_unstable();
    written.dedup();
    let loaded = written.len();
    out.push_str(&format!(
        "{} rows into {} in {:.1} s ({:.0} rows/s); parts: {} fetched ({}), {} from the cache\n",
        s.rows,
        plural(loaded, "table"),
        s.seconds,
        s.rows as f64 / s.seconds.max(1e-9),
        s.fetched_parts,
        human_bytes(s.fetched_bytes),
        s.cached_parts
    ));
    out.push_str(&deltas::render(&s.deltas));
    if !s.identities.is_empty() {
        out.push_str(&format!(
            "Moved past the loaded keys: {}\n",
            s.identities.join(", ")
        ));
    }
    for w in &s.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push('\n');
    out.push_str(&super::verify::render(&s.verify));
    out
}

/// What an ingest would do, table by table, in load order.
#[derive(Clone, Debug, Serialize)]
pub struct DryRun {
    pub extract: String,
    pub target: String,
    pub tables: Vec<PlannedTable>,
    /// The tables that would load, their rows and parts.
    pub loading: usize,
    pub rows: u64,
    pub parts: usize,
    pub bytes: u64,
    /// The deltas of the subset's refresh chain, in order, and what the ingest would do with
    /// each.
    pub deltas: Vec<deltas::PlannedSummary>,
}

/// One table of a [`DryRun`].
#[derive(Clone, Debug, Serialize)]
pub struct PlannedTable {
    pub table: String,
    pub target: String,
    pub rows: u64,
    pub parts: usize,
    pub bytes: u64,
    /// `emptied, then loaded` (--refreshdb), `merged` (--merge), `loaded` (into an empty
    /// table), or `already loaded` (by an earlier run from the same extract: skipped).
    pub action: &'static str,
}

/// `dbsub ingest --dry-run`: the ingest's plan, checked as [`ingest`] checks it before it
/// writes (the extract's tables and columns onto the target, rows already there, what
/// --refreshdb would cascade into), with no part fetched and nothing written: the target is
/// only read. Fails where [`ingest`] would fail before writing.
pub fn dry_run(config: &Config, req: &Request) -> Result<DryRun> {
    let mut opened = open(config, req)?;
    let chain = deltas::read_chain(&opened.store, &opened.extract)?;
    let (plan, to_load) = plan_load(
        &opened.extract,
        &opened.catalog,
        opened.sink.as_mut(),
        req,
        &opened.target_name,
    )?;
    let positions = deltas::Positions::new(
        &opened.extract,
        &plan,
        &to_load,
        req.merge,
        &opened.sink.records()?,
    );
    let planned = deltas::plan(
        &chain,
        &opened.extract,
        &positions,
        &opened.catalog,
        &req.tables,
        &opened.target_name,
    )?;
    let tables: Vec<PlannedTable> = plan
        .tables
        .iter()
        .enumerate()
        .map(|(i, m)| PlannedTable {
            table: m.entry.qualified_name(),
            target: m.table.name.clone(),
            rows: m.entry.rows,
            parts: m.entry.parts.len(),
            bytes: m.entry.parts.iter().map(|p| p.bytes).sum(),
            action: match (to_load.contains(&i), req.refreshdb, req.merge) {
                (false, _, _) => "already loaded",
                (true, true, _) => "emptied, then loaded",
                (true, _, true) => "merged",
                (true, false, false) => "loaded",
            },
        })
        .collect();
    let loading: Vec<&PlannedTable> = to_load.iter().map(|&i| &tables[i]).collect();
    Ok(DryRun {
        extract: opened.extract.id.clone(),
        target: opened.target_name.clone(),
        loading: loading.len(),
        rows: loading.iter().map(|t| t.rows).sum(),
        parts: loading.iter().map(|t| t.parts).sum(),
        bytes: loading.iter().map(|t| t.bytes).sum(),
        tables,
        deltas: planned.iter().map(deltas::PlannedDelta::summary).collect(),
    })
}

/// The dry run's plan for people.
fn render_dry_run(d: &DryRun) -> String {
    let width = output::name_width(d.tables.iter().map(|t| t.table.as_str()));
    let mut out = format!(
        "Would load {} into {} (dry run: nothing fetched, nothing changed), in load order:\n",
        d.extract, d.target
    );
    out.push_str(&format!(
        "  {:<width$}  {:>10}  {:>5}  {:>10}  ACTION\n",
        "TABLE", "ROWS", "PARTS", "BYTES"
    ));
    for t in &d.tables {
        let (rows, bytes) = (t.rows, human_bytes(t.bytes));
        out.push_str(&format!(
            "  {:<width$}  {rows:>10}  {:>5}  {bytes:>10}  {}\n",
            t.table, t.parts, t.action
        ));
    }
    out.push_str(&format!(
        "{} rows into {}; {} ({}) to fetch and check.\n",
        d.rows,
        plural(d.loading, "table"),
        plural(d.parts, "part"),
        human_bytes(d.bytes)
    ));
    out.push_str(&deltas::render_planned(&d.deltas));
    out
}
