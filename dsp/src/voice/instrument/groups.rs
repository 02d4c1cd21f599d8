//! Voice groups: an instrument's sounding copies split into groups that
//! render at the same time, on any threads, each into its own partial sum.
//!
//! Copy (slot) `s` belongs to group `s % groups` for good, and the list of
//! sounding copies is kept sorted by group, then slot, so a group's copies
//! are a contiguous run of it. Before a block, [`Instrument::voice_jobs`]
//! names the groups with a copy sounding; the graph hands each to its render
//! threads beside its bundles (see `graph/run.rs`), and the instrument's own
//! `process` (in the graph's tail) adds the partial sums in group order, then
//! retires the copies that ended. Which copy is in which group, and the
//! order of every sum, depend on neither the thread count nor how the frames
//! are cut into blocks: a copy that ends (its fade or its silence complete)
//! is rendered up to that frame and no further (so its next note starts
//! from the same state), adds nothing after it, and is retired at the end
//! of the block. So the output is bit-identical whichever thread renders
//! which group, and live (where blocks end at events) as offline. Called without a prepared block (outside a graph), `process`
//! renders the groups itself, one after another.

use super::*;

/// Most groups an instrument's voices are split into.
pub const MAX_GROUPS: usize = 32;

/// One group's buffers, a cache line apart from the next group's (two
/// threads write neighbouring groups at once).
#[repr(align(64))]
pub(super) struct Group {
    /// One copy's output.
    buf: Block,
    /// The group's copies, summed in slot order.
    sum: Block,
    /// Copies that ended in the last block (capacity: the group's slots).
    ended: Vec<u32>,
}

impl Group {
    /// Buffers for a group of at most `slots` copies (control thread).
    pub(super) fn new(slots: usize) -> Group {
        Group {
            buf: [0.0; MAX_BLOCK],
            sum: [0.0; MAX_BLOCK],
            ended: Vec::with_capacity(slots),
        }
    }
}

/// Groups of an instrument of `slots` copies: one per copy, at most [`MAX_GROUPS`].
pub fn groups_for(slots: usize) -> usize {
    slots.clamp(1, MAX_GROUPS)
}

/// One block's voice groups of one instrument, shared by the threads that
/// render them. Valid from [`Instrument::voice_jobs`] until the instrument's
/// next `process`; nothing else may touch the instrument in between.
pub struct VoiceJobs {
    slots: *mut Slot,
    active: *const u32,
    alloc: *const Allocator,
    groups: *mut Group,
    /// Groups with a copy sounding, in group order.
    busy: [u8; MAX_GROUPS],
    /// Where each group's run starts in `active` (one more: the end).
    start: [u32; MAX_GROUPS + 1],
    parts: usize,
    frames: usize,
    norm: f32,
}

// SAFETY: a `VoiceJobs` only reaches memory owned by its instrument; each
// group touches only its own slots (`active` lists a slot at most once) and
// buffers, and reads the allocator, which nothing writes meanwhile.
unsafe impl Send for VoiceJobs {}
unsafe impl Sync for VoiceJobs {}

impl VoiceJobs {
    /// Groups to render (0: nothing sounds).
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// Renders part `k` (< `parts`): its group's copies, in slot order, into
    /// the group's partial sum; advances fades and silence counts and notes
    /// the copies that ended.
    ///
    /// # Safety
    /// The instrument is alive and not otherwise accessed, and no other
    /// thread renders part `k` at the same time.
    pub unsafe fn render(&self, k: usize) {
        let n = self.frames;
        let g = self.busy[k] as usize;
        let Group { buf, sum, ended } = &mut *self.groups.add(g);
        let sum = &mut sum[..n];
        sum.fill(0.0);
        ended.clear();
        let norm = self.norm;
        for pos in self.start[g]..self.start[g + 1] {
            let s = *self.active.add(pos as usize);
            let slot = &mut *self.slots.add(s as usize);
            let owner = slot.owner;
            let released = owner != NONE && (*self.alloc).state(owner as usize) == State::Released;
            let mut peak = 0.0f32;
            if slot.fade > 0.0 {
                // Rendered up to the frame its gain reaches zero, no further.
                let (mut gain, mut m) = (slot.gain, 0);
                while m < n && gain > 0.0 {
                    gain = (gain - slot.fade).max(0.0);
                    m += 1;
                }
                slot.v.graph.process(&mut [&mut buf[..m]], &[]);
                for (o, x) in sum.iter_mut().zip(&buf[..m]) {
                    slot.gain = (slot.gain - slot.fade).max(0.0);
                    *o += x * slot.gain * norm;
                    peak = peak.max(x.abs());
                }
            } else if released {
                // Rendered until it has been silent for SILENT_FRAMES, no
                // further: a step is never longer than the frames left to
                // that, so it can end only on a step's last frame.
                let (mut quiet, mut at) = (slot.quiet, 0);
                while at < n && quiet < SILENT_FRAMES {
                    let step = (n - at).min((SILENT_FRAMES - quiet) as usize);
                    slot.v.graph.process(&mut [&mut buf[..step]], &[]);
                    for (o, x) in sum[at..at + step].iter_mut().zip(&buf[..step]) {
                        quiet = if x.abs() < SILENT_LEVEL { quiet + 1 } else { 0 };
                        *o += x * norm;
                        peak = peak.max(x.abs());
                    }
                    at += step;
                }
                slot.quiet = quiet;
            } else {
                slot.v.graph.process(&mut [&mut buf[..n]], &[]);
                for (o, x) in sum.iter_mut().zip(&buf[..n]) {
                    *o += x * norm;
                    peak = peak.max(x.abs());
                }
                slot.quiet = 0;
            }
            slot.level = peak;
            if (slot.fade > 0.0 && slot.gain <= 0.0) || slot.quiet >= SILENT_FRAMES {
                ended.push(s);
            }
        }
    }
}

