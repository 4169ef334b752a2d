use anyhow::{Context, Result, anyhow, bail};

use rusqlite::{Connection, OptionalExtension};

use super::{SqliteDb, sqlite_message};
use crate::catalog::*;
use crate::db::sql::{double_quote, orphan_keys_sql, orphans_sql, string_literal};
use crate::model::DbUrl;
use crate::model::ports::{
    CatalogReader, CycleHandling, INGEST_HISTORY, LoadMode, LoadRecord, MergeCounts, Occupied,
    RowSink, TableLoad,
};
use crate::model::value::Value;

// ---------------------------------------------------------------------------------------------
// RowSink: loading rows into a local SQLite database.

/// A SQLite database loaded through one connection with foreign keys enforced.
pub struct SqliteSink {
    db: SqliteDb,
}

impl SqliteSink {
    /// Opens (creating it if needed) the file of a `sqlite://` URL for loading.
    pub fn open(url: &DbUrl) -> Result<SqliteSink> {
        let path = url.file_path()?;
        if !path.exists() {
            bail!(
                "SQLite database {} does not exist: create it with the migrations first \
                 (dbsub create-migrations --dialect sqlite, then dbsub migrate), or run \
                 `dbsub demo`",
                path.display()
            );
        }
        let db = SqliteDb::open_read_write(url)?;
        // Foreign keys are checked while loading; a bigger page cache keeps index upkeep of
        // large tables in memory.
        db.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;")
            .with_context(|| format!("cannot set up {} for loading", path.display()))?;
        // Another ingest's transaction (one table's load) is waited for, not failed on.
        db.conn
            .busy_timeout(BUSY_TIMEOUT)
            .with_context(|| format!("cannot set up {} for loading", path.display()))?;
        Ok(SqliteSink { db })
    }

    fn fail(&self, what: &str, e: rusqlite::Error) -> anyhow::Error {
        anyhow!(
            "{what} in SQLite database {}: {}",
            self.db.path.display(),
            sqlite_message(&e)
        )
    }

    /// Whether SQLite runs `sql` without a temporary B-tree (for a DISTINCT, an ORDER BY or a
    /// GROUP BY), by its query plan.
    fn in_index_order(&self, sql: &str) -> rusqlite::Result<bool> {
        let mut plan = self.db.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let mut rows = plan.query([])?;
        while let Some(row) = rows.next()? {
            if row.get::<_, String>(3)?.contains("TEMP B-TREE") {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The foreign keys whose child columns no index leads with, among those that reference one of
/// `loaded` (names as in the database), when a foreign key of `loaded` references one of them
/// (a cycle, a self-reference): as `(child table, columns)`, each once.
///
/// While a transaction has a deferred foreign-key violation outstanding (a child row before its
/// parent, as a cycle loads), SQLite looks for the child rows of every row inserted into a
/// parent table, to count the violations it fixes: without an index on the child's columns,
/// that is a scan of the child table per row inserted, and the load grows with the square of
/// the rows (150 s instead of a second for 170,000 rows).
fn unindexed_child_keys(conn: &Connection, loaded: &[&str]) -> Result<Vec<(String, Vec<String>)>> {
    let is_loaded = |name: &str| loaded.iter().any(|l| l.eq_ignore_ascii_case(name));
    // Every foreign key of the database: (child, id) → (parent, columns in order).
    let mut stmt = conn.prepare(
        "SELECT m.name, f.id, f.\"table\", f.\"from\" FROM sqlite_schema m, \
         pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
    )?;
    let mut keys: Vec<(String, i64, String, Vec<String>)> = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (child, id, parent, column): (String, i64, String, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        match keys.last_mut() {
            Some(k) if k.0 == child && k.1 == id => k.3.push(column),
            _ => keys.push((child, id, parent, vec![column])),
        }
    }
    let within = keys
        .iter()
        .any(|(child, _, parent, _)| is_loaded(child) && is_loaded(parent));
    if !within {
        return Ok(Vec::new());
    }
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (child, _, parent, columns) in keys {
        if !is_loaded(&parent)
            || out.iter().any(|(c, cols)| *c == child && *cols == columns)
            || leads_an_index(conn, &child, &columns)?
        {
            continue;
        }
        out.push((child, columns));
    }
    Ok(out)
}

/// Whether the child rows of `columns` are found without a scan: `columns` are the first
/// columns of an index of `table`, or a unique index's columns are the first of `columns` (one
/// probe finds the only row that can match, as for the demo's `FOREST_CLIENT (CLIENT_NUMBER,
/// PRIMARY_LOCN_CODE)` by its primary key `CLIENT_NUMBER`), or the first column is its rowid.
fn leads_an_index(conn: &Connection, table: &str, columns: &[String]) -> Result<bool> {
    let mut stmt = conn.prepare(
        "SELECT l.name, l.\"unique\", i.name FROM pragma_index_list(?1) l, \
         pragma_index_info(l.name) i WHERE l.partial = 0 ORDER BY l.name, i.seqno",
    )?;
    let mut indexes: Vec<(String, bool, Vec<String>)> = Vec::new();
    let mut rows = stmt.query([table])?;
    while let Some(row) = rows.next()? {
        let (index, unique, column): (String, bool, Option<String>) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        let column = column.unwrap_or_default();
        match indexes.last_mut() {
            Some(i) if i.0 == index => i.2.push(column),
            _ => indexes.push((index, unique, vec![column])),
        }
    }
    let same = |a: &String, b: &String| a.eq_ignore_ascii_case(b);
    let finds = |unique: bool, cols: &[String]| {
        let leads =
            cols.len() >= columns.len() && cols.iter().zip(columns).all(|(a, b)| same(a, b));
        let pins = unique
            && cols.len() <= columns.len()
            && cols.iter().zip(columns).all(|(a, b)| same(a, b));
        leads || pins
    };
    if indexes.iter().any(|(_, unique, cols)| finds(*unique, cols)) {
        return Ok(true);
    }
    // An INTEGER PRIMARY KEY is the rowid: looked up, not scanned.
    let rowid: Option<String> = conn
        .query_row(
            "SELECT name FROM pragma_table_info(?1) WHERE pk = 1 AND upper(type) = 'INTEGER' \
             AND (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1",
            [table],
            |r| r.get(0),
        )
        .optional()?;
    Ok(matches!((rowid, columns), (Some(r), [c, ..]) if r.eq_ignore_ascii_case(c)))
}

/// Creates, inside the load's transaction, an index on each of `keys` (see
/// [`unindexed_child_keys`]); [`drop_load_indexes`] drops them before the commit, so that the
/// database's schema ends as it was, whatever happens.
fn create_load_indexes(tx: &Connection, keys: &[(String, Vec<String>)]) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(keys.len());
    for (i, (table, columns)) in keys.iter().enumerate() {
        let name = format!("dbsub_load_{i}");
        let list: Vec<String> = columns.iter().map(|c| double_quote(c)).collect();
        tx.execute_batch(&format!(
            "CREATE INDEX {} ON {} ({})",
            double_quote(&name),
            double_quote(table),
            list.join(", ")
        ))
        .with_context(|| format!("cannot index {table} ({}) for the load", columns.join(", ")))?;
        names.push(name);
    }
    Ok(names)
}

fn drop_load_indexes(tx: &Connection, names: &[String]) -> Result<()> {
    for name in names {
        tx.execute_batch(&format!("DROP INDEX {}", double_quote(name)))?;
    }
    Ok(())
}

/// How long a load waits for another connection's write transaction to end.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Starts the write transaction of a load or an emptying: `BEGIN IMMEDIATE` takes the
/// database's write lock at once, so that whatever the transaction reads first (is the table
/// empty?) no other writer can change before its commit.
fn begin_immediate<'c>(
    conn: &'c mut Connection,
    path: &std::path::Path,
    tables: &[&str],
) -> Result<rusqlite::Transaction<'c>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| {
            let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
            if busy {
                anyhow!(
                    "SQLite database {} is locked: another connection (another ingest?) has been \
                     writing to it for over {} s; nothing was written to {}: run again once it \
                     is done",
                    path.display(),
                    BUSY_TIMEOUT.as_secs(),
                    tables.join(", ")
                )
            } else {
                anyhow::Error::from(e)
                    .context(format!("cannot start a transaction in {}", path.display()))
            }
        })
}

