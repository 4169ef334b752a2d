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

use anyhow::Result;

use crate::model::exit::Class;

/// Ctrl-C: row loops stop at the next row ([`check_interrupt`]), the open transaction rolls
/// back, and whatever was switched off for the load is switched on again before dbsub exits.
pub use crate::output::catch_interrupt;

pub fn check_interrupt() -> Result<()> {
    if crate::output::interrupted() {
        return Err(interrupted());
    }
    Ok(())
}

/// The error of a load stopped by Ctrl-C: exit code 130.
fn interrupted() -> anyhow::Error {
    Class::Interrupted.error(
        "interrupted (Ctrl-C): the table being loaded was rolled back; run the same command \
         again to continue",
    )
}

#[cfg(test)]
mod tests {
    use crate::model::exit::{Class, class_of};

    #[test]
    fn a_load_stopped_by_ctrl_c_exits_as_interrupted() {
        let err = super::interrupted().context("cannot load THE.SEEDLOT");
        assert_eq!(class_of(&err), Class::Interrupted);
        assert_eq!(Class::Interrupted.code(), 130);
    }
}
