//! `dbsub ingest DBTYPE ENV`: an extract from the store into the local test database.
//!
//! 1. the manifest is read and every table mapped onto the target's catalog (a missing table
//!    or column stops here, before anything is written);
//! 2. every part is fetched into the local cache and checked against the manifest's SHA-256
//!    (`--jobs` at once), before any row is written;
//! 3. tables load in the manifest's load order, each in one transaction (the tables of a
//!    foreign-key cycle together, where the database cannot switch one key off), triggers off
//!    during their load, every value checked against its target column;
//! 4. sequences move past the loaded keys, and `verify` runs.
//!
//! Each loaded table is recorded in the target (in the same transaction), so a re-run after a
//! failure or a kill skips what is already loaded and continues.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::archive::manifest::{self, MANIFEST, Manifest, PartEntry, TableEntry};
use crate::archive::part::Hashing;
use crate::archive::read::{TableReader, check_digest, check_part};
use crate::archive::store::Store;
use crate::backend;
use crate::catalog::lookup::{self, LookupError, ObjectQuery};
use crate::catalog::{Catalog, Column, FkAction, ObjectKey, ObjectKind, Table};
use crate::cli::{Cli, IngestArgs};
use crate::config::{Config, DbKind, env_name, redact};
use crate::model::digest::hex;
use crate::model::fit::fits;
use crate::model::ports::{
    CycleHandling, LoadMode, LoadRecord, RecordedKey, RowFeed, RowSink, TableLoad,
};
use crate::output::{self, human_bytes, plural};

use super::verify;

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
    pub verify: verify::Report,
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
    let summary = ingest(config, &request)?;
    args.format.print(&summary, render_summary)?;
    verify::fail_on_problems(&summary.verify)
}

/// Set by Ctrl-C: row loops stop at the next row, the open transaction rolls back, and
/// whatever was switched off for the load is switched on again before dbsub exits.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn catch_interrupt() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A second Ctrl-C stops at once.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

fn check_interrupt() -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        bail!(
            "interrupted (Ctrl-C): the table being loaded was rolled back; run the same command \
             again to continue"
        );
    }
    Ok(())
}

/// A table of the extract and where it goes in the target.
struct Mapped<'m, 'c> {
    entry: &'m TableEntry,
    table: &'c Table,
    /// Target columns in the order of the extract's columns.
    columns: Vec<&'c Column>,
}

