//! The row closure: the seed rows, then every row they reference through foreign keys,
//! recursively to a fixpoint (cycles and self-references included), then the children the plan
//! asks for, whose parents are closed over too.
//!
//! Only keys travel: each table's selected rows are held as a [`KeySet`] of its identity
//! (primary key, else a NOT NULL unique key, else the source's row locator). Lookups go to the
//! source in batches of [`RowSource::max_batch`] keys, never one query per row.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, bail};

use crate::catalog::Table;
use crate::model::key::{Key, KeyValue, encode};
use crate::model::ports::RowSource;
use crate::model::row::{Condition, KeyColumn, RowFilter};

use super::keys::{Budget, KeyQueue, KeySet};
use super::{Reason, Scope};

/// Which rows of a table the extract writes.
pub enum Selection {
    /// Every row.
    All,
    /// Exactly the rows of the seed's condition, with the values of its parameters.
    Where {
        condition: String,
        params: BTreeMap<String, String>,
    },
    /// The rows with these identities, looked up in batches of keys.
    Keys(Box<KeySet>),
    /// The rows with these identities, read by one scan of the table that skips the others
    /// ([`RowFilter::Among`]): they are a large share of it ([`ScanShare`]).
    Scan(Box<KeySet>),
}

impl Selection {
    /// How the rows are read, in an extract's summary: `all`, `condition`, `lookups` or
    /// `scan`.
    pub fn read(&self) -> &'static str {
        match self {
            Selection::All => "all",
            Selection::Where { .. } => "condition",
            Selection::Keys(_) => "lookups",
            Selection::Scan(_) => "scan",
        }
    }
}

/// When a table is read by one scan filtered by the closure's keys rather than by key lookups:
/// when the keys to read are at least this share of the rows the source estimates the table
/// holds (`extract --scan-share`). A lookup costs several times what a scanned row does (an
/// index probe, a bound batch), so past a fraction of the table one scan reads it faster. Keys
/// that one lookup takes ([`RowSource::max_batch`]) are looked up, and so is a table whose
/// estimate is 0 (never analysed: its size is unknown), unless the share is 0: always scan.
/// Above 1: never scan.
#[derive(Clone, Copy, Debug)]
pub struct ScanShare(pub f64);

/// What the closure of a delta starts from (`extract --incremental`), per table of the scope
/// (parallel to [`Scope::tables`]).
#[derive(Default)]
pub struct Delta {
    pub tables: Vec<DeltaTable>,
}

/// One table of a delta's closure.
#[derive(Default)]
pub struct DeltaTable {
    /// The keys of the rows the refresh chain holds (as the source's key scan reads them):
    /// they count as selected, but are neither written again nor followed, unless they changed.
    pub held: Option<KeySet>,
    /// The watermark column and the high-water mark the chain's last extract recorded (`None`:
    /// no row had a value, so every row counts as changed).
    pub mark: Option<(String, Option<String>)>,
}

/// The rows selected in one table of the scope.
pub struct TableRows {
    /// The columns that identify a row, and the order rows are read in.
    pub identity: Vec<KeyColumn>,
    pub selection: Selection,
    /// The number of rows selected.
    pub rows: u64,
    /// When the rows are read by a scan (`All`, `Where`) and are more than the closure's
    /// `chunk_rows`: the identity of every `chunk_rows`-th row in identity order (the last
    /// row of each chunk but the last), from the closure's own scan of the table.
    pub chunk_ends: Vec<Key>,
}

/// Counters of the work the closure did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Queries sent to the source.
    pub queries: u64,
    /// Of those, scans of a whole table ([`ScanShare`]): a parent's, kept by the keys asked
    /// for, or a child's, kept by the parent keys whose children a children rule asks for.
    pub scans: u64,
    /// Key sets that moved to disk.
    pub spilled: u64,
}

/// The identity of `table`: its primary key, else a unique key of NOT NULL columns, else the
/// source's row locator.
pub fn identity(table: &Table, source: &mut dyn RowSource) -> Result<Vec<KeyColumn>> {
    if let Some(pk) = &table.primary_key {
        return Ok(pk.columns.iter().cloned().map(KeyColumn::Column).collect());
    }
    let not_null = |cols: &[String]| {
        cols.iter()
            .all(|c| table.column(c).is_some_and(|col| !col.nullable))
    };
    if let Some(uk) = table.unique_keys.iter().find(|k| not_null(&k.columns)) {
        return Ok(uk.columns.iter().cloned().map(KeyColumn::Column).collect());
    }
    if source.has_locator(table)? {
        return Ok(vec![KeyColumn::Locator]);
    }
    bail!(
        "{}.{} has no primary key, no unique key of NOT NULL columns and no row locator: \
         declare a key, or make it a passthrough table",
        table.schema,
        table.name
    )
}

