//! The code tables (from the vocabulary, with their retired codes) and APP_SETTING.

use anyhow::Result;
use rusqlite::{Transaction, params};

use super::rng::Rng;
use super::rows::{Insert, at, fmt_ts};
use crate::demo_data::vocabulary::vocabulary;

pub(super) fn load_code_tables(tx: &Transaction<'_>) -> Result<()> {
    let v = vocabulary();
    let mut rng = Rng::new("CODE_TABLES");
    let default_effective = fmt_ts(at(1905, 1, 1));
    let default_expiry = fmt_ts(at(9999, 12, 31));
    for (table, rows) in v.code_tables() {
        let mut ins = Insert::new(
            tx,
            table,
            &[
                table,
                "DESCRIPTION",
                "EFFECTIVE_DATE",
                "EXPIRY_DATE",
                "UPDATE_TIMESTAMP",
            ],
        )?;
        for (code, desc) in rows {
            let retired = v
                .retired_codes
                .iter()
                .find(|r| r.table == table && r.code == *code);
            let (effective, expiry) = match retired {
                Some(r) => {
                    let ((ey, em, ed), (xy, xm, xd)) = (r.effective, r.expiry);
                    (fmt_ts(at(ey, em, ed)), fmt_ts(at(xy, xm, xd)))
                }
                None => (default_effective.clone(), default_expiry.clone()),
            };
            let updated = fmt_ts(rng.office_ts(at(2003, 1, 1), at(2015, 12, 31)));
            ins.row(params![code, desc, effective, expiry, updated])?;
        }
    }

    let mut ins = Insert::new(
        tx,
        "VEGETATION_CODE",
        &[
            "VEGETATION_CODE",
            "DESCRIPTION",
            "CONIFEROUS_IND",
            "EFFECTIVE_DATE",
            "EXPIRY_DATE",
            "UPDATE_TIMESTAMP",
        ],
    )?;
    for veg in &v.vegetations {
        let updated = fmt_ts(rng.office_ts(at(2003, 1, 1), at(2015, 12, 31)));
        let ind = if veg.coniferous { "Y" } else { "N" };
        ins.row(params![
            veg.code,
            veg.description,
            ind,
            default_effective,
            default_expiry,
            updated
        ])?;
    }
    Ok(())
}

pub(super) fn load_app_settings(tx: &Transaction<'_>) -> Result<()> {
    let mut rng = Rng::new("APP_SETTING");
    let mut ins = Insert::new(
        tx,
        "APP_SETTING",
        &[
            "SETTING_KEY",
            "SETTING_VALUE",
            "DESCRIPTION",
            "UPDATE_TIMESTAMP",
        ],
    )?;
    for setting in &vocabulary().app_settings {
        let updated = fmt_ts(rng.office_ts(at(2010, 1, 1), at(2025, 11, 30)));
        ins.row(params![
            setting.key,
            setting.value,
            setting.description,
            updated
        ])?;
    }
    Ok(())
}
