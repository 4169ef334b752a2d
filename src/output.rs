//! Writing results and messages: results to stdout, notes and errors to stderr. Everything
//! printed passes through [`crate::model::redact`] so that no credential reaches a
//! terminal or a log, whatever a driver put in its message. Also Ctrl-C, and the words of
//! messages: plurals, byte counts, column widths.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::{hide_known_secrets, redact};

/// Set by Ctrl-C once [`catch_interrupt`] is called.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches Ctrl-C for the rest of the process: the first sets [`interrupted`], so that the
/// command's loops stop at their next row, clean up and say how to go on; a second stops at
/// once.
pub fn catch_interrupt() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

/// Whether Ctrl-C was pressed (after [`catch_interrupt`]).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

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

/// `--verbose`: the configuration as resolved, on stderr: the `.env` file read, each setting as
/// `Config::shown` shows it (secrets hidden), then the databases it names (`profiles`).
pub fn configuration(
    env_file: Option<&std::path::Path>,
    shown: Vec<(String, String)>,
    profiles: Vec<String>,
) {
    let mut text = match env_file {
        Some(path) => format!("configuration: read {}", path.display()),
        None => "configuration: no .env file found".to_string(),
    };
    if shown.is_empty() {
        text.push_str("; no DBSUB_* setting: every database is the embedded demo's");
    }
    for (name, value) in shown {
        text.push_str(&format!("\n  {name} = {value}"));
    }
    for profile in profiles {
        text.push_str(&format!("\n  {profile}"));
    }
    eprintln!("{}", redact(&text));
}

/// `--verbose`: how long `command` took and how it ended (its exit code and class).
pub fn finished(
    command: &str,
    took: std::time::Duration,
    class: Option<crate::model::exit::Class>,
) {
    let ending = match class {
        None => "exit code 0".to_string(),
        Some(c) => format!("exit code {} ({})", c.code(), c.describe()),
    };
    eprintln!("dbsub {command}: {:.2} s, {ending}", took.as_secs_f64());
}

/// The width of a table's name column: its longest name, at least 5 (`TABLE`).
pub fn name_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    names.into_iter().map(str::len).max().unwrap_or(5).max(5)
}

/// A table's progress bar in `bars` (hidden with `--quiet`): `rows` rows, named `name`, ticking
/// while it waits, with the rate (`99,216/s`) and the time left (`ETA 12s`). Like every
/// indicatif bar it draws nothing when stderr is not a terminal.
pub fn rows_bar(bars: &indicatif::MultiProgress, name: &str, rows: u64) -> indicatif::ProgressBar {
    // Into `bars` before it ticks: a bar ticking on its own draws on stderr, even when `bars`
    // is hidden.
    let bar = bars.add(indicatif::ProgressBar::new(rows));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:28!} {bar:20} {human_pos:>10}/{human_len} rows {rate:>10} ETA {eta:3} {msg}",
        )
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&per_second(state.per_sec()));
            },
        ),
    );
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// A rate for people: whole units per second, thousands separated (`99,216/s`); `-/s` before
/// there is one.
pub fn per_second(rate: f64) -> String {
    if !rate.is_finite() || rate < 0.0 {
        return "-/s".to_string();
    }
    // Saturates at u64::MAX, far beyond any rate of rows.
    format!("{}/s", indicatif::HumanCount(rate.round() as u64))
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
    fn rates_are_whole_and_separated() {
        assert_eq!(per_second(99_215.845_673), "99,216/s");
        assert_eq!(per_second(1_234_567.4), "1,234,567/s");
        assert_eq!(per_second(0.4), "0/s");
        assert_eq!(per_second(999.5), "1,000/s");
        assert_eq!(per_second(f64::NAN), "-/s");
        assert_eq!(per_second(f64::INFINITY), "-/s");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "table"), "1 table");
        assert_eq!(plural(2, "package body"), "2 package bodies");
        assert_eq!(plural(3, "index"), "3 indexes");
    }
}
