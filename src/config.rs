//! Configuration: profiles (DBTYPE × ENV) resolved to database URLs and stores.
//!
//! Values come from the process environment, after `.env` has been loaded into it. With nothing
//! configured every lookup falls back to the embedded demo (SQLite files and a `file://` store
//! under `data/`). URLs carry credentials, so [`DbUrl`] never prints its password: `Display`
//! and `Debug` both show the redacted form. Which URL belongs to which kind of database is the
//! registry's to say ([`crate::backend::parse_url`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::backend::parse_url;
use crate::model::exit::Class;
pub use crate::model::{DbKind, DbUrl, redact};
use crate::model::{hide_secret, hide_url_secrets};

/// Variables of other tools that hold secrets dbsub may meet in a message (the object stores'
/// credentials): hidden like the passwords of URLs.
const SECRET_VARS: [&str; 4] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_KEY",
];

/// The demo's production database, which also serves as its structural database.
pub const DEMO_SOURCE_URL: &str = "sqlite://data/demo.db?schema=THE";
/// The demo's local test database.
pub const DEMO_TARGET_URL: &str = "sqlite://data/local.db";
/// The demo's object store.
pub const DEMO_STORE_URL: &str = "file://data/store";
/// Where `dbsub demo` writes its SQLite migrations.
pub const DEMO_MIGRATIONS_DIR: &str = "data/migrations";
/// Where `dbsub demo` keeps its own files: the data classification it masks with, and its
/// masking key when DBSUB_MASKING_KEY is not set.
pub const DEMO_RUN_DIR: &str = "data/demo-run";
/// The default cache of fetched parts.
pub const DEMO_CACHE_DIR: &str = "data/cache";

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
    /// Fails if `.env` exists but cannot be parsed; the message names the file, the line and
    /// its key, never its value.
    pub fn load() -> Result<Config> {
        let env_file = match dotenvy::dotenv() {
            Ok(path) => Some(path),
            Err(e) if e.not_found() => None,
            Err(dotenvy::Error::Io(e)) => bail!(".env could not be read: {e}"),
            // The parser's own message quotes the line, value and all: say where instead.
            Err(_) => match find_env_file() {
                Some(path) => return Err(env_file_error(&path)),
                None => bail!(".env could not be read: write KEY=value lines as in env_sample"),
            },
        };
        let vars: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("DBSUB_"))
            .collect();
        // Before any value is parsed, so that no message can show one.
        for (key, value) in &vars {
            if key == crate::mask::KEY_VAR {
                hide_secret(value);
            } else {
                hide_url_secrets(value);
            }
        }
        for key in SECRET_VARS {
            if let Ok(value) = std::env::var(key) {
                hide_secret(&value);
            }
        }
        Ok(Config {
            env_file,
            ..Config::from_vars(vars)
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
                parse_url(raw)
                    .with_context(|| format!("{var} is set but unusable"))
                    .map_err(|e| Class::Configuration.wrap(e))
                    .map(|url| Resolved {
                        url,
                        origin: Origin::Variable(var.to_string()),
                    })
            })
            .transpose()
    }

    fn demo(url: &str) -> Result<Resolved> {
        Ok(Resolved {
            url: parse_url(url)?,
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
            // The demo's own kind falls back to it; any other must be configured.
            None if parse_url(demo)?.kind() == kind => return Config::demo(demo),
            None => {
                return Err(Class::Configuration.error(format!(
                    "no {role} database is configured for {kind}: set {var} in the environment \
                     or in .env (see env_sample)"
                )));
            }
        };
        if resolved.url.kind() != kind {
            return Err(Class::Configuration.error(format!(
                "{var} must hold a {kind} URL for the {kind} {role}, not a {} one",
                resolved.url.kind()
            )));
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
        let parse = |raw: &str| parse_url(raw).map_err(|e| format!("{e:#}"));
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
        // The demo's databases are of one kind: its source and target stand in for that kind.
        let demo_kind = parse_url(DEMO_SOURCE_URL)
            .map_or_else(|_| String::new(), |u| u.kind().word().to_string());
        let mut demo = Vec::new();
        if !roles.contains(&&Role::Structural) {
            demo.push((Role::Structural, DEMO_SOURCE_URL));
        }
        if !roles
            .iter()
            .any(|r| matches!(r, Role::Source { kind, .. } if *kind == demo_kind))
        {
            let (kind, env) = (demo_kind.clone(), "DEMO".to_string());
            demo.push((Role::Source { kind, env }, DEMO_SOURCE_URL));
        }
        let demo_target = Role::Target { kind: demo_kind };
        if !roles.contains(&&demo_target) {
            demo.push((demo_target, DEMO_TARGET_URL));
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

impl Config {
    /// Every `DBSUB_*` setting as `dbsub --verbose` shows it, with secrets hidden: a value
    /// holding a URL shows it redacted (no password, no query parameter that looks like a
    /// secret), a setting whose name says it is a key, password, secret or token shows only
    /// its length.
    pub fn shown(&self) -> Vec<(String, String)> {
        const SECRET_WORDS: [&str; 6] =
            ["KEY", "PASSWORD", "SECRET", "TOKEN", "CREDENTIAL", "PASS"];
        let secret = |text: &str| {
            let upper = text.to_ascii_uppercase();
            SECRET_WORDS.iter().any(|w| upper.contains(w))
        };
        self.vars
            .iter()
            .map(|(name, value)| {
                let shown = if secret(name) {
                    format!("(set, {} characters, hidden)", value.chars().count())
                } else if value.contains("://") {
                    let redacted = redact(value);
                    match redacted.split_once('?') {
                        Some((base, query)) if secret(query) => format!("{base}?…"),
                        _ => redacted,
                    }
                } else {
                    value.clone()
                };
                (name.clone(), shown)
            })
            .collect()
    }
}

impl Config {
    /// The databases the configuration names, one line each as `dbsub --verbose` shows them:
    /// role, URL (redacted) or why it is unusable, and where it came from.
    pub fn profiles_shown(&self) -> Vec<String> {
        self.profiles()
            .into_iter()
            .map(|p| {
                let url = match &p.url {
                    Ok(url) => url.redacted(),
                    Err(why) => format!("unusable: {why}"),
                };
                format!("{} database: {url} ({})", p.role, p.origin)
            })
            .collect()
    }
}

/// The `.env` dotenvy reads: the working directory's or the nearest parent's.
fn find_env_file() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join(".env"))
        .find(|path| path.is_file())
}

/// Why `.env` at `path` cannot be read: its first line that does not parse, that line's key and
/// what is wrong with the value — never the value, which may be a password or a key.
fn env_file_error(path: &std::path::Path) -> anyhow::Error {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return anyhow::anyhow!("{} could not be read: {e}", path.display()),
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let parses =
        |n: usize| dotenvy::from_read_iter(lines[..n].concat().as_bytes()).all(|item| item.is_ok());
    // The longest run of leading lines that parses ends just before the bad line (a value
    // quoted over several lines parses once its closing line is in).
    let good = (0..=lines.len()).rev().find(|&n| parses(n)).unwrap_or(0);
    let number = good + 1;
    let line = lines.get(good).map_or("", |l| l.trim());
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let key_chars = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let Some((key, value)) = line.split_once('=').filter(|(k, _)| key_chars(k.trim())) else {
        return anyhow::anyhow!(
            "{}, line {number} is not a KEY=value line (its text is not shown: it may hold a \
             secret): write KEY=value as in env_sample, or start a comment with #",
            path.display()
        );
    };
    let value = value.trim();
    let rest_of_file: String = lines[good..].concat();
    let why = match value.chars().next() {
        Some(q @ ('\'' | '"'))
            if rest_of_file
                .split_once('=')
                .is_none_or(|(_, v)| v.trim_start()[1..].find(q).is_none()) =>
        {
            "its quote is never closed: end the value with the same quote"
        }
        _ if value.contains(char::is_whitespace) => {
            "it holds a blank outside quotes: put the value in single quotes ('…'), or in a URL \
             write the blank as %20"
        }
        _ => "put the value in single quotes ('…'), which take it as it is",
    };
    anyhow::anyhow!(
        "{}, line {number}: the value of {} cannot be read (it is not shown): {why}",
        path.display(),
        key.trim()
    )
}

/// Validates an environment name (`DEV`, `PROD`, …) and returns it upper-cased.
pub fn env_name(env: &str) -> Result<String> {
    let upper = env.trim().to_ascii_uppercase();
    if upper.is_empty() || !upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Class::Configuration.error(format!(
            "`{env}` is not an environment name: use letters, digits and _, such as PROD"
        )));
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
