//! The PostgreSQL catalog reader: `pg_catalog` in a fixed number of queries, whatever the
//! number of tables.
//!
//! One query per kind of object, each over every relation of the schemas read: relations,
//! columns, constraints (with their column names, through `unnest(conkey) WITH ORDINALITY`),
//! indexes, sequences, dependencies (views through `pg_rewrite`, defaults through
//! `pg_attrdef`), triggers, functions and procedures, enum and domain types, and grants — plus
//! one to check the schemas and one `set_config` that puts the schemas read on the
//! `search_path`, so that the server's deparsed text (`format_type`, `pg_get_expr`,
//! `pg_get_viewdef`…) names their objects unqualified, the way a migration creates them. All of
//! it runs in one read-only repeatable-read transaction: one consistent view of the catalog.
//!
//! Left out: the system schemas, objects that belong to an extension (PostGIS's
//! `spatial_ref_sys`, citext's functions), partitions (their partitioned table stands for them),
//! dbsub's and Flyway's history tables, aggregates, indexes other than B-tree ones (the model
//! has no access method), and constraint kinds other than primary, unique, foreign and check.

mod assemble;
mod types;

use anyhow::{Context, Result, anyhow, bail};
use postgres::types::{FromSql, ToSql};
use postgres::{Client, IsolationLevel, Row, Transaction};

use crate::catalog::*;
use crate::model::migration::HISTORY_TABLE;
use crate::model::ports::CatalogReader;
use crate::model::{DbKind, DbUrl};

use assemble::{Rows, assemble};

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
            types: self.query("types", &types_sql(), &only_schemas)?,
            grants: self.query("grants", &grants_sql(), &scoped)?,
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

// ---------------------------------------------------------------------------------------
// The queries. `$1` is the schemas read (text[]), `$2` the history tables to leave out.

const SCHEMAS_SQL: &str = "SELECT current_schema()::text, \
     ARRAY(SELECT nspname::text FROM pg_namespace \
           WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1)";

/// `NOT` an extension's member, for a catalog (`pg_class`, `pg_proc`, `pg_type`) and an oid.
fn not_in_extension(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{catalog}'::regclass \
         AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

/// The relations read: tables, partitioned tables, views and materialized views of the
/// schemas, not partitions, not history tables, not an extension's.
fn rels_cte() -> String {
    format!(
        "rels AS (SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, \
           c.relkind::text AS relkind \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname::text = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm') \
           AND NOT c.relispartition \
           AND NOT (c.relkind IN ('r', 'p') AND c.relname::text = ANY($2::text[])) \
           AND {})",
        not_in_extension("pg_class", "c.oid")
    )
}

fn relations_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.oid, r.schema, r.name, r.relkind, c.reltuples::float8, \
           obj_description(r.oid, 'pg_class'), \
           CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid, true) END \
         FROM rels r JOIN pg_class c ON c.oid = r.oid",
        rels_cte()
    )
}

/// Domains are resolved to their base type (through domains over domains) for the neutral
/// type; the native type stays the domain's name. The last two columns name the enum or
/// domain a column uses (or holds an array of), for the table → type dependency.
fn columns_sql() -> String {
    format!(
        "WITH RECURSIVE {}, \
         dom(start, typid, typmod) AS ( \
           SELECT t.oid, t.typbasetype, t.typtypmod FROM pg_type t WHERE t.typtype = 'd' \
           UNION ALL \
           SELECT d.start, t.typbasetype, t.typtypmod FROM dom d \
           JOIN pg_type t ON t.oid = d.typid WHERE t.typtype = 'd'), \
         base AS (SELECT d.start, d.typid, d.typmod FROM dom d \
           JOIN pg_type t ON t.oid = d.typid WHERE t.typtype <> 'd') \
         SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), \
           bt.typname::text, bt.typcategory::text, \
           CASE WHEN b.start IS NULL THEN a.atttypmod ELSE b.typmod END, \
           NOT a.attnotnull, \
           CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END, \
           a.attidentity::text, \
           CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END, \
           col_description(a.attrelid, a.attnum), \
           un.nspname::text, ut.typname::text \
         FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN base b ON b.start = a.atttypid \
         JOIN pg_type bt ON bt.oid = COALESCE(b.typid, a.atttypid) \
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_type ut ON ut.typtype IN ('e', 'd') \
           AND ut.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END \
         LEFT JOIN pg_namespace un ON un.oid = ut.typnamespace \
         WHERE a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
        rels_cte()
    )
}

