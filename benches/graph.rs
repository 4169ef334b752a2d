//! Catalog and graph benchmark on a synthetic catalog of 20,000 tables and 60,000 foreign keys.
//!
//! Run: `cargo bench --bench graph` (or `bench/graph.sh`). Prints a Markdown table; each dbsub
//! figure sits beside a raw baseline measured in the same run on the same data:
//!
//! - snapshot load (read + parse into the catalog model) vs `serde_json::Value` parse of the
//!   same bytes;
//! - closure vs a plain breadth-first search over `Vec<Vec<u32>>` adjacency lists;
//! - load order (SCCs, cycle breaking, deterministic topological sort) vs a plain Kahn sort
//!   over the same adjacency lists with the cycles' back edges left out.
//!
//! The synthetic schema imitates a large legacy one: 500 code tables that many tables
//! reference, modules of 50 tables whose FKs point mostly inside the module and to earlier
//! modules, a nullable back edge closing a cycle in one module of four, and self-references.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use dbsub::catalog::*;
use dbsub::graph::{Closure, ClosureOptions, DepGraph, Direction, order};

const TABLES: usize = 20_000;
const FKS: usize = 60_000;
const CODE_TABLES: usize = 500;
const MODULE: usize = 50;

/// SplitMix64: a fixed seed gives the same catalog every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn column(name: String, nullable: bool) -> Column {
    Column {
        name,
        native_type: "NUMBER(10)".into(),
        neutral_type: NeutralType::Decimal {
            precision: Some(10),
            scale: Some(0),
        },
        nullable,
        default: None,
        identity: None,
        generated: None,
        comment: None,
    }
}

fn name(i: usize) -> String {
    format!("T{i:05}")
}

/// (child, parent, nullable) edges as described in the module comment, exactly `FKS` of them.
fn synthetic_edges() -> Vec<(usize, usize, bool)> {
    let mut rng = Rng(20_000);
    let mut edges = Vec::with_capacity(FKS);
    for child in CODE_TABLES..TABLES {
        // One code table, one earlier table of the same module (or the previous module), one
        // earlier table anywhere.
        edges.push((child, rng.below(CODE_TABLES), false));
        let module_start = (child / MODULE) * MODULE;
        let low = module_start.saturating_sub(MODULE).max(CODE_TABLES);
        let earlier = |rng: &mut Rng, from: usize| {
            if child > from {
                from + rng.below(child - from)
            } else {
                rng.below(CODE_TABLES)
            }
        };
        let nullable = rng.below(4) == 0;
        edges.push((child, earlier(&mut rng, low), nullable));
        edges.push((child, earlier(&mut rng, CODE_TABLES), true));
    }
    // A nullable back edge in one module of four: a cycle inside that module.
    let mut module = CODE_TABLES;
    while module + MODULE <= TABLES && edges.len() < FKS {
        if rng.below(4) == 0 {
            let a = module + rng.below(MODULE / 2);
            let b = a + 1 + rng.below(MODULE / 2);
            edges.push((a, b, true));
        }
        module += MODULE;
    }
    // Self-references (parent/child hierarchies) until the count is reached.
    while edges.len() < FKS {
        let t = CODE_TABLES + rng.below(TABLES - CODE_TABLES);
        edges.push((t, t, true));
    }
    edges
}

