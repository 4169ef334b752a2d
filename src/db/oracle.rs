//! Oracle: the users' real database — source, structural database and local test database.
//!
//! This file has the DDL dialect (names, types, defaults, statement splitting as Flyway's
//! Oracle parser does it), the client and connection handling and the migration target;
//! [`catalog`] reads the dictionary, [`rows`] is the row source, [`sink`] the row sink.
//! Connections go through the `oracle` crate (ODPI-C), which needs Oracle Instant Client at run
//! time ([`init_client`]).

mod catalog;
mod rows;
mod sink;

pub use rows::{FETCH_ROWS_VAR, open_sources};
pub use sink::{BATCH_ROWS_VAR, OracleSink};

use anyhow::{Context, Result, anyhow, bail};

use crate::catalog::{Column, IntervalFields, LengthSemantics, LobKind, NeutralType};
use crate::config::{DbKind, DbUrl};
use crate::migrations::{
    Applied, ApplyError, HISTORY_TABLE as HISTORY, Migration, MigrationTarget, Statement,
};

use super::{
    Dialect, Fold, LineCounter, SourceMask, find_semicolon, fold_ident, push_statement, skip_blank,
};

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

impl Dialect for OracleDialect {
    fn kind(&self) -> DbKind {
        DbKind::Oracle
    }

    fn ident(&self, name: &str, source: Option<DbKind>) -> String {
        fold_ident(name, source, Fold::Upper, RESERVED, &['$', '#'])
    }

