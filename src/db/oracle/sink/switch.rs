//! What a load switches off before its transaction and on again after it: Oracle commits
//! around every DDL statement, so the loaded tables' triggers, `GENERATED ALWAYS` on the identity
//! columns written, and foreign keys whose parents are not in the extract cannot be switched
//! inside the load's transaction. [`OracleSink::transaction`] switches them off, runs the work,
//! commits or rolls back, and switches every one of them on again ([`Switched`]), also when the
//! work failed.
//!
//! Separate from the sink's load loop because it is one guarantee — nothing stays switched off,
//! or the outcome names the statement to run — kept in one place.

use anyhow::{Result, bail};
use oracle::Connection;

use super::OracleSink;
use super::messages::{ora, with_also};
use super::sql::{
    CONSTRAINT_STATE_SQL, Generation, TRIGGERS_SQL, disable_constraint_sql, enable_constraint_sql,
    enable_trigger_sql, identity_sql, qualified, triggers_sql,
};
use crate::catalog::*;

/// Something switched off before a load's transaction, and the statements that switch it on
/// again after its commit or after its rollback.
struct Switched {
    what: String,
    after_commit: Vec<String>,
    after_rollback: Vec<String>,
}

impl OracleSink {
    /// The enabled triggers of `table`: (owner, name).
    fn enabled_triggers(&self, table: &Table) -> Result<Vec<(String, String)>> {
        let rows = self
            .conn()
            .query_as::<(String, String, String)>(TRIGGERS_SQL, &[&table.schema, &table.name])
            .map_err(|e| self.fail(&format!("cannot list the triggers of {}", table.name), &e))?;
        let mut out = Vec::new();
        for row in rows {
            let (owner, name, status) = row.map_err(|e| {
                self.fail(&format!("cannot list the triggers of {}", table.name), &e)
            })?;
            if status == "ENABLED" {
                out.push((owner, name));
            }
        }
        Ok(out)
    }

    /// Whether a constraint is enabled, and whether it is validated; `None` when there is no
    /// such constraint.
    fn constraint_state(&self, table: &Table, name: &str) -> Result<Option<(bool, bool)>> {
        let row = self.conn().query_row_as::<(String, Option<String>)>(
            CONSTRAINT_STATE_SQL,
            &[&table.schema, &table.name, &name],
        );
        match row {
            Ok((status, validated)) => Ok(Some((
                status == "ENABLED",
                validated.as_deref() == Some("VALIDATED"),
            ))),
            Err(e) if e.kind() == oracle::ErrorKind::NoDataFound => Ok(None),
            Err(e) => Err(self.fail(
                &format!("cannot read foreign key {name} of {}", table.name),
                &e,
            )),
        }
    }

    /// Switches off what a load or an emptying of `tables` must not meet: their enabled
    /// triggers, `GENERATED ALWAYS` on the identity columns `always` names, and the enabled
    /// foreign keys `unchecked` names. Each step is recorded in `done` once it succeeded.
    fn switch_off(
        &self,
        tables: &[&Table],
        always: &[(&Table, String)],
        unchecked: &[(&Table, &str)],
        done: &mut Vec<Switched>,
    ) -> Result<()> {
        for table in tables {
            let triggers = self.enabled_triggers(table)?;
            if triggers.is_empty() {
                continue;
            }
            self.run(&triggers_sql(table, false)).map_err(|e| {
                self.fail(
                    &format!("cannot disable the triggers of {}", table.name),
                    &e,
                )
            })?;
            let back: Vec<String> = triggers
                .iter()
                .map(|(owner, name)| enable_trigger_sql(owner, name))
                .collect();
            done.push(Switched {
                what: format!("the triggers of {}", qualified(table)),
                after_commit: back.clone(),
                after_rollback: back,
            });
        }
        for (table, column) in always {
            self.run(&identity_sql(table, column, Generation::ByDefault, false))
                .map_err(|e| {
                    self.fail(
                        &format!(
                            "cannot let {}.{column} (GENERATED ALWAYS AS IDENTITY) take the \
                             extract's values",
                            table.name
                        ),
                        &e,
                    )
                })?;
            let back = vec![identity_sql(table, column, Generation::Always, false)];
            done.push(Switched {
                what: format!("GENERATED ALWAYS of {}.{column}", qualified(table)),
                after_commit: back.clone(),
                after_rollback: back,
            });
        }
        for (table, name) in unchecked {
            let Some((true, validated)) = self.constraint_state(table, name)? else {
                continue;
            };
            self.run(&disable_constraint_sql(table, name))
                .map_err(|e| {
                    self.fail(
                        &format!("cannot disable foreign key {name} of {}", table.name),
                        &e,
                    )
                })?;
            done.push(Switched {
                what: format!("foreign key {}.{name}", qualified(table)),
                // Its parents are not in the extract: the loaded rows are not checked.
                after_commit: vec![enable_constraint_sql(table, name, false)],
                after_rollback: vec![enable_constraint_sql(table, name, validated)],
            });
        }
        Ok(())
    }

    /// Switches back on what [`OracleSink::switch_off`] switched off, last first, trying every
    /// statement; returns what failed, with the statement to run by hand.
    fn switch_on(&self, done: &[Switched], committed: bool) -> Vec<String> {
        let mut failed = Vec::new();
        for switched in done.iter().rev() {
            let statements = if committed {
                &switched.after_commit
            } else {
                &switched.after_rollback
            };
            for sql in statements {
                if let Err(e) = self.run(sql) {
                    failed.push(format!(
                        "{} could not be switched on again ({}): run `{sql}`",
                        switched.what,
                        ora(&e)
                    ));
                }
            }
        }
        failed
    }

    /// Runs `work` as one transaction between switching off and on again: commits when it
    /// succeeds, rolls back when it fails; whatever was switched off is switched on again in
    /// both cases, and a failure to do so is added to the outcome.
    pub(super) fn transaction(
        &self,
        tables: &[&Table],
        always: &[(&Table, String)],
        unchecked: &[(&Table, &str)],
        work: &mut dyn FnMut(&Connection) -> Result<()>,
    ) -> Result<()> {
        let mut done = Vec::new();
        let outcome = self
            .switch_off(tables, always, unchecked, &mut done)
            .and_then(|()| work(self.conn()))
            .and_then(|()| {
                self.conn()
                    .commit()
                    .map_err(|e| self.fail("cannot commit", &e))
            });
        let committed = outcome.is_ok();
        let mut also = Vec::new();
        if !committed && let Err(e) = self.conn().rollback() {
            also.push(format!("the rollback failed too ({})", ora(&e)));
        }
        also.extend(self.switch_on(&done, committed));
        match outcome {
            Ok(()) if also.is_empty() => Ok(()),
            Ok(()) => bail!("the rows are in, but {}", also.join("; ")),
            Err(e) => Err(with_also(e, &also)),
        }
    }
}
