//! Cycles and the load order of a closure.
//!
//! The load order puts what is needed before what needs it (parents before children). Every
//! cycle (a strongly connected component of more than one object, or a self-reference) is
//! broken at the fewest foreign keys, preferring nullable or deferrable ones, which a loader
//! can defer or disable. A cycle that holds no foreign key at all (views or code depending on
//! each other) is broken at a dependency edge and reported; no load order can satisfy it.
//!
//! Small components get an exact answer by trying edge sets in increasing size; a component too
//! large for that gets the Eades–Lin–Smyth ordering heuristic on weighted edges, then a pass
//! that puts back every broken edge that does not close a cycle.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::{Closure, DepGraph, Edge};

/// A broken edge must be deferred or disabled while loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenEdge {
    pub edge: EdgeIndex,
    /// The child (needing) and parent (needed) ends.
    pub child: NodeIndex,
    pub parent: NodeIndex,
    /// The cycle this edge closes, from the parent back to the child along kept edges (empty
    /// for a self-reference, and for components too large to trace every path).
    pub path: Vec<NodeIndex>,
}

impl BrokenEdge {
    pub fn is_self_reference(&self) -> bool {
        self.child == self.parent
    }
}

/// One strongly connected component of more than one object, or one self-referencing table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// Members sorted by key.
    pub members: Vec<NodeIndex>,
    /// The edges that break it.
    pub broken: Vec<BrokenEdge>,
    /// Set when the heuristic (not the exact search) chose the broken edges.
    pub heuristic: bool,
}

/// A load order and the cycles it had to break.
#[derive(Clone, Debug)]
pub struct LoadOrder {
    /// Every member of the closure, parents before children.
    pub order: Vec<NodeIndex>,
    /// Sorted by their first member.
    pub cycles: Vec<Cycle>,
}

impl LoadOrder {
    /// Every broken edge, over all cycles.
    pub fn broken(&self) -> impl Iterator<Item = &BrokenEdge> {
        self.cycles.iter().flat_map(|c| c.broken.iter())
    }
}

/// Edge sets tried at most by the exact search before falling back to the heuristic.
const EXACT_BUDGET: u64 = 50_000;
/// Components larger than this get their broken edges' paths traced only up to this many.
const MAX_TRACED_PATHS: usize = 100;

/// Breaking a non-FK edge costs more than breaking any number of FKs in practice; breaking a
/// NOT NULL, non-deferrable FK costs a little more than a nullable or deferrable one.
fn weight(edge: &Edge) -> u64 {
    match edge {
        Edge::ForeignKey(fk) if fk.nullable || fk.deferrable => 1_000,
        Edge::ForeignKey(_) => 1_001,
        Edge::TriggerOn | Edge::DependsOn => 1_000_000,
        // Never weighed: the load order leaves these edges out.
        Edge::Uses => 0,
    }
}

/// The closure's members and the edges among them, renumbered 0..n.
struct Local<'g> {
    graph: &'g DepGraph,
    nodes: Vec<NodeIndex>,
    /// (child, parent, edge) in local numbering, self-loops included.
    edges: Vec<(u32, u32, EdgeIndex)>,
}