/// A write that failed because of where the database is rather than what was written — the
/// file is read-only, its disk is full — said as such, naming the file, the tables (`tables`,
/// whose transaction rolled back) and the remedy. Any other error comes back as it was.
fn explain_storage(path: &std::path::Path, tables: &[&str], e: anyhow::Error) -> anyhow::Error {
    let Some(cause) = e.chain().find_map(|c| c.downcast_ref::<rusqlite::Error>()) else {
        return e;
    };
    let what = match cause.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly) => format!(
            "SQLite database {} is read-only ({}): nothing was written to {}; make the file \
             and its folder writable for this user (SQLite writes a journal beside the file), \
             or set DBSUB_TARGET_SQLITE to a writable copy",
            path.display(),
            sqlite_message(cause),
            tables.join(", ")
        ),
        Some(rusqlite::ErrorCode::DiskFull) => format!(
            "the disk holding SQLite database {} is full ({}): nothing was written to {} (its \
             transaction rolled back); free space on that disk, or set DBSUB_TARGET_SQLITE to a \
             file on another disk, then run the same command again",
            path.display(),
            sqlite_message(cause),
            tables.join(", ")
        ),
        _ => return e,
    };
    anyhow!(what)
}

/// Fails with [`Occupied`] when a table of a plain load holds rows (inside its transaction).
fn refuse_occupied(tx: &Connection, tables: &[&Table]) -> Result<()> {
    Occupied::refuse(tables, &mut |table| {
        let sql = format!("SELECT count(*) FROM {}", double_quote(&table.name));
        let rows: i64 = tx.query_row(&sql, [], |r| r.get(0)).map_err(|e| {
            anyhow!(
                "cannot count the rows of {}: {}",
                table.name,
                sqlite_message(&e)
            )
        })?;
        Ok(rows as u64)
    })
}

/// Creates the load records' table, inside the caller's transaction (so that a failed load
/// leaves no trace of it either).
fn ensure_history(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {INGEST_HISTORY} (table_name TEXT PRIMARY KEY, \
         extract TEXT NOT NULL, rows INTEGER NOT NULL, loaded_at TEXT NOT NULL, \
         record TEXT NOT NULL)"
    ))
    .map_err(|e| anyhow::Error::from(e).context(format!("cannot create {INGEST_HISTORY}")))
}

/// The rows of `tables` that reference a missing parent, as a message (empty when none).
fn violations(conn: &Connection, tables: &[&str]) -> String {
    let mut lines = Vec::new();
    for table in tables {
        let sql = format!(
            "SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check({})",
            string_literal(table)
        );
        let Ok(mut stmt) = conn.prepare(&sql) else {
            continue;
        };
        let Ok(rows) = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        }) else {
            continue;
        };
        let mut found: Vec<(String, Option<i64>, String)> = rows.flatten().collect();
        if found.is_empty() {
            continue;
        }
        let n = found.len();
        let (child, rowid, parent) = found.swap_remove(0);
        lines.push(format!(
            "{child}: {n} row{} reference{} rows missing from {parent} (first: rowid {})",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            rowid.map_or("?".to_string(), |r| r.to_string())
        ));
    }
    lines.join("; ")
}

impl SqliteSink {
    fn load_one(
        tx: &rusqlite::Transaction<'_>,
        load: &mut TableLoad<'_>,
        mode: LoadMode,
    ) -> Result<()> {
        let name = &load.table.name;
        // Triggers: dropped inside the transaction and created again before its commit, so
        // that a failed or killed load leaves them exactly as they were.
        let triggers = drop_triggers(tx, name)?;
        let sql = insert_sql(load, mode);
        let affinities: Vec<Affinity> = load
            .columns
            .iter()
            .map(|c| Affinity::of(&c.native_type))
            .collect();
        let columns = load.columns.clone();
        // A merge's counts: the table's growth is the rows inserted. Exact, as the load's
        // transaction began IMMEDIATE: no other connection writes until its commit.
        let count = || -> Result<u64> {
            let sql = format!("SELECT count(*) FROM {}", double_quote(name));
            let n: i64 = tx.query_row(&sql, [], |r| r.get(0))?;
            Ok(n as u64)
        };
        let before = match mode {
            LoadMode::Merge => count()?,
            LoadMode::Insert => 0,
        };
        let fed = {
            let mut stmt = tx.prepare(&sql).map_err(|e| {
                anyhow!("cannot prepare the load of {name}: {}", sqlite_message(&e))
            })?;
            let mut text = Vec::with_capacity(64);
            (load.rows)(&mut |values| {
                bind_row(&mut stmt, values, &columns, &affinities, &mut text)?;
                // Kept typed: a full disk or a read-only file is told apart (explain_storage).
                stmt.raw_execute().map_err(anyhow::Error::from)?;
                Ok(())
            })?
        };
        if mode == LoadMode::Merge {
            let counts = MergeCounts::from_growth(name, fed, before, count()?)?;
            load.record.merged = Some(counts);
        }
        create_triggers(tx, &triggers)?;
        Ok(())
    }