/// Runs an ingest and then `verify`.
pub fn ingest(config: &Config, req: &Request) -> Result<Summary> {
    let started = Instant::now();
    catch_interrupt();
    if req.merge && req.refreshdb {
        bail!("--merge and --refreshdb exclude each other: choose one");
    }
    let env = env_name(&req.env)?;
    let (store_url, _) = config.store(&env)?;
    let target = config.target(req.kind)?;
    let store = Store::open(&store_url)?;
    let (prefix, bytes) = find_manifest(&store, &env, req.kind, req.source, &req.subset)?;
    let manifest_key = format!("{prefix}/{MANIFEST}");
    let manifest = Manifest::from_slice(&bytes).with_context(|| {
        format!(
            "cannot read {manifest_key} in the store {}",
            redact(&store_url)
        )
    })?;
    let manifest_sha256 = hex(&Sha256::digest(&bytes));
    let extract_id = format!("{}/{prefix}", redact(&store_url));

    let mut sink = backend::row_sink(&target.url)?;
    let catalog = sink.catalog()?;
    let selected = select_tables(&manifest, &req.tables)?;
    let mapped = map_tables(&selected, &catalog, &target.url.redacted())?;
    let by_extract_name: HashMap<String, &Table> = manifest
        .tables
        .iter()
        .filter_map(|e| find_table(&catalog, &e.schema, &e.name).map(|t| (e.qualified_name(), t)))
        .collect();
    let mode = if req.merge {
        LoadMode::Merge
    } else {
        LoadMode::Insert
    };
    let keys: Vec<Vec<String>> = mapped
        .iter()
        .map(|m| merge_key(m, req.merge))
        .collect::<Result<_>>()?;

    // What is there already.
    let records: HashMap<String, LoadRecord> = sink
        .records()?
        .into_iter()
        .map(|r| (r.table.clone(), r))
        .collect();
    let mut skip = vec![false; mapped.len()];
    let mut occupied = Vec::new();
    if !req.merge && !req.refreshdb {
        for (i, m) in mapped.iter().enumerate() {
            let count = sink.count_rows(m.table)?;
            if count == 0 {
                continue;
            }
            let same = records.get(&m.table.name).is_some_and(|r| {
                r.extract == extract_id && r.manifest_sha256 == manifest_sha256 && r.rows == count
            });
            if same {
                skip[i] = true;
            } else {
                occupied.push(format!(
                    "{} ({})",
                    m.table.name,
                    plural(count as usize, "row")
                ));
            }
        }
    }
    if !occupied.is_empty() {
        bail!(
            "{} already holds rows in {}: ingest loads into empty tables; run it again with \
             --refreshdb to replace those rows, or --merge to upsert by primary key",
            target.url.redacted(),
            occupied.join(", ")
        );
    }
    let to_load: Vec<usize> = (0..mapped.len()).filter(|&i| !skip[i]).collect();
    if req.refreshdb {
        check_cascades(sink.as_mut(), &catalog, &mapped)?;
    }

    // Every part, fetched and checked before any row is written.
    let cache = config.cache_dir().join(&prefix);
    if req.purge && cache.exists() {
        std::fs::remove_dir_all(&cache)
            .with_context(|| format!("cannot empty the cache {}", cache.display()))?;
    }
    let parts: Vec<(&PartEntry, PathBuf)> = to_load
        .iter()
        .flat_map(|&i| mapped[i].entry.parts.iter())
        .map(|p| (p, cache.join(&p.key)))
        .collect();
    let fetched = fetch_parts(&store, &prefix, &parts, req.jobs, req.quiet)?;

    let progress = if req.quiet {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    let mut tables: Vec<TableSummary> = mapped
        .iter()
        .map(|m| TableSummary {
            table: m.entry.qualified_name(),
            target: m.table.name.clone(),
            rows: m.entry.rows,
            status: "already loaded",
            seconds: 0.0,
        })
        .collect();
    let mut warnings = Vec::new();
    let loading: Vec<&Table> = to_load.iter().map(|&i| mapped[i].table).collect();
    let (units, disabled): (Vec<Vec<usize>>, Vec<(&Table, &str)>) = match sink.cycle_handling() {
        CycleHandling::OneTransaction => (cycle_units(&mapped, &to_load, &manifest), Vec::new()),
        CycleHandling::Disable => (
            to_load.iter().map(|&i| vec![i]).collect(),
            keys_to_disable(cycle_keys(&mapped, &to_load, &manifest), &loading),
        ),
    };
    let children_first: Vec<&Table> = loading.iter().rev().copied().collect();
    with_keys_disabled(sink.as_mut(), &disabled, &mut |sink| {
        if req.refreshdb {
            sink.empty(&children_first)?;
        }
        for unit in &units {
            // Foreign keys to tables outside the extract (cut by the plan) cannot hold: they
            // are not checked for the loaded rows, and reported.
            let cut = cut_keys(&mapped, unit, &by_extract_name);
            let unit_started = Instant::now();
            let mut loads = Vec::new();
            for &i in unit {
                let m = &mapped[i];
                let bar = progress.add(ProgressBar::new(m.entry.rows));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:28!} {bar:20} {human_pos:>10}/{human_len} rows {per_sec:>12} {msg}",
                    )
                    .expect("a valid template"),
                );
                bar.set_prefix(m.entry.qualified_name());
                bar.enable_steady_tick(Duration::from_millis(200));
                let record = LoadRecord {
                    table: m.table.name.clone(),
                    extract_table: m.entry.qualified_name(),
                    extract: extract_id.clone(),
                    manifest_sha256: manifest_sha256.clone(),
                    mode,
                    rows: m.entry.rows,
                    foreign_keys: recorded_keys(m, &manifest, &by_extract_name),
                    loaded_at: crate::model::clock::now_rfc3339(),
                };
                loads.push(TableLoad {
                    table: m.table,
                    columns: m.columns.clone(),
                    key: keys[i].clone(),
                    rows: feed(m, &cache, bar),
                    record,
                });
            }
            sink.load(&mut loads, mode, &cut)
                .with_context(|| format!("cannot load {}", names(&mapped, unit)))?;
            let seconds = unit_started.elapsed().as_secs_f64();
            for &i in unit {
                tables[i].status = if req.merge { "merged" } else { "loaded" };
                tables[i].seconds = seconds;
            }
            for (table, key) in cut {
                let parent = table
                    .foreign_keys
                    .iter()
                    .find(|f| f.name == key)
                    .map_or("?", |f| f.ref_table.as_str());
                warnings.push(format!(
                    "foreign key {}.{key} → {parent} points outside the extract: not checked \
                     while loading",
                    table.name
                ));
            }
        }
        Ok(())
    })?;
    if sink.cycle_handling() == CycleHandling::Disable {
        // A cycle key found disabled is left alone (it may be the user's choice, or one that
        // did not validate after an earlier failed run): said, so that it is not forgotten.
        let all: Vec<usize> = (0..mapped.len()).collect();
        for (table, key) in cycle_keys(&mapped, &all, &manifest) {
            if table
                .foreign_keys
                .iter()
                .any(|f| f.name == key && !f.enabled)
            {
                warnings.push(format!(
                    "foreign key {}.{key} is disabled in the target and was left so: once \
                     the rows of its tables are complete, enable and validate it",
                    table.name
                ));
            }
        }
    }

    let mut identities = Vec::new();
    for &i in &to_load {
        identities.extend(sink.advance_identity(mapped[i].table)?);
    }
    let report = verify::check(sink.as_mut(), &catalog, &target.url.redacted())?;
    let rows = to_load.iter().map(|&i| mapped[i].entry.rows).sum();
    Ok(Summary {
        extract: extract_id,
        target: target.url.redacted(),
        tables,
        rows,
        fetched_parts: fetched.parts,
        fetched_bytes: fetched.bytes,
        cached_parts: fetched.cached,
        seconds: started.elapsed().as_secs_f64(),
        identities,
        warnings,
        verify: report,
    })
}

