//! Configuration: profiles (DBTYPE × ENV) resolved to database URLs and stores.
//!
//! Values come from the process environment, after `.env` has been loaded into it. With nothing
//! configured every lookup falls back to the embedded demo (SQLite files and a `file://` store
//! under `data/`). URLs carry credentials, so [`DbUrl`] never prints its password: `Display`
//! and `Debug` both show the redacted form.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};

/// The demo's production database, which also serves as its structural database.
pub const DEMO_SOURCE_URL: &str = "sqlite://data/demo.db?schema=THE";
/// The demo's local test database.
pub const DEMO_TARGET_URL: &str = "sqlite://data/local.db";
/// The demo's object store.
pub const DEMO_STORE_URL: &str = "file://data/store";
/// The default cache of fetched parts.
pub const DEMO_CACHE_DIR: &str = "data/cache";

/// A database kind, named on the command line by its CLI word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum DbKind {
    /// Oracle
    #[value(name = "ORA", alias = "ora", alias = "oracle")]
    Oracle,
    /// PostgreSQL
    #[value(name = "PG", alias = "pg", alias = "postgres")]
    Postgres,
    /// SQLite, the embedded default
    #[value(name = "SQLITE", alias = "sqlite")]
    Sqlite,
}

impl DbKind {
    /// The CLI word: `ORA`, `PG`, `SQLITE`.
    pub fn word(self) -> &'static str {
        match self {
            DbKind::Oracle => "ORA",
            DbKind::Postgres => "PG",
            DbKind::Sqlite => "SQLITE",
        }
    }
}

impl DbKind {
    /// Parses a kind as users and catalogs spell it: the CLI word (`ORA`, `PG`, `SQLITE`) or
    /// its aliases (`oracle`, `postgres`, `sqlite`), case-insensitively.
    pub fn from_word(word: &str) -> Option<DbKind> {
        <DbKind as clap::ValueEnum>::from_str(word.trim(), true).ok()
    }

    /// The SQL dialect's name, as `--dialect` spells it: `oracle`, `postgres`, `sqlite`.
    pub fn dialect_name(self) -> &'static str {
        match self {
            DbKind::Oracle => "oracle",
            DbKind::Postgres => "postgres",
            DbKind::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for DbKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A database URL. The password stays inside: formatting shows `***` in its place.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    kind: DbKind,
    raw: String,
}

impl DbUrl {
    /// Parses `oracle://user:password@host:port/service`, `postgres://user:password@host/db`,
    /// `sqlite://relative/path.db`, `sqlite:///absolute/path.db` (each with optional `?k=v`).
    ///
    /// Fails on an unknown scheme or a URL without the parts its kind needs; the error shows
    /// the URL redacted.
    pub fn parse(raw: &str) -> Result<DbUrl> {
        let raw = raw.trim();
        let scheme = raw.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        let kind = match scheme.as_deref() {
            Some("oracle") => DbKind::Oracle,
            Some("postgres") | Some("postgresql") => DbKind::Postgres,
            Some("sqlite") => DbKind::Sqlite,
            _ => bail!(
                "`{}` is not a database URL: use oracle://user:password@host:port/service, \
                 postgres://user:password@host:port/db or sqlite://path/to/file.db",
                redact(raw)
            ),
        };
        let url = DbUrl {
            kind,
            raw: raw.to_string(),
        };
        match kind {
            DbKind::Sqlite => {
                if url.sqlite_path()?.as_os_str().is_empty() {
                    bail!(
                        "`{}` names no file: write sqlite://path/to/file.db",
                        url.redacted()
                    );
                }
            }
            DbKind::Oracle | DbKind::Postgres => {
                let parsed = url::Url::parse(raw)
                    .map_err(|e| anyhow!("`{}` is not a valid URL: {e}", url.redacted()))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    bail!("`{}` names no host", url.redacted());
                }
                if parsed.path().trim_matches('/').is_empty() {
                    let what = if kind == DbKind::Oracle {
                        "service name"
                    } else {
                        "database"
                    };
                    bail!(
                        "`{}` names no {what}: add /{} after the host and port",
                        url.redacted(),
                        what.replace(' ', "_")
                    );
                }
            }
        }
        Ok(url)
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// The URL with its credentials: only for handing to a driver, never for printing.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with the password (and any `password=` query parameter) replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// The file of a `sqlite://` URL, relative to the working directory unless absolute.
    pub fn sqlite_path(&self) -> Result<PathBuf> {
        if self.kind != DbKind::Sqlite {
            bail!("`{}` is not a SQLite URL", self.redacted());
        }
        let rest = &self.raw["sqlite://".len()..];
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .with_context(|| format!("`{}` is not valid UTF-8 once decoded", self.redacted()))?;
        Ok(PathBuf::from(decoded.as_ref()))
    }

