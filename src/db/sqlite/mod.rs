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
use std::time::Duration;

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

/// How long a statement waits for a lock that another connection holds (a writer committing)
/// before it fails: rusqlite's default of 5 s fails a read behind one larger commit.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens `path` with `flags`, waiting up to [`BUSY_TIMEOUT`] for other connections' locks.
fn open_waiting(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
    Ok(conn)
}

/// What to say when `err` is SQLite's "database is locked" after [`BUSY_TIMEOUT`]: which
/// database stayed locked, and what to do.
fn locked(err: &rusqlite::Error, path: &Path) -> Option<String> {
    (err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)).then(|| {
        format!(
            "SQLite database {} stayed locked by another connection for {} s: run again once \
             its writer is done",
            path.display(),
            BUSY_TIMEOUT.as_secs()
        )
    })
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
        let conn = open_waiting(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
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
        // Connection::open's flags.
        let conn = open_waiting(&path, OpenFlags::default())?;
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::source::on_one_snapshot;
    use super::*;
    use crate::catalog::{Column, NeutralType, Table};
    use crate::model::row::{ReadRequest, RowFilter};

    /// `main.T (ID INTEGER)`, as the catalog reads it.
    fn table_t() -> Table {
        Table::test(
            "main",
            "T",
            vec![Column::test(
                "ID",
                "INTEGER",
                NeutralType::Integer { bits: 64 },
            )],
        )
    }

    #[test]
    fn connections_wait_for_a_writers_lock_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE T (ID INTEGER PRIMARY KEY);
                 INSERT INTO T VALUES (1);
                 BEGIN EXCLUSIVE; INSERT INTO T VALUES (2);",
            )
            .unwrap();
        let url = DbUrl::new(DbKind::Sqlite, &format!("sqlite://{}", path.display()));
        // Readers and writers wait up to BUSY_TIMEOUT (rusqlite's default was 5 s).
        for conn in [
            SqliteDb::open_path(&path, "main").unwrap().conn,
            SqliteDb::open_read_write(&url).unwrap().conn,
        ] {
            let ms: i64 = conn
                .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
                .unwrap();
            assert_eq!(ms, 30_000);
        }
        // The writer commits a little later, while the source waits for its lock.
        let commit = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            writer.execute_batch("COMMIT").unwrap();
        });
        let mut sources = source::SqliteSource::open(&url, 2).unwrap();
        commit.join().unwrap();
        let table = table_t();
        let columns = [&table.columns[0]];
        let mut ids = Vec::new();
        let read = ReadRequest {
            table: &table,
            columns: &columns,
            masks: &[],
            order_by: &[],
            filter: RowFilter::All,
            skip: 0,
            limit: None,
        };
        sources[1]
            .read_rows(&read, &mut |values| {
                ids.push(format!("{:?}", values[0]));
                Ok(())
            })
            .unwrap();
        assert_eq!(ids, ["Int(1)", "Int(2)"], "the snapshot after the commit");
    }

    #[test]
    fn a_limit_stops_the_query_where_it_alone_picks_the_rows() {
        use crate::model::key::{self, Key, KeyValue};
        use crate::model::row::KeyColumn;
        use crate::subset::keys::{Budget, KeySet};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ten.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE T (ID INTEGER PRIMARY KEY);
                 WITH n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
                 INSERT INTO T SELECT i FROM n;",
            )
            .unwrap();
        let url = DbUrl::new(DbKind::Sqlite, &format!("sqlite://{}", path.display()));
        let mut source = source::SqliteSource::open(&url, 1).unwrap().remove(0);
        let table = table_t();
        let columns = [&table.columns[0]];
        let id = [KeyColumn::Column("ID".into())];
        let encoded = |i: i64| -> Key {
            let mut out = Vec::new();
            key::encode(&[KeyValue::Int(i)], &mut out);
            out.into()
        };
        let keys: Vec<Key> = [2, 4, 6, 8].map(encoded).into();
        let budget = Budget::new(1 << 20, dir.path());
        let mut kept = KeySet::new(&budget);
        for k in &keys {
            kept.insert(k).unwrap();
        }
        // The reader never stops by itself: what it gets is what the query sent.
        let mut read = |filter: RowFilter<'_>, skip: u64, limit: Option<u64>| -> Vec<String> {
            let mut ids = Vec::new();
            let request = ReadRequest {
                table: &table,
                columns: &columns,
                masks: &[],
                order_by: &id,
                filter,
                skip,
                limit,
            };
            source
                .read_rows(&request, &mut |values| {
                    ids.push(format!("{:?}", values[0]));
                    Ok(())
                })
                .unwrap();
            ids
        };
        assert_eq!(
            read(RowFilter::All, 0, Some(3)),
            ["Int(1)", "Int(2)", "Int(3)"]
        );
        assert_eq!(read(RowFilter::All, 4, Some(2)), ["Int(5)", "Int(6)"]);
        assert_eq!(read(RowFilter::All, 8, None), ["Int(9)", "Int(10)"]);
        // A seed's condition binds its parameters first (?1, ?2); the limit and the skip follow.
        let params: std::collections::BTreeMap<String, String> = [("lo", "3"), ("hi", "9")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let condition = || {
            RowFilter::Where(crate::model::row::Condition {
                sql: "ID > :lo AND ID < :hi AND ID <> :lo + 2",
                params: &params,
            })
        };
        assert_eq!(read(condition(), 1, Some(2)), ["Int(6)", "Int(7)"]);
        assert_eq!(read(condition(), 0, None).len(), 4);
        // Lookups and a kept scan pick their rows on the client: the query is not limited.
        let looked_up = RowFilter::In {
            columns: &id,
            keys: &keys,
        };
        assert_eq!(read(looked_up, 0, Some(1)).len(), 4);
        let scanned = RowFilter::Among {
            columns: &id,
            keys: &kept,
        };
        assert_eq!(read(scanned, 0, Some(1)).len(), 4);
    }

    #[test]
    fn a_lock_held_too_long_is_named_with_what_to_do() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert_eq!(
            locked(&busy, Path::new("/data/app.db")).unwrap(),
            "SQLite database /data/app.db stayed locked by another connection for 30 s: run \
             again once its writer is done"
        );
        let other = rusqlite::Error::InvalidQuery;
        assert_eq!(locked(&other, Path::new("x")), None);
    }

    #[test]
    fn one_transaction_needs_no_shared_snapshot_however_busy_the_database() {
        // A database written to all the time: every reading of data_version differs.
        let writes = Cell::new(0);
        let version = || {
            writes.set(writes.get() + 1);
            Ok(writes.get())
        };
        let started = on_one_snapshot(Path::new("app.db"), 1, 3, version, || Ok("tx")).unwrap();
        assert_eq!(started, ["tx"]);

        let err = on_one_snapshot(Path::new("app.db"), 2, 3, version, || Ok("tx")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SQLite database app.db was written to during each of 3 attempts to start --jobs 2 \
             read transactions on one snapshot: run with --jobs 1 (one transaction is its own \
             snapshot), or when the writes stop"
        );

        // Quiet again: the transactions start on one snapshot.
        let started = on_one_snapshot(Path::new("app.db"), 2, 3, || Ok(7), || Ok("tx")).unwrap();
        assert_eq!(started, ["tx", "tx"]);
    }
}
