//! A compiled patch: modules in topological order with preallocated buffers.
//!
//! Built on the control thread (all allocation happens in [`Graph::compile`]);
//! processed on a worker thread, where nothing allocates.

use crate::denormal::FlushDenormals;
use crate::error::PatchError;
use crate::event::{Event, EventKind};
use crate::module::{Block, Module, MAX_BLOCK};
use crate::name::Name;
use crate::patch::{Patch, Target};
use crate::registry::Registry;
use crate::spec::ModuleSpec;
use crate::time::Time;
use crate::voice::midi::{MidiMap, Routed};
use std::collections::HashMap;

mod carry;
mod compile;
mod partial;
mod parts;
mod run;
pub use parts::{arrange, Layout, MAX_BUNDLES};
pub use run::{Runner, Serial};

/// Most output channels a graph renders.
pub const MAX_CHANNELS: usize = 8;

/// A connection resolved to buffer indices.
#[derive(Clone, Copy)]
struct Wire {
    /// Index into `Graph::outputs`.
    from: u32,
    /// Index into `Graph::inputs` or `Graph::modulation`.
    to: u32,
    to_param: bool,
    /// First wire into its destination: copies instead of adding, so no
    /// buffer needs clearing first.
    first: bool,
    /// The only wire into an audio input: the module reads the source's
    /// output block directly and nothing is copied.
    direct: bool,
}

/// Most audio inputs a module type may declare (the graph passes them to
/// `process` through a fixed array on the stack).
pub const MAX_INPUTS: usize = 8;

/// What unconnected inputs read.
static SILENCE: Block = [0.0; MAX_BLOCK];

struct Node {
    id: Name,
    spec: &'static ModuleSpec,
    module: Box<dyn Module>,
    in_base: usize,
    out_base: usize,
    mod_base: usize,
    /// Range of `Graph::wires` feeding this node.
    wires: std::ops::Range<usize>,
}

/// Where the patch's output comes from.
enum Sink {
    /// The `output` modules at these node indices (summed if several).
    Output(Vec<usize>),
    /// Sum of these nodes' outputs (modules feeding nothing).
    Sum(Vec<usize>),
}

/// A patch compiled for one sample rate and channel count.
pub struct Graph {
    nodes: Vec<Node>,
    /// Nodes sorted by id, for lookups without allocation.
    by_id: Vec<(Name, u32)>,
    wires: Vec<Wire>,
    inputs: Vec<Block>,
    /// Per input: the output block it reads directly, when one wire feeds it.
    direct: Vec<Option<u32>>,
    input_connected: Vec<bool>,
    outputs: Vec<Block>,
    modulation: Vec<Block>,
    modulated: Vec<bool>,
    sink: Sink,
    /// Bundles that render concurrently, then the tail.
    layout: Layout,
    /// Sums each bundle adds up for the tail (see [`partial`]).
    partials: partial::Partials,
    /// MIDI channel and controller routes.
    midi: MidiMap,
    /// Nodes that are instruments (for [`Graph::voice_stats`], and their
    /// voice groups rendered beside the bundles).
    instruments: Vec<u32>,
    /// The instruments' voice groups of the block being rendered (capacity:
    /// one per instrument; empty between blocks).
    voice_jobs: Vec<crate::voice::VoiceJobs>,
    channels: usize,
    sample_rate: f32,
    nan_resets: u64,
    missed_events: u64,
    frames: u64,
    /// Musical time of the next frame to render.
    time: Time,
}

