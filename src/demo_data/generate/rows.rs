//! What every table's rows share: the prepared insert, dates as ISO text, audit columns and
//! a few text helpers.

use anyhow::{Context, Result};
use rusqlite::{Statement, ToSql, Transaction};

use super::rng::Rng;
use crate::demo_data::vocabulary::vocabulary;
use crate::model::value::{civil_from_days, days_from_civil};

// ---------------------------------------------------------------------------
// Dates (stored as ISO text 'YYYY-MM-DD HH:MM:SS')
// ---------------------------------------------------------------------------

pub(super) const DAY: i64 = 86_400;

/// Seconds since 1970 of midnight on a date.
pub(super) fn at(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * DAY
}

pub(super) fn fmt_ts(secs: i64) -> String {
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
pub(super) fn fmt_date(secs: i64) -> String {
    fmt_ts(secs.div_euclid(DAY) * DAY)
}

pub(super) fn year_of(secs: i64) -> i64 {
    civil_from_days(secs.div_euclid(DAY)).0
}

/// Earliest and latest moments of the generated history.
pub(super) fn t_min() -> i64 {
    at(1990, 1, 1)
}

pub(super) fn t_max() -> i64 {
    at(2025, 12, 31) + DAY - 1
}

// ---------------------------------------------------------------------------
// Insert helper
// ---------------------------------------------------------------------------

/// A prepared INSERT for one table; errors name the table.
pub(super) struct Insert<'c> {
    table: &'static str,
    stmt: Statement<'c>,
}

impl<'c> Insert<'c> {
    pub(super) fn new(
        tx: &'c Transaction<'_>,
        table: &'static str,
        columns: &[&str],
    ) -> Result<Self> {
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

    pub(super) fn row(&mut self, values: &[&dyn ToSql]) -> Result<()> {
        let table = self.table;
        self.stmt
            .execute(values)
            .with_context(|| format!("inserting a row into {table}"))?;
        Ok(())
    }
}

/// Audit columns of one row.
pub(super) struct Audit {
    pub(super) entry_user: &'static str,
    pub(super) entry_ts: String,
    pub(super) update_user: &'static str,
    pub(super) update_ts: String,
    pub(super) update_secs: i64,
    pub(super) revision: i64,
}

/// Audit columns for a row created at `created`: about half were never updated.
pub(super) fn audit(rng: &mut Rng, created: i64) -> Audit {
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
// Text
// ---------------------------------------------------------------------------

/// Lower-case ASCII letters and digits of `s`, folding common accented
/// letters ('é' -> 'e', 'Ł' -> 'l'); used for e-mail addresses.
pub(super) fn ascii_slug(s: &str) -> String {
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

pub(super) fn comment(rng: &mut Rng, max_sentences: i64) -> String {
    let n = rng.range(1, max_sentences);
    let sentences = &vocabulary().sentences;
    let parts: Vec<&str> = (0..n).map(|_| rng.pick(sentences).as_str()).collect();
    parts.join(" ")
}