impl<'g> Local<'g> {
    fn new(graph: &'g DepGraph, closure: &Closure) -> Local<'g> {
        let mut local_of = vec![u32::MAX; graph.node_count()];
        let nodes: Vec<NodeIndex> = closure.members().to_vec();
        for (i, n) in nodes.iter().enumerate() {
            local_of[n.index()] = i as u32;
        }
        let mut edges = Vec::new();
        for (i, &n) in nodes.iter().enumerate() {
            for (e, parent) in graph.parents(n) {
                let p = local_of[parent.index()];
                // What code uses when it runs need not exist before it: no order, no cycle.
                if p != u32::MAX && *graph.edge(e) != Edge::Uses {
                    edges.push((i as u32, p, e));
                }
            }
        }
        Local {
            graph,
            nodes,
            edges,
        }
    }
}

/// Computes the load order of `closure`'s members.
pub fn load_order(graph: &DepGraph, closure: &Closure) -> LoadOrder {
    let local = Local::new(graph, closure);
    let n = local.nodes.len();
    let components = strongly_connected(n, &local.edges);

    let mut broken_ids: Vec<bool> = vec![false; local.edges.len()];
    let mut cycles = Vec::new();
    // Edges grouped by component, for the components that are cycles.
    let mut comp_of = vec![u32::MAX; n];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            comp_of[m as usize] = c as u32;
        }
    }
    let mut comp_edges: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
    for (i, &(child, parent, _)) in local.edges.iter().enumerate() {
        if comp_of[child as usize] == comp_of[parent as usize] {
            comp_edges[comp_of[child as usize] as usize].push(i);
        }
    }
    for (c, members) in components.iter().enumerate() {
        let inner = &comp_edges[c];
        if inner.is_empty() {
            continue;
        }
        let (self_loops, others): (Vec<usize>, Vec<usize>) = inner
            .iter()
            .partition(|&&i| local.edges[i].0 == local.edges[i].1);
        let (chosen, heuristic) = if members.len() > 1 {
            break_component(&local, members, &others)
        } else {
            (Vec::new(), false)
        };
        for &i in self_loops.iter().chain(&chosen) {
            broken_ids[i] = true;
        }
        let traced = members.len() <= MAX_TRACED_PATHS;
        let mut broken: Vec<BrokenEdge> = self_loops
            .iter()
            .chain(&chosen)
            .map(|&i| {
                let (child, parent, edge) = local.edges[i];
                let path = if traced && child != parent {
                    trace_path(&local, &others, &broken_ids, parent, child)
                } else {
                    Vec::new()
                };
                BrokenEdge {
                    edge,
                    child: local.nodes[child as usize],
                    parent: local.nodes[parent as usize],
                    path,
                }
            })
            .collect();
        broken.sort_by(|a, b| {
            (graph.key(a.child), a.edge.index()).cmp(&(graph.key(b.child), b.edge.index()))
        });
        let mut members: Vec<NodeIndex> =
            members.iter().map(|&m| local.nodes[m as usize]).collect();
        members.sort_by(|a, b| graph.key(*a).cmp(graph.key(*b)));
        cycles.push(Cycle {
            members,
            broken,
            heuristic,
        });
    }
    cycles.sort_by(|a, b| graph.key(a.members[0]).cmp(graph.key(b.members[0])));

    let order = topological(&local, &broken_ids);
    LoadOrder { order, cycles }
}

/// Kosaraju's algorithm, iterative (deep FK chains must not overflow the stack). Returns the
/// components as lists of local node numbers.
fn strongly_connected(n: usize, edges: &[(u32, u32, EdgeIndex)]) -> Vec<Vec<u32>> {
    let (fwd, rev) = adjacency(n, edges.iter().map(|&(a, b, _)| (a, b)));
    // First pass: finishing order on the forward graph.
    let mut seen = vec![false; n];
    let mut finished = Vec::with_capacity(n);
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for start in 0..n as u32 {
        if seen[start as usize] {
            continue;
        }
        seen[start as usize] = true;
        stack.push((start, 0));
        while let Some((node, next)) = stack.last_mut() {
            let out = &fwd[*node as usize];
            if *next < out.len() {
                let m = out[*next];
                *next += 1;
                if !seen[m as usize] {
                    seen[m as usize] = true;
                    stack.push((m, 0));
                }
            } else {
                finished.push(*node);
                stack.pop();
            }
        }
    }
    // Second pass: components on the reverse graph, in reverse finishing order.
    let mut comp = vec![u32::MAX; n];
    let mut components = Vec::new();
    for &start in finished.iter().rev() {
        if comp[start as usize] != u32::MAX {
            continue;
        }
        let id = components.len() as u32;
        let mut members = vec![start];
        comp[start as usize] = id;
        let mut i = 0;
        while i < members.len() {
            for &m in &rev[members[i] as usize] {
                if comp[m as usize] == u32::MAX {
                    comp[m as usize] = id;
                    members.push(m);
                }
            }
            i += 1;
        }
        components.push(members);
    }
    components
}

