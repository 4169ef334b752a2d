//! `dbsub extract DBTYPE ENV`: the rows of a subset, from a source database into the store.
//!
//! 1. the plan (file or flags) is resolved against the source's catalog into a scope of tables;
//! 2. the row closure runs in the source's snapshot, keys only;
//! 3. each table's rows stream into zstd CSV parts (`--jobs` tables at once, each with its own
//!    connection in the same snapshot); after each part a progress file in the store records
//!    it, so that an interrupted extract resumes where it stopped;
//! 4. the manifest is written last.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::archive::manifest::{
    self, ColumnEntry, CycleKey, MANIFEST, Manifest, MaskedColumn, PartEntry, TableEntry,
};
use crate::archive::part::TableWriter;
use crate::archive::store::Store;
use crate::backend;
use crate::catalog::{Catalog, Column, ObjectKey, Table, snapshot};
use crate::cli::{Cli, ExtractArgs};
use crate::config::{Config, DbKind, redact};
use crate::graph::{Closure, ClosureOptions, DepGraph, Direction};
use crate::mask::{self, Masking};
use crate::model::mask::SourceMask;
use crate::model::ports::RowSource;
use crate::model::row::{ReadRequest, RowFilter, Snapshot, recycle};
use crate::model::value::Value;
use crate::output;
use crate::output::human_bytes;
use crate::subset::closure::{self, Selection, TableRows};
use crate::subset::keys::Budget;
use crate::subset::{Plan, Scope};

/// What `run` needs besides the command line: `dbsub demo` calls [`extract`] directly.
pub struct Request {
    pub kind: DbKind,
    pub env: String,
    pub plan: Plan,
    pub subset: String,
    pub tables: Vec<String>,
    pub refresh: bool,
    pub jobs: usize,
    pub dry_run: bool,
    pub part_size: u64,
    pub key_memory: u64,
    /// Classification files (`--classification`), besides the plan's.
    pub classification: Vec<PathBuf>,
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
    pub seconds: f64,
}

/// The outcome of an extract.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub store: String,
    pub manifest: String,
    pub subset: String,
    pub snapshot: Snapshot,
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    pub bytes: u64,
    pub closure_queries: u64,
    pub seconds: f64,
}

