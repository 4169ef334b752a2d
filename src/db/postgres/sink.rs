//! The PostgreSQL row sink (ingest): `COPY … FROM STDIN` in PostgreSQL's text forms (fixed by
//! the session settings of [`super::SESSION`]), through a temporary table and `INSERT … ON
//! CONFLICT` for `--merge`.

use anyhow::{Context, Result, anyhow, bail};

use postgres::Client;
use std::io::Write;

use super::{DISK_FULL, connect, pg_message, qualified};
use crate::catalog::*;
use crate::db::sql::double_quote;
use crate::model::DbUrl;
use crate::model::ports::{
    CycleHandling, INGEST_HISTORY, LoadMode, LoadRecord, MergeCounts, Occupied, RowSink, TableLoad,
};
use crate::model::value::{Date, DateTime, Value};

// ---------------------------------------------------------------------------------------------
// Row sink.

/// Loads rows into a PostgreSQL database with `COPY … FROM STDIN`.
pub struct PgSink {
    client: Client,
    url: DbUrl,
}

impl PgSink {
    pub fn open(url: &DbUrl) -> Result<PgSink> {
        Ok(PgSink {
            client: connect(url)?,
            url: url.clone(),
        })
    }

    fn fail(&self, what: &str, e: postgres::Error) -> anyhow::Error {
        anyhow!("{what} in {}: {}", self.url, pg_message(&e))
    }
}

/// An error of a load or an emptying, with the database named when its disk is full (the
/// server's message names only a file).
fn naming_a_full_database(url: &DbUrl, e: anyhow::Error) -> anyhow::Error {
    let text = format!("{e:#}");
    if text.contains(DISK_FULL) {
        anyhow!(text.replacen(DISK_FULL, &format!("{DISK_FULL} (the database {url})"), 1))
    } else {
        e
    }
}

/// A trigger switched off for a load, and how to switch it on again.
struct Paused {
    table: String,
    name: String,
    /// `ENABLE`, `ENABLE ALWAYS` or `ENABLE REPLICA`: as it was.
    enable: &'static str,
}

/// Disables the enabled user triggers of `table` inside `tx`; returns how to restore them.
fn pause_triggers(tx: &mut postgres::Transaction<'_>, table: &Table) -> Result<Vec<Paused>> {
    let rows = tx
        .query(
            "SELECT t.tgname, t.tgenabled::text FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND NOT t.tgisinternal \
             AND t.tgenabled <> 'D' ORDER BY t.tgname",
            &[&table.schema, &table.name],
        )
        .map_err(|e| {
            anyhow!(
                "cannot list the triggers of {}: {}",
                table.name,
                pg_message(&e)
            )
        })?;
    let mut paused = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let state: String = row.get(1);
        let enable = match state.as_str() {
            "A" => "ENABLE ALWAYS",
            "R" => "ENABLE REPLICA",
            _ => "ENABLE",
        };
        let table_sql = qualified(table);
        tx.batch_execute(&format!(
            "ALTER TABLE {table_sql} DISABLE TRIGGER {}",
            double_quote(&name)
        ))
        .map_err(|e| {
            anyhow!(
                "cannot disable trigger {name} of {}: {}",
                table.name,
                pg_message(&e)
            )
        })?;
        paused.push(Paused {
            table: table_sql,
            name,
            enable,
        });
    }
    Ok(paused)
}

fn resume_triggers(tx: &mut postgres::Transaction<'_>, paused: &[Paused]) -> Result<()> {
    for p in paused {
        tx.batch_execute(&format!(
            "ALTER TABLE {} {} TRIGGER {}",
            p.table,
            p.enable,
            double_quote(&p.name)
        ))
        .map_err(|e| anyhow!("cannot enable trigger {} again: {}", p.name, pg_message(&e)))?;
    }
    Ok(())
}

/// A foreign key dropped for a load and added again before its commit.
struct DroppedKey {
    table: String,
    name: String,
    definition: String,
    /// Added back `NOT VALID`: its parent rows are not part of the extract.
    unchecked: bool,
}

/// Drops the foreign key `declared` (of a table or of one of its partitions) inside `tx`, keeping
/// its definition.
fn drop_key(
    tx: &mut postgres::Transaction<'_>,
    declared: &DeclaredKey,
    unchecked: bool,
) -> Result<DroppedKey> {
    let (definition, _) = key_definition(tx, declared)?;
    drop_declared(tx, declared, definition, unchecked)
}

