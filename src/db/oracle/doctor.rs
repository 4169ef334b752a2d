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
/// The system privileges `create-migrations`' files and ingest's records need in the target,
/// with what each creates: every migration needs the first five; the others only when the
/// subset holds such objects (SQL Language Reference, "Prerequisites" of each CREATE).
const TARGET_PRIVILEGES: [(&str, &str, bool); 8] = [
    ("CREATE TABLE", "tables and ingest's records", true),
    ("CREATE SEQUENCE", "sequences", true),
    ("CREATE VIEW", "views", true),
    (
        "CREATE PROCEDURE",
        "packages, procedures and functions",
        true,
    ),
    ("CREATE TRIGGER", "triggers", true),
    ("CREATE TYPE", "object types", false),
    ("CREATE SYNONYM", "synonyms", false),
    ("CREATE MATERIALIZED VIEW", "materialized views", false),
];
/// The system privileges granted to the user directly, not through a role.
pub(super) const DIRECT_PRIVS_SQL: &str = "SELECT PRIVILEGE FROM USER_SYS_PRIVS";

/// What the target's privileges allow: the missing ones a problem, saying which objects fail
/// without them. A materialized view needs CREATE MATERIALIZED VIEW and CREATE TABLE granted
/// directly: "The privileges required to create a materialized view should be granted directly
/// rather than through a role" (SQL Language Reference, CREATE MATERIALIZED VIEW).
fn target_findings(session: &[String], direct: &[String]) -> Vec<Finding> {
    let has = |p: &str| session.iter().any(|q| q == p);
    let missing = |required: bool| -> Vec<(&str, &str)> {
        TARGET_PRIVILEGES
            .iter()
            .filter(|(p, _, r)| *r == required && !has(p))
            .map(|(p, what, _)| (*p, *what))
            .collect()
    };
    let names = |list: &[(&str, &str)]| list.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    let required = missing(true);
    out.push(if required.is_empty() {
        Finding::ok(format!(
            "may create what every migration and ingest write ({})",
            TARGET_PRIVILEGES[..5]
                .iter()
                .map(|(p, _, _)| *p)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Finding::problem(format!(
            "missing {}: migrations create tables, sequences, views, code and triggers, ingest \
             its {} table; GRANT them to the target's user (docs/oracle.md)",
            names(&required),
            crate::model::ports::INGEST_HISTORY
        ))
    });
    let optional = missing(false);
    if !optional.is_empty() {
        let what: Vec<&str> = optional.iter().map(|(_, w)| *w).collect();
        out.push(Finding::problem(format!(
            "missing {}: migrations of a subset with {} fail; GRANT them to the target's user \
             (docs/oracle.md)",
            names(&optional),
            what.join(", ")
        )));
    }
    let direct_mv = ["CREATE MATERIALIZED VIEW", "CREATE TABLE"]
        .iter()
        .all(|p| direct.iter().any(|q| q == p));
    if has("CREATE MATERIALIZED VIEW") && !direct_mv {
        out.push(Finding::problem(
            "CREATE MATERIALIZED VIEW and CREATE TABLE come through a role: Oracle wants them \
             granted directly to create a materialized view; GRANT them to the user itself",
        ));
    }
    out
}

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
            let direct: Vec<String> = conn
                .query_as::<String>(DIRECT_PRIVS_SQL, &[])
                .map(|rows| rows.filter_map(|r| r.ok()).collect())
                .unwrap_or_default();
            out.extend(target_findings(&privileges, &direct));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diagnose::Level;

    fn privs(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn the_target_needs_type_synonym_and_materialized_view_privileges_too() {
        let five: Vec<&str> = TARGET_PRIVILEGES[..5].iter().map(|(p, _, _)| *p).collect();
        let found = target_findings(&privs(&five), &privs(&five));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].level, Level::Ok);
        assert_eq!(found[1].level, Level::Problem);
        assert!(
            found[1].text.starts_with(
                "missing CREATE TYPE, CREATE SYNONYM, CREATE MATERIALIZED VIEW: migrations of a \
                 subset with object types, synonyms, materialized views fail"
            ),
            "{}",
            found[1].text
        );

        let all: Vec<&str> = TARGET_PRIVILEGES.iter().map(|(p, _, _)| *p).collect();
        let found = target_findings(&privs(&all), &privs(&all));
        assert!(found.iter().all(|f| f.level == Level::Ok), "{found:?}");

        // Through a role only: a materialized view cannot be created.
        let found = target_findings(&privs(&all), &privs(&["CREATE SESSION"]));
        let last = found.last().expect("findings");
        assert_eq!(last.level, Level::Problem);
        assert!(last.text.contains("granted directly"), "{}", last.text);
    }
}
