use std::collections::BTreeSet;

use askama::Template;

use anyhow::Result;

use crate::catalog::*;
use crate::db::sql::lex::tokenize_postgres;
use crate::db::sql::{fold_ident, requalify, scan_created, split_at_semicolons, string_literal};
use crate::model::DbKind;
use crate::model::ddl::*;
use crate::model::migration::Statement;
use crate::model::ports::{Capabilities, Dialect, IndexCapabilities, NameCase};

/// PostgreSQL's reserved key words (PostgreSQL documentation, Appendix C, "reserved" and
/// "reserved (can be function or type)"): a name among them is quoted.
const RESERVED: &[&str] = &[
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BINARY",
    "BOTH",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLLATION",
    "COLUMN",
    "CONCURRENTLY",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "FALSE",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FREEZE",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INITIALLY",
    "INNER",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEADING",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATURAL",
    "NOT",
    "NOTNULL",
    "NULL",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUTER",
    "OVERLAPS",
    "PLACING",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SESSION_USER",
    "SIMILAR",
    "SOME",
    "SYMMETRIC",
    "SYSTEM_USER",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRAILING",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VARIADIC",
    "VERBOSE",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

pub struct PgDialect;

/// What PostgreSQL's DDL can express.
static CAPABILITIES: Capabilities = Capabilities {
    schemas: true,
    inline_foreign_keys: false,
    disabled_foreign_keys: false,
    on_delete: &[
        FkAction::Restrict,
        FkAction::Cascade,
        FkAction::SetNull,
        FkAction::SetDefault,
    ],
    on_update: true,
    identity_columns: true,
    sequences: true,
    // Sequences are bigint.
    sequence_max: Some(i64::MAX as i128),
    partial_indexes: true,
    indexes: IndexCapabilities {
        methods: &["gin", "gist", "brin", "hash", "spgist"],
        method_before_index: false,
        operator_classes: true,
        include: true,
        nulls_not_distinct: true,
        nulls_order: true,
        extensions: true,
    },
    comments: true,
    materialized_views: true,
    synonyms: false,
    grants: true,
    // No CREATE OR REPLACE for types and domains; for triggers only since version 14.
    create_without_replace: &[ObjectKind::Type, ObjectKind::Trigger],
    transactional_ddl: true,
    // A TEMPORARY table vanishes with the session that created it: a migration cannot create
    // one for the sessions that come after.
    global_temporary_tables: false,
};

/// A migration file, from `templates/postgres/migration.sql`.
#[derive(Template)]
#[template(path = "postgres/migration.sql", escape = "none")]
struct MigrationFile<'a> {
    m: &'a FileModel,
}

impl Dialect for PgDialect {
    fn kind(&self) -> DbKind {
        DbKind::Postgres
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn title(&self) -> &'static str {
        "PostgreSQL"
    }

    fn name_case(&self) -> NameCase {
        NameCase::Lower
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn ident(&self, name: &str, source: Option<NameCase>) -> String {
        fold_ident(name, source, NameCase::Lower, RESERVED, &[])
    }

    fn text_fallback_type(&self) -> Option<&'static str> {
        Some("text")
    }

    fn column_type(&self, column: &Column) -> Result<String, String> {
        pg_type(&column.neutral_type, &column.native_type)
    }

    fn default_expr(&self, column: &Column, expr: &str) -> String {
        match expr.trim().to_ascii_uppercase().as_str() {
            "SYSDATE" => "LOCALTIMESTAMP(0)".to_string(),
            "SYSTIMESTAMP" => "CURRENT_TIMESTAMP".to_string(),
            "CURRENT_TIMESTAMP" if matches!(column.neutral_type, NeutralType::Timestamp { .. }) => {
                // Oracle's and SQLite's CURRENT_TIMESTAMP in a column without a time zone.
                "LOCALTIMESTAMP".to_string()
            }
            _ => expr.trim().to_string(),
        }
    }

    fn default_sequence(&self, expr: &str) -> Option<String> {
        nextval_sequence(expr)
    }

    fn sequence_default(&self, sequence: &str) -> Option<String> {
        Some(format!("nextval({})", string_literal(sequence)))
    }

    /// PostgreSQL's own declarative partitioning: range, list and hash, every bound (at every
    /// level) spelled `FOR VALUES …` or `DEFAULT`.
    fn carries_partitioning(&self, partitioning: &Partitioning) -> Result<(), String> {
        if pg_partitioning(partitioning) {
            Ok(())
        } else {
            Err("PostgreSQL cannot create this partitioning".to_string())
        }
    }

    fn portable_check(&self, expr: &str) -> Option<String> {
        super::check::portable_check(expr)
    }

