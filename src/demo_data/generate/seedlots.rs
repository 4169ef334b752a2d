//! SEEDLOT and its child rows, one seedlot at a time, then the audited status updates.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rusqlite::{Transaction, params};

use super::clients::Loc;
use super::orchards::{Orchard, orchards_by_species, sibling_orchard};
use super::requests::{load_attachments, load_requests, load_tests};
use super::rng::Rng;
use super::rows::{Audit, DAY, audit, fmt_date, fmt_ts, t_max};
use super::seedlot_draws::{
    FUNDING_SOURCES, collection_dates, collection_site, cone_volume, declaration,
    parent_tree_totals, pick_owners, pick_parent_trees, seedlot_comment, seedlot_kind,
    seedlot_parties,
};
use super::seedlot_inserts::SeedlotInserts;
use crate::demo_data::vocabulary::vocabulary;

/// Seedlot numbers: '60000'..'99999', then five base-36 characters starting
/// with a letter ('A0000'...), so text order equals creation order.
pub(super) fn seedlot_number(i: usize) -> String {
    if i < 40_000 {
        return (60_000 + i).to_string();
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let k = i - 40_000;
    let mut out = [0u8; 5];
    let mut rest = k;
    for slot in out.iter_mut().skip(1).rev() {
        *slot = DIGITS[rest % 36];
        rest /= 36;
    }
    out[0] = DIGITS[(10 + rest) % 36];
    String::from_utf8_lossy(&out).into_owned()
}

/// A seedlot to be updated after the load (fires SEEDLOT_AUDIT_TRG).
pub(super) struct PendingUpdate {
    number: String,
    status: &'static str,
    updated: i64,
    revision: i64,
    times: u32,
}

/// Random streams of the seedlot child tables.
struct SeedlotRngs {
    seedlot: Rng,
    owner: Rng,
    worth: Rng,
    method: Rng,
    orchard: Rng,
    zone: Rng,
    tree: Rng,
    smp: Rng,
    test: Rng,
    request: Rng,
    attachment: Rng,
    update: Rng,
}

impl SeedlotRngs {
    /// Seeds one stream per seedlot table, and one for the status updates.
    fn new() -> Self {
        SeedlotRngs {
            seedlot: Rng::new("SEEDLOT"),
            owner: Rng::new("SEEDLOT_OWNER_QUANTITY"),
            worth: Rng::new("SEEDLOT_GENETIC_WORTH"),
            method: Rng::new("SEEDLOT_COLLECTION_METHOD"),
            orchard: Rng::new("SEEDLOT_ORCHARD"),
            zone: Rng::new("SEEDLOT_SEED_PLAN_ZONE"),
            tree: Rng::new("SEEDLOT_PARENT_TREE"),
            smp: Rng::new("SMP_MIX"),
            test: Rng::new("SEEDLOT_TEST_RESULT"),
            request: Rng::new("SOWING_REQUEST"),
            attachment: Rng::new("SEEDLOT_ATTACHMENT"),
            update: Rng::new("SEEDLOT_UPDATE"),
        }
    }
}

/// Running IDs of the surrogate-keyed child tables.
pub(super) struct Ids {
    pub(super) request: i64,
    pub(super) shipment: i64,
    pub(super) attachment: i64,
}

/// The state shared by the seedlot phases: their inserts and streams, the running
/// IDs, the status updates queued so far, and the clients and orchards loaded before.
struct SeedlotLoad<'c, 'a> {
    ins: SeedlotInserts<'c>,
    r: SeedlotRngs,
    ids: Ids,
    pending: Vec<PendingUpdate>,
    locs: &'a [Loc],
    orchards: &'a [Orchard],
    by_species: BTreeMap<&'static str, Vec<usize>>,
}

/// A seedlot just inserted: what its child rows need.
struct NewSeedlot<'a> {
    number: String,
    /// Seedlot 0 exercises every optional child table, so even the smallest
    /// scale fills every table.
    force: bool,
    /// Genetic class A: seed from an orchard (class B is collected in the wild).
    a_class: bool,
    /// Index of its orchard (drawn for class B too, but unused there).
    home: usize,
    status: &'static str,
    veg: &'static str,
    /// Year of the cone collection.
    year: i64,
    created: i64,
    approved: Option<i64>,
    applicant: Option<&'a Loc>,
    /// Whether supplemental mass pollination was used (class A only).
    smp: bool,
    /// Its parent trees (PARENT_TREE_ID), from its orchard; none for class B.
    trees: Vec<i64>,
    /// The seedlot's audit columns, which its child rows partly share.
    audit: Audit,
}

