//! A server the tests of one binary share (PostgreSQL, moto): started once on first use, skipped
//! with one stderr line when it cannot start, unless its `DBSUB_REQUIRE_*` variable makes that a
//! failure.
//!
//! Also what starting one takes whatever the server: a free port, the shell supervisor that
//! stops it when the test process exits, the wait until it answers, and a retry with a new port
//! when another process took the one we picked.

use std::ffi::OsStr;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// `hint` with every character but ASCII letters and digits made `other`, in lower case and
/// `max` characters at the most: the stem of a database or bucket name.
pub fn name_stem(hint: &str, other: char, max: usize) -> String {
    let mut stem: String = hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                other
            }
        })
        .collect();
    // Every character is ASCII now, so truncating cannot split one.
    stem.truncate(max);
    stem
}

/// The last lines of a log file, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Run by `/bin/sh` with the temporary folder as `$1`, the server's log file name (in that
/// folder) as `$2`, the signal that stops the server as `$3`, and the server's command line
/// after them.
///
/// - The server runs in the background with `/dev/null` as stdin and its log in the folder.
/// - The watcher (`cat`) reads the pipe from the test process until end-of-file, which comes only
///   when the test process has exited, then signals the server. A pipe needs no polling, works
///   across users (unlike `kill -0` on the parent's pid, which an unprivileged user may not
///   signal) and cannot be fooled by pid reuse.
/// - Background jobs of a non-interactive shell get `/dev/null` as stdin, hence the pipe travels
///   as fd 3.
/// - `exited` tells the test process, while it waits for readiness, that the server died.
/// - Ctrl-C in a terminal interrupts the whole process group: the server stops by itself, and
///   the shell ignores SIGINT so that it still removes the folder.
pub const SUPERVISOR: &str = r#"
dir=$1; log=$2; signal=$3; shift 3
exec 3<&0 </dev/null
"$@" >"$dir/$log" 2>&1 3<&- &
pid=$!
{ cat >/dev/null; kill -"$signal" "$pid" 2>/dev/null; } <&3 &
exec 3<&-
trap '' INT
wait "$pid"
echo "$?" >"$dir/exited"
wait
rm -rf "$dir"
"#;

/// Starting is retried with a new port only when the port was taken between our probe and the
/// server's bind (another test binary may be doing the same thing at the same moment).
const START_ATTEMPTS: usize = 3;

/// How one try at starting a server went wrong.
pub enum Attempt {
    /// Worth another try with a new port.
    PortTaken(String),
    Failed(Failure),
}

pub fn failed(summary: String, details: String) -> Attempt {
    Attempt::Failed(Failure::new(summary, details))
}

/// `start_once` until it does not fail for a taken port, a few times at the most.
pub fn retry_while_port_taken<T>(
    mut start_once: impl FnMut() -> Result<T, Attempt>,
) -> Result<T, Failure> {
    let mut failures = Vec::new();
    for _ in 0..START_ATTEMPTS {
        match start_once() {
            Ok(started) => return Ok(started),
            Err(Attempt::PortTaken(details)) => failures.push(details),
            Err(Attempt::Failed(failure)) => return Err(failure),
        }
    }
    Err(Failure::new(
        format!("the server's port was taken by another process {START_ATTEMPTS} times"),
        failures.join("\n\n"),
    ))
}

/// `launch` in the new folder `dir`, which is removed when that fails. (Once the supervisor runs
/// it removes the folder itself, but it may never have run.)
pub fn launch_in<T>(
    dir: &Path,
    launch: impl FnOnce(&Path) -> Result<T, Attempt>,
) -> Result<T, Attempt> {
    let started = launch(dir);
    if started.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    started
}

/// A port that was free a moment ago: the kernel picks it for a listener we drop at once. Another
/// process may take it before the server binds it; `retry_while_port_taken` retries then.
pub fn free_port() -> Result<u16, Attempt> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr());
    port.map(|address| address.port())
        .map_err(|e| failed(format!("no free port on 127.0.0.1: {e}"), String::new()))
}

pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What one look at a starting server found.
pub enum Probe {
    /// It answers, and it is the server we started.
    Ready,
    /// No answer yet; the error, if there is one worth showing when time runs out.
    Waiting(Option<String>),
    /// The port answers, but for someone else's server: worth a retry with a new port.
    NotOurs(String),
    /// Ours answers, wrongly: no retry.
    Broken(String),
}

