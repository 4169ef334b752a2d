//! The plan's `[refresh]` watermarks resolved against the scope: which column of which table
//! says that a row changed, for `extract --incremental`.

use anyhow::{Result, bail};

use super::{Plan, Reason, Scope};
use crate::catalog::lookup::{self, ObjectQuery};
use crate::catalog::{NeutralType, ObjectKey};

/// A table of the scope with a watermark column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatermarkColumn {
    /// Index into [`Scope::tables`].
    pub table: usize,
    /// The column, as the catalog spells it.
    pub column: String,
}

impl Scope {
    /// The plan's `[refresh] watermarks`, each a table of this scope and a column it has (the
    /// column name as written, else the only column of that name in another case).
    ///
    /// Fails, naming it and the remedy, on a table the subset does not read, a passthrough
    /// table (copied whole by every delta, a watermark would not be used) or a column the
    /// table lacks.
    pub fn watermarks(&self, plan: &Plan) -> Result<Vec<WatermarkColumn>> {
        let Some(refresh) = &plan.refresh else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, column) in &refresh.watermarks {
            let keys: Vec<ObjectKey> = self.tables.iter().map(|t| t.table.key()).collect();
            let key = match lookup::find(&keys, &ObjectQuery::named(name)) {
                Ok(key) => key,
                Err(e) => bail!(
                    "[refresh] watermarks names the table `{name}`, which this subset does not \
                     read ({e:#}): name a seed, parent or child table of the plan, or remove it"
                ),
            };
            let table = self
                .tables
                .iter()
                .position(|t| t.table.key() == key)
                .expect("found among the scope's tables");
            let t = &self.tables[table];
            if t.reason == Reason::Passthrough {
                bail!(
                    "[refresh] watermarks names the passthrough table `{name}`: every delta \
                     copies it whole; remove it from the watermarks"
                );
            }
            let found = t.table.column(column).or_else(|| {
                let mut same = t
                    .table
                    .columns
                    .iter()
                    .filter(|c| c.name.eq_ignore_ascii_case(column));
                same.next().filter(|_| same.next().is_none())
            });
            let Some(found) = found else {
                let names: Vec<&str> = t.table.columns.iter().map(|c| c.name.as_str()).collect();
                bail!(
                    "[refresh] watermarks gives `{name}` the column `{column}`, which {} does not \
                     have (its columns: {}): name the column whose value grows with every insert \
                     and update of a row",
                    key.qualified_name(),
                    names.join(", ")
                );
            };
            // Compared with `>` and read with MAX in every source: a value that sorts. Oracle
            // takes neither a LOB nor a LONG in MAX or a comparison (ORA-00932, ORA-00997).
            if !matches!(
                found.neutral_type,
                NeutralType::Integer { .. }
                    | NeutralType::Decimal { .. }
                    | NeutralType::Float { .. }
                    | NeutralType::Text { .. }
                    | NeutralType::NationalText { .. }
                    | NeutralType::Date
                    | NeutralType::Time { .. }
                    | NeutralType::Timestamp { .. }
                    | NeutralType::TimestampTz { .. }
            ) {
                bail!(
                    "[refresh] watermarks gives `{name}` the column `{}`, of type {}, which does \
                     not sort: name a timestamp, date, number or text column whose value grows \
                     with every insert and update of a row",
                    found.name,
                    found.native_type
                );
            }
            out.push(WatermarkColumn {
                table,
                column: found.name.clone(),
            });
        }
        out.sort_by_key(|w| w.table);
        Ok(out)
    }
}
