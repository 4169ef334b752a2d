//! Naming a database: its kind (the DBTYPE word of the command line) and its URL, whose password
//! never reaches a terminal — `Display` and `Debug` show the redacted form, and [`redact`] cleans
//! any text about to be printed.
//!
//! Which schemes belong to which kind, and what a URL of each kind must name, is the registry's
//! knowledge ([`crate::backend::parse_url`]).

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// A database kind, named on the command line by its CLI word. Each kind has one entry in the
/// registry ([`crate::backend`]), which is where everything about it is found.
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
    /// Every kind, in the order of the command line's help.
    pub fn all() -> &'static [DbKind] {
        <DbKind as clap::ValueEnum>::value_variants()
    }

    /// The CLI word: `ORA`, `PG`, `SQLITE` (as the `value` attributes above spell it).
    pub fn word(self) -> &'static str {
        match self {
            DbKind::Oracle => "ORA",
            DbKind::Postgres => "PG",
            DbKind::Sqlite => "SQLITE",
        }
    }

    /// Parses a kind as users and catalogs spell it: the CLI word (`ORA`, `PG`, `SQLITE`) or
    /// its aliases (`oracle`, `postgres`, `sqlite`), case-insensitively.
    pub fn from_word(word: &str) -> Option<DbKind> {
        <DbKind as clap::ValueEnum>::from_str(word.trim(), true).ok()
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
    /// A URL of `kind`, taken as it is. Use [`crate::backend::parse_url`], which finds the kind
    /// from the scheme and checks that the URL names what its kind needs.
    pub fn new(kind: DbKind, raw: &str) -> DbUrl {
        DbUrl {
            kind,
            raw: raw.trim().to_string(),
        }
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

    /// The file a URL of a database that is a file names (`sqlite://data/local.db`): what
    /// follows `://`, without the query, percent-decoded; relative to the working directory
    /// unless absolute.
    pub fn file_path(&self) -> Result<PathBuf> {
        let rest = self.raw.split_once("://").map_or("", |(_, r)| r);
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
/// use dbsub::model::redact;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let url = DbUrl::new(
            DbKind::Oracle,
            "oracle://the:default@localhost:1522/DBDOCK_STRUCT_01",
        );
        assert!(!format!("{url}").contains("default"));
        assert!(!format!("{url:?}").contains("default"));
        assert!(url.expose().contains("default"));
    }

    #[test]
    fn file_paths_relative_and_absolute() {
        let rel = DbUrl::new(DbKind::Sqlite, "sqlite://data/local.db");
        assert_eq!(rel.file_path().unwrap(), PathBuf::from("data/local.db"));
        let abs = DbUrl::new(DbKind::Sqlite, "sqlite:///tmp/x%20y.db?schema=THE");
        assert_eq!(abs.file_path().unwrap(), PathBuf::from("/tmp/x y.db"));
        assert_eq!(abs.param("schema").as_deref(), Some("THE"));
    }

    #[test]
    fn kinds_parse_from_their_words_and_aliases() {
        assert_eq!(DbKind::from_word("ora"), Some(DbKind::Oracle));
        assert_eq!(DbKind::from_word(" postgres "), Some(DbKind::Postgres));
        assert_eq!(DbKind::from_word("SQLite"), Some(DbKind::Sqlite));
        assert_eq!(DbKind::from_word("mysql"), None);
        for kind in DbKind::all() {
            assert_eq!(DbKind::from_word(kind.word()), Some(*kind));
        }
    }
}