    /// A `?key=value` query parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        let query = self.raw.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == key).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", self.redacted())
    }
}

/// Replaces the password of `scheme://user:password@host…` and the values of query parameters
/// that look like secrets with `***`. Works on text that is not a valid URL, too, so that it can
/// be applied to anything about to be printed.
///
/// ```
/// use dbsub::config::redact;
/// assert_eq!(
///     redact("cannot connect to oracle://the:s3cret@prod:1521/SVC"),
///     "cannot connect to oracle://the:***@prod:1521/SVC"
/// );
/// ```
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.split_once(':') {
                    Some((user, _password)) => {
                        out.push_str(user);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    redact_query_secrets(&out)
}

fn redact_query_secrets(text: &str) -> String {
    const SECRET_KEYS: [&str; 5] = ["password", "passwd", "pwd", "secret", "token"];
    let Some((base, query)) = text.split_once('?') else {
        return text.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Where a resolved setting came from, so messages can tell the user what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The named environment variable (or `.env` entry).
    Variable(String),
    /// Nothing was configured: the embedded demo's default.
    Demo,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Variable(name) => write!(f, "from {name}"),
            Origin::Demo => f.write_str("the embedded demo default"),
        }
    }
}

/// A database URL and where it came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub url: DbUrl,
    pub origin: Origin,
}

/// The settings dbsub reads: every `DBSUB_*` variable of the environment.
#[derive(Clone, Default)]
pub struct Config {
    vars: BTreeMap<String, String>,
    /// The `.env` file [`Config::load`] read, if it found one.
    env_file: Option<PathBuf>,
}

/// Names only: the values hold passwords and the masking key.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

impl Config {
    /// Loads `.env` from the working directory (if present) into the environment, then reads
    /// every `DBSUB_*` variable. Variables already set in the environment win over `.env`.
    ///
    /// Fails if `.env` exists but cannot be parsed; the message names the line.
    pub fn load() -> Result<Config> {
        let env_file = match dotenvy::dotenv() {
            Ok(path) => Some(path),
            Err(e) if e.not_found() => None,
            Err(dotenvy::Error::LineParse(line, index)) => bail!(
                ".env could not be read at `{}` (character {index}): write KEY=value lines \
                 as in env_sample",
                redact(&line)
            ),
            Err(e) => bail!(".env could not be read: {e}"),
        };
        Ok(Config {
            env_file,
            ..Config::from_vars(std::env::vars().filter(|(k, _)| k.starts_with("DBSUB_")))
        })
    }

    /// The `.env` file that was read: the working directory's or the nearest parent's.
    pub fn env_file(&self) -> Option<&std::path::Path> {
        self.env_file.as_deref()
    }

    /// A configuration from explicit variables (tests, or a caller that has its own).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Config {
        Config {
            vars: vars
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
            env_file: None,
        }
    }

    /// The masking key (`DBSUB_MASKING_KEY`), when set.
    pub fn masking_key(&self) -> Option<&str> {
        self.vars.get(crate::mask::KEY_VAR).map(String::as_str)
    }

    fn url_from(&self, var: &str) -> Result<Option<Resolved>> {
        self.vars
            .get(var)
            .map(|raw| {
                DbUrl::parse(raw)
                    .with_context(|| format!("{var} is set but unusable"))
                    .map(|url| Resolved {
                        url,
                        origin: Origin::Variable(var.to_string()),
                    })
            })
            .transpose()
    }

    fn demo(url: &str) -> Result<Resolved> {
        Ok(Resolved {
            url: DbUrl::parse(url)?,
            origin: Origin::Demo,
        })
    }

    /// The structural (schema-only) database: `DBSUB_STRUCT_URL`, else the demo database.
    pub fn structural(&self) -> Result<Resolved> {
        match self.url_from("DBSUB_STRUCT_URL")? {
            Some(r) => Ok(r),
            None => Config::demo(DEMO_SOURCE_URL),
        }
    }

    /// The source database of a profile: `DBSUB_SOURCE_<DBTYPE>_<ENV>`. Unconfigured SQLite
    /// sources fall back to the demo database; other kinds must be configured.
    pub fn source(&self, kind: DbKind, env: &str) -> Result<Resolved> {
        let var = format!("DBSUB_SOURCE_{}_{}", kind.word(), env_name(env)?);
        self.required_or_demo(&var, kind, DEMO_SOURCE_URL, "source")
    }

    /// The local test database of a kind: `DBSUB_TARGET_<DBTYPE>`.
    pub fn target(&self, kind: DbKind) -> Result<Resolved> {
        let var = format!("DBSUB_TARGET_{}", kind.word());
        self.required_or_demo(&var, kind, DEMO_TARGET_URL, "target")
    }

    fn required_or_demo(
        &self,
        var: &str,
        kind: DbKind,
        demo: &str,
        role: &str,
    ) -> Result<Resolved> {
        let resolved = match self.url_from(var)? {
            Some(r) => r,
            None if kind == DbKind::Sqlite => return Config::demo(demo),
            None => bail!(
                "no {role} database is configured for {kind}: set {var} in the environment \
                 or in .env (see env_sample)"
            ),
        };
        if resolved.url.kind() != kind {
            bail!(
                "{var} must hold a {kind} URL for the {kind} {role}, not a {} one",
                resolved.url.kind()
            );
        }
        Ok(resolved)
    }

    /// The object store of an environment: `DBSUB_STORE_<ENV>`, else `file://data/store`.
    pub fn store(&self, env: &str) -> Result<(String, Origin)> {
        let var = format!("DBSUB_STORE_{}", env_name(env)?);
        Ok(match self.vars.get(&var) {
            Some(url) => (url.clone(), Origin::Variable(var)),
            None => (DEMO_STORE_URL.to_string(), Origin::Demo),
        })
    }
}

