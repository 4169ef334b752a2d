//! The Oracle catalog reader: the data dictionary in a fixed number of queries, whatever the
//! number of tables or schemas.
//!
//! The reader first probes whether the session may read the `DBA_` views (`SELECT_CATALOG_ROLE`
//! or `SELECT ANY DICTIONARY`): they show every object of a schema, where the `ALL_` views show
//! only what the user has privileges on (another schema's package source, another user's
//! grants). Without that privilege it reads the `ALL_` views; the queries are the same apart
//! from the prefix and the owner column of `*_TAB_PRIVS`. It then checks the schemas (or takes
//! the session's `CURRENT_SCHEMA`), and runs one query per kind of object, the schemas bound as
//! `:s1, :s2, …` ([`dictionary_queries`]): tables, columns (with identity and comments),
//! constraints, constraint columns (with the referenced key's columns), indexes, sequences,
//! views, materialized views, triggers, stored source (packages, bodies, procedures, functions,
//! types, type bodies and triggers in one query), synonyms, grants, dependencies, objects of
//! kinds the model does not describe, and the SRIDs of spatial columns (skipped quietly when
//! Oracle Spatial is not installed). Everything runs in one read-only transaction, so the
//! queries see one consistent dictionary. The rows then become a catalog in one pure function
//! ([`assemble`]).
//!
//! Needs Oracle 12.1 or later (identity columns, `*_TAB_PRIVS.TYPE`).
//!
//! Left out: tables in the recycle bin (`BIN$…`), nested tables, index-organized overflow and
//! mapping tables, secondary tables of domain indexes (Oracle Text `DR$…`), materialized-view
//! logs (`MLOG$_…`, `RUPD$_…`) and the container tables of materialized views (the
//! materialized view stands for them), object tables, dbsub's and Flyway's history tables;
//! hidden and invisible columns; constraints other than primary, unique, foreign and check
//! keys, disabled checks, and the `"X" IS NOT NULL` checks Oracle keeps for NOT NULL columns;
//! see [`assemble`] for indexes; triggers on views, schemas and the database; column
//! privileges; the types Oracle generates for PL/SQL (`SYS_PLSQL_…`); dependencies through
//! database links and on Oracle's own schemas ([`ORACLE_OWNERS`](text_forms::ORACLE_OWNERS)).

mod text_forms;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Result, anyhow};
use oracle::sql_type::ToSql;
use oracle::{Connection, Row};

use crate::catalog::*;
use crate::model::ports::CatalogReader;
use crate::model::{DbKind, DbUrl};

use text_forms::{
    HISTORY_TABLES, index_expression, index_type_read, is_oracle_owner, not_null_check_column,
    object_kind, trigger_events, trigger_timing, unqualified_unit,
};
use types::column_type;

impl CatalogReader for super::OracleDb {
    /// Reads the given schemas (the session's `CURRENT_SCHEMA` when `schemas` is empty), as
    /// Oracle spells them (unquoted names are upper case).
    ///
    /// Fails, naming the URL (redacted), when a schema does not exist (with the spelling that
    /// does, if only the case differs), when a dictionary view cannot be read (with the
    /// privilege to grant), or when a foreign key's parent or a trigger's source is hidden from
    /// the user.
    fn read_catalog(&mut self, schemas: &[String]) -> Result<Catalog> {
        read_catalog(&self.conn, &self.url, schemas)
    }
}

/// Rows per round trip: dictionary rows are small, and a large schema has tens of thousands.
const FETCH_ROWS: u32 = 1000;

/// Reads the catalog in one read-only transaction, ended (rolled back) also after an error.
fn read_catalog(conn: &Connection, url: &DbUrl, asked: &[String]) -> Result<Catalog> {
    // SET TRANSACTION must open a transaction: end whatever the session has open first.
    conn.rollback()
        .and_then(|()| conn.execute("SET TRANSACTION READ ONLY", &[]).map(drop))
        .map_err(|e| anyhow!("cannot start a read-only transaction in {url}: {e}"))?;
    let read = read_rows(conn, url, asked);
    let ended = conn.rollback();
    let rows = read?;
    ended.map_err(|e| anyhow!("cannot end the catalog transaction in {url}: {e}"))?;
    let mut catalog = assemble(rows).map_err(|e| anyhow!("reading the catalog of {url}: {e}"))?;
    catalog.source = Some(CatalogSource {
        kind: DbKind::Oracle.word().to_string(),
        url: url.redacted(),
        read_at: crate::model::clock::now_rfc3339(),
    });
    Ok(catalog)
}

/// Whether the session may read the `DBA_` views ([`PROBE_SQL`]); `false` on ORA-00942 or
/// ORA-01031, any other error as it is.
pub(super) fn reads_dba_views(conn: &Connection) -> oracle::Result<bool> {
    match conn.query(PROBE_SQL, &[]) {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.oci_code(), Some(942 | 1031)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The privilege probe, the schema check, then every dictionary query.
fn read_rows(conn: &Connection, url: &DbUrl, asked: &[String]) -> Result<DictionaryRows> {
    let prefix = match reads_dba_views(conn) {
        Ok(true) => Prefix::Dba,
        Ok(false) => Prefix::All,
        Err(e) => return Err(anyhow!("cannot query the data dictionary of {url}: {e}")),
    };
    let schemas = schemas(conn, url, asked)?;
    let binds: Vec<(String, &dyn ToSql)> = schemas
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("s{}", i + 1), s as &dyn ToSql))
        .collect();
    let mut rows = DictionaryRows::default();
    for (query, sql) in dictionary_queries(prefix, schemas.len()) {
        let fail = |e: oracle::Error| {
            dictionary_error(
                query,
                prefix,
                &url.to_string(),
                e.oci_code(),
                &e.to_string(),
            )
        };
        match query {
            Query::Tables => rows.tables = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Columns => rows.columns = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Constraints => rows.constraints = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::ConstraintColumns => {
                rows.constraint_columns = fetch(conn, &sql, &binds).map_err(fail)?
            }
            Query::Indexes => rows.indexes = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Sequences => rows.sequences = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Views => rows.views = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::MaterializedViews => {
                rows.materialized_views = fetch(conn, &sql, &binds).map_err(fail)?
            }
            Query::Triggers => rows.triggers = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Source => rows.source = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Synonyms => rows.synonyms = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Grants => rows.grants = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Dependencies => rows.dependencies = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Objects => rows.objects = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::SpatialMetadata => {
                rows.srids = match fetch(conn, &sql, &binds) {
                    Ok(srids) => srids,
                    // No Oracle Spatial: no view (942), a dangling public synonym (980), or a
                    // view left invalid (4063). Spatial columns then have no SRID.
                    Err(e) if matches!(e.oci_code(), Some(942 | 980 | 4063)) => Vec::new(),
                    Err(e) => return Err(fail(e)),
                }
            }
        }
    }
    Ok(rows)
}

