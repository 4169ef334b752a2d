use super::{PgDb, pg_message};
use crate::model::DbUrl;
use crate::model::diagnose::{Finding, Use};

/// `dbsub doctor` on PostgreSQL: it connects; a catalog lists the current schema's tables; a
/// source opens the repeatable-read, read-only transaction extract uses; a target may create
/// tables in its schema.
pub fn diagnose(url: &DbUrl, role: Use) -> Vec<Finding> {
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
                    crate::model::ports::INGEST_HISTORY
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
