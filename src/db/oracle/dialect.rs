use std::collections::BTreeSet;

use askama::Template;

use anyhow::Result;

use crate::catalog::*;
use crate::db::sql::lex::{Token, tokenize};
use crate::db::sql::{
    LineCounter, find_semicolon, fold_ident, push_statement, requalify, scan_created, skip_blank,
    string_literal,
};
use crate::model::DbKind;
use crate::model::ddl::*;
use crate::model::migration::Statement;
use crate::model::ports::{Capabilities, Dialect, IndexCapabilities, NameCase};

/// Oracle's reserved words (Oracle Database SQL Language Reference, "Oracle SQL Reserved
/// Words"): a name among them must be quoted.
const RESERVED: &[&str] = &[
    "ACCESS",
    "ADD",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "AUDIT",
    "BETWEEN",
    "BY",
    "CHAR",
    "CHECK",
    "CLUSTER",
    "COLUMN",
    "COMMENT",
    "COMPRESS",
    "CONNECT",
    "CREATE",
    "CURRENT",
    "DATE",
    "DECIMAL",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXCLUSIVE",
    "EXISTS",
    "FILE",
    "FLOAT",
    "FOR",
    "FROM",
    "GRANT",
    "GROUP",
    "HAVING",
    "IDENTIFIED",
    "IMMEDIATE",
    "IN",
    "INCREMENT",
    "INDEX",
    "INITIAL",
    "INSERT",
    "INTEGER",
    "INTERSECT",
    "INTO",
    "IS",
    "LEVEL",
    "LIKE",
    "LOCK",
    "LONG",
    "MAXEXTENTS",
    "MINUS",
    "MLSLABEL",
    "MODE",
    "MODIFY",
    "NOAUDIT",
    "NOCOMPRESS",
    "NOT",
    "NOWAIT",
    "NULL",
    "NUMBER",
    "OF",
    "OFFLINE",
    "ON",
    "ONLINE",
    "OPTION",
    "OR",
    "ORDER",
    "PCTFREE",
    "PRIOR",
    "PUBLIC",
    "RAW",
    "RENAME",
    "RESOURCE",
    "REVOKE",
    "ROW",
    "ROWID",
    "ROWNUM",
    "ROWS",
    "SELECT",
    "SESSION",
    "SET",
    "SHARE",
    "SIZE",
    "SMALLINT",
    "START",
    "SUCCESSFUL",
    "SYNONYM",
    "SYSDATE",
    "TABLE",
    "THEN",
    "TO",
    "TRIGGER",
    "UID",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USER",
    "VALIDATE",
    "VALUES",
    "VARCHAR",
    "VARCHAR2",
    "VIEW",
    "WHENEVER",
    "WHERE",
    "WITH",
];

/// The longest VARCHAR2/NVARCHAR2 and RAW with the default MAX_STRING_SIZE = STANDARD.
const MAX_VARCHAR2_BYTES: u32 = 4000;
const MAX_RAW_BYTES: u32 = 2000;

pub struct OracleDialect;

/// What Oracle's DDL can express.
static CAPABILITIES: Capabilities = Capabilities {
    schemas: true,
    inline_foreign_keys: false,
    disabled_foreign_keys: true,
    // Oracle knows ON DELETE CASCADE and SET NULL only, and no ON UPDATE.
    on_delete: &[FkAction::Cascade, FkAction::SetNull],
    on_update: false,
    identity_columns: true,
    sequences: true,
    sequence_max: None,
    partial_indexes: false,
    indexes: IndexCapabilities {
        methods: &["bitmap"],
        method_before_index: true,
        operator_classes: false,
        include: false,
        nulls_not_distinct: false,
        nulls_order: false,
        extensions: false,
    },
    comments: true,
    materialized_views: true,
    synonyms: true,
    grants: true,
    create_without_replace: &[],
    // Oracle commits each DDL statement.
    transactional_ddl: false,
    global_temporary_tables: true,
};

/// A migration file, from `templates/oracle/migration.sql`.
#[derive(Template)]
#[template(path = "oracle/migration.sql", escape = "none")]
struct MigrationFile<'a> {
    m: &'a FileModel,
}

/// Whether every bound of `p`, at every level, is spelled as Oracle's dictionary spells it.
fn oracle_bounds(p: &Partitioning) -> bool {
    p.partitions.iter().all(|part| {
        let bound = part.bound.trim();
        (bound.is_empty() || bound.starts_with("VALUES "))
            && part.partitioning.as_deref().is_none_or(oracle_bounds)
    })
}