    /// Deletes the rows whose keys `load.deletes` gives (its triggers off), counting them into
    /// its record. A delete that leaves rows of another table without their parent fails at the
    /// commit (foreign keys are deferred); one that would reach further — a cascade, a SET
    /// NULL — fails here: a refresh deletes the rows it names and nothing else.
    fn delete_keys(tx: &rusqlite::Transaction<'_>, load: &mut TableLoad<'_>) -> Result<()> {
        let Some(deletes) = load.deletes.as_mut() else {
            return Ok(());
        };
        let name = &load.table.name;
        let triggers = drop_triggers(tx, name)?;
        let sql = delete_sql(&load.table.name, &deletes.columns);
        let columns = deletes.columns.clone();
        let affinities: Vec<Affinity> = columns
            .iter()
            .map(|c| Affinity::of(&c.native_type))
            .collect();
        let before = tx.total_changes();
        let orphans_before = orphans_of(tx, name)?;
        let mut deleted = 0u64;
        {
            let mut stmt = tx.prepare(&sql).map_err(|e| {
                anyhow!(
                    "cannot prepare the deletes of {name}: {}",
                    sqlite_message(&e)
                )
            })?;
            let mut text = Vec::with_capacity(64);
            (deletes.keys)(&mut |values| {
                bind_row(&mut stmt, values, &columns, &affinities, &mut text)?;
                deleted += stmt.raw_execute().map_err(anyhow::Error::from)? as u64;
                Ok(())
            })?;
        }
        let beyond = tx.total_changes() - before - deleted;
        if beyond > 0 {
            bail!(
                "deleting {deleted} rows of {name} changed {beyond} rows of other tables (a \
                 foreign key's ON DELETE action): nothing was written; a refresh deletes only the \
                 rows the delta names — make those keys NO ACTION in the target"
            );
        }
        // Checked here too, as a load with unchecked keys runs with foreign keys off: rows of
        // other tables that lost their parent to these deletes.
        let orphaned: Vec<String> = orphans_of(tx, name)?
            .into_iter()
            .filter_map(|(child, n)| {
                let was = orphans_before
                    .iter()
                    .find(|(c, _)| *c == child)
                    .map_or(0, |(_, b)| *b);
                (n > was).then(|| format!("{} of {child}", plural(n - was, "row")))
            })
            .collect();
        if !orphaned.is_empty() {
            bail!(
                "deleting {deleted} rows of {name} would leave {} without their parent (a \
                 foreign key to {name}): nothing was written (a refresh never deletes other rows \
                 to make keys hold); extract the delta again, or load those rows' own changes",
                orphaned.join(", ")
            );
        }
        create_triggers(tx, &triggers)?;
        load.record.deleted = Some(deleted);
        Ok(())
    }
}

/// The rows of each table that reference a missing row of `parent`, by table: SQLite's own
/// foreign-key check of the tables with a key to `parent`, which reads the rows whether the
/// checks are on or off.
fn orphans_of(tx: &Connection, parent: &str) -> Result<Vec<(String, u64)>> {
    let mut stmt = tx.prepare(
        "WITH children AS (SELECT DISTINCT s.name FROM sqlite_schema s, \
         pragma_foreign_key_list(s.name) f WHERE s.type = 'table' \
         AND f.\"table\" = ?1 COLLATE NOCASE) \
         SELECT k.\"table\", count(*) FROM children c, pragma_foreign_key_check(c.name) k \
         WHERE k.parent = ?1 COLLATE NOCASE GROUP BY k.\"table\"",
    )?;
    let rows = stmt.query_map([parent], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    rows.map(|r| Ok(r.map(|(t, n)| (t, n as u64))?)).collect()
}

/// `n` rows (or other things), in words.
fn plural(n: u64, what: &str) -> String {
    crate::output::plural(n as usize, what)
}

/// `DELETE FROM t WHERE k1 = ?1 AND …`: one row by its key, the values bound.
fn delete_sql(table: &str, key: &[&Column]) -> String {
    let matches: Vec<String> = key
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = ?{}", double_quote(&c.name), i + 1))
        .collect();
    format!(
        "DELETE FROM {} WHERE {}",
        double_quote(table),
        matches.join(" AND ")
    )
}

/// Writes a table's load record, in the load's transaction.
fn write_record(tx: &Connection, record: &LoadRecord) -> Result<()> {
    let text = serde_json::to_string(record).expect("a record always serializes");
    tx.execute(
        &format!(
            "INSERT INTO {INGEST_HISTORY} (table_name, extract, rows, loaded_at, record) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (table_name) DO UPDATE SET \
             extract = excluded.extract, rows = excluded.rows, \
             loaded_at = excluded.loaded_at, record = excluded.record"
        ),
        rusqlite::params![
            record.table,
            record.extract,
            record.rows as i64,
            record.loaded_at,
            text
        ],
    )?;
    Ok(())
}

/// The load record of `table`, read in the caller's transaction (after [`ensure_history`]).
fn current_record(tx: &Connection, table: &str) -> Result<Option<LoadRecord>> {
    let text: Option<String> = tx
        .query_row(
            &format!("SELECT record FROM {INGEST_HISTORY} WHERE table_name = ?1"),
            [table],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| {
        serde_json::from_str(&t).with_context(|| {
            format!("the {INGEST_HISTORY} row of {table} is damaged: load that table again with --refreshdb")
        })
    })
    .transpose()
}

/// The 8-byte float that holds the canonical decimal `d` exactly (the same number, its scale
/// aside: `12.50` is 12.5), or `None` when no float does.
fn exact_f64(d: &str) -> Option<f64> {
    let f: f64 = d.parse().ok()?;
    let digits = d.trim_start_matches('-');
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let significant = if int.is_empty() {
        frac.trim_start_matches('0').len()
    } else {
        int.len() + frac.len()
    };
    // Up to 15 significant digits always survive a round trip through a double; beyond, only
    // when the shortest form of the double gives them back.
    if significant <= 15 {
        return Some(f);
    }
    let shortest = crate::model::text::decimal_from_f64(f)?;
    let wanted = if frac.is_empty() {
        digits
            .split_once('.')
            .map_or(digits, |(i, _)| i)
            .to_string()
    } else {
        format!(
            "{}.{frac}",
            digits.split_once('.').map_or(digits, |(i, _)| i)
        )
    };
    (shortest.trim_start_matches('-') == wanted).then_some(f)
}

/// Drops the triggers of `table` inside the caller's transaction and returns their SQL, to be
/// created again (with [`create_triggers`]) before its commit: SQLite cannot disable a
/// trigger, and a rollback brings them back by itself.
fn drop_triggers(tx: &Connection, table: &str) -> Result<Vec<String>> {
    let triggers: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 \
             AND sql IS NOT NULL ORDER BY rowid",
        )?;
        let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (trigger, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", double_quote(trigger)))?;
    }
    Ok(triggers.into_iter().map(|(_, sql)| sql).collect())
}

