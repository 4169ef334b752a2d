//! A layered layout, Sugiyama style, left to right: the needing object on the left, what it
//! needs to its right.
//!
//! 1. Cycles: the strongly connected components (petgraph's Tarjan) mark the boxes and links
//!    in a cycle; the back edges of a depth-first search are turned round, which leaves a DAG.
//! 2. Layers: the longest path from the objects nothing needs; a link spanning several layers
//!    gets a placeholder in each layer between, so that it is routed between boxes.
//! 3. Order within layers: barycentre sweeps down and up, keeping the order with the fewest
//!    crossings.
//! 4. Coordinates: layers are columns as wide as their widest box; within a column, boxes sit
//!    at the mean height of their neighbours, pushed apart to keep a gap, so they never
//!    overlap.
//! 5. Routes: a link leaves its box on the side facing its target, at a port of its own,
//!    crosses columns only through the gaps between boxes and ends on the target's border
//!    (but in a very large picture, see `MAX_PLACEHOLDERS`).

use std::collections::VecDeque;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Horizontal space between layers, where the links run.
const LAYER_GAP: f64 = 90.0;
/// Vertical space between two boxes of a layer.
const NODE_GAP: f64 = 28.0;
/// Vertical space next to a link's placeholder.
const PLACEHOLDER_GAP: f64 = 12.0;
/// How far a self-reference's loop reaches out of its box.
const LOOP: f64 = 14.0;
/// Sweeps of the crossing reduction (each one down and one up).
const SWEEPS: usize = 8;
/// Passes of the vertical placement.
const PLACEMENT_PASSES: usize = 6;
/// Placeholders at most: a graph whose links would need more (thousands of objects in long
/// cycles) gets its long links drawn straight, across the columns between, so that it is laid
/// out in seconds.
const MAX_PLACEHOLDERS: usize = 20_000;

/// A point of the picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A box: its top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether the two boxes share any inner point.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    /// Whether `p` lies on the border (within a hundredth of a pixel).
    pub fn on_border(&self, p: Point) -> bool {
        let near = |a: f64, b: f64| (a - b).abs() < 0.01;
        let in_x = p.x >= self.x - 0.01 && p.x <= self.right() + 0.01;
        let in_y = p.y >= self.y - 0.01 && p.y <= self.bottom() + 0.01;
        (in_y && (near(p.x, self.x) || near(p.x, self.right())))
            || (in_x && (near(p.y, self.y) || near(p.y, self.bottom())))
    }

    /// Whether `p` lies strictly inside (more than a hundredth of a pixel from the border).
    pub fn strictly_contains(&self, p: Point) -> bool {
        p.x > self.x + 0.01
            && p.x < self.right() - 0.01
            && p.y > self.y + 0.01
            && p.y < self.bottom() - 0.01
    }
}

/// Where everything goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One box per node, in the input's order.
    pub boxes: Vec<Rect>,
    /// Per link, the polyline from its `from` box's border to its `to` box's border.
    pub routes: Vec<Vec<Point>>,
    /// Per node: in a cycle (a strongly connected component of more than one node, or a
    /// self-reference).
    pub node_in_cycle: Vec<bool>,
    /// Per link: closes a cycle (both ends in one component, or a self-reference).
    pub link_in_cycle: Vec<bool>,
    /// Per node: its layer, 0 on the left.
    pub layers: Vec<usize>,
    /// Crossings between links in adjacent layers, after the sweeps.
    pub crossings: usize,
    /// The extent of everything drawn, from (0, 0).
    pub width: f64,
    pub height: f64,
}

/// Lays out nodes of the given `(width, height)` and links `(from, to)` (indexes into
/// `sizes`), everything below `top` and right of `left`.
pub fn layout(sizes: &[(f64, f64)], links: &[(usize, usize)], left: f64, top: f64) -> Layout {
    let n = sizes.len();
    let (node_in_cycle, link_in_cycle) = cycles(n, links);
    let reversed = back_edges(n, links);
    let mut work = Work::new(sizes, links, &reversed);
    work.order();
    let crossings = work.crossings();
    work.place(left, top);
    let routes = work.routes(links, &reversed);
    let mut width: f64 = left;
    let mut height: f64 = top;
    for b in &work.boxes[..n] {
        width = width.max(b.right());
        height = height.max(b.bottom());
    }
    for p in routes.iter().flatten() {
        width = width.max(p.x);
        height = height.max(p.y);
    }
    Layout {
        boxes: work.boxes[..n].to_vec(),
        routes,
        node_in_cycle,
        link_in_cycle,
        layers: work.layer[..n].to_vec(),
        crossings,
        width,
        height,
    }
}

