//! The lookup index kept beside a patch (ids, edges, an incrementally
//! maintained topological order) and the full topological sort used when
//! compiling.

use super::{Connection, ModuleDecl, Patch};
use crate::error::PatchError;
use std::collections::{HashMap, HashSet};

pub(super) const NONE: u32 = u32::MAX;

/// Lookup structures derived from a patch's modules and connections.
#[derive(Clone, Default)]
pub(super) struct Index {
    /// Lengths of `modules` and `connections` the index describes.
    pub(super) built_for: (usize, usize),
    /// Module id to index in `modules`.
    pub(super) ids: HashMap<String, u32>,
    /// Every connection, for duplicate checks.
    pub(super) conns: HashSet<Connection>,
    /// Destination modules of each module's connections (one per connection).
    pub(super) succ: Vec<Vec<u32>>,
    /// Source modules of each module's connections (one per connection).
    pub(super) pred: Vec<Vec<u32>>,
    /// Each module's position in a topological order, kept up to date on
    /// every `connect` (Pearce–Kelly): an edge that already goes forward in
    /// this order cannot close a cycle, so most connects need no search.
    pub(super) ord: Vec<u32>,
    /// Search marks, compared against `stamp`.
    pub(super) mark: Vec<u32>,
    /// Search tree parents, for naming a cycle.
    pub(super) parent: Vec<u32>,
    pub(super) stamp: u32,
}

impl Index {
    pub(super) fn build(modules: &[ModuleDecl], connections: &[Connection]) -> Index {
        let n = modules.len();
        let mut ix = Index {
            built_for: (n, connections.len()),
            ids: HashMap::with_capacity(n),
            conns: HashSet::with_capacity(connections.len()),
            succ: vec![Vec::new(); n],
            pred: vec![Vec::new(); n],
            ord: vec![NONE; n],
            mark: vec![0; n],
            parent: vec![NONE; n],
            stamp: 0,
        };
        for (i, m) in modules.iter().enumerate() {
            ix.ids.entry(m.id.clone()).or_insert(i as u32);
        }
        for c in connections {
            if let (Some(&a), Some(&b)) = (ix.ids.get(&c.from), ix.ids.get(&c.to)) {
                ix.succ[a as usize].push(b);
                ix.pred[b as usize].push(a);
            }
            ix.conns.insert(c.clone());
        }
        // Modules left on cycles (only possible when the fields were edited
        // directly) go last, in creation order.
        let mut indeg: Vec<usize> = ix.pred.iter().map(|p| p.len()).collect();
        let order = kahn(&ix.succ, &mut indeg);
        let mut next = 0u32;
        for &i in &order {
            ix.ord[i as usize] = next;
            next += 1;
        }
        for o in ix.ord.iter_mut() {
            if *o == NONE {
                *o = next;
                next += 1;
            }
        }
        ix
    }

