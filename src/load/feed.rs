//! The rows of a table as a sink takes them: read from the cached parts, each value checked
//! against its target column (it fits unchanged; NOT NULL holds) before it is handed over.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::bail;

use super::check_interrupt;
use super::plan::Mapped;
use crate::archive::reader::{PartCache, TableReader};
use crate::model::fit::fits;
use crate::model::ports::RowFeed;
use crate::model::value::Value;

/// Test hook: `DBSUB_TEST_ABORT_AFTER_ROWS=N` aborts the process (as a kill would) when the
/// N-th row has been handed to the target, inside its table's transaction, to prove that a
/// killed load leaves the table as it was and a re-run finishes it.
fn abort_after_rows() -> Option<u64> {
    std::env::var("DBSUB_TEST_ABORT_AFTER_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
}

static ROWS_HANDED: AtomicU64 = AtomicU64::new(0);

/// Hears of a table's rows as they are handed to the sink (a progress bar).
pub trait Progress {
    /// One more row.
    fn row(&self);
    /// The last row was read.
    fn done(&self);
}

/// The rows of a table, from the cached parts (`cache`), each value checked against its target
/// column; `progress` hears of each.
pub fn feed<'a>(
    m: &'a Mapped<'_, '_>,
    cache: &'a PartCache,
    progress: impl Progress + 'a,
) -> Box<RowFeed<'a>> {
    let abort_at = abort_after_rows();
    Box::new(move |each| {
        let mut reader = TableReader::new(m.entry);
        let columns = &m.columns;
        for part in &m.entry.parts {
            let path = cache.path(part);
            reader.read_part(part, &path, &mut |values| {
                check_interrupt()?;
                for (value, column) in values.iter().zip(columns) {
                    if let Err(why) = fits(value, &column.neutral_type) {
                        bail!("column {} ({}): {why}", column.name, column.native_type);
                    }
                    if !column.nullable && matches!(value, Value::Null) {
                        bail!(
                            "column {} is NOT NULL in the target; the extract has NULL",
                            column.name
                        );
                    }
                }
                each(values)?;
                progress.row();
                if abort_at.is_some_and(|n| ROWS_HANDED.fetch_add(1, Ordering::SeqCst) + 1 >= n) {
                    std::process::abort();
                }
                Ok(())
            })?;
        }
        progress.done();
        Ok(reader.rows())
    })
}
