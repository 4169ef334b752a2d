use anyhow::{Context, Result};

use super::{PgDb, pg_message};
use crate::model::migration::HISTORY_TABLE as HISTORY;
use crate::model::migration::{Applied, ApplyError, Migration, Statement};
use crate::model::ports::{Dialect, MigrationTarget};

impl MigrationTarget for PgDb {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::PgDialect
    }

    fn create_history(&mut self) -> Result<()> {
        self.client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {HISTORY} (version text PRIMARY KEY, \
                 description text NOT NULL, script text NOT NULL, checksum text NOT NULL, \
                 installed_on timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL)"
            ))
            .with_context(|| format!("cannot create {HISTORY} in {}", self.url))
    }

    fn history(&mut self) -> Result<Vec<Applied>> {
        // The table the unqualified name resolves to, as CREATE TABLE above made it.
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY])
            .with_context(|| format!("cannot read the tables of {}", self.url))?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = self.client.query(
            &format!(
                "SELECT version, script, checksum, \
                 to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                 FROM {HISTORY}"
            ),
            &[],
        )?;
        rows.iter()
            .map(|row| Applied::from_history(row.get(0), row.get(1), row.get(2), row.get(3)))
            .collect()
    }

    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        let mut tx = self.client.transaction().map_err(ApplyError::setup)?;
        for (i, statement) in statements.iter().enumerate() {
            tx.batch_execute(&statement.sql)
                .map_err(|e| ApplyError::at(i, statement, pg_message(&e)))?;
        }
        tx.execute(
            &format!(
                "INSERT INTO {HISTORY} (version, description, script, checksum, execution_ms) \
                 VALUES ($1, $2, $3, $4, $5)"
            ),
            &[
                &migration.version.to_string(),
                &migration.description,
                &migration.file_name,
                &migration.checksum,
                &(started.elapsed().as_millis() as i64),
            ],
        )
        .map_err(ApplyError::setup)?;
        tx.commit().map_err(ApplyError::setup)
    }
}