    fn new_stamp(&mut self) -> u32 {
        if self.stamp == u32::MAX {
            self.mark.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }

    /// Adds the edge `x -> y`, keeping `ord` topological. On a cycle, leaves
    /// everything unchanged and returns the modules on it, `x` first and last.
    pub(super) fn add_edge(&mut self, x: u32, y: u32) -> Result<(), Vec<u32>> {
        if x == y {
            return Err(vec![x, x]);
        }
        let (lb, ub) = (self.ord[y as usize], self.ord[x as usize]);
        if lb < ub {
            // Forward from y through modules ordered before x: reaching x is a cycle.
            let s = self.new_stamp();
            let mut fwd = vec![y];
            let mut stack = vec![y];
            self.mark[y as usize] = s;
            self.parent[y as usize] = NONE;
            while let Some(v) = stack.pop() {
                for k in 0..self.succ[v as usize].len() {
                    let w = self.succ[v as usize][k];
                    if w == x {
                        let mut path = vec![v];
                        let mut at = v;
                        while self.parent[at as usize] != NONE {
                            at = self.parent[at as usize];
                            path.push(at);
                        }
                        path.push(x);
                        path.reverse();
                        path.push(x);
                        return Err(path);
                    }
                    if self.mark[w as usize] != s && self.ord[w as usize] < ub {
                        self.mark[w as usize] = s;
                        self.parent[w as usize] = v;
                        stack.push(w);
                        fwd.push(w);
                    }
                }
            }
            // Backward from x through modules ordered after y.
            let s = self.new_stamp();
            let mut bwd = vec![x];
            let mut stack = vec![x];
            self.mark[x as usize] = s;
            while let Some(v) = stack.pop() {
                for k in 0..self.pred[v as usize].len() {
                    let w = self.pred[v as usize][k];
                    if self.mark[w as usize] != s && self.ord[w as usize] > lb {
                        self.mark[w as usize] = s;
                        stack.push(w);
                        bwd.push(w);
                    }
                }
            }
            // Everything that leads to x now goes before everything y leads to,
            // reusing the same positions.
            fwd.sort_unstable_by_key(|&v| self.ord[v as usize]);
            bwd.sort_unstable_by_key(|&v| self.ord[v as usize]);
            let mut slots: Vec<u32> = fwd
                .iter()
                .chain(bwd.iter())
                .map(|&v| self.ord[v as usize])
                .collect();
            slots.sort_unstable();
            for (v, slot) in bwd.iter().chain(fwd.iter()).zip(slots) {
                self.ord[*v as usize] = slot;
            }
        }
        self.succ[x as usize].push(y);
        self.pred[y as usize].push(x);
        Ok(())
    }

    pub(super) fn remove_edge(&mut self, x: u32, y: u32) {
        if let Some(k) = self.succ[x as usize].iter().position(|&w| w == y) {
            self.succ[x as usize].swap_remove(k);
        }
        if let Some(k) = self.pred[y as usize].iter().position(|&w| w == x) {
            self.pred[y as usize].swap_remove(k);
        }
    }
}

impl Patch {
    /// Topological order of module indices (sources first, ties in creation
    /// order), or the error that prevents one: a cycle (naming the modules
    /// on it), a duplicate id, or a connection naming a missing module.
    /// O(modules + connections).
    pub fn topological_order(&self) -> Result<Vec<usize>, PatchError> {
        let n = self.modules.len();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, m) in self.modules.iter().enumerate() {
            if index.insert(m.id.as_str(), i).is_some() {
                return Err(PatchError::DuplicateId(m.id.clone()));
            }
        }
        let mut succ: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for c in &self.connections {
            let a = *index
                .get(c.from.as_str())
                .ok_or_else(|| PatchError::UnknownModule(c.from.clone()))?;
            let b = *index
                .get(c.to.as_str())
                .ok_or_else(|| PatchError::UnknownModule(c.to.clone()))?;
            succ[a].push(b as u32);
            indeg[b] += 1;
        }
        let order = kahn(&succ, &mut indeg);
        if order.len() == n {
            return Ok(order.into_iter().map(|i| i as usize).collect());
        }
        Err(PatchError::Cycle(self.find_cycle(&succ, &indeg)))
    }

    /// Names one cycle among the modules Kahn's algorithm could not order
    /// (those left with `indeg > 0`): first module on it first and last.
    fn find_cycle(&self, succ: &[Vec<u32>], indeg: &[usize]) -> Vec<String> {
        let n = succ.len();
        // Every module left over has a predecessor that is also left over.
        let mut pred = vec![usize::MAX; n];
        for (a, s) in succ.iter().enumerate() {
            if indeg[a] == 0 {
                continue;
            }
            for &b in s {
                let b = b as usize;
                if indeg[b] > 0 && pred[b] == usize::MAX {
                    pred[b] = a;
                }
            }
        }
        let Some(start) = (0..n).find(|&i| indeg[i] > 0 && pred[i] != usize::MAX) else {
            return Vec::new();
        };
        // Walking back n steps surely lands on a cycle.
        let mut at = start;
        for _ in 0..n {
            at = pred[at];
        }
        let mut back = vec![at];
        let mut x = pred[at];
        while x != at && back.len() <= n {
            back.push(x);
            x = pred[x];
        }
        back.reverse(); // now in signal order: each feeds the next, the last feeds the first
        let first = (0..back.len()).min_by_key(|&k| back[k]).unwrap_or(0);
        back.rotate_left(first);
        back.push(back[0]);
        back.iter().map(|&i| self.modules[i].id.clone()).collect()
    }
}

/// Kahn's algorithm, the one topological sort: module indices sources first,
/// ties in creation order. Modules on a cycle are left out, with their
/// `indeg` still above 0 (for [`Patch::find_cycle`]).
fn kahn(succ: &[Vec<u32>], indeg: &mut [usize]) -> Vec<u32> {
    let n = succ.len();
    let mut ready: Vec<u32> = (0..n as u32)
        .rev()
        .filter(|&i| indeg[i as usize] == 0)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for &j in succ[i as usize].iter().rev() {
            indeg[j as usize] -= 1;
            if indeg[j as usize] == 0 {
                ready.push(j);
            }
        }
    }
    order
}
