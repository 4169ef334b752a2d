//! Oracle row sink: loads an extract into a local test Oracle database.
//!
//! Rows go in with array DML ([`oracle::Batch`]): `INSERT … VALUES (:1, …)`, or for `--merge`
//! `MERGE … USING (SELECT :1 "A", … FROM DUAL)`, [`BATCH_ROWS_VAR`] rows per round trip, every
//! value bound with a type taken from its target column ([`Slot`](binds::Slot)). XMLTYPE, JSON
//! and SDO_GEOMETRY columns get their bind wrapped in the type's constructor
//! ([`Wrap`](binds::Wrap)). CLOB, NCLOB and BLOB binds are temporary LOBs (the driver binds
//! them as LOB locators and writes each value into one), so a value of any size goes into a
//! LOB column, a constructor or MERGE's select list; they and LONG binds come after every
//! other bind (ORA-24816). A merge that binds a LONG goes row by row: an UPDATE by the key,
//! then an INSERT when it found no row, since Oracle takes a LONG bind of more than 4000 bytes
//! only straight into its column.
//!
//! Oracle commits before and after every DDL statement. What a load switches off — the loaded
//! tables' enabled triggers, `GENERATED ALWAYS` on the identity columns it writes, and foreign
//! keys whose parents are not in the extract — is therefore switched off before the load's
//! transaction begins, and switched on again after its commit or rollback: always, also when
//! the load fails (`Switched`, in `switch.rs`); a failure to switch something back on is
//! added to the outcome with the statement to run. Only a process killed in between leaves them
//! off (`ALL_TRIGGERS.STATUS`, `ALL_CONSTRAINTS.STATUS` and `ALL_TAB_IDENTITY_COLS` show it).
//!
//! The session is fixed by [`SESSION`]: UTC, `.` as the decimal point, ISO date formats, so
//! that nothing depends on the server's or the client's NLS settings.
//!
//! This file is the sink itself: opening it, the load loop, and the [`RowSink`] methods. Beside
//! it: `binds.rs` (how a target column's values are bound), `sql.rs` (the statements and the
//! dictionary queries), `switch.rs` (what a load switches off and on again around its
//! transaction), `messages.rs` (what Oracle's errors mean for the user) and `tests.rs`.

mod binds;
mod messages;
mod sql;
mod switch;

use anyhow::{Context, Result, anyhow, bail};
use oracle::sql_type::OracleType;
use oracle::{Batch, Connection};

use super::OracleDb;
use crate::catalog::*;
use crate::model::DbUrl;
use crate::model::ports::{
    CatalogReader, CycleHandling, INGEST_HISTORY, LoadMode, LoadRecord, MergeCounts, Occupied,
    RowSink, TableLoad,
};
use crate::model::value::Value;
use binds::{ColumnPlan, RowByRow, Slot, TablePlan};
use messages::{constraint_in, not_validated, ora, row_failure, with_also};
use sql::{
    CONSTRAINT_TABLE_SQL, Generation, HISTORY_EXISTS_SQL, IDENTITY_SQL, SEQUENCE_INCREMENT_SQL,
    count_sql, delete_sql, disable_constraint_sql, enable_constraint_sql, extreme_sql, history_ddl,
    history_delete_sql, history_insert_sql, history_record_sql, history_select_sql, identity_sql,
    lock_table_sql, nextval_sql, qualified, qualified_name, sequence_increment_sql,
    sequence_restart_sql,
};

/// The session settings the sink relies on, run once after connecting: timestamps without a
/// zone are not shifted, numbers and dates converted from text (columns dbsub does not map)
/// are read the same whatever the server's NLS settings.
const SESSION: [&str; 5] = [
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
    "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
    "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
    "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
    "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
];

/// The setting for the rows sent per round trip (array DML), read once when the sink opens.
pub const BATCH_ROWS_VAR: &str = "DBSUB_ORACLE_BATCH_ROWS";

/// Rows per round trip when [`BATCH_ROWS_VAR`] is not set.
pub const DEFAULT_BATCH_ROWS: usize = 1000;

/// The most rows per round trip: the bind buffers of one batch live in memory at once.
const MAX_BATCH_ROWS: usize = 100_000;

