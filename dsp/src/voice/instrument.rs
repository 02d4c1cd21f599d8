//! `instrument`: a voice template played polyphonically. Each voice is a
//! compiled copy of the template (its own [`Graph`]); the [`Allocator`]
//! decides which voice plays a note. The voices' outputs are summed into the
//! instrument's one output `out` (mono; pan or split it in the outer patch).
//!
//! Cost: only sounding voices are rendered. A released voice whose output
//! stays below −120 dBFS for [`SILENT_FRAMES`] is marked free and skipped, so
//! a 1,024-voice instrument holding 8 notes costs about what an 8-voice one
//! does. A stolen voice is faded out over [`STEAL_FADE_MS`] in a spare copy
//! while the new note starts at its exact frame in another, so nothing is cut.
//!
//! The sounding copies render in groups, on as many threads as the graph's
//! runner gives (`instrument/groups.rs`), bit-identically on any count.

use super::alloc::{Action, Allocator, Mode, Priority, State, Steal};
use super::note::Note;
use crate::event::NoteEvent;
use crate::graph::Graph;
use crate::module::{same_type, Block, Module, ProcessIo, Smoother, MAX_BLOCK};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};

/// Parameter indices of `instrument`.
pub mod param {
    /// Voices (notes at once); structural: takes effect at the next commit.
    pub const COUNT: usize = 0;
    /// `poly`, `mono` or `legato`.
    pub const MODE: usize = 1;
    /// Steal policy.
    pub const STEAL: usize = 2;
    /// Note priority (mono, legato).
    pub const PRIORITY: usize = 3;
    /// Glide time, ms.
    pub const GLIDE: usize = 4;
    /// Copies of the template per note; structural.
    pub const UNISON: usize = 5;
    /// Spread between the outermost unison copies, cents.
    pub const DETUNE: usize = 6;
    /// MIDI pitch-bend range, semitones.
    pub const BEND: usize = 7;
    /// Output gain.
    pub const GAIN: usize = 8;
}

/// Most voices an instrument may have.
pub const MAX_VOICES: usize = 1024;
/// Most unison copies per note.
pub const MAX_UNISON: usize = 8;
/// A stolen or silenced voice fades out over this time (linear).
pub const STEAL_FADE_MS: f32 = 1.5;
/// Output level below which a released voice counts as silent (−120 dBFS).
pub const SILENT_LEVEL: f32 = 1e-6;
/// Frames a released voice must stay silent before it is skipped.
pub const SILENT_FRAMES: u32 = 256;

/// Metadata of `instrument`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "instrument",
    aliases: &[],
    description: "a voice template played polyphonically (declare with `voice NAME ... end` \
                  or /voice/create); mono output `out`",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("count", 1.0, MAX_VOICES as f32, 8.0, "voices", 0.0),
        ParamSpec::choice("mode", &["poly", "mono", "legato"], 0),
        ParamSpec::choice("steal", &["oldest", "quietest", "lowest", "none"], 0),
        ParamSpec::choice("priority", &["last", "low", "high"], 0),
        ParamSpec::new("glide", 0.0, 10000.0, 0.0, "ms", 0.0),
        ParamSpec::new("unison", 1.0, MAX_UNISON as f32, 1.0, "", 0.0),
        ParamSpec::new("detune", 0.0, 1200.0, 0.0, "cents", 0.0),
        ParamSpec::new("bend", 0.0, 48.0, 2.0, "semitones", 0.0),
        ParamSpec::new("gain", 0.0, 4.0, 1.0, "", 20.0),
    ],
    gate: false,
    buffer: false,
};

/// The `instrument` type. Built this way it has an empty template (a voice
/// of only `note`, silent); [`Graph::compile`] builds instruments from their
/// templates with [`Instrument::new`].
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |cx| Box::new(Instrument::new(Vec::new(), 1, 1, cx.sample_rate)),
};

const NONE: u32 = u32::MAX;

mod groups;
mod play;
pub use groups::{groups_for, VoiceJobs, MAX_GROUPS};

/// One compiled copy of the template.
pub struct VoiceGraph {
    /// The voice's graph (one channel).
    pub graph: Graph,
    /// Node index of its `note` module.
    pub note: usize,
    /// Node indices of the modules whose gate follows the note's gate.
    pub gates: Vec<usize>,
}

struct Slot {
    v: VoiceGraph,
    /// Logical voice that owns it, or NONE (free or fading).
    owner: u32,
    /// Being rendered.
    on: bool,
    gain: f32,
    /// Gain decrement per sample while fading out (0: not fading).
    fade: f32,
    /// Consecutive silent frames while released.
    quiet: u32,
    /// Peak of the last rendered block.
    level: f32,
}

