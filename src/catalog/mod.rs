//! The catalog: what a structural database holds, as one model for every database kind.
//!
//! - [`model`]: tables, columns, keys, views, triggers, code, dependencies, grants.
//! - [`snapshot`]: the versioned JSON file written by `dbsub catalog export`.
//! - [`lookup`]: finding the object a user names, with suggestions when it is not there.
//! - [`CatalogReader`]: implemented by each backend in `src/db/`.

pub mod lookup;
pub mod model;
pub mod snapshot;

pub use lookup::ObjectQuery;
pub use model::*;

/// Reads a catalog from a live database.
pub trait CatalogReader {
    /// Reads the given schemas (the connection's own schema when `schemas` is empty) in a
    /// constant number of queries, whatever the number of tables.
    ///
    /// Fails when the database cannot be queried or a schema does not exist.
    fn read_catalog(&mut self, schemas: &[String]) -> anyhow::Result<Catalog>;
}