/// The rows per round trip that `setting` (the value of [`BATCH_ROWS_VAR`]) asks for.
fn batch_rows(setting: Option<&str>) -> Result<usize> {
    super::rows_setting(BATCH_ROWS_VAR, setting, DEFAULT_BATCH_ROWS, MAX_BATCH_ROWS)
}

/// Loads rows into a local test Oracle database with array DML ([`BATCH_ROWS_VAR`] rows per
/// round trip); each [`RowSink::load`] is one transaction.
pub struct OracleSink {
    db: OracleDb,
    batch_rows: usize,
    /// The catalog read by [`RowSink::catalog`], kept to find the sequences the tables'
    /// triggers draw from.
    catalog: Option<Catalog>,
}

impl OracleSink {
    /// Connects to the Oracle database `url` names and sets the session up (`SESSION`).
    ///
    /// Fails when [`BATCH_ROWS_VAR`] is not a number of rows, when Oracle Instant Client is
    /// missing, or when the database cannot be reached or refuses the login; the message names
    /// the (redacted) URL.
    pub fn open(url: &DbUrl) -> Result<OracleSink> {
        let batch_rows = batch_rows(std::env::var(BATCH_ROWS_VAR).ok().as_deref())?;
        let db = OracleDb {
            conn: super::connect(url)?,
            url: url.clone(),
        };
        for statement in SESSION {
            db.conn
                .execute(statement, &[])
                .map_err(|e| anyhow!("cannot set up the session on {url}: {}", ora(&e)))?;
        }
        Ok(OracleSink {
            db,
            batch_rows,
            catalog: None,
        })
    }

    /// The rows sent per round trip ([`BATCH_ROWS_VAR`]).
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    fn conn(&self) -> &Connection {
        &self.db.conn
    }

    fn fail(&self, what: &str, e: &oracle::Error) -> anyhow::Error {
        anyhow!("{what} in {}: {}", self.db.url, ora(e))
    }

    fn run(&self, sql: &str) -> Result<(), oracle::Error> {
        self.conn().execute(sql, &[]).map(|_| ())
    }

    /// Creates the load records' table when it is missing (DDL: before any transaction).
    fn ensure_history(&self) -> Result<()> {
        let name = INGEST_HISTORY.to_ascii_uppercase();
        let count: i64 = self
            .conn()
            .query_row_as(HISTORY_EXISTS_SQL, &[&name])
            .map_err(|e| self.fail("cannot read the tables", &e))?;
        if count > 0 {
            return Ok(());
        }
        match self.run(&history_ddl()) {
            // Another ingest created it meanwhile.
            Err(e) if ora(&e).starts_with("ORA-00955") => Ok(()),
            other => other.map_err(|e| self.fail(&format!("cannot create {name}"), &e)),
        }
    }

    /// The identity columns of `table` and how they generate (none before Oracle 12c, which
    /// has no identity columns).
    fn identity_columns(&self, table: &Table) -> Result<Vec<(String, Generation)>> {
        let rows = match self.conn().query_as::<(String, String, Option<String>)>(
            IDENTITY_SQL,
            &[&table.schema, &table.name],
        ) {
            Ok(rows) => rows,
            Err(e) if ora(&e).starts_with("ORA-00942") => return Ok(Vec::new()),
            Err(e) => {
                return Err(self.fail(
                    &format!("cannot read the identity columns of {}", table.name),
                    &e,
                ));
            }
        };
        let mut out = Vec::new();
        for row in rows {
            let (column, generation, on_null) = row.map_err(|e| {
                self.fail(
                    &format!("cannot read the identity columns of {}", table.name),
                    &e,
                )
            })?;
            out.push((column, Generation::of(&generation, on_null.as_deref())));
        }
        Ok(out)
    }

    /// The rows of `child` (columns `columns`) whose parent (`parent`, `parent_columns`) is
    /// missing.
    fn orphans(
        &self,
        child: &Table,
        columns: &[String],
        parent: &str,
        parent_columns: &[String],
    ) -> Result<u64> {
        let sql = crate::db::sql::orphans_sql(&qualified(child), columns, parent, parent_columns);
        let count: i64 = self.conn().query_row_as(&sql, &[]).map_err(|e| {
            self.fail(
                &format!("cannot check the rows of {} against {parent}", child.name),
                &e,
            )
        })?;
        Ok(count.max(0) as u64)
    }

