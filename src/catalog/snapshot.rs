//! The catalog snapshot: a versioned JSON file (`dbsub catalog export --out FILE`) that every
//! command can read with `--catalog FILE` instead of connecting to a structural database.
//!
//! ```json
//! { "format": "dbsub-catalog", "format_version": 1, "tool_version": "0.1.0", "catalog": { … } }
//! ```

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::model::Catalog;

pub const FORMAT: &str = "dbsub-catalog";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: String,
    format_version: u32,
    tool_version: String,
    catalog: Catalog,
}

/// Just the envelope, to explain a file that does not parse as the current version.
#[derive(Deserialize)]
struct Envelope {
    format: Option<String>,
    format_version: Option<u32>,
}

/// Serializes a catalog as a snapshot document.
pub fn to_json(catalog: &Catalog) -> Result<String> {
    let snapshot = Snapshot {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        catalog: catalog.clone(),
    };
    Ok(serde_json::to_string_pretty(&snapshot)? + "\n")
}

/// Writes a snapshot to `path`, through a temporary file so that a failure leaves any
/// previous file intact.
pub fn write(catalog: &Catalog, path: &Path) -> Result<()> {
    let json = to_json(catalog)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)
        .with_context(|| format!("cannot write catalog snapshot {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot write catalog snapshot {}", path.display()))?;
    Ok(())
}

/// Reads a snapshot file.
///
/// Fails with a message naming the file and what to do when it is missing, is not JSON (with
/// line and column), is not a dbsub catalog, or has another format version.
pub fn read(path: &Path) -> Result<Catalog> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "cannot read catalog snapshot {}: check the path given to --catalog",
            path.display()
        )
    })?;
    from_slice(&bytes).with_context(|| format!("catalog snapshot {}", path.display()))
}

/// Parses a snapshot document. The error explains what is wrong and what to do; it does not
/// name the file (see [`read`]).
pub fn from_slice(bytes: &[u8]) -> Result<Catalog> {
    match serde_json::from_slice::<Snapshot>(bytes) {
        Ok(s) if s.format == FORMAT && s.format_version == FORMAT_VERSION => {
            let mut catalog = s.catalog;
            catalog.qualify_trigger_keys();
            Ok(catalog)
        }
        Ok(s) => explain(Some(s.format), Some(s.format_version), None),
        Err(e) => match serde_json::from_slice::<Envelope>(bytes) {
            Ok(env) => explain(env.format, env.format_version, Some(e)),
            Err(_) => bail!(
                "is not valid JSON (line {}, column {}: {}): re-create it with \
                 `dbsub catalog export --out FILE`",
                e.line(),
                e.column(),
                strip_position(&e)
            ),
        },
    }
}

fn explain(
    format: Option<String>,
    version: Option<u32>,
    error: Option<serde_json::Error>,
) -> Result<Catalog> {
    if format.as_deref() != Some(FORMAT) {
        bail!(
            "is not a dbsub catalog snapshot (no \"format\": \"{FORMAT}\"): write one with \
             `dbsub catalog export --out FILE`"
        );
    }
    match version {
        Some(v) if v != FORMAT_VERSION => bail!(
            "has format version {v}, and this dbsub {} reads version {FORMAT_VERSION}: \
             re-export it with this version of dbsub",
            env!("CARGO_PKG_VERSION")
        ),
        None => bail!("has no format_version: re-export it with `dbsub catalog export`"),
        Some(_) => match error {
            Some(e) => bail!(
                "does not match the catalog format (line {}, column {}: {}): re-export it \
                 with `dbsub catalog export`, or fix that line",
                e.line(),
                e.column(),
                strip_position(&e)
            ),
            None => bail!("could not be read"),
        },
    }
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::*;

    fn tiny() -> Catalog {
        let number = NeutralType::Decimal {
            precision: Some(10),
            scale: Some(0),
        };
        let id = Column {
            nullable: false,
            ..Column::test("ID", "NUMBER(10)", number)
        };
        Catalog {
            tables: vec![Table {
                primary_key: Some(Key {
                    name: Some("T_PK".into()),
                    columns: vec!["ID".into()],
                }),
                ..Table::test("S", "T", vec![id])
            }],
            ..Catalog::default()
        }
    }

    #[test]
    fn a_dependency_naming_a_trigger_bare_is_read_as_its_one_trigger() {
        let trigger = |name: &str, table: &str| Trigger {
            schema: "S".into(),
            name: name.into(),
            table_schema: "S".into(),
            table_name: table.into(),
            timing: "AFTER".into(),
            events: vec!["UPDATE".into()],
            for_each_row: true,
            enabled: true,
            source: String::new(),
        };
        let bare = |name: &str| Dependency {
            from: ObjectKey::new("S", name, ObjectKind::Trigger),
            to: ObjectKey::table("S", "AUDIT"),
        };
        let old = Catalog {
            triggers: vec![
                trigger("T_TRG", "T"),
                trigger("STAMP", "A"),
                trigger("STAMP", "B"),
            ],
            dependencies: vec![bare("T_TRG"), bare("STAMP")],
            ..tiny()
        };
        let read = from_slice(to_json(&old).unwrap().as_bytes()).unwrap();
        let from: Vec<&str> = read
            .dependencies
            .iter()
            .map(|d| d.from.name.as_str())
            .collect();
        // The name two tables' triggers share stays as written: it could be either.
        assert_eq!(from, ["T.T_TRG", "STAMP"]);
    }

    #[test]
    fn round_trips() {
        let json = to_json(&tiny()).unwrap();
        assert_eq!(from_slice(json.as_bytes()).unwrap(), tiny());
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = from_slice(b"{\n  \"format\": \"dbsub-catalog\",\n  oops\n}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid JSON (line 3, column 3"), "{err}");
        assert!(err.contains("dbsub catalog export"), "{err}");
    }

    #[test]
    fn other_versions_and_documents_are_explained() {
        let json = to_json(&tiny())
            .unwrap()
            .replace("\"format_version\": 1", "\"format_version\": 9");
        let err = from_slice(json.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains("format version 9") && err.contains("reads version 1"),
            "{err}"
        );
        let err = from_slice(b"{\"tables\": []}").unwrap_err().to_string();
        assert!(err.contains("not a dbsub catalog snapshot"), "{err}");
        let json = to_json(&tiny())
            .unwrap()
            .replace("\"nullable\": false", "\"nullable\": \"no\"");
        let err = from_slice(json.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains("does not match the catalog format (line"),
            "{err}"
        );
    }
}
