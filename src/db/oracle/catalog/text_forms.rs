//! Text forms: the dictionary's text as the model writes it (a NOT NULL check's column, an
//! index column's expression, stored code with its unit's name unqualified, a trigger's timing
//! and events, an object's kind), and what the reader leaves out by name (Oracle's own
//! schemas, the index types not read, the history tables).

use crate::catalog::ObjectKind;

use super::rows::IndexRow;

/// The column of a check Oracle keeps for a NOT NULL column: `"X" IS NOT NULL`, as Oracle
/// writes it (quoted name, single spaces).
pub(super) fn not_null_check_column(condition: &str) -> Option<String> {
    let condition = condition.trim();
    let stem = condition
        .len()
        .checked_sub(" IS NOT NULL".len())
        .filter(|&at| condition.is_char_boundary(at))
        .filter(|&at| condition[at..].eq_ignore_ascii_case(" IS NOT NULL"))
        .map(|at| condition[..at].trim())?;
    quoted_identifier(stem)
}

/// `"X"` → `X`, for a quoted identifier alone (Oracle names hold no double quote).
fn quoted_identifier(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty() && !inner.contains('"')).then(|| inner.to_string())
}

/// An index column: its expression, or the column a descending column's expression (`"X"`)
/// names, or the plain column.
pub(super) fn index_expression(row: &IndexRow) -> String {
    match row.expression.as_deref().map(str::trim) {
        Some(e) if !e.is_empty() => quoted_identifier(e).unwrap_or_else(|| e.to_string()),
        _ => row.column.clone(),
    }
}

/// Stored code as `CREATE OR REPLACE` takes it: the `ALL_SOURCE` lines joined (each keeps its
/// line feed), with the unit's name unqualified when it was created as `owner.name`, so that
/// a migration creates it in the target's schema. `PACKAGE BODY "APP"."PKG" AS …` becomes
/// `PACKAGE BODY "PKG" AS …`; the rest of the text is kept as written.
pub(super) fn unqualified_unit(text: &str, owner: &str) -> String {
    let text = text.trim();
    // The end of the word (a run of name characters) that `s` starts with.
    let word_end = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || "_$#".contains(c)))
            .unwrap_or(s.len())
    };
    let words = |s: &str| -> Option<usize> {
        // The length of the leading keyword(s) naming the unit's kind.
        let first_end = word_end(s);
        let first = s[..first_end].to_ascii_uppercase();
        match first.as_str() {
            "PACKAGE" | "TYPE" => {
                let rest = &s[first_end..];
                let after = rest.trim_start();
                let second_end = word_end(after);
                if after[..second_end].eq_ignore_ascii_case("BODY") {
                    Some(first_end + (rest.len() - after.len()) + second_end)
                } else {
                    Some(first_end)
                }
            }
            "PROCEDURE" | "FUNCTION" | "TRIGGER" => Some(first_end),
            _ => None,
        }
    };
    let Some(kind_end) = words(text) else {
        return text.to_string();
    };
    let after_kind = &text[kind_end..];
    let name = after_kind.trim_start();
    let name_at = kind_end + (after_kind.len() - name.len());
    // The first identifier: quoted, or a run of name characters.
    let (ident, ident_len) = if let Some(rest) = name.strip_prefix('"') {
        match rest.find('"') {
            Some(end) => (&rest[..end], end + 2),
            None => return text.to_string(),
        }
    } else {
        let end = word_end(name);
        (&name[..end], end)
    };
    let quoted = name.starts_with('"');
    let same_owner = if quoted {
        ident == owner
    } else {
        ident.eq_ignore_ascii_case(owner)
    };
    let after_ident = &name[ident_len..];
    let Some(qualified) = after_ident.trim_start().strip_prefix('.') else {
        return text.to_string();
    };
    if !same_owner || ident.is_empty() {
        return text.to_string();
    }
    let unit_name = qualified.trim_start();
    format!("{}{}", &text[..name_at], unit_name)
}