/// The target's foreign keys of a unit's tables whose parent is not a table of the extract:
/// `(table, foreign key)`.
fn cut_keys<'c>(
    mapped: &[Mapped<'_, 'c>],
    unit: &[usize],
    tables: &HashMap<String, &Table>,
) -> Vec<(&'c Table, &'c str)> {
    let mut out = Vec::new();
    for &i in unit {
        let table = mapped[i].table;
        for fk in &table.foreign_keys {
            let inside = tables
                .values()
                .any(|t| t.name.eq_ignore_ascii_case(&fk.ref_table));
            if !inside {
                out.push((table, fk.name.as_str()));
            }
        }
    }
    out
}

fn names(mapped: &[Mapped<'_, '_>], unit: &[usize]) -> String {
    unit.iter()
        .map(|&i| mapped[i].entry.qualified_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The subset's manifest: under `<ENV>/<DBTYPE>/<subset>` for the source kind asked for, else
/// the target's kind, else the only kind the store has the subset for.
fn find_manifest(
    store: &Store,
    env: &str,
    kind: DbKind,
    source: Option<DbKind>,
    subset: &str,
) -> Result<(String, Vec<u8>)> {
    let kinds: Vec<DbKind> = match source {
        Some(k) => vec![k],
        None => {
            let mut all = vec![kind];
            all.extend(DbKind::all().iter().copied().filter(|k| *k != kind));
            all
        }
    };
    // The kind asked for (or the target's own) wins; another kind only when it is the one
    // the store has.
    let mut found = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let prefix = manifest::subset_prefix(env, k.word(), subset);
        if let Some(bytes) = store.get(&format!("{prefix}/{MANIFEST}"))? {
            if i == 0 {
                return Ok((prefix, bytes));
            }
            found.push((prefix, bytes));
        }
    }
    match found.len() {
        1 => Ok(found.pop().expect("one")),
        0 => {
            let there: Vec<String> = store
                .list(env)?
                .into_iter()
                .filter_map(|k| k.strip_suffix(&format!("/{MANIFEST}")).map(str::to_string))
                .collect();
            bail!(
                "no extract `{subset}` for {env} in the store {}{}: {}",
                redact(store.url()),
                source.map_or(String::new(), |k| format!(" from {k}")),
                if there.is_empty() {
                    format!(
                        "run `dbsub extract {} {env} …` first",
                        source.unwrap_or(kind).word()
                    )
                } else {
                    format!(
                        "the store has {}; choose one with --subset (and --source)",
                        there.join(", ")
                    )
                }
            )
        }
        _ => {
            let at: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
            bail!(
                "the store has the subset `{subset}` extracted from several databases ({}): \
                 choose one with --source",
                at.join(", ")
            )
        }
    }
}

/// The tables to load, in load order: all of them, or those `--table` names.
fn select_tables<'m>(manifest: &'m Manifest, only: &[String]) -> Result<Vec<&'m TableEntry>> {
    let by_name: HashMap<String, &TableEntry> = manifest
        .tables
        .iter()
        .map(|t| (t.qualified_name(), t))
        .collect();
    let mut ordered: Vec<&TableEntry> = manifest
        .load_order
        .iter()
        .filter_map(|n| by_name.get(n).copied())
        .collect();
    // Tables the load order does not list (it always lists all of them) go last.
    for t in &manifest.tables {
        if !ordered.iter().any(|o| std::ptr::eq(*o, t)) {
            ordered.push(t);
        }
    }
    if only.is_empty() {
        return Ok(ordered);
    }
    let keys: Vec<ObjectKey> = ordered
        .iter()
        .map(|t| ObjectKey::new(&t.schema, &t.name, ObjectKind::Table))
        .collect();
    let mut keep = Vec::new();
    for name in only {
        let key = lookup::find(&keys, &ObjectQuery::named(name)).map_err(|e| match e {
            LookupError::NotFound { closest, .. } => anyhow!(
                "--table {name}: the extract has no such table{}",
                if closest.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = closest.iter().map(|k| k.qualified_name()).collect();
                    format!("; closest: {}", names.join(", "))
                }
            ),
            LookupError::Ambiguous { candidates, .. } => {
                let names: Vec<String> = candidates.iter().map(|k| k.qualified_name()).collect();
                anyhow!(
                    "--table {name} names {} tables of the extract: write one of {}",
                    names.len(),
                    names.join(", ")
                )
            }
        })?;
        keep.push(key.qualified_name());
    }
    Ok(ordered
        .into_iter()
        .filter(|t| keep.contains(&t.qualified_name()))
        .collect())
}

/// The target's table for an extract's table: the same name (any case; the same schema
/// where the target has several).
fn find_table<'c>(catalog: &'c Catalog, schema: &str, name: &str) -> Option<&'c Table> {
    let named: Vec<&Table> = catalog
        .tables
        .iter()
        .filter(|t| t.name.eq_ignore_ascii_case(name))
        .collect();
    match named.as_slice() {
        [one] => Some(one),
        [] => None,
        many => many
            .iter()
            .find(|t| t.schema.eq_ignore_ascii_case(schema) && t.name == name)
            .or_else(|| many.iter().find(|t| t.schema.eq_ignore_ascii_case(schema)))
            .copied(),
    }
}