/// Which nodes and links lie on a cycle.
fn cycles(n: usize, links: &[(usize, usize)]) -> (Vec<bool>, Vec<bool>) {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, links.len());
    for _ in 0..n {
        g.add_node(());
    }
    for &(a, b) in links {
        g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }
    let mut component = vec![0; n];
    let mut size = Vec::new();
    for (c, members) in tarjan_scc(&g).iter().enumerate() {
        for m in members {
            component[m.index()] = c;
        }
        size.push(members.len());
    }
    let mut node_in_cycle: Vec<bool> = component.iter().map(|&c| size[c] > 1).collect();
    let link_in_cycle = links
        .iter()
        .map(|&(a, b)| a == b || (component[a] == component[b] && size[component[a]] > 1))
        .collect();
    for &(a, b) in links {
        if a == b {
            node_in_cycle[a] = true;
        }
    }
    (node_in_cycle, link_in_cycle)
}

/// The back edges of an iterative depth-first search from every node in turn: turning them
/// round leaves no cycle. Self-references are left alone (they get a loop of their own).
fn back_edges(n: usize, links: &[(usize, usize)]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (l, &(a, b)) in links.iter().enumerate() {
        if a != b {
            out[a].push(l);
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; n];
    let mut reversed = vec![false; links.len()];
    for start in 0..n {
        if state[start] != State::New {
            continue;
        }
        state[start] = State::OnPath;
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.last_mut() {
            let Some(&l) = out[*node].get(*next) else {
                state[*node] = State::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            let target = links[l].1;
            match state[target] {
                State::New => {
                    state[target] = State::OnPath;
                    stack.push((target, 0));
                }
                State::OnPath => reversed[l] = true,
                State::Done => {}
            }
        }
    }
    reversed
}

/// The layered graph being laid out: the nodes, then one placeholder per layer a link
/// crosses.
struct Work {
    /// Sizes; placeholders are (0, 0).
    sizes: Vec<(f64, f64)>,
    /// Real nodes first.
    real: usize,
    layer: Vec<usize>,
    /// Per layer, its nodes in order.
    layers: Vec<Vec<usize>>,
    /// Position of each node in its layer.
    pos: Vec<usize>,
    /// Neighbours in the layer before and after.
    before: Vec<Vec<usize>>,
    after: Vec<Vec<usize>>,
    /// Per link (self-references: empty), the chain from its left end to its right end.
    chains: Vec<Vec<usize>>,
    /// Room kept above a box for its self-reference loop.
    loop_above: Vec<bool>,
    boxes: Vec<Rect>,
}

impl Work {
    fn new(sizes: &[(f64, f64)], links: &[(usize, usize)], reversed: &[bool]) -> Work {
        let n = sizes.len();
        let ends = |l: usize| {
            let (a, b) = links[l];
            if reversed[l] { (b, a) } else { (a, b) }
        };
        // Longest path from the sources, in topological order (Kahn).
        let mut indegree = vec![0usize; n];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for l in 0..links.len() {
            let (u, v) = ends(l);
            if u != v {
                indegree[v] += 1;
                out[u].push(v);
            }
        }
        let mut layer = vec![0usize; n];
        let mut queue: VecDeque<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
        while let Some(u) = queue.pop_front() {
            for &v in &out[u] {
                layer[v] = layer[v].max(layer[u] + 1);
                indegree[v] -= 1;
                if indegree[v] == 0 {
                    queue.push_back(v);
                }
            }
        }
        let mut loop_above = vec![false; n];
        let mut work = Work {
            sizes: sizes.to_vec(),
            real: n,
            layers: Vec::new(),
            pos: Vec::new(),
            before: vec![Vec::new(); n],
            after: vec![Vec::new(); n],
            chains: vec![Vec::new(); links.len()],
            loop_above: Vec::new(),
            boxes: Vec::new(),
            layer,
        };
        let bends: usize = (0..links.len())
            .map(|l| {
                let (u, v) = ends(l);
                (work.layer[v].saturating_sub(work.layer[u])).saturating_sub(1)
            })
            .sum();
        let straight = bends > MAX_PLACEHOLDERS;
        for l in 0..links.len() {
            let (u, v) = ends(l);
            if u == v {
                loop_above[u] = true;
                continue;
            }
            if straight && work.layer[v] > work.layer[u] + 1 {
                work.chains[l] = vec![u, v];
                continue;
            }
            let mut chain = vec![u];
            for at in work.layer[u] + 1..work.layer[v] {
                let d = work.sizes.len();
                work.sizes.push((0.0, 0.0));
                work.layer.push(at);
                work.before.push(Vec::new());
                work.after.push(Vec::new());
                chain.push(d);
            }
            chain.push(v);
            for pair in chain.windows(2) {
                work.after[pair[0]].push(pair[1]);
                work.before[pair[1]].push(pair[0]);
            }
            work.chains[l] = chain;
        }
        loop_above.resize(work.sizes.len(), false);
        work.loop_above = loop_above;
        let depth = work.layer.iter().max().map_or(0, |&m| m + 1);
        work.layers = vec![Vec::new(); depth];
        for (x, &l) in work.layer.iter().enumerate() {
            work.layers[l].push(x);
        }
        work.pos = vec![0; work.sizes.len()];
        work.renumber();
        work
    }

    fn renumber(&mut self) {
        for layer in &self.layers {
            for (i, &x) in layer.iter().enumerate() {
                self.pos[x] = i;
            }
        }
    }

    /// Barycentre sweeps; keeps the order with the fewest crossings (the first one on ties).
    fn order(&mut self) {
        // A first sweep down so that the initial order follows the links.
        self.sweep(true);
        let mut best = (self.crossings(), self.layers.clone());
        for _ in 0..SWEEPS {
            if best.0 == 0 {
                break;
            }
            self.sweep(false);
            self.sweep(true);
            let c = self.crossings();
            if c < best.0 {
                best = (c, self.layers.clone());
            }
        }
        self.layers = best.1;
        self.renumber();
    }

    /// Reorders each layer by the mean position of its neighbours in the layer before (`down`)
    /// or after; a node without neighbours there keeps its position.
    fn sweep(&mut self, down: bool) {
        let count = self.layers.len();
        let indexes: Vec<usize> = if down {
            (1..count).collect()
        } else {
            (0..count.saturating_sub(1)).rev().collect()
        };
        for li in indexes {
            let mut keyed: Vec<(f64, usize, usize)> = self.layers[li]
                .iter()
                .map(|&x| {
                    let near = if down {
                        &self.before[x]
                    } else {
                        &self.after[x]
                    };
                    let bary = if near.is_empty() {
                        self.pos[x] as f64
                    } else {
                        near.iter().map(|&y| self.pos[y] as f64).sum::<f64>() / near.len() as f64
                    };
                    (bary, self.pos[x], x)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            self.layers[li] = keyed.iter().map(|k| k.2).collect();
            for (i, &x) in self.layers[li].iter().enumerate() {
                self.pos[x] = i;
            }
        }
    }

    /// Crossings between every two adjacent layers: inversions among the segments sorted by
    /// their upper end, counted with a Fenwick tree.
    fn crossings(&self) -> usize {
        let mut total = 0;
        for li in 0..self.layers.len().saturating_sub(1) {
            let mut segments: Vec<(usize, usize)> = self.layers[li]
                .iter()
                .flat_map(|&x| self.after[x].iter().map(move |&y| (x, y)))
                .map(|(x, y)| (self.pos[x], self.pos[y]))
                .collect();
            segments.sort_unstable();
            let size = self.layers[li + 1].len();
            let mut tree = vec![0usize; size + 1];
            for (seen, &(_, lower)) in segments.iter().enumerate() {
                // Segments seen so far ending at or before `lower` do not cross this one.
                let mut i = lower + 1;
                let mut not_crossing = 0;
                while i > 0 {
                    not_crossing += tree[i];
                    i &= i - 1;
                }
                total += seen - not_crossing;
                let mut i = lower + 1;
                while i <= size {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
            }
        }
        total
    }

    /// Columns as wide as their widest box; within a column, each node as near the mean
    /// height of its neighbours as the gaps allow.
    fn place(&mut self, left: f64, top: f64) {
        let count = self.layers.len();
        let mut column_x = Vec::with_capacity(count);
        let mut column_w = Vec::with_capacity(count);
        let mut x = left;
        for layer in &self.layers {
            let w = layer.iter().map(|&v| self.sizes[v].0).fold(0.0, f64::max);
            column_x.push(x);
            column_w.push(w);
            x += w + LAYER_GAP;
        }
        // Stacked first, then moved towards their neighbours.
        let mut y = vec![0.0; self.sizes.len()];
        for layer in &self.layers {
            let mut at = 0.0;
            for (i, &v) in layer.iter().enumerate() {
                if i > 0 {
                    at += self.gap(layer[i - 1], v);
                }
                y[v] = at;
                at += self.sizes[v].1;
            }
        }
        for pass in 0..PLACEMENT_PASSES {
            let indexes: Vec<usize> = if pass % 2 == 0 {
                (0..count).collect()
            } else {
                (0..count).rev().collect()
            };
            for li in indexes {
                self.settle(li, &mut y);
            }
        }
        let lowest = (0..self.sizes.len())
            .map(|v| y[v] - if self.loop_above[v] { LOOP } else { 0.0 })
            .fold(f64::INFINITY, f64::min);
        let shift = if lowest.is_finite() {
            top - lowest
        } else {
            0.0
        };
        self.boxes = (0..self.sizes.len())
            .map(|v| {
                let li = self.layer[v];
                let (w, h) = self.sizes[v];
                let x = if v < self.real {
                    column_x[li] + (column_w[li] - w) / 2.0
                } else {
                    column_x[li]
                };
                Rect {
                    x: round(x),
                    y: round(y[v] + shift),
                    // A placeholder spans its column, so a link runs straight through it.
                    w: if v < self.real { w } else { column_w[li] },
                    h,
                }
            })
            .collect();
    }

    /// The gap between two consecutive nodes of a layer.
    fn gap(&self, upper: usize, lower: usize) -> f64 {
        let base = if upper < self.real && lower < self.real {
            NODE_GAP
        } else {
            PLACEHOLDER_GAP
        };
        base + if self.loop_above[lower] { LOOP } else { 0.0 }
    }

    /// Moves the nodes of layer `li` towards the mean centre of their neighbours, keeping
    /// their order and gaps: the mean of packing from the top and packing from the bottom,
    /// each of which keeps the gaps, so their mean does too.
    fn settle(&self, li: usize, y: &mut [f64]) {
        let layer = &self.layers[li];
        if layer.is_empty() {
            return;
        }
        let wanted: Vec<f64> = layer
            .iter()
            .map(|&v| {
                let near: Vec<usize> = self.before[v]
                    .iter()
                    .chain(&self.after[v])
                    .copied()
                    .collect();
                if near.is_empty() {
                    y[v]
                } else {
                    let centre = near
                        .iter()
                        .map(|&u| y[u] + self.sizes[u].1 / 2.0)
                        .sum::<f64>()
                        / near.len() as f64;
                    centre - self.sizes[v].1 / 2.0
                }
            })
            .collect();
        let mut down = wanted.clone();
        for i in 1..layer.len() {
            let floor = down[i - 1] + self.sizes[layer[i - 1]].1 + self.gap(layer[i - 1], layer[i]);
            down[i] = down[i].max(floor);
        }
        let mut up = wanted;
        for i in (0..layer.len() - 1).rev() {
            let ceiling = up[i + 1] - self.gap(layer[i], layer[i + 1]) - self.sizes[layer[i]].1;
            up[i] = up[i].min(ceiling);
        }
        for (i, &v) in layer.iter().enumerate() {
            y[v] = (down[i] + up[i]) / 2.0;
        }
    }

    /// The polylines of the links, each from its `from` box to its `to` box.
    fn routes(&self, links: &[(usize, usize)], reversed: &[bool]) -> Vec<Vec<Point>> {
        let ports = self.ports();
        // Each layer's left and right edge: a link crosses a column only through a gap.
        let mut extent = vec![(f64::MAX, f64::MIN); self.layers.len()];
        for (v, b) in self.boxes.iter().enumerate() {
            let e = &mut extent[self.layer[v]];
            *e = (e.0.min(b.x), e.1.max(b.right()));
        }
        let column_left = |v: usize| extent[self.layer[v]].0;
        let column_right = |v: usize| extent[self.layer[v]].1;
        links
            .iter()
            .enumerate()
            .map(|(l, &(a, _))| {
                let chain = &self.chains[l];
                if chain.is_empty() {
                    return self.self_loop(a);
                }
                let (first, last) = (chain[0], chain[chain.len() - 1]);
                let (fb, lb) = (self.boxes[first], self.boxes[last]);
                let start_y = ports.right[l];
                let end_y = ports.left[l];
                let mut points = vec![
                    Point {
                        x: fb.right(),
                        y: start_y,
                    },
                    Point {
                        x: column_right(first),
                        y: start_y,
                    },
                ];
                for &d in &chain[1..chain.len() - 1] {
                    let b = self.boxes[d];
                    points.push(Point { x: b.x, y: b.y });
                    points.push(Point {
                        x: b.right(),
                        y: b.y,
                    });
                }
                points.push(Point {
                    x: column_left(last),
                    y: end_y,
                });
                points.push(Point { x: lb.x, y: end_y });
                points.dedup();
                if reversed[l] {
                    points.reverse();
                }
                points
            })
            .collect()
    }

    /// A loop out of the top of the box and back into its right side.
    fn self_loop(&self, v: usize) -> Vec<Point> {
        let b = self.boxes[v];
        let start = b.right() - (b.w / 4.0).min(20.0);
        let back = b.y + (b.h / 4.0).min(8.0);
        vec![
            Point { x: start, y: b.y },
            Point {
                x: start,
                y: b.y - LOOP,
            },
            Point {
                x: b.right() + LOOP,
                y: b.y - LOOP,
            },
            Point {
                x: b.right() + LOOP,
                y: back,
            },
            Point {
                x: b.right(),
                y: back,
            },
        ]
    }

    /// Where each link leaves its left end's right side and enters its right end's left side:
    /// ports spread evenly along each side, in the order of the other ends' heights.
    fn ports(&self) -> Ports {
        let links = self.chains.len();
        let mut right: Vec<Vec<(f64, usize)>> = vec![Vec::new(); self.real];
        let mut left: Vec<Vec<(f64, usize)>> = vec![Vec::new(); self.real];
        let centre = |v: usize| self.boxes[v].y + self.boxes[v].h / 2.0;
        for (l, chain) in self.chains.iter().enumerate() {
            if chain.len() < 2 {
                continue;
            }
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            right[first].push((centre(chain[1]), l));
            left[last].push((centre(chain[chain.len() - 2]), l));
        }
        let mut ports = Ports {
            right: vec![0.0; links],
            left: vec![0.0; links],
        };
        let spread = |sides: &mut [Vec<(f64, usize)>], into: &mut [f64]| {
            for (v, side) in sides.iter_mut().enumerate() {
                side.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let b = self.boxes[v];
                let m = side.len() as f64;
                for (k, &(_, l)) in side.iter().enumerate() {
                    into[l] = round(b.y + b.h * (k as f64 + 1.0) / (m + 1.0));
                }
            }
        };
        spread(&mut right, &mut ports.right);
        spread(&mut left, &mut ports.left);
        ports
    }
}

/// Per link, the height of its port on its left end's right side and its right end's left side.
struct Ports {
    right: Vec<f64>,
    left: Vec<f64>,
}

/// Coordinates to a tenth of a pixel, so that the SVG text is short and stable.
pub(super) fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Lays out and checks: no two boxes overlap, every link starts on its `from` box and ends
    /// on its `to` box, and (unless `straight`) no link passes through a box.
    fn check(
        sizes: &[(f64, f64)],
        links: &[(usize, usize)],
        straight: bool,
    ) -> Result<Layout, TestCaseError> {
        let l = layout(sizes, links, 20.0, 30.0);
        prop_assert_eq!(l.boxes.len(), sizes.len());
        prop_assert_eq!(l.routes.len(), links.len());
        for (i, a) in l.boxes.iter().enumerate() {
            prop_assert!(a.x >= 20.0 - 0.01 && a.y >= 30.0 - 0.01, "box {i} {a:?}");
            prop_assert!(a.right() <= l.width + 0.01 && a.bottom() <= l.height + 0.01);
            for (j, b) in l.boxes.iter().enumerate().skip(i + 1) {
                prop_assert!(!a.overlaps(b), "boxes {i} {a:?} and {j} {b:?} overlap");
            }
        }
        for (k, (&(from, to), route)) in links.iter().zip(&l.routes).enumerate() {
            prop_assert!(route.len() >= 2, "link {k}: {route:?}");
            prop_assert!(
                l.boxes[from].on_border(route[0]),
                "link {k} starts at {:?}, off box {from} {:?}",
                route[0],
                l.boxes[from]
            );
            let end = route[route.len() - 1];
            prop_assert!(
                l.boxes[to].on_border(end),
                "link {k} ends at {end:?}, off box {to} {:?}",
                l.boxes[to]
            );
            // No segment passes through a box.
            for pair in route.windows(2).filter(|_| !straight) {
                for s in 1..20 {
                    let t = s as f64 / 20.0;
                    let p = Point {
                        x: pair[0].x + (pair[1].x - pair[0].x) * t,
                        y: pair[0].y + (pair[1].y - pair[0].y) * t,
                    };
                    for (i, b) in l.boxes.iter().enumerate() {
                        prop_assert!(
                            !b.strictly_contains(p),
                            "link {k} ({from} -> {to}) crosses box {i} at {p:?}: {route:?}"
                        );
                    }
                }
            }
        }
        Ok(l)
    }

    proptest! {
        #[test]
        fn boxes_never_overlap_and_links_end_on_their_boxes(
            sizes in prop::collection::vec((60.0..260.0f64, 30.0..50.0f64), 1..24),
            raw in prop::collection::vec((0usize..1000, 0usize..1000), 0..48),
        ) {
            let n = sizes.len();
            let links: Vec<(usize, usize)> = raw.iter().map(|&(a, b)| (a % n, b % n)).collect();
            check(&sizes, &links, false)?;
        }
    }

    #[test]
    fn a_chain_goes_left_to_right_and_a_cycle_is_marked() {
        // 0 needs 1 needs 2 needs 1; 3 refers to itself; 0 also needs 2 directly.
        let sizes = [(80.0, 34.0); 4];
        let links = [(0, 1), (1, 2), (2, 1), (3, 3), (0, 2)];
        let l = layout(&sizes, &links, 0.0, 0.0);
        assert_eq!(l.node_in_cycle, vec![false, true, true, true]);
        assert_eq!(l.link_in_cycle, vec![false, true, true, true, false]);
        assert_eq!(&l.layers[..3], &[0, 1, 2]);
        assert!(l.boxes[0].right() < l.boxes[1].x && l.boxes[1].right() < l.boxes[2].x);
        // The link 0 → 2 skips layer 1: it runs through the gap beside box 1, not through it.
        let b1 = l.boxes[1];
        let beside: Vec<&Point> = l.routes[4]
            .iter()
            .filter(|p| p.x == b1.x || p.x == b1.right())
            .collect();
        assert_eq!(beside.len(), 2, "{:?}", l.routes[4]);
        assert!(beside.iter().all(|p| p.y < b1.y || p.y > b1.bottom()));
    }

    #[test]
    fn sweeps_untangle_a_crossing() {
        // 0 needs 3 and 1 needs 2, with 2 listed before 3: the start order crosses.
        let sizes = [(80.0, 34.0); 4];
        let links = [(0, 3), (1, 2)];
        let l = layout(&sizes, &links, 0.0, 0.0);
        assert_eq!(l.crossings, 0);
        let (y2, y3) = (l.boxes[2].y, l.boxes[3].y);
        assert_eq!(l.boxes[0].y < l.boxes[1].y, y3 < y2);
    }

    #[test]
    fn long_links_past_the_placeholder_budget_are_drawn_straight() {
        // A chain of 300 and 100 links spanning it: 29,800 placeholders would be needed.
        let n = 300;
        let sizes = vec![(90.0, 34.0); n];
        let mut links: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        links.extend((0..100).map(|_| (0, n - 1)));
        let l = check(&sizes, &links, true).unwrap();
        assert_eq!(l.layers[n - 1], n - 1);
        assert_eq!(l.routes[n - 1].len(), 2, "{:?}", l.routes[n - 1]);
    }

    #[test]
    fn nothing_to_draw() {
        let l = layout(&[], &[], 10.0, 10.0);
        assert!(l.boxes.is_empty() && l.routes.is_empty());
        assert_eq!((l.width, l.height), (10.0, 10.0));
    }
}
