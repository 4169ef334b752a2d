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

mod assemble;
mod rows;
mod text_forms;
mod types;

use anyhow::{Result, anyhow};
use oracle::Connection;
use oracle::sql_type::ToSql;

use crate::catalog::*;
use crate::model::ports::CatalogReader;
use crate::model::{DbKind, DbUrl};

use assemble::assemble;
use rows::{DictRow, DictionaryRows, UserRow};

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

#[cfg(test)]
mod tests;
