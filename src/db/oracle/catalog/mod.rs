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
//! kinds the model does not describe, the SRIDs of spatial columns (skipped quietly when
//! Oracle Spatial is not installed), and partitioning: the partitioned tables, their
//! (sub)partitioning keys, partitions, subpartitions, subpartition templates and local indexes. Everything runs in one read-only transaction, so the
//! queries see one consistent dictionary. The rows then become a catalog in one pure function
//! ([`assemble`](fn@assemble)).
//!
//! Needs Oracle 12.1 or later (identity columns, `*_TAB_PRIVS.TYPE`).
//!
//! Left out: tables in the recycle bin (`BIN$…`), nested tables, index-organized overflow and
//! mapping tables, secondary tables of domain indexes (Oracle Text `DR$…`), materialized-view
//! logs (`MLOG$_…`, `RUPD$_…`) and the container tables of materialized views (the
//! materialized view stands for them), object tables, dbsub's and Flyway's history tables;
//! hidden and invisible columns; constraints other than primary, unique, foreign and check
//! keys, disabled checks, and the `"X" IS NOT NULL` checks Oracle keeps for NOT NULL columns;
//! see [`assemble`](fn@assemble) for indexes; triggers on views, schemas and the database; column
//! privileges; the types Oracle generates for PL/SQL (`SYS_PLSQL_…`); dependencies through
//! database links and on Oracle's own schemas (`ORACLE_OWNERS` in `text_forms.rs`); partitions
//! as objects (the partitioned table stands for them), the partitions an interval added,
//! automatic list partitioning and globally partitioned indexes.
//!
//! This file runs the reader; beside it, `queries.rs` holds the query text, `rows.rs` the row
//! structs and their reading, `assemble.rs` the assembly's phases, `types.rs` the mapping of
//! Oracle's types onto neutral ones, `text_forms.rs` the text forms and the names left out, and
//! `tests.rs` the tests.

mod assemble;
mod queries;
mod rows;
mod text_forms;
mod types;

use anyhow::{Result, anyhow};
use oracle::Connection;
use oracle::sql_type::ToSql;

use super::client::Varchar2;

use crate::catalog::*;
use crate::model::ports::CatalogReader;
use crate::model::{DbKind, DbUrl};

use assemble::assemble;
use queries::{
    CURRENT_SCHEMA_SQL, PROBE_SQL, Prefix, Query, check_schemas, dictionary_error,
    dictionary_queries, schemas_sql,
};
use rows::{DictRow, DictionaryRows, SubpartitionRow, TemplateRow, UserRow};

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
        schemas: Vec::new(),
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
    let texts: Vec<Varchar2> = schemas.iter().map(|s| Varchar2(s)).collect();
    let binds: Vec<(String, &dyn ToSql)> = texts
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
            Query::PartitionedTables => {
                rows.part_tables = fetch(conn, &sql, &binds).map_err(fail)?
            }
            Query::PartitionKeys => rows.part_keys = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::SubpartitionKeys => {
                rows.subpart_keys = fetch(conn, &sql, &binds).map_err(fail)?
            }
            Query::Partitions => rows.partitions = fetch(conn, &sql, &binds).map_err(fail)?,
            Query::Subpartitions => {
                let subpartitions: Vec<SubpartitionRow> =
                    fetch(conn, &sql, &binds).map_err(fail)?;
                rows.subpartitions = subpartitions.into_iter().map(|s| s.0).collect();
            }
            Query::SubpartitionTemplates => {
                let templates: Vec<TemplateRow> = fetch(conn, &sql, &binds).map_err(fail)?;
                rows.subpartition_templates = templates.into_iter().map(|t| t.0).collect();
            }
            Query::LocalIndexes => rows.local_indexes = fetch(conn, &sql, &binds).map_err(fail)?,
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
    let texts: Vec<Varchar2> = asked.iter().map(|s| Varchar2(s)).collect();
    let binds: Vec<(String, &dyn ToSql)> = texts
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

#[cfg(test)]
pub(super) mod statements;
#[cfg(test)]
mod tests;
