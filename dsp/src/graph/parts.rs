//! Partitioning a patch into parts that can render at the same time.
//!
//! Modules joined by a connection belong to the same part, except where many
//! independent signals meet: an `output` module, an `instrument` (it sums
//! its voices, which render as groups of their own beside the bundles, see
//! `voice/instrument/groups.rs`), or a module whose audio
//! inputs are fed by three or more wires (or that has three or more inputs,
//! a mixer) from different parts. Such a *join* and everything downstream of
//! it form the *tail*, rendered after every part. So parts never read each
//! other's buffers, each module computes exactly what it would on one
//! thread, and the sums where parts meet are made in a fixed order (by the
//! tail in connection order, or per bundle first, see `partial.rs`): the
//! output is bit-identical whichever thread renders which part.
//!
//! The voices of a patch (`osc → filter → env → vca → out`) become one part
//! each; a modulator shared by several voices puts them in one part. Parts
//! are grouped into at most [`MAX_BUNDLES`] bundles of similar size, the units
//! handed to render threads.

use crate::patch::Patch;
use crate::registry::Registry;
use std::collections::HashMap;
use std::ops::Range;

/// Most bundles a graph is split into: the last ones are this fraction of
/// the nodes each (a thread that takes the last bundle while the others are
/// done keeps them waiting for at most that).
pub const MAX_BUNDLES: usize = 256;

/// A bundle takes this fraction of the nodes not yet bundled (the first is
/// the largest: one thread per core claims several before the end).
const SHARE: usize = 16;

/// How a graph's nodes are laid out for parallel rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// Node ranges that can render concurrently, in node order.
    pub bundles: Vec<Range<usize>>,
    /// First node of the tail (rendered after every bundle); the tail runs
    /// to the last node.
    pub tail: usize,
}

/// Reorders `order` (a topological order of `patch.modules`) so that each
/// bundle is a contiguous run of nodes followed by the tail, and returns the
/// new order with its layout. The result is still a topological order; the
/// same patch always gives the same result. O(modules + connections).
pub fn arrange(patch: &Patch, reg: &Registry, order: &[usize]) -> (Vec<usize>, Layout) {
    let n = patch.modules.len();
    let specs: Vec<_> = patch
        .modules
        .iter()
        .map(|m| reg.find(&m.kind).map(|t| t.spec))
        .collect();
    let index: HashMap<&str, usize> = patch
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    // Incoming wires per module: (source, feeds an audio input).
    let mut incoming: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
    for c in &patch.connections {
        if let (Some(&a), Some(&b)) = (index.get(c.from.as_str()), index.get(c.to.as_str())) {
            let audio = specs[b].is_some_and(|s| s.input_index(&c.to_port).is_some());
            incoming[b].push((a as u32, audio));
        }
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut tail = vec![false; n];
    for &i in order {
        let Some(spec) = specs[i] else {
            tail[i] = true;
            continue;
        };
        let ins = &incoming[i];
        let join = spec.name == "output" || spec.name == crate::voice::instrument::SPEC.name;
        if join || ins.iter().any(|&(a, _)| tail[a as usize]) {
            tail[i] = true;
            continue;
        }
        let audio: Vec<u32> = ins
            .iter()
            .filter(|w| w.1)
            .map(|&(a, _)| find(&mut parent, a))
            .collect();
        let first = audio.first().copied();
        let mixed = audio.iter().any(|&r| Some(r) != first);
        if mixed && (audio.len() >= 3 || spec.inputs.len() >= 3) {
            tail[i] = true;
            continue;
        }
        for &(a, _) in ins {
            union(&mut parent, a, i as u32);
        }
    }
    // Parts in order of their first node; sizes in nodes.
    let mut part_of_root: HashMap<u32, usize> = HashMap::new();
    let mut part = vec![usize::MAX; n];
    let mut sizes: Vec<usize> = Vec::new();
    for &i in order {
        if tail[i] {
            continue;
        }
        let r = find(&mut parent, i as u32);
        let p = *part_of_root.entry(r).or_insert_with(|| {
            sizes.push(0);
            sizes.len() - 1
        });
        part[i] = p;
        sizes[p] += 1;
    }
    let bundle_of = bundle(&sizes);
    let bundles = bundle_of.iter().max().map_or(0, |&b| b + 1);
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); bundles + 1];
    for &i in order {
        let b = if tail[i] { bundles } else { bundle_of[part[i]] };
        buckets[b].push(i);
    }
    let mut new_order = Vec::with_capacity(n);
    let mut layout = Layout::default();
    for (b, bucket) in buckets.into_iter().enumerate() {
        let start = new_order.len();
        new_order.extend(bucket);
        if b < bundles {
            layout.bundles.push(start..new_order.len());
        } else {
            layout.tail = start;
        }
    }
    (new_order, layout)
}

/// Groups parts (sizes in nodes, in order of their first node) into
/// bundles of decreasing size and returns each part's bundle. Largest parts
/// first (equal ones in node order, so a bundle's nodes lie together in
/// memory), cut into runs: each takes a [`SHARE`]th of the nodes still
/// unbundled, but at least a [`MAX_BUNDLES`]th of all of them. Threads claim
/// bundles in order, so the big ones go first and the last ones are small:
/// threads finish a block at nearly the same time, with few claims.
fn bundle(sizes: &[usize]) -> Vec<usize> {
    let mut by_size: Vec<usize> = (0..sizes.len()).collect();
    by_size.sort_by_key(|&p| std::cmp::Reverse(sizes[p]));
    let total: usize = sizes.iter().sum();
    let least = total.div_ceil(MAX_BUNDLES);
    let mut bundle_of = vec![0; sizes.len()];
    let (mut b, mut left, mut filled) = (0, total, 0);
    let mut target = (left / SHARE).max(least);
    for p in by_size {
        if filled >= target {
            b += 1;
            filled = 0;
            target = (left / SHARE).max(least);
        }
        bundle_of[p] = b;
        filled += sizes[p];
        left -= sizes[p];
    }
    bundle_of
}

/// Union-find root of `x`, halving paths on the way.
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

/// Joins the sets of `a` and `b` (the smaller index becomes the root).
fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi as usize] = lo;
    }
}