/// Drops the foreign key `declared` of a large table for its load when it checks every row
/// now, in the state that adding it back recreates: validated, its triggers in their default
/// state. A `NOT VALID` key (it checks new rows, but adding it back would not) or one whose
/// triggers were switched off or set to another replication role stays, and checks the rows as
/// they come.
fn drop_checking_key(
    tx: &mut postgres::Transaction<'_>,
    declared: &DeclaredKey,
) -> Result<Option<DroppedKey>> {
    let (definition, restorable) = key_definition(tx, declared)?;
    if !restorable {
        return Ok(None);
    }
    drop_declared(tx, declared, definition, false).map(Some)
}

/// The definition of the foreign key `declared` (`pg_get_constraintdef`), and whether it is
/// validated with every trigger that enforces it (on the table and, for a key of a partitioned
/// table, on each partition's copy) in the default state.
fn key_definition(
    tx: &mut postgres::Transaction<'_>,
    declared: &DeclaredKey,
) -> Result<(String, bool)> {
    let DeclaredKey {
        schema,
        table,
        name,
    } = declared;
    let row = tx
        .query_opt(
            "WITH RECURSIVE key AS (SELECT k.oid, k.convalidated FROM pg_constraint k \
               JOIN pg_class c ON c.oid = k.conrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = $1 AND c.relname = $2 AND k.conname = $3 AND k.contype = 'f'), \
             copies AS (SELECT oid FROM key UNION ALL \
               SELECT k.oid FROM pg_constraint k JOIN copies p ON k.conparentid = p.oid) \
             SELECT pg_get_constraintdef(key.oid), key.convalidated AND NOT EXISTS \
               (SELECT FROM pg_trigger t JOIN copies p ON t.tgconstraint = p.oid \
                WHERE t.tgenabled <> 'O') FROM key",
            &[schema, table, name],
        )
        .map_err(|e| {
            anyhow!(
                "cannot read foreign key {name} of {table}: {}",
                pg_message(&e)
            )
        })?
        .ok_or_else(|| anyhow!("{table} has no foreign key {name}"))?;
    Ok((row.get(0), row.get(1)))
}

fn drop_declared(
    tx: &mut postgres::Transaction<'_>,
    declared: &DeclaredKey,
    definition: String,
    unchecked: bool,
) -> Result<DroppedKey> {
    let DeclaredKey {
        schema,
        table,
        name,
    } = declared;
    let key = DroppedKey {
        table: format!("{}.{}", double_quote(schema), double_quote(table)),
        name: name.to_string(),
        definition,
        unchecked,
    };
    tx.batch_execute(&format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        key.table,
        double_quote(name)
    ))
    .map_err(|e| {
        anyhow!(
            "cannot set foreign key {name} of {table} aside: {}",
            pg_message(&e)
        )
    })?;
    Ok(key)
}

/// Adds a dropped key back; a checked one validates every row, and a violation fails the load.
fn restore_key(tx: &mut postgres::Transaction<'_>, key: &DroppedKey) -> Result<()> {
    let definition = if key.unchecked && !key.definition.ends_with("NOT VALID") {
        format!("{} NOT VALID", key.definition)
    } else {
        key.definition.clone()
    };
    tx.batch_execute(&format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
        key.table,
        double_quote(&key.name)
    ))
    .map_err(|e| {
        anyhow!(
            "foreign key {} of {}: {}; nothing was written (the load never deletes rows to make \
             constraints pass): load the parent tables first, or run verify to see what is \
             missing",
            key.name,
            key.table,
            pg_message(&e)
        )
    })
}

/// From this many rows in the extract, a plain load sets the table's checked foreign keys aside
/// and adds them back, validated, before its commit: PostgreSQL checks a key row by row during a
/// COPY (one index lookup through SPI per row and key), and at once, by one join, when the key is
/// added. Smaller tables keep the row checks, which then cost less than dropping and adding keys.
const LARGE_LOAD_ROWS: u64 = 10_000;

/// [`LARGE_LOAD_ROWS`], or the test hook `DBSUB_TEST_LARGE_LOAD_ROWS=N`, so that the tests take
/// this path with a few rows.
fn large_load_rows() -> u64 {
    std::env::var("DBSUB_TEST_LARGE_LOAD_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LARGE_LOAD_ROWS)
}

/// Serializes dbsub's loads into one database: every load and emptying transaction takes this
/// transaction-level advisory lock first, so that two ingests at once take turns table by table
/// (and do not both create the history table).
const LOAD_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtext('dbsub ingest'))";