struct State {
    cols: Vec<KeyColumn>,
    identity: Vec<KeyColumn>,
    id_pos: Vec<usize>,
    /// Outgoing edges followed upwards: (edge, positions of its columns).
    out: Vec<(usize, Vec<usize>)>,
    /// Children rules where this table is the parent: (rule, positions of referenced columns).
    down: Vec<(usize, Vec<usize>)>,
    all: bool,
    selected: KeySet,
    rows: u64,
    seed_rows: u64,
    /// Of a delta: the keys the refresh chain holds, and the watermark.
    held: Option<KeySet>,
    mark: Option<(String, Option<String>)>,
    chunk_ends: Vec<Key>,
}

struct EdgeState {
    requested: KeySet,
    pending: KeyQueue,
    /// Positions of the referenced columns in the parent's state.
    ref_pos: Vec<usize>,
    /// Whether the foreign key references the parent's identity: then `requested` holds only
    /// the keys not read yet (the parent's selected set holds the others), and is emptied each
    /// time they are all read.
    identity: bool,
    /// Whether the parent is to be read by one scan for the keys asked for ([`ScanShare`]):
    /// they are then only in `requested`, not queued for lookups.
    scan: bool,
    /// The last key this foreign key met (encoded): a row with the same key needs nothing more
    /// (rows come in their table's key order, so a parent's key often repeats row after row).
    last: Vec<u8>,
}

impl EdgeState {
    /// After every pending key was read: of a foreign key to the parent's identity, forgets the
    /// keys asked for, which the parent's selected set now holds (or that no row has).
    fn drained(&mut self) {
        if self.identity && self.pending.is_empty() && !self.scan {
            self.requested = KeySet::new(self.requested.budget());
        }
    }
}

/// The parent keys whose children one read of a children rule takes.
enum Parents {
    /// A batch, looked up on the foreign key.
    Lookup(Vec<Key>),
    /// All of a level's, kept by one scan of the child.
    Scan(Box<KeySet>),
}

struct RuleState {
    expanded: KeySet,
    /// (parent key, level of the children it will bring).
    pending: std::collections::VecDeque<(u32, KeyQueue)>,
    /// Positions of the edge's columns in the child's state.
    child_fk_pos: Vec<usize>,
}

/// Pending keys kept in memory per queue before it spills.
const QUEUE_MEMORY_KEYS: usize = 100_000;

/// Computes the selected rows of every table of `scope`. `progress` hears about each lookup
/// (table and rows selected so far); `check` is asked at every row whether to go on (Ctrl-C),
/// and its error stops the closure.
///
/// With `delta`, the closure of a delta: the seeds' rows not held yet, the changed rows (above
/// the watermark) of held rows and of seeds, new children of held parents, passthrough tables
/// whole, and their closure — without the held rows that did not change.
#[allow(clippy::too_many_arguments)]
pub fn close(
    scope: &Scope,
    source: &mut dyn RowSource,
    budget: &Budget,
    chunk_rows: u64,
    share: ScanShare,
    delta: Option<Delta>,
    progress: &mut dyn FnMut(&str, u64),
    check: &dyn Fn() -> Result<()>,
) -> Result<(Vec<TableRows>, Stats)> {
    let mut engine = Engine::new(scope, source, budget, share, delta)?;
    let mut reader = Reader {
        source,
        stats: Stats::default(),
        progress,
        check,
    };
    engine.scan_thresholds(&mut reader)?;
    engine.scan_seeds(&mut reader, chunk_rows)?;
    if engine.delta {
        engine.scan_changed(&mut reader)?;
    }
    loop {
        // Parents first: the subset must stay closed whatever else is added.
        if engine.parent_batch(&mut reader)? {
            continue;
        }
        if !engine.child_batch(&mut reader)? {
            break;
        }
    }
    engine.finish(&mut reader)
}