fn synthetic_catalog(edges: &[(usize, usize, bool)]) -> Catalog {
    let mut tables: Vec<Table> = (0..TABLES)
        .map(|i| Table {
            schema: "BENCH".into(),
            name: name(i),
            columns: vec![column("ID".into(), false)],
            primary_key: Some(Key {
                name: Some(format!("{}_PK", name(i))),
                columns: vec!["ID".into()],
            }),
            unique_keys: vec![],
            foreign_keys: vec![],
            checks: vec![],
            indexes: vec![],
            comment: None,
            estimated_rows: None,
            temporary: None,
            partitioning: None,
        })
        .collect();
    for (n, &(child, parent, nullable)) in edges.iter().enumerate() {
        let col = format!("FK{n}_ID");
        tables[child].columns.push(column(col.clone(), nullable));
        tables[child].foreign_keys.push(ForeignKey {
            name: format!("FK{n}"),
            columns: vec![col],
            ref_schema: "BENCH".into(),
            ref_table: name(parent),
            ref_columns: vec!["ID".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: false,
            initially_deferred: false,
            enabled: true,
        });
    }
    Catalog {
        tables,
        ..Catalog::default()
    }
}

/// The median of `runs` timings of `f`.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Breadth-first search over plain adjacency lists: the raw baseline for a closure.
fn raw_bfs(up: &[Vec<u32>], down: &[Vec<u32>], seed: u32, both: bool) -> usize {
    let mut seen = vec![false; up.len()];
    let mut queue = VecDeque::from([seed]);
    seen[seed as usize] = true;
    let mut count = 0;
    let mut visited_down: Vec<u32> = Vec::new();
    while let Some(v) = queue.pop_front() {
        count += 1;
        visited_down.push(v);
        let next = if both {
            &down[v as usize]
        } else {
            &up[v as usize]
        };
        for &w in next {
            if !seen[w as usize] {
                seen[w as usize] = true;
                queue.push_back(w);
            }
        }
    }
    if both {
        // Then every parent of what was found.
        let mut queue: VecDeque<u32> = visited_down.into();
        let mut seen_up = vec![false; up.len()];
        while let Some(v) = queue.pop_front() {
            for &w in &up[v as usize] {
                if !seen_up[w as usize] {
                    seen_up[w as usize] = true;
                    if !seen[w as usize] {
                        count += 1;
                    }
                    queue.push_back(w);
                }
            }
        }
    }
    count
}

/// Kahn's algorithm over plain adjacency lists without the given back edges: the raw baseline
/// for a load order.
fn raw_kahn(n: usize, edges: &[(usize, usize, bool)]) -> usize {
    let mut waiting = vec![0u32; n];
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(c, p, _) in edges {
        if c > p {
            waiting[c] += 1;
            children[p].push(c as u32);
        }
    }
    let mut ready: Vec<u32> = (0..n as u32)
        .filter(|&v| waiting[v as usize] == 0)
        .collect();
    let mut placed = 0;
    while let Some(v) = ready.pop() {
        placed += 1;
        for &c in &children[v as usize] {
            waiting[c as usize] -= 1;
            if waiting[c as usize] == 0 {
                ready.push(c);
            }
        }
    }
    placed
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.1}×", a.as_secs_f64() / b.as_secs_f64())
}

fn main() {
    let edges = synthetic_edges();
    let catalog = synthetic_catalog(&edges);
    let dir = std::env::temp_dir().join(format!("dbsub-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("catalog.json");
    snapshot::write(&catalog, &path).expect("write snapshot");
    let bytes = std::fs::read(&path).expect("read snapshot");

    let load = median(5, || snapshot::read(&path).expect("load"));
    let raw_parse = median(5, || {
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("parse")
    });
    let build = median(5, || DepGraph::build(&catalog));

    let graph = DepGraph::build(&catalog);
    let mut up = vec![Vec::new(); TABLES];
    let mut down = vec![Vec::new(); TABLES];
    for &(c, p, _) in &edges {
        up[c].push(p as u32);
        down[p].push(c as u32);
    }
    let node = |i: usize| {
        graph
            .node_of(&ObjectKey::table("BENCH", name(i)))
            .expect("node")
    };
    let mut rows = Vec::new();
    for (label, seed, direction) in [
        ("parents of the last table", TABLES - 1, Direction::Parents),
        (
            "both from a code table (≈ whole schema)",
            0,
            Direction::Both,
        ),
    ] {
        let options = ClosureOptions {
            direction,
            ..Default::default()
        };
        let closure_time = median(7, || {
            Closure::compute(&graph, &[node(seed)], options.clone())
        });
        let closure = Closure::compute(&graph, &[node(seed)], options.clone());
        let raw = median(7, || {
            raw_bfs(&up, &down, seed as u32, direction == Direction::Both)
        });
        let order_time = median(7, || order::load_order(&graph, &closure));
        let plan = order::load_order(&graph, &closure);
        let broken = plan.broken().count();
        let total = median(7, || {
            let c = Closure::compute(&graph, &[node(seed)], options.clone());
            order::load_order(&graph, &c)
        });
        rows.push(format!(
            "| closure, {label}: {} tables, {} cycles, {broken} broken edges | {} | {} | {} |",
            closure.len(),
            plan.cycles.len(),
            ms(closure_time),
            ms(raw),
            ratio(closure_time, raw)
        ));
        rows.push(format!(
            "| load order of that closure | {} | {} | {} |",
            ms(order_time),
            ms(median(7, || raw_kahn(TABLES, &edges))),
            ratio(order_time, median(7, || raw_kahn(TABLES, &edges)))
        ));
        rows.push(format!(
            "| **closure + load order, {label}** (goal < 200 ms) | **{}** | | |",
            ms(total)
        ));
    }

    println!(
        "Synthetic catalog: {TABLES} tables, {} foreign keys, snapshot {:.1} MB\n",
        edges.len(),
        bytes.len() as f64 / 1e6
    );
    println!("| step | dbsub | raw baseline | ratio |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| snapshot load (read + parse into the catalog) vs serde_json::Value parse | {} | {} | {} |",
        ms(load),
        ms(raw_parse),
        ratio(load, raw_parse)
    );
    println!("| graph build from the catalog | {} | | |", ms(build));
    for row in rows {
        println!("{row}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