/// `dbsub extract`.
pub fn run(cli: &Cli, config: &Config, args: &ExtractArgs) -> Result<()> {
    let plan = match &args.plan {
        Some(path) => Plan::read(path)?,
        None => Plan::from_flags(
            &args.seed_objects,
            args.condition.as_deref(),
            args.schema.as_deref(),
        ),
    };
    let subset = args
        .subset
        .clone()
        .or_else(|| plan.name.clone())
        .unwrap_or_else(|| "default".to_string());
    let request = Request {
        kind: args.kind,
        env: args.env.clone(),
        plan,
        subset,
        tables: args.tables.clone(),
        refresh: args.refresh,
        jobs: args.jobs as usize,
        dry_run: args.dry_run,
        part_size: args.part_size,
        key_memory: args.key_memory,
        classification: args.classification.clone(),
        quiet: cli.quiet,
    };
    let catalog = match &cli.catalog {
        Some(path) => Some(snapshot::read(path)?),
        None => None,
    };
    match extract(config, &request, catalog)? {
        None => Ok(()),
        Some(summary) => args.format.print(&summary, render_summary),
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
        None => backend::catalog_reader(&source.url)
            .and_then(|mut r| r.read_catalog(&[]))
            .with_context(|| format!("cannot read the catalog of the source {}", source.url))?,
    };
    let scope = Scope::resolve(&catalog, &req.plan)?;
    for cut in &scope.cut {
        output::warning(&format!(
            "not followed: {cut}; the subset is not closed over it"
        ));
    }
    let masking = mask::resolve(
        &catalog,
        &scope,
        req.plan.masking.as_ref(),
        &req.classification,
        req.plan.schema.as_deref(),
        config.masking_key(),
    )?;
    warn_unknown(&masking.unknown);
    let only: Vec<ObjectKey> = resolve_only(&scope, &req.tables)?;
    let (order, cycle_keys) = load_order(&scope);

    // The store before the closure: a wrong URL, missing bucket or complete extract fails fast.
    let target = if req.dry_run {
        None
    } else {
        Some(Target::open(config, &env, req, only.is_empty())?)
    };

    // The plan with estimates first, so that a long closure shows what it is working on.
    let main = &mut sources[0];
    let mut estimates = Vec::with_capacity(scope.tables.len());
    if req.dry_run {
        for t in &scope.tables {
            estimates.push(main.estimate_rows(&t.table)?);
        }
        output::result(&render_plan(&scope, &order, &estimates, None))?;
        output::result(&render_masking(&scope, &order, &masking))?;
    }

    let spill_dir = std::env::temp_dir().join(format!("dbsub-spill-{}", std::process::id()));
    let budget = Budget::new(req.key_memory, &spill_dir);
    let closure_bar = progress_bar(req.quiet, "closure");
    closure_bar.set_message("seed rows");
    let result = closure::close(&scope, main.as_mut(), &budget, &mut |table, rows| {
        closure_bar.set_message(format!("{table}: {rows} rows"));
        closure_bar.inc(1);
    });
    closure_bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&spill_dir);
    let (rows, stats) = result?;
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
    if req.dry_run {
        let exact: Vec<u64> = rows.iter().map(|r| r.rows).collect();
        output::result(&render_plan(&scope, &order, &estimates, Some(&exact)))?;
        return Ok(None);
    }

    let target = target.expect("opened unless a dry run");
    let (store, prefix, manifest_key, existing) = (
        &target.store,
        &target.prefix,
        &target.manifest_key,
        target.existing.clone(),
    );
    if req.refresh {
        // The manifest first: an extract half deleted is never taken for a complete one.
        store.delete(manifest_key)?;
        for key in store.list(prefix)? {
            store.delete(&key)?;
        }
    }

    let snapshot = sources[0].snapshot().clone();
    let fingerprint_base = serde_json::json!({
        "format_version": manifest::FORMAT_VERSION,
        "plan": &req.plan,
        "part_size": req.part_size,
        "snapshot_kind": &snapshot.kind,
        "masking": masking.fingerprint(),
    });
    let progress = if req.quiet {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    let mut jobs_list: Vec<Job> = Vec::new();
    for ((i, t), selected) in scope.tables.iter().enumerate().zip(rows) {
        if !only.is_empty() && !only.contains(&t.table.key()) {
            continue;
        }
        jobs_list.push(Job { index: i, selected });
    }
    // The largest tables first, so that parallel jobs end together.
    jobs_list.sort_by_key(|j| std::cmp::Reverse(j.selected.rows));
    let queue = Mutex::new(jobs_list.into_iter().collect::<VecDeque<Job>>());
    let results: Mutex<Vec<(usize, TableEntry, TableSummary)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let ctx = Ctx {
        scope: &scope,
        store,
        prefix,
        part_size: req.part_size,
        fingerprint_base: &fingerprint_base,
        masking: &masking,
        progress: &progress,
        quiet: req.quiet,
    };
    std::thread::scope(|threads| {
        for source in sources.iter_mut() {
            let (ctx, queue, results, failure) = (&ctx, &queue, &results, &failure);
            threads.spawn(move || {
                loop {
                    if failure.lock().expect("not poisoned").is_some() {
                        return;
                    }
                    let Some(job) = queue.lock().expect("not poisoned").pop_front() else {
                        return;
                    };
                    match ctx.write_table(source.as_mut(), job) {
                        Ok(done) => results.lock().expect("not poisoned").push(done),
                        Err(e) => {
                            failure.lock().expect("not poisoned").get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().expect("not poisoned") {
        return Err(err.context(
            "the extract stopped; the parts written so far are kept: once the cause is fixed, \
             run the same command again to resume (--refresh starts over)",
        ));
    }
    let mut done = results.into_inner().expect("not poisoned");
    done.sort_by_key(|(i, _, _)| order.iter().position(|o| o == i));

    let mut entries: Vec<TableEntry> = done.iter().map(|(_, e, _)| e.clone()).collect();
    if !only.is_empty()
        && let Some(old) = existing
    {
        // Refreshing single tables: the others keep their parts.
        for old_entry in old.tables {
            if !entries
                .iter()
                .any(|e| e.schema == old_entry.schema && e.name == old_entry.name)
            {
                entries.push(old_entry);
            }
        }
    }
    let load_order: Vec<String> = order
        .iter()
        .map(|&i| scope.tables[i].table.key().qualified_name())
        .collect();
    entries.sort_by_key(|e| load_order.iter().position(|o| *o == e.qualified_name()));
    let manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        format_version: manifest::FORMAT_VERSION,
        created_at: crate::model::clock::now_rfc3339(),
        tool: manifest::Tool {
            name: "dbsub".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        source: manifest::Source {
            kind: req.kind.word().to_string(),
            env: env.clone(),
            url: source.url.redacted(),
        },
        snapshot: snapshot.clone(),
        subset: manifest::Subset {
            name: req.subset.clone(),
            plan: serde_json::to_value(&req.plan).expect("a plan always serializes"),
            cut: scope.cut.clone(),
        },
        load_order,
        cycle_foreign_keys: cycle_keys,
        tables: entries,
    };
    store.put(manifest_key, manifest.to_json())?;
    // The manifest now vouches for every part: the progress files have served.
    for (_, entry, _) in &done {
        store.delete(&progress_key(prefix, &entry.schema, &entry.name))?;
    }

    let tables: Vec<TableSummary> = done.into_iter().map(|(_, _, s)| s).collect();
    Ok(Some(Summary {
        store: redact(&target.url),
        manifest: manifest_key.clone(),
        subset: req.subset.clone(),
        snapshot,
        rows: tables.iter().map(|t| t.rows).sum(),
        bytes: tables.iter().map(|t| t.bytes).sum(),
        tables,
        closure_queries: stats.queries,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

/// The store and the subset's place in it.
struct Target {
    store: Store,
    url: String,
    prefix: String,
    manifest_key: String,
    existing: Option<Manifest>,
}

impl Target {
    /// Opens the store, reads an existing manifest, and proves the subset's folder writable.
    ///
    /// Fails when the store cannot be reached or written, and when the subset is complete
    /// already and `whole` (not `--table`) is asked without `--refresh`.
    fn open(config: &Config, env: &str, req: &Request, whole: bool) -> Result<Target> {
        let (url, origin) = config.store(env)?;
        let shown = redact(&url);
        let store = Store::open(&url)
            .with_context(|| format!("cannot open the store {shown} ({origin})"))?;
        let prefix = manifest::subset_prefix(env, req.kind.word(), &req.subset);
        let manifest_key = format!("{prefix}/{MANIFEST}");
        let existing =
            match store
                .get(&manifest_key)
                .with_context(|| unreachable_store(&url))?
            {
                Some(bytes) => Some(Manifest::from_slice(&bytes).with_context(|| {
                    format!("{manifest_key} in the store {shown} is unreadable")
                })?),
                None => None,
            };
        if let Some(done) = &existing
            && whole
            && !req.refresh
        {
            bail!(
                "subset `{}` of {} {env} is already complete in the store {shown} (written {}): \
                 use --refresh to extract it again, --table T to refresh single tables, or \
                 --subset NAME to keep both",
                req.subset,
                req.kind,
                done.created_at
            );
        }
        let probe = format!("{prefix}/progress/write-check");
        store
            .put(&probe, Vec::new())
            .and_then(|()| store.delete(&probe))
            .map_err(|e| {
                let hint = if format!("{e:#}").contains("NoSuchBucket") {
                    "the bucket does not exist: create it first"
                } else {
                    "check that it exists and that the credentials may write to it"
                };
                e.context(format!(
                    "cannot write to the store {shown} ({origin}): {hint}"
                ))
            })?;
        Ok(Target {
            store,
            url,
            prefix,
            manifest_key,
            existing,
        })
    }
}

fn unreachable_store(url: &str) -> String {
    format!(
        "cannot reach the store {}: check the URL and, for a cloud store, its credentials and \
         endpoint (AWS_ENDPOINT, AWS_REGION, …)",
        redact(url)
    )
}

fn validate_subset_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        bail!("`{name}` is not a subset name: use letters, digits, `_`, `-` and `.`");
    }
    Ok(())
}

fn resolve_only(scope: &Scope, names: &[String]) -> Result<Vec<ObjectKey>> {
    let keys: Vec<ObjectKey> = scope.tables.iter().map(|t| t.table.key()).collect();
    names
        .iter()
        .map(|n| {
            crate::catalog::lookup::find(&keys, &crate::catalog::lookup::ObjectQuery::named(n))
                .map_err(|e| anyhow!("--table `{n}` is not a table of this subset: {e}"))
        })
        .collect()
}

/// The scope's tables in load order (indexes into `scope.tables`), and the foreign keys that
/// close cycles.
fn load_order(scope: &Scope) -> (Vec<usize>, Vec<CycleKey>) {
    let mut tables: Vec<Table> = scope.tables.iter().map(|t| t.table.clone()).collect();
    for t in &mut tables {
        t.foreign_keys.clear();
    }
    for e in &scope.edges {
        tables[e.child].foreign_keys.push(e.foreign_key.clone());
    }
    let catalog = Catalog {
        tables,
        ..Catalog::default()
    };
    let graph = DepGraph::build(&catalog);
    let seeds: Vec<_> = (0..graph.node_count())
        .map(petgraph::graph::NodeIndex::new)
        .collect();
    let closure = Closure::compute(
        &graph,
        &seeds,
        ClosureOptions {
            direction: Direction::Parents,
            ..ClosureOptions::default()
        },
    );
    let order = crate::graph::order::load_order(&graph, &closure);
    let index_of = |key: &ObjectKey| {
        scope
            .tables
            .iter()
            .position(|t| t.table.key() == *key)
            .expect("the graph holds the scope's tables only")
    };
    let tables = order
        .order
        .iter()
        .map(|&n| index_of(graph.key(n)))
        .collect();
    let cycle_keys = order
        .broken()
        .map(|b| CycleKey {
            table: graph.key(b.child).qualified_name(),
            foreign_key: graph
                .edge(b.edge)
                .fk()
                .map(|f| f.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    (tables, cycle_keys)
}

fn progress_key(prefix: &str, schema: &str, name: &str) -> String {
    format!("{prefix}/progress/{schema}.{name}.json")
}

/// What the store remembers of a table being written: the parts done so far.
#[derive(Serialize, Deserialize)]
struct Progress {
    fingerprint: String,
    rows: u64,
    parts: Vec<PartEntry>,
}

struct Job {
    index: usize,
    selected: TableRows,
}

struct Ctx<'a> {
    scope: &'a Scope,
    store: &'a Store,
    prefix: &'a str,
    part_size: u64,
    fingerprint_base: &'a serde_json::Value,
    masking: &'a Masking,
    progress: &'a MultiProgress,
    quiet: bool,
}

/// Parts completed by this process, for the test hook below.
static PARTS_DONE: AtomicU64 = AtomicU64::new(0);

/// Test hook: `DBSUB_TEST_ABORT_AFTER_PARTS=N` aborts the process (as a kill would) right after
/// the N-th part is recorded, to prove that an extract resumes.
fn abort_hook() {
    let done = PARTS_DONE.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(n) = std::env::var("DBSUB_TEST_ABORT_AFTER_PARTS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        && done >= n
    {
        std::process::abort();
    }
}

impl Ctx<'_> {
    fn write_table(
        &self,
        source: &mut dyn RowSource,
        job: Job,
    ) -> Result<(usize, TableEntry, TableSummary)> {
        let started = Instant::now();
        let st = &self.scope.tables[job.index];
        let table = &st.table;
        let name = table.key().qualified_name();
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .collect();
        let fingerprint = crate::model::digest::sha256_hex(
            serde_json::json!({
                "base": self.fingerprint_base,
                "table": name,
                "columns": columns.iter().map(|c| (&c.name, &c.neutral_type)).collect::<Vec<_>>(),
                "identity": &job.selected.identity,
            })
            .to_string()
            .as_bytes(),
        );
        let progress_key = progress_key(self.prefix, &table.schema, &table.name);

        // Parts of an interrupted run: kept while each one's checksum matches.
        let mut kept: Vec<PartEntry> = Vec::new();
        if let Some(bytes) = self.store.get(&progress_key)?
            && let Ok(p) = serde_json::from_slice::<Progress>(&bytes)
            && p.fingerprint == fingerprint
            && p.rows == job.selected.rows
        {
            for part in p.parts {
                let key = format!("{}/{}", self.prefix, part.key);
                match self.store.sha256(&key)? {
                    Some((sha, bytes)) if sha == part.sha256 && bytes == part.bytes => {
                        kept.push(part)
                    }
                    _ => break,
                }
            }
        }
        let kept_parts = kept.len();
        let skip: u64 = kept.iter().map(|p| p.rows).sum();

        let bar = self.progress.add(if self.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(job.selected.rows)
        });
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:28!} {bar:20} {human_pos:>10}/{human_len} rows {per_sec:>12} {msg}",
            )
            .expect("a valid template"),
        );
        bar.set_prefix(name.clone());
        bar.set_position(skip);
        bar.enable_steady_tick(Duration::from_millis(200));

        let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let mut writer = TableWriter::new(
            self.store,
            self.prefix,
            &table.schema,
            &table.name,
            &header,
            self.part_size,
            kept,
        );
        let mut bytes_done: u64 = writer.parts().iter().map(|p| p.bytes).sum();
        let record = |parts: &[PartEntry]| -> Result<()> {
            let progress = Progress {
                fingerprint: fingerprint.clone(),
                rows: job.selected.rows,
                parts: parts.to_vec(),
            };
            self.store.put(
                &progress_key,
                serde_json::to_vec(&progress).expect("progress always serializes"),
            )?;
            abort_hook();
            Ok(())
        };
        let column_masks = self.masking.column_masks(job.index, &columns);
        let source_masks: Vec<Option<SourceMask>> = if column_masks.iter().any(Option::is_some) {
            column_masks
                .iter()
                .map(|m| m.as_ref().and_then(|m| m.source.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let mut unique = MaskedKeys::new(table, &columns, self.masking.table(job.index));
        // The masked row's vector is kept across rows (borrowed values, no copies of the
        // columns that are not masked).
        let mut spare: Vec<Value<'static>> = Vec::new();
        let mut written = 0u64;
        let mut each = |values: &[Value<'_>]| -> Result<()> {
            let mut masked: Vec<Value<'_>> = recycle(std::mem::take(&mut spare));
            let values = if source_masks.is_empty() {
                values
            } else {
                for (value, mask) in values.iter().zip(&column_masks) {
                    masked.push(match mask {
                        None => value.clone(),
                        Some(m) => m
                            .finish(value.clone())
                            .with_context(|| format!("cannot mask {name}"))?,
                    });
                }
                unique.check(&masked, &name)?;
                &masked[..]
            };
            if let Some(part) = writer.write_row(values)? {
                bytes_done += part.bytes;
                bar.set_message(human_bytes(bytes_done));
                record(writer.parts())?;
            }
            written += 1;
            if written.is_multiple_of(4096) {
                bar.inc(4096);
            }
            spare = recycle(masked);
            Ok(())
        };
        let identity = &job.selected.identity;
        match &job.selected.selection {
            Selection::All | Selection::Where(_) => {
                let filter = match &job.selected.selection {
                    Selection::Where(condition) => RowFilter::Where(condition),
                    _ => RowFilter::All,
                };
                let request = ReadRequest {
                    table,
                    columns: &columns,
                    masks: &source_masks,
                    order_by: identity,
                    filter,
                    skip,
                };
                source.read_rows(&request, &mut each)?
            }
            Selection::Keys(keys) => {
                let batch = source.max_batch();
                keys.for_each_batch(batch, skip, &mut |batch| {
                    let request = ReadRequest {
                        table,
                        columns: &columns,
                        masks: &source_masks,
                        order_by: identity,
                        filter: RowFilter::In {
                            columns: identity,
                            keys: batch,
                        },
                        skip: 0,
                    };
                    source.read_rows(&request, &mut each)
                })?
            }
        }
        let (parts, last) = writer.finish()?;
        if let Some(part) = &last {
            bytes_done += part.bytes;
            record(&parts)?;
        }
        let rows: u64 = parts.iter().map(|p| p.rows).sum();
        bar.set_position(rows);
        bar.set_message(human_bytes(bytes_done));
        bar.finish();
        if rows != job.selected.rows {
            bail!(
                "{name}: {rows} rows were read, but the closure selected {}: the source changed \
                 between the runs of an interrupted extract; run again with --refresh",
                job.selected.rows
            );
        }
        // Parts of an earlier, longer attempt that are not part of this extract.
        let dir = format!(
            "{}/{}",
            self.prefix,
            manifest::table_dir(&table.schema, &table.name)
        );
        for key in self.store.list(&dir)? {
            let relative = key
                .strip_prefix(&format!("{}/", self.prefix))
                .unwrap_or(&key);
            if !parts.iter().any(|p| p.key == relative) {
                self.store.delete(&key)?;
            }
        }
        let entry = TableEntry {
            schema: table.schema.clone(),
            name: table.name.clone(),
            reason: serde_json::to_value(&st.reason).expect("a reason always serializes"),
            path: self.scope.path(job.index),
            columns: columns
                .iter()
                .map(|c| ColumnEntry {
                    name: c.name.clone(),
                    native_type: c.native_type.clone(),
                    neutral_type: c.neutral_type.clone(),
                    nullable: c.nullable,
                })
                .collect(),
            primary_key: table.primary_key.as_ref().map(|k| k.columns.clone()),
            foreign_keys: self
                .scope
                .edges
                .iter()
                .filter(|e| e.child == job.index)
                .map(|e| e.foreign_key.clone())
                .collect(),
            masked: self
                .masking
                .table(job.index)
                .iter()
                .map(|m| MaskedColumn {
                    column: m.column.clone(),
                    rule: m.strategy.to_string(),
                    follows: m.follows.clone(),
                })
                .collect(),
            rows,
            parts: parts.clone(),
        };
        let summary = TableSummary {
            table: name,
            rows,
            parts: parts.len(),
            bytes: bytes_done,
            kept_parts,
            seconds: started.elapsed().as_secs_f64(),
        };
        Ok((job.index, entry, summary))
    }
}

/// The unique keys (primary and unique) of a table that contain a masked column: masking must
/// not make two keys equal, or the load would fail. Each masked key tuple is remembered as a
/// 128-bit hash (16 bytes per row and key).
struct MaskedKeys {
    keys: Vec<(Vec<usize>, HashSet<[u8; 16]>)>,
    buf: Vec<u8>,
}

impl MaskedKeys {
    fn new(table: &Table, columns: &[&Column], masked: &[mask::MaskedColumn]) -> MaskedKeys {
        let keys = table
            .primary_key
            .iter()
            .chain(&table.unique_keys)
            .filter(|k| {
                k.columns
                    .iter()
                    .any(|c| masked.iter().any(|m| &m.column == c))
            })
            .filter_map(|k| {
                k.columns
                    .iter()
                    .map(|c| columns.iter().position(|col| &col.name == c))
                    .collect::<Option<Vec<usize>>>()
            })
            .map(|idx| (idx, HashSet::new()))
            .collect();
        MaskedKeys {
            keys,
            buf: Vec::new(),
        }
    }

    /// Fails when the masked `row` repeats a key of an earlier row.
    fn check(&mut self, row: &[Value<'_>], table: &str) -> Result<()> {
        use sha2::{Digest, Sha256};
        for (columns, seen) in &mut self.keys {
            if columns.iter().any(|&i| row[i] == Value::Null) {
                continue;
            }
            self.buf.clear();
            for &i in columns.iter() {
                row[i].write_csv(&mut self.buf);
                self.buf.push(0xff);
            }
            let hash = Sha256::digest(&self.buf);
            let mut short = [0u8; 16];
            short.copy_from_slice(&hash[..16]);
            if !seen.insert(short) {
                bail!(
                    "{table}: masking made two different keys equal (a collision of their \
                     pseudonyms); the rows would not load. The key's values are too short for \
                     distinct pseudonyms of the same length: mask the key with another \
                     strategy, or keep it"
                );
            }
        }
        Ok(())
    }
}

/// Lists the classification lines that name no table or column of the source (at most 20).
fn warn_unknown(unknown: &[String]) {
    if unknown.is_empty() {
        return;
    }
    let mut text = format!(
        "{} of the classification name no table or column of the source (ignored):",
        output::plural(unknown.len(), "line")
    );
    for line in unknown.iter().take(20) {
        text.push_str(&format!("\n  {line}"));
    }
    if unknown.len() > 20 {
        text.push_str(&format!("\n  … and {} more", unknown.len() - 20));
    }
    output::warning(&text);
}

/// The dry run's list of masked columns, in load order.
fn render_masking(scope: &Scope, order: &[usize], masking: &Masking) -> String {
    if masking.is_empty() {
        return "\nMasked columns: none.\n".to_string();
    }
    let rows: Vec<(String, String, String)> = order
        .iter()
        .flat_map(|&i| {
            let table = scope.tables[i].table.key().qualified_name();
            masking.table(i).iter().map(move |m| {
                (
                    format!("{table}.{}", m.column),
                    m.strategy.to_string(),
                    match &m.follows {
                        Some(f) => format!("follows {f} (foreign key)"),
                        None => m.origin.clone(),
                    },
                )
            })
        })
        .collect();
    let width = output::name_width(rows.iter().map(|r| r.0.as_str()));
    let rule_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "\nMasked columns ({}), computed by the source:\n{:<width$}  {:<rule_width$}  FROM\n",
        rows.len(),
        "COLUMN",
        "RULE"
    );
    for (column, rule, from) in rows {
        out.push_str(&format!("{column:<width$}  {rule:<rule_width$}  {from}\n"));
    }
    out
}

fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg}").expect("a valid template"),
    );
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The dry run's table: every table in load order, why it is there, estimated rows and (once
/// the closure ran) exact rows.
fn render_plan(scope: &Scope, order: &[usize], estimates: &[u64], exact: Option<&[u64]>) -> String {
    let mut out = String::new();
    match exact {
        None => out.push_str(&format!(
            "Subset plan: {} in load order (estimated rows: the whole table)\n",
            output::plural(scope.tables.len(), "table")
        )),
        Some(rows) => out.push_str(&format!(
            "\nRows selected: {} in {} (nothing written: --dry-run)\n",
            rows.iter().sum::<u64>(),
            output::plural(scope.tables.len(), "table")
        )),
    }
    let name_width = scope
        .tables
        .iter()
        .map(|t| t.table.key().qualified_name().len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "{:<name_width$}  {:>10}  {:>10}  WHY\n",
        "TABLE", "ESTIMATED", "ROWS"
    ));
    for &i in order {
        let t = &scope.tables[i];
        let rows = exact.map_or("…".to_string(), |r| r[i].to_string());
        out.push_str(&format!(
            "{:<name_width$}  {:>10}  {:>10}  {}\n",
            t.table.key().qualified_name(),
            estimates.get(i).map_or("?".to_string(), |e| e.to_string()),
            rows,
            scope.why(i)
        ));
    }
    out
}

fn render_summary(s: &Summary) -> String {
    let width = output::name_width(s.tables.iter().map(|t| t.table.as_str()));
    let mut out = format!(
        "{:<width$}  {:>10}  {:>5}  {:>10}  {:>8}\n",
        "TABLE", "ROWS", "PARTS", "BYTES", "SECONDS"
    );
    for t in &s.tables {
        out.push_str(&format!(
            "{:<width$}  {:>10}  {:>5}  {:>10}  {:>8.2}{}\n",
            t.table,
            t.rows,
            t.parts,
            human_bytes(t.bytes),
            t.seconds,
            if t.kept_parts > 0 {
                format!("  ({} kept from the interrupted run)", t.kept_parts)
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "Extracted {} rows of {} ({}) in {:.2} s into {}/{} (snapshot: {} {}).",
        s.rows,
        output::plural(s.tables.len(), "table"),
        human_bytes(s.bytes),
        s.seconds,
        s.store,
        s.manifest,
        s.snapshot.kind,
        s.snapshot.id
    ));
    out.push('\n');
    out
}
