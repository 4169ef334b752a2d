//! `extract --incremental`: the refresh chain a delta continues (checked before any row is
//! read), the keys its extracts hold, and the marks above which a row changed.

use std::collections::HashSet;

use anyhow::{Result, anyhow, bail};

use crate::archive::chain::{self, Link};
use crate::archive::layout::SubsetDir;
use crate::archive::manifest::Chain;
use crate::archive::store::Store;
use crate::catalog::Column;
use crate::mask::Masking;
use crate::model::key::{KeyValue, encode};
use crate::model::ports::RowSource;
use crate::model::row::{KeyColumn, RowFilter};
use crate::model::value::Value;
use crate::output;
use crate::subset::closure::{self, Delta, DeltaTable};
use crate::subset::keys::{Budget, KeySet};
use crate::subset::{Plan, Reason, Scope, WatermarkColumn};

/// The chain a delta continues, read from the store.
pub(super) struct Previous {
    store: Store,
    links: Vec<Link>,
}

impl Previous {
    /// Reads the chain of the subset in `dir` and checks that `plan` may continue it: the
    /// same plan as the base's but for `[params]` values and `[refresh]`.
    pub(super) fn open(url: &str, dir: &SubsetDir, subset: &str, plan: &Plan) -> Result<Self> {
        if plan.refresh.is_none() {
            bail!(
                "--incremental finds changed rows by the plan's [refresh] watermarks, and the \
                 plan has none: add a [refresh] section (docs/extract.md, Refresh)"
            );
        }
        let store = Store::open(url)?;
        let links = chain::read(&store, dir, subset)?;
        let base = &links[0].manifest;
        let now = serde_json::to_value(plan).expect("a plan always serializes");
        if comparable(&base.subset.plan) != comparable(&now) {
            bail!(
                "--incremental: the plan differs from the one the base extract of {subset} was \
                 written with ({}) in more than [params] values and [refresh]: a delta must \
                 select rows as its base did; extract the base again with this plan (--refresh)",
                dir.prefix()
            );
        }
        Ok(Previous { store, links })
    }

    /// The folder of the delta to write.
    pub(super) fn next_dir(&self) -> SubsetDir {
        self.links[0].dir.delta(self.links.len() as u32)
    }

    /// The delta's place in the chain.
    pub(super) fn chain(&self) -> Chain {
        let last = self.links.last().expect("a chain has its base");
        Chain {
            sequence: self.links.len() as u32,
            after: last.manifest.checksum.clone(),
        }
    }

    /// The delta's starting point for the closure: per table of `scope`, the keys the chain
    /// holds (read from its parts, minus its deletes) and the last high-water mark of its
    /// watermark. Warns once of the tables whose changes a delta cannot see (no watermark).
    ///
    /// Fails, naming the table and the remedy, when a table's identity is not one a delta can
    /// compare: a row locator, a masked column, or a column type whose archived form the
    /// source does not read back.
    pub(super) fn start(
        &self,
        scope: &Scope,
        masking: &Masking,
        watermarks: &[WatermarkColumn],
        source: &mut dyn RowSource,
        budget: &Budget,
    ) -> Result<Delta> {
        let last = &self.links.last().expect("a chain has its base").manifest;
        let mut tables = Vec::with_capacity(scope.tables.len());
        let mut unseen = Vec::new();
        for (i, t) in scope.tables.iter().enumerate() {
            let name = t.table.key().qualified_name();
            if t.reason == Reason::Passthrough {
                tables.push(DeltaTable::default());
                continue;
            }
            let mark = watermarks.iter().find(|w| w.table == i).map(|w| {
                let previous = last
                    .tables
                    .iter()
                    .find(|e| e.qualified_name() == name)
                    .and_then(|e| e.watermark.as_ref())
                    .filter(|m| m.column == w.column);
                // A watermark the last extract did not record: every row counts as changed.
                (
                    w.column.clone(),
                    previous.and_then(|m| m.high_water.clone()),
                )
            });
            if mark.is_none() {
                unseen.push(name.clone());
            }
            let identity = closure::identity(&t.table, source)?;
            let columns: Vec<String> = identity
                .iter()
                .map(|k| match k {
                    KeyColumn::Column(c) => Ok(c.clone()),
                    KeyColumn::Locator => bail!(
                        "--incremental: {name} has no primary key and no unique key of NOT NULL \
                         columns, so its rows cannot be recognised from one extract to the next: \
                         declare a key, or make it a passthrough table"
                    ),
                })
                .collect::<Result<_>>()?;
            if let Some(m) = masking
                .table(i)
                .iter()
                .find(|m| columns.contains(&m.column))
            {
                bail!(
                    "--incremental: the key column {}.{} is masked, so the extract does not \
                     hold the source's keys: keep it (a `keep` rule under [masking.columns])",
                    name,
                    m.column
                );
            }
            let key_columns: Vec<&Column> = columns
                .iter()
                .map(|c| {
                    t.table
                        .column(c)
                        .expect("an identity names the table's columns")
                })
                .collect();
            let mut held = KeySet::new(budget);
            let source: &dyn RowSource = source;
            let unreadable = format!(
                "--incremental: the key of {name} ({}) is of a type whose archived form this \
                 source does not read back as its key, so a delta cannot recognise its rows: \
                 make it a passthrough table, or extract it whole",
                columns.join(", ")
            );
            let refused = std::cell::Cell::new(false);
            let key_of = |values: &[Value<'_>]| -> Result<Vec<u8>> {
                let mut key = Vec::new();
                if !source.archived_key(&key_columns, values, &mut key) {
                    refused.set(true);
                    bail!("{unreadable}");
                }
                Ok(key)
            };
            for link in &self.links {
                let Some(entry) = link
                    .manifest
                    .tables
                    .iter()
                    .find(|e| e.qualified_name() == name)
                else {
                    continue;
                };
                // A delta's deletes are keys the chain held before it; none is also a row of it.
                let mut gone: Vec<Vec<u8>> = Vec::new();
                chain::keys(
                    &self.store,
                    link,
                    entry,
                    &columns,
                    &mut |values| {
                        super::stop_if_interrupted()?;
                        held.insert(&key_of(values)?).map(|_| ())
                    },
                    &mut |values| {
                        gone.push(key_of(values)?);
                        Ok(())
                    },
                )
                // Said once, not as an error of the part's first row.
                .map_err(|e| {
                    if refused.get() {
                        anyhow!("{unreadable}")
                    } else {
                        e
                    }
                })?;
                for k in gone {
                    held.remove(&k)?;
                }
            }
            tables.push(DeltaTable {
                held: Some(held),
                mark,
            });
        }
        if !unseen.is_empty() {
            output::warning(&format!(
                "no watermark for {}: a delta brings their new rows with those it references, \
                 but cannot see changes to rows the subset holds; add them under [refresh] \
                 watermarks",
                unseen.join(", ")
            ));
        }
        Ok(Delta { tables })
    }
}

