//! The deltas of an ingest: after the base, every delta of the subset's refresh chain that the
//! target does not hold yet, in order. A delta loads in one transaction — its tables merged by
//! key in load order, then its deletes, children before parents — with each table's record
//! saying where in the chain the table stands, so that a re-run skips what is applied and a
//! killed run leaves the delta out entirely.
//!
//! Where a table stands is its load record's position ([`LoadRecord::position`]): the base it
//! was loaded from and the last delta applied. A delta's load checks that position again under
//! its lock ([`TableLoad::check_position`]): two ingests at once apply a delta once.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Bar;
use crate::archive::chain;
use crate::archive::manifest::{Manifest, PartEntry, TableEntry};
use crate::archive::reader::{Extract, PartCache};
use crate::archive::store::Store;
use crate::catalog::{Catalog, Column, Table};
use crate::load::cycles;
use crate::load::feed::feed;
use crate::load::plan::{LoadPlan, Mapped};
use crate::model::digest::hex;
use crate::model::ports::{
    AppliedDelta, ChainPosition, KeyDeletes, LoadMode, LoadRecord, Moved, RowSink, TableLoad,
};
use crate::output;

/// The deltas of the extract `base` in `store`, in order (1, 2, …), the whole chain read and
/// checked ([`chain::read`]: numbered without a gap, each continuing the manifest before it)
/// and each delta's deletes counted as their parts count them; none when the subset has no
/// delta.
///
/// Fails, naming the delta and the remedy, before anything is loaded.
pub(super) fn read_chain(store: &Store, base: &Extract) -> Result<Vec<Extract>> {
    let dir = &base.dir;
    let listed = store.list(&dir.deltas_prefix())?;
    if listed.iter().all(|k| dir.delta_of_manifest(k).is_none()) {
        return Ok(Vec::new());
    }
    let failed = || {
        format!(
            "cannot apply the deltas of {}; nothing was loaded (a new base extract loads with \
             ingest --refreshdb)",
            base.id
        )
    };
    let links = chain::read(store, dir, &base.manifest.subset.name).with_context(failed)?;
    let mut out = Vec::new();
    for link in links.iter().skip(1) {
        // The manifest's bytes again, for the SHA-256 its records name.
        let key = link.dir.manifest();
        let bytes = store.get(&key)?.unwrap_or_default();
        if Manifest::from_slice(&bytes).ok().as_ref() != Some(&link.manifest) {
            bail!("{key} changed while it was read: run ingest again");
        }
        for table in &link.manifest.tables {
            if let Some(d) = &table.deletes {
                let in_parts: u64 = d.parts.iter().map(|p| p.rows).sum();
                if in_parts != d.rows {
                    return Err(anyhow::anyhow!(
                        "{key} counts {} deletes for {} and {in_parts} in their parts: the \
                         manifest was edited or damaged after extract wrote it",
                        d.rows,
                        table.qualified_name()
                    )
                    .context(failed()));
                }
            }
        }
        out.push(Extract {
            manifest_sha256: hex(&Sha256::digest(&bytes)),
            id: format!(
                "{}/{}",
                crate::model::redact_url(store.url()),
                link.dir.prefix()
            ),
            dir: link.dir.clone(),
            manifest: link.manifest.clone(),
        });
    }
    Ok(out)
}

/// A delta mapped onto the target, with what of it this ingest applies.
pub(super) struct PlannedDelta<'m, 'c> {
    pub extract: &'m Extract,
    pub plan: LoadPlan<'m, 'c>,
    /// The tables (indexes into the plan) the target does not have this delta in.
    pub pending: Vec<usize>,
    /// Per table of the plan: its deletes as a table of the extract, and the key's target
    /// columns.
    deletes: Vec<Option<(TableEntry, Vec<&'c Column>)>>,
}

impl PlannedDelta<'_, '_> {
    /// The parts to fetch and check before anything is loaded: the pending tables' rows and
    /// deletes.
    pub fn parts(&self) -> Vec<&PartEntry> {
        let mut out = Vec::new();
        for &i in &self.pending {
            out.extend(&self.plan.tables[i].entry.parts);
            if let Some((keys, _)) = &self.deletes[i] {
                out.extend(&keys.parts);
            }
        }
        out
    }