/// The schemas to read: those asked for, checked against `ALL_USERS`, or `CURRENT_SCHEMA`.
fn schemas(conn: &Connection, url: &DbUrl, asked: &[String]) -> Result<Vec<String>> {
    if asked.is_empty() {
        let (schema,): (Option<String>,) = conn
            .query_row_as(CURRENT_SCHEMA_SQL, &[])
            .map_err(|e| anyhow!("cannot read the current schema of {url}: {e}"))?;
        return match schema {
            Some(schema) if !schema.is_empty() => Ok(vec![schema]),
            _ => Err(anyhow!(
                "{url} reports no current schema: pass --schema with the owner of the tables"
            )),
        };
    }
    let binds: Vec<(String, &dyn ToSql)> = asked
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("s{}", i + 1), s as &dyn ToSql))
        .collect();
    let found: Vec<UserRow> = fetch(conn, &schemas_sql(asked.len()), &binds)
        .map_err(|e| anyhow!("cannot read the users (ALL_USERS) of {url}: {e}"))?;
    let found: Vec<String> = found.into_iter().map(|u| u.name).collect();
    check_schemas(asked, &found, &url.to_string())
}

/// Runs one query with the schemas bound by name and maps every row.
fn fetch<T: DictRow>(
    conn: &Connection,
    sql: &str,
    binds: &[(String, &dyn ToSql)],
) -> oracle::Result<Vec<T>> {
    let mut statement = conn
        .statement(sql)
        .prefetch_rows(FETCH_ROWS)
        .fetch_array_size(FETCH_ROWS)
        .build()?;
    let named: Vec<(&str, &dyn ToSql)> = binds.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let mut out = Vec::new();
    for row in statement.query_named(&named)? {
        out.push(T::from_row(&row?)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The queries.

/// Succeeds when the session may read the `DBA_` views; fails with ORA-00942 otherwise.
const PROBE_SQL: &str = "SELECT 1 FROM DBA_OBJECTS WHERE ROWNUM = 0";

const CURRENT_SCHEMA_SQL: &str = "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL";

/// Which family of dictionary views the queries read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prefix {
    /// What the user has privileges on.
    All,
    /// Everything (`SELECT_CATALOG_ROLE`, `SELECT ANY DICTIONARY`).
    Dba,
}

impl Prefix {
    fn word(self) -> &'static str {
        match self {
            Prefix::All => "ALL",
            Prefix::Dba => "DBA",
        }
    }
}

/// The dictionary queries, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Query {
    Tables,
    Columns,
    Constraints,
    ConstraintColumns,
    Indexes,
    Sequences,
    Views,
    MaterializedViews,
    Triggers,
    Source,
    Synonyms,
    Grants,
    Dependencies,
    Objects,
    SpatialMetadata,
}

impl Query {
    const ALL: [Query; 15] = [
        Query::Tables,
        Query::Columns,
        Query::Constraints,
        Query::ConstraintColumns,
        Query::Indexes,
        Query::Sequences,
        Query::Views,
        Query::MaterializedViews,
        Query::Triggers,
        Query::Source,
        Query::Synonyms,
        Query::Grants,
        Query::Dependencies,
        Query::Objects,
        Query::SpatialMetadata,
    ];