    fn column_type(&self, column: &Column) -> Result<String, String> {
        oracle_type(&column.neutral_type, &column.native_type)
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

/// The parts of an `oracle://user:password@host:port/service` URL, as the driver wants them:
/// user, password and an Easy Connect string `//host:port/service`.
fn connect_parts(url: &DbUrl) -> Result<(String, String, String)> {
    let parsed = url::Url::parse(url.expose())
        .map_err(|e| anyhow!("`{url}` is not a valid Oracle URL: {e}"))?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(parsed.username());
    if user.is_empty() {
        bail!("`{url}` names no user: write oracle://user:password@host:port/service");
    }
    let password = decode(parsed.password().unwrap_or(""));
    let host = parsed.host_str().unwrap_or_default();
    let service = parsed.path().trim_start_matches('/');
    let port = parsed.port().unwrap_or(1521);
    Ok((user, password, format!("//{host}:{port}/{service}")))
}

/// The setting that names the folder holding Oracle Instant Client (ODPI-C's
/// `oracle_client_lib_dir`); when unset, the client is searched where the system looks for
/// shared libraries (`LD_LIBRARY_PATH`, `ldconfig`; `PATH` on Windows).
pub const CLIENT_LIB_DIR_VAR: &str = "DBSUB_ORACLE_CLIENT_LIB_DIR";

/// The two ways out when Oracle Instant Client cannot be loaded.
const CLIENT_REMEDY: &str = "Either install Oracle Instant Client (Basic or Basic Light, 19c or \
     later) and set DBSUB_ORACLE_CLIENT_LIB_DIR to its folder (or put it on LD_LIBRARY_PATH), or \
     run dbsub in its container, which has the client: `docker compose run --rm dbsub …` \
     (docs/oracle.md)";

/// Loads Oracle's client library, once per process, from [`CLIENT_LIB_DIR_VAR`] when set.
/// Returns the client's version.
///
/// Fails with what is missing and the two remedies when the library cannot be loaded
/// (DPI-1047).
pub fn init_client() -> Result<oracle::Version> {
    let mut params = oracle::InitParams::new();
    if let Some(dir) = std::env::var_os(CLIENT_LIB_DIR_VAR).filter(|d| !d.is_empty()) {
        params
            .oracle_client_lib_dir(dir)
            .map_err(|e| anyhow!("{CLIENT_LIB_DIR_VAR} is not a usable folder name: {e}"))?;
    }
    params.init().map_err(|e| client_error(&e))?;
    oracle::Version::client().map_err(|e| client_error(&e))
}

/// The message for a client library that cannot be loaded (or any other initialisation error).
fn client_error(e: &oracle::Error) -> anyhow::Error {
    let message = e.to_string();
    if message.contains("DPI-1047") {
        let folder = match std::env::var(CLIENT_LIB_DIR_VAR) {
            Ok(dir) if !dir.is_empty() => format!(" in {dir} ({CLIENT_LIB_DIR_VAR})"),
            _ => String::new(),
        };
        // ODPI-C's own text ends with the reason the loader gave (file not found, wrong
        // architecture): kept on a line of its own.
        let reason = message
            .split_once("DPI-1047:")
            .map_or(message.as_str(), |(_, r)| r)
            .trim();
        anyhow!(
            "Oracle Instant Client was not found{folder} (DPI-1047): dbsub needs its library \
             (libclntsh) to talk to Oracle. {CLIENT_REMEDY}.\n  loader said: {reason}"
        )
    } else {
        anyhow!("Oracle Instant Client could not be initialised: {message}. {CLIENT_REMEDY}")
    }
}

/// Explains the driver errors users meet first: no listener, bad login, no privilege.
fn explain(url: &DbUrl, e: &oracle::Error) -> anyhow::Error {
    let message = e.to_string();
    if message.contains("DPI-1047") {
        client_error(e).context(format!("cannot connect to {url}"))
    } else if message.contains("ORA-12541") || message.contains("ORA-12514") {
        anyhow!(
            "cannot connect to {url}: no listener or no such service ({message}); check the \
             host, port and service name, and that the database is up"
        )
    } else if message.contains("ORA-01017") {
        anyhow!("cannot connect to {url}: the user name or password is wrong (ORA-01017)")
    } else if message.contains("ORA-01045") {
        anyhow!(
            "cannot connect to {url}: the user lacks CREATE SESSION (ORA-01045); see \
             docs/oracle.md for the privileges dbsub needs"
        )
    } else {
        anyhow!("cannot connect to {url}: {message}")
    }
}

/// Opens a connection to the database `url` names, loading the client first.
///
/// Fails with the (redacted) URL and what to do: Instant Client missing, listener or service
/// not found, wrong password.
pub(crate) fn connect(url: &DbUrl) -> Result<oracle::Connection> {
    let (user, password, connect_string) = connect_parts(url)?;
    init_client().with_context(|| format!("cannot connect to {url}"))?;
    oracle::Connection::connect(user, password, connect_string).map_err(|e| explain(url, &e))
}

/// A connection to an Oracle database.
pub struct OracleDb {
    conn: oracle::Connection,
    url: DbUrl,
}

impl OracleDb {
    /// Connects to the database `url` names ([`connect`]).
    pub fn connect(url: &DbUrl) -> Result<OracleDb> {
        Ok(OracleDb {
            conn: connect(url)?,
            url: url.clone(),
        })
    }
}

impl MigrationTarget for OracleDb {
    fn kind(&self) -> DbKind {
        DbKind::Oracle
    }

    fn applied(&mut self) -> Result<Vec<Applied>> {
        let (exists,): (i64,) = self
            .conn
            .query_row_as(
                "SELECT COUNT(*) FROM user_tables WHERE table_name = :1",
                &[&HISTORY.to_ascii_uppercase()],
            )
            .with_context(|| format!("cannot read the tables of {}", self.url))?;
        if exists == 0 {
            self.conn
                .execute(
                    &format!(
                        "CREATE TABLE {HISTORY} (VERSION VARCHAR2(100) PRIMARY KEY, \
                         DESCRIPTION VARCHAR2(400) NOT NULL, SCRIPT VARCHAR2(1000) NOT NULL, \
                         CHECKSUM VARCHAR2(64) NOT NULL, \
                         INSTALLED_ON TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, \
                         EXECUTION_MS NUMBER(19) NOT NULL)"
                    ),
                    &[],
                )
                .with_context(|| format!("cannot create {HISTORY} in {}", self.url))?;
        }
        let rows = self
            .conn
            .query_as::<(String, String, String)>(
                &format!("SELECT VERSION, SCRIPT, CHECKSUM FROM {HISTORY}"),
                &[],
            )
            .with_context(|| format!("cannot read {HISTORY} in {}", self.url))?;
        rows.map(|row| {
            let (version, script, checksum) = row?;
            Applied::from_history(version, script, checksum)
        })
        .collect()
    }

    /// Oracle commits each DDL statement: a failure leaves the statements before it applied,
    /// and the file is not recorded.
    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        for (i, statement) in statements.iter().enumerate() {
            self.conn
                .execute(&statement.sql, &[])
                .map_err(|e| ApplyError::at(i, statement, e))?;
        }
        let elapsed = started.elapsed().as_millis() as i64;
        self.conn
            .execute(
                &format!(
                    "INSERT INTO {HISTORY} (VERSION, DESCRIPTION, SCRIPT, CHECKSUM, \
                     EXECUTION_MS) VALUES (:1, :2, :3, :4, :5)"
                ),
                &[
                    &migration.version.to_string(),
                    &migration.description,
                    &migration.file_name,
                    &migration.checksum,
                    &elapsed,
                ],
            )
            .map_err(ApplyError::setup)?;
        self.conn.commit().map_err(ApplyError::setup)
    }
}

/// A rows-per-round-trip setting (`var`'s value, `setting`): `default` when absent or empty.
///
/// Fails, naming the variable, unless it is a whole number from 1 to `max`.
fn rows_setting(var: &str, setting: Option<&str>, default: usize, max: usize) -> Result<usize> {
    match setting.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => bail!("{var}={text}: write a number of rows from 1 to {max} (default {default})"),
        },
    }
}

