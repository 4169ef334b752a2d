//! Migrations: Flyway versioned files that create a closure's objects, and a runner for them.
//!
//! - [`plan`]: which objects go in which file, and the next version, given a folder;
//! - [`render`]: the files' text, from the askama templates under `templates/<dialect>/`;
//! - [`record`]: the machine-readable record of what each file creates;
//! - [`runner`]: `dbsub migrate`, applying the files to a database.
//!
//! Migrations are values ([`crate::model::migration`]) parsed from file names in one place.

pub mod plan;
pub mod record;
pub mod render;
pub mod runner;