/// The source the closure reads keys from, and what it tells about its work.
struct Reader<'a> {
    source: &'a mut dyn RowSource,
    stats: Stats,
    progress: &'a mut dyn FnMut(&str, u64),
    check: &'a dyn Fn() -> Result<()>,
}

impl Reader<'_> {
    /// One query for keys: the `cols` of the rows of `table` that `filter` selects, in
    /// identity (`order`) order.
    fn scan(
        &mut self,
        table: &Table,
        (cols, order): (Vec<KeyColumn>, Vec<KeyColumn>),
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        self.stats.queries += 1;
        let check = self.check;
        self.source
            .scan_keys(table, &cols, &order, filter, &mut |row| {
                check()?;
                each(row)
            })
            .with_context(|| format!("cannot select rows of {}", table.key().qualified_name()))
    }

    /// Tells `progress` how many rows of `table` are selected so far.
    fn progress(&mut self, table: &Table, rows: u64) {
        (self.progress)(&table.key().qualified_name(), rows);
    }
}

/// The closure under way: what is selected in each table and which keys are still to look up.
struct Engine<'a> {
    scope: &'a Scope,
    states: Vec<State>,
    edges: Vec<EdgeState>,
    rules: Vec<RuleState>,
    buf: Vec<u8>,
    /// Whether each table is selected whole (no lookups into it are needed).
    all: Vec<bool>,
    budget: Budget,
    /// Whether this is a delta's closure.
    delta: bool,
    share: ScanShare,
    /// Each table's estimated rows, once asked.
    estimates: Vec<Option<u64>>,
    /// The foreign keys that lead to each table (of which it is the parent).
    incoming: Vec<Vec<usize>>,
    /// Of each parent table: from how many keys asked for it is read by one scan ([`Self::scans`];
    /// `None`: never), known before the seeds are read.
    scan_at: Vec<Option<u64>>,
}

