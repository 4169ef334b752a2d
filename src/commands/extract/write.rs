//! Writing the tables of an extract: `--jobs` tasks at once — whole tables, or the chunks of a
//! big one — each on its own connection in the one snapshot, its rows masked on the way and
//! written into parts that an interrupted run resumes.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Result, bail};
use indicatif::{MultiProgress, ProgressBar};

use super::TableSummary;
use super::delta::Deleted;
use crate::archive::manifest::{ColumnEntry, Deletes, MaskedColumn, PartEntry, TableEntry};
use crate::archive::writer::SubsetWriter;
use crate::catalog::Column;
use crate::mask::{Masking, TableMasker};
use crate::model::digest::sha256_hex;
use crate::model::exit::Class;
use crate::model::key::Key;
use crate::model::ports::RowSource;
use crate::model::row::{Condition, KeyColumn, KeyRange, Partition, ReadRequest, RowFilter};
use crate::model::value::Value;
use crate::output::{self, human_bytes};
use crate::subset::Scope;
use crate::subset::closure::{Selection, TableRows};
use crate::subset::keys::KeySet;

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
    /// Rows per chunk (`--chunk-rows`): where the closure ended each chunk of a scan.
    pub(super) chunk_rows: u64,
    pub(super) fingerprint_base: serde_json::Value,
    /// The high-water marks this run read: (table index, column, mark).
    pub(super) marks: &'a [(usize, String, Option<String>)],
    pub(super) masking: &'a Masking,
    /// Hidden with `--quiet`.
    pub(super) progress: MultiProgress,
}

/// A table read by a scan that the closure cut into chunks: what each chunk's read needs,
/// shared by the tasks of its chunks.
struct Cut {
    index: usize,
    identity: Vec<KeyColumn>,
    /// The seed's condition and its parameters, when the scan has one.
    condition: Option<(String, BTreeMap<String, String>)>,
    /// How the table is cut.
    pieces: Pieces,
    /// The table's masking, shared by its chunks ([`TableMasker::share`]).
    masker: TableMasker,
    rows: u64,
}

/// The chunks of a cut table: key ranges, or its leaf partitions.
enum Pieces {
    /// Where each range but the last ends ([`TableRows::chunk_ends`]).
    Ranges(Vec<Key>),
    /// Each partition with its selected rows: one chunk each.
    Partitions(Vec<Partition>),
}

impl Pieces {
    /// What the chunks are, for the fingerprint: another cut (the source changed, another
    /// --chunk-rows) starts each chunk over.
    fn digest(&self) -> String {
        let mut bytes = Vec::new();
        match self {
            Pieces::Ranges(ends) => {
                for end in ends {
                    bytes.extend_from_slice(&(end.len() as u32).to_be_bytes());
                    bytes.extend_from_slice(end);
                }
            }
            Pieces::Partitions(partitions) => {
                bytes = serde_json::to_vec(partitions).expect("partitions always serialize");
            }
        }
        sha256_hex(&bytes)
    }
}

/// One unit of work: a whole table, or one chunk of a cut one.
enum Task {
    Whole(Job),
    Chunk { cut: usize, chunk: usize, rows: u64 },
}

impl Task {
    fn rows(&self) -> u64 {
        match self {
            Task::Whole(job) => job.selected.rows,
            Task::Chunk { rows, .. } => *rows,
        }
    }
}

/// What one task wrote.
struct TaskDone {
    /// The table's index in the scope.
    index: usize,
    chunk: Option<usize>,
    parts: Vec<PartEntry>,
    kept_parts: usize,
    started: Instant,
    ended: Instant,
}

/// What one task reads: the rows the closure selected in a table, or one chunk's.
struct Piece<'a> {
    index: usize,
    identity: &'a [KeyColumn],
    /// The table's rows (for its bar).
    table_rows: u64,
    rows: u64,
    read: PieceRead<'a>,
}

