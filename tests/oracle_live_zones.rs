//! The timestamp literals of tests/oracle_live.rs that name a time zone region exist in that
//! region: not in the spring daylight-saving gap (Oracle refuses such a time with ORA-01878),
//! and not ambiguous in the autumn overlap unless a daylight-saving abbreviation (TZD) says
//! which. Offline: the live tests run only against a real Oracle, where a bad literal is found
//! only after a CI round trip.
//!
//! The regions' rules are a small table (no time zone database among the dependencies): the
//! European Union's summer time, in force since 1996 — from 01:00 UTC on the last Sunday of
//! March to 01:00 UTC on the last Sunday of October. A literal with a region the table lacks
//! fails, asking for its rule.

/// A region whose summer time follows the EU rule: its standard offset from UTC in hours and
/// its abbreviations in standard and summer time.
struct Region {
    name: &'static str,
    standard_offset: i64,
    standard: &'static str,
    summer: &'static str,
}

const REGIONS: [Region; 6] = [
    Region {
        name: "Europe/London",
        standard_offset: 0,
        standard: "GMT",
        summer: "BST",
    },
    Region {
        name: "Europe/Lisbon",
        standard_offset: 0,
        standard: "WET",
        summer: "WEST",
    },
    Region {
        name: "Europe/Paris",
        standard_offset: 1,
        standard: "CET",
        summer: "CEST",
    },
    Region {
        name: "Europe/Berlin",
        standard_offset: 1,
        standard: "CET",
        summer: "CEST",
    },
    Region {
        name: "Europe/Madrid",
        standard_offset: 1,
        standard: "CET",
        summer: "CEST",
    },
    Region {
        name: "Europe/Helsinki",
        standard_offset: 2,
        standard: "EET",
        summer: "EEST",
    },
];

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day of the month of the last Sunday of `month` (March or October).
fn last_sunday(year: i64, month: i64) -> i64 {
    let last = 31; // March and October both have 31 days.
    // 1970-01-01 was a Thursday: weekday 0 = Sunday.
    let weekday = (days_from_civil(year, month, last) + 4).rem_euclid(7);
    last - weekday
}

/// Whether the local time `minute_of_day` of `date` exists in `region`, unambiguously or with
/// an abbreviation (`tzd`) that holds at that time; `Err` says why it cannot be used.
fn check(
    region: &Region,
    date: (i64, i64, i64),
    minute_of_day: i64,
    tzd: Option<&str>,
) -> Result<(), String> {
    let (y, m, d) = date;
    if y < 1996 {
        return Err(format!(
            "{y}: the table knows {}'s summer time from 1996 on only",
            region.name
        ));
    }
    let local = days_from_civil(y, m, d) * 1440 + minute_of_day;
    let s = region.standard_offset * 60;
    // Summer time in UTC minutes: [start, end).
    let start = days_from_civil(y, 3, last_sunday(y, 3)) * 1440 + 60;
    let end = days_from_civil(y, 10, last_sunday(y, 10)) * 1440 + 60;
    // The local time read as standard time, and as summer time.
    let as_standard = local - s;
    let as_summer = local - s - 60;
    let standard_ok = !(start..end).contains(&as_standard);
    let summer_ok = (start..end).contains(&as_summer);
    match (standard_ok, summer_ok, tzd) {
        (false, false, _) => Err(format!(
            "does not exist in {}: the clocks jump an hour forward over it (ORA-01878)",
            region.name
        )),
        (true, true, None) => Err(format!(
            "is ambiguous in {}: it happens twice as the clocks go back; add {} or {} after \
             the region",
            region.name, region.standard, region.summer
        )),
        (_, _, None) => Ok(()),
        (_, _, Some(tzd)) if tzd == region.standard && standard_ok => Ok(()),
        (_, _, Some(tzd)) if tzd == region.summer && summer_ok => Ok(()),
        (_, _, Some(tzd)) => Err(format!(
            "{tzd} does not hold in {} at that time",
            region.name
        )),
    }
}