impl Graph {
    /// Output channels rendered.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Sample rate the graph was built for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Wires the bundles add up into partial sums for the tail (0 when no
    /// tail input is fed by many parts); see `graph/partial.rs`.
    pub fn partial_sums(&self) -> usize {
        self.partials.wires.len()
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the graph has no modules.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Frames rendered since the graph was built (or carried over).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// How many times a module produced NaN or infinity and was reset.
    pub fn nan_resets(&self) -> u64 {
        self.nan_resets
    }

    /// Events for modules that are not in this graph.
    pub fn missed_events(&self) -> u64 {
        self.missed_events
    }

    /// Musical time of the next frame to render. A new graph starts rolling
    /// at frame 0, 120 BPM, 4/4; `process` advances it.
    pub fn time(&self) -> &Time {
        &self.time
    }

    /// Sets the musical time of the next frame to render (the engine does
    /// so before every block; offline rendering once, at the start).
    pub fn set_time(&mut self, time: Time) {
        self.time = time;
    }

    /// Node index of module `id`, found without allocating.
    pub fn find(&self, id: &Name) -> Option<usize> {
        self.by_id
            .binary_search_by(|(n, _)| n.cmp(id))
            .ok()
            .map(|i| self.by_id[i].1 as usize)
    }

    /// Id of the module at node `index`.
    pub fn id_of(&self, index: usize) -> Name {
        self.nodes[index].id
    }

    /// Type of the module at node `index`.
    pub fn spec_of(&self, index: usize) -> &'static ModuleSpec {
        self.nodes[index].spec
    }

    /// Every observer's tap, with the observer's id and type (control
    /// thread: allocates).
    pub fn taps(
        &self,
    ) -> Vec<(
        Name,
        &'static ModuleSpec,
        std::sync::Arc<crate::tap::SignalTap>,
    )> {
        self.nodes
            .iter()
            .filter_map(|n| n.module.tap().map(|t| (n.id, n.spec, t)))
            .collect()
    }

    /// The instruments' voices, summed over every instrument (allocation-free).
    pub fn voice_stats(&self) -> crate::voice::VoiceStats {
        let mut st = crate::voice::VoiceStats::default();
        for &i in &self.instruments {
            let m = self.nodes[i as usize].module.as_any();
            if let Some(inst) = m.downcast_ref::<crate::voice::Instrument>() {
                st.add(inst);
            }
        }
        st
    }

    /// The module at node `index`, to drive it directly (an instrument
    /// drives its voices' modules this way).
    pub fn module_mut(&mut self, index: usize) -> &mut dyn Module {
        &mut *self.nodes[index].module
    }

    /// Applies one event now.
    pub fn apply(&mut self, ev: &Event) {
        if let EventKind::Midi(msg) = ev.kind {
            let nodes = &mut self.nodes;
            self.midi.route(msg, |node, what| {
                let m = &mut nodes[node as usize].module;
                match what {
                    Routed::Note(n) => m.note(&n),
                    Routed::Param { index, value } => m.set_param(index as usize, value),
                }
            });
            return;
        }
        let Some(i) = self.find(&ev.module) else {
            self.missed_events += 1;
            return;
        };
        let node = &mut self.nodes[i];
        match ev.kind {
            EventKind::Param { index, value } => {
                if let Some(p) = node.spec.params.get(index as usize) {
                    node.module.set_param(index as usize, p.clamp(value).0);
                } else {
                    self.missed_events += 1;
                }
            }
            EventKind::Gate(on) => node.module.set_gate(on),
            EventKind::Note(n) => node.module.note(&n),
            EventKind::Midi(_) => {}
        }
    }

    /// Renders `out[c].len()` frames into each channel (every slice the same
    /// length, any length). `events` must be sorted by offset; each takes
    /// effect exactly at its offset. Events past the end apply at the end.
    pub fn process(&mut self, out: &mut [&mut [f32]], events: &[Event]) {
        self.process_with(out, events, &mut Serial);
    }

