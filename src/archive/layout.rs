//! Where an extract's files are in a store (format v1, docs/archive.md):
//!
//! ```text
//! <ENV>/<DBTYPE>/<subset>/manifest.json
//! <ENV>/<DBTYPE>/<subset>/data/<SCHEMA>.<TABLE>/part-00000.csv.zst
//! <ENV>/<DBTYPE>/<subset>/progress/<SCHEMA>.<TABLE>.json      (while an extract runs)
//! <ENV>/<DBTYPE>/<subset>/deltas/<nnnnn>/…   (a delta of `extract --incremental`: the same
//!                                             layout, its keys relative to its own folder)
//! ```
//!
//! Part keys in the manifest are relative to the subset's folder; a local part cache mirrors
//! the same layout. Nothing outside `archive/` builds these paths.

use anyhow::{Result, bail};

/// The manifest's name in a subset's folder.
pub const MANIFEST: &str = "manifest.json";

/// The folder of a subset's deltas.
const DELTAS: &str = "deltas";

/// A subset's folder in a store: `<ENV>/<DBTYPE>/<subset>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubsetDir {
    prefix: String,
}

impl SubsetDir {
    pub fn new(env: &str, kind: &str, subset: &str) -> SubsetDir {
        SubsetDir {
            prefix: format!("{env}/{kind}/{subset}"),
        }
    }

    /// `<ENV>/<DBTYPE>/<subset>`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The manifest's key.
    pub fn manifest(&self) -> String {
        self.key(MANIFEST)
    }

    /// The store key of a key relative to the folder (a part's key in the manifest).
    pub fn key(&self, relative: &str) -> String {
        format!("{}/{relative}", self.prefix)
    }

    /// A store key under the folder, relative to it.
    pub fn relative<'k>(&self, key: &'k str) -> &'k str {
        key.strip_prefix(&self.prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(key)
    }

    /// The store folder of a table's parts.
    pub fn table_dir(&self, schema: &str, name: &str) -> String {
        self.key(&table_dir(schema, name))
    }

    /// The key of the record of a table being extracted: the parts written so far.
    pub fn progress(&self, schema: &str, name: &str) -> String {
        self.key(&format!("progress/{schema}.{name}.json"))
    }

    /// The key of the record of a table's deletes being written (`--detect-deletes`).
    pub fn deletes_progress(&self, schema: &str, name: &str) -> String {
        self.key(&format!("progress/{schema}.{name}.deletes.json"))
    }

    /// The folder of delta `n` (1, 2, …) of this subset: a folder with the same layout.
    pub fn delta(&self, n: u32) -> SubsetDir {
        SubsetDir {
            prefix: self.key(&format!("{DELTAS}/{n:05}")),
        }
    }

    /// The prefix under which this subset's deltas are (list it to find them).
    pub fn deltas_prefix(&self) -> String {
        self.key(&format!("{DELTAS}/"))
    }

    /// The number of the delta whose manifest is at `key` (a key under [`Self::deltas_prefix`]).
    pub fn delta_of_manifest(&self, key: &str) -> Option<u32> {
        let rest = key.strip_prefix(&self.deltas_prefix())?;
        let (n, file) = rest.split_once('/')?;
        if file != MANIFEST || n.len() != 5 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n.parse().ok()
    }

    /// The key an extract writes and deletes first, to prove the folder writable.
    pub fn write_probe(&self) -> String {
        self.key("progress/write-check")
    }
}

/// Checks that `name` can name a subset's folder: letters, digits, `_`, `-` and `.`, not
/// starting with `.`.
pub fn validate_subset_name(name: &str) -> Result<()> {
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

/// The folder of a table's parts, relative to the subset's folder.
pub fn table_dir(schema: &str, name: &str) -> String {
    format!("data/{schema}.{name}")
}

/// The folder of a delta's deletes of a table (the keys of its rows to delete), relative to
/// the delta's folder.
pub fn deletes_dir(schema: &str, name: &str) -> String {
    format!("deletes/{schema}.{name}")
}

/// The key of part `n` of a table, relative to the subset's folder.
pub fn part_key(schema: &str, name: &str, n: usize) -> String {
    part_key_in(&table_dir(schema, name), n)
}

/// The key of part `n` in `folder` (relative to the subset's folder).
pub fn part_key_in(folder: &str, n: usize) -> String {
    format!("{folder}/part-{n:05}.csv.zst")
}

/// The subset folder of a manifest's key (`<ENV>/<DBTYPE>/<subset>/manifest.json`).
pub fn subset_of_manifest(key: &str) -> Option<&str> {
    key.strip_suffix(MANIFEST)?.strip_suffix('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout() {
        let dir = SubsetDir::new("PROD", "ORA", "default");
        assert_eq!(dir.prefix(), "PROD/ORA/default");
        assert_eq!(dir.manifest(), "PROD/ORA/default/manifest.json");
        assert_eq!(
            part_key("THE", "SEEDLOT", 3),
            "data/THE.SEEDLOT/part-00003.csv.zst"
        );
        assert_eq!(
            dir.progress("THE", "SEEDLOT"),
            "PROD/ORA/default/progress/THE.SEEDLOT.json"
        );
        assert_eq!(
            dir.relative("PROD/ORA/default/data/THE.X/part-00000.csv.zst"),
            "data/THE.X/part-00000.csv.zst"
        );
        assert_eq!(
            subset_of_manifest("PROD/ORA/default/manifest.json"),
            Some("PROD/ORA/default")
        );
        let delta = dir.delta(3);
        assert_eq!(delta.prefix(), "PROD/ORA/default/deltas/00003");
        assert_eq!(
            delta.manifest(),
            "PROD/ORA/default/deltas/00003/manifest.json"
        );
        assert_eq!(dir.deltas_prefix(), "PROD/ORA/default/deltas/");
        assert_eq!(
            part_key_in(&deletes_dir("THE", "SEEDLOT"), 2),
            "deletes/THE.SEEDLOT/part-00002.csv.zst"
        );
        assert_eq!(
            delta.deletes_progress("THE", "SEEDLOT"),
            "PROD/ORA/default/deltas/00003/progress/THE.SEEDLOT.deletes.json"
        );
        assert_eq!(dir.delta_of_manifest(&delta.manifest()), Some(3));
        assert_eq!(
            dir.delta_of_manifest("PROD/ORA/default/deltas/00003/progress/x.json"),
            None
        );
        assert_eq!(
            dir.delta_of_manifest("PROD/ORA/default/manifest.json"),
            None
        );
    }
}
