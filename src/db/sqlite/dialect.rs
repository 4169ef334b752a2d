use std::collections::BTreeSet;

use askama::Template;

use anyhow::Result;

use crate::catalog::*;
use crate::db::sql::lex::{Token, tokenize};
use crate::db::sql::{fold_ident, scan_created, split_at_semicolons, string_literal};
use crate::model::DbKind;
use crate::model::ddl::*;
use crate::model::migration::Statement;
use crate::model::ports::{Capabilities, Dialect, IndexCapabilities, NameCase};

// ---------------------------------------------------------------------------------------
// DDL dialect and migration target.

/// SQLite's keywords (sqlite.org/lang_keywords.html): a name among them is quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

pub struct SqliteDialect;

/// What SQLite's DDL can express.
static CAPABILITIES: Capabilities = Capabilities {
    schemas: false,
    inline_foreign_keys: true,
    disabled_foreign_keys: false,
    on_delete: &[
        FkAction::Restrict,
        FkAction::Cascade,
        FkAction::SetNull,
        FkAction::SetDefault,
    ],
    on_update: true,
    identity_columns: false,
    sequences: false,
    sequence_max: None,
    partial_indexes: true,
    indexes: IndexCapabilities {
        methods: &[],
        method_before_index: false,
        operator_classes: false,
        include: false,
        nulls_not_distinct: false,
        nulls_order: false,
        extensions: false,
    },
    comments: false,
    materialized_views: false,
    synonyms: false,
    grants: false,
    create_without_replace: &[],
    transactional_ddl: true,
    // A TEMPORARY table vanishes with the session that created it: a migration cannot create
    // one for the sessions that come after.
    global_temporary_tables: false,
};

/// A migration file, from `templates/sqlite/migration.sql`.
#[derive(Template)]
#[template(path = "sqlite/migration.sql", escape = "none")]
struct MigrationFile<'a> {
    m: &'a FileModel,
}

impl Dialect for SqliteDialect {
    fn kind(&self) -> DbKind {
        DbKind::Sqlite
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn title(&self) -> &'static str {
        "SQLite"
    }

    fn name_case(&self) -> NameCase {
        NameCase::Kept
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn ident(&self, name: &str, source: Option<NameCase>) -> String {
        fold_ident(name, source, NameCase::Kept, KEYWORDS, &[])
    }

    fn unread_query_syntax(&self, query: &str) -> Option<&'static str> {
        crate::db::sql::postgres_only_syntax(query, false)
    }

    fn column_type(&self, column: &Column) -> Result<String, String> {
        sqlite_type(&column.neutral_type, &column.native_type)
    }

    fn default_expr(&self, _column: &Column, expr: &str) -> String {
        match expr.trim().to_ascii_uppercase().as_str() {
            "SYSDATE" | "SYSTIMESTAMP" | "NOW()" | "LOCALTIMESTAMP" | "CURRENT_TIMESTAMP" => {
                "CURRENT_TIMESTAMP".to_string()
            }
            // An expression default must be parenthesised in SQLite.
            _ if !is_sqlite_literal(expr.trim()) => format!("({})", expr.trim()),
            _ => expr.trim().to_string(),
        }
    }

    /// At `;` outside quotes and comments, except inside a trigger's BEGIN … END body.
    fn split_statements(&self, sql: &str) -> Vec<Statement> {
        split_at_semicolons(sql, false, inside_trigger_body)
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
}

/// A literal SQLite accepts as a DEFAULT without parentheses: a number, a string, NULL,
/// TRUE/FALSE or CURRENT_*.
fn is_sqlite_literal(expr: &str) -> bool {
    let upper = expr.to_ascii_uppercase();
    expr.parse::<f64>().is_ok()
        || (expr.starts_with('\'') && expr.ends_with('\'') && expr.len() >= 2)
        || matches!(
            upper.as_str(),
            "NULL" | "TRUE" | "FALSE" | "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
        )
}

/// Whether the statement so far is a CREATE TRIGGER whose BEGIN … END body is still open.
fn inside_trigger_body(statement: &str) -> bool {
    let tokens = tokenize(statement);
    let mut words = tokens.iter().filter_map(|(_, t)| match t {
        Token::Word {
            text,
            quoted: false,
        } => Some(text.to_ascii_uppercase()),
        _ => None,
    });
    let is_trigger = words.next().as_deref() == Some("CREATE")
        && match words.next().as_deref() {
            Some("TRIGGER") => true,
            Some("TEMP" | "TEMPORARY") => words.next().as_deref() == Some("TRIGGER"),
            _ => false,
        };
    if !is_trigger {
        return false;
    }
    let mut open = 0i32;
    for (_, t) in &tokens {
        if t.is_kw("BEGIN") || t.is_kw("CASE") {
            open += 1;
        } else if t.is_kw("END") {
            open -= 1;
        }
    }
    open > 0
}

/// The neutral type in SQLite (docs/types.md). SQLite accepts any type name; these keep the
/// intended affinity and read back to the same neutral type.
fn sqlite_type(t: &NeutralType, native: &str) -> Result<String, String> {
    use NeutralType as N;
    Ok(match t {
        N::Boolean => "BOOLEAN".into(),
        N::Integer { .. } => "INTEGER".into(),
        N::Decimal { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => format!("NUMERIC({p},{s})"),
            (Some(p), None) => format!("NUMERIC({p})"),
            _ => "NUMERIC".into(),
        },
        N::Float { .. } => "REAL".into(),
        N::Text { length, fixed, .. } => match (length, fixed) {
            (Some(n), true) => format!("CHAR({n})"),
            (Some(n), false) => format!("VARCHAR({n})"),
            (None, _) => "TEXT".into(),
        },
        N::NationalText { length, fixed } => match (length, fixed) {
            (Some(n), true) => format!("NCHAR({n})"),
            (Some(n), false) => format!("NVARCHAR({n})"),
            (None, _) => "TEXT".into(),
        },
        N::Binary { .. } => "BLOB".into(),
        // Not `BLOB`, which reads back as a binary LOB that a UUID's text does not fit: `UUID`
        // reads back as a UUID (NUMERIC affinity keeps its text, or an Oracle RAW's bytes).
        N::Uuid => "UUID".into(),
        // `DATE` is Oracle's DATE, a timestamp(0), when read from SQLite (docs/catalog.md).
        N::Date => "DATEONLY".into(),
        N::Time { .. } => "TIME".into(),
        N::Timestamp { precision: Some(0) } => "DATE".into(),
        N::Timestamp { precision } => format!("TIMESTAMP({})", precision.unwrap_or(6)),
        // SQLite's grammar takes no words after a type's `(…)`: `TIMESTAMP(6) WITH TIME ZONE`
        // is a syntax error, `TIMESTAMPTZ(6)` is not (and reads back the same).
        N::TimestampTz {
            local: false,
            precision,
        } => format!("TIMESTAMPTZ({})", precision.unwrap_or(6)),
        N::TimestampTz { local: true, .. } => "TIMESTAMP WITH LOCAL TIME ZONE".into(),
        N::Interval { .. } => "INTERVAL".into(),
        N::Lob { lob } => match lob {
            LobKind::Character | LobKind::National | LobKind::File => "CLOB",
            LobKind::Binary => "BLOB",
        }
        .into(),
        N::Json => "JSON".into(),
        N::Xml => "TEXT".into(),
        N::Spatial { .. } => "TEXT".into(),
        N::RowId => "TEXT".into(),
        N::Other => return Err(format!("type `{native}` has no SQLite equivalent in dbsub")),
    })
}
