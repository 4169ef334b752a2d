//! The manifest: what an extract holds, written last, so that a part counts only once its
//! checksum is in it. docs/archive.md describes every field.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{ForeignKey, NeutralType};
use crate::model::digest::hex;
use crate::model::row::Snapshot;

pub const FORMAT: &str = "dbsub-extract";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub created_at: String,
    pub tool: Tool,
    pub source: Source,
    pub snapshot: Snapshot,
    pub subset: Subset,
    /// Tables, parents before children (`SCHEMA.NAME`).
    pub load_order: Vec<String>,
    /// Foreign keys that close a cycle: a loader defers or disables these.
    #[serde(default)]
    pub cycle_foreign_keys: Vec<CycleKey>,
    pub tables: Vec<TableEntry>,
    /// Where this extract stands in a subset's refresh chain: a base extract of a plan with
    /// `[refresh]` watermarks (sequence 0), or a delta (`deltas/<n>/`, sequence n) written by
    /// `extract --incremental`. `None` for an extract without watermarks (it cannot be followed
    /// by a delta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Chain>,
    /// `sha256:` and the SHA-256 of the manifest's content ([`Manifest::content_checksum`]),
    /// written by [`Manifest::to_json`]; a reader refuses a manifest it does not match. `None`
    /// in manifests of dbsub releases before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `ORA`, `PG`, `SQLITE`.
    pub kind: String,
    pub env: String,
    /// The URL with its password redacted.
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subset {
    pub name: String,
    /// The plan as resolved from the file or the flags.
    pub plan: serde_json::Value,
    /// Foreign keys not followed (their parent was excluded or is outside the catalog).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleKey {
    /// The child table, `SCHEMA.NAME`.
    pub table: String,
    pub foreign_key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub schema: String,
    pub name: String,
    /// Why the table is in the subset (seed, passthrough, parent, child) and the path of
    /// tables that led to it.
    pub reason: serde_json::Value,
    pub path: String,
    pub columns: Vec<ColumnEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Vec<String>>,
    /// The foreign keys among the subset's tables (declared and virtual), for `verify`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Masked columns and their rule.
    #[serde(default)]
    pub masked: Vec<MaskedColumn>,
    pub rows: u64,
    pub parts: Vec<PartEntry>,
    /// The table's watermark column (the plan's `[refresh] watermarks`) and the highest value
    /// it held in this extract's snapshot: the next delta reads the rows above it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermark>,
    /// Of a delta written with `--detect-deletes`: the keys of rows earlier extracts of the
    /// subset hold that the source no longer has; an ingest deletes them from the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<Deletes>,
}

/// A subset's refresh chain: base (sequence 0), then deltas 1, 2, … in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// 0 for the base extract, `n` for the delta in `deltas/<n>/`.
    pub sequence: u32,
    /// The checksum ([`Manifest::checksum`]) of the manifest this one continues: the base's
    /// for delta 1, delta n-1's for delta n; `None` for the base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A table's watermark column and its high-water mark in an extract's snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub column: String,
    /// The column's highest value in the snapshot, in its CSV text form (docs/archive.md);
    /// `None` when the table held no row with a value.
    pub high_water: Option<String>,
}

/// Rows to delete: their keys (`columns`, the table's identity) in zstd CSV parts with a
/// header, like the rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletes {
    pub columns: Vec<String>,
    pub rows: u64,
    pub parts: Vec<PartEntry>,
}

