//! PostgreSQL: a second source and target, and the real server the pipeline is proven on.
//!
//! This file has the DDL dialect, the connection and the migration target; [`catalog`] reads
//! the catalog from `pg_catalog`, [`rows`] has the row source and the row sink.

mod catalog;
mod rows;

pub use rows::{PgSink, PgSource, open_sources};

use anyhow::{Context, Result};
use postgres::{Client, NoTls};

use crate::catalog::{Column, IntervalFields, LobKind, NeutralType};
use crate::config::{DbKind, DbUrl};
use crate::migrations::{
    Applied, ApplyError, HISTORY_TABLE as HISTORY, Migration, MigrationTarget, Statement,
};

use super::{Dialect, Fold, fold_ident, split_at_semicolons};

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

impl Dialect for PgDialect {
    fn kind(&self) -> DbKind {
        DbKind::Postgres
    }

    fn ident(&self, name: &str, source: Option<DbKind>) -> String {
        fold_ident(name, source, Fold::Lower, RESERVED, &[])
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

    /// At `;` outside quotes, comments and dollar-quoted bodies.
    fn split_statements(&self, sql: &str) -> Vec<Statement> {
        split_at_semicolons(sql, true, |_| false)
    }
}

/// The neutral type in PostgreSQL (docs/types.md).
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

/// A connection to a PostgreSQL database.
pub struct PgDb {
    client: Client,
    url: DbUrl,
}

impl PgDb {
    /// Connects to the database `url` names.
    ///
    /// Fails with the (redacted) URL and the server's reason: unreachable host, wrong password,
    /// unknown database.
    pub fn connect(url: &DbUrl) -> Result<PgDb> {
        let client = Client::connect(url.expose(), NoTls).map_err(|e| {
            anyhow::anyhow!(
                "cannot connect to PostgreSQL at {url}: {}{}",
                pg_message(&e),
                connect_remedy(&e)
            )
        })?;
        Ok(PgDb {
            client,
            url: url.clone(),
        })
    }
}

/// `dbsub doctor` on PostgreSQL: it connects; a catalog lists the current schema's tables; a
/// source opens the repeatable-read, read-only transaction extract uses; a target may create
/// tables in its schema.
pub fn diagnose(url: &DbUrl, role: super::Use) -> Vec<super::Finding> {
    use super::{Finding, Use};
    let mut db = match PgDb::connect(url) {
        Ok(db) => db,
        Err(e) => return vec![Finding::failed(&e)],
    };
    let mut out = Vec::new();
    let who = db.client.query_one(
        "SELECT current_setting('server_version'), current_user::text, \
         coalesce(current_schema(), '(none)')::text, (SELECT count(*) FROM pg_tables WHERE \
         schemaname = current_schema())",
        &[],
    );
    let schema = match who {
        Ok(row) => {
            let (version, user, schema, tables): (String, String, String, i64) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            out.push(Finding::ok(format!(
                "connected: PostgreSQL {version}, user {user}, schema {schema} ({})",
                crate::output::plural(tables as usize, "table")
            )));
            schema
        }
        Err(e) => {
            out.push(Finding::problem(format!(
                "cannot query {url}: {}",
                pg_message(&e)
            )));
            return out;
        }
    };
    match role {
        Use::Catalog => {}
        Use::Source => {
            let snapshot = db
                .client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ROLLBACK");
            out.push(match snapshot {
                Ok(()) => Finding::ok("one repeatable-read, read-only snapshot can be taken"),
                Err(e) => Finding::problem(format!(
                    "cannot open a read-only snapshot: {}",
                    pg_message(&e)
                )),
            });
        }
        Use::Target => {
            let create = db.client.query_one(
                "SELECT has_schema_privilege(current_user, $1, 'CREATE')",
                &[&schema],
            );
            out.push(match create.map(|row| row.get::<_, bool>(0)) {
                Ok(true) => Finding::ok(format!("may create tables in schema {schema}")),
                Ok(false) => Finding::problem(format!(
                    "cannot create tables in schema {schema} (migrations and the \
                     {} record need to): GRANT CREATE ON SCHEMA {schema} TO the user",
                    super::INGEST_HISTORY
                )),
                Err(e) => Finding::problem(format!(
                    "cannot read the privileges on schema {schema}: {}",
                    pg_message(&e)
                )),
            });
        }
    }
    out
}

impl MigrationTarget for PgDb {
    fn kind(&self) -> DbKind {
        DbKind::Postgres
    }

    fn applied(&mut self) -> Result<Vec<Applied>> {
        self.client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {HISTORY} (version text PRIMARY KEY, \
                 description text NOT NULL, script text NOT NULL, checksum text NOT NULL, \
                 installed_on timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL)"
            ))
            .with_context(|| format!("cannot create {HISTORY} in {}", self.url))?;
        let rows = self.client.query(
            &format!("SELECT version, script, checksum FROM {HISTORY}"),
            &[],
        )?;
        rows.iter()
            .map(|row| Applied::from_history(row.get(0), row.get(1), row.get(2)))
            .collect()
    }

    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        let mut tx = self.client.transaction().map_err(ApplyError::setup)?;
        for (i, statement) in statements.iter().enumerate() {
            tx.batch_execute(&statement.sql)
                .map_err(|e| ApplyError::at(i, statement, pg_message(&e)))?;
        }
        tx.execute(
            &format!(
                "INSERT INTO {HISTORY} (version, description, script, checksum, execution_ms) \
                 VALUES ($1, $2, $3, $4, $5)"
            ),
            &[
                &migration.version.to_string(),
                &migration.description,
                &migration.file_name,
                &migration.checksum,
                &(started.elapsed().as_millis() as i64),
            ],
        )
        .map_err(ApplyError::setup)?;
        tx.commit().map_err(ApplyError::setup)
    }
}

/// What to do about a failed connection, by the server's SQLSTATE or the socket's error.
fn connect_remedy(e: &postgres::Error) -> &'static str {
    use postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            ": check the user and password in the URL (percent-encode special characters)"
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            ": create the database, or fix its name in the URL"
        }
        Some(_) => "",
        None => ": is the server running, and listening on the URL's host and port?",
    }
}

/// The server's message (and detail) rather than the client's generic "db error".
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LengthSemantics;

    fn column(neutral: NeutralType) -> Column {
        Column {
            name: "C".into(),
            native_type: "x".into(),
            neutral_type: neutral,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            comment: None,
        }
    }

    #[test]
    fn oracle_types_in_postgres() {
        let d = PgDialect;
        let t = |n| d.column_type(&column(n)).unwrap();
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
        assert_eq!(d.ident("SEEDLOT", Some(DbKind::Oracle)), "seedlot");
        assert_eq!(d.ident("USER", Some(DbKind::Oracle)), "\"user\"");
        assert_eq!(
            d.ident("MixedCase", Some(DbKind::Postgres)),
            "\"MixedCase\""
        );
    }
}
