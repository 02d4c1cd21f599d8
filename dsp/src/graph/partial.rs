//! Partial sums where many parts meet. A tail input (or modulated
//! parameter) fed by [`MIN_WIRES`] or more wires from bundles gets one
//! partial block per bundle that feeds it; each bundle adds up its own
//! wires into its partial right after rendering them (on whichever thread
//! ran it), and the tail adds the partials instead of every wire, so the
//! sum of thousands of voices no longer runs serially after the bundles.
//! The plan depends only on the patch and its layout, never on the thread
//! count: partials are summed in connection order, the tail adds them in
//! bundle order, and the output is bit-identical on any number of threads.

use super::Wire;
use std::collections::HashMap;
use std::ops::Range;

/// Fewest wires from bundles into one destination worth splitting: below
/// it the tail's serial sum is cheaper than a partial block per bundle.
pub(super) const MIN_WIRES: usize = 16;

/// A wire a bundle adds into one of its partial blocks.
#[derive(Clone, Copy)]
pub(super) struct PartialWire {
    /// Index into `Graph::outputs` of the source.
    pub from: u32,
    /// Index into `Graph::outputs` of the partial block.
    pub to: u32,
    /// First wire into the partial: copies instead of adding.
    pub first: bool,
}

/// Every bundle's partial wires, in bundle order.
#[derive(Default)]
pub(super) struct Partials {
    pub wires: Vec<PartialWire>,
    /// Per bundle, its range of `wires`.
    pub of_bundle: Vec<Range<usize>>,
}

/// Rewrites the wires of tail nodes (`per_node[tail..]`) so that
/// destinations fed by many bundle nodes read one partial block per bundle.
/// `bundle_of_block[o]` is the bundle of the node owning output block `o`
/// (`u32::MAX` in the tail); partial blocks are numbered from
/// `bundle_of_block.len()`. Returns the plan and the number of partial blocks
/// to append to the graph's outputs.
pub(super) fn plan(
    per_node: &mut [Vec<Wire>],
    tail: usize,
    bundles: usize,
    bundle_of_block: &[u32],
) -> (Partials, usize) {
    let mut per_bundle: Vec<Vec<PartialWire>> = vec![Vec::new(); bundles];
    let mut next = bundle_of_block.len() as u32;
    let from_bundle = |w: &Wire| {
        let b = bundle_of_block[w.from as usize];
        (b != u32::MAX).then_some(b as usize)
    };
    for ws in per_node.iter_mut().skip(tail) {
        // Wires from bundles per destination, destinations in order of appearance.
        let mut count: HashMap<(u32, bool), usize> = HashMap::new();
        let mut targets = Vec::new();
        for w in ws.iter().filter(|w| from_bundle(w).is_some()) {
            let c = count.entry((w.to, w.to_param)).or_insert(0);
            if *c == 0 {
                targets.push((w.to, w.to_param));
            }
            *c += 1;
        }
        targets.retain(|t| count[t] >= MIN_WIRES);
        if targets.is_empty() {
            continue;
        }
        let mut rewritten = Vec::with_capacity(ws.len());
        for &(to, to_param) in &targets {
            // One partial per feeding bundle, in bundle order.
            let mut partial_of: Vec<Option<u32>> = vec![None; bundles];
            for w in ws.iter().filter(|w| w.to == to && w.to_param == to_param) {
                if let Some(b) = from_bundle(w) {
                    let first = partial_of[b].is_none();
                    let p = *partial_of[b].get_or_insert_with(|| {
                        next += 1;
                        next - 1
                    });
                    per_bundle[b].push(PartialWire {
                        from: w.from,
                        to: p,
                        first,
                    });
                }
            }
            for p in partial_of.into_iter().flatten() {
                rewritten.push(Wire {
                    from: p,
                    to,
                    to_param,
                    first: false,
                    direct: false,
                });
            }
        }
        let moved = |w: &Wire| from_bundle(w).is_some() && targets.contains(&(w.to, w.to_param));
        rewritten.extend(ws.iter().filter(|w| !moved(w)).copied());
        // The first wire into each destination copies, the rest add.
        let mut seen: Vec<(u32, bool)> = Vec::new();
        for w in &mut rewritten {
            w.first = !seen.contains(&(w.to, w.to_param));
            if w.first {
                seen.push((w.to, w.to_param));
            }
        }
        *ws = rewritten;
    }
    let mut partials = Partials::default();
    for list in per_bundle {
        let start = partials.wires.len();
        partials.wires.extend(list);
        partials.of_bundle.push(start..partials.wires.len());
    }
    let blocks = next as usize - bundle_of_block.len();
    (partials, blocks)
}
