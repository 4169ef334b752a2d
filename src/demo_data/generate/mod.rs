//! Deterministic generator for the `dbsub` demo "production" database.
//!
//! The schema lives in `data/demo/schema.sql` (a legacy Oracle-style seedlot
//! registry written as SQLite DDL). This module creates a fresh SQLite file,
//! runs that DDL and fills it with realistic, FK-consistent rows. The names,
//! sentences, code tables and settings it draws from are data, in
//! `data/demo/vocabulary.toml` (see `vocabulary.rs`). All randomness comes from
//! a hand-written SplitMix64 generator seeded with a constant (one stream per
//! table), so a given scale always produces exactly the same rows.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, Statement, ToSql, Transaction, params};

use crate::model::value::{civil_from_days, days_from_civil};

use super::vocabulary::{City, vocabulary};

/// DDL of the demo database.
const SCHEMA_SQL: &str = include_str!("../../../data/demo/schema.sql");

/// Seed of every random stream (mixed with the stream's name).
const SEED: u64 = 0x05EE_D107_5BA2_0250;

/// Largest accepted scale (about 100 million rows).
const MAX_SCALE: f64 = 1000.0;

/// Base row counts of the independent entities at scale 1. Everything else
/// is derived from these through per-row probabilities.
const BASE_CLIENTS: u64 = 2_000;
const BASE_ORCHARDS: u64 = 100;
const BASE_PARENT_TREES: u64 = 5_000;
const BASE_SEEDLOTS: u64 = 10_000;

/// Row counts the generator wrote, per table, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStats {
    pub tables: Vec<(String, u64)>,
}

impl DemoStats {
    /// Sum of the row counts of all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Creates a new SQLite database at `path` (fails if the file exists) holding the demo schema
/// and `scale` × the base data set (scale 1.0 ≈ 100,000 rows in all; 0.01 gives a tiny but
/// complete data set; 10 or 100 for benchmarks). Deterministic: the same scale gives byte-for-byte
/// the same rows every time.
pub fn build_demo_database(path: &Path, scale: f64) -> Result<DemoStats> {
    if !scale.is_finite() || scale <= 0.0 {
        bail!("invalid demo scale {scale}: it must be a finite number greater than 0");
    }
    if scale > MAX_SCALE {
        bail!("invalid demo scale {scale}: the largest supported scale is {MAX_SCALE}");
    }
    // Create the file exclusively so that an existing database is never touched.
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            bail!(
                "refusing to create the demo database: {} already exists",
                path.display()
            );
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create demo database file {}", path.display()));
        }
    }
    match build_into(path, scale) {
        Ok(stats) => Ok(stats),
        Err(e) => {
            // Do not leave a half-built database behind; the original error matters more.
            let _ = std::fs::remove_file(path);
            Err(e)
        }
    }
}

fn build_into(path: &Path, scale: f64) -> Result<DemoStats> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot open demo database {}", path.display()))?;
    conn.pragma_update(None, "foreign_keys", true)
        .context("enabling foreign keys")?;
    conn.pragma_update(None, "synchronous", "OFF")
        .context("setting synchronous = OFF")?;
    let fk_on: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .context("reading PRAGMA foreign_keys")?;
    if fk_on != 1 {
        bail!("this SQLite build does not enforce foreign keys");
    }

    let tx = conn
        .transaction()
        .context("starting the load transaction")?;
    tx.execute_batch(SCHEMA_SQL)
        .context("creating the demo schema (data/demo/schema.sql)")?;
    let sizes = Sizes::new(scale);
    load_code_tables(&tx)?;
    load_app_settings(&tx)?;
    let locations = load_clients(&tx, sizes.clients)?;
    let mut orchards = load_orchards(&tx, sizes.orchards, &locations)?;
    load_parent_trees(&tx, sizes.parent_trees, &mut orchards)?;
    let pending = load_seedlots(&tx, sizes.seedlots, &locations, &orchards)?;
    apply_seedlot_updates(&tx, &pending)?;
    tx.commit().context("committing the demo data")?;

    check_foreign_keys(&conn)?;
    collect_stats(&conn)
}

