//! A server the tests of one binary share (PostgreSQL, moto): started once on first use, skipped
//! with one stderr line when it cannot start, unless its `DBSUB_REQUIRE_*` variable makes that a
//! failure.

use std::io::Write;
use std::path::Path;
use std::process::Child;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Why there is no server: one line for the skip message, everything for the panic.
pub struct Failure {
    pub summary: String,
    pub details: String,
}

impl Failure {
    pub fn new(summary: impl Into<String>, details: impl Into<String>) -> Failure {
        Failure {
            summary: summary.into(),
            details: details.into(),
        }
    }
}

/// What a shared server is called in messages, and what makes it required.
pub struct Service {
    /// e.g. `PostgreSQL tests`
    pub tests: &'static str,
    /// e.g. `PostgreSQL`, `S3 server`
    pub server: &'static str,
    /// How to get it, for the skip line (may be empty).
    pub hint: &'static str,
    pub require_var: &'static str,
}

impl Service {
    /// The server in `cell`, started by `start` on first use.
    ///
    /// `None` (after one line on stderr) when it cannot start; with the require variable set
    /// to 1 that panics instead, with what was looked for and the server's output.
    pub fn get<T>(
        &self,
        cell: &'static OnceLock<Result<T, Failure>>,
        start: impl FnOnce() -> Result<T, Failure>,
    ) -> Option<&'static T> {
        // A `Result` rather than a panic inside the initialiser: a panicking initialiser leaves
        // the cell empty, and every following test would try to start the server again.
        let state = cell.get_or_init(|| {
            let result = start();
            if let Err(failure) = &result
                && !self.required()
            {
                // Straight to the process's stderr: `eprintln!` inside a test is captured and
                // only shown when that test fails, and this one passes.
                let hint = if self.hint.is_empty() {
                    String::new()
                } else {
                    format!("{}; ", self.hint)
                };
                let _ = writeln!(
                    std::io::stderr(),
                    "{} skipped: {} ({hint}set {}=1 to make this an error)",
                    self.tests,
                    failure.summary,
                    self.require_var
                );
            }
            result
        });
        match state {
            Ok(server) => Some(server),
            Err(failure) if self.required() => panic!(
                "{}=1 but there is no {} for the tests: {}\n{}",
                self.require_var, self.server, failure.summary, failure.details
            ),
            Err(_) => None,
        }
    }

    fn required(&self) -> bool {
        std::env::var(self.require_var).is_ok_and(|v| v == "1")
    }
}

/// Stops a supervisor that did not get a usable server: closing its stdin is exactly what the
/// end of the test process does. Waits (briefly) so that a retry does not overlap with it.
pub fn stop(supervisor: &mut Child) {
    drop(supervisor.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = supervisor.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last lines of a log file, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