/// What a configured database is for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// `DBSUB_STRUCT_URL`: read for its catalog.
    Structural,
    /// `DBSUB_SOURCE_<DBTYPE>_<ENV>`: extracted from.
    Source { kind: String, env: String },
    /// `DBSUB_TARGET_<DBTYPE>`: loaded into.
    Target { kind: String },
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Structural => f.write_str("structural"),
            Role::Source { kind, env } => write!(f, "source {kind} {env}"),
            Role::Target { kind } => write!(f, "target {kind}"),
        }
    }
}

/// A database the configuration names, for `dbsub doctor`.
#[derive(Debug)]
pub struct Profile {
    pub role: Role,
    pub origin: Origin,
    /// The URL, or why the variable's value is unusable.
    pub url: Result<DbUrl, String>,
}

impl Config {
    /// Every database the configuration names — the structural database, each
    /// `DBSUB_SOURCE_<DBTYPE>_<ENV>` and `DBSUB_TARGET_<DBTYPE>` — plus the demo's defaults for
    /// the roles left unconfigured (the structural database, the SQLite source and target).
    pub fn profiles(&self) -> Vec<Profile> {
        let parse = |raw: &str| DbUrl::parse(raw).map_err(|e| format!("{e:#}"));
        let mut out = Vec::new();
        for (var, raw) in &self.vars {
            let role = if var == "DBSUB_STRUCT_URL" {
                Role::Structural
            } else if let Some(rest) = var.strip_prefix("DBSUB_SOURCE_") {
                let Some((kind, env)) = rest.split_once('_') else {
                    continue;
                };
                Role::Source {
                    kind: kind.to_string(),
                    env: env.to_string(),
                }
            } else if let Some(kind) = var.strip_prefix("DBSUB_TARGET_") {
                Role::Target {
                    kind: kind.to_string(),
                }
            } else {
                continue;
            };
            out.push(Profile {
                role,
                origin: Origin::Variable(var.clone()),
                url: parse(raw),
            });
        }
        let roles: Vec<&Role> = out.iter().map(|p| &p.role).collect();
        let mut demo = Vec::new();
        if !roles.contains(&&Role::Structural) {
            demo.push((Role::Structural, DEMO_SOURCE_URL));
        }
        if !roles
            .iter()
            .any(|r| matches!(r, Role::Source { kind, .. } if kind == "SQLITE"))
        {
            let (kind, env) = ("SQLITE".to_string(), "DEMO".to_string());
            demo.push((Role::Source { kind, env }, DEMO_SOURCE_URL));
        }
        let sqlite_target = Role::Target {
            kind: "SQLITE".to_string(),
        };
        if !roles.contains(&&sqlite_target) {
            demo.push((sqlite_target, DEMO_TARGET_URL));
        }
        for (role, url) in demo {
            out.push(Profile {
                role,
                origin: Origin::Demo,
                url: parse(url),
            });
        }
        out.sort_by(|a, b| a.role.cmp(&b.role));
        out
    }