/// Primary, unique, foreign and check constraints with their columns in key order. Foreign
/// keys that PostgreSQL clones for partitions (`conparentid`) are left out.
fn constraints_sql() -> String {
    format!(
        "WITH {} \
         SELECT c.conrelid, c.conname::text, c.contype::text, \
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, pos) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num \
                 ORDER BY k.pos), \
           fn.nspname::text, fc.relname::text, \
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, pos) \
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num \
                 ORDER BY k.pos), \
           c.confdeltype::text, c.confupdtype::text, c.condeferrable, c.condeferred, \
           CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid, true) END \
         FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid \
         LEFT JOIN pg_class fc ON fc.oid = c.confrelid \
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
         WHERE c.contype IN ('p', 'u', 'f', 'c') AND c.conparentid = 0 \
         ORDER BY c.conrelid, c.conname",
        rels_cte()
    )
}

/// B-tree indexes that back no constraint: per key column, the column's name or the
/// expression's text, and whether it is descending (`indoption` bit 0).
fn indexes_sql() -> String {
    format!(
        "WITH {} \
         SELECT i.indrelid, ic.relname::text, i.indisunique, \
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 \
                   THEN (SELECT a.attname::text FROM pg_attribute a \
                         WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) \
                   ELSE pg_get_indexdef(i.indexrelid, k, true) END \
                 FROM generate_series(1, i.indnkeyatts) k ORDER BY k), \
           ARRAY(SELECT (i.indoption[k - 1] & 1) = 1 \
                 FROM generate_series(1, i.indnkeyatts) k ORDER BY k), \
           pg_get_expr(i.indpred, i.indrelid, true) \
         FROM pg_index i JOIN rels r ON r.oid = i.indrelid \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_am am ON am.oid = ic.relam \
         WHERE am.amname = 'btree' AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
           WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid \
             AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.indrelid, ic.relname",
        rels_cte()
    )
}

/// Sequences with the column that owns them: `a` (serial, `OWNED BY`) or `i` (identity).
fn sequences_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, s.seqstart, s.seqincrement, s.seqmin, \
           s.seqmax, s.seqcycle, s.seqcache, tn.nspname::text, t.relname::text, \
           a.attname::text, d.deptype::text \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
           AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 \
           AND d.deptype IN ('a', 'i') \
         LEFT JOIN pg_class t ON t.oid = d.refobjid \
         LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         WHERE n.nspname::text = ANY($1::text[]) AND {} \
         ORDER BY 1, 2",
        not_in_extension("pg_class", "c.oid")
    )
}

