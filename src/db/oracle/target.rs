use anyhow::{Context, Result};

use super::OracleDb;
use crate::model::migration::HISTORY_TABLE as HISTORY;
use crate::model::migration::{Applied, ApplyError, Migration, Statement};
use crate::model::ports::{Dialect, MigrationTarget};

impl MigrationTarget for OracleDb {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::OracleDialect
    }

    fn create_history(&mut self) -> Result<()> {
        if self.history_exists()? {
            return Ok(());
        }
        self.conn
            .execute(&history_ddl(), &[])
            .with_context(|| format!("cannot create {HISTORY} in {}", self.url))?;
        Ok(())
    }

    fn history(&mut self) -> Result<Vec<Applied>> {
        if !self.history_exists()? {
            return Ok(Vec::new());
        }
        let rows = self
            .conn
            .query_as::<(String, String, String, String)>(&history_select_sql(), &[])
            .with_context(|| format!("cannot read {HISTORY} in {}", self.url))?;
        rows.map(|row| {
            let (version, script, checksum, installed_on) = row?;
            Applied::from_history(version, script, checksum, installed_on)
        })
        .collect()
    }

    /// Oracle commits each DDL statement: a failure leaves the statements before it applied,
    /// and the file is not recorded.
    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        for (i, statement) in statements.iter().enumerate() {
            self.conn
                .execute(&statement.sql, &[])
                .map_err(|e| ApplyError::at(i, statement, e))?;
        }
        let elapsed = started.elapsed().as_millis() as i64;
        self.conn
            .execute(
                &history_insert_sql(),
                &[
                    &migration.version.to_string(),
                    &migration.description,
                    &migration.file_name,
                    &migration.checksum,
                    &elapsed,
                ],
            )
            .map_err(ApplyError::setup)?;
        self.conn.commit().map_err(ApplyError::setup)
    }
}

impl OracleDb {
    /// Whether the schema has the history table.
    fn history_exists(&self) -> Result<bool> {
        let (exists,): (i64,) = self
            .conn
            .query_row_as(HISTORY_EXISTS_SQL, &[&HISTORY.to_ascii_uppercase()])
            .with_context(|| format!("cannot read the tables of {}", self.url))?;
        Ok(exists > 0)
    }
}

// The statements on the migration history table, as the driver receives them (the grammar check
// of `statements.rs` writes each one out).

pub(super) fn history_ddl() -> String {
    format!(
        "CREATE TABLE {HISTORY} (VERSION VARCHAR2(100) PRIMARY KEY, \
         DESCRIPTION VARCHAR2(400) NOT NULL, SCRIPT VARCHAR2(1000) NOT NULL, \
         CHECKSUM VARCHAR2(64) NOT NULL, \
         INSTALLED_ON TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, \
         EXECUTION_MS NUMBER(19) NOT NULL)"
    )
}

pub(super) fn history_select_sql() -> String {
    format!(
        "SELECT VERSION, SCRIPT, CHECKSUM, \
         TO_CHAR(INSTALLED_ON, 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM {HISTORY}"
    )
}

pub(super) fn history_insert_sql() -> String {
    format!(
        "INSERT INTO {HISTORY} (VERSION, DESCRIPTION, SCRIPT, CHECKSUM, \
         EXECUTION_MS) VALUES (:1, :2, :3, :4, :5)"
    )
}

pub(super) const HISTORY_EXISTS_SQL: &str =
    "SELECT COUNT(*) FROM user_tables WHERE table_name = :1";