/// The user and the schema unqualified names resolve in.
const WHO_SQL: &str = "SELECT USER, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL";
/// The system privileges the session has, directly or through roles.
const SESSION_PRIVS_SQL: &str = "SELECT PRIVILEGE FROM SESSION_PRIVS";
/// The objects of the session's schema.
const OWN_OBJECTS_SQL: &str =
    "SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')";
/// What each of the row source's SCN queries ([`rows::SCN_QUERIES`]) needs.
const SCN_PRIVILEGES: [&str; 2] = ["EXECUTE on DBMS_FLASHBACK", "SELECT on V_$DATABASE"];
/// The system privileges `create-migrations`' files and ingest's records need in the target.
const TARGET_PRIVILEGES: [&str; 5] = [
    "CREATE TABLE",
    "CREATE SEQUENCE",
    "CREATE VIEW",
    "CREATE PROCEDURE",
    "CREATE TRIGGER",
];

/// `dbsub doctor` on Oracle: the client loads, the database answers, and the session has what
/// `role` needs — dictionary views for a catalog; an SCN, flashback and (for masking)
/// STANDARD_HASH for a source; CREATE privileges for a target.
pub fn diagnose(url: &DbUrl, role: super::Use) -> Vec<super::Finding> {
    use super::{Finding, Use};
    let conn = match connect(url) {
        Ok(conn) => conn,
        Err(e) => return vec![Finding::failed(&e)],
    };
    let mut out = Vec::new();
    let version = conn.server_version().ok();
    match conn.query_row_as::<(String, String)>(WHO_SQL, &[]) {
        Ok((user, schema)) => out.push(Finding::ok(format!(
            "connected: Oracle Database {}, user {user}, schema {schema}",
            version
                .as_ref()
                .map_or("(version unknown)".to_string(), |(v, _)| v.to_string())
        ))),
        Err(e) => {
            out.push(Finding::problem(format!("cannot query {url}: {e}")));
            return out;
        }
    }
    let privileges: Vec<String> = conn
        .query_as::<String>(SESSION_PRIVS_SQL, &[])
        .map(|rows| rows.filter_map(|r| r.ok()).collect())
        .unwrap_or_default();
    let has = |p: &str| privileges.iter().any(|q| q == p);
    match role {
        Use::Catalog => {
            out.push(match catalog::reads_dba_views(&conn) {
                Ok(true) => Finding::ok("the catalog is read from the DBA_ views (every schema)"),
                Ok(false) => Finding::info(
                    "the catalog is read from the ALL_ views: objects of other schemas are seen \
                     only where granted (SELECT_CATALOG_ROLE gives the DBA_ views)",
                ),
                Err(e) => Finding::problem(format!("cannot query the data dictionary: {e}")),
            });
            out.push(match conn.query_row_as::<i64>(OWN_OBJECTS_SQL, &[]) {
                Ok(0) => Finding::problem(
                    "the session's schema holds no objects: point DBSUB_STRUCT_URL at the schema \
                     owner, or pass --schema to the commands",
                ),
                Ok(n) => Finding::ok(format!(
                    "{} in the session's schema",
                    crate::output::plural(n as usize, "object")
                )),
                Err(e) => Finding::problem(format!("cannot read ALL_OBJECTS: {e}")),
            });
        }
        Use::Source => {
            let scn = rows::SCN_QUERIES
                .iter()
                .find_map(|sql| conn.query_row_as::<String>(sql, &[]).ok());
            out.push(match scn {
                Some(scn) => {
                    Finding::ok(format!("extracts read one snapshot, AS OF SCN (now {scn})"))
                }
                None => Finding::problem(format!(
                    "the current SCN cannot be read (needs {} or {}): extract can only run \
                     with --jobs 1, in one read-only transaction",
                    SCN_PRIVILEGES[0], SCN_PRIVILEGES[1]
                )),
            });
            out.push(if has("FLASHBACK ANY TABLE") {
                Finding::ok("FLASHBACK ANY TABLE: every readable table can be read AS OF SCN")
            } else {
                Finding::info(
                    "no FLASHBACK ANY TABLE: tables of other schemas need GRANT FLASHBACK ON \
                     each table to be read AS OF SCN (the session's own tables need nothing)",
                )
            });
            let major = version.as_ref().map_or(0, |(v, _)| v.major());
            out.push(if major >= 12 {
                Finding::ok("masking can run at the source (STANDARD_HASH, Oracle 12c or later)")
            } else {
                Finding::problem(format!(
                    "masking needs STANDARD_HASH (Oracle 12c or later); this server is version \
                     {major}: extract without keyed masking, or from a newer copy"
                ))
            });
        }
        Use::Target => {
            let missing: Vec<&str> = TARGET_PRIVILEGES
                .iter()
                .copied()
                .filter(|p| !has(p))
                .collect();
            out.push(if missing.is_empty() {
                Finding::ok(format!(
                    "may create what migrations and ingest write ({})",
                    TARGET_PRIVILEGES.join(", ")
                ))
            } else {
                Finding::problem(format!(
                    "missing {}: migrations create tables, sequences, views, code and triggers, \
                     ingest its {} table; GRANT them to the target's user (docs/oracle.md)",
                    missing.join(", "),
                    super::INGEST_HISTORY
                ))
            });
        }
    }
    out
}

