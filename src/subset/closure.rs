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
use crate::model::key::{KeyValue, encode};
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
    /// The rows with these identities.
    Keys(Box<KeySet>),
}

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
}

/// Counters of the work the closure did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Queries sent to the source.
    pub queries: u64,
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
}

struct EdgeState {
    requested: KeySet,
    pending: KeyQueue,
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
pub fn close(
    scope: &Scope,
    source: &mut dyn RowSource,
    budget: &Budget,
    delta: Option<Delta>,
    progress: &mut dyn FnMut(&str, u64),
    check: &dyn Fn() -> Result<()>,
) -> Result<(Vec<TableRows>, Stats)> {
    let mut engine = Engine::new(scope, source, budget, delta)?;
    let mut reader = Reader {
        source,
        stats: Stats::default(),
        progress,
        check,
    };
    engine.scan_seeds(&mut reader)?;
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
    Ok(engine.finish(reader.stats))
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
}

impl<'a> Engine<'a> {
    /// The closure's state before any row is read: each table's identity and the key columns
    /// its rows are read with, and empty key sets and queues for every edge and children rule.
    fn new(
        scope: &'a Scope,
        source: &mut dyn RowSource,
        budget: &Budget,
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
            .map(|_| EdgeState {
                requested: KeySet::new(budget),
                pending: KeyQueue::new(QUEUE_MEMORY_KEYS, budget),
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
        })
    }

    /// Reads the seeds and passthrough tables, one scan each.
    fn scan_seeds(&mut self, reader: &mut Reader) -> Result<()> {
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
            reader.scan(&t.table, cols, filter, &mut |row| {
                self.take_row(i, row, level, false).map(|_| ())
            })?;
            let state = &mut self.states[i];
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
                encode(&pick(row, &state.id_pos), &mut key);
                let held = match &state.held {
                    Some(h) => h.contains(&key)?,
                    None => false,
                };
                let mut child_of_held = false;
                for (parent, pos) in &parents {
                    let values = pick(row, pos);
                    if values.contains(&KeyValue::Null) {
                        continue;
                    }
                    key.clear();
                    encode(&values, &mut key);
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
        let Some(e) = (0..self.edges.len()).find(|&e| !self.edges[e].pending.is_empty()) else {
            return Ok(false);
        };
        let scope = self.scope;
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
        reader.progress(table, self.states[parent].selected.len());
        Ok(true)
    }

    /// Looks up the children of one batch of parent keys of the first children rule that has
    /// some pending, at most the rule's cap per parent row; false when none has.
    fn child_batch(&mut self, reader: &mut Reader) -> Result<bool> {
        let Some(r) = (0..self.rules.len()).find(|&r| !self.rules[r].pending.is_empty()) else {
            return Ok(false);
        };
        let scope = self.scope;
        let (level, batch) = {
            let pending = &mut self.rules[r].pending;
            let (level, queue) = pending.front_mut().expect("non-empty");
            let level = *level;
            let batch = queue.pop_batch(reader.source.max_batch())?;
            if queue.is_empty() {
                pending.pop_front();
            }
            (level, batch)
        };
        let rule = scope.child_rules[r];
        let edge = &scope.edges[rule.edge];
        let child = edge.child;
        let fk_cols: Vec<KeyColumn> = key_columns(&edge.foreign_key.columns);
        let fk_pos = self.rules[r].child_fk_pos.clone();
        let mut per_parent: HashMap<Vec<u8>, u64> = HashMap::new();
        let table = &scope.tables[child].table;
        let filter = RowFilter::In {
            columns: &fk_cols,
            keys: &batch,
        };
        let cols = self.columns(child);
        reader.scan(table, cols, filter, &mut |row| {
            if let Some(cap) = rule.cap {
                let mut k = Vec::new();
                encode(&pick(row, &fk_pos), &mut k);
                let n = per_parent.entry(k).or_insert(0);
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
    fn finish(self, mut stats: Stats) -> (Vec<TableRows>, Stats) {
        stats.spilled = self.states.iter().filter(|s| s.selected.spilled()).count() as u64;
        let result = self
            .states
            .into_iter()
            .zip(&self.scope.tables)
            .map(|(s, t)| {
                let rows = if s.all { s.rows } else { s.selected.len() };
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
                    _ => Selection::Keys(Box::new(s.selected)),
                };
                TableRows {
                    identity: s.identity,
                    selection,
                    rows,
                }
            })
            .collect();
        (result, stats)
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
            encode(&pick(row, &state.id_pos), &mut self.buf);
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
        for (e, pos) in &state.out {
            let values = pick(row, pos);
            if values.contains(&KeyValue::Null) {
                continue;
            }
            // A parent taken whole (also this very table, through a self-reference) holds
            // every row already: nothing to look up, and no row to count twice.
            if self.all[self.scope.edges[*e].parent] {
                continue;
            }
            self.buf.clear();
            encode(&values, &mut self.buf);
            let edge = &mut self.edges[*e];
            if edge.requested.insert(&self.buf)? {
                edge.pending.push(&self.buf)?;
            }
        }
        if let Some(level) = level {
            for (r, pos) in &state.down {
                let rule = self.scope.child_rules[*r];
                if level + 1 > rule.depth {
                    continue;
                }
                let values = pick(row, pos);
                if values.contains(&KeyValue::Null) {
                    continue;
                }
                self.buf.clear();
                encode(&values, &mut self.buf);
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

fn pick<'a>(row: &[KeyValue<'a>], pos: &[usize]) -> Vec<KeyValue<'a>> {
    pos.iter().map(|&p| row[p]).collect()
}
