//! SEEDLOT_TEST_RESULT, SOWING_REQUEST with NURSERY_SHIPMENT, and SEEDLOT_ATTACHMENT of a seedlot.

use anyhow::Result;
use rusqlite::params;

use super::clients::Loc;
use super::rng::Rng;
use super::rows::{DAY, Insert, audit, comment, fmt_date, fmt_ts, t_max, year_of};
use super::seedlot_inserts::SeedlotInserts;
use super::seedlots::Ids;
use crate::demo_data::vocabulary::vocabulary;

/// SEEDLOT_TEST_RESULT: no key at all, and about 1% exact duplicates.
pub(super) fn load_tests(
    ins: &mut Insert<'_>,
    rng: &mut Rng,
    number: &str,
    veg: &str,
    created: i64,
    force: bool,
) -> Result<()> {
    let v = vocabulary();
    let k = *rng.weighted(&[(0usize, 55), (1, 35), (2, 8), (3, 2)]);
    let k = if force { k.max(1) } else { k };
    let seeds_per_gram = match veg {
        "CW" | "YC" | "HW" | "HM" | "EP" | "ACT" | "DR" => (300, 900),
        "PLI" | "SX" | "SS" | "SB" | "SXS" => (200, 450),
        _ => (20, 150),
    };
    for j in 0..k {
        let category = if j == 0 {
            "STD"
        } else {
            *rng.weighted(&[("RTS", 60), ("QA", 30), ("MC", 10)])
        };
        let date = fmt_date(rng.ts_between(created, (created + 5 * 365 * DAY).min(t_max())));
        let germination = if rng.chance(0.03) {
            None
        } else {
            Some(rng.range(40, 99))
        };
        let moisture = rng.decimal(4.0, 12.0, 1);
        let purity = if category == "MC" {
            None
        } else {
            Some(rng.decimal(95.0, 100.0, 1))
        };
        let spg = rng.range(seeds_per_gram.0, seeds_per_gram.1);
        let lab = rng.pick(&v.labs).as_str();
        let note = rng.maybe_text(0.8, 0.03, |rr| rr.pick(&v.sentences).clone());
        let copies = if rng.chance(0.01) { 2 } else { 1 };
        for _ in 0..copies {
            ins.row(params![
                number,
                category,
                date,
                germination,
                moisture,
                purity,
                spg,
                lab,
                note
            ])?;
        }
    }
    Ok(())
}

/// SOWING_REQUEST and NURSERY_SHIPMENT for an approved seedlot.
pub(super) fn load_requests(
    ins: &mut SeedlotInserts<'_>,
    rng: &mut Rng,
    ids: &mut Ids,
    number: &str,
    locs: &[Loc],
    approved_at: i64,
    force: bool,
) -> Result<()> {
    let v = vocabulary();
    let k = if rng.chance(0.3) { 2 } else { 1 };
    for j in 0..k {
        let id = ids.request;
        ids.request += 1;
        let status = if force && j == 0 {
            "SHP"
        } else {
            *rng.weighted(&[
                ("NEW", 10),
                ("ACC", 20),
                ("SHP", 35),
                ("CLS", 25),
                ("CAN", 10),
            ])
        };
        let requestor = rng.pick(locs);
        let requested = rng.office_ts(approved_at, (approved_at + 3 * 365 * DAY).min(t_max()));
        let sowing_year = (year_of(requested) + rng.range(0, 2)).min(2026);
        let seedlings = if rng.chance(0.1) {
            None
        } else {
            Some(rng.range(100, 5000) * 100)
        };
        let kg = if rng.chance(0.3) {
            None
        } else {
            Some(rng.decimal(0.1, 20.0, 3))
        };
        let note = rng.maybe_text(0.75, 0.05, |rr| comment(rr, 2));
        let ra = audit(rng, requested);
        ins.request.row(params![
            id,
            number,
            status,
            requestor.client,
            requestor.code,
            sowing_year,
            seedlings,
            kg,
            fmt_date(requested),
            note,
            ra.entry_user,
            ra.entry_ts,
            ra.update_user,
            ra.update_ts,
            ra.revision,
        ])?;

        let shipments = match status {
            "SHP" | "CLS" => {
                if rng.chance(0.2) {
                    2
                } else {
                    1
                }
            }
            "ACC" if rng.chance(0.2) => 1,
            _ => 0,
        };
        for _ in 0..shipments {
            let shipped = rng.office_ts(requested, (requested + 200 * DAY).min(t_max()));
            let carrier = if rng.chance(0.1) {
                None
            } else {
                Some(rng.pick(&v.carriers).as_str())
            };
            let tracking = rng.maybe_text(0.3, 0.1, |rr| {
                format!(
                    "{}{:010}",
                    *rr.pick(&["PUR", "CP", "LX"]),
                    rr.range(0, 9_999_999_999)
                )
            });
            ins.shipment.row(params![
                ids.shipment,
                id,
                fmt_date(shipped),
                seedlings.map_or(rng.range(10, 500) * 100, |s| s / rng.range(1, 2)),
                carrier,
                tracking,
                if rng.chance(0.8) { "Y" } else { "N" },
                rng.pick(&v.users),
                fmt_ts(shipped),
            ])?;
            ids.shipment += 1;
        }
    }
    Ok(())
}

/// SEEDLOT_ATTACHMENT with small BLOBs (a few NULL: metadata only).
pub(super) fn load_attachments(
    ins: &mut Insert<'_>,
    rng: &mut Rng,
    ids: &mut Ids,
    number: &str,
    created: i64,
) -> Result<()> {
    let v = vocabulary();
    let k = if rng.chance(0.3) { 2 } else { 1 };
    for _ in 0..k {
        let (name, mime, magic): (String, &str, &[u8]) = match rng.below(4) {
            0 => (
                format!("collection_form_{number}.pdf"),
                "application/pdf",
                b"%PDF-1.4\n",
            ),
            1 => (
                format!("cone_crop_{number}.png"),
                "image/png",
                b"\x89PNG\r\n\x1a\n",
            ),
            2 => (
                format!("déclaration_propriétaire_{number}.pdf"),
                "application/pdf",
                b"%PDF-1.7\n",
            ),
            _ => (
                format!("orchard_map_{number}.tif"),
                "image/tiff",
                b"II*\x00",
            ),
        };
        let size = rng.range(64, 4096) as usize;
        let mut content = Vec::with_capacity(size);
        content.extend_from_slice(magic);
        while content.len() < size {
            content.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
        content.truncate(size);
        let content = if rng.chance(0.1) { None } else { Some(content) };
        let ts = fmt_ts(rng.office_ts(created, (created + 90 * DAY).min(t_max())));
        ins.row(params![
            ids.attachment,
            number,
            name,
            mime,
            size as i64,
            content,
            rng.pick(&v.users),
            ts,
        ])?;
        ids.attachment += 1;
    }
    Ok(())
}