    /// The configured object stores: `(variable, URL)` for every `DBSUB_STORE_<ENV>`.
    pub fn stores(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(k, _)| k.starts_with("DBSUB_STORE_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl Config {
    /// Where `dbsub ingest` keeps the parts it fetched: `DBSUB_CACHE_DIR`, else `data/cache`.
    pub fn cache_dir(&self) -> PathBuf {
        PathBuf::from(
            self.vars
                .get("DBSUB_CACHE_DIR")
                .map_or(DEMO_CACHE_DIR, String::as_str),
        )
    }
}

/// Validates an environment name (`DEV`, `PROD`, …) and returns it upper-cased.
pub fn env_name(env: &str) -> Result<String> {
    let upper = env.trim().to_ascii_uppercase();
    if upper.is_empty() || !upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("`{env}` is not an environment name: use letters, digits and _, such as PROD");
    }
    Ok(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_list_every_configured_database_and_the_demo_defaults() {
        let config = Config::from_vars([
            (
                "DBSUB_SOURCE_ORA_PROD".to_string(),
                "oracle://u:secret@h:1521/S".to_string(),
            ),
            ("DBSUB_TARGET_PG".to_string(), "mysql://x".to_string()),
            ("DBSUB_MASKING_KEY".to_string(), "k".repeat(20)),
        ]);
        let profiles = config.profiles();
        let roles: Vec<String> = profiles.iter().map(|p| p.role.to_string()).collect();
        assert_eq!(
            roles,
            [
                "structural",
                "source ORA PROD",
                "source SQLITE DEMO",
                "target PG",
                "target SQLITE"
            ]
        );
        assert_eq!(profiles[0].origin, Origin::Demo);
        assert_eq!(
            profiles[1].origin,
            Origin::Variable("DBSUB_SOURCE_ORA_PROD".into())
        );
        assert!(profiles[1].url.as_ref().unwrap().redacted().contains("***"));
        assert!(profiles[3].url.is_err());
    }

    #[test]
    fn redacts_passwords_in_urls_and_text() {
        assert_eq!(
            redact("oracle://scott:tiger@prod:1521/SVC"),
            "oracle://scott:***@prod:1521/SVC"
        );
        assert_eq!(
            redact("failed on postgres://u:p%40ss@h/db and oracle://a:b@c/d"),
            "failed on postgres://u:***@h/db and oracle://a:***@c/d"
        );
        assert_eq!(
            redact("postgres://h/db?user=x&password=s3cret"),
            "postgres://h/db?user=x&password=***"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
        // A password holding '@' still disappears whole.
        assert_eq!(redact("oracle://u:p@ss@h/s"), "oracle://u:***@h/s");
    }

    #[test]
    fn url_formatting_never_shows_the_password() {
        let url = DbUrl::parse("oracle://the:default@localhost:1522/DBDOCK_STRUCT_01").unwrap();
        assert_eq!(url.kind(), DbKind::Oracle);
        assert!(!format!("{url}").contains("default"));
        assert!(!format!("{url:?}").contains("default"));
        assert!(url.expose().contains("default"));
    }

    #[test]
    fn sqlite_paths_relative_and_absolute() {
        let rel = DbUrl::parse("sqlite://data/local.db").unwrap();
        assert_eq!(rel.sqlite_path().unwrap(), PathBuf::from("data/local.db"));
        let abs = DbUrl::parse("sqlite:///tmp/x%20y.db?schema=THE").unwrap();
        assert_eq!(abs.sqlite_path().unwrap(), PathBuf::from("/tmp/x y.db"));
        assert_eq!(abs.param("schema").as_deref(), Some("THE"));
        assert!(DbUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn bad_urls_are_refused_without_leaking_the_password() {
        let err = DbUrl::parse("mysql://u:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a database URL") && !err.contains("hunter2"),
            "{err}"
        );
        let err = DbUrl::parse("oracle://u:hunter2@host:1521")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("service name") && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn profiles_resolve_from_variables_or_the_demo() {
        let config = Config::from_vars([
            (
                "DBSUB_SOURCE_ORA_PROD".to_string(),
                "oracle://u:p@prod:1521/SVC".to_string(),
            ),
            (
                "DBSUB_TARGET_PG".to_string(),
                "oracle://u:p@h:1/S".to_string(),
            ),
        ]);
        let prod = config.source(DbKind::Oracle, "prod").unwrap();
        assert_eq!(
            prod.origin,
            Origin::Variable("DBSUB_SOURCE_ORA_PROD".into())
        );
        let err = config
            .source(DbKind::Oracle, "TEST")
            .unwrap_err()
            .to_string();
        assert!(err.contains("DBSUB_SOURCE_ORA_TEST"), "{err}");
        let err = config.target(DbKind::Postgres).unwrap_err().to_string();
        assert!(err.contains("must hold a PG URL"), "{err}");
        let demo = config.source(DbKind::Sqlite, "PROD").unwrap();
        assert_eq!(demo.origin, Origin::Demo);
        assert_eq!(config.store("prod").unwrap().0, DEMO_STORE_URL);
        assert!(config.store("pr od").is_err());
        assert_eq!(config.structural().unwrap().origin, Origin::Demo);
    }
}
