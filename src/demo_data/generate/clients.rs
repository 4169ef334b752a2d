//! FOREST_CLIENT and CLIENT_LOCATION, and the primary locations that close their FK cycle.

use anyhow::{Context, Result};
use rusqlite::{Transaction, params};

use super::rng::Rng;
use super::rows::{Insert, ascii_slug, at, audit, comment, fmt_date, t_max, t_min};
use crate::demo_data::vocabulary::{City, vocabulary};

/// A CLIENT_LOCATION key.
pub(super) struct Loc {
    pub(super) client: String,
    pub(super) code: String,
}

fn truncate_chars(s: String, n: usize) -> String {
    if s.chars().count() <= n {
        s
    } else {
        s.chars().take(n).collect()
    }
}

fn postal_code(rng: &mut Rng, province: &str, country: &str) -> String {
    const LETTERS: &[u8] = b"ABCEGHJKLMNPRSTVWXYZ";
    if country == "USA" {
        return format!("{:05}", rng.range(97_000, 99_499));
    }
    let first = match province {
        "BC" => 'V',
        "AB" => 'T',
        "QC" => *rng.pick(&['G', 'H', 'J']),
        "ON" => 'P',
        _ => 'Y',
    };
    let l = |rng: &mut Rng| char::from(*rng.pick(LETTERS));
    format!(
        "{first}{}{} {}{}{}",
        rng.range(0, 9),
        l(rng),
        rng.range(1, 9),
        l(rng),
        rng.range(0, 9)
    )
}