    /// At `;` outside quotes, comments, dollar-quoted bodies and SQL-standard `BEGIN ATOMIC …
    /// END` bodies.
    fn split_statements(&self, sql: &str) -> Vec<Statement> {
        split_at_semicolons(sql, true, inside_atomic_body)
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
}

/// The sequence of a default that is `nextval('name')`, as PostgreSQL prints it
/// (`nextval('app.s'::regclass)`), the name as the literal holds it; `None` for any other
/// expression, one that does more than draw the next value included.
fn nextval_sequence(expr: &str) -> Option<String> {
    let expr = expr.trim();
    let call = expr.get(..8)?;
    let inner = call
        .eq_ignore_ascii_case("nextval(")
        .then(|| expr[8..].strip_suffix(')'))??
        .trim();
    let literal = inner.strip_suffix("::regclass").unwrap_or(inner).trim_end();
    let text = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    // One literal: a lone quote inside would end it early (`'a') + nextval('b'`).
    let lone_quote = text.replace("''", "").contains('\'');
    (!text.is_empty() && !lone_quote).then(|| text.replace("''", "'"))
}

fn pg_type(t: &NeutralType, native: &str) -> Result<String, String> {
    use NeutralType as N;
    Ok(match t {
        N::Boolean => "boolean".into(),
        N::Integer { bits } => match bits {
            0..=16 => "smallint".into(),
            17..=32 => "integer".into(),
            _ => "bigint".into(),
        },
        N::Decimal { precision, scale } => match (precision, scale) {
            (Some(p), Some(0) | None) => format!("numeric({p})"),
            (Some(p), Some(s)) => format!("numeric({p},{s})"),
            _ => "numeric".into(),
        },
        N::Float { bits } => match bits {
            Some(b) if *b <= 24 => "real".into(),
            _ => "double precision".into(),
        },
        N::Text { length, fixed, .. } | N::NationalText { length, fixed } => {
            match (length, fixed) {
                (Some(n), true) => format!("char({n})"),
                (Some(n), false) => format!("varchar({n})"),
                (None, _) => "text".into(),
            }
        }
        N::Binary { .. } => "bytea".into(),
        N::Date => "date".into(),
        N::Time { precision } => format!("time({})", precision.unwrap_or(6)),
        N::Timestamp { precision } => format!("timestamp({})", precision.unwrap_or(6)),
        N::TimestampTz { precision, .. } => format!("timestamptz({})", precision.unwrap_or(6)),
        N::Interval {
            fields,
            fractional_precision,
            ..
        } => match fields {
            IntervalFields::YearToMonth => "interval year to month".into(),
            IntervalFields::DayToSecond => {
                format!(
                    "interval day to second({})",
                    fractional_precision.unwrap_or(6)
                )
            }
            IntervalFields::Any => "interval".into(),
        },
        N::Lob { lob } => match lob {
            LobKind::Character | LobKind::National => "text".into(),
            LobKind::Binary => "bytea".into(),
            LobKind::File => {
                return Err("BFILE (a file outside the database) has no PostgreSQL type".into());
            }
        },
        N::Json => "jsonb".into(),
        N::Uuid => "uuid".into(),
        N::Xml => "xml".into(),
        N::Spatial { .. } => "geometry".into(),
        N::RowId => "text".into(),
        N::Other => {
            return Err(format!(
                "type `{native}` has no PostgreSQL equivalent in dbsub"
            ));
        }
    })
}

/// Whether the statement so far opens a SQL-standard `BEGIN ATOMIC` body (PostgreSQL 14+) that
/// no `END` has closed yet; a `CASE … END` inside it nests.
fn inside_atomic_body(statement: &str) -> bool {
    let tokens = tokenize_postgres(statement);
    let mut open = 0i32;
    for (i, (_, token)) in tokens.iter().enumerate() {
        let atomic = token.is_kw("BEGIN")
            && tokens
                .get(i + 1)
                .is_some_and(|(_, next)| next.is_kw("ATOMIC"));
        if atomic || (open > 0 && token.is_kw("CASE")) {
            open += 1;
        } else if open > 0 && token.is_kw("END") {
            open -= 1;
        }
    }
    open > 0
}

/// Whether `p` is PostgreSQL's declarative partitioning, at every level.
fn pg_partitioning(p: &Partitioning) -> bool {
    matches!(
        p.method,
        PartitionMethod::Range | PartitionMethod::List | PartitionMethod::Hash
    ) && p.interval.is_none()
        && p.reference.is_none()
        && p.partitions.iter().all(|part| {
            (part.bound.starts_with("FOR VALUES ") || part.bound == "DEFAULT")
                && part.partitioning.as_deref().is_none_or(pg_partitioning)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LengthSemantics;
    use crate::model::ports::*;

    #[test]
    fn a_begin_atomic_body_is_one_statement() {
        // As pg_get_functiondef prints a SQL-standard body, with a CASE … END inside.
        let sql = "SET check_function_bodies = false;
CREATE OR REPLACE FUNCTION record_visit(p integer)
 RETURNS integer
 LANGUAGE sql
BEGIN ATOMIC
 INSERT INTO visit (n) VALUES (CASE WHEN p > 0 THEN p ELSE 0 END);
 SELECT count(*) AS count FROM visit;
END;
CREATE FUNCTION plain() RETURNS text LANGUAGE plpgsql AS $$
BEGIN RETURN 'BEGIN ATOMIC;'; END $$;
CREATE VIEW v AS SELECT 1 AS begin;
SELECT 'end';";
        let statements: Vec<(usize, String)> = PgDialect
            .split_statements(sql)
            .into_iter()
            .map(|s| (s.line, s.sql))
            .collect();
        let lines: Vec<usize> = statements.iter().map(|s| s.0).collect();
        assert_eq!(lines, [1, 2, 9, 11, 12], "{statements:#?}");
        assert!(
            statements[1].1.ends_with("FROM visit;\nEND"),
            "{statements:#?}"
        );
    }

    #[test]
    fn only_postgresql_partitioning_is_carried() {
        let part = |bound: &str| Partition {
            schema: None,
            name: "p".into(),
            generated_name: false,
            bound: bound.into(),
            partitioning: None,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
        };
        let by = |method, bounds: &[&str]| Partitioning {
            method,
            key: vec!["d".into()],
            interval: None,
            reference: None,
            partitions: bounds.iter().map(|b| part(b)).collect(),
            local_indexes: Vec::new(),
            subpartition_template: Vec::new(),
            row_movement: false,
        };
        let range = by(
            PartitionMethod::Range,
            &[
                "FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')",
                "DEFAULT",
            ],
        );
        assert!(PgDialect.carries_partitioning(&range).is_ok());
        let mut nested = by(PartitionMethod::List, &["FOR VALUES IN (1)"]);
        nested.partitions[0].partitioning = Some(Box::new(by(
            PartitionMethod::Hash,
            &["FOR VALUES WITH (modulus 2, remainder 0)"],
        )));
        assert!(PgDialect.carries_partitioning(&nested).is_ok());
        // Oracle's: its bounds, its interval and reference partitioning.
        let oracle = by(PartitionMethod::Range, &["VALUES LESS THAN (MAXVALUE)"]);
        assert!(PgDialect.carries_partitioning(&oracle).is_err());
        let reference = by(PartitionMethod::Reference, &[""]);
        assert!(PgDialect.carries_partitioning(&reference).is_err());
        nested.partitions[0].partitioning = Some(Box::new(oracle));
        assert!(PgDialect.carries_partitioning(&nested).is_err());
    }

    #[test]
    fn a_nextval_default_names_its_sequence() {
        let d = PgDialect;
        let seq = |e: &str| d.default_sequence(e);
        assert_eq!(
            seq("nextval('shared_seq'::regclass)").as_deref(),
            Some("shared_seq")
        );
        assert_eq!(
            seq(" NEXTVAL('app.\"Odd''s\"'::regclass) ").as_deref(),
            Some("app.\"Odd's\"")
        );
        assert_eq!(seq("nextval('s')").as_deref(), Some("s"));
        assert_eq!(seq("nextval('a'::regclass) + nextval('b'::regclass)"), None);
        assert_eq!(seq("currval('s'::regclass)"), None);
        assert_eq!(seq("'nextval(''s'')'"), None);
        assert_eq!(seq("now()"), None);
    }

    #[test]
    fn oracle_types_in_postgres() {
        let d = PgDialect;
        let t = |n| d.column_type(&Column::test("C", "x", n)).unwrap();
        assert_eq!(
            t(NeutralType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }),
            "numeric(10,2)"
        );
        assert_eq!(
            t(NeutralType::Text {
                length: Some(30),
                semantics: LengthSemantics::Char,
                fixed: false
            }),
            "varchar(30)"
        );
        assert_eq!(
            t(NeutralType::Timestamp { precision: Some(0) }),
            "timestamp(0)"
        );
        assert_eq!(
            t(NeutralType::Binary {
                length: Some(16),
                fixed: false
            }),
            "bytea"
        );
        assert_eq!(
            t(NeutralType::Lob {
                lob: LobKind::Character
            }),
            "text"
        );
    }

    #[test]
    fn names_fold_to_lower_case() {
        let d = PgDialect;
        assert_eq!(d.ident("SEEDLOT", Some(NameCase::Upper)), "seedlot");
        assert_eq!(d.ident("USER", Some(NameCase::Upper)), "\"user\"");
        assert_eq!(d.ident("MixedCase", Some(NameCase::Lower)), "\"MixedCase\"");
    }
}
