//! PostgreSQL: a second source and target, and the real server the pipeline is proven on.
//!
//! - `dialect.rs`: names, types, defaults, statement splitting (dollar quotes kept whole);
//! - `catalog/`: `pg_catalog` in a constant number of queries;
//! - `source.rs`: COPY and key lookups in one exported repeatable-read snapshot, over
//!   `conn.rs`'s connections (each read one `block_on`, not one per row);
//! - `sink.rs`: COPY FROM into a local database, merge through a staging table;
//! - `target.rs`: the migration target; `doctor.rs`: what `dbsub doctor` checks.
//!
//! Both rows sides speak PostgreSQL's text forms, fixed by the session settings of `SESSION`.

mod catalog;
mod check;
mod conn;
mod dialect;
mod doctor;
mod sink;
mod source;
mod target;

use anyhow::{Context, Result};
use postgres::{Client, NoTls};

use crate::catalog::Table;
use crate::db::sql::double_quote;
use crate::model::diagnose::{Finding, Use};
use crate::model::ports::{Backend, CatalogReader, Dialect, MigrationTarget, RowSink, RowSource};
use crate::model::row::KeyColumn;
use crate::model::{DbKind, DbUrl};

pub use dialect::PgDialect;
pub use sink::PgSink;

/// PostgreSQL's entry in the registry ([`crate::backend`]).
pub struct Postgres;

impl Backend for Postgres {
    fn kind(&self) -> DbKind {
        DbKind::Postgres
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["postgres", "postgresql"]
    }

    fn url_form(&self) -> &'static str {
        "postgres://user:password@host:port/db"
    }

    fn check_url(&self, url: &DbUrl) -> Result<()> {
        super::check_server_url(url, "database")
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &PgDialect
    }

    fn catalog_reader(&self, url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
        Ok(Box::new(PgDb::connect(url)?))
    }

    fn migration_target(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
        Ok(Box::new(PgDb::connect(url)?))
    }

    fn row_sources(&self, url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
        source::open_sources(url, count)
    }

    fn row_sink(&self, url: &DbUrl) -> Result<Box<dyn RowSink>> {
        Ok(Box::new(PgSink::open(url)?))
    }

    fn diagnose(&self, url: &DbUrl, role: Use) -> Vec<Finding> {
        doctor::diagnose(url, role)
    }
}

/// A connection to a PostgreSQL database.
pub struct PgDb {
    client: Client,
    url: DbUrl,
}

impl PgDb {
    /// Connects to the database `url` names.
    ///
    /// Fails with the (redacted) URL and the server's reason: unreachable host, wrong password,
    /// unknown database.
    pub fn connect(url: &DbUrl) -> Result<PgDb> {
        let client = Client::connect(url.expose(), NoTls).map_err(|e| connect_error(url, &e))?;
        Ok(PgDb {
            client,
            url: url.clone(),
        })
    }
}

/// A failed connection to `url`: the server's or the socket's reason, and the remedy.
fn connect_error(url: &DbUrl, e: &postgres::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot connect to PostgreSQL at {url}: {}{}",
        pg_message(e),
        connect_remedy(e)
    )
}

/// What to do about a failed connection, by the server's SQLSTATE or the socket's error.
fn connect_remedy(e: &postgres::Error) -> &'static str {
    use postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            ": check the user and password in the URL (percent-encode special characters)"
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            ": create the database, or fix its name in the URL"
        }
        Some(_) => "",
        None => ": is the server running, and listening on the URL's host and port?",
    }
}

/// The server's message (and detail) rather than the client's generic "db error".
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => server_message(db.code(), db.message(), db.detail()),
        // The server's reason, when it sent one, is often lost with the socket.
        None if e.is_closed() => "the server closed the connection (it restarted, or ended the \
                                  session: pg_terminate_backend, idle_in_transaction_session_timeout)"
            .to_string(),
        None => e.to_string(),
    }
}

/// Said of a full disk; [`sink`] names the database in it.
const DISK_FULL: &str = "the disk of the PostgreSQL server is full";

/// The server's message and detail, and what a full disk (SQLSTATE 53100: `could not extend
/// file …: No space left on device`, `could not write to file …`) means for the user.
fn server_message(code: &postgres::error::SqlState, message: &str, detail: Option<&str>) -> String {
    let text = match detail {
        Some(detail) => format!("{message} ({detail})"),
        None => message.to_string(),
    };
    if *code == postgres::error::SqlState::DISK_FULL {
        format!(
            "{DISK_FULL} ({text}): the transaction rolled back; free space on the server's \
             disk, then run the same command again"
        )
    } else {
        text
    }
}

/// The session settings both sides rely on: the text forms of values do not depend on the
/// server's or the role's configuration.
const SESSION: &str = "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; \
                       SET TimeZone = 'UTC'; SET extra_float_digits = 3; \
                       SET bytea_output = 'hex'; SET client_encoding = 'UTF8'";

/// Opens a connection with the session settings of [`SESSION`].
fn connect(url: &DbUrl) -> Result<Client> {
    let mut client = PgDb::connect(url)?.client;
    client
        .batch_execute(SESSION)
        .with_context(|| format!("cannot set up the session on {url}"))?;
    Ok(client)
}

/// `"schema"."name"`
fn qualified(table: &Table) -> String {
    format!(
        "{}.{}",
        double_quote(&table.schema),
        double_quote(&table.name)
    )
}

/// A key column as SQL: a column, or the row locator. A table's `ctid` is stable within the
/// snapshot; a partitioned table's rows are its partitions', which number their rows each on
/// its own, so there the locator is the partition's oid and the `ctid`, as text.
fn key_column_sql(column: &KeyColumn, partitioned: bool) -> String {
    match column {
        KeyColumn::Column(name) => double_quote(name),
        KeyColumn::Locator if partitioned => PARTITIONED_LOCATOR.to_string(),
        KeyColumn::Locator => "ctid".to_string(),
    }
}

/// The row locator of a partitioned table ([`key_column_sql`]).
const PARTITIONED_LOCATOR: &str = "(tableoid::oid::text || ':' || ctid::text)";
