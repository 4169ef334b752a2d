//! The extract archive, format version 1: values ⇄ CSV text, streaming zstd parts, the manifest,
//! and the store layout. Nothing else in dbsub knows the file format.

pub mod chain;
pub mod csv;
pub mod layout;
pub mod manifest;
pub mod part;
pub mod reader;
pub mod store;
pub mod writer;
