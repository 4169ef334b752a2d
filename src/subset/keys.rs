//! Row keys on the client: the compact sets that hold the selected rows, spilling to a local
//! file past a memory budget. How one key is encoded is [`crate::model::key`].

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};

use crate::model::key::{Key, as_int, int_key};

/// The memory all key sets of one extract may use together, in bytes; past it, the set that is
/// growing moves to a local file.
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

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Estimated heap bytes per entry: hashbrown's slot plus control byte, and for byte keys the
/// boxed allocation.
const INT_ENTRY: u64 = 9 + 8;
fn key_entry(len: usize) -> u64 {
    17 + 16 + len as u64
}

enum Mem {
    Ints(HashSet<i64>),
    Keys(HashSet<Key>),
}

/// A set of encoded keys: in memory while the budget allows, then in a local SQLite file.
pub struct KeySet {
    mem: Mem,
    mem_bytes: u64,
    spill: Option<Spill>,
    len: u64,
    budget: Budget,
}

/// A set on disk: a private temporary SQLite database, whose file SQLite deletes from its
/// folder as soon as it is open (and frees on close): a killed run leaves nothing behind.
struct Spill {
    conn: Connection,
}

impl KeySet {
    pub fn new(budget: &Budget) -> KeySet {
        KeySet {
            mem: Mem::Ints(HashSet::new()),
            mem_bytes: 0,
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
        if let Some(spill) = &self.spill {
            let added = spill
                .conn
                .prepare_cached("INSERT OR IGNORE INTO k (k) VALUES (?1)")?
                .execute(params![key])?
                == 1;
            self.len += added as u64;
            return Ok(added);
        }
        let (added, cost) = match (&mut self.mem, as_int(key)) {
            (Mem::Ints(set), Some(i)) => (set.insert(i), INT_ENTRY),
            (Mem::Ints(set), None) => {
                // A key of another shape: this set holds encoded keys from now on.
                let mut keys: HashSet<Key> = set.drain().map(|i| Key::from(int_key(i))).collect();
                let base = key_entry(9) * keys.len() as u64;
                self.budget
                    .used
                    .fetch_sub(self.mem_bytes, Ordering::Relaxed);
                self.budget.used.fetch_add(base, Ordering::Relaxed);
                self.mem_bytes = base;
                let added = keys.insert(key.into());
                self.mem = Mem::Keys(keys);
                (added, key_entry(key.len()))
            }
            (Mem::Keys(set), _) => (set.insert(key.into()), key_entry(key.len())),
        };
        if added {
            self.len += 1;
            self.mem_bytes += cost;
            let used = self.budget.used.fetch_add(cost, Ordering::Relaxed) + cost;
            if used > self.budget.limit {
                self.spill_to_disk()?;
            }
        }
        Ok(added)
    }

    /// Removes `key`; true when it was there.
    pub fn remove(&mut self, key: &[u8]) -> Result<bool> {
        let removed = if let Some(spill) = &self.spill {
            spill
                .conn
                .prepare_cached("DELETE FROM k WHERE k = ?1")?
                .execute(params![key])?
                == 1
        } else {
            let (removed, cost) = match (&mut self.mem, as_int(key)) {
                (Mem::Ints(set), Some(i)) => (set.remove(&i), INT_ENTRY),
                (Mem::Ints(_), None) => (false, 0),
                (Mem::Keys(set), _) => (set.remove(key), key_entry(key.len())),
            };
            if removed {
                self.mem_bytes -= cost;
                self.budget.used.fetch_sub(cost, Ordering::Relaxed);
            }
            removed
        };
        self.len -= removed as u64;
        Ok(removed)
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
            (Mem::Keys(set), _) => set.contains(key),
        })
    }

    fn spill_to_disk(&mut self) -> Result<()> {
        // The empty name: SQLite's private temporary database, in its temporary folder
        // (SQLITE_TMPDIR, else TMPDIR, else /var/tmp or /tmp), written past its page cache.
        let mut conn = Connection::open("").context(
            "cannot open a temporary SQLite file for the closure's keys: check that TMPDIR \
             is writable and has room",
        )?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;
             CREATE TABLE k (k BLOB PRIMARY KEY) WITHOUT ROWID;",
        )?;
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO k (k) VALUES (?1)")?;
            match std::mem::replace(&mut self.mem, Mem::Keys(HashSet::new())) {
                Mem::Ints(set) => {
                    for i in set {
                        insert.execute(params![&int_key(i)[..]])?;
                    }
                }
                Mem::Keys(set) => {
                    for k in set {
                        insert.execute(params![&k[..]])?;
                    }
                }
            }
        }
        tx.commit()?;
        self.budget
            .used
            .fetch_sub(self.mem_bytes, Ordering::Relaxed);
        self.mem_bytes = 0;
        self.mem = Mem::Keys(HashSet::new());
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
        if let Some(spill) = &self.spill {
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
            return Ok(());
        }
        let sorted: Vec<Key> = match &self.mem {
            Mem::Ints(set) => {
                let mut ints: Vec<i64> = set.iter().copied().collect();
                ints.sort_unstable();
                ints.into_iter()
                    .skip(skip as usize)
                    .map(|i| Key::from(int_key(i)))
                    .collect()
            }
            Mem::Keys(set) => {
                let mut keys: Vec<&Key> = set.iter().collect();
                keys.sort_unstable();
                keys.into_iter().skip(skip as usize).cloned().collect()
            }
        };
        for chunk in sorted.chunks(batch) {
            each(chunk)?;
        }
        Ok(())
    }
}

