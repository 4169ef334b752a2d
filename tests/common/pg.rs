//! A throwaway PostgreSQL cluster for the integration tests.
//!
//! Each test binary that asks for it gets one cluster of its own: `initdb` into a temporary
//! folder, then `postgres` listening on 127.0.0.1 on a free port, with the superuser `dbsub`
//! trusted (no password) and every other role authenticated by its password (scram-sha-256).
//! Tests share the cluster and each creates a fresh database:
//!
//! ```ignore
//! let Some(pg) = pg::cluster() else { return };
//! let url = pg.create_database("migrate"); // postgres://dbsub@127.0.0.1:PORT/migrate_0_1234
//! ```
//!
//! Binaries are looked up in `$DBSUB_PG_BIN_DIR` if it is set, otherwise on `PATH` and then under
//! `/usr/lib/postgresql/*/bin` (highest version first); the Debian `postgresql` package puts them
//! there. When there is no PostgreSQL, or it does not start, the tests are skipped with one line on
//! stderr, unless `DBSUB_REQUIRE_PG=1` (set by `.ci/run`), which turns that into a failure.
//!
//! Shutdown: Rust never drops statics, so the cluster cannot stop itself from a destructor.
//! Instead the server runs under a small shell supervisor whose stdin is a pipe from the test
//! process. The test process holds the only write end and never closes it; the kernel closes it
//! when the process exits, however it exits (end of the tests, panic, abort, `kill -9`). The
//! supervisor then reads end-of-file, stops the server (SIGINT, PostgreSQL's fast shutdown, which
//! disconnects clients and exits within a second or so), waits for it and removes the temporary
//! folder. See `SUPERVISOR` in `service.rs`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::service::{
    Attempt, Failure, Probe, Service, Supervised, failed, free_port, is_executable, launch_in,
    name_stem, retry_while_port_taken,
};

/// The PostgreSQL superuser the tests connect as (initdb `-U`).
pub const SUPERUSER: &str = "dbsub";
/// `1` makes a missing or broken PostgreSQL a test failure instead of a skip.
pub const REQUIRE_VAR: &str = "DBSUB_REQUIRE_PG";
/// If set, the only folder searched for `initdb` and `postgres`.
pub const BIN_DIR_VAR: &str = "DBSUB_PG_BIN_DIR";

/// initdb refuses to run as root; as root the cluster belongs to this user (the Debian package
/// creates it).
const OS_USER: &str = "postgres";
/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Client authentication: the superuser without a password (on the socket and on loopback),
/// any other role with its password (SCRAM, PostgreSQL's default password encryption).
fn pg_hba() -> String {
    format!(
        "# TYPE DATABASE USER ADDRESS METHOD\n\
         local all {SUPERUSER} trust\n\
         local all all scram-sha-256\n\
         host all {SUPERUSER} 127.0.0.1/32 trust\n\
         host all all 127.0.0.1/32 scram-sha-256\n\
         host all {SUPERUSER} ::1/128 trust\n\
         host all all ::1/128 scram-sha-256\n"
    )
}

/// A running cluster, shared by the tests of one binary.
pub struct PgCluster {
    port: u16,
    bin_dir: PathBuf,
    startup_time: Duration,
    /// The supervisor, with the write end of its stdin pipe (see `SUPERVISOR`) still in
    /// `stdin`: kept for the life of the process, since closing the pipe stops the server.
    _supervisor: Child,
}

/// The cluster of this test binary, started on first use.
///
/// `None` (after one line on stderr) when PostgreSQL is missing or does not start; with
/// `DBSUB_REQUIRE_PG=1` that panics instead, with what was looked for and the server's output.
pub fn cluster() -> Option<&'static PgCluster> {
    static CLUSTER: OnceLock<Result<PgCluster, Failure>> = OnceLock::new();
    Service {
        tests: "PostgreSQL tests",
        server: "PostgreSQL",
        hint: "",
        require_var: REQUIRE_VAR,
    }
    .get(&CLUSTER, start)
}