    /// The orphans of foreign key `name` of `table`, when the catalog describes it.
    fn key_orphans(&self, table: &Table, name: &str) -> Option<u64> {
        let fk = table.foreign_keys.iter().find(|f| f.name == name)?;
        if fk.ref_columns.is_empty() || fk.ref_columns.len() != fk.columns.len() {
            return None;
        }
        self.orphans(
            table,
            &fk.columns,
            &qualified_name(&fk.ref_schema, &fk.ref_table),
            &fk.ref_columns,
        )
        .ok()
    }

    /// The catalog kept from [`RowSink::catalog`], read now when there is none.
    fn cached_catalog(&mut self) -> Result<&Catalog> {
        if self.catalog.is_none() {
            self.catalog = Some(CatalogReader::read_catalog(&mut self.db, &[])?);
        }
        self.catalog
            .as_ref()
            .ok_or_else(|| anyhow!("the catalog of {} could not be kept", self.db.url))
    }

    /// Moves `sequence` past the loaded keys of `table` (column `key`); says what it did.
    fn advance_sequence(
        &self,
        table: &Table,
        key: &str,
        sequence: &ObjectKey,
    ) -> Result<Option<String>> {
        let seq_name = qualified_name(&sequence.schema, &sequence.name);
        let increment: i64 = self
            .conn()
            .query_row_as(SEQUENCE_INCREMENT_SQL, &[&sequence.schema, &sequence.name])
            .map_err(|e| self.fail(&format!("cannot read sequence {seq_name}"), &e))?;
        let ascending = increment >= 0;
        let extreme: Option<String> = self
            .conn()
            .query_row_as(&extreme_sql(table, key, ascending), &[])
            .map_err(|e| self.fail(&format!("cannot read the keys of {}", table.name), &e))?;
        let Some(loaded) = extreme.and_then(|t| t.trim().parse::<i128>().ok()) else {
            return Ok(None);
        };
        // Drawing one value is the only exact way to know where a cached sequence is.
        let drawn: String = self
            .conn()
            .query_row_as(&nextval_sql(sequence), &[])
            .map_err(|e| self.fail(&format!("cannot read sequence {seq_name}"), &e))?;
        let drawn: i128 = drawn
            .trim()
            .parse()
            .map_err(|_| anyhow!("sequence {seq_name} returned `{drawn}`, not a whole number"))?;
        let behind = if ascending {
            drawn < loaded
        } else {
            drawn > loaded
        };
        if !behind {
            return Ok(None);
        }
        let increment = i128::from(increment);
        let (major, _) = self
            .conn()
            .server_version()
            .map_err(|e| self.fail("cannot read the server version", &e))?;
        if major.major() >= 18 {
            self.run(&sequence_restart_sql(sequence, loaded + increment))
                .map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
        } else {
            // The next value drawn is `loaded`, then the increment is as it was.
            self.run(&sequence_increment_sql(sequence, loaded - drawn))
                .map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
            let jumped: Result<String, _> = self.conn().query_row_as(&nextval_sql(sequence), &[]);
            let restored = self.run(&sequence_increment_sql(sequence, increment));
            jumped.map_err(|e| self.fail(&format!("cannot move sequence {seq_name}"), &e))?;
            restored.map_err(|e| {
                self.fail(
                    &format!(
                        "sequence {seq_name} was moved but its increment could not be set \
                         back to {increment}: run `{}`",
                        sequence_increment_sql(sequence, increment)
                    ),
                    &e,
                )
            })?;
        }
        Ok(Some(format!(
            "{}.{} → {} ({}.{key})",
            sequence.schema,
            sequence.name,
            loaded + increment,
            table.name
        )))
    }
}