/// A server to start under [`SUPERVISOR`], in a new temporary folder.
pub struct Supervised<'a> {
    /// The server's name in messages and file names: `postgres`, `moto`.
    pub server: &'static str,
    pub port: u16,
    /// The folder, `$1` of the supervisor, which removes it.
    pub dir: &'a Path,
    /// How long the server may take to answer.
    pub timeout: Duration,
    /// What the details of a failure begin with (ending in a newline, or empty): who runs the
    /// server, or its command line.
    pub context: String,
}

impl Supervised<'_> {
    /// Runs `command` (the server and its arguments) under the supervisor, which `shell` runs
    /// (`/bin/sh`, perhaps as another user) and which stops it with `signal`, then waits until
    /// `probe` finds it ready. The child is the supervisor: its stdin pipe must stay open for as
    /// long as the server is wanted.
    pub fn start<I>(
        &self,
        shell: Command,
        signal: &str,
        command: I,
        probe: impl FnMut() -> Probe,
    ) -> Result<Child, Attempt>
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        let mut supervisor = self.spawn(shell, signal, command)?;
        self.wait_until_ready(&mut supervisor, probe)?;
        Ok(supervisor)
    }

    fn log(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.server))
    }

    fn supervisor_log(&self) -> PathBuf {
        self.dir.join("supervisor.log")
    }

    fn spawn<I>(&self, mut shell: Command, signal: &str, command: I) -> Result<Child, Attempt>
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        let supervisor_log = self.supervisor_log();
        let log = std::fs::File::create(&supervisor_log).map_err(|e| {
            let summary = format!("cannot create {}: {e}", supervisor_log.display());
            failed(summary, String::new())
        })?;
        shell
            .arg("-c")
            .arg(SUPERVISOR)
            .arg(format!("dbsub-{}-supervisor", self.server))
            .arg(self.dir)
            .arg(format!("{}.log", self.server))
            .arg(signal)
            .args(command)
            .current_dir(self.dir)
            // English messages, so that "Address already in use" can be recognised.
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            // Not the test's stdout/stderr: a pipe reader such as `cargo test | tee` would
            // otherwise wait for the server too.
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                let summary = format!("cannot start the {} supervisor: {e}", self.server);
                failed(summary, self.context.clone())
            })
    }

    /// Waits until `probe` finds the server ready. When it will not be, stops the supervisor and
    /// says whether a new port is worth a try, with the end of both logs as the details.
    fn wait_until_ready(
        &self,
        supervisor: &mut Child,
        probe: impl FnMut() -> Probe,
    ) -> Result<(), Attempt> {
        let Err((port_taken, summary)) = self.poll(supervisor, probe) else {
            return Ok(());
        };
        // Read before `stop`, which removes the folder.
        let mut details = format!(
            "{}{} output:\n{}",
            self.context,
            self.server,
            tail(&self.log())
        );
        let supervisor_output = tail(&self.supervisor_log());
        if !supervisor_output.is_empty() {
            details.push_str("\nsupervisor output:\n");
            details.push_str(&supervisor_output);
        }
        stop(supervisor);
        if port_taken {
            Err(Attempt::PortTaken(format!("{summary}\n{details}")))
        } else {
            Err(Attempt::Failed(Failure::new(summary, details)))
        }
    }

    /// The readiness loop. On failure: whether the port was taken, and a summary.
    fn poll(
        &self,
        supervisor: &mut Child,
        mut probe: impl FnMut() -> Probe,
    ) -> Result<(), (bool, String)> {
        let port = self.port;
        let deadline = Instant::now() + self.timeout;
        loop {
            let error = match probe() {
                Probe::Ready => return Ok(()),
                Probe::NotOurs(summary) => return Err((true, summary)),
                Probe::Broken(summary) => return Err((false, summary)),
                Probe::Waiting(error) => error,
            };
            let server_exited = self.dir.join("exited").exists();
            let supervisor_exited = matches!(supervisor.try_wait(), Ok(Some(_)));
            if server_exited || supervisor_exited {
                let log = std::fs::read_to_string(self.log()).unwrap_or_default();
                let port_taken = log.contains("Address already in use");
                let who = if server_exited {
                    self.server
                } else {
                    "the supervisor shell"
                };
                return Err((
                    port_taken,
                    format!("{who} exited before answering on port {port}"),
                ));
            }
            if Instant::now() > deadline {
                let error = error.map(|e| format!(": {e}")).unwrap_or_default();
                let seconds = self.timeout.as_secs();
                return Err((
                    false,
                    format!("no answer on port {port} within {seconds}s{error}"),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