fn find_column<'c>(table: &'c Table, name: &str) -> Option<&'c Column> {
    table.columns.iter().find(|c| c.name == name).or_else(|| {
        table
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    })
}

/// Maps the selected tables onto the target; every problem is reported at once.
fn map_tables<'m, 'c>(
    selected: &[&'m TableEntry],
    catalog: &'c Catalog,
    target: &str,
) -> Result<Vec<Mapped<'m, 'c>>> {
    let mut problems = Vec::new();
    let mut missing_tables = Vec::new();
    let mut out = Vec::new();
    for entry in selected {
        let Some(table) = find_table(catalog, &entry.schema, &entry.name) else {
            missing_tables.push(entry.qualified_name());
            continue;
        };
        let mut columns = Vec::new();
        for c in &entry.columns {
            match find_column(table, &c.name) {
                Some(col) if col.generated.is_some() => problems.push(format!(
                    "{}.{} is a generated column in the target: it cannot be loaded",
                    table.name, col.name
                )),
                Some(col) => columns.push(col),
                None => problems.push(format!(
                    "{} has no column {} (the extract's {})",
                    table.name, c.name, c.native_type
                )),
            }
        }
        for col in &table.columns {
            let loaded = entry
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&col.name));
            if !loaded
                && !col.nullable
                && col.default.is_none()
                && col.identity.is_none()
                && col.generated.is_none()
            {
                problems.push(format!(
                    "{}.{} is NOT NULL without a default and the extract has no such column",
                    table.name, col.name
                ));
            }
        }
        out.push(Mapped {
            entry,
            table,
            columns,
        });
    }
    if !missing_tables.is_empty() {
        bail!(
            "{target} has no table {}: apply the migrations first (dbsub create-migrations \
             --seed-object … --dialect …, then dbsub migrate --target …), or leave the table \
             out with --table",
            missing_tables.join(", ")
        );
    }
    if !problems.is_empty() {
        bail!(
            "the extract does not fit {target}: {}; apply the migrations that match the \
             extract's schema",
            problems.join("; ")
        );
    }
    Ok(out)
}

/// The key a merge matches by: the primary key, else a unique key of NOT NULL columns.
fn merge_key(m: &Mapped<'_, '_>, merge: bool) -> Result<Vec<String>> {
    if !merge {
        return Ok(Vec::new());
    }
    if let Some(pk) = &m.table.primary_key {
        return Ok(pk.columns.clone());
    }
    let unique = m.table.unique_keys.iter().find(|k| {
        k.columns
            .iter()
            .all(|c| find_column(m.table, c).is_some_and(|col| !col.nullable))
    });
    match unique {
        Some(k) => Ok(k.columns.clone()),
        None => bail!(
            "--merge needs a primary key or a unique key of NOT NULL columns; {} has neither: \
             load it with --refreshdb instead",
            m.table.name
        ),
    }
}

/// Refuses a `--refreshdb` whose deletes would cascade into (or null out) rows of tables that
/// are not being loaded.
fn check_cascades(
    sink: &mut dyn RowSink,
    catalog: &Catalog,
    mapped: &[Mapped<'_, '_>],
) -> Result<()> {
    for other in &catalog.tables {
        if mapped.iter().any(|m| std::ptr::eq(m.table, other)) {
            continue;
        }
        for fk in &other.foreign_keys {
            let into_loaded = mapped
                .iter()
                .any(|m| m.table.name.eq_ignore_ascii_case(&fk.ref_table));
            let acts = !matches!(fk.on_delete, FkAction::NoAction | FkAction::Restrict);
            if into_loaded && acts && sink.count_rows(other)? > 0 {
                bail!(
                    "--refreshdb would empty {} and its foreign key {}.{} (ON DELETE {:?}) would \
                     change rows of {}, which is not being loaded; nothing was deleted: load {} \
                     too, or empty it yourself",
                    fk.ref_table,
                    other.name,
                    fk.name,
                    fk.on_delete,
                    other.name,
                    other.name
                );
            }
        }
    }
    Ok(())
}