/// The sequences the triggers of `table` draw from, by the catalog's dependencies (a trigger
/// on the table that depends on a sequence).
fn trigger_sequences(catalog: &Catalog, table: &Table) -> Vec<ObjectKey> {
    let triggers: Vec<ObjectKey> = catalog
        .triggers
        .iter()
        .filter(|t| t.table_schema == table.schema && t.table_name == table.name)
        .map(|t| t.key())
        .collect();
    let mut out: Vec<ObjectKey> = catalog
        .dependencies
        .iter()
        .filter(|d| d.to.kind == ObjectKind::Sequence && triggers.contains(&d.from))
        .map(|d| d.to.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The numeric columns of `table` whose default draws from a sequence (`DEFAULT
/// seq.NEXTVAL`, Oracle 12c), with that sequence; an unqualified name is in the table's
/// schema. Identity columns are moved as identities.
fn default_sequences(table: &Table) -> Vec<(String, ObjectKey)> {
    table
        .columns
        .iter()
        .filter(|c| {
            c.identity.is_none()
                && c.generated.is_none()
                && matches!(
                    c.neutral_type,
                    NeutralType::Integer { .. }
                        | NeutralType::Decimal {
                            scale: None | Some(0),
                            ..
                        }
                )
        })
        .filter_map(|c| {
            let (schema, name) = nextval_sequence(c.default.as_deref()?)?;
            Some((
                c.name.clone(),
                ObjectKey {
                    kind: ObjectKind::Sequence,
                    schema: schema.unwrap_or_else(|| table.schema.clone()),
                    name,
                },
            ))
        })
        .collect()
}

/// The sequence of a default that is `[schema.]sequence.NEXTVAL` (names quoted or not; an
/// unquoted one in upper case, as Oracle keeps it), `None` for any other expression.
pub(super) fn nextval_sequence(default: &str) -> Option<(Option<String>, String)> {
    let mut parts = Vec::new();
    let mut rest = default.trim();
    loop {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '$' | '#')))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            (rest[..end].to_ascii_uppercase(), &rest[end..])
        };
        parts.push(part);
        let after = after.trim_start();
        match after.strip_prefix('.') {
            Some(next) => rest = next.trim_start(),
            None if after.is_empty() => break,
            None => return None,
        }
    }
    if parts.last().map(String::as_str) != Some("NEXTVAL") {
        return None;
    }
    parts.pop();
    match parts.as_slice() {
        [name] => Some((None, name.clone())),
        [schema, name] => Some((Some(schema.clone()), name.clone())),
        _ => None,
    }
}

/// The table's key column when it has exactly one and it holds whole numbers: what a sequence
/// filled through a trigger.
fn single_numeric_key(table: &Table) -> Option<&str> {
    let pk = table.primary_key.as_ref()?;
    let [name] = pk.columns.as_slice() else {
        return None;
    };
    let column = table.column(name)?;
    match column.neutral_type {
        NeutralType::Integer { .. }
        | NeutralType::Decimal {
            scale: None | Some(0),
            ..
        } => Some(name),
        _ => None,
    }
}

/// Sends the batch. A row Oracle refused comes back naming its row in the table (`first` rows
/// were sent before this batch of `rows`), what is wrong and what to do; `inside_feed` when the
/// feed adds the location of the batch's last row.
fn send(
    batch: &mut Batch<'_>,
    plan: &TablePlan<'_>,
    first: u64,
    rows: usize,
    inside_feed: bool,
) -> Result<()> {
    let Err(e) = batch.execute() else {
        return Ok(());
    };
    let table = qualified(plan.table);
    match e.batch_errors().and_then(|errors| {
        errors
            .iter()
            .min_by_key(|d| d.offset())
            .map(|d| (d, errors.len()))
    }) {
        Some((worst, count)) => {
            let offset = worst.offset() as usize;
            bail!(row_failure(
                &table,
                &plan.bounded_numbers(),
                worst.code(),
                worst.message(),
                first + offset as u64 + 1,
                inside_feed.then(|| rows.saturating_sub(offset + 1)),
                count - 1,
            ))
        }
        None => bail!("cannot load {table}: {}", ora(&e)),
    }
}

/// Prepares `sql` for `rows` rows a round trip, every bind typed by its slot.
fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    slots: &[Slot],
    rows: usize,
    counts: bool,
    table: &str,
) -> Result<Batch<'c>> {
    let failed = |e: oracle::Error| anyhow!("cannot prepare the load of {table}: {}", ora(&e));
    let mut builder = conn.batch(sql, rows);
    builder.with_batch_errors();
    if counts {
        builder.with_row_counts();
    }
    let mut batch = builder.build().map_err(failed)?;
    for (i, slot) in slots.iter().enumerate() {
        batch.set_type(i + 1, &slot.oracle_type()).map_err(failed)?;
    }
    Ok(batch)
}

