//! `delay`: feedback delay line with an interpolated read, up to 2 seconds.

use super::shared;
use crate::module::{same_type, same_type_mut, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "delay" | "echo",
    description: "feedback delay: out = (1-mix)*in + mix*delayed; time glides without \
                  clicks (interpolated read; shortest delay 1 sample); sync=1/4, 3/16... sets \
                  time to that note value at the transport's tempo",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        TIME = ParamSpec::new("time", 0.0, 2000.0, 250.0, "ms", 50.0).with_aliases(&["delay", "time_ms"]),
        FEEDBACK = ParamSpec::new("feedback", 0.0, 0.99, 0.3, "", 5.0).with_aliases(&["fb"]),
        MIX = shared::MIX,
        SYNC = shared::SYNC,
    ],
    gate: false,
    build: |cx| Box::new(Delay::new(cx.sample_rate)),
}

/// Longest delay, in seconds.
const MAX_SECONDS: f64 = 2.0;

/// Delay state; the line is allocated once, in the constructor.
pub struct Delay {
    /// Samples per millisecond.
    spms: f64,
    /// Longest delay in samples.
    max_delay: f64,
    p: Params<{ param::COUNT }>,
    /// Power-of-two ring buffer.
    buf: Box<[f32]>,
    mask: usize,
    /// Next write position.
    w: usize,
    /// The synced time has been set once (later changes glide).
    synced: bool,
}

impl Delay {
    /// A delay at the parameter defaults, with room for 2 seconds.
    pub fn new(sample_rate: f32) -> Self {
        let max_delay = (MAX_SECONDS * sample_rate as f64).ceil();
        let len = (max_delay as usize + 2).next_power_of_two();
        Delay {
            spms: sample_rate as f64 / 1000.0,
            max_delay,
            p: Params::new(SPEC.params, sample_rate),
            buf: vec![0.0; len].into_boxed_slice(),
            mask: len - 1,
            w: 0,
            synced: false,
        }
    }
}

/// Whole samples and fraction of the delay for a time of `t` ms, with
/// `spms` samples per millisecond and at most `max_delay` samples.
#[inline]
fn offset(t: f32, spms: f64, max_delay: f64) -> (usize, f32) {
    let mut d = t as f64 * spms;
    if d.is_nan() || d < 1.0 {
        d = 1.0;
    } else if d > max_delay {
        d = max_delay;
    }
    let di = d as usize;
    (di, (d - di as f64) as f32)
}

impl Module for Delay {
    fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.buf)
    }
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        use param::{FEEDBACK, MIX, TIME};
        if let Some(beats) = crate::time::sync_beats(self.p.index(param::SYNC)) {
            // The tempo sets the time; a tempo change glides like a time change.
            let ms = (beats * 60_000.0 / io.time.bpm) as f32;
            if !self.synced {
                self.p[TIME].jump(ms);
                self.synced = true;
            } else if self.p[TIME].target != ms {
                self.p[TIME].set(ms);
            }
        }
        let n = io.frames;
        let tm = io.modulation_of(TIME);
        let fm = io.modulation_of(FEEDBACK);
        let mm = io.modulation_of(MIX);
        let x = &io.inputs[input::IN][..n];
        let out = &mut io.outputs[output::OUT][..n];
        let mask = self.mask;
        let buf = &mut self.buf[..];
        let mut w = self.w;
        let still =
            self.p.still(&[TIME, FEEDBACK, MIX]) && tm.is_none() && fm.is_none() && mm.is_none();
        if still {
            // Parameters hold for the whole call: the read offset, its
            // fraction and the gains are computed once (same arithmetic as
            // the general loop below).
            let fb = self.p.value(FEEDBACK).clamp(0.0, 0.99);
            let mix = self.p.value(MIX).clamp(0.0, 1.0);
            let (di, frac) = offset(self.p.value(TIME), self.spms, self.max_delay);
            let dry = 1.0 - mix;
            if di >= n && w + n <= buf.len() {
                // Every read is older than this call's writes, and the
                // writes do not wrap: read the (at most two) contiguous
                // pieces of the line behind the write position.
                let (mut ra, mut rb) = (w.wrapping_sub(di) & mask, w.wrapping_sub(di + 1) & mask);
                let mut i = 0;
                while i < n {
                    // Longest run where neither read index wraps.
                    let k = (n - i).min(buf.len() - ra).min(buf.len() - rb);
                    for j in 0..k {
                        let a = buf[ra + j];
                        let b = buf[rb + j];
                        let delayed = a + (b - a) * frac;
                        buf[w + i + j] = x[i + j] + fb * delayed;
                        out[i + j] = x[i + j] * dry + delayed * mix;
                    }
                    i += k;
                    ra = (ra + k) & mask;
                    rb = (rb + k) & mask;
                }
                self.w = (w + n) & mask;
                return;
            }
            for i in 0..n {
                let a = buf[w.wrapping_sub(di) & mask];
                let b = buf[w.wrapping_sub(di + 1) & mask];
                let delayed = a + (b - a) * frac;
                buf[w & mask] = x[i] + fb * delayed;
                w = (w + 1) & mask;
                out[i] = x[i] * dry + delayed * mix;
            }
            self.w = w;
            return;
        }
        for i in 0..n {
            let t = self.p[TIME].next() + tm.map_or(0.0, |m| m[i]);
            let fb = (self.p[FEEDBACK].next() + fm.map_or(0.0, |m| m[i])).clamp(0.0, 0.99);
            let mix = (self.p[MIX].next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            let (di, frac) = offset(t, self.spms, self.max_delay);
            let a = buf[w.wrapping_sub(di) & mask];
            let b = buf[w.wrapping_sub(di + 1) & mask];
            let delayed = a + (b - a) * frac;
            buf[w & mask] = x[i] + fb * delayed;
            w = (w + 1) & mask;
            out[i] = x[i] * (1.0 - mix) + delayed * mix;
        }
        self.w = w;
    }

    fn reset(&mut self) {
        self.buf.fill(0.0);
        self.w = 0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Delay>(old) {
            self.p.carry_from(&o.p);
            self.synced = true;
            if o.buf.len() == self.buf.len() {
                self.buf.copy_from_slice(&o.buf);
                self.w = o.w;
            }
        }
    }

    fn take_from(&mut self, old: &mut dyn Module) {
        if let Some(o) = same_type_mut::<Delay>(old) {
            self.p.carry_from(&o.p);
            self.synced = true;
            if o.buf.len() == self.buf.len() {
                std::mem::swap(&mut self.buf, &mut o.buf);
                self.w = o.w;
            }
        }
    }
}
