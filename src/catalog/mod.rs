//! The catalog: what a structural database holds, as one model for every database kind.
//!
//! - [`model`]: tables, columns, keys, views, triggers, code, dependencies, grants.
//! - [`snapshot`]: the versioned JSON file written by `dbsub catalog export`.
//! - [`partitions`]: foreign keys declared on partitions, seen from their partitioned table.
//! - [`lookup`]: finding the object a user names, with suggestions when it is not there.
//! - `testing` (unit tests only): the plainest `Column` and `Table`, for tests to build on.
//!
//! Each backend reads it through [`crate::model::ports::CatalogReader`].

pub mod lookup;
pub mod model;
pub mod partitions;
pub mod snapshot;
#[cfg(test)]
pub(crate) mod testing;

pub use lookup::ObjectQuery;
pub use model::*;
pub use partitions::{DeclaredKey, PartitionForeignKey};