    fn sequence(&self) -> u32 {
        self.extract
            .manifest
            .refresh
            .as_ref()
            .map_or(0, |c| c.sequence)
    }

    /// What `ingest --dry-run` says of it.
    pub fn summary(&self) -> PlannedSummary {
        let tables: Vec<String> = self
            .pending
            .iter()
            .map(|&i| self.plan.tables[i].entry.qualified_name())
            .collect();
        let parts = self.parts();
        PlannedSummary {
            sequence: self.sequence(),
            extract: self.extract.id.clone(),
            action: if tables.is_empty() {
                "already applied"
            } else {
                "apply"
            },
            rows: self
                .pending
                .iter()
                .map(|&i| self.plan.tables[i].entry.rows)
                .sum(),
            deletes: self
                .pending
                .iter()
                .filter_map(|&i| self.deletes[i].as_ref().map(|(k, _)| k.rows))
                .sum(),
            parts: parts.len(),
            bytes: parts.iter().map(|p| p.bytes).sum(),
            tables,
        }
    }
}

/// A delta in `ingest --dry-run`.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedSummary {
    pub sequence: u32,
    pub extract: String,
    /// `apply`, or `already applied`.
    pub action: &'static str,
    /// The tables it would merge, in load order.
    pub tables: Vec<String>,
    /// Their rows, and the keys of rows it would delete.
    pub rows: u64,
    pub deletes: u64,
    pub parts: usize,
    pub bytes: u64,
}

/// The dry run's deltas for people (nothing when the subset has none).
pub(super) fn render_planned(deltas: &[PlannedSummary]) -> String {
    let mut out = String::new();
    for d in deltas {
        out.push_str(&format!("Delta {} ({}): ", d.sequence, d.extract));
        if d.tables.is_empty() {
            out.push_str("already applied\n");
            continue;
        }
        out.push_str(&format!(
            "would merge {} rows into {} and delete the rows of {}; {} ({}) to fetch and \
             check.\n",
            d.rows,
            d.tables.join(", "),
            output::plural(d.deletes as usize, "key"),
            output::plural(d.parts, "part"),
            output::human_bytes(d.bytes)
        ));
    }
    out
}

/// The applied deltas for people (nothing when the subset has none).
pub(super) fn render(deltas: &[DeltaSummary]) -> String {
    let mut out = String::new();
    for d in deltas {
        out.push_str(&format!(
            "Delta {} ({}): {}",
            d.sequence, d.extract, d.status
        ));
        if d.status != "applied" {
            out.push('\n');
            continue;
        }
        out.push_str(&format!(
            " in {:.1} s: {} inserted, {} updated, {} deleted\n",
            d.seconds, d.inserted, d.updated, d.deleted
        ));
        let width = output::name_width(d.tables.iter().map(|t| t.table.as_str()));
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}\n",
            "TABLE", "ROWS", "INSERTED", "UPDATED", "DELETED"
        ));
        for t in &d.tables {
            out.push_str(&format!(
                "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}\n",
                t.table, t.rows, t.inserted, t.updated, t.deleted
            ));
        }
    }
    out
}

/// Where a target table stands in the chain, and the rows its records prove it holds.
#[derive(Clone, Debug)]
struct Standing {
    position: ChainPosition,
    rows: Option<u64>,
}

/// Where every table stands once the base's load is done: the tables the base loads now (in
/// `loading`, plainly unless `merge`) at the base, the others where their records say.
pub(super) struct Positions(HashMap<String, Standing>);

impl Positions {
    pub fn new(
        base: &Extract,
        base_plan: &LoadPlan<'_, '_>,
        loading: &[usize],
        merge: bool,
        records: &[LoadRecord],
    ) -> Positions {
        let mut map = HashMap::new();
        for record in records {
            map.insert(
                record.table.clone(),
                Standing {
                    position: record.position(),
                    rows: record.expected_rows(),
                },
            );
        }
        for &i in loading {
            let m = &base_plan.tables[i];
            map.insert(
                m.table.name.clone(),
                Standing {
                    position: ChainPosition {
                        base: base.id.clone(),
                        base_sha256: base.manifest_sha256.clone(),
                        sequence: 0,
                    },
                    rows: (!merge).then_some(m.entry.rows),
                },
            );
        }
        Positions(map)
    }