/// Groups the tables to load into transactions: one table each, except that the tables from
/// the child to the parent of each cycle-closing foreign key (in load order) load together.
fn cycle_units(
    mapped: &[Mapped<'_, '_>],
    to_load: &[usize],
    manifest: &Manifest,
) -> Vec<Vec<usize>> {
    let position = |name: &str| {
        to_load
            .iter()
            .position(|&i| mapped[i].entry.qualified_name() == name)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for key in &manifest.cycle_foreign_keys {
        let Some(child) = position(&key.table) else {
            continue;
        };
        let entry = mapped[to_load[child]].entry;
        let Some(fk) = entry
            .foreign_keys
            .iter()
            .find(|f| f.name == key.foreign_key)
        else {
            continue;
        };
        let Some(parent) = position(&format!("{}.{}", fk.ref_schema, fk.ref_table)) else {
            continue;
        };
        spans.push((child.min(parent), child.max(parent)));
    }
    spans.sort();
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut covered_to: Option<usize> = None;
    for (p, &i) in to_load.iter().enumerate() {
        let joins = covered_to.is_some_and(|end| p <= end);
        if joins {
            units.last_mut().expect("a unit is open").push(i);
        } else {
            units.push(vec![i]);
            covered_to = None;
        }
        for &(start, end) in &spans {
            if start <= p && p <= end {
                covered_to = Some(covered_to.map_or(end, |c: usize| c.max(end)));
            }
        }
    }
    units
}

/// The cycle-closing foreign keys among the tables to load, for sinks that disable them.
fn cycle_keys<'c>(
    mapped: &[Mapped<'_, 'c>],
    to_load: &[usize],
    manifest: &Manifest,
) -> Vec<(&'c Table, &'c str)> {
    let mut out = Vec::new();
    for key in &manifest.cycle_foreign_keys {
        for &i in to_load {
            let m = &mapped[i];
            if m.entry.qualified_name() == key.table
                && let Some(fk) = m
                    .table
                    .foreign_keys
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(&key.foreign_key))
            {
                out.push((m.table, fk.name.as_str()));
            }
        }
    }
    out
}

/// Of the cycle-closing foreign keys `(table, name)`, those a [`CycleHandling::Disable`] sink
/// switches off for this load: enabled in the target, with both the child and the parent
/// among the tables being loaded (`loading`). A key whose parent is already loaded, or that
/// is already disabled, is left alone (and an already disabled key is not enabled afterwards).
fn keys_to_disable<'c>(
    candidates: Vec<(&'c Table, &'c str)>,
    loading: &[&Table],
) -> Vec<(&'c Table, &'c str)> {
    let is_loading = |schema: &str, name: &str| {
        loading
            .iter()
            .any(|t| t.schema.eq_ignore_ascii_case(schema) && t.name.eq_ignore_ascii_case(name))
    };
    let mut out: Vec<(&'c Table, &'c str)> = Vec::new();
    for (table, key) in candidates {
        let Some(fk) = table.foreign_keys.iter().find(|f| f.name == key) else {
            continue;
        };
        let wanted = fk.enabled
            && is_loading(&table.schema, &table.name)
            && is_loading(&fk.ref_schema, &fk.ref_table);
        let seen = out
            .iter()
            .any(|(t, k)| std::ptr::eq(*t, table) && *k == key);
        if wanted && !seen {
            out.push((table, key));
        }
    }
    out
}

/// Runs `body` (emptying and loading) with the foreign keys `keys` disabled, for a
/// [`CycleHandling::Disable`] sink; with no keys, just runs it. The keys are enabled and
/// validated again afterwards — always, also when `body` fails: its error then comes first,
/// with the enable failure added. When disabling fails, `body` does not run (the sink leaves
/// either all keys disabled or none).
fn with_keys_disabled(
    sink: &mut dyn RowSink,
    keys: &[(&Table, &str)],
    body: &mut dyn FnMut(&mut dyn RowSink) -> Result<()>,
) -> Result<()> {
    if keys.is_empty() {
        return body(sink);
    }
    sink.disable_foreign_keys(keys)?;
    let loaded = body(sink);
    let enabled = sink.enable_foreign_keys(keys);
    match (loaded, enabled) {
        (Ok(()), enabled) => enabled,
        (Err(load), Ok(())) => Err(load),
        (Err(load), Err(enable)) => Err(anyhow!(
            "{load:#}; then, switching the foreign keys of the cycle back on: {enable:#}"
        )),
    }
}

/// The extract's foreign keys of a table whose parent is also in the extract and the target,
/// in the target's names.
fn recorded_keys(
    m: &Mapped<'_, '_>,
    manifest: &Manifest,
    tables: &HashMap<String, &Table>,
) -> Vec<RecordedKey> {
    let mut out = Vec::new();
    for fk in &m.entry.foreign_keys {
        let parent_name = format!("{}.{}", fk.ref_schema, fk.ref_table);
        let Some(parent) = tables.get(&parent_name) else {
            continue;
        };
        let parent_columns = if fk.ref_columns.is_empty() {
            manifest
                .tables
                .iter()
                .find(|t| t.qualified_name() == parent_name)
                .and_then(|t| t.primary_key.clone())
                .unwrap_or_default()
        } else {
            fk.ref_columns.clone()
        };
        let columns: Option<Vec<String>> = fk
            .columns
            .iter()
            .map(|c| find_column(m.table, c).map(|c| c.name.clone()))
            .collect();
        let parent_columns: Option<Vec<String>> = parent_columns
            .iter()
            .map(|c| find_column(parent, c).map(|c| c.name.clone()))
            .collect();
        if let (Some(columns), Some(parent_columns)) = (columns, parent_columns)
            && !columns.is_empty()
            && columns.len() == parent_columns.len()
        {
            out.push(RecordedKey {
                name: fk.name.clone(),
                columns,
                parent: parent.name.clone(),
                parent_columns,
            });
        }
    }
    out
}