impl<'a> Engine<'a> {
    /// The closure's state before any row is read: each table's identity and the key columns
    /// its rows are read with, and empty key sets and queues for every edge and children rule.
    fn new(
        scope: &'a Scope,
        source: &mut dyn RowSource,
        budget: &Budget,
        share: ScanShare,
        delta: Option<Delta>,
    ) -> Result<Engine<'a>> {
        let mut states = table_states(scope, source, budget)?;
        let is_delta = delta.is_some();
        if let Some(delta) = delta {
            for (state, (t, d)) in states.iter_mut().zip(scope.tables.iter().zip(delta.tables)) {
                // A seed without a condition is scanned for its rows not held, not taken whole.
                state.all = t.reason == Reason::Passthrough;
                state.held = d.held;
                state.mark = d.mark;
            }
        }
        follow_parents(scope, &mut states);
        let rules = rule_states(scope, &mut states, budget);
        let edges = scope
            .edges
            .iter()
            .map(|edge| EdgeState {
                requested: KeySet::new(budget),
                pending: KeyQueue::new(QUEUE_MEMORY_KEYS, budget),
                ref_pos: positions(
                    &mut states[edge.parent].cols,
                    &key_columns(&edge.foreign_key.ref_columns),
                ),
                identity: key_columns(&edge.foreign_key.ref_columns)
                    == states[edge.parent].identity,
                scan: false,
                last: Vec::new(),
            })
            .collect();
        Ok(Engine {
            scope,
            all: states.iter().map(|s| s.all).collect(),
            states,
            edges,
            rules,
            buf: Vec::new(),
            budget: budget.clone(),
            delta: is_delta,
            share,
            estimates: vec![None; scope.tables.len()],
            scan_at: vec![None; scope.tables.len()],
            incoming: scope.edges.iter().enumerate().fold(
                vec![Vec::new(); scope.tables.len()],
                |mut incoming, (e, edge)| {
                    incoming[edge.parent].push(e);
                    incoming
                },
            ),
        })
    }

    /// Reads the seeds and passthrough tables, one scan each, noting the identity of every
    /// `chunk_rows`-th row: where each chunk of a big table ends.
    fn scan_seeds(&mut self, reader: &mut Reader, chunk_rows: u64) -> Result<()> {
        let scope = self.scope;
        for (i, t) in scope.tables.iter().enumerate() {
            let (filter, level) = match &t.reason {
                Reason::Seed { condition: Some(c) } => {
                    let condition = Condition {
                        sql: c,
                        params: &scope.params,
                    };
                    (RowFilter::Where(condition), Some(0))
                }
                Reason::Seed { condition: None } => (RowFilter::All, Some(0)),
                Reason::Passthrough => (RowFilter::All, None),
                _ => continue,
            };
            let cols = self.columns(i);
            let (mut scanned, mut ends) = (0u64, Vec::new());
            reader.scan(&t.table, cols, filter, &mut |row| {
                self.take_row(i, row, level, false)?;
                scanned += 1;
                if scanned.is_multiple_of(chunk_rows.max(1)) {
                    let mut key = Vec::new();
                    encode_at(row, &self.states[i].id_pos, &mut key);
                    ends.push(key.into_boxed_slice());
                }
                Ok(())
            })?;
            // The last row ends the last chunk: no bound needed.
            if scanned.is_multiple_of(chunk_rows.max(1)) {
                ends.pop();
            }
            let state = &mut self.states[i];
            state.chunk_ends = ends;
            state.seed_rows = if state.all {
                state.rows
            } else {
                state.selected.len()
            };
            reader.progress(&t.table, state.seed_rows);
        }
        Ok(())
    }

    /// Of a delta: the rows above each table's watermark. A seed's that its condition selects,
    /// and another table's that the chain holds, are taken as changed (written again, their
    /// parents followed); a child table's rows that reference a held row of a children rule's
    /// parent are taken as new children.
    fn scan_changed(&mut self, reader: &mut Reader) -> Result<()> {
        let scope = self.scope;
        for (i, t) in scope.tables.iter().enumerate() {
            let Some((column, mark)) = self.states[i].mark.clone() else {
                continue;
            };
            let seed = match &t.reason {
                Reason::Seed { condition } => Some(condition.as_deref()),
                _ => None,
            };
            let and = seed.flatten().map(|sql| Condition {
                sql,
                params: &scope.params,
            });
            let filter = match (&mark, and) {
                (Some(value), and) => RowFilter::Above {
                    column: &column,
                    value,
                    and,
                },
                (None, Some(condition)) => RowFilter::Where(condition),
                (None, None) => RowFilter::All,
            };
            // Rules whose child is this table and whose parent's held keys its foreign key
            // values can be checked against (the foreign key references the parent's identity).
            let mut parents: Vec<(usize, Vec<usize>)> = Vec::new();
            for rule in &scope.child_rules {
                let edge = &scope.edges[rule.edge];
                let references_identity =
                    key_columns(&edge.foreign_key.ref_columns) == self.states[edge.parent].identity;
                if edge.child != i || !references_identity {
                    continue;
                }
                if let Some((_, pos)) = self.states[i].out.iter().find(|(e, _)| *e == rule.edge) {
                    parents.push((edge.parent, pos.clone()));
                }
            }
            let cols = self.columns(i);
            let mut key = Vec::new();
            reader.scan(&t.table, cols, filter, &mut |row| {
                if seed.is_some() {
                    return self.take_row(i, row, Some(0), true).map(|_| ());
                }
                let state = &self.states[i];
                key.clear();
                encode_at(row, &state.id_pos, &mut key);
                let held = match &state.held {
                    Some(h) => h.contains(&key)?,
                    None => false,
                };
                let mut child_of_held = false;
                for (parent, pos) in &parents {
                    if !encode_key(row, pos, &mut key) {
                        continue;
                    }
                    if let Some(h) = &self.states[*parent].held
                        && h.contains(&key)?
                    {
                        child_of_held = true;
                        break;
                    }
                }
                if held || child_of_held {
                    self.take_row(i, row, None, true)?;
                }
                Ok(())
            })?;
            reader.progress(&t.table, self.states[i].selected.len());
        }
        Ok(())
    }

    /// Looks up one batch of the parent keys of the first foreign key that has some pending;
    /// false when none has.
    fn parent_batch(&mut self, reader: &mut Reader) -> Result<bool> {
        let Some(e) = self.next_edge() else {
            return Ok(false);
        };
        let scope = self.scope;
        let parent = scope.edges[e].parent;
        let pending: u64 = self
            .incoming(parent)
            .map(|e| self.edges[e].pending.len())
            .sum();
        let flagged = self.incoming(parent).any(|e| self.edges[e].scan);
        if flagged || self.scans(reader, parent, pending)? {
            return self.scan_parent(reader, parent).map(|()| true);
        }
        let batch = self.edges[e].pending.pop_batch(reader.source.max_batch())?;
        let edge = &scope.edges[e];
        let parent = edge.parent;
        let refs: Vec<KeyColumn> = key_columns(&edge.foreign_key.ref_columns);
        let table = &scope.tables[parent].table;
        let filter = RowFilter::In {
            columns: &refs,
            keys: &batch,
        };
        let cols = self.columns(parent);
        reader.scan(table, cols, filter, &mut |row| {
            self.take_row(parent, row, None, false).map(|_| ())
        })?;
        self.edges[e].drained();
        reader.progress(table, self.states[parent].selected.len());
        Ok(true)
    }

    /// The foreign key whose pending keys to look up next: one whose child table no foreign
    /// key with pending keys leads to (besides its own self-references), so that the keys of
    /// a parent are all asked for before it is read, as far as cycles allow.
    fn next_edge(&self) -> Option<usize> {
        let edges = &self.scope.edges;
        let waiting = |e: usize| !self.edges[e].pending.is_empty();
        let settled = |t: usize| {
            self.incoming[t]
                .iter()
                .all(|&i| !(waiting(i) || self.edges[i].scan) || edges[i].child == t)
        };
        let mut first = None;
        for e in (0..edges.len()).filter(|&e| waiting(e) || self.edges[e].scan) {
            if settled(edges[e].child) {
                return Some(e);
            }
            first.get_or_insert(e);
        }
        first
    }

    /// The foreign keys that lead to table `t`.
    fn incoming(&self, t: usize) -> impl Iterator<Item = usize> + '_ {
        self.incoming[t].iter().copied()
    }

    /// Whether `keys` keys of table `t` are read by one scan of it rather than by lookups
    /// ([`ScanShare`]).
    fn scans(&mut self, reader: &mut Reader, t: usize, keys: u64) -> Result<bool> {
        Ok(keys > 0 && self.scan_from(reader, t)?.is_some_and(|n| keys >= n))
    }

    /// From how many keys table `t` is read by one scan ([`ScanShare`]); `None`: never.
    fn scan_from(&mut self, reader: &mut Reader, t: usize) -> Result<Option<u64>> {
        if self.share.0 == 0.0 {
            return Ok(Some(1));
        }
        if self.share.0 > 1.0 {
            return Ok(None);
        }
        let estimate = match self.estimates[t] {
            Some(n) => n,
            None => {
                let n = reader.source.estimate_rows(&self.scope.tables[t].table)?;
                self.estimates[t] = Some(n);
                n
            }
        };
        // keys ≥ share × max(estimate, keys): past the estimate, always (it is stale).
        let batch = reader.source.max_batch() as u64 + 1;
        Ok((estimate > 0).then(|| batch.max((self.share.0 * estimate as f64).ceil() as u64)))
    }

    /// Before the seeds are read: from how many keys asked for each parent table is read by a
    /// scan, so that those keys are not queued for lookups ([`EdgeState::scan`]).
    fn scan_thresholds(&mut self, reader: &mut Reader) -> Result<()> {
        for t in 0..self.scope.tables.len() {
            if !self.incoming[t].is_empty() && !self.all[t] {
                self.scan_at[t] = self.scan_from(reader, t)?;
            }
        }
        Ok(())
    }

    /// Reads the rows of parent table `t` that any foreign key leading to it asks for, by one
    /// scan of the table's key columns: the keys pending for those foreign keys are then all
    /// found (a key no row has stays unfound, as in a lookup).
    fn scan_parent(&mut self, reader: &mut Reader, t: usize) -> Result<()> {
        let edges: Vec<usize> = self
            .incoming(t)
            .filter(|&e| !self.edges[e].pending.is_empty() || self.edges[e].scan)
            .collect();
        for &e in &edges {
            self.edges[e].pending.clear();
            self.edges[e].scan = false;
        }
        // Forgotten only once the scan is over: it checks its rows against them.
        let forget = |engine: &mut Self| {
            for &e in &edges {
                engine.edges[e].drained();
            }
        };
        reader.stats.scans += 1;
        let table = &self.scope.tables[t].table;
        let cols = self.columns(t);
        let mut key = Vec::new();
        reader.scan(table, cols, RowFilter::All, &mut |row| {
            let mut asked = false;
            for &e in &edges {
                if !encode_key(row, &self.edges[e].ref_pos, &mut key) {
                    continue;
                }
                if self.edges[e].requested.contains(&key)? {
                    asked = true;
                    break;
                }
            }
            if asked {
                self.take_row(t, row, None, false)?;
            }
            Ok(())
        })?;
        forget(self);
        reader.progress(table, self.states[t].selected.len());
        Ok(())
    }

    /// Reads the children of the first children rule that has parent keys pending, at most the
    /// rule's cap per parent row: one batch of them by a lookup on the foreign key, or, when
    /// the keys pending at that level reach the parent's scan threshold ([`ScanShare`]: as
    /// large a share of the parent's rows, so about as large a share of the child's), all of
    /// them by one scan of the child's key columns that keeps the rows whose foreign key is
    /// among them. False when no rule has keys pending.
    fn child_batch(&mut self, reader: &mut Reader) -> Result<bool> {
        let Some(r) = (0..self.rules.len()).find(|&r| !self.rules[r].pending.is_empty()) else {
            return Ok(false);
        };
        let scope = self.scope;
        let rule = scope.child_rules[r];
        let edge = &scope.edges[rule.edge];
        let waiting = self.rules[r].pending.front().map_or(0, |(_, q)| q.len());
        let scan = self.scans(reader, edge.parent, waiting)?;
        let (level, batch) = {
            let pending = &mut self.rules[r].pending;
            let (level, queue) = pending.front_mut().expect("non-empty");
            let level = *level;
            let batch = if scan {
                let mut all = KeySet::new(&self.budget);
                while !queue.is_empty() {
                    for key in queue.pop_batch(QUEUE_MEMORY_KEYS)? {
                        all.insert(&key)?;
                    }
                }
                Parents::Scan(Box::new(all))
            } else {
                Parents::Lookup(queue.pop_batch(reader.source.max_batch())?)
            };
            if queue.is_empty() {
                pending.pop_front();
            }
            (level, batch)
        };
        let child = edge.child;
        let fk_cols: Vec<KeyColumn> = key_columns(&edge.foreign_key.columns);
        let fk_pos = self.rules[r].child_fk_pos.clone();
        let mut per_parent: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut key = Vec::new();
        let table = &scope.tables[child].table;
        let filter = match &batch {
            Parents::Lookup(keys) => RowFilter::In {
                columns: &fk_cols,
                keys,
            },
            Parents::Scan(_) => {
                reader.stats.scans += 1;
                RowFilter::All
            }
        };
        let cols = self.columns(child);
        let scanning = matches!(batch, Parents::Scan(_));
        reader.scan(table, cols, filter, &mut |row| {
            // The parent key of the row, when the scan or the cap needs it: a NULL in the
            // foreign key references no parent (a lookup returns no such row).
            if (scanning || rule.cap.is_some()) && !encode_key(row, &fk_pos, &mut key) {
                return Ok(());
            }
            if let Parents::Scan(parents) = &batch
                && !parents.contains(&key)?
            {
                return Ok(());
            }
            if let Some(cap) = rule.cap {
                let n = match per_parent.get_mut(&key) {
                    Some(n) => n,
                    None => per_parent.entry(key.clone()).or_insert(0),
                };
                if *n >= cap {
                    return Ok(());
                }
                *n += 1;
            }
            self.take_row(child, row, Some(level), false).map(|_| ())
        })?;
        reader.progress(table, self.states[child].selected.len());
        Ok(true)
    }

    /// The selected rows of every table: all of it, the seed's condition when nothing but
    /// the seed's own rows, else the keys; and `stats` with the key sets that spilled.
    fn finish(mut self, reader: &mut Reader) -> Result<(Vec<TableRows>, Stats)> {
        let mut stats = reader.stats;
        stats.spilled = self.states.iter().filter(|s| s.selected.spilled()).count() as u64;
        let mut scanned = Vec::with_capacity(self.states.len());
        for t in 0..self.states.len() {
            let keys = self.states[t].selected.len();
            scanned.push(!self.states[t].all && self.scans(reader, t, keys)?);
        }
        let result = self
            .states
            .into_iter()
            .zip(&self.scope.tables)
            .zip(scanned)
            .map(|((s, t), scanned)| {
                let rows = if s.all { s.rows } else { s.selected.len() };
                let mut chunk_ends = s.chunk_ends;
                let selection = match &t.reason {
                    _ if s.all => Selection::All,
                    // Nothing but the seed's own rows: read them with its condition.
                    Reason::Seed { condition: Some(c) }
                        if !self.delta && s.selected.len() == s.seed_rows =>
                    {
                        Selection::Where {
                            condition: c.clone(),
                            params: self.scope.params.clone(),
                        }
                    }
                    _ => {
                        // Read by keys: the scan's chunks do not apply.
                        chunk_ends.clear();
                        if scanned {
                            Selection::Scan(Box::new(s.selected))
                        } else {
                            Selection::Keys(Box::new(s.selected))
                        }
                    }
                };
                TableRows {
                    identity: s.identity,
                    selection,
                    rows,
                    chunk_ends,
                }
            })
            .collect();
        Ok((result, stats))
    }

    /// The key columns read for table `t`, and its identity (the read order).
    fn columns(&self, t: usize) -> (Vec<KeyColumn>, Vec<KeyColumn>) {
        (self.states[t].cols.clone(), self.states[t].identity.clone())
    }

    /// Records one row of table `t`; `level` is its distance in child steps from a seed, `None`
    /// for a row reached as a parent (whose children are not followed). False when the row was
    /// already selected, or (unless it `changed`) is held by the refresh chain of a delta.
    fn take_row(
        &mut self,
        t: usize,
        row: &[KeyValue<'_>],
        level: Option<u32>,
        changed: bool,
    ) -> Result<bool> {
        let state = &mut self.states[t];
        if state.all {
            state.rows += 1;
        } else {
            self.buf.clear();
            encode_at(row, &state.id_pos, &mut self.buf);
            if !changed
                && let Some(held) = &state.held
                && held.contains(&self.buf)?
            {
                return Ok(false);
            }
            if !state.selected.insert(&self.buf)? {
                return Ok(false);
            }
        }
        let state = &self.states[t];
        for (e, pos) in &state.out {
            // A parent taken whole (also this very table, through a self-reference) holds
            // every row already: nothing to look up, and no row to count twice.
            let parent = self.scope.edges[*e].parent;
            if self.all[parent] || !encode_key(row, pos, &mut self.buf) {
                continue;
            }
            let edge = &mut self.edges[*e];
            // The key of the row before: whatever it needed was done then (asked for, or found
            // selected or held), and what it found cannot change to needing a lookup again.
            if edge.last == self.buf {
                continue;
            }
            edge.last.clear();
            edge.last.extend_from_slice(&self.buf);
            // A key of the parent's identity that it already selected (or that the refresh
            // chain holds) needs no lookup: the set of keys asked for then only holds those
            // still to read, and is emptied each time they are all read.
            if edge.identity {
                let parent = &self.states[parent];
                if parent.selected.contains(&self.buf)?
                    || parent
                        .held
                        .as_ref()
                        .map_or(Ok(false), |h| h.contains(&self.buf))?
                {
                    continue;
                }
            }
            if edge.requested.insert(&self.buf)? && !edge.scan {
                edge.pending.push(&self.buf)?;
                // Enough keys for a scan of the parent: they wait in `requested` only.
                if self.scan_at[parent].is_some_and(|n| edge.pending.len() >= n) {
                    edge.pending.clear();
                    edge.scan = true;
                }
            }
        }
        if let Some(level) = level {
            for (r, pos) in &state.down {
                let rule = self.scope.child_rules[*r];
                if level + 1 > rule.depth {
                    continue;
                }
                if !encode_key(row, pos, &mut self.buf) {
                    continue;
                }
                let rs = &mut self.rules[*r];
                if rs.expanded.insert(&self.buf)? {
                    if rs.pending.back().is_none_or(|(l, _)| *l != level + 1) {
                        let queue = KeyQueue::new(QUEUE_MEMORY_KEYS, &self.budget);
                        rs.pending.push_back((level + 1, queue));
                    }
                    rs.pending
                        .back_mut()
                        .expect("pushed above")
                        .1
                        .push(&self.buf)?;
                }
            }
        }
        Ok(true)
    }
}