/// Numbers of independent entities for a scale; never below one.
struct Sizes {
    clients: usize,
    orchards: usize,
    parent_trees: usize,
    seedlots: usize,
}

impl Sizes {
    fn new(scale: f64) -> Self {
        let f = |base: u64| ((base as f64 * scale).round() as usize).max(1);
        Sizes {
            clients: f(BASE_CLIENTS),
            orchards: f(BASE_ORCHARDS),
            parent_trees: f(BASE_PARENT_TREES),
            seedlots: f(BASE_SEEDLOTS),
        }
    }
}

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough for test data.
struct Rng {
    state: u64,
}

impl Rng {
    /// An independent stream per name (FNV-1a of the name mixed into the seed).
    fn new(stream: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in stream.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng { state: SEED ^ h }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be > 0.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u128 + 1;
        lo + ((u128::from(self.next_u64()) * span) >> 64) as i64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut r = self.below(total as usize) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }

    /// A decimal in `lo..=hi` with exactly `scale` fractional digits.
    fn decimal(&mut self, lo: f64, hi: f64, scale: i32) -> f64 {
        let f = 10f64.powi(scale);
        let units = self.range((lo * f).round() as i64, (hi * f).round() as i64);
        units as f64 / f
    }

    /// Up to `k` distinct indices in `0..n`, in the order drawn.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let i = self.below(n);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// A timestamp (seconds since 1970) uniform in `lo..=hi`.
    fn ts_between(&mut self, lo: i64, hi: i64) -> i64 {
        self.range(lo, hi.max(lo))
    }

    /// A day in `lo..=hi` at office hours.
    fn office_ts(&mut self, lo: i64, hi: i64) -> i64 {
        let day = self.ts_between(lo, hi).div_euclid(DAY) * DAY;
        day + self.range(7 * 3600, 18 * 3600)
    }

    /// NULL, empty string or the text produced by `f`, with the given odds.
    fn maybe_text(
        &mut self,
        p_null: f64,
        p_empty: f64,
        f: impl FnOnce(&mut Rng) -> String,
    ) -> Option<String> {
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        if x < p_null {
            None
        } else if x < p_null + p_empty {
            Some(String::new())
        } else {
            Some(f(self))
        }
    }
}

// ---------------------------------------------------------------------------
// Dates (stored as ISO text 'YYYY-MM-DD HH:MM:SS')
// ---------------------------------------------------------------------------

const DAY: i64 = 86_400;

/// Seconds since 1970 of midnight on a date.
fn at(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * DAY
}

fn fmt_ts(secs: i64) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(DAY));
    let s = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// A DATE value: the day at midnight.
fn fmt_date(secs: i64) -> String {
    fmt_ts(secs.div_euclid(DAY) * DAY)
}

fn year_of(secs: i64) -> i64 {
    civil_from_days(secs.div_euclid(DAY)).0
}

/// Earliest and latest moments of the generated history.
fn t_min() -> i64 {
    at(1990, 1, 1)
}

fn t_max() -> i64 {
    at(2025, 12, 31) + DAY - 1
}

// ---------------------------------------------------------------------------
// Insert helper
// ---------------------------------------------------------------------------

/// A prepared INSERT for one table; errors name the table.
struct Insert<'c> {
    table: &'static str,
    stmt: Statement<'c>,
}

impl<'c> Insert<'c> {
    fn new(tx: &'c Transaction<'_>, table: &'static str, columns: &[&str]) -> Result<Self> {
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        let stmt = tx
            .prepare(&sql)
            .with_context(|| format!("preparing the insert into {table}"))?;
        Ok(Insert { table, stmt })
    }

    fn row(&mut self, values: &[&dyn ToSql]) -> Result<()> {
        let table = self.table;
        self.stmt
            .execute(values)
            .with_context(|| format!("inserting a row into {table}"))?;
        Ok(())
    }
}

/// Audit columns of one row.
struct Audit {
    entry_user: &'static str,
    entry_ts: String,
    update_user: &'static str,
    update_ts: String,
    update_secs: i64,
    revision: i64,
}