/// Adds one row to `batch`: the binds of `columns`, in that order, from the feed's `values`.
fn add_row(batch: &mut Batch<'_>, columns: &[&ColumnPlan<'_>], values: &[Value<'_>]) -> Result<()> {
    let mut position = 1;
    for column in columns {
        let name = &column.column.name;
        let value = values.get(column.index).ok_or_else(|| {
            anyhow!(
                "the row has {} values; column {name} is value {}",
                values.len(),
                column.index + 1
            )
        })?;
        let binds = column
            .bind(value)
            .map_err(|why| anyhow!("column {name} ({}): {why}", column.column.native_type))?;
        for bound in binds.iter() {
            batch
                .set(position, bound.sql())
                .map_err(|e| anyhow!("column {name}: {}", ora(&e)))?;
            position += 1;
        }
    }
    batch
        .append_row(&[])
        .map_err(|e| anyhow!("cannot add the row to the batch: {}", ora(&e)))
}

/// Loads the rows of `load` as `plan` says, `batch_rows` at a time; returns how many.
fn load_rows(
    conn: &Connection,
    load: &mut TableLoad<'_>,
    plan: &TablePlan<'_>,
    batch_rows: usize,
) -> Result<u64> {
    if let Some(by_row) = &plan.by_row {
        return merge_by_row(conn, load, plan, by_row);
    }
    let table = qualified(plan.table);
    let mut batch = prepare(conn, &plan.sql, &plan.slots, batch_rows, false, &table)?;
    let columns: Vec<&ColumnPlan<'_>> = plan.columns.iter().collect();
    let mut pending = 0usize;
    let mut sent = 0u64;
    let fed = (load.rows)(&mut |values| {
        add_row(&mut batch, &columns, values)?;
        pending += 1;
        if pending == batch_rows {
            let first = sent;
            sent += pending as u64;
            pending = 0;
            send(&mut batch, plan, first, batch_rows, true)?;
        }
        Ok(())
    })?;
    if pending > 0 {
        send(&mut batch, plan, sent, pending, false)?;
    }
    Ok(fed)
}

/// Merges the rows of `load` one at a time: the UPDATE of `by_row` by the row's key, then,
/// when it found no row, `plan`'s INSERT. Each bind goes straight into its column, as Oracle
/// takes a LONG of more than 4000 bytes (a one-row UPDATE, an INSERT's VALUES).
fn merge_by_row(
    conn: &Connection,
    load: &mut TableLoad<'_>,
    plan: &TablePlan<'_>,
    by_row: &RowByRow,
) -> Result<u64> {
    let table = qualified(plan.table);
    let mut update = prepare(conn, &by_row.sql, &by_row.slots, 1, true, &table)?;
    let mut insert = prepare(conn, &plan.sql, &plan.slots, 1, false, &table)?;
    let updated: Vec<&ColumnPlan<'_>> = by_row.order.iter().map(|&i| &plan.columns[i]).collect();
    let inserted: Vec<&ColumnPlan<'_>> = plan.columns.iter().collect();
    let mut done = 0u64;
    (load.rows)(&mut |values| {
        add_row(&mut update, &updated, values)?;
        send(&mut update, plan, done, 1, true)?;
        let found = update
            .row_counts()
            .map_err(|e| anyhow!("cannot merge into {table}: {}", ora(&e)))?;
        if found.first().copied().unwrap_or(0) == 0 {
            add_row(&mut insert, &inserted, values)?;
            send(&mut insert, plan, done, 1, true)?;
        }
        done += 1;
        Ok(())
    })
}

/// Runs `load` (which returns the rows it fed); for a merge, between `lock_and_count` before
/// and `count` after, whose difference is the rows inserted ([`MergeCounts::from_growth`]).
fn counted(
    mode: LoadMode,
    table: &str,
    lock_and_count: &mut dyn FnMut() -> Result<u64>,
    load: &mut dyn FnMut() -> Result<u64>,
    count: &mut dyn FnMut() -> Result<u64>,
) -> Result<Option<MergeCounts>> {
    match mode {
        LoadMode::Insert => load().map(|_| None),
        LoadMode::Merge => {
            let before = lock_and_count()?;
            let fed = load()?;
            MergeCounts::from_growth(table, fed, before, count()?).map(Some)
        }
    }
}