/// Test hook: `DBSUB_TEST_ABORT_AFTER_ROWS=N` aborts the process (as a kill would) when the
/// N-th row has been handed to the target, inside its table's transaction, to prove that a
/// killed load leaves the table as it was and a re-run finishes it.
fn abort_after_rows() -> Option<u64> {
    std::env::var("DBSUB_TEST_ABORT_AFTER_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
}

static ROWS_HANDED: AtomicU64 = AtomicU64::new(0);

/// The rows of a table, from the cached parts, each value checked against its target column.
fn feed<'a>(m: &'a Mapped<'_, '_>, cache: &'a Path, bar: ProgressBar) -> Box<RowFeed<'a>> {
    let abort_at = abort_after_rows();
    Box::new(move |each| {
        let mut reader = TableReader::new(m.entry);
        let columns = &m.columns;
        for part in &m.entry.parts {
            let path = cache.join(&part.key);
            reader.read_part(part, &path, &mut |values| {
                check_interrupt()?;
                for (value, column) in values.iter().zip(columns) {
                    if let Err(why) = fits(value, &column.neutral_type) {
                        bail!("column {} ({}): {why}", column.name, column.native_type);
                    }
                    if !column.nullable && matches!(value, crate::model::value::Value::Null) {
                        bail!(
                            "column {} is NOT NULL in the target; the extract has NULL",
                            column.name
                        );
                    }
                }
                each(values)?;
                bar.inc(1);
                if abort_at.is_some_and(|n| ROWS_HANDED.fetch_add(1, Ordering::SeqCst) + 1 >= n) {
                    std::process::abort();
                }
                Ok(())
            })?;
        }
        bar.finish();
        Ok(reader.rows())
    })
}

/// How many parts came from the store and how many from the cache.
struct Fetched {
    parts: usize,
    bytes: u64,
    cached: usize,
}

/// Makes each part's local copy, `jobs` at a time: a cached copy whose SHA-256 matches is
/// kept, anything else is fetched from the store into a temporary file, checked, and then
/// moved into place.
fn fetch_parts(
    store: &Store,
    prefix: &str,
    parts: &[(&PartEntry, PathBuf)],
    jobs: usize,
    quiet: bool,
) -> Result<Fetched> {
    let total: u64 = parts.iter().map(|(p, _)| p.bytes).sum();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:28!} {bar:20} {binary_bytes:>10}/{binary_total_bytes} {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_prefix("fetch and check parts");
    let next = AtomicU64::new(0);
    let fetched_bytes = AtomicU64::new(0);
    let fetched = AtomicU64::new(0);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, parts.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                    if i >= parts.len() || failure.lock().expect("not poisoned").is_some() {
                        return;
                    }
                    let (part, path) = &parts[i];
                    match fetch_part(store, prefix, part, path) {
                        Ok(true) => {
                            fetched.fetch_add(1, Ordering::SeqCst);
                            fetched_bytes.fetch_add(part.bytes, Ordering::SeqCst);
                        }
                        Ok(false) => {}
                        Err(e) => {
                            failure.lock().expect("not poisoned").get_or_insert(e);
                            return;
                        }
                    }
                    bar.inc(part.bytes);
                }
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failure.into_inner().expect("not poisoned") {
        return Err(e);
    }
    let parts_fetched = fetched.into_inner() as usize;
    Ok(Fetched {
        parts: parts_fetched,
        bytes: fetched_bytes.into_inner(),
        cached: parts.len() - parts_fetched,
    })
}

