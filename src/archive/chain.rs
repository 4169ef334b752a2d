//! A subset's refresh chain in a store: its base extract, then the deltas of `extract
//! --incremental` in `deltas/<nnnnn>/`, each continuing the one before ([`Chain::after`]).
//! [`deltas`] reads and checks the whole chain before anything is loaded from it.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::manifest::{Chain, Manifest};
use super::reader::Extract;
use super::store::Store;
use crate::model::digest::hex;
use crate::model::redact_url;

/// The deltas of the extract `base`, in order (1, 2, …): every delta manifest in the store
/// read and checked — numbered without a gap, each one's `refresh` saying its number and the
/// checksum of the manifest it continues, its deletes' counts matching their parts. A delta
/// still being written (no manifest yet) is not part of the chain.
///
/// Fails, naming the delta and the remedy, on a gap, a delta made after another base or
/// another delta than the one before it, an unreadable manifest, or deltas after a base that
/// has no refresh chain.
pub fn deltas(store: &Store, base: &Extract) -> Result<Vec<Extract>> {
    let dir = &base.dir;
    let mut numbers: Vec<u32> = store
        .list(&dir.deltas_prefix())?
        .iter()
        .filter_map(|key| dir.delta_of_manifest(key))
        .collect();
    numbers.sort_unstable();
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let store_name = redact_url(store.url());
    let anew = format!(
        "extract a new base (dbsub extract … --refresh) and ingest it with --refreshdb, or remove \
         the deltas from {}",
        dir.deltas_prefix()
    );
    if base.manifest.refresh.is_none() {
        bail!(
            "the store {store_name} has deltas of {} but its base manifest has no refresh chain \
             (it was extracted without [refresh] watermarks, after the deltas): {anew}",
            dir.prefix()
        );
    }
    let mut out: Vec<Extract> = Vec::with_capacity(numbers.len());
    for (i, &n) in numbers.iter().enumerate() {
        let wanted = i as u32 + 1;
        if n != wanted {
            bail!(
                "delta {wanted} of {} is missing from the store {store_name} (the store has \
                 deltas {}): the refresh chain is broken; nothing was loaded: {anew}",
                dir.prefix(),
                numbers
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let delta_dir = dir.delta(n);
        let key = delta_dir.manifest();
        let bytes = store
            .get(&key)?
            .with_context(|| format!("{key} vanished from the store {store_name} while read"))?;
        let manifest = Manifest::from_slice(&bytes)
            .with_context(|| format!("cannot read {key} in the store {store_name}"))?;
        let previous = out.last().map_or(&base.manifest, |e| &e.manifest);
        check_link(&manifest, n, previous).with_context(|| {
            format!("{key} in the store {store_name} does not continue the chain")
        })?;
        for table in &manifest.tables {
            if let Some(d) = &table.deletes {
                let in_parts: u64 = d.parts.iter().map(|p| p.rows).sum();
                if in_parts != d.rows {
                    bail!(
                        "{key} counts {} deletes for {} and {in_parts} in their parts: the \
                         manifest was edited or damaged after extract wrote it; {anew}",
                        d.rows,
                        table.qualified_name()
                    );
                }
            }
        }
        out.push(Extract {
            manifest_sha256: hex(&Sha256::digest(&bytes)),
            id: format!("{store_name}/{}", delta_dir.prefix()),
            dir: delta_dir,
            manifest,
        });
    }
    Ok(out)
}

/// Whether `manifest` is delta `n` continuing `previous` (the base, or delta n-1).
fn check_link(manifest: &Manifest, n: u32, previous: &Manifest) -> Result<()> {
    let Some(Chain { sequence, after }) = &manifest.refresh else {
        bail!("it has no refresh chain: it is not a delta; remove it or extract the delta again");
    };
    if *sequence != n {
        bail!(
            "it says it is delta {sequence}, in the folder of delta {n}: it was moved; remove it"
        );
    }
    let Some(previous_checksum) = &previous.checksum else {
        bail!("the manifest before it has no checksum to be continued");
    };
    if after.as_deref() != Some(previous_checksum.as_str()) {
        let before = if n == 1 {
            "the base".to_string()
        } else {
            format!("delta {}", n - 1)
        };
        bail!(
            "it was made after another extract than {before} in the store ({} there, {} in the \
             delta): {before} was extracted again after it; extract a new base (dbsub extract … \
             --refresh) and ingest it with --refreshdb",
            previous_checksum,
            after.as_deref().unwrap_or("none")
        );
    }
    Ok(())
}