/// Checks one literal's text (`YYYY-MM-DD HH:MI:SS[.F] [zone [TZD]]`): `Ok` for one without a
/// region (no zone, or an offset).
fn check_literal(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (Some(date), Some(time)) = (parts.first(), parts.get(1)) else {
        return Err("not YYYY-MM-DD HH:MI:SS".into());
    };
    let Some(zone) = parts.get(2) else {
        return Ok(());
    };
    // An offset, or a zone without daylight saving time.
    if zone.starts_with(['+', '-']) || ["UTC", "GMT"].contains(zone) {
        return Ok(());
    }
    let region = REGIONS
        .iter()
        .find(|r| r.name == *zone)
        .ok_or_else(|| format!("no rule for region {zone}: add it to REGIONS"))?;
    let number = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("`{s}` is not a number"))
    };
    let ymd: Vec<&str> = date.split('-').collect();
    let hms: Vec<&str> = time.split(':').collect();
    if ymd.len() != 3 || hms.len() != 3 {
        return Err("not YYYY-MM-DD HH:MI:SS".into());
    }
    let date = (number(ymd[0])?, number(ymd[1])?, number(ymd[2])?);
    let minute_of_day = number(hms[0])? * 60 + number(hms[1])?;
    check(region, date, minute_of_day, parts.get(3).copied())
}

/// The texts of the `TIMESTAMP '…'` literals of `source`.
fn timestamp_literals(source: &str) -> Vec<&str> {
    source
        .match_indices("TIMESTAMP '")
        .filter_map(|(at, found)| {
            let rest = &source[at + found.len()..];
            rest.find('\'').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn the_live_tests_region_timestamps_exist() {
    let source = include_str!("oracle_live.rs");
    let literals = timestamp_literals(source);
    assert!(
        literals.iter().any(|l| l.contains('/')),
        "oracle_live.rs should carry a timestamp with a region: {literals:?}"
    );
    let bad: Vec<String> = literals
        .iter()
        .filter_map(|l| {
            check_literal(l)
                .err()
                .map(|why| format!("TIMESTAMP '{l}' {why}"))
        })
        .collect();
    assert!(bad.is_empty(), "in tests/oracle_live.rs: {bad:?}");
}

#[test]
fn the_eu_rule_finds_the_gap_and_the_overlap() {
    assert_eq!(last_sunday(2024, 3), 31);
    assert_eq!(last_sunday(2024, 10), 27);
    assert_eq!(last_sunday(2026, 3), 29);
    // The spring gap: 02:00 to 03:00 in Paris, 01:00 to 02:00 in London.
    let gap = check_literal("2024-03-31 02:30:00.123456 Europe/Paris").unwrap_err();
    assert!(gap.contains("ORA-01878"), "{gap}");
    // Whether each literal is usable.
    let cases = [
        // Either side of the spring gap: 02:00 to 03:00 in Paris, 01:00 to 02:00 in London.
        ("2024-03-31 01:59:59 Europe/Paris", true),
        ("2024-03-31 03:00:00 Europe/Paris", true),
        ("2024-03-31 01:30:00 Europe/London", false),
        ("2024-03-31 02:30:00 Europe/London", true),
        // The autumn overlap with either abbreviation, and just after it.
        ("2024-10-27 02:30:00 Europe/Paris CEST", true),
        ("2024-10-27 02:30:00 Europe/Paris CET", true),
        ("2024-10-27 03:00:00 Europe/Paris", true),
        // An abbreviation must hold at that time.
        ("2024-07-14 14:30:00 Europe/Paris CEST", true),
        ("2024-07-14 14:30:00 Europe/Paris CET", false),
        ("2024-01-14 14:30:00 Europe/Paris CEST", false),
        // Offsets, UTC and no zone need no rule; an unknown region does.
        ("2000-02-29 12:00:00.5 -03:30", true),
        ("2024-03-31 02:30:00 UTC", true),
        ("9999-12-31 23:59:59.999999999", true),
        ("2024-07-14 14:30:00 America/Denver", false),
    ];
    for (literal, usable) in cases {
        assert_eq!(check_literal(literal).is_ok(), usable, "{literal}");
    }
    assert_eq!(
        timestamp_literals("x TIMESTAMP '2024-01-01 00:00:00 UTC', TIMESTAMP 'a'"),
        ["2024-01-01 00:00:00 UTC", "a"]
    );
}
