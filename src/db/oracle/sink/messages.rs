//! What Oracle's errors mean for the user: a driver error's `ORA-` text, the constraint a
//! message names, why a row of a batch failed and what to do about it, and a foreign key that did
//! not validate.
//!
//! Separate from the sink because the explanations are long text built from the error alone,
//! testable without a database.

use anyhow::anyhow;

use super::sql::{enable_constraint_sql, qualified};
use crate::catalog::*;

/// A driver error as text: Oracle's own `ORA-nnnnn: …` where there is one.
pub(super) fn ora(e: &oracle::Error) -> String {
    e.db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// The names Oracle quotes in a message: `"S"."T"."C"` → `S`, `T`, `C`.
pub(super) fn quoted_names(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

/// The constraint an ORA-00001/02291/02292/02298 message names: `(OWNER.NAME)`.
pub(super) fn constraint_in(message: &str) -> Option<(&str, &str)> {
    let start = message.find('(')? + 1;
    let end = start + message[start..].find(')')?;
    message[start..end].split_once('.')
}

/// Why one row of a batch failed, and what to do. `row` counts the table's rows from 1 across
/// its parts in order; `before_here` is how many rows before the one whose location the feed
/// adds (when the batch was sent from inside the feed); `more` counts the batch's other
/// failed rows.
pub(super) fn row_failure(
    table: &str,
    numbers: &[String],
    code: i32,
    message: &str,
    row: u64,
    before_here: Option<usize>,
    more: usize,
) -> String {
    let at = match before_here {
        Some(0) => format!("this row (row {row} of {table})"),
        Some(n) => format!(
            "the row {n} rows before this one, in the batch sent here (row {row} of {table}, \
             counting its rows across its parts in order)"
        ),
        None => format!("row {row} of {table} (counting its rows across its parts in order)"),
    };
    let names = quoted_names(message);
    let column = names.get(2).copied().unwrap_or("?");
    let what = match code {
        12899 => format!(
            "column {column}: the value is longer than the column holds ({message}): widen the \
             column in the target (VARCHAR2(n CHAR) counts characters, VARCHAR2(n) bytes), or \
             apply the migrations that match the extract"
        ),
        1438 => format!(
            "a number has more digits than its column allows ({message}); the NUMBER columns \
             with a precision are {}: widen the column in the target, or apply the migrations \
             that match the extract",
            if numbers.is_empty() {
                "none of the loaded ones".to_string()
            } else {
                numbers.join(", ")
            }
        ),
        1400 => format!(
            "column {column} is NOT NULL in the target and the row has no value ({message}): \
             apply the migrations that match the extract"
        ),
        1 => format!(
            "{message}: a row with the same key is already in {table}: run again with \
             --refreshdb to replace the rows, or --merge to upsert them"
        ),
        2291 => format!(
            "{message}: the row's parent is not in the target: load the parent table first, \
             or run verify to see what is missing (no row is ever deleted to make a key hold)"
        ),
        2290 => format!(
            "{message}: the row breaks a check constraint of the target: the target's check \
             differs from the source's; apply the migrations that match the extract"
        ),
        _ => message.to_string(),
    };
    let others = match more {
        0 => String::new(),
        1 => "; 1 more row of the same batch failed too".to_string(),
        n => format!("; {n} more rows of the same batch failed too"),
    };
    format!("{at}: {what}{others}")
}

/// The message for a foreign key that did not validate and stays disabled.
pub(super) fn not_validated(
    table: &Table,
    name: &str,
    reason: &str,
    orphans: Option<u64>,
) -> String {
    let rows = match orphans {
        Some(0) | None => String::new(),
        Some(1) => format!(" (1 row of {} has no parent)", table.name),
        Some(n) => format!(" ({n} rows of {} have no parent)", table.name),
    };
    format!(
        "foreign key {}.{name} did not validate{rows}: {reason}; it is left DISABLED and no \
         row was deleted: load the missing parent rows (or fix the rows yourself), then run \
         {}",
        qualified(table),
        enable_constraint_sql(table, name, true)
    )
}

/// `error`, with what went wrong afterwards (switching things back on) added.
pub(super) fn with_also(error: anyhow::Error, also: &[String]) -> anyhow::Error {
    if also.is_empty() {
        error
    } else {
        anyhow!("{error:#}; besides: {}", also.join("; "))
    }
}
