//! The draws behind a seedlot's columns: its kind, collection, parties, volumes, declaration,
//! parent trees and owners.

use super::clients::Loc;
use super::orchards::Orchard;
use super::rng::Rng;
use super::rows::{DAY, ascii_slug, at, comment, t_max};
use crate::demo_data::vocabulary::vocabulary;

/// What a seedlot is: its genetic class, orchard, status, species and seed source.
pub(super) struct SeedlotKind {
    pub(super) a_class: bool,
    pub(super) home: usize,
    pub(super) status: &'static str,
    pub(super) veg: &'static str,
    pub(super) source: &'static str,
}

/// A seedlot's kind: class A takes its orchard's species, class B a wild one.
pub(super) fn seedlot_kind(rng: &mut Rng, force: bool, orchards: &[Orchard]) -> SeedlotKind {
    let v = vocabulary();
    let a_class = force || rng.chance(0.4);
    let home = if force { 0 } else { rng.below(orchards.len()) };
    let status = if force {
        "APP"
    } else {
        *rng.weighted(&[
            ("APP", 55),
            ("EXP", 15),
            ("PND", 8),
            ("SUB", 10),
            ("INC", 5),
            ("RET", 3),
            ("CAN", 4),
        ])
    };
    let (veg, source) = if a_class {
        let source = *rng.weighted(&[("TPT", 60), ("UPT", 25), ("CUS", 15)]);
        (orchards[home].veg, source)
    } else {
        (rng.weighted(&v.wild_species).as_str(), "NAT")
    };
    SeedlotKind {
        a_class,
        home,
        status,
        veg,
        source,
    }
}

/// When a seedlot's cones were collected, and when the seedlot was entered.
pub(super) struct CollectionDates {
    pub(super) year: i64,
    pub(super) start: i64,
    pub(super) end: Option<i64>,
    pub(super) created: i64,
}

/// A summer-to-autumn collection, entered weeks to a year later.
pub(super) fn collection_dates(rng: &mut Rng) -> CollectionDates {
    let year = rng.range(1990, 2024);
    let start = rng.ts_between(at(year, 7, 15), at(year, 10, 15));
    let end = if rng.chance(0.1) {
        None
    } else {
        Some(start + rng.range(0, 30) * DAY)
    };
    let created = rng.office_ts(start + 20 * DAY, (start + 400 * DAY).min(t_max()));
    CollectionDates {
        year,
        start,
        end,
        created,
    }
}

/// A seedlot's applicant location (sometimes none), applicant e-mail and
/// collector location (often the applicant).
pub(super) fn seedlot_parties<'a>(
    rng: &mut Rng,
    locs: &'a [Loc],
) -> (Option<&'a Loc>, Option<String>, &'a Loc) {
    let v = vocabulary();
    let applicant = if rng.chance(0.88) {
        Some(rng.pick(locs))
    } else {
        None
    };
    let email = rng.maybe_text(0.3, 0.03, |rr| {
        let surname = rr.pick(&v.surnames);
        format!("{}@{}", ascii_slug(surname), rr.pick(&v.email_domains))
    });
    let collector = match applicant {
        Some(l) if rng.chance(0.6) => l,
        _ => rng.pick(locs),
    };
    (applicant, email, collector)
}

/// Containers, volume per container and total volume collected; sometimes unknown.
pub(super) fn cone_volume(rng: &mut Rng) -> (Option<f64>, Option<f64>, Option<f64>) {
    if rng.chance(0.1) {
        return (None, None, None);
    }
    let containers = rng.decimal(1.0, 400.0, 2);
    let per_container = rng.decimal(0.5, 2.5, 2);
    let volume = (containers * per_container * 100.0).round() / 100.0;
    (Some(containers), Some(per_container), Some(volume))
}

/// Elevation, latitude and longitude of a wild collection; none for orchard seed.
pub(super) fn collection_site(
    rng: &mut Rng,
    a_class: bool,
) -> (Option<i64>, Option<f64>, Option<f64>) {
    if a_class || rng.chance(0.05) {
        return (None, None, None);
    }
    (
        Some(rng.range(100, 2000)),
        Some(rng.decimal(48.3, 59.9, 5)),
        Some(rng.decimal(-132.0, -114.1, 5)),
    )
}

/// SEEDLOT_COMMENT: mostly NULL, sometimes a few sentences, rarely a long CLOB.
pub(super) fn seedlot_comment(rng: &mut Rng) -> Option<String> {
    if rng.chance(0.01) {
        let sentences = &vocabulary().sentences;
        Some(
            (0..60)
                .map(|_| rng.pick(sentences).as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    } else {
        rng.maybe_text(0.7, 0.05, |rr| comment(rr, 5))
    }
}

/// When a seedlot was declared (not if pending or cancelled) and approved (if approved or expired).
pub(super) fn declaration(rng: &mut Rng, status: &str, created: i64) -> (Option<i64>, Option<i64>) {
    let declared = match status {
        "PND" | "CAN" => None,
        _ => Some(rng.office_ts(created, (created + 60 * DAY).min(t_max()))),
    };
    let approved = match (status, declared) {
        ("APP" | "EXP", Some(d)) => Some(rng.ts_between(d, (d + 120 * DAY).min(t_max()))),
        _ => None,
    };
    (declared, approved)
}

/// TOTAL_PARENT_TREES, EFFECTIVE_POP_SIZE and SMP_SUCCESS_PCT of an orchard seedlot.
pub(super) fn parent_tree_totals(
    rng: &mut Rng,
    a_class: bool,
    smp: bool,
    trees: usize,
) -> (Option<i64>, Option<f64>, Option<i64>) {
    if !a_class {
        return (None, None, None);
    }
    (
        Some(trees as i64),
        Some(rng.decimal(5.0, 40.0, 1)),
        if smp { Some(rng.range(5, 60)) } else { None },
    )
}

/// Three to ten distinct trees of an orchard seedlot's pool.
pub(super) fn pick_parent_trees(rng: &mut Rng, pool: &[i64]) -> Vec<i64> {
    let k = rng.range(3, 10) as usize;
    rng.distinct(pool.len(), k)
        .into_iter()
        .map(|j| pool[j])
        .collect()
}

/// One to three distinct owner locations, usually starting with the applicant.
pub(super) fn pick_owners<'a>(
    rng: &mut Rng,
    applicant: Option<&'a Loc>,
    locs: &'a [Loc],
) -> Vec<&'a Loc> {
    let k = *rng.weighted(&[(1usize, 85), (2, 12), (3, 3)]);
    let mut owners: Vec<&Loc> = Vec::with_capacity(k);
    if let Some(l) = applicant
        && rng.chance(0.8)
    {
        owners.push(l);
    }
    // Small client lists may not hold k distinct locations: give up after a few tries.
    let mut guard = 0;
    while owners.len() < k && guard < 20 {
        guard += 1;
        let l = rng.pick(locs);
        if !owners
            .iter()
            .any(|o| o.client == l.client && o.code == l.code)
        {
            owners.push(l);
        }
    }
    owners
}

/// Current funding sources of seedlot owners, with their weights.
pub(super) const FUNDING_SOURCES: [(&str, u32); 7] = [
    ("LFP", 40),
    ("BCT", 20),
    ("FFT", 12),
    ("FIA", 12),
    ("FES", 6),
    ("GOV", 5),
    ("OTH", 5),
];