/// Locks the tables of a plain load against every other writer until the transaction ends
/// (SHARE ROW EXCLUSIVE conflicts with itself and with INSERT, UPDATE, DELETE; reads go on).
fn lock_tables_sql(tables: &[&Table]) -> String {
    let names: Vec<String> = tables.iter().map(|t| qualified(t)).collect();
    format!(
        "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
        names.join(", ")
    )
}

/// Takes the load lock; for a plain load also the tables' locks, then fails with [`Occupied`]
/// when one holds rows.
fn lock_for_load(
    tx: &mut postgres::Transaction<'_>,
    tables: &[&Table],
    mode: Option<LoadMode>,
) -> Result<()> {
    tx.batch_execute(LOAD_LOCK_SQL)
        .map_err(|e| anyhow!("cannot take dbsub's load lock: {}", pg_message(&e)))?;
    if mode != Some(LoadMode::Insert) {
        return Ok(());
    }
    tx.batch_execute(&lock_tables_sql(tables))
        .map_err(|e| anyhow!("cannot lock the tables to load: {}", pg_message(&e)))?;
    Occupied::refuse(tables, &mut |table| {
        let sql = format!("SELECT count(*) FROM {}", qualified(table));
        let rows: i64 = tx
            .query_one(&sql, &[])
            .map_err(|e| {
                anyhow!(
                    "cannot count the rows of {}: {}",
                    table.name,
                    pg_message(&e)
                )
            })?
            .get(0);
        Ok(rows as u64)
    })
}

fn ensure_history(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {INGEST_HISTORY} (table_name text PRIMARY KEY, \
         extract text NOT NULL, rows bigint NOT NULL, loaded_at text NOT NULL, \
         record text NOT NULL)"
    ))
    .map_err(|e| anyhow!("cannot create {INGEST_HISTORY}: {}", pg_message(&e)))
}

/// The loaded columns, quoted, comma-separated.
fn column_list(load: &TableLoad<'_>) -> String {
    let names: Vec<String> = load.columns.iter().map(|c| double_quote(&c.name)).collect();
    names.join(", ")
}

/// Flushes the COPY buffer past this size.
const COPY_CHUNK: usize = 256 * 1024;

/// COPYs the rows of `load` into `target` (a table, or the temporary table of a merge).
fn copy_rows(
    tx: &mut postgres::Transaction<'_>,
    load: &mut TableLoad<'_>,
    target: &str,
) -> Result<u64> {
    let sql = format!("COPY {target} ({}) FROM STDIN", column_list(load));
    let mut writer = tx.copy_in(&sql).map_err(|e| {
        anyhow!(
            "cannot start loading {}: {}",
            load.table.name,
            pg_message(&e)
        )
    })?;
    let mut buffer: Vec<u8> = Vec::with_capacity(COPY_CHUNK + 4096);
    // A failed write means the server ended the COPY: its error comes from `finish`.
    let mut server_failed = false;
    let mut send = |writer: &mut postgres::CopyInWriter<'_>, buffer: &mut Vec<u8>| {
        let sent = writer.write_all(buffer);
        buffer.clear();
        sent.map_err(|e| {
            server_failed = true;
            anyhow!("{e}")
        })
    };
    let fed = (load.rows)(&mut |values| {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                buffer.push(b'\t');
            }
            write_copy_value(v, &mut buffer);
        }
        buffer.push(b'\n');
        if buffer.len() >= COPY_CHUNK {
            send(&mut writer, &mut buffer)?;
        }
        Ok(())
    })
    .and_then(|_| send(&mut writer, &mut buffer));
    match fed {
        // The feed's own errors (a value that does not fit) come with their location.
        Err(e) if !server_failed => {
            // Dropping the writer unfinished aborts the COPY; the transaction rolls back.
            drop(writer);
            Err(e)
        }
        _ => writer.finish().map_err(|e| {
            anyhow!(
                "cannot load {}: {}{}",
                load.table.name,
                pg_message(&e),
                e.as_db_error()
                    .and_then(|d| d.where_())
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            )
        }),
    }
}

/// Appends `value` as a field of COPY's text format.
pub(super) fn write_copy_value(value: &Value<'_>, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"\\N"),
        Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
        Value::Text(t) => escape(t.as_bytes(), out),
        Value::Bytes(b) => {
            out.extend_from_slice(b"\\\\x");
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for &byte in b.iter() {
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 15)]);
            }
        }
        Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(..) => {
            write_pg_datetime(value, out)
        }
        // Integers, decimals, floats, times and ISO 8601 intervals: the archive's text is what
        // PostgreSQL reads, and has nothing to escape.
        Value::Int(_)
        | Value::Decimal(_)
        | Value::Float(_)
        | Value::Time(_)
        | Value::Interval(_) => value.write_csv(out),
    }
}

