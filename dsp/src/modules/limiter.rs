//! `limiter`: stereo-linked lookahead peak limiter whose output never
//! exceeds the ceiling.
//!
//! For each sample the gain that would keep it at the ceiling,
//! `min(1, ceiling / max(|l|, |r|))`, enters a sliding-window minimum over
//! `M = lookahead + 1` samples; the result recovers with the release time
//! constant (falling at once), then a moving average over the same `M`
//! samples smooths it. The audio is delayed by `M − 1` samples, and every
//! gain in the average window is at most the one the delayed sample needs,
//! so the product stays under the ceiling (a final clamp absorbs rounding).
//! The lookahead is read from its parameter only (modulation is ignored):
//! changing it restarts the gain computation from the history.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::envfollow::one_pole;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::line::DelayLine;
use crate::spec::ParamSpec;

/// Longest lookahead, in milliseconds.
const MAX_LOOKAHEAD_MS: f32 = 20.0;

crate::module_type! {
    name: "limiter" | "brickwall",
    description: "lookahead peak limiter, stereo-linked: |out| never exceeds ceiling; \
                  output delayed by lookahead; lookahead is not modulatable",
    inputs: [LEFT = "left" | "l" | "in", RIGHT = "right" | "r"],
    outputs: [LEFT = "left" | "l" | "out", RIGHT = "right" | "r"],
    params: [
        CEILING = ParamSpec::new("ceiling", -40.0, 0.0, -1.0, "dB", 10.0).with_aliases(&["threshold"]),
        LOOKAHEAD = ParamSpec::new("lookahead", 0.1, MAX_LOOKAHEAD_MS, 5.0, "ms", 0.0),
        RELEASE = ParamSpec::new("release", 1.0, 5000.0, 100.0, "ms", 0.0).with_aliases(&["r"]),
    ],
    gate: false,
    build: |cx| Box::new(Limiter::new(cx.sample_rate)),
}

/// `limiter` state; every buffer is allocated here for the longest lookahead.
pub struct Limiter {
    sr: f32,
    knobs: Knobs<3>,
    left: DelayLine,
    right: DelayLine,
    /// Window length `M` in samples (0: not yet set up).
    m: usize,
    /// Sample counter (position of the newest gain).
    t: u64,
    /// Monotonic deque of (time, gain) for the sliding minimum.
    dq_t: Box<[u64]>,
    dq_g: Box<[f32]>,
    dq_head: usize,
    dq_len: usize,
    /// Required gains of the last samples (to rebuild after a change of `M`).
    need: DelayLine,
    /// Released gain, and the moving-average ring of it with its sum.
    rel: f32,
    avg: DelayLine,
    sum: f64,
    /// Release coefficient and the time it was computed for.
    rel_c: (f32, f32),
    /// Ceiling in dB and as a gain.
    ceil: (f32, f32),
}

impl Limiter {
    /// Bytes of its lines, for the memory budget.
    fn heap(&self) -> usize {
        let lines = [&self.left, &self.right, &self.need, &self.avg];
        lines.iter().map(|l| l.bytes()).sum::<usize>()
            + std::mem::size_of_val(&*self.dq_t)
            + std::mem::size_of_val(&*self.dq_g)
    }

    /// A limiter at −1 dB with 5 ms lookahead.
    pub fn new(sample_rate: f32) -> Self {
        let cap = (MAX_LOOKAHEAD_MS * 0.001 * sample_rate).ceil() as usize + 4;
        let dq = cap.next_power_of_two();
        Limiter {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            left: DelayLine::new(cap),
            right: DelayLine::new(cap),
            m: 0,
            t: 0,
            dq_t: vec![0; dq].into_boxed_slice(),
            dq_g: vec![1.0; dq].into_boxed_slice(),
            dq_head: 0,
            dq_len: 0,
            need: {
                let mut l = DelayLine::new(cap);
                l.fill(1.0);
                l
            },
            rel: 1.0,
            avg: DelayLine::new(cap),
            sum: 0.0,
            rel_c: (f32::NAN, 1.0),
            ceil: (f32::NAN, 1.0),
        }
    }