impl TableEntry {
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnEntry {
    pub name: String,
    pub native_type: String,
    #[serde(rename = "type")]
    pub neutral_type: NeutralType,
    pub nullable: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaskedColumn {
    pub column: String,
    /// The strategy, e.g. `pseudonym`, `fake:email`, `date_shift:90`, `constant` (never the
    /// key).
    pub rule: String,
    /// The column (`SCHEMA.TABLE.COLUMN`) it is masked like, through foreign keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
}

/// One part file: its key under the subset's folder, rows, compressed bytes, SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartEntry {
    pub key: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// The manifest of an extract this dbsub writes now.
    pub fn new(
        source: Source,
        snapshot: Snapshot,
        subset: Subset,
        load_order: Vec<String>,
        cycle_foreign_keys: Vec<CycleKey>,
        tables: Vec<TableEntry>,
    ) -> Manifest {
        Manifest {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            created_at: crate::model::clock::now_rfc3339(),
            tool: Tool {
                name: "dbsub".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            source,
            snapshot,
            subset,
            load_order,
            cycle_foreign_keys,
            tables,
            refresh: None,
            checksum: None,
        }
    }

    /// The manifest's JSON, pretty-printed, with its [`checksum`](Manifest::checksum).
    pub fn to_json(&self) -> Vec<u8> {
        let sealed = Manifest {
            checksum: Some(self.content_checksum()),
            ..self.clone()
        };
        let mut text = serde_json::to_vec_pretty(&sealed).expect("a manifest always serializes");
        text.push(b'\n');
        text
    }

    /// `sha256:` and the SHA-256 (lowercase hex) of the manifest's compact JSON without its
    /// `checksum` field: fields in the order of the file, no whitespace. Any change to a count,
    /// a part or a column changes it; reformatting the file does not.
    pub fn content_checksum(&self) -> String {
        let content = Manifest {
            checksum: None,
            ..self.clone()
        };
        let bytes = serde_json::to_vec(&content).expect("a manifest always serializes");
        format!("sha256:{}", hex(&Sha256::digest(&bytes)))
    }

    /// Parses a manifest, checking its format and version.
    ///
    /// Fails with a message that says what the bytes are instead and what to do.
    pub fn from_slice(bytes: &[u8]) -> Result<Manifest> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            anyhow::anyhow!("the manifest is not valid JSON ({e}): it is damaged; extract again")
        })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            other => bail!(
                "the manifest's format is {}, not `{FORMAT}`: this is not a dbsub extract",
                other.map_or("missing".to_string(), |f| format!("`{f}`"))
            ),
        }
        match value.get("format_version").and_then(|v| v.as_u64()) {
            Some(v) if v == FORMAT_VERSION as u64 => {}
            Some(v) => bail!(
                "the extract has format version {v}; this dbsub reads version {FORMAT_VERSION}: \
                 use the dbsub release that wrote it, or extract again"
            ),
            None => bail!("the manifest has no format_version: it is damaged; extract again"),
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
            anyhow::anyhow!("the manifest does not match format {FORMAT_VERSION}: {e}")
        })?;
        for table in &manifest.tables {
            let in_parts: u64 = table.parts.iter().map(|p| p.rows).sum();
            if in_parts != table.rows {
                bail!(
                    "it counts {} rows for {} and {in_parts} in its parts: the manifest was \
                     edited or damaged after extract wrote it; re-run extract (dbsub extract … \
                     --refresh)",
                    table.rows,
                    table.qualified_name()
                );
            }
        }
        if let Some(written) = &manifest.checksum {
            let now = manifest.content_checksum();
            if *written != now {
                bail!(
                    "its checksum does not match its content ({written} written, {now} now): \
                     the manifest was edited or damaged after extract wrote it; re-run extract \
                     (dbsub extract … --refresh)"
                );
            }
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_formats_and_versions_are_refused_with_a_reason() {
        let err = Manifest::from_slice(b"{\"format\":\"dbsub-catalog\"}").unwrap_err();
        assert!(err.to_string().contains("not a dbsub extract"), "{err}");
        let err = Manifest::from_slice(b"{\"format\":\"dbsub-extract\",\"format_version\":2}")
            .unwrap_err();
        assert!(err.to_string().contains("format version 2"), "{err}");
        let err = Manifest::from_slice(b"{\"format\":").unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    fn small() -> Manifest {
        let json = r#"{"format": "dbsub-extract", "format_version": 1,
            "created_at": "2026-01-01T00:00:00Z", "tool": {"name": "dbsub", "version": "0"},
            "source": {"kind": "SQLITE", "env": "APP", "url": "sqlite://src.db"},
            "snapshot": {"kind": "read transaction", "id": "1"},
            "subset": {"name": "default", "plan": {}}, "load_order": ["APP.T"],
            "tables": [{"schema": "APP", "name": "T", "reason": {}, "path": "T", "columns": [],
                "rows": 3, "parts": [{"key": "data/APP.T/part-00000.csv.zst", "rows": 3,
                "bytes": 10, "sha256": "00"}]}]}"#;
        Manifest::from_slice(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_written_manifest_carries_a_checksum_that_refuses_any_edit() {
        let old = small();
        assert_eq!(old.checksum, None, "an old manifest has none, and reads");
        let written = old.to_json();
        let read = Manifest::from_slice(&written).unwrap();
        assert_eq!(read.checksum, Some(old.content_checksum()));
        assert_eq!(
            read.to_json(),
            written,
            "reading and writing again keeps it"
        );

        // Counts edited consistently (table and part): refused.
        let text = String::from_utf8(written.clone()).unwrap();
        let edited = text.replace("\"rows\": 3", "\"rows\": 2");
        assert_ne!(edited, text);
        let err = Manifest::from_slice(edited.as_bytes()).unwrap_err();
        let err = err.to_string();
        assert!(err.contains("checksum does not match"), "{err}");
        assert!(err.contains("re-run extract"), "{err}");

        // A part dropped with the counts adjusted: refused.
        let mut value: serde_json::Value = serde_json::from_slice(&written).unwrap();
        value["tables"][0]["parts"] = serde_json::json!([]);
        value["tables"][0]["rows"] = 0.into();
        let err = Manifest::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert!(err.to_string().contains("checksum does not match"), "{err}");

        // Reformatted, not changed: still read.
        let compact =
            serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&written).unwrap())
                .unwrap();
        assert!(Manifest::from_slice(&compact).is_ok());
    }
}
