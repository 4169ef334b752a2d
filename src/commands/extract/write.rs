//! Writing the tables of an extract: `--jobs` tables at once, each on its own connection in the
//! one snapshot, its rows masked on the way and written into parts that an interrupted run
//! resumes.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar};

use super::TableSummary;
use super::delta::Deleted;
use crate::archive::manifest::{ColumnEntry, Deletes, MaskedColumn, PartEntry, TableEntry};
use crate::archive::writer::SubsetWriter;
use crate::catalog::Column;
use crate::mask::{Masking, TableMasker};
use crate::model::exit::Class;
use crate::model::ports::RowSource;
use crate::model::row::{Condition, ReadRequest, RowFilter};
use crate::model::value::Value;
use crate::output::{self, human_bytes};
use crate::subset::Scope;
use crate::subset::closure::{Selection, TableRows};

/// One table to write, with the rows the closure selected.
pub(super) struct Job {
    pub(super) index: usize,
    pub(super) selected: TableRows,
}

/// What every table's write shares.
pub(super) struct Ctx<'a> {
    pub(super) scope: &'a Scope,
    pub(super) writer: &'a SubsetWriter,
    pub(super) part_size: u64,
    pub(super) fingerprint_base: serde_json::Value,
    pub(super) masking: &'a Masking,
    /// Hidden with `--quiet`.
    pub(super) progress: MultiProgress,
}

