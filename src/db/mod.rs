//! The database backends, one folder each (`sqlite/`, `postgres/`, `oracle/`): its catalog
//! reader, dialect, row source, row sink and migration target, registered once in
//! [`crate::backend`]. Nothing outside this folder knows a database's SQL, besides the DDL
//! templates under `templates/<dialect>/`; [`sql`] has the text helpers they share.

mod key_order;
pub mod oracle;
pub mod postgres;
pub mod sql;
pub mod sqlite;

use anyhow::{Result, anyhow, bail};

use crate::model::DbUrl;

/// Checks a URL of a database server (`scheme://user:password@host:port/<what>`): it parses,
/// and names a host and `what` (a database, a service name).
pub(crate) fn check_server_url(url: &DbUrl, what: &str) -> Result<()> {
    // Checked first: an unencoded `@`, `/`, `?` or `#` in a password makes the URL name a
    // wrong host or port, and the driver would then ask whether the server is running.
    if url.userinfo_needs_encoding() {
        bail!(
            "`{}`: its user or password holds a character that must be percent-encoded in a \
             URL: @ → %40, / → %2F, ? → %3F, # → %23, a blank → %20, % → %25",
            url.redacted()
        );
    }
    let parsed = url::Url::parse(url.expose())
        .map_err(|e| anyhow!("`{}` is not a valid URL: {e}", url.redacted()))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        bail!("`{}` names no host", url.redacted());
    }
    if parsed.path().trim_matches('/').is_empty() {
        bail!(
            "`{}` names no {what}: add /{} after the host and port",
            url.redacted(),
            what.replace(' ', "_")
        );
    }
    Ok(())
}