/// A polyphonic instrument.
pub struct Instrument {
    /// Parameter values as declared (what `params_mut` exposes).
    p: Vec<Smoother>,
    slots: Vec<Slot>,
    unison: usize,
    /// Slots of each logical voice: `[v * unison .. (v + 1) * unison]`.
    owned: Vec<u32>,
    /// Unowned slots that are not fading.
    free: Vec<u32>,
    /// Slots being rendered, sorted by group, then slot (`instrument/groups.rs`).
    active: Vec<u32>,
    /// Slots being rendered, per group.
    per_group: Vec<u32>,
    alloc: Allocator,
    /// Level per logical voice in its last block (for `steal=quietest`;
    /// gathered at a note-on).
    levels: Vec<f32>,
    glide: f32,
    detune: f32,
    bend_range: f32,
    bend: f32,
    /// The last note started (poly glides start from it).
    last: Option<f32>,
    gain: Smoother,
    fade_step: f32,
    /// The voice groups' buffers ([`MAX_GROUPS`]).
    groups: Vec<groups::Group>,
    /// The groups of the next block were rendered by the graph.
    prepared: bool,
    /// Allocator actions of one event (capacity: one per voice, plus one).
    actions: Vec<Action>,
}

impl Instrument {
    /// An instrument of `count` notes with `unison` copies each, from
    /// `2 · count · unison` compiled copies of its template (half of them
    /// spares that let stolen voices fade out). An empty list gives a silent
    /// instrument.
    pub fn new(voices: Vec<VoiceGraph>, count: usize, unison: usize, sr: f32) -> Instrument {
        let unison = unison.clamp(1, MAX_UNISON);
        let count = count.clamp(1, MAX_VOICES);
        let slots: Vec<Slot> = voices
            .into_iter()
            .map(|v| Slot {
                v,
                owner: NONE,
                on: false,
                gain: 1.0,
                fade: 0.0,
                quiet: 0,
                level: 0.0,
            })
            .collect();
        let n = slots.len();
        let groups = groups::groups_for(n);
        let mut inst = Instrument {
            p: SPEC
                .params
                .iter()
                .map(|d| Smoother::new(d.default, d.smoothing_ms, sr))
                .collect(),
            owned: vec![NONE; count * unison],
            free: Vec::with_capacity(n),
            active: Vec::with_capacity(n),
            per_group: vec![0; groups],
            alloc: Allocator::new(count, Mode::Poly, Steal::Oldest, Priority::Last),
            levels: vec![0.0; count],
            slots,
            unison,
            glide: 0.0,
            detune: 0.0,
            bend_range: 2.0,
            bend: 0.0,
            last: None,
            gain: Smoother::new(1.0, SPEC.params[param::GAIN].smoothing_ms, sr),
            fade_step: 1.0 / (STEAL_FADE_MS * 0.001 * sr).max(1.0),
            groups: (0..groups)
                .map(|_| groups::Group::new(n.div_ceil(groups)))
                .collect(),
            prepared: false,
            actions: Vec::with_capacity(count + 1),
        };
        for (i, o) in inst.owned.iter_mut().enumerate() {
            if i < n {
                *o = i as u32;
                inst.slots[i].owner = (i / unison) as u32;
            }
        }
        for i in (count * unison..n).rev() {
            inst.free.push(i as u32);
        }
        inst
    }

    /// Slots needed for `count` notes of `unison` copies.
    pub fn slots_needed(count: usize, unison: usize) -> usize {
        2 * count.clamp(1, MAX_VOICES) * unison.clamp(1, MAX_UNISON)
    }

    /// Voices (logical) currently sounding or held.
    pub fn busy_voices(&self) -> usize {
        (0..self.alloc.count())
            .filter(|&v| self.alloc.state(v) != State::Free)
            .count()
    }

    /// Slots rendered in the last block (sounding copies, fading ones included).
    pub fn rendered_slots(&self) -> usize {
        self.active.len()
    }

    /// Notes dropped because every voice was held and `steal=none`.
    pub fn dropped(&self) -> u64 {
        self.alloc.dropped
    }

    /// Held voices taken by a new note (poly steals) since the instrument
    /// was first built (carried over by commits).
    pub fn stolen(&self) -> u64 {
        self.alloc.stolen
    }

    fn note_mut(slot: &mut Slot) -> Option<&mut Note> {
        slot.v
            .graph
            .module_mut(slot.v.note)
            .as_any_mut()
            .and_then(|a| a.downcast_mut::<Note>())
    }

    /// Applies `f` to the note module of each slot of voice `v`.
    fn each_note(&mut self, v: usize, mut f: impl FnMut(&mut Note, usize)) {
        for k in 0..self.unison {
            let s = self.owned[v * self.unison + k];
            if s != NONE {
                if let Some(n) = Self::note_mut(&mut self.slots[s as usize]) {
                    f(n, k);
                }
            }
        }
    }

