//! ORCHARD, then PARENT_TREE with PARENT_TREE_ORCHARD and PARENT_TREE_GENETIC_QUALITY.

use std::collections::BTreeMap;

use anyhow::Result;
use rusqlite::{Transaction, params};

use super::clients::Loc;
use super::rng::Rng;
use super::rows::{Insert, at, audit, comment, fmt_date, fmt_ts, t_max, t_min};
use crate::demo_data::vocabulary::vocabulary;

pub(super) struct Orchard {
    pub(super) id: String,
    pub(super) veg: &'static str,
    /// Parent trees growing in this orchard (PARENT_TREE_ID).
    pub(super) trees: Vec<i64>,
}

pub(super) fn load_orchards(tx: &Transaction<'_>, n: usize, locs: &[Loc]) -> Result<Vec<Orchard>> {
    let v = vocabulary();
    let mut rng = Rng::new("ORCHARD");
    let mut ins = Insert::new(
        tx,
        "ORCHARD",
        &[
            "ORCHARD_ID",
            "ORCHARD_NAME",
            "VEGETATION_CODE",
            "ORCHARD_STAGE_CODE",
            "BEC_ZONE_CODE",
            "BEC_SUBZONE_CODE",
            "BEC_VARIANT_CODE",
            "OPERATOR_CLIENT_NUMBER",
            "OPERATOR_LOCN_CODE",
            "ESTABLISHED_DATE",
            "AREA_HA",
            "ELEVATION_M",
            "ORCHARD_COMMENT",
            "ENTRY_USERID",
            "ENTRY_TIMESTAMP",
            "UPDATE_USERID",
            "UPDATE_TIMESTAMP",
            "REVISION_COUNT",
        ],
    )?;
    let mut orchards = Vec::with_capacity(n);
    for o in 0..n {
        let id = format!("{:03}", 101 + o);
        let veg = rng.weighted(&v.orchard_species).as_str();
        let name = format!("{} {} {}", rng.pick(&v.orchard_places), veg, id);
        let stage = *rng.weighted(&[
            ("PRD", 60),
            ("EST", 15),
            ("RET", 13),
            ("CLO", 8),
            ("BRD", 4),
        ]);
        let (zone, subzone, variant) = if rng.chance(0.85) {
            // Skip the retired "AT" zone (last entry).
            let zone = rng.pick(&v.bec_zones[..v.bec_zones.len() - 1]).0.as_str();
            let variant = if rng.chance(0.5) {
                Some(rng.range(1, 4).to_string())
            } else {
                None
            };
            let subzone = rng.pick(&v.bec_subzones).as_str();
            (Some(zone), Some(subzone), variant)
        } else {
            (None, None, None)
        };
        let operator = if rng.chance(0.9) {
            Some(rng.pick(locs))
        } else {
            None
        };
        let established = rng.ts_between(at(1962, 1, 1), at(2020, 12, 31));
        let area = if rng.chance(0.05) {
            None
        } else {
            Some(rng.decimal(0.5, 40.0, 2))
        };
        let comment_text = if rng.chance(0.3) {
            Some(comment(&mut rng, 3))
        } else {
            None
        };
        let created = rng.office_ts(established.max(t_min()), at(2022, 12, 31));
        let a = audit(&mut rng, created);
        ins.row(params![
            id,
            name,
            veg,
            stage,
            zone,
            subzone,
            variant,
            operator.map(|l| &l.client),
            operator.map(|l| &l.code),
            fmt_date(established),
            area,
            rng.range(0, 1500),
            comment_text,
            a.entry_user,
            a.entry_ts,
            a.update_user,
            a.update_ts,
            a.revision,
        ])?;
        orchards.push(Orchard {
            id,
            veg,
            trees: Vec::new(),
        });
    }
    Ok(orchards)
}

/// Orchard indices per species.
pub(super) fn orchards_by_species(orchards: &[Orchard]) -> BTreeMap<&'static str, Vec<usize>> {
    let mut map: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (i, o) in orchards.iter().enumerate() {
        map.entry(o.veg).or_default().push(i);
    }
    map
}