/// Audit columns for a row created at `created`: about half were never updated.
fn audit(rng: &mut Rng, created: i64) -> Audit {
    let users = &vocabulary().users;
    let entry_user = rng.pick(users).as_str();
    let (update_user, update_secs, revision) = if created + 3600 >= t_max() || rng.chance(0.55) {
        (entry_user, created, 1)
    } else {
        let upd = rng.ts_between(created + 3600, (created + 6 * 365 * DAY).min(t_max()));
        (rng.pick(users).as_str(), upd, rng.range(2, 7))
    };
    Audit {
        entry_user,
        entry_ts: fmt_ts(created),
        update_user,
        update_ts: fmt_ts(update_secs),
        update_secs,
        revision,
    }
}

// ---------------------------------------------------------------------------
// Code tables and settings
// ---------------------------------------------------------------------------

fn load_code_tables(tx: &Transaction<'_>) -> Result<()> {
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

fn load_app_settings(tx: &Transaction<'_>) -> Result<()> {
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

// ---------------------------------------------------------------------------
// Clients and locations
// ---------------------------------------------------------------------------

/// A CLIENT_LOCATION key.
struct Loc {
    client: String,
    code: String,
}

/// Lower-case ASCII letters and digits of `s`, folding common accented
/// letters ('é' -> 'e', 'Ł' -> 'l'); used for e-mail addresses.
fn ascii_slug(s: &str) -> String {
    let fold = |c: char| -> Option<char> {
        let c = c.to_lowercase().next().unwrap_or(c);
        let folded = match c {
            'à' | 'á' | 'â' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ł' => 'l',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'ø' | 'ō' => 'o',
            'ş' => 's',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ễ' => 'e',
            c => c,
        };
        folded.is_ascii_alphanumeric().then_some(folded)
    };
    let slug: String = s.chars().filter_map(fold).collect();
    if slug.is_empty() {
        "info".to_string()
    } else {
        slug
    }
}

fn truncate_chars(s: String, n: usize) -> String {
    if s.chars().count() <= n {
        s
    } else {
        s.chars().take(n).collect()
    }
}

fn comment(rng: &mut Rng, max_sentences: i64) -> String {
    let n = rng.range(1, max_sentences);
    let sentences = &vocabulary().sentences;
    let parts: Vec<&str> = (0..n).map(|_| rng.pick(sentences).as_str()).collect();
    parts.join(" ")
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
fn load_clients(tx: &Transaction<'_>, n: usize) -> Result<Vec<Loc>> {
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

// ---------------------------------------------------------------------------
// Orchards and parent trees
// ---------------------------------------------------------------------------

struct Orchard {
    id: String,
    veg: &'static str,
    /// Parent trees growing in this orchard (PARENT_TREE_ID).
    trees: Vec<i64>,
}

fn load_orchards(tx: &Transaction<'_>, n: usize, locs: &[Loc]) -> Result<Vec<Orchard>> {
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
fn orchards_by_species(orchards: &[Orchard]) -> BTreeMap<&'static str, Vec<usize>> {
    let mut map: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (i, o) in orchards.iter().enumerate() {
        map.entry(o.veg).or_default().push(i);
    }
    map
}

/// Another orchard of the same species as `home`, if there is one.
fn sibling_orchard(
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
fn load_parent_trees(tx: &Transaction<'_>, n: usize, orchards: &mut [Orchard]) -> Result<()> {
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

// ---------------------------------------------------------------------------
// Seedlots and their children
// ---------------------------------------------------------------------------

/// Seedlot numbers: '60000'..'99999', then five base-36 characters starting
/// with a letter ('A0000'...), so text order equals creation order.
fn seedlot_number(i: usize) -> String {
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
struct PendingUpdate {
    number: String,
    status: &'static str,
    updated: i64,
    revision: i64,
    times: u32,
}

/// All prepared inserts used while loading seedlots.
struct SeedlotInserts<'c> {
    seedlot: Insert<'c>,
    owner: Insert<'c>,
    worth: Insert<'c>,
    method: Insert<'c>,
    orchard: Insert<'c>,
    zone: Insert<'c>,
    tree: Insert<'c>,
    tree_quality: Insert<'c>,
    smp: Insert<'c>,
    test: Insert<'c>,
    request: Insert<'c>,
    shipment: Insert<'c>,
    attachment: Insert<'c>,
}

/// The audit columns that end most rows.
const AUDIT_COLS: [&str; 5] = [
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
    "UPDATE_USERID",
    "UPDATE_TIMESTAMP",
    "REVISION_COUNT",
];

/// `cols` followed by the audit columns.
fn with_audit(cols: &[&'static str]) -> Vec<&'static str> {
    let mut v = cols.to_vec();
    v.extend_from_slice(&AUDIT_COLS);
    v
}

/// Columns of a SEEDLOT row, in insert order, before the audit columns.
const SEEDLOT_COLUMNS: [&str; 28] = [
    "SEEDLOT_NUMBER",
    "SEEDLOT_STATUS_CODE",
    "VEGETATION_CODE",
    "GENETIC_CLASS_CODE",
    "SEEDLOT_SOURCE_CODE",
    "TO_BE_REGISTRD_IND",
    "BC_SOURCE_IND",
    "APPLICANT_CLIENT_NUMBER",
    "APPLICANT_LOCN_CODE",
    "APPLICANT_EMAIL_ADDRESS",
    "COLLECTION_CLI_NUMBER",
    "COLLECTION_CLI_LOCN_CD",
    "COLLECTION_START_DATE",
    "COLLECTION_END_DATE",
    "NO_OF_CONTAINERS",
    "VOL_PER_CONTAINER",
    "CLCTN_VOLUME",
    "COLLECTION_ELEVATION",
    "COLLECTION_LATITUDE",
    "COLLECTION_LONGITUDE",
    "ORCHARD_ID",
    "TOTAL_PARENT_TREES",
    "EFFECTIVE_POP_SIZE",
    "SMP_SUCCESS_PCT",
    "BIOTECH_PROCESSES_IND",
    "SEEDLOT_COMMENT",
    "DECLARED_DATE",
    "APPROVED_TIMESTAMP",
];

/// Columns of a SEEDLOT_OWNER_QUANTITY row, in insert order, before the audit columns.
const OWNER_COLUMNS: [&str; 9] = [
    "SEEDLOT_NUMBER",
    "OWNER_CLIENT_NUMBER",
    "OWNER_LOCN_CODE",
    "ORIGINAL_PCT_OWNED",
    "ORIGINAL_PCT_RSRVD",
    "ORIGINAL_PCT_SRPLS",
    "METHOD_OF_PAYMENT_CODE",
    "FUNDING_SOURCE_CODE",
    "QTY_RESERVED_KG",
];

/// Columns of a SEEDLOT_GENETIC_WORTH row, in insert order, before the audit columns.
const WORTH_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "GENETIC_WORTH_CODE",
    "GENETIC_QUALITY_VALUE",
    "TESTED_PARENT_TREE_CONT_PCT",
    "ESTIMATED_IND",
];

/// Columns of a SEEDLOT_COLLECTION_METHOD row, in insert order.
const METHOD_COLUMNS: [&str; 4] = [
    "SEEDLOT_NUMBER",
    "CONE_COLLECTION_METHOD_CODE",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_ORCHARD row, in insert order.
const SEEDLOT_ORCHARD_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "ORCHARD_ID",
    "PRIMARY_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_SEED_PLAN_ZONE row, in insert order.
const ZONE_COLUMNS: [&str; 6] = [
    "SEEDLOT_NUMBER",
    "SEED_PLAN_ZONE_CODE",
    "GENETIC_CLASS_CODE",
    "PRIMARY_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_PARENT_TREE row, in insert order, before the audit columns.
const SEEDLOT_TREE_COLUMNS: [&str; 6] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "CONE_COUNT",
    "POLLEN_COUNT",
    "SMP_SUCCESS_PCT",
    "NON_ORCHARD_POLLEN_CONTAM_PCT",
];

/// Columns of a SEEDLOT_PARENT_TREE_GEN_QLTY row, in insert order, before the audit columns.
const SEEDLOT_TREE_QUALITY_COLUMNS: [&str; 5] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "GENETIC_WORTH_CODE",
    "GENETIC_QUALITY_VALUE",
    "ESTIMATED_IND",
];

/// Columns of a SMP_MIX row, in insert order, before the audit columns.
const SMP_MIX_COLUMNS: [&str; 4] = [
    "SEEDLOT_NUMBER",
    "PARENT_TREE_ID",
    "AMOUNT_OF_MATERIAL",
    "PROPORTION",
];

/// Columns of a SEEDLOT_TEST_RESULT row, in insert order.
const TEST_RESULT_COLUMNS: [&str; 9] = [
    "SEEDLOT_NUMBER",
    "TEST_CATEGORY_CODE",
    "TEST_DATE",
    "GERMINATION_PCT",
    "MOISTURE_PCT",
    "PURITY_PCT",
    "SEEDS_PER_GRAM",
    "TESTED_BY",
    "TEST_COMMENT",
];

/// Columns of a SOWING_REQUEST row, in insert order, before the audit columns.
const REQUEST_COLUMNS: [&str; 10] = [
    "SOWING_REQUEST_ID",
    "SEEDLOT_NUMBER",
    "REQUEST_STATUS_CODE",
    "REQUESTOR_CLIENT_NUMBER",
    "REQUESTOR_LOCN_CODE",
    "SOWING_YEAR",
    "SEEDLINGS_REQUESTED",
    "SEED_KG_REQUESTED",
    "REQUEST_DATE",
    "REQUEST_COMMENT",
];

/// Columns of a NURSERY_SHIPMENT row, in insert order.
const SHIPMENT_COLUMNS: [&str; 9] = [
    "SHIPMENT_ID",
    "SOWING_REQUEST_ID",
    "SHIP_DATE",
    "SEEDLINGS_SHIPPED",
    "CARRIER_NAME",
    "TRACKING_NUMBER",
    "RECEIVED_IND",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

/// Columns of a SEEDLOT_ATTACHMENT row, in insert order.
const ATTACHMENT_COLUMNS: [&str; 8] = [
    "ATTACHMENT_ID",
    "SEEDLOT_NUMBER",
    "FILE_NAME",
    "MIME_TYPE",
    "FILE_SIZE",
    "CONTENT",
    "ENTRY_USERID",
    "ENTRY_TIMESTAMP",
];

impl<'c> SeedlotInserts<'c> {
    /// Prepares the insert of every seedlot table.
    fn new(tx: &'c Transaction<'_>) -> Result<Self> {
        Ok(SeedlotInserts {
            seedlot: Insert::new(tx, "SEEDLOT", &with_audit(&SEEDLOT_COLUMNS))?,
            owner: Insert::new(tx, "SEEDLOT_OWNER_QUANTITY", &with_audit(&OWNER_COLUMNS))?,
            worth: Insert::new(tx, "SEEDLOT_GENETIC_WORTH", &with_audit(&WORTH_COLUMNS))?,
            method: Insert::new(tx, "SEEDLOT_COLLECTION_METHOD", &METHOD_COLUMNS)?,
            orchard: Insert::new(tx, "SEEDLOT_ORCHARD", &SEEDLOT_ORCHARD_COLUMNS)?,
            zone: Insert::new(tx, "SEEDLOT_SEED_PLAN_ZONE", &ZONE_COLUMNS)?,
            tree: Insert::new(
                tx,
                "SEEDLOT_PARENT_TREE",
                &with_audit(&SEEDLOT_TREE_COLUMNS),
            )?,
            tree_quality: Insert::new(
                tx,
                "SEEDLOT_PARENT_TREE_GEN_QLTY",
                &with_audit(&SEEDLOT_TREE_QUALITY_COLUMNS),
            )?,
            smp: Insert::new(tx, "SMP_MIX", &with_audit(&SMP_MIX_COLUMNS))?,
            test: Insert::new(tx, "SEEDLOT_TEST_RESULT", &TEST_RESULT_COLUMNS)?,
            request: Insert::new(tx, "SOWING_REQUEST", &with_audit(&REQUEST_COLUMNS))?,
            shipment: Insert::new(tx, "NURSERY_SHIPMENT", &SHIPMENT_COLUMNS)?,
            attachment: Insert::new(tx, "SEEDLOT_ATTACHMENT", &ATTACHMENT_COLUMNS)?,
        })
    }
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
struct Ids {
    request: i64,
    shipment: i64,
    attachment: i64,
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
fn load_seedlots(
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

/// What a seedlot is: its genetic class, orchard, status, species and seed source.
struct SeedlotKind {
    a_class: bool,
    home: usize,
    status: &'static str,
    veg: &'static str,
    source: &'static str,
}

/// A seedlot's kind: class A takes its orchard's species, class B a wild one.
fn seedlot_kind(rng: &mut Rng, force: bool, orchards: &[Orchard]) -> SeedlotKind {
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
struct CollectionDates {
    year: i64,
    start: i64,
    end: Option<i64>,
    created: i64,
}

/// A summer-to-autumn collection, entered weeks to a year later.
fn collection_dates(rng: &mut Rng) -> CollectionDates {
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
fn seedlot_parties<'a>(
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
fn cone_volume(rng: &mut Rng) -> (Option<f64>, Option<f64>, Option<f64>) {
    if rng.chance(0.1) {
        return (None, None, None);
    }
    let containers = rng.decimal(1.0, 400.0, 2);
    let per_container = rng.decimal(0.5, 2.5, 2);
    let volume = (containers * per_container * 100.0).round() / 100.0;
    (Some(containers), Some(per_container), Some(volume))
}

/// Elevation, latitude and longitude of a wild collection; none for orchard seed.
fn collection_site(rng: &mut Rng, a_class: bool) -> (Option<i64>, Option<f64>, Option<f64>) {
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
fn seedlot_comment(rng: &mut Rng) -> Option<String> {
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
fn declaration(rng: &mut Rng, status: &str, created: i64) -> (Option<i64>, Option<i64>) {
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
fn parent_tree_totals(
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
fn pick_parent_trees(rng: &mut Rng, pool: &[i64]) -> Vec<i64> {
    let k = rng.range(3, 10) as usize;
    rng.distinct(pool.len(), k)
        .into_iter()
        .map(|j| pool[j])
        .collect()
}

/// One to three distinct owner locations, usually starting with the applicant.
fn pick_owners<'a>(rng: &mut Rng, applicant: Option<&'a Loc>, locs: &'a [Loc]) -> Vec<&'a Loc> {
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
const FUNDING_SOURCES: [(&str, u32); 7] = [
    ("LFP", 40),
    ("BCT", 20),
    ("FFT", 12),
    ("FIA", 12),
    ("FES", 6),
    ("GOV", 5),
    ("OTH", 5),
];

/// SEEDLOT_TEST_RESULT: no key at all, and about 1% exact duplicates.
fn load_tests(
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
fn load_requests(
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
fn load_attachments(
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

/// Status changes after the load; each UPDATE fires SEEDLOT_AUDIT_TRG.
fn apply_seedlot_updates(tx: &Transaction<'_>, pending: &[PendingUpdate]) -> Result<()> {
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

// ---------------------------------------------------------------------------
// Checks and statistics
// ---------------------------------------------------------------------------

fn check_foreign_keys(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("PRAGMA foreign_key_check")
        .context("preparing PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([]).context("running PRAGMA foreign_key_check")?;
    if let Some(row) = rows.next().context("reading PRAGMA foreign_key_check")? {
        let table: String = row.get(0).context("reading PRAGMA foreign_key_check")?;
        bail!("the generated demo data violates a foreign key of table {table}");
    }
    Ok(())
}

fn collect_stats(conn: &Connection) -> Result<DemoStats> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )
        .context("listing the demo tables")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .context("listing the demo tables")?
        .collect::<rusqlite::Result<Vec<String>>>()
        .context("listing the demo tables")?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let count: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM \"{name}\""), [], |r| {
                r.get(0)
            })
            .with_context(|| format!("counting the rows of {name}"))?;
        tables.push((name, count as u64));
    }
    Ok(DemoStats { tables })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn dump(path: &Path) -> Vec<(String, Vec<Vec<Value>>)> {
        let conn = Connection::open(path).unwrap();
        let stats = collect_stats(&conn).unwrap();
        stats
            .tables
            .iter()
            .map(|(name, _)| {
                let mut stmt = conn
                    .prepare(&format!("SELECT * FROM {name} ORDER BY rowid"))
                    .unwrap();
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                    .unwrap()
                    .collect::<rusqlite::Result<Vec<Vec<Value>>>>()
                    .unwrap();
                (name.clone(), rows)
            })
            .collect()
    }

    #[test]
    fn small_build_is_complete_and_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let stats = build_demo_database(&path, 0.02).unwrap();
        assert!(
            stats.tables.len() >= 30,
            "only {} tables",
            stats.tables.len()
        );
        for (name, count) in &stats.tables {
            assert!(*count > 0, "table {name} is empty");
        }
        assert_eq!(
            stats.total_rows(),
            stats.tables.iter().map(|(_, n)| n).sum::<u64>()
        );
        assert_eq!(stats.tables[0].0, "SEEDLOT_STATUS_CODE");

        let conn = Connection::open(&path).unwrap();
        let mut stmt = conn.prepare("PRAGMA foreign_key_check").unwrap();
        let violations = stmt.query_map([], |_| Ok(())).unwrap().count();
        assert_eq!(violations, 0);
        let audits: i64 = conn
            .query_row("SELECT COUNT(*) FROM SEEDLOT_AUDIT", [], |r| r.get(0))
            .unwrap();
        assert!(audits > 0);
        // The cycle is closed for most clients, and left open for none of the locations.
        let with_primary: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM FOREST_CLIENT WHERE PRIMARY_LOCN_CODE IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(with_primary > 0);
        // Views work, including the one built on the other.
        let view_rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM ORCHARD_SEEDLOT_VW", [], |r| r.get(0))
            .unwrap();
        assert!(view_rows > 0);
        // Owner percentages add up to 100 per seedlot.
        let bad_totals: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM SEEDLOT_SUMMARY_VW WHERE abs(TOTAL_PCT_OWNED - 100) > 0.001",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(bad_totals, 0);
    }

    #[test]
    fn builds_are_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.db");
        let b = dir.path().join("b.db");
        let sa = build_demo_database(&a, 0.02).unwrap();
        let sb = build_demo_database(&b, 0.02).unwrap();
        assert_eq!(sa, sb);
        assert!(dump(&a) == dump(&b), "row dumps differ");
    }

    #[test]
    fn tiny_scale_fills_every_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.db");
        let stats = build_demo_database(&path, 0.0001).unwrap();
        for (name, count) in &stats.tables {
            assert!(*count > 0, "table {name} is empty");
        }
    }

    #[test]
    fn existing_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exists.db");
        std::fs::write(&path, b"keep me").unwrap();
        let err = build_demo_database(&path, 0.01).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err:#}");
        assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    }

    #[test]
    fn bad_scales_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e6] {
            let path = dir.path().join("bad.db");
            let err = build_demo_database(&path, scale).unwrap_err();
            assert!(err.to_string().contains("invalid demo scale"), "{err:#}");
            assert!(!path.exists());
        }
    }

    #[test]
    fn seedlot_numbers_are_ordered_and_fit() {
        let samples = [0, 1, 39_999, 40_000, 40_001, 1_000_000, 10_000_000];
        let numbers: Vec<String> = samples.iter().map(|&i| seedlot_number(i)).collect();
        assert_eq!(numbers[0], "60000");
        assert_eq!(numbers[2], "99999");
        assert_eq!(numbers[3], "A0000");
        for w in numbers.windows(2) {
            assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
        assert!(numbers.iter().all(|n| n.len() == 5));
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(fmt_ts(at(1990, 1, 1)), "1990-01-01 00:00:00");
        assert_eq!(fmt_ts(at(2024, 2, 29) + 3661), "2024-02-29 01:01:01");
        assert_eq!(fmt_ts(t_max()), "2025-12-31 23:59:59");
        assert_eq!(fmt_date(at(9999, 12, 31)), "9999-12-31 00:00:00");
    }
}