/// A masked column's select expression for an Oracle source ([`SourceMask`]), computed by the
/// server so that the value never leaves it, and the binds it needs (`:dbsub_mask_<n>_i`,
/// `:dbsub_mask_<n>_o`: a date-shift key's HMAC pads, never written into SQL). `n` tells the
/// masked columns of one query apart. The value's text is `TO_CHAR` with fixed formats for
/// dates and timestamps (no NLS dependence), as UTF-8 (`UTL_I18N.STRING_TO_RAW`), hashed with
/// `STANDARD_HASH` (12c and later).
pub fn mask_select(
    column: &Column,
    mask: &SourceMask,
    n: usize,
) -> (String, Vec<(String, Vec<u8>)>) {
    let name = super::double_quote(&column.name);
    let text = match column.neutral_type {
        NeutralType::Date | NeutralType::Timestamp { precision: Some(0) } => {
            format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS')")
        }
        NeutralType::Timestamp { .. } => format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS.FF')"),
        NeutralType::TimestampTz { .. } => {
            format!("TO_CHAR({name}, 'YYYY-MM-DD HH24:MI:SS.FF TZH:TZM')")
        }
        _ => format!("TO_CHAR({name})"),
    };
    let utf8 = format!("UTL_I18N.STRING_TO_RAW({text}, 'AL32UTF8')");
    match mask {
        SourceMask::NullOnly => (
            format!("CASE WHEN {name} IS NULL THEN NULL ELSE 't' END"),
            Vec::new(),
        ),
        SourceMask::Digest => (
            format!(
                "LOWER(RAWTOHEX(STANDARD_HASH({utf8}, 'SHA256'))) || REGEXP_REPLACE(TRANSLATE(\
                 {text}, '{}', '{}'), '[^ -~' || CHR(9) || CHR(10) || CHR(13) || ']', '*')",
                crate::mask::SHAPE_FROM,
                crate::mask::SHAPE_TO
            ),
            Vec::new(),
        ),
        SourceMask::ShiftDays { days, key } => {
            let (inner, outer) = crate::mask::hmac_pads(key);
            let (i, o) = (format!("dbsub_mask_{n}_i"), format!("dbsub_mask_{n}_o"));
            // k = the HMAC's first four bytes mod 2N; the offset k - N + TRUNC(k / N) is never
            // 0. (k is written twice: Oracle has no way to name it inside a select item.)
            let k = format!(
                "MOD(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(UTL_RAW.CONCAT(:{o}, \
                 STANDARD_HASH(UTL_RAW.CONCAT(:{i}, {utf8}), 'SHA256')), 'SHA256')), 1, 8), \
                 'XXXXXXXX'), {})",
                2 * u64::from(*days)
            );
            (
                format!("{name} + NUMTODSINTERVAL({k} - {days} + TRUNC({k} / {days}), 'DAY')"),
                vec![(i, inner), (o, outer)],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::catalog::NeutralType as N;

    fn column(native: &str, neutral: N) -> Column {
        Column {
            name: "C".into(),
            native_type: native.into(),
            neutral_type: neutral,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            comment: None,
        }
    }

    /// A column named `name` of neutral type `ty`, as the mask builders see it.
    fn ora_column(name: &str, ty: NeutralType) -> Column {
        Column {
            name: name.to_string(),
            ..column("", ty)
        }
    }

    #[test]
    fn masked_columns_are_computed_by_the_server_with_bound_keys() {
        let text = ora_column(
            "EMAIL",
            NeutralType::Text {
                length: Some(80),
                semantics: LengthSemantics::Char,
                fixed: false,
            },
        );
        let (sql, binds) = mask_select(&text, &SourceMask::NullOnly, 0);
        assert_eq!(sql, r#"CASE WHEN "EMAIL" IS NULL THEN NULL ELSE 't' END"#);
        assert!(binds.is_empty());
        let (sql, binds) = mask_select(&text, &SourceMask::Digest, 0);
        assert_eq!(
            sql,
            format!(
                "LOWER(RAWTOHEX(STANDARD_HASH(UTL_I18N.STRING_TO_RAW(TO_CHAR(\"EMAIL\"), \
                 'AL32UTF8'), 'SHA256'))) || REGEXP_REPLACE(TRANSLATE(TO_CHAR(\"EMAIL\"), \
                 '{}', '{}'), '[^ -~' || CHR(9) || CHR(10) || CHR(13) || ']', '*')",
                crate::mask::SHAPE_FROM,
                crate::mask::SHAPE_TO
            )
        );
        assert!(binds.is_empty());
        let born = ora_column("BORN", NeutralType::Timestamp { precision: Some(0) });
        let key = [3u8; 32];
        let (sql, binds) = mask_select(&born, &SourceMask::ShiftDays { days: 30, key }, 2);
        let k = "MOD(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_o, \
                 STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_i, UTL_I18N.STRING_TO_RAW(\
                 TO_CHAR(\"BORN\", 'YYYY-MM-DD HH24:MI:SS'), 'AL32UTF8')), 'SHA256')), \
                 'SHA256')), 1, 8), 'XXXXXXXX'), 60)";
        assert_eq!(
            sql,
            format!("\"BORN\" + NUMTODSINTERVAL({k} - 30 + TRUNC({k} / 30), 'DAY')")
        );
        let (inner, outer) = crate::mask::hmac_pads(&key);
        assert_eq!(
            binds,
            vec![
                ("dbsub_mask_2_i".to_string(), inner),
                ("dbsub_mask_2_o".to_string(), outer)
            ]
        );
        // The key is bound, never in the SQL.
        assert!(!sql.contains("0303"));
    }

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
                d.column_type(&column("x", neutral.clone())),
                Ok(expected.to_string()),
                "{neutral:?}"
            );
        }
        assert!(d.column_type(&column("money", N::Other)).is_err());
    }

    #[test]
    fn urls_become_easy_connect_strings() {
        let url = DbUrl::parse("oracle://the:p%40ss@localhost:1523/DBDOCK_TEST_01").unwrap();
        assert_eq!(
            connect_parts(&url).unwrap(),
            (
                "the".to_string(),
                "p@ss".to_string(),
                "//localhost:1523/DBDOCK_TEST_01".to_string()
            )
        );
        let default_port = DbUrl::parse("oracle://u:p@db/SVC").unwrap();
        assert_eq!(connect_parts(&default_port).unwrap().2, "//db:1521/SVC");
        let no_user = DbUrl::parse("oracle://db:1521/SVC").unwrap();
        assert!(connect_parts(&no_user).is_err());
    }

    #[test]
    fn names_are_upper_case_and_reserved_words_quoted() {
        let d = OracleDialect;
        assert_eq!(d.ident("seedlot", Some(DbKind::Postgres)), "SEEDLOT");
        assert_eq!(d.ident("Seedlot", Some(DbKind::Postgres)), "\"Seedlot\"");
        assert_eq!(d.ident("COMMENT", Some(DbKind::Sqlite)), "\"COMMENT\"");
    }

    #[test]
    fn date_defaults_become_ansi_literals() {
        let d = OracleDialect;
        let date = column("DATE", N::Timestamp { precision: Some(0) });
        assert_eq!(
            d.default_expr(&date, "'9999-12-31 00:00:00'"),
            "TIMESTAMP '9999-12-31 00:00:00'"
        );
        assert_eq!(d.default_expr(&date, "CURRENT_TIMESTAMP"), "SYSDATE");
        assert_eq!(d.default_expr(&date, "'N'"), "'N'");
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
