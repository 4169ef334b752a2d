//! The manifest: what an extract holds, written last, so that a part counts only once its
//! checksum is in it. docs/archive.md describes every field.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::catalog::{ForeignKey, NeutralType};
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
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        text.push(b'\n');
        text
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
        serde_json::from_value(value).map_err(|e| {
            anyhow::anyhow!("the manifest does not match format {FORMAT_VERSION}: {e}")
        })
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
}
