//! The extract's connections: tokio-postgres on a current-thread runtime of their own, whose
//! reads enter the runtime once per batch of rows that has arrived, not once per row.
//!
//! The synchronous `postgres` client enters its runtime once per message it waits for, and a
//! `COPY … TO STDOUT` sends a message per row: reading a table of a million rows entered the
//! runtime a million times, about a sixth of an extract's CPU (docs/benchmarks.md, "Extract
//! from PostgreSQL since issue 20"). The other sides (catalog, ingest, migrations) keep the
//! synchronous client: they send statements, not streams of rows.

use anyhow::{Context, Result};
use std::pin::Pin;

use futures::{FutureExt, Stream, TryStreamExt};
use tokio::runtime::Runtime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, NoTls, Row};

use super::{SESSION, connect_error};
use crate::model::DbUrl;

/// Why a streamed read stopped: the server or the connection, or the row handler.
pub(super) enum Stopped {
    Db(Error),
    Row(anyhow::Error),
}

impl Stopped {
    /// The error to tell: the row handler's as it is, the server's as `db` words it.
    pub(super) fn told(self, db: impl FnOnce(Error) -> anyhow::Error) -> anyhow::Error {
        match self {
            Stopped::Db(e) => db(e),
            Stopped::Row(e) => e,
        }
    }
}

/// One connection, driven by its own runtime while a call waits.
pub(super) struct Conn {
    client: Client,
    runtime: Runtime,
}

impl Conn {
    /// Connects to `url` and applies the session settings of [`SESSION`]. Fails as
    /// [`super::PgDb::connect`] does, naming the (redacted) URL and the remedy.
    pub(super) fn connect(url: &DbUrl) -> Result<Conn> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the PostgreSQL client's runtime")?;
        let (client, connection) = runtime
            .block_on(tokio_postgres::connect(url.expose(), NoTls))
            .map_err(|e| connect_error(url, &e))?;
        // The connection does its work while a call waits in `block_on`; once it has ended
        // (the server went away or ended the session), every call fails as closed, which
        // `pg_message` explains.
        runtime.spawn(async move {
            let _ = connection.await;
        });
        let conn = Conn { client, runtime };
        conn.batch_execute(SESSION)
            .with_context(|| format!("cannot set up the session on {url}"))?;
        Ok(conn)
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        self.runtime.block_on(self.client.batch_execute(sql))
    }

    pub(super) fn query_one(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error> {
        self.runtime.block_on(self.client.query_one(sql, params))
    }

    pub(super) fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        self.runtime.block_on(self.client.query(sql, params))
    }

    /// Runs `COPY … TO STDOUT` and hands `each` its data in the pieces the server sends
    /// (PostgreSQL sends a row per piece; the protocol does not promise it). When `each` fails,
    /// the rest is left for the connection to drain.
    pub(super) fn copy_out(
        &self,
        sql: &str,
        each: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<(), Stopped> {
        let stream = self
            .runtime
            .block_on(self.client.copy_out(sql))
            .map_err(Stopped::Db)?;
        let mut stream = Box::pin(stream);
        let mut pieces = Vec::new();
        loop {
            let end = self
                .take(stream.as_mut(), &mut pieces)
                .map_err(Stopped::Db)?;
            for piece in pieces.drain(..) {
                each(&piece).map_err(Stopped::Row)?;
            }
            if end {
                return Ok(());
            }
        }
    }

    /// Runs `sql` with `params` and hands `each` every row as it arrives.
    pub(super) fn query_each(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<(), Stopped> {
        let rows = self
            .runtime
            .block_on(self.client.query_raw(sql, params.iter().copied()))
            .map_err(Stopped::Db)?;
        let mut rows = Box::pin(rows);
        let mut batch = Vec::new();
        loop {
            let end = self.take(rows.as_mut(), &mut batch).map_err(Stopped::Db)?;
            for row in batch.drain(..) {
                each(&row).map_err(Stopped::Row)?;
            }
            if end {
                return Ok(());
            }
        }
    }

    /// Waits in the runtime for the next item of `stream`, then takes every further item that
    /// has already arrived, up to [`BATCH`]: the rows of a read come in batches the connection
    /// has decoded, so the runtime is entered once per batch rather than once per row. The
    /// items are handled outside the runtime, where the row handler may block on another one
    /// (the store's). `true` once the stream has ended.
    fn take<T>(
        &self,
        mut stream: Pin<&mut (impl Stream<Item = Result<T, Error>> + ?Sized)>,
        into: &mut Vec<T>,
    ) -> Result<bool, Error> {
        self.runtime.block_on(async {
            match stream.try_next().await? {
                Some(item) => into.push(item),
                None => return Ok(true),
            }
            while into.len() < BATCH {
                match stream.try_next().now_or_never() {
                    Some(Ok(Some(item))) => into.push(item),
                    Some(Ok(None)) => return Ok(true),
                    Some(Err(e)) => return Err(e),
                    None => break,
                }
            }
            Ok(false)
        })
    }
}

/// Items taken per entry into the runtime at most.
const BATCH: usize = 4096;