/// One part's local copy; `true` when it was fetched now, `false` when the cache had it.
fn fetch_part(store: &Store, prefix: &str, part: &PartEntry, path: &Path) -> Result<bool> {
    check_interrupt()?;
    if path.exists() && check_part(path, part).is_ok() {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the cache folder {}", dir.display()))?;
    }
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    // Hashed on the way into the file, so the copy is checked without reading it again.
    let written = (|| -> Result<Option<(String, u64)>> {
        let file = std::fs::File::create(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        let mut out = Hashing::new(std::io::BufWriter::new(file));
        let found = store.read_chunks(&format!("{prefix}/{}", part.key), &mut |chunk| {
            out.write_all(chunk)
                .with_context(|| format!("cannot write {}", partial.display()))
        })?;
        let (mut file, sha256, size) = out.finish();
        file.flush()
            .with_context(|| format!("cannot write {}", partial.display()))?;
        Ok(found.then_some((sha256, size)))
    })();
    let outcome = written.and_then(|digest| {
        let Some((sha256, size)) = digest else {
            bail!(
                "{prefix}/{} is listed in the manifest but missing from the store {}: the \
                 extract is incomplete; extract again",
                part.key,
                redact(store.url())
            );
        };
        check_digest(part, &sha256, size).map_err(|e| {
            anyhow!(
                "{e} in the store {} ({prefix}): extract again (dbsub extract … --refresh)",
                redact(store.url())
            )
        })
    });
    if let Err(e) = outcome {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot move {} into the cache", partial.display()))?;
    Ok(true)
}

/// The closing summary for people.
fn render_summary(s: &Summary) -> String {
    let width = output::name_width(s.tables.iter().map(|t| t.table.as_str()));
    let mut out = format!("Loaded {} into {}:\n", s.extract, s.target);
    out.push_str(&format!(
        "  {:<width$}  {:>10}  {:<15} {:>8}\n",
        "TABLE", "ROWS", "STATUS", "TIME"
    ));
    for t in &s.tables {
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:<15} {:>6.1} s\n",
            t.table, t.rows, t.status, t.seconds
        ));
    }
    let loaded = s
        .tables
        .iter()
        .filter(|t| t.status != "already loaded")
        .count();
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
    out.push_str(&verify::render(&s.verify));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ForeignKey;
    use crate::catalog::*;
    use crate::model::ports::RowFeed;
    use crate::model::ports::*;

    /// A sink that records every call in order; the load of `failing` fails, and so does
    /// enabling `unvalidated` or disabling anything when `refuse_disable`.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<String>,
        failing: Option<&'static str>,
        unvalidated: Option<&'static str>,
        refuse_disable: bool,
    }

    fn key_names(keys: &[(&Table, &str)]) -> Vec<String> {
        keys.iter()
            .map(|(t, k)| format!("{}.{k}", t.name))
            .collect()
    }

    impl RowSink for Recorder {
        fn catalog(&mut self) -> Result<Catalog> {
            Ok(Catalog::default())
        }

        fn cycle_handling(&self) -> CycleHandling {
            CycleHandling::Disable
        }

        fn count_rows(&mut self, _table: &Table) -> Result<u64> {
            Ok(0)
        }

        fn records(&mut self) -> Result<Vec<LoadRecord>> {
            Ok(Vec::new())
        }

        fn empty(&mut self, tables: &[&Table]) -> Result<()> {
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            self.calls.push(format!("empty {}", names.join(", ")));
            Ok(())
        }

        fn load(
            &mut self,
            tables: &mut [TableLoad<'_>],
            _mode: LoadMode,
            _unchecked: &[(&Table, &str)],
        ) -> Result<()> {
            for load in tables.iter_mut() {
                let rows = (load.rows)(&mut |_| Ok(()))?;
                self.calls
                    .push(format!("load {} ({rows} rows)", load.table.name));
                if self.failing == Some(load.table.name.as_str()) {
                    bail!("ORA-02291: parent key not found in {}", load.table.name);
                }
            }
            Ok(())
        }

        fn disable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
            if self.refuse_disable {
                bail!("ORA-00054: resource busy");
            }
            for key in key_names(keys) {
                self.calls.push(format!("disable {key}"));
            }
            Ok(())
        }

        fn enable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
            for key in key_names(keys) {
                self.calls.push(format!("enable {key}"));
            }
            match self.unvalidated {
                Some(key) => bail!("foreign key {key} did not validate; it is left DISABLED"),
                None => Ok(()),
            }
        }

        fn advance_identity(&mut self, _table: &Table) -> Result<Vec<String>> {
            Ok(Vec::new())
        }

        fn count_orphans(
            &mut self,
            _child: &Table,
            _columns: &[String],
            _parent: &Table,
            _parent_columns: &[String],
        ) -> Result<u64> {
            Ok(0)
        }
    }

    fn fk(name: &str, parent: &str, enabled: bool) -> ForeignKey {
        ForeignKey {
            name: name.to_string(),
            columns: vec![format!("{parent}_ID")],
            ref_schema: "APP".to_string(),
            ref_table: parent.to_string(),
            ref_columns: vec!["ID".to_string()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: false,
            initially_deferred: false,
            enabled,
        }
    }

    fn table(name: &str, foreign_keys: Vec<ForeignKey>) -> Table {
        Table {
            schema: "APP".to_string(),
            name: name.to_string(),
            columns: Vec::new(),
            primary_key: None,
            unique_keys: Vec::new(),
            foreign_keys,
            checks: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            estimated_rows: None,
        }
    }

    fn one_row<'a>() -> Box<RowFeed<'a>> {
        Box::new(|each| {
            each(&[])?;
            Ok(1)
        })
    }

    /// What `ingest` does between disabling and enabling: empty (children first), then one
    /// load per table, in load order.
    fn run(
        sink: &mut Recorder,
        order: &[&Table],
        keys: &[(&Table, &str)],
        refresh: bool,
    ) -> Result<()> {
        let children_first: Vec<&Table> = order.iter().rev().copied().collect();
        with_keys_disabled(sink, keys, &mut |sink| {
            if refresh {
                sink.empty(&children_first)?;
            }
            for table in order {
                let mut loads = vec![TableLoad {
                    table,
                    columns: Vec::new(),
                    key: Vec::new(),
                    rows: one_row(),
                    record: LoadRecord {
                        table: table.name.clone(),
                        extract_table: format!("APP.{}", table.name),
                        extract: "file:///store/PROD/ORA/default".to_string(),
                        manifest_sha256: String::new(),
                        mode: LoadMode::Insert,
                        rows: 1,
                        foreign_keys: Vec::new(),
                        loaded_at: String::new(),
                    },
                }];
                sink.load(&mut loads, LoadMode::Insert, &[])
                    .with_context(|| format!("cannot load APP.{}", table.name))?;
            }
            Ok(())
        })
    }

    /// CLIENTS ← ORDERS ⇄ LINES (LINES also references itself); REGIONS is already loaded.
    fn shop() -> [Table; 3] {
        [
            table("CLIENTS", Vec::new()),
            table(
                "ORDERS",
                vec![
                    fk("ORDERS_CLIENT", "CLIENTS", true),
                    fk("ORDERS_LAST_LINE", "LINES", true),
                    fk("ORDERS_OLD_LINE", "LINES", false),
                    fk("ORDERS_REGION", "REGIONS", true),
                ],
            ),
            table(
                "LINES",
                vec![
                    fk("LINES_ORDER", "ORDERS", true),
                    fk("LINES_PARENT", "LINES", true),
                ],
            ),
        ]
    }

    #[test]
    fn only_enabled_cycle_keys_among_the_loaded_tables_are_disabled() {
        let [clients, orders, lines] = shop();
        let loading = [&clients, &orders, &lines];
        let candidates = vec![
            (&orders, "ORDERS_LAST_LINE"),
            (&lines, "LINES_PARENT"),
            // Already disabled in the target: left alone, not enabled afterwards.
            (&orders, "ORDERS_OLD_LINE"),
            // Its parent is not being loaded: its rows are there already.
            (&orders, "ORDERS_REGION"),
            (&orders, "ORDERS_LAST_LINE"),
            (&orders, "NOT_IN_THE_TARGET"),
        ];
        let keys = keys_to_disable(candidates, &loading);
        assert_eq!(
            key_names(&keys),
            ["ORDERS.ORDERS_LAST_LINE", "LINES.LINES_PARENT"]
        );
        // Without the parent table in the load, the key stays on.
        let keys = keys_to_disable(vec![(&orders, "ORDERS_LAST_LINE")], &[&clients, &orders]);
        assert!(keys.is_empty());
    }

    #[test]
    fn cycle_keys_are_disabled_before_emptying_and_enabled_after_the_last_table() {
        let [clients, orders, lines] = shop();
        let keys = [(&orders, "ORDERS_LAST_LINE"), (&lines, "LINES_PARENT")];
        let mut sink = Recorder::default();
        run(&mut sink, &[&clients, &orders, &lines], &keys, true).unwrap();
        assert_eq!(
            sink.calls,
            [
                "disable ORDERS.ORDERS_LAST_LINE",
                "disable LINES.LINES_PARENT",
                "empty LINES, ORDERS, CLIENTS",
                "load CLIENTS (1 rows)",
                "load ORDERS (1 rows)",
                "load LINES (1 rows)",
                "enable ORDERS.ORDERS_LAST_LINE",
                "enable LINES.LINES_PARENT",
            ]
        );
    }

    #[test]
    fn a_failing_table_still_has_the_keys_enabled_and_its_error_comes_first() {
        let [clients, orders, lines] = shop();
        let keys = [(&orders, "ORDERS_LAST_LINE")];
        let mut sink = Recorder {
            failing: Some("ORDERS"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert_eq!(
            sink.calls,
            [
                "disable ORDERS.ORDERS_LAST_LINE",
                "load CLIENTS (1 rows)",
                "load ORDERS (1 rows)",
                "enable ORDERS.ORDERS_LAST_LINE",
            ]
        );
        assert_eq!(
            format!("{err:#}"),
            "cannot load APP.ORDERS: ORA-02291: parent key not found in ORDERS"
        );

        // When the key does not validate either, both are said, the load's error first.
        let mut sink = Recorder {
            failing: Some("ORDERS"),
            unvalidated: Some("ORDERS.ORDERS_LAST_LINE"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert_eq!(sink.calls.last().unwrap(), "enable ORDERS.ORDERS_LAST_LINE");
        assert_eq!(
            format!("{err:#}"),
            "cannot load APP.ORDERS: ORA-02291: parent key not found in ORDERS; then, \
             switching the foreign keys of the cycle back on: foreign key \
             ORDERS.ORDERS_LAST_LINE did not validate; it is left DISABLED"
        );

        // A load that succeeds with a key that does not validate fails with that key.
        let mut sink = Recorder {
            unvalidated: Some("ORDERS.ORDERS_LAST_LINE"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert!(format!("{err:#}").contains("left DISABLED"), "{err:#}");
        assert_eq!(sink.calls.len(), 5);
    }

    #[test]
    fn without_cycle_keys_nothing_is_disabled_and_a_refused_disable_loads_nothing() {
        let [clients, orders, lines] = shop();
        let mut sink = Recorder::default();
        run(&mut sink, &[&clients, &orders, &lines], &[], false).unwrap();
        assert!(
            sink.calls.iter().all(|c| c.starts_with("load ")),
            "{:?}",
            sink.calls
        );

        let mut sink = Recorder {
            refuse_disable: true,
            ..Recorder::default()
        };
        let keys = [(&orders, "ORDERS_LAST_LINE")];
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, true).unwrap_err();
        assert!(err.to_string().contains("ORA-00054"), "{err}");
        assert!(sink.calls.is_empty(), "{:?}", sink.calls);
    }
}