    /// What it reads, in the users' words.
    fn what(self) -> &'static str {
        match self {
            Query::Tables => "tables",
            Query::Columns => "columns",
            Query::Constraints => "constraints",
            Query::ConstraintColumns => "constraint columns",
            Query::Indexes => "indexes",
            Query::Sequences => "sequences",
            Query::Views => "views",
            Query::MaterializedViews => "materialized views",
            Query::Triggers => "triggers",
            Query::Source => "stored code",
            Query::Synonyms => "synonyms",
            Query::Grants => "grants",
            Query::Dependencies => "dependencies",
            Query::Objects => "objects",
            Query::SpatialMetadata => "spatial metadata",
        }
    }

    /// The dictionary views it reads (without prefix).
    fn views(self) -> &'static [&'static str] {
        match self {
            Query::Tables => &["TABLES", "TAB_COMMENTS", "MVIEWS"],
            Query::Columns => &["TAB_COLS", "TAB_IDENTITY_COLS", "COL_COMMENTS"],
            Query::Constraints => &["CONSTRAINTS"],
            Query::ConstraintColumns => &["CONS_COLUMNS", "CONSTRAINTS"],
            Query::Indexes => &["INDEXES", "IND_COLUMNS", "IND_EXPRESSIONS"],
            Query::Sequences => &["SEQUENCES"],
            Query::Views => &["VIEWS", "TAB_COMMENTS"],
            Query::MaterializedViews => &["MVIEWS", "MVIEW_COMMENTS"],
            Query::Triggers => &["TRIGGERS"],
            Query::Source => &["SOURCE"],
            Query::Synonyms => &["SYNONYMS"],
            Query::Grants => &["TAB_PRIVS"],
            Query::Dependencies => &["DEPENDENCIES"],
            Query::Objects => &["OBJECTS"],
            Query::SpatialMetadata => &["SDO_GEOM_METADATA"],
        }
    }

    /// The views with their prefix, e.g. `ALL_TAB_COLS, ALL_TAB_IDENTITY_COLS`.
    fn view_names(self, prefix: Prefix) -> String {
        // Spatial metadata has ALL_ and USER_ views only.
        let prefix = if self == Query::SpatialMetadata {
            Prefix::All
        } else {
            prefix
        };
        self.views()
            .iter()
            .map(|v| format!("{}_{v}", prefix.word()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `:s1, :s2, …` for `schemas` schemas (`NULL`, which matches nothing, for none).
fn schema_binds(schemas: usize) -> String {
    if schemas == 0 {
        return "NULL".to_string();
    }
    (1..=schemas)
        .map(|i| format!(":s{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The users whose names match those asked for, ignoring case (to suggest the spelling).
fn schemas_sql(schemas: usize) -> String {
    let binds = (1..=schemas.max(1))
        .map(|i| format!("UPPER(:s{i})"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT USERNAME FROM ALL_USERS WHERE UPPER(USERNAME) IN ({binds}) ORDER BY USERNAME")
}

/// Every dictionary query, with the schemas as binds `:s1` … `:s<schemas>`: always the same
/// number of queries, whatever the number of schemas and objects. LONG columns (`DATA_DEFAULT`,
/// `SEARCH_CONDITION`, `TEXT`, `QUERY`, `COLUMN_EXPRESSION`) come last in their query and are
/// never filtered or sorted on, which Oracle does not allow.
fn dictionary_queries(prefix: Prefix, schemas: usize) -> Vec<(Query, String)> {
    let s = schema_binds(schemas);
    let p = prefix.word();
    Query::ALL
        .iter()
        .map(|&query| {
            let sql = match query {
                Query::Tables => format!(
                    "SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS, c.COMMENTS \
                     FROM {p}_TABLES t \
                     LEFT JOIN {p}_TAB_COMMENTS c ON c.OWNER = t.OWNER \
                       AND c.TABLE_NAME = t.TABLE_NAME AND c.TABLE_TYPE = 'TABLE' \
                     WHERE t.OWNER IN ({s}) AND t.DROPPED = 'NO' AND t.NESTED = 'NO' \
                       AND t.SECONDARY = 'N' AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT') \
                       AND t.TABLE_NAME NOT LIKE 'BIN$%' AND t.TABLE_NAME NOT LIKE 'DR$%' \
                       AND t.TABLE_NAME NOT LIKE 'MLOG$\\_%' ESCAPE '\\' \
                       AND t.TABLE_NAME NOT LIKE 'RUPD$\\_%' ESCAPE '\\' \
                       AND NOT EXISTS (SELECT 1 FROM {p}_MVIEWS m \
                         WHERE m.OWNER = t.OWNER AND m.CONTAINER_NAME = t.TABLE_NAME) \
                     ORDER BY t.OWNER, t.TABLE_NAME"
                ),
                Query::Columns => format!(
                    "SELECT c.OWNER, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, \
                       c.DATA_TYPE_OWNER, c.DATA_LENGTH, c.CHAR_LENGTH, c.DATA_PRECISION, \
                       c.DATA_SCALE, c.CHAR_USED, c.NULLABLE, c.VIRTUAL_COLUMN, \
                       c.IDENTITY_COLUMN, i.GENERATION_TYPE, i.SEQUENCE_NAME, m.COMMENTS, \
                       c.DATA_DEFAULT \
                     FROM {p}_TAB_COLS c \
                     LEFT JOIN {p}_TAB_IDENTITY_COLS i ON i.OWNER = c.OWNER \
                       AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME \
                     LEFT JOIN {p}_COL_COMMENTS m ON m.OWNER = c.OWNER \
                       AND m.TABLE_NAME = c.TABLE_NAME AND m.COLUMN_NAME = c.COLUMN_NAME \
                     WHERE c.OWNER IN ({s}) AND c.HIDDEN_COLUMN = 'NO' \
                     ORDER BY c.OWNER, c.TABLE_NAME, c.COLUMN_ID"
                ),
                Query::Constraints => format!(
                    "SELECT c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, \
                       c.GENERATED, c.R_OWNER, r.TABLE_NAME, c.DELETE_RULE, c.DEFERRABLE, \
                       c.DEFERRED, c.STATUS, c.INDEX_OWNER, c.INDEX_NAME, c.SEARCH_CONDITION \
                     FROM {p}_CONSTRAINTS c \
                     LEFT JOIN {p}_CONSTRAINTS r ON r.OWNER = c.R_OWNER \
                       AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME \
                     WHERE c.OWNER IN ({s}) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C') \
                     ORDER BY c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME"
                ),
                Query::ConstraintColumns => format!(
                    "SELECT k.OWNER, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.POSITION, \
                       rk.COLUMN_NAME \
                     FROM {p}_CONS_COLUMNS k \
                     JOIN {p}_CONSTRAINTS c ON c.OWNER = k.OWNER \
                       AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                     LEFT JOIN {p}_CONS_COLUMNS rk ON rk.OWNER = c.R_OWNER \
                       AND rk.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME AND rk.POSITION = k.POSITION \
                     WHERE k.OWNER IN ({s}) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R') \
                     ORDER BY k.OWNER, k.CONSTRAINT_NAME, k.POSITION"
                ),
                Query::Indexes => format!(
                    "SELECT i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, i.INDEX_TYPE, \
                       i.UNIQUENESS, k.COLUMN_POSITION, k.COLUMN_NAME, k.DESCEND, \
                       e.COLUMN_EXPRESSION \
                     FROM {p}_INDEXES i \
                     JOIN {p}_IND_COLUMNS k ON k.INDEX_OWNER = i.OWNER \
                       AND k.INDEX_NAME = i.INDEX_NAME \
                     LEFT JOIN {p}_IND_EXPRESSIONS e ON e.INDEX_OWNER = k.INDEX_OWNER \
                       AND e.INDEX_NAME = k.INDEX_NAME AND e.COLUMN_POSITION = k.COLUMN_POSITION \
                     WHERE i.TABLE_OWNER IN ({s}) AND i.TABLE_TYPE = 'TABLE' \
                       AND i.GENERATED = 'N' \
                     ORDER BY i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, \
                       k.COLUMN_POSITION"
                ),
                Query::Sequences => format!(
                    "SELECT s.SEQUENCE_OWNER, s.SEQUENCE_NAME, s.MIN_VALUE, s.MAX_VALUE, \
                       s.INCREMENT_BY, s.CYCLE_FLAG, s.CACHE_SIZE, s.LAST_NUMBER \
                     FROM {p}_SEQUENCES s \
                     WHERE s.SEQUENCE_OWNER IN ({s}) \
                     ORDER BY s.SEQUENCE_OWNER, s.SEQUENCE_NAME"
                ),
                Query::Views => format!(
                    "SELECT v.OWNER, v.VIEW_NAME, c.COMMENTS, v.TEXT \
                     FROM {p}_VIEWS v \
                     LEFT JOIN {p}_TAB_COMMENTS c ON c.OWNER = v.OWNER \
                       AND c.TABLE_NAME = v.VIEW_NAME AND c.TABLE_TYPE = 'VIEW' \
                     WHERE v.OWNER IN ({s}) \
                     ORDER BY v.OWNER, v.VIEW_NAME"
                ),
                Query::MaterializedViews => format!(
                    "SELECT m.OWNER, m.MVIEW_NAME, c.COMMENTS, m.QUERY \
                     FROM {p}_MVIEWS m \
                     LEFT JOIN {p}_MVIEW_COMMENTS c ON c.OWNER = m.OWNER \
                       AND c.MVIEW_NAME = m.MVIEW_NAME \
                     WHERE m.OWNER IN ({s}) \
                     ORDER BY m.OWNER, m.MVIEW_NAME"
                ),
                Query::Triggers => format!(
                    "SELECT t.OWNER, t.TRIGGER_NAME, t.TABLE_OWNER, t.TABLE_NAME, \
                       t.BASE_OBJECT_TYPE, t.TRIGGER_TYPE, t.TRIGGERING_EVENT, t.STATUS \
                     FROM {p}_TRIGGERS t \
                     WHERE t.OWNER IN ({s}) \
                     ORDER BY t.OWNER, t.TRIGGER_NAME"
                ),
                Query::Source => format!(
                    "SELECT s.OWNER, s.TYPE, s.NAME, s.LINE, s.TEXT \
                     FROM {p}_SOURCE s \
                     WHERE s.OWNER IN ({s}) AND s.TYPE IN ('PACKAGE', 'PACKAGE BODY', \
                       'PROCEDURE', 'FUNCTION', 'TYPE', 'TYPE BODY', 'TRIGGER') \
                       AND s.NAME NOT LIKE 'SYS\\_PLSQL\\_%' ESCAPE '\\' \
                     ORDER BY s.OWNER, s.TYPE, s.NAME, s.LINE"
                ),
                Query::Synonyms => format!(
                    "SELECT s.OWNER, s.SYNONYM_NAME, s.TABLE_OWNER, s.TABLE_NAME, s.DB_LINK \
                     FROM {p}_SYNONYMS s \
                     WHERE s.OWNER IN ({s}) \
                     ORDER BY s.OWNER, s.SYNONYM_NAME"
                ),
                Query::Grants => {
                    // The object's owner is TABLE_SCHEMA in ALL_TAB_PRIVS, OWNER in DBA_TAB_PRIVS.
                    let owner = match prefix {
                        Prefix::All => "TABLE_SCHEMA",
                        Prefix::Dba => "OWNER",
                    };
                    format!(
                        "SELECT p.{owner}, p.TABLE_NAME, p.TYPE, p.GRANTEE, p.PRIVILEGE, \
                           p.GRANTABLE \
                         FROM {p}_TAB_PRIVS p \
                         WHERE p.{owner} IN ({s}) \
                         ORDER BY p.{owner}, p.TABLE_NAME, p.GRANTEE, p.PRIVILEGE"
                    )
                }
                Query::Dependencies => format!(
                    "SELECT d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, d.REFERENCED_NAME, \
                       d.REFERENCED_TYPE \
                     FROM {p}_DEPENDENCIES d \
                     WHERE d.OWNER IN ({s}) AND d.REFERENCED_LINK_NAME IS NULL \
                     ORDER BY d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, \
                       d.REFERENCED_NAME, d.REFERENCED_TYPE"
                ),
                Query::Objects => format!(
                    "SELECT o.OWNER, o.OBJECT_NAME, o.OBJECT_TYPE \
                     FROM {p}_OBJECTS o \
                     WHERE o.OWNER IN ({s}) AND o.SUBOBJECT_NAME IS NULL \
                       AND o.SECONDARY = 'N' AND o.OBJECT_TYPE NOT IN ('TABLE', \
                       'TABLE PARTITION', 'TABLE SUBPARTITION', 'VIEW', 'MATERIALIZED VIEW', \
                       'SEQUENCE', 'INDEX', 'INDEX PARTITION', 'INDEX SUBPARTITION', 'LOB', \
                       'LOB PARTITION', 'LOB SUBPARTITION', 'TRIGGER', 'PACKAGE', \
                       'PACKAGE BODY', 'PROCEDURE', 'FUNCTION', 'TYPE', 'TYPE BODY', \
                       'SYNONYM', 'NON-EXISTENT') \
                     ORDER BY o.OWNER, o.OBJECT_NAME, o.OBJECT_TYPE"
                ),
                Query::SpatialMetadata => format!(
                    "SELECT g.OWNER, g.TABLE_NAME, g.COLUMN_NAME, g.SRID \
                     FROM ALL_SDO_GEOM_METADATA g \
                     WHERE g.OWNER IN ({s})"
                ),
            };
            (query, sql)
        })
        .collect()
}

/// A failed dictionary query as the user can act on it: which views, which privilege.
fn dictionary_error(
    query: Query,
    prefix: Prefix,
    url: &str,
    code: Option<i32>,
    message: &str,
) -> anyhow::Error {
    let views = query.view_names(prefix);
    let what = query.what();
    match code {
        Some(942 | 1031) => {
            let release = if query == Query::Columns && prefix == Prefix::All {
                " (ALL_TAB_IDENTITY_COLS exists from Oracle 12.1 on, which dbsub needs)"
            } else {
                ""
            };
            anyhow!(
                "cannot read the {what} of {url}: the user may not read {views}{release} \
                 ({message}); grant it SELECT_CATALOG_ROLE (or SELECT ANY DICTIONARY), or SELECT \
                 on these views"
            )
        }
        Some(904) => anyhow!(
            "cannot read the {what} of {url}: {views} lack a column dbsub reads ({message}); \
             dbsub needs Oracle 12.1 or later"
        ),
        _ => anyhow!("cannot read the {what} of {url} from {views}: {message}"),
    }
}

/// The schemas asked for, each as `found` spells it, without repeats.
///
/// Fails for a schema that is not a user: with the right spelling when only the case differs
/// (Oracle keeps unquoted names in upper case), else asking for the owner of the tables.
fn check_schemas(asked: &[String], found: &[String], url: &str) -> Result<Vec<String>> {
    let mut wanted: Vec<String> = Vec::new();
    for schema in asked {
        if found.contains(schema) {
            if !wanted.contains(schema) {
                wanted.push(schema.clone());
            }
            continue;
        }
        return Err(
            match found.iter().find(|f| f.eq_ignore_ascii_case(schema)) {
                Some(spelled) => anyhow!(
                    "schema `{schema}` does not exist in {url}, but `{spelled}` does: Oracle keeps \
                 unquoted names in upper case, so pass --schema {spelled}"
                ),
                None => anyhow!(
                    "schema `{schema}` does not exist in {url} (no such user in ALL_USERS): pass \
                 --schema with the owner of the tables, as Oracle spells it (usually upper case)"
                ),
            },
        );
    }
    Ok(wanted)
}

// ---------------------------------------------------------------------------------------
// The rows, one struct per query, named after the dictionary's columns.

/// A row of a dictionary query.
trait DictRow: Sized {
    fn from_row(row: &Row) -> oracle::Result<Self>;
}

/// A text column; NULL as the empty string.
fn text(row: &Row, i: usize) -> oracle::Result<String> {
    Ok(row.get::<usize, Option<String>>(i)?.unwrap_or_default())
}

fn opt(row: &Row, i: usize) -> oracle::Result<Option<String>> {
    row.get::<usize, Option<String>>(i)
}

/// A flag column: whether it holds `word` (`Y`, `YES`, `ENABLED`, …).
fn flag(row: &Row, i: usize, word: &str) -> oracle::Result<bool> {
    Ok(text(row, i)?.trim() == word)
}

struct UserRow {
    name: String,
}

impl DictRow for UserRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(UserRow {
            name: text(row, 0)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct TableRow {
    owner: String,
    name: String,
    num_rows: Option<u64>,
    comment: Option<String>,
}

impl DictRow for TableRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(TableRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            num_rows: row.get(2)?,
            comment: opt(row, 3)?,
        })
    }
}

/// The type fields of an `ALL_TAB_COLS` row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct TypeFields {
    data_type: String,
    data_type_owner: Option<String>,
    data_length: Option<u32>,
    char_length: Option<u32>,
    data_precision: Option<i64>,
    data_scale: Option<i64>,
    /// `C` (characters) or `B` (bytes) for the character types.
    char_used: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct ColumnRow {
    owner: String,
    table: String,
    name: String,
    ty: TypeFields,
    nullable: bool,
    virtual_column: bool,
    identity_column: bool,
    /// `ALWAYS` or `BY DEFAULT`.
    generation_type: Option<String>,
    identity_sequence: Option<String>,
    comment: Option<String>,
    /// A LONG: the default, a virtual column's expression, or an identity's `nextval`.
    data_default: Option<String>,
}

impl DictRow for ColumnRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ColumnRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            name: text(row, 2)?,
            ty: TypeFields {
                data_type: text(row, 3)?,
                data_type_owner: opt(row, 4)?,
                data_length: row.get(5)?,
                char_length: row.get(6)?,
                data_precision: row.get(7)?,
                data_scale: row.get(8)?,
                char_used: opt(row, 9)?,
            },
            nullable: flag(row, 10, "Y")?,
            virtual_column: flag(row, 11, "YES")?,
            identity_column: flag(row, 12, "YES")?,
            generation_type: opt(row, 13)?,
            identity_sequence: opt(row, 14)?,
            comment: opt(row, 15)?,
            data_default: opt(row, 16)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct ConstraintRow {
    owner: String,
    table: String,
    name: String,
    /// `P`, `U`, `R` or `C`.
    constraint_type: String,
    /// `GENERATED NAME` (`SYS_C…`) rather than `USER NAME`.
    generated_name: bool,
    r_owner: Option<String>,
    /// The table of the referenced key, when the user can see it.
    r_table: Option<String>,
    delete_rule: Option<String>,
    deferrable: bool,
    deferred: bool,
    enabled: bool,
    index_owner: Option<String>,
    index_name: Option<String>,
    /// A LONG, chosen over 12.2's `SEARCH_CONDITION_VC`, which may be cut at 4000 bytes and
    /// does not exist before 12.2; the NOT NULL checks are told apart here, not in SQL, where
    /// a LONG cannot be filtered on.
    search_condition: Option<String>,
}

impl DictRow for ConstraintRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ConstraintRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            name: text(row, 2)?,
            constraint_type: text(row, 3)?,
            generated_name: flag(row, 4, "GENERATED NAME")?,
            r_owner: opt(row, 5)?,
            r_table: opt(row, 6)?,
            delete_rule: opt(row, 7)?,
            deferrable: flag(row, 8, "DEFERRABLE")?,
            deferred: flag(row, 9, "DEFERRED")?,
            enabled: flag(row, 10, "ENABLED")?,
            index_owner: opt(row, 11)?,
            index_name: opt(row, 12)?,
            search_condition: opt(row, 13)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct ConstraintColumnRow {
    owner: String,
    constraint: String,
    column: String,
    position: u32,
    /// The referenced key's column at the same position (foreign keys).
    r_column: Option<String>,
}

impl DictRow for ConstraintColumnRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ConstraintColumnRow {
            owner: text(row, 0)?,
            constraint: text(row, 1)?,
            column: text(row, 2)?,
            position: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            r_column: opt(row, 4)?,
        })
    }
}

/// One column of an index.
#[derive(Clone, Debug, Default)]
struct IndexRow {
    table_owner: String,
    table: String,
    owner: String,
    name: String,
    index_type: String,
    unique: bool,
    position: u32,
    /// The column, or the hidden `SYS_NC…$` column of an expression.
    column: String,
    descending: bool,
    /// A LONG: the expression of a function-based (or descending) index column.
    expression: Option<String>,
}

impl DictRow for IndexRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(IndexRow {
            table_owner: text(row, 0)?,
            table: text(row, 1)?,
            owner: text(row, 2)?,
            name: text(row, 3)?,
            index_type: text(row, 4)?,
            unique: flag(row, 5, "UNIQUE")?,
            position: row.get::<usize, Option<u32>>(6)?.unwrap_or(0),
            column: text(row, 7)?,
            descending: flag(row, 8, "DESC")?,
            expression: opt(row, 9)?,
        })
    }
}

/// Numbers as text: a sequence's limits reach 28 digits, beyond i64.
#[derive(Clone, Debug, Default)]
struct SequenceRow {
    owner: String,
    name: String,
    min_value: String,
    max_value: String,
    increment_by: String,
    cycle: bool,
    cache_size: String,
    last_number: String,
}

impl DictRow for SequenceRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SequenceRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            min_value: text(row, 2)?,
            max_value: text(row, 3)?,
            increment_by: text(row, 4)?,
            cycle: flag(row, 5, "Y")?,
            cache_size: text(row, 6)?,
            last_number: text(row, 7)?,
        })
    }
}