fn create_triggers(tx: &Connection, triggers: &[String]) -> Result<()> {
    for sql in triggers {
        tx.execute_batch(sql)?;
    }
    Ok(())
}

/// `INSERT INTO t (…) VALUES (?…)`, with an upsert on the key for a merge.
fn insert_sql(load: &TableLoad<'_>, mode: LoadMode) -> String {
    let names: Vec<String> = load.columns.iter().map(|c| double_quote(&c.name)).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        double_quote(&load.table.name),
        names.join(", "),
        marks.join(", ")
    );
    if mode == LoadMode::Merge {
        let key: Vec<String> = load.key.iter().map(|k| double_quote(k)).collect();
        let updates: Vec<String> = load
            .columns
            .iter()
            .filter(|c| !load.key.iter().any(|k| k.eq_ignore_ascii_case(&c.name)))
            .map(|c| {
                let q = double_quote(&c.name);
                format!("{q} = excluded.{q}")
            })
            .collect();
        sql.push_str(&format!(" ON CONFLICT ({}) DO ", key.join(", ")));
        if updates.is_empty() {
            sql.push_str("NOTHING");
        } else {
            sql.push_str(&format!("UPDATE SET {}", updates.join(", ")));
        }
    }
    sql
}

/// Binds a row's `values` to the parameters of `stmt`, in order, each by its column.
fn bind_row(
    stmt: &mut rusqlite::Statement<'_>,
    values: &[Value<'_>],
    columns: &[&Column],
    affinities: &[Affinity],
    text: &mut Vec<u8>,
) -> Result<()> {
    for (i, value) in values.iter().enumerate() {
        let column = columns[i];
        bind(stmt, i + 1, value, column, affinities[i], text)
            .map_err(|why| anyhow!("column {}: {why}", column.name))?;
    }
    Ok(())
}

/// A column's type affinity, from its declared type (SQLite's rules, section 3.1 of its
/// datatype documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

impl Affinity {
    fn of(declared: &str) -> Affinity {
        let upper = declared.to_ascii_uppercase();
        if upper.contains("INT") {
            Affinity::Integer
        } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
            Affinity::Text
        } else if upper.contains("BLOB") || upper.trim().is_empty() {
            Affinity::Blob
        } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }
}

/// Binds one loaded value the way dbsub's SQLite source reads it back: booleans and integers
/// as integers, exact decimals as integers or reals only when that keeps every digit (SQLite's
/// numeric affinity would round longer ones), dates and timestamps as ISO 8601 text with a
/// space before the time (SQLite's own convention), binary as blobs.
fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &Value<'_>,
    column: &Column,
    affinity: Affinity,
    text: &mut Vec<u8>,
) -> Result<(), String> {
    let result = match value {
        Value::Null => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        Value::Bool(b) => stmt.raw_bind_parameter(index, *b as i64),
        Value::Int(i) => stmt.raw_bind_parameter(index, *i),
        Value::Float(f) => stmt.raw_bind_parameter(index, *f),
        Value::Decimal(d) => {
            if let Ok(i) = d.parse::<i64>() {
                stmt.raw_bind_parameter(index, i)
            } else if matches!(affinity, Affinity::Text | Affinity::Blob) {
                stmt.raw_bind_parameter(index, d.as_ref())
            } else {
                match exact_f64(d) {
                    Some(f) => stmt.raw_bind_parameter(index, f),
                    None => {
                        return Err(format!(
                            "{d} has more digits than SQLite's {} column `{}` stores exactly \
                             (15 significant digits): declare the column as TEXT in the target \
                             to keep every digit",
                            match affinity {
                                Affinity::Integer => "integer",
                                Affinity::Real => "real",
                                _ => "numeric",
                            },
                            column.native_type
                        ));
                    }
                }
            }
        }
        Value::Text(t) => stmt.raw_bind_parameter(index, t.as_ref()),
        Value::Bytes(b) => stmt.raw_bind_parameter(index, b.as_ref()),
        Value::Date(_)
        | Value::Time(_)
        | Value::Timestamp(_)
        | Value::TimestampTz(..)
        | Value::Interval(_) => {
            text.clear();
            value.write_csv(text);
            if matches!(value, Value::Timestamp(_) | Value::TimestampTz(..)) {
                // The date never holds a `T`: the first one separates the time.
                if let Some(t) = text.iter().position(|&b| b == b'T') {
                    text[t] = b' ';
                }
            } else if matches!(value, Value::Date(_))
                && matches!(column.neutral_type, NeutralType::Timestamp { .. })
            {
                text.extend_from_slice(b" 00:00:00");
            }
            let s = std::str::from_utf8(text).expect("the archive writes ASCII for these types");
            stmt.raw_bind_parameter(index, s)
        }
    };
    result.map_err(|e| sqlite_message(&e))
}

impl RowSink for SqliteSink {
    fn catalog(&mut self) -> Result<Catalog> {
        let schema = self.db.schema.clone();
        self.db.read_catalog(&[schema])
    }

