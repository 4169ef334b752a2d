use super::SqliteDb;
use crate::model::DbUrl;
use crate::model::diagnose::{Finding, Use};

/// `dbsub doctor` on a SQLite file: it opens (read-only for a catalog or source, read-write
/// for a target, which creates it) and holds tables.
pub fn diagnose(url: &DbUrl, role: Use) -> Vec<Finding> {
    use Finding;
    if role == Use::Target
        && let Ok(path) = url.file_path()
        && !path.exists()
    {
        // Checking must not create the file that migrate and ingest would.
        return vec![Finding::info(format!(
            "{} does not exist yet: migrate and ingest create it",
            path.display()
        ))];
    }
    let opened = match role {
        Use::Target => SqliteDb::open_read_write(url),
        Use::Catalog | Use::Source => SqliteDb::open_read_only(url),
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => return vec![Finding::failed(&e)],
    };
    let tables: rusqlite::Result<i64> = db.conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |row| row.get(0),
    );
    let mut out = vec![match tables {
        Ok(n) => Finding::ok(format!(
            "opened {} (SQLite {}): {}",
            db.path.display(),
            rusqlite::version(),
            crate::output::plural(n as usize, "table")
        )),
        Err(e) => Finding::problem(format!("{}: {e}", db.context("the schema"))),
    }];
    if role == Use::Target {
        let writable = std::fs::metadata(&db.path).map(|m| !m.permissions().readonly());
        if !writable.unwrap_or(false) {
            out.push(Finding::problem(format!(
                "{} is not writable: ingest and migrate need to write it",
                db.path.display()
            )));
        }
    }
    out
}
