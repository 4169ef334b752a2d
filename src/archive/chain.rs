//! A subset's refresh chain in a store: its base extract, then the deltas `deltas/<n>/` that
//! `extract --incremental` wrote, each continuing the one before (its manifest's
//! `refresh.after` is the previous manifest's checksum), and the keys of the rows they hold.

use std::io::Write;

use anyhow::{Context, Result, bail};

use super::layout::SubsetDir;
use super::manifest::{Manifest, PartEntry, TableEntry};
use super::reader::{TableReader, check_part};
use super::store::Store;
use crate::model::redact_url;
use crate::model::value::Value;

/// One complete extract of a chain: the base (sequence 0) or a delta.
pub struct Link {
    pub dir: SubsetDir,
    pub manifest: Manifest,
}

/// The base extract in `dir` and its complete deltas, in order; `subset` names the subset in
/// messages.
///
/// Fails, naming the folder and the remedy, when there is no complete base, when the base was
/// not extracted with `[refresh]` watermarks, or when the chain is broken: a delta missing
/// between two others, or one that does not continue the one before it.
pub fn read(store: &Store, dir: &SubsetDir, subset: &str) -> Result<Vec<Link>> {
    let shown = redact_url(store.url());
    let manifest = |dir: &SubsetDir| -> Result<Option<Manifest>> {
        let key = dir.manifest();
        match store.get(&key)? {
            Some(bytes) => Manifest::from_slice(&bytes)
                .with_context(|| format!("{key} in the store {shown} is unreadable"))
                .map(Some),
            None => Ok(None),
        }
    };
    let Some(base) = manifest(dir)? else {
        bail!(
            "--incremental: {subset} has no complete base extract in the store {shown} ({}): \
             run the extract without --incremental first",
            dir.prefix()
        );
    };
    if base.refresh.is_none() {
        bail!(
            "--incremental: the base extract of {subset} ({}) was written without [refresh] \
             watermarks, so no delta can follow it: extract the base again with a plan that \
             has a [refresh] section (--refresh)",
            dir.prefix()
        );
    }
    let mut numbers: Vec<u32> = store
        .list(&dir.deltas_prefix())?
        .iter()
        .filter_map(|k| dir.delta_of_manifest(k))
        .collect();
    numbers.sort_unstable();
    let mut links = vec![Link {
        dir: dir.clone(),
        manifest: base,
    }];
    for (i, n) in numbers.into_iter().enumerate() {
        let delta = dir.delta(n);
        if n as usize != i + 1 {
            bail!(
                "the refresh chain of {subset} is broken: {} has a manifest, but delta {} has \
                 none: extract the base again (--refresh), which starts a new chain",
                delta.prefix(),
                i + 1
            );
        }
        let Some(m) = manifest(&delta)? else {
            bail!(
                "{} vanished while it was read: run the extract again",
                delta.manifest()
            );
        };
        let previous = &links[i].manifest;
        let continues = m
            .refresh
            .as_ref()
            .is_some_and(|c| c.sequence == n && c.after.is_some() && c.after == previous.checksum);
        if !continues {
            bail!(
                "the refresh chain of {subset} is broken: {} does not continue {} (its \
                 refresh.after is not that manifest's checksum): extract the base again \
                 (--refresh), which starts a new chain",
                delta.prefix(),
                links[i].dir.prefix()
            );
        }
        links.push(Link {
            dir: delta,
            manifest: m,
        });
    }
    Ok(links)
}

/// Calls `row` with the values of `columns` of every row of `table` that the chain's extract
/// `link` holds, then `deleted` with every key its deletes list; each part is fetched into a
/// temporary file and checked against the manifest first.
///
/// Fails when a part is missing or damaged, or when the table has no such column.
pub fn keys(
    store: &Store,
    link: &Link,
    table: &TableEntry,
    columns: &[String],
    row: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    deleted: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
) -> Result<()> {
    let positions = |entry: &TableEntry| -> Result<Vec<usize>> {
        columns
            .iter()
            .map(|c| {
                entry
                    .columns
                    .iter()
                    .position(|e| e.name == *c)
                    .with_context(|| {
                        format!(
                            "{}: the table {} has no column {c} in {}",
                            link.dir.prefix(),
                            entry.qualified_name(),
                            link.dir.manifest()
                        )
                    })
            })
            .collect()
    };
    let pos = positions(table)?;
    read_parts(store, link, table, &table.parts, &pos, row)?;
    if let Some(deletes) = &table.deletes {
        // The deletes' parts hold the identity columns, as the table has them.
        let entry = TableEntry {
            columns: deletes
                .columns
                .iter()
                .map(|c| {
                    table
                        .columns
                        .iter()
                        .find(|e| e.name == *c)
                        .cloned()
                        .with_context(|| {
                            format!("{}: deletes of a column it lacks", table.qualified_name())
                        })
                })
                .collect::<Result<_>>()?,
            ..table.clone()
        };
        let pos = positions(&entry)?;
        read_parts(store, link, &entry, &deletes.parts, &pos, deleted)?;
    }
    Ok(())
}

fn read_parts(
    store: &Store,
    link: &Link,
    table: &TableEntry,
    parts: &[PartEntry],
    pos: &[usize],
    each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
) -> Result<()> {
    let mut reader = TableReader::new(table);
    let mut picked: Vec<Value<'static>> = Vec::with_capacity(pos.len());
    for part in parts {
        let file = tempfile::NamedTempFile::new()
            .context("cannot create a temporary file for a part of the refresh chain")?;
        let key = link.dir.key(&part.key);
        let mut out = std::io::BufWriter::new(file.reopen()?);
        let found = store.read_chunks(&key, &mut |chunk| {
            out.write_all(chunk)
                .context("cannot write a temporary file")
        })?;
        out.flush()?;
        if !found {
            bail!(
                "{key} is listed in its manifest but missing from the store {}: the refresh \
                 chain is incomplete; extract the base again (--refresh)",
                redact_url(store.url())
            );
        }
        check_part(file.path(), part).with_context(|| format!("{key} in the refresh chain"))?;
        reader.read_part(part, file.path(), &mut |values| {
            picked.clear();
            picked.extend(pos.iter().map(|&p| values[p].clone().into_owned()));
            each(&picked)
        })?;
    }
    Ok(())
}