/// SEEDLOT and its child tables, one seedlot at a time; returns the status
/// updates to apply once everything is loaded.
pub(super) fn load_seedlots(
    tx: &Transaction<'_>,
    n: usize,
    locs: &[Loc],
    orchards: &[Orchard],
) -> Result<Vec<PendingUpdate>> {
    let mut load = SeedlotLoad::new(tx, locs, orchards)?;
    // Each table draws from its own stream, but the order of the inserts shapes the
    // file: a seedlot's child rows follow it, table by table, in this order.
    for i in 0..n {
        let lot = load.insert_seedlot(i)?;
        load.queue_status_update(&lot);
        load.insert_owners(&lot)?;
        load.insert_genetic_worth(&lot)?;
        load.insert_collection_methods(&lot)?;
        load.insert_orchards(&lot)?;
        load.insert_seed_plan_zones(&lot)?;
        load.insert_parent_trees(&lot)?;
        load.insert_smp_mix(&lot)?;
        load.insert_test_results(&lot)?;
        load.insert_sowing_requests(&lot)?;
        load.insert_attachments(&lot)?;
    }
    Ok(load.pending)
}

impl<'c, 'a> SeedlotLoad<'c, 'a> {
    /// Prepares the inserts, seeds the streams and starts the surrogate IDs.
    fn new(tx: &'c Transaction<'_>, locs: &'a [Loc], orchards: &'a [Orchard]) -> Result<Self> {
        Ok(SeedlotLoad {
            ins: SeedlotInserts::new(tx)?,
            r: SeedlotRngs::new(),
            ids: Ids {
                request: 500_001,
                shipment: 900_001,
                attachment: 1,
            },
            pending: Vec::new(),
            locs,
            orchards,
            by_species: orchards_by_species(orchards),
        })
    }