impl Ctx<'_> {
    /// Writes `jobs`, one source each at a time (`--jobs` connections in one snapshot), the
    /// largest tables first so that parallel jobs end together. Stops at the first failure;
    /// the parts written so far are kept for a resume.
    pub(super) fn write_tables(
        &self,
        sources: &mut [Box<dyn RowSource>],
        mut jobs: Vec<Job>,
    ) -> Result<Vec<(usize, TableEntry, TableSummary)>> {
        jobs.sort_by_key(|j| std::cmp::Reverse(j.selected.rows));
        let queue = Mutex::new(jobs.into_iter().collect::<VecDeque<Job>>());
        let results = Mutex::new(Vec::new());
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|threads| {
            for source in sources.iter_mut() {
                let (queue, results, failure) = (&queue, &results, &failure);
                threads.spawn(move || {
                    loop {
                        if failure.lock().expect("not poisoned").is_some() {
                            return;
                        }
                        let Some(job) = queue.lock().expect("not poisoned").pop_front() else {
                            return;
                        };
                        match self.write_table(source.as_mut(), job) {
                            Ok(done) => results.lock().expect("not poisoned").push(done),
                            Err(e) => {
                                failure.lock().expect("not poisoned").get_or_insert(e);
                                return;
                            }
                        }
                    }
                });
            }
        });
        if let Some(err) = failure.into_inner().expect("not poisoned") {
            if output::interrupted() {
                return Err(Class::Interrupted.error(
                    "interrupted (Ctrl-C): the parts written so far are kept; run the same \
                     command again to resume (--refresh starts over)",
                ));
            }
            return Err(err.context(
                "the extract stopped; the parts written so far are kept: once the cause is \
                 fixed, run the same command again to resume (--refresh starts over)",
            ));
        }
        Ok(results.into_inner().expect("not poisoned"))
    }

    /// Reads one table's selected rows, masks them and writes them into parts, resuming after
    /// the parts an interrupted run left.
    fn write_table(
        &self,
        source: &mut dyn RowSource,
        job: Job,
    ) -> Result<(usize, TableEntry, TableSummary)> {
        let started = Instant::now();
        let table = &self.scope.tables[job.index].table;
        let name = table.key().qualified_name();
        let columns: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .collect();
        let fingerprint = serde_json::json!({
            "base": self.fingerprint_base,
            "table": name,
            "columns": columns.iter().map(|c| (&c.name, &c.neutral_type)).collect::<Vec<_>>(),
            "identity": &job.selected.identity,
        });
        let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let mut write = self.writer.table(
            &table.schema,
            &table.name,
            &header,
            self.part_size,
            &fingerprint,
            job.selected.rows,
        )?;
        let (kept_parts, skip) = (write.kept_parts(), write.skip());
        let bar = self.table_bar(&name, job.selected.rows, skip);
        let mut masker = TableMasker::new(self.masking, job.index, table, &columns);
        let masks = masker.source_masks().to_vec();
        let mut bytes_done = write.bytes();
        let mut written = 0u64;
        let mut each = |values: &[Value<'_>]| -> Result<()> {
            super::stop_if_interrupted()?;
            masker.mask(values, &name, &mut |row| {
                if let Some(bytes) = write.write_row(row)? {
                    bytes_done += bytes;
                    bar.set_message(human_bytes(bytes_done));
                }
                Ok(())
            })?;
            written += 1;
            if written.is_multiple_of(4096) {
                bar.inc(4096);
            }
            Ok(())
        };
        let read = ReadRequest {
            table,
            columns: &columns,
            masks: &masks,
            order_by: &job.selected.identity,
            filter: RowFilter::All,
            skip,
        };
        read_selected(source, read, &job.selected.selection, &mut each)?;
        let parts = write.finish()?;
        let rows: u64 = parts.iter().map(|p| p.rows).sum();
        let bytes: u64 = parts.iter().map(|p| p.bytes).sum();
        bar.set_position(rows);
        bar.set_message(human_bytes(bytes));
        bar.finish();
        let entry = self.entry(job.index, &columns, rows, parts);
        let summary = TableSummary {
            table: name,
            rows,
            parts: entry.parts.len(),
            bytes,
            kept_parts,
            seconds: started.elapsed().as_secs_f64(),
            high_water: None,
            deletes: None,
        };
        Ok((job.index, entry, summary))
    }

    /// Writes the deletes of one table of a delta: its keys, in key set order, into parts that
    /// an interrupted run resumes like a table's rows.
    pub(super) fn write_deletes(&self, deleted: &Deleted) -> Result<Deletes> {
        let table = &self.scope.tables[deleted.table].table;
        let header: Vec<&str> = deleted.columns.iter().map(String::as_str).collect();
        let fingerprint = serde_json::json!({
            "base": self.fingerprint_base,
            "deletes": table.key().qualified_name(),
            "columns": &deleted.columns,
        });
        let rows = deleted.keys.len();
        let mut write = self.writer.deletes(
            &table.schema,
            &table.name,
            &header,
            self.part_size,
            &fingerprint,
            rows,
        )?;
        deleted
            .keys
            .for_each_batch(4096, write.skip(), &mut |keys| {
                for key in keys {
                    let values = crate::model::key::decode(key)?;
                    write.write_row(&super::delta::key_values(&values))?;
                }
                Ok(())
            })?;
        Ok(Deletes {
            columns: deleted.columns.clone(),
            rows,
            parts: write.finish()?,
        })
    }

    /// A table's row bar, starting after the `skip` rows of kept parts.
    fn table_bar(&self, name: &str, rows: u64, skip: u64) -> ProgressBar {
        let bar = output::rows_bar(&self.progress, name, rows);
        bar.set_position(skip);
        bar
    }

    /// The manifest's entry of table `index` of the scope, archived as `columns`.
    fn entry(
        &self,
        index: usize,
        columns: &[&Column],
        rows: u64,
        parts: Vec<PartEntry>,
    ) -> TableEntry {
        let st = &self.scope.tables[index];
        TableEntry {
            schema: st.table.schema.clone(),
            name: st.table.name.clone(),
            reason: serde_json::to_value(&st.reason).expect("a reason always serializes"),
            path: self.scope.path(index),
            columns: columns
                .iter()
                .map(|c| ColumnEntry {
                    name: c.name.clone(),
                    native_type: c.native_type.clone(),
                    neutral_type: c.neutral_type.clone(),
                    nullable: c.nullable,
                })
                .collect(),
            primary_key: st.table.primary_key.as_ref().map(|k| k.columns.clone()),
            foreign_keys: self
                .scope
                .edges
                .iter()
                .filter(|e| e.child == index)
                .map(|e| e.foreign_key.clone())
                .collect(),
            masked: self
                .masking
                .table(index)
                .iter()
                .map(|m| MaskedColumn {
                    column: m.column.clone(),
                    rule: m.strategy.to_string(),
                    follows: m.follows.clone(),
                })
                .collect(),
            rows,
            parts,
            watermark: None,
            deletes: None,
        }
    }
}

/// Reads the rows the closure selected (`selection`: all, the seed's condition, or by keys in
/// batches the source takes) as `read` asks: in the order of the table's identity, or of the
/// key set (the encoded keys' bytes), in which the kept parts' rows are skipped.
pub(super) fn read_selected(
    source: &mut dyn RowSource,
    read: ReadRequest<'_>,
    selection: &Selection,
    each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
) -> Result<()> {
    match selection {
        Selection::All => source.read_rows(&read, each),
        Selection::Where { condition, params } => source.read_rows(
            &ReadRequest {
                filter: RowFilter::Where(Condition {
                    sql: condition,
                    params,
                }),
                ..read
            },
            each,
        ),
        Selection::Keys(keys) => {
            let batch = source.max_batch();
            keys.for_each_batch(batch, read.skip, &mut |keys| {
                let filter = RowFilter::In {
                    columns: read.order_by,
                    keys,
                };
                source.read_rows(
                    &ReadRequest {
                        filter,
                        skip: 0,
                        ..read
                    },
                    each,
                )
            })
        }
    }
}
