//! `adsr`: attack-decay-sustain-release envelope with sample-exact segments.
//!
//! Attack is linear from the current level to 1 over exactly
//! `round(attack·sr/1000)` samples; decay and release are exponential-shaped
//! curves that land on their target at exactly their sample count (they aim
//! at a point 1% of the span beyond the target and stop on it). A gate-on
//! during any stage restarts the attack from the current level; gate-off in
//! any stage but release goes to release from the current level.

use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "adsr" | "envelope" | "env",
    description: "ADSR envelope; outputs in*envelope when `in` is connected, else the envelope; \
                  a signal on `gate` (high above 0.5, e.g. seq.gate) opens and closes it like gate events",
    inputs: [IN = "in", GATE = "gate"],
    outputs: [OUT = "out"],
    params: [
        ATTACK = ParamSpec::new("attack", 0.0, 10000.0, 5.0, "ms", 0.0).with_aliases(&["a"]),
        DECAY = ParamSpec::new("decay", 0.0, 10000.0, 100.0, "ms", 0.0).with_aliases(&["d"]),
        SUSTAIN = ParamSpec::new("sustain", 0.0, 1.0, 0.7, "", 5.0).with_aliases(&["s"]),
        RELEASE = ParamSpec::new("release", 0.0, 10000.0, 200.0, "ms", 0.0).with_aliases(&["r"]),
    ],
    gate: true,
    build: |cx| Box::new(Adsr::new(cx.sample_rate)),
}

/// How far beyond its target an exponential segment aims, as a fraction of
/// the span (0.01: the curve covers 40 dB of its span before it lands).
const OVERSHOOT: f64 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Sustain,
    Release,
}

/// Envelope state.
pub struct Adsr {
    sr: f32,
    /// Attack, decay and release times (ms, not smoothed: read when a
    /// segment starts) and the smoothed sustain level.
    p: Params<{ param::COUNT }>,
    stage: Stage,
    /// Samples elapsed in the stage.
    n: u32,
    /// Length of the stage in samples.
    len: u32,
    /// `1 / len`, for the linear attack.
    inv_len: f32,
    /// Level the stage started from (attack and release).
    start: f32,
    /// Exponential shape: 1 at the start of decay/release, 0 at the end.
    shape: f64,
    /// Per-sample factor of `shape + OVERSHOOT`.
    coeff: f64,
    /// Gate change waiting for the next sample (`set_gate` runs between
    /// `process` calls at the exact frame, so it applies at sample 0).
    pending: Option<bool>,
    /// Level of the `gate` input at the last sample.
    gate_high: bool,
}

impl Adsr {
    /// An idle envelope at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Adsr {
            sr: sample_rate,
            p: Params::new(SPEC.params, sample_rate),
            stage: Stage::Idle,
            n: 0,
            len: 0,
            inv_len: 0.0,
            start: 0.0,
            shape: 0.0,
            coeff: 0.0,
            pending: None,
            gate_high: false,
        }
    }

    /// Segment length in samples for `ms` milliseconds (rounded, ≥ 0).
    fn samples(&self, ms: f32) -> u32 {
        crate::modules::knobs::segment_frames(ms, self.sr)
    }

    /// The envelope's value at the current sample for sustain level `sus`.
    #[inline]
    fn value(&self, sus: f32) -> f32 {
        match self.stage {
            Stage::Idle => 0.0,
            Stage::Attack => self.start + (1.0 - self.start) * (self.n as f32 * self.inv_len),
            Stage::Decay => sus + (1.0 - sus) * self.shape as f32,
            Stage::Sustain => sus,
            Stage::Release => self.start * self.shape as f32,
        }
    }

    fn begin_attack(&mut self, from: f32, ms: f32, decay_ms: f32) {
        self.start = from;
        self.len = self.samples(ms);
        self.n = 0;
        if self.len == 0 {
            self.begin_decay(decay_ms);
        } else {
            self.stage = Stage::Attack;
            self.inv_len = 1.0 / self.len as f32;
        }
    }

    fn begin_exp(&mut self, len: u32) {
        self.len = len;
        self.n = 0;
        self.shape = 1.0;
        // (1 + k)·c^len = k  ⇒  shape reaches exactly 0 after len samples.
        self.coeff = if len == 0 {
            0.0
        } else {
            (OVERSHOOT / (1.0 + OVERSHOOT)).powf(1.0 / len as f64)
        };
    }

    fn begin_decay(&mut self, ms: f32) {
        let len = self.samples(ms);
        self.begin_exp(len);
        self.start = 1.0;
        self.stage = if len == 0 {
            Stage::Sustain
        } else {
            Stage::Decay
        };
    }

    fn begin_release(&mut self, from: f32, ms: f32) {
        let len = self.samples(ms);
        self.start = from;
        self.begin_exp(len);
        if len == 0 {
            self.stage = Stage::Idle;
        } else {
            self.stage = Stage::Release;
        }
    }

    /// Advances the exponential shape one sample; true when the stage is over.
    #[inline]
    fn step_exp(&mut self) -> bool {
        self.n += 1;
        self.shape = (self.shape + OVERSHOOT) * self.coeff - OVERSHOOT;
        self.n >= self.len
    }
}

