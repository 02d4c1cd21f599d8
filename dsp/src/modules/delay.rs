//! `delay`: feedback delay line with an interpolated read, up to 2 seconds.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use std::any::Any;

/// Metadata of `delay`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "delay",
    aliases: &["echo"],
    description: "feedback delay: out = (1-mix)*in + mix*delayed; time glides without \
                  clicks (interpolated read; shortest delay 1 sample); sync=1/4, 3/16... sets \
                  time to that note value at the transport's tempo",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("time", 0.0, 2000.0, 250.0, "ms", 50.0).with_aliases(&["delay", "time_ms"]),
        ParamSpec::new("feedback", 0.0, 0.99, 0.3, "", 5.0).with_aliases(&["fb"]),
        ParamSpec::new("mix", 0.0, 1.0, 0.5, "", 5.0).with_aliases(&["wet"]),
        ParamSpec::choice("sync", crate::time::SYNC_CHOICES, 0),
    ],
    gate: false,
};

/// The `delay` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(Delay::new(sr)),
};

/// Longest delay, in seconds.
const MAX_SECONDS: f64 = 2.0;

/// Delay state; the line is allocated once, in the constructor.
pub struct Delay {
    /// Samples per millisecond.
    spms: f64,
    /// Longest delay in samples.
    max_delay: f64,
    time: Smoother,
    feedback: Smoother,
    mix: Smoother,
    /// Power-of-two ring buffer.
    buf: Box<[f32]>,
    mask: usize,
    /// Next write position.
    w: usize,
    /// Delay in beats when tempo-synced.
    sync: Option<f64>,
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
            time: Smoother::new(250.0, SPEC.params[0].smoothing_ms, sample_rate),
            feedback: Smoother::new(0.3, SPEC.params[1].smoothing_ms, sample_rate),
            mix: Smoother::new(0.5, SPEC.params[2].smoothing_ms, sample_rate),
            buf: vec![0.0; len].into_boxed_slice(),
            mask: len - 1,
            w: 0,
            sync: None,
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
    fn spec(&self) -> &'static ModuleSpec {
        &SPEC
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            0 => self.time.set(value),
            1 => self.feedback.set(value),
            2 => self.mix.set(value),
            _ => self.sync = crate::time::sync_beats(value as usize),
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        match index {
            0 => self.time.jump(value),
            1 => self.feedback.jump(value),
            2 => self.mix.jump(value),
            _ => {
                self.sync = crate::time::sync_beats(value as usize);
                self.synced = false;
            }
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        if let Some(beats) = self.sync {
            // The tempo sets the time; a tempo change glides like a time change.
            let ms = (beats * 60_000.0 / io.time.bpm) as f32;
            if !self.synced {
                self.time.jump(ms);
                self.synced = true;
            } else if self.time.target != ms {
                self.time.set(ms);
            }
        }
        let n = io.frames;
        let tm = io.modulation_of(0);
        let fm = io.modulation_of(1);
        let mm = io.modulation_of(2);
        let x = &io.inputs[0][..n];
        let out = &mut io.outputs[0][..n];
        let mask = self.mask;
        let buf = &mut self.buf[..];
        let mut w = self.w;
        let still = !self.time.is_moving()
            && !self.feedback.is_moving()
            && !self.mix.is_moving()
            && tm.is_none()
            && fm.is_none()
            && mm.is_none();
        if still {
            // Parameters hold for the whole call: the read offset, its
            // fraction and the gains are computed once (same arithmetic as
            // the general loop below).
            let fb = self.feedback.current.clamp(0.0, 0.99);
            let mix = self.mix.current.clamp(0.0, 1.0);
            let (di, frac) = offset(self.time.current, self.spms, self.max_delay);
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
            let t = self.time.next() + tm.map_or(0.0, |m| m[i]);
            let fb = (self.feedback.next() + fm.map_or(0.0, |m| m[i])).clamp(0.0, 0.99);
            let mix = (self.mix.next() + mm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
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
            self.time.carry_from(&o.time);
            self.synced = true;
            self.feedback.carry_from(&o.feedback);
            self.mix.carry_from(&o.mix);
            if o.buf.len() == self.buf.len() {
                self.buf.copy_from_slice(&o.buf);
                self.w = o.w;
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