    fn cycle_handling(&self) -> CycleHandling {
        CycleHandling::OneTransaction
    }

    fn count_rows(&mut self, table: &Table) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {}", double_quote(&table.name));
        let n: i64 = self
            .db
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| self.fail(&format!("cannot count the rows of {}", table.name), e))?;
        Ok(n as u64)
    }

    fn records(&mut self) -> Result<Vec<LoadRecord>> {
        let exists: bool = self
            .db
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [INGEST_HISTORY],
                |r| r.get(0),
            )
            .map_err(|e| self.fail("cannot read the schema", e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .db
            .conn
            .prepare(&format!(
                "SELECT table_name, record FROM {INGEST_HISTORY} ORDER BY rowid"
            ))
            .map_err(|e| self.fail(&format!("cannot read {INGEST_HISTORY}"), e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| anyhow!("cannot read {INGEST_HISTORY}: {e}"))?;
        let mut out = Vec::new();
        for row in rows {
            let (table, text) = row?;
            out.push(serde_json::from_str(&text).with_context(|| {
                format!("the {INGEST_HISTORY} row of {table} is damaged: load that table again with --refreshdb")
            })?);
        }
        Ok(out)
    }

    fn empty(&mut self, tables: &[&Table]) -> Result<()> {
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        self.empty_all(tables)
            .map_err(|e| explain_storage(&self.db.path, &names, e))
    }

    fn load(
        &mut self,
        tables: &mut [TableLoad<'_>],
        mode: LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        // SQLite cannot switch off one foreign key: with any key unchecked, none is.
        let check_foreign_keys = unchecked.is_empty();
        if !check_foreign_keys {
            self.db.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let outcome = self.load_all(tables, mode);
        if !check_foreign_keys {
            self.db.conn.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        let names: Vec<&str> = tables.iter().map(|t| t.table.name.as_str()).collect();
        outcome.map_err(|e| explain_storage(&self.db.path, &names, e))
    }

    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>> {
        // A rowid table continues after its largest rowid by itself; AUTOINCREMENT keeps the
        // largest ever in sqlite_sequence, which an explicit insert also moves. Make sure.
        let has_sequence: bool = self.db.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'sqlite_sequence'",
            [],
            |r| r.get(0),
        )?;
        if !has_sequence || !self.has_rowid(table) {
            return Ok(Vec::new());
        }
        let quoted = double_quote(&table.name);
        let changed = self.db.conn.execute(
            &format!(
                "UPDATE sqlite_sequence SET seq = (SELECT max(rowid) FROM {quoted}) \
                 WHERE name = ?1 AND seq < (SELECT max(rowid) FROM {quoted})"
            ),
            [&table.name],
        )?;
        Ok(if changed > 0 {
            vec![format!("{} AUTOINCREMENT", table.name)]
        } else {
            Vec::new()
        })
    }

    fn count_orphans(
        &mut self,
        child: &Table,
        columns: &[String],
        parent: &Table,
        parent_columns: &[String],
    ) -> Result<u64> {
        let (child_sql, parent_sql) = (double_quote(&child.name), double_quote(&parent.name));
        let failed = |e| {
            self.fail(
                &format!(
                    "cannot check the rows of {} against {}",
                    child.name, parent.name
                ),
                e,
            )
        };
        // Rows whose key repeats (a seed's million rows reference 200,000 parents) are checked
        // once per distinct key when an index of the child gives its keys in order: no orphan
        // key, no orphan row. Without such an index DISTINCT would build a temporary B-tree of
        // every key, and the rows are probed one by one.
        let keys = orphan_keys_sql(&child_sql, columns, &parent_sql, parent_columns);
        if self.in_index_order(&keys).map_err(failed)? {
            let n: i64 = self
                .db
                .conn
                .query_row(&keys, [], |r| r.get(0))
                .map_err(failed)?;
            if n == 0 {
                return Ok(0);
            }
        }
        let sql = orphans_sql(&child_sql, columns, &parent_sql, parent_columns);
        let n: i64 = self
            .db
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(failed)?;
        Ok(n as u64)
    }
}

impl SqliteSink {
    /// [`RowSink::empty`], with SQLite's own errors.
    fn empty_all(&mut self, tables: &[&Table]) -> Result<()> {
        let path = self.db.path.clone();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let tx = begin_immediate(&mut self.db.conn, &path, &names)?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        ensure_history(&tx)?;
        for table in tables {
            // Emptying is part of the load: the table's triggers do not fire.
            let triggers = drop_triggers(&tx, &table.name)?;
            tx.execute(&format!("DELETE FROM {}", double_quote(&table.name)), [])
                .map_err(|e| {
                    anyhow::Error::from(e).context(format!("cannot empty {}", table.name))
                })?;
            create_triggers(&tx, &triggers)?;
            tx.execute(
                &format!("DELETE FROM {INGEST_HISTORY} WHERE table_name = ?1"),
                [&table.name],
            )?;
        }
        if let Err(e) = tx.execute_batch("COMMIT") {
            drop(tx);
            if e.sqlite_error_code() != Some(rusqlite::ErrorCode::ConstraintViolation) {
                return Err(
                    anyhow::Error::from(e).context(format!("cannot empty {}", names.join(", ")))
                );
            }
            bail!(
                "emptying {} would leave rows of other tables without their parents ({}); \
                 nothing was deleted: load those tables too, or empty them first",
                names.join(", "),
                sqlite_message(&e)
            );
        }
        // After the COMMIT, dropping `tx` finds no open transaction and does nothing.
        Ok(())
    }

    fn has_rowid(&self, table: &Table) -> bool {
        self.db
            .conn
            .prepare(&format!(
                "SELECT rowid FROM {} LIMIT 0",
                double_quote(&table.name)
            ))
            .is_ok()
    }

    fn load_all(&mut self, tables: &mut [TableLoad<'_>], mode: LoadMode) -> Result<()> {
        let path = self.db.path.clone();
        let names: Vec<&str> = tables.iter().map(|t| t.table.name.as_str()).collect();
        let tx = begin_immediate(&mut self.db.conn, &path, &names)?;
        if mode == LoadMode::Insert {
            let loaded: Vec<&Table> = tables.iter().map(|t| t.table).collect();
            refuse_occupied(&tx, &loaded)?;
        }
        // Foreign keys are checked at the commit, so that the tables of a cycle can load in
        // any order within the transaction.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        ensure_history(&tx)?;
        for load in tables.iter() {
            load.check_position(current_record(&tx, &load.table.name)?.as_ref())?;
        }
        // A cycle or a self-reference may leave violations outstanding until its parents are
        // in: the child keys SQLite then looks up at every row get an index for the load.
        let indexes = create_load_indexes(&tx, &unindexed_child_keys(&tx, &names)?)?;
        for load in tables.iter_mut() {
            SqliteSink::load_one(&tx, load, mode)?;
        }
        // Deletes after every table has its rows, children before parents.
        for load in tables.iter_mut().rev() {
            SqliteSink::delete_keys(&tx, load)?;
        }
        drop_load_indexes(&tx, &indexes)?;
        for load in tables.iter() {
            write_record(&tx, &load.record)?;
        }
        if let Err(e) = tx.execute_batch("COMMIT") {
            if e.sqlite_error_code() != Some(rusqlite::ErrorCode::ConstraintViolation) {
                drop(tx);
                return Err(anyhow::Error::from(e).context(format!(
                    "cannot commit the load of {} in {}",
                    names.join(", "),
                    path.display()
                )));
            }
            let detail = violations(&tx, &names);
            drop(tx);
            bail!(
                "{}{}; nothing was written (the load never deletes rows to make constraints \
                 pass): load the parent tables first, or run verify to see what is missing",
                sqlite_message(&e),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" — {detail}")
                }
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ports::KeyDeletes;

    #[test]
    fn decimals_bind_as_doubles_only_when_exact() {
        assert_eq!(exact_f64("12.50"), Some(12.5));
        assert_eq!(exact_f64("-0.00012345"), Some(-0.00012345));
        assert_eq!(exact_f64("123456789012345"), Some(123456789012345.0));
        assert_eq!(exact_f64("12345678901234.56789"), None);
        assert_eq!(exact_f64("0.1000000000000000055511151231257827"), None);
        // A double exactly, but read back in its shortest form 1152921504606847000.
        assert_eq!(exact_f64("1152921504606846976.0"), None);
        assert_eq!(Affinity::of("VARCHAR2(30)"), Affinity::Text);
        assert_eq!(Affinity::of("NUMBER(8,2)"), Affinity::Numeric);
        assert_eq!(Affinity::of("BIGINT"), Affinity::Integer);
        assert_eq!(Affinity::of("BINARY_DOUBLE"), Affinity::Real);
        assert_eq!(Affinity::of(""), Affinity::Blob);
    }

    /// A sink on a new database file built by `sql`, and the file's folder.
    fn sink_on(sql: &str) -> (SqliteSink, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target.db");
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let url = DbUrl::new(
            crate::model::DbKind::Sqlite,
            &format!("sqlite://{}", path.display()),
        );
        (SqliteSink::open(&url).unwrap(), dir)
    }

    #[test]
    fn orphans_are_counted_as_rows_whether_or_not_an_index_orders_the_child_keys() {
        // A parent of two keys; children whose keys repeat, then three rows of them on two
        // keys no parent has (written with the checks off, as another connection may), one
        // of them only in part (a NULL column is no reference).
        let (mut sink, _dir) = sink_on(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE parent (a INTEGER, b TEXT, PRIMARY KEY (a, b));
             CREATE TABLE indexed (id INTEGER PRIMARY KEY, a INTEGER, b TEXT,
                 FOREIGN KEY (a, b) REFERENCES parent (a, b));
             CREATE INDEX indexed_ab ON indexed (a, b);
             CREATE TABLE plain (id INTEGER PRIMARY KEY, a INTEGER, b TEXT,
                 FOREIGN KEY (a, b) REFERENCES parent (a, b));
             INSERT INTO parent VALUES (1, 'x'), (2, 'y');",
        );
        let fill = |sink: &SqliteSink, rows: &str| {
            for table in ["indexed", "plain"] {
                sink.db
                    .conn
                    .execute_batch(&format!(
                        "PRAGMA foreign_keys = OFF; DELETE FROM {table}; \
                         INSERT INTO {table} (a, b) VALUES {rows}; PRAGMA foreign_keys = ON"
                    ))
                    .unwrap();
            }
        };
        fill(
            &sink,
            "(1, 'x'), (1, 'x'), (2, 'y'), (NULL, 'z'), (2, NULL)",
        );
        let catalog = sink.catalog().unwrap();
        let table = |name: &str| catalog.tables.iter().find(|t| t.name == name).unwrap();
        let (key, parent) = (["a".to_string(), "b".to_string()], table("parent"));
        let keys = orphan_keys_sql("\"indexed\"", &key, "\"parent\"", &key);
        assert!(sink.in_index_order(&keys).unwrap(), "{keys}");
        let keys = orphan_keys_sql("\"plain\"", &key, "\"parent\"", &key);
        assert!(!sink.in_index_order(&keys).unwrap(), "{keys}");
        for child in ["indexed", "plain"] {
            let n = sink
                .count_orphans(table(child), &key, parent, &key)
                .unwrap();
            assert_eq!(n, 0, "{child}");
        }
        fill(
            &sink,
            "(1, 'x'), (3, 'x'), (3, 'x'), (2, 'x'), (2, 'y'), (NULL, 'z')",
        );
        for child in ["indexed", "plain"] {
            let n = sink
                .count_orphans(table(child), &key, parent, &key)
                .unwrap();
            assert_eq!(n, 3, "{child}");
        }
    }

    fn note_record() -> LoadRecord {
        LoadRecord::sample("NOTE", LoadMode::Insert, 1)
    }

    /// A load of `n` rows into the empty table NOTE (TXT TEXT) of `sink`.
    fn load_notes(sink: &mut SqliteSink, n: usize) -> Result<()> {
        let catalog = sink.catalog().unwrap();
        let table = &catalog.tables[0];
        let mut loads = vec![TableLoad {
            table,
            columns: table.columns.iter().collect(),
            key: Vec::new(),
            rows: Box::new(|each| {
                for i in 0..n {
                    each(&[Value::Text(format!("note {i:0>100}").into())])?;
                }
                Ok(n as u64)
            }),
            deletes: None,
            after: None,
            record: note_record(),
        }];
        sink.load(&mut loads, LoadMode::Insert, &[])
    }

    /// customer ↔ address (a cycle: customer's key to address unindexed, address's to customer
    /// indexed); invoice references address from outside the load (unindexed); part references
    /// itself by its INTEGER PRIMARY KEY's neighbour and by its rowid.
    const CYCLE: &str = "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT,
             default_address_id INTEGER REFERENCES address (id));
         CREATE TABLE address (id INTEGER PRIMARY KEY, street TEXT,
             customer_id INTEGER NOT NULL REFERENCES customer (id));
         CREATE INDEX address_customer ON address (customer_id);
         CREATE TABLE invoice (id INTEGER PRIMARY KEY, address_id INTEGER REFERENCES address (id));
         CREATE TABLE part (id INTEGER PRIMARY KEY REFERENCES part (id), up INTEGER REFERENCES part (id));
         CREATE TABLE client (no TEXT PRIMARY KEY, locn TEXT,
             FOREIGN KEY (no, locn) REFERENCES location (client_no, code));
         CREATE TABLE location (client_no TEXT NOT NULL REFERENCES client (no), code TEXT NOT NULL,
             PRIMARY KEY (client_no, code));
         CREATE TABLE batch (id INTEGER PRIMARY KEY, part_id INTEGER,
             FOREIGN KEY (id, part_id) REFERENCES pair (a, b));
         CREATE TABLE pair (a INTEGER, b INTEGER, PRIMARY KEY (a, b),
             FOREIGN KEY (a) REFERENCES batch (id));";

    #[test]
    fn a_cycle_indexes_the_child_keys_sqlite_looks_up_while_violations_are_outstanding() {
        let (sink, _dir) = sink_on(CYCLE);
        let conn = &sink.db.conn;
        let keys = |loaded: &[&str]| -> Vec<(String, Vec<String>)> {
            unindexed_child_keys(conn, loaded).unwrap()
        };
        let key = |t: &str, c: &str| (t.to_string(), vec![c.to_string()]);
        assert_eq!(
            keys(&["CUSTOMER", "address"]),
            [
                key("customer", "default_address_id"),
                key("invoice", "address_id")
            ],
            "address.customer_id has an index; invoice's key is looked up too when an address \
             goes in"
        );
        assert_eq!(
            keys(&["part"]),
            [key("part", "up")],
            "a self-reference; its rowid needs no index"
        );
        assert!(
            keys(&["invoice"]).is_empty(),
            "no foreign key within the load: no violation can wait for a parent"
        );
        assert!(
            keys(&["client", "location"]).is_empty(),
            "client's (no, locn) is found by its primary key on no; location's client_no leads \
             its primary key"
        );
        assert!(
            keys(&["batch", "pair"]).is_empty(),
            "batch's (id, part_id) starts with its rowid"
        );
    }

    #[test]
    fn a_cycle_loads_children_before_their_parents_and_leaves_no_index_behind() {
        let (mut sink, _dir) = sink_on(CYCLE);
        let catalog = sink.catalog().unwrap();
        let table = |name: &str| catalog.tables.iter().find(|t| t.name == name).unwrap();
        let (customer, address) = (table("customer"), table("address"));
        let n = 2000i64;
        let mut loads = vec![
            TableLoad {
                table: customer,
                columns: customer.columns.iter().collect(),
                key: Vec::new(),
                rows: Box::new(move |each| {
                    for i in 0..n {
                        let name = Value::Text(format!("c{i}").into());
                        each(&[Value::Int(i), name, Value::Int(i)])?;
                    }
                    Ok(n as u64)
                }),
                deletes: None,
                after: None,
                record: LoadRecord::sample("customer", LoadMode::Insert, n as u64),
            },
            TableLoad {
                table: address,
                columns: address.columns.iter().collect(),
                key: Vec::new(),
                rows: Box::new(move |each| {
                    for i in 0..n {
                        let street = Value::Text(format!("s{i}").into());
                        each(&[Value::Int(i), street, Value::Int((i * 7) % n)])?;
                    }
                    Ok(n as u64)
                }),
                deletes: None,
                after: None,
                record: LoadRecord::sample("address", LoadMode::Insert, n as u64),
            },
        ];
        sink.load(&mut loads, LoadMode::Insert, &[]).unwrap();
        drop(loads);
        let conn = &sink.db.conn;
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM customer"), n);
        assert_eq!(count("SELECT count(*) FROM address"), n);
        assert_eq!(
            count("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'dbsub_load%'"),
            0,
            "the load's indexes are dropped before its commit"
        );
    }

    #[test]
    fn a_full_disk_or_a_read_only_file_is_said_as_such_naming_the_file() {
        let (mut sink, _dir) = sink_on("CREATE TABLE NOTE (TXT TEXT);");
        let path = sink.db.path.display().to_string();
        // SQLite's own SQLITE_FULL: the file may not grow past a few pages.
        let pages: i64 = sink
            .db
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        sink.db
            .conn
            .execute_batch(&format!("PRAGMA max_page_count = {}", pages + 2))
            .unwrap();
        let err = format!("{:#}", load_notes(&mut sink, 5000).unwrap_err());
        assert!(
            err.starts_with(&format!(
                "the disk holding SQLite database {path} is full ("
            )),
            "{err}"
        );
        assert!(err.contains("nothing was written to NOTE"), "{err}");
        assert!(err.contains("free space on that disk"), "{err}");
        assert!(!err.contains("parent") && !err.contains("foreign"), "{err}");
        sink.db
            .conn
            .execute_batch("PRAGMA max_page_count = 1000000")
            .unwrap();
        let table = &sink.catalog().unwrap().tables[0];
        assert_eq!(sink.count_rows(table).unwrap(), 0);

        // SQLite's own SQLITE_READONLY.
        sink.db
            .conn
            .execute_batch("PRAGMA query_only = ON")
            .unwrap();
        let err = format!("{:#}", load_notes(&mut sink, 10).unwrap_err());
        assert!(
            err.starts_with(&format!("SQLite database {path} is read-only (")),
            "{err}"
        );
        assert!(
            err.contains("make the file and its folder writable"),
            "{err}"
        );
        let err = format!("{:#}", sink.empty(&[table]).unwrap_err());
        assert!(
            err.starts_with(&format!("SQLite database {path} is read-only (")),
            "{err}"
        );

        // Other errors pass unchanged.
        let other = anyhow!("UNIQUE constraint failed: NOTE.TXT");
        assert_eq!(
            explain_storage(std::path::Path::new("x.db"), &["NOTE"], other).to_string(),
            "UNIQUE constraint failed: NOTE.TXT"
        );
    }

    /// A delta's merge of `ids` into PARENT with deletes of `deleted` keys.
    fn merge_with_deletes(
        sink: &mut SqliteSink,
        ids: &[i64],
        deleted: &[i64],
        unchecked: bool,
    ) -> Result<u64> {
        let catalog = sink.catalog().unwrap();
        let table = catalog.tables.iter().find(|t| t.name == "PARENT").unwrap();
        let mut loads = vec![TableLoad {
            table,
            columns: table.columns.iter().collect(),
            key: vec!["ID".into()],
            rows: Box::new(|each| {
                for id in ids {
                    each(&[Value::Int(*id)])?;
                }
                Ok(ids.len() as u64)
            }),
            deletes: Some(KeyDeletes {
                columns: table.columns.iter().collect(),
                keys: Box::new(|each| {
                    for id in deleted {
                        each(&[Value::Int(*id)])?;
                    }
                    Ok(deleted.len() as u64)
                }),
            }),
            after: None,
            record: LoadRecord {
                table: "PARENT".into(),
                mode: LoadMode::Merge,
                ..note_record()
            },
        }];
        // Any key left unchecked switches SQLite's checks off for the whole load.
        let cut = [(table, "A_KEY_TO_OUTSIDE")];
        sink.load(
            &mut loads,
            LoadMode::Merge,
            if unchecked { &cut } else { &[] },
        )?;
        Ok(loads[0].record.deleted.unwrap())
    }

    #[test]
    fn a_deltas_deletes_remove_their_rows_and_nothing_else() {
        let schema = "CREATE TABLE PARENT (ID INTEGER PRIMARY KEY); \
                      INSERT INTO PARENT VALUES (1), (2), (3), (4);";
        // Keys that match no row delete nothing; the count is of rows deleted.
        let (mut sink, _dir) = sink_on(schema);
        assert_eq!(
            merge_with_deletes(&mut sink, &[5], &[2, 3, 9], false).unwrap(),
            2
        );
        let catalog = sink.catalog().unwrap();
        assert_eq!(sink.count_rows(&catalog.tables[0]).unwrap(), 3);

        // A parent whose children still reference it: refused, nothing written.
        let cases = [
            ("", true),
            ("", false),
            ("ON DELETE CASCADE", false),
            ("ON DELETE SET NULL", false),
        ];
        for (action, unchecked) in cases {
            let (mut sink, dir) = sink_on(&format!(
                "{schema} CREATE TABLE CHILD (ID INTEGER PRIMARY KEY, \
                 PARENT_ID INTEGER REFERENCES PARENT (ID) {action}); \
                 INSERT INTO CHILD VALUES (10, 2), (11, NULL);"
            ));
            let err = format!(
                "{:#}",
                merge_with_deletes(&mut sink, &[5], &[2], unchecked).unwrap_err()
            );
            if action.is_empty() {
                // Foreign keys on, or off for a load with unchecked keys: refused either way.
                assert!(
                    err.contains(
                        "deleting 1 rows of PARENT would leave 1 row of CHILD without their parent"
                    ),
                    "{err}"
                );
            } else {
                assert!(
                    err.contains("deleting 1 rows of PARENT changed 1 rows of other tables"),
                    "{action}: {err}"
                );
            }
            let conn = Connection::open(dir.path().join("target.db")).unwrap();
            let state: (i64, i64, Option<i64>) = conn
                .query_row(
                    "SELECT (SELECT count(*) FROM PARENT), (SELECT count(*) FROM CHILD), \
                     (SELECT PARENT_ID FROM CHILD WHERE ID = 10)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(state, (4, 2, Some(2)), "{action}: as it was");
        }
    }

    #[test]
    fn a_plain_load_into_a_table_that_holds_rows_now_is_refused_and_writes_nothing() {
        let (mut sink, _dir) =
            sink_on("CREATE TABLE NOTE (TXT TEXT); INSERT INTO NOTE VALUES ('x');");
        let catalog = sink.catalog().unwrap();
        let table = &catalog.tables[0];
        let fed = std::cell::Cell::new(0);
        let mut loads = vec![TableLoad {
            table,
            columns: table.columns.iter().collect(),
            key: Vec::new(),
            rows: Box::new(|each| {
                fed.set(fed.get() + 1);
                each(&[Value::Text("y".into())])?;
                Ok(1)
            }),
            deletes: None,
            after: None,
            record: note_record(),
        }];
        let err = sink.load(&mut loads, LoadMode::Insert, &[]).unwrap_err();
        assert_eq!(
            err.downcast_ref::<Occupied>(),
            Some(&Occupied {
                table: "NOTE".into(),
                rows: 1
            })
        );
        assert_eq!(
            err.to_string(),
            "NOTE holds 1 row that was not there when this ingest began: another ingest (or \
             program) loaded it meanwhile; this run wrote nothing to it"
        );
        drop(loads);
        assert_eq!(fed.get(), 0, "no row was read");
        assert_eq!(sink.count_rows(table).unwrap(), 1);
        assert!(sink.records().unwrap().is_empty());

        // A merge upserts into rows that are there: no refusal.
        let (mut sink, _dir) = sink_on(
            "CREATE TABLE NOTE (ID INTEGER PRIMARY KEY, TXT TEXT); INSERT INTO NOTE VALUES (1, 'x');",
        );
        let catalog = sink.catalog().unwrap();
        let table = &catalog.tables[0];
        let mut loads = vec![TableLoad {
            table,
            columns: table.columns.iter().collect(),
            key: vec!["ID".into()],
            rows: Box::new(|each| {
                each(&[Value::Int(1), Value::Text("y".into())])?;
                Ok(1)
            }),
            deletes: None,
            after: None,
            record: LoadRecord {
                mode: LoadMode::Merge,
                ..note_record()
            },
        }];
        sink.load(&mut loads, LoadMode::Merge, &[]).unwrap();
        drop(loads);
        assert_eq!(sink.count_rows(table).unwrap(), 1);
    }
}