/// A view or a materialized view.
#[derive(Clone, Debug, Default)]
struct ViewRow {
    owner: String,
    name: String,
    comment: Option<String>,
    /// A LONG: `ALL_VIEWS.TEXT` or `ALL_MVIEWS.QUERY`.
    text: Option<String>,
}

impl DictRow for ViewRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ViewRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            comment: opt(row, 2)?,
            text: opt(row, 3)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct TriggerRow {
    owner: String,
    name: String,
    table_owner: Option<String>,
    table: Option<String>,
    /// `TABLE`, `VIEW`, `SCHEMA` or `DATABASE`.
    base_object_type: String,
    /// `BEFORE EACH ROW`, `AFTER STATEMENT`, `INSTEAD OF`, `COMPOUND`, …
    trigger_type: String,
    /// `INSERT OR UPDATE`, …
    triggering_event: String,
    enabled: bool,
}

impl DictRow for TriggerRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(TriggerRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            table_owner: opt(row, 2)?,
            table: opt(row, 3)?,
            base_object_type: text(row, 4)?,
            trigger_type: text(row, 5)?,
            triggering_event: text(row, 6)?,
            enabled: flag(row, 7, "ENABLED")?,
        })
    }
}

/// One line of stored code; `text` keeps its line feed.
#[derive(Clone, Debug, Default)]
struct SourceRow {
    owner: String,
    /// `PACKAGE`, `PACKAGE BODY`, …, `TRIGGER`.
    kind: String,
    name: String,
    line: u32,
    text: String,
}

