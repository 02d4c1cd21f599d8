//! Rendering a graph's nodes for one stretch of frames: the bundles of its
//! [`Layout`](super::Layout) and the voice groups of its instruments through
//! a [`Runner`] (one thread or many), then the tail on the calling thread.

use super::partial::PartialWire;
use super::{all_finite, Graph, Node, Wire, MAX_INPUTS, SILENCE};
use crate::denormal::FlushDenormals;
use crate::module::{Block, ProcessIo};
use crate::time::Time;
use crate::voice::instrument::SPEC;
use crate::voice::Instrument;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Runs the bundles of a block. The engine's render-thread pool implements
/// it; [`Serial`] runs them one after another on the calling thread.
pub trait Runner {
    /// Calls `job(k)` exactly once for every `k` in `0..parts`, in any order
    /// and on any threads, and returns when every call has returned.
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync));
}

/// Runs every bundle on the calling thread, in order.
pub struct Serial;

impl Runner for Serial {
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        for k in 0..parts {
            job(k);
        }
    }
}

/// The graph's node and buffer arrays as raw pointers, shared by the
/// threads rendering its bundles. Sound because bundles are disjoint: a
/// bundle's nodes write only their own blocks and read only blocks of nodes
/// in the same bundle (see [`super::parts`]); the tail runs after them all.
struct Raw<'a> {
    nodes: *mut Node,
    inputs: *mut Block,
    outputs: *mut Block,
    modulation: *mut Block,
    wires: &'a [Wire],
    direct: &'a [Option<u32>],
    input_connected: &'a [bool],
    modulated: &'a [bool],
    partials: &'a [PartialWire],
    resets: AtomicU64,
}

// SAFETY: see the type's doc; each node is processed by one thread at a time.
unsafe impl Sync for Raw<'_> {}

impl Graph {
    /// Processes every node for `n` frames: the bundles and the
    /// instruments' voice groups through `runner`, then the tail (where each
    /// instrument adds up its groups).
    pub(super) fn run(&mut self, n: usize, time: Time, runner: &mut dyn Runner) {
        let tail = self.layout.tail;
        let count = self.nodes.len();
        self.voice_jobs.clear();
        for &i in &self.instruments {
            let m = (*self.nodes[i as usize].module).any_mut();
            if let Some(inst) = m.downcast_mut::<Instrument>() {
                let jobs = inst.voice_jobs(n);
                if jobs.parts() > 0 && self.voice_jobs.len() < self.voice_jobs.capacity() {
                    self.voice_jobs.push(jobs);
                }
            }
        }
        let bundles = &self.layout.bundles;
        let partials = &self.partials.of_bundle;
        let voices = &self.voice_jobs;
        let jobs = bundles.len() + voices.iter().map(|v| v.parts()).sum::<usize>();
        let raw = Raw {
            nodes: self.nodes.as_mut_ptr(),
            inputs: self.inputs.as_mut_ptr(),
            outputs: self.outputs.as_mut_ptr(),
            modulation: self.modulation.as_mut_ptr(),
            wires: &self.wires,
            direct: &self.direct,
            input_connected: &self.input_connected,
            modulated: &self.modulated,
            partials: &self.partials.wires,
            resets: AtomicU64::new(0),
        };
        if jobs > 0 {
            runner.run(jobs, &|k| {
                let _ftz = FlushDenormals::new();
                let Some(mut g) = k.checked_sub(bundles.len()) else {
                    for i in bundles[k].clone() {
                        // SAFETY: bundle `k` runs once, on one thread (Runner's contract).
                        unsafe { raw.run_node(i, n, &time) };
                    }
                    // SAFETY: bundle `k`'s partial blocks are its own.
                    unsafe { raw.add_partials(partials[k].clone(), n) };
                    return;
                };
                for v in voices {
                    if g < v.parts() {
                        let outer = crate::running::enter(SPEC.name);
                        // SAFETY: group `g` runs once, on one thread; its
                        // instrument is in the tail, untouched until then.
                        unsafe { v.render(g) };
                        crate::running::leave(outer);
                        return;
                    }
                    g -= v.parts();
                }
            });
        }
        for i in tail..count {
            // SAFETY: every bundle has finished; only this thread runs now.
            unsafe { raw.run_node(i, n, &time) };
        }
        self.voice_jobs.clear();
        self.nan_resets += raw.resets.load(Relaxed);
    }
}

impl Raw<'_> {
    /// Adds up a bundle's wires into its partial blocks.
    ///
    /// # Safety
    /// Only the thread that rendered the bundle may call it, once per block.
    unsafe fn add_partials(&self, range: std::ops::Range<usize>, n: usize) {
        for p in &self.partials[range] {
            let src = &(&*self.outputs.add(p.from as usize))[..n];
            let dst = &mut (&mut *self.outputs.add(p.to as usize))[..n];
            if p.first {
                dst.copy_from_slice(src);
            } else {
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += *s;
                }
            }
        }
    }

    /// Gathers node `i`'s inputs and processes it for `n` frames.
    ///
    /// # Safety
    /// No other thread may touch node `i`'s blocks or the blocks it reads.
    unsafe fn run_node(&self, i: usize, n: usize, time: &Time) {
        let node = &mut *self.nodes.add(i);
        let ni = node.spec.inputs.len();
        let no = node.spec.outputs.len();
        let np = node.spec.params.len();
        let (ib, ob, mb) = (node.in_base, node.out_base, node.mod_base);
        let (inputs, outputs, modulation) = (self.inputs, self.outputs, self.modulation);
        // Gather: the first wire into a buffer copies, later ones add;
        // a lone wire into an input is read in place instead.
        for w in &self.wires[node.wires.clone()] {
            if w.direct {
                continue;
            }
            let src = &(&*outputs.add(w.from as usize))[..n];
            let dst = if w.to_param {
                &mut (&mut *modulation.add(w.to as usize))[..n]
            } else {
                &mut (&mut *inputs.add(w.to as usize))[..n]
            };
            if w.first {
                dst.copy_from_slice(src);
            } else {
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += *s;
                }
            }
        }
        let direct = &self.direct[ib..ib + ni];
        let mut ins: [&Block; MAX_INPUTS] = [&SILENCE; MAX_INPUTS];
        for (k, slot) in ins.iter_mut().enumerate().take(ni) {
            *slot = match direct[k] {
                Some(f) => &*outputs.add(f as usize),
                None => &*inputs.add(ib + k),
            };
        }
        let mut io = ProcessIo {
            frames: n,
            inputs: &ins[..ni],
            input_connected: &self.input_connected[ib..ib + ni],
            outputs: std::slice::from_raw_parts_mut(outputs.add(ob), no),
            modulation: std::slice::from_raw_parts(modulation.add(mb), np),
            modulated: &self.modulated[mb..mb + np],
            time,
        };
        let outer = crate::running::enter(node.spec.name);
        node.module.process(&mut io);
        crate::running::leave(outer);
        if !io.outputs.iter().all(|o| all_finite(&o[..n])) {
            node.module.reset();
            for o in io.outputs.iter_mut() {
                o[..n].fill(0.0);
            }
            self.resets.fetch_add(1, Relaxed);
        }
    }
}
