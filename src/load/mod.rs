//! Loading an extract into a local test database, by the load rules (DESIGN.md): the
//! extract's tables mapped onto the target's catalog ([`plan`]), in load order, each in one
//! transaction — the tables of a foreign-key cycle together where the database cannot switch
//! one key off, or with exactly those keys disabled and validated again afterwards
//! ([`cycles`]) — every value checked against its target column on the way in ([`feed`]);
//! then [`verify`] checks row counts and every foreign key among the loaded tables.
//!
//! A load never deletes rows to make constraints pass: it reports violations.

pub mod cycles;
pub mod feed;
pub mod plan;
pub mod verify;

use anyhow::{Result, bail};

/// Ctrl-C: row loops stop at the next row ([`check_interrupt`]), the open transaction rolls
/// back, and whatever was switched off for the load is switched on again before dbsub exits.
pub use crate::output::catch_interrupt;

pub fn check_interrupt() -> Result<()> {
    if crate::output::interrupted() {
        bail!(
            "interrupted (Ctrl-C): the table being loaded was rolled back; run the same command \
             again to continue"
        );
    }
    Ok(())
}
