//! dbsub: just enough Oracle. The tree shows the pipeline; imports only point down:
//!
//! - [`commands`]: one orchestration file per command, on top; [`cli`], [`config`] and
//!   [`output`] beside them (arguments, settings, printing);
//! - [`backend`]: the registry of database kinds — the one place that names a backend;
//! - the stages: [`catalog`] → [`graph`] → [`migrations`]; [`subset`] → [`mask`] →
//!   [`archive`] → [`load`]; and [`demo_data`], the embedded demo's generator;
//! - [`db`]: the backends, one folder each, behind the ports of [`model`];
//! - [`model`]: the shared vocabulary (values, keys, URLs, the port traits), at the bottom with
//!   the [`catalog`] model it is made of.
//!
//! `tests/architecture.rs` keeps it so.

pub mod archive;
pub mod backend;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo_data;
pub mod graph;
pub mod load;
pub mod mask;
pub mod migrations;
pub mod model;
pub mod output;
pub mod subset;