fn adjacency(n: usize, edges: impl Iterator<Item = (u32, u32)>) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let mut fwd = vec![Vec::new(); n];
    let mut rev = vec![Vec::new(); n];
    for (a, b) in edges {
        fwd[a as usize].push(b);
        rev[b as usize].push(a);
    }
    (fwd, rev)
}

/// Chooses the edges (indices into `local.edges`) that break one component. Returns them and
/// whether the heuristic chose them.
fn break_component(local: &Local, members: &[u32], inner: &[usize]) -> (Vec<usize>, bool) {
    let mut candidates: Vec<usize> = inner.to_vec();
    candidates.sort_by_key(|&i| (weight(local.graph.edge(local.edges[i].2)), i));
    let sub = SubGraph::new(local, members, inner);
    if let Some(best) = exact_break(local, &sub, &candidates) {
        return (best, false);
    }
    (heuristic_break(local, &sub, &candidates), true)
}

/// One component renumbered 0..k with its inner edges.
struct SubGraph {
    k: usize,
    /// (child, parent) per inner edge, parallel to the `inner` slice it was built from.
    edges: Vec<(u32, u32)>,
    /// Position of each `local.edges` index in `edges`.
    pos: std::collections::HashMap<usize, usize>,
}

impl SubGraph {
    fn new(local: &Local, members: &[u32], inner: &[usize]) -> SubGraph {
        let map: std::collections::HashMap<u32, u32> = members
            .iter()
            .enumerate()
            .map(|(i, &m)| (m, i as u32))
            .collect();
        let edges = inner
            .iter()
            .map(|&i| (map[&local.edges[i].0], map[&local.edges[i].1]))
            .collect();
        let pos = inner.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        SubGraph {
            k: members.len(),
            edges,
            pos,
        }
    }

    /// Whether the component stays cyclic without the edges flagged in `removed`.
    fn acyclic_without(&self, removed: &[bool]) -> bool {
        let mut indeg = vec![0u32; self.k];
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); self.k];
        for (i, &(a, b)) in self.edges.iter().enumerate() {
            if !removed[i] {
                indeg[b as usize] += 1;
                out[a as usize].push(b);
            }
        }
        let mut ready: Vec<u32> = (0..self.k as u32)
            .filter(|&v| indeg[v as usize] == 0)
            .collect();
        let mut done = 0;
        while let Some(v) = ready.pop() {
            done += 1;
            for &w in &out[v as usize] {
                indeg[w as usize] -= 1;
                if indeg[w as usize] == 0 {
                    ready.push(w);
                }
            }
        }
        done == self.k
    }
}

/// The cheapest edge set that makes the component acyclic, trying sets of 1, 2, … edges, or
/// `None` when that would take more than [`EXACT_BUDGET`] tries.
fn exact_break(local: &Local, sub: &SubGraph, candidates: &[usize]) -> Option<Vec<usize>> {
    let m = candidates.len();
    let weights: Vec<u64> = candidates
        .iter()
        .map(|&i| weight(local.graph.edge(local.edges[i].2)))
        .collect();
    let min_weight = weights.iter().copied().min().unwrap_or(1);
    let mut best: Option<(u64, Vec<usize>)> = None;
    let mut tried: u64 = 0;
    for size in 1..=m {
        if best
            .as_ref()
            .is_some_and(|(w, _)| min_weight * size as u64 > *w)
        {
            break;
        }
        if tried + binomial(m, size) > EXACT_BUDGET {
            return best.map(|(_, set)| set);
        }
        let mut combo: Vec<usize> = (0..size).collect();
        loop {
            tried += 1;
            let total: u64 = combo.iter().map(|&c| weights[c]).sum();
            if best.as_ref().is_none_or(|(w, _)| total < *w) {
                let mut removed = vec![false; sub.edges.len()];
                for &c in &combo {
                    removed[sub.pos[&candidates[c]]] = true;
                }
                if sub.acyclic_without(&removed) {
                    best = Some((total, combo.iter().map(|&c| candidates[c]).collect()));
                }
            }
            if !next_combination(&mut combo, m) {
                break;
            }
        }
    }
    best.map(|(_, set)| set)
}

fn binomial(n: usize, k: usize) -> u64 {
    let k = k.min(n - k.min(n));
    let mut r: u64 = 1;
    for i in 0..k {
        r = r.saturating_mul((n - i) as u64) / (i as u64 + 1);
    }
    r
}

