//! Row keys on the client: the compact sets that hold the selected rows and the queues of keys
//! waiting for a lookup, all counted in one memory [`Budget`] and spilling to local files past
//! it. How one key is encoded is [`crate::model::key`].
//!
//! A set holds one-integer keys as bare `i64`s, and other keys back to back in one byte arena
//! (each after its length), found through a table of offsets: no allocation per key. Hashing
//! is hashbrown's foldhash, a fast non-cryptographic hash: the keys come from the user's own
//! database, so hash flooding (HashDoS) is not a concern here.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use hashbrown::{DefaultHashBuilder, HashSet, HashTable};
use rusqlite::{Connection, OptionalExtension, params};

use crate::model::key::{Key, as_int, int_key};

/// The memory the key sets and key queues of one extract may use together, in bytes: their
/// tables, arenas and queued keys, the sorted copy a set makes to be read in order, and the
/// page cache of each set that moved to disk. Past it, the set that is growing moves to a
/// local file, and a queue puts its new keys in one.
#[derive(Clone, Debug)]
pub struct Budget {
    limit: u64,
    used: Arc<AtomicU64>,
    spill_dir: Arc<std::path::PathBuf>,
}

impl Budget {
    /// A budget of `limit` bytes whose queues spill to `spill_dir` (a folder of the client,
    /// never the source database) and whose sets to SQLite's temporary folder; either file is
    /// deleted from its folder as soon as it is open.
    pub fn new(limit: u64, spill_dir: &Path) -> Budget {
        Budget {
            limit,
            used: Arc::new(AtomicU64::new(0)),
            spill_dir: Arc::new(spill_dir.to_path_buf()),
        }
    }

    /// The bytes counted now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Whether `more` bytes still fit.
    fn fits(&self, more: u64) -> bool {
        self.used().saturating_add(more) <= self.limit
    }

    /// The bytes left.
    fn left(&self) -> u64 {
        self.limit.saturating_sub(self.used())
    }
}

/// Bytes one holder counts against a budget, given back when it drops.
#[derive(Debug)]
struct Held {
    budget: Budget,
    bytes: u64,
}

impl Held {
    fn new(budget: &Budget) -> Held {
        Held {
            budget: budget.clone(),
            bytes: 0,
        }
    }

    /// Counts `bytes` from now on, instead of what was counted before.
    fn set(&mut self, bytes: u64) {
        if bytes > self.bytes {
            self.budget
                .used
                .fetch_add(bytes - self.bytes, Ordering::Relaxed);
        } else {
            self.budget
                .used
                .fetch_sub(self.bytes - bytes, Ordering::Relaxed);
        }
        self.bytes = bytes;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.set(0);
    }
}

/// Appends `key` after its length (LEB128).
fn push_sized(out: &mut impl Extend<u8>, key: &[u8]) {
    let mut n = key.len();
    let mut len = [0u8; 10];
    let mut i = 0;
    loop {
        len[i] = (n & 0x7f) as u8 | if n >= 0x80 { 0x80 } else { 0 };
        i += 1;
        n >>= 7;
        if n == 0 {
            break;
        }
    }
    out.extend(len[..i].iter().copied());
    out.extend(key.iter().copied());
}

/// The bytes `push_sized` takes for a key of `len` bytes.
fn sized_len(len: usize) -> usize {
    let mut prefix = 1;
    let mut n = len >> 7;
    while n > 0 {
        prefix += 1;
        n >>= 7;
    }
    prefix + len
}

/// Reads a length written by `push_sized` from `byte` (each call the next byte); `None` when
/// the bytes run out.
fn read_len(mut byte: impl FnMut() -> Option<u8>) -> Option<usize> {
    let (mut n, mut shift) = (0usize, 0);
    loop {
        let b = byte()?;
        n |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
        shift += 7;
    }
}

/// Keys of any shape, back to back in one arena, found by their offsets.
#[derive(Default)]
struct Arena {
    /// Each key after its length.
    bytes: Vec<u8>,
    /// The offset in `bytes` of each key's length.
    slots: HashTable<u64>,
    hasher: DefaultHashBuilder,
}

/// The key stored at `at` in `bytes`.
fn key_at(bytes: &[u8], at: u64) -> &[u8] {
    let mut i = at as usize;
    let len = read_len(|| {
        i += 1;
        bytes.get(i - 1).copied()
    })
    .unwrap_or(0);
    &bytes[i..i + len]
}