/// Writes a date or timestamp the way PostgreSQL reads it: the archive's text, except that a
/// year before 1 is written as ` BC` (year 0 is 1 BC) and a year past 9999 without its `+`.
fn write_pg_datetime(value: &Value<'_>, out: &mut Vec<u8>) {
    let ad = |d: Date| Date {
        year: if d.year < 1 { 1 - d.year } else { d.year },
        ..d
    };
    let (shown, bc) = match *value {
        Value::Date(d) => (Value::Date(ad(d)), d.year < 1),
        Value::Timestamp(dt) => (
            Value::Timestamp(DateTime {
                date: ad(dt.date),
                ..dt
            }),
            dt.date.year < 1,
        ),
        Value::TimestampTz(dt, offset) => (
            Value::TimestampTz(
                DateTime {
                    date: ad(dt.date),
                    ..dt
                },
                offset,
            ),
            dt.date.year < 1,
        ),
        _ => unreachable!("only dates and timestamps"),
    };
    let mut text = Vec::with_capacity(40);
    shown.write_csv(&mut text);
    out.extend_from_slice(text.strip_prefix(b"+").unwrap_or(&text));
    if bc {
        out.extend_from_slice(b" BC");
    }
}

/// Appends text with COPY's escapes: backslash, newline, carriage return, tab.
fn escape(text: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => continue,
        };
        out.extend_from_slice(&text[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&text[start..]);
}

impl PgSink {
    fn load_one(
        tx: &mut postgres::Transaction<'_>,
        load: &mut TableLoad<'_>,
        mode: LoadMode,
    ) -> Result<()> {
        let target = qualified(load.table);
        match mode {
            LoadMode::Insert => {
                copy_rows(tx, load, &target)?;
            }
            LoadMode::Merge => {
                // COPY cannot upsert: the rows go to a temporary table first.
                let staging = "dbsub_merge";
                tx.batch_execute(&format!(
                    "DROP TABLE IF EXISTS pg_temp.{staging}; \
                     CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {cols} FROM \
                     {target} WITH NO DATA",
                    cols = column_list(load)
                ))
                .map_err(|e| {
                    anyhow!(
                        "cannot prepare the merge of {}: {}",
                        load.table.name,
                        pg_message(&e)
                    )
                })?;
                copy_rows(tx, load, &format!("pg_temp.{staging}"))?;
                let key: Vec<String> = load.key.iter().map(|c| double_quote(c)).collect();
                let updates: Vec<String> = load
                    .columns
                    .iter()
                    .filter(|c| !load.key.contains(&c.name))
                    .map(|c| format!("{0} = EXCLUDED.{0}", double_quote(&c.name)))
                    .collect();
                let action = if updates.is_empty() {
                    "NOTHING".to_string()
                } else {
                    format!("UPDATE SET {}", updates.join(", "))
                };
                // A row the upsert inserted has no xmax; one it updated has the transaction's.
                // Rows it left alone (DO NOTHING) are not returned: the staged rows less the
                // inserted ones are those whose key was there.
                let counted = tx
                    .query_one(
                        &format!(
                            "WITH merged AS (INSERT INTO {target} ({cols}) OVERRIDING SYSTEM \
                             VALUE SELECT {cols} FROM pg_temp.{staging} ON CONFLICT ({key}) DO \
                             {action} RETURNING (xmax = 0) AS inserted) \
                             SELECT (SELECT count(*) FROM merged WHERE inserted), \
                             (SELECT count(*) FROM pg_temp.{staging})",
                            cols = column_list(load),
                            key = key.join(", ")
                        ),
                        &[],
                    )
                    .and_then(|row| Ok((row.try_get::<_, i64>(0)?, row.try_get::<_, i64>(1)?)));
                let (inserted, staged) = counted.map_err(|e| {
                    anyhow!("cannot merge into {}: {}", load.table.name, pg_message(&e))
                })?;
                tx.batch_execute(&format!("DROP TABLE pg_temp.{staging}"))
                    .map_err(|e| {
                        anyhow!("cannot merge into {}: {}", load.table.name, pg_message(&e))
                    })?;
                // Each staged row is inserted or meets a row of its key (extract keys are
                // unique).
                load.record.merged = Some(MergeCounts {
                    inserted: inserted as u64,
                    updated: (staged - inserted) as u64,
                });
            }
        }
        Ok(())
    }
}

