//! SQLite: the embedded default, as a structural database, a source and a local target.
//!
//! - `catalog.rs`: `sqlite_schema` once, and each table-valued pragma (`pragma_table_xinfo`,
//!   `pragma_foreign_key_list`, `pragma_index_list`, `pragma_index_xinfo`) joined against it
//!   once for all tables; what the pragmas do not tell (constraint names, CHECK expressions,
//!   DEFERRABLE) comes from the stored `CREATE` text (`create_text.rs`, a small tokenizer);
//! - `dialect.rs`: names, types, defaults, statement splitting (trigger bodies kept whole);
//! - `source.rs`: one read transaction per connection, started together;
//! - `sink.rs`: one transaction per table (a cycle's tables in one), foreign keys checked;
//! - `target.rs`: the migration target; `doctor.rs`: what `dbsub doctor` checks.
//!
//! A SQLite file stands for one schema. Its name in the catalog is the URL's `?schema=NAME`
//! (the demo uses `THE`, the schema it imitates), else `main`.

mod catalog;
mod create_text;
mod dialect;
mod doctor;
mod sink;
mod source;
mod target;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};

use crate::model::diagnose::{Finding, Use};
use crate::model::ports::{Backend, CatalogReader, Dialect, MigrationTarget, RowSink, RowSource};
use crate::model::{DbKind, DbUrl};

pub use catalog::neutral_type;
pub use dialect::SqliteDialect;

/// SQLite's entry in the registry ([`crate::backend`]).
pub struct Sqlite;

impl Backend for Sqlite {
    fn kind(&self) -> DbKind {
        DbKind::Sqlite
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn url_form(&self) -> &'static str {
        "sqlite://path/to/file.db"
    }

    fn check_url(&self, url: &DbUrl) -> Result<()> {
        if url.file_path()?.as_os_str().is_empty() {
            bail!(
                "`{}` names no file: write sqlite://path/to/file.db",
                url.redacted()
            );
        }
        Ok(())
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &SqliteDialect
    }

    fn catalog_reader(&self, url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
        Ok(Box::new(SqliteDb::open_read_only(url)?))
    }

    fn migration_target(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
        Ok(Box::new(SqliteDb::open_read_write(url)?))
    }

    /// Read-only, and a file that does not exist is not created: it has no history.
    fn migration_history(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
        let path = url.file_path()?;
        if path.exists() {
            return Ok(Box::new(SqliteDb::open_read_only(url)?));
        }
        let conn = Connection::open_in_memory().context("cannot open an empty SQLite database")?;
        let schema = url.param("schema").unwrap_or_else(|| "main".to_string());
        Ok(Box::new(SqliteDb { conn, path, schema }))
    }

    fn row_sources(&self, url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
        source::SqliteSource::open(url, count)
    }

    fn row_sink(&self, url: &DbUrl) -> Result<Box<dyn RowSink>> {
        Ok(Box::new(sink::SqliteSink::open(url)?))
    }

    fn diagnose(&self, url: &DbUrl, role: Use) -> Vec<Finding> {
        doctor::diagnose(url, role)
    }
}

/// An open SQLite database and the schema name it stands for.
pub struct SqliteDb {
    conn: Connection,
    path: PathBuf,
    schema: String,
}

impl SqliteDb {
    /// Opens the file of a `sqlite://` URL read-only.
    ///
    /// Fails with a message naming the file when it does not exist or cannot be opened.
    pub fn open_read_only(url: &DbUrl) -> Result<SqliteDb> {
        let path = url.file_path()?;
        let schema = url.param("schema").unwrap_or_else(|| "main".to_string());
        SqliteDb::open_path(&path, &schema)
    }

    /// Opens a file read-only, naming its schema `schema`.
    pub fn open_path(path: &Path, schema: &str) -> Result<SqliteDb> {
        if !path.exists() {
            bail!(
                "SQLite database {} does not exist: check the URL, or run `dbsub demo` to build \
                 the demo database",
                path.display()
            );
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        Ok(SqliteDb {
            conn,
            path: path.to_path_buf(),
            schema: schema.to_string(),
        })
    }

    /// Opens (creating it if needed) the file of a `sqlite://` URL for writing.
    ///
    /// Fails with a message naming the file when its folder cannot be created or the file
    /// cannot be opened.
    pub fn open_read_write(url: &DbUrl) -> Result<SqliteDb> {
        let path = url.file_path()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        let schema = url.param("schema").unwrap_or_else(|| "main".to_string());
        Ok(SqliteDb { conn, path, schema })
    }

    fn context(&self, what: &str) -> String {
        format!(
            "cannot read {what} from {} (is it a SQLite database?)",
            self.path.display()
        )
    }
}

/// SQLite's own message, without the statement text that the caller already locates.
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}