/// Each table's identity, and whether it is selected whole (a passthrough table, a seed
/// without a condition).
fn table_states(scope: &Scope, source: &mut dyn RowSource, budget: &Budget) -> Result<Vec<State>> {
    let mut states = Vec::with_capacity(scope.tables.len());
    for t in &scope.tables {
        let identity = identity(&t.table, source)?;
        let mut cols = Vec::new();
        let id_pos = positions(&mut cols, &identity);
        states.push(State {
            cols,
            identity,
            id_pos,
            out: Vec::new(),
            down: Vec::new(),
            all: matches!(
                t.reason,
                Reason::Passthrough | Reason::Seed { condition: None }
            ),
            selected: KeySet::new(budget),
            rows: 0,
            seed_rows: 0,
            held: None,
            mark: None,
            chunk_ends: Vec::new(),
        });
    }
    Ok(states)
}

/// The foreign-key columns each table's rows are read with, to look up their parents.
fn follow_parents(scope: &Scope, states: &mut [State]) {
    for (e, edge) in scope.edges.iter().enumerate() {
        let cols: Vec<KeyColumn> = key_columns(&edge.foreign_key.columns);
        let state = &mut states[edge.child];
        let pos = positions(&mut state.cols, &cols);
        state.out.push((e, pos));
    }
}