/// Locks `table` against other writers until the transaction ends and counts its rows: before
/// a merge, whose counts are then the table's growth (MERGE's row count does not tell inserted
/// rows from updated ones).
fn lock_and_count(conn: &Connection, table: &Table) -> Result<u64> {
    conn.execute(&lock_table_sql(table), &[])
        .map_err(|e| anyhow!("cannot lock {}: {}", qualified(table), ora(&e)))?;
    count(conn, table)
}

fn count(conn: &Connection, table: &Table) -> Result<u64> {
    let rows: i64 = conn
        .query_row_as(&count_sql(table), &[])
        .map_err(|e| anyhow!("cannot count the rows of {}: {}", qualified(table), ora(&e)))?;
    Ok(rows.max(0) as u64)
}

/// Locks the tables of a plain load against other writers until the transaction ends
/// ([`lock_table_sql`]), then fails with [`Occupied`] when one of them holds rows.
fn refuse_occupied(conn: &Connection, tables: &[&Table]) -> Result<()> {
    Occupied::refuse(tables, &mut |table| lock_and_count(conn, table))
}

/// Deletes the rows whose keys `load.deletes` gives, `batch_rows` keys a round trip, as
/// `plan` ([`TablePlan::delete_by_key`]) binds them; returns how many rows went. A row another
/// table still references is not deleted (ORA-02292): the load fails and rolls back.
fn delete_rows(
    conn: &Connection,
    load: &mut TableLoad<'_>,
    plan: &TablePlan<'_>,
    batch_rows: usize,
) -> Result<u64> {
    let Some(deletes) = load.deletes.as_mut() else {
        return Ok(0);
    };
    let table = qualified(plan.table);
    let mut batch = prepare(conn, &plan.sql, &plan.slots, batch_rows, true, &table)?;
    let columns: Vec<&ColumnPlan<'_>> = plan.columns.iter().collect();
    let mut pending = 0usize;
    let mut sent = 0u64;
    let mut deleted = 0u64;
    let flush = |batch: &mut Batch<'_>, first: u64, rows: usize| -> Result<u64> {
        send(batch, plan, first, rows, false)?;
        let counts = batch
            .row_counts()
            .map_err(|e| anyhow!("cannot delete from {table}: {}", ora(&e)))?;
        Ok(counts.iter().sum())
    };
    (deletes.keys)(&mut |values| {
        add_row(&mut batch, &columns, values)?;
        pending += 1;
        if pending == batch_rows {
            deleted += flush(&mut batch, sent, pending)?;
            sent += pending as u64;
            pending = 0;
        }
        Ok(())
    })?;
    if pending > 0 {
        deleted += flush(&mut batch, sent, pending)?;
    }
    Ok(deleted)
}

/// The load record of `table`, read in the load's transaction.
fn current_record(conn: &Connection, table: &str) -> Result<Option<LoadRecord>> {
    let text: Option<String> = match conn.query_row_as(&history_record_sql(), &[&table]) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == oracle::ErrorKind::NoDataFound => None,
        Err(e) => bail!("cannot read {INGEST_HISTORY}: {}", ora(&e)),
    };
    text.map(|t| {
        serde_json::from_str(&t).with_context(|| {
            format!("the {INGEST_HISTORY} row of {table} is damaged: load that table again with --refreshdb")
        })
    })
    .transpose()
}

/// Writes a table's load record, in the load's transaction.
fn write_record(conn: &Connection, record: &LoadRecord) -> Result<()> {
    let text = serde_json::to_string(record)
        .map_err(|e| anyhow!("cannot write the load record of {}: {e}", record.table))?;
    let failed =
        |e: oracle::Error| anyhow!("cannot record the load of {}: {}", record.table, ora(&e));
    conn.execute(&history_delete_sql(), &[&record.table])
        .map_err(failed)?;
    conn.execute(
        &history_insert_sql(),
        &[
            &record.table,
            &(&record.extract, &OracleType::CLOB),
            &record.rows,
            &record.loaded_at,
            &(&text, &OracleType::CLOB),
        ],
    )
    .map_err(failed)?;
    Ok(())
}

impl RowSink for OracleSink {
    fn catalog(&mut self) -> Result<Catalog> {
        let catalog = CatalogReader::read_catalog(&mut self.db, &[])?;
        self.catalog = Some(catalog.clone());
        Ok(catalog)
    }