impl DictRow for SourceRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SourceRow {
            owner: text(row, 0)?,
            kind: text(row, 1)?,
            name: text(row, 2)?,
            line: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            text: text(row, 4)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct SynonymRow {
    owner: String,
    name: String,
    table_owner: Option<String>,
    table: String,
    db_link: Option<String>,
}

impl DictRow for SynonymRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SynonymRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            table_owner: opt(row, 2)?,
            table: text(row, 3)?,
            db_link: opt(row, 4)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct GrantRow {
    owner: String,
    name: String,
    /// The object's kind (`TABLE`, `PACKAGE`, …).
    object_type: Option<String>,
    grantee: String,
    privilege: String,
    grantable: bool,
}

impl DictRow for GrantRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(GrantRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            object_type: opt(row, 2)?,
            grantee: text(row, 3)?,
            privilege: text(row, 4)?,
            grantable: flag(row, 5, "YES")?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct DependencyRow {
    owner: String,
    name: String,
    kind: String,
    referenced_owner: String,
    referenced_name: String,
    referenced_kind: String,
}

impl DictRow for DependencyRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(DependencyRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            kind: text(row, 2)?,
            referenced_owner: text(row, 3)?,
            referenced_name: text(row, 4)?,
            referenced_kind: text(row, 5)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct ObjectRow {
    owner: String,
    name: String,
    object_type: String,
}

impl DictRow for ObjectRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ObjectRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            object_type: text(row, 2)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct SridRow {
    owner: String,
    table: String,
    column: String,
    srid: Option<i32>,
}

impl DictRow for SridRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SridRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            column: text(row, 2)?,
            srid: row.get(3)?,
        })
    }
}