    /// How the nodes are split into bundles that render concurrently.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// [`Graph::process`] with the bundles run by `runner` (on several
    /// threads): the output is bit-identical to [`Graph::process`].
    pub fn process_with(
        &mut self,
        out: &mut [&mut [f32]],
        events: &[Event],
        runner: &mut dyn Runner,
    ) {
        let _ftz = FlushDenormals::new();
        let frames = out.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut pos = 0;
        let mut e = 0;
        while pos < frames {
            while e < events.len() && (events[e].offset as usize) <= pos {
                self.apply(&events[e]);
                e += 1;
            }
            let next = events
                .get(e)
                .map(|ev| (ev.offset as usize).min(frames))
                .unwrap_or(frames);
            let n = (next - pos).min(MAX_BLOCK);
            self.run(n, self.time.advanced(pos), runner);
            self.write_out(out, pos, n);
            pos += n;
        }
        for ev in &events[e..] {
            self.apply(ev);
        }
        self.frames += frames as u64;
        self.time = self.time.advanced(frames);
    }

    /// Copies the sink's `n` frames to `out[..][pos..pos + n]`: the first
    /// source of a channel is copied, later ones added, a channel with none
    /// is silent (as is every channel past [`MAX_CHANNELS`]). A channel that
    /// is one node's output (already checked by `run_node`) is finite; one
    /// with a sum in it is checked for NaN and infinity here.
    fn write_out(&self, out: &mut [&mut [f32]], pos: usize, n: usize) {
        let mut written = [false; MAX_CHANNELS];
        let mut summed = [false; MAX_CHANNELS];
        // `checked`: src is a node's output, found finite when it was made.
        let mut put = |c: usize, ch: &mut [f32], src: &[f32], checked: bool| {
            let Some(seen) = written.get_mut(c) else {
                return;
            };
            let dst = &mut ch[pos..pos + n];
            if std::mem::replace(seen, true) {
                for (d, s) in dst.iter_mut().zip(&src[..n]) {
                    *d += *s;
                }
                summed[c] = true;
            } else {
                dst.copy_from_slice(&src[..n]);
                summed[c] = !checked;
            }
        };
        match &self.sink {
            Sink::Output(outs) => {
                for &i in outs {
                    let node = &self.nodes[i];
                    let ni = node.spec.inputs.len();
                    let connected = &self.input_connected[node.in_base..node.in_base + ni];
                    // in1 alone plays on every channel; otherwise inN goes to channel N.
                    let only_first = connected.iter().skip(1).all(|c| !c);
                    for (c, ch) in out.iter_mut().enumerate() {
                        let k = if only_first { 0 } else { c };
                        if k < ni && connected[k] {
                            match self.direct[node.in_base + k] {
                                Some(f) => put(c, ch, &self.outputs[f as usize], true),
                                None => put(c, ch, &self.inputs[node.in_base + k], false),
                            }
                        }
                    }
                }
            }
            Sink::Sum(nodes) => {
                for &i in nodes {
                    let node = &self.nodes[i];
                    let outs =
                        &self.outputs[node.out_base..node.out_base + node.spec.outputs.len()];
                    // Output c % outputs feeds channel c.
                    let mut k = 0;
                    for (c, ch) in out.iter_mut().enumerate() {
                        put(c, ch, &outs[k], true);
                        k = if k + 1 == outs.len() { 0 } else { k + 1 };
                    }
                }
            }
        }
        for (c, ch) in out.iter_mut().enumerate() {
            let ch = &mut ch[pos..pos + n];
            if !written.get(c).copied().unwrap_or(false) {
                ch.fill(0.0);
            } else if summed[c] && !all_finite(ch) {
                for x in ch.iter_mut() {
                    if !x.is_finite() {
                        *x = 0.0;
                    }
                }
            }
        }
    }
}

/// True when no sample is NaN or infinite. Counts exponent patterns with
/// integer arithmetic, which vectorizes (a float fold would not).
#[inline]
fn all_finite(x: &[f32]) -> bool {
    const EXP: u32 = 0x7f80_0000;
    x.iter()
        .map(|v| ((v.to_bits() & EXP) == EXP) as u32)
        .sum::<u32>()
        == 0
}

/// FNV-1a of a module id: a stable seed, so a patch renders the same noise
/// live, offline and after a rebuild.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