    fn update(&mut self, record: &LoadRecord) {
        self.0.insert(
            record.table.clone(),
            Standing {
                position: record.position(),
                rows: record.expected_rows(),
            },
        );
    }
}

/// Maps each delta onto the target and finds what of it is pending, by `positions`. Reads
/// nothing, changes nothing.
///
/// Fails, naming the table and the remedy, when a delta's table does not stand on the base
/// `base` (loaded from another base, or not loaded), or on a mapping problem.
pub(super) fn plan<'m, 'c>(
    deltas: &'m [Extract],
    base: &Extract,
    positions: &Positions,
    catalog: &'c Catalog,
    only: &[String],
    target: &str,
) -> Result<Vec<PlannedDelta<'m, 'c>>> {
    let mut out = Vec::new();
    for extract in deltas {
        let plan = LoadPlan::new(&extract.manifest, catalog, only, LoadMode::Merge, target)
            .map_err(|e| e.context(format!("cannot apply {}", extract.id)))?;
        let sequence = extract.manifest.refresh.as_ref().map_or(0, |c| c.sequence);
        let mut pending = Vec::new();
        for (i, m) in plan.tables.iter().enumerate() {
            let Some(standing) = positions.0.get(&m.table.name) else {
                bail!(
                    "{target} has no load of {} from the base {}: delta {sequence} cannot be \
                     applied to it; run ingest with --refreshdb to load the base and every delta",
                    m.table.name,
                    base.id
                );
            };
            let on_base = standing.position.base == base.id
                && standing.position.base_sha256 == base.manifest_sha256;
            if !on_base {
                bail!(
                    "{} in {target} was loaded from {} (another base than {}): delta {sequence} \
                     was made after that base, not after what the target holds; run ingest \
                     with --refreshdb to load the base and every delta again",
                    m.table.name,
                    standing.position.base,
                    base.id
                );
            }
            if standing.position.sequence < sequence {
                pending.push(i);
            }
        }
        let deletes = (0..plan.tables.len())
            .map(|i| plan.deletes_of(i))
            .collect::<Result<_>>()?;
        out.push(PlannedDelta {
            extract,
            plan,
            pending,
            deletes,
        });
    }
    Ok(out)
}

/// One table of an applied delta.
#[derive(Clone, Debug, Serialize)]
pub struct DeltaTable {
    pub table: String,
    pub target: String,
    /// The delta's rows of the table, merged by key.
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows its deletes removed.
    pub deleted: u64,
}

/// What an ingest did with one delta.
#[derive(Clone, Debug, Serialize)]
pub struct DeltaSummary {
    pub sequence: u32,
    /// The delta: store and folder.
    pub extract: String,
    /// `applied`, or `already applied` (by an earlier run, or another ingest meanwhile).
    pub status: &'static str,
    /// The tables it merged now (none when already applied).
    pub tables: Vec<DeltaTable>,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub seconds: f64,
}

/// Applies the planned deltas in order, each in one transaction, through `sink`; `cache` is
/// where their parts were fetched (the base's cache: each delta's folder under it).
pub(super) fn apply(
    sink: &mut dyn RowSink,
    deltas: &[PlannedDelta<'_, '_>],
    positions: &mut Positions,
    caches: &[PartCache],
    progress: &indicatif::MultiProgress,
) -> Result<Vec<DeltaSummary>> {
    let mut out = Vec::new();
    for (delta, cache) in deltas.iter().zip(caches) {
        let started = Instant::now();
        let sequence = delta.sequence();
        let mut summary = DeltaSummary {
            sequence,
            extract: delta.extract.id.clone(),
            status: "already applied",
            tables: Vec::new(),
            inserted: 0,
            updated: 0,
            deleted: 0,
            seconds: 0.0,
        };
        if !delta.pending.is_empty() {
            let records = load_delta(sink, delta, positions, cache, progress)?;
            if let Some(records) = records {
                summary.status = "applied";
                for (&i, record) in delta.pending.iter().zip(&records) {
                    let merged = record.merged.unwrap_or_default();
                    let deleted = record.deleted.unwrap_or(0);
                    summary.inserted += merged.inserted;
                    summary.updated += merged.updated;
                    summary.deleted += deleted;
                    summary.tables.push(DeltaTable {
                        table: delta.plan.tables[i].entry.qualified_name(),
                        target: record.table.clone(),
                        rows: record.rows,
                        inserted: merged.inserted,
                        updated: merged.updated,
                        deleted,
                    });
                }
            }
        }
        summary.seconds = started.elapsed().as_secs_f64();
        out.push(summary);
    }
    Ok(out)
}