/// Columns of a FOREST_CLIENT row, in insert order.
const CLIENT_COLUMNS: [&str; 15] = [
    "CLIENT_NUMBER",
    "CLIENT_NAME",
    "LEGAL_FIRST_NAME",
    "LEGAL_MIDDLE_NAME",
    "CLIENT_STATUS_CODE",
    "CLIENT_TYPE_CODE",
    "BIRTHDATE",
    "CLIENT_ACRONYM",
    "PRIMARY_LOCN_CODE",
    "CLIENT_COMMENT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// Columns of a CLIENT_LOCATION row, in insert order.
const LOCATION_COLUMNS: [&str; 19] = [
    "CLIENT_NUMBER",
    "CLIENT_LOCN_CODE",
    "CLIENT_LOCN_NAME",
    "ADDRESS_1",
    "ADDRESS_2",
    "CITY",
    "PROVINCE",
    "POSTAL_CODE",
    "COUNTRY",
    "BUSINESS_PHONE",
    "EMAIL_ADDRESS",
    "LOCN_EXPIRED_IND",
    "RETURNED_MAIL_DATE",
    "TRUST_LOCATION_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// A client just inserted: what its locations and its primary location need.
struct NewClient {
    number: String,
    /// Also the local part of its locations' e-mail addresses.
    name: String,
    created: i64,
    locations: usize,
}

/// Inserts FOREST_CLIENT (PRIMARY_LOCN_CODE NULL), then CLIENT_LOCATION, then
/// closes the FK cycle by setting PRIMARY_LOCN_CODE for most clients.
pub(super) fn load_clients(tx: &Transaction<'_>, n: usize) -> Result<Vec<Loc>> {
    // The clients' stream also draws their primary locations, after the locations exist.
    let mut rng = Rng::new("FOREST_CLIENT");
    let mut lrng = Rng::new("CLIENT_LOCATION");
    let clients = insert_clients(tx, &mut rng, n)?;
    let locs = insert_locations(tx, &mut lrng, &clients)?;
    set_primary_locations(tx, &mut rng, &clients)?;
    Ok(locs)
}

/// FOREST_CLIENT rows, their primary location still NULL.
fn insert_clients(tx: &Transaction<'_>, rng: &mut Rng, n: usize) -> Result<Vec<NewClient>> {
    let mut ins = Insert::new(tx, "FOREST_CLIENT", &CLIENT_COLUMNS)?;
    let mut clients = Vec::with_capacity(n);
    for c in 0..n {
        clients.push(insert_client(&mut ins, rng, c)?);
    }
    Ok(clients)
}

/// One FOREST_CLIENT row: a person or an organisation, and how many locations it will have.
fn insert_client(ins: &mut Insert<'_>, rng: &mut Rng, c: usize) -> Result<NewClient> {
    let number = format!("{:08}", 10_000 + c * 3 + rng.below(3));
    let (ctype, status) = client_type_and_status(rng);
    let (name, first, middle, birthdate) = if ctype == "I" {
        person(rng)
    } else {
        (organisation_name(rng, ctype), None, None, None)
    };
    let name = truncate_chars(name, 60);
    let acronym = client_acronym(rng, ctype, &name);
    let comment_text = if rng.chance(0.08) {
        Some(comment(rng, 4))
    } else {
        None
    };
    let created = rng.office_ts(t_min(), at(2024, 6, 30));
    let a = audit(rng, created);
    ins.row(params![
        number,
        name,
        first,
        middle,
        status,
        ctype,
        birthdate,
        acronym,
        None::<String>,
        comment_text,
        a.entry_user,
        a.entry_ts,
        a.update_user,
        a.update_ts,
        a.revision,
    ])?;
    let locations = *rng.weighted(&[(1usize, 35), (2, 40), (3, 20), (4, 5)]);
    Ok(NewClient {
        number,
        name,
        created,
        locations,
    })
}

/// A client's type and status; only individuals can be deceased.
fn client_type_and_status(rng: &mut Rng) -> (&'static str, &'static str) {
    let ctype = *rng.weighted(&[
        ("C", 40),
        ("I", 28),
        ("B", 4),
        ("R", 1),
        ("T", 1),
        ("A", 4),
        ("G", 4),
        ("F", 2),
        ("S", 5),
        ("L", 4),
        ("P", 4),
        ("U", 3),
    ]);
    let mut status = *rng.weighted(&[("ACT", 82), ("DAC", 10), ("DEC", 2), ("REC", 2), ("SPN", 4)]);
    if status == "DEC" && ctype != "I" {
        status = "DAC";
    }
    (ctype, status)
}

/// An individual: surname (the client name), first name, middle name and birth date.
fn person(rng: &mut Rng) -> (String, Option<String>, Option<String>, Option<String>) {
    let v = vocabulary();
    let surname = rng.pick(&v.surnames).clone();
    let first = rng.pick(&v.first_names).clone();
    let middle = rng.maybe_text(0.55, 0.05, |r| r.pick(&v.first_names).clone());
    let birth = if rng.chance(0.85) {
        Some(fmt_date(rng.ts_between(at(1935, 1, 1), at(2000, 12, 31))))
    } else {
        None
    };
    (surname, Some(first), middle, birth)
}

/// The name of a non-individual client, shaped by its type (nation, government, company...).
fn organisation_name(rng: &mut Rng, ctype: &str) -> String {
    let v = vocabulary();
    match ctype {
        "B" => format!("{} First Nation", rng.pick(&v.nations)),
        "R" => format!("{} Nation", rng.pick(&v.nations)),
        "T" => format!("{} Tribal Council", rng.pick(&v.nations)),
        "G" | "F" => rng.pick(&v.government_clients).clone(),
        _ if rng.chance(0.07) => rng.pick(&v.special_clients).clone(),
        "S" => format!("{} Forestry Society", rng.pick(&v.corp_prefixes)),
        "A" => format!("{} Seed Growers Association", rng.pick(&v.corp_prefixes)),
        _ => format!(
            "{} {} {}",
            rng.pick(&v.corp_prefixes),
            rng.pick(&v.corp_cores),
            rng.pick(&v.corp_suffixes)
        ),
    }
}

/// CLIENT_ACRONYM of an organisation (its initials, sometimes empty); NULL for most.
fn client_acronym(rng: &mut Rng, ctype: &str, name: &str) -> Option<String> {
    if ctype == "I" || !rng.chance(0.28) {
        return None;
    }
    if rng.chance(0.1) {
        return Some(String::new());
    }
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|ch| ch.is_ascii_alphabetic())
        .map(|ch| ch.to_ascii_uppercase())
        .take(8)
        .collect();
    Some(initials)
}

/// CLIENT_LOCATION rows: one to four per client, coded '00', '01', ...
fn insert_locations(
    tx: &Transaction<'_>,
    rng: &mut Rng,
    clients: &[NewClient],
) -> Result<Vec<Loc>> {
    let mut ins = Insert::new(tx, "CLIENT_LOCATION", &LOCATION_COLUMNS)?;
    let mut locs = Vec::with_capacity(clients.len() * 2);
    for client in clients {
        for l in 0..client.locations {
            locs.push(insert_location(&mut ins, rng, client, l)?);
        }
    }
    Ok(locs)
}

/// One CLIENT_LOCATION row: an address, phone, e-mail and flags; the first dates from the client.
fn insert_location(
    ins: &mut Insert<'_>,
    rng: &mut Rng,
    client: &NewClient,
    l: usize,
) -> Result<Loc> {
    let v = vocabulary();
    let code = format!("{l:02}");
    let address = postal_address(rng);
    let city = address.city;
    let phone = if rng.chance(0.05) {
        None
    } else {
        Some(format!(
            "{}{:07}",
            rng.pick(&city.area_codes),
            rng.range(2_000_000, 9_999_999)
        ))
    };
    let email = rng.maybe_text(0.55, 0.05, |r| {
        format!("{}@{}", ascii_slug(&client.name), r.pick(&v.email_domains))
    });
    let expired = if rng.chance(0.06) { "Y" } else { "N" };
    let returned = if rng.chance(0.03) {
        Some(fmt_date(rng.ts_between(client.created, t_max())))
    } else {
        None
    };
    let trust = if rng.chance(0.02) { "Y" } else { "N" };
    let created = if l == 0 {
        client.created
    } else {
        rng.office_ts(client.created, t_max())
    };
    let a = audit(rng, created);
    ins.row(params![
        client.number,
        code,
        address.locn_name,
        address.line_1,
        address.line_2,
        city.city,
        city.province,
        address.postal,
        city.country,
        phone,
        email,
        expired,
        returned,
        trust,
        a.entry_user,
        a.entry_ts,
        a.update_user,
        a.update_ts,
        a.revision,
    ])?;
    Ok(Loc {
        client: client.number.clone(),
        code,
    })
}

/// Where a client location is.
struct Address {
    city: &'static City,
    locn_name: Option<String>,
    line_1: String,
    line_2: Option<String>,
    postal: Option<String>,
}

/// A location's name, street or PO box, optional second line, city and postal code.
fn postal_address(rng: &mut Rng) -> Address {
    let v = vocabulary();
    let city = rng.pick(&v.cities);
    let locn_name = if rng.chance(0.1) {
        None
    } else {
        Some(rng.pick(&v.locn_names).clone())
    };
    let line_1 = if rng.chance(0.15) {
        format!("PO Box {}", rng.range(1, 9999))
    } else {
        format!("{} {}", rng.range(1, 9999), rng.pick(&v.streets))
    };
    let line_2 = rng.maybe_text(0.70, 0.05, |r| match r.below(3) {
        0 => format!("Suite {}", r.range(100, 1900)),
        1 => format!("Unit {}", r.range(1, 40)),
        _ => format!("RR {}", r.range(1, 9)),
    });
    let postal = if rng.chance(0.03) {
        None
    } else {
        Some(postal_code(rng, &city.province, &city.country))
    };
    Address {
        city,
        locn_name,
        line_1,
        line_2,
        postal,
    }
}

/// Closes the FOREST_CLIENT -> CLIENT_LOCATION cycle: most clients get a
/// primary location ('00', sometimes '01'), a few stay NULL.
fn set_primary_locations(tx: &Transaction<'_>, rng: &mut Rng, clients: &[NewClient]) -> Result<()> {
    let mut update = tx
        .prepare("UPDATE FOREST_CLIENT SET PRIMARY_LOCN_CODE = ?2 WHERE CLIENT_NUMBER = ?1")
        .context("preparing the update of FOREST_CLIENT.PRIMARY_LOCN_CODE")?;
    for client in clients {
        if rng.chance(0.08) {
            continue;
        }
        let code = if client.locations > 1 && rng.chance(0.15) {
            "01"
        } else {
            "00"
        };
        update
            .execute(params![client.number, code])
            .context("updating FOREST_CLIENT.PRIMARY_LOCN_CODE")?;
    }
    Ok(())
}