/// The rows of every dictionary query.
#[derive(Clone, Debug, Default)]
struct DictionaryRows {
    tables: Vec<TableRow>,
    columns: Vec<ColumnRow>,
    constraints: Vec<ConstraintRow>,
    constraint_columns: Vec<ConstraintColumnRow>,
    indexes: Vec<IndexRow>,
    sequences: Vec<SequenceRow>,
    views: Vec<ViewRow>,
    materialized_views: Vec<ViewRow>,
    triggers: Vec<TriggerRow>,
    source: Vec<SourceRow>,
    synonyms: Vec<SynonymRow>,
    grants: Vec<GrantRow>,
    dependencies: Vec<DependencyRow>,
    objects: Vec<ObjectRow>,
    srids: Vec<SridRow>,
}

// ---------------------------------------------------------------------------------------
// From rows to the model.

type Name = (String, String);

/// An index being assembled, by (table, index): the index and its columns with their
/// positions.
type IndexParts = (Index, Vec<(u32, IndexColumn)>);

fn name(owner: &str, object: &str) -> Name {
    (owner.to_string(), object.to_string())
}

/// Builds the catalog from the rows of every dictionary query, then sorts it
/// ([`Catalog::normalize`]).
///
/// Indexes: those that back a primary or unique key are left out (the key creates its own), as
/// are the types [`index_type_read`] leaves out; a descending column, which Oracle keeps as an
/// expression `"X"`, is the column `X` descending; a function-based index keeps its expression.
///
/// Fails when a foreign key's parent key or a trigger's source is hidden from the user (the
/// `ALL_` views show only what the user has privileges on), or a sequence's number is not an
/// integer.
fn assemble(rows: DictionaryRows) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    let mut columns = columns(rows.columns, &rows.srids);
    let mut tables = tables(rows.tables, &mut columns.of);
    let key_indexes = keys(&mut tables, rows.constraints, rows.constraint_columns)?;
    let index_tables = indexes(&mut tables, rows.indexes, &key_indexes);
    sequences(&mut catalog, rows.sequences, &columns.identity_owner)?;
    views(
        &mut catalog,
        rows.views,
        rows.materialized_views,
        &mut columns.of,
    );
    let mut sources = sources(rows.source);
    triggers(&mut catalog, rows.triggers, &mut sources)?;
    routines(&mut catalog, sources);
    synonyms(&mut catalog, rows.synonyms);
    others(&mut catalog, rows.objects);
    // Grants and dependencies are kept only on objects the catalog holds: they come last.
    catalog.tables = tables.into_values().collect();
    let objects = Objects::new(&catalog, index_tables);
    grants(&mut catalog, rows.grants, &objects);
    dependencies(&mut catalog, rows.dependencies, &objects);
    catalog.normalize();
    Ok(catalog)
}

/// The columns of tables and views, before their tables and views take them.
struct Columns {
    /// By (owner, table or view), in the dictionary's order.
    of: HashMap<Name, Vec<Column>>,
    /// The (table, column) of each identity sequence, by (owner, sequence).
    identity_owner: HashMap<Name, (String, String)>,
}

/// The columns of every table and view: types (a spatial column with its SRID), defaults,
/// identity and virtual columns, comments.
fn columns(rows: Vec<ColumnRow>, srids: &[SridRow]) -> Columns {
    let srids: HashMap<(String, String, String), i32> = srids
        .iter()
        .filter_map(|s| {
            let srid = s.srid?;
            Some(((s.owner.clone(), s.table.clone(), s.column.clone()), srid))
        })
        .collect();
    let mut columns = Columns {
        of: HashMap::new(),
        identity_owner: HashMap::new(),
    };
    for c in rows {
        let (native_type, mut neutral_type) = column_type(&c.ty);
        if let NeutralType::Spatial { srid } = &mut neutral_type {
            *srid = srids
                .get(&(c.owner.clone(), c.table.clone(), c.name.clone()))
                .copied();
        }
        let identity = c.identity_column.then(|| Identity {
            always: c.generation_type.as_deref().map(str::trim) == Some("ALWAYS"),
            sequence: c.identity_sequence.clone(),
        });
        if let (true, Some(sequence)) = (c.identity_column, &c.identity_sequence) {
            let owner = (c.table.clone(), c.name.clone());
            columns
                .identity_owner
                .insert(name(&c.owner, sequence), owner);
        }
        let expression = c
            .data_default
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        // A virtual column's DATA_DEFAULT is its expression; an identity column's is the
        // `"S"."ISEQ$$_n".nextval` that the identity implies.
        let generated = expression.filter(|_| c.virtual_column).map(str::to_string);
        let default = expression
            .filter(|d| !c.virtual_column && !c.identity_column && !d.eq_ignore_ascii_case("NULL"))
            .map(str::to_string);
        columns
            .of
            .entry(name(&c.owner, &c.table))
            .or_default()
            .push(Column {
                name: c.name,
                native_type,
                neutral_type,
                nullable: c.nullable,
                default,
                identity,
                generated,
                comment: c.comment,
            });
    }
    columns
}

/// The tables, history tables aside, with their columns (taken from `columns`) and comments;
/// keys and indexes come later.
fn tables(rows: Vec<TableRow>, columns: &mut HashMap<Name, Vec<Column>>) -> BTreeMap<Name, Table> {
    let mut tables: BTreeMap<Name, Table> = BTreeMap::new();
    for t in rows {
        if HISTORY_TABLES
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&t.name))
        {
            continue;
        }
        tables.insert(
            name(&t.owner, &t.name),
            Table {
                schema: t.owner,
                name: t.name,
                columns: Vec::new(),
                primary_key: None,
                unique_keys: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
                comment: t.comment,
                estimated_rows: t.num_rows,
            },
        );
    }
    for (key, table) in &mut tables {
        table.columns = columns.remove(key).unwrap_or_default();
    }
    tables
}