    /// One SEEDLOT row: its kind, collection, applicant, declaration and parent-tree totals.
    fn insert_seedlot(&mut self, i: usize) -> Result<NewSeedlot<'a>> {
        let force = i == 0;
        let number = seedlot_number(i);
        let (locs, orchards) = (self.locs, self.orchards);
        // The draws below share one stream: their order is part of the data.
        let rng = &mut self.r.seedlot;
        let kind = seedlot_kind(rng, force, orchards);
        let a_class = kind.a_class;
        let dates = collection_dates(rng);
        let (applicant, applicant_email, collector) = seedlot_parties(rng, locs);
        let (containers, per_container, volume) = cone_volume(rng);
        let (elev, lat, lon) = collection_site(rng, a_class);
        let orchard_col = if a_class && rng.chance(0.95) {
            Some(orchards[kind.home].id.as_str())
        } else {
            None
        };
        let smp = a_class && (force || rng.chance(0.1));
        let comment_text = seedlot_comment(rng);
        let (declared, approved) = declaration(rng, kind.status, dates.created);
        // Parent trees of an orchard seedlot come from its orchard.
        let trees = if a_class {
            pick_parent_trees(&mut self.r.tree, &orchards[kind.home].trees)
        } else {
            Vec::new()
        };
        let (total_trees, pop_size, smp_pct) = parent_tree_totals(rng, a_class, smp, trees.len());
        let a = audit(rng, dates.created);
        self.ins.seedlot.row(params![
            number,
            kind.status,
            kind.veg,
            if a_class { "A" } else { "B" },
            kind.source,
            if a_class && rng.chance(0.9) { "Y" } else { "N" },
            if rng.chance(0.97) { "Y" } else { "N" },
            applicant.map(|l| &l.client),
            applicant.map(|l| &l.code),
            applicant_email,
            collector.client,
            collector.code,
            fmt_date(dates.start),
            dates.end.map(fmt_date),
            containers,
            per_container,
            volume,
            elev,
            lat,
            lon,
            orchard_col,
            total_trees,
            pop_size,
            smp_pct,
            if rng.chance(0.02) { "Y" } else { "N" },
            comment_text,
            declared.map(fmt_date),
            approved.map(fmt_ts),
            a.entry_user,
            a.entry_ts,
            a.update_user,
            a.update_ts,
            a.revision,
        ])?;
        Ok(NewSeedlot {
            number,
            force,
            a_class,
            home: kind.home,
            status: kind.status,
            veg: kind.veg,
            year: dates.year,
            created: dates.created,
            approved,
            applicant,
            smp,
            trees,
            audit: a,
        })
    }

    /// Queues a status change after the load for some seedlots (always seedlot 0).
    fn queue_status_update(&mut self, lot: &NewSeedlot<'_>) {
        let rng = &mut self.r.update;
        if lot.force || rng.chance(0.14) {
            self.pending.push(PendingUpdate {
                number: lot.number.clone(),
                status: lot.status,
                updated: lot.audit.update_secs,
                revision: lot.audit.revision,
                times: if rng.chance(0.2) { 2 } else { 1 },
            });
        }
    }

    /// SEEDLOT_OWNER_QUANTITY rows: distinct client locations, percentages summing to 100.00.
    fn insert_owners(&mut self, lot: &NewSeedlot<'a>) -> Result<()> {
        let v = vocabulary();
        let rng = &mut self.r.owner;
        let owners = pick_owners(rng, lot.applicant, self.locs);
        let mut left: i64 = 10_000;
        for (j, owner) in owners.iter().enumerate() {
            let share = if j + 1 == owners.len() {
                left
            } else {
                let s = rng.range(1_000, left - 1_000 * (owners.len() - j - 1) as i64);
                left -= s;
                s
            };
            let reserved = rng.range(0, 10_000);
            let payment = if rng.chance(0.85) {
                Some(rng.pick(&v.payment_methods).0.as_str())
            } else {
                None
            };
            // The retired FRB code appears only on old seedlots.
            let funding = if lot.year < 2002 && rng.chance(0.3) {
                "FRB"
            } else {
                *rng.weighted(&FUNDING_SOURCES)
            };
            let qty = if rng.chance(0.4) {
                None
            } else {
                Some(rng.decimal(0.0, 50.0, 3))
            };
            let oa = audit(rng, lot.created);
            self.ins.owner.row(params![
                lot.number,
                owner.client,
                owner.code,
                share as f64 / 100.0,
                reserved as f64 / 100.0,
                (10_000 - reserved) as f64 / 100.0,
                payment,
                funding,
                qty,
                oa.entry_user,
                oa.entry_ts,
                oa.update_user,
                oa.update_ts,
                oa.revision,
            ])?;
        }
        Ok(())
    }

    /// SEEDLOT_GENETIC_WORTH rows of an orchard seedlot: GVO, sometimes one more worth.
    fn insert_genetic_worth(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        if !lot.a_class {
            return Ok(());
        }
        let v = vocabulary();
        let rng = &mut self.r.worth;
        let mut codes = vec!["GVO"];
        if rng.chance(0.15) {
            let other = rng.pick(&v.genetic_worths).0.as_str();
            if other != "GVO" {
                codes.push(other);
            }
        }
        for code in codes {
            let wa = audit(rng, lot.created);
            self.ins.worth.row(params![
                lot.number,
                code,
                rng.decimal(0.0, 25.0, 1),
                if rng.chance(0.2) {
                    None
                } else {
                    Some(rng.decimal(50.0, 100.0, 2))
                },
                if rng.chance(0.15) { "Y" } else { "N" },
                wa.entry_user,
                wa.entry_ts,
                wa.update_user,
                wa.update_ts,
                wa.revision,
            ])?;
        }
        Ok(())
    }

    /// SEEDLOT_COLLECTION_METHOD rows: one cone collection method, sometimes two.
    fn insert_collection_methods(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let v = vocabulary();
        let rng = &mut self.r.method;
        let created = lot.created;
        let k = if rng.chance(0.05) { 2 } else { 1 };
        // Only the first eight methods are current; "9" is retired.
        for j in rng.distinct(8, k) {
            let ts = fmt_ts(rng.office_ts(created, (created + 30 * DAY).min(t_max())));
            self.ins.method.row(params![
                lot.number,
                v.cone_collection_methods[j].0,
                lot.audit.entry_user,
                ts
            ])?;
        }
        Ok(())
    }

    /// SEEDLOT_ORCHARD rows of an orchard seedlot: its orchard, sometimes a sibling too.
    fn insert_orchards(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        if !lot.a_class {
            return Ok(());
        }
        let orchards = self.orchards;
        let rng = &mut self.r.orchard;
        let (number, user, ts) = (&lot.number, lot.audit.entry_user, fmt_ts(lot.created));
        let primary = &orchards[lot.home].id;
        self.ins
            .orchard
            .row(params![number, primary, "Y", user, ts])?;
        if rng.chance(0.12)
            && let Some(other) = sibling_orchard(rng, &self.by_species, orchards, lot.home)
        {
            let other = &orchards[other].id;
            self.ins
                .orchard
                .row(params![number, other, "N", user, ts])?;
        }
        Ok(())
    }

    /// SEEDLOT_SEED_PLAN_ZONE rows: one primary zone, sometimes a second one.
    fn insert_seed_plan_zones(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let v = vocabulary();
        let rng = &mut self.r.zone;
        let k = if rng.chance(0.05) { 2 } else { 1 };
        let class = if lot.a_class { "A" } else { "B" };
        for (j, z) in rng
            .distinct(v.seed_plan_zones.len(), k)
            .into_iter()
            .enumerate()
        {
            self.ins.zone.row(params![
                lot.number,
                v.seed_plan_zones[z].0,
                class,
                if j == 0 { "Y" } else { "N" },
                lot.audit.entry_user,
                fmt_ts(lot.created),
            ])?;
        }
        Ok(())
    }

    /// SEEDLOT_PARENT_TREE rows, a few followed by their per-seedlot genetic quality.
    fn insert_parent_trees(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        for (j, tree_id) in lot.trees.iter().enumerate() {
            let rng = &mut self.r.tree;
            let ta = audit(rng, lot.created);
            self.ins.tree.row(params![
                lot.number,
                tree_id,
                rng.decimal(1.0, 500.0, 1),
                rng.decimal(0.0, 300.0, 1),
                if lot.smp {
                    Some(rng.range(0, 80))
                } else {
                    None
                },
                if rng.chance(0.5) {
                    None
                } else {
                    Some(rng.range(0, 20))
                },
                ta.entry_user,
                ta.entry_ts,
                ta.update_user,
                ta.update_ts,
                ta.revision,
            ])?;
            if (lot.force && j == 0) || rng.chance(0.07) {
                self.insert_tree_quality(lot, *tree_id, &ta)?;
            }
        }
        Ok(())
    }

    /// SEEDLOT_PARENT_TREE_GEN_QLTY rows of one tree: GVO, sometimes WWD; audited as the tree row.
    fn insert_tree_quality(
        &mut self,
        lot: &NewSeedlot<'_>,
        tree_id: i64,
        ta: &Audit,
    ) -> Result<()> {
        let rng = &mut self.r.tree;
        let mut codes = vec!["GVO"];
        if rng.chance(0.3) {
            codes.push("WWD");
        }
        for code in codes {
            self.ins.tree_quality.row(params![
                lot.number,
                tree_id,
                code,
                rng.decimal(-5.0, 30.0, 1),
                if rng.chance(0.2) { "Y" } else { "N" },
                ta.entry_user,
                ta.entry_ts,
                ta.update_user,
                ta.update_ts,
                ta.revision,
            ])?;
        }
        Ok(())
    }

    /// SMP_MIX rows: the pollen mix of a seedlot with supplemental mass pollination.
    fn insert_smp_mix(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let pool = &self.orchards[lot.home].trees;
        if !lot.smp || pool.is_empty() {
            return Ok(());
        }
        let rng = &mut self.r.smp;
        let k = rng.range(2, 6) as usize;
        let chosen = rng.distinct(pool.len(), k);
        let amounts: Vec<i64> = chosen.iter().map(|_| rng.range(1, 500)).collect();
        let total: i64 = amounts.iter().sum();
        for (j, amount) in chosen.iter().zip(&amounts) {
            let proportion = (*amount as f64 / total as f64 * 1e10).round() / 1e10;
            let sa = audit(rng, lot.created);
            self.ins.smp.row(params![
                lot.number,
                pool[*j],
                amount,
                proportion,
                sa.entry_user,
                sa.entry_ts,
                sa.update_user,
                sa.update_ts,
                sa.revision,
            ])?;
        }
        Ok(())
    }

    /// SEEDLOT_TEST_RESULT rows (see `load_tests`).
    fn insert_test_results(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let (ins, rng) = (&mut self.ins.test, &mut self.r.test);
        load_tests(ins, rng, &lot.number, lot.veg, lot.created, lot.force)
    }

    /// SOWING_REQUEST and NURSERY_SHIPMENT rows for a quarter of the approved or expired seedlots.
    fn insert_sowing_requests(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let rng = &mut self.r.request;
        if lot.force || (matches!(lot.status, "APP" | "EXP") && rng.chance(0.25)) {
            let approved_at = lot.approved.unwrap_or(lot.created);
            let (ins, ids) = (&mut self.ins, &mut self.ids);
            load_requests(
                ins,
                rng,
                ids,
                &lot.number,
                self.locs,
                approved_at,
                lot.force,
            )?;
        }
        Ok(())
    }

    /// SEEDLOT_ATTACHMENT rows for a few seedlots.
    fn insert_attachments(&mut self, lot: &NewSeedlot<'_>) -> Result<()> {
        let rng = &mut self.r.attachment;
        if lot.force || rng.chance(0.025) {
            let (ins, ids) = (&mut self.ins.attachment, &mut self.ids);
            load_attachments(ins, rng, ids, &lot.number, lot.created)?;
        }
        Ok(())
    }
}