/// Writes a table's load record, in the load's transaction.
fn write_record(tx: &mut postgres::Transaction<'_>, record: &LoadRecord) -> Result<()> {
    let text = serde_json::to_string(record).expect("a record always serializes");
    tx.execute(
        &format!(
            "INSERT INTO {INGEST_HISTORY} (table_name, extract, rows, loaded_at, record) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (table_name) DO UPDATE SET \
             extract = EXCLUDED.extract, rows = EXCLUDED.rows, \
             loaded_at = EXCLUDED.loaded_at, record = EXCLUDED.record"
        ),
        &[
            &record.table,
            &record.extract,
            &(record.rows as i64),
            &record.loaded_at,
            &text,
        ],
    )
    .map_err(|e| {
        anyhow!(
            "cannot record the load of {}: {}",
            record.table,
            pg_message(&e)
        )
    })?;
    Ok(())
}

/// The load record of `table`, read in the load's transaction (under the load lock).
fn current_record(tx: &mut postgres::Transaction<'_>, table: &str) -> Result<Option<LoadRecord>> {
    let row = tx
        .query_opt(
            &format!("SELECT record FROM {INGEST_HISTORY} WHERE table_name = $1"),
            &[&table],
        )
        .map_err(|e| anyhow!("cannot read {INGEST_HISTORY}: {}", pg_message(&e)))?;
    row.map(|r| {
        serde_json::from_str(r.get::<_, &str>(0)).with_context(|| {
            format!(
                "the {INGEST_HISTORY} row of {table} is damaged: load that table again with \
                 --refreshdb"
            )
        })
    })
    .transpose()
}

/// The statements that delete a table's rows by key: the keys go into a temporary table of the
/// key's columns (COPY), then one `DELETE … USING` removes the rows that match them.
fn delete_statements(target: &str, key: &[&Column]) -> [String; 4] {
    let staging = "pg_temp.dbsub_deletes";
    let names: Vec<String> = key.iter().map(|c| double_quote(&c.name)).collect();
    let matches: Vec<String> = names.iter().map(|n| format!("t.{n} = d.{n}")).collect();
    [
        format!(
            "DROP TABLE IF EXISTS {staging}; CREATE TEMPORARY TABLE dbsub_deletes ON COMMIT DROP \
             AS SELECT {cols} FROM {target} WITH NO DATA",
            cols = names.join(", ")
        ),
        format!("COPY {staging} ({}) FROM STDIN", names.join(", ")),
        format!(
            "DELETE FROM {target} t USING {staging} d WHERE {}",
            matches.join(" AND ")
        ),
        format!("DROP TABLE {staging}"),
    ]
}

/// Deletes the rows whose keys `load.deletes` gives, counting them into its record. A delete
/// that leaves rows of another table without their parent fails (at once, or when the keys
/// among the loaded tables are validated again): the load rolls back.
fn delete_keys(tx: &mut postgres::Transaction<'_>, load: &mut TableLoad<'_>) -> Result<()> {
    let Some(deletes) = load.deletes.as_mut() else {
        return Ok(());
    };
    let name = &load.table.name;
    let failed = |e: postgres::Error| anyhow!("cannot delete rows of {name}: {}", pg_message(&e));
    let [create, copy, delete, discard] =
        delete_statements(&qualified(load.table), &deletes.columns);
    tx.batch_execute(&create).map_err(failed)?;
    let mut writer = tx.copy_in(&copy).map_err(failed)?;
    let mut line = Vec::with_capacity(64);
    let fed = (deletes.keys)(&mut |values| {
        line.clear();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                line.push(b'\t');
            }
            write_copy_value(v, &mut line);
        }
        line.push(b'\n');
        writer
            .write_all(&line)
            .map_err(|e| anyhow!("cannot send the keys to delete: {e}"))
    });
    match fed {
        Ok(_) => {
            writer.finish().map_err(failed)?;
        }
        Err(e) => {
            drop(writer);
            return Err(e);
        }
    }
    refuse_cascades(tx, load.table, &deletes.columns)?;
    // A row another table still references is not deleted, and nothing else either.
    let deleted = tx.execute(&delete, &[]).map_err(|e| {
        anyhow!(
            "cannot delete the rows of {name} the delta names: {}; nothing was written (a \
             refresh never deletes other rows to make constraints pass)",
            pg_message(&e)
        )
    })?;
    tx.batch_execute(&discard).map_err(failed)?;
    load.record.deleted = Some(deleted);
    Ok(())
}

