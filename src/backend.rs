//! The registry of database kinds: one entry per backend ([`Backend`], implemented in
//! `src/db/<name>/mod.rs`). Every question whose answer depends on the kind of database — which
//! URL schemes, which dialect, how to open a catalog reader, row sources, a row sink or a
//! migration target, what `dbsub doctor` checks — is asked here, never answered by a `match` on
//! the kind elsewhere. A new backend is one folder under `src/db/` and one line below (and its
//! CLI word in [`DbKind`]).

use anyhow::{Result, bail};

use crate::db::{oracle, postgres, sqlite};
use crate::model::diagnose::{Finding, Use};
use crate::model::exit::Class;
use crate::model::ports::{Backend, CatalogReader, Dialect, MigrationTarget, RowSink, RowSource};
use crate::model::{DbKind, DbUrl, hide_url_secrets, redact_url};

/// Every backend, in the order messages list them.
static BACKENDS: [&dyn Backend; 3] = [&oracle::Oracle, &postgres::Postgres, &sqlite::Sqlite];

/// Every registered backend.
pub fn all() -> &'static [&'static dyn Backend] {
    &BACKENDS
}

/// The backend of `kind`.
pub fn of(kind: DbKind) -> &'static dyn Backend {
    // Every kind is registered: `every_kind_has_one_backend` below checks it.
    *BACKENDS
        .iter()
        .find(|b| b.kind() == kind)
        .expect("every DbKind has a backend")
}

/// The dialect of `kind`.
pub fn dialect(kind: DbKind) -> &'static dyn Dialect {
    of(kind).dialect()
}

/// The dialect `--dialect` and migration records name (`oracle`, `postgres`, `sqlite`).
pub fn dialect_named(name: &str) -> Option<&'static dyn Dialect> {
    BACKENDS
        .iter()
        .map(|b| b.dialect())
        .find(|d| d.name().eq_ignore_ascii_case(name.trim()))
}

/// The dialects' names, for `--dialect`.
pub fn dialect_names() -> Vec<&'static str> {
    BACKENDS.iter().map(|b| b.dialect().name()).collect()
}

/// Parses a database URL: `oracle://user:password@host:port/service`,
/// `postgres://user:password@host/db`, `sqlite://relative/path.db`,
/// `sqlite:///absolute/path.db` (each with optional `?k=v`).
///
/// Fails on an unknown scheme or a URL without the parts its kind needs; the error shows the
/// URL redacted.
pub fn parse_url(raw: &str) -> Result<DbUrl> {
    let raw = raw.trim();
    // Before anything can fail: whatever the message, the password stays out of it.
    hide_url_secrets(raw);
    let scheme = raw
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(backend) = BACKENDS
        .iter()
        .find(|b| b.schemes().contains(&scheme.as_str()))
    else {
        let forms: Vec<&str> = BACKENDS.iter().map(|b| b.url_form()).collect();
        let (last, first) = forms.split_last().expect("backends are registered");
        bail!(
            "`{}` is not a database URL: use {} or {last}",
            redact_url(raw),
            first.join(", ")
        );
    };
    let url = DbUrl::new(backend.kind(), raw);
    backend.check_url(&url)?;
    Ok(url)
}

/// Opens a catalog reader on the database `url` names (the structural database).
///
/// Fails when the database cannot be opened or reached (for Oracle also when Instant Client
/// cannot be loaded); the message names the (redacted) URL and what to do.
pub fn catalog_reader(url: &DbUrl) -> Result<Box<dyn CatalogReader>> {
    of(url.kind())
        .catalog_reader(url)
        .map_err(|e| Class::Connection.wrap(e))
}

/// Opens a database to apply migrations to.
///
/// Fails when it cannot be opened or reached; the message names the (redacted) URL.
pub fn migration_target(url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
    of(url.kind())
        .migration_target(url)
        .map_err(|e| Class::Connection.wrap(e))
}

/// Opens a database to read its migration history, changing nothing (a SQLite file that does
/// not exist is not created).
///
/// Fails when it cannot be opened or reached; the message names the (redacted) URL.
pub fn migration_history(url: &DbUrl) -> Result<Box<dyn MigrationTarget>> {
    of(url.kind())
        .migration_history(url)
        .map_err(|e| Class::Connection.wrap(e))
}

/// Opens `count` readers on the database `url` names, all in one consistent snapshot (SQLite:
/// one read transaction each, started together; PostgreSQL: one exported repeatable-read
/// snapshot; Oracle: every query `AS OF` one SCN, or a single read-only transaction when the
/// SCN cannot be read).
///
/// Fails when the database cannot be opened or reached, or the snapshot cannot be taken.
pub fn row_sources(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn RowSource>>> {
    of(url.kind())
        .row_sources(url, count)
        .map_err(|e| Class::Connection.wrap(e))
}

/// Opens the local test database `url` names, to load rows into.
///
/// Fails when it cannot be opened or reached (for Oracle also when Instant Client is missing or
/// `DBSUB_ORACLE_BATCH_ROWS` is not a number of rows); the message names the (redacted) URL.
pub fn row_sink(url: &DbUrl) -> Result<Box<dyn RowSink>> {
    of(url.kind())
        .row_sink(url)
        .map_err(|e| Class::Connection.wrap(e))
}

/// Connects to the database `url` names and checks what `role` needs of it. Never fails: a
/// failure is a problem finding.
pub fn diagnose(url: &DbUrl, role: Use) -> Vec<Finding> {
    of(url.kind()).diagnose(url, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_backend_and_one_dialect_name() {
        for kind in DbKind::all() {
            assert_eq!(BACKENDS.iter().filter(|b| b.kind() == *kind).count(), 1);
            let dialect = dialect(*kind);
            assert_eq!(dialect.kind(), *kind);
            assert_eq!(dialect_named(dialect.name()).map(|d| d.kind()), Some(*kind));
        }
        assert_eq!(BACKENDS.len(), DbKind::all().len());
    }

    #[test]
    fn urls_find_their_kind_by_scheme() {
        assert_eq!(
            parse_url("postgresql://u:p@h/db").unwrap().kind(),
            DbKind::Postgres
        );
        assert_eq!(
            parse_url(" sqlite://data/x.db ").unwrap().kind(),
            DbKind::Sqlite
        );
        assert!(parse_url("sqlite://").is_err());
    }

    #[test]
    fn bad_urls_are_refused_without_leaking_the_password() {
        let err = parse_url("mysql://u:hunter2@h/db").unwrap_err().to_string();
        assert_eq!(
            err,
            "`mysql://u:***@h/db` is not a database URL: use \
             oracle://user:password@host:port/service, postgres://user:password@host:port/db \
             or sqlite://path/to/file.db"
        );
        let err = parse_url("oracle://u:hunter2@host:1521")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("service name") && !err.contains("hunter2"),
            "{err}"
        );
        let err = parse_url("postgres://u:hunter2@host:5432/")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("names no database") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
