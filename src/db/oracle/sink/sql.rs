//! The sink's SQL text: the statements it loads, empties and counts with, the DDL that switches
//! triggers, identities, foreign keys and sequences, the load records' table, and the
//! dictionary queries it reads the target's state with.
//!
//! Separate from the sink so that every statement is plain text, built by pure functions and
//! golden-tested without a database.

use crate::catalog::*;
use crate::db::sql::double_quote;
use crate::model::ports::INGEST_HISTORY;

/// `"SCHEMA"."NAME"`
pub(super) fn qualified(table: &Table) -> String {
    qualified_name(&table.schema, &table.name)
}

pub(super) fn qualified_name(schema: &str, name: &str) -> String {
    format!("{}.{}", double_quote(schema), double_quote(name))
}

/// `INSERT INTO t ("A", …) VALUES (:1, …)` from (quoted column, expression) pairs.
pub(super) fn insert_sql(table: &str, columns: &[(String, String)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let exprs: Vec<&str> = columns.iter().map(|(_, e)| e.as_str()).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        exprs.join(", ")
    )
}

/// A one-row upsert by `key` (quoted names) from (quoted column, expression) pairs; without
/// an UPDATE branch when every column is in the key.
pub(super) fn merge_sql(table: &str, columns: &[(String, String)], key: &[String]) -> String {
    let select: Vec<String> = columns.iter().map(|(n, e)| format!("{e} {n}")).collect();
    let on: Vec<String> = key.iter().map(|k| format!("d.{k} = s.{k}")).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|(n, _)| !key.contains(n))
        .map(|(n, _)| format!("d.{n} = s.{n}"))
        .collect();
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let values: Vec<String> = columns.iter().map(|(n, _)| format!("s.{n}")).collect();
    let mut sql = format!(
        "MERGE INTO {table} d USING (SELECT {} FROM DUAL) s ON ({})",
        select.join(", "),
        on.join(" AND ")
    );
    if !updates.is_empty() {
        sql.push_str(&format!(
            " WHEN MATCHED THEN UPDATE SET {}",
            updates.join(", ")
        ));
    }
    sql.push_str(&format!(
        " WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    ));
    sql
}

/// `UPDATE t SET "A" = :1, … WHERE "K" = :n AND …` from (quoted column, expression) pairs.
pub(super) fn update_sql(
    table: &str,
    set: &[(String, String)],
    key: &[(String, String)],
) -> String {
    let set: Vec<String> = set.iter().map(|(n, e)| format!("{n} = {e}")).collect();
    let key: Vec<String> = key.iter().map(|(n, e)| format!("{n} = {e}")).collect();
    format!(
        "UPDATE {table} SET {} WHERE {}",
        set.join(", "),
        key.join(" AND ")
    )
}

/// `DELETE FROM t WHERE "K" = :1 AND …`: one row by its key, from (quoted column, expression)
/// pairs.
pub(super) fn delete_by_key_sql(table: &str, key: &[(String, String)]) -> String {
    let key: Vec<String> = key.iter().map(|(n, e)| format!("{n} = {e}")).collect();
    format!("DELETE FROM {table} WHERE {}", key.join(" AND "))
}

pub(super) fn delete_sql(table: &Table) -> String {
    format!("DELETE FROM {}", qualified(table))
}

/// Locks a table against every other writer until the transaction's commit or rollback; other
/// sessions still read it. Without NOWAIT, Oracle waits for a lock another session holds (an
/// ingest loading the same table) for as long as it takes.
pub(super) fn lock_table_sql(table: &Table) -> String {
    format!("LOCK TABLE {} IN EXCLUSIVE MODE", qualified(table))
}

pub(super) fn count_sql(table: &Table) -> String {
    format!("SELECT COUNT(*) FROM {}", qualified(table))
}

pub(super) fn disable_constraint_sql(table: &Table, name: &str) -> String {
    format!(
        "ALTER TABLE {} DISABLE CONSTRAINT {}",
        qualified(table),
        double_quote(name)
    )
}

/// `ENABLE VALIDATE` checks every row; `ENABLE NOVALIDATE` only rows written from now on.
pub(super) fn enable_constraint_sql(table: &Table, name: &str, validate: bool) -> String {
    format!(
        "ALTER TABLE {} ENABLE {} CONSTRAINT {}",
        qualified(table),
        if validate { "VALIDATE" } else { "NOVALIDATE" },
        double_quote(name)
    )
}

pub(super) fn triggers_sql(table: &Table, enable: bool) -> String {
    format!(
        "ALTER TABLE {} {} ALL TRIGGERS",
        qualified(table),
        if enable { "ENABLE" } else { "DISABLE" }
    )
}

pub(super) fn enable_trigger_sql(owner: &str, name: &str) -> String {
    format!("ALTER TRIGGER {} ENABLE", qualified_name(owner, name))
}

/// How an identity column generates its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Generation {
    Always,
    ByDefault,
    ByDefaultOnNull,
}

