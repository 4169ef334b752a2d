//! dbsub: just enough Oracle. The pipeline's stages, one module each:
//!
//! - [`catalog`]: the model of a structural database, its JSON snapshot, seed lookup;
//! - [`graph`]: the dependency graph, closures, cycles, load order and rendering;
//! - [`db`]: the backends (one file each);
//! - [`config`]: profiles (DBTYPE × ENV) → URLs, redaction;
//! - [`migrations`]: Flyway files from templates, and the runner;
//! - one orchestration module per command: [`show_deps`], [`create_migrations`],
//!   [`migrate`], [`extract`], [`ingest`], [`verify`], [`catalog_export`], [`demo`], [`doctor`].

pub mod archive;
pub mod catalog;
pub mod catalog_export;
pub mod cli;
pub mod clock;
pub mod config;
pub mod create_migrations;
pub mod db;
pub mod demo;
pub mod doctor;
pub mod extract;
pub mod graph;
pub mod ingest;
pub mod mask;
pub mod migrate;
pub mod migrations;
pub mod output;
pub mod show_deps;
pub mod structural;
pub mod subset;
pub mod verify;