/// Advances `combo` (strictly increasing indices below `m`) to the next combination.
fn next_combination(combo: &mut [usize], m: usize) -> bool {
    let k = combo.len();
    for i in (0..k).rev() {
        if combo[i] < m - k + i {
            combo[i] += 1;
            for j in i + 1..k {
                combo[j] = combo[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Eades–Lin–Smyth on weighted edges: place objects that need nothing first and objects
/// nothing needs last; otherwise place first the object whose remaining "needs" are cheapest to
/// break relative to what needs it. Edges pointing to a later object are broken. Then every
/// broken edge that does not close a cycle is put back, most expensive first.
fn heuristic_break(local: &Local, sub: &SubGraph, candidates: &[usize]) -> Vec<usize> {
    let k = sub.k;
    let w: Vec<i64> = candidates
        .iter()
        .map(|&i| weight(local.graph.edge(local.edges[i].2)) as i64)
        .collect();
    // Per node: edges out (needs) and in (needed by), as positions in `candidates`.
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (c, &i) in candidates.iter().enumerate() {
        let (a, b) = sub.edges[sub.pos[&i]];
        outs[a as usize].push(c);
        ins[b as usize].push(c);
    }
    let mut w_out: Vec<i64> = (0..k)
        .map(|v| outs[v].iter().map(|&c| w[c]).sum())
        .collect();
    let mut w_in: Vec<i64> = (0..k).map(|v| ins[v].iter().map(|&c| w[c]).sum()).collect();
    let mut n_out: Vec<usize> = outs.iter().map(Vec::len).collect();
    let mut n_in: Vec<usize> = ins.iter().map(Vec::len).collect();
    let mut placed = vec![false; k];
    let mut by_score: BTreeSet<(i64, u32)> = (0..k as u32)
        .map(|v| (w_out[v as usize] - w_in[v as usize], v))
        .collect();
    let mut front: Vec<u32> = Vec::with_capacity(k);
    let mut back: Vec<u32> = Vec::new();
    let mut needs_nothing: VecDeque<u32> =
        (0..k as u32).filter(|&v| n_out[v as usize] == 0).collect();
    let mut needed_by_none: VecDeque<u32> =
        (0..k as u32).filter(|&v| n_in[v as usize] == 0).collect();

    let mut remove = |v: u32,
                      placed: &mut Vec<bool>,
                      by_score: &mut BTreeSet<(i64, u32)>,
                      needs_nothing: &mut VecDeque<u32>,
                      needed_by_none: &mut VecDeque<u32>| {
        placed[v as usize] = true;
        by_score.remove(&(w_out[v as usize] - w_in[v as usize], v));
        for &c in &outs[v as usize] {
            let (_, b) = sub.edges[sub.pos[&candidates[c]]];
            if !placed[b as usize] {
                by_score.remove(&(w_out[b as usize] - w_in[b as usize], b));
                w_in[b as usize] -= w[c];
                n_in[b as usize] -= 1;
                by_score.insert((w_out[b as usize] - w_in[b as usize], b));
                if n_in[b as usize] == 0 {
                    needed_by_none.push_back(b);
                }
            }
        }
        for &c in &ins[v as usize] {
            let (a, _) = sub.edges[sub.pos[&candidates[c]]];
            if !placed[a as usize] {
                by_score.remove(&(w_out[a as usize] - w_in[a as usize], a));
                w_out[a as usize] -= w[c];
                n_out[a as usize] -= 1;
                by_score.insert((w_out[a as usize] - w_in[a as usize], a));
                if n_out[a as usize] == 0 {
                    needs_nothing.push_back(a);
                }
            }
        }
    };

    while front.len() + back.len() < k {
        if let Some(v) = needs_nothing.pop_front() {
            if !placed[v as usize] {
                remove(
                    v,
                    &mut placed,
                    &mut by_score,
                    &mut needs_nothing,
                    &mut needed_by_none,
                );
                front.push(v);
            }
        } else if let Some(v) = needed_by_none.pop_front() {
            if !placed[v as usize] {
                remove(
                    v,
                    &mut placed,
                    &mut by_score,
                    &mut needs_nothing,
                    &mut needed_by_none,
                );
                back.push(v);
            }
        } else if let Some(&(_, v)) = by_score.iter().next() {
            remove(
                v,
                &mut placed,
                &mut by_score,
                &mut needs_nothing,
                &mut needed_by_none,
            );
            front.push(v);
        } else {
            break;
        }
    }
    let mut position = vec![0usize; k];
    for (p, &v) in front.iter().chain(back.iter().rev()).enumerate() {
        position[v as usize] = p;
    }
    // An edge child → parent is kept when the parent comes first.
    let mut removed = vec![false; sub.edges.len()];
    let mut chosen: Vec<usize> = Vec::new();
    for &i in candidates {
        let p = sub.pos[&i];
        let (a, b) = sub.edges[p];
        if position[b as usize] > position[a as usize] {
            removed[p] = true;
            chosen.push(i);
        }
    }
    // Put back what does not close a cycle, most expensive first (candidates are sorted
    // cheapest first). Skipped on very large components, where it would take too long.
    if chosen.len() * sub.edges.len() <= 20_000_000 {
        let mut kept_back = Vec::new();
        for &i in chosen.iter().rev() {
            let p = sub.pos[&i];
            removed[p] = false;
            if sub.acyclic_without(&removed) {
                kept_back.push(i);
            } else {
                removed[p] = true;
            }
        }
        chosen.retain(|i| !kept_back.contains(i));
    }
    chosen
}

/// A path from `from` to `to` over the component's kept edges (breadth first), as graph nodes.
fn trace_path(
    local: &Local,
    inner: &[usize],
    broken: &[bool],
    from: u32,
    to: u32,
) -> Vec<NodeIndex> {
    let mut prev: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut queue = VecDeque::from([from]);
    prev.insert(from, from);
    while let Some(v) = queue.pop_front() {
        if v == to {
            break;
        }
        for &i in inner {
            let (a, b, _) = local.edges[i];
            if a == v && !broken[i] && !prev.contains_key(&b) {
                prev.insert(b, v);
                queue.push_back(b);
            }
        }
    }
    if !prev.contains_key(&to) {
        return Vec::new();
    }
    let mut path = vec![to];
    let mut v = to;
    while v != from {
        v = prev[&v];
        path.push(v);
    }
    path.reverse();
    path.into_iter().map(|v| local.nodes[v as usize]).collect()
}

/// Kahn's algorithm without the broken edges; among the objects ready at once, the smallest
/// key first, so the order is stable.
fn topological(local: &Local, broken: &[bool]) -> Vec<NodeIndex> {
    let n = local.nodes.len();
    let mut waiting = vec![0u32; n];
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, &(child, parent, _)) in local.edges.iter().enumerate() {
        if !broken[i] && child != parent {
            waiting[child as usize] += 1;
            children[parent as usize].push(child);
        }
    }
    let key = |v: u32| local.graph.key(local.nodes[v as usize]);
    let mut ready: BinaryHeap<Reverse<(&crate::catalog::ObjectKey, u32)>> = (0..n as u32)
        .filter(|&v| waiting[v as usize] == 0)
        .map(|v| Reverse((key(v), v)))
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while order.len() < n {
        let v = match ready.pop() {
            Some(Reverse((_, v))) => v,
            // Unreachable when the broken edges cut every cycle; stay total regardless.
            None => match (0..n as u32)
                .filter(|&v| !placed[v as usize])
                .min_by_key(|&v| key(v))
            {
                Some(v) => v,
                None => break,
            },
        };
        if placed[v as usize] {
            continue;
        }
        placed[v as usize] = true;
        order.push(local.nodes[v as usize]);
        for &c in &children[v as usize] {
            waiting[c as usize] = waiting[c as usize].saturating_sub(1);
            if waiting[c as usize] == 0 && !placed[c as usize] {
                ready.push(Reverse((key(c), c)));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{ClosureOptions, Direction};
    use super::*;
    use crate::catalog::Catalog;

    fn plan(catalog: &Catalog) -> (DepGraph, LoadOrder) {
        let g = DepGraph::build(catalog);
        let all: Vec<NodeIndex> = g.inner().node_indices().collect();
        let closure = Closure::compute(
            &g,
            &all,
            ClosureOptions {
                direction: Direction::Parents,
                ..Default::default()
            },
        );
        let order = load_order(&g, &closure);
        (g, order)
    }

    fn names(g: &DepGraph, nodes: &[NodeIndex]) -> Vec<String> {
        nodes.iter().map(|&n| g.key(n).name.clone()).collect()
    }

    fn broken_names(g: &DepGraph, order: &LoadOrder) -> Vec<String> {
        order
            .broken()
            .map(|b| g.edge(b.edge).fk().unwrap().name.clone())
            .collect()
    }

    /// Every kept edge goes from a later object to an earlier one.
    fn assert_respects(g: &DepGraph, order: &LoadOrder) {
        let pos: std::collections::HashMap<NodeIndex, usize> = order
            .order
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, i))
            .collect();
        let broken: Vec<EdgeIndex> = order.broken().map(|b| b.edge).collect();
        for &n in &order.order {
            for (e, p) in g.parents(n) {
                if p != n && !broken.contains(&e) {
                    assert!(pos[&p] < pos[&n], "{} before {}", g.key(p), g.key(n));
                }
            }
        }
    }

    #[test]
    fn what_code_uses_when_it_runs_is_walked_but_closes_no_cycle() {
        use crate::catalog::{Dependency, ObjectKey, ObjectKind};
        // A default calls F; F's body reads T.
        let t = ObjectKey::table("S", "T");
        let f = ObjectKey::new("S", "F", ObjectKind::Function);
        let mut cat = catalog(vec![table("T", &[])]);
        cat.dependencies.push(Dependency {
            from: t.clone(),
            to: f.clone(),
        });
        cat.run_time_dependencies.push(Dependency {
            from: f.clone(),
            to: t.clone(),
        });
        let (g, order) = plan(&cat);
        assert!(order.cycles.is_empty(), "{:?}", order.cycles);
        assert_eq!(names(&g, &order.order), ["F", "T"]);
        let seed = g.node_of(&f).unwrap();
        let closure = Closure::compute(&g, &[seed], ClosureOptions::default());
        assert!(closure.contains(g.node_of(&t).unwrap()));
    }

    #[test]
    fn diamond_orders_parents_first() {
        let (g, order) = plan(&catalog(vec![
            table("D", &[("B_ID", "B", false), ("C_ID", "C", false)]),
            table("B", &[("A_ID", "A", false)]),
            table("C", &[("A_ID", "A", false)]),
            table("A", &[]),
        ]));
        assert_eq!(names(&g, &order.order), ["A", "B", "C", "D"]);
        assert!(order.cycles.is_empty());
    }

    #[test]
    fn two_cycle_breaks_the_nullable_side() {
        let (g, order) = plan(&catalog(vec![
            table("CLIENT", &[("PRIMARY_LOC", "LOCATION", true)]),
            table("LOCATION", &[("CLIENT_ID", "CLIENT", false)]),
        ]));
        assert_eq!(broken_names(&g, &order), ["CLIENT_FK1"]);
        assert_eq!(names(&g, &order.order), ["CLIENT", "LOCATION"]);
        let cycle = &order.cycles[0];
        assert_eq!(names(&g, &cycle.members), ["CLIENT", "LOCATION"]);
        assert_eq!(names(&g, &cycle.broken[0].path), ["LOCATION", "CLIENT"]);
        assert!(!cycle.heuristic);
        assert_respects(&g, &order);
    }

    #[test]
    fn three_cycle_breaks_one_edge_preferring_deferrable() {
        let mut b = table("B", &[("C_ID", "C", false)]);
        b.foreign_keys[0].deferrable = true;
        let (g, order) = plan(&catalog(vec![
            table("A", &[("B_ID", "B", false)]),
            b,
            table("C", &[("A_ID", "A", false)]),
        ]));
        assert_eq!(broken_names(&g, &order), ["B_FK1"]);
        assert_eq!(names(&g, &order.order), ["B", "A", "C"]);
        assert_respects(&g, &order);
    }

    #[test]
    fn overlapping_cycles_share_one_broken_edge() {
        // A needs B, B needs A and C, C needs A: the cycles A→B→A and A→B→C→A share the
        // edge A→B, so breaking it alone is the minimum.
        let (g, order) = plan(&catalog(vec![
            table("A", &[("B_ID", "B", true)]),
            table("B", &[("A_ID", "A", false), ("C_ID", "C", false)]),
            table("C", &[("A_ID", "A", false)]),
        ]));
        assert_eq!(broken_names(&g, &order), ["A_FK1"]);
        assert_respects(&g, &order);
    }

    #[test]
    fn self_reference_is_listed_and_does_not_disturb_the_order() {
        let (g, order) = plan(&catalog(vec![
            table(
                "TREE",
                &[("PARENT_ID", "TREE", true), ("ORCH_ID", "ORCH", false)],
            ),
            table("ORCH", &[]),
        ]));
        assert_eq!(names(&g, &order.order), ["ORCH", "TREE"]);
        assert_eq!(order.cycles.len(), 1);
        assert!(order.cycles[0].broken[0].is_self_reference());
        assert_eq!(broken_names(&g, &order), ["TREE_FK1"]);
    }

    #[test]
    fn composite_fk_nullability_comes_from_its_columns() {
        let mut client = table("CLIENT", &[]);
        client.columns.push(col("PRIMARY_CODE", true));
        client.foreign_keys.push(crate::catalog::ForeignKey {
            name: "CLIENT_PRIMARY_LOC_FK".into(),
            columns: vec!["ID".into(), "PRIMARY_CODE".into()],
            ref_schema: "S".into(),
            ref_table: "LOC".into(),
            ref_columns: vec!["CLIENT_ID".into(), "CODE".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: false,
            initially_deferred: false,
            enabled: true,
        });
        let loc = {
            let mut l = table("LOC", &[("CLIENT_ID", "CLIENT", false)]);
            l.columns.push(col("CODE", false));
            l
        };
        let (g, order) = plan(&catalog(vec![client, loc]));
        let edge = order.broken().next().unwrap().edge;
        let fk = g.edge(edge).fk().unwrap();
        assert_eq!(fk.name, "CLIENT_PRIMARY_LOC_FK");
        assert!(
            fk.nullable,
            "one nullable column makes the composite FK nullable"
        );
    }

    #[test]
    fn disconnected_parts_are_all_ordered() {
        let (g, order) = plan(&catalog(vec![
            table("Z", &[]),
            table("Y", &[("Z_ID", "Z", false)]),
            table("A", &[]),
        ]));
        assert_eq!(names(&g, &order.order), ["A", "Z", "Y"]);
    }

    #[test]
    fn large_component_falls_back_to_the_heuristic_and_stays_valid() {
        // A ring of 40 tables plus chords: too many edge sets for the exact search.
        let n = 40;
        let mut tables = Vec::new();
        for i in 0..n {
            let next = format!("T{:02}", (i + 1) % n);
            let chord = format!("T{:02}", (i + 7) % n);
            tables.push(table(
                &format!("T{i:02}"),
                &[("N_ID", &next, i % 3 == 0), ("C_ID", &chord, false)],
            ));
        }
        let (g, order) = plan(&catalog(tables));
        assert_eq!(order.order.len(), n);
        assert_eq!(order.cycles.len(), 1);
        assert!(order.cycles[0].heuristic);
        assert_respects(&g, &order);
        // Minimality: putting back any single broken edge closes a cycle.
        assert!(order.broken().count() >= 1);
    }

    #[test]
    fn exact_search_finds_the_minimum() {
        // Two 2-cycles joined by one edge: two components, one broken edge each.
        let (g, order) = plan(&catalog(vec![
            table("A", &[("B_ID", "B", false)]),
            table("B", &[("A_ID", "A", true), ("C_ID", "C", false)]),
            table("C", &[("D_ID", "D", true)]),
            table("D", &[("C_ID", "C", false)]),
        ]));
        let mut broken = broken_names(&g, &order);
        broken.sort();
        assert_eq!(broken, ["B_FK1", "C_FK1"]);
        assert_respects(&g, &order);
    }
}