/// Status changes after the load; each UPDATE fires SEEDLOT_AUDIT_TRG.
pub(super) fn apply_seedlot_updates(tx: &Transaction<'_>, pending: &[PendingUpdate]) -> Result<()> {
    let v = vocabulary();
    let mut rng = Rng::new("SEEDLOT_AUDIT");
    let mut update = tx
        .prepare(
            "UPDATE SEEDLOT SET SEEDLOT_STATUS_CODE = ?2, UPDATE_USERID = ?3, \
             UPDATE_TIMESTAMP = ?4, REVISION_COUNT = ?5 WHERE SEEDLOT_NUMBER = ?1",
        )
        .context("preparing the status update of SEEDLOT")?;
    for p in pending {
        let mut status = p.status;
        let mut updated = p.updated;
        let mut revision = p.revision;
        for _ in 0..p.times {
            // Some updates only touch other columns: old and new status match.
            status = match status {
                "PND" | "INC" | "RET" => "SUB",
                "SUB" => {
                    if rng.chance(0.8) {
                        "APP"
                    } else {
                        "INC"
                    }
                }
                "APP" if rng.chance(0.15) => "EXP",
                other => other,
            };
            updated = rng.office_ts(updated + DAY, (updated + 400 * DAY).min(t_max()));
            revision += 1;
            update
                .execute(params![
                    p.number,
                    status,
                    rng.pick(&v.users),
                    fmt_ts(updated),
                    revision
                ])
                .context("updating SEEDLOT (audited by SEEDLOT_AUDIT_TRG)")?;
        }
    }
    Ok(())
}