/// `TRIGGER_TYPE` as timing and row level: `BEFORE EACH ROW` → (`BEFORE`, true). A compound
/// trigger's timing is `COMPOUND`; its sections say the rest.
pub(super) fn trigger_timing(trigger_type: &str) -> (String, bool) {
    let t = trigger_type.trim().to_ascii_uppercase();
    let (timing, row) = match t.as_str() {
        "BEFORE EACH ROW" => ("BEFORE", true),
        "AFTER EACH ROW" => ("AFTER", true),
        "BEFORE STATEMENT" => ("BEFORE", false),
        "AFTER STATEMENT" => ("AFTER", false),
        "INSTEAD OF" => ("INSTEAD OF", true),
        other => (other, false),
    };
    (timing.to_string(), row)
}

/// `TRIGGERING_EVENT` as events: `INSERT OR UPDATE` → [`INSERT`, `UPDATE`].
pub(super) fn trigger_events(event: &str) -> Vec<String> {
    event
        .to_ascii_uppercase()
        .split(" OR ")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// The model's kind for a dictionary `OBJECT_TYPE`; kinds the model does not describe (`JAVA
/// CLASS`, `LIBRARY`, …) are [`ObjectKind::Other`].
pub(super) fn object_kind(object_type: &str) -> ObjectKind {
    ObjectKind::parse(object_type).unwrap_or(ObjectKind::Other)
}

/// Oracle's own schemas: the dictionary, built-in packages and the options. A dependency on
/// their objects (`SYS.STANDARD`, `SYS.DBMS_OUTPUT`, `MDSYS.SDO_GEOMETRY`, a `PUBLIC`
/// synonym) is not something a subset creates, so it is left out. Application Express
/// schemas (`APEX_…`, `FLOWS_…`) are matched by prefix.
const ORACLE_OWNERS: &[&str] = &[
    "SYS",
    "SYSTEM",
    "PUBLIC",
    "MDSYS",
    "MDDATA",
    "XDB",
    "CTXSYS",
    "ORDSYS",
    "ORDDATA",
    "ORDPLUGINS",
    "SI_INFORMTN_SCHEMA",
    "LBACSYS",
    "WMSYS",
    "OLAPSYS",
    "DVSYS",
    "DVF",
    "EXFSYS",
    "OJVMSYS",
    "OUTLN",
    "DBSNMP",
    "APPQOSSYS",
    "AUDSYS",
    "GSMADMIN_INTERNAL",
    "DBSFWUSER",
    "REMOTE_SCHEDULER_AGENT",
    "SYSMAN",
    "ORACLE_OCM",
    "GGSYS",
];

pub(super) fn is_oracle_owner(owner: &str) -> bool {
    ORACLE_OWNERS.contains(&owner) || owner.starts_with("APEX_") || owner.starts_with("FLOWS_")
}

/// The index types read; a reverse-key index is read as a plain one. Left out: LOB indexes,
/// cluster indexes and the index of an index-organized table.
pub(super) fn index_type_read(index_type: &str) -> bool {
    index_method(index_type).is_some()
        || matches!(
            index_type.trim(),
            "NORMAL" | "NORMAL/REV" | "FUNCTION-BASED NORMAL" | "FUNCTION-BASED NORMAL/REV"
        )
}

/// The model's method of an index type, `None` for a B-tree: `bitmap`, or `domain` for a
/// domain index (Oracle Text, Spatial), which dbsub reports rather than creates.
pub(super) fn index_method(index_type: &str) -> Option<String> {
    match index_type.trim() {
        "BITMAP" | "FUNCTION-BASED BITMAP" => Some("bitmap".to_string()),
        "DOMAIN" | "FUNCTION-BASED DOMAIN" => Some("domain".to_string()),
        _ => None,
    }
}

/// Tables that are bookkeeping, not the application's: dbsub's histories and Flyway's (which
/// Flyway creates quoted in lower case in Oracle).
pub(super) const HISTORY_TABLES: [&str; 3] = [
    crate::model::migration::HISTORY_TABLE,
    crate::model::ports::INGEST_HISTORY,
    "flyway_schema_history",
];