/// Adds the primary, unique, foreign and check keys to their tables, with their columns in key
/// order. Returns the indexes that back primary and unique keys, by (owner, index).
///
/// Fails when a foreign key's parent key is hidden from the user.
fn keys(
    tables: &mut BTreeMap<Name, Table>,
    constraints: Vec<ConstraintRow>,
    constraint_columns: Vec<ConstraintColumnRow>,
) -> Result<HashSet<Name>> {
    // Key columns by constraint, in key order, with the referenced key's columns.
    let mut key_columns: HashMap<Name, Vec<ConstraintColumnRow>> = HashMap::new();
    for k in constraint_columns {
        key_columns
            .entry(name(&k.owner, &k.constraint))
            .or_default()
            .push(k);
    }
    for columns in key_columns.values_mut() {
        columns.sort_by_key(|k| k.position);
    }
    let mut key_indexes: HashSet<Name> = HashSet::new();
    for c in constraints {
        let Some(table) = tables.get_mut(&name(&c.owner, &c.table)) else {
            continue;
        };
        let keys = key_columns.get(&name(&c.owner, &c.name));
        let columns: Vec<String> = keys
            .map(|k| k.iter().map(|k| k.column.clone()).collect())
            .unwrap_or_default();
        // A name Oracle made up (SYS_C…) is left for the target to make up.
        let given_name = (!c.generated_name).then(|| c.name.clone());
        match c.constraint_type.trim() {
            kind @ ("P" | "U") => {
                if let Some(index) = &c.index_name {
                    let index_owner = c.index_owner.clone().unwrap_or_else(|| c.owner.clone());
                    key_indexes.insert((index_owner, index.clone()));
                }
                let key = Key {
                    name: given_name,
                    columns,
                };
                if kind == "P" {
                    table.primary_key = Some(key);
                } else {
                    table.unique_keys.push(key);
                }
            }
            "R" => table.foreign_keys.push(foreign_key(&c, columns, keys)?),
            "C" => {
                if let Some(check) = check_key(&c, given_name, table) {
                    table.checks.push(check);
                }
            }
            _ => {}
        }
    }
    for t in tables.values_mut() {
        // Declaration order is not in the dictionary; name order is stable.
        t.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(key_indexes)
}

/// The foreign key of a constraint row, given its columns and its key columns' rows.
///
/// Fails when the parent key is hidden from the user.
fn foreign_key(
    c: &ConstraintRow,
    columns: Vec<String>,
    keys: Option<&Vec<ConstraintColumnRow>>,
) -> Result<ForeignKey> {
    let r_owner = c.r_owner.clone().unwrap_or_else(|| c.owner.clone());
    let hidden = || {
        anyhow!(
            "foreign key {} of {}.{} references a key of schema {r_owner} that the \
             user may not see: grant it SELECT_CATALOG_ROLE (dbsub then reads the \
             DBA_ views) or SELECT on the parent table",
            c.name,
            c.owner,
            c.table
        )
    };
    let ref_table = c.r_table.clone().ok_or_else(hidden)?;
    let ref_columns = keys
        .map(|k| k.iter().map(|k| k.r_column.clone()).collect())
        .unwrap_or(Some(Vec::new()))
        .ok_or_else(hidden)?;
    Ok(ForeignKey {
        name: c.name.clone(),
        columns,
        ref_schema: r_owner,
        ref_table,
        ref_columns,
        on_delete: FkAction::parse(c.delete_rule.as_deref().unwrap_or("")).unwrap_or_default(),
        on_update: FkAction::NoAction,
        deferrable: c.deferrable,
        initially_deferred: c.deferred,
        enabled: c.enabled,
    })
}

/// The check of a constraint row, if the table is to have one: not when it is disabled, empty,
/// or the `"X" IS NOT NULL` that a NOT NULL column `X` implies.
fn check_key(c: &ConstraintRow, name: Option<String>, table: &Table) -> Option<Check> {
    // A disabled check does not hold for the data; enabled in a target it would refuse the
    // rows that break it.
    if !c.enabled {
        return None;
    }
    let expression = c
        .search_condition
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())?;
    let not_null = not_null_check_column(expression)
        .is_some_and(|col| table.column(&col).is_some_and(|col| !col.nullable));
    (!not_null).then(|| Check {
        name,
        expression: expression.to_string(),
    })
}

/// Adds the indexes to their tables (see [`assemble`] for those left out), their columns in
/// position order. Returns the table of every index, by (owner, index), for dependencies.
fn indexes(
    tables: &mut BTreeMap<Name, Table>,
    rows: Vec<IndexRow>,
    key_indexes: &HashSet<Name>,
) -> HashMap<Name, Name> {
    // One row per column.
    let mut index_tables: HashMap<Name, Name> = HashMap::new();
    let mut indexes: BTreeMap<(Name, Name), IndexParts> = BTreeMap::new();
    for r in rows {
        let index = name(&r.owner, &r.name);
        let table = name(&r.table_owner, &r.table);
        index_tables.insert(index.clone(), table.clone());
        if key_indexes.contains(&index) || !index_type_read(&r.index_type) {
            continue;
        }
        let column = IndexColumn {
            expression: index_expression(&r),
            descending: r.descending,
        };
        let entry = indexes.entry((table, index)).or_insert_with(|| {
            (
                Index {
                    name: r.name.clone(),
                    unique: r.unique,
                    columns: Vec::new(),
                    predicate: None,
                },
                Vec::new(),
            )
        });
        entry.1.push((r.position, column));
    }
    for ((table, _), (mut index, mut columns)) in indexes {
        let Some(table) = tables.get_mut(&table) else {
            continue;
        };
        columns.sort_by_key(|(position, _)| *position);
        index.columns = columns.into_iter().map(|(_, c)| c).collect();
        table.indexes.push(index);
    }
    index_tables
}

/// Adds the sequences, each where it stands, with the identity column it belongs to.
///
/// Fails when a sequence's number is not an integer.
fn sequences(
    catalog: &mut Catalog,
    rows: Vec<SequenceRow>,
    identity_owner: &HashMap<Name, (String, String)>,
) -> Result<()> {
    for s in rows {
        let number = |text: &str, field: &str| -> Result<i128> {
            text.trim().parse().map_err(|_| {
                anyhow!(
                    "sequence {}.{}: {field} `{text}` is not an integer",
                    s.owner,
                    s.name
                )
            })
        };
        let cache = u64::try_from(number(&s.cache_size, "CACHE_SIZE")?).unwrap_or(0);
        catalog.sequences.push(Sequence {
            // Where the sequence stands: a recreated one continues from there.
            start: number(&s.last_number, "LAST_NUMBER")?,
            increment: number(&s.increment_by, "INCREMENT_BY")?,
            min_value: Some(number(&s.min_value, "MIN_VALUE")?),
            max_value: Some(number(&s.max_value, "MAX_VALUE")?),
            cycle: s.cycle,
            cache: (cache > 0).then_some(cache),
            owned_by: identity_owner.get(&name(&s.owner, &s.name)).cloned(),
            schema: s.owner,
            name: s.name,
        });
    }
    Ok(())
}

/// Adds the views and materialized views, with their columns (taken from `columns`), query and
/// comment.
fn views(
    catalog: &mut Catalog,
    views: Vec<ViewRow>,
    materialized_views: Vec<ViewRow>,
    columns: &mut HashMap<Name, Vec<Column>>,
) {
    for (rows, materialized) in [(views, false), (materialized_views, true)] {
        for v in rows {
            catalog.views.push(View {
                columns: columns.remove(&name(&v.owner, &v.name)).unwrap_or_default(),
                source: v.text.as_deref().unwrap_or("").trim().to_string(),
                schema: v.owner,
                name: v.name,
                materialized,
                comment: v.comment,
            });
        }
    }
}

