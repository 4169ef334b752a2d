//! The Oracle client: Instant Client loaded once per process, connections from `oracle://` URLs,
//! and the driver's first errors explained.

use anyhow::{Context, Result, anyhow, bail};

use crate::model::DbUrl;

/// The parts of an `oracle://user:password@host:port/service` URL, as the driver wants them:
/// user, password and an Easy Connect string `//host:port/service`.
fn connect_parts(url: &DbUrl) -> Result<(String, String, String)> {
    let parsed = url::Url::parse(url.expose())
        .map_err(|e| anyhow!("`{url}` is not a valid Oracle URL: {e}"))?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(parsed.username());
    if user.is_empty() {
        bail!("`{url}` names no user: write oracle://user:password@host:port/service");
    }
    let password = decode(parsed.password().unwrap_or(""));
    let host = parsed.host_str().unwrap_or_default();
    let service = parsed.path().trim_start_matches('/');
    let port = parsed.port().unwrap_or(1521);
    Ok((user, password, format!("//{host}:{port}/{service}")))
}

/// The setting that names the folder holding Oracle Instant Client (ODPI-C's
/// `oracle_client_lib_dir`); when unset, the client is searched where the system looks for
/// shared libraries (`LD_LIBRARY_PATH`, `ldconfig`; `PATH` on Windows).
pub const CLIENT_LIB_DIR_VAR: &str = "DBSUB_ORACLE_CLIENT_LIB_DIR";

/// The two ways out when Oracle Instant Client cannot be loaded.
const CLIENT_REMEDY: &str = "Either install Oracle Instant Client (Basic or Basic Light, 19c or \
     later) and set DBSUB_ORACLE_CLIENT_LIB_DIR to its folder (or put it on LD_LIBRARY_PATH), or \
     run dbsub in its container, which has the client: `docker compose run --rm dbsub …` \
     (docs/oracle.md)";

/// Loads Oracle's client library, once per process, from [`CLIENT_LIB_DIR_VAR`] when set.
/// Returns the client's version.
///
/// Fails with what is missing and the two remedies when the library cannot be loaded
/// (DPI-1047).
pub fn init_client() -> Result<oracle::Version> {
    let mut params = oracle::InitParams::new();
    if let Some(dir) = std::env::var_os(CLIENT_LIB_DIR_VAR).filter(|d| !d.is_empty()) {
        params
            .oracle_client_lib_dir(dir)
            .map_err(|e| anyhow!("{CLIENT_LIB_DIR_VAR} is not a usable folder name: {e}"))?;
    }
    params.init().map_err(|e| client_error(&e))?;
    oracle::Version::client().map_err(|e| client_error(&e))
}

/// [`init_client`] for `dbsub doctor`: what was loaded, and from where.
pub(super) fn loaded() -> Result<String> {
    let version = init_client()?;
    let from = std::env::var(CLIENT_LIB_DIR_VAR)
        .ok()
        .filter(|d| !d.is_empty())
        .map_or(String::new(), |d| {
            format!(" from {d} ({CLIENT_LIB_DIR_VAR})")
        });
    Ok(format!("Oracle Instant Client {version} loaded{from}"))
}

/// The message for a client library that cannot be loaded (or any other initialisation error).
fn client_error(e: &oracle::Error) -> anyhow::Error {
    let message = e.to_string();
    if message.contains("DPI-1047") {
        let folder = match std::env::var(CLIENT_LIB_DIR_VAR) {
            Ok(dir) if !dir.is_empty() => format!(" in {dir} ({CLIENT_LIB_DIR_VAR})"),
            _ => String::new(),
        };
        // ODPI-C's own text ends with the reason the loader gave (file not found, wrong
        // architecture): kept on a line of its own.
        let reason = message
            .split_once("DPI-1047:")
            .map_or(message.as_str(), |(_, r)| r)
            .trim();
        anyhow!(
            "Oracle Instant Client was not found{folder} (DPI-1047): dbsub needs its library \
             (libclntsh) to talk to Oracle. {CLIENT_REMEDY}.\n  loader said: {reason}"
        )
    } else {
        anyhow!("Oracle Instant Client could not be initialised: {message}. {CLIENT_REMEDY}")
    }
}

/// Explains the driver errors users meet first: no listener, bad login, no privilege.
fn explain(url: &DbUrl, e: &oracle::Error) -> anyhow::Error {
    let message = e.to_string();
    if message.contains("DPI-1047") {
        client_error(e).context(format!("cannot connect to {url}"))
    } else if message.contains("ORA-12541") || message.contains("ORA-12514") {
        anyhow!(
            "cannot connect to {url}: no listener or no such service ({message}); check the \
             host, port and service name, and that the database is up"
        )
    } else if message.contains("ORA-01017") {
        anyhow!("cannot connect to {url}: the user name or password is wrong (ORA-01017)")
    } else if message.contains("ORA-01045") {
        anyhow!(
            "cannot connect to {url}: the user lacks CREATE SESSION (ORA-01045); see \
             docs/oracle.md for the privileges dbsub needs"
        )
    } else {
        anyhow!("cannot connect to {url}: {message}")
    }
}

/// Opens a connection to the database `url` names, loading the client first.
///
/// Fails with the (redacted) URL and what to do: Instant Client missing, listener or service
/// not found, wrong password.
pub(crate) fn connect(url: &DbUrl) -> Result<oracle::Connection> {
    let (user, password, connect_string) = connect_parts(url)?;
    init_client().with_context(|| format!("cannot connect to {url}"))?;
    oracle::Connection::connect(user, password, connect_string).map_err(|e| explain(url, &e))
}

/// A text bind sent as `VARCHAR2`. The driver binds `&str` and `String` as `NVARCHAR2`
/// (oracle 0.6 `sql_type/oracle_type.rs`: `DPI_ORACLE_TYPE_NVARCHAR`), and comparing an
/// `NVARCHAR2` bind with a `VARCHAR2` column (the dictionary's `OWNER`, `NAME`, …) makes Oracle
/// convert the column to the national character set on every row.
pub(crate) struct Varchar2<'a>(pub &'a str);

impl oracle::sql_type::ToSql for Varchar2<'_> {
    fn oratype(&self, _conn: &oracle::Connection) -> oracle::Result<oracle::sql_type::OracleType> {
        // A zero-length VARCHAR2 is not a type; an empty text binds as NULL either way.
        Ok(oracle::sql_type::OracleType::Varchar2(
            u32::try_from(self.0.len().max(1)).unwrap_or(u32::MAX),
        ))
    }

    fn to_sql(&self, val: &mut oracle::SqlValue) -> oracle::Result<()> {
        val.set(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DbKind;

    #[test]
    fn urls_become_easy_connect_strings() {
        let url = DbUrl::new(
            DbKind::Oracle,
            "oracle://the:p%40ss@localhost:1523/DBDOCK_TEST_01",
        );
        assert_eq!(
            connect_parts(&url).unwrap(),
            (
                "the".to_string(),
                "p@ss".to_string(),
                "//localhost:1523/DBDOCK_TEST_01".to_string()
            )
        );
        let default_port = DbUrl::new(DbKind::Oracle, "oracle://u:p@db/SVC");
        assert_eq!(connect_parts(&default_port).unwrap().2, "//db:1521/SVC");
        let no_user = DbUrl::new(DbKind::Oracle, "oracle://db:1521/SVC");
        assert!(connect_parts(&no_user).is_err());
    }
}