impl Generation {
    /// From `ALL_TAB_IDENTITY_COLS.GENERATION_TYPE` and `ALL_TAB_COLUMNS.DEFAULT_ON_NULL`.
    pub(super) fn of(generation_type: &str, on_null: Option<&str>) -> Generation {
        match (generation_type, on_null) {
            ("ALWAYS", _) => Generation::Always,
            (_, Some("YES")) => Generation::ByDefaultOnNull,
            _ => Generation::ByDefault,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Generation::Always => "GENERATED ALWAYS AS IDENTITY",
            Generation::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
            Generation::ByDefaultOnNull => "GENERATED BY DEFAULT ON NULL AS IDENTITY",
        }
    }
}

/// Sets how an identity column generates, keeping its sequence; with `past_max`, also moves
/// the sequence past the column's largest value (`START WITH LIMIT VALUE`).
pub(super) fn identity_sql(
    table: &Table,
    column: &str,
    generation: Generation,
    past_max: bool,
) -> String {
    format!(
        "ALTER TABLE {} MODIFY ({} {}{})",
        qualified(table),
        double_quote(column),
        generation.sql(),
        if past_max {
            " (START WITH LIMIT VALUE)"
        } else {
            ""
        }
    )
}

/// Oracle 18c and later: the next value of the sequence becomes `next`.
pub(super) fn sequence_restart_sql(sequence: &ObjectKey, next: i128) -> String {
    format!(
        "ALTER SEQUENCE {} RESTART START WITH {next}",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

/// Before 18c a sequence cannot restart: its increment is set to the gap, one value drawn,
/// and the increment set back.
pub(super) fn sequence_increment_sql(sequence: &ObjectKey, by: i128) -> String {
    format!(
        "ALTER SEQUENCE {} INCREMENT BY {by}",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

pub(super) fn nextval_sql(sequence: &ObjectKey) -> String {
    format!(
        "SELECT {}.NEXTVAL FROM DUAL",
        qualified_name(&sequence.schema, &sequence.name)
    )
}

/// The largest (or, for a descending sequence, smallest) value of a column, as text.
pub(super) fn extreme_sql(table: &Table, column: &str, largest: bool) -> String {
    format!(
        "SELECT {}({}) FROM {}",
        if largest { "MAX" } else { "MIN" },
        double_quote(column),
        qualified(table)
    )
}

/// The load records' table; its name unquoted, as the other sinks write it.
pub(super) fn history_ddl() -> String {
    format!(
        "CREATE TABLE {INGEST_HISTORY} (TABLE_NAME VARCHAR2(512) PRIMARY KEY, \
         EXTRACT_NAME CLOB NOT NULL, ROW_COUNT NUMBER(20) NOT NULL, \
         LOADED_AT VARCHAR2(64) NOT NULL, RECORD CLOB NOT NULL)"
    )
}

pub(super) fn history_delete_sql() -> String {
    format!("DELETE FROM {INGEST_HISTORY} WHERE TABLE_NAME = :1")
}

pub(super) fn history_insert_sql() -> String {
    format!(
        "INSERT INTO {INGEST_HISTORY} (TABLE_NAME, EXTRACT_NAME, ROW_COUNT, LOADED_AT, RECORD) \
         VALUES (:1, :2, :3, :4, :5)"
    )
}

/// The load record of one table (`:1`).
pub(super) fn history_record_sql() -> String {
    format!("SELECT RECORD FROM {INGEST_HISTORY} WHERE TABLE_NAME = :1")
}

pub(super) fn history_select_sql() -> String {
    format!("SELECT TABLE_NAME, RECORD FROM {INGEST_HISTORY} ORDER BY TABLE_NAME")
}

pub(super) const HISTORY_EXISTS_SQL: &str =
    "SELECT COUNT(*) FROM USER_TABLES WHERE TABLE_NAME = :1";

pub(super) const TRIGGERS_SQL: &str = "SELECT OWNER, TRIGGER_NAME, STATUS FROM ALL_TRIGGERS \
                            WHERE TABLE_OWNER = :1 AND TABLE_NAME = :2 \
                            AND BASE_OBJECT_TYPE = 'TABLE' ORDER BY OWNER, TRIGGER_NAME";

pub(super) const IDENTITY_SQL: &str = "SELECT i.COLUMN_NAME, i.GENERATION_TYPE, c.DEFAULT_ON_NULL \
                            FROM ALL_TAB_IDENTITY_COLS i JOIN ALL_TAB_COLUMNS c \
                            ON c.OWNER = i.OWNER AND c.TABLE_NAME = i.TABLE_NAME \
                            AND c.COLUMN_NAME = i.COLUMN_NAME \
                            WHERE i.OWNER = :1 AND i.TABLE_NAME = :2 ORDER BY i.COLUMN_NAME";

pub(super) const CONSTRAINT_STATE_SQL: &str = "SELECT STATUS, VALIDATED FROM ALL_CONSTRAINTS \
                                    WHERE OWNER = :1 AND TABLE_NAME = :2 \
                                    AND CONSTRAINT_NAME = :3";

pub(super) const CONSTRAINT_TABLE_SQL: &str =
    "SELECT TABLE_NAME FROM ALL_CONSTRAINTS WHERE OWNER = :1 AND CONSTRAINT_NAME = :2";

pub(super) const SEQUENCE_INCREMENT_SQL: &str = "SELECT INCREMENT_BY FROM ALL_SEQUENCES \
                                      WHERE SEQUENCE_OWNER = :1 AND SEQUENCE_NAME = :2";