/// The keys of one table's rows that the chain holds and the source no longer has.
pub(super) struct Deleted {
    /// Index into [`Scope::tables`].
    pub(super) table: usize,
    /// The identity's columns: the deletes' CSV header.
    pub(super) columns: Vec<String>,
    pub(super) keys: KeySet,
}

/// Of `--detect-deletes`: per table whose keys the chain holds (all but passthrough tables),
/// the held keys the source no longer has, looked up in batches of [`RowSource::max_batch`]
/// keys in the extract's snapshot.
pub(super) fn deleted(
    delta: &Delta,
    scope: &Scope,
    source: &mut dyn RowSource,
    budget: &Budget,
    check: &dyn Fn() -> Result<()>,
) -> Result<Vec<Deleted>> {
    let mut out = Vec::new();
    for (i, (t, d)) in scope.tables.iter().zip(&delta.tables).enumerate() {
        let Some(held) = &d.held else {
            continue;
        };
        let identity = closure::identity(&t.table, source)?;
        let mut keys = KeySet::new(budget);
        let mut found: HashSet<Vec<u8>> = HashSet::new();
        held.for_each_batch(source.max_batch(), 0, &mut |batch| {
            found.clear();
            let filter = RowFilter::In {
                columns: &identity,
                keys: batch,
            };
            source.scan_keys(&t.table, &identity, &[], filter, &mut |row| {
                check()?;
                let mut key = Vec::new();
                encode(row, &mut key);
                found.insert(key);
                Ok(())
            })?;
            for k in batch {
                if !found.contains(&k[..]) {
                    keys.insert(k)?;
                }
            }
            Ok(())
        })?;
        let columns = identity
            .iter()
            .filter_map(|k| match k {
                KeyColumn::Column(c) => Some(c.clone()),
                KeyColumn::Locator => None,
            })
            .collect();
        out.push(Deleted {
            table: i,
            columns,
            keys,
        });
    }
    Ok(out)
}

/// A key as the source's key scan read it, as the values of a deletes part's row.
pub(super) fn key_values<'k>(key: &'k [KeyValue<'k>]) -> Vec<Value<'k>> {
    key.iter()
        .map(|v| match *v {
            KeyValue::Null => Value::Null,
            KeyValue::Int(i) => Value::Int(i),
            KeyValue::Float(f) => Value::Float(f),
            KeyValue::Text(t) => Value::Text(t.into()),
            KeyValue::Bytes(b) => Value::Bytes(b.into()),
        })
        .collect()
}

/// A plan as serialized, without what a delta may change: `[refresh]` and the values of
/// `[params]` (their names stay).
fn comparable(plan: &serde_json::Value) -> serde_json::Value {
    let mut plan = plan.clone();
    if let Some(map) = plan.as_object_mut() {
        map.remove("refresh");
        if let Some(params) = map.get_mut("params").and_then(|p| p.as_object_mut()) {
            for value in params.values_mut() {
                *value = serde_json::Value::Null;
            }
        }
    }
    plan
}
