//! Database backends. Each backend is one file implementing the traits the pipeline needs
//! (for now [`CatalogReader`]); nothing outside this folder knows a dialect's SQL.

pub mod sqlite;

use anyhow::{Result, bail};

use crate::catalog::CatalogReader;
use crate::config::{DbKind, DbUrl};

/// Opens a catalog reader on the database `url` names.
///
/// Fails when the database cannot be opened, and for kinds this build cannot read yet.
pub fn catalog_reader(url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
    match url.kind() {
        DbKind::Sqlite => Ok(Box::new(sqlite::SqliteDb::open_read_only(url)?)),
        kind @ (DbKind::Oracle | DbKind::Postgres) => bail!(
            "reading the catalog of a {kind} database ({url}) is not part of this build yet: \
             point DBSUB_STRUCT_URL at a SQLite database, or pass a snapshot with --catalog FILE"
        ),
    }
}