    fn set_gates(&mut self, v: usize, on: bool) {
        for k in 0..self.unison {
            let s = self.owned[v * self.unison + k];
            if s == NONE {
                continue;
            }
            let slot = &mut self.slots[s as usize];
            if slot.v.gates.is_empty() && !on {
                // Nothing in the template follows the gate: end with a fade.
                slot.fade = self.fade_step;
            }
            for gi in 0..slot.v.gates.len() {
                let g = slot.v.gates[gi];
                slot.v.graph.module_mut(g).set_gate(on);
            }
        }
    }

    /// Starts fading slot `s` out and detaches it from its voice.
    fn fade_out(&mut self, s: u32) {
        let slot = &mut self.slots[s as usize];
        slot.owner = NONE;
        if slot.on {
            slot.fade = self.fade_step;
        } else {
            self.free.push(s);
        }
    }

    /// A free slot: an idle one, else the fading one nearest silence (cut).
    fn take_slot(&mut self) -> Option<u32> {
        if let Some(s) = self.free.pop() {
            return Some(s);
        }
        let (k, _) = self
            .active
            .iter()
            .enumerate()
            .filter(|(_, &s)| self.slots[s as usize].owner == NONE)
            .min_by(|a, b| {
                let (ga, gb) = (
                    self.slots[*a.1 as usize].gain,
                    self.slots[*b.1 as usize].gain,
                );
                ga.total_cmp(&gb)
            })?;
        let s = self.active[k];
        self.remove_active(s);
        self.slots[s as usize].on = false;
        Some(s)
    }

    fn activate(&mut self, s: u32, v: usize) {
        let slot = &mut self.slots[s as usize];
        slot.owner = v as u32;
        slot.gain = 1.0;
        slot.fade = 0.0;
        slot.quiet = 0;
        if !slot.on {
            slot.on = true;
            self.insert_active(s);
        }
    }

    fn start(&mut self, v: usize, note: f32, vel: f32) {
        let u = self.unison;
        for k in 0..u {
            let i = v * u + k;
            let s = self.owned[i];
            // A voice still sounding goes on fading in its copy; the note
            // starts in a fresh one at its exact frame.
            let s = if s != NONE && self.slots[s as usize].on {
                self.fade_out(s);
                self.take_slot().unwrap_or(NONE)
            } else {
                s
            };
            self.owned[i] = s;
            if s != NONE {
                self.activate(s, v);
            }
        }
        let (glide, detune, bend) = (self.glide, self.detune, self.bend);
        // A poly voice glides from the note played before, whichever voice
        // played it (mono and legato have one voice: its own last note).
        let from = self.last.filter(|_| self.alloc.mode == Mode::Poly);
        self.each_note(v, |n, k| {
            n.detune = unison_offset(k, u, detune);
            n.bend = bend;
            if let Some(p) = from {
                n.place(p);
            }
            n.start(note, vel, glide);
        });
        self.last = Some(note);
        self.set_gates(v, true);
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::Start {
                voice, note, vel, ..
            } => self.start(voice, note, vel),
            Action::Retrigger { voice, note, vel } => {
                for k in 0..self.unison {
                    let s = self.owned[voice * self.unison + k];
                    if s != NONE {
                        self.activate(s, voice);
                    }
                }
                let glide = self.glide;
                self.each_note(voice, |n, _| n.start(note, vel, glide));
                self.set_gates(voice, true);
                self.last = Some(note);
            }
            Action::Legato { voice, note } => {
                let glide = self.glide;
                self.each_note(voice, |n, _| n.set_pitch(note, glide));
                self.last = Some(note);
            }
            Action::Release { voice } => {
                self.each_note(voice, |n, _| n.set_gate(false));
                self.set_gates(voice, false);
            }
            Action::Kill { voice } => {
                for k in 0..self.unison {
                    let s = self.owned[voice * self.unison + k];
                    if s != NONE && self.slots[s as usize].on {
                        self.slots[s as usize].fade = self.fade_step;
                    }
                }
            }
        }
    }

    fn set_bend(&mut self, semitones: f32) {
        self.bend = semitones;
        for s in self.slots.iter_mut() {
            if let Some(n) = Self::note_mut(s) {
                n.bend = semitones;
            }
        }
    }
}

/// Detune of unison copy `k` of `u`, in semitones: evenly spread so the
/// outermost copies are `cents` apart (0 for a single copy).
pub fn unison_offset(k: usize, u: usize, cents: f32) -> f32 {
    if u <= 1 {
        return 0.0;
    }
    cents / 100.0 * (k as f32 / (u - 1) as f32 - 0.5)
}