impl Dialect for OracleDialect {
    fn kind(&self) -> DbKind {
        DbKind::Oracle
    }

    fn name(&self) -> &'static str {
        "oracle"
    }

    fn title(&self) -> &'static str {
        "Oracle"
    }

    fn name_case(&self) -> NameCase {
        NameCase::Upper
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn ident(&self, name: &str, source: Option<NameCase>) -> String {
        fold_ident(name, source, NameCase::Upper, RESERVED, &['$', '#'])
    }

    fn text_fallback_type(&self) -> Option<&'static str> {
        Some("CLOB")
    }

    fn unread_query_syntax(&self, query: &str) -> Option<&'static str> {
        crate::db::sql::postgres_only_syntax(query, true)
    }

    fn column_type(&self, column: &Column) -> Result<String, String> {
        oracle_type(&column.neutral_type, &column.native_type)
    }

    /// Oracle's own partitioning: every bound, at every level, as `ALL_TAB_PARTITIONS` gives
    /// it (`VALUES LESS THAN (…)`, `VALUES (…)`, or none), not PostgreSQL's `FOR VALUES …` or
    /// `DEFAULT`; but for system partitioning, into which a load cannot insert.
    fn carries_partitioning(&self, partitioning: &Partitioning) -> Result<(), String> {
        let listed = !partitioning.partitions.is_empty()
            || partitioning.method == PartitionMethod::Reference;
        if !listed || !oracle_bounds(partitioning) {
            return Err("Oracle cannot create this partitioning".to_string());
        }
        if partitioning.method == PartitionMethod::System {
            // ORA-14701: every insert into a system-partitioned table names its partition,
            // which the rows of an extract do not say.
            return Err(
                "a load cannot insert into a system-partitioned table, whose every \
                        insert names its partition (ORA-14701)"
                    .to_string(),
            );
        }
        Ok(())
    }

    fn default_sequence(&self, expr: &str) -> Option<String> {
        let (schema, name) = super::sink::nextval_sequence(expr)?;
        Some(schema.map_or(name.clone(), |s| format!("{s}.{name}")))
    }

    /// A sequence in DEFAULT: Oracle 12c and later.
    fn sequence_default(&self, sequence: &str) -> Option<String> {
        Some(format!("{sequence}.NEXTVAL"))
    }

    fn default_expr(&self, column: &Column, expr: &str) -> String {
        let trimmed = expr.trim();
        // A quoted date or timestamp literal as a default of a date column: Oracle would convert
        // the text with the session's NLS_DATE_FORMAT at insert time; an ANSI literal does not
        // depend on it.
        if is_datetime(&column.neutral_type)
            && let Some(text) = trimmed
                .strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
        {
            let looks_like = |len: usize| {
                text.len() >= len
                    && text.as_bytes()[4] == b'-'
                    && text.as_bytes()[7] == b'-'
                    && text[..4].bytes().all(|b| b.is_ascii_digit())
            };
            if text.len() == 10 && looks_like(10) {
                return format!("DATE '{text}'");
            }
            if looks_like(19) {
                return format!("TIMESTAMP '{text}'");
            }
        }
        match trimmed.to_ascii_uppercase().as_str() {
            "CURRENT_TIMESTAMP" | "NOW()" | "LOCALTIMESTAMP" => {
                if matches!(
                    column.neutral_type,
                    NeutralType::Timestamp { precision: Some(0) }
                ) {
                    "SYSDATE".to_string()
                } else {
                    "SYSTIMESTAMP".to_string()
                }
            }
            "TRUE" => "1".to_string(),
            "FALSE" => "0".to_string(),
            _ => trimmed.to_string(),
        }
    }

    /// As Flyway's Oracle parser: a PL/SQL unit (CREATE PACKAGE, PROCEDURE, FUNCTION, TRIGGER,
    /// TYPE, or an anonymous DECLARE/BEGIN block) ends at a line holding only `/`; any other
    /// statement ends at `;`, which is not sent to the database.
    fn split_statements(&self, sql: &str) -> Vec<Statement> {
        let mut out = Vec::new();
        let mut lines = LineCounter::new(sql);
        let mut pos = 0;
        while pos < sql.len() {
            let rest = &sql[pos..];
            let body = skip_blank(rest);
            if body.trim().is_empty() {
                break;
            }
            let (end, next) = if is_plsql(body) {
                // Up to the line that holds only `/`, or the end of the file.
                let mut offset = pos + (rest.len() - body.len());
                let mut found = (sql.len(), sql.len());
                for line in sql[offset..].split_inclusive('\n') {
                    if line.trim() == "/" {
                        found = (offset, offset + line.len());
                        break;
                    }
                    offset += line.len();
                }
                found
            } else {
                match find_semicolon(rest, false) {
                    Some(o) => (pos + o, pos + o + 1),
                    None => (sql.len(), sql.len()),
                }
            };
            push_statement(&mut out, &sql[pos..end], lines.line_at(pos));
            pos = next;
        }
        out
    }

    fn render_migration(&self, file: &FileModel) -> Result<String, askama::Error> {
        MigrationFile { m: file }.render()
    }

    fn literal(&self, text: &str) -> String {
        string_literal(text)
    }

    fn objects_created(&self, sql: &str) -> BTreeSet<(String, String)> {
        scan_created(sql)
    }

    fn requalify(&self, text: &str, from: &str, to: Option<&str>) -> Option<String> {
        requalify(text, from, to)
    }

    fn qualify_unit(&self, definition: &str, schema: &str) -> String {
        qualify_unit(definition, schema)
    }
}

