use anyhow::{Context, Result};

use super::{SqliteDb, sqlite_message};
use crate::model::migration::HISTORY_TABLE as HISTORY;
use crate::model::migration::{Applied, ApplyError, Migration, Statement};
use crate::model::ports::{Dialect, MigrationTarget};

impl MigrationTarget for SqliteDb {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::SqliteDialect
    }

    fn create_history(&mut self) -> Result<()> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {HISTORY} (version TEXT PRIMARY KEY, \
                 description TEXT NOT NULL, script TEXT NOT NULL, checksum TEXT NOT NULL, \
                 installed_on TEXT NOT NULL, execution_ms INTEGER NOT NULL)"
            ))
            .with_context(|| format!("cannot create {HISTORY} in {}", self.path.display()))
    }

    fn history(&mut self) -> Result<Vec<Applied>> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [HISTORY],
                |r| r.get(0),
            )
            .with_context(|| format!("cannot read the tables of {}", self.path.display()))?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT version, script, checksum, installed_on FROM {HISTORY}"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.map(|row| {
            let (version, script, checksum, installed_on) = row?;
            Applied::from_history(version, script, checksum, installed_on)
        })
        .collect()
    }

    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        let tx = self.conn.transaction().map_err(ApplyError::setup)?;
        for (i, statement) in statements.iter().enumerate() {
            tx.execute_batch(&statement.sql)
                .map_err(|e| ApplyError::at(i, statement, sqlite_message(&e)))?;
        }
        tx.execute(
            &format!(
                "INSERT INTO {HISTORY} (version, description, script, checksum, installed_on, \
                 execution_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ),
            rusqlite::params![
                migration.version.to_string(),
                migration.description,
                migration.file_name,
                migration.checksum,
                crate::model::clock::now_rfc3339(),
                started.elapsed().as_millis() as i64
            ],
        )
        .map_err(ApplyError::setup)?;
        tx.commit().map_err(ApplyError::setup)
    }
}
