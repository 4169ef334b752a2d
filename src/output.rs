//! Writing results and messages: results to stdout, notes and errors to stderr. Everything
//! printed passes through [`crate::model::redact`] so that no credential reaches a
//! terminal or a log, whatever a driver put in its message. Also the words of messages:
//! plurals, byte counts, column widths.

use std::io::Write;

use crate::model::{hide_known_secrets, redact};

/// Writes a command's result to stdout. A closed pipe (`dbsub … | head`) ends the output
/// quietly instead of failing.
pub fn result(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let text = hide_known_secrets(text);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A progress note on stderr, unless `--quiet`.
pub fn note(quiet: bool, text: &str) {
    if !quiet {
        eprintln!("{}", redact(text));
    }
}

/// A warning on stderr, shown even with `--quiet`: something the user must know about the
/// result.
pub fn warning(text: &str) {
    eprintln!("warning: {}", redact(text));
}

/// Prints an error and its causes, one sentence each: `dbsub: what happened: why`.
pub fn error(err: &anyhow::Error) {
    let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
    eprintln!("dbsub: {}", redact(&chain.join(": ")));
}

/// The width of a table's name column: its longest name, at least 5 (`TABLE`).
pub fn name_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    names.into_iter().map(str::len).max().unwrap_or(5).max(5)
}

/// A table's progress bar: `rows` rows, named `name`, ticking while it waits. Add it to a
/// `MultiProgress` that `--quiet` hides.
pub fn rows_bar(name: &str, rows: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:28!} {bar:20} {human_pos:>10}/{human_len} rows {per_sec:>12} {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Bytes in KiB/MiB/GiB, for people.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `1 table`, `2 tables`, `2 package bodies`, `3 indexes`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        return format!("1 {word}");
    }
    let plural = if let Some(stem) = word.strip_suffix('y') {
        format!("{stem}ies")
    } else if word.ends_with('x') || word.ends_with('s') {
        format!("{word}es")
    } else {
        format!("{word}s")
    };
    format!("{n} {plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "table"), "1 table");
        assert_eq!(plural(2, "package body"), "2 package bodies");
        assert_eq!(plural(3, "index"), "3 indexes");
    }
}