/// What views read (through their rewrite rule) and what column defaults use (sequences,
/// functions): relations, sequences, functions, procedures, enums and domains outside the
/// system schemas and extensions. The kind comes as the catalog's word for it.
fn dependencies_sql() -> String {
    format!(
        "WITH {}, \
         uses AS ( \
           SELECT r.ev_class AS from_oid, d.refclassid, d.refobjid \
           FROM pg_rewrite r JOIN pg_depend d \
             ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
           WHERE d.deptype = 'n' \
           UNION \
           SELECT ad.adrelid, d.refclassid, d.refobjid \
           FROM pg_attrdef ad JOIN pg_depend d \
             ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid \
           WHERE d.deptype = 'n') \
         SELECT DISTINCT f.schema, f.name, f.relkind, tn.nspname::text, \
           COALESCE(tc.relname, tp.proname, tt.typname)::text, \
           CASE WHEN tc.oid IS NOT NULL THEN tc.relkind::text \
                WHEN tp.oid IS NOT NULL THEN 'proc ' || tp.prokind::text \
                ELSE 'type' END \
         FROM uses u JOIN rels f ON f.oid = u.from_oid \
         LEFT JOIN pg_class tc ON u.refclassid = 'pg_class'::regclass \
           AND tc.oid = u.refobjid AND tc.relkind IN ('r', 'p', 'v', 'm', 'S') \
         LEFT JOIN pg_proc tp ON u.refclassid = 'pg_proc'::regclass \
           AND tp.oid = u.refobjid AND tp.prokind IN ('f', 'p') \
         LEFT JOIN pg_type tt ON u.refclassid = 'pg_type'::regclass \
           AND tt.oid = u.refobjid AND tt.typtype IN ('e', 'd') \
         JOIN pg_namespace tn \
           ON tn.oid = COALESCE(tc.relnamespace, tp.pronamespace, tt.typnamespace) \
         WHERE u.refobjid <> u.from_oid \
           AND tn.nspname !~ '^pg_' AND tn.nspname <> 'information_schema' \
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = u.refclassid \
             AND x.objid = u.refobjid AND x.deptype = 'e') \
         ORDER BY 1, 2, 4, 5",
        rels_cte()
    )
}

/// User triggers (not those PostgreSQL makes for foreign keys) with their function; the last
/// column says whether that function is the system's or an extension's.
fn triggers_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.schema, r.name, t.tgname::text, t.tgtype::int4, t.tgenabled::text, \
           pg_get_triggerdef(t.oid, true), pn.nspname::text, p.proname::text, \
           p.prokind::text, \
           (pn.nspname ~ '^pg_' OR pn.nspname = 'information_schema' OR NOT {}) \
         FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid \
         JOIN pg_proc p ON p.oid = t.tgfoid \
         JOIN pg_namespace pn ON pn.oid = p.pronamespace \
         WHERE NOT t.tgisinternal \
         ORDER BY 1, 2, 3",
        rels_cte(),
        not_in_extension("pg_proc", "p.oid")
    )
}

/// Functions and procedures (not aggregates or window functions), overloads in a stable
/// order, with the schema as `pg_get_functiondef` quotes it.
fn routines_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, p.prokind::text, pg_get_functiondef(p.oid), \
           quote_ident(n.nspname) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname::text = ANY($1::text[]) AND p.prokind IN ('f', 'p') AND {} \
         ORDER BY 1, 2, 3, pg_get_function_identity_arguments(p.oid)",
        not_in_extension("pg_proc", "p.oid")
    )
}

/// Enum and domain types, with what their `CREATE` statement needs; the last two columns name
/// the enum or domain a domain is based on.
fn types_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.typname::text, quote_ident(t.typname), t.typtype::text, \
           ARRAY(SELECT quote_literal(e.enumlabel) FROM pg_enum e \
                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
           format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, \
           ARRAY(SELECT 'CONSTRAINT ' || quote_ident(c.conname) || ' ' \
                        || pg_get_constraintdef(c.oid, true) \
                 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' \
                 ORDER BY c.conname), \
           bn.nspname::text, bt.typname::text \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND bt.typtype IN ('e', 'd') \
         LEFT JOIN pg_namespace bn ON bn.oid = bt.typnamespace \
         WHERE n.nspname::text = ANY($1::text[]) AND t.typtype IN ('e', 'd') AND {} \
         ORDER BY 1, 2",
        not_in_extension("pg_type", "t.oid")
    )
}

/// Privileges on the relations read, from their ACL; the owner's own are implied, not
/// granted. `public` is PostgreSQL's PUBLIC pseudo-role.
fn grants_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.schema, r.name, r.relkind, \
           CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END, \
           g.privilege_type, g.is_grantable \
         FROM rels r JOIN pg_class c ON c.oid = r.oid \
         CROSS JOIN LATERAL aclexplode(c.relacl) g \
         WHERE g.grantee <> c.relowner \
         ORDER BY 1, 2, 4, 5",
        rels_cte()
    )
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
