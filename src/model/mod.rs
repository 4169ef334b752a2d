//! The shared vocabulary of every stage and backend, at the bottom of the tree: it imports
//! nothing of dbsub but the catalog model its types are made of.
//!
//! - [`value`]: values as every stage carries them (dates, times, intervals, exact decimals);
//! - [`text`]: their one text form (the archive's CSV fields, COPY, every conversion);
//! - [`fit`]: whether a value fits a target column unchanged;
//! - [`key`] and [`row`]: row keys and what a read of rows asks for, with the snapshot;
//! - [`mask`]: what a source computes in place of a masked column;
//! - [`migration`] and [`ddl`]: migrations as values, and a migration file's DDL as values;
//! - [`ports`]: the traits a backend implements ([`ports::Backend`], [`ports::CatalogReader`],
//!   [`ports::RowSource`], [`ports::RowSink`], [`ports::MigrationTarget`], [`ports::Dialect`]);
//! - [`url`]: database kinds and URLs, and redaction; [`diagnose`]: `dbsub doctor`'s findings;
//! - [`clock`] and [`digest`]: RFC 3339 time, hex, SHA-256 and HMAC;
//! - [`exit`]: the exit codes, one per class of failure.

pub mod clock;
pub mod ddl;
pub mod diagnose;
pub mod digest;
pub mod exit;
pub mod fit;
pub mod key;
pub mod mask;
pub mod migration;
pub mod ports;
pub mod row;
#[cfg(test)]
pub(crate) mod strategies;
pub mod text;
pub mod url;
pub mod value;

pub use url::{
    DbKind, DbUrl, hide_known_secrets, hide_secret, hide_url_secrets, redact, redact_url,
};
pub use value::Value;