    fn cycle_handling(&self) -> CycleHandling {
        // Oracle switches one constraint off (DDL, committed at once) and validates it when it
        // is switched on: each table loads in its own transaction.
        CycleHandling::Disable
    }

    fn count_rows(&mut self, table: &Table) -> Result<u64> {
        let count: i64 = self
            .conn()
            .query_row_as(&count_sql(table), &[])
            .map_err(|e| self.fail(&format!("cannot count the rows of {}", table.name), &e))?;
        Ok(count.max(0) as u64)
    }

    fn records(&mut self) -> Result<Vec<LoadRecord>> {
        let name = INGEST_HISTORY.to_ascii_uppercase();
        let count: i64 = self
            .conn()
            .query_row_as(HISTORY_EXISTS_SQL, &[&name])
            .map_err(|e| self.fail("cannot read the tables", &e))?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let rows = self
            .conn()
            .query_as::<(String, String)>(&history_select_sql(), &[])
            .map_err(|e| self.fail(&format!("cannot read {name}"), &e))?;
        let mut out = Vec::new();
        for row in rows {
            let (table, text) = row.map_err(|e| self.fail(&format!("cannot read {name}"), &e))?;
            out.push(serde_json::from_str(&text).with_context(|| {
                format!(
                    "the {name} row of {table} is damaged: load that table again with --refreshdb"
                )
            })?);
        }
        Ok(out)
    }