enum PieceRead<'a> {
    Selected(&'a Selection),
    Chunk { cut: &'a Cut, chunk: usize },
}

impl Ctx<'_> {
    /// Writes `jobs` as tasks, one source each at a time (`--jobs` connections in one
    /// snapshot): a table the closure cut into chunks is one task per chunk, so that the chunks
    /// of one big table run in parallel. The largest tasks go first so that parallel jobs end
    /// together. Stops at the first failure; the parts written so far are kept for a resume.
    pub(super) fn write_tables(
        &self,
        sources: &mut [Box<dyn RowSource>],
        jobs: Vec<Job>,
    ) -> Result<Vec<(usize, TableEntry, TableSummary)>> {
        let tables: Vec<usize> = jobs.iter().map(|j| j.index).collect();
        let reads: Vec<&'static str> = jobs.iter().map(|j| j.selected.selection.read()).collect();
        let mut tasks: Vec<Task> = Vec::new();
        let mut cuts: Vec<Cut> = Vec::new();
        for job in jobs {
            let Some((pieces, chunks)) = self.cut(sources[0].as_mut(), &job)? else {
                tasks.push(Task::Whole(job));
                continue;
            };
            tasks.extend(
                chunks
                    .into_iter()
                    .enumerate()
                    .map(|(chunk, rows)| Task::Chunk {
                        cut: cuts.len(),
                        chunk,
                        rows,
                    }),
            );
            let TableRows {
                identity,
                selection,
                rows,
                ..
            } = job.selected;
            let table = &self.scope.tables[job.index].table;
            let masker =
                TableMasker::new(self.masking, job.index, table, &self.archived(job.index));
            cuts.push(Cut {
                masker,
                index: job.index,
                identity,
                condition: match selection {
                    Selection::Where { condition, params } => Some((condition, params)),
                    _ => None,
                },
                pieces,
                rows,
            });
        }
        tasks.sort_by_key(|t| std::cmp::Reverse(t.rows()));
        let queue = Mutex::new(tasks.into_iter().collect::<VecDeque<Task>>());
        let bars: Mutex<BTreeMap<usize, ProgressBar>> = Mutex::new(BTreeMap::new());
        let results = Mutex::new(Vec::new());
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|threads| {
            for source in sources.iter_mut() {
                let (queue, results, failure, bars, cuts) =
                    (&queue, &results, &failure, &bars, &cuts);
                threads.spawn(move || {
                    loop {
                        if failure.lock().expect("not poisoned").is_some() {
                            return;
                        }
                        let Some(task) = queue.lock().expect("not poisoned").pop_front() else {
                            return;
                        };
                        let written = match &task {
                            Task::Whole(job) => self.write_piece(
                                source.as_mut(),
                                Piece {
                                    index: job.index,
                                    identity: &job.selected.identity,
                                    table_rows: job.selected.rows,
                                    rows: job.selected.rows,
                                    read: PieceRead::Selected(&job.selected.selection),
                                },
                                bars,
                            ),
                            Task::Chunk { cut, chunk, rows } => {
                                let cut = &cuts[*cut];
                                self.write_piece(
                                    source.as_mut(),
                                    Piece {
                                        index: cut.index,
                                        identity: &cut.identity,
                                        table_rows: cut.rows,
                                        rows: *rows,
                                        read: PieceRead::Chunk { cut, chunk: *chunk },
                                    },
                                    bars,
                                )
                            }
                        };
                        match written {
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
        let mut results = results.into_inner().expect("not poisoned");
        // Each table's parts in chunk order: the manifest lists them as one table's.
        results.sort_by_key(|d| (d.index, d.chunk));
        let bars = bars.into_inner().expect("not poisoned");
        let mut done = Vec::with_capacity(tables.len());
        for (index, read) in tables.into_iter().zip(reads) {
            let pieces: Vec<&TaskDone> = results.iter().filter(|d| d.index == index).collect();
            let parts: Vec<PartEntry> = pieces.iter().flat_map(|d| d.parts.clone()).collect();
            let table = &self.scope.tables[index].table;
            if pieces.iter().any(|d| d.chunk.is_some()) {
                // Parts of an earlier attempt cut otherwise are not among the chunks' parts.
                self.writer.keep_only(&table.schema, &table.name, &parts)?;
            }
            let rows: u64 = parts.iter().map(|p| p.rows).sum();
            let bytes: u64 = parts.iter().map(|p| p.bytes).sum();
            if let Some(bar) = bars.get(&index) {
                bar.set_position(rows);
                bar.set_message(human_bytes(bytes));
                bar.finish();
            }
            // The time its tasks took, added up: with --jobs 1 the table's own time even when
            // its chunks were written among other tables' tasks; with more jobs, chunks that ran
            // at once count each.
            let seconds: f64 = pieces
                .iter()
                .map(|d| (d.ended - d.started).as_secs_f64())
                .sum();
            let summary = TableSummary {
                table: table.key().qualified_name(),
                rows,
                parts: parts.len(),
                bytes,
                kept_parts: pieces.iter().map(|d| d.kept_parts).sum(),
                chunks: pieces.len().max(1),
                read,
                seconds,
                high_water: None,
                deletes: None,
            };
            let entry = self.entry(index, &self.archived(index), rows, parts);
            done.push((index, entry, summary));
        }
        Ok(done)
    }

    /// How a table read by a scan and bigger than a chunk is cut, and the rows of each chunk;
    /// `None` when it is written whole. A partitioned table (two leaf partitions or more
    /// holding selected rows) is cut by its partitions, counted by `source` in the snapshot;
    /// any other by the key ranges the closure ended every `chunk_rows` rows.
    fn cut(&self, source: &mut dyn RowSource, job: &Job) -> Result<Option<(Pieces, Vec<u64>)>> {
        let selected = &job.selected;
        let condition = match &selected.selection {
            Selection::All => None,
            Selection::Where { condition, params } => Some(Condition {
                sql: condition,
                params,
            }),
            Selection::Keys(_) | Selection::Scan(_) => return Ok(None),
        };
        if selected.chunk_ends.is_empty() {
            return Ok(None);
        }
        let table = &self.scope.tables[job.index].table;
        let filter = condition.map_or(RowFilter::All, RowFilter::Where);
        let partitions = source.partition_rows(table, filter)?;
        if partitions.len() > 1 {
            let counted: u64 = partitions.iter().map(|p| p.rows).sum();
            if counted != selected.rows {
                bail!(
                    "{}: its partitions hold {counted} of the selected rows, but the closure \
                     selected {}; run again",
                    table.key().qualified_name(),
                    selected.rows
                );
            }
            let rows = partitions.iter().map(|p| p.rows).collect();
            return Ok(Some((Pieces::Partitions(partitions), rows)));
        }
        let full = selected.chunk_ends.len() as u64;
        let mut rows = vec![self.chunk_rows; selected.chunk_ends.len()];
        rows.push(selected.rows.saturating_sub(full * self.chunk_rows));
        Ok(Some((Pieces::Ranges(selected.chunk_ends.clone()), rows)))
    }

    /// The columns of table `index` that are archived: all but the generated ones.
    fn archived(&self, index: usize) -> Vec<&Column> {
        self.scope.tables[index]
            .table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .collect()
    }

    /// Reads one task's rows — a whole table's selected rows, or those of one chunk's key
    /// range — masks them and writes them into parts, resuming after the parts an interrupted
    /// run left. A piece whose parts are all kept is not read again.
    fn write_piece(
        &self,
        source: &mut dyn RowSource,
        piece: Piece<'_>,
        bars: &Mutex<BTreeMap<usize, ProgressBar>>,
    ) -> Result<TaskDone> {
        let started = Instant::now();
        let table = &self.scope.tables[piece.index].table;
        let name = table.key().qualified_name();
        let columns = self.archived(piece.index);
        let mut fingerprint = serde_json::json!({
            "base": self.fingerprint_base,
            "table": name,
            "columns": columns.iter().map(|c| (&c.name, &c.neutral_type)).collect::<Vec<_>>(),
            "identity": piece.identity,
        });
        // Parts kept from a snapshot before the mark moved would miss rows changed since, and
        // the manifest's later mark would hide them from every later delta: they start over.
        if let Some((_, column, mark)) = self.marks.iter().find(|m| m.0 == piece.index) {
            fingerprint["high_water"] = serde_json::json!([column, mark]);
        }
        // A scan filtered by the key set gives its rows in the table's order, lookups in the
        // key set's: parts written the other way (another estimate, --scan-share) start over.
        if let PieceRead::Selected(Selection::Scan(_)) = piece.read {
            fingerprint["read"] = serde_json::json!("scan kept by the key set");
        }
        let chunk = match piece.read {
            PieceRead::Selected(_) => None,
            PieceRead::Chunk { cut, chunk } => {
                fingerprint["chunk"] = serde_json::json!({
                    "number": chunk,
                    "rows": self.chunk_rows,
                    "bounds": cut.pieces.digest(),
                });
                Some(chunk)
            }
        };
        let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let mut write = self.writer.table(
            &table.schema,
            &table.name,
            chunk,
            &header,
            self.part_size,
            &fingerprint,
            piece.rows,
        )?;
        let (kept_parts, skip) = (write.kept_parts(), write.skip());
        let bar = {
            let mut bars = bars.lock().expect("not poisoned");
            let bar = bars
                .entry(piece.index)
                .or_insert_with(|| self.table_bar(&name, piece.table_rows, 0));
            bar.inc(skip);
            bar.clone()
        };
        let mut masker = match piece.read {
            PieceRead::Selected(_) => TableMasker::new(self.masking, piece.index, table, &columns),
            PieceRead::Chunk { cut, .. } => cut.masker.share(),
        };
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
            order_by: piece.identity,
            filter: RowFilter::All,
            skip,
            limit: None,
        };
        if skip < piece.rows {
            match piece.read {
                PieceRead::Selected(selection) => {
                    read_selected(source, read, selection, &mut each)?
                }
                PieceRead::Chunk { cut, chunk } => {
                    let condition = cut
                        .condition
                        .as_ref()
                        .map(|(sql, params)| Condition { sql, params });
                    let filter = match &cut.pieces {
                        Pieces::Ranges(ends) => RowFilter::Range {
                            condition,
                            range: KeyRange {
                                columns: piece.identity,
                                after: chunk.checked_sub(1).map(|p| &*ends[p]),
                                upto: ends.get(chunk).map(|e| &**e),
                            },
                        },
                        Pieces::Partitions(partitions) => RowFilter::Partition {
                            condition,
                            partition: &partitions[chunk],
                        },
                    };
                    source.read_rows(&ReadRequest { filter, ..read }, &mut each)?;
                }
            }
        }
        bar.inc(written % 4096);
        let parts = write.finish()?;
        Ok(TaskDone {
            index: piece.index,
            chunk,
            parts,
            kept_parts,
            started,
            ended: Instant::now(),
        })
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

/// Reads a sample of the rows the closure selected (at most `read.limit`), as [`read_selected`]
/// reads them, but never by a scan kept by the closure's keys: that scan's filter is on the
/// client, so its query cannot stop at the limit, and the rows a stopped reader leaves would
/// still be read (and on PostgreSQL's COPY, sent) to the end of the table. Those rows are looked
/// up by their first keys instead, batch after batch until the reader stops.
pub(super) fn read_sample(
    source: &mut dyn RowSource,
    read: ReadRequest<'_>,
    selection: &Selection,
    each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
) -> Result<()> {
    match selection {
        Selection::Scan(keys) => read_by_lookups(source, read, keys, each),
        _ => read_selected(source, read, selection, each),
    }
}

/// The rows of `keys`, looked up in batches the source takes, in the key set's order; the first
/// `read.skip` keys' rows are skipped.
fn read_by_lookups(
    source: &mut dyn RowSource,
    read: ReadRequest<'_>,
    keys: &KeySet,
    each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
) -> Result<()> {
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
        Selection::Keys(keys) => read_by_lookups(source, read, keys, each),
        Selection::Scan(keys) => source.read_rows(
            &ReadRequest {
                filter: RowFilter::Among {
                    columns: read.order_by,
                    keys: &**keys,
                },
                ..read
            },
            each,
        ),
    }
}
