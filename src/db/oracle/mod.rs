//! Oracle: the users' real database — source, structural database and local test database.
//!
//! - `client.rs`: Instant Client, loaded once per process, and connections (`oracle` crate,
//!   ODPI-C, which needs Instant Client at run time);
//! - `dialect.rs`: names, types, defaults, statement splitting as Flyway's Oracle parser does it;
//! - `catalog/`: the dictionary (DBA_ or ALL_ views) in a constant number of queries;
//! - `source/`: rows as of one SCN; `sink/`: array DML into a local test database;
//! - `target.rs`: the migration target; `doctor.rs`: what `dbsub doctor` checks.

mod catalog;
mod client;
mod dialect;
mod doctor;
mod sink;
mod source;
mod target;

use anyhow::{Result, bail};

use crate::model::diagnose::{Finding, Use};
use crate::model::ports::{
    Backend, CatalogReader, ClientLibrary, Dialect, MigrationTarget, RowSink, RowSource,
};
use crate::model::{DbKind, DbUrl};

use client::connect;
pub use client::{CLIENT_LIB_DIR_VAR, init_client};
pub use dialect::OracleDialect;
pub use sink::{BATCH_ROWS_VAR, OracleSink};
pub use source::FETCH_ROWS_VAR;

/// Oracle's entry in the registry ([`crate::backend`]).
pub struct Oracle;

/// What `dbsub doctor` says of Instant Client.
static CLIENT: ClientLibrary = ClientLibrary {
    title: "Oracle client",
    load: client::loaded,
    not_needed: "Oracle Instant Client is not installed: needed only for Oracle databases \
                 (docs/oracle.md)",
};

impl Backend for Oracle {
    fn kind(&self) -> DbKind {
        DbKind::Oracle
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["oracle"]
    }

    fn url_form(&self) -> &'static str {
        "oracle://user:password@host:port/service"
    }

    fn check_url(&self, url: &DbUrl) -> Result<()> {
        super::check_server_url(url, "service name")
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &OracleDialect
    }

    fn catalog_reader(&self, url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
        Ok(Box::new(OracleDb::connect(url)?))
    }

    fn migration_target(&self, url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
        Ok(Box::new(OracleDb::connect(url)?))
    }

    fn row_sources(&self, url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
        source::open_sources(url, count)
    }

    fn row_sink(&self, url: &DbUrl) -> Result<Box<dyn RowSink>> {
        Ok(Box::new(OracleSink::open(url)?))
    }

    fn diagnose(&self, url: &DbUrl, role: Use) -> Vec<Finding> {
        doctor::diagnose(url, role)
    }

    fn client_library(&self) -> Option<&'static ClientLibrary> {
        Some(&CLIENT)
    }
}

/// A connection to an Oracle database.
pub struct OracleDb {
    conn: oracle::Connection,
    url: DbUrl,
}

impl OracleDb {
    /// Connects to the database `url` names (`client::connect`).
    pub fn connect(url: &DbUrl) -> Result<OracleDb> {
        Ok(OracleDb {
            conn: connect(url)?,
            url: url.clone(),
        })
    }
}

/// A rows-per-round-trip setting (`var`'s value, `setting`): `default` when absent or empty.
///
/// Fails, naming the variable, unless it is a whole number from 1 to `max`.
fn rows_setting(var: &str, setting: Option<&str>, default: usize, max: usize) -> Result<usize> {
    match setting.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => bail!("{var}={text}: write a number of rows from 1 to {max} (default {default})"),
        },
    }
}

#[cfg(test)]
mod statements;
