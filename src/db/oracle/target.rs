use anyhow::{Context, Result};

use super::OracleDb;
use super::client::Varchar2;
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
    /// and the file is not recorded (its history row is written only after every statement
    /// succeeded). PL/SQL that compiles with errors is created all the same, invalid, and
    /// reported as success with information (ORA-24344): that is a failure here too, with the
    /// compiler's messages from `ALL_ERRORS`.
    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        for (i, statement) in statements.iter().enumerate() {
            self.conn
                .execute(&statement.sql, &[])
                .map_err(|e| ApplyError::at(i, statement, e))?;
            if let Some(warning) = compiled_with_errors(self.conn.last_warning()) {
                let errors = self.compile_errors(&statement.sql);
                return Err(ApplyError::at(
                    i,
                    statement,
                    compile_failure(&warning, &statement.sql, &errors),
                ));
            }
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

/// The warning Oracle gives for a unit created with compilation errors (ORA-24344, "success
/// with compilation error"), if that is what `warning` is.
fn compiled_with_errors(warning: Option<oracle::Error>) -> Option<String> {
    let warning = warning?;
    let e = warning.db_error()?;
    (e.code() == COMPILED_WITH_ERRORS).then(|| e.message().to_string())
}

/// ORA-24344: success with compilation error.
const COMPILED_WITH_ERRORS: i32 = 24344;

/// The compiler's first messages for the units `sql` creates, `(kind, name, line, position,
/// text)`, from `ALL_ERRORS` (Oracle Database Reference: one row per error, `ATTRIBUTE`
/// `ERROR` or `WARNING`).
pub(super) const COMPILE_ERRORS_SQL: &str = "SELECT TYPE, NAME, LINE, POSITION, TEXT FROM ALL_ERRORS \
     WHERE UPPER(NAME) = :1 AND TYPE = :2 AND ATTRIBUTE = 'ERROR' \
     ORDER BY OWNER, SEQUENCE FETCH FIRST 5 ROWS ONLY";

type CompileError = (String, String, i64, i64, String);

/// The message of a file that created invalid PL/SQL: which unit, and the compiler's words.
fn compile_failure(warning: &str, sql: &str, errors: &[CompileError]) -> String {
    let unit = super::OracleDialect
        .objects_created(sql)
        .into_iter()
        .next()
        .map_or("the unit".to_string(), |(kind, name)| {
            format!("{kind} {name}")
        });
    let mut out = format!(
        "{unit} was created with compilation errors ({warning}); the file is not recorded as \
         applied: fix the code and run migrate again"
    );
    for (kind, name, line, position, text) in errors {
        out.push_str(&format!(
            "\n  {kind} {name} line {line}, column {position}: {}",
            text.trim()
        ));
    }
    out
}

impl OracleDb {
    /// The compiler's messages for the unit `sql` created; none if they cannot be read.
    fn compile_errors(&self, sql: &str) -> Vec<CompileError> {
        let Some((kind, name)) = super::OracleDialect.objects_created(sql).into_iter().next()
        else {
            return Vec::new();
        };
        self.conn
            .query_as::<CompileError>(COMPILE_ERRORS_SQL, &[&Varchar2(&name), &Varchar2(&kind)])
            .map(|rows| rows.filter_map(|r| r.ok()).collect())
            .unwrap_or_default()
    }

    /// Whether the schema has the history table.
    fn history_exists(&self) -> Result<bool> {
        let (exists,): (i64,) = self
            .conn
            .query_row_as(
                HISTORY_EXISTS_SQL,
                &[&Varchar2(&HISTORY.to_ascii_uppercase())],
            )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(deprecated)] // the driver offers no other way to make a database error
    fn warning(code: i32, message: &str) -> Option<oracle::Error> {
        Some(oracle::Error::OciError(oracle::DbError::new(
            code, 0, message, "", "",
        )))
    }

    #[test]
    fn only_compilation_errors_fail_a_statement_that_succeeded() {
        let compiled = compiled_with_errors(warning(24344, "success with compilation error"));
        assert_eq!(compiled.as_deref(), Some("success with compilation error"));
        // A password about to expire, say, is a warning that changes nothing here.
        assert_eq!(
            compiled_with_errors(warning(28002, "password expires")),
            None
        );
        assert_eq!(compiled_with_errors(None), None);
    }

    #[test]
    fn a_compilation_failure_names_the_unit_and_the_compiler_messages() {
        let errors = vec![(
            "PACKAGE BODY".to_string(),
            "CUSTOMER_API".to_string(),
            4,
            5,
            "PLS-00201: identifier 'NO_SUCH' must be declared\n".to_string(),
        )];
        let message = compile_failure(
            "ORA-24344: success with compilation error",
            "CREATE OR REPLACE PACKAGE BODY TGT.CUSTOMER_API AS\nEND;",
            &errors,
        );
        assert_eq!(
            message,
            "PACKAGE BODY CUSTOMER_API was created with compilation errors (ORA-24344: success \
             with compilation error); the file is not recorded as applied: fix the code and run \
             migrate again\n  PACKAGE BODY CUSTOMER_API line 4, column 5: PLS-00201: identifier \
             'NO_SUCH' must be declared"
        );
    }
}