/// Loads the pending tables of one delta in one transaction; their records, or `None` when
/// another ingest applied the delta meanwhile.
fn load_delta(
    sink: &mut dyn RowSink,
    delta: &PlannedDelta<'_, '_>,
    positions: &mut Positions,
    cache: &PartCache,
    progress: &indicatif::MultiProgress,
) -> Result<Option<Vec<LoadRecord>>> {
    let plan = &delta.plan;
    let extract = delta.extract;
    let sequence = delta.sequence();
    // The deletes' keys, mapped like the rows so that the part reader checks them.
    let keys: Vec<Option<Mapped<'_, '_>>> = delta
        .deletes
        .iter()
        .enumerate()
        .map(|(i, d)| {
            d.as_ref().map(|(entry, columns)| Mapped {
                entry,
                table: plan.tables[i].table,
                columns: columns.clone(),
            })
        })
        .collect();
    let mut loads: Vec<TableLoad<'_>> = Vec::new();
    for &i in &delta.pending {
        let m = &plan.tables[i];
        let Some(standing) = positions.0.get(&m.table.name).cloned() else {
            bail!("{} has no place in the refresh chain", m.table.name);
        };
        let bar = output::rows_bar(
            progress,
            &format!("delta {sequence} {}", m.entry.qualified_name()),
            m.entry.rows,
        );
        let rows = feed(m, cache, Bar(bar));
        let mut load = plan.table_load(i, &extract.id, &extract.manifest_sha256, rows);
        load.record.chain = Some(AppliedDelta {
            position: ChainPosition {
                sequence,
                ..standing.position.clone()
            },
            rows_before: standing.rows,
        });
        load.after = Some(standing.position);
        if let Some(k) = &keys[i] {
            let bar = output::rows_bar(
                progress,
                &format!("delta {sequence} {} deletes", m.entry.qualified_name()),
                k.entry.rows,
            );
            load.deletes = Some(KeyDeletes {
                columns: k.columns.clone(),
                keys: feed(k, cache, Bar(bar)),
            });
        }
        loads.push(load);
    }
    let (_, disabled) = cycles::units(plan, &delta.pending, sink.cycle_handling());
    let cut_keys = plan.cut_keys(&delta.pending);
    let cut: Vec<(&Table, &str)> = cut_keys.iter().map(|(t, k)| (*t, k.as_str())).collect();
    let loaded = cycles::with_keys_disabled(sink, &disabled, &mut |sink| {
        sink.load(&mut loads, LoadMode::Merge, &cut)
    });
    match loaded {
        Ok(()) => {
            let records: Vec<LoadRecord> = loads.into_iter().map(|l| l.record).collect();
            for record in &records {
                positions.update(record);
            }
            Ok(Some(records))
        }
        Err(e) if e.downcast_ref::<Moved>().is_some() => {
            drop(loads);
            // Another ingest applied it meanwhile: done, if every table now stands on it.
            let records = sink.records()?;
            let applied = delta.pending.iter().all(|&i| {
                records.iter().any(|r| {
                    r.table == plan.tables[i].table.name && r.position().sequence >= sequence
                })
            });
            if !applied {
                return Err(e.context(format!("cannot apply {}", extract.id)));
            }
            for record in &records {
                positions.update(record);
            }
            Ok(None)
        }
        Err(e) => Err(e.context(format!(
            "cannot apply delta {sequence} ({}) to {}",
            extract.id,
            plan.names(&delta.pending)
        ))),
    }
}