/// A client for `url`; panics with the error (test code).
pub fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Every row of every table of a database's `public` schema but dbsub's own history tables,
/// as text (`ROW(…)::text`), sorted, by `schema.table`: the whole state, to compare two
/// databases.
pub fn contents(url: &str) -> BTreeMap<String, Vec<String>> {
    let mut client = connect(url);
    let tables: Vec<String> = client
        .query(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
             WHERE schemaname = 'public' \
             AND tablename NOT IN ('dbsub_ingest_history', 'dbsub_schema_history') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let rows = client
                .query(&format!("SELECT x::text FROM {t} x ORDER BY 1"), &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            (t, rows)
        })
        .collect()
}

impl PgCluster {
    /// Creates an empty database named after `name_hint` (plus a counter and the process id, so
    /// that every call gets a new one) and returns its URL,
    /// `postgres://dbsub@127.0.0.1:PORT/NAME`.
    pub fn create_database(&self, name_hint: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = database_name(
            name_hint,
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::process::id(),
        );
        // A short-lived connection per call: nothing to share between threads or to reconnect,
        // and a connection on 127.0.0.1 with trust authentication takes milliseconds.
        let mut admin = connect(&self.admin_url());
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        self.url(&name)
    }

    /// The URL of database `dbname` on this cluster.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The URL of the `postgres` maintenance database (to create or drop databases, not for
    /// tests' own objects: it is shared by every test of the binary).
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where `initdb` and `postgres` were found; `psql`, `pg_dump`… are usually there too.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// From the start of the lookup to the first accepted connection.
    pub fn startup_time(&self) -> Duration {
        self.startup_time
    }
}

/// `hint` reduced to lower-case letters, digits and `_`, short enough for PostgreSQL's 63-byte
/// identifiers once the counter and the pid are appended.
fn database_name(hint: &str, counter: u32, pid: u32) -> String {
    let mut stem = name_stem(hint, '_', 40);
    if stem.is_empty() {
        stem.push_str("db");
    }
    format!("{stem}_{counter}_{pid}")
}

fn start() -> Result<PgCluster, Failure> {
    let began = Instant::now();
    let bin_dir = find_bin_dir()?;
    let owner = Owner::detect()?;
    let (port, supervisor) = retry_while_port_taken(|| {
        let dir = make_temp_dir(&owner).map_err(Attempt::Failed)?;
        launch_in(&dir, |dir| launch(&bin_dir, &owner, dir))
    })?;
    Ok(PgCluster {
        port,
        bin_dir,
        startup_time: began.elapsed(),
        _supervisor: supervisor,
    })
}