impl Instrument {
    /// Group of slot `s`.
    fn group_of(&self, s: u32) -> usize {
        s as usize % self.groups.len()
    }

    /// Where slot `s` belongs in the sorted list of sounding slots.
    fn search_active(&self, s: u32) -> Result<usize, usize> {
        let k = self.groups.len() as u32;
        self.active
            .binary_search_by_key(&(s % k, s), |&a| (a % k, a))
    }

    /// Adds slot `s` to the sounding ones (no allocation: capacity is every slot).
    pub(super) fn insert_active(&mut self, s: u32) {
        if let Err(at) = self.search_active(s) {
            self.active.insert(at, s);
            let g = self.group_of(s);
            self.per_group[g] += 1;
        }
    }

    /// Removes slot `s` from the sounding ones.
    pub(super) fn remove_active(&mut self, s: u32) {
        if let Ok(at) = self.search_active(s) {
            self.active.remove(at);
            let g = self.group_of(s);
            self.per_group[g] -= 1;
        }
    }

    /// Prepares the next `frames` frames (≤ [`MAX_BLOCK`]) for rendering in
    /// groups; the caller renders every part of the result, then calls
    /// `process` for the same frames, which adds them up.
    pub fn voice_jobs(&mut self, frames: usize) -> VoiceJobs {
        let mut jobs = VoiceJobs {
            slots: self.slots.as_mut_ptr(),
            active: self.active.as_ptr(),
            alloc: &self.alloc,
            groups: self.groups.as_mut_ptr(),
            busy: [0; MAX_GROUPS],
            start: [0; MAX_GROUPS + 1],
            parts: 0,
            frames: frames.min(MAX_BLOCK),
            norm: 1.0 / (self.unison as f32).sqrt(),
        };
        for (g, &c) in self.per_group.iter().enumerate() {
            jobs.start[g + 1] = jobs.start[g] + c;
            if c > 0 {
                jobs.busy[jobs.parts] = g as u8;
                jobs.parts += 1;
            }
        }
        self.prepared = jobs.parts > 0;
        jobs
    }

    /// Writes the sum of the rendered groups to `out`, in group order
    /// (rendering them first unless [`Instrument::voice_jobs`] was called),
    /// then retires the copies that ended, group by group.
    pub(super) fn sum_groups(&mut self, out: &mut [f32]) {
        let n = out.len();
        if !std::mem::take(&mut self.prepared) {
            let jobs = self.voice_jobs(n);
            self.prepared = false;
            for k in 0..jobs.parts {
                // SAFETY: `self` is borrowed mutably here; one part at a time.
                unsafe { jobs.render(k) };
            }
        }
        let mut first = true;
        for (g, &c) in self.per_group.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let sum = &self.groups[g].sum[..n];
            if std::mem::take(&mut first) {
                out.copy_from_slice(sum);
            } else {
                for (o, s) in out.iter_mut().zip(sum) {
                    *o += *s;
                }
            }
        }
        if first {
            out.fill(0.0);
        }
        for g in 0..self.groups.len() {
            for e in 0..self.groups[g].ended.len() {
                let s = self.groups[g].ended[e];
                self.retire(s);
            }
            self.groups[g].ended.clear();
        }
    }

    /// Stops rendering slot `s`, which ended: frees it, or tells the
    /// allocator its voice fell silent once all of the voice's copies have.
    fn retire(&mut self, s: u32) {
        self.remove_active(s);
        let slot = &mut self.slots[s as usize];
        slot.on = false;
        slot.fade = 0.0;
        let owner = slot.owner;
        if owner == NONE {
            self.free.push(s);
            return;
        }
        let (v, u) = (owner as usize, self.unison);
        let all_off = self.owned[v * u..(v + 1) * u]
            .iter()
            .all(|&k| k == NONE || !self.slots[k as usize].on);
        if all_off {
            self.alloc.silent(v);
        }
    }
}
