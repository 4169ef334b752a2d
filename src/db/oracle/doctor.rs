use super::catalog;
use super::client::connect;
use crate::model::DbUrl;
use crate::model::diagnose::{Finding, Use};

/// The user and the schema unqualified names resolve in.
pub(super) const WHO_SQL: &str = "SELECT USER, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL";
/// The system privileges the session has, directly or through roles.
pub(super) const SESSION_PRIVS_SQL: &str = "SELECT PRIVILEGE FROM SESSION_PRIVS";
/// The objects of the session's schema.
pub(super) const OWN_OBJECTS_SQL: &str =
    "SELECT COUNT(*) FROM ALL_OBJECTS WHERE OWNER = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')";
/// What each of the row source's SCN queries ([`super::source::SCN_QUERIES`]) needs.
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
pub fn diagnose(url: &DbUrl, role: Use) -> Vec<Finding> {
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
            let scn = super::source::SCN_QUERIES
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
                    crate::model::ports::INGEST_HISTORY
                ))
            });
        }
    }
    out
}