/// `definition` (`PACKAGE BODY P AS …`, `TRIGGER T BEFORE INSERT ON X …`) with `schema.`
/// before the unit's name and, for a trigger on a table or view, before that table's name,
/// where they are not qualified: Oracle creates an unqualified unit in the session's schema and
/// looks an unqualified trigger table up there (SQL Language Reference, CREATE TRIGGER:
/// "If you omit schema, then the database assumes the table is in your own schema").
fn qualify_unit(definition: &str, schema: &str) -> String {
    let tokens = tokenize(definition);
    let is_dot = |i: usize| matches!(tokens.get(i), Some((_, Token::Punct('.'))));
    let kw = |i: usize, w: &str| tokens.get(i).is_some_and(|(_, t)| t.is_kw(w));
    let mut i = 0;
    while ["EDITIONABLE", "NONEDITIONABLE", "EDITIONING"]
        .iter()
        .any(|w| kw(i, w))
    {
        i += 1;
    }
    let trigger = kw(i, "TRIGGER");
    if !["PACKAGE", "TYPE", "PROCEDURE", "FUNCTION", "TRIGGER"]
        .iter()
        .any(|w| kw(i, w))
    {
        return definition.to_string();
    }
    i += 1;
    // PACKAGE BODY, TYPE BODY; but a package named BODY is `PACKAGE BODY AS`.
    if kw(i, "BODY")
        && matches!(tokens.get(i + 1), Some((_, Token::Word { .. })))
        && !kw(i + 1, "AS")
        && !kw(i + 1, "IS")
    {
        i += 1;
    }
    let mut at = Vec::new();
    if tokens.get(i).is_some_and(|(_, t)| t.word().is_some()) && !is_dot(i + 1) {
        at.push(tokens[i].0);
    }
    if trigger && let Some(on) = (i..tokens.len()).find(|&j| kw(j, "ON")) {
        let table = on + 1;
        let other = ["DATABASE", "SCHEMA", "PLUGGABLE", "NESTED"]
            .iter()
            .any(|w| kw(table, w));
        if !other
            && tokens.get(table).is_some_and(|(_, t)| t.word().is_some())
            && !is_dot(table + 1)
        {
            at.push(tokens[table].0);
        }
    }
    let mut out = definition.to_string();
    for offset in at.into_iter().rev() {
        out.insert_str(offset, &format!("{schema}."));
    }
    out
}

/// Whether a statement is a PL/SQL unit, which ends at a `/` line rather than at `;`.
fn is_plsql(statement: &str) -> bool {
    let words: Vec<String> = skip_blank(statement)
        .split_whitespace()
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["DECLARE", ..] | ["BEGIN", ..] => true,
        ["CREATE", rest @ ..] => {
            let rest = match rest {
                ["OR", "REPLACE", r @ ..] => r,
                r => r,
            };
            let rest = match rest {
                ["EDITIONABLE" | "NONEDITIONABLE", r @ ..] => r,
                r => r,
            };
            matches!(
                rest.first(),
                Some(&"PACKAGE" | &"PROCEDURE" | &"FUNCTION" | &"TRIGGER" | &"TYPE")
            )
        }
        _ => false,
    }
}