impl Module for Adsr {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn set_gate(&mut self, on: bool) {
        self.pending = Some(on);
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let am = io.modulation_of(param::ATTACK);
        let dm = io.modulation_of(param::DECAY);
        let sm = io.modulation_of(param::SUSTAIN);
        let rm = io.modulation_of(param::RELEASE);
        let ms = |base: f32, m: Option<&[f32]>, i: usize| base + m.map_or(0.0, |m| m[i]);
        let (attack, decay, release) = (
            self.p.value(param::ATTACK),
            self.p.value(param::DECAY),
            self.p.value(param::RELEASE),
        );
        let mut sustain = self.p[param::SUSTAIN];
        let sus_still = sm.is_none() && !sustain.is_moving();
        let gate_in = io.input_connected[input::GATE].then(|| &io.inputs[input::GATE][..n]);
        let out = &mut io.outputs[output::OUT][..n];
        // Where a constant stretch starts and its level: written at the end,
        // multiplied by `in` in the same pass when `in` is connected.
        let mut held: Option<(usize, f32)> = None;
        let mut i = 0;
        while i < n {
            if let Some(g) = gate_in {
                let high = g[i] > 0.5;
                if high != self.gate_high {
                    self.gate_high = high;
                    self.pending = Some(high);
                }
            }
            // Holding stages with nothing moving: the rest of the block is constant.
            if sus_still && self.pending.is_none() && gate_in.is_none() {
                match self.stage {
                    Stage::Idle => {
                        held = Some((i, 0.0));
                        break;
                    }
                    Stage::Sustain => {
                        held = Some((i, sustain.current.clamp(0.0, 1.0)));
                        break;
                    }
                    _ => {}
                }
            }
            let sus = (sustain.next() + sm.map_or(0.0, |m| m[i])).clamp(0.0, 1.0);
            if let Some(on) = self.pending.take() {
                let from = self.value(sus);
                if on {
                    self.begin_attack(from, ms(attack, am, i), ms(decay, dm, i));
                } else if self.stage != Stage::Release && self.stage != Stage::Idle {
                    self.begin_release(from, ms(release, rm, i));
                }
            }
            out[i] = self.value(sus);
            // Advance to the next sample.
            match self.stage {
                Stage::Attack => {
                    self.n += 1;
                    if self.n >= self.len {
                        self.begin_decay(ms(decay, dm, i));
                    }
                }
                Stage::Decay => {
                    if self.step_exp() {
                        self.stage = Stage::Sustain;
                    }
                }
                Stage::Release => {
                    if self.step_exp() {
                        self.stage = Stage::Idle;
                    }
                }
                Stage::Idle | Stage::Sustain => {}
            }
            i += 1;
        }
        self.p[param::SUSTAIN] = sustain;
        let (end, level) = held.unwrap_or((n, 0.0));
        if io.input_connected[input::IN] {
            let x = &io.inputs[input::IN][..n];
            for (o, x) in out[..end].iter_mut().zip(&x[..end]) {
                *o *= *x;
            }
            // The same product as the level filled in, then multiplied.
            for (o, x) in out[end..].iter_mut().zip(&x[end..]) {
                *o = level * *x;
            }
        } else {
            out[end..].fill(level);
        }
    }

    fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.n = 0;
        self.len = 0;
        self.shape = 0.0;
        self.start = 0.0;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Adsr>(old) {
            self.p.carry_from(&o.p);
            self.stage = o.stage;
            self.n = o.n;
            self.len = o.len;
            self.inv_len = o.inv_len;
            self.start = o.start;
            self.shape = o.shape;
            self.coeff = o.coeff;
            self.pending = o.pending;
            self.gate_high = o.gate_high;
        }
    }
}
