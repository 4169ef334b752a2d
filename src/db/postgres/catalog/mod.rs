//! The PostgreSQL catalog reader: `pg_catalog` in a fixed number of queries, whatever the
//! number of tables.
//!
//! One query per kind of object, each over every relation of the schemas read: relations,
//! columns, constraints (with their column names, through `unnest(conkey) WITH ORDINALITY`),
//! indexes (of every access method, materialized views' too), sequences, dependencies (views
//! through `pg_rewrite`, defaults through `pg_attrdef`, functions, procedures and aggregates
//! directly), triggers, functions, procedures and aggregates, the names their string bodies use
//! (`bodies.rs`), enum and domain types, grants, and partitioning (partitioned tables and their
//! partitions at every level through `pg_inherits`, the foreign keys and indexes declared on
//! partitions themselves) — plus
//! one to check the schemas and one `set_config` that puts the schemas read on the
//! `search_path`, so that the server's deparsed text (`format_type`, `pg_get_expr`,
//! `pg_get_viewdef`…) names their objects unqualified, the way a migration creates them. All of
//! it runs in one read-only repeatable-read transaction: one consistent view of the catalog.
//!
//! Left out: the system schemas, objects that belong to an extension (PostGIS's
//! `spatial_ref_sys`, citext's functions), partitions as tables (their partitioned table stands
//! for them, with its `partitioning`; a partition's own primary, unique and check constraints
//! are not read), dbsub's and Flyway's history tables, window functions, operator-class
//! parameters and collations of index columns, and constraint kinds other than primary, unique,
//! foreign and check. Aggregates are read as functions whose source is `CREATE AGGREGATE`, built
//! from `pg_aggregate` (PostgreSQL has no `pg_get_aggregatedef`).
//!
//! This file runs the reader; beside it, `queries.rs` holds the query text, `assemble.rs` the
//! assembly's phases and the text forms they read, `types.rs` the mapping of PostgreSQL's types
//! onto neutral ones, and `tests.rs` the tests.

mod assemble;
mod bodies;
mod queries;
mod types;

use anyhow::{Context, Result, anyhow, bail};
use postgres::types::{FromSql, ToSql};
use postgres::{Client, IsolationLevel, Row, Transaction};

use crate::catalog::*;
use crate::model::migration::HISTORY_TABLE;
use crate::model::ports::CatalogReader;
use crate::model::{DbKind, DbUrl};

use assemble::{Rows, assemble};
use queries::{
    SCHEMAS_SQL, bodies_sql, columns_sql, constraints_sql, dependencies_sql, grants_sql,
    indexes_sql, partition_indexes_sql, partition_keys_sql, partitions_sql, relations_sql,
    routines_sql, sequences_sql, triggers_sql, types_sql,
};

/// Tables that are bookkeeping, not the application's: dbsub's migration and ingest histories
/// and Flyway's.
const HISTORY_TABLES: [&str; 3] = [
    HISTORY_TABLE,
    crate::model::ports::INGEST_HISTORY,
    "flyway_schema_history",
];

impl CatalogReader for super::PgDb {
    fn read_catalog(&mut self, schemas: &[String]) -> Result<Catalog> {
        read_catalog(&mut self.client, &self.url, schemas)
    }
}

/// Reads the given schemas (the connection's `current_schema()` when `schemas` is empty) in a
/// fixed number of queries, in a read-only transaction of its own: call it outside any
/// transaction.
///
/// Fails, naming `url` (redacted), when a schema does not exist (listing those that do) or the
/// catalog cannot be queried.
pub(super) fn read_catalog(
    client: &mut Client,
    url: &DbUrl,
    schemas: &[String],
) -> Result<Catalog> {
    read_counting(client, url, schemas).map(|(catalog, _)| catalog)
}

/// [`read_catalog`], and the number of statements it sent (the transaction's own BEGIN and
/// COMMIT aside).
fn read_counting(client: &mut Client, url: &DbUrl, schemas: &[String]) -> Result<(Catalog, usize)> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .with_context(|| format!("cannot start a read-only transaction in {url}"))?;
    let mut session = Session {
        tx,
        url,
        queries: 0,
    };
    let schemas = session.schemas(schemas)?;
    let rows = session.read_all(&schemas)?;
    let Session { tx, queries, .. } = session;
    tx.commit()
        .with_context(|| format!("cannot end the catalog transaction in {url}"))?;
    let mut catalog = assemble(rows)?;
    catalog.source = Some(CatalogSource {
        kind: DbKind::Postgres.word().to_string(),
        url: url.redacted(),
        read_at: crate::model::clock::now_rfc3339(),
        schemas,
    });
    Ok((catalog, queries))
}