/// initdb, then the server under its supervisor, in `dir`.
fn launch(bin_dir: &Path, owner: &Owner, dir: &Path) -> Result<(u16, Child), Attempt> {
    let data = dir.join("data");
    let socket_dir = dir.join("socket");

    let initdb = bin_dir.join("initdb");
    let out = owner
        .command(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
        // No fsync of the new cluster: it lives for one test run.
        .arg("--no-sync")
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            failed(
                format!("cannot run {}: {e}", initdb.display()),
                owner.describe(),
            )
        })?;
    if !out.status.success() {
        return Err(failed(
            format!("{} failed ({})", initdb.display(), out.status),
            format!(
                "{}{}{}",
                owner.describe(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }

    // Instead of initdb's trust-everyone file: the superuser is trusted, every other role
    // must give its password, so that tests can see a wrong one refused.
    let hba = data.join("pg_hba.conf");
    fs::write(&hba, pg_hba()).map_err(|e| {
        failed(
            format!("cannot write {}: {e}", hba.display()),
            owner.describe(),
        )
    })?;

    let port = free_port()?;
    let mut command: Vec<OsString> = vec![
        bin_dir.join("postgres").into(),
        "-D".into(),
        data.clone().into(),
    ];
    for setting in [
        "listen_addresses=127.0.0.1".to_string(),
        format!("port={port}"),
        format!("unix_socket_directories={}", socket_dir.display()),
        // Durability is pointless for a cluster that is deleted after the run.
        "fsync=off".to_string(),
        "synchronous_commit=off".to_string(),
        "full_page_writes=off".to_string(),
        "wal_level=minimal".to_string(),
        "max_wal_senders=0".to_string(),
        // Small: several test binaries may each run a cluster at the same time.
        "shared_buffers=16MB".to_string(),
        "max_connections=50".to_string(),
        "autovacuum=off".to_string(),
        "jit=off".to_string(),
        // Deterministic timestamps whatever the machine's zone.
        "timezone=UTC".to_string(),
    ] {
        command.extend(["-c".into(), setting.into()]);
    }
    let server = Supervised {
        server: "postgres",
        port,
        dir,
        timeout: READY_TIMEOUT,
        context: owner.describe(),
    };
    let shell = owner.command(Path::new("/bin/sh"));
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    // SIGINT: PostgreSQL's fast shutdown.
    let supervisor = server.start(shell, "INT", command, || {
        match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(client) => ours(client, &data, port),
            Err(e) => Probe::Waiting(Some(e.to_string())),
        }
    })?;
    Ok((port, supervisor))
}

/// Someone else's server may have bound the port before ours (then ours exits with "Address
/// already in use"): the one that answers must show our data directory.
fn ours(mut client: postgres::Client, data: &Path, port: u16) -> Probe {
    let ours = client
        .query_one("SHOW data_directory", &[])
        .ok()
        .map(|row| row.get::<_, String>(0))
        .is_some_and(|shown| same_path(Path::new(&shown), data));
    if ours {
        Probe::Ready
    } else {
        Probe::NotOurs(format!("port {port} answers, but not with our cluster"))
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The folder with `initdb` and `postgres`.
fn find_bin_dir() -> Result<PathBuf, Failure> {
    let candidates: Vec<PathBuf> = match std::env::var_os(BIN_DIR_VAR) {
        Some(dir) => vec![PathBuf::from(dir)],
        None => {
            let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
                .map(|path| std::env::split_paths(&path).collect())
                .unwrap_or_default();
            dirs.extend(debian_bin_dirs());
            dirs
        }
    };
    if let Some(dir) = candidates
        .iter()
        .find(|dir| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres")))
    {
        return Ok(dir.clone());
    }
    let looked_in = match std::env::var_os(BIN_DIR_VAR) {
        Some(dir) => format!("${BIN_DIR_VAR} ({})", Path::new(&dir).display()),
        None => "PATH and /usr/lib/postgresql/*/bin".to_string(),
    };
    Err(Failure::new(
        format!("no initdb and postgres in {looked_in}"),
        format!(
            "searched, in order: {}\nInstall the Debian package `postgresql` (apt-get install \
             postgresql) or set {BIN_DIR_VAR} to the folder with initdb and postgres.",
            candidates
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// `/usr/lib/postgresql/<version>/bin`, highest version first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir("/usr/lib/postgresql") else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            // "16" or "9.6"; anything else sorts last.
            let version = name.split('.').map_while(|n| n.parse().ok()).collect();
            (version, entry.path().join("bin"))
        })
        .collect();
    versions.sort_by(|a, b| b.cmp(a));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// Who runs initdb and the server.
enum Owner {
    /// Not root: ourselves.
    Me,
    /// Root: the `postgres` user, through `runuser` (or `su` where there is no runuser).
    User { uid: u32, gid: u32, switch: Switch },
}

enum Switch {
    Runuser(PathBuf),
    Su(PathBuf),
}

impl Owner {
    fn detect() -> Result<Owner, Failure> {
        if effective_uid() != Some(0) {
            return Ok(Owner::Me);
        }
        let not_root = || {
            Failure::new(
                format!(
                    "running as root and there is no usable `{OS_USER}` user to run initdb as \
                     (initdb refuses to run as root)"
                ),
                "The Debian package `postgresql` creates that user; or run the tests as an \
                 ordinary user.",
            )
        };
        let uid = id(&["-u", OS_USER]).ok_or_else(not_root)?;
        let gid = id(&["-g", OS_USER]).ok_or_else(not_root)?;
        let switch = if let Some(runuser) = find_program("runuser") {
            Switch::Runuser(runuser)
        } else if let Some(su) = find_program("su") {
            Switch::Su(su)
        } else {
            return Err(Failure::new(
                format!(
                    "running as root and neither runuser nor su is there to become `{OS_USER}`"
                ),
                "initdb refuses to run as root.",
            ));
        };
        Ok(Owner::User { uid, gid, switch })
    }

    /// `program`, run as the cluster's owner; the caller adds the arguments.
    fn command(&self, program: &Path) -> Command {
        match self {
            Owner::Me => Command::new(program),
            Owner::User {
                switch: Switch::Runuser(runuser),
                ..
            } => {
                let mut command = Command::new(runuser);
                command.args(["-u", OS_USER, "--"]).arg(program);
                command
            }
            Owner::User {
                switch: Switch::Su(su),
                ..
            } => {
                // su hands the words after the user to the shell as $0, $1…: exec them as they
                // are, with no quoting to get wrong. The `--` keeps su from taking the program's
                // own options (`-D`, `--version`…) for its own.
                let mut command = Command::new(su);
                command
                    .args(["-s", "/bin/sh", "-c", r#"exec "$0" "$@""#, "--", OS_USER])
                    .arg(program);
                command
            }
        }
    }

    /// For error messages.
    fn describe(&self) -> String {
        match self {
            Owner::Me => String::new(),
            Owner::User { .. } => format!("(run as the `{OS_USER}` user, since we are root)\n"),
        }
    }
}

/// A new folder the cluster's owner can use. As root it is made under /tmp, which every user
/// can reach ($TMPDIR may be under /root), and handed to `postgres`.
fn make_temp_dir(owner: &Owner) -> Result<PathBuf, Failure> {
    let parent = match owner {
        Owner::Me => std::env::temp_dir(),
        Owner::User { .. } => PathBuf::from("/tmp"),
    };
    let dir = tempfile::Builder::new()
        .prefix("dbsub-pg-")
        .tempdir_in(&parent)
        .map_err(|e| {
            Failure::new(
                format!(
                    "cannot create a temporary folder in {}: {e}",
                    parent.display()
                ),
                String::new(),
            )
        })?
        // The supervisor removes it after the server has stopped; TempDir's own removal would
        // come too early (or, in a static, never).
        .keep();
    let socket_dir = dir.join("socket");
    let prepared = fs::create_dir(&socket_dir).and_then(|()| match owner {
        Owner::Me => Ok(()),
        Owner::User { uid, gid, .. } => {
            std::os::unix::fs::chown(&dir, Some(*uid), Some(*gid))?;
            std::os::unix::fs::chown(&socket_dir, Some(*uid), Some(*gid))
        }
    });
    match prepared {
        Ok(()) => Ok(dir),
        Err(e) => {
            let _ = fs::remove_dir_all(&dir);
            Err(Failure::new(
                format!("cannot prepare {}: {e}", dir.display()),
                String::new(),
            ))
        }
    }
}

/// The effective user id, from /proc (Linux) or `id -u` elsewhere; no libc needed.
fn effective_uid() -> Option<u32> {
    if let Ok(status) = fs::read_to_string("/proc/self/status") {
        // "Uid:\t<real>\t<effective>\t<saved>\t<filesystem>"
        let line = status.lines().find(|l| l.starts_with("Uid:"))?;
        return line.split_whitespace().nth(2)?.parse().ok();
    }
    id(&["-u"])
}

/// `id ARGS`, as a number.
fn id(args: &[&str]) -> Option<u32> {
    let out = Command::new("id").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

/// `name` on PATH or in the sbin folders, which a non-login root PATH may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}
