//! A throwaway S3 server for the integration tests: `moto` (`pip install 'moto[server]'`).
//!
//! Each test binary that asks for it gets one server of its own, listening on 127.0.0.1 on a free
//! port and keeping everything in memory. Tests share the server and each creates a fresh bucket:
//!
//! ```ignore
//! let Some(s3) = s3::server() else { return };
//! let bucket = s3.create_bucket("extract"); // dbsub-extract-0-1234
//! let store = bucket.url("dbsub"); // s3://dbsub-extract-0-1234/dbsub
//! let vars = s3.env(); // AWS_ENDPOINT=http://127.0.0.1:PORT, dummy credentials, …
//! ```
//!
//! The server is `moto_server` on `PATH`, else `python3 -m moto.server` when Python can import
//! it. When there is neither, or it does not start, the tests are skipped with one line on stderr,
//! unless `DBSUB_REQUIRE_S3=1` (set by `.ci/run`), which turns that into a failure.
//!
//! The tests talk to the server with plain HTTP/1.1 over a `TcpStream` (no client library):
//! creating a bucket, listing it and downloading objects. moto does not check signatures: a
//! request without an `Authorization` header is anonymous (and refused for objects that are not
//! public), a request with any such header counts as an authenticated one. [`DUMMY_AUTHORIZATION`]
//! is that header.
//!
//! Shutdown works as in `pg.rs`: Rust never drops statics, so the server runs under a small shell
//! supervisor whose stdin is a pipe from the test process. The kernel closes the pipe when the
//! test process exits, however it exits (end of the tests, panic, abort, `kill -9`); the
//! supervisor then reads end-of-file, stops the server (SIGTERM) and removes its temporary folder.
//! See `SUPERVISOR` in `service.rs`. (`moto_server` found through a pyenv shim is still the
//! process the supervisor signals: the shim `exec`s Python.)

use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::service::{
    Attempt, Failure, Probe, Service, Supervised, failed, free_port, is_executable, launch_in,
    name_stem, retry_while_port_taken,
};

/// `1` makes a missing or broken moto a test failure instead of a skip.
pub const REQUIRE_VAR: &str = "DBSUB_REQUIRE_S3";
/// What installs the server.
pub const INSTALL_HINT: &str = "pip install 'moto[server]'";
/// The credentials handed to dbsub: moto accepts any.
pub const ACCESS_KEY_ID: &str = "dbsub-test";
pub const SECRET_ACCESS_KEY: &str = "dbsub-test-secret";
pub const REGION: &str = "us-east-1";
/// Sent with every request of the helpers below, so that moto treats them as authenticated (it
/// does not verify the signature).
pub const DUMMY_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 \
    Credential=dbsub-test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/// How long the server may take to answer: Python imports moto, boto and Flask first, which takes
/// a few seconds on a slow machine.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Connect, read and write timeout of the helpers' requests.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A running moto server, shared by the tests of one binary.
pub struct MotoServer {
    port: u16,
    command: String,
    startup_time: Duration,
    /// The supervisor, with the write end of its stdin pipe still in `stdin`: kept for the life
    /// of the process, since closing the pipe stops the server.
    _supervisor: Child,
}

/// The server of this test binary, started on first use.
///
/// `None` (after one line on stderr) when moto is missing or does not start; with
/// `DBSUB_REQUIRE_S3=1` that panics instead, with what was looked for and the server's output.
pub fn server() -> Option<&'static MotoServer> {
    static SERVER: OnceLock<Result<MotoServer, Failure>> = OnceLock::new();
    Service {
        tests: "S3 tests",
        server: "S3 server",
        hint: INSTALL_HINT,
        require_var: REQUIRE_VAR,
    }
    .get(&SERVER, start)
}

