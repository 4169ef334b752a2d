//! Oracle's types in the neutral vocabulary: [`column_type`] maps a column's dictionary fields
//! (`ALL_TAB_COLS`) onto the native type text as DDL writes it and the neutral type, one phase
//! per family of types (object types, numbers, characters, datetimes, intervals, LOBs and
//! binaries, the other built-ins).

use crate::catalog::{IntervalFields, LengthSemantics, LobKind, NeutralType};

use super::rows::TypeFields;

/// An Oracle name as DDL writes it: bare when it is a plain upper-case identifier, else quoted.
fn oracle_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "_$#".contains(c));
    if plain {
        name.to_string()
    } else {
        crate::db::sql::double_quote(name)
    }
}

/// The number in parentheses right after `word` in `upper`, e.g. 3 in `DAY(3) TO SECOND`.
fn number_after(upper: &str, word: &str) -> Option<u8> {
    let at = upper.find(word)? + word.len();
    let rest = upper[at..].trim_start().strip_prefix('(')?;
    rest[..rest.find(')')?].trim().parse().ok()
}

/// Maps a column's dictionary fields onto the native type text, as DDL writes it and as the
/// SQLite reader's parser reads it back (`VARCHAR2(30 CHAR)`, `NUMBER(10,2)`,
/// `TIMESTAMP(6) WITH TIME ZONE`), and the neutral type (docs/types.md).
///
/// Oracle's `FLOAT(b)` is a `NUMBER` whose precision counts bits: it is read as a decimal
/// without precision, since only a decimal holds its values exactly. A type owned by a schema
/// (an object type) is `OWNER.NAME` and neutral type other, except `XMLTYPE` (SYS) and
/// `SDO_GEOMETRY` (MDSYS), whose SRID the caller fills in from the spatial metadata.
pub(super) fn column_type(t: &TypeFields) -> (String, NeutralType) {
    let data_type = t.data_type.trim();
    let upper = data_type.to_ascii_uppercase();
    // The families do not overlap: the first that knows the type has it.
    object_type(t, data_type, &upper)
        .or_else(|| number_type(t, &upper))
        .or_else(|| character_type(t, &upper))
        .or_else(|| datetime_type(t, &upper))
        .or_else(|| interval_type(t, &upper))
        .or_else(|| lob_or_binary_type(t, &upper))
        .or_else(|| other_builtin_type(t, &upper))
        .unwrap_or_else(|| (data_type.to_string(), NeutralType::Other))
}

/// A native type that needs no dictionary field.
fn plain(native: &str, neutral: NeutralType) -> (String, NeutralType) {
    (native.to_string(), neutral)
}

/// `XMLTYPE` and `SDO_GEOMETRY`, and every other type that a schema owns (`OWNER.NAME`,
/// neutral type other). `None` for a built-in type.
fn object_type(t: &TypeFields, data_type: &str, upper: &str) -> Option<(String, NeutralType)> {
    let owner = t
        .data_type_owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    match (owner, upper) {
        (None | Some("SYS" | "PUBLIC"), "XMLTYPE") => Some(plain("XMLTYPE", NeutralType::Xml)),
        (None | Some("MDSYS" | "PUBLIC"), "SDO_GEOMETRY") => {
            Some(plain("SDO_GEOMETRY", NeutralType::Spatial { srid: None }))
        }
        // A public synonym names the type without an owner.
        (Some("PUBLIC"), _) => Some((oracle_name(data_type), NeutralType::Other)),
        (Some(owner), _) => {
            let native = format!("{}.{}", oracle_name(owner), oracle_name(data_type));
            Some((native, NeutralType::Other))
        }
        (None, _) => None,
    }
}

/// `NUMBER` (with its precision and scale), `FLOAT`, `BINARY_FLOAT`, `BINARY_DOUBLE`.
fn number_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    let precision = t.data_precision.and_then(|p| u16::try_from(p).ok());
    let scale = t.data_scale.and_then(|s| i16::try_from(s).ok());
    let decimal = |precision, scale| NeutralType::Decimal { precision, scale };
    Some(match upper {
        "NUMBER" => match (precision, scale) {
            (None, None) => plain("NUMBER", decimal(None, None)),
            (Some(p), None | Some(0)) => (format!("NUMBER({p})"), decimal(Some(p), Some(0))),
            (Some(p), Some(s)) => (format!("NUMBER({p},{s})"), decimal(Some(p), Some(s))),
            // INTEGER is NUMBER(*,0).
            (None, Some(s)) => (format!("NUMBER(*,{s})"), decimal(None, Some(s))),
        },
        "FLOAT" => (
            precision.map_or("FLOAT".to_string(), |b| format!("FLOAT({b})")),
            decimal(None, None),
        ),
        "BINARY_FLOAT" => plain("BINARY_FLOAT", NeutralType::Float { bits: Some(24) }),
        "BINARY_DOUBLE" => plain("BINARY_DOUBLE", NeutralType::Float { bits: Some(53) }),
        _ => return None,
    })
}