impl Drop for KeySet {
    fn drop(&mut self) {
        self.budget
            .used
            .fetch_sub(self.mem_bytes, Ordering::Relaxed);
    }
}

/// A first-in, first-out queue of keys waiting for a lookup, bounded in memory: past
/// `memory_keys` entries, new keys go to a local file and come back in order.
pub struct KeyQueue {
    mem: std::collections::VecDeque<Key>,
    memory_keys: usize,
    spill_dir: std::path::PathBuf,
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

impl KeyQueue {
    pub fn new(memory_keys: usize, budget: &Budget) -> KeyQueue {
        KeyQueue {
            mem: std::collections::VecDeque::new(),
            memory_keys: memory_keys.max(1),
            spill_dir: budget.spill_dir.as_path().to_path_buf(),
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

    pub fn push(&mut self, key: &[u8]) -> Result<()> {
        use std::io::Write;
        self.len += 1;
        if self.file.is_none() && self.mem.len() < self.memory_keys {
            self.mem.push_back(key.into());
            return Ok(());
        }
        if self.file.is_none() {
            std::fs::create_dir_all(&self.spill_dir).with_context(|| {
                format!(
                    "cannot create the spill folder {}",
                    self.spill_dir.display()
                )
            })?;
            let file = tempfile::Builder::new()
                .prefix("dbsub-queue-")
                .tempfile_in(&self.spill_dir)
                .with_context(|| {
                    format!("cannot create a spill file in {}", self.spill_dir.display())
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
        }
        let spill = self.file.as_mut().expect("created above");
        spill.writer.write_all(&(key.len() as u32).to_le_bytes())?;
        spill.writer.write_all(key)?;
        spill.unread += 1;
        Ok(())
    }

    /// Takes up to `n` keys from the front.
    pub fn pop_batch(&mut self, n: usize) -> Result<Vec<Key>> {
        use std::io::{Read, Write};
        let mut out = Vec::with_capacity(n.min(self.len as usize));
        while out.len() < n {
            if let Some(k) = self.mem.pop_front() {
                out.push(k);
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
        self.len -= out.len() as u64;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::{KeyValue, key};

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
        assert_eq!(small.used(), 0, "a spilled set holds no memory");
        assert_eq!(spilled.len(), 100);
        assert!(spilled.contains(&key(&[KeyValue::Int(-300)])).unwrap());
        assert!(!spilled.contains(&key(&[KeyValue::Int(-299)])).unwrap());
        assert_eq!(collect(&spilled, 0), collect(&in_memory, 0));
        assert_eq!(collect(&spilled, 95), collect(&in_memory, 95));
        assert_eq!(collect(&spilled, 95).len(), 5);
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
}