impl MotoServer {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, dbsub's `AWS_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The variables that point dbsub's S3 client at this server: dummy credentials, the
    /// region, the endpoint, and plain HTTP allowed.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ENDPOINT", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ]
    }

    /// How the server was started (`moto_server` or `python3 -m moto.server`), for messages.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// From the start of the lookup to the first answer.
    pub fn startup_time(&self) -> Duration {
        self.startup_time
    }

    /// Creates an empty bucket named after `name_hint` (plus a counter and the process id, so
    /// that every call gets a new one).
    pub fn create_bucket(&self, name_hint: &str) -> Bucket<'_> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = bucket_name(
            name_hint,
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::process::id(),
        );
        let response = http(self.port, "PUT", &format!("/{name}"))
            .unwrap_or_else(|e| panic!("PUT /{name} on {}: {e}", self.endpoint()));
        assert_eq!(
            response.status,
            200,
            "creating the bucket {name}: {}",
            response.text()
        );
        Bucket { server: self, name }
    }
}

/// A bucket on the test server.
pub struct Bucket<'a> {
    server: &'a MotoServer,
    name: String,
}

impl Bucket<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `s3://BUCKET/PREFIX` (`s3://BUCKET` for an empty prefix), a `DBSUB_STORE_<ENV>` value.
    pub fn url(&self, prefix: &str) -> String {
        if prefix.is_empty() {
            format!("s3://{}", self.name)
        } else {
            format!("s3://{}/{prefix}", self.name)
        }
    }

    /// Every key in the bucket, sorted (ListObjectsV2, one page of up to 1000 keys).
    pub fn keys(&self) -> Vec<String> {
        let target = format!("/{}?list-type=2", self.name);
        let response =
            http(self.server.port, "GET", &target).unwrap_or_else(|e| panic!("GET {target}: {e}"));
        let xml = response.text();
        assert_eq!(response.status, 200, "GET {target}: {xml}");
        assert!(
            !xml.contains("<IsTruncated>true</IsTruncated>"),
            "GET {target}: more than one page of keys; the test helper reads only the first"
        );
        let mut keys = xml_elements(&xml, "Key");
        keys.sort();
        keys
    }

    /// The bytes of object `key`; panics when it is missing.
    pub fn get(&self, key: &str) -> Vec<u8> {
        let target = format!("/{}/{key}", self.name);
        let response =
            http(self.server.port, "GET", &target).unwrap_or_else(|e| panic!("GET {target}: {e}"));
        assert_eq!(response.status, 200, "GET {target}: {}", response.text());
        response.body
    }
}

/// `hint` reduced to a valid bucket name (lower-case letters, digits and `-`, 3 to 63
/// characters) once the prefix, the counter and the pid are added.
fn bucket_name(hint: &str, counter: u32, pid: u32) -> String {
    let stem = name_stem(hint, '-', 30);
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        format!("dbsub-{counter}-{pid}")
    } else {
        format!("dbsub-{stem}-{counter}-{pid}")
    }
}

/// The texts of every `<name>…</name>` element, unescaped; enough for S3's list answers.
fn xml_elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let end = rest
            .find(&close)
            .unwrap_or_else(|| panic!("unterminated <{name}> in {xml}"));
        found.push(
            rest[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[end + close.len()..];
    }
    found
}

/// An HTTP answer.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request without a body to 127.0.0.1:`port`, on a connection of its own.
/// `target` is the path and query, already URL-safe.
pub fn http(port: u16, method: &str, target: &str) -> std::io::Result<Response> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: {DUMMY_AUTHORIZATION}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()?;
    // `Connection: close`: the answer ends where the stream does.
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {:?}", String::from_utf8_lossy(raw)))?;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    // "HTTP/1.1 200 OK"
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {status_line:?}"))?;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    let rest = &raw[head_end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        match content_length {
            Some(n) if n <= rest.len() => rest[..n].to_vec(),
            Some(n) => return Err(format!("body cut short: {} of {n} bytes", rest.len())),
            None => rest.to_vec(),
        }
    };
    Ok(Response { status, body })
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk without its size line")?;
        let size_line = String::from_utf8_lossy(&rest[..line_end]);
        // "1a2b" or "1a2b;extension"
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_line:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err("a chunk cut short".to_string());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn start() -> Result<MotoServer, Failure> {
    let began = Instant::now();
    let program = find_server()?;
    let (port, supervisor) = retry_while_port_taken(|| {
        let dir = tempfile::Builder::new()
            .prefix("dbsub-moto-")
            .tempdir()
            .map_err(|e| {
                let summary = format!("cannot create a temporary folder: {e}");
                failed(summary, String::new())
            })?
            // The supervisor removes it after the server has stopped; TempDir's own removal
            // would come too early (or, in a static, never).
            .keep();
        launch_in(&dir, |dir| launch(&program, dir))
    })?;
    Ok(MotoServer {
        port,
        command: program.join(" "),
        startup_time: began.elapsed(),
        _supervisor: supervisor,
    })
}