/// `CHAR`, `VARCHAR2` (in bytes or characters, as `CHAR_USED` says), `NCHAR`, `NVARCHAR2`.
fn character_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    match upper {
        "CHAR" | "VARCHAR2" | "VARCHAR" => {
            let chars = t.char_used.as_deref().map(str::trim) == Some("C");
            let (length, semantics, unit) = if chars {
                (
                    t.char_length.filter(|&n| n > 0).or(t.data_length),
                    LengthSemantics::Char,
                    "CHAR",
                )
            } else {
                (t.data_length, LengthSemantics::Byte, "BYTE")
            };
            let fixed = upper == "CHAR";
            let base = if fixed { "CHAR" } else { "VARCHAR2" };
            Some((
                length.map_or(base.to_string(), |n| format!("{base}({n} {unit})")),
                NeutralType::Text {
                    length,
                    semantics,
                    fixed,
                },
            ))
        }
        "NCHAR" | "NVARCHAR2" => {
            // DATA_LENGTH counts bytes of the national character set (2 per character in
            // AL16UTF16); CHAR_LENGTH counts characters.
            let length = t
                .char_length
                .filter(|&n| n > 0)
                .or(t.data_length.map(|b| b / 2));
            Some((
                length.map_or(upper.to_string(), |n| format!("{upper}({n})")),
                NeutralType::NationalText {
                    length,
                    fixed: upper == "NCHAR",
                },
            ))
        }
        _ => None,
    }
}

/// `DATE` (a timestamp to the second) and the `TIMESTAMP` types, with or without a time zone.
fn datetime_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    if upper == "DATE" {
        return Some(plain("DATE", NeutralType::Timestamp { precision: Some(0) }));
    }
    if !upper.starts_with("TIMESTAMP") {
        return None;
    }
    // DATA_TYPE spells the precision (`TIMESTAMP(6) WITH TIME ZONE`); DATA_SCALE has it too.
    let precision = number_after(upper, "TIMESTAMP")
        .or_else(|| t.data_scale.and_then(|s| u8::try_from(s).ok()))
        .unwrap_or(6);
    Some(if upper.contains("WITH LOCAL TIME ZONE") {
        (
            format!("TIMESTAMP({precision}) WITH LOCAL TIME ZONE"),
            NeutralType::TimestampTz {
                precision: Some(precision),
                local: true,
            },
        )
    } else if upper.contains("WITH TIME ZONE") {
        (
            format!("TIMESTAMP({precision}) WITH TIME ZONE"),
            NeutralType::TimestampTz {
                precision: Some(precision),
                local: false,
            },
        )
    } else {
        (
            format!("TIMESTAMP({precision})"),
            NeutralType::Timestamp {
                precision: Some(precision),
            },
        )
    })
}

/// `INTERVAL YEAR TO MONTH` and `INTERVAL DAY TO SECOND`, with their precisions.
fn interval_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    if !upper.starts_with("INTERVAL") {
        return None;
    }
    // DATA_PRECISION is the leading precision, DATA_SCALE the fractional one.
    let field = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok());
    Some(if upper.contains("YEAR") {
        let leading = number_after(upper, "YEAR")
            .or(field(t.data_precision))
            .unwrap_or(2);
        (
            format!("INTERVAL YEAR({leading}) TO MONTH"),
            NeutralType::Interval {
                fields: IntervalFields::YearToMonth,
                leading_precision: Some(leading),
                fractional_precision: None,
            },
        )
    } else {
        let leading = number_after(upper, "DAY")
            .or(field(t.data_precision))
            .unwrap_or(2);
        let fractional = number_after(upper, "SECOND")
            .or(field(t.data_scale))
            .unwrap_or(6);
        (
            format!("INTERVAL DAY({leading}) TO SECOND({fractional})"),
            NeutralType::Interval {
                fields: IntervalFields::DayToSecond,
                leading_precision: Some(leading),
                fractional_precision: Some(fractional),
            },
        )
    })
}

/// `RAW` and the large objects: `LONG`, `LONG RAW`, `CLOB`, `NCLOB`, `BLOB`, `BFILE`.
fn lob_or_binary_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    let lob = |lob| NeutralType::Lob { lob };
    Some(match upper {
        "RAW" => (
            t.data_length
                .map_or("RAW".to_string(), |n| format!("RAW({n})")),
            NeutralType::Binary {
                length: t.data_length,
                fixed: false,
            },
        ),
        "LONG" => plain("LONG", lob(LobKind::Character)),
        "LONG RAW" => plain("LONG RAW", lob(LobKind::Binary)),
        "CLOB" => plain("CLOB", lob(LobKind::Character)),
        "NCLOB" => plain("NCLOB", lob(LobKind::National)),
        "BLOB" => plain("BLOB", lob(LobKind::Binary)),
        "BFILE" => plain("BFILE", lob(LobKind::File)),
        _ => return None,
    })
}

/// `ROWID`, `UROWID`, `JSON`, `BOOLEAN`.
fn other_builtin_type(t: &TypeFields, upper: &str) -> Option<(String, NeutralType)> {
    Some(match upper {
        "ROWID" => plain("ROWID", NeutralType::RowId),
        // 4000 bytes is UROWID's default size.
        "UROWID" => (
            match t.data_length {
                Some(n) if n != 4000 => format!("UROWID({n})"),
                _ => "UROWID".to_string(),
            },
            NeutralType::RowId,
        ),
        "JSON" => plain("JSON", NeutralType::Json),
        "BOOLEAN" => plain("BOOLEAN", NeutralType::Boolean),
        _ => return None,
    })
}