/// The catalog transaction, counting the statements it sends.
struct Session<'a> {
    tx: Transaction<'a>,
    url: &'a DbUrl,
    queries: usize,
}

impl Session<'_> {
    fn query(&mut self, what: &str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.queries += 1;
        self.tx.query(sql, params).map_err(|e| {
            anyhow!(
                "cannot read the {what} of {}: {}",
                self.url,
                super::pg_message(&e)
            )
        })
    }

    /// The schemas to read: those asked for, checked, or `current_schema()`.
    fn schemas(&mut self, asked: &[String]) -> Result<Vec<String>> {
        let rows = self.query("schemas", SCHEMAS_SQL, &[])?;
        let row = rows
            .first()
            .ok_or_else(|| anyhow!("{} returned no schema list", self.url))?;
        let current: Option<String> = get(row, 0)?;
        let existing: Vec<String> = get(row, 1)?;
        if asked.is_empty() {
            return match current {
                Some(schema) => Ok(vec![schema]),
                None => bail!(
                    "{} has no current schema (no schema of the search_path exists): pass \
                     --schema with one of: {}",
                    self.url,
                    existing.join(", ")
                ),
            };
        }
        let mut wanted: Vec<String> = Vec::new();
        for schema in asked {
            if existing.contains(schema) {
                if !wanted.contains(schema) {
                    wanted.push(schema.clone());
                }
                continue;
            }
            let system = schema.starts_with("pg_") || schema == "information_schema";
            let why = if system {
                "is a PostgreSQL system schema, which dbsub does not read"
            } else {
                "does not exist"
            };
            let hint = match existing.iter().find(|e| e.eq_ignore_ascii_case(schema)) {
                // PostgreSQL names are case-sensitive once quoted.
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => String::new(),
            };
            bail!(
                "schema `{schema}` {why} in {}{hint}: the schemas there are {}",
                self.url,
                if existing.is_empty() {
                    "none".to_string()
                } else {
                    existing.join(", ")
                }
            );
        }
        Ok(wanted)
    }

    /// Every query but the schema check, in one transaction.
    fn read_all(&mut self, schemas: &[String]) -> Result<Rows> {
        let search_path = schemas
            .iter()
            .map(|s| crate::db::sql::double_quote(s))
            .collect::<Vec<_>>()
            .join(", ");
        self.query(
            "search path",
            "SELECT set_config('search_path', $1, true)",
            &[&search_path],
        )?;
        let skipped: Vec<String> = HISTORY_TABLES.iter().map(|t| t.to_string()).collect();
        let scoped: [&(dyn ToSql + Sync); 2] = [&schemas, &skipped];
        let only_schemas: [&(dyn ToSql + Sync); 1] = [&schemas];
        Ok(Rows {
            relations: self.query("tables and views", &relations_sql(), &scoped)?,
            columns: self.query("columns", &columns_sql(), &scoped)?,
            constraints: self.query("constraints", &constraints_sql(), &scoped)?,
            indexes: self.query("indexes", &indexes_sql(), &scoped)?,
            sequences: self.query("sequences", &sequences_sql(), &only_schemas)?,
            dependencies: self.query("dependencies", &dependencies_sql(), &scoped)?,
            triggers: self.query("triggers", &triggers_sql(), &scoped)?,
            routines: self.query("functions and procedures", &routines_sql(), &only_schemas)?,
            bodies: self.query("routine bodies", &bodies_sql(), &only_schemas)?,
            types: self.query("types", &types_sql(), &only_schemas)?,
            grants: self.query("grants", &grants_sql(), &scoped)?,
            partitions: self.query("partitions", &partitions_sql(), &scoped)?,
            partition_keys: self.query(
                "foreign keys of partitions",
                &partition_keys_sql(),
                &scoped,
            )?,
            partition_indexes: self.query(
                "indexes of partitions",
                &partition_indexes_sql(),
                &scoped,
            )?,
        })
    }
}

/// A column of a row, or an error naming the column (a query and its reader disagreeing).
fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T> {
    row.try_get(index).map_err(|e| {
        let name = row.columns().get(index).map_or("?", |c| c.name());
        anyhow!("unexpected value in catalog column `{name}`: {e}")
    })
}

// The integration tests' throwaway cluster, for the one test here that needs a server: the
// query count is internal, so it is checked from inside the crate.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../tests/common/pg.rs"]
mod pg;
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../tests/common/service.rs"]
mod service;

#[cfg(test)]
mod tests;