/// The server's command line without its options: `moto_server`, or `python3 -m moto.server`
/// when Python can import it (moto installed without a script folder on PATH).
fn find_server() -> Result<Vec<String>, Failure> {
    if let Some(program) = find_on_path("moto_server") {
        return Ok(vec![program.display().to_string()]);
    }
    let Some(python) = find_on_path("python3") else {
        return Err(Failure::new(
            "neither moto_server nor python3 is on PATH",
            format!("Install the server with {INSTALL_HINT}."),
        ));
    };
    // `moto.server` imports Flask, which only the `server` extra installs.
    let probe = Command::new(&python)
        .args(["-c", "import moto.server"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Failure::new(
                format!("cannot run {}: {e}", python.display()),
                String::new(),
            )
        })?;
    if !probe.status.success() {
        return Err(Failure::new(
            format!(
                "no moto_server on PATH, and {} cannot import moto.server",
                python.display()
            ),
            format!(
                "{}\nInstall the server with {INSTALL_HINT} (and put pip's script folder on \
                 PATH).",
                String::from_utf8_lossy(&probe.stderr).trim_end()
            ),
        ));
    }
    Ok(vec![
        python.display().to_string(),
        "-m".to_string(),
        "moto.server".to_string(),
    ])
}

/// The server under its supervisor, logging into `dir`.
fn launch(program: &[String], dir: &Path) -> Result<(u16, Child), Attempt> {
    let port = free_port()?;
    let port_text = port.to_string();
    let options = ["-H", "127.0.0.1", "-p", &port_text];
    let server = Supervised {
        server: "moto",
        port,
        dir,
        timeout: READY_TIMEOUT,
        context: format!("command: {} {}\n", program.join(" "), options.join(" ")),
    };
    let mut shell = Command::new("/bin/sh");
    // With this set, moto checks signatures, which the helpers' requests do not have.
    shell.env_remove("INITIAL_NO_AUTH_ACTION_COUNT");
    let command = program.iter().map(String::as_str).chain(options);
    let log = dir.join("moto.log");
    let supervisor = server.start(shell, "TERM", command, ours(port, &log))?;
    Ok((port, supervisor))
}

/// The readiness probe. Someone else's server may have bound the port before ours (then ours
/// exits with "Address already in use"): a request with a unique query must show up in our
/// server's request log.
fn ours(port: u16, log: &Path) -> impl FnMut() -> Probe {
    let probe = format!("/?dbsub-probe={}-{port}", std::process::id());
    // When the probe was answered, and the answer.
    let mut answered: Option<(Instant, Response)> = None;
    move || {
        let (when, response) = match answered {
            Some(ref answer) => answer,
            None => match http(port, "GET", &probe) {
                Ok(response) => answered.insert((Instant::now(), response)),
                Err(_) => return Probe::Waiting(None),
            },
        };
        let log = fs::read_to_string(log).unwrap_or_default();
        if log.contains(&probe) {
            if response.status == 200 {
                return Probe::Ready;
            }
            return Probe::Broken(format!(
                "moto answers {} to GET /: {}",
                response.status,
                response.text()
            ));
        }
        // The log line follows the answer by milliseconds.
        if when.elapsed() > Duration::from_secs(5) {
            return Probe::NotOurs(format!(
                "port {port} answers, but not our server (not in its log)"
            ));
        }
        Probe::Waiting(None)
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}