impl Arena {
    fn contains(&self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        self.slots
            .find(hash, |&at| key_at(&self.bytes, at) == key)
            .is_some()
    }

    fn insert(&mut self, key: &[u8]) -> bool {
        let (bytes, hasher) = (&self.bytes, &self.hasher);
        let entry = self.slots.entry(
            hasher.hash_one(key),
            |&at| key_at(bytes, at) == key,
            |&at| hasher.hash_one(key_at(bytes, at)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(self.bytes.len() as u64);
                push_sized(&mut self.bytes, key);
                true
            }
        }
    }

    /// Forgets `key`: its bytes stay in the arena, unreachable.
    fn remove(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        match self
            .slots
            .find_entry(hash, |&at| key_at(&self.bytes, at) == key)
        {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    fn held(&self) -> u64 {
        (self.bytes.capacity() + self.slots.allocation_size()) as u64
    }

    /// The bytes the insertion of a new key of `len` bytes may allocate (both the old and the
    /// new table exist while it grows).
    fn growth(&self, len: usize) -> u64 {
        let mut more = 0;
        if self.bytes.len() + sized_len(len) > self.bytes.capacity() {
            more += self.bytes.capacity().max(sized_len(len)).max(64);
        }
        if self.slots.len() == self.slots.capacity() {
            more += (2 * self.slots.allocation_size()).max(64);
        }
        more as u64
    }

    /// The offsets of the keys, in ascending byte order of the keys.
    fn sorted(&self) -> Vec<u64> {
        let mut order: Vec<u64> = self.slots.iter().copied().collect();
        order.sort_unstable_by(|&a, &b| key_at(&self.bytes, a).cmp(key_at(&self.bytes, b)));
        order
    }
}

enum Mem {
    /// Every key so far is one integer.
    Ints(HashSet<i64, DefaultHashBuilder>),
    Keys(Arena),
}

impl Mem {
    fn held(&self) -> u64 {
        match self {
            Mem::Ints(set) => set.allocation_size() as u64,
            Mem::Keys(arena) => arena.held(),
        }
    }

    /// The keys in ascending byte order, in batches of at most `batch` after the first `skip`;
    /// the sorted copy this takes is counted in `budget` while it lives.
    fn for_each_sorted(
        &self,
        budget: &Budget,
        batch: usize,
        skip: u64,
        each: &mut dyn FnMut(&[Key]) -> Result<()>,
    ) -> Result<()> {
        let mut copy = Held::new(budget);
        let mut keys: Vec<Key> = Vec::with_capacity(batch);
        let mut flush = |keys: &mut Vec<Key>, last: bool| -> Result<()> {
            if keys.len() == batch || (last && !keys.is_empty()) {
                each(keys)?;
                keys.clear();
            }
            Ok(())
        };
        match self {
            Mem::Ints(set) => {
                let mut ints: Vec<i64> = set.iter().copied().collect();
                copy.set(8 * ints.capacity() as u64);
                ints.sort_unstable();
                for &i in ints.iter().skip(skip as usize) {
                    keys.push(Key::from(&int_key(i)[..]));
                    flush(&mut keys, false)?;
                }
            }
            Mem::Keys(arena) => {
                let order = arena.sorted();
                copy.set(8 * order.capacity() as u64);
                for &at in order.iter().skip(skip as usize) {
                    keys.push(Key::from(key_at(&arena.bytes, at)));
                    flush(&mut keys, false)?;
                }
            }
        }
        flush(&mut keys, true)
    }
}

/// A set of encoded keys: in memory while the budget allows, then in a local SQLite file.
pub struct KeySet {
    mem: Mem,
    /// What `mem` holds, or what the page cache of `spill` may.
    held: Held,
    spill: Option<Spill>,
    len: u64,
    budget: Budget,
}

/// A set on disk: a private temporary SQLite database, whose file SQLite deletes from its
/// folder as soon as it is open (and frees on close): a killed run leaves nothing behind.
struct Spill {
    conn: Connection,
}

/// The page cache of a set on disk: a share of the budget left when it moves, within these
/// bounds (the lower one may go past the budget: SQLite needs some cache to work).
const SPILL_CACHE_MIN: u64 = 256 << 10;
const SPILL_CACHE_MAX: u64 = 8 << 20;
/// A spilled set's SQLite connection besides its page cache (statements, lookaside).
const SPILL_OVERHEAD: u64 = 128 << 10;

impl KeySet {
    pub fn new(budget: &Budget) -> KeySet {
        KeySet {
            mem: Mem::Ints(HashSet::default()),
            held: Held::new(budget),
            spill: None,
            len: 0,
            budget: budget.clone(),
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The budget this set counts against.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Whether the set has moved to disk.
    pub fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// Adds `key`; true when it was not there yet.
    pub fn insert(&mut self, key: &[u8]) -> Result<bool> {
        if self.spill.is_none() && !self.budget.fits(self.growth(key)) && !self.contains(key)? {
            self.spill_to_disk()?;
        }
        if let Some(spill) = &self.spill {
            let added = spill
                .conn
                .prepare_cached("INSERT OR IGNORE INTO k (k) VALUES (?1)")?
                .execute(params![key])?
                == 1;
            self.len += added as u64;
            return Ok(added);
        }
        let added = match (&mut self.mem, as_int(key)) {
            (Mem::Ints(set), Some(i)) => set.insert(i),
            (Mem::Ints(set), None) => {
                // A key of another shape: this set holds encoded keys from now on.
                let mut arena = Arena::default();
                for i in set.drain() {
                    arena.insert(&int_key(i));
                }
                let added = arena.insert(key);
                self.mem = Mem::Keys(arena);
                added
            }
            (Mem::Keys(arena), _) => arena.insert(key),
        };
        self.len += added as u64;
        self.held.set(self.mem.held());
        Ok(added)
    }

    /// Removes `key`; true when it was there. Memory it took stays counted until the set drops.
    pub fn remove(&mut self, key: &[u8]) -> Result<bool> {
        let removed = if let Some(spill) = &self.spill {
            spill
                .conn
                .prepare_cached("DELETE FROM k WHERE k = ?1")?
                .execute(params![key])?
                == 1
        } else {
            match (&mut self.mem, as_int(key)) {
                (Mem::Ints(set), Some(i)) => set.remove(&i),
                (Mem::Ints(_), None) => false,
                (Mem::Keys(arena), _) => arena.remove(key),
            }
        };
        self.len -= removed as u64;
        Ok(removed)
    }

    /// The bytes adding `key` may allocate.
    fn growth(&self, key: &[u8]) -> u64 {
        match (&self.mem, as_int(key)) {
            (Mem::Ints(set), Some(_)) if set.len() < set.capacity() => 0,
            (Mem::Ints(set), Some(_)) => (2 * set.allocation_size() as u64).max(64),
            // Every integer moves into an arena.
            (Mem::Ints(set), None) => {
                (set.len() as u64 + 1) * (8 + 2 * 10) + 2 * sized_len(key.len()) as u64
            }
            (Mem::Keys(arena), _) => arena.growth(key.len()),
        }
    }

    pub fn contains(&self, key: &[u8]) -> Result<bool> {
        if let Some(spill) = &self.spill {
            return Ok(spill
                .conn
                .prepare_cached("SELECT 1 FROM k WHERE k = ?1")?
                .query_row(params![key], |_| Ok(()))
                .optional()?
                .is_some());
        }
        Ok(match (&self.mem, as_int(key)) {
            (Mem::Ints(set), Some(i)) => set.contains(&i),
            (Mem::Ints(_), None) => false,
            (Mem::Keys(arena), _) => arena.contains(key),
        })
    }

    fn spill_to_disk(&mut self) -> Result<()> {
        // The empty name: SQLite's private temporary database, in its temporary folder
        // (SQLITE_TMPDIR, else TMPDIR, else /var/tmp or /tmp), written past its page cache.
        let conn = Connection::open("").context(
            "cannot open a temporary SQLite file for the closure's keys: check that TMPDIR \
             is writable and has room",
        )?;
        // Its page cache: a share of what the budget has left once this set's memory is free.
        let left = self.budget.left() + self.held.bytes;
        let cache = (left / 4).clamp(SPILL_CACHE_MIN, SPILL_CACHE_MAX);
        // One transaction that is never committed: the file is thrown away at the end, and
        // SQLite writes pages out only when its cache is full, not at every insert.
        conn.pragma_update(None, "cache_size", -((cache >> 10) as i64))?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE k (k BLOB PRIMARY KEY) WITHOUT ROWID;
             BEGIN;",
        )?;
        {
            // In key order: the B-tree grows at its right edge, page after page.
            let mut insert = conn.prepare("INSERT INTO k (k) VALUES (?1)")?;
            self.mem
                .for_each_sorted(&self.budget, 4096, 0, &mut |keys| {
                    for k in keys {
                        insert.execute(params![&k[..]])?;
                    }
                    Ok(())
                })
                .context("cannot write the closure's keys to a temporary SQLite file")?;
        }
        self.mem = Mem::Ints(HashSet::default());
        self.held.set(cache + SPILL_OVERHEAD);
        self.spill = Some(Spill { conn });
        Ok(())
    }

    /// Calls `each` with the keys in ascending byte order, in batches of at most `batch`,
    /// after skipping the first `skip` keys. The order does not depend on whether the set is
    /// in memory or on disk, so that a resumed extract writes the same parts.
    pub fn for_each_batch(
        &self,
        batch: usize,
        skip: u64,
        each: &mut dyn FnMut(&[Key]) -> Result<()>,
    ) -> Result<()> {
        let batch = batch.max(1);
        let Some(spill) = &self.spill else {
            return self.mem.for_each_sorted(&self.budget, batch, skip, each);
        };
        let mut stmt = spill
            .conn
            .prepare("SELECT k FROM k ORDER BY k LIMIT -1 OFFSET ?1")?;
        let mut rows = stmt.query(params![skip as i64])?;
        let mut keys: Vec<Key> = Vec::with_capacity(batch);
        while let Some(row) = rows.next()? {
            let k: Vec<u8> = row.get(0)?;
            keys.push(k.into());
            if keys.len() == batch {
                each(&keys)?;
                keys.clear();
            }
        }
        if !keys.is_empty() {
            each(&keys)?;
        }
        Ok(())
    }
}

impl crate::model::row::KeyLookup for KeySet {
    fn contains(&self, key: &[u8]) -> Result<bool> {
        KeySet::contains(self, key)
    }

    fn len(&self) -> u64 {
        KeySet::len(self)
    }
}

/// A first-in, first-out queue of keys waiting for a lookup, bounded in memory: past
/// `memory_keys` entries, or when the budget has no room, new keys go to a local file and
/// come back in order.
pub struct KeyQueue {
    /// The keys in memory, each after its length.
    mem: VecDeque<u8>,
    mem_keys: usize,
    memory_keys: usize,
    held: Held,
    budget: Budget,
    file: Option<SpillFile>,
    len: u64,
}

/// A queue's keys on disk: a file already deleted from its folder, read and written through
/// two handles of its own.
struct SpillFile {
    writer: std::io::BufWriter<std::fs::File>,
    reader: std::io::BufReader<std::fs::File>,
    unread: u64,
}

/// The buffers of a queue's file, counted in the budget.
const QUEUE_FILE_BUFFERS: u64 = 16 << 10;
/// A queue's memory is given back when it empties, past this capacity.
const QUEUE_KEEP: usize = 64 << 10;

impl KeyQueue {
    pub fn new(memory_keys: usize, budget: &Budget) -> KeyQueue {
        KeyQueue {
            mem: VecDeque::new(),
            mem_keys: 0,
            memory_keys: memory_keys.max(1),
            held: Held::new(budget),
            budget: budget.clone(),
            file: None,
            len: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes the queue holds in memory (counted in its budget).
    fn held(&self) -> u64 {
        self.mem.capacity() as u64
            + if self.file.is_some() {
                QUEUE_FILE_BUFFERS
            } else {
                0
            }
    }

    pub fn push(&mut self, key: &[u8]) -> Result<()> {
        use std::io::Write;
        self.len += 1;
        if self.file.is_none() && self.mem_keys < self.memory_keys {
            let need = self.mem.len() + sized_len(key.len());
            let growth = if need > self.mem.capacity() {
                self.mem.capacity().max(need).max(64) as u64
            } else {
                0
            };
            if self.budget.fits(growth) {
                push_sized(&mut self.mem, key);
                self.mem_keys += 1;
                self.held.set(self.held());
                return Ok(());
            }
        }
        if self.file.is_none() {
            let spill_dir = self.budget.spill_dir.as_path();
            std::fs::create_dir_all(spill_dir).with_context(|| {
                format!("cannot create the spill folder {}", spill_dir.display())
            })?;
            let file = tempfile::Builder::new()
                .prefix("dbsub-queue-")
                .tempfile_in(spill_dir)
                .with_context(|| {
                    format!("cannot create a spill file in {}", spill_dir.display())
                })?;
            let (writer, reader) = (file.reopen()?, file.reopen()?);
            // Out of the folder at once: a killed run leaves nothing behind. (Where the system
            // cannot delete an open file, it goes when the handles close.)
            let _ = file.close();
            self.file = Some(SpillFile {
                writer: std::io::BufWriter::new(writer),
                reader: std::io::BufReader::new(reader),
                unread: 0,
            });
            self.held.set(self.held());
        }
        let spill = self.file.as_mut().expect("created above");
        spill.writer.write_all(&(key.len() as u32).to_le_bytes())?;
        spill.writer.write_all(key)?;
        spill.unread += 1;
        Ok(())
    }

    /// Drops every key: a scan found them all at once.
    pub fn clear(&mut self) {
        self.mem = VecDeque::new();
        self.mem_keys = 0;
        self.file = None;
        self.len = 0;
        self.held.set(0);
    }

    /// Takes up to `n` keys from the front.
    pub fn pop_batch(&mut self, n: usize) -> Result<Vec<Key>> {
        use std::io::{Read, Write};
        let mut out = Vec::with_capacity(n.min(self.len as usize));
        while out.len() < n {
            if self.mem_keys > 0 {
                let len = read_len(|| self.mem.pop_front())
                    .context("a key queue in memory is cut short")?;
                out.push(self.mem.drain(..len).collect());
                self.mem_keys -= 1;
                continue;
            }
            let Some(spill) = self.file.as_mut() else {
                break;
            };
            if spill.unread == 0 {
                self.file = None;
                break;
            }
            spill.writer.flush()?;
            let mut len = [0u8; 4];
            spill.reader.read_exact(&mut len)?;
            let mut key = vec![0u8; u32::from_le_bytes(len) as usize];
            spill.reader.read_exact(&mut key)?;
            spill.unread -= 1;
            out.push(key.into());
        }
        if self.mem_keys == 0 && self.mem.capacity() > QUEUE_KEEP {
            self.mem = VecDeque::new();
        }
        self.held.set(self.held());
        self.len -= out.len() as u64;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::{KeyValue, key};
    use proptest::prelude::*;

    fn collect(set: &KeySet, skip: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        set.for_each_batch(3, skip, &mut |keys| {
            out.extend(keys.iter().map(|k| k.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_set_spills_past_its_budget_and_keeps_order_and_membership() {
        let dir = tempfile::tempdir().unwrap();
        let small = Budget::new(200, dir.path());
        let large = Budget::new(1 << 30, dir.path());
        let mut spilled = KeySet::new(&small);
        let mut in_memory = KeySet::new(&large);
        for i in (0..100).rev() {
            let k = key(&[KeyValue::Int(i * 7 - 300)]);
            assert!(spilled.insert(&k).unwrap());
            assert!(in_memory.insert(&k).unwrap());
            assert!(!spilled.insert(&k).unwrap());
        }
        assert!(spilled.spilled());
        assert!(!in_memory.spilled());
        assert_eq!(
            small.used(),
            SPILL_CACHE_MIN + SPILL_OVERHEAD,
            "a spilled set counts its page cache, no keys"
        );
        assert_eq!(spilled.len(), 100);
        assert!(spilled.contains(&key(&[KeyValue::Int(-300)])).unwrap());
        assert!(!spilled.contains(&key(&[KeyValue::Int(-299)])).unwrap());
        assert_eq!(collect(&spilled, 0), collect(&in_memory, 0));
        assert_eq!(collect(&spilled, 95), collect(&in_memory, 95));
        assert_eq!(collect(&spilled, 95).len(), 5);
        drop(spilled);
        assert_eq!(small.used(), 0);
    }

    #[test]
    fn spilled_sets_and_queues_leave_no_file_in_the_spill_folder() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget::new(100, dir.path());
        let mut set = KeySet::new(&budget);
        let mut queue = KeyQueue::new(2, &budget);
        for i in 0..50 {
            let k = key(&[KeyValue::Text(&format!("key {i}"))]);
            set.insert(&k).unwrap();
            queue.push(&k).unwrap();
        }
        assert!(set.spilled() && queue.file.is_some());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "a kill now would leave {left:?}");
        assert!(set.contains(&key(&[KeyValue::Text("key 7")])).unwrap());
        assert_eq!(
            queue.pop_batch(3).unwrap()[2][..],
            key(&[KeyValue::Text("key 2")])
        );
    }

    #[test]
    fn a_queue_keeps_its_order_across_the_spill_file() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget::new(1 << 20, dir.path());
        let mut queue = KeyQueue::new(3, &budget);
        let mut popped = Vec::new();
        for i in 0..10i64 {
            queue.push(&key(&[KeyValue::Int(i)])).unwrap();
            if i == 6 {
                popped.extend(queue.pop_batch(4).unwrap());
            }
        }
        assert_eq!(queue.len(), 6);
        while !queue.is_empty() {
            popped.extend(queue.pop_batch(4).unwrap());
        }
        let expected: Vec<Key> = (0..10).map(|i| key(&[KeyValue::Int(i)]).into()).collect();
        assert_eq!(popped, expected);
    }

    #[test]
    fn a_removed_key_leaves_the_set_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        for limit in [200, 1 << 20] {
            let budget = Budget::new(limit, dir.path());
            let mut set = KeySet::new(&budget);
            for i in 0..50 {
                set.insert(&key(&[KeyValue::Int(i)])).unwrap();
            }
            set.insert(&key(&[KeyValue::Text("a")])).unwrap();
            assert_eq!(set.spilled(), limit == 200);
            assert!(set.remove(&key(&[KeyValue::Int(7)])).unwrap());
            assert!(
                !set.remove(&key(&[KeyValue::Int(7)])).unwrap(),
                "gone already"
            );
            assert!(set.remove(&key(&[KeyValue::Text("a")])).unwrap());
            assert!(!set.contains(&key(&[KeyValue::Int(7)])).unwrap());
            assert!(set.contains(&key(&[KeyValue::Int(8)])).unwrap());
            assert_eq!(set.len(), 49);
            assert_eq!(collect(&set, 0).len(), 49);
            drop(set);
            assert_eq!(budget.used(), 0, "a removed key gives its memory back");
        }
    }

    #[test]
    fn a_set_of_integers_takes_other_keys_too() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget::new(1 << 20, dir.path());
        let mut set = KeySet::new(&budget);
        set.insert(&key(&[KeyValue::Int(2)])).unwrap();
        set.insert(&key(&[KeyValue::Int(1), KeyValue::Text("a")]))
            .unwrap();
        assert!(set.contains(&key(&[KeyValue::Int(2)])).unwrap());
        assert_eq!(set.len(), 2);
        drop(set);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn queues_and_sorted_copies_count_in_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget::new(4096, dir.path());
        let mut queue = KeyQueue::new(1_000_000, &budget);
        for i in 0..1000 {
            queue.push(&key(&[KeyValue::Int(i)])).unwrap();
        }
        // 1,000 keys of 10 bytes do not fit in 4 KiB: most went to the queue's file.
        assert!(queue.file.is_some());
        // The keys in memory stay within the budget; the file's buffers are counted too.
        let used = budget.used() - QUEUE_FILE_BUFFERS;
        assert!(used <= 4096, "{used} bytes counted");
        assert!(budget.used() >= queue.mem.len() as u64);
        let mut all = Vec::new();
        while !queue.is_empty() {
            all.extend(queue.pop_batch(7).unwrap());
        }
        let expected: Vec<Key> = (0..1000).map(|i| key(&[KeyValue::Int(i)]).into()).collect();
        assert_eq!(all, expected);
        drop(queue);
        assert_eq!(budget.used(), 0);

        let roomy = Budget::new(1 << 20, dir.path());
        let mut set = KeySet::new(&roomy);
        for i in 0..100 {
            set.insert(&key(&[KeyValue::Text(&format!("k{i}"))]))
                .unwrap();
        }
        let held = roomy.used();
        let mut during = 0;
        set.for_each_batch(10, 0, &mut |_| {
            during = roomy.used();
            Ok(())
        })
        .unwrap();
        assert!(during >= held + 8 * 100, "the sorted copy is counted");
        assert_eq!(roomy.used(), held, "and given back");
    }

    #[test]
    fn an_arena_key_set_holds_no_allocation_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget::new(1 << 30, dir.path());
        let mut set = KeySet::new(&budget);
        let n = 100_000;
        for i in 0..n {
            let k = key(&[KeyValue::Text(&format!("{i:05}")), KeyValue::Int(i)]);
            set.insert(&k).unwrap();
        }
        // 19 bytes a key, its length, an 8-byte slot and a control byte, with the table's and
        // the arena's slack. A boxed key took a 16-byte slot and an allocation of its own
        // (counted as 52 bytes, 64 or more in the allocator).
        let per_key = budget.used() / n as u64;
        assert!(per_key <= 40, "{per_key} bytes a key");
    }

    /// A key value for the property tests, owned.
    #[derive(Clone, Debug)]
    enum Part {
        Null,
        Int(i64),
        Text(String),
    }

    fn encode_parts(parts: &[Part]) -> Vec<u8> {
        let values: Vec<KeyValue<'_>> = parts
            .iter()
            .map(|p| match p {
                Part::Null => KeyValue::Null,
                Part::Int(i) => KeyValue::Int(*i),
                Part::Text(s) => KeyValue::Text(s),
            })
            .collect();
        key(&values)
    }

    fn int() -> impl Strategy<Value = Part> {
        prop_oneof![(-40i64..40), any::<i64>()].prop_map(Part::Int)
    }

    fn text() -> impl Strategy<Value = Part> {
        "[a-c\u{e9}]{0,3}|[a-z0-9 ]{0,200}".prop_map(Part::Text)
    }

    /// Integer, text, composite and NULL-containing keys.
    fn a_key() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => int().prop_map(|p| vec![p]),
            2 => text().prop_map(|p| vec![p]),
            2 => (text(), int()).prop_map(|(a, b)| vec![a, b]),
            1 => (int(), int()).prop_map(|(a, b)| vec![a, b]),
            1 => (prop_oneof![int(), Just(Part::Null)], prop_oneof![text(), Just(Part::Null)])
                .prop_map(|(a, b)| vec![a, b]),
        ]
        .prop_map(|parts| encode_parts(&parts))
    }

    fn keys() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop_oneof![
            proptest::collection::vec(a_key(), 0..300),
            // Integers only: the set of bare integers, spilled or not.
            proptest::collection::vec(int().prop_map(|p| encode_parts(&[p])), 0..300),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The compact set answers exactly as a BTreeSet of the encoded keys, in memory and
        /// after moving to disk at any point (a budget of a few bytes to plenty).
        #[test]
        fn a_key_set_answers_like_a_btreeset(
            keys in keys(),
            probes in proptest::collection::vec(a_key(), 0..20),
            limit in prop_oneof![0u64..8000, Just(1u64 << 30)],
            batch in 1usize..9,
            skip in 0u64..320,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let budget = Budget::new(limit, dir.path());
            let mut set = KeySet::new(&budget);
            let mut model = std::collections::BTreeSet::new();
            for k in &keys {
                prop_assert_eq!(set.insert(k).unwrap(), model.insert(k.clone()));
            }
            // Every third key removed (a delta's deletes), some twice, then probes that were
            // never there; then more inserts, some of a removed key.
            for (i, k) in keys.iter().chain(&probes).enumerate() {
                if i % 3 == 0 {
                    prop_assert_eq!(set.remove(k).unwrap(), model.remove(k));
                }
            }
            for k in keys.iter().step_by(2) {
                prop_assert_eq!(set.insert(k).unwrap(), model.insert(k.clone()));
            }
            prop_assert_eq!(set.len(), model.len() as u64);
            for k in keys.iter().chain(&probes) {
                prop_assert_eq!(set.contains(k).unwrap(), model.contains(k));
            }
            let mut out = Vec::new();
            set.for_each_batch(batch, skip, &mut |ks| {
                assert!(!ks.is_empty() && ks.len() <= batch);
                out.extend(ks.iter().map(|k| k.to_vec()));
                Ok(())
            })
            .unwrap();
            let expected: Vec<Vec<u8>> = model.iter().skip(skip as usize).cloned().collect();
            prop_assert_eq!(out, expected);
            drop(set);
            prop_assert_eq!(budget.used(), 0);
        }
    }
}