/// The foreign keys to a table whose `ON DELETE` changes other rows (CASCADE, SET NULL, SET
/// DEFAULT) and that this load did not set aside: the referencing table and the condition that
/// joins its rows (`c`) to the table's (`t`), identifiers quoted by the server.
const CASCADING_KEYS_SQL: &str = "SELECT format('%I.%I', n.nspname, c.relname), \
     (SELECT string_agg(format('c.%I = t.%I', a.attname, b.attname), ' AND ' ORDER BY u.i) \
      FROM unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(ck, pk, i) \
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.ck \
      JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = u.pk) \
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE k.contype = 'f' AND k.confrelid = $1::text::regclass \
     AND k.confdeltype IN ('c', 'n', 'd')";

/// Fails when deleting the staged keys of `table` would make a foreign key's `ON DELETE` action
/// delete or change rows of another table: a refresh deletes the rows a delta names, nothing
/// else.
fn refuse_cascades(
    tx: &mut postgres::Transaction<'_>,
    table: &Table,
    key: &[&Column],
) -> Result<()> {
    let target = qualified(table);
    let failed = |e: postgres::Error| {
        anyhow!(
            "cannot read the foreign keys to {}: {}",
            table.name,
            pg_message(&e)
        )
    };
    let keys = tx.query(CASCADING_KEYS_SQL, &[&target]).map_err(failed)?;
    let matches: Vec<String> = key
        .iter()
        .map(|c| format!("t.{0} = d.{0}", double_quote(&c.name)))
        .collect();
    for row in keys {
        let (child, joined): (String, String) = (row.get(0), row.get(1));
        let sql = format!(
            "SELECT count(*) FROM {child} c JOIN {target} t ON {joined} \
             JOIN pg_temp.dbsub_deletes d ON {}",
            matches.join(" AND ")
        );
        let reached: i64 = tx.query_one(&sql, &[]).map_err(failed)?.get(0);
        if reached > 0 {
            bail!(
                "deleting the rows of {} the delta names would make a foreign key's ON DELETE \
                 action change {} of {child}: nothing was written; a refresh deletes only the \
                 rows the delta names — make that key NO ACTION in the target",
                table.name,
                crate::output::plural(reached as usize, "row")
            );
        }
    }
    Ok(())
}

impl PgSink {
    /// [`RowSink::empty`].
    fn empty_tables(&mut self, tables: &[&Table]) -> Result<()> {
        let url = self.url.clone();
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| anyhow!("cannot start a transaction in {url}: {}", pg_message(&e)))?;
        lock_for_load(&mut tx, tables, None)?;
        ensure_history(&mut tx)?;
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        // The foreign keys among the emptied tables (a cycle's, a table's to itself) are set
        // aside and added back once every table is empty, so that the order of the deletes
        // does not matter; a key from any other table still refuses the delete.
        let mut dropped = Vec::new();
        for table in tables {
            // With the keys declared on its partitions, dropped from each partition.
            for fk in table.all_foreign_keys() {
                let among = tables
                    .iter()
                    .any(|t| t.schema == fk.ref_schema && t.name == fk.ref_table);
                if among {
                    for declared in table.declarations_of(&fk.name) {
                        dropped.push(drop_key(&mut tx, &declared, false)?);
                    }
                }
            }
        }
        for table in tables {
            // Emptying is part of the load: the table's triggers do not fire.
            let paused = pause_triggers(&mut tx, table)?;
            tx.batch_execute(&format!("DELETE FROM {}", qualified(table)))
                .map_err(|e| {
                    anyhow!(
                        "emptying {} would leave rows of other tables without their parents \
                         ({}); nothing was deleted: load those tables too, or empty them first",
                        names.join(", "),
                        pg_message(&e)
                    )
                })?;
            resume_triggers(&mut tx, &paused)?;
            tx.execute(
                &format!("DELETE FROM {INGEST_HISTORY} WHERE table_name = $1"),
                &[&table.name],
            )
            .map_err(|e| anyhow!("cannot update {INGEST_HISTORY}: {}", pg_message(&e)))?;
        }
        for key in &dropped {
            restore_key(&mut tx, key)?;
        }
        tx.commit()
            .map_err(|e| anyhow!("cannot empty {}: {}", names.join(", "), pg_message(&e)))
    }

    /// [`RowSink::load`].
    fn load_tables(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        let url = self.url.clone();
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| anyhow!("cannot start a transaction in {url}: {}", pg_message(&e)))?;
        let loaded: Vec<&Table> = tables.iter().map(|t| t.table).collect();
        lock_for_load(&mut tx, &loaded, Some(mode))?;
        ensure_history(&mut tx)?;
        let mut paused = Vec::new();
        let mut dropped = Vec::new();
        for (table, load) in loaded.iter().zip(tables.iter()) {
            paused.extend(pause_triggers(&mut tx, table)?);
            // A large plain load checks its other foreign keys once, when they are added back
            // (one join per key), rather than row by row during the COPY.
            let large = mode == LoadMode::Insert && load.record.rows >= large_load_rows();
            for fk in table.all_foreign_keys() {
                let outside = unchecked
                    .iter()
                    .any(|(t, name)| t.key() == table.key() && *name == fk.name);
                // A key among the tables of this load (a cycle, or a table that references
                // itself) is checked once all of them are in.
                let among = loaded
                    .iter()
                    .any(|t| t.schema == fk.ref_schema && t.name == fk.ref_table);
                if outside || among {
                    for declared in table.declarations_of(&fk.name) {
                        dropped.push(drop_key(&mut tx, &declared, outside)?);
                    }
                } else if large {
                    for declared in table.declarations_of(&fk.name) {
                        dropped.extend(drop_checking_key(&mut tx, &declared)?);
                    }
                }
            }
        }
        for load in tables.iter() {
            load.check_position(current_record(&mut tx, &load.table.name)?.as_ref())?;
        }
        for load in tables.iter_mut() {
            Self::load_one(&mut tx, load, mode)?;
        }
        // Deletes after every table has its rows, children before parents.
        for load in tables.iter_mut().rev() {
            delete_keys(&mut tx, load)?;
        }
        for load in tables.iter() {
            write_record(&mut tx, &load.record)?;
        }
        // Deferred constraints of the target fire now, before triggers are switched on again
        // (PostgreSQL refuses ALTER TABLE while trigger events are pending).
        tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE")
            .map_err(|e| anyhow!("{}; nothing was written", pg_message(&e)))?;
        for key in &dropped {
            restore_key(&mut tx, key)?;
        }
        resume_triggers(&mut tx, &paused)?;
        tx.commit()
            .map_err(|e| anyhow!("cannot commit the load in {url}: {}", pg_message(&e)))
    }
}