/// Another orchard of the same species as `home`, if there is one.
pub(super) fn sibling_orchard(
    rng: &mut Rng,
    by_species: &BTreeMap<&'static str, Vec<usize>>,
    orchards: &[Orchard],
    home: usize,
) -> Option<usize> {
    let same = by_species.get(orchards[home].veg)?;
    if same.len() < 2 {
        return None;
    }
    let other = *rng.pick(same);
    (other != home).then_some(other)
}

/// Columns of a PARENT_TREE row, in insert order.
const PARENT_TREE_COLUMNS: [&str; 17] = [
    "PARENT_TREE_ID",
    "PARENT_TREE_NUMBER",
    "VEGETATION_CODE",
    "FEMALE_PARENT_TREE_ID",
    "MALE_PARENT_TREE_ID",
    "ACTIVE_IND",
    "TESTED_IND",
    "LATITUDE",
    "LONGITUDE",
    "ELEVATION_M",
    "REGISTERED_DATE",
    "PARENT_TREE_COMMENT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// Columns of a PARENT_TREE_ORCHARD row, in insert order.
const TREE_ORCHARD_COLUMNS: [&str; 5] = [
    "PARENT_TREE_ID",
    "ORCHARD_ID",
    "RAMET_COUNT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a PARENT_TREE_GENETIC_QUALITY row, in insert order.
const TREE_QUALITY_COLUMNS: [&str; 11] = [
    "PARENT_TREE_GEN_QLTY_ID",
    "PARENT_TREE_ID",
    "GENETIC_WORTH_CODE",
    "GENETIC_QUALITY_VALUE",
    "STANDARD_DEVIATION",
    "TEST_SITE_COUNT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// A parent tree just inserted: what its orchard rows and genetic quality need.
struct NewTree {
    id: i64,
    /// Index of the orchard it was registered in.
    home: usize,
    created: i64,
    tested: bool,
}

/// The inserts and random streams (one per table) of the parent-tree phases.
struct ParentTreeLoad<'c> {
    trees: Insert<'c>,
    members: Insert<'c>,
    quality: Insert<'c>,
    tree_rng: Rng,
    member_rng: Rng,
    quality_rng: Rng,
    by_species: BTreeMap<&'static str, Vec<usize>>,
    next_quality_id: i64,
}

/// PARENT_TREE (self-reference only to lower IDs), PARENT_TREE_ORCHARD and
/// PARENT_TREE_GENETIC_QUALITY.
pub(super) fn load_parent_trees(
    tx: &Transaction<'_>,
    n: usize,
    orchards: &mut [Orchard],
) -> Result<()> {
    let mut load = ParentTreeLoad::new(tx, orchards)?;
    // Each tree's rows go in together: later trees pick their parents among the
    // trees already planted in their orchard.
    for t in 0..n {
        let tree = load.insert_tree(t, orchards)?;
        load.insert_memberships(&tree, orchards)?;
        if tree.tested {
            load.insert_genetic_quality(&tree)?;
        }
    }
    Ok(())
}

impl<'c> ParentTreeLoad<'c> {
    /// Prepares the three inserts and seeds the three streams.
    fn new(tx: &'c Transaction<'_>, orchards: &[Orchard]) -> Result<Self> {
        Ok(ParentTreeLoad {
            trees: Insert::new(tx, "PARENT_TREE", &PARENT_TREE_COLUMNS)?,
            members: Insert::new(tx, "PARENT_TREE_ORCHARD", &TREE_ORCHARD_COLUMNS)?,
            quality: Insert::new(tx, "PARENT_TREE_GENETIC_QUALITY", &TREE_QUALITY_COLUMNS)?,
            tree_rng: Rng::new("PARENT_TREE"),
            member_rng: Rng::new("PARENT_TREE_ORCHARD"),
            quality_rng: Rng::new("PARENT_TREE_GENETIC_QUALITY"),
            by_species: orchards_by_species(orchards),
            next_quality_id: 1,
        })
    }

    /// One PARENT_TREE row; the first trees go one per orchard so that none is empty.
    fn insert_tree(&mut self, t: usize, orchards: &[Orchard]) -> Result<NewTree> {
        let rng = &mut self.tree_rng;
        let id = 1000 + t as i64;
        let home = if t < orchards.len() {
            t
        } else {
            rng.below(orchards.len())
        };
        let (female, male) = tree_parents(rng, &orchards[home].trees);
        let tested = t == 0 || rng.chance(0.65);
        let (lat, lon, elev) = if rng.chance(0.1) {
            (None, None, None)
        } else {
            (
                Some(rng.decimal(48.3, 59.9, 5)),
                Some(rng.decimal(-132.0, -114.1, 5)),
                Some(rng.range(0, 2100)),
            )
        };
        let registered = if rng.chance(0.05) {
            None
        } else {
            Some(rng.ts_between(at(1965, 1, 1), at(2023, 12, 31)))
        };
        let comment_text = if rng.chance(0.1) {
            Some(comment(rng, 2))
        } else {
            None
        };
        let created = rng.office_ts(registered.unwrap_or(t_min()).max(t_min()), at(2024, 12, 31));
        let a = audit(rng, created);
        self.trees.row(params![
            id,
            (t + 1).to_string(),
            orchards[home].veg,
            female,
            male,
            if rng.chance(0.85) { "Y" } else { "N" },
            if tested { "Y" } else { "N" },
            lat,
            lon,
            elev,
            registered.map(fmt_date),
            comment_text,
            a.entry_user,
            a.entry_ts,
            a.update_user,
            a.update_ts,
            a.revision,
        ])?;
        Ok(NewTree {
            id,
            home,
            created,
            tested,
        })
    }

    /// PARENT_TREE_ORCHARD rows: the tree's orchard, sometimes also a sibling
    /// orchard of the same species; the tree joins their pools.
    fn insert_memberships(&mut self, tree: &NewTree, orchards: &mut [Orchard]) -> Result<()> {
        let v = vocabulary();
        let rng = &mut self.member_rng;
        let mut homes = vec![tree.home];
        if rng.chance(0.1)
            && let Some(other) = sibling_orchard(rng, &self.by_species, orchards, tree.home)
        {
            homes.push(other);
        }
        for h in homes {
            let ramets = if rng.chance(0.1) {
                None
            } else {
                Some(rng.range(1, 40))
            };
            let ts = fmt_ts(rng.office_ts(tree.created, t_max()));
            self.members.row(params![
                tree.id,
                orchards[h].id,
                ramets,
                rng.pick(&v.users),
                ts
            ])?;
            orchards[h].trees.push(tree.id);
        }
        Ok(())
    }

    /// PARENT_TREE_GENETIC_QUALITY rows of a tested tree: GVO, sometimes one more worth.
    fn insert_genetic_quality(&mut self, tree: &NewTree) -> Result<()> {
        let v = vocabulary();
        let rng = &mut self.quality_rng;
        let mut codes = vec!["GVO"];
        if rng.chance(0.35) {
            let other = rng.pick(&v.genetic_worths).0.as_str();
            if other != "GVO" {
                codes.push(other);
            }
        }
        for code in codes {
            let sd = if rng.chance(0.3) {
                None
            } else {
                Some(rng.decimal(0.0, 5.0, 3))
            };
            let a = audit(rng, tree.created);
            self.quality.row(params![
                self.next_quality_id,
                tree.id,
                code,
                rng.decimal(-5.0, 30.0, 1),
                sd,
                rng.range(1, 12),
                a.entry_user,
                a.entry_ts,
                a.update_user,
                a.update_ts,
                a.revision,
            ])?;
            self.next_quality_id += 1;
        }
        Ok(())
    }
}

/// A tree's female and male parents: earlier trees of its orchard, so IDs only point down.
fn tree_parents(rng: &mut Rng, pool: &[i64]) -> (Option<i64>, Option<i64>) {
    let female = if !pool.is_empty() && rng.chance(0.3) {
        Some(*rng.pick(pool))
    } else {
        None
    };
    let male = match female {
        Some(f) if pool.len() >= 2 && rng.chance(0.8) => {
            let m = *rng.pick(pool);
            (m != f).then_some(m)
        }
        _ => None,
    };
    (female, male)
}