/// The source of each stored unit, by (owner, kind, name).
type Sources = BTreeMap<(String, String, String), String>;

/// The stored code: the lines of each unit joined in line order, unqualified
/// ([`unqualified_unit`]).
fn sources(rows: Vec<SourceRow>) -> Sources {
    let mut units: BTreeMap<(String, String, String), Vec<(u32, String)>> = BTreeMap::new();
    for s in rows {
        units
            .entry((s.owner, s.kind.trim().to_string(), s.name))
            .or_default()
            .push((s.line, s.text));
    }
    units
        .into_iter()
        .map(|(key, mut lines)| {
            lines.sort_by_key(|(line, _)| *line);
            let text: String = lines.into_iter().map(|(_, text)| text).collect();
            let source = unqualified_unit(&text, &key.0);
            (key, source)
        })
        .collect()
}

/// Adds the triggers on tables, each with its source (taken from `sources`).
///
/// Fails when a table trigger's source is hidden from the user.
fn triggers(catalog: &mut Catalog, rows: Vec<TriggerRow>, sources: &mut Sources) -> Result<()> {
    for t in rows {
        // Triggers on views, schemas and the database have no table to hang on.
        let (Some(table_owner), Some(table_name)) = (t.table_owner, t.table) else {
            continue;
        };
        if t.base_object_type.trim() != "TABLE" {
            continue;
        }
        let source = sources
            .remove(&(t.owner.clone(), "TRIGGER".to_string(), t.name.clone()))
            .ok_or_else(|| {
                anyhow!(
                    "the source of trigger {}.{} is hidden from the user (not in ALL_SOURCE): \
                     grant it SELECT_CATALOG_ROLE, so that dbsub reads DBA_SOURCE",
                    t.owner,
                    t.name
                )
            })?;
        let (timing, for_each_row) = trigger_timing(&t.trigger_type);
        catalog.triggers.push(Trigger {
            schema: t.owner,
            name: t.name,
            table_schema: table_owner,
            table_name,
            timing,
            events: trigger_events(&t.triggering_event),
            for_each_row,
            enabled: t.enabled,
            source,
        });
    }
    Ok(())
}

/// Adds the routines (packages and their bodies, procedures, functions, types and their
/// bodies) from the sources the triggers left.
fn routines(catalog: &mut Catalog, sources: Sources) {
    for ((owner, kind, unit), source) in sources {
        let kind = object_kind(&kind);
        if matches!(kind, ObjectKind::Trigger | ObjectKind::Other) {
            continue;
        }
        catalog.routines.push(Routine {
            schema: owner,
            name: unit,
            kind,
            source,
        });
    }
}

/// Adds the synonyms.
fn synonyms(catalog: &mut Catalog, rows: Vec<SynonymRow>) {
    for s in rows {
        catalog.synonyms.push(Synonym {
            target_schema: s.table_owner.unwrap_or_else(|| s.owner.clone()),
            target_name: s.table,
            db_link: s.db_link.filter(|l| !l.is_empty()),
            schema: s.owner,
            name: s.name,
        });
    }
}

/// Adds the objects of kinds the model does not describe, one per name.
fn others(catalog: &mut Catalog, rows: Vec<ObjectRow>) {
    let mut seen: HashSet<Name> = HashSet::new();
    for o in rows {
        // A Java source and its class share a name, and so a key: the first is kept.
        if object_kind(&o.object_type) == ObjectKind::Other && seen.insert(name(&o.owner, &o.name))
        {
            catalog.others.push(OtherObject {
                schema: o.owner,
                name: o.name,
                object_type: o.object_type,
            });
        }
    }
}

/// The objects of the catalog, once every object is in it, for grants and dependencies to be
/// checked against.
struct Objects {
    /// Every object of the catalog.
    known: HashSet<ObjectKey>,
    /// The materialized views, by (owner, name).
    materialized: HashSet<Name>,
    /// The table of every index, by (owner, index).
    index_tables: HashMap<Name, Name>,
}

impl Objects {
    fn new(catalog: &Catalog, index_tables: HashMap<Name, Name>) -> Objects {
        Objects {
            known: catalog.object_keys().into_iter().collect(),
            materialized: catalog
                .views
                .iter()
                .filter(|v| v.materialized)
                .map(|v| name(&v.schema, &v.name))
                .collect(),
            index_tables,
        }
    }

    /// The model's key for an object the dictionary names: a materialized view's container
    /// table is the materialized view.
    fn key(&self, owner: &str, object: &str, object_type: &str) -> ObjectKey {
        let mut kind = object_kind(object_type);
        if kind == ObjectKind::Table && self.materialized.contains(&name(owner, object)) {
            kind = ObjectKind::MaterializedView;
        }
        ObjectKey::new(owner, object, kind)
    }
}

/// Adds the grants on objects of the catalog.
fn grants(catalog: &mut Catalog, rows: Vec<GrantRow>, objects: &Objects) {
    for g in rows {
        let object = objects.key(
            &g.owner,
            &g.name,
            g.object_type.as_deref().unwrap_or("TABLE"),
        );
        if objects.known.contains(&object) {
            catalog.grants.push(Grant {
                object,
                grantee: g.grantee,
                privilege: g.privilege,
                grantable: g.grantable,
            });
        }
    }
}

/// Adds the dependencies of objects of the catalog, an index's standing for its table's; not
/// those on Oracle's own schemas, on indexes, on missing objects, or of a trigger on its table.
fn dependencies(catalog: &mut Catalog, rows: Vec<DependencyRow>, objects: &Objects) {
    let trigger_tables: HashMap<ObjectKey, ObjectKey> = catalog
        .triggers
        .iter()
        .map(|t| (t.key(), t.table_key()))
        .collect();
    for d in rows {
        if is_oracle_owner(&d.referenced_owner) || d.referenced_kind.trim() == "NON-EXISTENT" {
            continue;
        }
        let mut from = objects.key(&d.owner, &d.name, &d.kind);
        // An index needs what its expression calls; its table stands for it.
        if from.kind == ObjectKind::Index {
            match objects.index_tables.get(&name(&from.schema, &from.name)) {
                Some((owner, table)) => from = ObjectKey::table(owner, table),
                None => continue,
            }
        }
        let to = objects.key(&d.referenced_owner, &d.referenced_name, &d.referenced_kind);
        let on_own_table = trigger_tables.get(&from) == Some(&to);
        if to.kind == ObjectKind::Index
            || from == to
            || on_own_table
            || !objects.known.contains(&from)
        {
            continue;
        }
        catalog.dependencies.push(Dependency { from, to });
    }
}

#[cfg(test)]
mod tests;