    /// Window length for `lookahead` ms.
    fn window(&self, lookahead: f32) -> usize {
        let la = if lookahead.is_nan() {
            5.0
        } else {
            lookahead.clamp(0.0, MAX_LOOKAHEAD_MS)
        };
        ((la * 0.001 * self.sr).round() as usize).max(1) + 1
    }

    /// Restarts the gain computation for window `m` from the gain history:
    /// the whole window holds the smallest gain needed in it.
    fn rebuild(&mut self, m: usize) {
        self.m = m;
        let mut g = 1.0f32;
        for d in 1..=m {
            g = g.min(self.need.tap(d));
        }
        self.dq_head = 0;
        self.dq_len = 1;
        self.dq_t[0] = self.t;
        self.dq_g[0] = g;
        self.rel = g;
        for _ in 0..m {
            self.avg.write(g);
        }
        self.sum = g as f64 * m as f64;
    }

    /// Pushes the gain needed now and returns the window minimum.
    #[inline]
    fn window_min(&mut self, g: f32) -> f32 {
        let mask = self.dq_t.len() - 1;
        while self.dq_len > 0 && self.dq_g[(self.dq_head + self.dq_len - 1) & mask] >= g {
            self.dq_len -= 1;
        }
        let back = (self.dq_head + self.dq_len) & mask;
        self.dq_t[back] = self.t;
        self.dq_g[back] = g;
        self.dq_len += 1;
        while self.dq_t[self.dq_head] + (self.m as u64) <= self.t {
            self.dq_head = (self.dq_head + 1) & mask;
            self.dq_len -= 1;
        }
        self.dq_g[self.dq_head]
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let mods = Mods::of(io);
        let (l, r) = (io.inputs[input::LEFT], io.inputs[input::RIGHT]);
        let [lo, ro] = io.outputs else {
            return;
        };
        for i in 0..io.frames {
            let [ceiling, _, release] = self.knobs.tick(&mods, i);
            let ceiling = sane(ceiling, -120.0, 0.0, -1.0);
            let m = self.window(self.knobs.value(param::LOOKAHEAD));
            if m != self.m {
                self.rebuild(m);
            }
            if release != self.rel_c.0 {
                self.rel_c = (release, one_pole(release, self.sr));
            }
            if ceiling != self.ceil.0 {
                self.ceil = (ceiling, 10f32.powf(ceiling * 0.05));
            }
            let ceil = self.ceil.1;
            let peak = l[i].abs().max(r[i].abs());
            let need = if peak > ceil { ceil / peak } else { 1.0 };
            self.t += 1;
            self.need.write(need);
            let held = self.window_min(need);
            self.rel = if held < self.rel {
                held
            } else {
                self.rel + self.rel_c.1 * (held - self.rel)
            };
            self.sum += self.rel as f64 - self.avg.tap(m) as f64;
            self.avg.write(self.rel);
            let g = (self.sum / m as f64) as f32;
            self.left.write(l[i]);
            self.right.write(r[i]);
            lo[i] = (self.left.tap(m) * g).clamp(-ceil, ceil);
            ro[i] = (self.right.tap(m) * g).clamp(-ceil, ceil);
        }
    }

    fn clear(&mut self) {
        self.left.clear();
        self.right.clear();
        self.need.fill(1.0);
        self.avg.fill(1.0);
        self.m = 0;
    }

    fn carry(&mut self, o: &Self) {
        self.left.carry_from(&o.left);
        self.right.carry_from(&o.right);
        self.need.carry_from(&o.need);
        self.avg.carry_from(&o.avg);
        self.m = o.m;
        self.t = o.t;
        if o.dq_t.len() == self.dq_t.len() {
            self.dq_t.copy_from_slice(&o.dq_t);
            self.dq_g.copy_from_slice(&o.dq_g);
            self.dq_head = o.dq_head;
            self.dq_len = o.dq_len;
        }
        self.rel = o.rel;
        self.sum = o.sum;
        self.rel_c = o.rel_c;
        self.ceil = o.ceil;
    }
}

knob_module!(Limiter, heap = heap);