fn is_datetime(t: &NeutralType) -> bool {
    matches!(
        t,
        NeutralType::Date | NeutralType::Timestamp { .. } | NeutralType::TimestampTz { .. }
    )
}

/// The neutral type in Oracle (docs/types.md).
fn oracle_type(t: &NeutralType, native: &str) -> Result<String, String> {
    use NeutralType as N;
    Ok(match t {
        N::Boolean => "NUMBER(1)".into(),
        N::Integer { bits } => match bits {
            0..=16 => "NUMBER(5)".into(),
            17..=32 => "NUMBER(10)".into(),
            _ => "NUMBER(19)".into(),
        },
        N::Decimal { precision, scale } => match (precision, scale) {
            (Some(p), Some(0)) => format!("NUMBER({p})"),
            (Some(p), Some(s)) => format!("NUMBER({p},{s})"),
            (Some(p), None) => format!("NUMBER({p})"),
            (None, Some(s)) => format!("NUMBER(*,{s})"),
            (None, None) => "NUMBER".into(),
        },
        N::Float { bits } => match bits {
            Some(b) if *b <= 24 => "BINARY_FLOAT".into(),
            _ => "BINARY_DOUBLE".into(),
        },
        N::Text {
            length,
            semantics,
            fixed,
        } => {
            let unit = match semantics {
                LengthSemantics::Char => " CHAR",
                LengthSemantics::Byte => "",
            };
            match (length, fixed) {
                (Some(n), true) if *n <= 2000 => format!("CHAR({n}{unit})"),
                (Some(n), false) if *n <= MAX_VARCHAR2_BYTES => format!("VARCHAR2({n}{unit})"),
                _ => "CLOB".into(),
            }
        }
        N::NationalText { length, fixed } => match (length, fixed) {
            (Some(n), true) if *n <= 1000 => format!("NCHAR({n})"),
            (Some(n), false) if *n <= MAX_VARCHAR2_BYTES / 2 => format!("NVARCHAR2({n})"),
            _ => "NCLOB".into(),
        },
        N::Binary { length, .. } => match length {
            Some(n) if *n <= MAX_RAW_BYTES => format!("RAW({n})"),
            _ => "BLOB".into(),
        },
        N::Date => "DATE".into(),
        N::Time { precision } => format!("INTERVAL DAY(0) TO SECOND({})", precision.unwrap_or(6)),
        N::Timestamp { precision: Some(0) } => "DATE".into(),
        N::Timestamp { precision } => format!("TIMESTAMP({})", precision.unwrap_or(6)),
        N::TimestampTz { precision, local } => format!(
            "TIMESTAMP({}) WITH {}TIME ZONE",
            precision.unwrap_or(6),
            if *local { "LOCAL " } else { "" }
        ),
        N::Interval {
            fields,
            leading_precision,
            fractional_precision,
        } => match fields {
            IntervalFields::YearToMonth => {
                format!("INTERVAL YEAR({}) TO MONTH", leading_precision.unwrap_or(2))
            }
            IntervalFields::DayToSecond | IntervalFields::Any => format!(
                "INTERVAL DAY({}) TO SECOND({})",
                leading_precision.unwrap_or(9),
                fractional_precision.unwrap_or(6)
            ),
        },
        N::Lob { lob } => match lob {
            LobKind::Character => "CLOB",
            LobKind::National => "NCLOB",
            LobKind::Binary => "BLOB",
            LobKind::File => "BFILE",
        }
        .into(),
        N::Json => "JSON".into(),
        N::Uuid => "RAW(16)".into(),
        N::Xml => "XMLTYPE".into(),
        N::Spatial { .. } => "SDO_GEOMETRY".into(),
        N::RowId => "UROWID".into(),
        N::Other => return Err(format!("type `{native}` has no Oracle equivalent in dbsub")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::NeutralType as N;
    use crate::model::ports::*;

    #[test]
    fn types_from_other_dialects() {
        let d = OracleDialect;
        let cases = [
            (
                N::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                },
                "NUMBER(10,2)",
            ),
            (
                N::Decimal {
                    precision: Some(5),
                    scale: Some(0),
                },
                "NUMBER(5)",
            ),
            (
                N::Text {
                    length: Some(30),
                    semantics: LengthSemantics::Char,
                    fixed: false,
                },
                "VARCHAR2(30 CHAR)",
            ),
            (
                N::Text {
                    length: None,
                    semantics: LengthSemantics::Char,
                    fixed: false,
                },
                "CLOB",
            ),
            (N::Timestamp { precision: Some(0) }, "DATE"),
            (
                N::TimestampTz {
                    precision: Some(3),
                    local: false,
                },
                "TIMESTAMP(3) WITH TIME ZONE",
            ),
            (
                N::Binary {
                    length: Some(16),
                    fixed: false,
                },
                "RAW(16)",
            ),
            (N::Integer { bits: 64 }, "NUMBER(19)"),
        ];
        for (neutral, expected) in cases {
            assert_eq!(
                d.column_type(&Column::test("C", "x", neutral.clone())),
                Ok(expected.to_string()),
                "{neutral:?}"
            );
        }
        assert!(
            d.column_type(&Column::test("C", "money", N::Other))
                .is_err()
        );
    }

    #[test]
    fn names_are_upper_case_and_reserved_words_quoted() {
        let d = OracleDialect;
        assert_eq!(d.ident("seedlot", Some(NameCase::Lower)), "SEEDLOT");
        assert_eq!(d.ident("Seedlot", Some(NameCase::Lower)), "\"Seedlot\"");
        assert_eq!(d.ident("COMMENT", Some(NameCase::Kept)), "\"COMMENT\"");
    }

    #[test]
    fn date_defaults_become_ansi_literals() {
        let d = OracleDialect;
        let date = Column::test("C", "DATE", N::Timestamp { precision: Some(0) });
        assert_eq!(
            d.default_expr(&date, "'9999-12-31 00:00:00'"),
            "TIMESTAMP '9999-12-31 00:00:00'"
        );
        assert_eq!(d.default_expr(&date, "CURRENT_TIMESTAMP"), "SYSDATE");
        assert_eq!(d.default_expr(&date, "'N'"), "'N'");
    }

    #[test]
    fn target_schema_qualifies_units_and_trigger_tables_not_yet_qualified() {
        let cases = [
            ("PACKAGE BODY P AS\nEND;", "PACKAGE BODY TGT.P AS\nEND;"),
            (
                "procedure p (x in number) as",
                "procedure TGT.p (x in number) as",
            ),
            (
                "TYPE \"T\" AS OBJECT (A NUMBER);",
                "TYPE TGT.\"T\" AS OBJECT (A NUMBER);",
            ),
            ("PACKAGE BODY AS END;", "PACKAGE TGT.BODY AS END;"),
            ("FUNCTION HR.F RETURN NUMBER", "FUNCTION HR.F RETURN NUMBER"),
            (
                "TRIGGER T BEFORE UPDATE OF A ON X FOR EACH ROW BEGIN NULL; END;",
                "TRIGGER TGT.T BEFORE UPDATE OF A ON TGT.X FOR EACH ROW BEGIN NULL; END;",
            ),
            (
                "EDITIONABLE TRIGGER T AFTER LOGON ON SCHEMA BEGIN NULL; END;",
                "EDITIONABLE TRIGGER TGT.T AFTER LOGON ON SCHEMA BEGIN NULL; END;",
            ),
            (
                "TRIGGER T INSTEAD OF INSERT ON TGT.V BEGIN NULL; END;",
                "TRIGGER TGT.T INSTEAD OF INSERT ON TGT.V BEGIN NULL; END;",
            ),
            ("WRAPPED nonsense", "WRAPPED nonsense"),
        ];
        for (text, expected) in cases {
            assert_eq!(OracleDialect.qualify_unit(text, "TGT"), expected, "{text}");
        }
    }

    #[test]
    fn plsql_units_end_at_slash_lines_and_sql_at_semicolons() {
        let sql = "CREATE TABLE T (A NUMBER);\nCOMMENT ON TABLE T IS 'x; y';\n\n\
                   CREATE OR REPLACE PACKAGE P AS\n  PROCEDURE Q;\nEND P;\n/\n\
                   CREATE INDEX I ON T (A);\n";
        let stmts = OracleDialect.split_statements(sql);
        let texts: Vec<&str> = stmts.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE T (A NUMBER)",
                "COMMENT ON TABLE T IS 'x; y'",
                "CREATE OR REPLACE PACKAGE P AS\n  PROCEDURE Q;\nEND P;",
                "CREATE INDEX I ON T (A)",
            ]
        );
        let lines: Vec<usize> = stmts.iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 2, 4, 8]);
    }
}
