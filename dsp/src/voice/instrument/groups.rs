//! Voice groups: an instrument's sounding copies split into groups that
//! render at the same time, on any threads, each into its own partial sum.
//!
//! Before a block, [`Instrument::voice_jobs`] cuts the list of sounding
//! copies into [`VoiceJobs::parts`] contiguous runs; the graph hands each run
//! to its render threads beside its bundles (see `graph/run.rs`), and the
//! instrument's own `process` (in the graph's tail) adds the partial sums in
//! group order. How the copies are grouped depends only on how many sound,
//! never on the thread count, so the output is bit-identical whichever
//! thread renders which group. Called without a prepared block (outside a
//! graph), `process` renders the groups itself, one after another.

use super::*;

/// Most groups an instrument's voices are split into.
pub const MAX_GROUPS: usize = 32;
/// Fewest sounding copies per group: fewer would cost more in scheduling
/// and summing than they save.
pub const MIN_PER_GROUP: usize = 4;

/// One group's buffers, a cache line apart from the next group's (two
/// threads write neighbouring groups at once).
#[repr(align(64))]
pub(super) struct Group {
    /// One copy's output.
    buf: Block,
    /// The group's copies, summed in list order.
    sum: Block,
}

impl Group {
    pub(super) fn new() -> Group {
        Group {
            buf: [0.0; MAX_BLOCK],
            sum: [0.0; MAX_BLOCK],
        }
    }
}

/// Groups for `sounding` copies: one per [`MIN_PER_GROUP`], at most [`MAX_GROUPS`].
pub fn groups_for(sounding: usize) -> usize {
    sounding.div_ceil(MIN_PER_GROUP).min(MAX_GROUPS)
}

/// One block's voice groups of one instrument, shared by the threads that
/// render them. Valid from [`Instrument::voice_jobs`] until the instrument's
/// next `process`; nothing else may touch the instrument in between.
pub struct VoiceJobs {
    slots: *mut Slot,
    active: *const u32,
    sounding: usize,
    groups: *mut Group,
    parts: usize,
    frames: usize,
    norm: f32,
}

// SAFETY: a `VoiceJobs` only reaches memory owned by its instrument, and each
// group touches disjoint slots (`active` lists a slot at most once) and its
// own buffers; see `render`.
unsafe impl Send for VoiceJobs {}
unsafe impl Sync for VoiceJobs {}

impl VoiceJobs {
    /// Groups to render (0: nothing sounds).
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// Renders group `g` (< `parts`): its copies, in list order, into its
    /// partial sum, recording each copy's peak and advancing its fade.
    ///
    /// # Safety
    /// The instrument is alive and not otherwise accessed, and no other
    /// thread renders group `g` at the same time.
    pub unsafe fn render(&self, g: usize) {
        let n = self.frames;
        let group = &mut *self.groups.add(g);
        let Group { buf, sum } = group;
        let sum = &mut sum[..n];
        sum.fill(0.0);
        let (lo, hi) = (
            g * self.sounding / self.parts,
            (g + 1) * self.sounding / self.parts,
        );
        for pos in lo..hi {
            let slot = &mut *self.slots.add(*self.active.add(pos) as usize);
            slot.v.graph.process(&mut [&mut buf[..n]], &[]);
            let buf = &buf[..n];
            let norm = self.norm;
            let mut peak = 0.0f32;
            if slot.fade > 0.0 {
                for (o, x) in sum.iter_mut().zip(buf) {
                    slot.gain = (slot.gain - slot.fade).max(0.0);
                    *o += x * slot.gain * norm;
                    peak = peak.max(x.abs());
                }
            } else {
                for (o, x) in sum.iter_mut().zip(buf) {
                    *o += x * norm;
                    peak = peak.max(x.abs());
                }
            }
            slot.level = peak;
        }
    }
}

impl Instrument {
    /// Prepares the next `frames` frames (≤ [`MAX_BLOCK`]) for rendering in
    /// groups; the caller renders every group of the result, then calls
    /// `process` for the same frames, which adds them up.
    pub fn voice_jobs(&mut self, frames: usize) -> VoiceJobs {
        let parts = groups_for(self.active.len());
        self.prepared = parts > 0;
        VoiceJobs {
            slots: self.slots.as_mut_ptr(),
            active: self.active.as_ptr(),
            sounding: self.active.len(),
            groups: self.groups.as_mut_ptr(),
            parts,
            frames: frames.min(MAX_BLOCK),
            norm: 1.0 / (self.unison as f32).sqrt(),
        }
    }

    /// Writes the sum of the rendered groups to `out`, in group order
    /// (rendering them first unless [`Instrument::voice_jobs`] was called).
    pub(super) fn sum_groups(&mut self, out: &mut [f32]) {
        let n = out.len();
        if !std::mem::take(&mut self.prepared) {
            let jobs = self.voice_jobs(n);
            self.prepared = false;
            for g in 0..jobs.parts {
                // SAFETY: `self` is borrowed mutably here; one group at a time.
                unsafe { jobs.render(g) };
            }
        }
        let parts = groups_for(self.active.len());
        match self.groups[..parts].split_first() {
            None => out.fill(0.0),
            Some((first, rest)) => {
                out.copy_from_slice(&first.sum[..n]);
                for g in rest {
                    for (o, s) in out.iter_mut().zip(&g.sum[..n]) {
                        *o += *s;
                    }
                }
            }
        }
    }
}