impl RowSink for PgSink {
    fn catalog(&mut self) -> Result<Catalog> {
        super::catalog::read_catalog(&mut self.client, &self.url, &[])
    }

    fn cycle_handling(&self) -> CycleHandling {
        // The foreign keys among the tables of one load are set aside and added back, with
        // validation, inside that load's transaction: a failure or a kill restores them.
        CycleHandling::OneTransaction
    }

    fn count_rows(&mut self, table: &Table) -> Result<u64> {
        let row = self
            .client
            .query_one(&format!("SELECT count(*) FROM {}", qualified(table)), &[])
            .map_err(|e| self.fail(&format!("cannot count the rows of {}", table.name), e))?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn records(&mut self) -> Result<Vec<LoadRecord>> {
        let exists: bool = self
            .client
            .query_one(
                &format!("SELECT to_regclass('{INGEST_HISTORY}') IS NOT NULL"),
                &[],
            )
            .map_err(|e| self.fail("cannot read the schema", e))?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = self
            .client
            .query(
                &format!("SELECT table_name, record FROM {INGEST_HISTORY} ORDER BY table_name"),
                &[],
            )
            .map_err(|e| self.fail(&format!("cannot read {INGEST_HISTORY}"), e))?;
        rows.iter()
            .map(|row| {
                let table: String = row.get(0);
                let text: String = row.get(1);
                serde_json::from_str(&text).with_context(|| {
                    format!(
                        "the {INGEST_HISTORY} row of {table} is damaged: load that table again \
                         with --refreshdb"
                    )
                })
            })
            .collect()
    }

    fn empty(&mut self, tables: &[&Table]) -> Result<()> {
        let url = self.url.clone();
        self.empty_tables(tables)
            .map_err(|e| naming_a_full_database(&url, e))
    }

    fn load(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        let url = self.url.clone();
        self.load_tables(tables, mode, unchecked)
            .map_err(|e| naming_a_full_database(&url, e))
    }

    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>> {
        // The sequences that fill a column of the table: owned by it (serial, identity) or
        // named by its default.
        let rows = self
            .client
            .query(
                "WITH t AS (SELECT c.oid FROM pg_class c \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE n.nspname = $1 AND c.relname = $2) \
                 SELECT a.attname::text, d.objid::regclass::text, q.seqincrement FROM t \
                 JOIN pg_depend d ON d.classid = 'pg_class'::regclass \
                   AND d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid \
                   AND d.deptype IN ('a', 'i') \
                 JOIN pg_sequence q ON q.seqrelid = d.objid \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
                 UNION \
                 SELECT a.attname::text, d.refobjid::regclass::text, q.seqincrement FROM t \
                 JOIN pg_attrdef ad ON ad.adrelid = t.oid \
                 JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid \
                   AND d.refclassid = 'pg_class'::regclass \
                 JOIN pg_sequence q ON q.seqrelid = d.refobjid \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ad.adnum \
                 ORDER BY 1, 2",
                &[&table.schema, &table.name],
            )
            .map_err(|e| self.fail(&format!("cannot find the sequences of {}", table.name), e))?;
        let mut moved = Vec::new();
        for row in rows {
            let column: String = row.get(0);
            // `regclass` text: quoted and schema-qualified as needed, ready for SQL.
            let sequence: String = row.get(1);
            let increment: i64 = row.get(2);
            let pick = if increment >= 0 { "max" } else { "min" };
            let loaded: Option<i64> = self
                .client
                .query_one(
                    &format!(
                        "SELECT {pick}({})::bigint FROM {}",
                        double_quote(&column),
                        qualified(table)
                    ),
                    &[],
                )
                .map_err(|e| self.fail(&format!("cannot read the keys of {}", table.name), e))?
                .get(0);
            let Some(loaded) = loaded else { continue };
            let state = self
                .client
                .query_one(
                    &format!("SELECT last_value, is_called FROM {sequence}"),
                    &[],
                )
                .map_err(|e| self.fail(&format!("cannot read sequence {sequence}"), e))?;
            let (last, called): (i64, bool) = (state.get(0), state.get(1));
            let next = if called {
                last.saturating_add(increment)
            } else {
                last
            };
            // Only forward: a sequence already past the loaded keys stays where it is.
            let behind = if increment >= 0 {
                loaded >= next
            } else {
                loaded <= next
            };
            if behind {
                self.client
                    .execute(
                        "SELECT setval($1::text::regclass, $2, true)",
                        &[&sequence, &loaded],
                    )
                    .map_err(|e| self.fail(&format!("cannot move sequence {sequence}"), e))?;
                moved.push(format!("{sequence} → {loaded} ({}.{column})", table.name));
            }
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
        let sql = crate::db::sql::orphans_sql(
            &qualified(child),
            columns,
            &qualified(parent),
            parent_columns,
        );
        let row = self.client.query_one(&sql, &[]).map_err(|e| {
            self.fail(
                &format!(
                    "cannot check the rows of {} against {}",
                    child.name, parent.name
                ),
                e,
            )
        })?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::postgres::server_message;
    use crate::model::DbKind;
    use postgres::error::SqlState;

    #[test]
    fn a_plain_load_locks_its_tables_against_other_writers() {
        let a = Table::test("public", "note", Vec::new());
        let b = Table::test("App", "Odd \"name\"", Vec::new());
        assert_eq!(
            lock_tables_sql(&[&a, &b]),
            r#"LOCK TABLE "public"."note", "App"."Odd ""name""" IN SHARE ROW EXCLUSIVE MODE"#
        );
        assert_eq!(
            LOAD_LOCK_SQL,
            "SELECT pg_advisory_xact_lock(hashtext('dbsub ingest'))"
        );
    }

    #[test]
    fn a_full_disk_is_said_as_such_naming_the_database() {
        let url = DbUrl::new(
            DbKind::Postgres,
            "postgres://dbsub:Sup3rSecret@db.local/test",
        );
        let server = server_message(
            &SqlState::DISK_FULL,
            "could not extend file \"base/16384/16385\": No space left on device",
            None,
        );
        let err = naming_a_full_database(
            &url,
            anyhow!("cannot load seedlot: {server}").context("cannot load THE.SEEDLOT"),
        );
        let text = format!("{err:#}");
        assert!(
            text.contains(
                "the disk of the PostgreSQL server is full (the database \
                 postgres://dbsub:***@db.local/test) (could not extend file"
            ),
            "{text}"
        );
        assert!(text.contains("free space on the server's disk"), "{text}");
        assert!(!text.contains("Sup3rSecret"), "{text}");
        assert!(!text.contains("parent"), "{text}");

        // Any other error is PostgreSQL's words, unchanged.
        let other = server_message(
            &SqlState::FOREIGN_KEY_VIOLATION,
            "insert or update on table \"item\" violates foreign key constraint \"item_fk\"",
            Some("Key (customer_id)=(7) is not present in table \"customer\"."),
        );
        assert_eq!(
            other,
            "insert or update on table \"item\" violates foreign key constraint \"item_fk\" \
             (Key (customer_id)=(7) is not present in table \"customer\".)"
        );
        let err = naming_a_full_database(&url, anyhow!("{other}"));
        assert_eq!(err.to_string(), other);
    }
}
