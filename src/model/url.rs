//! Naming a database: its kind (the DBTYPE word of the command line) and its URL, whose password
//! never reaches a terminal — `Display` and `Debug` show the redacted form, and [`redact`] cleans
//! any text about to be printed.
//!
//! Which schemes belong to which kind, and what a URL of each kind must name, is the registry's
//! knowledge ([`crate::backend::parse_url`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::RwLock;

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
        hide_url_secrets(raw);
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
        redact_url(&self.raw)
    }

    /// Whether the user or password holds a character that must be percent-encoded in a URL
    /// (`@`, `/`, `?`, `#`, a blank, or a `%` not followed by two hex digits): drivers then
    /// read a wrong host, port or database. The user and password are what lies between the
    /// scheme's `//` and the last `@`, when it holds a `:`.
    pub fn userinfo_needs_encoding(&self) -> bool {
        let start = self.raw.find("://").map_or(0, |p| p + 3);
        let Some(at) = self.raw[start..].rfind('@') else {
            return false;
        };
        let userinfo = &self.raw[start..start + at];
        // Without a `:` there is no password: the `@` is the user's alone, or the path's.
        if !userinfo.contains(':') {
            return false;
        }
        let bad_percent = userinfo.match_indices('%').any(|(i, _)| {
            let hex = userinfo.get(i + 1..i + 3).unwrap_or("");
            hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        bad_percent
            || userinfo.contains(|c: char| matches!(c, '@' | '/' | '?' | '#') || c.is_whitespace())
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

/// Secrets of this process (passwords of the URLs it was given, keys): [`redact`] replaces them
/// wherever they appear, whatever shape the text around them has — a safety net under the URL
/// rules. Short ones are left to the URL rules alone: replacing every `default` of a text (a
/// subset's name, a sample password) would make messages unreadable.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Secrets shorter than this are not replaced verbatim (see [`SECRETS`]).
const MIN_SECRET_LEN: usize = 8;

/// Remembers `secret` (and its percent-decoded form) so that [`redact`] hides it in any text.
pub fn hide_secret(secret: &str) {
    let decoded = percent_encoding::percent_decode_str(secret)
        .decode_utf8_lossy()
        .into_owned();
    let Ok(mut secrets) = SECRETS.write() else {
        return;
    };
    for s in [secret.to_string(), decoded] {
        if s.chars().count() >= MIN_SECRET_LEN && !secrets.contains(&s) {
            secrets.push(s);
        }
    }
    // Longest first, so that a secret holding another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Remembers the password of a URL-like value (see [`redact_url`]) and its secret query
/// parameters, before anything tries to parse it.
pub fn hide_url_secrets(raw: &str) {
    if let Some(range) = password_range(raw) {
        // With the scheme misspelt the range may start with more than the password
        // (`postgres:/u:pw@h` gives `/u:pw`): what follows each `:` in it is hidden too.
        let password = &raw[range];
        hide_secret(password);
        for (i, _) in password.match_indices(':') {
            hide_secret(&password[i + 1..]);
        }
    }
    if let Some((_, query)) = raw.split_once('?') {
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && is_secret_key(k)
            {
                hide_secret(v);
            }
        }
    }
}

/// Where the password of a value meant as one URL sits: after the first `:` that follows the
/// scheme's `//` (or the start, when there is no `//`), up to the last `@`. A password holding
/// `@`, `/`, `?`, `#` or a blank unencoded, or a scheme misspelt (`postgres:/`, `postgres//`),
/// still falls inside.
fn password_range(raw: &str) -> Option<std::ops::Range<usize>> {
    let start = raw.find("://").map_or(0, |p| p + 3);
    let at = start + raw[start..].rfind('@')?;
    let colon = start + raw[start..at].find(':')?;
    Some(colon + 1..at)
}

/// A value meant as one URL (a setting, a command-line argument) with its password and secret
/// query parameters replaced by `***`, however malformed it is: everything between the first `:`
/// after the scheme's `//` (or the start) and the last `@` is the password.
///
/// ```
/// use dbsub::model::redact_url;
/// assert_eq!(redact_url("postgres://u:p/w#x@h/db"), "postgres://u:***@h/db");
/// assert_eq!(redact_url("postgres:/u:s3cret@h/db"), "postgres:***@h/db");
/// ```
pub fn redact_url(raw: &str) -> String {
    let hidden = match password_range(raw) {
        Some(range) => format!("{}***{}", &raw[..range.start], &raw[range.end..]),
        None => raw.to_string(),
    };
    redact_query_secrets(&hidden)
}

/// Replaces every secret this process knows ([`hide_secret`]), the password of each
/// `scheme://user:password@host…` and the values of query parameters that look like secrets
/// with `***`. Works on text that is not a valid URL, too, so that it can be applied to anything
/// about to be printed: in running text a URL ends at a blank, and its password at the last `@`
/// before it.
///
/// ```
/// use dbsub::model::redact;
/// assert_eq!(
///     redact("cannot connect to oracle://the:s3cret@prod:1521/SVC"),
///     "cannot connect to oracle://the:***@prod:1521/SVC"
/// );
/// ```
pub fn redact(text: &str) -> String {
    let text = hide_known_secrets(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let token_end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let token = &tail[..token_end];
        match token
            .rfind('@')
            .and_then(|at| Some((at, token[..at].find(':')?)))
        {
            Some((at, colon)) => {
                out.push_str(&token[..=colon]);
                out.push_str("***");
                out.push_str(&token[at..]);
            }
            None => out.push_str(token),
        }
        rest = &tail[token_end..];
    }
    out.push_str(rest);
    redact_query_secrets(&out)
}

/// `text` with every secret of [`hide_secret`] replaced by `***`: for results that are not
/// messages (their URLs are already redacted), where only a stray secret must go.
pub fn hide_known_secrets(text: &str) -> String {
    let Ok(secrets) = SECRETS.read() else {
        return text.to_string();
    };
    let mut out = text.to_string();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

fn is_secret_key(key: &str) -> bool {
    const SECRET_KEYS: [&str; 5] = ["password", "passwd", "pwd", "secret", "token"];
    SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

fn redact_query_secrets(text: &str) -> String {
    let Some((base, query)) = text.split_once('?') else {
        return text.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_key(k) => format!("{k}=***"),
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
    fn redact_url_hides_everything_between_the_scheme_and_the_last_at() {
        let cases = [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p#w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p/w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p?w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p@w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p:w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p%zz@h/db", "postgres://u:***@h/db"),
            ("postgres://u:@/?# :%@h/db", "postgres://u:***@h/db"),
            ("postgres//u:pw@h/db", "postgres//u:***@h/db"),
            ("postgres:/u:pw@h/db", "postgres:***@h/db"),
            ("u:pw@h/db", "u:***@h/db"),
            ("oracle:/u:pw@h:1521/S", "oracle:***@h:1521/S"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "postgres://h/db?user=u&password=p#w",
                "postgres://h/db?user=u&password=***",
            ),
            (
                "sqlite://data/x.db?schema=THE",
                "sqlite://data/x.db?schema=THE",
            ),
            ("s3://bucket/prefix", "s3://bucket/prefix"),
        ];
        for (raw, shown) in cases {
            assert_eq!(redact_url(raw), shown, "{raw}");
            assert_eq!(DbUrl::new(DbKind::Postgres, raw).redacted(), shown, "{raw}");
        }
    }

    #[test]
    fn redact_finds_passwords_with_special_characters_in_running_text() {
        assert_eq!(
            redact("cannot connect to postgres://u:p/w?x#y@h/db: refused"),
            "cannot connect to postgres://u:***@h/db: refused"
        );
        assert_eq!(
            redact("`oracle://u:p@ss@h:1/S` and `postgres://a:b/c@d/e`"),
            "`oracle://u:***@h:1/S` and `postgres://a:***@d/e`"
        );
    }

    #[test]
    fn known_secrets_are_hidden_in_any_text() {
        hide_url_secrets("postgres:/u:Tz8 kWq!rV@h/db");
        hide_secret("AKIA-very-secret-key");
        hide_secret("short");
        assert_eq!(
            redact("the password Tz8 kWq!rV and the key AKIA-very-secret-key"),
            "the password *** and the key ***"
        );
        // Its percent-decoded form too.
        hide_url_secrets("postgres://u:Lm4%23pQ%2Fz9@h/db");
        assert_eq!(hide_known_secrets("got Lm4#pQ/z9"), "got ***");
        // Short ones are left to the URL rules: a subset named `short` keeps its name.
        assert_eq!(hide_known_secrets("subset short"), "subset short");
    }

    #[test]
    fn userinfo_that_needs_encoding_is_found() {
        for raw in [
            "postgres://u:p@w@h/db",
            "postgres://u:p/w@h/db",
            "postgres://u:p?w@h/db",
            "postgres://u:p#w@h/db",
            "postgres://u:p w@h/db",
            "postgres://u:p%w@h/db",
            "postgres://u:p%4@h/db",
        ] {
            assert!(
                DbUrl::new(DbKind::Postgres, raw).userinfo_needs_encoding(),
                "{raw}"
            );
        }
        for raw in [
            "postgres://u:p%40w@h/db",
            "postgres://u:p:w!$&@h/db",
            "postgres://u@h/db",
            "postgres://h/db?x=a@b",
            "sqlite://data/x@y.db",
        ] {
            assert!(
                !DbUrl::new(DbKind::Postgres, raw).userinfo_needs_encoding(),
                "{raw}"
            );
        }
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