/// The state of each children rule, and the referenced columns its parent's rows are read
/// with, to look up their children.
fn rule_states(scope: &Scope, states: &mut [State], budget: &Budget) -> Vec<RuleState> {
    let mut rules = Vec::with_capacity(scope.child_rules.len());
    for (r, rule) in scope.child_rules.iter().enumerate() {
        let edge = &scope.edges[rule.edge];
        let refs: Vec<KeyColumn> = key_columns(&edge.foreign_key.ref_columns);
        let parent = &mut states[edge.parent];
        let pos = positions(&mut parent.cols, &refs);
        parent.down.push((r, pos));
        let child_fk_pos = states[edge.child]
            .out
            .iter()
            .find(|(e, _)| *e == rule.edge)
            .map(|(_, p)| p.clone())
            .expect("every rule's edge is an outgoing edge of its child");
        rules.push(RuleState {
            expanded: KeySet::new(budget),
            pending: Default::default(),
            child_fk_pos,
        });
    }
    rules
}

fn key_columns(names: &[String]) -> Vec<KeyColumn> {
    names.iter().cloned().map(KeyColumn::Column).collect()
}

fn positions(cols: &mut Vec<KeyColumn>, wanted: &[KeyColumn]) -> Vec<usize> {
    wanted
        .iter()
        .map(|w| match cols.iter().position(|c| c == w) {
            Some(p) => p,
            None => {
                cols.push(w.clone());
                cols.len() - 1
            }
        })
        .collect()
}