    fn empty(&mut self, tables: &[&Table]) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        self.ensure_history()?;
        let names: Vec<String> = tables.iter().map(|t| qualified(t)).collect();
        let mut blocked: Option<(String, String)> = None;
        let outcome = self.transaction(tables, &[], &[], &mut |conn| {
            for table in tables {
                if let Err(e) = conn.execute(&delete_sql(table), &[]) {
                    let message = ora(&e);
                    if message.starts_with("ORA-02292")
                        && let Some((owner, name)) = constraint_in(&message)
                    {
                        blocked = Some((owner.to_string(), name.to_string()));
                    }
                    bail!("cannot empty {}: {message}", qualified(table));
                }
                conn.execute(&history_delete_sql(), &[&table.name])
                    .map_err(|e| anyhow!("cannot update {INGEST_HISTORY}: {}", ora(&e)))?;
            }
            Ok(())
        });
        let Err(e) = outcome else {
            return Ok(());
        };
        let Some((owner, key)) = blocked else {
            return Err(e);
        };
        // Which table holds the rows that would lose their parents.
        let child: Option<String> = self
            .conn()
            .query_row_as(CONSTRAINT_TABLE_SQL, &[&owner, &key])
            .ok();
        Err(anyhow!(
            "emptying {} would leave rows of {} without their parents (foreign key {owner}.{key}); \
             nothing was deleted: load that table too, or empty it first ({e:#})",
            names.join(", "),
            child.map_or_else(
                || "another table".to_string(),
                |c| qualified_name(&owner, &c)
            ),
        ))
    }

    fn load(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        // Everything that can be refused is refused before anything changes.
        let mut plans = Vec::with_capacity(tables.len());
        for load in tables.iter() {
            plans.push(TablePlan::new(load.table, &load.columns, &load.key, mode)?);
        }
        let delete_plans = tables
            .iter()
            .map(|load| {
                load.deletes
                    .as_ref()
                    .map(|d| TablePlan::delete_by_key(load.table, &d.columns))
                    .transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        self.ensure_history()?;
        let loaded: Vec<&Table> = plans.iter().map(|p| p.table).collect();
        let mut always = Vec::new();
        for plan in &plans {
            for (column, generation) in self.identity_columns(plan.table)? {
                let written = plan.columns.iter().any(|c| c.column.name == column);
                if generation == Generation::Always && written {
                    always.push((plan.table, column));
                }
            }
        }
        let unchecked: Vec<(&Table, &str)> = unchecked
            .iter()
            .filter(|(t, _)| loaded.iter().any(|l| l.key() == t.key()))
            .copied()
            .collect();
        let batch_rows = self.batch_rows;
        self.transaction(&loaded, &always, &unchecked, &mut |conn| {
            if mode == LoadMode::Insert {
                refuse_occupied(conn, &loaded)?;
            }
            for load in tables.iter() {
                if load.after.is_some() {
                    // Under the table's lock: no other ingest moves its record until the end.
                    lock_and_count(conn, load.table)?;
                    load.check_position(current_record(conn, &load.table.name)?.as_ref())?;
                }
            }
            for (load, plan) in tables.iter_mut().zip(&plans) {
                let counts = counted(
                    mode,
                    &qualified(plan.table),
                    &mut || lock_and_count(conn, plan.table),
                    &mut || load_rows(conn, load, plan, batch_rows),
                    &mut || count(conn, plan.table),
                )?;
                load.record.merged = counts;
            }
            // Deletes after every table has its rows, children before parents.
            for (load, plan) in tables.iter_mut().zip(&delete_plans).rev() {
                if let Some(plan) = plan {
                    load.record.deleted = Some(delete_rows(conn, load, plan, batch_rows)?);
                }
            }
            for load in tables.iter() {
                write_record(conn, &load.record)?;
            }
            Ok(())
        })
    }

    /// Disables the keys in order; when one cannot be disabled, the ones before it are
    /// enabled (and validated) again, so that either all or none are off.
    fn disable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        for (i, (table, name)) in keys.iter().enumerate() {
            let Err(e) = self.run(&disable_constraint_sql(table, name)) else {
                continue;
            };
            let mut also = Vec::new();
            for (t, n) in keys[..i].iter().rev() {
                let sql = enable_constraint_sql(t, n, true);
                if let Err(e) = self.run(&sql) {
                    also.push(format!(
                        "foreign key {}.{n} could not be enabled again ({}): run `{sql}`",
                        qualified(t),
                        ora(&e)
                    ));
                }
            }
            return Err(with_also(
                self.fail(
                    &format!("cannot disable foreign key {}.{name}", qualified(table)),
                    &e,
                ),
                &also,
            ));
        }
        Ok(())
    }

    /// Enables and validates every key, also after one fails; fails afterwards naming each key
    /// that did not validate (with its orphan rows), which stays disabled. No row is deleted.
    fn enable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
        let mut failed = Vec::new();
        for (table, name) in keys {
            if let Err(e) = self.run(&enable_constraint_sql(table, name, true)) {
                let orphans = self.key_orphans(table, name);
                failed.push(not_validated(table, name, &ora(&e), orphans));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            bail!("{}", failed.join("; "))
        }
    }

    /// Identity columns move with `START WITH LIMIT VALUE` (their generation kept); a sequence
    /// that a trigger of the table draws from (by the catalog's dependencies) moves past the
    /// largest value of the table's single numeric key, and a sequence a column's default
    /// draws from (`DEFAULT seq.NEXTVAL`) past that column's largest value: `ALTER SEQUENCE …
    /// RESTART START WITH` from 18c, before that by drawing one value with the increment set
    /// to the gap. A sequence only application code draws from is not known, and not moved.
    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>> {
        let mut moved = Vec::new();
        for (column, generation) in self.identity_columns(table)? {
            let largest: Option<String> = self
                .conn()
                .query_row_as(&extreme_sql(table, &column, true), &[])
                .map_err(|e| self.fail(&format!("cannot read the keys of {}", table.name), &e))?;
            let Some(largest) = largest else {
                continue;
            };
            self.run(&identity_sql(table, &column, generation, true))
                .map_err(|e| {
                    self.fail(
                        &format!("cannot move the identity of {}.{column}", table.name),
                        &e,
                    )
                })?;
            moved.push(format!(
                "{}.{column} identity → past {}",
                table.name,
                largest.trim()
            ));
        }
        let sequences = trigger_sequences(self.cached_catalog()?, table);
        if let Some(key) = single_numeric_key(table) {
            for sequence in &sequences {
                moved.extend(self.advance_sequence(table, key, sequence)?);
            }
        }
        for (column, sequence) in default_sequences(table) {
            moved.extend(self.advance_sequence(table, &column, &sequence)?);
        }
        Ok(moved)
    }

    fn count_orphans(
        &mut self,
        child: &Table,
        columns: &[String],
        parent: &Table,
        parent_columns: &[String],
    ) -> Result<u64> {
        self.orphans(child, columns, &qualified(parent), parent_columns)
    }
}

#[cfg(test)]
pub(super) mod statements;
#[cfg(test)]
mod tests;