/// Appends the encoding of the values of `row` at `pos`, as [`encode`] of those values would,
/// without a vector for them.
fn encode_at(row: &[KeyValue<'_>], pos: &[usize], out: &mut Vec<u8>) {
    for &p in pos {
        encode(std::slice::from_ref(&row[p]), out);
    }
}

/// `out` := the key of the values of `row` at `pos` (a foreign key's); false, and `out` left
/// as it was, when one of them is NULL: such a row references nothing.
fn encode_key(row: &[KeyValue<'_>], pos: &[usize], out: &mut Vec<u8>) -> bool {
    if pos.iter().any(|&p| row[p] == KeyValue::Null) {
        return false;
    }
    out.clear();
    encode_at(row, pos, out);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick<'a>(row: &[KeyValue<'a>], pos: &[usize]) -> Vec<KeyValue<'a>> {
        pos.iter().map(|&p| row[p]).collect()
    }

    #[test]
    fn a_key_encoded_in_place_is_the_key_of_its_picked_values() {
        let row = [
            KeyValue::Text("63979"),
            KeyValue::Int(-7),
            KeyValue::Bytes(&[0, 1]),
            KeyValue::Int(42),
        ];
        for pos in [vec![], vec![0], vec![3, 0], vec![1, 2, 3], vec![2, 2]] {
            let (mut picked, mut in_place) = (Vec::new(), vec![9]);
            encode(&pick(&row, &pos), &mut picked);
            encode_at(&row, &pos, &mut in_place);
            assert_eq!(in_place[1..], picked[..], "{pos:?}");
        }
    }
}
